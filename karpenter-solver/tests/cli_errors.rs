//! The command line on bad input: exit status 2, nothing on standard output, and a message on
//! standard error that names the object and field at fault (contract §5). One test per class
//! of error, and a few that check the good path keeps its promises too.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_karpenter-solver");
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/snapshot.yaml");

/// Writes `text` to a file of its own under the target's scratch directory.
fn file(name: &str, text: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-errors-{name}"));
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    path
}

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("stdin takes the input");
    child.wait_with_output().expect("the binary finishes")
}

/// Runs `provision` on a snapshot (and optional catalog) text and expects the failure contract:
/// exit 2, empty stdout. Returns the message.
fn provision_fails(snapshot: &str, catalog: Option<&str>, name: &str) -> String {
    let snap = file(&format!("{name}-snapshot"), snapshot);
    let mut args = vec!["provision".to_owned()];
    if let Some(c) = catalog {
        args.push("--catalog".into());
        args.push(file(&format!("{name}-catalog"), c).display().to_string());
    }
    args.push(snap.display().to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    fails(&args, "")
}

fn fails(args: &[&str], stdin: &str) -> String {
    let out = run(args, stdin);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(2),
        "exit status for {args:?}; stderr: {stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing may be printed on stdout when the input is bad, got {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        stderr.starts_with("karpenter-solver: "),
        "message: {stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line of message: {stderr}");
    stderr
}

fn assert_contains(message: &str, parts: &[&str]) {
    for p in parts {
        assert!(
            message.contains(p),
            "message {message:?} should contain {p:?}"
        );
    }
}

const POOL: &str = "- {apiVersion: karpenter.sh/v1, kind: NodePool, metadata: {name: default}}\n";

fn pod_with(spec: &str) -> String {
    format!(
        "apiVersion: v1\nkind: List\nitems:\n{POOL}- apiVersion: v1\n  kind: Pod\n  metadata: {{name: web-1, namespace: default}}\n  spec:\n{spec}"
    )
}

#[test]
fn malformed_yaml_names_line_and_column() {
    let m = provision_fails(
        "items:\n- kind: Pod\n  metadata: {name: a\n  spec: x\n",
        None,
        "yaml",
    );
    assert_contains(&m, &["snapshot", "invalid YAML", "line 4, column 7"]);
}

/// The YAML parser's message carries its own position, which the solver repeats after its
/// own: "at line 4, column 7: error: line 4 column 7: while parsing ...".
#[test]
fn malformed_yaml_states_the_position_once() {
    let m = provision_fails(
        "items:\n- kind: Pod\n  metadata: {name: a\n  spec: x\n",
        None,
        "yaml-once",
    );
    assert_eq!(m.matches("line 4").count(), 1, "{m}");
}

#[test]
fn malformed_json_names_line_and_column() {
    let m = provision_fails(
        "{\n  \"items\": [\n    {\"kind\": \"Pod\",, \"metadata\": {}}\n  ]\n}\n",
        None,
        "json",
    );
    assert_contains(&m, &["snapshot", "invalid JSON", "line 3, column"]);
}

#[test]
fn bad_quantity_names_pod_and_field() {
    let m = provision_fails(
        &pod_with("    containers: [{name: app, resources: {requests: {cpu: 1x}}}]\n"),
        None,
        "quantity",
    );
    assert_contains(
        &m,
        &[
            "Pod/default/web-1, spec.containers[0].resources.requests.cpu",
            "\"1x\"",
        ],
    );
}

#[test]
fn unknown_operator_names_pod_and_field() {
    let m = provision_fails(
        &pod_with(
            "    affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: team, operator: Like, values: [a]}]}]}}}\n    containers: [{name: app}]\n",
        ),
        None,
        "operator",
    );
    assert_contains(
        &m,
        &[
            "Pod/default/web-1, spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator",
            "\"Like\"",
            "In, NotIn",
        ],
    );
}

#[test]
fn unknown_operator_in_nodepool_names_pool_and_field() {
    let m = provision_fails(
        "items:\n- apiVersion: karpenter.sh/v1\n  kind: NodePool\n  metadata: {name: default}\n  spec: {template: {spec: {requirements: [{key: kubernetes.io/arch, operator: Equals, values: [amd64]}]}}}\n",
        None,
        "pool-operator",
    );
    assert_contains(
        &m,
        &[
            "NodePool/default, spec.template.spec.requirements[0].operator",
            "\"Equals\"",
        ],
    );
}

#[test]
fn negative_request_names_pod_and_field() {
    let m = provision_fails(
        &pod_with(
            "    initContainers: [{name: init, resources: {requests: {memory: -1Gi}}}]\n    containers: [{name: app}]\n",
        ),
        None,
        "negative",
    );
    assert_contains(
        &m,
        &[
            "Pod/default/web-1, spec.initContainers[0].resources.requests.memory",
            "negative",
        ],
    );
}

#[test]
fn wrong_field_type_names_pod_and_field() {
    let m = provision_fails(&pod_with("    containers: oops\n"), None, "type");
    assert_contains(&m, &["Pod/default/web-1, spec.containers", "sequence"]);
}

#[test]
fn wrong_field_type_in_nodepool_names_pool_and_field() {
    let m = provision_fails(
        "items:\n- {apiVersion: karpenter.sh/v1, kind: NodePool, metadata: {name: default}, spec: {weight: heavy}}\n",
        None,
        "pool-type",
    );
    assert_contains(&m, &["NodePool/default, spec.weight"]);
}

#[test]
fn object_without_kind_or_name_is_named_by_position() {
    let m = provision_fails(
        "items:\n- {apiVersion: v1, metadata: {name: web-1}}\n",
        None,
        "kind",
    );
    assert_contains(&m, &["web-1", "kind"]);
    let m = provision_fails(
        "items:\n- {apiVersion: v1, kind: Pod, metadata: {namespace: default}}\n",
        None,
        "name",
    );
    assert_contains(&m, &["Pod/default/items[0]", "metadata.name"]);
}

#[test]
fn bad_now_names_the_option() {
    let snap = file("now-snapshot", &pod_with("    containers: [{name: app}]\n"));
    let m = fails(
        &[
            "provision",
            "--now",
            "yesterday",
            &snap.display().to_string(),
        ],
        "",
    );
    assert_contains(&m, &["now", "\"yesterday\"", "RFC 3339"]);
}

#[test]
fn unreadable_snapshot_names_the_file() {
    let missing = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-errors-no-such-file.yaml");
    let m = fails(&["provision", &missing.display().to_string()], "");
    assert_contains(&m, &["cannot read", "cli-errors-no-such-file.yaml"]);
}

#[test]
fn unreadable_catalog_names_the_file() {
    let snap = file(
        "catalog-missing-snapshot",
        &pod_with("    containers: [{name: app}]\n"),
    );
    let m = fails(
        &[
            "provision",
            "--catalog",
            "/nonexistent/catalog.yaml",
            &snap.display().to_string(),
        ],
        "",
    );
    assert_contains(&m, &["cannot read catalog", "/nonexistent/catalog.yaml"]);
}

#[test]
fn bad_catalog_quantity_names_type_and_field() {
    let m = provision_fails(
        &pod_with("    containers: [{name: app}]\n"),
        Some("- name: m5.large\n  capacity: {cpu: lots, memory: 8Gi}\n"),
        "catalog-quantity",
    );
    assert_contains(
        &m,
        &[
            "cli-errors-catalog-quantity-catalog",
            "InstanceType/m5.large, capacity.cpu",
            "\"lots\"",
        ],
    );
}

#[test]
fn bad_catalog_field_names_type_and_field() {
    let m = provision_fails(
        &pod_with("    containers: [{name: app}]\n"),
        Some("- name: m5.large\n  offerings: [{zone: a, capacityType: preemptible, price: 0.1}]\n"),
        "catalog-field",
    );
    assert_contains(
        &m,
        &[
            "InstanceType/m5.large, offerings[0].capacityType",
            "preemptible",
        ],
    );
}

#[test]
fn malformed_catalog_names_line() {
    let m = provision_fails(
        &pod_with("    containers: [{name: app}]\n"),
        Some("- name: m5.large\n  capacity: {cpu: 2\n  offerings: []\n"),
        "catalog-yaml",
    );
    assert_contains(&m, &["catalog", "invalid YAML", "line 3"]);
}

#[test]
fn help_works() {
    let out = run(&["--help"], "");
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert_contains(&help, &["provision", "Usage"]);
    let out = run(&["provision", "--help"], "");
    assert_eq!(out.status.code(), Some(0));
    assert_contains(
        &String::from_utf8_lossy(&out.stdout),
        &["--catalog", "--now"],
    );
}

#[test]
fn example_snapshot_provisions() {
    let out = run(&["provision", "--now", "2026-11-23T12:00:00Z", EXAMPLE], "");
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8 output");
    assert!(text.ends_with('\n'));
    let plan: serde_json::Value = serde_json::from_str(&text).expect("stdout is one JSON value");
    for key in ["nodeClaims", "existingNodes", "unschedulable", "totalPrice"] {
        assert!(plan.get(key).is_some(), "plan lacks {key}: {text}");
    }
    // Reading the same snapshot from standard input gives the same bytes.
    let snapshot = std::fs::read_to_string(EXAMPLE).expect("the example is readable");
    let again = run(
        &["provision", "--now", "2026-11-23T12:00:00Z", "-"],
        &snapshot,
    );
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&again.stdout), text);
}

#[test]
fn warnings_go_to_stderr_not_stdout() {
    let snap = file(
        "warnings-snapshot",
        "items:\n- {apiVersion: v1, kind: Service, metadata: {name: web}}\n",
    );
    let out = run(&["provision", &snap.display().to_string()], "");
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str::<serde_json::Value>(&stdout).expect("stdout is pure JSON");
    assert_contains(
        &String::from_utf8_lossy(&out.stderr),
        &["ignoring 1 object of kind Service"],
    );
}
