//! Pod disruption budgets.

use crate::selector::LabelSelector;

/// An integer or a percentage, as `minAvailable` and `maxUnavailable` take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntOrPercent {
    /// An absolute count of pods.
    Int(i32),
    /// A percentage of the matching pods.
    Percent(i32),
}

/// A `policy/v1` PodDisruptionBudget.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodDisruptionBudget {
    /// Namespace: only pods there are covered.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Which pods it covers. A missing selector covers none.
    pub selector: Option<LabelSelector>,
    /// `spec.minAvailable`.
    pub min_available: Option<IntOrPercent>,
    /// `spec.maxUnavailable`.
    pub max_unavailable: Option<IntOrPercent>,
}
