//! karpenter-solver: Karpenter's provisioning and consolidation decisions as a library.
#![deny(missing_docs)]

pub mod aws;
mod default_catalog;
mod document;
mod error;
mod instance_type;
mod labels;
mod quantity;
mod resources;

pub use error::{Error, ObjectRef};
pub use instance_type::{CapacityType, Catalog, InstanceType, Offering};
pub use labels::*;
pub use quantity::{format_quantity, parse_quantity, unit_scale, QuantityError};
pub use resources::Resources;
