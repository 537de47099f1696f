//! consolidate(): which nodes to remove or replace to cut cost, within every budget.
//!
//! Every decision is checked by simulation: the pods of the nodes a command removes are
//! provisioned again, with [`provision`](crate::provision), onto the nodes that stay and, where
//! allowed, new claims. A command is kept only if every evicted pod lands somewhere the
//! scheduler would accept, and (for `Empty` and `Underutilized`) the cluster gets cheaper.
//! Methods run in this order, each node used at most once: `Expired`, `Drifted`, `Empty`,
//! `Underutilized`.

mod budget;

use std::collections::{BTreeMap, BTreeSet};

// Node, pod and type keys hit on every simulation: the fast fixed hash (see `fast_hash`).
use crate::fast_hash::{FastMap as HashMap, FastSet as HashSet};
use std::rc::Rc;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::error::Error;
use crate::instance_type::Catalog;
use crate::labels::{
    LABEL_ARCH, LABEL_CAPACITY_TYPE, LABEL_INSTANCE_TYPE, LABEL_NODEPOOL, LABEL_OS, LABEL_ZONE,
};
use crate::node::Node;
use crate::node_pool::{ConsolidationPolicy, NodePool};
use crate::options::Options;
use crate::plan::{Blocked, Command, ConsolidationPlan, NewNodeClaim, PodMove};
use crate::pod::Pod;
use crate::provision::{lower_bound_of, provision_in, ReservedMode};
use crate::resources::Resources;
use crate::snapshot::Snapshot;

/// Spot-to-spot replacement needs at least this many cheaper spot types, and launches only
/// the cheapest this many (Karpenter's rule against cascades of near-cheapest moves).
pub const SPOT_TO_SPOT_MIN_TYPES: usize = 15;

/// A full repack must save this share of the repacked nodes' price more than deleting alone.
const REPACK_MARGIN: f64 = 0.05;

/// Decides which nodes to remove or replace.
///
/// Candidates are the nodes a NodePool of the snapshot manages. Expired nodes (past the pool's
/// `expireAfter`) are replaced whatever the pools' budgets say; drifted nodes are replaced by
/// capacity that matches their pool; empty nodes are removed; and under
/// `WhenEmptyOrUnderutilized`, any set of nodes whose pods fit on the other nodes plus cheaper
/// replacements is removed, searching the whole cluster. Pool budgets, pod disruption budgets,
/// `consolidateAfter` and `karpenter.sh/do-not-disrupt` hold back `Empty`, `Drifted` and
/// `Underutilized` commands; every node held back is listed in `blocked` with the reason.
///
/// Without `options.now`, the newest timestamp in the snapshot stands in for the clock, so
/// the answer stays deterministic.
///
/// # Examples
/// ```
/// use karpenter_solver::{consolidate, Catalog, Options, Snapshot};
/// let snapshot = Snapshot::from_slice(br#"
/// kind: List
/// items:
/// - kind: NodePool
///   apiVersion: karpenter.sh/v1
///   metadata: {name: default}
///   spec: {disruption: {budgets: [{nodes: "100%"}]}}
/// - kind: Node
///   apiVersion: v1
///   metadata:
///     name: idle
///     creationTimestamp: "2026-11-01T00:00:00Z"
///     labels: {karpenter.sh/nodepool: default, node.kubernetes.io/instance-type: m5.large,
///              topology.kubernetes.io/zone: us-east-1a, karpenter.sh/capacity-type: on-demand}
///   status: {allocatable: {cpu: 1930m, memory: 6903Mi, pods: "29"}}
/// "#).unwrap();
/// let options = Options::default().with_now_rfc3339("2026-11-23T12:00:00Z").unwrap();
/// let plan = consolidate(&snapshot, &Catalog::aws_default(), &options).unwrap();
/// assert_eq!(plan.commands[0].reason, "Empty");
/// assert_eq!(plan.commands[0].nodes, vec!["idle"]);
/// assert!(plan.savings_per_hour > 0.0);
/// ```
///
/// # Errors
/// None today for a parsed snapshot and catalog; the `Result` leaves room for option checks.
pub fn consolidate(
    snapshot: &Snapshot,
    catalog: &Catalog,
    options: &Options,
) -> Result<ConsolidationPlan, Error> {
    let now = options.now.unwrap_or_else(|| latest_timestamp(snapshot));
    let mut c = Consolidation::new(snapshot, catalog, now);
    c.run();
    Ok(c.into_plan())
}

fn latest_timestamp(snapshot: &Snapshot) -> DateTime<Utc> {
    snapshot
        .nodes
        .iter()
        .filter_map(|n| n.created)
        .chain(snapshot.pods.iter().filter_map(|p| p.created))
        .chain(snapshot.node_claims.iter().filter_map(|c| c.created))
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// What a replacement may keep: instance types and capacity types.
type Narrowed = (Arc<[String]>, Vec<String>);

/// A replacement's type list with its zones and capacity types (what decides its worst launch
/// prices), numbered in the order first seen; claims of one packing share it.
type ListKey = usize;

/// A replacement's zones and capacity types, and the list they were worked out as.
type SeenList<'r> = (&'r [String], Vec<String>, ListKey);

/// A type list's worst launch prices with the types' positions, cheapest first.
type SortedWorst = Rc<[(f64, usize)]>;

/// A replacement's list being cut: its types by worst price, how many stay, its capacity
/// types, and the list it came from.
struct Cut {
    order: SortedWorst,
    len: usize,
    cts: Vec<String>,
    key: ListKey,
}

/// A worst launch price, ordered for a max-heap (prices are finite or infinite, never NaN).
#[derive(PartialEq)]
struct Dearest(f64);

impl Eq for Dearest {}

impl PartialOrd for Dearest {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Dearest {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Where an evicted pod went: an existing node or a replacement (by its name).
struct Moved {
    to: String,
}

struct Consolidation<'a> {
    snapshot: &'a Snapshot,
    catalog: &'a Catalog,
    now: DateTime<Utc>,
    pools: HashMap<&'a str, &'a NodePool>,
    /// Active pods bound to each node, by node index.
    pods_on: Vec<Vec<usize>>,
    price: Vec<f64>,
    /// Nodes removed by a command so far.
    removed: HashSet<usize>,
    /// Nodes disrupting per pool: deleting or not ready, plus those commanded.
    disrupting: BTreeMap<String, usize>,
    /// Evicted pods and their destinations.
    moved: HashMap<usize, Moved>,
    /// Pods moved onto each node by earlier commands, by node name.
    arrived: HashMap<String, Vec<usize>>,
    /// Replacement claims launched so far, as nodes the next simulations can use.
    launched: Vec<(NewNodeClaim, Vec<usize>)>,
    /// Evictions each PDB still allows.
    pdb_left: BTreeMap<usize, i64>,
    commands: Vec<Command>,
    blocked: BTreeMap<String, String>,
    claim_counter: BTreeMap<String, usize>,
    /// Why a node tried alone was not consolidated, when a rule (not cost) said no.
    rejected: HashMap<usize, String>,
    /// Catalog types by name.
    type_index: HashMap<&'a str, &'a crate::instance_type::InstanceType>,
}

impl<'a> Consolidation<'a> {
    fn new(snapshot: &'a Snapshot, catalog: &'a Catalog, now: DateTime<Utc>) -> Self {
        let pools: HashMap<&str, &NodePool> = snapshot
            .node_pools
            .iter()
            .map(|p| (p.name.as_str(), p))
            .collect();
        let index: HashMap<&str, usize> = snapshot
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name.as_str(), i))
            .collect();
        let mut pods_on = vec![Vec::new(); snapshot.nodes.len()];
        for (i, p) in snapshot.pods.iter().enumerate() {
            if let Some(&n) = p.node_name.as_deref().and_then(|n| index.get(n)) {
                if p.is_active() {
                    pods_on[n].push(i);
                }
            }
        }
        let price = snapshot
            .nodes
            .iter()
            .map(|n| node_price(n, catalog))
            .collect();
        let mut disrupting = BTreeMap::new();
        for n in &snapshot.nodes {
            if let Some(pool) = n.node_pool() {
                if n.deleting || !n.ready {
                    *disrupting.entry(pool.to_owned()).or_default() += 1;
                }
            }
        }
        Consolidation {
            snapshot,
            catalog,
            now,
            pools,
            pods_on,
            price,
            removed: HashSet::default(),
            disrupting,
            moved: HashMap::default(),
            arrived: HashMap::default(),
            launched: Vec::new(),
            pdb_left: budget::pdb_allowances(&snapshot.pdbs, &snapshot.pods),
            commands: Vec::new(),
            blocked: BTreeMap::new(),
            claim_counter: BTreeMap::new(),
            rejected: HashMap::default(),
            type_index: catalog
                .instance_types
                .iter()
                .map(|t| (t.name.as_str(), t))
                .collect(),
        }
    }

    fn node(&self, i: usize) -> &'a Node {
        &self.snapshot.nodes[i]
    }

    /// Pods a command on node `i` evicts: active, not a DaemonSet's, including pods an
    /// earlier command moved there.
    fn evicted(&self, i: usize) -> Vec<usize> {
        let arrived = self
            .arrived
            .get(self.node(i).name.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        self.pods_on[i]
            .iter()
            .chain(arrived)
            .copied()
            .filter(|&p| !self.snapshot.pods[p].is_daemon() && !self.snapshot.pods[p].terminating)
            .collect()
    }

    fn block(&mut self, i: usize, reason: impl Into<String>) {
        self.blocked
            .entry(self.node(i).name.clone())
            .or_insert_with(|| reason.into());
    }

    fn run(&mut self) {
        let mut candidates = Vec::new();
        // By name, so the snapshot's item order never changes the plan.
        let mut by_name: Vec<usize> = (0..self.snapshot.nodes.len()).collect();
        by_name.sort_by(|&a, &b| self.node(a).name.cmp(&self.node(b).name));
        for i in by_name {
            let n = self.node(i);
            match n.node_pool() {
                None => self.block(
                    i,
                    "not managed by a NodePool (no karpenter.sh/nodepool label)",
                ),
                Some(p) if !self.pools.contains_key(p) => {
                    self.block(i, format!("its NodePool {p} does not exist"))
                }
                Some(_) if n.deleting => self.block(i, "already being deleted"),
                Some(_) if !n.ready => self.block(i, "not ready"),
                Some(_) => candidates.push(i),
            }
        }
        self.expire(&candidates);
        self.drift(&candidates);
        self.empty(&candidates);
        self.underutilized(&candidates);
        for &i in &candidates {
            if self.removed.contains(&i) {
                continue;
            }
            let pool = self.node(i).node_pool().unwrap_or_default().to_owned();
            let reason =
                if !self.evicted(i).is_empty() && !self.budget_allows(&pool, "Underutilized", 1) {
                    format!("pool {pool}'s disruption budget for Underutilized is used up")
                } else if let Some(why) = self.rejected.get(&i) {
                    why.clone()
                } else {
                    "no cheaper placement for its pods".to_owned()
                };
            self.block(i, reason);
        }
    }

    /// The candidates no command has removed yet, with their pools.
    fn open_candidates(&self, candidates: &[usize]) -> Vec<(usize, &'a NodePool)> {
        candidates
            .iter()
            .filter(|i| !self.removed.contains(i))
            .filter_map(|&i| {
                self.node(i)
                    .node_pool()
                    .and_then(|p| self.pools.get(p))
                    .map(|&p| (i, p))
            })
            .collect()
    }

    /// Why a voluntary disruption of node `i` is not allowed now, if it is not.
    fn held_back(&self, i: usize) -> Option<String> {
        let n = self.node(i);
        if n.do_not_disrupt {
            return Some("node has karpenter.sh/do-not-disrupt".into());
        }
        let mut here = self.pods_on[i].clone();
        here.sort_by_key(|&p| self.snapshot.pods[p].key());
        for &p in &here {
            let pod = &self.snapshot.pods[p];
            if self.pod_pins(pod) {
                return Some(format!("pod {} has karpenter.sh/do-not-disrupt", pod.key()));
            }
        }
        let mut evicted = self.evicted(i);
        evicted.sort_by_key(|&p| self.snapshot.pods[p].key());
        for &p in &evicted {
            let pod = &self.snapshot.pods[p];
            let mut covering: Vec<usize> = (0..self.snapshot.pdbs.len())
                .filter(|&b| budget::covers(&self.snapshot.pdbs[b], pod))
                .collect();
            covering.sort_by_key(|&b| {
                (
                    &self.snapshot.pdbs[b].namespace,
                    &self.snapshot.pdbs[b].name,
                )
            });
            if covering.len() > 1 {
                return Some(format!(
                    "pod {} is covered by more than one pod disruption budget",
                    pod.key()
                ));
            }
            if let Some(&b) = covering.first() {
                if self.pdb_left.get(&b).copied().unwrap_or(0) <= 0 {
                    let pdb = &self.snapshot.pdbs[b];
                    return Some(format!(
                        "pdb {}/{} allows 0 disruptions",
                        pdb.namespace, pdb.name
                    ));
                }
            }
        }
        None
    }

    /// Whether a pod's `karpenter.sh/do-not-disrupt` annotation holds its node at `now`:
    /// `"true"`, or a duration not yet passed since the pod started (or was created).
    fn pod_pins(&self, pod: &Pod) -> bool {
        match pod.do_not_disrupt.as_deref() {
            None => false,
            Some("true") => true,
            Some(d) => match crate::duration::parse_duration_seconds(d) {
                // An invalid value does not block, as in Karpenter.
                None => false,
                Some(secs) => pod
                    .started
                    .or(pod.created)
                    .is_none_or(|s| s + Duration::seconds(secs) > self.now),
            },
        }
    }

    /// Why `consolidateAfter` still protects node `i`, if it does: measured from the later of
    /// its creation, its NodeClaim's last pod event and its newest pod's creation.
    fn too_young(&self, i: usize, pool: &NodePool) -> Option<String> {
        let Some(after) = pool.disruption.consolidate_after_seconds else {
            return Some(format!("pool {} has consolidateAfter: Never", pool.name));
        };
        let n = self.node(i);
        let claim_event = self
            .snapshot
            .node_claims
            .iter()
            .filter(|c| c.node_name.as_deref() == Some(n.name.as_str()))
            .filter_map(|c| c.last_pod_event)
            .max();
        let newest_pod = self.pods_on[i]
            .iter()
            .filter_map(|&p| self.snapshot.pods[p].created)
            .max();
        let last = [n.created, claim_event, newest_pod]
            .into_iter()
            .flatten()
            .max()?;
        let age = (self.now - last).num_seconds();
        (age < after).then(|| {
            format!(
                "consolidateAfter {} not reached (last change {} ago)",
                human(after),
                human(age.max(0))
            )
        })
    }

    /// Nodes of `pool` that count toward its percentage budgets.
    fn pool_size(&self, pool: &str) -> usize {
        self.snapshot
            .nodes
            .iter()
            .filter(|n| n.node_pool() == Some(pool) && !n.deleting)
            .count()
    }

    /// Whether `pool` may disrupt `more` nodes for `reason` now.
    fn budget_allows(&self, pool: &str, reason: &str, more: usize) -> bool {
        let Some(p) = self.pools.get(pool) else {
            return false;
        };
        let allowed = budget::allowance(p, reason, self.pool_size(pool), self.now);
        let busy = self.disrupting.get(pool).copied().unwrap_or(0);
        busy + more <= allowed
    }

    fn expire(&mut self, candidates: &[usize]) {
        for (i, pool) in self.open_candidates(candidates) {
            let (Some(expire), Some(created)) = (pool.expire_after_seconds, self.node(i).created)
            else {
                continue;
            };
            if created + Duration::seconds(expire) > self.now {
                continue;
            }
            // Forceful, as in Karpenter v1: pool budgets, PDBs and do-not-disrupt do not hold
            // expiration back; the pods still need somewhere to go.
            match self.simulate(&[i], true) {
                Some(sim) => self.commit("Expired", &[i], sim, false),
                None => self.block(i, "expired, but its pods cannot be placed elsewhere"),
            }
        }
    }

    /// Why node `i` no longer matches its pool, if it does not.
    fn drifted(&self, i: usize, pool: &NodePool) -> Option<String> {
        let n = self.node(i);
        let claim = self
            .snapshot
            .node_claims
            .iter()
            .find(|c| c.node_name.as_deref() == Some(n.name.as_str()));
        if claim.is_some_and(|c| c.drifted) {
            return Some("its NodeClaim is Drifted".into());
        }
        let hash = n
            .annotations
            .get("karpenter.sh/nodepool-hash")
            .or_else(|| claim.and_then(|c| c.annotations.get("karpenter.sh/nodepool-hash")));
        if let (Some(h), Some(ph)) = (hash, &pool.hash) {
            if h != ph {
                return Some(format!("pool {} changed (hash {h} is now {ph})", pool.name));
            }
        }
        for r in pool.requirements.iter() {
            if let Some(v) = n.labels.get(&r.key) {
                if !r.has(v) {
                    return Some(format!(
                        "label {}={v} no longer meets the pool's requirement {r}",
                        r.key
                    ));
                }
            }
        }
        for (k, v) in &pool.labels {
            if n.labels.get(k) != Some(v) {
                return Some(format!("label {k} is not {v} as the pool's template says"));
            }
        }
        for t in &pool.taints {
            if !n.taints.contains(t) {
                return Some(format!("taint {t} of the pool is missing"));
            }
        }
        if let Some(t) = n.labels.get(LABEL_INSTANCE_TYPE) {
            if self.catalog.get(t).is_none() {
                return Some(format!("instance type {t} is no longer offered"));
            }
        }
        None
    }

    fn drift(&mut self, candidates: &[usize]) {
        let mut drifted: Vec<(bool, Option<DateTime<Utc>>, usize, String)> = Vec::new();
        for (i, pool) in self.open_candidates(candidates) {
            if let Some(why) = self.drifted(i, pool) {
                drifted.push((!self.evicted(i).is_empty(), self.node(i).created, i, why));
            }
        }
        // Empty drifted nodes first, then the oldest (Karpenter's drift order).
        drifted.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(a.1.cmp(&b.1))
                .then_with(|| self.node(a.2).name.cmp(&self.node(b.2).name))
        });
        for (_, _, i, why) in drifted {
            let pool = self.node(i).node_pool().unwrap_or_default().to_owned();
            if let Some(reason) = self.held_back(i) {
                self.block(i, format!("drifted ({why}), but {reason}"));
                continue;
            }
            if !self.budget_allows(&pool, "Drifted", 1) {
                self.block(i, format!("drifted ({why}), but pool {pool}'s disruption budget for Drifted is used up"));
                continue;
            }
            match self.simulate(&[i], true) {
                Some(sim) => self.commit("Drifted", &[i], sim, false),
                None => self.block(
                    i,
                    format!("drifted ({why}), but its pods cannot be placed elsewhere"),
                ),
            }
        }
    }

    fn empty(&mut self, candidates: &[usize]) {
        let mut chosen: Vec<usize> = Vec::new();
        let mut per_pool: BTreeMap<String, usize> = BTreeMap::new();
        for (i, pool) in self.open_candidates(candidates) {
            if !self.evicted(i).is_empty() {
                continue;
            }
            if let Some(reason) = self.held_back(i).or_else(|| self.too_young(i, pool)) {
                self.block(i, reason);
                continue;
            }
            let taken = per_pool.get(&pool.name).copied().unwrap_or(0);
            if !self.budget_allows(&pool.name, "Empty", taken + 1) {
                self.block(
                    i,
                    format!(
                        "pool {}'s disruption budget for Empty is used up",
                        pool.name
                    ),
                );
                continue;
            }
            *per_pool.entry(pool.name.clone()).or_default() += 1;
            chosen.push(i);
        }
        if chosen.is_empty() {
            return;
        }
        let sim = Simulation {
            moves: Vec::new(),
            replacements: Vec::new(),
            narrowed: None,
        };
        self.commit("Empty", &chosen, sim, true);
    }

    fn underutilized(&mut self, candidates: &[usize]) {
        // Karpenter's order (v1.14+): savings ratio descending, price over reschedule cost.
        let mut order: Vec<(f64, usize)> = Vec::new();
        for (i, pool) in self.open_candidates(candidates) {
            if pool.disruption.consolidation_policy == ConsolidationPolicy::WhenEmpty {
                self.block(
                    i,
                    format!(
                        "pool {} consolidates only empty nodes (WhenEmpty)",
                        pool.name
                    ),
                );
                continue;
            }
            if let Some(reason) = self.held_back(i).or_else(|| self.too_young(i, pool)) {
                self.block(i, reason);
                continue;
            }
            let cost = 1.0
                + self
                    .evicted(i)
                    .iter()
                    .map(|&p| eviction_cost(&self.snapshot.pods[p]).max(0.0))
                    .sum::<f64>();
            order.push((self.price[i] / cost, i));
        }
        order.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| self.node(a.1).name.cmp(&self.node(b.1).name))
        });
        let eligible: Vec<usize> = order.into_iter().map(|(_, i)| i).collect();
        // First delete: the emptiest nodes first, their pods onto the nodes that stay, no new
        // capacity. This frees the most money for the fewest moves.
        let mut by_fill: Vec<(f64, usize)> = eligible.iter().map(|&i| (self.fill(i), i)).collect();
        by_fill.sort_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then_with(|| self.node(a.1).name.cmp(&self.node(b.1).name))
        });
        let emptiest: Vec<usize> = by_fill.into_iter().map(|(_, i)| i).collect();
        // A full repack of every eligible node onto cheaper new capacity moves every pod, so it
        // must beat deleting alone by a clear margin (REPACK_MARGIN of their price). When it
        // beats even the most any deletion could save, the deletions are not simulated.
        let all_price = self.removed_price(&eligible);
        let mut repack = if eligible.len() > 1
            && self.set_within_budgets(&eligible)
            && self.pdbs_allow(&eligible)
        {
            self.simulate(&eligible, true)
                .map(|sim| (all_price - sim.replacement_price(), sim))
        } else {
            None
        };
        let margin = REPACK_MARGIN * all_price;
        if let Some((saving, sim)) = &mut repack {
            if *saving > self.deletion_saving_cap(&eligible) + margin
                && self.replacements_cheaper(&eligible, sim)
            {
                if let Some((_, sim)) = repack {
                    self.commit("Underutilized", &eligible, sim, true);
                }
                return;
            }
        }
        let prefix = self.delete_prefix(&emptiest);
        let deleted_saving = prefix
            .as_ref()
            .map_or(0.0, |(k, _)| self.removed_price(&emptiest[..*k]));
        if let Some((saving, mut sim)) = repack {
            if saving > deleted_saving + margin && self.replacements_cheaper(&eligible, &mut sim) {
                self.commit("Underutilized", &eligible, sim, true);
                return;
            }
        }
        if let Some((k, sim)) = prefix {
            self.commit("Underutilized", &emptiest[..k], sim, true);
        }
        // Then replace: what is left, in savings order, may move to cheaper new nodes.
        let rest: Vec<usize> = eligible
            .into_iter()
            .filter(|i| !self.removed.contains(i))
            .collect();
        self.grow(&rest, true);
    }

    /// How full node `i` is: the largest share of any allocatable resource its pods request.
    fn fill(&self, i: usize) -> f64 {
        let n = self.node(i);
        let mut used = Resources::new();
        for &p in &self.pods_on[i] {
            used.add(&self.snapshot.pods[p].requests);
        }
        used.iter()
            .filter_map(|(name, v)| {
                let a = n.allocatable.get(name);
                (a > 0).then(|| v as f64 / a as f64)
            })
            .fold(0.0, f64::max)
    }

    /// Grows one removal set over `queue` a chunk at a time: a chunk is kept when every pod of
    /// the set still lands (on nodes that stay, or with `allow_new` on new claims) and the
    /// saving grows; on failure the chunk is halved, down to skipping one node. Deletions are
    /// committed as they are found, so later chunks see the pods they moved.
    fn grow(&mut self, queue: &[usize], allow_new: bool) {
        let mut set: Vec<usize> = Vec::new();
        let mut best: Option<Simulation> = None;
        let mut best_saving = 0.0;
        let mut pos = 0;
        let mut chunk = (queue.len() / 4).max(1);
        while pos < queue.len() {
            // A node that receives pods from another command stays: commands are carried out
            // together, and a pod moves once.
            if self
                .arrived
                .get(self.node(queue[pos]).name.as_str())
                .is_some_and(|a| !a.is_empty())
            {
                pos += 1;
                continue;
            }
            let take = chunk.min(queue.len() - pos);
            if queue[pos..pos + take].iter().any(|&i| {
                self.arrived
                    .get(self.node(i).name.as_str())
                    .is_some_and(|a| !a.is_empty())
            }) {
                chunk = (take / 2).max(1);
                if take == 1 {
                    pos += 1;
                }
                continue;
            }
            let mut trial = set.clone();
            trial.extend_from_slice(&queue[pos..pos + take]);
            let budgets_ok = self.set_within_budgets(&trial);
            let mut outcome = if budgets_ok && self.pdbs_allow(&trial) {
                self.simulate(&trial, allow_new)
            } else {
                None
            };
            let better = outcome.as_ref().is_some_and(|sim| {
                self.removed_price(&trial) - sim.replacement_price() > best_saving + 1e-9
            });
            // The replacements are narrowed once: the result is what a commit lists, and its
            // error why a node tried alone is turned down.
            if let Some(sim) = outcome.as_mut() {
                if better || take == 1 {
                    self.replacements_cheaper(&trial, sim);
                }
            }
            // Remember why a node tried alone was turned down by a rule rather than by cost.
            if take == 1 {
                let node = queue[pos];
                if !budgets_ok {
                    let pool = self.node(node).node_pool().unwrap_or_default().to_owned();
                    self.rejected.insert(
                        node,
                        format!("pool {pool}'s disruption budget for Underutilized is used up"),
                    );
                } else if let Some(Some(Err(why))) = outcome.as_ref().map(|sim| &sim.narrowed) {
                    self.rejected.insert(node, why.clone());
                }
            }
            let accepted = match outcome {
                Some(sim) if better && matches!(sim.narrowed, Some(Ok(_))) => {
                    if allow_new {
                        best_saving = self.removed_price(&trial) - sim.replacement_price();
                        best = Some(sim);
                        set = trial;
                    } else {
                        // Without new capacity nothing accumulates: `trial` is the chunk.
                        let chunk_nodes = queue[pos..pos + take].to_vec();
                        self.commit("Underutilized", &chunk_nodes, sim, true);
                    }
                    true
                }
                _ => false,
            };
            if accepted {
                pos += take;
            } else if take > 1 {
                chunk = (take / 2).max(1);
            } else {
                pos += 1;
            }
        }
        if let Some(sim) = best {
            self.commit("Underutilized", &set, sim, true);
        }
    }

    /// The longest prefix of `queue` (emptiest first) whose pods all fit on the nodes that
    /// stay, found by binary search (if the first k can go, so can the first k - 1), with its
    /// simulation.
    fn delete_prefix(&self, queue: &[usize]) -> Option<(usize, Simulation)> {
        // Budgets and PDBs only tighten as the prefix grows: the longest allowed prefix is
        // found by bisection too.
        let allowed =
            |k: usize| self.set_within_budgets(&queue[..k]) && self.pdbs_allow(&queue[..k]);
        let (mut ok, mut bad) = (0, queue.len() + 1);
        if allowed(queue.len()) {
            ok = queue.len();
        } else {
            while bad - ok > 1 {
                let mid = ok + (bad - ok) / 2;
                if allowed(mid) {
                    ok = mid;
                } else {
                    bad = mid;
                }
            }
        }
        let mut hi = ok;
        let mut lo = 0;
        let mut best: Option<(usize, Simulation)> = None;
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            match self.simulate(&queue[..mid], false) {
                Some(sim) => {
                    lo = mid;
                    best = Some((mid, sim));
                }
                None => hi = mid - 1,
            }
        }
        best.filter(|(k, _)| *k == lo)
    }

    fn set_within_budgets(&self, set: &[usize]) -> bool {
        let mut per_pool: BTreeMap<&str, usize> = BTreeMap::new();
        for &i in set {
            if let Some(p) = self.node(i).node_pool() {
                *per_pool.entry(p).or_default() += 1;
            }
        }
        per_pool
            .iter()
            .all(|(p, &k)| self.budget_allows(p, "Underutilized", k))
    }

    fn pdbs_allow(&self, set: &[usize]) -> bool {
        let mut use_: BTreeMap<usize, i64> = BTreeMap::new();
        for &i in set {
            for p in self.evicted(i) {
                let pod = &self.snapshot.pods[p];
                for b in 0..self.snapshot.pdbs.len() {
                    if budget::covers(&self.snapshot.pdbs[b], pod) {
                        *use_.entry(b).or_default() += 1;
                    }
                }
            }
        }
        use_.iter()
            .all(|(b, &k)| self.pdb_left.get(b).copied().unwrap_or(0) >= k)
    }

    /// The most that deleting any subset of `eligible` (no new capacity) could save.
    ///
    /// Deleting a set R needs, for every resource, the pods of R to fit in the room left on
    /// the nodes that stay: Σ_R evicted ≤ Σ_{not R} free, that is Σ_R (evicted + free) ≤ Σ
    /// free over every node. A node's evicted plus free is its allocatable less what stays
    /// with it (daemonset and terminating pods), so per resource this is a knapsack whose
    /// fractional optimum bounds the price of R; the least over resources is the cap. Room is
    /// overstated where unsure (pods moved by earlier commands, launched replacements), which
    /// only raises the cap.
    fn deletion_saving_cap(&self, eligible: &[usize]) -> f64 {
        let usage = |i: usize, r: &str, all: bool| -> i64 {
            self.pods_on[i]
                .iter()
                .map(|&p| &self.snapshot.pods[p])
                .filter(|p| all || p.is_daemon() || p.terminating)
                .map(|p| p.requests.get(r))
                .sum()
        };
        let mut resources: BTreeSet<&str> = BTreeSet::new();
        for &i in eligible {
            resources.extend(self.node(i).allocatable.names());
        }
        let launched: Vec<Resources> = self
            .launched
            .iter()
            .map(|(claim, _)| self.claim_as_node(claim).allocatable)
            .collect();
        let mut cap = self.removed_price(eligible);
        for r in resources {
            let mut room: i64 = 0;
            for i in 0..self.snapshot.nodes.len() {
                if !self.removed.contains(&i) {
                    room += (self.node(i).allocatable.get(r) - usage(i, r, true)).max(0);
                }
            }
            for allocatable in &launched {
                room += allocatable.get(r).max(0);
            }
            // Free items first, then the best price per unit of the resource.
            let mut items: Vec<(f64, i64)> = eligible
                .iter()
                .map(|&i| {
                    (
                        self.price[i],
                        self.node(i).allocatable.get(r) - usage(i, r, false),
                    )
                })
                .collect();
            items.sort_by(|a, b| {
                let ka = if a.1 <= 0 {
                    f64::INFINITY
                } else {
                    a.0 / a.1 as f64
                };
                let kb = if b.1 <= 0 {
                    f64::INFINITY
                } else {
                    b.0 / b.1 as f64
                };
                kb.total_cmp(&ka)
            });
            let mut value = 0.0;
            let mut left = room as f64;
            for (price, weight) in items {
                if weight <= 0 {
                    value += price;
                } else if (weight as f64) <= left {
                    value += price;
                    left -= weight as f64;
                } else {
                    value += price * left / weight as f64;
                    break;
                }
            }
            cap = cap.min(value);
        }
        cap
    }

    fn removed_price(&self, set: &[usize]) -> f64 {
        set.iter().map(|&i| self.price[i]).sum()
    }

    /// Whether the replacements can be restricted to types that save money (see
    /// [`Self::restrict`]).
    fn replacements_cheaper(&self, set: &[usize], sim: &mut Simulation) -> bool {
        let narrowed = self.restrict(set, &sim.replacements);
        let ok = narrowed.is_ok();
        sim.narrowed = Some(narrowed);
        ok
    }

    /// The instance types and capacity types each replacement may keep so that whatever the
    /// cloud launches saves money: a replacement allowing spot and on-demand keeps spot only
    /// (Karpenter restricts consolidation launches so); each type's worst launch price must be
    /// below the removed nodes' price less the other replacements' prices; a type of a node
    /// being removed must be cheaper than that node (else keep the node); and a spot-to-spot
    /// move needs at least [`SPOT_TO_SPOT_MIN_TYPES`] types and keeps the cheapest that many.
    /// `Err` says why no saving launch remains.
    fn restrict(
        &self,
        set: &[usize],
        replacements: &[NewNodeClaim],
    ) -> Result<Vec<Narrowed>, String> {
        let removed = self.removed_price(set);
        let total: f64 = replacements.iter().map(|r| r.price).sum();
        let spot_to_spot = self.all_spot(set);
        // The cheapest removed node of each instance type: a replacement may not launch a type
        // it replaces at a price that node already pays.
        let mut removed_types: HashMap<&str, f64> = HashMap::default();
        for &i in set {
            if let Some(t) = self.node(i).labels.get(LABEL_INSTANCE_TYPE) {
                let p = removed_types.entry(t.as_str()).or_insert(f64::INFINITY);
                *p = p.min(self.price[i]);
            }
        }
        // Replacements from one packing share their type list (and mostly their zones and
        // capacity types): each list's worst prices, sorted, are worked out once.
        let mut lists: Vec<(SortedWorst, f64)> = Vec::new();
        // By the list's address, the zones and capacity types of each list worked out.
        let mut seen: HashMap<usize, Vec<SeenList<'_>>> = HashMap::default();
        // Per replacement: the list's types by worst launch price, how many of them stay,
        // and its capacity types.
        let mut cut: Vec<Cut> = Vec::with_capacity(replacements.len());
        for r in replacements {
            let mut cts = r.capacity_types.clone();
            if cts.iter().any(|c| c == "spot") && cts.iter().any(|c| c == "on-demand") {
                cts.retain(|c| c == "spot" || c == "reserved");
            }
            let at = seen
                .entry(Arc::as_ptr(&r.instance_types) as *const String as usize)
                .or_default();
            let key = match at
                .iter()
                .find(|(zones, c, _)| *zones == r.zones.as_slice() && *c == cts)
            {
                Some(&(_, _, key)) => key,
                None => {
                    let mut order: Vec<(f64, usize)> = r
                        .instance_types
                        .iter()
                        .enumerate()
                        .map(|(i, t)| (self.worst_price(r, &cts, t), i))
                        .collect();
                    order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                    let removed_min = r
                        .instance_types
                        .iter()
                        .filter_map(|t| removed_types.get(t.as_str()).copied())
                        .fold(f64::INFINITY, f64::min);
                    lists.push((order.into(), removed_min));
                    at.push((r.zones.as_slice(), cts.clone(), lists.len() - 1));
                    lists.len() - 1
                }
            };
            let (order, removed_min) = lists[key].clone();
            let limit = (removed - (total - r.price)).min(removed_min);
            let kept = order.partition_point(|&(w, _)| w < limit);
            let needed = if spot_to_spot && cts.first().map(String::as_str) == Some("spot") {
                SPOT_TO_SPOT_MIN_TYPES
            } else {
                1
            };
            if kept < needed {
                return Err(if needed > 1 {
                    format!(
                        "spot-to-spot replacement needs at least {SPOT_TO_SPOT_MIN_TYPES} cheaper spot types, only {kept} found"
                    )
                } else {
                    "no replacement type is cheaper than the nodes it would replace".to_owned()
                });
            }
            if needed > 1 {
                // The first types of the list (cheapest launch first) that qualify.
                let mut first: Vec<(f64, usize)> = order[..kept].to_vec();
                first.sort_by_key(|&(_, i)| i);
                first.truncate(SPOT_TO_SPOT_MIN_TYPES);
                first.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let n = first.len();
                // Its own list now: keyed apart from the shared ones.
                let key = usize::MAX - cut.len();
                cut.push(Cut {
                    order: first.into(),
                    len: n,
                    cts,
                    key,
                });
            } else {
                cut.push(Cut {
                    order,
                    len: kept,
                    cts,
                    key,
                });
            }
        }
        // Together, the worst launches must still save: drop the dearest worst-case type of the
        // replacements with the most to lose until they do. Replacements whose lists start
        // alike (claims of one packing) are cut alike, so identical claims keep identical
        // lists; each list is cut from its dear end, and a heap keeps the group with the
        // dearest worst case on top.
        let mut groups: Vec<(usize, f64)> = Vec::new();
        let mut group_of: Vec<usize> = Vec::with_capacity(cut.len());
        let mut index: HashMap<(ListKey, usize), usize> = HashMap::default();
        for (k, c) in cut.iter().enumerate() {
            let g = *index.entry((c.key, c.len)).or_insert_with(|| {
                groups.push((k, 0.0));
                groups.len() - 1
            });
            groups[g].1 += 1.0;
            group_of.push(g);
        }
        let mut len: Vec<usize> = groups.iter().map(|&(k, _)| cut[k].len).collect();
        let worst = |g: usize, len: &[usize]| {
            let (k, _) = groups[g];
            if len[g] == 0 {
                0.0
            } else {
                cut[k].order[len[g] - 1].0
            }
        };
        let mut total_worst: f64 = (0..groups.len())
            .map(|g| groups[g].1 * worst(g, &len))
            .sum();
        let mut heap: std::collections::BinaryHeap<(Dearest, std::cmp::Reverse<usize>)> = (0
            ..groups.len())
            .filter(|&g| len[g] > 1)
            .map(|g| (Dearest(worst(g, &len)), std::cmp::Reverse(g)))
            .collect();
        while total_worst >= removed - 1e-12 {
            let Some((_, std::cmp::Reverse(g))) = heap.pop() else {
                return Err(
                    "the replacements would not cost less than the nodes they replace".to_owned(),
                );
            };
            let gone = worst(g, &len);
            len[g] -= 1;
            total_worst += groups[g].1 * (worst(g, &len) - gone);
            if len[g] > 1 {
                heap.push((Dearest(worst(g, &len)), std::cmp::Reverse(g)));
            }
        }
        for (c, &g) in cut.iter_mut().zip(&group_of) {
            c.len = len[g];
        }
        // Lists cut alike are built once and shared; unchanged ones stay shared with the claim.
        let mut built: HashMap<(ListKey, usize), Arc<[String]>> = HashMap::default();
        Ok(replacements
            .iter()
            .zip(cut)
            .map(
                |(
                    r,
                    Cut {
                        order,
                        len,
                        cts,
                        key,
                    },
                )| {
                    if len == r.instance_types.len() {
                        return (r.instance_types.clone(), cts);
                    }
                    let types = built
                        .entry((key, len))
                        .or_insert_with(|| {
                            let mut keep: Vec<usize> =
                                order[..len].iter().map(|&(_, i)| i).collect();
                            keep.sort_unstable();
                            keep.iter().map(|&i| r.instance_types[i].clone()).collect()
                        })
                        .clone();
                    (types, cts)
                },
            )
            .collect())
    }

    fn all_spot(&self, set: &[usize]) -> bool {
        set.iter().all(|&i| {
            self.node(i)
                .labels
                .get(LABEL_CAPACITY_TYPE)
                .map(String::as_str)
                == Some("spot")
        })
    }

    /// The dearest available offering of type `name` in the replacement's zones and capacity
    /// types `cts`: what a launch from the list may cost at worst.
    fn worst_price(&self, r: &NewNodeClaim, cts: &[String], name: &str) -> f64 {
        self.type_index.get(name).map_or(f64::INFINITY, |&t| {
            t.offerings
                .iter()
                .filter(|o| {
                    o.available
                        && r.zones.contains(&o.zone)
                        && cts.iter().any(|c| c == o.capacity_type.as_str())
                })
                .map(|o| o.price)
                .fold(0.0, f64::max)
        })
    }

    /// Provisions the pods of `set` again onto every node that stays (and, with `allow_new`,
    /// new claims). `None` when some pod lands nowhere.
    fn simulate(&self, set: &[usize], allow_new: bool) -> Option<Simulation> {
        let evict: HashSet<usize> = set.iter().flat_map(|&i| self.evicted(i)).collect();
        if evict.is_empty() {
            return Some(Simulation {
                moves: Vec::new(),
                replacements: Vec::new(),
                narrowed: None,
            });
        }
        let gone: HashSet<usize> = self.removed.iter().chain(set).copied().collect();
        let mut nodes: Vec<Node> =
            Vec::with_capacity(self.snapshot.nodes.len() + self.launched.len());
        for (i, n) in self.snapshot.nodes.iter().enumerate() {
            if gone.contains(&i) {
                continue;
            }
            let mut n = n.clone();
            // Landing on a node that is not ready counts as failure in Karpenter's simulation,
            // and nodes inside their consolidateAfter window receive no pods leaving candidates.
            let young = n
                .node_pool()
                .and_then(|p| self.pools.get(p))
                .is_some_and(|p| {
                    self.too_young(i, p).is_some()
                        && p.disruption.consolidate_after_seconds.is_some()
                });
            if !n.ready || n.deleting || young {
                n.unschedulable = true;
            }
            // A command evicts only its own nodes' pods: pods of a node already being deleted
            // are the provisioner's to place, not this command's, so here they stay where they
            // are (counted there for spread and affinity) and no replacement carries them.
            n.deleting = false;
            nodes.push(n);
        }
        for (claim, _) in &self.launched {
            nodes.push(self.claim_as_node(claim));
        }
        let gone_names: HashSet<&str> = gone.iter().map(|&i| self.node(i).name.as_str()).collect();
        let mut pods: Vec<Pod> = Vec::with_capacity(self.snapshot.pods.len());
        let mut evicted_keys = Vec::new();
        for (i, p) in self.snapshot.pods.iter().enumerate() {
            if evict.contains(&i) {
                let mut p = p.clone();
                p.node_name = None;
                evicted_keys.push((i, p.key()));
                pods.push(p);
                continue;
            }
            match p.node_name.as_deref() {
                // Pending pods are provisioning's business, not consolidation's.
                None => {}
                Some(n) if gone_names.contains(n) => {
                    if let Some(m) = self.moved.get(&i) {
                        let mut p = p.clone();
                        p.node_name = Some(m.to.clone());
                        pods.push(p);
                    }
                }
                Some(_) => pods.push(p.clone()),
            }
        }
        let snap = Snapshot {
            pods,
            nodes,
            // Without new capacity the pools stay, so the domains they offer still count for
            // topology spread, but may launch nothing.
            node_pools: self
                .snapshot
                .node_pools
                .iter()
                .map(|p| {
                    let mut p = p.clone();
                    if !allow_new {
                        p.limits = Resources::from_pairs([("nodes", 0)]);
                    }
                    p
                })
                .collect(),
            // Only claims still launching are capacity; the others are the nodes above.
            node_claims: self
                .snapshot
                .node_claims
                .iter()
                .filter(|c| {
                    c.node_name
                        .as_deref()
                        .is_none_or(|n| !self.snapshot.nodes.iter().any(|x| x.name == n))
                })
                .cloned()
                .collect(),
            pdbs: Vec::new(),
            daemon_sets: self.snapshot.daemon_sets.clone(),
            warnings: Vec::new(),
        };
        // Karpenter's consolidation simulation falls back from taken reservations.
        let mut plan = provision_in(
            &snap,
            self.catalog,
            &Options::default(),
            ReservedMode::Fallback,
        )
        .ok()?;
        if !plan.unschedulable.is_empty() {
            return None;
        }
        let mut dest: HashMap<&str, &str> = HashMap::default();
        for e in &plan.existing_nodes {
            for p in &e.pods {
                dest.insert(p.as_str(), e.name.as_str());
            }
        }
        for c in &plan.node_claims {
            for p in &c.pods {
                dest.insert(p.as_str(), c.name.as_str());
            }
        }
        let mut moves = Vec::with_capacity(evicted_keys.len());
        for (i, key) in &evicted_keys {
            moves.push((*i, dest.get(key.as_str())?.to_string()));
        }
        drop(dest);
        let replacements = std::mem::take(&mut plan.node_claims);
        Some(Simulation {
            moves,
            replacements,
            narrowed: None,
        })
    }

    /// A replacement claimed earlier, as a node later simulations can place pods on.
    fn claim_as_node(&self, claim: &NewNodeClaim) -> Node {
        let mut n = Node::new(&claim.name);
        n.labels
            .insert(LABEL_NODEPOOL.into(), claim.node_pool.clone());
        if let Some(t) = claim
            .instance_types
            .first()
            .and_then(|t| self.catalog.get(t))
        {
            n.labels.insert(LABEL_INSTANCE_TYPE.into(), t.name.clone());
            for k in [LABEL_ARCH, LABEL_OS] {
                if let Some(v) = t.labels.get(k) {
                    n.labels.insert(k.into(), v.clone());
                }
            }
            n.allocatable = t.allocatable();
            n.capacity = t.capacity.clone();
        }
        if let Some(z) = claim.zones.first() {
            n.labels.insert(LABEL_ZONE.into(), z.clone());
        }
        if let Some(ct) = claim.capacity_types.first() {
            n.labels.insert(LABEL_CAPACITY_TYPE.into(), ct.clone());
        }
        n.labels
            .insert("karpenter.sh/initialized".into(), "true".into());
        n.created = Some(self.now);
        n
    }

    /// Records a command: its nodes are removed, its pods moved, its replacements launched,
    /// and the budgets charged.
    fn commit(&mut self, reason: &str, set: &[usize], mut sim: Simulation, check_saving: bool) {
        let removed_price = self.removed_price(set);
        // Replacements get plan-wide names, and list only types cheaper than what they replace.
        let mut renames: HashMap<String, String> = HashMap::default();
        let mut replacements = Vec::with_capacity(sim.replacements.len());
        let narrowed = if check_saving {
            let narrowed = match sim.narrowed.take() {
                Some(n) => n,
                None => self.restrict(set, &sim.replacements),
            };
            match narrowed {
                Ok(n) => Some(n),
                Err(why) => {
                    for &i in set {
                        self.block(i, why.clone());
                    }
                    return;
                }
            }
        } else {
            None
        };
        for (k, mut r) in sim.replacements.into_iter().enumerate() {
            if let Some((types, cts)) = narrowed.as_ref().and_then(|n| n.get(k)).cloned() {
                Self::narrow(&mut r, types, cts);
            }
            let n = self.claim_counter.entry(r.node_pool.clone()).or_insert(0);
            *n += 1;
            let name = format!("{}-replacement-{:04}", r.node_pool, n);
            renames.insert(r.name.clone(), name.clone());
            r.name = name.clone();
            r.manifest.metadata.name = name;
            replacements.push(r);
        }
        let replacement_price: f64 = replacements.iter().map(|r| r.price).sum();
        let savings = removed_price - replacement_price;
        if check_saving && savings <= 1e-12 {
            for &i in set {
                self.block(i, "no cheaper placement for its pods");
            }
            return;
        }
        let mut pod_moves = Vec::with_capacity(sim.moves.len());
        for (p, to) in sim.moves {
            let to = renames.get(&to).cloned().unwrap_or(to);
            pod_moves.push(PodMove {
                pod: self.snapshot.pods[p].key(),
                to: to.clone(),
            });
            for b in 0..self.snapshot.pdbs.len() {
                if budget::covers(&self.snapshot.pdbs[b], &self.snapshot.pods[p]) {
                    *self.pdb_left.entry(b).or_default() -= 1;
                }
            }
            if let Some(prev) = self.moved.get(&p) {
                if let Some(list) = self.arrived.get_mut(&prev.to) {
                    list.retain(|&q| q != p);
                }
            }
            self.arrived.entry(to.clone()).or_default().push(p);
            self.moved.insert(p, Moved { to });
        }
        // By pod, so the snapshot's item order never changes the plan.
        pod_moves.sort_by(|a, b| a.pod.cmp(&b.pod));
        for &i in set {
            self.removed.insert(i);
            if let Some(pool) = self.node(i).node_pool() {
                *self.disrupting.entry(pool.to_owned()).or_default() += 1;
            }
        }
        for r in &replacements {
            self.launched.push((r.clone(), Vec::new()));
        }
        self.commands.push(Command {
            reason: reason.to_owned(),
            nodes: set.iter().map(|&i| self.node(i).name.clone()).collect(),
            replacements,
            pod_moves,
            savings_per_hour: round_price(savings),
        });
    }

    /// Narrows a replacement to `types` and capacity types `cts`, in the plan and its manifest.
    fn narrow(r: &mut NewNodeClaim, types: Arc<[String]>, cts: Vec<String>) {
        r.instance_types = types;
        r.capacity_types = cts;
        for req in &mut r.manifest.spec.requirements {
            match req.key.as_str() {
                LABEL_INSTANCE_TYPE => req.values = r.instance_types.clone(),
                LABEL_CAPACITY_TYPE => req.values = r.capacity_types.clone().into(),
                _ => {}
            }
        }
    }

    fn into_plan(self) -> ConsolidationPlan {
        let savings = round_price(
            self.commands
                .iter()
                .fold(0.0, |acc, c| acc + c.savings_per_hour),
        );
        let lower_bound = self.lower_bound();
        let removed_names: HashSet<&str> = self
            .removed
            .iter()
            .map(|&i| self.node(i).name.as_str())
            .collect();
        let blocked = self
            .blocked
            .into_iter()
            .filter(|(n, _)| !removed_names.contains(n.as_str()))
            .map(|(node, reason)| Blocked { node, reason })
            .collect();
        ConsolidationPlan {
            commands: self.commands,
            blocked,
            savings_per_hour: savings,
            lower_bound,
            warnings: self.snapshot.warnings.clone(),
        }
    }

    /// A floor on the whole managed cluster's price after any consolidation: provision every
    /// pod of the managed nodes from scratch and take that plan's provable bound.
    fn lower_bound(&self) -> f64 {
        let managed: HashSet<&str> = self
            .snapshot
            .nodes
            .iter()
            .filter(|n| n.is_managed())
            .map(|n| n.name.as_str())
            .collect();
        if managed.is_empty() {
            return 0.0;
        }
        let pods: Vec<usize> = (0..self.snapshot.pods.len())
            .filter(|&i| {
                let p = &self.snapshot.pods[i];
                p.is_active()
                    && !p.is_daemon()
                    && !p.terminating
                    && p.node_name.as_deref().is_some_and(|n| managed.contains(n))
            })
            .collect();
        // With nothing else to land on, every pod needs managed capacity: the bound alone is
        // enough, without moving or packing the pods. Otherwise a plan decides which pods the
        // other nodes hold.
        if self.snapshot.nodes.len() == managed.len() {
            return round_price(lower_bound_of(self.snapshot, self.catalog, Some(&pods)));
        }
        let pods: Vec<Pod> = pods
            .into_iter()
            .map(|i| {
                let mut p = self.snapshot.pods[i].clone();
                p.node_name = None;
                p
            })
            .collect();
        let snap = Snapshot {
            pods,
            nodes: self
                .snapshot
                .nodes
                .iter()
                .filter(|n| !n.is_managed())
                .cloned()
                .collect(),
            node_pools: self.snapshot.node_pools.clone(),
            node_claims: Vec::new(),
            pdbs: Vec::new(),
            daemon_sets: self.snapshot.daemon_sets.clone(),
            warnings: Vec::new(),
        };
        provision_in(
            &snap,
            self.catalog,
            &Options::default(),
            ReservedMode::Fallback,
        )
        .map_or(0.0, |p| round_price(p.lower_bound))
    }
}

/// One simulated eviction: where each pod goes and what is launched for it.
struct Simulation {
    moves: Vec<(usize, String)>,
    replacements: Vec<NewNodeClaim>,
    /// [`Consolidation::restrict`] of the replacements, once worked out for the set.
    narrowed: Option<Result<Vec<Narrowed>, String>>,
}

impl Simulation {
    fn replacement_price(&self) -> f64 {
        self.replacements.iter().map(|r| r.price).sum()
    }
}

/// Karpenter's eviction cost: 1 + deletion cost / 2^27 + priority / 2^25, clamped to
/// [-10, 10] (`kubernetes-sigs/karpenter: pkg/utils/disruption/disruption.go`).
fn eviction_cost(pod: &Pod) -> f64 {
    let cost = 1.0
        + f64::from(pod.deletion_cost) / 2f64.powi(27)
        + f64::from(pod.priority) / 2f64.powi(25);
    cost.clamp(-10.0, 10.0)
}

/// The node's hourly price: the catalog offering for its type, zone and capacity type, or the
/// type's cheapest offering of that capacity type when the zone is unknown; 0 when unknown.
fn node_price(n: &Node, catalog: &Catalog) -> f64 {
    let Some(t) = n
        .labels
        .get(LABEL_INSTANCE_TYPE)
        .and_then(|t| catalog.get(t))
    else {
        return 0.0;
    };
    let zone = n.labels.get(LABEL_ZONE);
    let ct = n
        .labels
        .get(LABEL_CAPACITY_TYPE)
        .map(String::as_str)
        .unwrap_or("on-demand");
    let matching = t
        .offerings
        .iter()
        .filter(|o| o.capacity_type.as_str() == ct);
    let exact = matching
        .clone()
        .find(|o| zone.is_some_and(|z| *z == o.zone));
    exact
        .map(|o| o.price)
        .or_else(|| matching.map(|o| o.price).reduce(f64::min))
        .unwrap_or(0.0)
}

/// Prices summed in floating point are rounded to a billionth so sums print stably.
fn round_price(v: f64) -> f64 {
    (v * 1e9).round() / 1e9
}

fn human(seconds: i64) -> String {
    if seconds >= 3600 && seconds % 3600 == 0 {
        format!("{}h", seconds / 3600)
    } else if seconds >= 60 {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small cluster: `nodes` nodes of mixed sizes and prices, each running a few pods of
    /// mixed sizes, some with a daemonset pod; deterministic from `seed`.
    fn cluster(seed: u64, nodes: usize) -> (Snapshot, Catalog) {
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = move |n: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % n
        };
        let sizes = [("s", 2, 4, 0.1), ("m", 4, 8, 0.2), ("l", 8, 16, 0.4)];
        let catalog: Vec<serde_json::Value> = sizes
            .iter()
            .map(|(name, cpu, mem, price)| {
                serde_json::json!({"name": name,
                    "capacity": {"cpu": cpu.to_string(), "memory": format!("{mem}Gi"), "pods": "30"},
                    "offerings": [{"zone": "z", "capacityType": "on-demand", "price": price}]})
            })
            .collect();
        let mut items = vec![
            serde_json::json!({"kind": "NodePool", "metadata": {"name": "p"},
            "spec": {"disruption": {"budgets": [{"nodes": "100%"}]}}}),
        ];
        for i in 0..nodes {
            let (name, cpu, mem, _) = sizes[next(3) as usize];
            items.push(serde_json::json!({"kind": "Node", "metadata": {"name": format!("n{i}"),
                "creationTimestamp": "2026-01-01T00:00:00Z",
                "labels": {"karpenter.sh/nodepool": "p", "node.kubernetes.io/instance-type": name,
                    "topology.kubernetes.io/zone": "z", "karpenter.sh/capacity-type": "on-demand"}},
                "status": {"allocatable": {"cpu": cpu.to_string(), "memory": format!("{mem}Gi"), "pods": "30"}}}));
            for k in 0..next(4) {
                items.push(
                    serde_json::json!({"kind": "Pod", "metadata": {"name": format!("p{i}-{k}"),
                    "namespace": "d", "creationTimestamp": "2026-01-01T00:00:00Z"},
                    "spec": {"nodeName": format!("n{i}"), "containers": [{"name": "c", "resources":
                        {"requests": {"cpu": format!("{}m", 250 * (1 + next(6))),
                            "memory": format!("{}Mi", 512 * (1 + next(6)))}}}]},
                    "status": {"phase": "Running"}}),
                );
            }
            if next(3) == 0 {
                items.push(
                    serde_json::json!({"kind": "Pod", "metadata": {"name": format!("ds-{i}"),
                    "namespace": "d", "ownerReferences": [{"kind": "DaemonSet", "name": "ds"}]},
                    "spec": {"nodeName": format!("n{i}"), "containers": [{"name": "c", "resources":
                        {"requests": {"cpu": "500m", "memory": "1Gi"}}}]},
                    "status": {"phase": "Running"}}),
                );
            }
        }
        let snapshot = serde_json::json!({"kind": "List", "items": items}).to_string();
        let catalog = serde_json::Value::Array(catalog).to_string();
        (
            Snapshot::from_slice(snapshot.as_bytes()).expect("generated snapshot parses"),
            Catalog::from_slice(catalog.as_bytes()).expect("generated catalog parses"),
        )
    }

    /// The cap that lets a repack skip the deletion search is never below what a deletion
    /// the simulation accepts saves: checked over every subset of small clusters.
    #[test]
    fn deletion_saving_cap_bounds_every_feasible_deletion() {
        let now = DateTime::parse_from_rfc3339("2026-11-23T00:00:00Z")
            .expect("valid time")
            .with_timezone(&Utc);
        let mut feasible = 0;
        for seed in 0..12 {
            let (snapshot, catalog) = cluster(seed, 7);
            let c = Consolidation::new(&snapshot, &catalog, now);
            let all: Vec<usize> = (0..snapshot.nodes.len()).collect();
            let cap = c.deletion_saving_cap(&all);
            assert!(cap <= c.removed_price(&all) + 1e-9);
            for mask in 1u32..(1 << all.len()) {
                let set: Vec<usize> = all
                    .iter()
                    .copied()
                    .filter(|&i| mask & (1 << i) != 0)
                    .collect();
                if c.simulate(&set, false).is_some() {
                    feasible += 1;
                    let saving = c.removed_price(&set);
                    assert!(
                        saving <= cap + 1e-9,
                        "seed {seed}: deleting {set:?} saves {saving}, above the cap {cap}"
                    );
                }
            }
        }
        // The check is only as good as the deletions it sees.
        assert!(feasible > 100, "only {feasible} feasible deletions");
    }
}
