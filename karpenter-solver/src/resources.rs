//! Resource lists: any resource name mapped to an exact integer amount.

use std::collections::BTreeMap;
use std::fmt;

use crate::quantity::format_quantity;

/// An amount of each named resource, in the solver's units: millicores for `cpu`, base units
/// (bytes, pods, devices) for everything else. Absent names read as zero.
///
/// # Examples
/// ```
/// use karpenter_solver::Resources;
/// let node = Resources::from_pairs([("cpu", 2000), ("memory", 8 << 30)]);
/// let pod = Resources::from_pairs([("cpu", 1500)]);
/// assert!(pod.fits_in(&node));
/// assert_eq!(node.get("nvidia.com/gpu"), 0);
/// assert_eq!(node.to_string(), "cpu=2, memory=8Gi");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Resources(BTreeMap<String, i64>);

impl Resources {
    /// An empty resource list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a list from `(name, amount)` pairs; repeated names are summed.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, i64)>) -> Self {
        let mut r = Self::new();
        for (name, amount) in pairs {
            r.add_amount(name, amount);
        }
        r
    }

    /// The amount of `name`, zero when absent.
    pub fn get(&self, name: &str) -> i64 {
        self.0.get(name).copied().unwrap_or(0)
    }

    /// Sets `name` to `amount`.
    pub fn set(&mut self, name: impl Into<String>, amount: i64) {
        self.0.insert(name.into(), amount);
    }

    /// Adds `amount` of `name`, saturating rather than overflowing.
    pub fn add_amount(&mut self, name: &str, amount: i64) {
        match self.0.get_mut(name) {
            Some(v) => *v = v.saturating_add(amount),
            None => {
                self.0.insert(name.to_owned(), amount);
            }
        }
    }

    /// Adds every amount of `other`.
    pub fn add(&mut self, other: &Resources) {
        for (name, &amount) in &other.0 {
            self.add_amount(name, amount);
        }
    }

    /// Subtracts every amount of `other`; results may go negative.
    pub fn sub(&mut self, other: &Resources) {
        for (name, &amount) in &other.0 {
            self.add_amount(name, amount.saturating_neg());
        }
    }

    /// Takes, per name, the larger of the two amounts.
    pub fn max_with(&mut self, other: &Resources) {
        for (name, &amount) in &other.0 {
            if amount > self.get(name) {
                self.set(name.clone(), amount);
            }
        }
    }

    /// Whether every amount here is at most the same amount in `capacity`.
    pub fn fits_in(&self, capacity: &Resources) -> bool {
        self.0
            .iter()
            .all(|(name, &amount)| amount <= capacity.get(name))
    }

    /// The names whose amount here exceeds `capacity`.
    pub fn exceeding<'a>(&'a self, capacity: &'a Resources) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(name, &amount)| amount > capacity.get(name))
            .map(|(name, _)| name.as_str())
    }

    /// Iterates `(name, amount)` in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, i64)> + '_ {
        self.0.iter().map(|(k, &v)| (k.as_str(), v))
    }

    /// Whether no name has a non-zero amount.
    pub fn is_zero(&self) -> bool {
        self.0.values().all(|&v| v == 0)
    }

    /// Drops names whose amount is zero.
    pub fn without_zeros(mut self) -> Self {
        self.0.retain(|_, v| *v != 0);
        self
    }

    /// The names present, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.0.keys().map(String::as_str)
    }

    /// As Kubernetes quantities (`{"cpu": "1900m", "memory": "3Gi"}`), zero amounts left out.
    pub fn to_quantities(&self) -> BTreeMap<String, String> {
        self.0
            .iter()
            .filter(|(_, &v)| v != 0)
            .map(|(k, &v)| (k.clone(), format_quantity(k, v)))
            .collect()
    }
}

impl fmt::Display for Resources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (name, &amount) in &self.0 {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            write!(f, "{name}={}", format_quantity(name, amount))?;
        }
        Ok(())
    }
}

impl<'a> FromIterator<(&'a str, i64)> for Resources {
    fn from_iter<T: IntoIterator<Item = (&'a str, i64)>>(iter: T) -> Self {
        Self::from_pairs(iter)
    }
}
