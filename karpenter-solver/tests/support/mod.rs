//! The shared plan checker: `validate(snapshot, catalog, plan)` says whether a provision plan
//! could be carried out as written, whatever solver produced it.
//!
//! It re-derives every fact from the snapshot, the catalog and the plan's own words (claim
//! types, zones, capacity types, manifest labels), using only the library's small primitives
//! (requirement and toleration matching, allocatable), never its placement code. The rules
//! are the contract's (`shared/spec/CONTRACT.md` §3) and Karpenter's
//! (`shared/reference/karpenter-semantics.md` §2-§4):
//!
//! - every pending pod is placed once: on a new claim, on an existing node or in-flight
//!   NodeClaim, or listed unschedulable; nothing else is placed;
//! - a claim's pods, plus the daemonsets that could run there, fit on *every* listed type
//!   (the cloud may launch any of them);
//! - every node the claim may become (type × zone × capacity type) satisfies the pool's
//!   requirements and each pod's node selector and some required node-affinity term, and the
//!   pods tolerate the pool's taints (`startupTaints` need not be tolerated);
//! - pods on existing capacity fit its allocatable less bound pods and the daemonsets that
//!   would run there but do not yet, match its labels and tolerate its taints;
//! - pool limits hold, each new claim counted at the largest capacity among its types;
//! - `price` is the launch price of the first listed type, types are in launch order, and
//!   `totalPrice` is the sum.

// Each test binary that includes this module uses a different part of it.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use karpenter_solver::{
    CapacityType, Catalog, DaemonSet, InstanceType, NewNodeClaim, Node, NodeClaim, NodePool,
    Offering, Operator, Plan, Pod, PodPhase, Requirement, Requirements, Resources, Snapshot, Taint,
    TaintEffect, Toleration,
};
use serde_json::Value;

/// The consolidation plan checker (`validate_consolidation`), built on the helpers below.
pub mod consolidation;

const ZONE: &str = "topology.kubernetes.io/zone";
const CAPACITY_TYPE: &str = "karpenter.sh/capacity-type";
const INSTANCE_TYPE: &str = "node.kubernetes.io/instance-type";
const NODEPOOL: &str = "karpenter.sh/nodepool";
const HOSTNAME: &str = "kubernetes.io/hostname";
const ARCH: &str = "kubernetes.io/arch";
const OS: &str = "kubernetes.io/os";
const RESERVATION_ID: &str = "karpenter.k8s.aws/capacity-reservation-id";

/// Taints a managed node carries only while it starts; Karpenter ignores them on an
/// uninitialized managed node (semantics §2, "Labels, annotations, taints").
const STARTUP_TAINTS: &[&str] = &[
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
    "node.cloudprovider.kubernetes.io/uninitialized",
    "karpenter.sh/unregistered",
];

type Labels = BTreeMap<String, String>;

/// Checks that `plan` is a feasible, self-consistent answer for `snapshot` and `catalog`.
///
/// # Errors
/// Every violation found, one per line.
pub fn validate(snapshot: &Snapshot, catalog: &Catalog, plan: &Plan) -> Result<(), String> {
    let mut v = Violations::default();
    check_accounting(snapshot, plan, &mut v);
    let pods: HashMap<String, &Pod> = snapshot.pods.iter().map(|p| (key(p), p)).collect();
    let mut reservations = reservations_left(snapshot, catalog);
    for claim in &plan.node_claims {
        check_claim(snapshot, catalog, claim, &pods, &mut reservations, &mut v);
    }
    check_existing(snapshot, catalog, plan, &pods, &mut v);
    check_limits(snapshot, catalog, plan, &mut v);
    let total: f64 = plan.node_claims.iter().map(|c| c.price).sum();
    if !close(total, plan.total_price) {
        v.push(format!(
            "totalPrice is {} but the claims' prices add up to {total}",
            plan.total_price
        ));
    }
    if plan.lower_bound > plan.total_price + 1e-9 {
        v.push(format!(
            "lowerBound {} is above totalPrice {}",
            plan.lower_bound, plan.total_price
        ));
    }
    v.finish()
}

#[derive(Default)]
struct Violations(Vec<String>);

impl Violations {
    fn push(&mut self, s: String) {
        self.0.push(s);
    }

    fn finish(self) -> Result<(), String> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0.join("\n"))
        }
    }
}

pub fn key(p: &Pod) -> String {
    format!("{}/{}", p.namespace, p.name)
}

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

/// Pods that need a node: not finished, not being deleted, not a DaemonSet's, and either
/// unbound or bound to a node that is being deleted (semantics §4: provisioning takes
/// "pending pods plus pods of deleting nodes").
pub fn pending(snapshot: &Snapshot) -> Vec<&Pod> {
    let deleting: BTreeSet<&str> = snapshot
        .nodes
        .iter()
        .filter(|n| n.deleting)
        .map(|n| n.name.as_str())
        .collect();
    snapshot
        .pods
        .iter()
        .filter(|p| {
            p.node_name.as_deref().is_none_or(|n| deleting.contains(n))
                && !matches!(p.phase, PodPhase::Succeeded | PodPhase::Failed)
                && !p.terminating
                && p.owner.as_ref().is_none_or(|o| o.kind != "DaemonSet")
        })
        .collect()
}

fn check_accounting(snapshot: &Snapshot, plan: &Plan, v: &mut Violations) {
    let want: BTreeSet<String> = pending(snapshot).into_iter().map(key).collect();
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in &plan.node_claims {
        for p in &c.pods {
            seen.entry(p.clone())
                .or_default()
                .push(format!("claim {}", c.name));
        }
    }
    for e in &plan.existing_nodes {
        for p in &e.pods {
            seen.entry(p.clone())
                .or_default()
                .push(format!("existing {}", e.name));
        }
    }
    for u in &plan.unschedulable {
        seen.entry(u.pod.clone())
            .or_default()
            .push("unschedulable".into());
        if u.reason.trim().is_empty() {
            v.push(format!("{} is unschedulable with an empty reason", u.pod));
        }
    }
    for (pod, places) in &seen {
        if places.len() > 1 {
            v.push(format!(
                "{pod} is placed {} times: {places:?}",
                places.len()
            ));
        }
        if !want.contains(pod) {
            v.push(format!("{pod} is in the plan but is not a pending pod"));
        }
    }
    for pod in &want {
        if !seen.contains_key(pod) {
            v.push(format!(
                "pending pod {pod} is lost: neither placed nor unschedulable"
            ));
        }
    }
    let names: BTreeSet<&str> = plan.node_claims.iter().map(|c| c.name.as_str()).collect();
    if names.len() != plan.node_claims.len() {
        v.push("two new claims share a name".into());
    }
    for c in &plan.node_claims {
        if c.pods.is_empty() {
            v.push(format!("claim {} holds no pod", c.name));
        }
    }
}

/// A pod's resource needs, counting the pod itself against `pods`.
pub fn pod_need(p: &Pod) -> Resources {
    let mut r = p.requests.clone();
    if r.get("pods") == 0 {
        r.set("pods", 1);
    }
    r
}

fn fits_in(need: &Resources, room: &Resources) -> Result<(), String> {
    let over: Vec<String> = need
        .iter()
        .filter(|&(n, a)| a > room.get(n))
        .map(|(n, a)| format!("{n} needs {a} but has {}", room.get(n)))
        .collect();
    if over.is_empty() {
        Ok(())
    } else {
        Err(over.join(", "))
    }
}

/// Labels every node of the type carries, with the defaults the solver assumes when the
/// catalog leaves arch and os out.
fn type_labels(t: &InstanceType) -> Labels {
    let mut l = t.labels.clone();
    l.entry(ARCH.into()).or_insert_with(|| "amd64".into());
    l.entry(OS.into()).or_insert_with(|| "linux".into());
    l.insert(INSTANCE_TYPE.into(), t.name.clone());
    l
}

/// The manifest's requirements, read back.
fn manifest_requirements(
    manifest: &karpenter_solver::NodeClaimManifest,
) -> Result<Requirements, String> {
    // Read back from the JSON a controller would apply.
    let manifest = &serde_json::to_value(manifest).map_err(|e| e.to_string())?;
    let mut out = Requirements::new();
    let list = manifest
        .pointer("/spec/requirements")
        .and_then(Value::as_array)
        .ok_or("manifest has no spec.requirements list")?;
    for r in list {
        let key = r
            .get("key")
            .and_then(Value::as_str)
            .ok_or("requirement without key")?;
        let op: Operator = r
            .get("operator")
            .and_then(Value::as_str)
            .and_then(|o| o.parse().ok())
            .ok_or_else(|| format!("requirement {key} has a bad operator"))?;
        let values: Vec<&str> = r
            .get("values")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        out.add(Requirement::new(key, op, values)?);
    }
    Ok(out)
}

fn manifest_labels(manifest: &karpenter_solver::NodeClaimManifest) -> Labels {
    serde_json::to_value(manifest)
        .unwrap_or_default()
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a node with `labels` satisfies `r`. A key the node does not carry is decided by
/// what the claim's own requirements allow for it: a node launched from a claim that allows
/// only listed values carries one of them.
fn satisfied(r: &Requirement, labels: &Labels, claim_reqs: Option<&Requirements>) -> bool {
    if let Some(v) = labels.get(&r.key) {
        return r.has(v);
    }
    if r.allows_absent() {
        return true;
    }
    match claim_reqs.and_then(|c| c.get(&r.key)) {
        Some(c) if !c.is_complement() && !c.values().is_empty() => {
            c.values().iter().all(|v| r.has(v))
        }
        _ => false,
    }
}

fn all_satisfied(rs: &Requirements, labels: &Labels, claim_reqs: Option<&Requirements>) -> bool {
    rs.iter().all(|r| satisfied(r, labels, claim_reqs))
}

/// Whether a pod's strict node constraints hold on a node: its node selector, and some
/// required node-affinity term (terms are ORed).
pub fn pod_matches(p: &Pod, labels: &Labels, claim_reqs: Option<&Requirements>) -> bool {
    let selector = Requirements::from_labels(&p.node_selector);
    all_satisfied(&selector, labels, claim_reqs)
        && (p.required_node_affinity.is_empty()
            || p.required_node_affinity
                .iter()
                .any(|t| all_satisfied(t, labels, claim_reqs)))
}

fn blocking(t: &Taint) -> bool {
    matches!(t.effect, TaintEffect::NoSchedule | TaintEffect::NoExecute)
}

/// The first taint that blocks and that no toleration tolerates. `PreferNoSchedule` never
/// blocks a placement in the end: Karpenter tolerates it as its last relaxation step.
pub fn untolerated_taint<'a>(taints: &'a [Taint], tolerations: &[Toleration]) -> Option<&'a Taint> {
    taints
        .iter()
        .find(|t| blocking(t) && !tolerations.iter().any(|tol| tol.tolerates(t)))
}

fn daemon_matches(d: &DaemonSet, labels: &Labels, claim_reqs: Option<&Requirements>) -> bool {
    all_satisfied(
        &Requirements::from_labels(&d.node_selector),
        labels,
        claim_reqs,
    ) && (d.required_node_affinity.is_empty()
        || d.required_node_affinity
            .iter()
            .any(|t| all_satisfied(t, labels, claim_reqs)))
}

/// Launch preference of an offering: reserved, then spot, then on-demand; cheapest within.
fn launch_key(o: &Offering) -> (CapacityType, f64) {
    (o.capacity_type, o.price)
}

/// Units left in each reservation: its capacity less the existing nodes launched into it.
fn reservations_left(snapshot: &Snapshot, catalog: &Catalog) -> HashMap<String, i64> {
    let mut left = HashMap::new();
    for t in &catalog.instance_types {
        for o in &t.offerings {
            if let (Some(id), Some(cap)) = (&o.reservation_id, o.reservation_capacity) {
                left.insert(id.clone(), i64::from(cap));
            }
        }
    }
    for n in &snapshot.nodes {
        if let Some(v) = n.labels.get(RESERVATION_ID).and_then(|id| left.get_mut(id)) {
            *v -= 1;
        }
    }
    left
}

fn reservation_open(o: &Offering, left: &HashMap<String, i64>) -> bool {
    match &o.reservation_id {
        Some(id) => left.get(id).copied().unwrap_or(0) > 0,
        None => o.reservation_capacity.unwrap_or(1) > 0,
    }
}

fn check_claim(
    snapshot: &Snapshot,
    catalog: &Catalog,
    claim: &NewNodeClaim,
    pods: &HashMap<String, &Pod>,
    reservations: &mut HashMap<String, i64>,
    v: &mut Violations,
) {
    let name = &claim.name;
    let Some(pool) = snapshot
        .node_pools
        .iter()
        .find(|p| p.name == claim.node_pool)
    else {
        v.push(format!(
            "claim {name}: pool {} is not in the snapshot",
            claim.node_pool
        ));
        return;
    };
    if claim.instance_types.is_empty() {
        v.push(format!("claim {name}: lists no instance type"));
        return;
    }
    let mut types = Vec::new();
    for t in claim.instance_types.iter() {
        match catalog.get(t) {
            Some(it) => types.push(it),
            None => v.push(format!("claim {name}: type {t} is not in the catalog")),
        }
    }
    let zones: BTreeSet<&str> = claim.zones.iter().map(String::as_str).collect();
    let cts: BTreeSet<&str> = claim.capacity_types.iter().map(String::as_str).collect();
    if claim.zones.windows(2).any(|w| w[0] >= w[1]) {
        v.push(format!(
            "claim {name}: zones {:?} are not sorted",
            claim.zones
        ));
    }
    let ct_order: Vec<CapacityType> = claim
        .capacity_types
        .iter()
        .filter_map(|c| c.parse().ok())
        .collect();
    if ct_order.len() != claim.capacity_types.len() || ct_order.windows(2).any(|w| w[0] >= w[1]) {
        v.push(format!(
            "claim {name}: capacity types {:?} are not in launch order",
            claim.capacity_types
        ));
    }
    let claim_reqs = match manifest_requirements(&claim.manifest) {
        Ok(r) => Some(r),
        Err(e) => {
            v.push(format!("claim {name}: {e}"));
            None
        }
    };
    let mlabels = manifest_labels(&claim.manifest);
    if mlabels.get(NODEPOOL) != Some(&pool.name) {
        v.push(format!(
            "claim {name}: manifest label {NODEPOOL} is not {}",
            pool.name
        ));
    }
    for (k, val) in &pool.labels {
        if mlabels.get(k) != Some(val) {
            v.push(format!(
                "claim {name}: manifest lacks the pool's template label {k}={val}"
            ));
        }
    }
    let claim_pods: Vec<&Pod> = claim
        .pods
        .iter()
        .filter_map(|p| pods.get(p).copied())
        .collect();
    for p in &claim.pods {
        if !pods.contains_key(p) {
            v.push(format!("claim {name}: pod {p} is not in the snapshot"));
        }
    }
    for p in &claim_pods {
        if let Some(t) = untolerated_taint(&pool.taints, &p.tolerations) {
            v.push(format!(
                "claim {name}: {} does not tolerate pool taint {t}",
                key(p)
            ));
        }
    }
    let mut pods_need = Resources::new();
    for p in &claim_pods {
        pods_need.add(&pod_need(p));
    }
    let mut seen_zones = BTreeSet::new();
    let mut seen_cts = BTreeSet::new();
    for t in &types {
        // Every node the cloud may launch for this claim with type t.
        let launches: Vec<&Offering> = t
            .offerings
            .iter()
            .filter(|o| {
                o.available
                    && zones.contains(o.zone.as_str())
                    && cts.contains(o.capacity_type.as_str())
            })
            .collect();
        if launches.is_empty() {
            v.push(format!(
                "claim {name}: type {} has no available offering in zones {:?} as {:?}",
                t.name, claim.zones, claim.capacity_types
            ));
            continue;
        }
        let mut overhead = Resources::new();
        let mut daemons_counted = BTreeSet::new();
        for o in &launches {
            seen_zones.insert(o.zone.as_str());
            seen_cts.insert(o.capacity_type.as_str());
            let mut labels = mlabels.clone();
            labels.extend(type_labels(t));
            labels.insert(ZONE.into(), o.zone.clone());
            labels.insert(CAPACITY_TYPE.into(), o.capacity_type.as_str().into());
            for r in pool.requirements.iter() {
                if !satisfied(r, &labels, claim_reqs.as_ref()) {
                    v.push(format!(
                        "claim {name}: a {} in {} as {} breaks pool requirement {r}",
                        t.name,
                        o.zone,
                        o.capacity_type.as_str()
                    ));
                }
            }
            for p in &claim_pods {
                if !pod_matches(p, &labels, claim_reqs.as_ref()) {
                    v.push(format!(
                        "claim {name}: {} does not match a {} in {} as {}",
                        key(p),
                        t.name,
                        o.zone,
                        o.capacity_type.as_str()
                    ));
                }
            }
            for (i, d) in snapshot.daemon_sets.iter().enumerate() {
                if untolerated_taint(&pool.taints, &d.tolerations).is_none()
                    && daemon_matches(d, &labels, claim_reqs.as_ref())
                    && daemons_counted.insert(i)
                {
                    overhead.add(&pod_need(&daemon_pod(d)));
                }
            }
        }
        let mut need = pods_need.clone();
        need.add(&overhead);
        if let Err(e) = fits_in(&need, &t.allocatable()) {
            v.push(format!(
                "claim {name}: its pods and daemonsets do not fit a {}: {e}",
                t.name
            ));
        }
    }
    // minValues: the listed types must still offer that many distinct values of each key
    // (semantics §3 "minValues", Strict policy).
    for r in pool.requirements.iter() {
        let Some(min) = r.min_values else { continue };
        let distinct: BTreeSet<String> = match r.key.as_str() {
            ZONE => seen_zones.iter().map(|z| z.to_string()).collect(),
            CAPACITY_TYPE => seen_cts.iter().map(|c| c.to_string()).collect(),
            key => types
                .iter()
                .filter_map(|t| type_labels(t).get(key).cloned())
                .collect(),
        };
        if (distinct.len() as u64) < u64::from(min) {
            v.push(format!(
                "claim {name}: pool requirement on {} needs minValues {min} but its types offer {distinct:?}",
                r.key
            ));
        }
    }
    for z in &zones {
        if !seen_zones.contains(z) {
            v.push(format!(
                "claim {name}: no listed type can launch in zone {z}"
            ));
        }
    }
    for c in &cts {
        if !seen_cts.contains(c) {
            v.push(format!("claim {name}: no listed type can launch as {c}"));
        }
    }
    // Launch order and price.
    let launch = |t: &InstanceType, left: &HashMap<String, i64>| -> Option<Offering> {
        t.offerings
            .iter()
            .filter(|o| {
                o.available
                    && zones.contains(o.zone.as_str())
                    && cts.contains(o.capacity_type.as_str())
                    && (o.capacity_type != CapacityType::Reserved || reservation_open(o, left))
            })
            .min_by(|a, b| launch_key(a).partial_cmp(&launch_key(b)).unwrap())
            .cloned()
    };
    let keys: Vec<Option<(CapacityType, f64)>> = types
        .iter()
        .map(|t| launch(t, reservations).map(|o| launch_key(&o)))
        .collect();
    if keys.windows(2).any(|w| match (w[0], w[1]) {
        (Some(a), Some(b)) => a.partial_cmp(&b) == Some(std::cmp::Ordering::Greater),
        _ => false,
    }) {
        v.push(format!(
            "claim {name}: types {:?} are not in launch order (cheapest launchable first): {keys:?}",
            claim.instance_types
        ));
    }
    match types.first().and_then(|t| launch(t, reservations)) {
        Some(o) => {
            if !close(o.price, claim.price) {
                v.push(format!(
                    "claim {name}: price {} but its first type {} launches at {} ({} in {})",
                    claim.price,
                    types[0].name,
                    o.price,
                    o.capacity_type.as_str(),
                    o.zone
                ));
            }
            if o.capacity_type == CapacityType::Reserved {
                if let Some(left) = o
                    .reservation_id
                    .as_ref()
                    .and_then(|id| reservations.get_mut(id))
                {
                    *left -= 1;
                }
            }
        }
        None => v.push(format!("claim {name}: its first type cannot launch")),
    }
    // Requests cover the pods.
    let mut requests = Resources::new();
    for (r, q) in &claim.requests {
        match karpenter_solver::parse_quantity(r, q) {
            Ok(a) => requests.set(r.clone(), a),
            Err(e) => v.push(format!("claim {name}: request {r}={q} does not parse: {e}")),
        }
    }
    if let Err(e) = fits_in(&pods_need, &requests) {
        v.push(format!(
            "claim {name}: requests {:?} do not cover its pods: {e}",
            claim.requests
        ));
    }
}

/// A daemonset's pod, as far as fitting goes.
fn daemon_pod(d: &DaemonSet) -> Pod {
    Pod::new(&d.namespace, &d.name, d.requests.clone())
}

/// Existing capacity a pod may be placed on: a node, or an in-flight NodeClaim.
struct Target {
    labels: Labels,
    taints: Vec<Taint>,
    free: Resources,
    usable: Result<(), String>,
}

fn node_target(snapshot: &Snapshot, n: &Node) -> Target {
    let mut labels = n.labels.clone();
    labels
        .entry(HOSTNAME.into())
        .or_insert_with(|| n.name.clone());
    let managed = n.labels.contains_key(NODEPOOL);
    let initialized = n
        .labels
        .get("karpenter.sh/initialized")
        .is_some_and(|v| v == "true");
    let pool = n
        .labels
        .get(NODEPOOL)
        .and_then(|p| snapshot.node_pools.iter().find(|x| &x.name == p));
    let taints: Vec<Taint> = n
        .taints
        .iter()
        .filter(|t| {
            !(managed
                && !initialized
                && (STARTUP_TAINTS.contains(&t.key.as_str())
                    || pool.is_some_and(|p| p.startup_taints.contains(t))))
        })
        .cloned()
        .collect();
    let mut free = n.allocatable.clone();
    let bound: Vec<&Pod> = snapshot
        .pods
        .iter()
        .filter(|p| {
            p.node_name.as_deref() == Some(n.name.as_str())
                && !matches!(p.phase, PodPhase::Succeeded | PodPhase::Failed)
        })
        .collect();
    for p in &bound {
        free.sub(&pod_need(p));
    }
    for d in &snapshot.daemon_sets {
        let running = bound.iter().any(|p| {
            p.namespace == d.namespace
                && p.owner
                    .as_ref()
                    .is_some_and(|o| o.kind == "DaemonSet" && o.name == d.name)
        });
        if !running
            && untolerated_taint(&taints, &d.tolerations).is_none()
            && daemon_matches(d, &labels, None)
        {
            free.sub(&pod_need(&daemon_pod(d)));
        }
    }
    let usable = if n.unschedulable {
        Err("it is cordoned".to_owned())
    } else if n.deleting {
        Err("it is being deleted".to_owned())
    } else {
        Ok(())
    };
    Target {
        labels,
        taints,
        free,
        usable,
    }
}

fn claim_target(snapshot: &Snapshot, catalog: &Catalog, c: &NodeClaim) -> Target {
    let mut labels = c.labels.clone();
    for r in c.requirements.iter() {
        if !r.is_complement() && r.values().len() == 1 {
            labels
                .entry(r.key.clone())
                .or_insert_with(|| r.values().iter().next().cloned().unwrap_or_default());
        }
    }
    labels
        .entry(HOSTNAME.into())
        .or_insert_with(|| c.name.clone());
    // Until it reports its allocatable, it is the smallest type it may become.
    let free = c.allocatable.clone().unwrap_or_else(|| {
        let names: Vec<String> = match c.requirements.get(INSTANCE_TYPE) {
            Some(r) if !r.is_complement() => r.values().iter().cloned().collect(),
            _ => labels.get(INSTANCE_TYPE).cloned().into_iter().collect(),
        };
        let mut alloc: Option<Resources> = None;
        for t in names.iter().filter_map(|n| catalog.get(n)) {
            let a = t.allocatable();
            alloc = Some(match alloc {
                None => a,
                Some(prev) => prev.iter().map(|(k, v)| (k, v.min(a.get(k)))).collect(),
            });
        }
        alloc.unwrap_or_default()
    });
    let mut free = free;
    for d in &snapshot.daemon_sets {
        if untolerated_taint(&c.taints, &d.tolerations).is_none()
            && daemon_matches(d, &labels, None)
        {
            free.sub(&pod_need(&daemon_pod(d)));
        }
    }
    let usable = if c.deleting {
        Err("it is being deleted".to_owned())
    } else {
        Ok(())
    };
    Target {
        labels,
        taints: c.taints.clone(),
        free,
        usable,
    }
}

fn check_existing(
    snapshot: &Snapshot,
    catalog: &Catalog,
    plan: &Plan,
    pods: &HashMap<String, &Pod>,
    v: &mut Violations,
) {
    for e in &plan.existing_nodes {
        let target = if let Some(n) = snapshot.nodes.iter().find(|n| n.name == e.name) {
            node_target(snapshot, n)
        } else if let Some(c) = snapshot.node_claims.iter().find(|c| c.name == e.name) {
            claim_target(snapshot, catalog, c)
        } else {
            v.push(format!("existing node {} is not in the snapshot", e.name));
            continue;
        };
        if let Err(why) = &target.usable {
            v.push(format!("pods are placed on {} but {why}", e.name));
        }
        let mut need = Resources::new();
        for p in e.pods.iter().filter_map(|p| pods.get(p)) {
            need.add(&pod_need(p));
            if let Some(t) = untolerated_taint(&target.taints, &p.tolerations) {
                v.push(format!(
                    "{} on {} does not tolerate taint {t}",
                    key(p),
                    e.name
                ));
            }
            if !pod_matches(p, &target.labels, None) {
                v.push(format!(
                    "{} does not match the labels of {}",
                    key(p),
                    e.name
                ));
            }
        }
        if let Err(why) = fits_in(&need, &target.free) {
            v.push(format!(
                "pods placed on {} do not fit its free allocatable: {why}",
                e.name
            ));
        }
    }
}

/// Capacity a pool already holds: its nodes, and its in-flight NodeClaims.
fn pool_usage(snapshot: &Snapshot, catalog: &Catalog, pool: &NodePool) -> Resources {
    let mut used = Resources::new();
    let mut nodes_of_pool = BTreeSet::new();
    for n in &snapshot.nodes {
        if n.labels.get(NODEPOOL) != Some(&pool.name) {
            continue;
        }
        nodes_of_pool.insert(n.name.as_str());
        let mut cap = if !n.capacity.is_zero() {
            n.capacity.clone()
        } else if !n.allocatable.is_zero() {
            n.allocatable.clone()
        } else {
            n.labels
                .get(INSTANCE_TYPE)
                .and_then(|t| catalog.get(t))
                .map(|t| t.capacity.clone())
                .unwrap_or_default()
        };
        cap.set("nodes", 1);
        used.add(&cap);
    }
    for c in &snapshot.node_claims {
        if c.labels.get(NODEPOOL) != Some(&pool.name)
            || c.node_name
                .as_deref()
                .is_some_and(|n| nodes_of_pool.contains(n))
        {
            continue;
        }
        let mut cap = c.capacity.clone().unwrap_or_else(|| c.requests.clone());
        cap.set("nodes", 1);
        used.add(&cap);
    }
    used
}

fn check_limits(snapshot: &Snapshot, catalog: &Catalog, plan: &Plan, v: &mut Violations) {
    for pool in &snapshot.node_pools {
        let claims: Vec<&NewNodeClaim> = plan
            .node_claims
            .iter()
            .filter(|c| c.node_pool == pool.name)
            .collect();
        if claims.is_empty() || pool.limits.iter().next().is_none() {
            continue;
        }
        let mut used = pool_usage(snapshot, catalog, pool);
        for c in &claims {
            // Karpenter charges a claim the largest capacity among its types (semantics §4).
            let mut largest = Resources::new();
            for t in c.instance_types.iter().filter_map(|t| catalog.get(t)) {
                largest.max_with(&t.capacity);
            }
            largest.set("nodes", 1);
            used.add(&largest);
        }
        for (r, limit) in pool.limits.iter() {
            if used.get(r) > limit {
                v.push(format!(
                    "pool {} exceeds its limit {r}={limit}: its nodes and {} new claims reach {}",
                    pool.name,
                    claims.len(),
                    used.get(r)
                ));
            }
        }
    }
}

/// The scenario files (`*.yaml`) of `dir`, sorted by name.
pub fn scenario_files(dir: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {dir}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

/// What one scenario came to, for [`run_scenarios`].
pub struct Outcome {
    pub description: String,
    /// The scenario's `expect`, as JSON, shown when it fails.
    pub expected: String,
    pub known_bug: Option<String>,
    /// Every check that did not hold; empty when it passes.
    pub failures: Vec<String>,
    /// The plan, as JSON, shown when it fails.
    pub plan: Option<String>,
}

/// Runs each scenario file of `dir` (those whose name contains `$SCENARIO`, when set) through
/// `run`, prints one report (failures, known bugs, and known bugs that now pass), and fails
/// the test when any scenario failed. `run` gives `Err` when the file cannot be run at all.
pub fn run_scenarios(
    label: &str,
    dir: &str,
    run: impl Fn(&std::path::Path) -> Result<Outcome, String>,
) {
    use std::fmt::Write as _;
    let filter = std::env::var("SCENARIO").ok();
    let files = scenario_files(dir);
    assert!(
        files.len() >= 30,
        "expected at least 30 scenarios in {dir}, found {}",
        files.len()
    );
    let mut report = String::new();
    let mut failed = Vec::new();
    let (mut passed, mut known) = (0, 0);
    for path in &files {
        let name = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let outcome = match run(path) {
            Ok(o) => o,
            Err(e) => {
                let _ = writeln!(report, "FAIL {name}: {e}");
                failed.push(name);
                continue;
            }
        };
        match (&outcome.known_bug, outcome.failures.is_empty()) {
            (None, true) => passed += 1,
            (None, false) => {
                let _ = writeln!(report, "FAIL {name}: {}", outcome.description.trim());
                let _ = writeln!(report, "  expected: {}", outcome.expected);
                for f in &outcome.failures {
                    let _ = writeln!(report, "  - {}", f.trim_end());
                }
                if let Some(plan) = &outcome.plan {
                    let _ = writeln!(report, "  plan: {plan}");
                }
                failed.push(name);
            }
            (Some(bug), passes) => {
                known += 1;
                let _ = writeln!(report, "KNOWN BUG {name}: {}", bug.trim());
                if passes {
                    let _ = writeln!(
                        report,
                        "    now passes every check: remove its known_bug line"
                    );
                } else {
                    for f in &outcome.failures {
                        let _ = writeln!(report, "    - {}", f.trim_end());
                    }
                }
            }
        }
    }
    eprintln!("{report}");
    eprintln!(
        "{label}: {passed} passed, {} failed, {known} known bugs (of {})",
        failed.len(),
        files.len()
    );
    assert!(failed.is_empty(), "failed scenarios: {failed:?}");
}

/// Property-test settings shared by the property suites: 256 cases (64 when `CI` is set, with
/// fewer shrink steps), `PROPTEST_CASES=N` overriding both; failures kept beside the test file.
pub fn proptest_config() -> proptest::test_runner::Config {
    let ci = std::env::var_os("CI").is_some();
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(if ci { 64 } else { 256 });
    proptest::test_runner::Config {
        cases,
        max_shrink_iters: if ci { 256 } else { 4096 },
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..proptest::test_runner::Config::default()
    }
}
