//! The compact model a solve works on: dense resource vectors, instance types with their
//! derived labels, pools with their templates, and pending pods grouped into classes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::daemon_set::DaemonSet;
use crate::instance_type::{CapacityType, Catalog, InstanceType, Offering};
use crate::labels::{
    is_well_known_label, Labels, LABEL_ARCH, LABEL_CAPACITY_TYPE, LABEL_HOSTNAME,
    LABEL_INSTANCE_TYPE, LABEL_NODEPOOL, LABEL_OS, LABEL_ZONE,
};
use crate::node_pool::NodePool;
use crate::pod::{HostPort, Pod};
use crate::requirements::{Requirement, Requirements};
use crate::resources::Resources;
use crate::snapshot::Snapshot;
use crate::taints::{untolerated, Taint, Toleration};

use super::topology::{Constraint, Softness};

/// Resource names mapped to positions in dense vectors. Only resources some pending pod or
/// daemonset requests matter for fitting; `pods` is always present.
pub(crate) struct Dims {
    pub names: Vec<String>,
}

impl Dims {
    pub fn new(snapshot: &Snapshot) -> Dims {
        let mut names: BTreeSet<String> = BTreeSet::from(["pods".to_owned()]);
        // Thousands of pods name the same few resources: a name is copied only when new.
        let mut see = |n: &str| {
            if !names.contains(n) {
                names.insert(n.to_owned());
            }
        };
        // Pods of deleting nodes are placed too, so every live pod's resources count.
        for p in snapshot.pods.iter().filter(|p| !p.phase.is_terminal()) {
            p.requests.names().for_each(&mut see);
        }
        for d in &snapshot.daemon_sets {
            d.requests.names().for_each(&mut see);
        }
        Dims {
            names: names.into_iter().collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// A dense vector of `r`; `pods` counts `pods` if `r` does not say.
    pub fn vector(&self, r: &Resources, pods: i64) -> Vec<i64> {
        self.names
            .iter()
            .map(|n| {
                if n == "pods" && r.get("pods") == 0 {
                    pods
                } else {
                    r.get(n)
                }
            })
            .collect()
    }

    pub fn to_resources(&self, v: &[i64]) -> Resources {
        self.names
            .iter()
            .zip(v)
            .map(|(n, &x)| (n.as_str(), x))
            .collect()
    }
}

pub(crate) fn fits(need: &[i64], room: &[i64]) -> bool {
    need.iter().zip(room).all(|(n, r)| n <= r)
}

pub(crate) fn add_scaled(acc: &mut [i64], v: &[i64], k: i64) {
    for (a, x) in acc.iter_mut().zip(v) {
        *a = a.saturating_add(x.saturating_mul(k));
    }
}

/// How many copies of `need` fit in `room`.
pub(crate) fn copies(need: &[i64], room: &[i64]) -> i64 {
    let mut k = i64::MAX;
    for (&n, &r) in need.iter().zip(room) {
        if n > 0 {
            k = k.min(if r < 0 { -1 } else { r / n });
        } else if r < 0 {
            return -1;
        }
    }
    k.max(-1)
}

/// An instance type as the solve sees it.
pub(crate) struct TypeInfo<'a> {
    pub it: &'a InstanceType,
    pub alloc: Vec<i64>,
}

/// Whether `key` is decided by the instance type and offering rather than the pool.
pub(crate) struct TypeKeys<'a>(Vec<&'a str>);

impl<'a> TypeKeys<'a> {
    pub fn new(catalog: &'a Catalog) -> TypeKeys<'a> {
        // Few distinct keys across thousands of types: a sorted list searched by bisection
        // beats hashing every label key of every type.
        let mut keys: Vec<&'a str> = vec![
            LABEL_INSTANCE_TYPE,
            LABEL_ZONE,
            LABEL_CAPACITY_TYPE,
            LABEL_ARCH,
            LABEL_OS,
        ];
        keys.sort_unstable();
        for t in &catalog.instance_types {
            for k in t.labels.keys() {
                if let Err(at) = keys.binary_search(&k.as_str()) {
                    keys.insert(at, k.as_str());
                }
            }
        }
        TypeKeys(keys)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.0.binary_search(&key).is_ok()
    }
}

impl<'a> TypeInfo<'a> {
    pub fn new(it: &'a InstanceType, dims: &Dims) -> TypeInfo<'a> {
        let a = it.allocatable();
        TypeInfo {
            it,
            alloc: dims.vector(&a, 0),
        }
    }

    /// Every label of the type, as [`Self::label`] reads them.
    pub fn labels(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        let it = self.it;
        let defaults = [(LABEL_OS, "linux"), (LABEL_ARCH, "amd64")]
            .into_iter()
            .filter(move |(k, _)| !it.labels.contains_key(*k));
        it.labels
            .iter()
            .filter(|(k, _)| k.as_str() != LABEL_INSTANCE_TYPE)
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(defaults)
            .chain(std::iter::once((LABEL_INSTANCE_TYPE, it.name.as_str())))
    }

    /// The type's label `key`: its name for the instance-type label, `kubernetes.io/os` and
    /// `kubernetes.io/arch` defaulted to `linux`/`amd64` when the catalog leaves them out.
    /// Read in place rather than copied, as a solve sees the whole catalog every call.
    pub fn label(&self, key: &str) -> Option<&'a str> {
        if key == LABEL_INSTANCE_TYPE {
            return Some(self.it.name.as_str());
        }
        match self.it.labels.get(key) {
            Some(v) => Some(v.as_str()),
            None if key == LABEL_OS => Some("linux"),
            None if key == LABEL_ARCH => Some("amd64"),
            None => None,
        }
    }

    /// Whether the type's labels and some available offering satisfy `reqs` on every key
    /// the type decides.
    pub fn admits(&self, reqs: &Requirements, keys: &TypeKeys<'_>) -> bool {
        for r in reqs.iter() {
            if r.key == LABEL_ZONE || r.key == LABEL_CAPACITY_TYPE || !keys.contains(&r.key) {
                continue;
            }
            if !r.matches(self.label(&r.key)) {
                return false;
            }
        }
        self.offerings(reqs).next().is_some()
    }

    /// Available offerings whose zone and capacity type `reqs` allow.
    pub fn offerings<'r>(
        &'a self,
        reqs: &'r Requirements,
    ) -> impl Iterator<Item = &'a Offering> + 'r
    where
        'a: 'r,
    {
        let zone = reqs.get(LABEL_ZONE);
        let ct = reqs.get(LABEL_CAPACITY_TYPE);
        self.it.offerings.iter().filter(move |o| {
            o.available
                && zone.is_none_or(|z| z.has(&o.zone))
                && ct.is_none_or(|c| c.has(o.capacity_type.as_str()))
        })
    }

    /// Positions of the available offerings whose zone and capacity type `reqs` allow.
    pub fn offering_indices<'r>(
        &'a self,
        reqs: &'r Requirements,
    ) -> impl Iterator<Item = usize> + 'r
    where
        'a: 'r,
    {
        let zone = reqs.get(LABEL_ZONE);
        let ct = reqs.get(LABEL_CAPACITY_TYPE);
        self.it
            .offerings
            .iter()
            .enumerate()
            .filter_map(move |(i, o)| {
                (o.available
                    && zone.is_none_or(|z| z.has(&o.zone))
                    && ct.is_none_or(|c| c.has(o.capacity_type.as_str())))
                .then_some(i)
            })
    }

    /// The cheapest available offering `reqs` allows, preferring capacity types in launch
    /// order (reserved, spot, on-demand).
    pub fn launch_offering(
        &self,
        reqs: &Requirements,
        reserved_left: &HashMap<String, i64>,
    ) -> Option<&Offering> {
        let mut best: Option<&Offering> = None;
        for o in self.offerings(reqs) {
            if o.capacity_type == CapacityType::Reserved && !reservation_open(o, reserved_left) {
                continue;
            }
            best = match best {
                None => Some(o),
                Some(b) if (o.capacity_type, o.price) < (b.capacity_type, b.price) => Some(o),
                Some(b) => Some(b),
            };
        }
        best
    }
}

pub(crate) fn reservation_open(o: &Offering, reserved_left: &HashMap<String, i64>) -> bool {
    match &o.reservation_id {
        Some(id) => reserved_left.get(id).copied().unwrap_or(0) > 0,
        None => o.reservation_capacity.unwrap_or(1) > 0,
    }
}

/// A NodePool ready to launch from.
pub(crate) struct PoolInfo<'a> {
    pub pool: &'a NodePool,
    /// Pool requirements, template labels and `karpenter.sh/nodepool In [name]`.
    pub template: Requirements,
    /// Catalog indices of the types the template admits.
    pub types: Vec<usize>,
    /// Daemonset overhead on a node of each type in `types` (parallel), with pods counted.
    pub overhead: Vec<Vec<i64>>,
    /// Per position in `types`, its overhead then its type's allocatable, side by side: fit
    /// checks run over every type of thousands of claims, and one table spares them two
    /// lookups a type.
    fit: Vec<i64>,
    /// Pool limits left, or `None` when unlimited.
    pub limits_left: Option<Resources>,
    /// Host ports the daemonsets that run on the pool's nodes bind.
    pub daemon_ports: Vec<HostPort>,
}

impl<'a> PoolInfo<'a> {
    pub fn new(
        pool: &'a NodePool,
        types: &[TypeInfo<'_>],
        keys: &TypeKeys<'_>,
        daemon_sets: &[DaemonSet],
        dims: &Dims,
        used_capacity: &Resources,
    ) -> PoolInfo<'a> {
        let template = template_of(pool, None);
        let mut kept = Vec::new();
        let mut overhead = Vec::new();
        for (i, t) in types.iter().enumerate() {
            if !t.admits(&template, keys) {
                continue;
            }
            kept.push(i);
            overhead.push(daemon_overhead(
                t,
                &template,
                &pool.taints,
                daemon_sets,
                dims,
            ));
        }
        let limits_left = if pool.limits.names().next().is_none() {
            None
        } else {
            // Only the resources the pool limits count; what existing nodes use is subtracted.
            Some(
                pool.limits
                    .iter()
                    .map(|(name, limit)| (name, limit - used_capacity.get(name)))
                    .collect(),
            )
        };
        let daemon_ports = daemon_sets
            .iter()
            .filter(|d| daemon_runs(d, &template, &pool.taints))
            .flat_map(|d| d.host_ports.iter().cloned())
            .collect();
        let fit = kept
            .iter()
            .zip(&overhead)
            .flat_map(|(&i, o)| o.iter().chain(&types[i].alloc).copied())
            .collect();
        PoolInfo {
            pool,
            template,
            types: kept,
            overhead,
            fit,
            limits_left,
            daemon_ports,
        }
    }

    /// [`fits_with`] for the type at position `j`: `used` plus its overhead within its
    /// allocatable.
    pub fn fits_at(&self, j: usize, used: &[i64]) -> bool {
        let d = used.len();
        let Some(row) = self.fit.get(j * 2 * d..(j + 1) * 2 * d) else {
            return false;
        };
        let (overhead, alloc) = row.split_at(d);
        fits_with(used, overhead, alloc)
    }

    /// Whether a node of `capacity` may still be launched within the limits.
    pub fn within_limits(&self, capacity: &Resources) -> bool {
        match &self.limits_left {
            None => true,
            Some(left) => left.iter().all(|(name, amount)| {
                let need = if name == "nodes" {
                    1
                } else {
                    capacity.get(name)
                };
                need <= amount
            }),
        }
    }

    pub fn charge(&mut self, capacity: &Resources) {
        if let Some(left) = &mut self.limits_left {
            let names: Vec<String> = left.names().map(str::to_owned).collect();
            for name in names {
                let need = if name == "nodes" {
                    1
                } else {
                    capacity.get(&name)
                };
                left.add_amount(&name, -need);
            }
        }
    }
}

/// A pool's template: its requirements (less the one on `without`, if given), its template
/// labels and `karpenter.sh/nodepool In [name]`.
pub(crate) fn template_of(pool: &NodePool, without: Option<&str>) -> Requirements {
    let mut template = pool.requirements.clone();
    if let Some(key) = without {
        template.remove(key);
    }
    for (k, v) in &pool.labels {
        template.add(Requirement::single(k.clone(), v.clone()));
    }
    template.add(Requirement::single(LABEL_NODEPOOL, pool.name.clone()));
    template
}

/// The requests of the daemonsets that would run on a node of type `t` launched from
/// `template` with `taints`, each daemon pod counted.
pub(crate) fn daemon_overhead(
    t: &TypeInfo<'_>,
    template: &Requirements,
    taints: &[Taint],
    daemon_sets: &[DaemonSet],
    dims: &Dims,
) -> Vec<i64> {
    let mut ovh = vec![0; dims.len()];
    if daemon_sets.is_empty() {
        return ovh;
    }
    let mut node_reqs = template.clone();
    for (k, v) in t.labels() {
        node_reqs.add(Requirement::single(k.to_owned(), v.to_owned()));
    }
    for d in daemon_sets {
        if daemon_runs(d, &node_reqs, taints) {
            add_scaled(&mut ovh, &dims.vector(&d.requests, 1), 1);
        }
    }
    ovh
}

/// Whether a daemonset's pods would run on a node with `node_reqs` and `taints`: it tolerates
/// every blocking taint and its node selector and affinity can hold there.
pub(crate) fn daemon_runs(d: &DaemonSet, node_reqs: &Requirements, taints: &[Taint]) -> bool {
    if untolerated(taints, &d.tolerations).is_some() {
        return false;
    }
    // Well-known keys the node leaves open (its zone, before launch) may still match: the
    // daemon is counted wherever it might run, as Karpenter does.
    let selector = Requirements::from_labels(&d.node_selector);
    if node_reqs
        .compatible(&selector, is_well_known_label)
        .is_err()
    {
        return false;
    }
    d.required_node_affinity.is_empty()
        || d.required_node_affinity
            .iter()
            .any(|term| node_reqs.compatible(term, is_well_known_label).is_ok())
}

/// Whether a daemonset's pods would run on an existing node with these labels and taints.
pub(crate) fn daemon_runs_on_labels(d: &DaemonSet, labels: &Labels, taints: &[Taint]) -> bool {
    untolerated(taints, &d.tolerations).is_none()
        && d.node_selector
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
        && (d.required_node_affinity.is_empty()
            || d.required_node_affinity
                .iter()
                .any(|t| t.matches_labels(labels)))
}

/// One way to place a class: its strict requirements plus the preferences still honoured.
pub(crate) struct Alternative {
    pub reqs: Requirements,
    /// `reqs` interned in the solve's [`ReqTable`].
    pub reqs_id: u32,
    /// Which of the class's topology constraints still hold.
    pub active: Vec<bool>,
    /// Whether `PreferNoSchedule` taints must still be tolerated (Karpenter's last
    /// relaxation step lifts this).
    pub strict_taints: bool,
    /// The preferences dropped to reach this alternative, in words.
    pub dropped: Vec<String>,
}

/// Identical pending pods: same requests, constraints, namespace and relevant labels.
pub(crate) struct Class<'a> {
    /// A representative pod: every member is identical to it for placement.
    pub pod: &'a Pod,
    /// Topology constraints (spread, pod affinity, anti-affinity), filled in by the solve.
    pub constraints: Vec<Constraint>,
    /// Pod indices into the snapshot, in placement order.
    pub members: Vec<usize>,
    pub req: Vec<i64>,
    pub alternatives: Vec<Alternative>,
    pub tolerations: &'a [Toleration],
    pub host_ports: &'a [HostPort],
}

/// Groups pending pods into classes, ordered as Karpenter's queue orders pods: CPU request
/// descending, then memory descending, then creation time and name.
pub(crate) fn classes<'a>(
    snapshot: &'a Snapshot,
    pending: &[usize],
    dims: &Dims,
) -> Vec<Class<'a>> {
    // Only labels some selector reads can tell two otherwise identical pods apart.
    let mut selected_keys: BTreeSet<&str> = BTreeSet::new();
    for p in &snapshot.pods {
        for t in p
            .pod_affinity
            .required
            .iter()
            .chain(&p.pod_anti_affinity.required)
        {
            selected_keys.extend(selector_keys(&t.selector));
        }
        for t in p
            .pod_affinity
            .preferred
            .iter()
            .chain(&p.pod_anti_affinity.preferred)
        {
            selected_keys.extend(selector_keys(&t.term.selector));
        }
        for s in &p.topology_spread {
            selected_keys.extend(selector_keys(&s.selector));
            selected_keys.extend(s.match_label_keys.iter().map(String::as_str));
        }
    }
    // Looked up once per pending pod; nothing iterates it, so the fast hash changes no order.
    let mut by_key: crate::fast_hash::FastMap<ClassKey<'a>, usize> = Default::default();
    let mut out: Vec<Class<'a>> = Vec::new();
    // Sort keys looked up once per pod, not once per comparison. The position in `pending`
    // breaks the last ties, so the unstable sort orders as a stable one would.
    let mut order: Vec<(i64, i64, usize, usize)> = pending
        .iter()
        .enumerate()
        .map(|(pos, &i)| {
            let r = &snapshot.pods[i].requests;
            (r.get("cpu"), r.get("memory"), i, pos)
        })
        .collect();
    order.sort_unstable_by(|&(ca, ma, a, pa_pos), &(cb, mb, b, pb_pos)| {
        let (pa, pb) = (&snapshot.pods[a], &snapshot.pods[b]);
        cb.cmp(&ca)
            .then(mb.cmp(&ma))
            .then(pa.created.cmp(&pb.created))
            .then_with(|| pa.namespace.cmp(&pb.namespace))
            .then_with(|| pa.name.cmp(&pb.name))
            .then(pa_pos.cmp(&pb_pos))
    });
    // The selected labels of the pod at hand; a new class keeps them, a pod joining one
    // hands the buffer on.
    let mut scratch: Vec<(&str, &str)> = Vec::new();
    for (_, _, i, _) in order {
        let pod = &snapshot.pods[i];
        // Pod labels and selected keys are both in key order: one pass over the two.
        let mut wanted = selected_keys.iter().peekable();
        for (k, v) in &pod.labels {
            while wanted.next_if(|w| **w < k.as_str()).is_some() {}
            if wanted.peek().is_none() {
                break;
            }
            if wanted.next_if(|w| **w == k.as_str()).is_some() {
                scratch.push((k.as_str(), v.as_str()));
            }
        }
        let key = ClassKey {
            pod,
            labels: std::mem::take(&mut scratch),
        };
        match by_key.get(&key) {
            Some(&c) => {
                out[c].members.push(i);
                scratch = key.labels;
                scratch.clear();
            }
            None => {
                by_key.insert(key, out.len());
                out.push(Class {
                    pod,
                    constraints: Vec::new(),
                    members: vec![i],
                    req: dims.vector(&pod.requests, 1),
                    alternatives: Vec::new(),
                    tolerations: &pod.tolerations,
                    host_ports: &pod.host_ports,
                });
            }
        }
    }
    out
}

fn selector_keys(s: &crate::selector::LabelSelector) -> impl Iterator<Item = &str> {
    use crate::selector::SelectorExpression as E;
    s.match_labels
        .keys()
        .map(String::as_str)
        .chain(s.match_expressions.iter().map(|e| match e {
            E::In(k, _) | E::NotIn(k, _) | E::Exists(k) | E::DoesNotExist(k) => k.as_str(),
        }))
}

/// What makes two pending pods interchangeable.
struct ClassKey<'a> {
    pod: &'a Pod,
    labels: Vec<(&'a str, &'a str)>,
}

impl PartialEq for ClassKey<'_> {
    fn eq(&self, o: &Self) -> bool {
        let (a, b) = (self.pod, o.pod);
        self.labels == o.labels
            && a.namespace == b.namespace
            && a.requests == b.requests
            && a.node_selector == b.node_selector
            && a.required_node_affinity == b.required_node_affinity
            && a.preferred_node_affinity == b.preferred_node_affinity
            && a.pod_affinity == b.pod_affinity
            && a.pod_anti_affinity == b.pod_anti_affinity
            && a.tolerations == b.tolerations
            && a.topology_spread == b.topology_spread
            && a.host_ports == b.host_ports
            && a.priority == b.priority
            && a.owner == b.owner
    }
}

impl Eq for ClassKey<'_> {}

impl std::hash::Hash for ClassKey<'_> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.labels.hash(h);
        self.pod.namespace.hash(h);
        self.pod.requests.hash(h);
        self.pod.node_selector.hash(h);
        self.pod.tolerations.hash(h);
        self.pod.owner.hash(h);
    }
}

/// The requirement sets and topology constraints to try, in Karpenter's relaxation order
/// (`kubernetes-sigs/karpenter: pkg/controllers/provisioning/scheduling/preferences.go`), one
/// step at a time: try the next required node-affinity term while more than one remains (the
/// last is never dropped); then drop the heaviest preferred pod-affinity term, then the
/// heaviest preferred pod-anti-affinity term, then the heaviest preferred node-affinity term
/// (the next heaviest is then honoured as if required), then one `ScheduleAnyway` spread.
pub(crate) fn alternatives(
    pod: &Pod,
    constraints: &[Constraint],
    soft_taints: bool,
) -> Vec<Alternative> {
    let base = Requirements::from_labels(&pod.node_selector);
    let terms: Vec<&Requirements> = pod.required_node_affinity.iter().collect();
    let mut prefs: Vec<&crate::pod::Weighted<Requirements>> =
        pod.preferred_node_affinity.iter().collect();
    // Stable: equal weights keep their written order.
    prefs.sort_by_key(|p| std::cmp::Reverse(p.weight));
    let by_weight = |softness: Softness| {
        let mut v: Vec<usize> = (0..constraints.len())
            .filter(|&i| constraints[i].softness == softness)
            .collect();
        v.sort_by_key(|&i| std::cmp::Reverse(constraints[i].weight));
        v
    };
    let mut droppable: Vec<usize> = by_weight(Softness::PreferredAffinity);
    droppable.extend(by_weight(Softness::PreferredAntiAffinity));
    let spreads: Vec<usize> = (0..constraints.len())
        .filter(|&i| constraints[i].softness == Softness::ScheduleAnyway)
        .collect();
    let describe = |r: &Requirements| {
        let parts: Vec<String> = r.iter().map(|x| x.to_string()).collect();
        format!("preferred node affinity {}", parts.join(", "))
    };
    let mut term = 0usize;
    let mut pref = 0usize;
    let mut next_drop = 0usize;
    let mut next_spread = 0usize;
    let mut active = vec![true; constraints.len()];
    let mut dropped: Vec<String> = Vec::new();
    let mut out = Vec::new();
    loop {
        let mut reqs = base.clone();
        if let Some(t) = terms.get(term) {
            reqs.add_all(t);
        }
        if let Some(p) = prefs.get(pref) {
            reqs.add_all(&p.term);
        }
        out.push(Alternative {
            reqs,
            reqs_id: 0,
            active: active.clone(),
            strict_taints: soft_taints,
            dropped: dropped.clone(),
        });
        if term + 1 < terms.len() {
            term += 1;
        } else if next_drop < droppable.len() {
            let i = droppable[next_drop];
            active[i] = false;
            dropped.push(constraints[i].description.clone());
            next_drop += 1;
        } else if pref < prefs.len() {
            dropped.push(describe(&prefs[pref].term));
            pref += 1;
        } else if next_spread < spreads.len() {
            let i = spreads[next_spread];
            active[i] = false;
            dropped.push(constraints[i].description.clone());
            next_spread += 1;
        } else {
            break;
        }
    }
    if soft_taints {
        if let Some(last) = out.last() {
            let mut dropped = last.dropped.clone();
            dropped.push("tolerate PreferNoSchedule taints".to_owned());
            out.push(Alternative {
                reqs: last.reqs.clone(),
                reqs_id: 0,
                active: last.active.clone(),
                strict_taints: false,
                dropped,
            });
        }
    }
    out
}

/// The first taint in `taints` that keeps a pod with `tolerations` away: `NoSchedule` and
/// `NoExecute` always, `PreferNoSchedule` too while `strict`.
pub(crate) fn blocking<'t>(
    taints: &'t [Taint],
    tolerations: &[Toleration],
    strict: bool,
) -> Option<&'t Taint> {
    taints
        .iter()
        .find(|t| (strict || t.blocks()) && !tolerations.iter().any(|tol| tol.tolerates(t)))
}

/// Whether `key` may be required by a pod without the pool defining it.
pub(crate) fn allow_undefined<'k>(keys: &'k TypeKeys<'_>) -> impl Fn(&str) -> bool + 'k {
    move |k: &str| keys.contains(k) || (is_well_known_label(k) && k != LABEL_HOSTNAME)
}

/// Labels of an existing node as requirements see them: its labels plus its hostname.
pub(crate) fn node_labels(name: &str, labels: &Labels) -> Labels {
    let mut l = labels.clone();
    l.entry(LABEL_HOSTNAME.into())
        .or_insert_with(|| name.to_owned());
    l
}

/// Capacities of several types folded into the largest per resource.
pub(crate) fn max_capacity<'t>(types: impl Iterator<Item = &'t InstanceType>) -> Resources {
    let mut m = Resources::new();
    for t in types {
        m.max_with(&t.capacity);
    }
    m
}

pub(crate) type ReservedLeft = HashMap<String, i64>;

/// Units left in each capacity reservation of the catalog, less the existing nodes launched
/// into them.
pub(crate) fn reservations(catalog: &Catalog, snapshot: &Snapshot) -> ReservedLeft {
    let mut left: ReservedLeft = HashMap::new();
    for t in &catalog.instance_types {
        for o in &t.offerings {
            if let (Some(id), Some(cap)) = (&o.reservation_id, o.reservation_capacity) {
                left.insert(id.clone(), i64::from(cap));
            }
        }
    }
    for n in &snapshot.nodes {
        if let Some(id) = n.labels.get(crate::labels::LABEL_RESERVATION_ID) {
            if let Some(v) = left.get_mut(id) {
                *v -= 1;
            }
        }
    }
    left
}

/// Sorts NodePools as Karpenter tries them: weight descending, then name descending
/// (`kubernetes-sigs/karpenter: pkg/utils/nodepool/nodepool.go`).
pub(crate) fn pool_order(pools: &[NodePool]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..pools.len()).collect();
    idx.sort_by(|&a, &b| {
        pools[b]
            .weight
            .cmp(&pools[a].weight)
            .then(pools[b].name.cmp(&pools[a].name))
    });
    idx
}

/// Capacity already used by each pool's nodes and in-flight claims, for its limits.
pub(crate) fn pool_usage(snapshot: &Snapshot, catalog: &Catalog) -> BTreeMap<String, Resources> {
    let mut used: BTreeMap<String, Resources> = BTreeMap::new();
    let mut claimed_nodes = BTreeSet::new();
    for n in &snapshot.nodes {
        let Some(pool) = n.node_pool() else { continue };
        claimed_nodes.insert(n.name.as_str());
        let mut cap = if n.capacity.is_zero() {
            n.allocatable.clone()
        } else {
            n.capacity.clone()
        };
        if cap.is_zero() {
            if let Some(t) = n
                .labels
                .get(LABEL_INSTANCE_TYPE)
                .and_then(|t| catalog.get(t))
            {
                cap = t.capacity.clone();
            }
        }
        cap.set("nodes", 1);
        used.entry(pool.to_owned()).or_default().add(&cap);
    }
    for c in &snapshot.node_claims {
        let Some(pool) = c.node_pool() else { continue };
        if c.node_name
            .as_deref()
            .is_some_and(|n| claimed_nodes.contains(n))
        {
            continue;
        }
        let mut cap = c.capacity.clone().unwrap_or_else(|| c.requests.clone());
        cap.set("nodes", 1);
        used.entry(pool.to_owned()).or_default().add(&cap);
    }
    used
}

/// Describes requests for people: `96 cpu and 2 nvidia.com/gpu`, pods left out.
pub(crate) fn describe_requests(r: &Resources) -> String {
    let parts: Vec<String> = r
        .iter()
        .filter(|(n, v)| *n != "pods" && *v > 0)
        .map(|(n, v)| format!("{} {n}", crate::quantity::format_quantity(n, v)))
        .collect();
    match parts.len() {
        0 => "room for one more pod".into(),
        1 => parts[0].clone(),
        _ => format!(
            "{} and {}",
            parts[..parts.len() - 1].join(", "),
            parts[parts.len() - 1]
        ),
    }
}

/// Requirement sets interned to small ids, so hot loops compare and cache by integer.
#[derive(Default)]
pub(crate) struct ReqTable {
    /// Shared, so the claims holding a set need not copy it.
    list: Vec<std::rc::Rc<Requirements>>,
    index: crate::fast_hash::FastMap<Requirements, u32>,
    merges: crate::fast_hash::FastMap<(u32, u32), Option<u32>>,
}

impl ReqTable {
    pub fn intern(&mut self, r: Requirements) -> u32 {
        if let Some(&id) = self.index.get(&r) {
            return id;
        }
        let id = self.list.len() as u32;
        self.index.insert(r.clone(), id);
        self.list.push(std::rc::Rc::new(r));
        id
    }

    pub fn get(&self, id: u32) -> &Requirements {
        &self.list[id as usize]
    }

    /// Set `id`, shared rather than copied.
    pub fn shared(&self, id: u32) -> std::rc::Rc<Requirements> {
        self.list[id as usize].clone()
    }

    /// Both sets at once, or `None` when some key they share admits no common value.
    pub fn merge(&mut self, a: u32, b: u32) -> Option<u32> {
        if a == b {
            return Some(a);
        }
        let key = (a.min(b), a.max(b));
        if let Some(&m) = self.merges.get(&key) {
            return m;
        }
        let (ra, rb) = (self.get(a), self.get(b));
        let m = if ra.intersects(rb) {
            let mut m = ra.clone();
            m.add_all(rb);
            Some(self.intern(m))
        } else {
            None
        };
        self.merges.insert(key, m);
        m
    }
}

/// `used + overhead <= alloc` in every dimension, without allocating.
pub(crate) fn fits_with(used: &[i64], overhead: &[i64], alloc: &[i64]) -> bool {
    used.iter()
        .zip(overhead)
        .zip(alloc)
        .all(|((u, o), a)| u + o <= *a)
}

/// Whether [`copies_left`] is positive, without its divisions: most riders tried on a
/// packing no longer fit once its seed has filled the node.
pub(crate) fn fits_one(req: &[i64], alloc: &[i64], overhead: &[i64], used: &[i64]) -> bool {
    (0..req.len()).all(|d| {
        let room = alloc[d] - overhead[d] - used[d];
        room >= 0 && room >= req[d]
    })
}

/// How many copies of `req` fit in `alloc - overhead - used`, without allocating; -1 when
/// the node is already over.
pub(crate) fn copies_left(req: &[i64], alloc: &[i64], overhead: &[i64], used: &[i64]) -> i64 {
    let mut k = i64::MAX;
    for d in 0..req.len() {
        let room = alloc[d] - overhead[d] - used[d];
        if room < 0 {
            return -1;
        }
        if req[d] > 0 {
            k = k.min(room / req[d]);
        }
    }
    k
}
