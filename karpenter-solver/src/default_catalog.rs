//! The default catalog embedded in the library: EC2 instance types in us-east-1.

use std::sync::OnceLock;

use crate::instance_type::Catalog;

/// The embedded catalog, generated from `shared/data/ec2-instance-types.csv` by the
/// `generate_default_catalog` example; `tests/default_catalog.rs` checks it is current.
const AWS_US_EAST_1: &str = include_str!("../catalog/aws-us-east-1.json");

impl Catalog {
    /// The default catalog: every EC2 instance type offered in us-east-1 that has an on-demand
    /// price and runs `x86_64` or `arm64` (about 1,200 types), with capacity, overhead and
    /// labels per Karpenter's AWS provider defaults (see [`crate::aws`]). On-demand prices are a
    /// snapshot from 2026-07-20, good for ordering, not billing; spot prices are an estimate
    /// ([`crate::aws::spot_price`]).
    ///
    /// Parsed once per process; each call returns a copy.
    ///
    /// # Panics
    /// Only if the embedded file does not parse, which the crate's own tests rule out.
    ///
    /// # Examples
    /// ```
    /// let catalog = karpenter_solver::Catalog::aws_default();
    /// let m5 = catalog.get("m5.large").unwrap();
    /// assert_eq!(m5.allocatable().get("cpu"), 1930);
    /// ```
    pub fn aws_default() -> Catalog {
        static PARSED: OnceLock<Catalog> = OnceLock::new();
        PARSED
            .get_or_init(|| {
                // The embedded file is generated and checked by the test suite
                // (`embedded_catalog_parses` below), so this cannot fail in a tested build.
                Catalog::from_slice(AWS_US_EAST_1.as_bytes())
                    .expect("the embedded default catalog parses")
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_parses() {
        let catalog = Catalog::from_slice(AWS_US_EAST_1.as_bytes()).unwrap();
        assert_eq!(catalog, Catalog::aws_default());
    }
}
