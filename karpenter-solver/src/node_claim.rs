//! NodeClaims in the snapshot: capacity already launching.

use chrono::{DateTime, Utc};

use crate::labels::{Labels, LABEL_NODEPOOL};
use crate::requirements::Requirements;
use crate::resources::Resources;
use crate::taints::Taint;

/// A `karpenter.sh/v1` NodeClaim of the snapshot. One whose node is not (yet) in the snapshot is
/// in flight: provision counts its capacity before buying more.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeClaim {
    /// Name.
    pub name: String,
    /// Labels (`karpenter.sh/nodepool`, and once launched the instance type, zone, ...).
    pub labels: Labels,
    /// Annotations.
    pub annotations: Labels,
    /// `spec.requirements`.
    pub requirements: Requirements,
    /// `spec.taints`.
    pub taints: Vec<Taint>,
    /// `spec.startupTaints`.
    pub startup_taints: Vec<Taint>,
    /// `spec.resources.requests`: what it was launched to hold.
    pub requests: Resources,
    /// `status.allocatable`, once known.
    pub allocatable: Option<Resources>,
    /// `status.capacity`, once known.
    pub capacity: Option<Resources>,
    /// `status.nodeName`, once registered.
    pub node_name: Option<String>,
    /// `metadata.creationTimestamp`.
    pub created: Option<DateTime<Utc>>,
    /// `status.lastPodEventTime`.
    pub last_pod_event: Option<DateTime<Utc>>,
    /// Whether the `Drifted` condition is `True`.
    pub drifted: bool,
    /// Whether `metadata.deletionTimestamp` is set.
    pub deleting: bool,
}

impl NodeClaim {
    /// The NodePool that owns it.
    pub fn node_pool(&self) -> Option<&str> {
        self.labels.get(LABEL_NODEPOOL).map(String::as_str)
    }
}
