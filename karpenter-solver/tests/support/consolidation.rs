//! The consolidation plan checker: `validate_consolidation(snapshot, catalog, now, plan)` says
//! whether a consolidation plan could be carried out as written and keeps every promise of
//! the contract (`shared/spec/CONTRACT.md` §4) and of Karpenter's disruption rules
//! (`shared/reference/karpenter-semantics.md` §5), whatever solver produced it.
//!
//! It applies the plan to the snapshot (removes the commands' nodes, adds each replacement
//! claim as a node, moves the evicted pods) and checks:
//!
//! - shape: known reasons, every node named once across commands and exists, unique claim
//!   names, `Empty` commands launch nothing and move nothing;
//! - candidates: only managed nodes of an existing pool, never one being deleted or
//!   NotReady; `Empty` nodes hold no evictable pod; `Underutilized` only in
//!   `WhenEmptyOrUnderutilized` pools; `Empty`/`Underutilized` nodes past `consolidateAfter`
//!   (from the latest of the node's creation, its NodeClaim's `lastPodEventTime` and its
//!   newest evictable pod's creation); no `do-not-disrupt` node or pod (a `"true"` or an
//!   unexpired duration from `status.startTime`, else creation) in `Empty`, `Underutilized` or
//!   `Drifted` commands; `Drifted` nodes drifted (NodeClaim `Drifted` condition, stale
//!   `karpenter.sh/nodepool-hash`, type gone from the catalog, labels outside the pool's
//!   requirements or template labels); `Expired` nodes past `expireAfter`;
//! - moves: every evictable pod (bound, not finished, not terminating, not a DaemonSet's) of a
//!   removed node moves exactly once, nothing else moves; each destination is a replacement
//!   of the same command or a node of the snapshot that no command removes, is Ready, not
//!   cordoned and not being deleted; a replacement's `pods` are the pods moved to it, plus
//!   perhaps pending pods and pods of nodes being deleted, which need a node anyway;
//! - after the moves: resources fit (bound pods, moved pods and daemonsets that would run
//!   there, against allocatable), taints are tolerated, node selectors and required node
//!   affinity hold, host ports do not clash, required pod anti-affinity and affinity hold,
//!   and `DoNotSchedule` topology spread holds for every moved pod (counted on the state
//!   after the plan, the pod itself left out); replacements are feasible claims
//!   (`super::check_claim`, the provision rules) and pool limits hold;
//! - budgets: per pool, there is an order of the reasons in which each reason's removed
//!   nodes, plus the nodes already disrupting (deleting or NotReady) and the `Expired`
//!   removals, stay within that reason's allowance at `now` (minimum over the active budgets
//!   that name the reason or no reason; a percentage of the pool's nodes rounded up; none
//!   given: 10%); `Expired` is forceful and not budgeted;
//! - PDBs: per PDB, the matching pods evicted by `Empty`/`Underutilized`/`Drifted` commands
//!   are at most its allowed disruptions (as the eviction API computes them), and no such pod
//!   is under two PDBs;
//! - money: each command's `savingsPerHour` is the removed nodes' price (catalog offering of
//!   the node's type, zone and capacity type; 0 if unknown) less its replacements' prices;
//!   `Empty`/`Underutilized` commands save money and their replacements cannot cost more than
//!   they save whatever the cloud launches (summed worst launch prices below the removed
//!   price), and a replacement that lists the type of a node it removes lists only types
//!   cheaper than that node (keep the node instead); a single spot node goes to spot only
//!   with at least 15 cheaper spot types; the total is the sum; `lowerBound` is at most the managed cluster's price after the plan;
//! - blocked: names nodes of the snapshot, once each, none that a command removes, each with
//!   a reason; every initialized candidate (managed, pool exists, Ready, not deleting) that
//!   no command removes is listed.
//!
//! Where the semantics leave a choice, the checker takes the permissive reading (a larger
//! node count for percentage budgets, the real minimum for topology spread), so it only
//! fails plans that are wrong under every reading.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use karpenter_solver::{
    parse_duration_seconds, BudgetNodes, CapacityType, Catalog, Command, ConsolidationPlan,
    ConsolidationPolicy, HostPort, InclusionPolicy, InstanceType, IntOrPercent, LabelSelector,
    NewNodeClaim, Node, NodeClaim, NodePool, Pod, PodAffinityTerm, PodPhase, Resources, Snapshot,
    WhenUnsatisfiable,
};

use super::{
    check_claim, daemon_matches, fits_in, key, manifest_labels, node_target, pod_matches, pod_need,
    reservations_left, satisfied, type_labels, untolerated_taint, Labels, Violations,
    CAPACITY_TYPE, HOSTNAME, INSTANCE_TYPE, NODEPOOL, ZONE,
};

/// The reasons a command may give.
pub const REASONS: [&str; 4] = ["Empty", "Underutilized", "Drifted", "Expired"];
/// The budgeted reasons (semantics §5, "Disruption budgets").
const BUDGETED: [&str; 3] = ["Empty", "Drifted", "Underutilized"];
/// Cheaper spot types a single spot node's replacement needs (semantics §5, step 5).
pub const SPOT_TO_SPOT_MIN_TYPES: usize = 15;
const DO_NOT_DISRUPT: &str = "karpenter.sh/do-not-disrupt";
const POOL_HASH: &str = "karpenter.sh/nodepool-hash";

/// Checks that `plan` is a feasible consolidation of `snapshot` at `now` that keeps every
/// promise of the contract.
///
/// # Errors
/// Every violation found, one per line.
pub fn validate_consolidation(
    snapshot: &Snapshot,
    catalog: &Catalog,
    now: Option<DateTime<Utc>>,
    plan: &ConsolidationPlan,
) -> Result<(), String> {
    let mut v = Violations::default();
    let ctx = Ctx::new(snapshot, catalog, now, plan, &mut v);
    ctx.check_candidates(&mut v);
    ctx.check_moves(&mut v);
    ctx.check_after_state(&mut v);
    ctx.check_budgets(&mut v);
    ctx.check_pdbs(&mut v);
    ctx.check_money(&mut v);
    ctx.check_blocked(&mut v);
    v.finish()
}

/// A node's hourly price: the catalog offering of its instance type, zone and capacity type
/// (on-demand when the label is missing); 0 when unknown (semantics §5, "Costs and order").
pub fn node_price(catalog: &Catalog, node: &Node) -> f64 {
    let Some(t) = node
        .labels
        .get(INSTANCE_TYPE)
        .and_then(|name| catalog.get(name))
    else {
        return 0.0;
    };
    let zone = node.labels.get(ZONE);
    let ct = node
        .labels
        .get(CAPACITY_TYPE)
        .map_or("on-demand", String::as_str);
    t.offerings
        .iter()
        .find(|o| zone.is_some_and(|z| &o.zone == z) && o.capacity_type.as_str() == ct)
        .map_or(0.0, |o| o.price)
}

/// The price per hour of the managed cluster after the plan: every node with a
/// `karpenter.sh/nodepool` label that no command removes, plus every replacement.
pub fn cost_after(snapshot: &Snapshot, catalog: &Catalog, plan: &ConsolidationPlan) -> f64 {
    let removed: BTreeSet<&str> = plan
        .commands
        .iter()
        .flat_map(|c| c.nodes.iter().map(String::as_str))
        .collect();
    let kept: f64 = snapshot
        .nodes
        .iter()
        .filter(|n| n.labels.contains_key(NODEPOOL) && !removed.contains(n.name.as_str()))
        .map(|n| node_price(catalog, n))
        .sum();
    let new: f64 = plan
        .commands
        .iter()
        .flat_map(|c| c.replacements.iter().map(|r| r.price))
        .sum();
    kept + new
}

/// The price per hour of the managed cluster as it is.
pub fn cost_before(snapshot: &Snapshot, catalog: &Catalog) -> f64 {
    snapshot
        .nodes
        .iter()
        .filter(|n| n.labels.contains_key(NODEPOOL))
        .map(|n| node_price(catalog, n))
        .sum()
}

/// Where every pod is after the plan: moved pods at their destination, the others where they
/// are bound (pods of removed nodes that are not moved are gone).
pub fn placement_after(snapshot: &Snapshot, plan: &ConsolidationPlan) -> BTreeMap<String, String> {
    let removed: BTreeSet<&str> = plan
        .commands
        .iter()
        .flat_map(|c| c.nodes.iter().map(String::as_str))
        .collect();
    let mut out = BTreeMap::new();
    for p in &snapshot.pods {
        if let Some(n) = &p.node_name {
            if !removed.contains(n.as_str()) && !p.phase.is_terminal() {
                out.insert(key(p), n.clone());
            }
        }
    }
    for c in &plan.commands {
        for m in &c.pod_moves {
            out.insert(m.pod.clone(), m.to.clone());
        }
    }
    out
}

/// Whether a pod pins its node at `now` (semantics §5, "Candidates"): `do-not-disrupt` is
/// `"true"`, or a duration not yet over since the pod started (else since it was created).
/// An age that cannot be known (no `now`, no timestamps) pins; an invalid value does not.
pub fn pod_pins(p: &Pod, now: Option<DateTime<Utc>>) -> bool {
    let Some(value) = p.do_not_disrupt.as_deref() else {
        return false;
    };
    if value == "true" {
        return true;
    }
    let Some(seconds) = parse_duration_seconds(value) else {
        return false;
    };
    match (now, p.started.or(p.created)) {
        (Some(now), Some(start)) => now < start + Duration::seconds(seconds),
        _ => true,
    }
}

/// Whether the pod must move when its node goes: bound, not finished, not being deleted,
/// not a DaemonSet's.
pub fn evictable(p: &Pod) -> bool {
    p.node_name.is_some() && !p.phase.is_terminal() && !p.terminating && !p.is_daemon()
}

struct Ctx<'a> {
    snapshot: &'a Snapshot,
    catalog: &'a Catalog,
    now: Option<DateTime<Utc>>,
    plan: &'a ConsolidationPlan,
    nodes: BTreeMap<&'a str, &'a Node>,
    pods: HashMap<String, &'a Pod>,
    /// Removed node → index of its command.
    removed: BTreeMap<&'a str, usize>,
    /// Replacement name → (command index, claim).
    claims: BTreeMap<&'a str, (usize, &'a NewNodeClaim)>,
}

impl<'a> Ctx<'a> {
    fn new(
        snapshot: &'a Snapshot,
        catalog: &'a Catalog,
        now: Option<DateTime<Utc>>,
        plan: &'a ConsolidationPlan,
        v: &mut Violations,
    ) -> Ctx<'a> {
        let nodes: BTreeMap<&str, &Node> = snapshot
            .nodes
            .iter()
            .map(|n| (n.name.as_str(), n))
            .collect();
        let pods = snapshot.pods.iter().map(|p| (key(p), p)).collect();
        let mut removed = BTreeMap::new();
        let mut claims = BTreeMap::new();
        for (i, c) in plan.commands.iter().enumerate() {
            if !REASONS.contains(&c.reason.as_str()) {
                v.push(format!(
                    "command {i}: reason {:?} is not one of {REASONS:?}",
                    c.reason
                ));
            }
            if c.nodes.is_empty() {
                v.push(format!("command {i} ({}) removes no node", c.reason));
            }
            for n in &c.nodes {
                if !nodes.contains_key(n.as_str()) {
                    v.push(format!("command {i}: node {n} is not in the snapshot"));
                    continue;
                }
                if let Some(j) = removed.insert(n.as_str(), i) {
                    v.push(format!("node {n} is removed by commands {j} and {i}"));
                }
            }
            for r in &c.replacements {
                if nodes.contains_key(r.name.as_str()) {
                    v.push(format!(
                        "command {i}: replacement {} has the name of an existing node",
                        r.name
                    ));
                }
                if claims.insert(r.name.as_str(), (i, r)).is_some() {
                    v.push(format!("two replacements are named {}", r.name));
                }
            }
            if c.reason == "Empty" && (!c.replacements.is_empty() || !c.pod_moves.is_empty()) {
                v.push(format!(
                    "command {i}: an Empty command launches {} replacements and moves {} pods",
                    c.replacements.len(),
                    c.pod_moves.len()
                ));
            }
        }
        Ctx {
            snapshot,
            catalog,
            now,
            plan,
            nodes,
            pods,
            removed,
            claims,
        }
    }

    fn pool_of(&self, n: &Node) -> Option<&'a NodePool> {
        let name = n.labels.get(NODEPOOL)?;
        self.snapshot.node_pools.iter().find(|p| &p.name == name)
    }

    fn node_claim_of(&self, n: &Node) -> Option<&'a NodeClaim> {
        self.snapshot
            .node_claims
            .iter()
            .find(|c| c.node_name.as_deref() == Some(n.name.as_str()))
    }

    fn pods_on(&self, node: &str) -> impl Iterator<Item = &'a Pod> + '_ {
        let node = node.to_owned();
        self.snapshot.pods.iter().filter(move |p| {
            p.node_name.as_deref() == Some(node.as_str()) && !p.phase.is_terminal()
        })
    }

    /// Why the node may not be consolidated yet (semantics §5, "consolidateAfter and policy").
    fn too_young(&self, n: &Node, pool: &NodePool) -> Option<String> {
        let after = match pool.disruption.consolidate_after_seconds {
            None => return Some("consolidateAfter is Never".into()),
            Some(0) => return None,
            Some(s) => s,
        };
        let Some(now) = self.now else {
            return Some(format!("consolidateAfter {after}s with no now"));
        };
        let claim_event = self.node_claim_of(n).and_then(|c| c.last_pod_event);
        let newest_pod = self
            .pods_on(&n.name)
            .filter(|p| evictable(p))
            .filter_map(|p| p.created)
            .max();
        let since = [n.created, claim_event, newest_pod]
            .into_iter()
            .flatten()
            .max();
        match since {
            None => Some("its age is unknown".into()),
            Some(t) if now - t < Duration::seconds(after) => Some(format!(
                "last change {t} is less than consolidateAfter {after}s before now {now}"
            )),
            Some(_) => None,
        }
    }

    fn expired(&self, n: &Node, pool: &NodePool) -> bool {
        let (Some(e), Some(now)) = (pool.expire_after_seconds, self.now) else {
            return false;
        };
        let created = n
            .created
            .or_else(|| self.node_claim_of(n).and_then(|c| c.created));
        created.is_some_and(|c| now - c >= Duration::seconds(e))
    }

    /// Whether any reading of drift holds (semantics §5, "Drift and expiration").
    fn drifted(&self, n: &Node, pool: &NodePool) -> bool {
        let claim = self.node_claim_of(n);
        if claim.is_some_and(|c| c.drifted) {
            return true;
        }
        if let Some(h) = &pool.hash {
            let stale = |a: &Labels| a.get(POOL_HASH).is_some_and(|x| x != h);
            if stale(&n.annotations) || claim.is_some_and(|c| stale(&c.annotations)) {
                return true;
            }
        }
        if n.labels
            .get(INSTANCE_TYPE)
            .is_some_and(|t| self.catalog.get(t).is_none())
        {
            return true;
        }
        if pool
            .requirements
            .iter()
            .any(|r| !satisfied(r, &n.labels, None))
        {
            return true;
        }
        pool.labels
            .iter()
            .any(|(k, val)| n.labels.get(k) != Some(val))
    }

    fn check_candidates(&self, v: &mut Violations) {
        for (&name, &i) in &self.removed {
            let n = self.nodes[name];
            let reason = self.plan.commands[i].reason.as_str();
            let at = format!("{reason} command {i} removes {name}");
            let Some(pool) = self.pool_of(n) else {
                v.push(format!(
                    "{at}, which is not managed by an existing NodePool (label {NODEPOOL}={:?})",
                    n.labels.get(NODEPOOL)
                ));
                continue;
            };
            if n.deleting {
                v.push(format!("{at}, which is already being deleted"));
            }
            if !n.ready {
                v.push(format!("{at}, which is NotReady"));
            }
            if reason == "Expired" {
                if !self.expired(n, pool) {
                    v.push(format!(
                        "{at}, which has not reached its pool's expireAfter ({:?}s) at {:?}",
                        pool.expire_after_seconds, self.now
                    ));
                }
                continue;
            }
            if n.do_not_disrupt {
                v.push(format!("{at}, which is annotated {DO_NOT_DISRUPT}"));
            }
            for p in self.pods_on(name).filter(|p| evictable(p)) {
                if pod_pins(p, self.now) {
                    v.push(format!(
                        "{at}, where {} pins it with {DO_NOT_DISRUPT}={:?}",
                        key(p),
                        p.do_not_disrupt.as_deref().unwrap_or_default()
                    ));
                }
            }
            match reason {
                "Empty" => {
                    let held: Vec<String> = self
                        .pods_on(name)
                        .filter(|p| evictable(p))
                        .map(key)
                        .collect();
                    if !held.is_empty() {
                        v.push(format!("{at} as empty, but it runs {held:?}"));
                    }
                }
                "Underutilized"
                    if pool.disruption.consolidation_policy
                        != ConsolidationPolicy::WhenEmptyOrUnderutilized =>
                {
                    v.push(format!(
                        "{at}, but pool {} consolidates only WhenEmpty",
                        pool.name
                    ));
                }
                "Drifted" if !self.drifted(n, pool) => {
                    v.push(format!(
                        "{at}, which has not drifted from pool {}",
                        pool.name
                    ));
                }
                _ => {}
            }
            if matches!(reason, "Empty" | "Underutilized") {
                if let Some(why) = self.too_young(n, pool) {
                    v.push(format!("{at}: {why}"));
                }
            }
        }
    }

    fn check_moves(&self, v: &mut Violations) {
        let mut moved: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, c) in self.plan.commands.iter().enumerate() {
            let nodes: BTreeSet<&str> = c.nodes.iter().map(String::as_str).collect();
            let must: BTreeSet<String> = self
                .snapshot
                .pods
                .iter()
                .filter(|p| {
                    evictable(p) && p.node_name.as_deref().is_some_and(|n| nodes.contains(n))
                })
                .map(key)
                .collect();
            let mut to_claim: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            for m in &c.pod_moves {
                if let Some(j) = moved.insert(m.pod.as_str(), i) {
                    v.push(format!("{} is moved by commands {j} and {i}", m.pod));
                    continue;
                }
                if !must.contains(&m.pod) {
                    let what = match self.pods.get(&m.pod) {
                        None => "not in the snapshot".to_owned(),
                        Some(p) if p.is_daemon() => "a DaemonSet's pod".to_owned(),
                        Some(p) => format!(
                            "not an evictable pod of the command's nodes (on {:?}, {:?})",
                            p.node_name, p.phase
                        ),
                    };
                    v.push(format!("command {i} moves {}, which is {what}", m.pod));
                }
                if let Some((j, _)) = self.claims.get(m.to.as_str()) {
                    if *j != i {
                        v.push(format!(
                            "command {i} moves {} to {}, a replacement of command {j}",
                            m.pod, m.to
                        ));
                    }
                    to_claim.entry(m.to.as_str()).or_default().insert(&m.pod);
                } else if let Some(n) = self.nodes.get(m.to.as_str()) {
                    let problem = if let Some(j) = self.removed.get(m.to.as_str()) {
                        Some(format!("command {j} removes it"))
                    } else if n.deleting {
                        Some("it is being deleted".into())
                    } else if n.unschedulable {
                        Some("it is cordoned".into())
                    } else if !n.ready {
                        Some("it is NotReady".into())
                    } else {
                        None
                    };
                    if let Some(why) = problem {
                        v.push(format!(
                            "command {i} moves {} to {}, but {why}",
                            m.pod, m.to
                        ));
                    }
                } else {
                    v.push(format!(
                        "command {i} moves {} to {}, which is neither a node nor a replacement",
                        m.pod, m.to
                    ));
                }
            }
            for p in &must {
                if !c.pod_moves.iter().any(|m| &m.pod == p) {
                    v.push(format!(
                        "command {i} ({}) removes the node of {p} but does not say where it goes",
                        c.reason
                    ));
                }
            }
            // A replacement holds the pods moved to it, and may also take pods that need a
            // node anyway: pending pods and pods of nodes being deleted (semantics §5, "The
            // consolidation decision", step 1 simulates them too).
            for r in &c.replacements {
                let moved = to_claim.get(r.name.as_str()).cloned().unwrap_or_default();
                for p in &moved {
                    if !r.pods.iter().any(|x| x == p) {
                        v.push(format!(
                            "command {i}: {p} moves to replacement {} but is not among its pods {:?}",
                            r.name, r.pods
                        ));
                    }
                }
                for p in r.pods.iter().filter(|p| !moved.contains(p.as_str())) {
                    if !self.pods.get(p).is_some_and(|p| self.needs_a_node(p)) {
                        v.push(format!(
                            "command {i}: replacement {} lists {p}, which is neither moved to it nor pending nor on a node being deleted",
                            r.name
                        ));
                    }
                }
            }
        }
    }

    /// Pods that need a node whatever the plan: pending, or on a node being deleted.
    fn needs_a_node(&self, p: &Pod) -> bool {
        !p.phase.is_terminal()
            && !p.terminating
            && !p.is_daemon()
            && match &p.node_name {
                None => true,
                Some(n) => self.nodes.get(n.as_str()).is_some_and(|n| n.deleting),
            }
    }

    fn check_after_state(&self, v: &mut Violations) {
        // Replacements: feasible claims, as provision's are.
        let mut reservations = reservations_left(self.snapshot, self.catalog);
        for (_, r) in self.claims.values() {
            check_claim(
                self.snapshot,
                self.catalog,
                r,
                &self.pods,
                &mut reservations,
                v,
            );
        }
        // Existing destinations: resources, taints, labels.
        let mut incoming: BTreeMap<&str, Vec<&Pod>> = BTreeMap::new();
        for c in &self.plan.commands {
            for m in &c.pod_moves {
                if let Some(p) = self.pods.get(&m.pod) {
                    incoming.entry(m.to.as_str()).or_default().push(p);
                }
            }
        }
        for (dest, moved) in &incoming {
            let Some(n) = self.nodes.get(dest) else {
                continue;
            };
            let target = node_target(self.snapshot, n);
            let mut need = Resources::new();
            for p in moved {
                need.add(&pod_need(p));
                if let Some(t) = untolerated_taint(&target.taints, &p.tolerations) {
                    v.push(format!(
                        "{} moves to {dest} but does not tolerate {t}",
                        key(p)
                    ));
                }
                if !pod_matches(p, &target.labels, None) {
                    v.push(format!(
                        "{} moves to {dest}, whose labels its node selector or affinity rejects",
                        key(p)
                    ));
                }
            }
            if let Err(why) = fits_in(&need, &target.free) {
                v.push(format!(
                    "pods moved to {dest} do not fit its free allocatable: {why}"
                ));
            }
        }
        self.check_host_ports(&incoming, v);
        let after = self.after_state();
        after.check_affinity(v);
        after.check_spread(v);
        self.check_limits(v);
    }

    fn check_host_ports(&self, incoming: &BTreeMap<&str, Vec<&Pod>>, v: &mut Violations) {
        for (dest, moved) in incoming {
            let mut taken: Vec<(String, HostPort)> = Vec::new();
            if let Some(n) = self.nodes.get(dest) {
                let target = node_target(self.snapshot, n);
                let bound: Vec<&Pod> = self.pods_on(dest).collect();
                for p in &bound {
                    for hp in &p.host_ports {
                        taken.push((key(p), hp.clone()));
                    }
                }
                for d in &self.snapshot.daemon_sets {
                    let running = bound.iter().any(|p| {
                        p.is_daemon()
                            && p.namespace == d.namespace
                            && p.owner.as_ref().is_some_and(|o| o.name == d.name)
                    });
                    if !running
                        && untolerated_taint(&target.taints, &d.tolerations).is_none()
                        && daemon_matches(d, &target.labels, None)
                    {
                        for hp in &d.host_ports {
                            taken.push((
                                format!("daemonset {}/{}", d.namespace, d.name),
                                hp.clone(),
                            ));
                        }
                    }
                }
            } else if let Some((_, r)) = self.claims.get(dest) {
                let labels = manifest_labels(&r.manifest);
                for d in &self.snapshot.daemon_sets {
                    if daemon_matches(d, &labels, None) {
                        for hp in &d.host_ports {
                            taken.push((
                                format!("daemonset {}/{}", d.namespace, d.name),
                                hp.clone(),
                            ));
                        }
                    }
                }
            }
            for p in moved {
                for hp in &p.host_ports {
                    if let Some((who, _)) = taken.iter().find(|(_, t)| t.conflicts(hp)) {
                        v.push(format!(
                            "{} moves to {dest} but host port {}/{} is taken by {who}",
                            key(p),
                            hp.port,
                            hp.protocol
                        ));
                    }
                }
                for hp in &p.host_ports {
                    taken.push((key(p), hp.clone()));
                }
            }
        }
    }

    /// The cluster after the plan, for topology checks.
    fn after_state(&self) -> After<'a> {
        let mut places: Vec<Place> = Vec::new();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        for n in &self.snapshot.nodes {
            if self.removed.contains_key(n.name.as_str()) {
                continue;
            }
            let target = node_target(self.snapshot, n);
            index.insert(n.name.clone(), places.len());
            places.push(Place {
                name: n.name.clone(),
                labels: target.labels,
                zones: None,
                taints: target.taints,
            });
        }
        for (name, (_, r)) in &self.claims {
            let mut labels = manifest_labels(&r.manifest);
            labels.insert(HOSTNAME.into(), r.name.clone());
            if let [z] = r.zones.as_slice() {
                labels.insert(ZONE.into(), z.clone());
            }
            if let [ct] = r.capacity_types.as_slice() {
                labels.insert(CAPACITY_TYPE.into(), ct.clone());
            }
            if let [t] = &r.instance_types[..] {
                if let Some(t) = self.catalog.get(t) {
                    labels.extend(type_labels(t));
                }
            }
            let zones = (r.zones.len() > 1).then(|| r.zones.iter().cloned().collect());
            let taints = self
                .snapshot
                .node_pools
                .iter()
                .find(|p| p.name == r.node_pool)
                .map(|p| p.taints.clone())
                .unwrap_or_default();
            index.insert((*name).to_owned(), places.len());
            places.push(Place {
                name: r.name.clone(),
                labels,
                zones,
                taints,
            });
        }
        let mut moved_to: BTreeMap<&str, &str> = BTreeMap::new();
        for c in &self.plan.commands {
            for r in &c.replacements {
                for p in &r.pods {
                    moved_to.insert(p.as_str(), r.name.as_str());
                }
            }
            for m in &c.pod_moves {
                moved_to.insert(m.pod.as_str(), m.to.as_str());
            }
        }
        let mut pods = Vec::new();
        for p in &self.snapshot.pods {
            if p.phase.is_terminal() || p.terminating {
                continue;
            }
            let k = key(p);
            let (at, moved) = match moved_to.get(k.as_str()) {
                Some(to) => (index.get(*to).copied(), true),
                None => (
                    p.node_name.as_ref().and_then(|n| index.get(n).copied()),
                    false,
                ),
            };
            if let Some(at) = at {
                pods.push(Placed { pod: p, at, moved });
            }
        }
        After { places, pods }
    }

    fn check_limits(&self, v: &mut Violations) {
        for pool in &self.snapshot.node_pools {
            let new: Vec<&NewNodeClaim> = self
                .claims
                .values()
                .map(|(_, r)| *r)
                .filter(|r| r.node_pool == pool.name)
                .collect();
            if new.is_empty() || pool.limits.is_zero() {
                continue;
            }
            let mut used = super::pool_usage(self.snapshot, self.catalog, pool);
            for &name in self.removed.keys() {
                let n = self.nodes[name];
                if n.labels.get(NODEPOOL) == Some(&pool.name) {
                    let mut cap = if n.capacity.is_zero() {
                        n.allocatable.clone()
                    } else {
                        n.capacity.clone()
                    };
                    cap.set("nodes", 1);
                    used.sub(&cap);
                }
            }
            for r in &new {
                let mut largest = Resources::new();
                for t in r.instance_types.iter().filter_map(|t| self.catalog.get(t)) {
                    largest.max_with(&t.capacity);
                }
                largest.set("nodes", 1);
                used.add(&largest);
            }
            for (res, limit) in pool.limits.iter() {
                if used.get(res) > limit {
                    v.push(format!(
                        "pool {} exceeds its limit {res}={limit} after the plan: {}",
                        pool.name,
                        used.get(res)
                    ));
                }
            }
        }
    }

    fn check_budgets(&self, v: &mut Violations) {
        for pool in &self.snapshot.node_pools {
            let in_pool: Vec<&Node> = self
                .snapshot
                .nodes
                .iter()
                .filter(|n| n.labels.get(NODEPOOL) == Some(&pool.name))
                .collect();
            let disrupting = in_pool.iter().filter(|n| n.deleting || !n.ready).count() as u64;
            let mut by_reason: BTreeMap<&str, u64> = BTreeMap::new();
            for n in &in_pool {
                if let Some(&i) = self.removed.get(n.name.as_str()) {
                    *by_reason
                        .entry(self.plan.commands[i].reason.as_str())
                        .or_default() += 1;
                }
            }
            let expired = by_reason.remove("Expired").unwrap_or(0);
            let groups: Vec<(&str, u64, u64)> = BUDGETED
                .iter()
                .filter_map(|r| {
                    by_reason
                        .get(r)
                        .map(|&k| (*r, k, allowance(pool, r, in_pool.len() as u64, self.now)))
                })
                .collect();
            if groups.is_empty() {
                continue;
            }
            // Commands run one after another upstream; the plan passes if some order of its
            // reasons keeps each within its own allowance, counting what went before.
            let fits = permutations(groups.len()).into_iter().any(|order| {
                let mut used = disrupting + expired;
                order.iter().all(|&g| {
                    let (_, k, allow) = groups[g];
                    used += k;
                    used <= allow
                })
            });
            if !fits {
                v.push(format!(
                    "pool {}: removals by reason {:?} exceed its budgets at {:?} (nodes {}, already disrupting {disrupting}, expired now {expired}, allowances {:?})",
                    pool.name,
                    groups.iter().map(|g| (g.0, g.1)).collect::<Vec<_>>(),
                    self.now,
                    in_pool.len(),
                    groups.iter().map(|g| (g.0, g.2)).collect::<Vec<_>>(),
                ));
            }
        }
    }

    fn check_pdbs(&self, v: &mut Violations) {
        let evicted: Vec<&Pod> = self
            .plan
            .commands
            .iter()
            .filter(|c| c.reason != "Expired")
            .flat_map(|c| c.pod_moves.iter())
            .filter_map(|m| self.pods.get(&m.pod).copied())
            .collect();
        let mut covering: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for pdb in &self.snapshot.pdbs {
            let Some(sel) = &pdb.selector else { continue };
            let matches = |p: &Pod| p.namespace == pdb.namespace && sel.matches(&p.labels);
            for p in evicted.iter().filter(|p| matches(p)) {
                covering
                    .entry(key(p))
                    .or_default()
                    .push(format!("{}/{}", pdb.namespace, pdb.name));
            }
            let Some(allowed) = pdb_allowed(self.snapshot, pdb) else {
                continue;
            };
            let count = evicted.iter().filter(|p| matches(p)).count() as i64;
            if count > allowed.max(0) {
                v.push(format!(
                    "pdb {}/{} allows {allowed} disruptions but the plan evicts {count} of its pods",
                    pdb.namespace, pdb.name
                ));
            }
        }
        for (p, pdbs) in covering {
            if pdbs.len() > 1 {
                v.push(format!(
                    "{p} is evicted but is under more than one PDB ({pdbs:?}), which blocks eviction"
                ));
            }
        }
    }

    fn check_money(&self, v: &mut Violations) {
        let mut total = 0.0;
        for (i, c) in self.plan.commands.iter().enumerate() {
            total += c.savings_per_hour;
            let removed: Vec<&Node> = c
                .nodes
                .iter()
                .filter_map(|n| self.nodes.get(n.as_str()).copied())
                .collect();
            let price: f64 = removed.iter().map(|n| node_price(self.catalog, n)).sum();
            let new: f64 = c.replacements.iter().map(|r| r.price).sum();
            if !super::close(c.savings_per_hour, price - new) {
                v.push(format!(
                    "command {i}: savingsPerHour {} but its nodes cost {price} and its replacements {new}",
                    c.savings_per_hour
                ));
            }
            if !matches!(c.reason.as_str(), "Empty" | "Underutilized") {
                continue;
            }
            if c.savings_per_hour <= 0.0 {
                v.push(format!(
                    "command {i} ({}) saves nothing: {}",
                    c.reason, c.savings_per_hour
                ));
            }
            let worst: f64 = c
                .replacements
                .iter()
                .map(|r| {
                    r.instance_types
                        .iter()
                        .filter_map(|t| self.catalog.get(t))
                        .map(|t| worst_launch_price(t, r))
                        .fold(0.0, f64::max)
                })
                .sum();
            if !c.replacements.is_empty() && worst >= price {
                v.push(format!(
                    "command {i}: its replacements may launch at {worst} per hour (worst listed types), not below the {price} of the nodes they replace"
                ));
            }
            // A replacement listing a type the command removes must list only types cheaper
            // than that node: else keep the node and delete the others (semantics §5,
            // "Multi-node": [A, A] -> one A is refused).
            for r in &c.replacements {
                let cap = removed
                    .iter()
                    .filter(|n| {
                        n.labels
                            .get(INSTANCE_TYPE)
                            .is_some_and(|t| r.instance_types.contains(t))
                    })
                    .map(|n| (node_price(self.catalog, n), n.name.as_str()))
                    .min_by(|a, b| a.0.total_cmp(&b.0));
                if let Some((cap, node)) = cap {
                    for t in r.instance_types.iter().filter_map(|t| self.catalog.get(t)) {
                        let worst = worst_launch_price(t, r);
                        if worst >= cap {
                            v.push(format!(
                                "command {i}: replacement {} lists {} ({worst}) while removing {node}, a node of a listed type costing {cap}: keep {node} instead",
                                r.name, t.name
                            ));
                        }
                    }
                }
            }
            self.check_spot_to_spot(i, c, &removed, v);
        }
        if !super::close(total, self.plan.savings_per_hour) {
            v.push(format!(
                "savingsPerHour {} is not the commands' sum {total}",
                self.plan.savings_per_hour
            ));
        }
        let after = cost_after(self.snapshot, self.catalog, self.plan);
        let lb = self.plan.lower_bound;
        if !lb.is_finite() || lb < 0.0 || lb > after + 1e-9 {
            v.push(format!(
                "lowerBound {lb} is not a floor of the managed cluster's price after the plan ({after})"
            ));
        }
    }

    fn check_spot_to_spot(&self, i: usize, c: &Command, removed: &[&Node], v: &mut Violations) {
        let all_spot = !removed.is_empty()
            && removed
                .iter()
                .all(|n| n.labels.get(CAPACITY_TYPE).is_some_and(|ct| ct == "spot"));
        if !all_spot || removed.len() != 1 {
            return;
        }
        for r in &c.replacements {
            if !r.capacity_types.iter().any(|ct| ct == "spot") {
                continue;
            }
            let spot_types = r
                .instance_types
                .iter()
                .filter_map(|t| self.catalog.get(t))
                .filter(|t| {
                    t.offerings.iter().any(|o| {
                        o.available
                            && o.capacity_type == CapacityType::Spot
                            && r.zones.contains(&o.zone)
                    })
                })
                .count();
            if spot_types < SPOT_TO_SPOT_MIN_TYPES {
                v.push(format!(
                    "command {i}: spot node {} goes to spot replacement {} with only {spot_types} cheaper spot types (needs {SPOT_TO_SPOT_MIN_TYPES})",
                    removed[0].name, r.name
                ));
            }
        }
    }

    fn check_blocked(&self, v: &mut Violations) {
        let mut seen = BTreeSet::new();
        for b in &self.plan.blocked {
            if !self.nodes.contains_key(b.node.as_str()) {
                v.push(format!("blocked node {} is not in the snapshot", b.node));
            }
            if !seen.insert(b.node.as_str()) {
                v.push(format!("node {} is blocked twice", b.node));
            }
            if let Some(i) = self.removed.get(b.node.as_str()) {
                v.push(format!(
                    "node {} is blocked ({}) yet command {i} removes it",
                    b.node, b.reason
                ));
            }
            if b.reason.trim().is_empty() {
                v.push(format!("node {} is blocked with no reason", b.node));
            }
        }
        for n in &self.snapshot.nodes {
            let candidate = self.pool_of(n).is_some()
                && n.labels
                    .get("karpenter.sh/initialized")
                    .is_some_and(|x| x == "true")
                && !n.deleting
                && n.ready;
            if candidate
                && !self.removed.contains_key(n.name.as_str())
                && !seen.contains(n.name.as_str())
            {
                v.push(format!(
                    "candidate {} is neither removed nor listed in blocked",
                    n.name
                ));
            }
        }
    }
}

/// The highest price the cloud may charge for a claim that lists `t` (semantics §2, "worst
/// launch price"): among the type's available offerings in the claim's zones and capacity
/// types, the most expensive of the most preferred capacity type present.
pub fn worst_launch_price(t: &InstanceType, claim: &NewNodeClaim) -> f64 {
    let offers: Vec<_> = t
        .offerings
        .iter()
        .filter(|o| {
            o.available
                && claim.zones.contains(&o.zone)
                && claim
                    .capacity_types
                    .iter()
                    .any(|c| c == o.capacity_type.as_str())
        })
        .collect();
    let Some(best) = offers.iter().map(|o| o.capacity_type).min() else {
        return f64::INFINITY;
    };
    offers
        .iter()
        .filter(|o| o.capacity_type == best)
        .map(|o| o.price)
        .fold(0.0, f64::max)
}

/// How many nodes of `pool` may be disrupting for `reason` at `now` (semantics §5,
/// "Disruption budgets"): the minimum over active budgets naming the reason or none;
/// unlimited when none applies; one `10%` budget when the pool lists none. An unknown `now`
/// makes every scheduled budget active; a bad schedule allows 0.
pub fn allowance(pool: &NodePool, reason: &str, nodes: u64, now: Option<DateTime<Utc>>) -> u64 {
    let percent = |p: u32| (u64::from(p) * nodes).div_ceil(100);
    if pool.disruption.budgets.is_empty() {
        return percent(10);
    }
    let mut out = u64::MAX;
    for b in &pool.disruption.budgets {
        if !b.reasons.is_empty() && !b.reasons.iter().any(|r| r == reason) {
            continue;
        }
        let active = match (&b.schedule, now) {
            (None, _) | (Some(_), None) => Ok(true),
            (Some(s), Some(now)) => cron_active(s, b.duration_seconds.unwrap_or(0), now),
        };
        let value = match active {
            Ok(false) => continue,
            Err(_) => 0,
            Ok(true) => match b.nodes {
                BudgetNodes::Count(c) => u64::from(c),
                BudgetNodes::Percent(p) => percent(p),
            },
        };
        out = out.min(value);
    }
    out
}

/// Allowed disruptions of a PDB, as the eviction API computes them: percentages of the
/// matching pods rounded up; healthy = bound, Running, not terminating; `None` when the PDB
/// sets neither field.
pub fn pdb_allowed(
    snapshot: &Snapshot,
    pdb: &karpenter_solver::PodDisruptionBudget,
) -> Option<i64> {
    let sel = pdb.selector.as_ref()?;
    let matching: Vec<&Pod> = snapshot
        .pods
        .iter()
        .filter(|p| {
            p.namespace == pdb.namespace && sel.matches(&p.labels) && !p.phase.is_terminal()
        })
        .collect();
    let expected = matching.len() as i64;
    let healthy = matching
        .iter()
        .filter(|p| p.node_name.is_some() && p.phase == PodPhase::Running && !p.terminating)
        .count() as i64;
    let scaled = |x: IntOrPercent| match x {
        IntOrPercent::Int(n) => i64::from(n),
        IntOrPercent::Percent(p) => (i64::from(p) * expected + 99) / 100,
    };
    match (pdb.min_available, pdb.max_unavailable) {
        (Some(m), _) => Some(healthy - scaled(m)),
        (None, Some(u)) => Some(scaled(u) - (expected - healthy)),
        (None, None) => None,
    }
}

fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![Vec::new()];
    }
    let mut out = Vec::new();
    for rest in permutations(n - 1) {
        for i in 0..=rest.len() {
            let mut p = rest.clone();
            p.insert(i, n - 1);
            out.push(p);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Topology after the plan.

struct Place {
    name: String,
    labels: Labels,
    /// A replacement that may launch in several zones: every one of them.
    zones: Option<BTreeSet<String>>,
    taints: Vec<karpenter_solver::Taint>,
}

impl Place {
    /// The values the place may have for a topology key.
    fn domains(&self, key: &str) -> BTreeSet<String> {
        if key == ZONE {
            if let Some(z) = &self.zones {
                return z.clone();
            }
        }
        self.labels.get(key).cloned().into_iter().collect()
    }
}

struct Placed<'a> {
    pod: &'a Pod,
    at: usize,
    moved: bool,
}

struct After<'a> {
    places: Vec<Place>,
    pods: Vec<Placed<'a>>,
}

/// The namespaces a pod affinity term searches; `None` when it selects namespaces by labels
/// the snapshot does not carry (then the checker leaves the term alone).
fn term_namespaces(owner: &Pod, t: &PodAffinityTerm) -> Option<Option<BTreeSet<String>>> {
    if !t.namespaces.is_empty() {
        return Some(Some(t.namespaces.iter().cloned().collect()));
    }
    match &t.namespace_selector {
        Some(s) if s.is_empty() => Some(None),
        Some(_) => None,
        None => Some(Some([owner.namespace.clone()].into())),
    }
}

fn term_matches(owner: &Pod, t: &PodAffinityTerm, other: &Pod) -> bool {
    match term_namespaces(owner, t) {
        None => false,
        Some(ns) => {
            ns.is_none_or(|ns| ns.contains(&other.namespace)) && t.selector.matches(&other.labels)
        }
    }
}

impl After<'_> {
    fn check_affinity(&self, v: &mut Violations) {
        for a in &self.pods {
            for b in &self.pods {
                if std::ptr::eq(a.pod, b.pod) || !(a.moved || b.moved) {
                    continue;
                }
                for t in &a.pod.pod_anti_affinity.required {
                    if term_matches(a.pod, t, b.pod) {
                        let da = self.places[a.at].domains(&t.topology_key);
                        let db = self.places[b.at].domains(&t.topology_key);
                        if da.intersection(&db).next().is_some() {
                            v.push(format!(
                                "{} on {} and {} on {} share {} {:?} despite required anti-affinity",
                                key(a.pod),
                                self.places[a.at].name,
                                key(b.pod),
                                self.places[b.at].name,
                                t.topology_key,
                                da.intersection(&db).collect::<Vec<_>>()
                            ));
                        }
                    }
                }
            }
        }
        for a in self.pods.iter().filter(|a| a.moved) {
            for t in &a.pod.pod_affinity.required {
                let da = self.places[a.at].domains(&t.topology_key);
                let others: Vec<&Placed> = self
                    .pods
                    .iter()
                    .filter(|b| !std::ptr::eq(a.pod, b.pod) && term_matches(a.pod, t, b.pod))
                    .collect();
                if others.is_empty() && term_matches(a.pod, t, a.pod) {
                    continue;
                }
                if !others.iter().any(|b| {
                    self.places[b.at]
                        .domains(&t.topology_key)
                        .intersection(&da)
                        .next()
                        .is_some()
                }) {
                    v.push(format!(
                        "{} moves to {}, where no pod its required affinity names shares {}",
                        key(a.pod),
                        self.places[a.at].name,
                        t.topology_key
                    ));
                }
            }
        }
    }

    fn check_spread(&self, v: &mut Violations) {
        for a in self.pods.iter().filter(|a| a.moved) {
            let p = a.pod;
            for c in &p.topology_spread {
                if c.when_unsatisfiable != WhenUnsatisfiable::DoNotSchedule {
                    continue;
                }
                let mut sel: LabelSelector = c.selector.clone();
                for k in &c.match_label_keys {
                    if let Some(val) = p.labels.get(k) {
                        sel.match_labels.insert(k.clone(), val.clone());
                    }
                }
                let eligible: Vec<bool> = self
                    .places
                    .iter()
                    .map(|pl| {
                        !pl.domains(&c.topology_key).is_empty()
                            && (c.node_affinity_policy == InclusionPolicy::Ignore
                                || pod_matches(p, &pl.labels, None))
                            && (c.node_taints_policy == InclusionPolicy::Ignore
                                || untolerated_taint(&pl.taints, &p.tolerations).is_none())
                    })
                    .collect();
                let mut counts: BTreeMap<String, i64> = BTreeMap::new();
                // Domains: those of eligible places whose value for the key is known.
                for (i, pl) in self.places.iter().enumerate() {
                    let ds = pl.domains(&c.topology_key);
                    if eligible[i] && ds.len() == 1 {
                        counts.extend(ds.into_iter().map(|d| (d, 0)));
                    }
                }
                for b in &self.pods {
                    if std::ptr::eq(b.pod, p)
                        || b.pod.namespace != p.namespace
                        || !sel.matches(&b.pod.labels)
                        || !eligible[b.at]
                    {
                        continue;
                    }
                    let ds = self.places[b.at].domains(&c.topology_key);
                    if ds.len() == 1 {
                        *counts
                            .entry(ds.into_iter().next().unwrap_or_default())
                            .or_insert(0) += 1;
                    }
                }
                let min_domains = c.min_domains.unwrap_or(1).max(1) as usize;
                let min = if counts.len() < min_domains {
                    0
                } else {
                    counts.values().copied().min().unwrap_or(0)
                };
                let own = i64::from(sel.matches(&p.labels));
                for d in self.places[a.at].domains(&c.topology_key) {
                    let n = counts.get(&d).copied().unwrap_or(0);
                    if n + own - min > i64::from(c.max_skew) {
                        v.push(format!(
                            "{} moves to {} ({}={d}), breaking its spread: {n} matching pods there, minimum {min}, maxSkew {}",
                            key(p),
                            self.places[a.at].name,
                            c.topology_key,
                            c.max_skew
                        ));
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Cron, as Karpenter reads budget schedules (robfig/cron standard syntax, UTC).

/// Whether a budget with this schedule and duration is active at `now`: some firing falls in
/// (now − duration, now] (Karpenter: `!schedule.Next(now - duration).After(now)`).
///
/// # Errors
/// The schedule does not parse.
pub fn cron_active(
    schedule: &str,
    duration_seconds: i64,
    now: DateTime<Utc>,
) -> Result<bool, String> {
    let cron = Cron::parse(schedule)?;
    let start = now - Duration::seconds(duration_seconds);
    // Minute boundaries at or before now, walking back while still after start.
    let mut t = now
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .ok_or("bad time")?;
    let mut steps = 0u32;
    while t > start {
        if cron.matches(t) {
            return Ok(true);
        }
        t -= Duration::minutes(1);
        steps += 1;
        if steps > 60 * 24 * 400 {
            break;
        }
    }
    Ok(false)
}

struct Cron {
    minute: Field,
    hour: Field,
    dom: Field,
    month: Field,
    dow: Field,
}

struct Field {
    allowed: BTreeSet<u32>,
    star: bool,
}

impl Cron {
    fn parse(text: &str) -> Result<Cron, String> {
        let text = text.trim();
        let expanded = match text {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            other if other.starts_with('@') => return Err(format!("unknown macro {other}")),
            other => other,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let [mi, h, dom, mo, dow] = fields.as_slice() else {
            return Err(format!("{text:?} does not have 5 fields"));
        };
        const MONTHS: [&str; 12] = [
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ];
        const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
        let mut dow = Field::parse(dow, 0, 7, &DAYS, 0)?;
        if dow.allowed.remove(&7) {
            dow.allowed.insert(0);
        }
        Ok(Cron {
            minute: Field::parse(mi, 0, 59, &[], 0)?,
            hour: Field::parse(h, 0, 23, &[], 0)?,
            dom: Field::parse(dom, 1, 31, &[], 0)?,
            month: Field::parse(mo, 1, 12, &MONTHS, 1)?,
            dow,
        })
    }

    fn matches(&self, t: DateTime<Utc>) -> bool {
        let dom = self.dom.allowed.contains(&t.day());
        let dow = self
            .dow
            .allowed
            .contains(&t.weekday().num_days_from_sunday());
        let day = if self.dom.star || self.dow.star {
            dom && dow
        } else {
            dom || dow
        };
        self.minute.allowed.contains(&t.minute())
            && self.hour.allowed.contains(&t.hour())
            && self.month.allowed.contains(&t.month())
            && day
    }
}

impl Field {
    fn parse(
        text: &str,
        lo: u32,
        hi: u32,
        names: &[&str],
        first_name: u32,
    ) -> Result<Field, String> {
        let value = |s: &str| -> Result<u32, String> {
            if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
                return Ok(i as u32 + first_name);
            }
            let n: u32 = s.parse().map_err(|_| format!("bad cron value {s:?}"))?;
            if n < lo || n > hi {
                return Err(format!("cron value {n} outside {lo}-{hi}"));
            }
            Ok(n)
        };
        let mut allowed = BTreeSet::new();
        let star = text.starts_with('*') || text.starts_with('?');
        for part in text.split(',') {
            let (range, step) = match part.split_once('/') {
                Some((r, s)) => (r, s.parse::<u32>().map_err(|_| format!("bad step {s:?}"))?),
                None => (part, 1),
            };
            if step == 0 {
                return Err("step 0".into());
            }
            let (a, b) = if range == "*" || range == "?" {
                (lo, hi)
            } else if let Some((a, b)) = range.split_once('-') {
                (value(a)?, value(b)?)
            } else {
                let a = value(range)?;
                (a, if part.contains('/') { hi } else { a })
            };
            if a > b {
                return Err(format!("bad range {range:?}"));
            }
            allowed.extend((a..=b).step_by(step as usize));
        }
        Ok(Field { allowed, star })
    }
}
