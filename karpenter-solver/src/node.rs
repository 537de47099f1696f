//! Nodes that already exist.

use chrono::{DateTime, Utc};

use crate::labels::{Labels, LABEL_NODEPOOL};
use crate::resources::Resources;
use crate::taints::Taint;

/// A node of the cluster.
///
/// # Examples
/// ```
/// use karpenter_solver::Node;
/// let mut node = Node::new("ip-10-0-1-7");
/// assert!(!node.is_managed());
/// node.labels.insert("karpenter.sh/nodepool".into(), "default".into());
/// assert_eq!(node.node_pool(), Some("default"));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Node {
    /// Name.
    pub name: String,
    /// Labels (instance type, zone, capacity type, pool, ...).
    pub labels: Labels,
    /// Annotations the solver reads (`karpenter.sh/nodepool-hash`, ...).
    pub annotations: Labels,
    /// Taints.
    pub taints: Vec<Taint>,
    /// `status.allocatable`.
    pub allocatable: Resources,
    /// `status.capacity`.
    pub capacity: Resources,
    /// `metadata.creationTimestamp`.
    pub created: Option<DateTime<Utc>>,
    /// `spec.unschedulable` (cordoned).
    pub unschedulable: bool,
    /// Whether `metadata.deletionTimestamp` is set.
    pub deleting: bool,
    /// Whether the `Ready` condition is `True` (true when no conditions are given).
    pub ready: bool,
    /// The node's `karpenter.sh/do-not-disrupt` annotation is `"true"`.
    pub do_not_disrupt: bool,
}

impl Node {
    /// A ready node with only a name.
    pub fn new(name: &str) -> Node {
        Node {
            name: name.to_owned(),
            ready: true,
            ..Node::default()
        }
    }

    /// The NodePool that manages it, from the `karpenter.sh/nodepool` label.
    pub fn node_pool(&self) -> Option<&str> {
        self.labels.get(LABEL_NODEPOOL).map(String::as_str)
    }

    /// Whether Karpenter manages it.
    pub fn is_managed(&self) -> bool {
        self.node_pool().is_some()
    }
}
