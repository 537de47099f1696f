//! What provision decides, in the contract's output shape (section 3).

use std::collections::BTreeMap;

use serde::Serialize;

/// A node to launch: the pods it is for, every instance type that fits them, and its price.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewNodeClaim {
    /// Name, `<pool>-<NNNN>`, unique within the plan.
    pub name: String,
    /// The NodePool it is launched from.
    pub node_pool: String,
    /// Every type that fits the pods and requirements, cheapest launchable offering first.
    pub instance_types: Vec<String>,
    /// Zones it may launch in, sorted.
    pub zones: Vec<String>,
    /// Capacity types it may launch as, in launch preference order.
    pub capacity_types: Vec<String>,
    /// Price per hour of the cheapest launchable offering.
    pub price: f64,
    /// Pods' requests plus daemonset overhead, as Kubernetes quantities.
    pub requests: BTreeMap<String, String>,
    /// The pods it is for, as `namespace/name`.
    pub pods: Vec<String>,
    /// A `karpenter.sh/v1` NodeClaim a controller could apply.
    pub manifest: serde_json::Value,
}

/// Pods placed on a node or in-flight NodeClaim that already exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExistingPlacement {
    /// The node (or NodeClaim) name.
    pub name: String,
    /// The pods placed there, as `namespace/name`.
    pub pods: Vec<String>,
}

/// A pod that fits nowhere, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unschedulable {
    /// The pod, as `namespace/name`.
    pub pod: String,
    /// What stops it, in words a person can act on.
    pub reason: String,
}

/// A pod placed only after a preference was dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Relaxation {
    /// The pod, as `namespace/name`.
    pub pod: String,
    /// The preference dropped.
    pub preference: String,
}

/// The result of [`provision`](crate::provision).
///
/// # Examples
/// ```
/// use karpenter_solver::{provision, Catalog, Options, Snapshot};
/// let snapshot = Snapshot::from_slice(b"items: []").unwrap();
/// let plan = provision(&snapshot, &Catalog::default(), &Options::default()).unwrap();
/// assert_eq!(plan.to_json(), r#"{"nodeClaims":[],"existingNodes":[],"unschedulable":[],"relaxed":[],"totalPrice":0.0,"lowerBound":0.0}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Nodes to launch.
    pub node_claims: Vec<NewNodeClaim>,
    /// Pods placed on existing nodes and in-flight NodeClaims, by node name.
    pub existing_nodes: Vec<ExistingPlacement>,
    /// Pods that fit nowhere.
    pub unschedulable: Vec<Unschedulable>,
    /// Pods placed only after dropping a preference.
    pub relaxed: Vec<Relaxation>,
    /// Sum of the new claims' prices, per hour.
    pub total_price: f64,
    /// A floor, per hour, on the price of any set of new nodes holding the pods placed on new
    /// nodes.
    pub lower_bound: f64,
    /// Things the caller should know (ignored kinds, pods bound to unknown nodes); not part of
    /// the JSON.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

impl Plan {
    /// The plan as the contract's JSON: compact, keys in camelCase, deterministic.
    pub fn to_json(&self) -> String {
        // Serializing plain structs of strings, numbers and maps cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A pod evicted by a consolidation command, and where it goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PodMove {
    /// The pod, as `namespace/name`.
    pub pod: String,
    /// The existing node or replacement claim it lands on.
    pub to: String,
}

/// One consolidation action: nodes to remove and, possibly, cheaper nodes to launch first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Command {
    /// `Empty`, `Underutilized`, `Drifted` or `Expired`.
    pub reason: String,
    /// The nodes removed, by name.
    pub nodes: Vec<String>,
    /// Claims launched to hold the moved pods (only types cheaper than what they replace).
    pub replacements: Vec<NewNodeClaim>,
    /// Where each evicted pod goes; daemonset pods are not moved.
    pub pod_moves: Vec<PodMove>,
    /// Price of the removed nodes minus price of the replacements, per hour.
    pub savings_per_hour: f64,
}

/// A node consolidation left alone, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocked {
    /// The node name.
    pub node: String,
    /// What held it back.
    pub reason: String,
}

/// The result of [`consolidate`](crate::consolidate), in the contract's shape (section 4).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsolidationPlan {
    /// Commands, to be carried out together.
    pub commands: Vec<Command>,
    /// Candidates held back, with the reason.
    pub blocked: Vec<Blocked>,
    /// Total savings of the commands, per hour.
    pub savings_per_hour: f64,
    /// A floor, per hour, on the price of the whole managed cluster after any consolidation.
    pub lower_bound: f64,
    /// Things the caller should know; not part of the JSON.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

impl ConsolidationPlan {
    /// The plan as the contract's JSON: compact, keys in camelCase, deterministic.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
