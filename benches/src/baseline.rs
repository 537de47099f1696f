//! A Karpenter-style first-fit-decreasing placer: the baseline each scale row is compared with.
//!
//! It places pending pods on new capacity the way Karpenter's scheduler does
//! (`karpenter-semantics.md` §4): pods sorted by CPU request, then memory, largest first; each
//! pod joins the claim opened earlier in this solve with the fewest pods that can still take
//! it, else opens a claim from the first NodePool (highest weight, then name) it is compatible
//! with. A claim keeps every instance type that still holds all its pods, and launches the
//! cheapest of them at the end: that is where first fit pays for not choosing the type.
//!
//! Spread, affinity and anti-affinity on the zone and hostname keys are counted as Karpenter
//! counts them (a claim's zone counts once the claim is narrowed to one zone; a spread pins the
//! least-loaded valid zone; a self-selecting affinity with no match yet picks a zone). Preferred
//! terms and `ScheduleAnyway` spreads are held as required: Karpenter relaxes them only when a
//! pod fits nowhere, and with new claims always possible that does not happen on these
//! workloads. Left out, since the bench workloads have none: existing nodes and in-flight
//! claims, daemonsets, pool limits, capacity reservations, host ports, `minValues`, and
//! topology keys other than zone and hostname.

use std::collections::{BTreeSet, HashMap};

use karpenter_solver::{
    is_well_known_label, untolerated, CapacityType, Catalog, InstanceType, LabelSelector, Labels,
    Pod, Requirements, Resources, Snapshot, LABEL_ARCH, LABEL_CAPACITY_TYPE, LABEL_HOSTNAME,
    LABEL_INSTANCE_TYPE, LABEL_NODEPOOL, LABEL_OS, LABEL_ZONE,
};

/// What the baseline launches.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselinePlan {
    /// One entry per node launched.
    pub nodes: Vec<BaselineNode>,
    /// Pending pods placed nowhere, as indices into `snapshot.pods`.
    pub unschedulable: Vec<usize>,
    /// Sum of the nodes' prices, per hour.
    pub total_price: f64,
}

/// One node the baseline launches: the cheapest type its claim still held, and the offering
/// a launch would pick (reserved, then spot, then on-demand; cheapest within that).
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineNode {
    /// Index into `snapshot.node_pools`.
    pub node_pool: usize,
    /// Index into `catalog.instance_types`.
    pub instance_type: usize,
    /// The zone launched in.
    pub zone: String,
    /// How it is bought.
    pub capacity_type: CapacityType,
    /// Price per hour.
    pub price: f64,
    /// The pods on it, as indices into `snapshot.pods`, in placement order.
    pub pods: Vec<usize>,
}

/// Places the snapshot's pending pods first-fit-decreasing, as Karpenter does; see the
/// [module documentation](self) for what is and is not modelled.
///
/// # Examples
/// ```
/// use karpenter_solver::{Catalog, Snapshot};
/// use karpenter_solver_benches::{first_fit_decreasing, snapshot, synthetic_catalog, Mix};
/// let snap = Snapshot::from_slice(snapshot(50, Mix::Karpenter).as_bytes()).unwrap();
/// let catalog = Catalog::from_slice(synthetic_catalog().as_bytes()).unwrap();
/// let plan = first_fit_decreasing(&snap, &catalog);
/// assert!(plan.unschedulable.is_empty());
/// assert_eq!(plan.nodes.iter().map(|n| n.pods.len()).sum::<usize>(), 50);
/// ```
///
/// # Panics
/// If the catalog's offerings name more than 64 zones.
pub fn first_fit_decreasing(snapshot: &Snapshot, catalog: &Catalog) -> BaselinePlan {
    let model = Model::new(snapshot, catalog);
    let mut state = State::new(&model);
    let mut unschedulable = Vec::new();
    for p in 0..model.pods.len() {
        if !state.place(p) {
            unschedulable.push(model.pods[p].index);
        }
    }
    let mut nodes = Vec::with_capacity(state.claims.len());
    for claim in &state.claims {
        // A claim only keeps types with an offering in its zones, so a launch always exists.
        let Some(node) = model.launch(claim) else {
            unschedulable.extend(claim.pods.iter().map(|&p| model.pods[p as usize].index));
            continue;
        };
        nodes.push(node);
    }
    unschedulable.sort_unstable();
    let total_price = nodes.iter().map(|n| n.price).sum();
    BaselinePlan {
        nodes,
        unschedulable,
        total_price,
    }
}

/// Zones as bits of a `u64`; capacity types as bits of a `u8` (`1 << ct as u8`).
type ZoneSet = u64;
type CapacitySet = u8;

fn ct_bit(ct: CapacityType) -> CapacitySet {
    1 << ct as u8
}

/// What a pod's requirements allow within one pool.
struct Fit {
    /// Per catalog type, the zones of offerings the pool and pod both allow (0: type refused).
    zones: Vec<ZoneSet>,
    /// Every zone some allowed type offers: the domains a zone spread counts over.
    eligible: ZoneSet,
    /// Capacity types the pool and pod allow.
    capacity_types: CapacitySet,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Zone,
    Hostname,
}

/// Pods counted together: a selector over some namespaces (all when `None`), per domain of a
/// topology key.
#[derive(Clone, PartialEq, Eq, Hash)]
struct GroupDef {
    key: Key,
    selector: LabelSelector,
    namespaces: Option<Vec<String>>,
}

#[derive(Clone, Copy)]
enum Term {
    Spread {
        group: usize,
        max_skew: u32,
        min_domains: u32,
    },
    Affinity {
        group: usize,
    },
    AntiAffinity {
        group: usize,
    },
}

struct PodInfo {
    /// Index into `snapshot.pods`.
    index: usize,
    request: Vec<i64>,
    /// Per pool, what the pod's requirements allow; `None` where it cannot use the pool.
    fits: Vec<Option<usize>>,
    terms: Vec<Term>,
    /// Groups whose selector matches the pod.
    member_of: Vec<usize>,
    /// Anti-affinity groups the pod owns (it repels their members where it lands).
    repels: Vec<usize>,
}

/// An offering a launch may pick, its zone as an index into `Model::zones`.
struct Offer {
    zone: u8,
    capacity_type: CapacityType,
    price: f64,
}

struct Model {
    zones: Vec<String>,
    alloc: Vec<Vec<i64>>,
    /// Per type, its available offerings outside reservations, in launch order.
    offers: Vec<Vec<Offer>>,
    /// Indices into `snapshot.node_pools`, highest weight first.
    pools: Vec<usize>,
    fits: Vec<Fit>,
    groups: Vec<GroupDef>,
    /// Whether some pod owns an anti-affinity term on the group.
    repelling: Vec<bool>,
    /// Pending pods, in placement order.
    pods: Vec<PodInfo>,
}

impl Model {
    fn new(snapshot: &Snapshot, catalog: &Catalog) -> Model {
        let pending: Vec<(usize, &Pod)> = snapshot
            .pods
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_pending())
            .collect();

        let mut dims: BTreeSet<&str> = BTreeSet::from(["pods"]);
        for (_, p) in &pending {
            dims.extend(p.requests.names());
        }
        let dims: Vec<&str> = dims.into_iter().collect();
        let vector = |r: &Resources, pods: i64| -> Vec<i64> {
            dims.iter()
                .map(|&n| {
                    if n == "pods" && r.get("pods") == 0 {
                        pods
                    } else {
                        r.get(n)
                    }
                })
                .collect()
        };

        let mut zones: BTreeSet<&str> = BTreeSet::new();
        for t in &catalog.instance_types {
            zones.extend(t.offerings.iter().map(|o| o.zone.as_str()));
        }
        assert!(zones.len() <= 64, "the baseline handles at most 64 zones");
        let zones: Vec<String> = zones.into_iter().map(str::to_owned).collect();
        let alloc = catalog
            .instance_types
            .iter()
            .map(|t| vector(&t.allocatable(), 0))
            .collect();
        let offers = catalog
            .instance_types
            .iter()
            .map(|t| {
                let mut offers: Vec<Offer> = t
                    .offerings
                    .iter()
                    .filter(|o| o.available && o.capacity_type != CapacityType::Reserved)
                    .map(|o| Offer {
                        zone: zones.binary_search(&o.zone).unwrap_or(0) as u8,
                        capacity_type: o.capacity_type,
                        price: o.price,
                    })
                    .collect();
                offers.sort_by(|a, b| {
                    a.capacity_type
                        .cmp(&b.capacity_type)
                        .then(a.price.total_cmp(&b.price))
                });
                offers
            })
            .collect();
        let labels: Vec<Labels> = catalog.instance_types.iter().map(type_labels).collect();
        let mut type_keys: BTreeSet<&str> =
            BTreeSet::from([LABEL_INSTANCE_TYPE, LABEL_ARCH, LABEL_OS]);
        for l in &labels {
            type_keys.extend(l.keys().map(String::as_str));
        }

        let mut order: Vec<usize> = (0..snapshot.node_pools.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&snapshot.node_pools[a], &snapshot.node_pools[b]);
            b.weight.cmp(&a.weight).then_with(|| a.name.cmp(&b.name))
        });
        let templates: Vec<Requirements> = order
            .iter()
            .map(|&i| {
                let pool = &snapshot.node_pools[i];
                let mut t = pool.requirements.clone();
                t.add_all(&Requirements::from_labels(&pool.labels));
                t.add(karpenter_solver::Requirement::single(
                    LABEL_NODEPOOL,
                    pool.name.clone(),
                ));
                t
            })
            .collect();

        let mut fits = Vec::new();
        let mut fit_ids: HashMap<(usize, Requirements), Option<usize>> = HashMap::new();
        let mut groups: Vec<GroupDef> = Vec::new();
        let mut group_ids: HashMap<GroupDef, usize> = HashMap::new();
        let mut intern = |def: GroupDef| -> usize {
            *group_ids.entry(def).or_insert_with_key(|def| {
                groups.push(def.clone());
                groups.len() - 1
            })
        };

        let mut pods = Vec::with_capacity(pending.len());
        for &(index, pod) in &pending {
            let reqs = pod_requirements(pod);
            let mut pod_fits = Vec::with_capacity(order.len());
            for (p, &pool) in order.iter().enumerate() {
                let np = &snapshot.node_pools[pool];
                if untolerated(&np.taints, &pod.tolerations).is_some() {
                    pod_fits.push(None);
                    continue;
                }
                let id = *fit_ids.entry((p, reqs.clone())).or_insert_with(|| {
                    let fit = fit(&templates[p], &reqs, catalog, &labels, &type_keys, &zones)?;
                    fits.push(fit);
                    Some(fits.len() - 1)
                });
                pod_fits.push(id);
            }

            let mut terms = Vec::new();
            let mut repels = Vec::new();
            for c in &pod.topology_spread {
                let Some(key) = key_of(&c.topology_key) else {
                    continue;
                };
                let mut selector = c.selector.clone();
                for k in &c.match_label_keys {
                    if let Some(v) = pod.labels.get(k) {
                        selector.match_labels.insert(k.clone(), v.clone());
                    }
                }
                // ScheduleAnyway is held as required too: Karpenter relaxes it only on failure.
                let group = intern(GroupDef {
                    key,
                    selector,
                    namespaces: Some(vec![pod.namespace.clone()]),
                });
                terms.push(Term::Spread {
                    group,
                    max_skew: c.max_skew.max(1) as u32,
                    min_domains: c.min_domains.unwrap_or(0).max(0) as u32,
                });
            }
            let affinity_terms = pod
                .pod_affinity
                .required
                .iter()
                .chain(pod.pod_affinity.preferred.iter().map(|w| &w.term))
                .map(|t| (false, t));
            let anti_terms = pod
                .pod_anti_affinity
                .required
                .iter()
                .chain(pod.pod_anti_affinity.preferred.iter().map(|w| &w.term))
                .map(|t| (true, t));
            for (anti, t) in affinity_terms.chain(anti_terms) {
                let Some(key) = key_of(&t.topology_key) else {
                    continue;
                };
                let namespaces = if t.namespace_selector.is_some() {
                    None
                } else if t.namespaces.is_empty() {
                    Some(vec![pod.namespace.clone()])
                } else {
                    let mut ns = t.namespaces.clone();
                    ns.sort();
                    Some(ns)
                };
                let group = intern(GroupDef {
                    key,
                    selector: t.selector.clone(),
                    namespaces,
                });
                if anti {
                    terms.push(Term::AntiAffinity { group });
                    repels.push(group);
                } else {
                    terms.push(Term::Affinity { group });
                }
            }
            pods.push(PodInfo {
                index,
                request: vector(&pod.requests, 1),
                fits: pod_fits,
                terms,
                member_of: Vec::new(),
                repels,
            });
        }

        let mut repelling = vec![false; groups.len()];
        for p in &pods {
            for &g in &p.repels {
                repelling[g] = true;
            }
        }
        for (info, &(_, pod)) in pods.iter_mut().zip(&pending) {
            info.member_of = groups
                .iter()
                .enumerate()
                .filter(|(_, g)| {
                    g.namespaces
                        .as_ref()
                        .is_none_or(|ns| ns.contains(&pod.namespace))
                        && g.selector.matches(&pod.labels)
                })
                .map(|(i, _)| i)
                .collect();
        }

        // Karpenter's queue order: CPU, then memory, largest first; then creation time and UID.
        let cpu = dims.iter().position(|&d| d == "cpu");
        let memory = dims.iter().position(|&d| d == "memory");
        let at = |v: &[i64], i: Option<usize>| i.map_or(0, |i| v[i]);
        let mut keyed: Vec<(usize, PodInfo)> = pods.into_iter().enumerate().collect();
        keyed.sort_by(|(i, a), (j, b)| {
            let (pa, pb) = (pending[*i].1, pending[*j].1);
            at(&b.request, cpu)
                .cmp(&at(&a.request, cpu))
                .then_with(|| at(&b.request, memory).cmp(&at(&a.request, memory)))
                .then_with(|| pa.created.cmp(&pb.created))
                .then_with(|| pa.uid.cmp(&pb.uid))
        });
        let pods = keyed.into_iter().map(|(_, p)| p).collect();

        Model {
            zones,
            alloc,
            offers,
            pools: order,
            fits,
            groups,
            repelling,
            pods,
        }
    }

    /// The node a claim launches as: over its types, the offering a launch picks (reserved,
    /// spot, on-demand, then price) in the claim's zones; the cheapest such type wins.
    fn launch(&self, claim: &Claim) -> Option<BaselineNode> {
        let mut best: Option<(usize, &Offer)> = None;
        for &t in &claim.types {
            let offer = self.offers[t as usize].iter().find(|o| {
                claim.capacity_types & ct_bit(o.capacity_type) != 0
                    && claim.zones & (1 << o.zone) != 0
            });
            if let Some(o) = offer {
                if best.is_none_or(|(_, b)| o.price < b.price) {
                    best = Some((t as usize, o));
                }
            }
        }
        let (t, o) = best?;
        Some(BaselineNode {
            node_pool: self.pools[claim.pool],
            instance_type: t,
            zone: self.zones[o.zone as usize].clone(),
            capacity_type: o.capacity_type,
            price: o.price,
            pods: claim
                .pods
                .iter()
                .map(|&p| self.pods[p as usize].index)
                .collect(),
        })
    }
}

/// A type's labels as the solver sees them: its own, `os`/`arch` defaulted to `linux`/`amd64`,
/// and its name.
fn type_labels(it: &InstanceType) -> Labels {
    let mut labels = it.labels.clone();
    labels
        .entry(LABEL_OS.into())
        .or_insert_with(|| "linux".into());
    labels
        .entry(LABEL_ARCH.into())
        .or_insert_with(|| "amd64".into());
    labels.insert(LABEL_INSTANCE_TYPE.into(), it.name.clone());
    labels
}

/// The node selector and the first required node-affinity term (Karpenter tries the first
/// term and relaxes to later ones only on failure).
fn pod_requirements(pod: &Pod) -> Requirements {
    let mut reqs = Requirements::from_labels(&pod.node_selector);
    if let Some(term) = pod.required_node_affinity.first() {
        reqs.add_all(term);
    }
    reqs
}

fn key_of(topology_key: &str) -> Option<Key> {
    match topology_key {
        LABEL_ZONE => Some(Key::Zone),
        LABEL_HOSTNAME => Some(Key::Hostname),
        _ => None,
    }
}

/// What `pod` (its requirements) allows under a pool's `template`, or `None` if nothing.
fn fit(
    template: &Requirements,
    pod: &Requirements,
    catalog: &Catalog,
    labels: &[Labels],
    type_keys: &BTreeSet<&str>,
    zones: &[String],
) -> Option<Fit> {
    template
        .compatible(pod, |k| is_well_known_label(k) || type_keys.contains(k))
        .ok()?;
    let mut merged = template.clone();
    merged.add_all(pod);
    let zone_req = merged.get(LABEL_ZONE);
    let ct_req = merged.get(LABEL_CAPACITY_TYPE);
    let capacity_types = CapacityType::ALL
        .into_iter()
        .filter(|ct| ct_req.is_none_or(|r| r.has(ct.as_str())))
        .fold(0, |acc, ct| acc | ct_bit(ct));
    let mut out = Fit {
        zones: vec![0; catalog.instance_types.len()],
        eligible: 0,
        capacity_types,
    };
    for (t, it) in catalog.instance_types.iter().enumerate() {
        let refused = merged.iter().any(|r| {
            r.key != LABEL_ZONE
                && r.key != LABEL_CAPACITY_TYPE
                && type_keys.contains(r.key.as_str())
                && !r.matches(labels[t].get(&r.key).map(String::as_str))
        });
        if refused {
            continue;
        }
        let mut z = 0;
        for o in &it.offerings {
            if o.available
                && o.capacity_type != CapacityType::Reserved
                && capacity_types & ct_bit(o.capacity_type) != 0
                && zone_req.is_none_or(|r| r.has(&o.zone))
            {
                let i = zones.binary_search(&o.zone).unwrap_or(0);
                z |= 1 << i;
            }
        }
        out.zones[t] = z;
        out.eligible |= z;
    }
    (out.eligible != 0).then_some(out)
}

/// Per-claim counts of a hostname group: its members on the claim, and the pods there that
/// repel its members.
#[derive(Clone, Copy)]
struct HostCount {
    group: usize,
    members: u32,
    repellers: u32,
}

struct Claim {
    pool: usize,
    /// Catalog indices of the types that still hold every pod.
    types: Vec<u32>,
    /// Per resource, the largest allocatable among `types`: a cheap first refusal.
    room: Vec<i64>,
    used: Vec<i64>,
    zones: ZoneSet,
    capacity_types: CapacitySet,
    hostname: Vec<HostCount>,
    pods: Vec<u32>,
}

impl Claim {
    fn host(&self, group: usize) -> HostCount {
        self.hostname
            .iter()
            .copied()
            .find(|h| h.group == group)
            .unwrap_or(HostCount {
                group,
                members: 0,
                repellers: 0,
            })
    }
}

struct State<'m> {
    model: &'m Model,
    claims: Vec<Claim>,
    /// `(pods, claim)`: Karpenter tries earlier claims fewest pods first.
    order: BTreeSet<(u32, u32)>,
    /// Per zone group, members per zone, counted once their claim is narrowed to that zone.
    zone_members: Vec<Vec<u32>>,
    /// Per zone group, members per zone, counted in every zone their claim may launch in:
    /// what anti-affinity sees.
    zone_anywhere: Vec<Vec<u32>>,
    /// Per zone group, pods repelling its members, per zone.
    zone_repellers: Vec<Vec<u32>>,
    /// Per group, members placed anywhere.
    placed: Vec<u32>,
    scratch: Scratch,
}

/// Buffers reused across attempts, so trying a claim allocates nothing.
#[derive(Default)]
struct Scratch {
    /// The claim's types that would remain.
    kept: Vec<u32>,
    /// The claim's requests with the pod added.
    need: Vec<i64>,
}

impl<'m> State<'m> {
    fn new(model: &'m Model) -> Self {
        let n = model.groups.len();
        State {
            model,
            claims: Vec::new(),
            order: BTreeSet::new(),
            zone_members: vec![vec![0; model.zones.len()]; n],
            zone_anywhere: vec![vec![0; model.zones.len()]; n],
            zone_repellers: vec![vec![0; model.zones.len()]; n],
            placed: vec![0; n],
            scratch: Scratch::default(),
        }
    }

    fn place(&mut self, p: usize) -> bool {
        let model = self.model;
        let pod = &model.pods[p];
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut chosen = None;
        for &(_, c) in &self.order {
            let claim = &self.claims[c as usize];
            let Some(fit) = pod.fits[claim.pool] else {
                continue;
            };
            if let Some(zones) = self.admit(pod, &model.fits[fit], claim, &mut scratch) {
                chosen = Some((c as usize, zones));
                break;
            }
        }
        if let Some((c, zones)) = chosen {
            let claim = &mut self.claims[c];
            let before = claim.pods.len() as u32;
            claim.types.clone_from(&scratch.kept);
            self.order.remove(&(before, c as u32));
            self.order.insert((before + 1, c as u32));
            self.commit(p, c, zones);
            self.scratch = scratch;
            return true;
        }
        for (pool, fit) in pod.fits.iter().enumerate() {
            let Some(fit) = *fit else { continue };
            let fit = &model.fits[fit];
            let types: Vec<u32> = (0..model.alloc.len())
                .filter(|&t| fit.zones[t] != 0 && fits(&pod.request, &model.alloc[t]))
                .map(|t| t as u32)
                .collect();
            let zones = types.iter().fold(0, |z, &t| z | fit.zones[t as usize]);
            let claim = Claim {
                pool,
                room: vec![i64::MAX; pod.request.len()],
                used: vec![0; pod.request.len()],
                types,
                zones,
                capacity_types: fit.capacity_types,
                hostname: Vec::new(),
                pods: Vec::new(),
            };
            let Some(zones) = self.admit(pod, fit, &claim, &mut scratch) else {
                continue;
            };
            let mut claim = claim;
            claim.types.clone_from(&scratch.kept);
            let c = self.claims.len();
            self.claims.push(claim);
            self.order.insert((1, c as u32));
            self.commit(p, c, zones);
            self.scratch = scratch;
            return true;
        }
        self.scratch = scratch;
        false
    }

    /// Whether `pod` can join `claim`: the zones it would narrow the claim to, with the types
    /// that would remain left in `scratch.kept`.
    fn admit(
        &self,
        pod: &PodInfo,
        fit: &Fit,
        claim: &Claim,
        scratch: &mut Scratch,
    ) -> Option<ZoneSet> {
        let model = self.model;
        // Hostname terms first: they refuse most claims and cost nothing.
        for term in &pod.terms {
            let refused = match *term {
                Term::Spread {
                    group, max_skew, ..
                } if model.groups[group].key == Key::Hostname => {
                    // The global minimum over hostnames is always zero: a new node is a domain.
                    let own = u32::from(pod.member_of.contains(&group));
                    claim.host(group).members + own > max_skew
                }
                Term::Affinity { group } if model.groups[group].key == Key::Hostname => {
                    let bootstrap = self.placed[group] == 0 && pod.member_of.contains(&group);
                    claim.host(group).members == 0 && !bootstrap
                }
                Term::AntiAffinity { group } if model.groups[group].key == Key::Hostname => {
                    claim.host(group).members > 0
                }
                _ => false,
            };
            if refused {
                return None;
            }
        }
        for &g in &pod.member_of {
            if model.repelling[g]
                && model.groups[g].key == Key::Hostname
                && claim.host(g).repellers > 0
            {
                return None;
            }
        }

        self.narrow(pod, fit, claim.zones & fit.eligible)?;
        let Scratch { kept, need } = scratch;
        need.clear();
        need.extend(claim.used.iter().zip(&pod.request).map(|(u, r)| u + r));
        if !fits(need, &claim.room) {
            return None;
        }
        kept.clear();
        let mut zones = 0;
        for &t in &claim.types {
            let z = fit.zones[t as usize] & claim.zones;
            if z != 0 && fits(need, &model.alloc[t as usize]) {
                kept.push(t);
                zones |= z;
            }
        }
        if zones == 0 {
            return None;
        }

        // Zone terms narrow the zones; Karpenter applies topology after the type filter.
        let zones = self.narrow(pod, fit, zones)?;
        kept.retain(|&t| fit.zones[t as usize] & zones != 0);
        Some(zones)
    }

    /// The zones among `zones` that the pod's zone terms (and the anti-affinity of pods it
    /// matches) leave, or `None` if none. Narrowing a subset of `zones` leaves a subset of the
    /// result, so a `None` on a claim's zones refuses the claim before its types are scanned.
    fn narrow(&self, pod: &PodInfo, fit: &Fit, mut zones: ZoneSet) -> Option<ZoneSet> {
        let model = self.model;
        for term in &pod.terms {
            match *term {
                Term::Spread {
                    group,
                    max_skew,
                    min_domains,
                } if model.groups[group].key == Key::Zone => {
                    let counts = &self.zone_members[group];
                    let eligible = fit.eligible;
                    let min = if eligible.count_ones() < min_domains {
                        0
                    } else {
                        bits(eligible).map(|z| counts[z]).min().unwrap_or(0)
                    };
                    let own = u32::from(pod.member_of.contains(&group));
                    let pick = bits(zones)
                        .filter(|&z| counts[z] + own <= min + max_skew)
                        .min_by_key(|&z| counts[z])?;
                    zones = 1 << pick;
                }
                Term::Affinity { group } if model.groups[group].key == Key::Zone => {
                    let counts = &self.zone_members[group];
                    let options = bits(fit.eligible)
                        .filter(|&z| counts[z] > 0)
                        .fold(0, |acc, z| acc | 1 << z);
                    if options == 0 && pod.member_of.contains(&group) {
                        zones = 1 << zones.trailing_zeros();
                    } else {
                        zones &= options;
                    }
                }
                Term::AntiAffinity { group } if model.groups[group].key == Key::Zone => {
                    let counts = &self.zone_anywhere[group];
                    zones &= !bits(zones)
                        .filter(|&z| counts[z] > 0)
                        .fold(0, |acc, z| acc | 1 << z);
                }
                _ => {}
            }
            if zones == 0 {
                return None;
            }
        }
        for &g in &pod.member_of {
            if model.repelling[g] && model.groups[g].key == Key::Zone {
                let counts = &self.zone_repellers[g];
                zones &= !bits(zones)
                    .filter(|&z| counts[z] > 0)
                    .fold(0, |acc, z| acc | 1 << z);
                if zones == 0 {
                    return None;
                }
            }
        }
        Some(zones)
    }

    fn commit(&mut self, p: usize, c: usize, zones: ZoneSet) {
        let model = self.model;
        let pod = &model.pods[p];
        let fit = &model.fits[pod.fits[self.claims[c].pool].expect("admitted pods fit the pool")];
        let claim = &mut self.claims[c];
        for (u, r) in claim.used.iter_mut().zip(&pod.request) {
            *u += r;
        }
        claim.room.iter_mut().for_each(|r| *r = 0);
        for &t in &claim.types {
            for (r, &a) in claim.room.iter_mut().zip(&model.alloc[t as usize]) {
                *r = (*r).max(a);
            }
        }
        claim.zones = zones;
        claim.capacity_types &= fit.capacity_types;
        claim.pods.push(p as u32);
        let single = zones.count_ones() == 1;
        let bump = |claim: &mut Claim, group: usize, members: u32, repellers: u32| match claim
            .hostname
            .iter_mut()
            .find(|h| h.group == group)
        {
            Some(h) => {
                h.members += members;
                h.repellers += repellers;
            }
            None => claim.hostname.push(HostCount {
                group,
                members,
                repellers,
            }),
        };
        for &g in &pod.member_of {
            self.placed[g] += 1;
            match model.groups[g].key {
                Key::Hostname => bump(claim, g, 1, 0),
                Key::Zone => {
                    // A claim not yet narrowed to one zone counts for spread and affinity
                    // nowhere, but anti-affinity sees it in every zone it may launch in.
                    if single {
                        self.zone_members[g][zones.trailing_zeros() as usize] += 1;
                    }
                    for z in bits(zones) {
                        self.zone_anywhere[g][z] += 1;
                    }
                }
            }
        }
        for &g in &pod.repels {
            match model.groups[g].key {
                Key::Hostname => bump(claim, g, 0, 1),
                Key::Zone => {
                    for z in bits(zones) {
                        self.zone_repellers[g][z] += 1;
                    }
                }
            }
        }
    }
}

fn fits(need: &[i64], room: &[i64]) -> bool {
    need.iter().zip(room).all(|(n, r)| n <= r)
}

/// The set bits of `set`, lowest first.
fn bits(mut set: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if set == 0 {
            return None;
        }
        let z = set.trailing_zeros() as usize;
        set &= set - 1;
        Some(z)
    })
}
