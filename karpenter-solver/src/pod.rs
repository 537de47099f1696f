//! Pods: what they request and where they may run.

use chrono::{DateTime, Utc};

use crate::labels::Labels;
use crate::requirements::Requirements;
use crate::resources::Resources;
use crate::selector::LabelSelector;
use crate::taints::Toleration;

/// The controller that owns a pod (its `ownerReferences` entry with `controller: true`, or the
/// first one).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OwnerRef {
    /// Owner kind (`ReplicaSet`, `StatefulSet`, `DaemonSet`, `Job`, ...).
    pub kind: String,
    /// Owner name.
    pub name: String,
}

/// A pod's lifecycle phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PodPhase {
    /// Not yet running (the default when `status.phase` is absent).
    #[default]
    Pending,
    /// Running.
    Running,
    /// Finished successfully: holds no resources.
    Succeeded,
    /// Finished with an error: holds no resources.
    Failed,
    /// Unknown.
    Unknown,
}

impl PodPhase {
    /// Whether the pod has finished (`Succeeded` or `Failed`) and so holds nothing.
    pub fn is_terminal(self) -> bool {
        matches!(self, PodPhase::Succeeded | PodPhase::Failed)
    }
}

/// A weighted preference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Weighted<T> {
    /// Weight, 1 to 100; heavier preferences are kept longer.
    pub weight: i32,
    /// The preferred term.
    pub term: T,
}

/// A pod (anti-)affinity term: pods matching `selector` in `namespaces`, counted per
/// `topology_key` domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PodAffinityTerm {
    /// Which pods count.
    pub selector: LabelSelector,
    /// The namespaces searched; empty with no `namespace_selector` means the pod's own.
    pub namespaces: Vec<String>,
    /// Selects namespaces by their labels; `Some(empty)` means every namespace.
    pub namespace_selector: Option<LabelSelector>,
    /// The node label that defines a domain (`kubernetes.io/hostname`, a zone, ...).
    pub topology_key: String,
}

/// Required and preferred pod (anti-)affinity terms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PodAffinity {
    /// Terms that must hold.
    pub required: Vec<PodAffinityTerm>,
    /// Terms to honour when possible.
    pub preferred: Vec<Weighted<PodAffinityTerm>>,
}

impl PodAffinity {
    /// Whether there are no terms.
    pub fn is_empty(&self) -> bool {
        self.required.is_empty() && self.preferred.is_empty()
    }
}

/// Whether a spread constraint is hard or a preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WhenUnsatisfiable {
    /// Hard: the pod waits rather than break the skew.
    DoNotSchedule,
    /// Soft: honoured when possible.
    ScheduleAnyway,
}

/// Whether node affinity or taints narrow the domains a spread constraint counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InclusionPolicy {
    /// Only nodes the pod could use count.
    Honor,
    /// Every node counts.
    Ignore,
}

/// A topology spread constraint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TopologySpreadConstraint {
    /// Largest allowed difference between a domain's count and the least-loaded domain's.
    pub max_skew: i32,
    /// The node label that defines a domain.
    pub topology_key: String,
    /// Hard or soft.
    pub when_unsatisfiable: WhenUnsatisfiable,
    /// Which pods count.
    pub selector: LabelSelector,
    /// Fewer eligible domains than this makes the global minimum zero.
    pub min_domains: Option<i32>,
    /// Pod label keys whose values are added to the selector.
    pub match_label_keys: Vec<String>,
    /// Defaults to `Honor`.
    pub node_affinity_policy: InclusionPolicy,
    /// Defaults to `Ignore`.
    pub node_taints_policy: InclusionPolicy,
}

/// A host port a container binds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostPort {
    /// The port.
    pub port: i32,
    /// `TCP`, `UDP` or `SCTP`.
    pub protocol: String,
    /// The host IP, empty for all addresses.
    pub host_ip: String,
}

impl HostPort {
    /// Whether two bindings clash on one node (same port and protocol, overlapping IPs).
    pub fn conflicts(&self, other: &HostPort) -> bool {
        self.port == other.port
            && self.protocol == other.protocol
            && (self.host_ip == other.host_ip
                || self.host_ip.is_empty()
                || other.host_ip.is_empty()
                || self.host_ip == "0.0.0.0"
                || other.host_ip == "0.0.0.0")
    }
}

/// A pod, reduced to what placement and disruption need.
///
/// # Examples
/// ```
/// use karpenter_solver::{Pod, Resources};
/// let pod = Pod::new("default", "web-1", Resources::from_pairs([("cpu", 500)]));
/// assert!(pod.is_pending());
/// assert_eq!(pod.key(), "default/web-1");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pod {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// UID, used only to break ties deterministically.
    pub uid: String,
    /// Labels.
    pub labels: Labels,
    /// The owning controller.
    pub owner: Option<OwnerRef>,
    /// Effective requests: max(sum of containers, init peak) plus `spec.overhead`.
    pub requests: Resources,
    /// `spec.nodeSelector`.
    pub node_selector: Labels,
    /// Required node affinity terms, ORed; each term's expressions are ANDed. Empty: none.
    pub required_node_affinity: Vec<Requirements>,
    /// Preferred node affinity terms.
    pub preferred_node_affinity: Vec<Weighted<Requirements>>,
    /// Pod affinity.
    pub pod_affinity: PodAffinity,
    /// Pod anti-affinity.
    pub pod_anti_affinity: PodAffinity,
    /// Tolerations.
    pub tolerations: Vec<Toleration>,
    /// Topology spread constraints.
    pub topology_spread: Vec<TopologySpreadConstraint>,
    /// Host ports its containers bind.
    pub host_ports: Vec<HostPort>,
    /// Scheduling priority.
    pub priority: i32,
    /// The node it is bound to, if any.
    pub node_name: Option<String>,
    /// Lifecycle phase.
    pub phase: PodPhase,
    /// `metadata.creationTimestamp`.
    pub created: Option<DateTime<Utc>>,
    /// `status.startTime`.
    pub started: Option<DateTime<Utc>>,
    /// Whether `metadata.deletionTimestamp` is set.
    pub terminating: bool,
    /// `controller.kubernetes.io/pod-deletion-cost`.
    pub deletion_cost: i32,
    /// The `karpenter.sh/do-not-disrupt` annotation, as written.
    pub do_not_disrupt: Option<String>,
}

impl Pod {
    /// A pending pod with only a name and requests.
    pub fn new(namespace: &str, name: &str, requests: Resources) -> Pod {
        Pod {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            requests,
            ..Pod::default()
        }
    }

    /// `namespace/name`, as the plan names pods.
    pub fn key(&self) -> String {
        // Built by hand, once per pod in every plan: formatting machinery cost more than the
        // copy.
        let mut key = String::with_capacity(self.namespace.len() + 1 + self.name.len());
        key.push_str(&self.namespace);
        key.push('/');
        key.push_str(&self.name);
        key
    }

    /// Whether the pod waits for a node: not bound, not finished, not being deleted, not a
    /// DaemonSet's.
    pub fn is_pending(&self) -> bool {
        self.node_name.is_none()
            && !self.phase.is_terminal()
            && !self.terminating
            && !self.is_daemon()
    }

    /// Whether a DaemonSet owns it.
    pub fn is_daemon(&self) -> bool {
        self.owner.as_ref().is_some_and(|o| o.kind == "DaemonSet")
    }

    /// Whether it holds resources on its node (bound and not finished).
    pub fn is_active(&self) -> bool {
        self.node_name.is_some() && !self.phase.is_terminal()
    }
}
