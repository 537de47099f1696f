/*
 * Tests of the C API, compiled against include/karpenter_solver.h and libkarpenter_solver:
 * every entry point, every error path a C caller can reach (for ks_provision and
 * ks_consolidate alike), concurrent calls sharing a catalog, and, for each line of the
 * manifest given as argv[1], that ks_provision or ks_consolidate returns the same bytes as the
 * command line did.
 *
 *   test_capi [MANIFEST]
 *   test_capi --write-inputs DIR
 *
 * A manifest line is six tab-separated fields:
 *   VERB  LABEL  SNAPSHOT  CATALOG|-  NOW_UNIX|-  EXPECTED
 * where VERB is provision or consolidate, EXPECTED is what
 * `karpenter-solver VERB [--catalog CATALOG] [--now ...] SNAPSHOT` printed (the CLI adds one
 * newline) and LABEL names the case in the report. ci.sh writes it.
 *
 * --write-inputs writes this file's own snapshots (DIR/inline-provision.yaml and
 * DIR/inline-consolidate.yaml), so ci.sh can put them in the manifest: the inline cases are
 * compared with the CLI byte for byte too.
 *
 * Ends with "N passed, N failed".
 */
#include "karpenter_solver.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;
static int test_failed; /* whether the running test has failed a check */

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__,       \
              #cond);                                                          \
      test_failed = 1;                                                         \
    }                                                                          \
  } while (0)

#define CHECK_STATUS(got, want)                                                \
  do {                                                                         \
    ks_status got_ = (got);                                                    \
    if (got_ != (want)) {                                                      \
      fprintf(stderr, "  %s:%d: %s returned %u (%s), want %s\n", __FILE__,     \
              __LINE__, #got, (unsigned)got_, ks_status_message(got_), #want); \
      test_failed = 1;                                                         \
    }                                                                          \
  } while (0)

static void run(const char *name, void (*test)(void)) {
  test_failed = 0;
  test();
  if (test_failed) {
    failed++;
    printf("FAIL %s\n", name);
  } else {
    passed++;
    printf("ok   %s\n", name);
  }
}

#define RUN(test) run(#test, test)

static int contains(const char *haystack, const char *needle) {
  return haystack != NULL && strstr(haystack, needle) != NULL;
}

static const uint8_t *bytes(const char *text) { return (const uint8_t *)text; }

static int starts_with(const uint8_t *text, const char *prefix) {
  return text != NULL && strncmp((const char *)text, prefix, strlen(prefix)) == 0;
}

/* A pointer no call may read, for arguments checked before they are read. */
static const uint8_t poison[1];

/* ---- inputs ----------------------------------------------------------------------------- */

static const char SNAPSHOT[] =
    "apiVersion: v1\n"
    "kind: List\n"
    "items:\n"
    "- apiVersion: karpenter.sh/v1\n"
    "  kind: NodePool\n"
    "  metadata: {name: default}\n"
    "  spec:\n"
    "    template:\n"
    "      spec:\n"
    "        nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}\n"
    "        requirements:\n"
    "        - {key: kubernetes.io/arch, operator: In, values: [amd64]}\n"
    "- apiVersion: v1\n"
    "  kind: Pod\n"
    "  metadata: {name: web-1, namespace: default}\n"
    "  spec:\n"
    "    containers:\n"
    "    - name: app\n"
    "      resources: {requests: {cpu: 500m, memory: 1Gi}}\n"
    "- apiVersion: v1\n"
    "  kind: Pod\n"
    "  metadata: {name: huge-0, namespace: default}\n"
    "  spec:\n"
    "    containers:\n"
    "    - name: app\n"
    "      resources: {requests: {cpu: \"4096\"}}\n";

/* Five nodes of one pool, at NOW_UNIX: idle-1 is empty; big-1 and big-2 are underutilized
 * (api-0 moves to a cheaper replacement, web-0 to an existing node); pinned-1 holds a
 * do-not-disrupt pod; small-1's move would not pay. Every part of contract section 4. */
static const char CONSOLIDATE_SNAPSHOT[] =
    "apiVersion: v1\n"
    "kind: List\n"
    "items:\n"
    "- apiVersion: karpenter.sh/v1\n"
    "  kind: NodePool\n"
    "  metadata: {name: default}\n"
    "  spec:\n"
    "    template:\n"
    "      spec:\n"
    "        nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}\n"
    "        requirements:\n"
    "        - {key: kubernetes.io/arch, operator: In, values: [amd64]}\n"
    "    disruption:\n"
    "      consolidationPolicy: WhenEmptyOrUnderutilized\n"
    "      consolidateAfter: 0s\n"
    "      budgets: [{nodes: \"100%\"}]\n"
    "- apiVersion: policy/v1\n"
    "  kind: PodDisruptionBudget\n"
    "  metadata: {name: web, namespace: default}\n"
    "  spec: {selector: {matchLabels: {app: web}}, maxUnavailable: 1}\n"
    "- apiVersion: v1\n"
    "  kind: Node\n"
    "  metadata:\n"
    "    name: big-1\n"
    "    creationTimestamp: \"2026-11-01T00:00:00Z\"\n"
    "    labels:\n"
    "      karpenter.sh/nodepool: default\n"
    "      node.kubernetes.io/instance-type: m5.xlarge\n"
    "      topology.kubernetes.io/zone: us-east-1a\n"
    "      karpenter.sh/capacity-type: on-demand\n"
    "      kubernetes.io/arch: amd64\n"
    "  status: {allocatable: {cpu: 3920m, memory: 14162Mi, pods: \"58\"}}\n"
    "- apiVersion: v1\n"
    "  kind: Node\n"
    "  metadata:\n"
    "    name: big-2\n"
    "    creationTimestamp: \"2026-11-01T00:00:00Z\"\n"
    "    labels:\n"
    "      karpenter.sh/nodepool: default\n"
    "      node.kubernetes.io/instance-type: m5.2xlarge\n"
    "      topology.kubernetes.io/zone: us-east-1a\n"
    "      karpenter.sh/capacity-type: on-demand\n"
    "      kubernetes.io/arch: amd64\n"
    "  status: {allocatable: {cpu: 7910m, memory: 28780Mi, pods: \"58\"}}\n"
    "- apiVersion: v1\n"
    "  kind: Node\n"
    "  metadata:\n"
    "    name: small-1\n"
    "    creationTimestamp: \"2026-11-01T00:00:00Z\"\n"
    "    labels:\n"
    "      karpenter.sh/nodepool: default\n"
    "      node.kubernetes.io/instance-type: m5.large\n"
    "      topology.kubernetes.io/zone: us-east-1a\n"
    "      karpenter.sh/capacity-type: on-demand\n"
    "      kubernetes.io/arch: amd64\n"
    "  status: {allocatable: {cpu: 1930m, memory: 6903Mi, pods: \"29\"}}\n"
    "- apiVersion: v1\n"
    "  kind: Node\n"
    "  metadata:\n"
    "    name: idle-1\n"
    "    creationTimestamp: \"2026-11-01T00:00:00Z\"\n"
    "    labels:\n"
    "      karpenter.sh/nodepool: default\n"
    "      node.kubernetes.io/instance-type: m5.large\n"
    "      topology.kubernetes.io/zone: us-east-1a\n"
    "      karpenter.sh/capacity-type: on-demand\n"
    "      kubernetes.io/arch: amd64\n"
    "  status: {allocatable: {cpu: 1930m, memory: 6903Mi, pods: \"29\"}}\n"
    "- apiVersion: v1\n"
    "  kind: Node\n"
    "  metadata:\n"
    "    name: pinned-1\n"
    "    creationTimestamp: \"2026-11-01T00:00:00Z\"\n"
    "    labels:\n"
    "      karpenter.sh/nodepool: default\n"
    "      node.kubernetes.io/instance-type: m5.large\n"
    "      topology.kubernetes.io/zone: us-east-1a\n"
    "      karpenter.sh/capacity-type: on-demand\n"
    "      kubernetes.io/arch: amd64\n"
    "  status: {allocatable: {cpu: 1930m, memory: 6903Mi, pods: \"29\"}}\n"
    "- apiVersion: v1\n"
    "  kind: Pod\n"
    "  metadata: {name: web-0, namespace: default, labels: {app: web}}\n"
    "  spec:\n"
    "    nodeName: big-1\n"
    "    containers: [{name: app, resources: {requests: {cpu: 500m, memory: 1Gi}}}]\n"
    "  status: {phase: Running}\n"
    "- apiVersion: v1\n"
    "  kind: Pod\n"
    "  metadata: {name: web-1, namespace: default, labels: {app: web}}\n"
    "  spec:\n"
    "    nodeName: small-1\n"
    "    containers: [{name: app, resources: {requests: {cpu: 500m, memory: 1Gi}}}]\n"
    "  status: {phase: Running}\n"
    "- apiVersion: v1\n"
    "  kind: Pod\n"
    "  metadata: {name: api-0, namespace: default, labels: {app: api}}\n"
    "  spec:\n"
    "    nodeName: big-2\n"
    "    containers: [{name: app, resources: {requests: {cpu: \"3\", memory: 6Gi}}}]\n"
    "  status: {phase: Running}\n"
    "- apiVersion: v1\n"
    "  kind: Pod\n"
    "  metadata:\n"
    "    name: batch-0\n"
    "    namespace: default\n"
    "    labels: {app: batch}\n"
    "    annotations: {karpenter.sh/do-not-disrupt: \"true\"}\n"
    "  spec:\n"
    "    nodeName: pinned-1\n"
    "    containers: [{name: app, resources: {requests: {cpu: 200m, memory: 256Mi}}}]\n"
    "  status: {phase: Running}\n";

/* 2026-11-23T12:00:00Z */
static const int64_t NOW_UNIX = 1795435200;

static const char BAD_QUANTITY_SNAPSHOT[] =
    "items:\n"
    "- apiVersion: v1\n"
    "  kind: Pod\n"
    "  metadata: {name: web-1, namespace: default}\n"
    "  spec:\n"
    "    containers:\n"
    "    - name: app\n"
    "      resources: {requests: {cpu: 1x}}\n";

static const char CATALOG[] =
    "- name: m5.large\n"
    "  capacity: {cpu: \"2\", memory: 7577Mi, pods: \"29\"}\n"
    "  overhead: {cpu: 70m, memory: 674Mi}\n"
    "  labels: {kubernetes.io/arch: amd64}\n"
    "  offerings:\n"
    "  - {zone: us-east-1a, capacityType: on-demand, price: 0.096}\n";

static const char BAD_FIELD_CATALOG[] =
    "- name: m5.large\n"
    "  capacity: {cpu: lots}\n"
    "  offerings: []\n";

/* Not UTF-8: a lone continuation byte and an invalid lead byte. */
static const char NOT_UTF8[] = "items: [\x80\xff]\n";

static ks_catalog *default_catalog;

/* ---- tests ------------------------------------------------------------------------------ */

static void test_version(void) {
  const char *v = ks_version();
  unsigned major, minor, patch;
  CHECK(v != NULL);
  CHECK(sscanf(v, "%u.%u.%u", &major, &minor, &patch) == 3);
  CHECK(ks_version() == v); /* static */
}

static void test_status_messages(void) {
  const ks_status all[] = {KS_OK, KS_INVALID_INPUT, KS_INVALID_OPTION, KS_NULL_ARGUMENT,
                           KS_INVALID_LENGTH, KS_PANIC};
  size_t n = sizeof all / sizeof all[0];
  CHECK(KS_OK == 0);
  for (size_t i = 0; i < n; i++) {
    const char *m = ks_status_message(all[i]);
    CHECK(m != NULL && m[0] != '\0');
    CHECK(!contains(m, "unknown"));
    for (size_t j = 0; j < i; j++) CHECK(strcmp(m, ks_status_message(all[j])) != 0);
  }
  CHECK(strcmp(ks_status_message(KS_OK), "ok") == 0);
  CHECK(strcmp(ks_status_message(6), "unknown status") == 0);
  CHECK(strcmp(ks_status_message(UINT32_MAX), "unknown status") == 0);
}

static void test_options_default(void) {
  ks_options d = ks_options_default();
  ks_options zero = {0};
  CHECK(!d.has_now);
  CHECK(d.now_unix == 0);
  CHECK(d.has_now == zero.has_now && d.now_unix == zero.now_unix);
}

static void test_catalog_default(void) {
  ks_catalog *c = (ks_catalog *)poison;
  CHECK_STATUS(ks_catalog_default(&c), KS_OK);
  CHECK(c != NULL && c != (ks_catalog *)poison);
  ks_catalog_free(c);
  CHECK_STATUS(ks_catalog_default(NULL), KS_NULL_ARGUMENT);
}

static void test_catalog_from_bytes(void) {
  ks_catalog *c = NULL;
  ks_error *err = (ks_error *)poison; /* must be overwritten with NULL on success */
  CHECK_STATUS(ks_catalog_from_bytes(bytes(CATALOG), strlen(CATALOG), &c, &err), KS_OK);
  CHECK(c != NULL);
  CHECK(err == NULL);
  ks_catalog_free(c);

  /* err may be null: no details wanted. */
  c = NULL;
  CHECK_STATUS(ks_catalog_from_bytes(bytes(CATALOG), strlen(CATALOG), &c, NULL), KS_OK);
  CHECK(c != NULL);
  ks_catalog_free(c);

  /* An empty list is a valid, empty catalog. */
  c = NULL;
  CHECK_STATUS(ks_catalog_from_bytes(bytes("[]"), 2, &c, NULL), KS_OK);
  CHECK(c != NULL);
  ks_catalog_free(c);
}

static void test_catalog_from_bytes_errors(void) {
  ks_catalog *c = (ks_catalog *)poison;
  ks_error *err = NULL;

  CHECK_STATUS(ks_catalog_from_bytes(NULL, 0, &c, &err), KS_NULL_ARGUMENT);
  CHECK(c == NULL); /* set to null on failure */
  CHECK(contains(ks_error_message(err), "data"));
  CHECK(ks_error_status(err) == KS_NULL_ARGUMENT);
  CHECK(ks_error_object(err) == NULL && ks_error_field(err) == NULL);
  ks_error_free(err);

  err = NULL;
  CHECK_STATUS(ks_catalog_from_bytes(bytes(CATALOG), strlen(CATALOG), NULL, &err),
               KS_NULL_ARGUMENT);
  CHECK(contains(ks_error_message(err), "out"));
  ks_error_free(err);

  err = NULL;
  c = (ks_catalog *)poison;
  CHECK_STATUS(ks_catalog_from_bytes(poison, (size_t)PTRDIFF_MAX + 1, &c, &err),
               KS_INVALID_LENGTH);
  CHECK(c == NULL);
  CHECK(contains(ks_error_message(err), "data"));
  ks_error_free(err);

  err = NULL;
  CHECK_STATUS(ks_catalog_from_bytes(bytes("- name: [\n"), 10, &c, &err), KS_INVALID_INPUT);
  CHECK(c == NULL);
  CHECK(contains(ks_error_message(err), "catalog"));
  CHECK(contains(ks_error_message(err), "line"));
  CHECK(ks_error_object(err) == NULL);
  ks_error_free(err);

  err = NULL;
  CHECK_STATUS(ks_catalog_from_bytes(bytes(NOT_UTF8), strlen(NOT_UTF8), &c, &err),
               KS_INVALID_INPUT);
  CHECK(contains(ks_error_message(err), "UTF-8"));
  ks_error_free(err);

  err = NULL;
  CHECK_STATUS(
      ks_catalog_from_bytes(bytes(BAD_FIELD_CATALOG), strlen(BAD_FIELD_CATALOG), &c, &err),
      KS_INVALID_INPUT);
  CHECK(ks_error_status(err) == KS_INVALID_INPUT);
  CHECK(ks_error_object(err) != NULL &&
        strcmp(ks_error_object(err), "InstanceType/m5.large") == 0);
  CHECK(contains(ks_error_field(err), "capacity"));
  CHECK(contains(ks_error_message(err), "InstanceType/m5.large"));
  CHECK(contains(ks_error_message(err), "lots"));
  ks_error_free(err);

  /* Failure with err null still reports the status. */
  CHECK_STATUS(ks_catalog_from_bytes(bytes("- name: [\n"), 10, &c, NULL), KS_INVALID_INPUT);
}

/* ks_provision and ks_consolidate: one signature, one set of rules. */
typedef ks_status (*verb_fn)(const uint8_t *snapshot, size_t snapshot_len,
                             const ks_catalog *catalog, const ks_options *options,
                             ks_buffer *out, ks_error **err);

static ks_status verb_text(verb_fn verb, const char *snapshot, const ks_options *options,
                           ks_buffer *out, ks_error **err) {
  return verb(bytes(snapshot), strlen(snapshot), default_catalog, options, out, err);
}

static ks_status provision_text(const char *snapshot, const ks_options *options,
                                ks_buffer *out, ks_error **err) {
  return verb_text(ks_provision, snapshot, options, out, err);
}

static ks_status consolidate_text(const char *snapshot, const ks_options *options,
                                  ks_buffer *out, ks_error **err) {
  return verb_text(ks_consolidate, snapshot, options, out, err);
}

static void test_provision(void) {
  ks_buffer out = {(uint8_t *)poison, 12345};
  ks_error *err = (ks_error *)poison;
  CHECK_STATUS(provision_text(SNAPSHOT, NULL, &out, &err), KS_OK);
  CHECK(err == NULL);
  CHECK(out.data != NULL && out.len > 0);
  if (out.data == NULL) return;
  CHECK(out.data[out.len] == '\0');
  CHECK(strlen((const char *)out.data) == out.len);
  const char *json = (const char *)out.data;
  CHECK(strncmp(json, "{\"nodeClaims\":[{", 16) == 0);
  CHECK(contains(json, "\"default/web-1\""));
  CHECK(contains(json, "\"unschedulable\":[{\"pod\":\"default/huge-0\""));
  CHECK(json[out.len - 1] == '}');

  /* Null options, zeroed options and ks_options_default() are the same. */
  ks_options zero = {0};
  ks_options d = ks_options_default();
  ks_buffer again = {0};
  CHECK_STATUS(provision_text(SNAPSHOT, &zero, &again, NULL), KS_OK);
  CHECK(again.len == out.len && memcmp(again.data, out.data, out.len) == 0);
  ks_buffer_free(&again);
  CHECK_STATUS(provision_text(SNAPSHOT, &d, &again, NULL), KS_OK);
  CHECK(again.len == out.len && memcmp(again.data, out.data, out.len) == 0);
  ks_buffer_free(&again);

  /* A clock. */
  ks_options now = {.has_now = true, .now_unix = NOW_UNIX};
  CHECK_STATUS(provision_text(SNAPSHOT, &now, &again, NULL), KS_OK);
  CHECK(again.data != NULL);
  ks_buffer_free(&again);
  /* now_unix is not read when has_now is false. */
  ks_options unset = {.has_now = false, .now_unix = INT64_MAX};
  CHECK_STATUS(provision_text(SNAPSHOT, &unset, &again, NULL), KS_OK);
  ks_buffer_free(&again);

  /* An empty snapshot is valid: an empty plan. */
  CHECK_STATUS(provision_text("items: []", NULL, &again, NULL), KS_OK);
  CHECK(again.data != NULL &&
        strcmp((const char *)again.data,
               "{\"nodeClaims\":[],\"existingNodes\":[],\"unschedulable\":[],\"relaxed\":[],"
               "\"totalPrice\":0.0,\"lowerBound\":0.0}") == 0);
  ks_buffer_free(&again);

  /* A catalog made from bytes. */
  ks_catalog *small = NULL;
  CHECK_STATUS(ks_catalog_from_bytes(bytes(CATALOG), strlen(CATALOG), &small, NULL), KS_OK);
  CHECK_STATUS(ks_provision(bytes(SNAPSHOT), strlen(SNAPSHOT), small, NULL, &again, NULL),
               KS_OK);
  CHECK(contains((const char *)again.data, "\"instanceTypes\":[\"m5.large\"]"));
  ks_buffer_free(&again);
  ks_catalog_free(small);

  ks_buffer_free(&out);
  CHECK(out.data == NULL && out.len == 0);
}

static void test_consolidate(void) {
  ks_buffer out = {(uint8_t *)poison, 12345};
  ks_error *err = (ks_error *)poison;
  ks_options now = {.has_now = true, .now_unix = NOW_UNIX};
  CHECK_STATUS(consolidate_text(CONSOLIDATE_SNAPSHOT, &now, &out, &err), KS_OK);
  CHECK(err == NULL);
  CHECK(out.data != NULL && out.len > 0);
  if (out.data == NULL) return;
  CHECK(out.data[out.len] == '\0');
  CHECK(strlen((const char *)out.data) == out.len);
  const char *json = (const char *)out.data;
  CHECK(starts_with(out.data, "{\"commands\":[{\"reason\":\"Empty\",\"nodes\":[\"idle-1\"],"));
  /* The plan's content is the solver's business (its own tests pin it); here every part of
   * contract section 4 must cross the boundary. */
  CHECK(contains(json, "{\"reason\":\"Underutilized\",\"nodes\":["));
  CHECK(contains(json, "\"podMoves\":[{\"pod\":\"default/"));
  CHECK(contains(json, "{\"node\":\"pinned-1\",\"reason\":\"pod default/batch-0 has "
                       "karpenter.sh/do-not-disrupt\"}"));
  CHECK(contains(json, "\"savingsPerHour\":"));
  CHECK(contains(json, "\"lowerBound\":"));
  CHECK(json[out.len - 1] == '}');

  /* Same options, same bytes: deterministic. */
  ks_buffer again = {0};
  CHECK_STATUS(consolidate_text(CONSOLIDATE_SNAPSHOT, &now, &again, NULL), KS_OK);
  CHECK(again.len == out.len && memcmp(again.data, out.data, out.len) == 0);
  ks_buffer_free(&again);

  /* Null options, zeroed options and ks_options_default() are the same (no clock). */
  ks_buffer plain = {0};
  ks_options zero = {0};
  ks_options d = ks_options_default();
  CHECK_STATUS(consolidate_text(CONSOLIDATE_SNAPSHOT, NULL, &plain, NULL), KS_OK);
  CHECK(plain.data != NULL);
  CHECK_STATUS(consolidate_text(CONSOLIDATE_SNAPSHOT, &zero, &again, NULL), KS_OK);
  CHECK(again.len == plain.len && memcmp(again.data, plain.data, plain.len) == 0);
  ks_buffer_free(&again);
  CHECK_STATUS(consolidate_text(CONSOLIDATE_SNAPSHOT, &d, &again, NULL), KS_OK);
  CHECK(again.len == plain.len && memcmp(again.data, plain.data, plain.len) == 0);
  ks_buffer_free(&again);
  /* now_unix is not read when has_now is false. */
  ks_options unset = {.has_now = false, .now_unix = INT64_MAX};
  CHECK_STATUS(consolidate_text(CONSOLIDATE_SNAPSHOT, &unset, &again, NULL), KS_OK);
  CHECK(again.len == plain.len && memcmp(again.data, plain.data, plain.len) == 0);
  ks_buffer_free(&again);
  ks_buffer_free(&plain);

  /* An empty snapshot is valid: an empty plan. (The sign of its zero savings is the
   * library's; the manifest compares it with the CLI.) */
  CHECK_STATUS(consolidate_text("items: []", NULL, &again, NULL), KS_OK);
  CHECK(starts_with(again.data, "{\"commands\":[],\"blocked\":[],\"savingsPerHour\":"));
  CHECK(contains((const char *)again.data, "\"lowerBound\":0.0}"));
  ks_buffer_free(&again);

  /* A catalog made from bytes. It prices only m5.large, so removing the bigger nodes saves
   * nothing: small-1 moves onto big-1 instead. */
  ks_catalog *small = NULL;
  CHECK_STATUS(ks_catalog_from_bytes(bytes(CATALOG), strlen(CATALOG), &small, NULL), KS_OK);
  CHECK_STATUS(ks_consolidate(bytes(CONSOLIDATE_SNAPSHOT), strlen(CONSOLIDATE_SNAPSHOT), small,
                              &now, &again, NULL),
               KS_OK);
  /* Content is the solver's to pin; here the plan crosses whole. */
  CHECK(starts_with(again.data, "{\"commands\":["));
  CHECK(contains((const char *)again.data, "\"blocked\":[{\"node\":"));
  ks_buffer_free(&again);
  ks_catalog_free(small);

  /* Provision and consolidate read the same snapshot differently, but both succeed on it. */
  CHECK_STATUS(provision_text(CONSOLIDATE_SNAPSHOT, &now, &again, NULL), KS_OK);
  CHECK(starts_with(again.data, "{\"nodeClaims\":[],"));
  ks_buffer_free(&again);

  ks_buffer_free(&out);
  CHECK(out.data == NULL && out.len == 0);
}

/* Every error path a caller can reach, for either verb: the same checks in the same order. */
static void verb_errors(verb_fn verb) {
  ks_buffer out = {(uint8_t *)poison, 1};
  ks_error *err = NULL;
  size_t len = strlen(SNAPSHOT);

#define EXPECT_FAILURE(call, status, text)                                     \
  do {                                                                         \
    out.data = (uint8_t *)poison;                                              \
    out.len = 1;                                                               \
    err = NULL;                                                                \
    CHECK_STATUS(call, status);                                                \
    CHECK(out.data == NULL && out.len == 0);                                   \
    CHECK(err != NULL);                                                        \
    CHECK(ks_error_status(err) == (status));                                   \
    if (!contains(ks_error_message(err), text)) {                              \
      fprintf(stderr, "  %s:%d: message %s lacks %s\n", __FILE__, __LINE__,    \
              ks_error_message(err), text);                                    \
      test_failed = 1;                                                         \
    }                                                                          \
  } while (0)

  EXPECT_FAILURE(verb(NULL, len, default_catalog, NULL, &out, &err), KS_NULL_ARGUMENT,
                 "snapshot");
  ks_error_free(err);
  EXPECT_FAILURE(verb(NULL, 0, default_catalog, NULL, &out, &err), KS_NULL_ARGUMENT,
                 "snapshot");
  ks_error_free(err);
  EXPECT_FAILURE(verb(bytes(SNAPSHOT), len, NULL, NULL, &out, &err), KS_NULL_ARGUMENT,
                 "catalog");
  ks_error_free(err);
  err = NULL;
  CHECK_STATUS(verb(bytes(SNAPSHOT), len, default_catalog, NULL, NULL, &err),
               KS_NULL_ARGUMENT);
  CHECK(contains(ks_error_message(err), "out"));
  ks_error_free(err);
  EXPECT_FAILURE(
      verb(poison, (size_t)PTRDIFF_MAX + 1, default_catalog, NULL, &out, &err),
      KS_INVALID_LENGTH, "snapshot");
  ks_error_free(err);
  EXPECT_FAILURE(verb(poison, SIZE_MAX, default_catalog, NULL, &out, &err),
                 KS_INVALID_LENGTH, "snapshot");
  ks_error_free(err);

  EXPECT_FAILURE(verb_text(verb, NOT_UTF8, NULL, &out, &err), KS_INVALID_INPUT, "UTF-8");
  CHECK(ks_error_object(err) == NULL);
  ks_error_free(err);

  EXPECT_FAILURE(verb_text(verb, "items: [\n  - {kind: Pod\n", NULL, &out, &err),
                 KS_INVALID_INPUT, "snapshot: invalid YAML at line");
  CHECK(ks_error_object(err) == NULL && ks_error_field(err) == NULL);
  ks_error_free(err);

  EXPECT_FAILURE(verb_text(verb, "42", NULL, &out, &err), KS_INVALID_INPUT, "snapshot");
  ks_error_free(err);

  EXPECT_FAILURE(verb_text(verb, BAD_QUANTITY_SNAPSHOT, NULL, &out, &err), KS_INVALID_INPUT,
                 "Pod/default/web-1, spec.containers[0].resources.requests");
  CHECK(ks_error_object(err) != NULL && strcmp(ks_error_object(err), "Pod/default/web-1") == 0);
  CHECK(contains(ks_error_field(err), "spec.containers[0].resources.requests"));
  CHECK(contains(ks_error_message(err), "1x"));
  ks_error_free(err);

  ks_options far = {.has_now = true, .now_unix = INT64_MAX};
  EXPECT_FAILURE(verb_text(verb, SNAPSHOT, &far, &out, &err), KS_INVALID_OPTION, "now");
  CHECK(ks_error_object(err) == NULL);
  ks_error_free(err);
  far.now_unix = INT64_MIN;
  EXPECT_FAILURE(verb_text(verb, SNAPSHOT, &far, &out, &err), KS_INVALID_OPTION, "now");
  ks_error_free(err);

  /* Options are checked before the snapshot is parsed, as the command line does. */
  EXPECT_FAILURE(verb_text(verb, BAD_QUANTITY_SNAPSHOT, &far, &out, &err), KS_INVALID_OPTION,
                 "now");
  ks_error_free(err);

  /* err null: only the status. */
  out.data = (uint8_t *)poison;
  CHECK_STATUS(verb_text(verb, BAD_QUANTITY_SNAPSHOT, NULL, &out, NULL), KS_INVALID_INPUT);
  CHECK(out.data == NULL);
#undef EXPECT_FAILURE
}

static void test_provision_errors(void) { verb_errors(ks_provision); }

static void test_consolidate_errors(void) { verb_errors(ks_consolidate); }

static void test_null_is_harmless(void) {
  ks_buffer empty = {0};
  ks_buffer_free(NULL);
  ks_buffer_free(&empty);
  ks_error_free(NULL);
  ks_catalog_free(NULL);
  CHECK(ks_error_message(NULL) == NULL);
  CHECK(ks_error_object(NULL) == NULL);
  CHECK(ks_error_field(NULL) == NULL);
  CHECK(ks_error_status(NULL) == KS_NULL_ARGUMENT);

  /* Freeing a buffer twice is harmless: the first free empties it. */
  ks_buffer out = {0};
  CHECK_STATUS(provision_text("items: []", NULL, &out, NULL), KS_OK);
  ks_buffer_free(&out);
  CHECK(out.data == NULL && out.len == 0);
  ks_buffer_free(&out);
}

/* ---- threads ---------------------------------------------------------------------------- */

enum { THREADS = 4, ROUNDS = 3 };

struct worker {
  pthread_t thread;
  const ks_buffer *provisioned;
  const ks_buffer *consolidated;
  int mismatches;
};

static int same(ks_status status, const ks_buffer *out, const ks_buffer *expected) {
  return status == KS_OK && out->len == expected->len &&
         memcmp(out->data, expected->data, out->len) == 0;
}

/* Each round calls both verbs, so provision and consolidate run at once, on one catalog. */
static void *work(void *arg) {
  struct worker *w = arg;
  ks_options now = {.has_now = true, .now_unix = NOW_UNIX};
  for (int i = 0; i < ROUNDS; i++) {
    ks_buffer out = {0};
    if (!same(provision_text(SNAPSHOT, NULL, &out, NULL), &out, w->provisioned)) w->mismatches++;
    ks_buffer_free(&out);
    if (!same(consolidate_text(CONSOLIDATE_SNAPSHOT, &now, &out, NULL), &out, w->consolidated))
      w->mismatches++;
    ks_buffer_free(&out);
  }
  return NULL;
}

static void test_threads_share_a_catalog(void) {
  ks_buffer provisioned = {0}, consolidated = {0};
  ks_options now = {.has_now = true, .now_unix = NOW_UNIX};
  CHECK_STATUS(provision_text(SNAPSHOT, NULL, &provisioned, NULL), KS_OK);
  CHECK_STATUS(consolidate_text(CONSOLIDATE_SNAPSHOT, &now, &consolidated, NULL), KS_OK);
  struct worker workers[THREADS];
  for (int i = 0; i < THREADS; i++) {
    workers[i].provisioned = &provisioned;
    workers[i].consolidated = &consolidated;
    workers[i].mismatches = 0;
    CHECK(pthread_create(&workers[i].thread, NULL, work, &workers[i]) == 0);
  }
  for (int i = 0; i < THREADS; i++) {
    CHECK(pthread_join(workers[i].thread, NULL) == 0);
    CHECK(workers[i].mismatches == 0);
  }
  ks_buffer_free(&provisioned);
  ks_buffer_free(&consolidated);
}

/* ---- the manifest: the same bytes as the command line ----------------------------------- */

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  size_t cap = 4096, n = 0;
  char *data = malloc(cap);
  size_t got;
  while (data != NULL && (got = fread(data + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      char *bigger = realloc(data, cap *= 2);
      if (bigger == NULL) free(data);
      data = bigger;
    }
  }
  fclose(f);
  *len = n;
  return data;
}

static int matches_cli(verb_fn verb, const char *snapshot_path, const char *catalog_path,
                       const char *now, const char *expected_path) {
  size_t snapshot_len = 0, expected_len = 0, catalog_len = 0;
  char *snapshot = read_file(snapshot_path, &snapshot_len);
  char *expected = read_file(expected_path, &expected_len);
  char *catalog_text = NULL;
  ks_catalog *catalog = NULL;
  ks_error *err = NULL;
  ks_buffer out = {0};
  int ok = 0;

  if (snapshot == NULL || expected == NULL) {
    fprintf(stderr, "  cannot read %s or %s\n", snapshot_path, expected_path);
    goto done;
  }
  /* The command line ends its output with one newline; the API does not. */
  if (expected_len > 0 && expected[expected_len - 1] == '\n') expected_len--;

  if (strcmp(catalog_path, "-") != 0) {
    catalog_text = read_file(catalog_path, &catalog_len);
    if (catalog_text == NULL ||
        ks_catalog_from_bytes((const uint8_t *)catalog_text, catalog_len, &catalog, &err) !=
            KS_OK) {
      fprintf(stderr, "  catalog %s: %s\n", catalog_path,
              err ? ks_error_message(err) : "cannot read");
      goto done;
    }
  }
  ks_options options = {0};
  if (strcmp(now, "-") != 0) {
    options.has_now = true;
    options.now_unix = strtoll(now, NULL, 10);
  }
  ks_status status = verb((const uint8_t *)snapshot, snapshot_len,
                          catalog ? catalog : default_catalog, &options, &out, &err);
  if (status != KS_OK) {
    fprintf(stderr, "  %s: %s: %s\n", snapshot_path, ks_status_message(status),
            ks_error_message(err));
    goto done;
  }
  if (out.len != expected_len || memcmp(out.data, expected, out.len) != 0) {
    size_t at = 0;
    while (at < out.len && at < expected_len && out.data[at] == (uint8_t)expected[at]) at++;
    fprintf(stderr, "  %s: differs from %s at byte %zu (lengths %zu and %zu)\n", snapshot_path,
            expected_path, at, out.len, expected_len);
    goto done;
  }
  ok = 1;
done:
  ks_buffer_free(&out);
  ks_error_free(err);
  ks_catalog_free(catalog);
  free(catalog_text);
  free(snapshot);
  free(expected);
  return ok;
}

static void run_manifest(const char *manifest_path) {
  FILE *f = fopen(manifest_path, "r");
  if (f == NULL) {
    fprintf(stderr, "cannot read manifest %s\n", manifest_path);
    failed++;
    return;
  }
  char line[4096];
  while (fgets(line, sizeof line, f) != NULL) {
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '\0' || line[0] == '#') continue;
    char *fields[6];
    char *rest = line;
    int n = 0;
    for (; n < 6 && rest != NULL; n++) {
      fields[n] = rest;
      rest = strchr(rest, '\t');
      if (rest != NULL) *rest++ = '\0';
    }
    verb_fn verb = NULL;
    if (n == 6 && rest == NULL) {
      if (strcmp(fields[0], "provision") == 0) verb = ks_provision;
      if (strcmp(fields[0], "consolidate") == 0) verb = ks_consolidate;
    }
    if (verb == NULL) {
      fprintf(stderr, "manifest line is not six tab-separated fields, VERB first: %s\n", line);
      failed++;
      continue;
    }
    int ok = matches_cli(verb, fields[2], fields[3], fields[4], fields[5]);
    printf("%s %s same as CLI: %s\n", ok ? "ok  " : "FAIL", fields[0], fields[1]);
    if (ok)
      passed++;
    else
      failed++;
  }
  fclose(f);
}

static int write_text(const char *dir, const char *name, const char *text) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) return 0;
  FILE *f = fopen(path, "wb");
  if (f == NULL) return 0;
  size_t len = strlen(text);
  int ok = fwrite(text, 1, len, f) == len;
  return fclose(f) == 0 && ok;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--write-inputs") == 0) {
    if (!write_text(argv[2], "inline-provision.yaml", SNAPSHOT) ||
        !write_text(argv[2], "inline-consolidate.yaml", CONSOLIDATE_SNAPSHOT)) {
      perror(argv[2]);
      return 1;
    }
    return 0;
  }
  if (argc > 2) {
    fprintf(stderr, "usage: %s [MANIFEST] | --write-inputs DIR\n", argv[0]);
    return 2;
  }
  printf("karpenter-solver C API %s\n", ks_version());
  if (ks_catalog_default(&default_catalog) != KS_OK) {
    fprintf(stderr, "ks_catalog_default failed\n");
    return 1;
  }
  RUN(test_version);
  RUN(test_status_messages);
  RUN(test_options_default);
  RUN(test_catalog_default);
  RUN(test_catalog_from_bytes);
  RUN(test_catalog_from_bytes_errors);
  RUN(test_provision);
  RUN(test_provision_errors);
  RUN(test_consolidate);
  RUN(test_consolidate_errors);
  RUN(test_null_is_harmless);
  RUN(test_threads_share_a_catalog);
  if (argc == 2) run_manifest(argv[1]);
  ks_catalog_free(default_catalog);

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
