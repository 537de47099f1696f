//! NodePools: templates for the nodes Karpenter may launch, their limits and disruption rules.

use crate::labels::Labels;
use crate::requirements::Requirements;
use crate::resources::Resources;
use crate::taints::Taint;

/// When consolidation may remove or replace nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ConsolidationPolicy {
    /// Only empty nodes.
    WhenEmpty,
    /// Empty and underutilized nodes (the default).
    #[default]
    WhenEmptyOrUnderutilized,
}

/// A budget's node allowance: a count or a percentage of the pool's nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BudgetNodes {
    /// At most this many nodes.
    Count(u32),
    /// At most this percentage of the pool's nodes, rounded up.
    Percent(u32),
}

/// One entry of `spec.disruption.budgets`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Budget {
    /// How many nodes may be disrupting at once.
    pub nodes: BudgetNodes,
    /// Cron schedule (UTC) at which the budget becomes active; `None`: always active.
    pub schedule: Option<String>,
    /// How long the budget stays active after each firing, in seconds.
    pub duration_seconds: Option<i64>,
    /// The reasons it applies to (`Empty`, `Underutilized`, `Drifted`); empty: all.
    pub reasons: Vec<String>,
}

/// `spec.disruption`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Disruption {
    /// Which nodes consolidation may act on.
    pub consolidation_policy: ConsolidationPolicy,
    /// Seconds a node must be left alone before consolidation; `None` means `Never`.
    pub consolidate_after_seconds: Option<i64>,
    /// Budgets; empty means Karpenter's default of one `nodes: 10%` budget.
    pub budgets: Vec<Budget>,
}

impl Default for Disruption {
    fn default() -> Self {
        Disruption {
            consolidation_policy: ConsolidationPolicy::default(),
            consolidate_after_seconds: Some(0),
            budgets: Vec::new(),
        }
    }
}

/// The node class a pool's nodes use (provider-specific settings).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NodeClassRef {
    /// API group, such as `karpenter.k8s.aws`.
    pub group: String,
    /// Kind, such as `EC2NodeClass`.
    pub kind: String,
    /// Name.
    pub name: String,
}

/// A `karpenter.sh/v1` NodePool.
///
/// # Examples
/// ```
/// use karpenter_solver::NodePool;
/// let pool = NodePool::new("default");
/// assert_eq!(pool.weight, 0);
/// assert_eq!(pool.expire_after_seconds, Some(720 * 3600));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NodePool {
    /// Name.
    pub name: String,
    /// `spec.template.metadata.labels`.
    pub labels: Labels,
    /// `spec.template.metadata.annotations`.
    pub annotations: Labels,
    /// `spec.template.spec.requirements`.
    pub requirements: Requirements,
    /// `spec.template.spec.taints`: pods must tolerate them.
    pub taints: Vec<Taint>,
    /// `spec.template.spec.startupTaints`: removed once the node is ready, so not tolerated.
    pub startup_taints: Vec<Taint>,
    /// `spec.template.spec.nodeClassRef`.
    pub node_class_ref: Option<NodeClassRef>,
    /// `spec.template.spec.expireAfter` in seconds; `None` means `Never`. Default 720h.
    pub expire_after_seconds: Option<i64>,
    /// `spec.weight`: higher is tried first.
    pub weight: i32,
    /// `spec.limits`: total capacity the pool's nodes may reach (`nodes` counts nodes).
    pub limits: Resources,
    /// `spec.disruption`.
    pub disruption: Disruption,
    /// The `karpenter.sh/nodepool-hash` annotation, when given.
    pub hash: Option<String>,
}

impl NodePool {
    /// A pool with every default and no requirement.
    pub fn new(name: &str) -> NodePool {
        NodePool {
            name: name.to_owned(),
            labels: Labels::new(),
            annotations: Labels::new(),
            requirements: Requirements::new(),
            taints: Vec::new(),
            startup_taints: Vec::new(),
            node_class_ref: None,
            expire_after_seconds: Some(720 * 3600),
            weight: 0,
            limits: Resources::new(),
            disruption: Disruption::default(),
            hash: None,
        }
    }
}
