//! Scenario tests of `consolidate()`: every `testdata/consolidate/*.yaml` is a cluster
//! snapshot, an optional catalog, a `now`, and the facts a user would check in the plan
//! (the vocabulary is in `testdata/consolidate/README.md` and in `Expect` below).
//!
//! Every plan is also checked by `support::consolidation::validate_consolidation` and for
//! determinism. Run one scenario with `SCENARIO=<name> cargo test --test consolidation`.
//!
//! Beside the files: a 300-node fragmented cluster built here (it would be a giant YAML),
//! the command line's `consolidate` verb, and the checker's own cron reading.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use chrono::{DateTime, Utc};
use karpenter_solver::{
    consolidate, Catalog, ConsolidationPlan, ManifestMetadata, ManifestRequirement,
    ManifestResources, NewNodeClaim, NodeClaimManifest, NodeClaimSpec, Options, Snapshot,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use support::consolidation::{
    cost_after, cost_before, cron_active, node_price, placement_after, validate_consolidation,
};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/consolidate");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    description: String,
    #[serde(default)]
    known_bug: Option<String>,
    snapshot: Value,
    #[serde(default)]
    catalog: Option<Value>,
    #[serde(default)]
    now: Option<String>,
    expect: Expect,
}

/// The facts a scenario expects. Nodes by name, pods as `namespace/name`; absent facts are
/// not checked.
#[derive(Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
struct Expect {
    /// Number of commands.
    #[serde(skip_serializing_if = "Option::is_none")]
    commands: Option<usize>,
    /// No command at all.
    #[serde(skip_serializing_if = "is_false")]
    no_commands: bool,
    /// Reason → number of commands with that reason (reasons not named may have any).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    commands_by_reason: BTreeMap<String, usize>,
    /// Exactly these nodes are removed, by whatever commands.
    #[serde(skip_serializing_if = "Option::is_none")]
    removed: Option<Vec<String>>,
    /// Exactly this many nodes are removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    removed_count: Option<usize>,
    /// Every removed node is one of these.
    #[serde(skip_serializing_if = "Option::is_none")]
    removed_among: Option<Vec<String>>,
    /// These nodes are in no command.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    kept: Vec<String>,
    /// Node → the reason of the command that removes it.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    reasons: BTreeMap<String, String>,
    /// Each group of nodes is removed by one command.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    together: Vec<Vec<String>>,
    /// Number of replacement claims over all commands.
    #[serde(skip_serializing_if = "Option::is_none")]
    replacements: Option<usize>,
    /// Facts about the replacement a pod moves to, keyed by that pod.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    replacement: BTreeMap<String, ClaimExpect>,
    /// No replacement lists any of these types.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    replacement_types_exclude: Vec<String>,
    /// Pod → the node it moves to, or `new` for a replacement.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    moves: BTreeMap<String, String>,
    /// Pods no command moves.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    not_moved: Vec<String>,
    /// Each group of pods is on pairwise different nodes after the plan.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    apart: Vec<Vec<String>>,
    /// Selector `key=value` → zone → number of matching pods there after the plan (a pod on a
    /// replacement that may launch in several zones counts under `?`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    zone_counts: BTreeMap<String, BTreeMap<String, usize>>,
    /// Node → a text its `blocked` reason contains (ignoring case; `""`: any reason).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    blocked: BTreeMap<String, String>,
    /// The plan's `savingsPerHour`.
    #[serde(skip_serializing_if = "Option::is_none")]
    savings: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    savings_at_least: Option<f64>,
    /// Price per hour of the managed nodes no command removes plus the replacements.
    #[serde(skip_serializing_if = "Option::is_none")]
    cost_after: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost_after_at_most: Option<f64>,
    /// Texts that some warning contains, each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
    /// The plan is the same, byte for byte, when the snapshot lists its items in reverse.
    #[serde(skip_serializing_if = "is_false")]
    same_after_reversing_items: bool,
}

#[derive(Deserialize, Serialize, Default, Debug)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
struct ClaimExpect {
    #[serde(skip_serializing_if = "Option::is_none")]
    node_pool: Option<String>,
    /// Exactly these pods, in any order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pods: Option<Vec<String>>,
    /// The first listed type.
    #[serde(skip_serializing_if = "Option::is_none")]
    cheapest_type: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    types_include: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    types_exclude: Vec<String>,
    /// Exactly these, sorted.
    #[serde(skip_serializing_if = "Option::is_none")]
    zones: Option<Vec<String>>,
    /// Exactly these, in launch order.
    #[serde(skip_serializing_if = "Option::is_none")]
    capacity_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    price: Option<f64>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn input_bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::String(s) => s.clone().into_bytes(),
        other => serde_json::to_vec(other).expect("a parsed value serializes"),
    }
}

fn load(path: &Path) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let value: Value = serde_saphyr::from_str(&text).map_err(|e| format!("not valid YAML: {e}"))?;
    serde_json::from_value(value).map_err(|e| format!("not a scenario: {e}"))
}

fn catalog_of(s: &Scenario) -> Result<Catalog, String> {
    match &s.catalog {
        Some(c) => Catalog::from_slice(&input_bytes(c)).map_err(|e| format!("catalog: {e}")),
        None => Ok(Catalog::aws_default()),
    }
}

fn options_of(now: Option<&str>) -> Result<(Options, Option<DateTime<Utc>>), String> {
    let mut options = Options::default();
    if let Some(now) = now {
        options = options.with_now_rfc3339(now).map_err(|e| e.to_string())?;
    }
    let now = options.now;
    Ok((options, now))
}

fn solve(
    snapshot: &Value,
    catalog: &Catalog,
    options: &Options,
) -> Result<(Snapshot, ConsolidationPlan), String> {
    let snapshot =
        Snapshot::from_slice(&input_bytes(snapshot)).map_err(|e| format!("snapshot: {e}"))?;
    let plan = consolidate(&snapshot, catalog, options).map_err(|e| format!("consolidate: {e}"))?;
    Ok((snapshot, plan))
}

/// Runs one scenario; returns the failed checks and the plan's JSON.
fn run(s: &Scenario) -> Result<(Vec<String>, String), String> {
    let catalog = catalog_of(s)?;
    let (options, now) = options_of(s.now.as_deref())?;
    let (snapshot, plan) = solve(&s.snapshot, &catalog, &options)?;
    let mut failures = Vec::new();
    if let Err(e) = validate_consolidation(&snapshot, &catalog, now, &plan) {
        failures.push(format!("validate: the plan breaks a rule:\n{}", indent(&e)));
    }
    let json = plan.to_json();
    let (_, again) = solve(&s.snapshot, &catalog, &options)?;
    if again.to_json() != json {
        failures.push("determinism: a second run gave different bytes".into());
    }
    if s.expect.same_after_reversing_items {
        let mut reversed = s.snapshot.clone();
        match reversed.get_mut("items").and_then(Value::as_array_mut) {
            Some(items) => items.reverse(),
            None => failures.push("sameAfterReversingItems needs a snapshot with items".into()),
        }
        let (_, r) = solve(&reversed, &catalog, &options)?;
        if r.to_json() != json {
            failures.push(format!(
                "sameAfterReversingItems: the plan changed:\n  listed forward:  {json}\n  listed reversed: {}",
                r.to_json()
            ));
        }
    }
    check(&s.expect, &snapshot, &catalog, &plan, &mut failures);
    Ok((failures, json))
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("    {l}\n")).collect()
}

fn mismatch<T: std::fmt::Debug + ?Sized, U: std::fmt::Debug + ?Sized>(
    failures: &mut Vec<String>,
    what: &str,
    expected: &T,
    actual: &U,
) {
    failures.push(format!("{what}: expected {expected:?}, got {actual:?}"));
}

fn removed_nodes(plan: &ConsolidationPlan) -> BTreeMap<&str, &str> {
    plan.commands
        .iter()
        .flat_map(|c| c.nodes.iter().map(move |n| (n.as_str(), c.reason.as_str())))
        .collect()
}

fn replacement_of<'p>(plan: &'p ConsolidationPlan, pod: &str) -> Option<&'p NewNodeClaim> {
    let to = plan
        .commands
        .iter()
        .flat_map(|c| c.pod_moves.iter())
        .find(|m| m.pod == pod)?
        .to
        .as_str();
    plan.commands
        .iter()
        .flat_map(|c| c.replacements.iter())
        .find(|r| r.name == to)
}

fn check_claim(pod: &str, want: &ClaimExpect, c: &NewNodeClaim, failures: &mut Vec<String>) {
    let at = |what: &str| format!("replacement of {pod} ({}): {what}", c.name);
    if let Some(p) = &want.node_pool {
        if &c.node_pool != p {
            mismatch(failures, &at("nodePool"), p, &c.node_pool);
        }
    }
    if let Some(pods) = &want.pods {
        let want: BTreeSet<&String> = pods.iter().collect();
        let got: BTreeSet<&String> = c.pods.iter().collect();
        if want != got {
            mismatch(failures, &at("pods"), &want, &got);
        }
    }
    if let Some(t) = &want.cheapest_type {
        if c.instance_types.first() != Some(t) {
            mismatch(failures, &at("cheapestType"), t, &c.instance_types);
        }
    }
    for t in &want.types_include {
        if !c.instance_types.contains(t) {
            mismatch(
                failures,
                &at(&format!("typesInclude {t}")),
                t,
                &c.instance_types,
            );
        }
    }
    for t in &want.types_exclude {
        if c.instance_types.contains(t) {
            failures.push(format!(
                "{}: {t} is listed in {:?}",
                at("typesExclude"),
                c.instance_types
            ));
        }
    }
    if let Some(z) = &want.zones {
        if z != &c.zones {
            mismatch(failures, &at("zones"), z, &c.zones);
        }
    }
    if let Some(ct) = &want.capacity_types {
        if ct != &c.capacity_types {
            mismatch(failures, &at("capacityTypes"), ct, &c.capacity_types);
        }
    }
    if let Some(p) = want.price {
        if !support::close(p, c.price) {
            mismatch(failures, &at("price"), &p, &c.price);
        }
    }
}

fn check(
    e: &Expect,
    snapshot: &Snapshot,
    catalog: &Catalog,
    plan: &ConsolidationPlan,
    failures: &mut Vec<String>,
) {
    let removed = removed_nodes(plan);
    let summary: Vec<String> = plan
        .commands
        .iter()
        .map(|c| format!("{} {:?}", c.reason, c.nodes))
        .collect();
    if let Some(n) = e.commands {
        if plan.commands.len() != n {
            mismatch(failures, "commands", &n, &summary);
        }
    }
    if e.no_commands && !plan.commands.is_empty() {
        mismatch(failures, "noCommands", &"[]", &summary);
    }
    for (reason, n) in &e.commands_by_reason {
        let got = plan.commands.iter().filter(|c| &c.reason == reason).count();
        if got != *n {
            mismatch(failures, &format!("commandsByReason.{reason}"), n, &summary);
        }
    }
    if let Some(want) = &e.removed {
        let want: BTreeSet<&str> = want.iter().map(String::as_str).collect();
        let got: BTreeSet<&str> = removed.keys().copied().collect();
        if want != got {
            mismatch(failures, "removed", &want, &got);
        }
    }
    if let Some(n) = e.removed_count {
        if removed.len() != n {
            mismatch(
                failures,
                "removedCount",
                &n,
                &removed.keys().collect::<Vec<_>>(),
            );
        }
    }
    if let Some(among) = &e.removed_among {
        for n in removed.keys() {
            if !among.iter().any(|a| a == n) {
                failures.push(format!(
                    "removedAmong: {n} is removed but not one of {among:?}"
                ));
            }
        }
    }
    for n in &e.kept {
        if let Some(r) = removed.get(n.as_str()) {
            failures.push(format!("kept: {n} is removed by a {r} command"));
        }
    }
    for (n, reason) in &e.reasons {
        match removed.get(n.as_str()) {
            Some(r) if r == reason => {}
            got => mismatch(failures, &format!("reasons.{n}"), reason, &got),
        }
    }
    for group in &e.together {
        let ok = plan
            .commands
            .iter()
            .any(|c| group.iter().all(|n| c.nodes.contains(n)));
        if !ok {
            failures.push(format!(
                "together {group:?}: no one command removes them all: {summary:?}"
            ));
        }
    }
    let claims: Vec<&NewNodeClaim> = plan
        .commands
        .iter()
        .flat_map(|c| c.replacements.iter())
        .collect();
    if let Some(n) = e.replacements {
        if claims.len() != n {
            let got: Vec<(&str, &[String])> = claims
                .iter()
                .map(|c| (c.name.as_str(), &c.instance_types[..]))
                .collect();
            mismatch(failures, "replacements", &n, &got);
        }
    }
    for (pod, want) in &e.replacement {
        match replacement_of(plan, pod) {
            Some(c) => check_claim(pod, want, c, failures),
            None => failures.push(format!(
                "replacement of {pod}: it does not move to a replacement (moves to {:?})",
                placement_after(snapshot, plan).get(pod)
            )),
        }
    }
    for t in &e.replacement_types_exclude {
        for c in &claims {
            if c.instance_types.contains(t) {
                failures.push(format!(
                    "replacementTypesExclude: replacement {} lists {t}: {:?}",
                    c.name, c.instance_types
                ));
            }
        }
    }
    let moves: BTreeMap<&str, (&str, bool)> = plan
        .commands
        .iter()
        .flat_map(|c| {
            c.pod_moves.iter().map(move |m| {
                let new = c.replacements.iter().any(|r| r.name == m.to);
                (m.pod.as_str(), (m.to.as_str(), new))
            })
        })
        .collect();
    for (pod, to) in &e.moves {
        match moves.get(pod.as_str()) {
            Some((_, true)) if to == "new" => {}
            Some((dest, false)) if dest == to => {}
            got => mismatch(failures, &format!("moves.{pod}"), to, &got),
        }
    }
    for pod in &e.not_moved {
        if let Some(m) = moves.get(pod.as_str()) {
            failures.push(format!("notMoved: {pod} moves to {m:?}"));
        }
    }
    let after = placement_after(snapshot, plan);
    for group in &e.apart {
        let at: Vec<Option<&String>> = group.iter().map(|p| after.get(p)).collect();
        let distinct: BTreeSet<_> = at.iter().flatten().collect();
        if at.iter().any(Option::is_none) || distinct.len() != at.len() {
            failures.push(format!(
                "apart {group:?}: after the plan they are on {at:?}"
            ));
        }
    }
    for (selector, want) in &e.zone_counts {
        let got = zone_counts(snapshot, plan, &after, selector);
        if &got != want {
            mismatch(failures, &format!("zoneCounts.{selector}"), want, &got);
        }
    }
    for (node, text) in &e.blocked {
        match plan.blocked.iter().find(|b| &b.node == node) {
            Some(b) if b.reason.to_lowercase().contains(&text.to_lowercase()) => {}
            Some(b) => failures.push(format!(
                "blocked: {node}'s reason should contain {text:?}, got {:?}",
                b.reason
            )),
            None => failures.push(format!(
                "blocked: expected {node} blocked ({text:?}), but it is {}",
                match removed.get(node.as_str()) {
                    Some(r) => format!("removed by a {r} command"),
                    None => "not listed".into(),
                }
            )),
        }
    }
    if let Some(s) = e.savings {
        if !support::close(s, plan.savings_per_hour) {
            mismatch(failures, "savings", &s, &plan.savings_per_hour);
        }
    }
    if let Some(s) = e.savings_at_least {
        if plan.savings_per_hour < s - 1e-9 {
            mismatch(failures, "savingsAtLeast", &s, &plan.savings_per_hour);
        }
    }
    let cost = cost_after(snapshot, catalog, plan);
    if let Some(c) = e.cost_after {
        if !support::close(c, cost) {
            mismatch(failures, "costAfter", &c, &cost);
        }
    }
    if let Some(c) = e.cost_after_at_most {
        if cost > c + 1e-9 {
            mismatch(failures, "costAfterAtMost", &c, &cost);
        }
    }
    for w in &e.warnings {
        if !plan.warnings.iter().any(|x| x.contains(w.as_str())) {
            failures.push(format!(
                "warnings: none contains {w:?}: {:?}",
                plan.warnings
            ));
        }
    }
}

/// Pods whose label `key=value` matches, counted by the zone they are in after the plan.
fn zone_counts(
    snapshot: &Snapshot,
    plan: &ConsolidationPlan,
    after: &BTreeMap<String, String>,
    selector: &str,
) -> BTreeMap<String, usize> {
    let (k, v) = selector.split_once('=').unwrap_or((selector, ""));
    let mut out = BTreeMap::new();
    for p in &snapshot.pods {
        if p.labels.get(k).map(String::as_str) != Some(v) {
            continue;
        }
        let Some(at) = after.get(&p.key()) else {
            continue;
        };
        let zone = if let Some(n) = snapshot.nodes.iter().find(|n| &n.name == at) {
            n.labels.get("topology.kubernetes.io/zone").cloned()
        } else {
            plan.commands
                .iter()
                .flat_map(|c| c.replacements.iter())
                .find(|r| &r.name == at)
                .and_then(|r| match r.zones.as_slice() {
                    [z] => Some(z.clone()),
                    _ => None,
                })
        };
        *out.entry(zone.unwrap_or_else(|| "?".into())).or_insert(0) += 1;
    }
    out
}

#[test]
fn consolidate_scenarios() {
    support::run_scenarios("consolidate scenarios", DIR, |path| {
        let scenario = load(path)?;
        if scenario.now.is_none() {
            return Err("every consolidation scenario fixes `now`".into());
        }
        let (failures, plan) = match run(&scenario) {
            Ok(x) => x,
            Err(e) => (vec![format!("could not run: {e}")], String::new()),
        };
        Ok(support::Outcome {
            description: scenario.description.clone(),
            expected: serde_json::to_string(&scenario.expect).unwrap_or_default(),
            known_bug: scenario.known_bug.clone(),
            failures,
            plan: Some(plan),
        })
    });
}

// ---------------------------------------------------------------------------------------------
// A fragmented cluster of 300 nodes.

const GIB: i64 = 1 << 30;

/// Four sizes of one family with a flat price per vCPU (0.048, as m5) and 4 GiB per vCPU, no
/// overhead: the price of any set of nodes holding the pods is at least what their requests
/// cost at that rate, which makes the floor exact up to packing.
fn linear_catalog() -> Value {
    let sizes = [
        ("m.large", 2),
        ("m.xlarge", 4),
        ("m.2xlarge", 8),
        ("m.4xlarge", 16),
    ];
    Value::Array(
        sizes
            .iter()
            .map(|(name, cpu)| {
                json!({
                    "name": name,
                    "capacity": {"cpu": cpu.to_string(), "memory": format!("{}Gi", cpu * 4), "pods": "110"},
                    "labels": {"kubernetes.io/arch": "amd64", "karpenter.k8s.aws/instance-family": "m"},
                    "offerings": [
                        {"zone": "test-zone-a", "capacityType": "on-demand", "price": 0.048 * f64::from(*cpu)},
                        {"zone": "test-zone-b", "capacityType": "on-demand", "price": 0.048 * f64::from(*cpu)},
                    ],
                })
            })
            .collect(),
    )
}

/// 300 m.xlarge nodes (4 vCPU, 16 GiB), each with one or two small pods: 400 pods asking for
/// 150 vCPU and 300 GiB in all. One pool, on-demand, budget 100% so nothing but packing
/// limits one call.
fn fragmented_cluster(nodes: usize) -> (Value, i64, i64) {
    let mut items = vec![json!({
        "apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "default"},
        "spec": {
            "template": {"spec": {"requirements": [
                {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]}
            ]}},
            "disruption": {"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "0s",
                           "budgets": [{"nodes": "100%"}]},
        },
    })];
    let (mut cpu, mut mem) = (0i64, 0i64);
    let mut pod = 0usize;
    for i in 0..nodes {
        let name = format!("node-{i:03}");
        let zone = if i % 2 == 0 {
            "test-zone-a"
        } else {
            "test-zone-b"
        };
        items.push(json!({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "creationTimestamp": "2026-11-01T00:00:00Z", "labels": {
                "karpenter.sh/nodepool": "default", "karpenter.sh/initialized": "true",
                "node.kubernetes.io/instance-type": "m.xlarge", "topology.kubernetes.io/zone": zone,
                "karpenter.sh/capacity-type": "on-demand", "kubernetes.io/arch": "amd64",
                "karpenter.k8s.aws/instance-family": "m",
            }},
            "status": {"allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                       "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"}},
        }));
        for _ in 0..(if i % 3 == 0 { 2 } else { 1 }) {
            let (c, m) = if pod % 2 == 0 {
                (250, GIB / 2)
            } else {
                (500, GIB)
            };
            cpu += c;
            mem += m;
            items.push(json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": format!("app-{pod:03}"), "namespace": "default",
                             "labels": {"app": format!("app-{}", pod % 7)},
                             "creationTimestamp": "2026-11-01T00:00:00Z",
                             "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                                  "name": format!("app-{}", pod % 7), "controller": true}]},
                "spec": {"nodeName": name, "containers": [{"name": "app", "resources": {"requests": {
                    "cpu": format!("{c}m"), "memory": format!("{}Mi", m >> 20)}}}]},
                "status": {"phase": "Running", "startTime": "2026-11-01T00:00:00Z"},
            }));
            pod += 1;
        }
    }
    (
        json!({"apiVersion": "v1", "kind": "List", "items": items}),
        cpu,
        mem,
    )
}

/// Semantics §5 and the contract: one call may act on every candidate within budget, and
/// commands may remove many nodes and launch several replacements; with a 100% budget the
/// only limit is packing. Any set of nodes holding 150 vCPU of requests costs at least
/// 150 × 0.048 per hour (every type costs 0.048 per vCPU), so a plan whose cluster costs more
/// than 1.2 times that leaves money on the table.
#[test]
fn fragmented_300_nodes_near_lower_bound() {
    let (snapshot_json, cpu_milli, mem_bytes) = fragmented_cluster(300);
    let catalog = Catalog::from_slice(&input_bytes(&linear_catalog())).expect("catalog parses");
    let (options, now) = options_of(Some("2026-11-23T12:00:00Z")).expect("now parses");
    let started = std::time::Instant::now();
    let (snapshot, plan) = solve(&snapshot_json, &catalog, &options).expect("consolidate runs");
    let elapsed = started.elapsed();
    if let Err(e) = validate_consolidation(&snapshot, &catalog, now, &plan) {
        panic!("the plan breaks a rule:\n{e}");
    }
    let before = cost_before(&snapshot, &catalog);
    let after = cost_after(&snapshot, &catalog, &plan);
    // Floor: requests priced at the catalog's cheapest rate per unit of each resource.
    let per_cpu = 0.048;
    let per_gib = 0.048 / 4.0;
    let floor = (cpu_milli as f64 / 1000.0 * per_cpu).max(mem_bytes as f64 / GIB as f64 * per_gib);
    let removed: usize = plan.commands.iter().map(|c| c.nodes.len()).sum();
    eprintln!(
        "300 nodes: {} commands remove {removed} nodes, launch {} in {elapsed:?}; cost {before:.3} -> {after:.3} per hour, floor {floor:.3}, plan lowerBound {:.3}",
        plan.commands.len(),
        plan.commands.iter().map(|c| c.replacements.len()).sum::<usize>(),
        plan.lower_bound
    );
    assert!(support::close(before, 300.0 * 0.192), "before: {before}");
    assert!(
        removed >= 250,
        "most of the 300 nodes go: only {removed} removed"
    );
    assert!(
        after <= 1.2 * floor + 1e-9,
        "cost after {after} is more than 1.2 × the floor {floor}"
    );
    assert!(
        plan.savings_per_hour >= before - 1.2 * floor - 1e-9,
        "savings {} below {}",
        plan.savings_per_hour,
        before - 1.2 * floor
    );
    assert!(
        plan.lower_bound <= after + 1e-9,
        "lowerBound {} should be a floor under {after}",
        plan.lower_bound
    );
    let (_, again) = solve(&snapshot_json, &catalog, &options).expect("consolidate runs");
    assert_eq!(again.to_json(), plan.to_json(), "same bytes twice");
}

// ---------------------------------------------------------------------------------------------
// The command line (contract §5, §6).

const BIN: &str = env!("CARGO_BIN_EXE_karpenter-solver");

/// Writes a scenario's snapshot and catalog to files for the command line.
fn scenario_files_for_cli(name: &str) -> (Scenario, PathBuf, PathBuf) {
    let s = load(&Path::new(DIR).join(format!("{name}.yaml"))).expect("scenario loads");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let snap = dir.join(format!("consolidate-cli-{name}-snapshot.json"));
    let cat = dir.join(format!("consolidate-cli-{name}-catalog.json"));
    std::fs::write(&snap, input_bytes(&s.snapshot)).expect("snapshot written");
    std::fs::write(
        &cat,
        input_bytes(s.catalog.as_ref().expect("the scenario has a catalog")),
    )
    .expect("catalog written");
    (s, snap, cat)
}

#[test]
fn cli_consolidate_prints_the_library_plan() {
    let (s, snap, cat) = scenario_files_for_cli("empty-node-deleted");
    let now = s.now.clone().expect("the scenario fixes now");
    let out = Process::new(BIN)
        .args(["consolidate", "--catalog"])
        .arg(&cat)
        .args(["--now", &now])
        .arg(&snap)
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    let parsed: Value = serde_json::from_str(stdout.trim_end()).expect("stdout is JSON");
    for k in ["commands", "blocked", "savingsPerHour", "lowerBound"] {
        assert!(parsed.get(k).is_some(), "no {k} in {stdout}");
    }
    // Contract §6: the same bytes as the library.
    let catalog = catalog_of(&s).expect("catalog parses");
    let (options, _) = options_of(Some(&now)).expect("now parses");
    let (_, plan) = solve(&s.snapshot, &catalog, &options).expect("consolidate runs");
    assert_eq!(stdout.trim_end(), plan.to_json());
}

#[test]
fn cli_consolidate_reads_stdin() {
    let (s, _, cat) = scenario_files_for_cli("empty-node-deleted");
    let now = s.now.clone().expect("the scenario fixes now");
    let mut child = Process::new(BIN)
        .args(["consolidate", "--catalog"])
        .arg(&cat)
        .args(["--now", &now, "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        stdin
            .write_all(&input_bytes(&s.snapshot))
            .expect("stdin takes the snapshot");
    }
    let out = child.wait_with_output().expect("the binary finishes");
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert!(parsed["commands"].is_array());
}

#[test]
fn cli_consolidate_bad_now_exits_2() {
    let (_, snap, cat) = scenario_files_for_cli("empty-node-deleted");
    let out = Process::new(BIN)
        .args(["consolidate", "--catalog"])
        .arg(&cat)
        .args(["--now", "yesterday"])
        .arg(&snap)
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        stderr.contains("now"),
        "the message names the option: {stderr}"
    );
    assert!(
        stderr.contains("yesterday"),
        "the message quotes the value: {stderr}"
    );
}

#[test]
fn cli_consolidate_bad_snapshot_exits_2() {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("consolidate-cli-bad-budget.yaml");
    std::fs::write(
        &path,
        "items:\n- {apiVersion: karpenter.sh/v1, kind: NodePool, metadata: {name: default}, spec: {disruption: {budgets: [{nodes: \"lots\"}]}}}\n",
    )
    .expect("written");
    let out = Process::new(BIN)
        .arg("consolidate")
        .arg(&path)
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains("budgets[0].nodes"),
        "names the field: {stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// The checker's own pieces, against hand-computed answers.

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a time")
        .with_timezone(&Utc)
}

#[test]
fn checker_cron_reads_schedules_as_karpenter() {
    let h = 3600;
    // @daily for 1h: active from 00:00 to 01:00 UTC, the firing itself included.
    assert_eq!(
        cron_active("@daily", h, at("2026-11-23T00:30:00Z")),
        Ok(true)
    );
    assert_eq!(
        cron_active("@daily", h, at("2026-11-23T00:00:00Z")),
        Ok(true)
    );
    assert_eq!(
        cron_active("@daily", h, at("2026-11-23T12:00:00Z")),
        Ok(false)
    );
    assert_eq!(
        cron_active("@daily", h, at("2026-11-23T01:00:00Z")),
        Ok(false)
    );
    // Weekdays 09:00 for 8h; 2026-11-23 is a Monday, 2026-11-22 a Sunday.
    assert_eq!(
        cron_active("0 9 * * 1-5", 8 * h, at("2026-11-23T12:00:00Z")),
        Ok(true)
    );
    assert_eq!(
        cron_active("0 9 * * mon-fri", 8 * h, at("2026-11-22T12:00:00Z")),
        Ok(false)
    );
    assert_eq!(
        cron_active("0 9 * * 1-5", 8 * h, at("2026-11-23T17:30:00Z")),
        Ok(false)
    );
    // Steps and lists; day-of-month and day-of-week both restricted: either matches.
    assert_eq!(
        cron_active("*/15 * * * *", 60, at("2026-11-23T12:15:30Z")),
        Ok(true)
    );
    assert_eq!(
        cron_active("*/15 * * * *", 60, at("2026-11-23T12:16:30Z")),
        Ok(false)
    );
    assert_eq!(
        cron_active("0 0 1 * 1", 3600, at("2026-11-23T00:10:00Z")),
        Ok(true)
    );
    assert!(cron_active("0 0 * *", h, at("2026-11-23T00:10:00Z")).is_err());
    assert!(cron_active("61 * * * *", h, at("2026-11-23T00:10:00Z")).is_err());
}

#[test]
fn checker_prices_nodes_by_their_offering() {
    let catalog = Catalog::from_slice(
        br#"
- name: small
  capacity: {cpu: "2", memory: 4Gi, pods: "10"}
  offerings:
  - {zone: a, capacityType: on-demand, price: 0.1}
  - {zone: a, capacityType: spot, price: 0.03}
  - {zone: b, capacityType: on-demand, price: 0.12}
"#,
    )
    .expect("catalog parses");
    let node = |ct: &str, zone: &str, t: &str| {
        let mut n = karpenter_solver::Node::new("n");
        n.labels
            .insert("node.kubernetes.io/instance-type".into(), t.into());
        n.labels
            .insert("topology.kubernetes.io/zone".into(), zone.into());
        n.labels
            .insert("karpenter.sh/capacity-type".into(), ct.into());
        n
    };
    assert!(support::close(
        node_price(&catalog, &node("spot", "a", "small")),
        0.03
    ));
    assert!(support::close(
        node_price(&catalog, &node("on-demand", "b", "small")),
        0.12
    ));
    assert_eq!(node_price(&catalog, &node("on-demand", "b", "gone")), 0.0);
}

/// The checker itself: a hand-made plan for a scenario passes, and each way of breaking it is
/// caught. (So a scenario that passes says something about the solver, not the checker.)
mod checker_self_test {
    use super::*;
    use karpenter_solver::{Blocked, Command, PodMove};

    fn scenario(name: &str) -> (Snapshot, Catalog, Option<DateTime<Utc>>) {
        let s = load(&Path::new(DIR).join(format!("{name}.yaml"))).expect("scenario loads");
        let snapshot = Snapshot::from_slice(&input_bytes(&s.snapshot)).expect("snapshot parses");
        let (_, now) = options_of(s.now.as_deref()).expect("now parses");
        (snapshot, catalog_of(&s).expect("catalog parses"), now)
    }

    fn claim(
        name: &str,
        types: &[&str],
        zones: &[&str],
        price: f64,
        pods: &[&str],
    ) -> NewNodeClaim {
        NewNodeClaim {
            name: name.into(),
            node_pool: "default".into(),
            instance_types: types.iter().map(|t| t.to_string()).collect(),
            zones: zones.iter().map(|z| z.to_string()).collect(),
            capacity_types: vec!["on-demand".into()],
            price,
            // Generous: the checker asks only that requests cover the pods.
            requests: [("cpu", "64"), ("memory", "256Gi"), ("pods", "100")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            pods: pods.iter().map(|p| p.to_string()).collect(),
            // The JSON a controller would apply, read back into the typed manifest's shape.
            manifest: {
                let requirement = |key: &str, values: &[&str]| ManifestRequirement {
                    key: key.into(),
                    min_values: None,
                    operator: "In".into(),
                    values: values.iter().map(|v| v.to_string()).collect(),
                };
                NodeClaimManifest {
                    api_version: "karpenter.sh/v1".into(),
                    kind: "NodeClaim".into(),
                    metadata: ManifestMetadata {
                        annotations: BTreeMap::new(),
                        labels: [("karpenter.sh/nodepool".to_string(), "default".to_string())]
                            .into(),
                        name: name.into(),
                    },
                    spec: NodeClaimSpec {
                        expire_after: "Never".into(),
                        node_class_ref: None,
                        requirements: vec![
                            requirement("node.kubernetes.io/instance-type", types),
                            requirement("topology.kubernetes.io/zone", zones),
                            requirement("karpenter.sh/capacity-type", &["on-demand"]),
                        ],
                        resources: ManifestResources {
                            requests: BTreeMap::new(),
                        },
                        startup_taints: Vec::new(),
                        taints: Vec::new(),
                    },
                }
            },
        }
    }

    fn command(
        reason: &str,
        nodes: &[&str],
        replacements: Vec<NewNodeClaim>,
        moves: &[(&str, &str)],
        savings: f64,
    ) -> Command {
        Command {
            reason: reason.into(),
            nodes: nodes.iter().map(|n| n.to_string()).collect(),
            replacements,
            pod_moves: moves
                .iter()
                .map(|(p, to)| PodMove {
                    pod: p.to_string(),
                    to: to.to_string(),
                })
                .collect(),
            savings_per_hour: savings,
        }
    }

    fn plan(commands: Vec<Command>, blocked: &[&str], lower_bound: f64) -> ConsolidationPlan {
        let savings = commands.iter().map(|c| c.savings_per_hour).sum();
        ConsolidationPlan {
            commands,
            blocked: blocked
                .iter()
                .map(|n| Blocked {
                    node: n.to_string(),
                    reason: "held back".into(),
                })
                .collect(),
            savings_per_hour: savings,
            lower_bound,
            warnings: Vec::new(),
        }
    }

    /// Passes `good`; each of `bad` fails with a message containing its text.
    fn judge(name: &str, good: &ConsolidationPlan, bad: Vec<(&str, ConsolidationPlan)>) {
        let (snapshot, catalog, now) = scenario(name);
        if let Err(e) = validate_consolidation(&snapshot, &catalog, now, good) {
            panic!("{name}: the good plan is refused:\n{e}");
        }
        for (text, p) in bad {
            match validate_consolidation(&snapshot, &catalog, now, &p) {
                Ok(()) => panic!(
                    "{name}: a plan that should fail with {text:?} passes: {}",
                    p.to_json()
                ),
                Err(e) => assert!(e.contains(text), "{name}: expected {text:?} among:\n{e}"),
            }
        }
    }

    const AB: &[&str] = &["test-zone-a", "test-zone-b"];

    #[test]
    fn two_into_one() {
        let moves = [
            ("default/web-1", "default-0001"),
            ("default/api-1", "default-0001"),
        ];
        let pods = ["default/web-1", "default/api-1"];
        let good = |types: &[&str], moves: &[(&str, &str)], savings: f64| {
            plan(
                vec![command(
                    "Underutilized",
                    &["n1", "n2"],
                    vec![claim("default-0001", types, AB, 0.1, &pods)],
                    moves,
                    savings,
                )],
                &[],
                0.1,
            )
        };
        let mut wrong_total = good(&["small"], &moves, 0.3);
        wrong_total.savings_per_hour = 0.2;
        let mut high_floor = good(&["small"], &moves, 0.3);
        high_floor.lower_bound = 0.2;
        let mut as_empty = good(&["small"], &moves, 0.3);
        as_empty.commands[0].reason = "Empty".into();
        judge(
            "underutilized-two-into-one-cheaper",
            &good(&["small"], &moves, 0.3),
            vec![
                (
                    "does not say where it goes",
                    good(&["small"], &moves[..1], 0.3),
                ),
                ("savingsPerHour 0.25", good(&["small"], &moves, 0.25)),
                (
                    "not below the 0.4",
                    good(&["small", "medium", "large"], &moves, 0.3),
                ),
                ("not the commands' sum", wrong_total),
                ("lowerBound 0.2", high_floor),
                ("as empty, but it runs", as_empty),
                (
                    "lists medium (0.2) while removing n1",
                    good(&["small", "medium"], &moves, 0.3),
                ),
            ],
        );
        // Deleting n2 into n1 is a valid (if poorer) plan; n1 must then be listed in blocked.
        let delete = |blocked: &[&str]| {
            plan(
                vec![command(
                    "Underutilized",
                    &["n2"],
                    vec![],
                    &[("default/api-1", "n1")],
                    0.2,
                )],
                blocked,
                0.0,
            )
        };
        judge(
            "underutilized-two-into-one-cheaper",
            &delete(&["n1"]),
            vec![
                ("neither removed nor listed in blocked", delete(&[])),
                (
                    "command 0 removes it",
                    plan(
                        vec![
                            command(
                                "Underutilized",
                                &["n2"],
                                vec![],
                                &[("default/api-1", "n1")],
                                0.2,
                            ),
                            command(
                                "Underutilized",
                                &["n1"],
                                vec![],
                                &[("default/web-1", "n2")],
                                0.2,
                            ),
                        ],
                        &[],
                        0.0,
                    ),
                ),
            ],
        );
    }

    #[test]
    fn rules_of_candidates_and_budgets() {
        let empty = |nodes: &[&str], blocked: &[&str], savings: f64| {
            plan(
                vec![command("Empty", nodes, vec![], &[], savings)],
                blocked,
                0.0,
            )
        };
        judge(
            "budget-zero-blocks-all",
            &plan(vec![], &["idle-1", "idle-2", "n1", "n2"], 0.0),
            vec![(
                "exceed its budgets",
                empty(&["idle-1"], &["idle-2", "n1", "n2"], 0.2),
            )],
        );
        judge(
            "budget-half-of-four-empty",
            &empty(&["idle-1", "idle-2"], &["idle-3", "idle-4"], 0.2),
            vec![(
                "exceed its budgets",
                empty(&["idle-1", "idle-2", "idle-3"], &["idle-4"], 0.3),
            )],
        );
        judge(
            "budget-default-ten-percent",
            &empty(
                &["idle-1", "idle-2"],
                &[
                    "idle-3", "idle-4", "idle-5", "idle-6", "idle-7", "idle-8", "idle-9",
                    "idle-10", "idle-11", "idle-12",
                ],
                0.2,
            ),
            vec![(
                "exceed its budgets",
                empty(
                    &["idle-1", "idle-2", "idle-3"],
                    &[
                        "idle-4", "idle-5", "idle-6", "idle-7", "idle-8", "idle-9", "idle-10",
                        "idle-11", "idle-12",
                    ],
                    0.3,
                ),
            )],
        );
        judge(
            "budget-schedule-inside-window",
            &plan(vec![], &["idle-1", "idle-2", "idle-3"], 0.0),
            vec![(
                "exceed its budgets",
                empty(&["idle-1"], &["idle-2", "idle-3"], 0.1),
            )],
        );
        judge(
            "budget-schedule-outside-window",
            &empty(&["idle-1", "idle-2", "idle-3"], &[], 0.3),
            vec![],
        );
        judge(
            "budget-disrupting-nodes-use-it-up",
            &empty(&["idle-1"], &["idle-2", "idle-3"], 0.1),
            vec![
                (
                    "exceed its budgets",
                    empty(&["idle-1", "idle-2"], &["idle-3"], 0.2),
                ),
                (
                    "already being deleted",
                    empty(&["going", "idle-1"], &["idle-2", "idle-3"], 0.2),
                ),
                (
                    "NotReady",
                    empty(&["sick"], &["idle-1", "idle-2", "idle-3"], 0.1),
                ),
            ],
        );
        judge(
            "consolidate-after-young-node",
            &empty(&["old"], &["young"], 0.1),
            vec![("consolidateAfter", empty(&["old", "young"], &[], 0.2))],
        );
        judge(
            "consolidate-after-nodeclaim-last-pod-event",
            &empty(&["settled"], &["quiet"], 0.1),
            vec![("consolidateAfter", empty(&["settled", "quiet"], &[], 0.2))],
        );
        judge(
            "do-not-disrupt-node-annotation",
            &empty(&["idle"], &["pinned"], 0.2),
            vec![(
                "annotated karpenter.sh/do-not-disrupt",
                empty(&["idle", "pinned"], &[], 0.4),
            )],
        );
        judge(
            "node-of-missing-pool-never-removed",
            &empty(&["idle"], &[], 0.2),
            vec![(
                "not managed by an existing NodePool",
                empty(&["idle", "orphan"], &[], 0.4),
            )],
        );
        judge(
            "empty-node-deleted",
            &empty(&["idle"], &["busy"], 0.2),
            vec![
                (
                    "a DaemonSet's pod",
                    plan(
                        vec![command(
                            "Empty",
                            &["idle"],
                            vec![],
                            &[("kube-system/logging-idle", "busy")],
                            0.2,
                        )],
                        &["busy"],
                        0.0,
                    ),
                ),
                (
                    "saves nothing",
                    plan(
                        vec![command("Empty", &["idle"], vec![], &[], 0.0)],
                        &["busy"],
                        0.0,
                    )
                    .with_savings_of_nodes(0.0),
                ),
            ],
        );
    }

    trait Savings {
        fn with_savings_of_nodes(self, s: f64) -> Self;
    }
    impl Savings for ConsolidationPlan {
        fn with_savings_of_nodes(mut self, s: f64) -> Self {
            self.commands[0].savings_per_hour = s;
            self.savings_per_hour = s;
            self
        }
    }

    #[test]
    fn rules_of_pods() {
        let under = |nodes: &[&str], moves: &[(&str, &str)], blocked: &[&str], savings: f64| {
            plan(
                vec![command("Underutilized", nodes, vec![], moves, savings)],
                blocked,
                0.0,
            )
        };
        judge(
            "pdb-zero-blocks",
            &plan(vec![], &["n1", "n2"], 0.0),
            vec![(
                "pdb default/web-pdb allows 0",
                under(&["n2"], &[("default/web-2", "n1")], &["n1"], 0.2),
            )],
        );
        judge(
            "pdb-min-available-percent-rounds-up",
            &under(&["n3"], &[("default/web-3", "n1")], &["n1", "n2"], 0.2),
            vec![(
                "allows 1 disruptions",
                under(
                    &["n2", "n3"],
                    &[("default/web-2", "n1"), ("default/web-3", "n1")],
                    &["n1"],
                    0.4,
                ),
            )],
        );
        judge(
            "pdb-pod-under-two-pdbs-blocks",
            &plan(vec![], &["big"], 0.0),
            vec![(
                "more than one PDB",
                plan(
                    vec![command(
                        "Underutilized",
                        &["big"],
                        vec![claim(
                            "default-0001",
                            &["small"],
                            AB,
                            0.1,
                            &["default/web-1"],
                        )],
                        &[("default/web-1", "default-0001")],
                        0.3,
                    )],
                    &[],
                    0.0,
                ),
            )],
        );
        judge(
            "do-not-disrupt-pod-duration",
            &under(&["n2"], &[("default/cron-1", "n1")], &["n1"], 0.2),
            vec![(
                "pins it",
                under(&["n1"], &[("default/batch-1", "n2")], &["n2"], 0.2),
            )],
        );
        judge(
            "anti-affinity-hostname-holds",
            &under(&["n3"], &[("default/other-1", "n1")], &["n1", "n2"], 0.2),
            vec![(
                "despite required anti-affinity",
                under(&["n2"], &[("default/web-2", "n1")], &["n1", "n3"], 0.2),
            )],
        );
        let zone_a = claim(
            "default-0001",
            &["small"],
            &["test-zone-a"],
            0.1,
            &["default/db-2"],
        );
        let zones_ab = claim("default-0001", &["small"], AB, 0.1, &["default/db-2"]);
        judge(
            "anti-affinity-zone-holds",
            &under(&["n3"], &[("default/other-1", "n1")], &["n1", "n2"], 0.2),
            vec![
                (
                    "despite required anti-affinity",
                    under(&["n2"], &[("default/db-2", "n3")], &["n1", "n3"], 0.2),
                ),
                (
                    "despite required anti-affinity",
                    plan(
                        vec![command(
                            "Underutilized",
                            &["n2"],
                            vec![zone_a],
                            &[("default/db-2", "default-0001")],
                            0.1,
                        )],
                        &["n1", "n3"],
                        0.0,
                    ),
                ),
                (
                    "despite required anti-affinity",
                    plan(
                        vec![command(
                            "Underutilized",
                            &["n2"],
                            vec![zones_ab],
                            &[("default/db-2", "default-0001")],
                            0.1,
                        )],
                        &["n1", "n3"],
                        0.0,
                    ),
                ),
            ],
        );
        judge(
            "spread-zone-holds",
            &under(
                &["n2"],
                &[("default/web-2", "n1")],
                &["n1", "n3", "n4"],
                0.2,
            ),
            vec![(
                "breaking its spread",
                under(
                    &["n3"],
                    &[("default/web-3", "n1")],
                    &["n1", "n2", "n4"],
                    0.2,
                ),
            )],
        );
        judge(
            "taint-blocks-move",
            &under(&["n1"], &[("default/web-1", "infra")], &["n2"], 0.1),
            vec![
                (
                    "does not tolerate",
                    under(&["n2"], &[("default/api-1", "infra")], &["n1"], 0.1),
                ),
                (
                    // Replacing a small by a small inside a saving command is churn.
                    "a node of a listed type",
                    plan(
                        vec![command(
                            "Underutilized",
                            &["n1", "n2"],
                            vec![claim(
                                "default-0001",
                                &["small"],
                                AB,
                                0.1,
                                &["default/api-1"],
                            )],
                            &[
                                ("default/web-1", "infra"),
                                ("default/api-1", "default-0001"),
                            ],
                            0.1,
                        )],
                        &[],
                        0.0,
                    ),
                ),
            ],
        );
        judge(
            "node-selector-holds",
            &plan(vec![], &["n1", "n2"], 0.0),
            vec![(
                "node selector or affinity rejects",
                under(&["n1"], &[("default/pinned-a", "n2")], &["n2"], 0.2),
            )],
        );
        judge(
            "host-ports-conflict",
            &plan(vec![], &["n1", "n2"], 0.0),
            vec![(
                "host port 8080/TCP is taken",
                under(&["n2"], &[("default/proxy-2", "n1")], &["n1"], 0.2),
            )],
        );
        judge(
            "daemonset-overhead-at-destination",
            &plan(vec![], &["n1", "n2"], 0.0),
            vec![(
                "do not fit its free allocatable",
                under(&["n1"], &[("default/app-1", "n2")], &["n2"], 0.2),
            )],
        );
        judge(
            "policy-when-empty-leaves-underused",
            &plan(
                vec![command("Empty", &["idle"], vec![], &[], 0.2)],
                &["n1", "n2"],
                0.0,
            ),
            vec![(
                "consolidates only WhenEmpty",
                under(&["n2"], &[("default/api-1", "n1")], &["n1", "idle"], 0.2),
            )],
        );
        judge(
            "deleting-and-notready-nodes-not-candidates",
            &plan(vec![], &["n1"], 0.0),
            vec![
                (
                    "it is being deleted",
                    under(&["n1"], &[("default/web-1", "going")], &[], 0.1),
                ),
                (
                    "it is NotReady",
                    under(&["n1"], &[("default/web-1", "sick")], &[], 0.1),
                ),
            ],
        );
        judge(
            "spot-to-spot-needs-15-types",
            &plan(vec![], &["sp"], 0.0),
            vec![],
        );
    }

    #[test]
    fn rules_of_drift_and_expiry() {
        let one = |reason: &str, node: &str, ty: &str, price: f64, pod: &str, savings: f64| {
            plan(
                vec![command(
                    reason,
                    &[node],
                    vec![claim("default-0001", &[ty], AB, price, &[pod])],
                    &[(pod, "default-0001")],
                    savings,
                )],
                &[],
                0.0,
            )
        };
        judge(
            "expired-node-replaced",
            &one("Expired", "old", "medium", 0.2, "default/db-1", 0.0),
            vec![(
                "saves nothing",
                one("Underutilized", "old", "medium", 0.2, "default/db-1", 0.0),
            )],
        );
        judge(
            "expired-not-yet",
            &plan(vec![], &["n1"], 0.0),
            vec![(
                "has not reached its pool's expireAfter",
                one("Expired", "n1", "small", 0.1, "default/db-1", 0.0),
            )],
        );
        judge(
            "drifted-condition",
            &one("Drifted", "n1", "medium", 0.2, "default/db-1", 0.0),
            vec![],
        );
        judge(
            "drifted-pool-hash-stale",
            &one("Drifted", "n1", "small", 0.1, "default/db-1", 0.0),
            vec![],
        );
        judge(
            "drifted-replacement-may-cost-more",
            &one("Drifted", "old-m", "c-large", 0.5, "default/db-1", -0.1),
            vec![(
                "breaks pool requirement",
                one("Drifted", "old-m", "m-large", 0.4, "default/db-1", 0.0),
            )],
        );
        judge(
            "drifted-budget-zero",
            &plan(vec![], &["n1"], 0.0),
            vec![(
                "exceed its budgets",
                one("Drifted", "n1", "medium", 0.2, "default/db-1", 0.0),
            )],
        );
        let four = [
            "default/web-1",
            "default/web-2",
            "default/web-3",
            "default/web-4",
        ];
        let moves: Vec<(&str, &str)> = four.iter().map(|p| (*p, "default-0001")).collect();
        judge(
            "underutilized-one-command-several-replacements",
            &plan(vec![], &["big"], 0.0),
            vec![(
                "do not fit a small",
                plan(
                    vec![command(
                        "Underutilized",
                        &["big"],
                        vec![claim("default-0001", &["small"], AB, 0.1, &four)],
                        &moves,
                        0.3,
                    )],
                    &[],
                    0.0,
                ),
            )],
        );
        judge(
            "underutilized-well-packed-kept",
            &plan(vec![], &["n1", "n2"], 0.0),
            vec![(
                "has not drifted",
                one("Drifted", "n1", "small", 0.1, "default/web-1", 0.0),
            )],
        );
    }
}
