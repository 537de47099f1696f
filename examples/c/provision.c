/*
 * Provision a snapshot with the default catalog and print the plan's JSON, exactly as
 * `karpenter-solver provision SNAPSHOT` does; with --consolidate, consolidate it instead, as
 * `karpenter-solver consolidate SNAPSHOT` does.
 *
 *   cargo build --release -p karpenter-solver-capi
 *   gcc -Wall -I include examples/c/provision.c target/release/libkarpenter_solver.a \
 *       -lpthread -ldl -lm -o provision
 *   ./provision examples/snapshot.yaml
 *   ./provision --consolidate examples/snapshot.yaml
 *
 * (karpenter-solver-capi/README.md shows the shared-library link too.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "karpenter_solver.h"

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  char *data = NULL;
  size_t cap = 0, n = 0, got;
  do {
    if (n == cap) {
      char *bigger = realloc(data, cap = cap ? cap * 2 : 65536);
      if (bigger == NULL) break;
      data = bigger;
    }
    got = fread(data + n, 1, cap - n, f);
    n += got;
  } while (got > 0);
  fclose(f);
  *len = n;
  return data;
}

int main(int argc, char **argv) {
  int consolidate = argc == 3 && strcmp(argv[1], "--consolidate") == 0;
  if (argc != 2 && !consolidate) {
    fprintf(stderr, "usage: %s [--consolidate] SNAPSHOT\n", argv[0]);
    return 2;
  }
  const char *path = argv[argc - 1];
  size_t len = 0;
  char *snapshot = read_file(path, &len);
  if (snapshot == NULL) {
    perror(path);
    return 1;
  }

  /* One catalog serves any number of calls, from any thread. */
  ks_catalog *catalog = NULL;
  if (ks_catalog_default(&catalog) != KS_OK) {
    free(snapshot);
    return 1;
  }

  ks_buffer plan = {0};
  ks_error *err = NULL;
  /* ks_provision and ks_consolidate take the same arguments and follow the same rules. */
  ks_status status =
      consolidate ? ks_consolidate((const uint8_t *)snapshot, len, catalog, NULL, &plan, &err)
                  : ks_provision((const uint8_t *)snapshot, len, catalog, NULL, &plan, &err);
  int exit_code = 0;
  if (status == KS_OK) {
    /* plan.data is NUL-terminated JSON: hand it to your JSON parser, or print it. */
    printf("%s\n", (const char *)plan.data);
  } else {
    fprintf(stderr, "%s: %s: %s\n", consolidate ? "consolidate" : "provision",
            ks_status_message(status), ks_error_message(err));
    if (ks_error_object(err) != NULL)
      fprintf(stderr, "  object %s, field %s\n", ks_error_object(err),
              ks_error_field(err) ? ks_error_field(err) : "-");
    exit_code = 2;
  }

  ks_buffer_free(&plan);
  ks_error_free(err);
  ks_catalog_free(catalog);
  free(snapshot);
  return exit_code;
}
