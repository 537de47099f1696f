//! Topology: spread constraints and pod (anti-)affinity, counted per group of pods and per
//! domain, as kube-scheduler and Karpenter count them
//! (`kubernetes-sigs/karpenter: pkg/controllers/provisioning/scheduling/topology.go`).
//!
//! A *group* is the set of pods a constraint counts (a label selector within some namespaces).
//! Counts are kept per group: per node (for `kubernetes.io/hostname`) and per domain value
//! for every other key. Work is per class and per domain, never per pair of pods.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::labels::{Labels, LABEL_HOSTNAME};
use crate::pod::{
    InclusionPolicy, Pod, PodAffinityTerm, TopologySpreadConstraint, WhenUnsatisfiable,
};
use crate::requirements::Requirements;
use crate::selector::{LabelSelector, SelectorExpression};
use crate::snapshot::Snapshot;
use crate::taints::{untolerated, Taint, Toleration};

/// The pods one constraint counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Group {
    pub selector: LabelSelector,
    /// `None`: every namespace.
    pub namespaces: Option<BTreeSet<String>>,
    /// The nodes whose pods and domains count. Part of the group's identity, as in Karpenter,
    /// because two spreads with the same selector but different filters count differently.
    pub filter: NodeFilter,
}

impl Group {
    pub fn matches(&self, pod: &Pod) -> bool {
        self.namespaces
            .as_ref()
            .is_none_or(|ns| ns.contains(&pod.namespace))
            && self.selector.matches(&pod.labels)
    }
}

/// Which nodes a topology spread counts, both for its pods and for its domains
/// (kube-scheduler's `nodeAffinityPolicy` and `nodeTaintsPolicy`,
/// `kubernetes-sigs/karpenter: pkg/controllers/provisioning/scheduling/topologynodefilter.go`).
/// Pod affinity and anti-affinity count every node: their filter is open.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct NodeFilter {
    /// Under `nodeAffinityPolicy: Honor` (the default), a node counts only if it matches one
    /// of these: the pod's node selector with each of its required node-affinity terms (the
    /// terms are ORed). Preferences never narrow it. `None`: `Ignore`, every node counts.
    pub affinity: Option<Vec<Requirements>>,
    /// Under `nodeTaintsPolicy: Honor`, a node counts only if the pod tolerates its taints.
    /// `None`: `Ignore` (the default).
    pub tolerations: Option<Vec<Toleration>>,
}

impl NodeFilter {
    /// The filter a spread constraint of `pod` sets.
    pub fn of_spread(s: &TopologySpreadConstraint, pod: &Pod) -> NodeFilter {
        let affinity = (s.node_affinity_policy == InclusionPolicy::Honor)
            .then(|| {
                let base = Requirements::from_labels(&pod.node_selector);
                if pod.required_node_affinity.is_empty() {
                    return vec![base];
                }
                pod.required_node_affinity
                    .iter()
                    .map(|term| {
                        let mut r = base.clone();
                        r.add_all(term);
                        r
                    })
                    .collect()
            })
            // A pod that selects nothing matches every node: the same as Ignore, and one group.
            .filter(|terms: &Vec<Requirements>| !terms.iter().any(Requirements::is_empty));
        let tolerations =
            (s.node_taints_policy == InclusionPolicy::Honor).then(|| pod.tolerations.clone());
        NodeFilter {
            affinity,
            tolerations,
        }
    }

    /// Whether the pod tolerates `taints` as far as the filter asks.
    pub fn tolerates(&self, taints: &[Taint]) -> bool {
        self.tolerations
            .as_ref()
            .is_none_or(|tols| untolerated(taints, tols).is_none())
    }

    /// Whether an existing node with `labels` (hostname included) and `taints` counts.
    pub fn passes_node(&self, labels: &Labels, taints: &[Taint]) -> bool {
        self.tolerates(taints)
            && self
                .affinity
                .as_ref()
                .is_none_or(|terms| terms.iter().any(|t| t.matches_labels(labels)))
    }

    /// Whether a node still to launch, with requirements `reqs` and `taints`, counts: some
    /// term can hold there (Karpenter's `MatchesRequirements`).
    pub fn passes_claim(
        &self,
        reqs: &Requirements,
        taints: &[Taint],
        allow_undefined: impl Fn(&str) -> bool,
    ) -> bool {
        self.tolerates(taints)
            && self.affinity.as_ref().is_none_or(|terms| {
                terms
                    .iter()
                    .any(|t| reqs.compatible(t, &allow_undefined).is_ok())
            })
    }

    /// Whether every node counts.
    pub fn is_open(&self) -> bool {
        self.affinity.is_none() && self.tolerations.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Spread { max_skew: i64, min_domains: i64 },
    Affinity,
    AntiAffinity,
}

/// What a constraint is in the relaxation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Softness {
    Required,
    PreferredAffinity,
    PreferredAntiAffinity,
    ScheduleAnyway,
}

/// One topology constraint of a class.
#[derive(Debug, Clone)]
pub(crate) struct Constraint {
    pub group: usize,
    pub key: String,
    pub kind: Kind,
    pub softness: Softness,
    pub weight: i32,
    pub description: String,
}

impl Constraint {
    pub fn is_hostname(&self) -> bool {
        self.key == LABEL_HOSTNAME
    }
}

/// Groups, constraints and counts for one solve.
#[derive(Default)]
pub(crate) struct Topology {
    pub groups: Vec<Group>,
    index: HashMap<Group, usize>,
    /// Pods of every group anywhere (bound or placed in this solve).
    pub total: Vec<i64>,
    /// Per (group, key): pods per domain value.
    pub counts: HashMap<(usize, String), BTreeMap<String, i64>>,
    /// Per (group, key): pods placed on claims that span several domains; they may land in any.
    pub anywhere: HashMap<(usize, String), i64>,
    /// Per (group, key): domains where a pod with required anti-affinity to the group runs.
    pub repelled: HashMap<(usize, String), BTreeSet<String>>,
}

impl Topology {
    pub fn group(&mut self, g: Group) -> usize {
        if let Some(&i) = self.index.get(&g) {
            return i;
        }
        let i = self.groups.len();
        self.index.insert(g.clone(), i);
        self.groups.push(g);
        self.total.push(0);
        i
    }

    pub fn count(&self, g: usize, key: &str, value: &str) -> i64 {
        self.counts
            .get(&(g, key.to_owned()))
            .and_then(|m| m.get(value))
            .copied()
            .unwrap_or(0)
    }
}

/// The group an affinity term counts, seen from a pod in `namespace`.
pub(crate) fn affinity_group(term: &PodAffinityTerm, namespace: &str) -> Group {
    let namespaces = match &term.namespace_selector {
        // An empty namespace selector selects every namespace. A non-empty one needs the
        // Namespace objects' labels, which a snapshot does not carry: it is read as every
        // namespace, the conservative choice for anti-affinity.
        Some(_) => None,
        None => {
            let mut ns: BTreeSet<String> = term.namespaces.iter().cloned().collect();
            if ns.is_empty() {
                ns.insert(namespace.to_owned());
            }
            Some(ns)
        }
    };
    Group {
        selector: term.selector.clone(),
        namespaces,
        filter: NodeFilter::default(),
    }
}

/// The group a spread constraint counts: its selector plus `matchLabelKeys`, in the pod's
/// namespace, on the nodes its inclusion policies admit.
pub(crate) fn spread_group(s: &TopologySpreadConstraint, pod: &Pod) -> Group {
    let mut selector = s.selector.clone();
    for k in &s.match_label_keys {
        if let Some(v) = pod.labels.get(k) {
            selector
                .match_expressions
                .push(SelectorExpression::In(k.clone(), vec![v.clone()]));
        }
    }
    Group {
        selector,
        namespaces: Some(BTreeSet::from([pod.namespace.clone()])),
        filter: NodeFilter::of_spread(s, pod),
    }
}

fn describe_selector(s: &LabelSelector) -> String {
    let mut parts: Vec<String> = s
        .match_labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for e in &s.match_expressions {
        parts.push(match e {
            SelectorExpression::In(k, v) if k.is_empty() && v.is_empty() => "nothing".into(),
            SelectorExpression::In(k, v) => format!("{k} in ({})", v.join(",")),
            SelectorExpression::NotIn(k, v) => format!("{k} notin ({})", v.join(",")),
            SelectorExpression::Exists(k) => k.clone(),
            SelectorExpression::DoesNotExist(k) => format!("!{k}"),
        });
    }
    if parts.is_empty() {
        "all pods".into()
    } else {
        parts.join(",")
    }
}

/// The topology constraints of a pod, registering their groups.
pub(crate) fn constraints(pod: &Pod, topo: &mut Topology) -> Vec<Constraint> {
    let mut out = Vec::new();
    for s in &pod.topology_spread {
        let group = topo.group(spread_group(s, pod));
        let hard = s.when_unsatisfiable == WhenUnsatisfiable::DoNotSchedule;
        out.push(Constraint {
            group,
            key: s.topology_key.clone(),
            kind: Kind::Spread {
                max_skew: i64::from(s.max_skew),
                min_domains: i64::from(s.min_domains.unwrap_or(1)),
            },
            softness: if hard {
                Softness::Required
            } else {
                Softness::ScheduleAnyway
            },
            weight: 0,
            description: format!(
                "{} topology spread on {} (maxSkew {}, pods {})",
                if hard { "required" } else { "preferred" },
                s.topology_key,
                s.max_skew,
                describe_selector(&s.selector)
            ),
        });
    }
    let mut terms = |list: &[PodAffinityTerm],
                     preferred: &[crate::pod::Weighted<PodAffinityTerm>],
                     anti: bool,
                     topo: &mut Topology| {
        let kind = if anti {
            Kind::AntiAffinity
        } else {
            Kind::Affinity
        };
        let name = if anti {
            "pod anti-affinity"
        } else {
            "pod affinity"
        };
        for t in list {
            let group = topo.group(affinity_group(t, &pod.namespace));
            out.push(Constraint {
                group,
                key: t.topology_key.clone(),
                kind,
                softness: Softness::Required,
                weight: 0,
                description: format!(
                    "required {name} on {} to pods {}",
                    t.topology_key,
                    describe_selector(&t.selector)
                ),
            });
        }
        for w in preferred {
            let group = topo.group(affinity_group(&w.term, &pod.namespace));
            out.push(Constraint {
                group,
                key: w.term.topology_key.clone(),
                kind,
                softness: if anti {
                    Softness::PreferredAntiAffinity
                } else {
                    Softness::PreferredAffinity
                },
                weight: w.weight,
                description: format!(
                    "preferred {name} on {} to pods {} (weight {})",
                    w.term.topology_key,
                    describe_selector(&w.term.selector),
                    w.weight
                ),
            });
        }
    };
    terms(
        &pod.pod_affinity.required,
        &pod.pod_affinity.preferred,
        false,
        topo,
    );
    terms(
        &pod.pod_anti_affinity.required,
        &pod.pod_anti_affinity.preferred,
        true,
        topo,
    );
    out
}

/// Per-node group counts and the groups the node's pods repel.
#[derive(Debug, Clone, Default)]
pub(crate) struct NodeTopology {
    pub groups: Vec<i64>,
    pub repels: BTreeSet<usize>,
}

impl NodeTopology {
    pub fn new(groups: usize) -> Self {
        NodeTopology {
            groups: vec![0; groups],
            repels: BTreeSet::new(),
        }
    }
}

/// Registers the groups existing pods' required anti-affinity defines, so they repel
/// newcomers, and returns per pod index the (group, key) pairs it repels.
pub(crate) fn bound_repellers(
    snapshot: &Snapshot,
    topo: &mut Topology,
) -> HashMap<usize, Vec<(usize, String)>> {
    let mut out = HashMap::new();
    for (i, p) in snapshot.pods.iter().enumerate() {
        if !p.is_active() || p.pod_anti_affinity.required.is_empty() {
            continue;
        }
        let v: Vec<(usize, String)> = p
            .pod_anti_affinity
            .required
            .iter()
            .map(|t| {
                (
                    topo.group(affinity_group(t, &p.namespace)),
                    t.topology_key.clone(),
                )
            })
            .collect();
        out.insert(i, v);
    }
    out
}
