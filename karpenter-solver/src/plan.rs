//! What provision decides, in the contract's output shape (section 3).

use std::collections::BTreeMap;
use std::sync::Arc;

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
    ///
    /// Shared, not copied: claims opened from one packing list the same (up to 600) types,
    /// and the manifest's instance-type requirement holds the same list.
    pub instance_types: Arc<[String]>,
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
    pub manifest: NodeClaimManifest,
}

/// A `karpenter.sh/v1` NodeClaim, as a controller would apply it.
///
/// Typed rather than a JSON value so that building thousands of them costs no more than the
/// data they hold. Fields are declared in alphabetical order, so the JSON keys come out sorted.
///
/// # Examples
/// ```
/// use karpenter_solver::{provision, Catalog, Options, Snapshot};
/// let snapshot = Snapshot::from_slice(br#"{"items": [
///   {"kind": "NodePool", "metadata": {"name": "default"}, "spec": {}},
///   {"kind": "Pod", "metadata": {"name": "web"},
///    "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "1"}}}]}}]}"#).unwrap();
/// let plan = provision(&snapshot, &Catalog::aws_default(), &Options::default()).unwrap();
/// let manifest = &plan.node_claims[0].manifest;
/// assert_eq!(manifest.kind, "NodeClaim");
/// assert_eq!(manifest.metadata.labels["karpenter.sh/nodepool"], "default");
/// let types = manifest.spec.requirement("node.kubernetes.io/instance-type").unwrap();
/// assert_eq!(types.values, plan.node_claims[0].instance_types);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeClaimManifest {
    /// `karpenter.sh/v1`.
    pub api_version: String,
    /// `NodeClaim`.
    pub kind: String,
    /// Name, labels and annotations.
    pub metadata: ManifestMetadata,
    /// Requirements, taints, requests and lifetime.
    pub spec: NodeClaimSpec,
}

/// A manifest's `metadata`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestMetadata {
    /// The pool's template annotations.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// The pool's template labels, `karpenter.sh/nodepool`, and every requirement pinned to
    /// one value.
    pub labels: BTreeMap<String, String>,
    /// The claim's name.
    pub name: String,
}

/// A manifest's `spec`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeClaimSpec {
    /// The pool's `expireAfter` as a Go duration, or `Never`.
    pub expire_after: String,
    /// The pool's node class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_class_ref: Option<ManifestNodeClassRef>,
    /// Node selector requirements; instance types, zones and capacity types are pinned to
    /// what the claim may launch.
    pub requirements: Vec<ManifestRequirement>,
    /// The pods' requests plus daemonset overhead.
    pub resources: ManifestResources,
    /// The pool's startup taints.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub startup_taints: Vec<ManifestTaint>,
    /// The pool's taints.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<ManifestTaint>,
}

impl NodeClaimSpec {
    /// The requirement on `key`, if the spec has one.
    pub fn requirement(&self, key: &str) -> Option<&ManifestRequirement> {
        self.requirements.iter().find(|r| r.key == key)
    }
}

/// A node selector requirement of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestRequirement {
    /// The label key.
    pub key: String,
    /// At least this many distinct values must stay possible.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_values: Option<u32>,
    /// `In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt` or `Lt`.
    pub operator: String,
    /// The values (none for `Exists` and `DoesNotExist`).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub values: Arc<[String]>,
}

/// A manifest's `spec.resources`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestResources {
    /// Resource name to Kubernetes quantity.
    pub requests: BTreeMap<String, String>,
}

/// A taint of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestTaint {
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
    /// The taint key.
    pub key: String,
    /// The value, when not empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub value: String,
}

/// A manifest's `spec.nodeClassRef`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestNodeClassRef {
    /// API group of the node class.
    pub group: String,
    /// Kind of the node class.
    pub kind: String,
    /// Name of the node class.
    pub name: String,
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
