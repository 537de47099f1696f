//! Label selectors, as pod disruption budgets, topology spread and pod affinity use them.

use crate::labels::Labels;

/// One `matchExpressions` entry of a label selector.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SelectorExpression {
    /// The label is one of the values.
    In(String, Vec<String>),
    /// The label is absent or none of the values.
    NotIn(String, Vec<String>),
    /// The label is present.
    Exists(String),
    /// The label is absent.
    DoesNotExist(String),
}

/// A Kubernetes label selector: every `matchLabels` pair and every expression must hold. An
/// empty selector matches everything.
///
/// # Examples
/// ```
/// use karpenter_solver::{LabelSelector, SelectorExpression};
/// let s = LabelSelector {
///     match_labels: [("app".to_string(), "web".to_string())].into(),
///     match_expressions: vec![SelectorExpression::NotIn("tier".into(), vec!["canary".into()])],
/// };
/// let labels = [("app".to_string(), "web".to_string())].into();
/// assert!(s.matches(&labels));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct LabelSelector {
    /// Labels that must be present with these values.
    pub match_labels: Labels,
    /// Further expressions that must all hold.
    pub match_expressions: Vec<SelectorExpression>,
}

impl LabelSelector {
    /// Whether `labels` satisfy the selector.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|e| match e {
                SelectorExpression::In(k, vs) => labels.get(k).is_some_and(|v| vs.contains(v)),
                SelectorExpression::NotIn(k, vs) => labels.get(k).is_none_or(|v| !vs.contains(v)),
                SelectorExpression::Exists(k) => labels.contains_key(k),
                SelectorExpression::DoesNotExist(k) => !labels.contains_key(k),
            })
    }

    /// Whether the selector has no terms (and so matches everything).
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }
}
