//! provision(): where pending pods go — existing nodes first, then new node claims.
//!
//! The solve works on classes of identical pods, so its cost grows with the number of distinct
//! pod shapes, not pods. Pods go first onto existing nodes and in-flight NodeClaims (capacity
//! already paid for), then into claims opened earlier in this solve, then into new claims.
//! A new claim is chosen by cost: for each instance type the pool allows, the queue's pods are
//! packed onto it first-fit-decreasing, and the type with the lowest price per share of the
//! remaining demand wins; the claim then lists every type that holds the same pods. A chosen
//! packing is repeated while enough identical pods remain, so 100,000 pods of a few shapes need
//! only a few packing decisions.

mod bound;
mod cover;
mod fractional;
#[cfg(test)]
mod lcg;
mod model;
mod room;
mod topology;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use crate::error::Error;
use crate::instance_type::{CapacityType, Catalog};
use crate::labels::{
    LABEL_CAPACITY_TYPE, LABEL_HOSTNAME, LABEL_INSTANCE_TYPE, LABEL_NODEPOOL, LABEL_ZONE,
};
use crate::options::Options;
use crate::plan::{
    ExistingPlacement, ManifestMetadata, ManifestNodeClassRef, ManifestRequirement,
    ManifestResources, ManifestTaint, NewNodeClaim, NodeClaimManifest, NodeClaimSpec, Plan,
    Relaxation, Unschedulable,
};
use crate::pod::HostPort;
use crate::requirements::{Operator, Requirement, Requirements};
use crate::resources::Resources;
use crate::snapshot::Snapshot;
use crate::taints::{untolerated, Taint};

use crate::fast_hash::FastMap;
use model::*;
use topology::{bound_repellers, constraints, Constraint, Kind, NodeTopology, Softness, Topology};

/// Decides which nodes to launch for the snapshot's pending pods.
///
/// Pending pods (unbound, not finished, not being deleted, not owned by a DaemonSet) are placed
/// on existing nodes and in-flight NodeClaims where they fit, then on new node claims from the
/// NodePools, highest weight first. Every claim lists all instance types that fit its pods,
/// cheapest launchable offering first. Pods that fit nowhere are listed with a reason.
///
/// # Examples
/// ```
/// use karpenter_solver::{provision, Catalog, Options, Snapshot};
/// let snapshot = Snapshot::from_slice(br#"
/// kind: List
/// items:
/// - kind: NodePool
///   apiVersion: karpenter.sh/v1
///   metadata: {name: default}
///   spec: {template: {spec: {requirements: [{key: kubernetes.io/arch, operator: In, values: [amd64]}]}}}
/// - kind: Pod
///   apiVersion: v1
///   metadata: {name: web-1, namespace: default}
///   spec: {containers: [{name: app, resources: {requests: {cpu: "1", memory: 2Gi}}}]}
/// "#).unwrap();
/// let plan = provision(&snapshot, &Catalog::aws_default(), &Options::default()).unwrap();
/// assert_eq!(plan.node_claims.len(), 1);
/// assert_eq!(plan.node_claims[0].pods, vec!["default/web-1"]);
/// assert!(plan.unschedulable.is_empty());
/// ```
///
/// # Errors
/// None today for a parsed snapshot and catalog; the `Result` leaves room for option checks.
pub fn provision(snapshot: &Snapshot, catalog: &Catalog, options: &Options) -> Result<Plan, Error> {
    provision_in(snapshot, catalog, options, ReservedMode::Strict)
}

/// What a pod does when the capacity reservations it could launch into are held by claims
/// opened earlier in the same solve (`kubernetes-sigs/karpenter:
/// pkg/controllers/provisioning/scheduling/scheduler.go`, `ReservedOfferingMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReservedMode {
    /// The provisioner's mode: when a pool can launch the pod only into reservations and they
    /// are taken, the pod waits for the next loop; lower-weight pools are not tried and its
    /// preferences are not relaxed.
    Strict,
    /// The consolidation simulation's mode: such a pod falls through to the next pool.
    Fallback,
}

/// [`provision`] with the reserved-capacity behaviour of `mode`.
pub(crate) fn provision_in(
    snapshot: &Snapshot,
    catalog: &Catalog,
    options: &Options,
    mode: ReservedMode,
) -> Result<Plan, Error> {
    let _ = options;
    let mut solve = Solve::new(snapshot, catalog);
    solve.reserved_mode = mode;
    solve.run();
    solve.improve();
    solve.first_fit_alternative();
    // The repack moves pods between new claims only, so the pods the floor is for are known
    // now: a large floor is solved on a thread of its own while the repack runs (a small one
    // is not worth a thread's start).
    let inputs = solve.claims_bound_inputs();
    let lower_bound = match &inputs {
        None => 0.0,
        Some(inputs) if inputs.work() < PARALLEL_WORK => {
            solve.pattern_alternative();
            inputs.floor()
        }
        Some(inputs) => {
            let floor = std::thread::scope(|scope| {
                let floor = scope.spawn(|| inputs.floor());
                solve.pattern_alternative();
                floor.join().ok()
            });
            // A panic in the bound's thread is a bug; the floor is then worked out here
            // again, where it reaches the caller's guard as any other would.
            floor.unwrap_or_else(|| inputs.floor())
        }
    };
    Ok(solve.into_plan(lower_bound))
}

/// The lower bound alone for the pods `pods` of `snapshot` (indices, ascending; the pending
/// pods when `None`), wherever they are bound now, as if every one went to new capacity: the
/// floor [`provision`] would report had it placed them all on new claims, without the
/// packing. Pods no pool can launch for add nothing.
pub(crate) fn lower_bound_of(
    snapshot: &Snapshot,
    catalog: &Catalog,
    pods: Option<&[usize]>,
) -> f64 {
    let mut solve = Solve::with_pending(snapshot, catalog, pods);
    let counts: Vec<(usize, usize)> = solve
        .classes
        .iter()
        .enumerate()
        .map(|(c, class)| (c, class.members.len()))
        .collect();
    solve.bound_of(counts)
}

/// Pods placed on something that already exists.
struct Target {
    name: String,
    labels: crate::labels::Labels,
    taints: Vec<Taint>,
    free: Vec<i64>,
    ports: Vec<HostPort>,
    pods: Vec<usize>,
    topo: NodeTopology,
}

/// A claim opened in this solve.
struct Claim {
    pool: usize,
    /// Shared with the requirement table: claims are many, distinct sets few.
    reqs: Rc<Requirements>,
    /// `reqs` interned.
    reqs_id: u32,
    /// An upper bound on the room left in any of the cheapest types, for quick rejection.
    headroom: Vec<i64>,
    /// Positions in the pool's `types` still able to hold everything, cheapest first. Shared
    /// by the claims a packing repeats until one of them changes: up to a thousand entries
    /// each, on tens of thousands of claims.
    types: Rc<[usize]>,
    /// Launch price of each of `types`.
    prices: Rc<[f64]>,
    /// The cheapest launch price; filling the claim never raises it.
    price: f64,
    used: Vec<i64>,
    ports: Vec<HostPort>,
    pods: Vec<usize>,
    topo: NodeTopology,
}

/// Which types of a pool a requirement set admits (template included).
struct Admitted {
    merged: Requirements,
    merged_id: u32,
    ok: Vec<bool>,
    /// Admitted types with a launchable offering that no type as cheap has less room than,
    /// cheapest first.
    frontier: Vec<usize>,
}

/// Which types of a pool can hold one pod of a class under some requirements.
struct Mask {
    merged: Requirements,
    merged_id: u32,
    ok: Vec<bool>,
    /// The admitted cost frontier, less the types one pod does not fit.
    frontier: Vec<usize>,
}

/// Karpenter writes at most this many instance types into a NodeClaim (`MaxInstanceTypes`,
/// 600 since v1.7); the list is cut, cheapest first, to it.
const MAX_INSTANCE_TYPES: usize = 600;

/// The first-fit comparison runs on plans placing at most this many pods on new claims.
const FIRST_FIT_MAX_PODS: usize = 2000;

/// Claim merges tried after the packing, at most.
const MERGE_ROUNDS: usize = 64;

/// The least-filled claims of each pool considered for merging.
const MERGE_CANDIDATES: usize = 24;

/// How many later classes a packing considers riding along with its seed class.
const MAX_RIDERS: usize = 64;

/// At most this many pools get a why-not hint in one unschedulable reason.
const MAX_HINTS: usize = 3;

/// One change to a pool the why-not hint tries.
#[derive(Clone, Copy)]
enum PoolChange<'p> {
    /// The pool as it is.
    Nothing,
    /// Without its requirement on this key.
    Requirement(&'p Requirement),
    /// Without this taint.
    Taint(&'p Taint),
    /// Without its limits.
    Limits,
}

/// The cheapest type a lone pod fits on after a [`PoolChange`]: its launch rank, catalog
/// index and the offering a launch would use.
struct LoneFit<'s> {
    rank: f64,
    t: usize,
    offering: &'s crate::instance_type::Offering,
}

/// A candidate packing of a new claim: how many pods of each class, and at what price per
/// share of the remaining demand.
struct Packing {
    score: f64,
    share: f64,
    pattern: Vec<(usize, usize)>,
    merged: u32,
}

/// A later class tried as a rider in [`Solve::open_claims`]: what the loop over frontier
/// types reads of it, gathered once.
struct Rider<'s> {
    class: usize,
    /// The pool types that hold one of its pods ([`Mask::ok`]).
    ok: &'s [bool],
    req: &'s [i64],
    merged_id: u32,
    /// Its pods not yet placed.
    left: usize,
}

/// Where pods were put.
#[derive(Clone, Copy)]
enum Place {
    Target(usize),
    Claim(usize),
}

type MaskKey = (usize, usize, u32, bool);

/// A new claim's types, their launch prices and its headroom; shared by every claim a steady
/// packing repeats.
type SteadyLaunch = (Rc<[usize]>, Rc<[f64]>, Vec<i64>);

/// Pool, requirement set and types of a claim: what decides where it may launch.
type LaunchKey = (usize, u32, Rc<[usize]>);

/// [`LaunchKey`] with the types' shared list by address: the claims of one packing share one
/// list, and comparing addresses spares hashing hundreds of entries per claim.
type SharedLaunchKey = (usize, u32, *const [usize]);

/// A packing (classes and counts), its requirement set, what it uses, and the pool types
/// that hold it.
type PackingTypes = (Vec<(usize, usize)>, u32, Vec<i64>, Vec<usize>);

/// What [`Solve::repack`] places as one: a pod that moves freely, or the pods of a claim
/// that stay together (by the claim's index).
#[derive(Clone, Copy)]
enum Unit {
    Pod(usize),
    Seed(usize),
}

/// Pool, requirement set, types and use of a steady packing: what decides its launch.
type SteadyKey = (usize, u32, Vec<usize>, Vec<i64>);

/// Pool, requirement set, pod size and key of [`Solve::pool_domains`].
type DomainKey = (usize, u32, Vec<i64>, String);

/// Launch ranks and positions of a pool's types, cheapest first.
type RankedTypes = Rc<[(f64, usize)]>;

/// Per catalog type, the offerings a requirement set allows, filled lazily.
type OfferRow = Vec<Option<Rc<[u16]>>>;

/// Pods of one class sent to the same domains: `(key, value)` pins and how many pods.
type DomainBatch = (Vec<(String, String)>, usize);

struct Solve<'a> {
    snapshot: &'a Snapshot,
    dims: Dims,
    keys: TypeKeys<'a>,
    types: Vec<TypeInfo<'a>>,
    pools: Vec<PoolInfo<'a>>,
    classes: Vec<Class<'a>>,
    /// `member[c][g]`: class `c`'s pods belong to topology group `g`.
    member: Vec<Vec<bool>>,
    /// Classes that may ride along in another class's packing: no topology constraint and no
    /// group membership, so they change no count anyone reads.
    free_rider: Vec<bool>,
    topo: Topology,
    /// Pods of each class placed so far (members are taken in order).
    taken: Vec<usize>,
    targets: Vec<Target>,
    claims: Vec<Claim>,
    /// Room left on each target, for finding the next one a pod fits.
    target_room: room::RoomTree,
    /// Headroom of each claim while the packing runs (claims are only added then).
    claim_room: room::RoomTree,
    masks: FastMap<MaskKey, Option<Rc<Mask>>>,
    admitted: FastMap<(usize, u32), Option<Rc<Admitted>>>,
    /// Per requirement set, per catalog type: [`TypeInfo::admits`], filled as packings ask.
    /// A rider's merged set is tried against every frontier type of every packing, and
    /// comparing label keys each time cost more than the packing search itself.
    type_admits: FastMap<u32, Vec<Option<bool>>>,
    /// [`Self::steady_launch`], cached: different packings of a pool often need the same
    /// types and use, and pricing hundreds of types cost more than the packing search.
    steady: FastMap<SteadyKey, SteadyLaunch>,
    reqs: ReqTable,
    /// Per requirement set, per catalog type: the offerings it allows (available, zone and
    /// capacity type admitted).
    offers: std::cell::RefCell<FastMap<u32, OfferRow>>,
    /// Per requirement set: [`Self::best_offers`].
    best: std::cell::RefCell<FastMap<u32, Rc<[Option<u16>]>>>,
    /// Per requirement set: [`Self::best_ranks`].
    best_rank: std::cell::RefCell<FastMap<u32, Rc<[Option<f64>]>>>,
    /// [`Self::launchable`] per pool, requirement set and types, when no reservation is in
    /// play.
    launch_cache: std::cell::RefCell<FastMap<LaunchKey, Rc<Launchable>>>,
    /// Per pool and requirement set: [`Self::ranked`].
    ranked: std::cell::RefCell<FastMap<(usize, u32), RankedTypes>>,
    /// Per requirement set: [`Self::min_prices`].
    min_price: std::cell::RefCell<FastMap<u32, Rc<[f64]>>>,
    /// Catalog types with a reserved offering, whose launch depends on reservations left.
    has_reserved: Vec<bool>,
    /// Per catalog type, per offering: its zone's index in `zone_names`. Zone sets gathered
    /// over thousands of offerings that name a handful of zones are kept as flags by index,
    /// not by comparing names.
    zone_of: Vec<Vec<usize>>,
    zone_names: Vec<&'a str>,
    /// [`Self::pool_domains`], cached.
    domain_cache: FastMap<DomainKey, Rc<BTreeSet<String>>>,
    /// [`Self::counted_domains`], cached per group and key.
    counted_cache: FastMap<(usize, String), Rc<BTreeSet<String>>>,
    /// At most this many types are listed per claim, cheapest first.
    max_types: usize,
    reserved: ReservedLeft,
    /// Reservation units left when the solve began: a reservation already used up then is an
    /// unavailable offering, which never holds a pod back.
    reserved_at_start: ReservedLeft,
    reserved_mode: ReservedMode,
    /// Why a class's pods wait for reserved capacity taken in this solve, when they do.
    reservation_reason: Vec<Option<String>>,
    relaxed: Vec<(usize, Vec<String>)>,
    /// Per snapshot pod, the alternative of its class it was placed under (`usize::MAX`
    /// while unplaced): the repack moves only pods placed under the first, which honours
    /// every term the pod has.
    alternative_of: Vec<usize>,
    /// Why topology kept a class's pods back, when it did.
    topology_reason: Vec<Option<String>>,
    warnings: Vec<String>,
}

impl<'a> Solve<'a> {
    fn new(snapshot: &'a Snapshot, catalog: &'a Catalog) -> Solve<'a> {
        Solve::with_pending(snapshot, catalog, None)
    }

    /// A solve for the snapshot's pending pods, or for `pending` (pod indices, ascending) when
    /// given.
    fn with_pending(
        snapshot: &'a Snapshot,
        catalog: &'a Catalog,
        pending: Option<&[usize]>,
    ) -> Solve<'a> {
        let chosen = pending;
        let dims = Dims::new(snapshot);
        let keys = TypeKeys::new(catalog);
        let types: Vec<TypeInfo<'a>> = catalog
            .instance_types
            .iter()
            .map(|t| TypeInfo::new(t, &dims))
            .collect();
        let usage = pool_usage(snapshot, catalog);
        let empty = Resources::new();
        let pools = pool_order(&snapshot.node_pools)
            .into_iter()
            .map(|i| {
                let p = &snapshot.node_pools[i];
                PoolInfo::new(
                    p,
                    &types,
                    &keys,
                    &snapshot.daemon_sets,
                    &dims,
                    usage.get(&p.name).unwrap_or(&empty),
                )
            })
            .collect();
        let mut warnings = snapshot.warnings.clone();
        let mut targets = existing_targets(snapshot, catalog, &dims, &mut warnings);
        // Pods of nodes being deleted need a new home too (Karpenter provisions for them).
        let deleting: HashSet<&str> = snapshot
            .nodes
            .iter()
            .filter(|n| n.deleting)
            .map(|n| n.name.as_str())
            .collect();
        let pending: Vec<usize> = match chosen {
            Some(pods) => pods.to_vec(),
            None => (0..snapshot.pods.len())
                .filter(|&i| {
                    let p = &snapshot.pods[i];
                    p.is_pending()
                        || (p.is_active()
                            && !p.terminating
                            && !p.is_daemon()
                            && p.node_name.as_deref().is_some_and(|n| deleting.contains(n)))
                })
                .collect(),
        };
        let mut classes = classes(snapshot, &pending, &dims);
        let mut topo = Topology::default();
        let soft_taints = snapshot
            .node_pools
            .iter()
            .flat_map(|p| &p.taints)
            .chain(targets.iter().flat_map(|t| &t.taints))
            .any(|t| !t.blocks());
        for class in &mut classes {
            class.constraints = constraints(class.pod, &mut topo);
            class.alternatives = alternatives(class.pod, &class.constraints, soft_taints);
        }
        let mut reqs = ReqTable::default();
        for class in &mut classes {
            for alt in &mut class.alternatives {
                alt.reqs_id = reqs.intern(alt.reqs.clone());
            }
        }
        let repellers = bound_repellers(snapshot, &mut topo);
        let g = topo.groups.len();
        let member: Vec<Vec<bool>> = classes
            .iter()
            .map(|c| topo.groups.iter().map(|gr| gr.matches(c.pod)).collect())
            .collect();
        let free_rider = classes
            .iter()
            .zip(&member)
            .map(|(c, m)| c.constraints.is_empty() && !m.iter().any(|&b| b))
            .collect();
        // Count what is already bound, per node and per domain.
        let mut zonal: Vec<(usize, String)> = classes
            .iter()
            .flat_map(|c| {
                c.constraints
                    .iter()
                    .filter(|k| !k.is_hostname())
                    .map(|k| (k.group, k.key.clone()))
            })
            .collect();
        zonal.sort();
        zonal.dedup();
        for key in &zonal {
            topo.counts.entry(key.clone()).or_default();
        }
        for t in &mut targets {
            t.topo = NodeTopology::new(g);
        }
        let target_index: HashMap<String, usize> = targets
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.clone(), i))
            .collect();
        let node_labels_by_name: HashMap<&str, &crate::labels::Labels> = snapshot
            .nodes
            .iter()
            .map(|n| (n.name.as_str(), &n.labels))
            .collect();
        // Per node, the groups whose spread counts it (kube-scheduler's inclusion policies).
        let counted_on: HashMap<&str, Vec<bool>> =
            if topo.groups.iter().all(|gr| gr.filter.is_open()) {
                HashMap::new()
            } else {
                snapshot
                    .nodes
                    .iter()
                    .map(|n| {
                        let labels = node_labels(&n.name, &n.labels);
                        let pass = topo
                            .groups
                            .iter()
                            .map(|gr| gr.filter.passes_node(&labels, &n.taints))
                            .collect();
                        (n.name.as_str(), pass)
                    })
                    .collect()
            };
        if g > 0 {
            for (i, p) in snapshot.pods.iter().enumerate() {
                let Some(node) = p.node_name.as_deref() else {
                    continue;
                };
                // A pod of a node being deleted is placed again by this solve: counted where
                // it lands, not also where it is leaving.
                if !p.is_active() || pending.binary_search(&i).is_ok() {
                    continue;
                }
                let Some(labels) = node_labels_by_name.get(node) else {
                    continue;
                };
                let ti = target_index.get(node).copied();
                let counts = |gi: usize| counted_on.get(node).is_none_or(|pass| pass[gi]);
                for (gi, group) in topo.groups.iter().enumerate() {
                    if !group.matches(p) || !counts(gi) {
                        continue;
                    }
                    topo.total[gi] += 1;
                    if let Some(ti) = ti {
                        targets[ti].topo.groups[gi] += 1;
                    }
                }
                for (gi, key) in &zonal {
                    if topo.groups[*gi].matches(p) && counts(*gi) {
                        if let Some(v) = labels.get(key) {
                            *topo
                                .counts
                                .entry((*gi, key.clone()))
                                .or_default()
                                .entry(v.clone())
                                .or_default() += 1;
                        }
                    }
                }
                if let Some(rep) = repellers.get(&i) {
                    for (gi, key) in rep {
                        if key == LABEL_HOSTNAME {
                            if let Some(ti) = ti {
                                targets[ti].topo.repels.insert(*gi);
                            }
                        } else if let Some(v) = labels.get(key) {
                            topo.repelled
                                .entry((*gi, key.clone()))
                                .or_default()
                                .insert(v.clone());
                        }
                    }
                }
            }
        }
        let mut zone_index: HashMap<&str, usize> = HashMap::new();
        let mut zone_names: Vec<&str> = Vec::new();
        let zone_of = catalog
            .instance_types
            .iter()
            .map(|t| {
                t.offerings
                    .iter()
                    .map(|o| {
                        *zone_index.entry(o.zone.as_str()).or_insert_with(|| {
                            zone_names.push(o.zone.as_str());
                            zone_names.len() - 1
                        })
                    })
                    .collect()
            })
            .collect();
        let dim_count = dims.len();
        Solve {
            snapshot,
            taken: vec![0; classes.len()],
            topology_reason: vec![None; classes.len()],
            reservation_reason: vec![None; classes.len()],
            member,
            free_rider,
            topo,
            dims,
            keys,
            types,
            pools,
            classes,
            target_room: room::RoomTree::from_rooms(
                dim_count,
                targets.iter().map(|t| t.free.as_slice()),
            ),
            claim_room: room::RoomTree::new(dim_count),
            targets,
            claims: Vec::new(),
            masks: FastMap::default(),
            admitted: FastMap::default(),
            type_admits: FastMap::default(),
            steady: FastMap::default(),
            reqs,
            offers: Default::default(),
            domain_cache: FastMap::default(),
            counted_cache: FastMap::default(),
            best: Default::default(),
            launch_cache: Default::default(),
            best_rank: Default::default(),
            ranked: Default::default(),
            min_price: Default::default(),
            has_reserved: catalog
                .instance_types
                .iter()
                .map(|t| {
                    t.offerings
                        .iter()
                        .any(|o| o.capacity_type == CapacityType::Reserved)
                })
                .collect(),
            zone_of,
            zone_names,
            max_types: MAX_INSTANCE_TYPES,
            reserved: reservations(catalog, snapshot),
            reserved_at_start: reservations(catalog, snapshot),
            reserved_mode: ReservedMode::Strict,
            relaxed: Vec::new(),
            alternative_of: vec![usize::MAX; snapshot.pods.len()],
            warnings,
        }
    }

    fn remaining(&self, c: usize) -> usize {
        self.classes[c].members.len() - self.taken[c]
    }

    fn has_zonal(&self, c: usize, a: usize) -> bool {
        let class = &self.classes[c];
        class
            .constraints
            .iter()
            .enumerate()
            .any(|(i, k)| class.alternatives[a].active[i] && !k.is_hostname())
            || !self.repelling_keys(c).is_empty()
    }

    /// Keys on which some pod's required anti-affinity repels class `c` from some domain:
    /// its pods must then be given a domain, so the repelled ones can be avoided.
    fn repelling_keys(&self, c: usize) -> Vec<String> {
        let mut keys: Vec<String> = self
            .topo
            .repelled
            .iter()
            .filter(|((g, _), domains)| self.member[c][*g] && !domains.is_empty())
            .map(|((_, k), _)| k.clone())
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }

    fn run(&mut self) {
        // Capacity that already exists costs nothing more: fill it first, with every
        // preference still honoured, for classes whose placement needs no domain choice.
        for c in 0..self.classes.len() {
            if !self.has_zonal(c, 0) {
                let reqs = self.classes[c].alternatives[0].reqs.clone();
                let n = self.remaining(c);
                self.place_on_targets(c, 0, &reqs, n);
            }
        }
        // A second pass lets a pod whose affinity names pods later in the queue find them,
        // as Karpenter's requeue does.
        for pass in 0..2 {
            for c in 0..self.classes.len() {
                if self.remaining(c) == 0 {
                    continue;
                }
                // A pod held back by taken reservations is retried as it was: Karpenter never
                // relaxes a preference for a reserved-capacity error.
                let first = if pass == 0 || self.reservation_reason[c].is_some() {
                    0
                } else {
                    self.classes[c].alternatives.len() - 1
                };
                for a in first..self.classes[c].alternatives.len() {
                    if self.remaining(c) == 0 {
                        break;
                    }
                    let before = self.taken[c];
                    self.reservation_reason[c] = None;
                    self.place_alternative(c, a);
                    if self.taken[c] > before && a > 0 {
                        let dropped = self.classes[c].alternatives[a].dropped.clone();
                        if !dropped.is_empty() {
                            for m in before..self.taken[c] {
                                self.relaxed
                                    .push((self.classes[c].members[m], dropped.clone()));
                            }
                        }
                    }
                    if self.reservation_reason[c].is_some() {
                        break;
                    }
                }
            }
        }
    }

    /// Merges pairs of new claims whose pods fit together on a type cheaper than the two, the
    /// least-filled claims of each pool first, until no merge saves money. This repairs the
    /// tail a greedy packing leaves (two half-empty nodes where one would do). Claims holding
    /// pods with topology constraints or host ports, and pools with limits or reservations
    /// in play, are left as they are.
    fn improve(&mut self) {
        if self.has_reserved.iter().any(|&r| r) {
            return;
        }
        let mut class_of = vec![usize::MAX; self.snapshot.pods.len()];
        for (c, class) in self.classes.iter().enumerate() {
            for &m in &class.members {
                class_of[m] = c;
            }
        }
        for _round in 0..MERGE_ROUNDS {
            let mut best: Option<(f64, usize, usize, u32, Vec<i64>)> = None;
            for p in 0..self.pools.len() {
                if self.pools[p].limits_left.is_some() {
                    continue;
                }
                let mut cands: Vec<(f64, usize)> = (0..self.claims.len())
                    .filter(|&i| {
                        let claim = &self.claims[i];
                        claim.pool == p
                            && claim.ports.is_empty()
                            && claim.pods.iter().all(|&m| self.free_rider[class_of[m]])
                    })
                    .map(|i| (self.fill(i), i))
                    .collect();
                cands.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                cands.truncate(MERGE_CANDIDATES);
                for x in 0..cands.len() {
                    for y in x + 1..cands.len() {
                        let (i, j) = (cands[x].1.min(cands[y].1), cands[x].1.max(cands[y].1));
                        let Some(merged) = self
                            .reqs
                            .merge(self.claims[i].reqs_id, self.claims[j].reqs_id)
                        else {
                            continue;
                        };
                        let mut used = self.claims[i].used.clone();
                        add_scaled(&mut used, &self.claims[j].used, 1);
                        let Some(price) = self.cheapest_fit(p, merged, &used, i, j, &class_of)
                        else {
                            continue;
                        };
                        let saving = self.claim_price(i) + self.claim_price(j) - price;
                        if saving > 1e-9 && best.as_ref().is_none_or(|b| saving > b.0 + 1e-12) {
                            best = Some((saving, i, j, merged, used));
                        }
                    }
                }
            }
            let Some((_, i, j, merged, used)) = best else {
                return;
            };
            let p = self.claims[i].pool;
            let classes: BTreeSet<usize> = self.claims[i]
                .pods
                .iter()
                .chain(&self.claims[j].pods)
                .map(|&m| class_of[m])
                .collect();
            let masks: Vec<Rc<Mask>> = classes
                .iter()
                .filter_map(|&c| {
                    let id = self.classes[c].alternatives[0].reqs_id;
                    self.mask(p, c, 0, id)
                })
                .collect();
            let Some(admitted) = self.admitted(p, merged) else {
                return;
            };
            let pool = &self.pools[p];
            let types: Vec<usize> = (0..pool.types.len())
                .filter(|&t| {
                    admitted.ok[t] && masks.iter().all(|m| m.ok[t]) && pool.fits_at(t, &used)
                })
                .collect();
            let (types, prices) = self.priced(p, types, merged);
            let Some(&price) = prices.first() else { return };
            let headroom = self.headroom(p, &types, &prices, &used);
            let moved = self.claims.remove(j);
            let claim = &mut self.claims[i];
            claim.pods.extend(moved.pods);
            claim.reqs = self.reqs.shared(merged);
            claim.reqs_id = merged;
            claim.types = types.into();
            claim.prices = prices.into();
            claim.price = price;
            claim.headroom = headroom;
            claim.used = used;
        }
    }

    /// Packs the pods on new claims again the way Karpenter does (first fit, decreasing: each
    /// claim keeps every type that still fits and grows while one does) and keeps that packing
    /// when it is cheaper, so a plan never costs more than Karpenter's own answer. Only when
    /// no topology, host port, pool limit or reservation is in play, where the two packings
    /// are directly comparable.
    fn first_fit_alternative(&mut self) {
        if self.claims.is_empty()
            || self.has_reserved.iter().any(|&r| r)
            || self.pools.iter().any(|p| p.limits_left.is_some())
        {
            return;
        }
        let on_claims: HashSet<usize> = self
            .claims
            .iter()
            .flat_map(|c| c.pods.iter().copied())
            .collect();
        // Pod by pod over every open claim: bounded so it never dominates the solve.
        if on_claims.len() > FIRST_FIT_MAX_PODS {
            return;
        }
        let mut alternative: Vec<Claim> = Vec::new();
        for c in 0..self.classes.len() {
            let pods: Vec<usize> = self.classes[c]
                .members
                .iter()
                .copied()
                .filter(|m| on_claims.contains(m))
                .collect();
            if pods.is_empty() {
                continue;
            }
            if !self.free_rider[c] || !self.classes[c].host_ports.is_empty() {
                return;
            }
            let id = self.classes[c].alternatives[0].reqs_id;
            let req = self.classes[c].req.clone();
            let mut next = 0;
            // Pod by pod, trying the claims with the fewest pods first, as Karpenter does.
            while next < pods.len() {
                let mut order: Vec<usize> = (0..alternative.len()).collect();
                order.sort_by_key(|&i| (alternative[i].pods.len(), i));
                let mut placed = false;
                for ci in order {
                    // `headroom` here is the most room any listed type has left: a quick no.
                    if !fits(&req, &alternative[ci].headroom) {
                        continue;
                    }
                    let p = alternative[ci].pool;
                    let Some(mask) = self.mask(p, c, 0, id) else {
                        continue;
                    };
                    let Some(merged) = self.reqs.merge(alternative[ci].reqs_id, mask.merged_id)
                    else {
                        continue;
                    };
                    let Some(admitted) = self.admitted(p, merged) else {
                        continue;
                    };
                    let pool = &self.pools[p];
                    let claim = &mut alternative[ci];
                    let mut used = claim.used.clone();
                    add_scaled(&mut used, &req, 1);
                    let fits_now =
                        |j: usize| mask.ok[j] && admitted.ok[j] && pool.fits_at(j, &used);
                    if !claim.types.iter().any(|&j| fits_now(j)) {
                        continue;
                    }
                    claim.types = claim
                        .types
                        .iter()
                        .copied()
                        .filter(|&j| fits_now(j))
                        .collect();
                    claim.headroom = max_room(pool, &self.types, &claim.types, &used);
                    claim.used = used;
                    claim.reqs_id = merged;
                    claim.pods.push(pods[next]);
                    next += 1;
                    placed = true;
                    break;
                }
                if placed {
                    continue;
                }
                let Some((p, mask)) = (0..self.pools.len()).find_map(|p| {
                    self.mask(p, c, 0, id)
                        .filter(|m| m.ok.iter().any(|&o| o))
                        .map(|m| (p, m))
                }) else {
                    return;
                };
                let types: Vec<usize> = (0..self.pools[p].types.len())
                    .filter(|&j| mask.ok[j])
                    .collect();
                let headroom = max_room(&self.pools[p], &self.types, &types, &req);
                alternative.push(Claim {
                    pool: p,
                    reqs: Rc::new(Requirements::new()),
                    reqs_id: mask.merged_id,
                    headroom,
                    types: types.into(),
                    prices: Rc::from([]),
                    price: 0.0,
                    used: req.clone(),
                    ports: Vec::new(),
                    pods: vec![pods[next]],
                    topo: NodeTopology::new(self.topo.groups.len()),
                });
                next += 1;
            }
        }
        let mut total = 0.0;
        for claim in &mut alternative {
            let (types, prices) = self.priced(claim.pool, claim.types.to_vec(), claim.reqs_id);
            let Some(&first) = types.first() else { return };
            total += self
                .launch(
                    self.pools[claim.pool].types[first],
                    claim.reqs_id,
                    &self.reserved,
                )
                .map_or(f64::INFINITY, |o| o.price);
            claim.headroom = self.headroom(claim.pool, &types, &prices, &claim.used);
            claim.price = prices[0];
            claim.types = types.into();
            claim.prices = prices.into();
            claim.reqs = self.reqs.shared(claim.reqs_id);
        }
        let ours: f64 = (0..self.claims.len()).map(|i| self.claim_price(i)).sum();
        if total < ours - 1e-9 {
            self.claims = alternative;
        }
    }

    /// Packs again, the cutting-stock way ([`bound::pattern_packing`]), the claims of each pool
    /// that share one requirement set, and keeps the new claims when they cost less. Greedy
    /// packing leaves the classic gap on many small pods (a few percent up to a third over
    /// the floor); buying the packings of the relaxation's optimum closes most of it.
    ///
    /// A pod moves freely among such claims when no count topology reads can change: it has
    /// no topology constraint and no group counts it, or every key its constraints and its
    /// groups are counted by is pinned to one value by the requirement set (a zone spread
    /// within claims of one zone). The other pods of a claim, its seed, stay together and one
    /// seed goes to a node (a seed takes the node's one seed slot), so every per-node count is
    /// what it was. Claims with host ports, or with pods placed under any but their class's
    /// first alternative (a preference relaxed, another node-affinity term), keep their
    /// packing. Only when no pool limit or reservation is in play, where claims are
    /// interchangeable.
    fn pattern_alternative(&mut self) {
        if self.claims.is_empty()
            || self.has_reserved.iter().any(|&r| r)
            || self.pools.iter().any(|p| p.limits_left.is_some())
        {
            return;
        }
        let mut class_of = vec![usize::MAX; self.snapshot.pods.len()];
        for (c, class) in self.classes.iter().enumerate() {
            for &m in &class.members {
                class_of[m] = c;
            }
        }
        // Per class, every key a count touching it is kept under: its own constraints' and
        // those of any constraint counting a group it belongs to.
        let mut group_keys: Vec<BTreeSet<String>> = vec![BTreeSet::new(); self.topo.groups.len()];
        for class in &self.classes {
            for k in &class.constraints {
                group_keys[k.group].insert(k.key.clone());
            }
        }
        // Per group, the most of its pods one node may hold under the hostname-keyed spreads
        // and anti-affinities on it (a spread's skew; one under anti-affinity), and whether
        // some pod must share a node with it (hostname affinity: such pods stay together).
        let mut host_cap: Vec<Option<i64>> = vec![None; self.topo.groups.len()];
        let mut host_bound = vec![false; self.topo.groups.len()];
        for class in &self.classes {
            for k in class.constraints.iter().filter(|k| k.is_hostname()) {
                let cap = match k.kind {
                    Kind::Spread { max_skew, .. } => max_skew.max(0),
                    Kind::AntiAffinity => 1,
                    Kind::Affinity => {
                        host_bound[k.group] = true;
                        continue;
                    }
                };
                let c = host_cap[k.group].get_or_insert(cap);
                *c = (*c).min(cap);
            }
        }
        let capped = |g: usize| host_cap[g].is_some() && !host_bound[g];
        // Per class, the capped groups one of its pods takes a place of on its node, with
        // their caps: those it belongs to, and those it repels (an anti-affine pod and a
        // member never share).
        let slots: Vec<Vec<(usize, i64)>> = (0..self.classes.len())
            .map(|c| {
                (0..self.topo.groups.len())
                    .filter(|&g| {
                        capped(g)
                            && (self.member[c][g]
                                || self.classes[c].constraints.iter().any(|k| {
                                    k.group == g && k.is_hostname() && k.kind == Kind::AntiAffinity
                                }))
                    })
                    .map(|g| (g, host_cap[g].unwrap_or(0)))
                    .collect()
            })
            .collect();
        // Per class, the keys its pods' counts are kept under, which must be pinned for them
        // to move; `None` when they cannot move at all. With `caps`, hostname-keyed counts on
        // capped groups are kept by the caps instead, and do not hold the pods in place.
        let class_keys = |caps: bool| -> Vec<Option<BTreeSet<String>>> {
            (0..self.classes.len())
                .map(|c| {
                    // Under the first alternative every term is in force, preferences
                    // included: counting by all of them keeps each one as it was kept.
                    let class = &self.classes[c];
                    if !class.host_ports.is_empty() {
                        return None;
                    }
                    let own = class.constraints.iter().map(|k| (k.group, &k.key));
                    let counted = (0..self.topo.groups.len())
                        .filter(|&g| self.member[c][g])
                        .flat_map(|g| group_keys[g].iter().map(move |key| (g, key)));
                    let mut keys: BTreeSet<String> = BTreeSet::new();
                    for (g, key) in own.chain(counted) {
                        if key != LABEL_HOSTNAME {
                            keys.insert(key.clone());
                        } else if !(caps && capped(g)) {
                            return None;
                        }
                    }
                    Some(keys)
                })
                .collect()
        };
        let held_keys = class_keys(false);
        // Capped pods move only where some group is capped; otherwise the plain program is
        // the only one.
        let capped_keys = (0..self.topo.groups.len())
            .any(capped)
            .then(|| class_keys(true));
        let no_slots: Vec<Vec<(usize, i64)>> = vec![Vec::new(); self.classes.len()];
        let mut groups: BTreeMap<(usize, u32), Vec<usize>> = BTreeMap::new();
        for (i, claim) in self.claims.iter().enumerate() {
            if claim.ports.is_empty() && claim.pods.iter().all(|&m| self.alternative_of[m] == 0) {
                groups
                    .entry((claim.pool, claim.reqs_id))
                    .or_default()
                    .push(i);
            }
        }
        let groups: Vec<((usize, u32), Vec<usize>)> = groups.into_iter().collect();
        // Pods free of every count (no constraint, in no group) may also leave their
        // claims' requirement set for the broadest set of their pool, its hub, when that set
        // asks nothing of them the pods' own requirements do not: the greedy pass leaves
        // them wherever there was room, while the nodes the hub's hostname-counted pods need
        // (one each, under anti-affinity) are often the ones with room to fill. Per pool,
        // that plan is packed, and the one keeping every pod in its set where its programs
        // are small (elsewhere the move has not lost in our measurements); the cheaper is
        // kept.
        let mut donated = vec![false; self.snapshot.pods.len()];
        let mut hub_of: BTreeMap<usize, (u32, Vec<usize>)> = BTreeMap::new();
        for (p, hub) in self.hubs(&groups) {
            let hub_reqs = self.reqs.get(hub).clone();
            let mut extra = Vec::new();
            for ((q, id), chosen) in &groups {
                if *q != p || *id == hub {
                    continue;
                }
                for &i in chosen {
                    for &m in &self.claims[i].pods {
                        let c = class_of[m];
                        if self.free_rider[c]
                            && self.classes[c].host_ports.is_empty()
                            && self.admits(&hub_reqs, c)
                        {
                            donated[m] = true;
                            extra.push(m);
                        }
                    }
                }
            }
            if !extra.is_empty() {
                hub_of.insert(p, (hub, extra));
            }
        }
        let kept = vec![false; self.snapshot.pods.len()];
        // Per group of claims and plan (0: every pod stays in its set; 1: free pods to the
        // hub), up to two programs: with pods under hostname-keyed counts held in their
        // claims' seeds, and with them moving under per-node caps. The caps free those pods
        // to recombine, but add a resource per group and a shape per combination, which the
        // packing rounds handle less well; the cheaper plan wins.
        let mut programs: Vec<((usize, usize), Vec<bool>, Repack)> = Vec::new();
        // Per group and plan, whether the plan packs the group again; per group, whether the
        // hub plan leaves it no pod at all.
        let mut involved = vec![[false; 2]; groups.len()];
        let mut empty = vec![false; groups.len()];
        for (g, ((p, id), chosen)) in groups.iter().enumerate() {
            let (p, id) = (*p, *id);
            let hub = hub_of.get(&p);
            let gives = hub.is_some_and(|(h, _)| *h != id)
                && chosen
                    .iter()
                    .any(|&i| self.claims[i].pods.iter().any(|&m| donated[m]));
            let takes = hub
                .filter(|(h, _)| *h == id)
                .map(|(_, extra)| extra.as_slice());
            let moves = gives || takes.is_some();
            involved[g] = [chosen.len() >= 2, moves];
            // Which classes move freely under this requirement set.
            let reqs = self.reqs.get(id);
            let movable_by = |keys: &[Option<BTreeSet<String>>]| -> Vec<bool> {
                keys.iter()
                    .map(|keys| {
                        keys.as_ref().is_some_and(|keys| {
                            keys.iter().all(|k| {
                                reqs.get(k).is_some_and(|r| {
                                    r.operator() == crate::requirements::Operator::In
                                        && r.values().len() == 1
                                })
                            })
                        })
                    })
                    .collect()
            };
            let held = movable_by(&held_keys);
            let freed = capped_keys
                .as_deref()
                .map(movable_by)
                .filter(|f| *f != held);
            if gives
                && chosen
                    .iter()
                    .all(|&i| self.claims[i].pods.iter().all(|&m| donated[m]))
            {
                // Every pod leaves: the group's plan-1 packing is no claim at all.
                empty[g] = true;
            }
            for (plan, &packed) in involved[g].iter().enumerate() {
                if !packed || (plan == 1 && empty[g]) {
                    continue;
                }
                let batch = Batch {
                    chosen,
                    left: if plan == 1 { &donated } else { &kept },
                    extra: if plan == 1 { takes.unwrap_or(&[]) } else { &[] },
                };
                // Where pods move to or from the hub, the plan keeping them is packed too
                // only while small: on larger programs the move has not lost in our
                // measurements, and packing both costs half as much again.
                let held_most = if plan == 1 || !moves {
                    usize::MAX
                } else {
                    SMALL_PROGRAM_SHAPES
                };
                let kept_seeds = [(&held, &no_slots, held_most)];
                let capped = freed.as_ref().map(|f| (f, &slots, SMALL_PROGRAM_SHAPES));
                for (movable, slots, most) in kept_seeds.into_iter().chain(capped) {
                    if let Some(repack) =
                        self.repack(p, id, &batch, &class_of, movable, slots, most)
                    {
                        programs.push(((g, plan), movable.clone(), repack));
                    }
                }
            }
        }
        // A pool's hub plan is taken only with every group it involves packed: where one
        // has no program, the pool's other hub programs would be packed for nothing.
        let mut unready: BTreeSet<usize> = BTreeSet::new();
        for (g, ((p, _), _)) in groups.iter().enumerate() {
            if involved[g][1]
                && !empty[g]
                && !programs
                    .iter()
                    .any(|((h, plan), _, _)| *h == g && *plan == 1)
            {
                unready.insert(*p);
            }
        }
        programs.retain(|((g, plan), _, _)| *plan == 0 || !unready.contains(&groups[*g].0 .0));
        let packings = pack_all(&programs, repack_workers(&programs));
        // Per group and plan, the cheapest repacked claims found; a group the hub plan
        // empties needs no program there.
        let mut best: Vec<[Option<Priced>; 2]> = (0..groups.len())
            .map(|g| [None, empty[g].then(|| (0.0, Vec::new()))])
            .collect();
        for (((g, plan), movable, repack), nodes) in programs.iter().zip(packings) {
            let Some(nodes) = nodes else {
                continue;
            };
            let Some(claims) = self.repacked_claims(repack, nodes, &class_of, movable) else {
                continue;
            };
            let new: f64 = claims.iter().map(|c| self.price_of(c)).sum();
            if best[*g][*plan]
                .as_ref()
                .is_none_or(|(old, _)| new < *old * (1.0 - 1e-9))
            {
                best[*g][*plan] = Some((new, claims));
            }
        }
        // Per pool, plan 0 takes each group's packing where it is cheaper than its claims;
        // plan 1 needs every group it moves pods of or to packed, and is taken when cheaper
        // than plan 0 over the pool.
        let now: Vec<f64> = groups
            .iter()
            .map(|(_, chosen)| chosen.iter().map(|&i| self.claim_price(i)).sum())
            .collect();
        let plain = |g: usize| -> f64 {
            best[g][0]
                .as_ref()
                .map_or(now[g], |(price, _)| price.min(now[g]))
        };
        let mut take = vec![None; groups.len()];
        for &p in hub_of.keys() {
            let members: Vec<usize> = (0..groups.len()).filter(|&g| groups[g].0 .0 == p).collect();
            let ready = members
                .iter()
                .all(|&g| !involved[g][1] || best[g][1].is_some());
            let cost = |plan: usize| -> f64 {
                members
                    .iter()
                    .map(|&g| match (plan, &best[g][1]) {
                        (1, Some((price, _))) if involved[g][1] => *price,
                        _ => plain(g),
                    })
                    .sum()
            };
            if ready && cost(1) < cost(0) * (1.0 - 1e-9) {
                for &g in &members {
                    if involved[g][1] {
                        take[g] = Some(1);
                    }
                }
            }
        }
        let mut gone = vec![false; self.claims.len()];
        let mut added: Vec<Claim> = Vec::new();
        for (g, (_, chosen)) in groups.iter().enumerate() {
            let plan = match take[g] {
                Some(plan) => plan,
                None if best[g][0]
                    .as_ref()
                    .is_some_and(|(price, _)| *price < now[g] * (1.0 - 1e-9)) =>
                {
                    0
                }
                None => continue,
            };
            if let Some((_, claims)) = best[g][plan].take() {
                for &i in chosen {
                    gone[i] = true;
                }
                added.extend(claims);
            }
        }
        if added.is_empty() {
            return;
        }
        let mut i = 0;
        self.claims.retain(|_| {
            i += 1;
            !gone[i - 1]
        });
        self.claims.extend(added);
    }

    /// Per pool with claims under more than one requirement set in `groups`, its hub: the
    /// set of fewest requirements (the broadest), then of most claims, then first interned.
    fn hubs(&self, groups: &[((usize, u32), Vec<usize>)]) -> Vec<(usize, u32)> {
        let mut by_pool: BTreeMap<usize, Vec<(usize, std::cmp::Reverse<usize>, u32)>> =
            BTreeMap::new();
        for ((p, id), chosen) in groups {
            let keys = self.reqs.get(*id).iter().count();
            by_pool
                .entry(*p)
                .or_default()
                .push((keys, std::cmp::Reverse(chosen.len()), *id));
        }
        by_pool
            .into_iter()
            .filter(|(_, sets)| sets.len() > 1)
            .filter_map(|(p, sets)| sets.into_iter().min().map(|(_, _, id)| (p, id)))
            .collect()
    }

    /// Whether a claim under `reqs` suits class `c`'s pods as their own requirements ask:
    /// adding those requirements narrows nothing.
    fn admits(&self, reqs: &Requirements, c: usize) -> bool {
        let mut merged = reqs.clone();
        merged.add_all(&self.classes[c].alternatives[0].reqs);
        merged == *reqs
    }

    /// New claims of pool `p` under requirement set `id` for the pods of `batch` (pods of
    /// `movable` classes one by one, the rest of a claim as its seed), from
    /// [`bound::pattern_packing`]; `None` when a packing cannot be listed, or when it would
    /// have more than `most_shapes` shapes (the caller would not pack it). `slots` lists per
    /// class the capped groups its pods take a place of and the places per node.
    #[allow(clippy::too_many_arguments)]
    fn repack(
        &mut self,
        p: usize,
        id: u32,
        batch: &Batch,
        class_of: &[usize],
        movable: &[bool],
        slots: &[Vec<(usize, i64)>],
        most_shapes: usize,
    ) -> Option<Repack> {
        let d = self.dims.len();
        let chosen = batch.chosen;
        // Every pod to place: the claims' pods but those that leave, and those that join.
        let pods: Vec<usize> = chosen
            .iter()
            .flat_map(|&i| self.claims[i].pods.iter().copied())
            .filter(|&m| !batch.left[m])
            .chain(batch.extra.iter().copied())
            .collect();
        // The capped groups some pod here takes a place of: one more resource each, after
        // the seed slot, with the group's cap as every node's room.
        let mut capped: Vec<(usize, i64)> = pods
            .iter()
            .flat_map(|&m| slots[class_of[m]].iter().copied())
            .collect();
        capped.sort_unstable();
        capped.dedup();
        let width = d + 1 + capped.len();
        let take_slots = |req: &mut [i64], c: usize| {
            for slot in &slots[c] {
                if let Ok(k) = capped.binary_search(slot) {
                    req[d + 1 + k] += 1;
                }
            }
        };
        let admitted = self.admitted(p, id)?;
        // The types each class may use here: its own mask within the set's.
        let mut allowed: BTreeMap<usize, Vec<bool>> = BTreeMap::new();
        for &m in &pods {
            let c = class_of[m];
            if let std::collections::btree_map::Entry::Vacant(e) = allowed.entry(c) {
                let reqs_id = self.classes[c].alternatives[0].reqs_id;
                let mask = self.mask(p, c, 0, reqs_id)?;
                e.insert(
                    mask.ok
                        .iter()
                        .zip(&admitted.ok)
                        .map(|(&a, &b)| a && b)
                        .collect(),
                );
            }
        }
        // Units to place: a movable pod, or a claim's seed. Units of equal requests and types
        // are interchangeable, so they make one shape however many classes they come from.
        // Type sets are interned by the classes they come from (most seeds repeat a few
        // combinations), and units keyed by the set's index, so a unit costs one lookup.
        let pool = &self.pools[p];
        let mut sets: Vec<Vec<usize>> = Vec::new();
        let mut set_of: FastMap<Vec<usize>, usize> = FastMap::default();
        let mut type_set = |classes: &[usize]| -> usize {
            if let Some(&k) = set_of.get(classes) {
                return k;
            }
            let mut ok = vec![true; pool.types.len()];
            for c in classes {
                for (o, a) in ok.iter_mut().zip(&allowed[c]) {
                    *o &= *a;
                }
            }
            let set: Vec<usize> = (0..ok.len()).filter(|&j| ok[j]).collect();
            // Classes of equal masks give equal sets: one index for both keeps shapes merged.
            let k = sets.iter().position(|s| *s == set).unwrap_or_else(|| {
                sets.push(set);
                sets.len() - 1
            });
            set_of.insert(classes.to_vec(), k);
            k
        };
        // A shape's key: its requests and the index of its type set.
        type ShapeKey = (Vec<i64>, usize);
        let mut units: FastMap<ShapeKey, Vec<Unit>> = FastMap::default();
        // Movable pods by class first: a shape key is worked out once per class.
        let mut lone: BTreeMap<usize, Vec<Unit>> = BTreeMap::new();
        let mut seed_classes: Vec<usize> = Vec::new();
        for &i in chosen {
            let mut seed_req = vec![0i64; width];
            seed_classes.clear();
            for &m in self.claims[i].pods.iter().filter(|&&m| !batch.left[m]) {
                let c = class_of[m];
                if movable[c] {
                    lone.entry(c).or_default().push(Unit::Pod(m));
                } else {
                    add_scaled(&mut seed_req[..d], &self.classes[c].req, 1);
                    take_slots(&mut seed_req, c);
                    seed_classes.push(c);
                }
            }
            if !seed_classes.is_empty() {
                seed_req[d] = 1;
                seed_classes.sort_unstable();
                seed_classes.dedup();
                let types = type_set(&seed_classes);
                units
                    .entry((seed_req, types))
                    .or_default()
                    .push(Unit::Seed(i));
            }
        }
        for &m in batch.extra {
            lone.entry(class_of[m]).or_default().push(Unit::Pod(m));
        }
        for (c, pods) in lone {
            let mut req = self.classes[c].req.clone();
            req.resize(width, 0);
            take_slots(&mut req, c);
            let types = type_set(&[c]);
            units.entry((req, types)).or_default().extend(pods);
        }
        if units.len() > most_shapes.min(bound::PACKING_SHAPES) {
            return None;
        }
        // Shapes in the order of their requests, then of their type lists: the same on every
        // run, whatever order the pods came in.
        let mut units: Vec<(ShapeKey, Vec<Unit>)> = units.into_iter().collect();
        units.sort_unstable_by(|((qa, ka), _), ((qb, kb), _)| {
            qa.cmp(qb).then_with(|| sets[*ka].cmp(&sets[*kb]))
        });
        // One more resource, the seed slot: every node has one and every seed takes it.
        let mut types: BTreeMap<usize, bound::BoundType> = BTreeMap::new();
        for j in 0..pool.types.len() {
            if !admitted.ok[j] {
                continue;
            }
            let Some(price) = self
                .launch(pool.types[j], id, &self.reserved)
                .map(|o| o.price)
            else {
                continue;
            };
            let alloc = &self.types[pool.types[j]].alloc;
            let mut room: Vec<i64> = (0..d).map(|k| alloc[k] - pool.overhead[j][k]).collect();
            room.push(1);
            room.extend(capped.iter().map(|&(_, cap)| cap));
            types.insert(j, bound::BoundType { room, price });
        }
        let shapes: Vec<bound::Shape> = units
            .iter()
            .map(|((req, k), list)| bound::Shape {
                req: req.clone(),
                count: list.len(),
                types: sets[*k]
                    .iter()
                    .copied()
                    .filter(|j| types.contains_key(j))
                    .collect(),
            })
            .collect();
        let lists: Vec<Vec<Unit>> = units.into_iter().map(|(_, list)| list).collect();
        Some(Repack {
            pool: p,
            reqs_id: id,
            shapes,
            types,
            lists,
        })
    }

    /// The claims of a packing [`bound::pattern_packing`] found for `repack`; `None` when
    /// some node's pods fit no type the pool can launch.
    fn repacked_claims(
        &mut self,
        repack: &Repack,
        nodes: Vec<bound::PatternNode>,
        class_of: &[usize],
        movable: &[bool],
    ) -> Option<Vec<Claim>> {
        let d = self.dims.len();
        let (p, id, shapes, lists) = (repack.pool, repack.reqs_id, &repack.shapes, &repack.lists);
        let mut next: Vec<usize> = vec![0; shapes.len()];
        let mut claims = Vec::with_capacity(nodes.len());
        let reqs = self.reqs.shared(id);
        let mut launches: FastMap<(Vec<i64>, Vec<usize>), SteadyLaunch> = FastMap::default();
        for (_, on) in nodes {
            let mut used = vec![0i64; d];
            let mut members = Vec::new();
            let mut on_shapes: Vec<usize> = Vec::with_capacity(on.len());
            for &(s, k) in &on {
                add_scaled(&mut used, &shapes[s].req[..d], k as i64);
                on_shapes.push(s);
                for unit in lists[s].get(next[s]..next[s] + k)? {
                    match *unit {
                        Unit::Pod(m) => members.push(m),
                        Unit::Seed(i) => {
                            let held = &self.claims[i];
                            members.extend(
                                held.pods.iter().copied().filter(|&m| !movable[class_of[m]]),
                            );
                        }
                    }
                }
                next[s] += k;
            }
            on_shapes.sort_unstable();
            let topo = self.node_topology(&members, class_of);
            // Most nodes repeat a packing: its types are listed once.
            let key = (used.clone(), on_shapes);
            let (fitting, prices, headroom) = match launches.get(&key) {
                Some(launch) => launch.clone(),
                None => {
                    let pool = &self.pools[p];
                    let fitting: Vec<usize> = (0..pool.types.len())
                        .filter(|&j| {
                            key.1.iter().all(|&s| shapes[s].types.contains(&j))
                                && pool.fits_at(j, &used)
                        })
                        .collect();
                    if fitting.is_empty() || self.min_values_unmet(p, &fitting, id).is_some() {
                        return None;
                    }
                    let (fitting, prices) = self.priced(p, fitting, id);
                    let headroom = self.headroom(p, &fitting, &prices, &used);
                    let launch: SteadyLaunch = (fitting.into(), prices.into(), headroom);
                    launches.insert(key, launch.clone());
                    launch
                }
            };
            let &price = prices.first()?;
            claims.push(Claim {
                pool: p,
                reqs: reqs.clone(),
                reqs_id: id,
                headroom,
                types: fitting,
                prices,
                price,
                used,
                ports: Vec::new(),
                pods: members,
                topo,
            });
        }
        // Every unit must be on exactly one new claim.
        if next.iter().zip(shapes).any(|(&n, s)| n != s.count) {
            return None;
        }
        Some(claims)
    }

    /// The group counts and hostname repulsions of a new node holding pods `members`. Every
    /// member counts in each group it belongs to, whatever the group's node filter (where
    /// [`Solve::record`] skips places the filter excludes): an overcount at worst, so any
    /// later check against it stays on the safe side. Nothing places pods after the repack
    /// today; the counts are kept true to the claim's pods rather than a seed's.
    fn node_topology(&self, members: &[usize], class_of: &[usize]) -> NodeTopology {
        let mut topo = NodeTopology::new(self.topo.groups.len());
        for &m in members {
            let c = class_of[m];
            for (g, &member) in self.member[c].iter().enumerate() {
                if member {
                    topo.groups[g] += 1;
                }
            }
            for k in &self.classes[c].constraints {
                if k.kind == Kind::AntiAffinity
                    && k.softness == Softness::Required
                    && k.is_hostname()
                {
                    topo.repels.insert(k.group);
                }
            }
        }
        topo
    }

    /// How full claim `i`'s cheapest type is: its largest used share of any resource.
    fn fill(&self, i: usize) -> f64 {
        let claim = &self.claims[i];
        let pool = &self.pools[claim.pool];
        let Some(&j) = claim.types.first() else {
            return 0.0;
        };
        let alloc = &self.types[pool.types[j]].alloc;
        claim
            .used
            .iter()
            .zip(alloc)
            .zip(&pool.overhead[j])
            .filter(|((_, &a), &o)| a - o > 0)
            .map(|((&u, &a), &o)| u as f64 / (a - o) as f64)
            .fold(0.0, f64::max)
    }

    /// The price a launch of claim `i` pays.
    fn claim_price(&self, i: usize) -> f64 {
        self.price_of(&self.claims[i])
    }

    /// What `claim` launches at: its first (cheapest-ranked) type's offering.
    fn price_of(&self, claim: &Claim) -> f64 {
        let pool = &self.pools[claim.pool];
        claim
            .types
            .first()
            .and_then(|&j| self.launch(pool.types[j], claim.reqs_id, &self.reserved))
            .map_or(f64::INFINITY, |o| o.price)
    }

    /// The cheapest price of a pool type that holds `used` under requirement set `merged` and
    /// suits every class on claims `i` and `j`.
    fn cheapest_fit(
        &mut self,
        p: usize,
        merged: u32,
        used: &[i64],
        i: usize,
        j: usize,
        class_of: &[usize],
    ) -> Option<f64> {
        let admitted = self.admitted(p, merged)?;
        let classes: BTreeSet<usize> = self.claims[i]
            .pods
            .iter()
            .chain(&self.claims[j].pods)
            .map(|&m| class_of[m])
            .collect();
        let mut masks = Vec::with_capacity(classes.len());
        for c in classes {
            let id = self.classes[c].alternatives[0].reqs_id;
            masks.push(self.mask(p, c, 0, id)?);
        }
        let pool = &self.pools[p];
        // The frontier is sorted by price and every fitting type is matched by a frontier
        // type at least as roomy and as cheap, so the first frontier type that fits is the
        // cheapest that fits.
        let j = admitted
            .frontier
            .iter()
            .copied()
            .find(|&t| masks.iter().all(|m| m.ok[t]) && pool.fits_at(t, used))?;
        if self.min_values_unmet(p, &[j], merged).is_some() {
            return None;
        }
        self.launch(pool.types[j], merged, &self.reserved)
            .map(|o| o.price)
    }

    /// Places what it can of class `c` under alternative `a`.
    fn place_alternative(&mut self, c: usize, a: usize) {
        let n = self.remaining(c);
        let alt = &self.classes[c].alternatives[a];
        let (base, base_id) = (alt.reqs.clone(), alt.reqs_id);
        if !self.has_zonal(c, a) {
            self.topology_reason[c] = None;
            self.place_batch(c, a, &base, base_id, n);
            return;
        }
        let (batches, reason) = self.assign_domains(c, a, n);
        self.topology_reason[c] = reason;
        for (pins, count) in batches {
            let mut reqs = base.clone();
            for (k, v) in &pins {
                reqs.add(Requirement::single(k.clone(), v.clone()));
            }
            if reqs.iter().any(|r| r.is_empty()) {
                continue;
            }
            let id = self.reqs.intern(reqs.clone());
            self.place_batch(c, a, &reqs, id, count);
        }
    }

    fn place_batch(&mut self, c: usize, a: usize, reqs: &Requirements, id: u32, n: usize) {
        let mut left = n;
        left -= self.place_on_targets(c, a, reqs, left);
        left -= self.place_on_claims(c, a, id, left);
        self.place_on_new_claims(c, a, id, left);
    }

    /// Chooses a domain for each pod of class `c` on every non-hostname key its active
    /// constraints name, pod by pod as the scheduler would, and returns the pods per choice.
    fn assign_domains(
        &mut self,
        c: usize,
        a: usize,
        n: usize,
    ) -> (Vec<DomainBatch>, Option<String>) {
        let class = &self.classes[c];
        let active: Vec<Constraint> = class
            .constraints
            .iter()
            .enumerate()
            .filter(|(i, k)| class.alternatives[a].active[*i] && !k.is_hostname())
            .map(|(_, k)| k.clone())
            .collect();
        let mut keys: Vec<String> = active.iter().map(|k| k.key.clone()).collect();
        keys.extend(self.repelling_keys(c));
        keys.sort();
        keys.dedup();
        let mut universe: HashMap<String, Vec<String>> = HashMap::new();
        for key in &keys {
            universe.insert(key.clone(), self.placeable_domains(c, a, key));
        }
        // Per active constraint, the domains a spread's minimum is taken over; a domain the
        // class can be placed in always counts.
        let counted: Vec<Vec<String>> = active
            .iter()
            .map(|k| match k.kind {
                Kind::Spread { .. } => {
                    let mut d = (*self.counted_domains(k.group, &k.key)).clone();
                    d.extend(universe[&k.key].iter().cloned());
                    d.into_iter().collect()
                }
                _ => Vec::new(),
            })
            .collect();
        let member = self.member[c].clone();
        // Tentative counts for this class's choices, on top of what is placed.
        let mut local: HashMap<(usize, String), BTreeMap<String, i64>> = HashMap::new();
        let mut local_total: HashMap<usize, i64> = HashMap::new();
        let mut out: BTreeMap<Vec<(String, String)>, usize> = BTreeMap::new();
        let mut reason = None;
        'pods: for _ in 0..n {
            let mut pins = Vec::new();
            for key in &keys {
                let placeable = &universe[key];
                let mut cand: Vec<String> = placeable
                    .iter()
                    .filter(|v| {
                        !member.iter().enumerate().any(|(g, &m)| {
                            m && self
                                .topo
                                .repelled
                                .get(&(g, key.clone()))
                                .is_some_and(|r| r.contains(*v))
                        })
                    })
                    .cloned()
                    .collect();
                let count =
                    |g: usize, v: &str, local: &HashMap<(usize, String), BTreeMap<String, i64>>| {
                        self.topo.count(g, key, v)
                            + local
                                .get(&(g, key.clone()))
                                .and_then(|m| m.get(v))
                                .copied()
                                .unwrap_or(0)
                    };
                for (ki, k) in active.iter().enumerate().filter(|(_, k)| &k.key == key) {
                    let g = k.group;
                    match k.kind {
                        Kind::Spread {
                            max_skew,
                            min_domains,
                        } => {
                            let counted = &counted[ki];
                            let min = if (counted.len() as i64) < min_domains {
                                0
                            } else {
                                counted
                                    .iter()
                                    .map(|v| count(g, v, &local))
                                    .min()
                                    .unwrap_or(0)
                            };
                            let own = i64::from(member[g]);
                            cand.retain(|v| count(g, v, &local) + own - min <= max_skew);
                            // The least-loaded valid domain; ties go to the first by name.
                            if let Some(best) = cand
                                .iter()
                                .min_by_key(|v| (count(g, v, &local), (*v).clone()))
                                .cloned()
                            {
                                cand = vec![best];
                            }
                        }
                        Kind::Affinity => {
                            let with: Vec<String> = cand
                                .iter()
                                .filter(|v| count(g, v, &local) > 0)
                                .cloned()
                                .collect();
                            let anywhere =
                                self.topo.total[g] + local_total.get(&g).copied().unwrap_or(0);
                            if !with.is_empty() {
                                cand = with;
                            } else if !(anywhere == 0 && member[g]) {
                                cand.clear();
                            }
                        }
                        Kind::AntiAffinity => {
                            let spread_out = self
                                .topo
                                .anywhere
                                .get(&(g, key.clone()))
                                .copied()
                                .unwrap_or(0);
                            if spread_out > 0 {
                                cand.clear();
                            }
                            cand.retain(|v| count(g, v, &local) == 0);
                        }
                    }
                    if cand.is_empty() {
                        reason = Some(format!("{} cannot be met", k.description));
                        break 'pods;
                    }
                }
                let Some(v) = cand.into_iter().next() else {
                    reason = Some(format!("no node or pool offers label {key}"));
                    break 'pods;
                };
                pins.push((key.clone(), v));
            }
            for (g, &m) in member.iter().enumerate() {
                if !m {
                    continue;
                }
                *local_total.entry(g).or_default() += 1;
                for (key, v) in &pins {
                    if self.topo.counts.contains_key(&(g, key.clone())) {
                        *local
                            .entry((g, key.clone()))
                            .or_default()
                            .entry(v.clone())
                            .or_default() += 1;
                    }
                }
            }
            *out.entry(pins).or_default() += 1;
        }
        (out.into_iter().collect(), reason)
    }

    /// The domains of `key` class `c` could be placed in under alternative `a`, sorted: those
    /// of existing nodes with room for one of its pods, and what the pools' types can launch
    /// for it.
    fn placeable_domains(&mut self, c: usize, a: usize, key: &str) -> Vec<String> {
        let class = &self.classes[c];
        let reqs = &class.alternatives[a].reqs;
        let mut placeable = BTreeSet::new();
        // An existing node's domain can take the class only if the node has room for a pod.
        for t in &self.targets {
            if let Some(v) = t.labels.get(key) {
                if reqs.matches_labels(&t.labels)
                    && untolerated(&t.taints, class.tolerations).is_none()
                    && copies(&class.req, &t.free) > 0
                {
                    placeable.insert(v.clone());
                }
            }
        }
        let id = class.alternatives[a].reqs_id;
        for p in 0..self.pools.len() {
            let Some(mask) = self.mask(p, c, a, id) else {
                continue;
            };
            placeable.extend(self.pool_domains(p, c, &mask, key).iter().cloned());
        }
        placeable.into_iter().collect()
    }

    /// The domains of `key` a spread over group `g` takes its minimum over: those of existing
    /// nodes and of every node a pool could launch, wherever the group's node filter admits
    /// them. Under `nodeAffinityPolicy: Ignore` that includes domains the pod itself cannot
    /// use, as kube-scheduler counts them; under `nodeTaintsPolicy: Ignore` (the default),
    /// domains of pools whose taints it does not tolerate. Whether a pod fits there does not
    /// matter: the domain exists either way. Cached per group and key.
    fn counted_domains(&mut self, g: usize, key: &str) -> Rc<BTreeSet<String>> {
        let cache_key = (g, key.to_owned());
        if let Some(d) = self.counted_cache.get(&cache_key) {
            return d.clone();
        }
        let filter = self.topo.groups[g].filter.clone();
        let mut counted = BTreeSet::new();
        for n in &self.snapshot.nodes {
            let Some(v) = n.labels.get(key) else { continue };
            if filter.passes_node(&node_labels(&n.name, &n.labels), &n.taints) {
                counted.insert(v.clone());
            }
        }
        let terms = filter
            .affinity
            .clone()
            .unwrap_or_else(|| vec![Requirements::new()]);
        let term_ids: Vec<u32> = terms.into_iter().map(|t| self.reqs.intern(t)).collect();
        for p in 0..self.pools.len() {
            if !filter.tolerates(&self.pools[p].pool.taints) {
                continue;
            }
            for &id in &term_ids {
                let Some(adm) = self.admitted(p, id) else {
                    continue;
                };
                counted.extend(self.type_domains(p, &adm.ok, adm.merged_id, &adm.merged, key));
            }
        }
        let d = Rc::new(counted);
        self.counted_cache.insert(cache_key, d.clone());
        d
    }

    /// The pool types that hold a whole packing, with what it uses; `None` when there are
    /// none or they break a requirement's minValues.
    fn packing_types(
        &mut self,
        p: usize,
        mask: &Mask,
        pattern: Vec<(usize, usize)>,
        merged: u32,
    ) -> Option<PackingTypes> {
        let mut used = vec![0; self.dims.len()];
        for &(cl, k) in &pattern {
            add_scaled(&mut used, &self.classes[cl].req, k as i64);
        }
        let mut pattern_masks: Vec<Rc<Mask>> = Vec::with_capacity(pattern.len());
        for &(cl, _) in &pattern[1..] {
            let id = self.classes[cl].alternatives[0].reqs_id;
            pattern_masks.push(self.mask(p, cl, 0, id)?);
        }
        let admitted = self.admitted(p, merged)?;
        let pool = &self.pools[p];
        let types: Vec<usize> = (0..pool.types.len())
            .filter(|&j| {
                mask.ok[j]
                    && admitted.ok[j]
                    && pattern_masks.iter().all(|m| m.ok[j])
                    && pool.fits_at(j, &used)
            })
            .collect();
        if types.is_empty() || self.min_values_unmet(p, &types, merged).is_some() {
            return None;
        }
        Some((pattern, merged, used, types))
    }

    /// The first requirement of set `id` whose `minValues` the pool types `types` cannot
    /// supply, in words.
    fn min_values_unmet(&self, p: usize, types: &[usize], id: u32) -> Option<String> {
        let reqs = self.reqs.get(id);
        let pool = &self.pools[p];
        for r in reqs.iter() {
            let Some(min) = r.min_values else { continue };
            let mut values: HashSet<&str> = HashSet::new();
            for &j in types {
                let t = pool.types[j];
                let ti = &self.types[t];
                if r.key == LABEL_ZONE || r.key == LABEL_CAPACITY_TYPE {
                    for &i in self.offers(t, id).iter() {
                        let o = &ti.it.offerings[usize::from(i)];
                        values.insert(if r.key == LABEL_ZONE {
                            o.zone.as_str()
                        } else {
                            o.capacity_type.as_str()
                        });
                    }
                } else if let Some(v) = ti.label(&r.key) {
                    values.insert(v);
                }
            }
            if values.len() < min as usize {
                return Some(format!(
                    "requirement {} needs at least {min} values (minValues) but only {} remain",
                    r.key,
                    values.len()
                ));
            }
        }
        None
    }

    /// The values of `key` pool `p` can launch for pods of class `c` under `mask`: offering
    /// zones or capacity types, type labels, or the pool's own values. Cached per pool,
    /// requirement set and class size.
    fn pool_domains(&mut self, p: usize, c: usize, mask: &Mask, key: &str) -> Rc<BTreeSet<String>> {
        let cache_key = (
            p,
            mask.merged_id,
            self.classes[c].req.clone(),
            key.to_owned(),
        );
        if let Some(d) = self.domain_cache.get(&cache_key) {
            return d.clone();
        }
        let d = Rc::new(self.type_domains(p, &mask.ok, mask.merged_id, &mask.merged, key));
        self.domain_cache.insert(cache_key, d.clone());
        d
    }

    /// The values of `key` the types of pool `p` marked in `ok` launch with under requirement
    /// set `merged` (interned as `merged_id`): offering zones or capacity types, type labels,
    /// or the values the requirements name.
    fn type_domains(
        &self,
        p: usize,
        ok: &[bool],
        merged_id: u32,
        merged: &Requirements,
        key: &str,
    ) -> BTreeSet<String> {
        let pool = &self.pools[p];
        if key == LABEL_ZONE {
            let mut seen = vec![false; self.zone_names.len()];
            for (j, &t) in pool.types.iter().enumerate() {
                if !ok[j] {
                    continue;
                }
                for &i in self.offers(t, merged_id).iter() {
                    seen[self.zone_of[t][usize::from(i)]] = true;
                }
            }
            return self.zones_flagged(&seen).map(str::to_owned).collect();
        }
        // Domains are few (zones, capacity types, a handful of label values) and seen
        // thousands of times over: a short list beats hashing each sighting.
        let mut seen: Vec<&str> = Vec::new();
        fn see<'s>(seen: &mut Vec<&'s str>, v: &'s str) {
            if !seen.contains(&v) {
                seen.push(v);
            }
        }
        for (j, &t) in pool.types.iter().enumerate() {
            if !ok[j] {
                continue;
            }
            let ti = &self.types[t];
            let offerings = &ti.it.offerings;
            if key == LABEL_ZONE || key == LABEL_CAPACITY_TYPE {
                for &i in self.offers(t, merged_id).iter() {
                    let o = &offerings[usize::from(i)];
                    see(
                        &mut seen,
                        if key == LABEL_ZONE {
                            o.zone.as_str()
                        } else {
                            o.capacity_type.as_str()
                        },
                    );
                }
            } else if let Some(v) = ti.label(key) {
                see(&mut seen, v);
            } else if let Some(r) = merged.get(key) {
                if !r.is_complement() {
                    for v in r.values() {
                        see(&mut seen, v.as_str());
                    }
                }
            }
        }
        seen.into_iter().map(str::to_owned).collect()
    }

    /// How many more pods of class `c` (alternative `a`) a node with `topo` may take, as its
    /// hostname-keyed constraints allow; `None` when none.
    fn host_cap(&self, topo: &NodeTopology, c: usize, a: usize, fresh: bool) -> Option<usize> {
        let class = &self.classes[c];
        let member = &self.member[c];
        if topo.repels.iter().any(|&g| member[g]) {
            return None;
        }
        let mut cap = usize::MAX;
        for (i, k) in class.constraints.iter().enumerate() {
            if !class.alternatives[a].active[i] || !k.is_hostname() {
                continue;
            }
            let g = k.group;
            let here = topo.groups[g];
            match k.kind {
                Kind::AntiAffinity => {
                    if here > 0 {
                        return None;
                    }
                    if member[g] {
                        cap = cap.min(1);
                    }
                }
                Kind::Spread { max_skew, .. } => {
                    // A new node can always be added, so the least-loaded hostname has none.
                    let room = max_skew - here;
                    if member[g] {
                        if room <= 0 {
                            return None;
                        }
                        cap = cap.min(room as usize);
                    } else if room < 0 {
                        return None;
                    }
                }
                Kind::Affinity => {
                    if here == 0 {
                        // The first pod of a self-selecting group may start anywhere new.
                        if !(fresh && self.topo.total[g] == 0 && member[g]) {
                            return None;
                        }
                    }
                }
            }
        }
        Some(cap)
    }

    /// Records `k` pods of class `c`, placed under its alternative `a`, at `place`: group
    /// counts per node and per domain, and what the class's required anti-affinity now repels.
    fn record(&mut self, c: usize, a: usize, k: usize, place: Place) {
        let range = self.taken[c]..self.taken[c] + k;
        self.taken[c] += k;
        let members: Vec<usize> = self.classes[c].members[range].to_vec();
        for &m in &members {
            self.alternative_of[m] = a;
        }
        let k = k as i64;
        let (labels, reqs): (Option<&crate::labels::Labels>, Option<&Requirements>) = match place {
            Place::Target(t) => (Some(&self.targets[t].labels), None),
            Place::Claim(i) => (None, Some(&*self.claims[i].reqs)),
        };
        // The groups these pods count in: those that select them, where the group's node
        // filter admits the place (a spread honouring node affinity does not count pods on
        // nodes its own pods could not use).
        let member: Vec<bool> = self.member[c]
            .iter()
            .zip(&self.topo.groups)
            .map(|(&m, group)| {
                m && (group.filter.is_open()
                    || match place {
                        Place::Target(t) => group
                            .filter
                            .passes_node(&self.targets[t].labels, &self.targets[t].taints),
                        Place::Claim(i) => group.filter.passes_claim(
                            &self.claims[i].reqs,
                            &self.pools[self.claims[i].pool].pool.taints,
                            allow_undefined(&self.keys),
                        ),
                    })
            })
            .collect();
        let domain = |key: &str| -> Option<String> {
            match (labels, reqs) {
                (Some(l), _) => l.get(key).cloned(),
                (_, Some(r)) => r
                    .get(key)
                    .filter(|x| !x.is_complement() && x.values().len() == 1)
                    .and_then(|x| x.values().iter().next().cloned()),
                _ => None,
            }
        };
        let mut zonal_updates = Vec::new();
        let mut anywhere_updates = Vec::new();
        for (g, key) in self.topo.counts.keys() {
            if member[*g] {
                match domain(key) {
                    Some(v) => zonal_updates.push(((*g, key.clone()), v)),
                    None => anywhere_updates.push((*g, key.clone())),
                }
            }
        }
        let mut repel_updates = Vec::new();
        let mut host_repels = Vec::new();
        for k in &self.classes[c].constraints {
            if k.kind == Kind::AntiAffinity && k.softness == Softness::Required {
                if k.is_hostname() {
                    host_repels.push(k.group);
                } else if let Some(v) = domain(&k.key) {
                    repel_updates.push(((k.group, k.key.clone()), v));
                }
            }
        }
        for (key, v) in zonal_updates {
            *self
                .topo
                .counts
                .entry(key)
                .or_default()
                .entry(v)
                .or_default() += k;
        }
        for key in anywhere_updates {
            *self.topo.anywhere.entry(key).or_default() += k;
        }
        for (key, v) in repel_updates {
            self.topo.repelled.entry(key).or_default().insert(v);
        }
        for (g, &m) in member.iter().enumerate() {
            if m {
                self.topo.total[g] += k;
            }
        }
        let node = match place {
            Place::Target(t) => {
                self.targets[t].pods.extend(members);
                &mut self.targets[t].topo
            }
            Place::Claim(i) => {
                self.claims[i].pods.extend(members);
                &mut self.claims[i].topo
            }
        };
        for (g, &m) in member.iter().enumerate() {
            if m {
                node.groups[g] += k;
            }
        }
        node.repels.extend(host_repels);
    }

    fn place_on_targets(&mut self, c: usize, a: usize, reqs: &Requirements, n: usize) -> usize {
        let mut left = n;
        let mut from = 0;
        while left > 0 {
            let Some(ti) = self.target_room.next_fit(from, &self.classes[c].req) else {
                break;
            };
            from = ti + 1;
            let class = &self.classes[c];
            let t = &self.targets[ti];
            if untolerated(&t.taints, class.tolerations).is_some()
                || !reqs.matches_labels(&t.labels)
            {
                continue;
            }
            let Some(cap) = self.host_cap(&t.topo, c, a, false) else {
                continue;
            };
            let mut k = (copies(&class.req, &t.free).max(0) as usize)
                .min(cap)
                .min(left);
            if !class.host_ports.is_empty() {
                if ports_clash(class.host_ports, &t.ports) {
                    continue;
                }
                k = k.min(1);
            }
            if k == 0 {
                continue;
            }
            let req = class.req.clone();
            let ports = class.host_ports.to_vec();
            let t = &mut self.targets[ti];
            add_scaled(&mut t.free, &req, -(k as i64));
            t.ports.extend(ports);
            self.target_room.set(ti, &self.targets[ti].free);
            self.record(c, a, k, Place::Target(ti));
            left -= k;
        }
        n - left
    }

    /// Which pool types admit requirement set `id` (template included), cached per pool.
    fn admitted(&mut self, p: usize, id: u32) -> Option<Rc<Admitted>> {
        if let Some(a) = self.admitted.get(&(p, id)) {
            return a.clone();
        }
        let pool = &self.pools[p];
        let reqs = self.reqs.get(id);
        let result = if pool
            .template
            .compatible(reqs, allow_undefined(&self.keys))
            .is_err()
        {
            None
        } else {
            let mut merged = pool.template.clone();
            merged.add_all(reqs);
            if merged.iter().any(|r| r.is_empty() && !r.allows_absent()) {
                None
            } else {
                let ok: Vec<bool> = pool
                    .types
                    .iter()
                    .map(|&t| self.types[t].admits(&merged, &self.keys))
                    .collect();
                // The cost frontier: a type is dropped when a type no dearer has at least its
                // room in every resource. Packings are only tried on frontier types.
                let mut priced: Vec<(f64, usize)> = (0..pool.types.len())
                    .filter(|&j| ok[j])
                    .filter_map(|j| {
                        self.types[pool.types[j]]
                            .launch_offering(&merged, &self.reserved)
                            .map(|o| (launch_rank(o), j))
                    })
                    .collect();
                priced.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let mut frontier: Vec<usize> = Vec::new();
                for &(_, j) in &priced {
                    let room_j =
                        |d: usize| self.types[pool.types[j]].alloc[d] - pool.overhead[j][d];
                    let dominated = frontier.iter().any(|&f| {
                        (0..self.dims.len()).all(|d| {
                            self.types[pool.types[f]].alloc[d] - pool.overhead[f][d] >= room_j(d)
                        })
                    });
                    if !dominated {
                        frontier.push(j);
                    }
                }
                let merged_id = self.reqs.intern(merged.clone());
                Some(Rc::new(Admitted {
                    merged,
                    merged_id,
                    ok,
                    frontier,
                }))
            }
        };
        self.admitted.insert((p, id), result.clone());
        result
    }

    /// Which types of pool `p` can hold one pod of class `c` under requirement set `id`.
    fn mask(&mut self, p: usize, c: usize, a: usize, id: u32) -> Option<Rc<Mask>> {
        let strict = self.classes[c].alternatives[a].strict_taints;
        if let Some(m) = self.masks.get(&(p, c, id, strict)) {
            return m.clone();
        }
        // A pod whose host port a daemonset of the pool already binds cannot use its nodes.
        let m = if blocking(
            &self.pools[p].pool.taints,
            self.classes[c].tolerations,
            strict,
        )
        .is_some()
            || ports_clash(self.classes[c].host_ports, &self.pools[p].daemon_ports)
        {
            None
        } else {
            self.admitted(p, id).map(|adm| {
                let pool = &self.pools[p];
                let req = &self.classes[c].req;
                let ok: Vec<bool> = (0..pool.types.len())
                    .map(|j| adm.ok[j] && pool.fits_at(j, req))
                    .collect();
                let frontier = adm.frontier.iter().copied().filter(|&j| ok[j]).collect();
                Rc::new(Mask {
                    merged: adm.merged.clone(),
                    merged_id: adm.merged_id,
                    ok,
                    frontier,
                })
            })
        };
        self.masks.insert((p, c, id, strict), m.clone());
        m
    }

    fn place_on_claims(&mut self, c: usize, a: usize, id: u32, n: usize) -> usize {
        let mut left = n;
        let mut pool_masks: Vec<Option<Option<Rc<Mask>>>> = vec![None; self.pools.len()];
        let mut from = 0;
        while left > 0 {
            let Some(ci) = self.claim_room.next_fit(from, &self.classes[c].req) else {
                break;
            };
            from = ci + 1;
            let p = self.claims[ci].pool;
            let mask = match &pool_masks[p] {
                Some(m) => m.clone(),
                None => {
                    let m = self.mask(p, c, a, id);
                    pool_masks[p] = Some(m.clone());
                    m
                }
            };
            let Some(mask) = mask else { continue };
            let class = &self.classes[c];
            let claim = &self.claims[ci];
            if !class.host_ports.is_empty() && ports_clash(class.host_ports, &claim.ports) {
                continue;
            }
            let Some(cap) = self.host_cap(&claim.topo, c, a, false) else {
                continue;
            };
            let claim_reqs = claim.reqs_id;
            let Some(merged) = self.reqs.merge(claim_reqs, mask.merged_id) else {
                continue;
            };
            let narrowed = merged != claim_reqs;
            let admitted = if narrowed {
                match self.admitted(p, merged) {
                    Some(adm) => Some(adm),
                    None => continue,
                }
            } else {
                None
            };
            let admits = |j: usize| admitted.as_ref().is_none_or(|adm| adm.ok[j]);
            let class = &self.classes[c];
            let claim = &self.claims[ci];
            let pool = &self.pools[p];
            // Filling a claim never raises its price: only its cheapest types decide how many
            // pods it can still take. Growing a claim into a dearer type is a new claim's job,
            // where the packing is chosen by cost.
            let mut best = 0i64;
            for (&j, &price) in claim.types.iter().zip(claim.prices.iter()) {
                if price > claim.price * (1.0 + 1e-9) {
                    break;
                }
                if mask.ok[j] && admits(j) {
                    let alloc = &self.types[pool.types[j]].alloc;
                    best = best.max(copies_left(
                        &class.req,
                        alloc,
                        &pool.overhead[j],
                        &claim.used,
                    ));
                }
            }
            let mut k = (best.max(0) as usize).min(left).min(cap);
            if !class.host_ports.is_empty() {
                k = k.min(1);
            }
            if k == 0 {
                continue;
            }
            let mut used = claim.used.clone();
            add_scaled(&mut used, &class.req, k as i64);
            let keep = |j: usize| mask.ok[j] && admits(j) && pool.fits_at(j, &used);
            // Unless the requirements narrowed or a reservation is in play, the kept types
            // launch as before: their order and prices carry over.
            let (types, prices): (Rc<[usize]>, Rc<[f64]>) = if narrowed
                || claim
                    .types
                    .iter()
                    .any(|&j| self.has_reserved[pool.types[j]])
            {
                let kept: Vec<usize> = claim.types.iter().copied().filter(|&j| keep(j)).collect();
                let (types, prices) = self.priced(p, kept, merged);
                (types.into(), prices.into())
            } else {
                // Most fills keep every type, or drop only some: the lists are shared when
                // nothing is dropped and copied from the first dropped type on otherwise.
                let n = claim.types.len().min(claim.prices.len());
                let first = claim.types[..n].iter().position(|&j| !keep(j)).unwrap_or(n);
                if first == claim.types.len() && first == claim.prices.len() {
                    (claim.types.clone(), claim.prices.clone())
                } else {
                    let mut types = Vec::with_capacity(n);
                    let mut prices = Vec::with_capacity(n);
                    types.extend_from_slice(&claim.types[..first]);
                    prices.extend_from_slice(&claim.prices[..first]);
                    for k in first + 1..n {
                        if keep(claim.types[k]) {
                            types.push(claim.types[k]);
                            prices.push(claim.prices[k]);
                        }
                    }
                    (types.into(), prices.into())
                }
            };
            let ports = class.host_ports.to_vec();
            let reqs = self.reqs.shared(merged);
            let headroom = self.headroom(p, &types, &prices, &used);
            let claim = &mut self.claims[ci];
            claim.types = types;
            claim.prices = prices;
            claim.headroom = headroom;
            claim.used = used;
            claim.reqs = reqs;
            claim.reqs_id = merged;
            claim.ports.extend(ports);
            self.claim_room.set(ci, &self.claims[ci].headroom);
            self.record(c, a, k, Place::Claim(ci));
            left -= k;
        }
        n - left
    }

    /// The most room any of a claim's cheapest types has left, per resource: a pod that does
    /// not fit in it fits none of them.
    fn headroom(&self, p: usize, types: &[usize], prices: &[f64], used: &[i64]) -> Vec<i64> {
        let pool = &self.pools[p];
        let mut h = vec![i64::MIN; used.len()];
        let Some(&cheapest) = prices.first() else {
            return vec![-1; used.len()];
        };
        for (&j, &price) in types.iter().zip(prices) {
            if price > cheapest * (1.0 + 1e-9) {
                break;
            }
            let alloc = &self.types[pool.types[j]].alloc;
            for d in 0..used.len() {
                h[d] = h[d].max(alloc[d] - pool.overhead[j][d] - used[d]);
            }
        }
        h
    }

    fn place_on_new_claims(&mut self, c: usize, a: usize, id: u32, n: usize) {
        let target = self.taken[c] + n;
        while self.taken[c] < target {
            let mut opened = false;
            for p in 0..self.pools.len() {
                let Some(mask) = self.mask(p, c, a, id) else {
                    continue;
                };
                if self.open_claims(p, c, a, &mask, target - self.taken[c]) {
                    opened = true;
                    break;
                }
                // Pools are tried in weight order and the first one that can take the pod
                // but for reservations taken in this solve ends the search (semantics §4).
                if self.reserved_mode == ReservedMode::Strict {
                    if let Some(reason) = self.reservations_taken(p, &mask) {
                        self.reservation_reason[c] = Some(reason);
                        return;
                    }
                }
            }
            if !opened {
                return;
            }
        }
    }

    /// Why pool `p` cannot launch a pod of `mask` only because reservations are held by claims
    /// of this solve: every type that holds the pod within the pool's limits could launch only
    /// into reserved offerings, and some of those reservations had units left when the solve
    /// began. `None` when some type can launch, or nothing reserved was ever open to it.
    fn reservations_taken(&self, p: usize, mask: &Mask) -> Option<String> {
        let pool = &self.pools[p];
        let mut taken: BTreeSet<&str> = BTreeSet::new();
        for (j, &t) in pool.types.iter().enumerate() {
            if !mask.ok[j] || !pool.within_limits(&self.types[t].it.capacity) {
                continue;
            }
            if self.launch(t, mask.merged_id, &self.reserved).is_some() {
                return None;
            }
            for o in self.types[t].offerings(&mask.merged) {
                if o.capacity_type == CapacityType::Reserved
                    && reservation_open(o, &self.reserved_at_start)
                {
                    taken.insert(o.reservation_id.as_deref().unwrap_or("unnamed"));
                }
            }
        }
        if taken.is_empty() {
            return None;
        }
        let ids: Vec<&str> = taken.into_iter().collect();
        let (noun, verb) = if ids.len() == 1 {
            ("reservation", "is")
        } else {
            ("reservations", "are")
        };
        Some(format!(
            "pool {}: {noun} {} {verb} exhausted (taken by claims earlier in this plan) and the \
             pool launches this pod only into reserved capacity; it waits for the next loop \
             rather than fall back to a lower-weight pool",
            pool.pool.name,
            ids.join(", ")
        ))
    }

    /// The launch of a steady packing of pool `p` under requirement set `merged` on pool type
    /// positions `types` using `used`, cached; `types` and `used` are handed back.
    fn steady_launch(
        &mut self,
        p: usize,
        merged: u32,
        types: Vec<usize>,
        used: Vec<i64>,
    ) -> (Vec<usize>, Vec<i64>, SteadyLaunch) {
        let key: SteadyKey = (p, merged, types, used);
        let launch = match self.steady.get(&key) {
            Some(launch) => launch.clone(),
            None => {
                let (fitting, prices) = self.priced(p, key.2.clone(), merged);
                let headroom = self.headroom(p, &fitting, &prices, &key.3);
                let launch: SteadyLaunch = (fitting.into(), prices.into(), headroom);
                self.steady.insert(key.clone(), launch.clone());
                launch
            }
        };
        let (_, _, types, used) = key;
        (types, used, launch)
    }

    /// Chooses the cheapest packing for a new claim of pool `p` seeded with up to `n` pods of
    /// class `c`, opens it, and repeats it while identical pods remain. Returns false when the
    /// pool cannot take any.
    fn open_claims(&mut self, p: usize, c: usize, a: usize, mask: &Mask, n: usize) -> bool {
        let demand = self.remaining_demand(c);
        let fresh = NodeTopology::new(self.topo.groups.len());
        let Some(cap) = self.host_cap(&fresh, c, a, true) else {
            return false;
        };
        // Later classes that could share the node: no topology of their own, no host ports,
        // and the smallest ones first considered last (first-fit-decreasing).
        let later: Vec<usize> = (c + 1..self.classes.len())
            .filter(|&c2| {
                self.remaining(c2) > 0
                    && self.classes[c2].host_ports.is_empty()
                    && self.free_rider[c2]
            })
            .take(MAX_RIDERS)
            .collect();
        let later_masks: Vec<(usize, Rc<Mask>)> = later
            .into_iter()
            .filter_map(|c2| {
                let id = self.classes[c2].alternatives[0].reqs_id;
                self.mask(p, c2, 0, id).map(|m| (c2, m))
            })
            .collect();
        // What the rider loop reads of each, gathered once rather than per frontier type.
        let classes = &self.classes;
        let riders: Vec<Rider<'_>> = later_masks
            .iter()
            .map(|(c2, m2)| Rider {
                class: *c2,
                ok: &m2.ok,
                req: &classes[*c2].req,
                merged_id: m2.merged_id,
                left: self.remaining(*c2),
            })
            .collect();
        let pool = &self.pools[p];
        let dims = self.dims.len();
        let mut best: Option<Packing> = None;
        let mut used = vec![0i64; dims];
        // Reused across frontier types: only the best packing's list is kept.
        let mut pattern: Vec<(usize, usize)> = Vec::with_capacity(riders.len() + 1);
        let table = self.best_offers(mask.merged_id);
        for &j in &mask.frontier {
            let ti = &self.types[pool.types[j]];
            if !pool.within_limits(&ti.it.capacity) {
                continue;
            }
            let Some(price) = self
                .launch_in(&table, pool.types[j], mask.merged_id, &self.reserved)
                .map(|o| o.price)
            else {
                continue;
            };
            let ovh = &pool.overhead[j];
            let class = &self.classes[c];
            used.iter_mut().for_each(|u| *u = 0);
            let mut k0 = (copies_left(&class.req, &ti.alloc, ovh, &used).max(0) as usize)
                .min(n)
                .min(cap);
            if !class.host_ports.is_empty() {
                k0 = k0.min(1);
            }
            if k0 == 0 {
                continue;
            }
            add_scaled(&mut used, &class.req, k0 as i64);
            pattern.clear();
            pattern.push((c, k0));
            let mut merged = mask.merged_id;
            for r in &riders {
                if !r.ok[j] {
                    continue;
                }
                if !fits_one(r.req, &ti.alloc, ovh, &used) {
                    continue;
                }
                let k2 = (copies_left(r.req, &ti.alloc, ovh, &used).max(0) as usize).min(r.left);
                if k2 == 0 {
                    continue;
                }
                if r.merged_id != merged {
                    let Some(m) = self.reqs.merge(merged, r.merged_id) else {
                        continue;
                    };
                    let t = pool.types[j];
                    let row = self
                        .type_admits
                        .entry(m)
                        .or_insert_with(|| vec![None; self.types.len()]);
                    let admits = *row[t]
                        .get_or_insert_with(|| self.types[t].admits(self.reqs.get(m), &self.keys));
                    if !admits {
                        continue;
                    }
                    merged = m;
                }
                add_scaled(&mut used, r.req, k2 as i64);
                pattern.push((r.class, k2));
            }
            let share = used
                .iter()
                .zip(&demand)
                .filter(|(_, &d)| d > 0)
                .map(|(&u, &d)| u as f64 / d as f64)
                .fold(0.0f64, f64::max);
            if share <= 0.0 {
                continue;
            }
            let score = price / share;
            let better = match &best {
                None => true,
                // Cheaper per share wins; on a tie, the bigger share (fewer nodes).
                Some(b) => {
                    score < b.score * (1.0 - 1e-9)
                        || (score <= b.score * (1.0 + 1e-9) && share > b.share)
                }
            };
            if better {
                let spare = best.take().map(|b| b.pattern).unwrap_or_default();
                best = Some(Packing {
                    score,
                    share,
                    pattern: std::mem::replace(&mut pattern, spare),
                    merged,
                });
            }
        }
        let Some(Packing {
            pattern, merged, ..
        }) = best
        else {
            return false;
        };
        // Every type of the pool that holds the whole packing; when that leaves fewer
        // distinct values than a requirement's minValues, fall back to one pod alone.
        let (pattern, merged, used, types) = match self.packing_types(p, mask, pattern, merged) {
            Some(found) => found,
            None => match self.packing_types(p, mask, vec![(c, 1)], mask.merged_id) {
                Some(found) => found,
                None => return false,
            },
        };
        let reqs = self.reqs.shared(merged);
        let mut budget = n;
        let mut opened = false;
        // Without limits or reservations every repeat of the packing launches alike: its
        // types, prices and headroom are worked out once, and shared with later packings
        // that use as much of the same types.
        let steady = {
            let pool = &self.pools[p];
            pool.limits_left.is_none() && !types.iter().any(|&j| self.has_reserved[pool.types[j]])
        };
        let (types, used, launch_once) = if steady {
            let (types, used, launch) = self.steady_launch(p, merged, types, used);
            (types, used, Some(launch))
        } else {
            (types, used, None)
        };
        loop {
            let seed = pattern[0].1;
            if budget < seed || pattern.iter().any(|&(cl, k)| self.remaining(cl) < k) {
                break;
            }
            if self
                .host_cap(&fresh, c, a, true)
                .is_none_or(|cap| cap < seed)
            {
                break;
            }
            let (fitting, prices, headroom): SteadyLaunch = match &launch_once {
                Some(launch) => launch.clone(),
                None => {
                    let pool = &self.pools[p];
                    let fitting: Vec<usize> = types
                        .iter()
                        .copied()
                        .filter(|&j| pool.within_limits(&self.types[pool.types[j]].it.capacity))
                        .collect();
                    if fitting.is_empty() {
                        break;
                    }
                    // Karpenter charges a claim the largest capacity it may become.
                    let charge = if pool.limits_left.is_some() {
                        max_capacity(fitting.iter().map(|&j| self.types[pool.types[j]].it))
                    } else {
                        Resources::new()
                    };
                    let (fitting, prices) = self.priced(p, fitting, merged);
                    if prices.is_empty() {
                        break;
                    }
                    self.pools[p].charge(&charge);
                    let headroom = self.headroom(p, &fitting, &prices, &used);
                    (fitting.into(), prices.into(), headroom)
                }
            };
            let Some(&price) = prices.first() else { break };
            self.claims.push(Claim {
                pool: p,
                reqs: reqs.clone(),
                reqs_id: merged,
                types: fitting,
                prices,
                price,
                headroom,
                used: used.clone(),
                ports: Vec::new(),
                pods: Vec::new(),
                topo: NodeTopology::new(self.topo.groups.len()),
            });
            self.claim_room
                .push(&self.claims[self.claims.len() - 1].headroom);
            let ci = self.claims.len() - 1;
            for &(cl, k) in &pattern {
                let ports = self.classes[cl].host_ports.to_vec();
                self.claims[ci].ports.extend(ports);
                // Riders are fitted under their first alternative.
                let alt = if cl == c { a } else { 0 };
                self.record(cl, alt, k, Place::Claim(ci));
            }
            if launch_once.is_none() {
                self.reserve(ci);
            }
            budget -= seed;
            opened = true;
        }
        opened
    }

    /// The offerings of catalog type `t` requirement set `id` allows, cached.
    fn offers(&self, t: usize, id: u32) -> Rc<[u16]> {
        let mut cache = self.offers.borrow_mut();
        let row = cache
            .entry(id)
            .or_insert_with(|| vec![None; self.types.len()]);
        if let Some(v) = &row[t] {
            return v.clone();
        }
        let reqs = self.reqs.get(id);
        let v: Rc<[u16]> = self.types[t]
            .offering_indices(reqs)
            .map(|i| i as u16)
            .collect();
        row[t] = Some(v.clone());
        v
    }

    /// Per catalog type, its cheapest offering requirement set `id` allows, any capacity type
    /// (infinite when none); cached per set.
    fn min_prices(&self, id: u32) -> Rc<[f64]> {
        if let Some(t) = self.min_price.borrow().get(&id) {
            return t.clone();
        }
        let table: Rc<[f64]> = (0..self.types.len())
            .map(|t| {
                let offerings = &self.types[t].it.offerings;
                self.offers(t, id)
                    .iter()
                    .map(|&i| offerings[usize::from(i)].price)
                    .fold(f64::INFINITY, f64::min)
            })
            .collect();
        self.min_price.borrow_mut().insert(id, table.clone());
        table
    }

    /// Per catalog type, the offering a launch under requirement set `id` would use when no
    /// reservation is exhausted; cached per set.
    fn best_offers(&self, id: u32) -> Rc<[Option<u16>]> {
        if let Some(t) = self.best.borrow().get(&id) {
            return t.clone();
        }
        let table: Rc<[Option<u16>]> = (0..self.types.len())
            .map(|t| {
                let offerings = &self.types[t].it.offerings;
                self.offers(t, id).iter().copied().min_by(|&a, &b| {
                    launch_rank(&offerings[usize::from(a)])
                        .total_cmp(&launch_rank(&offerings[usize::from(b)]))
                })
            })
            .collect();
        self.best.borrow_mut().insert(id, table.clone());
        table
    }

    /// The offering a launch of type `t` under requirement set `id` would use: reserved
    /// first while its reservation lasts, then spot, then on-demand, cheapest within.
    /// `table` is [`Self::best_offers`] for `id`.
    fn launch_in<'s>(
        &'s self,
        table: &[Option<u16>],
        t: usize,
        id: u32,
        reserved: &ReservedLeft,
    ) -> Option<&'s crate::instance_type::Offering> {
        let offerings = &self.types[t].it.offerings;
        if !self.has_reserved[t] {
            return table[t].map(|i| &offerings[usize::from(i)]);
        }
        self.offers(t, id)
            .iter()
            .map(|&i| &offerings[usize::from(i)])
            .filter(|o| o.capacity_type != CapacityType::Reserved || reservation_open(o, reserved))
            .min_by(|a, b| launch_rank(a).total_cmp(&launch_rank(b)))
    }

    fn launch(
        &self,
        t: usize,
        id: u32,
        reserved: &ReservedLeft,
    ) -> Option<&crate::instance_type::Offering> {
        let table = self.best_offers(id);
        self.launch_in(&table, t, id, reserved)
    }

    /// Pool type positions with a launchable offering under requirement set `id`, cheapest
    /// first, with their launch ranks.
    fn priced(&self, p: usize, types: Vec<usize>, id: u32) -> (Vec<usize>, Vec<f64>) {
        let pool = &self.pools[p];
        if !types.iter().any(|&j| self.has_reserved[pool.types[j]]) {
            // Without reservations a type's rank is fixed per requirement set, and the order
            // below is total: the pool's types ranked once, less those not asked for, are
            // the same list as those asked for ranked now.
            let ranked = self.ranked(p, id);
            let mut asked = vec![0u32; pool.types.len()];
            for &j in &types {
                asked[j] += 1;
            }
            let mut fitting = Vec::with_capacity(types.len());
            let mut prices = Vec::with_capacity(types.len());
            for &(r, j) in ranked.iter() {
                for _ in 0..asked[j] {
                    fitting.push(j);
                    prices.push(r);
                }
            }
            return (fitting, prices);
        }
        let table = self.best_offers(id);
        let ranks = self.best_ranks(id);
        // Sized up front: a filtered collect grows from nothing, and claims list hundreds.
        let mut v: Vec<(f64, usize)> = Vec::with_capacity(types.len());
        v.extend(types.into_iter().filter_map(|j| {
            let t = pool.types[j];
            if self.has_reserved[t] {
                self.launch_in(&table, t, id, &self.reserved)
                    .map(|o| (launch_rank(o), j))
            } else {
                ranks[t].map(|r| (r, j))
            }
        }));
        // Entries equal under this order are identical, so an unstable sort orders them as a
        // stable one would, without its scratch buffer.
        v.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        v.into_iter().map(|(r, j)| (j, r)).unzip()
    }

    /// The names of the zones flagged in `seen` (indexed as `zone_names`).
    fn zones_flagged<'s>(&'s self, seen: &'s [bool]) -> impl Iterator<Item = &'a str> + 's {
        self.zone_names
            .iter()
            .zip(seen)
            .filter(|(_, &s)| s)
            .map(|(z, _)| *z)
    }

    /// Positions of pool `p`'s types with a launch rank under requirement set `id`, with
    /// it, cheapest first (ties by position); cached per pool and set. Ranks of types with
    /// reserved offerings are the unreserved ones: [`Self::priced`] does not read them here.
    fn ranked(&self, p: usize, id: u32) -> RankedTypes {
        if let Some(r) = self.ranked.borrow().get(&(p, id)) {
            return r.clone();
        }
        let pool = &self.pools[p];
        let ranks = self.best_ranks(id);
        let mut v: Vec<(f64, usize)> = pool
            .types
            .iter()
            .enumerate()
            .filter_map(|(j, &t)| ranks[t].map(|r| (r, j)))
            .collect();
        v.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let r: RankedTypes = v.into();
        self.ranked.borrow_mut().insert((p, id), r.clone());
        r
    }

    /// Per catalog type, the launch rank of [`Self::best_offers`] under requirement set `id`;
    /// cached per set, so pricing a claim's types reads one table instead of each type's
    /// offerings.
    fn best_ranks(&self, id: u32) -> Rc<[Option<f64>]> {
        if let Some(t) = self.best_rank.borrow().get(&id) {
            return t.clone();
        }
        let best = self.best_offers(id);
        let table: Rc<[Option<f64>]> = best
            .iter()
            .zip(&self.types)
            .map(|(o, ti)| o.map(|i| launch_rank(&ti.it.offerings[usize::from(i)])))
            .collect();
        self.best_rank.borrow_mut().insert(id, table.clone());
        table
    }

    /// Takes one unit of the reservation the claim would launch into, if any.
    fn reserve(&mut self, ci: usize) {
        let claim = &self.claims[ci];
        let pool = &self.pools[claim.pool];
        // Types are kept cheapest first, so the first is what the launch would use.
        let reservation = claim
            .types
            .first()
            .and_then(|&j| self.launch(pool.types[j], claim.reqs_id, &self.reserved))
            .filter(|o| o.capacity_type == CapacityType::Reserved)
            .and_then(|o| o.reservation_id.clone());
        if let Some(v) = reservation.and_then(|id| self.reserved.get_mut(&id)) {
            *v -= 1;
        }
    }

    fn remaining_demand(&self, from: usize) -> Vec<i64> {
        let mut d = vec![0; self.dims.len()];
        for c in from..self.classes.len() {
            add_scaled(&mut d, &self.classes[c].req, self.remaining(c) as i64);
        }
        d
    }

    /// The cheapest catalog type a lone pod of class `c` (alternative `a`) fits on when pool
    /// `p` launches it after `change`: taints tolerated, requirements compatible, requests and
    /// daemonset overhead within allocatable, within the pool's limits, and a launchable
    /// offering. Ties go to the type name.
    fn lone_fit(
        &self,
        p: usize,
        c: usize,
        a: usize,
        change: PoolChange<'_>,
    ) -> Option<LoneFit<'_>> {
        let info = &self.pools[p];
        let class = &self.classes[c];
        let reqs = &class.alternatives[a].reqs;
        let without = match change {
            PoolChange::Requirement(r) => Some(r.key.as_str()),
            _ => None,
        };
        let template = template_of(info.pool, without);
        let taints: Vec<Taint> = info
            .pool
            .taints
            .iter()
            .filter(|t| !matches!(change, PoolChange::Taint(x) if std::ptr::eq(x, *t)))
            .cloned()
            .collect();
        if untolerated(&taints, class.tolerations).is_some()
            || template
                .compatible(reqs, allow_undefined(&self.keys))
                .is_err()
        {
            return None;
        }
        let mut merged = template.clone();
        merged.add_all(reqs);
        if merged.iter().any(|r| r.is_empty() && !r.allows_absent()) {
            return None;
        }
        let mut best: Option<LoneFit<'_>> = None;
        for (t, ti) in self.types.iter().enumerate() {
            if !fits(&class.req, &ti.alloc) || !ti.admits(&merged, &self.keys) {
                continue;
            }
            if !matches!(change, PoolChange::Limits) && !info.within_limits(&ti.it.capacity) {
                continue;
            }
            let overhead = daemon_overhead(
                ti,
                &template,
                &taints,
                &self.snapshot.daemon_sets,
                &self.dims,
            );
            let mut need = class.req.clone();
            add_scaled(&mut need, &overhead, 1);
            if !fits(&need, &ti.alloc) {
                continue;
            }
            let Some(offering) = ti.launch_offering(&merged, &self.reserved) else {
                continue;
            };
            let rank = launch_rank(offering);
            let better = best.as_ref().is_none_or(|b| {
                rank.total_cmp(&b.rank)
                    .then_with(|| ti.it.name.cmp(&self.types[b.t].it.name))
                    .is_lt()
            });
            if better {
                best = Some(LoneFit { rank, t, offering });
            }
        }
        best
    }

    /// The why-not hint for pool `p`: when the pool as it is cannot launch a lone pod of class
    /// `c` but would without one of its requirements, one taint the pod does not tolerate, or
    /// its limits, names that change and, for a requirement, the value the cheapest type that
    /// then fits would bring. The change whose cheapest type is cheapest wins; ties go to the
    /// order tried (requirements by key, then taints, then limits).
    fn pool_hint(&self, p: usize, c: usize, a: usize) -> Option<String> {
        if self.lone_fit(p, c, a, PoolChange::Nothing).is_some() {
            return None;
        }
        let info = &self.pools[p];
        let pool = info.pool;
        let class = &self.classes[c];
        let mut changes: Vec<PoolChange<'_>> = pool
            .requirements
            .iter()
            .map(PoolChange::Requirement)
            .collect();
        changes.extend(
            pool.taints
                .iter()
                .filter(|t| untolerated(std::slice::from_ref(*t), class.tolerations).is_some())
                .map(PoolChange::Taint),
        );
        if info.limits_left.is_some() {
            changes.push(PoolChange::Limits);
        }
        let mut best: Option<(PoolChange<'_>, LoneFit<'_>)> = None;
        for change in changes {
            if let Some(fit) = self.lone_fit(p, c, a, change) {
                if best.as_ref().is_none_or(|(_, b)| fit.rank < b.rank) {
                    best = Some((change, fit));
                }
            }
        }
        let (change, fit) = best?;
        let ti = &self.types[fit.t];
        let name = &pool.name;
        match change {
            PoolChange::Nothing => None,
            PoolChange::Requirement(r) => {
                let value = match r.key.as_str() {
                    LABEL_ZONE => Some(fit.offering.zone.clone()),
                    LABEL_CAPACITY_TYPE => Some(fit.offering.capacity_type.as_str().to_owned()),
                    key => ti.label(key).map(str::to_owned).or_else(|| {
                        class.alternatives[a]
                            .reqs
                            .get(key)
                            .filter(|x| !x.is_complement())
                            .and_then(|x| x.values().iter().next().cloned())
                    }),
                };
                Some(match value {
                    Some(v) => format!("would fit if pool {name} allowed {} {v}", r.key),
                    None => format!("would fit if pool {name} did not require {r}"),
                })
            }
            PoolChange::Taint(t) => Some(format!(
                "would fit if pool {name} did not have taint {t} (or the pod tolerated it)"
            )),
            PoolChange::Limits => {
                let left = info.limits_left.as_ref()?;
                let raised: Vec<String> = left
                    .iter()
                    .filter_map(|(n, l)| {
                        let need = if n == "nodes" {
                            1
                        } else {
                            ti.it.capacity.get(n)
                        };
                        (need > l).then(|| {
                            let limit = pool.limits.get(n).saturating_add(need - l);
                            format!("{n}={}", crate::quantity::format_quantity(n, limit))
                        })
                    })
                    .collect();
                Some(format!(
                    "would fit if pool {name}'s limits were raised to {}",
                    raised.join(", ")
                ))
            }
        }
    }

    /// Why a class's remaining pods fit nowhere, in words: what holds them back, then, for
    /// pools where a single change would let a pod fit, which change.
    fn reason(&mut self, c: usize) -> String {
        let why = self.rejections(c);
        let a = self.classes[c].alternatives.len() - 1;
        let hints: Vec<String> = (0..self.pools.len())
            .filter_map(|p| self.pool_hint(p, c, a))
            .take(MAX_HINTS)
            .collect();
        if hints.is_empty() {
            why
        } else {
            format!("{why}; {}", hints.join("; "))
        }
    }

    /// What holds a class's remaining pods back: the reservation they wait for, or for each
    /// pool the most specific constraint it fails.
    fn rejections(&mut self, c: usize) -> String {
        if let Some(r) = &self.reservation_reason[c] {
            return r.clone();
        }
        let a = self.classes[c].alternatives.len() - 1;
        if self.pools.is_empty() {
            return if self.targets.is_empty() {
                "no NodePool exists to launch a node for it, and no existing node can take it"
                    .into()
            } else {
                "no existing node has room for it and no NodePool exists to launch one".into()
            };
        }
        let merged_ids: Vec<u32> = (0..self.pools.len())
            .map(|p| {
                let mut merged = self.pools[p].template.clone();
                merged.add_all(&self.classes[c].alternatives[a].reqs);
                self.reqs.intern(merged)
            })
            .collect();
        let class = &self.classes[c];
        let requests = self.dims.to_resources(&class.req);
        let mut reasons = Vec::new();
        let mut taint_blocked: Vec<&Taint> = Vec::new();
        for (p, &merged_id) in merged_ids.iter().enumerate() {
            let pool = &self.pools[p];
            let name = &pool.pool.name;
            if let Some(t) = untolerated(&pool.pool.taints, class.tolerations) {
                taint_blocked.push(t);
                reasons.push(format!("pool {name}: taint {t} is not tolerated"));
                continue;
            }
            let reqs = &class.alternatives[a].reqs;
            if let Err(e) = pool.template.compatible(reqs, allow_undefined(&self.keys)) {
                reasons.push(format!("pool {name}: the pod {e}"));
                continue;
            }
            let mut merged = pool.template.clone();
            merged.add_all(reqs);
            let matching: Vec<usize> = (0..pool.types.len())
                .filter(|&j| self.types[pool.types[j]].admits(&merged, &self.keys))
                .collect();
            if matching.is_empty() {
                let type_reqs: Vec<String> = reqs
                    .iter()
                    .filter(|r| self.keys.contains(&r.key))
                    .map(|r| r.to_string())
                    .collect();
                reasons.push(if pool.types.is_empty() {
                    format!("pool {name}: no instance type of the catalog meets the pool's requirements")
                } else if type_reqs.is_empty() {
                    format!("pool {name}: no instance type has an available offering")
                } else {
                    format!("pool {name}: no instance type matches {}", type_reqs.join(", "))
                });
                continue;
            }
            let fit_alone: Vec<usize> = matching
                .iter()
                .copied()
                .filter(|&j| fits(&class.req, &self.types[pool.types[j]].alloc))
                .collect();
            if fit_alone.is_empty() {
                reasons.push(format!(
                    "no instance type in pool {name} has {}",
                    describe_requests(&requests)
                ));
                continue;
            }
            let fit_daemons: Vec<usize> = fit_alone
                .iter()
                .copied()
                .filter(|&j| {
                    let mut need = class.req.clone();
                    add_scaled(&mut need, &pool.overhead[j], 1);
                    fits(&need, &self.types[pool.types[j]].alloc)
                })
                .collect();
            if fit_daemons.is_empty() {
                reasons.push(format!(
                    "no instance type in pool {name} has room for {} plus its daemonsets' overhead",
                    describe_requests(&requests)
                ));
                continue;
            }
            if let Some(left) = &pool.limits_left {
                let limited = fit_daemons
                    .iter()
                    .all(|&j| !pool.within_limits(&self.types[pool.types[j]].it.capacity));
                if limited {
                    let over: Vec<String> = left
                        .iter()
                        .filter(|(n, v)| {
                            fit_daemons.iter().all(|&j| {
                                let need = if *n == "nodes" {
                                    1
                                } else {
                                    self.types[pool.types[j]].it.capacity.get(n)
                                };
                                need > *v
                            })
                        })
                        .map(|(n, _)| {
                            format!(
                                "{n}={}",
                                crate::quantity::format_quantity(n, pool.pool.limits.get(n))
                            )
                        })
                        .collect();
                    let what = if over.is_empty() {
                        "its limits".to_owned()
                    } else {
                        format!("limit {}", over.join(", "))
                    };
                    reasons.push(format!("pool {name}: {what} reached"));
                    continue;
                }
            }
            if let Some(m) = self.min_values_unmet(p, &fit_daemons, merged_id) {
                reasons.push(format!("pool {name}: {m}"));
                continue;
            }
            if ports_clash(class.host_ports, &pool.daemon_ports) {
                reasons.push(format!(
                    "pool {name}: a daemonset on its nodes binds the same host port"
                ));
                continue;
            }
            if !class.host_ports.is_empty() {
                reasons.push(format!("pool {name}: host port conflict"));
                continue;
            }
            reasons.push(format!("pool {name}: no capacity left for it"));
        }
        if taint_blocked.len() == self.pools.len() {
            let first = taint_blocked[0].to_string();
            if taint_blocked.iter().all(|t| t.to_string() == first) {
                return format!("no NodePool tolerates taint {first}");
            }
        }
        reasons.join("; ")
    }

    fn into_plan(mut self, lower_bound: f64) -> Plan {
        let pods = &self.snapshot.pods;
        let key = |i: usize| pods[i].key();
        let mut unschedulable = Vec::new();
        for c in 0..self.classes.len() {
            if self.remaining(c) == 0 {
                continue;
            }
            let reason = match self.topology_reason[c].clone() {
                Some(r) => r,
                None => self.reason(c),
            };
            for m in self.taken[c]..self.classes[c].members.len() {
                unschedulable.push(Unschedulable {
                    pod: key(self.classes[c].members[m]),
                    reason: reason.clone(),
                });
            }
        }
        let existing_nodes = self
            .targets
            .iter()
            .filter(|t| !t.pods.is_empty())
            .map(|t| ExistingPlacement {
                name: t.name.clone(),
                pods: t.pods.iter().map(|&i| key(i)).collect(),
            })
            .collect();
        let relaxed = self
            .relaxed
            .iter()
            .flat_map(|(i, dropped)| {
                dropped.iter().map(move |d| Relaxation {
                    pod: key(*i),
                    preference: d.clone(),
                })
            })
            .collect();
        let mut counters: HashMap<usize, usize> = HashMap::new();
        let mut node_claims = Vec::with_capacity(self.claims.len());
        let mut reserved = reservations_for_output(&self);
        let cacheable = !self.has_reserved.iter().any(|&r| r);
        let mut cache = OutputCache::default();
        for claim in &self.claims {
            let n = counters.entry(claim.pool).or_insert(0);
            *n += 1;
            if let Some(nc) = self.claim_output(claim, *n, &mut reserved, cacheable, &mut cache) {
                node_claims.push(nc);
            }
        }
        let total_price = node_claims
            .iter()
            .fold(0.0, |acc, c: &NewNodeClaim| acc + c.price);
        let warnings = std::mem::take(&mut self.warnings);
        Plan {
            node_claims,
            existing_nodes,
            unschedulable,
            relaxed,
            total_price,
            lower_bound,
            warnings,
        }
    }

    /// Where and how a claim may launch: its types cheapest first (cut to the cap), zones,
    /// capacity types, held reservations, price and the daemonset overhead it counts.
    fn launchable(&self, claim: &Claim, reserved: &mut ReservedLeft) -> Option<Launchable> {
        let pool = &self.pools[claim.pool];
        let table = self.best_offers(claim.reqs_id);
        let mut typed: Vec<(CapacityType, f64, &str, usize)> = claim
            .types
            .iter()
            .filter_map(|&j| {
                let ti = &self.types[pool.types[j]];
                self.launch_in(&table, pool.types[j], claim.reqs_id, reserved)
                    .map(|o| (o.capacity_type, o.price, ti.it.name.as_str(), j))
            })
            .collect();
        typed.sort_by(|a, b| {
            (a.0, a.1)
                .partial_cmp(&(b.0, b.1))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.2.cmp(b.2))
        });
        let &(ct, price, _, first) = typed.first()?;
        typed.truncate(self.max_types);
        // A claim holding a reservation is pinned to it: only reserved offerings, as Karpenter
        // writes `capacity-type In [reserved]` and the reservation IDs into such a claim.
        let pinned = ct == CapacityType::Reserved;
        if pinned {
            typed.retain(|t| t.0 == CapacityType::Reserved);
        }
        let mut zone_seen = vec![false; self.zone_names.len()];
        let mut cts = std::collections::BTreeSet::new();
        let mut reservation_ids = std::collections::BTreeSet::new();
        for &(_, _, _, j) in &typed {
            let t = pool.types[j];
            let offerings = &self.types[t].it.offerings;
            for &i in self.offers(t, claim.reqs_id).iter() {
                let o = &offerings[usize::from(i)];
                let reserved_offer = o.capacity_type == CapacityType::Reserved;
                if pinned != reserved_offer || (reserved_offer && !reservation_open(o, reserved)) {
                    continue;
                }
                zone_seen[self.zone_of[t][usize::from(i)]] = true;
                cts.insert(o.capacity_type);
                if let Some(id) = &o.reservation_id {
                    reservation_ids.insert(id.clone());
                }
            }
        }
        if pinned {
            if let Some(id) = self
                .launch(pool.types[first], claim.reqs_id, reserved)
                .and_then(|o| o.reservation_id.clone())
            {
                if let Some(v) = reserved.get_mut(&id) {
                    *v -= 1;
                }
            }
        }
        let instance_types: Arc<[String]> = typed.iter().map(|t| t.2.to_owned()).collect();
        let zones: std::collections::BTreeSet<&str> = self.zones_flagged(&zone_seen).collect();
        let zones: Arc<[String]> = zones.into_iter().map(str::to_owned).collect();
        let capacity_types: Arc<[String]> =
            cts.into_iter().map(|c| c.as_str().to_owned()).collect();
        // Daemonset overhead counted once: the smallest among the listed types.
        let mut overhead = pool.overhead[first].clone();
        for &(_, _, _, j) in &typed {
            for (o, &x) in overhead.iter_mut().zip(&pool.overhead[j]) {
                *o = (*o).min(x);
            }
        }
        Some(Launchable {
            instance_types,
            zones,
            capacity_types,
            reservation_ids: reservation_ids.into_iter().collect(),
            price,
            overhead,
        })
    }

    /// The plan's entry for `claim`, the `n`th of its pool. With `cacheable` no reservation is
    /// in play, so launch options depend on pool, requirements and types alone, and are
    /// shared through `cache`.
    fn claim_output(
        &self,
        claim: &Claim,
        n: usize,
        reserved: &mut ReservedLeft,
        cacheable: bool,
        cache: &mut OutputCache,
    ) -> Option<NewNodeClaim> {
        let pool = &self.pools[claim.pool];
        let mut nc = if cacheable {
            // Claims repeated from one packing share their launch options: computed once.
            let by_list = (claim.pool, claim.reqs_id, Rc::as_ptr(&claim.types));
            let launchable = match cache.launch.get(&by_list) {
                Some(l) => l.clone(),
                None => {
                    let key = (claim.pool, claim.reqs_id, claim.types.clone());
                    let cached = self.launch_cache.borrow().get(&key).cloned();
                    let l = match cached {
                        Some(l) => l,
                        None => {
                            let l = Rc::new(self.launchable(claim, reserved)?);
                            self.launch_cache.borrow_mut().insert(key, l.clone());
                            l
                        }
                    };
                    cache.launch.insert(by_list, l.clone());
                    l
                }
            };
            cache.sum_requests(&claim.used, &launchable.overhead);
            let by_launch = (claim.pool, claim.reqs_id, Rc::as_ptr(&launchable));
            match cache.entries.get(&by_launch) {
                Some(e) => e.clone(),
                None => {
                    let e = self.claim_entry(claim, &launchable);
                    cache.entries.insert(by_launch, e.clone());
                    e
                }
            }
        } else {
            let launchable = self.launchable(claim, reserved)?;
            cache.sum_requests(&claim.used, &launchable.overhead);
            self.claim_entry(claim, &launchable)
        };
        let requests = match cache.requests.get(cache.total.as_slice()) {
            Some(r) => r.clone(),
            None => {
                let r = self.dims.to_resources(&cache.total).to_quantities();
                cache.requests.insert(cache.total.clone(), r.clone());
                r
            }
        };
        let name = format!("{}-{n:04}", pool.pool.name);
        nc.manifest.metadata.name = name.clone();
        nc.manifest.spec.resources.requests = requests.clone();
        nc.name = name;
        nc.requests = requests;
        nc.pods = claim
            .pods
            .iter()
            .map(|&i| self.snapshot.pods[i].key())
            .collect();
        Some(nc)
    }

    /// What `claim`'s entry in the plan takes from its pool, requirements and launch options:
    /// everything but its name, requests and pods, which are left empty.
    fn claim_entry(&self, claim: &Claim, launchable: &Launchable) -> NewNodeClaim {
        let pool = &self.pools[claim.pool];
        NewNodeClaim {
            name: String::new(),
            node_pool: pool.pool.name.clone(),
            instance_types: launchable.instance_types.clone(),
            zones: launchable.zones.to_vec(),
            capacity_types: launchable.capacity_types.to_vec(),
            price: launchable.price,
            requests: BTreeMap::new(),
            pods: Vec::new(),
            manifest: manifest("", pool, claim, launchable, &BTreeMap::new()),
        }
    }

    /// The inputs of the floor on the price of new capacity for the pods placed on new
    /// claims (see [`BoundInputs::floor`]); `None` when there are none.
    fn claims_bound_inputs(&mut self) -> Option<BoundInputs> {
        if self.claims.is_empty() {
            return None;
        }
        let mut on_claims: HashMap<usize, usize> = HashMap::new();
        let mut member_class: HashMap<usize, usize> = HashMap::new();
        for (c, class) in self.classes.iter().enumerate() {
            for &m in &class.members {
                member_class.insert(m, c);
            }
        }
        for claim in &self.claims {
            for p in &claim.pods {
                *on_claims.entry(member_class[p]).or_default() += 1;
            }
        }
        let mut classes: Vec<(usize, usize)> = on_claims.into_iter().collect();
        classes.sort_unstable();
        Some(self.bound_inputs(classes))
    }

    /// The floor for `count` pods of each listed class `(class, count)` on new capacity.
    fn bound_of(&mut self, classes: Vec<(usize, usize)>) -> f64 {
        self.bound_inputs(classes).floor()
    }

    /// What [`Solve::bound_of`] works the floor out from.
    fn bound_inputs(&mut self, classes: Vec<(usize, usize)>) -> BoundInputs {
        let d = self.dims.len();
        let mut totals = vec![0.0f64; d];
        let mut shapes: BTreeMap<(Vec<i64>, BTreeSet<usize>), usize> = BTreeMap::new();
        // Per catalog type, the most room any pool gives it and its lowest price: that keeps
        // the relaxation below every real choice.
        let mut best: Vec<Option<bound::BoundType>> = (0..self.types.len()).map(|_| None).collect();
        // Room of each pool's types, worked out once rather than per class.
        let mut rooms: Vec<Option<Vec<i64>>> = vec![None; self.pools.len()];
        for (c, count) in classes {
            let mut rate = vec![f64::INFINITY; d];
            let mut usable: Vec<usize> = Vec::new();
            let alts = self.classes[c].alternatives.len();
            for (p, pool_rooms) in rooms.iter_mut().enumerate() {
                for a in 0..alts {
                    let id = self.classes[c].alternatives[a].reqs_id;
                    let Some(mask) = self.mask(p, c, a, id) else {
                        continue;
                    };
                    let min_prices = self.min_prices(mask.merged_id);
                    let pool = &self.pools[p];
                    let room_of = pool_rooms.get_or_insert_with(|| {
                        pool.types
                            .iter()
                            .enumerate()
                            .flat_map(|(j, &t)| {
                                let ti = &self.types[t];
                                (0..d).map(move |k| ti.alloc[k] - pool.overhead[j][k])
                            })
                            .collect()
                    });
                    for (j, &t) in pool.types.iter().enumerate() {
                        if !mask.ok[j] {
                            continue;
                        }
                        let price = min_prices[t];
                        let room = &room_of[j * d..(j + 1) * d];
                        for (k, r) in rate.iter_mut().enumerate() {
                            if room[k] > 0 {
                                *r = r.min(price / room[k] as f64);
                            }
                        }
                        if price.is_finite() {
                            usable.push(t);
                            let bt = best[t].get_or_insert_with(|| bound::BoundType {
                                room: room.to_vec(),
                                price,
                            });
                            bt.price = bt.price.min(price);
                            for (x, &r) in bt.room.iter_mut().zip(room) {
                                *x = (*x).max(r);
                            }
                        }
                    }
                }
            }
            let usable: BTreeSet<usize> = usable.into_iter().collect();
            if usable.is_empty() {
                // No pool can launch it: it buys nothing, so it adds nothing.
                continue;
            }
            let req = &self.classes[c].req;
            for k in 0..d {
                if req[k] > 0 && rate[k].is_finite() {
                    totals[k] += rate[k] * req[k] as f64 * count as f64;
                }
            }
            *shapes.entry((req.clone(), usable)).or_default() += count;
        }
        let per_resource = totals.into_iter().fold(0.0, f64::max);
        let bound_types: BTreeMap<usize, bound::BoundType> = best
            .into_iter()
            .enumerate()
            .filter_map(|(t, bt)| bt.map(|bt| (t, bt)))
            .collect();
        let shapes: Vec<bound::Shape> = shapes
            .into_iter()
            .map(|((req, types), count)| bound::Shape { req, count, types })
            .collect();
        BoundInputs {
            per_resource,
            shapes,
            types: bound_types,
        }
    }
}

/// The pods' shapes and the types they may use, with the per-resource floor already summed:
/// plain data, so the floor can be solved away from the solve's shared state.
struct BoundInputs {
    per_resource: f64,
    shapes: Vec<bound::Shape>,
    types: BTreeMap<usize, bound::BoundType>,
}

impl BoundInputs {
    /// Types times shapes: what each round of the configuration program goes over.
    fn work(&self) -> usize {
        self.shapes.len() * self.types.len()
    }

    /// The highest of the floors: per resource (a node of type t holding pods that request r
    /// of it costs at least r × price_t / room_t, so each pod's request at the lowest such
    /// rate among its types, summed), the linear, assignment, one-node and configuration
    /// relaxations.
    fn floor(&self) -> f64 {
        let (shapes, types) = (&self.shapes, &self.types);
        // All are floors; the configuration relaxation is usually the highest.
        let assignment = bound::assignment_bound(shapes, types)
            .max(bound::one_node_bound(shapes, types))
            .max(bound::pattern_bound(shapes, types));
        bound::lp_bound(shapes, types)
            .into_iter()
            .fold(self.per_resource.max(assignment), f64::max)
    }
}

/// Types times shapes over a repack's programs below which they are packed on one thread, and
/// of a floor below which it is solved on the solve's own.
const PARALLEL_WORK: usize = 20_000;

/// New claims and what they cost together.
type Priced = (f64, Vec<Claim>);

/// The pods a repack program places: those of claims `chosen` but the ones flagged in
/// `left` (by pod index), and the pods `extra` from claims of other requirement sets.
struct Batch<'x> {
    chosen: &'x [usize],
    left: &'x [bool],
    extra: &'x [usize],
}

/// One group's cutting-stock program for the repack: pool, requirement set, shapes, the
/// types they may use (pool positions) and the units of each shape.
struct Repack {
    pool: usize,
    reqs_id: u32,
    shapes: Vec<bound::Shape>,
    types: BTreeMap<usize, bound::BoundType>,
    lists: Vec<Vec<Unit>>,
}

/// Programs [`Solve::pattern_alternative`] packs only while small, up to this many shapes: the
/// capped program of a group of claims, and the plan keeping pods in their requirement set
/// where they could move to the hub. Each capped group is a resource of its own and each
/// combination of groups a shape, and the exact rounds over them grow fast (60 shapes at 300
/// pods of Karpenter's mix cost about 200 ms), while below this the caps cut small plans' cost
/// most (100 pods of Karpenter's mix: 4% cheaper).
const SMALL_PROGRAM_SHAPES: usize = 40;

/// How many threads to pack `programs` on: as many as the machine offers, up to one per
/// program, but one when the work is small, as starting threads costs tens of microseconds
/// (work: types times shapes, what each round of a program goes over).
fn repack_workers<T>(programs: &[(T, Vec<bool>, Repack)]) -> usize {
    let work: usize = programs
        .iter()
        .map(|(_, _, r)| r.shapes.len() * r.types.len())
        .sum();
    if work < PARALLEL_WORK {
        return 1;
    }
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(programs.len())
}

/// [`bound::pattern_packing`] for every program, on up to `workers` threads (the programs
/// are independent and most of a large repack's time); results in program order, so the
/// plan is the same on any number of threads.
fn pack_all<T: Sync>(
    programs: &[(T, Vec<bool>, Repack)],
    workers: usize,
) -> Vec<Option<Vec<bound::PatternNode>>> {
    let workers = workers.min(programs.len());
    if workers <= 1 {
        return programs
            .iter()
            .map(|(_, _, r)| bound::pattern_packing(&r.shapes, &r.types))
            .collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<Option<Vec<bound::PatternNode>>> = vec![None; programs.len()];
    let found: Vec<Vec<(usize, Option<Vec<bound::PatternNode>>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some((_, _, r)) = programs.get(i) else {
                            break;
                        };
                        mine.push((i, bound::pattern_packing(&r.shapes, &r.types)));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            // A worker that panicked leaves its programs unpacked: the greedy plan stands.
            .filter_map(|h| h.join().ok())
            .collect()
    });
    for (i, nodes) in found.into_iter().flatten() {
        results[i] = nodes;
    }
    results
}

/// The most room any of `types` (pool positions) has left after `used`, per resource.
fn max_room(
    pool: &PoolInfo<'_>,
    types: &[TypeInfo<'_>],
    listed: &[usize],
    used: &[i64],
) -> Vec<i64> {
    let mut room = vec![i64::MIN; used.len()];
    for &j in listed {
        let alloc = &types[pool.types[j]].alloc;
        for d in 0..used.len() {
            room[d] = room[d].max(alloc[d] - pool.overhead[j][d] - used[d]);
        }
    }
    room
}

/// A launch offering's price, with capacity types ranked before price: any reserved offering
/// sorts before any spot one, and spot before on-demand, as the launch prefers them.
fn launch_rank(o: &crate::instance_type::Offering) -> f64 {
    let tier = match o.capacity_type {
        CapacityType::Reserved => 0.0,
        CapacityType::Spot => 1.0e6,
        CapacityType::OnDemand => 2.0e6,
    };
    tier + o.price
}

fn reservations_for_output(solve: &Solve<'_>) -> ReservedLeft {
    // Output re-derives each claim's launch offering in creation order, from the catalog's
    // reservations less existing nodes, exactly as the solve consumed them.
    let mut left = ReservedLeft::new();
    for t in &solve.types {
        for o in &t.it.offerings {
            if let (Some(id), Some(cap)) = (&o.reservation_id, o.reservation_capacity) {
                left.insert(id.clone(), i64::from(cap));
            }
        }
    }
    for n in &solve.snapshot.nodes {
        if let Some(id) = n.labels.get(crate::labels::LABEL_RESERVATION_ID) {
            if let Some(v) = left.get_mut(id) {
                *v -= 1;
            }
        }
    }
    left
}

fn ports_clash(wanted: &[HostPort], used: &[HostPort]) -> bool {
    wanted.iter().any(|w| used.iter().any(|u| w.conflicts(u)))
}

/// Taints Karpenter and Kubernetes put on nodes while they start or fail, which do not keep
/// pods of a managed node away for long.
const EPHEMERAL_TAINTS: &[&str] = &[
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
    "node.cloudprovider.kubernetes.io/uninitialized",
    "karpenter.sh/unregistered",
];

fn existing_targets(
    snapshot: &Snapshot,
    catalog: &Catalog,
    dims: &Dims,
    warnings: &mut Vec<String>,
) -> Vec<Target> {
    let mut on_node: HashMap<&str, Vec<usize>> = HashMap::new();
    let node_names: HashSet<&str> = snapshot.nodes.iter().map(|n| n.name.as_str()).collect();
    for (i, p) in snapshot.pods.iter().enumerate() {
        if let Some(n) = &p.node_name {
            if p.phase.is_terminal() {
                continue;
            }
            if node_names.contains(n.as_str()) {
                on_node.entry(n.as_str()).or_default().push(i);
            } else if !p.is_daemon() {
                warnings.push(format!(
                    "pod {} is bound to node {n}, which is not in the snapshot: not provisioning for it",
                    p.key()
                ));
            }
        }
    }
    let mut nodes: Vec<&crate::node::Node> = snapshot
        .nodes
        .iter()
        .filter(|n| !n.unschedulable && !n.deleting)
        .collect();
    // Initialized nodes first, then by name, as Karpenter tries them. A managed node is
    // initialized once Karpenter labels it so; an unmanaged one once it is ready.
    let initialized = |n: &crate::node::Node| {
        n.ready
            && (!n.is_managed()
                || n.labels
                    .get("karpenter.sh/initialized")
                    .is_some_and(|v| v == "true"))
    };
    nodes.sort_by(|a, b| {
        initialized(b)
            .cmp(&initialized(a))
            .then(a.name.cmp(&b.name))
    });
    let mut out = Vec::new();
    for n in nodes {
        let labels = node_labels(&n.name, &n.labels);
        // A managed node still starting carries taints that go once it is ready; Karpenter
        // ignores them (and the pool's startup taints) when it places pods there.
        let starting = n.is_managed() && !initialized(n);
        let startup: &[Taint] = n
            .node_pool()
            .and_then(|p| snapshot.node_pools.iter().find(|np| np.name == p))
            .map(|np| np.startup_taints.as_slice())
            .unwrap_or(&[]);
        let taints: Vec<Taint> = n
            .taints
            .iter()
            .filter(|t| {
                !starting
                    || !(EPHEMERAL_TAINTS.contains(&t.key.as_str())
                        || t.key.starts_with("readiness.k8s.io/")
                        || startup.contains(t))
            })
            .cloned()
            .collect();
        let mut free = dims.vector(&n.allocatable, 0);
        let mut ports = Vec::new();
        let bound = on_node
            .get(n.name.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for &i in bound {
            let p = &snapshot.pods[i];
            add_scaled(&mut free, &dims.vector(&p.requests, 1), -1);
            ports.extend(p.host_ports.iter().cloned());
        }
        for d in &snapshot.daemon_sets {
            let running = bound.iter().any(|&i| {
                let p = &snapshot.pods[i];
                p.namespace == d.namespace
                    && p.owner
                        .as_ref()
                        .is_some_and(|o| o.kind == "DaemonSet" && o.name == d.name)
            });
            if !running && daemon_runs_on_labels(d, &labels, &taints) {
                add_scaled(&mut free, &dims.vector(&d.requests, 1), -1);
                ports.extend(d.host_ports.iter().cloned());
            }
        }
        out.push(Target {
            topo: NodeTopology::default(),
            name: n.name.clone(),
            labels,
            taints,
            free,
            ports,
            pods: Vec::new(),
        });
    }
    let mut claims: Vec<&crate::node_claim::NodeClaim> = snapshot
        .node_claims
        .iter()
        .filter(|c| {
            !c.deleting
                && c.node_name
                    .as_deref()
                    .is_none_or(|n| !node_names.contains(n))
        })
        .collect();
    claims.sort_by(|a, b| a.name.cmp(&b.name));
    for c in claims {
        let mut labels = c.labels.clone();
        for r in c.requirements.iter() {
            if r.operator() == Operator::In && r.values().len() == 1 {
                labels
                    .entry(r.key.clone())
                    .or_insert_with(|| r.values().iter().next().cloned().unwrap_or_default());
            }
        }
        // Until the claim reports its allocatable, assume the smallest type it may become.
        let alloc = match &c.allocatable {
            Some(a) => a.clone(),
            None => {
                let names: Vec<&str> = c
                    .requirements
                    .get(LABEL_INSTANCE_TYPE)
                    .filter(|r| !r.is_complement())
                    .map(|r| r.values().iter().map(String::as_str).collect())
                    .or_else(|| labels.get(LABEL_INSTANCE_TYPE).map(|t| vec![t.as_str()]))
                    .unwrap_or_default();
                let mut alloc: Option<Resources> = None;
                for t in names.iter().filter_map(|n| catalog.get(n)) {
                    let a = t.allocatable();
                    alloc = Some(match alloc {
                        None => a,
                        Some(prev) => prev.iter().map(|(k, v)| (k, v.min(a.get(k)))).collect(),
                    });
                }
                match alloc {
                    Some(a) => a,
                    None => {
                        warnings.push(format!(
                            "NodeClaim {} has no allocatable and no known instance type: not counting its capacity",
                            c.name
                        ));
                        continue;
                    }
                }
            }
        };
        let labels = node_labels(&c.name, &labels);
        let taints = c.taints.clone();
        let mut free = dims.vector(&alloc, 0);
        for d in &snapshot.daemon_sets {
            if daemon_runs_on_labels(d, &labels, &taints) {
                add_scaled(&mut free, &dims.vector(&d.requests, 1), -1);
            }
        }
        out.push(Target {
            topo: NodeTopology::default(),
            name: c.name.clone(),
            labels,
            taints,
            free,
            ports: Vec::new(),
            pods: Vec::new(),
        });
    }
    out
}

fn go_duration(seconds: i64) -> String {
    if seconds % 3600 == 0 {
        format!("{}h", seconds / 3600)
    } else if seconds % 60 == 0 {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

fn manifest_taints(taints: &[Taint]) -> Vec<ManifestTaint> {
    taints
        .iter()
        .map(|t| ManifestTaint {
            effect: t.effect.as_str().to_owned(),
            key: t.key.clone(),
            value: t.value.clone(),
        })
        .collect()
}

/// What the plan's claims share, built once for all of them.
#[derive(Default)]
struct OutputCache {
    /// Launch options per types list, keyed by the list's address: every claim, and so every
    /// list, is alive while the plan is built, so an address names one list.
    launch: FastMap<SharedLaunchKey, Rc<Launchable>>,
    /// [`Solve::claim_entry`] per launch options, keyed by their address: the solve's launch
    /// cache keeps each alive. Claims are thousands, distinct launches a few.
    entries: FastMap<(usize, u32, *const Launchable), NewNodeClaim>,
    /// Request quantities per total.
    requests: FastMap<Vec<i64>, BTreeMap<String, String>>,
    /// Scratch for the total a claim requests, the key of `requests`.
    total: Vec<i64>,
}

impl OutputCache {
    /// Sets `total` to a claim's pods' use plus the daemonset overhead it counts.
    fn sum_requests(&mut self, used: &[i64], overhead: &[i64]) {
        self.total.clear();
        self.total.extend_from_slice(used);
        add_scaled(&mut self.total, overhead, 1);
    }
}

/// Where and how a claim may launch, computed once per distinct claim.
#[derive(Clone)]
struct Launchable {
    instance_types: Arc<[String]>,
    zones: Arc<[String]>,
    capacity_types: Arc<[String]>,
    reservation_ids: Arc<[String]>,
    price: f64,
    overhead: Vec<i64>,
}

fn manifest(
    name: &str,
    pool: &PoolInfo<'_>,
    claim: &Claim,
    launch: &Launchable,
    requests: &std::collections::BTreeMap<String, String>,
) -> NodeClaimManifest {
    let mut labels = pool.pool.labels.clone();
    labels.insert(LABEL_NODEPOOL.into(), pool.pool.name.clone());
    for r in claim.reqs.iter() {
        if r.operator() == Operator::In && r.values().len() == 1 && r.key != LABEL_HOSTNAME {
            if let Some(v) = r.values().iter().next() {
                labels.insert(r.key.clone(), v.clone());
            }
        }
    }
    // Instance types, zones and capacity types are pinned to what the claim may launch, in
    // the plan's order (instance types cheapest first).
    let pinned: [(&str, &Arc<[String]>); 4] = [
        (LABEL_INSTANCE_TYPE, &launch.instance_types),
        (LABEL_ZONE, &launch.zones),
        (LABEL_CAPACITY_TYPE, &launch.capacity_types),
        (crate::labels::LABEL_RESERVATION_ID, &launch.reservation_ids),
    ];
    let mut requirements = Vec::new();
    for r in claim.reqs.iter() {
        if pinned.iter().any(|(k, v)| *k == r.key && !v.is_empty()) {
            continue;
        }
        for (key, op, values) in r.to_node_selector() {
            requirements.push(ManifestRequirement {
                key,
                min_values: r.min_values,
                operator: op.as_str().to_owned(),
                values: values.into(),
            });
        }
    }
    for (key, values) in pinned {
        if !values.is_empty() {
            requirements.push(ManifestRequirement {
                key: key.to_owned(),
                min_values: claim.reqs.get(key).and_then(|x| x.min_values),
                operator: Operator::In.as_str().to_owned(),
                values: values.clone(),
            });
        }
    }
    NodeClaimManifest {
        api_version: "karpenter.sh/v1".into(),
        kind: "NodeClaim".into(),
        metadata: ManifestMetadata {
            annotations: pool.pool.annotations.clone(),
            labels,
            name: name.to_owned(),
        },
        spec: NodeClaimSpec {
            expire_after: pool
                .pool
                .expire_after_seconds
                .map(go_duration)
                .unwrap_or_else(|| "Never".into()),
            node_class_ref: pool
                .pool
                .node_class_ref
                .as_ref()
                .map(|r| ManifestNodeClassRef {
                    group: r.group.clone(),
                    kind: r.kind.clone(),
                    name: r.name.clone(),
                }),
            requirements,
            resources: ManifestResources {
                requests: requests.clone(),
            },
            startup_taints: manifest_taints(&pool.pool.startup_taints),
            taints: manifest_taints(&pool.pool.taints),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Programs packed on threads give the packings one thread gives, in order.
    #[test]
    fn packing_on_threads_matches_packing_in_turn() {
        let program = |seed: i64| {
            let types: BTreeMap<usize, bound::BoundType> = (0..30)
                .map(|t| {
                    let cpu = 1000 * (1 + t as i64 % 16);
                    let mem = 1000 * (1 + (t as i64 * 7 + seed) % 23);
                    let price = 0.01 * (cpu as f64 / 1000.0) + 0.002 * (mem as f64 / 1000.0);
                    let room = vec![cpu, mem];
                    (t, bound::BoundType { room, price })
                })
                .collect();
            let shapes: Vec<bound::Shape> = (0..12)
                .map(|s| bound::Shape {
                    req: vec![100 * (1 + (s + seed) % 9), 150 * (1 + (s * 5 + seed) % 11)],
                    count: 1 + (s as usize * 13 + seed as usize) % 40,
                    types: types.keys().copied().collect(),
                })
                .collect();
            let lists = shapes
                .iter()
                .map(|s| (0..s.count).map(Unit::Pod).collect())
                .collect();
            (
                (),
                Vec::new(),
                Repack {
                    pool: 0,
                    reqs_id: 0,
                    shapes,
                    types,
                    lists,
                },
            )
        };
        let programs: Vec<((), Vec<bool>, Repack)> = (0..5).map(program).collect();
        // Small programs stay on one thread unless told otherwise.
        assert_eq!(repack_workers(&programs), 1);
        let together = pack_all(&programs, 3);
        let in_turn: Vec<_> = programs
            .iter()
            .map(|(_, _, r)| bound::pattern_packing(&r.shapes, &r.types))
            .collect();
        assert!(together.iter().all(Option::is_some));
        assert_eq!(together, in_turn);
    }
}
