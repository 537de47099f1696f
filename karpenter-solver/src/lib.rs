//! karpenter-solver: Karpenter's provisioning and consolidation decisions as a library.
#![deny(missing_docs)]

pub mod aws;
mod consolidate;
mod daemon_set;
mod default_catalog;
mod document;
mod duration;
mod error;
mod fast_hash;
mod instance_type;
mod labels;
mod node;
mod node_claim;
mod node_pool;
mod options;
mod pdb;
mod plan;
mod pod;
mod provision;
mod quantity;
mod requirements;
mod resources;
mod selector;
mod snapshot;
mod taints;

pub use consolidate::{consolidate, SPOT_TO_SPOT_MIN_TYPES};
pub use daemon_set::DaemonSet;
pub use duration::parse_duration_seconds;
pub use error::{Error, ObjectRef};
pub use instance_type::{CapacityType, Catalog, InstanceType, Offering};
pub use labels::*;
pub use node::Node;
pub use node_claim::NodeClaim;
pub use node_pool::{Budget, BudgetNodes, ConsolidationPolicy, Disruption, NodeClassRef, NodePool};
pub use options::Options;
pub use pdb::{IntOrPercent, PodDisruptionBudget};
pub use plan::{
    Blocked, Command, ConsolidationPlan, ExistingPlacement, ManifestMetadata, ManifestNodeClassRef,
    ManifestRequirement, ManifestResources, ManifestTaint, NewNodeClaim, NodeClaimManifest,
    NodeClaimSpec, Plan, PodMove, Relaxation, Unschedulable,
};
pub use pod::{
    HostPort, InclusionPolicy, OwnerRef, Pod, PodAffinity, PodAffinityTerm, PodPhase,
    TopologySpreadConstraint, Weighted, WhenUnsatisfiable,
};
pub use provision::provision;
pub use quantity::{format_quantity, parse_quantity, unit_scale, QuantityError};
pub use requirements::{Incompatible, Operator, Requirement, Requirements};
pub use resources::Resources;
pub use selector::{LabelSelector, SelectorExpression};
pub use snapshot::Snapshot;
pub use taints::{untolerated, Taint, TaintEffect, Toleration};
