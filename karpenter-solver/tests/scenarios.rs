//! Scenario tests: every `testdata/provision/*.yaml` is a cluster snapshot, an optional
//! catalog, and the facts a user would check in the plan.
//!
//! A scenario file holds:
//!
//! ```yaml
//! description: what it shows, and where the expected answer comes from
//! known_bug: "..."        # optional: the solver disagrees with the semantics; reported, not failed
//! now: 2026-11-23T12:00:00Z   # optional
//! catalog: [...]          # optional: instance types (contract §2), or their text; default:
//!                         # the embedded AWS catalog
//! snapshot: {kind: List, items: [...]}   # or the snapshot's text (multi-document YAML, JSON)
//! expect:                 # see `Expect` below for every fact
//!   claims: 1
//!   claim:
//!     default/web-1: {nodePool: default, cheapestType: small, requests: {cpu: 1500m}}
//! ```
//!
//! Every plan is also checked by `support::validate` and for determinism. Run one scenario
//! with `SCENARIO=<name> cargo test --test scenarios`.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use karpenter_solver::{parse_quantity, provision, Catalog, NewNodeClaim, Options, Plan, Snapshot};
use serde::{Deserialize, Serialize};
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/provision");

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

/// The facts a scenario expects. Pods are named `namespace/name`; absent facts are not checked.
#[derive(Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
struct Expect {
    /// Number of new node claims.
    #[serde(skip_serializing_if = "Option::is_none")]
    claims: Option<usize>,
    /// Number of new claims per NodePool (pools not named may have any).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    claims_in_pool: BTreeMap<String, usize>,
    /// The plan's `totalPrice`.
    #[serde(skip_serializing_if = "Option::is_none")]
    total_price: Option<f64>,
    /// Facts about the new claim that holds a pod, keyed by that pod.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    claim: BTreeMap<String, ClaimExpect>,
    /// Each group of pods shares one new claim.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    same_claim: Vec<Vec<String>>,
    /// Each group of pods is on pairwise different new claims.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    separate_claims: Vec<Vec<String>>,
    /// Pod → the existing node or in-flight NodeClaim it is placed on.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    existing: BTreeMap<String, String>,
    /// No pod is placed on existing capacity.
    #[serde(skip_serializing_if = "is_false")]
    no_existing: bool,
    /// Pod → a text its unschedulable reason contains.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    unschedulable: BTreeMap<String, String>,
    /// Pod → a text its unschedulable reason must not contain (the pod must be unschedulable).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    unschedulable_excludes: BTreeMap<String, String>,
    /// Number of unschedulable pods (0: every pending pod is placed).
    #[serde(skip_serializing_if = "Option::is_none")]
    unschedulable_count: Option<usize>,
    /// Pod → a text the preference dropped for it contains.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    relaxed: BTreeMap<String, String>,
    /// No pod was placed by dropping a preference.
    #[serde(skip_serializing_if = "is_false")]
    no_relaxed: bool,
    /// Texts that some warning contains, each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
    /// Number of warnings.
    #[serde(skip_serializing_if = "Option::is_none")]
    warning_count: Option<usize>,
    /// The plan is the same, byte for byte, when the snapshot lists its items in reverse.
    #[serde(skip_serializing_if = "is_false")]
    same_after_reversing_items: bool,
    /// Selector `key=value` → zone → number of pods with that label the plan places there:
    /// on a new claim, counted in its zone (several zones are joined with `|`); on an existing
    /// node, in its `topology.kubernetes.io/zone` label (`?` if it has none). Zones with no
    /// such pod are left out; bound pods the plan does not list are not counted.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    zone_counts: BTreeMap<String, BTreeMap<String, usize>>,
    /// Selector `key=value` → the same per-zone counts as `zoneCounts`, largest first, for
    /// answers that hold whichever zone a tie falls to.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    zone_counts_sorted: BTreeMap<String, Vec<usize>>,
    /// Selector `key=value` → capacity types → number of pods with that label on new claims
    /// with those capacity types (joined with `|`, in the claim's order).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    capacity_type_counts: BTreeMap<String, BTreeMap<String, usize>>,
    /// Selector `key=value` → the number of pods with that label on each new claim that holds
    /// any, largest first.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pods_per_claim: BTreeMap<String, Vec<usize>>,
}

#[derive(Deserialize, Serialize, Default, Debug)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
struct ClaimExpect {
    #[serde(skip_serializing_if = "Option::is_none")]
    node_pool: Option<String>,
    /// Exactly these pods, in any order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pods: Option<Vec<String>>,
    /// Exactly these types, in this order.
    #[serde(skip_serializing_if = "Option::is_none")]
    instance_types: Option<Vec<String>>,
    /// The first listed type.
    #[serde(skip_serializing_if = "Option::is_none")]
    cheapest_type: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    types_include: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    types_exclude: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    zones: Option<Vec<String>>,
    /// Zones the claim must not list.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    zones_exclude: Vec<String>,
    /// Exactly these, in this order.
    #[serde(skip_serializing_if = "Option::is_none")]
    capacity_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    price: Option<f64>,
    /// These requests, compared as quantities (others may be present).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    requests: BTreeMap<String, String>,
    /// Labels the manifest's `metadata.labels` has.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: BTreeMap<String, String>,
    /// Label keys the manifest's `metadata.labels` lacks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    no_labels: Vec<String>,
    /// The manifest's `spec.taints`, as `key=value:Effect`, in any order.
    #[serde(skip_serializing_if = "Option::is_none")]
    taints: Option<Vec<String>>,
    /// The manifest's `spec.startupTaints`, likewise.
    #[serde(skip_serializing_if = "Option::is_none")]
    startup_taints: Option<Vec<String>>,
    /// Requirements the manifest's `spec.requirements` holds (values compared as sets).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    requirements: Vec<RequirementExpect>,
}

#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
struct RequirementExpect {
    key: String,
    operator: String,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    values: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min_values: Option<u64>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The input a scenario gives as structure or as text, as bytes for the parser.
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

fn solve(
    snapshot: &Value,
    catalog: &Catalog,
    options: &Options,
) -> Result<(Snapshot, Plan), String> {
    let snapshot =
        Snapshot::from_slice(&input_bytes(snapshot)).map_err(|e| format!("snapshot: {e}"))?;
    let plan = provision(&snapshot, catalog, options).map_err(|e| format!("provision: {e}"))?;
    Ok((snapshot, plan))
}

/// Runs one scenario; returns the failed checks.
fn run(s: &Scenario) -> Result<Vec<String>, String> {
    let catalog = match &s.catalog {
        Some(c) => Catalog::from_slice(&input_bytes(c)).map_err(|e| format!("catalog: {e}"))?,
        None => Catalog::aws_default(),
    };
    let mut options = Options::default();
    if let Some(now) = &s.now {
        options = options.with_now_rfc3339(now).map_err(|e| e.to_string())?;
    }
    let (snapshot, plan) = solve(&s.snapshot, &catalog, &options)?;
    let mut failures = Vec::new();
    if let Err(e) = support::validate(&snapshot, &catalog, &plan) {
        failures.push(format!(
            "validate: the plan is not feasible:\n{}",
            indent(&e)
        ));
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
    check(&s.expect, &plan, &mut failures);
    check_counts(&s.expect, &snapshot, &plan, &mut failures);
    Ok(failures)
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

fn claim_of<'p>(plan: &'p Plan, pod: &str) -> Option<&'p NewNodeClaim> {
    plan.node_claims
        .iter()
        .find(|c| c.pods.iter().any(|p| p == pod))
}

/// Where a pod ended up, in words, for failure messages.
fn whereabouts(plan: &Plan, pod: &str) -> String {
    if let Some(c) = claim_of(plan, pod) {
        return format!("new claim {}", c.name);
    }
    if let Some(e) = plan
        .existing_nodes
        .iter()
        .find(|e| e.pods.iter().any(|p| p == pod))
    {
        return format!("existing {}", e.name);
    }
    if let Some(u) = plan.unschedulable.iter().find(|u| u.pod == pod) {
        return format!("unschedulable: {}", u.reason);
    }
    "nowhere in the plan".into()
}

fn quantities_equal(resource: &str, a: &str, b: &str) -> bool {
    match (parse_quantity(resource, a), parse_quantity(resource, b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

fn taint_strings(manifest: &Value, field: &str) -> Vec<String> {
    let mut out: Vec<String> = manifest
        .pointer(&format!("/spec/{field}"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|t| {
                    let k = t.get("key").and_then(Value::as_str).unwrap_or("");
                    let e = t.get("effect").and_then(Value::as_str).unwrap_or("");
                    match t.get("value").and_then(Value::as_str) {
                        Some(v) if !v.is_empty() => format!("{k}={v}:{e}"),
                        _ => format!("{k}:{e}"),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn manifest_requirements(manifest: &Value) -> Vec<RequirementExpect> {
    manifest
        .pointer("/spec/requirements")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|r| serde_json::from_value::<RequirementWire>(r.clone()).ok())
                .map(|r| RequirementExpect {
                    key: r.key,
                    operator: r.operator,
                    values: r.values.into_iter().collect(),
                    min_values: r.min_values,
                })
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequirementWire {
    key: String,
    operator: String,
    #[serde(default)]
    values: Vec<String>,
    #[serde(default)]
    min_values: Option<u64>,
}

fn check_claim(pod: &str, want: &ClaimExpect, c: &NewNodeClaim, failures: &mut Vec<String>) {
    let at = |what: &str| format!("claim of {pod} ({}): {what}", c.name);
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
    if let Some(types) = &want.instance_types {
        if types[..] != c.instance_types[..] {
            mismatch(failures, &at("instanceTypes"), types, &c.instance_types);
        }
    }
    if let Some(t) = &want.cheapest_type {
        if c.instance_types.first() != Some(t) {
            mismatch(failures, &at("cheapestType"), t, &c.instance_types.first());
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
    for z in &want.zones_exclude {
        if c.zones.contains(z) {
            failures.push(format!(
                "{}: {z} is listed in {:?}",
                at("zonesExclude"),
                c.zones
            ));
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
    for (r, q) in &want.requests {
        match c.requests.get(r) {
            Some(got) if quantities_equal(r, q, got) => {}
            got => mismatch(failures, &at(&format!("requests.{r}")), q, &got),
        }
    }
    let manifest = serde_json::to_value(&c.manifest).unwrap_or_default();
    let labels = manifest
        .pointer("/metadata/labels")
        .cloned()
        .unwrap_or(Value::Null);
    for (k, v) in &want.labels {
        if labels.get(k).and_then(Value::as_str) != Some(v.as_str()) {
            mismatch(failures, &at(&format!("labels.{k}")), v, &labels.get(k));
        }
    }
    for k in &want.no_labels {
        if labels.get(k).is_some() {
            failures.push(format!("{}: {k} is {}", at("noLabels"), labels[k]));
        }
    }
    for (field, want) in [
        ("taints", &want.taints),
        ("startupTaints", &want.startup_taints),
    ] {
        if let Some(want) = want {
            let mut want = want.clone();
            want.sort();
            let got = taint_strings(&manifest, field);
            if want != got {
                mismatch(failures, &at(field), &want, &got);
            }
        }
    }
    let reqs = manifest_requirements(&manifest);
    for r in &want.requirements {
        let found = reqs.iter().any(|m| {
            m.key == r.key
                && m.operator == r.operator
                && m.values == r.values
                && (r.min_values.is_none() || m.min_values == r.min_values)
        });
        if !found {
            failures.push(format!(
                "{}: {} {} {:?} is not among {}",
                at("requirements"),
                r.key,
                r.operator,
                r.values,
                serde_json::to_string(&reqs).unwrap_or_default()
            ));
        }
    }
}

fn check(e: &Expect, plan: &Plan, failures: &mut Vec<String>) {
    if let Some(n) = e.claims {
        if plan.node_claims.len() != n {
            let names: Vec<&str> = plan.node_claims.iter().map(|c| c.name.as_str()).collect();
            mismatch(failures, "claims", &n, &names);
        }
    }
    for (pool, n) in &e.claims_in_pool {
        let got = plan
            .node_claims
            .iter()
            .filter(|c| &c.node_pool == pool)
            .count();
        if got != *n {
            mismatch(failures, &format!("claimsInPool.{pool}"), n, &got);
        }
    }
    if let Some(p) = e.total_price {
        if !support::close(p, plan.total_price) {
            mismatch(failures, "totalPrice", &p, &plan.total_price);
        }
    }
    for (pod, want) in &e.claim {
        match claim_of(plan, pod) {
            Some(c) => check_claim(pod, want, c, failures),
            None => failures.push(format!(
                "claim of {pod}: expected on a new claim, but it is {}",
                whereabouts(plan, pod)
            )),
        }
    }
    for group in &e.same_claim {
        let names: Vec<Option<&str>> = group
            .iter()
            .map(|p| claim_of(plan, p).map(|c| c.name.as_str()))
            .collect();
        if names.iter().any(Option::is_none) || names.windows(2).any(|w| w[0] != w[1]) {
            let at: Vec<String> = group
                .iter()
                .map(|p| format!("{p}: {}", whereabouts(plan, p)))
                .collect();
            failures.push(format!("sameClaim {group:?}: they are at {at:?}"));
        }
    }
    for group in &e.separate_claims {
        let names: Vec<Option<&str>> = group
            .iter()
            .map(|p| claim_of(plan, p).map(|c| c.name.as_str()))
            .collect();
        let distinct: BTreeSet<_> = names.iter().flatten().collect();
        if names.iter().any(Option::is_none) || distinct.len() != names.len() {
            let at: Vec<String> = group
                .iter()
                .map(|p| format!("{p}: {}", whereabouts(plan, p)))
                .collect();
            failures.push(format!("separateClaims {group:?}: they are at {at:?}"));
        }
    }
    for (pod, node) in &e.existing {
        let on = plan
            .existing_nodes
            .iter()
            .find(|x| x.pods.iter().any(|p| p == pod));
        if on.map(|x| &x.name) != Some(node) {
            failures.push(format!(
                "existing: expected {pod} on {node}, but it is {}",
                whereabouts(plan, pod)
            ));
        }
    }
    if e.no_existing && !plan.existing_nodes.is_empty() {
        mismatch(failures, "noExisting", &"[]", &plan.existing_nodes);
    }
    for (pod, text) in &e.unschedulable {
        match plan.unschedulable.iter().find(|u| &u.pod == pod) {
            Some(u) if u.reason.contains(text.as_str()) => {}
            Some(u) => failures.push(format!(
                "unschedulable: {pod}'s reason should contain {text:?}, got {:?}",
                u.reason
            )),
            None => failures.push(format!(
                "unschedulable: expected {pod} unschedulable ({text:?}), but it is {}",
                whereabouts(plan, pod)
            )),
        }
    }
    for (pod, text) in &e.unschedulable_excludes {
        match plan.unschedulable.iter().find(|u| &u.pod == pod) {
            Some(u) if !u.reason.contains(text.as_str()) => {}
            Some(u) => failures.push(format!(
                "unschedulableExcludes: {pod}'s reason should not contain {text:?}, got {:?}",
                u.reason
            )),
            None => failures.push(format!(
                "unschedulableExcludes: expected {pod} unschedulable, but it is {}",
                whereabouts(plan, pod)
            )),
        }
    }
    if let Some(n) = e.unschedulable_count {
        if plan.unschedulable.len() != n {
            mismatch(failures, "unschedulableCount", &n, &plan.unschedulable);
        }
    }
    for (pod, text) in &e.relaxed {
        if !plan
            .relaxed
            .iter()
            .any(|r| &r.pod == pod && r.preference.contains(text.as_str()))
        {
            failures.push(format!(
                "relaxed: expected {pod} relaxed with a preference containing {text:?}, got {:?}",
                plan.relaxed
            ));
        }
    }
    if e.no_relaxed && !plan.relaxed.is_empty() {
        mismatch(failures, "noRelaxed", &"[]", &plan.relaxed);
    }
    for w in &e.warnings {
        if !plan.warnings.iter().any(|x| x.contains(w.as_str())) {
            failures.push(format!(
                "warnings: none contains {w:?}: {:?}",
                plan.warnings
            ));
        }
    }
    if let Some(n) = e.warning_count {
        if plan.warnings.len() != n {
            mismatch(failures, "warningCount", &n, &plan.warnings);
        }
    }
}

/// The pods (`namespace/name`) of the snapshot whose label matches `selector` (`key=value`).
fn pods_matching(snapshot: &Snapshot, selector: &str) -> BTreeSet<String> {
    let (k, v) = selector.split_once('=').unwrap_or((selector, ""));
    snapshot
        .pods
        .iter()
        .filter(|p| p.labels.get(k).map(String::as_str) == Some(v))
        .map(|p| format!("{}/{}", p.namespace, p.name))
        .collect()
}

/// Pods matching `selector` the plan places, per zone (see `Expect::zone_counts`).
fn zone_counts(snapshot: &Snapshot, plan: &Plan, selector: &str) -> BTreeMap<String, usize> {
    let pods = pods_matching(snapshot, selector);
    let mut got: BTreeMap<String, usize> = BTreeMap::new();
    for c in &plan.node_claims {
        let n = c.pods.iter().filter(|p| pods.contains(*p)).count();
        if n > 0 {
            *got.entry(c.zones.join("|")).or_default() += n;
        }
    }
    for x in &plan.existing_nodes {
        let n = x.pods.iter().filter(|p| pods.contains(*p)).count();
        if n > 0 {
            let zone = snapshot
                .nodes
                .iter()
                .find(|node| node.name == x.name)
                .and_then(|node| node.labels.get("topology.kubernetes.io/zone"))
                .cloned()
                .unwrap_or_else(|| "?".into());
            *got.entry(zone).or_default() += n;
        }
    }
    got
}

fn check_counts(e: &Expect, snapshot: &Snapshot, plan: &Plan, failures: &mut Vec<String>) {
    for (selector, want) in &e.zone_counts {
        let got = zone_counts(snapshot, plan, selector);
        if &got != want {
            mismatch(failures, &format!("zoneCounts.{selector}"), want, &got);
        }
    }
    for (selector, want) in &e.zone_counts_sorted {
        let mut got: Vec<usize> = zone_counts(snapshot, plan, selector)
            .into_values()
            .collect();
        got.sort_unstable_by(|a, b| b.cmp(a));
        if &got != want {
            mismatch(
                failures,
                &format!("zoneCountsSorted.{selector}"),
                want,
                &got,
            );
        }
    }
    for (selector, want) in &e.capacity_type_counts {
        let pods = pods_matching(snapshot, selector);
        let mut got: BTreeMap<String, usize> = BTreeMap::new();
        for c in &plan.node_claims {
            let n = c.pods.iter().filter(|p| pods.contains(*p)).count();
            if n > 0 {
                *got.entry(c.capacity_types.join("|")).or_default() += n;
            }
        }
        if &got != want {
            mismatch(
                failures,
                &format!("capacityTypeCounts.{selector}"),
                want,
                &got,
            );
        }
    }
    for (selector, want) in &e.pods_per_claim {
        let pods = pods_matching(snapshot, selector);
        let mut got: Vec<usize> = plan
            .node_claims
            .iter()
            .map(|c| c.pods.iter().filter(|p| pods.contains(*p)).count())
            .filter(|n| *n > 0)
            .collect();
        got.sort_unstable_by(|a, b| b.cmp(a));
        if &got != want {
            mismatch(failures, &format!("podsPerClaim.{selector}"), want, &got);
        }
    }
}

#[test]
fn provision_scenarios() {
    support::run_scenarios("scenarios", DIR, |path| {
        let scenario = load(path)?;
        let failures = run(&scenario).unwrap_or_else(|e| vec![format!("could not run: {e}")]);
        // The plan is shown only for a failure, so it is solved again only then.
        let plan = (!failures.is_empty())
            .then(|| {
                solve(
                    &scenario.snapshot,
                    &catalog_of(&scenario),
                    &Options::default(),
                )
                .ok()
            })
            .flatten()
            .map(|(_, plan)| plan.to_json());
        Ok(support::Outcome {
            description: scenario.description.clone(),
            expected: serde_json::to_string(&scenario.expect).unwrap_or_default(),
            known_bug: scenario.known_bug.clone(),
            failures,
            plan,
        })
    });
}

fn catalog_of(s: &Scenario) -> Catalog {
    match &s.catalog {
        Some(c) => Catalog::from_slice(&input_bytes(c)).unwrap_or_default(),
        None => Catalog::aws_default(),
    }
}
