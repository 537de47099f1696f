//! The requirements algebra on labels: `In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`, `Lt`,
//! `Gte`, `Lte`, with intersection, compatibility and `minValues`, as Karpenter defines them
//! (`kubernetes-sigs/karpenter: pkg/scheduling/requirement.go`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::labels::Labels;

/// A node selector operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operator {
    /// The label has one of the values.
    In,
    /// The label is absent or has none of the values.
    NotIn,
    /// The label is present.
    Exists,
    /// The label is absent.
    DoesNotExist,
    /// The label is an integer greater than the value.
    Gt,
    /// The label is an integer less than the value.
    Lt,
    /// The label is an integer greater than or equal to the value.
    Gte,
    /// The label is an integer less than or equal to the value.
    Lte,
}

impl Operator {
    /// The operators accepted in node requirements, for error messages.
    pub const EXPECTED: &'static str = "In, NotIn, Exists, DoesNotExist, Gt, Lt, Gte, Lte";

    /// The operator as Kubernetes spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::In => "In",
            Operator::NotIn => "NotIn",
            Operator::Exists => "Exists",
            Operator::DoesNotExist => "DoesNotExist",
            Operator::Gt => "Gt",
            Operator::Lt => "Lt",
            Operator::Gte => "Gte",
            Operator::Lte => "Lte",
        }
    }
}

impl std::str::FromStr for Operator {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Ok(match s {
            "In" => Operator::In,
            "NotIn" => Operator::NotIn,
            "Exists" => Operator::Exists,
            "DoesNotExist" => Operator::DoesNotExist,
            "Gt" => Operator::Gt,
            "Lt" => Operator::Lt,
            "Gte" => Operator::Gte,
            "Lte" => Operator::Lte,
            _ => return Err(()),
        })
    }
}

/// The set of values one label key may take.
///
/// Held as Karpenter holds it: a plain set of allowed values, or a complement (every value
/// except some), optionally bounded to integers in `[lower, upper]`.
///
/// # Examples
/// ```
/// use karpenter_solver::{Operator, Requirement};
/// let zones = Requirement::new("topology.kubernetes.io/zone", Operator::In, ["a", "b"]).unwrap();
/// let not_b = Requirement::new("topology.kubernetes.io/zone", Operator::NotIn, ["b"]).unwrap();
/// let both = zones.intersect(&not_b);
/// assert!(both.has("a") && !both.has("b"));
/// let big = Requirement::new("karpenter.k8s.aws/instance-cpu", Operator::Gt, ["4"]).unwrap();
/// assert!(big.has("8") && !big.has("4") && !big.has("many"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Requirement {
    /// The label key.
    pub key: String,
    complement: bool,
    values: BTreeSet<String>,
    lower: Option<i64>,
    upper: Option<i64>,
    /// At least this many distinct values must remain available (Karpenter's `minValues`).
    pub min_values: Option<u32>,
}

impl Requirement {
    /// Builds a requirement from a Kubernetes operator and its values.
    ///
    /// # Errors
    /// A message when the values do not suit the operator: `In` needs at least one value,
    /// `Exists` and `DoesNotExist` none, `Gt`/`Lt`/`Gte`/`Lte` exactly one integer.
    pub fn new<S: AsRef<str>>(
        key: impl Into<String>,
        operator: Operator,
        values: impl IntoIterator<Item = S>,
    ) -> Result<Requirement, String> {
        let values: BTreeSet<String> = values.into_iter().map(|v| v.as_ref().to_owned()).collect();
        let key = key.into();
        let mut r = Requirement {
            key,
            complement: false,
            values: BTreeSet::new(),
            lower: None,
            upper: None,
            min_values: None,
        };
        match operator {
            Operator::In => {
                if values.is_empty() {
                    return Err("operator In needs at least one value".into());
                }
                r.values = values;
            }
            Operator::NotIn => {
                r.complement = true;
                r.values = values;
            }
            Operator::Exists | Operator::DoesNotExist => {
                if !values.is_empty() {
                    return Err(format!("operator {} takes no values", operator.as_str()));
                }
                r.complement = operator == Operator::Exists;
            }
            Operator::Gt | Operator::Lt | Operator::Gte | Operator::Lte => {
                let mut it = values.iter();
                let (Some(v), None) = (it.next(), it.next()) else {
                    return Err(format!(
                        "operator {} needs exactly one integer value",
                        operator.as_str()
                    ));
                };
                let n: i64 = v.parse().map_err(|_| {
                    format!(
                        "operator {} needs an integer value, got {v:?}",
                        operator.as_str()
                    )
                })?;
                r.complement = true;
                match operator {
                    Operator::Gt => match n.checked_add(1) {
                        Some(l) => r.lower = Some(l),
                        // Nothing is greater than the largest integer.
                        None => r.complement = false,
                    },
                    Operator::Lt => match n.checked_sub(1) {
                        Some(u) => r.upper = Some(u),
                        None => r.complement = false,
                    },
                    Operator::Gte => r.lower = Some(n),
                    _ => r.upper = Some(n),
                }
            }
        }
        Ok(r)
    }

    /// `key In [value]`.
    pub fn single(key: impl Into<String>, value: impl Into<String>) -> Requirement {
        Requirement {
            key: key.into(),
            complement: false,
            values: BTreeSet::from([value.into()]),
            lower: None,
            upper: None,
            min_values: None,
        }
    }

    /// `key Exists`: any value.
    pub fn any(key: impl Into<String>) -> Requirement {
        Requirement {
            key: key.into(),
            complement: true,
            values: BTreeSet::new(),
            lower: None,
            upper: None,
            min_values: None,
        }
    }

    /// The operator this requirement reads back as: a complement with no excluded values is
    /// `Exists` (or a bound), with some `NotIn`; a plain set is `In`, or `DoesNotExist` empty.
    pub fn operator(&self) -> Operator {
        match (self.complement, self.values.is_empty()) {
            (true, true) => match (self.lower, self.upper) {
                (Some(_), None) => Operator::Gte,
                (None, Some(_)) => Operator::Lte,
                _ => Operator::Exists,
            },
            (true, false) => Operator::NotIn,
            (false, false) => Operator::In,
            (false, true) => Operator::DoesNotExist,
        }
    }

    /// Whether the label may have `value`.
    pub fn has(&self, value: &str) -> bool {
        if self.complement {
            !self.values.contains(value) && self.within_bounds(value)
        } else {
            self.values.contains(value)
        }
    }

    /// Whether the label may be absent (`NotIn`, `DoesNotExist`).
    pub fn allows_absent(&self) -> bool {
        matches!(self.operator(), Operator::NotIn | Operator::DoesNotExist)
            && self.lower.is_none()
            && self.upper.is_none()
    }

    /// Whether a node whose label `key` is `value` (or absent) satisfies this requirement.
    pub fn matches(&self, value: Option<&str>) -> bool {
        match value {
            Some(v) => self.has(v),
            None => self.allows_absent(),
        }
    }

    fn within_bounds(&self, value: &str) -> bool {
        if self.lower.is_none() && self.upper.is_none() {
            return true;
        }
        match value.parse::<i64>() {
            Ok(n) => self.lower.is_none_or(|l| n >= l) && self.upper.is_none_or(|u| n <= u),
            Err(_) => false,
        }
    }

    /// Whether this is a complement (`NotIn`, `Exists`, bounds): it admits unlisted values.
    pub fn is_complement(&self) -> bool {
        self.complement
    }

    /// The values listed: the allowed ones for `In`, the excluded ones for `NotIn`.
    pub fn values(&self) -> &BTreeSet<String> {
        &self.values
    }

    /// Whether no value at all is admitted (`DoesNotExist`, or an empty intersection).
    pub fn is_empty(&self) -> bool {
        !self.complement && self.values.is_empty()
    }

    /// The values both requirements admit.
    pub fn intersect(&self, other: &Requirement) -> Requirement {
        let min_values = self.min_values.max(other.min_values);
        let key = self.key.clone();
        let out = match (self.complement, other.complement) {
            (true, true) => {
                let lower = max_opt(self.lower, other.lower);
                let upper = min_opt(self.upper, other.upper);
                if let (Some(l), Some(u)) = (lower, upper) {
                    if l > u {
                        return Requirement {
                            key,
                            complement: false,
                            values: BTreeSet::new(),
                            lower: None,
                            upper: None,
                            min_values,
                        };
                    }
                }
                Requirement {
                    key,
                    complement: true,
                    values: self.values.union(&other.values).cloned().collect(),
                    lower,
                    upper,
                    min_values,
                }
            }
            (true, false) => Requirement {
                key,
                complement: false,
                values: other
                    .values
                    .iter()
                    .filter(|v| self.has(v))
                    .cloned()
                    .collect(),
                lower: None,
                upper: None,
                min_values,
            },
            (false, true) => Requirement {
                key,
                complement: false,
                values: self
                    .values
                    .iter()
                    .filter(|v| other.has(v))
                    .cloned()
                    .collect(),
                lower: None,
                upper: None,
                min_values,
            },
            (false, false) => Requirement {
                key,
                complement: false,
                values: self.values.intersection(&other.values).cloned().collect(),
                lower: None,
                upper: None,
                min_values,
            },
        };
        out
    }

    /// Whether the two requirements leave some value, or are both negative (absence satisfies
    /// both), following Karpenter's `Intersects`.
    pub fn intersects(&self, other: &Requirement) -> bool {
        let both = self.intersect(other);
        if !both.is_empty() {
            return true;
        }
        let negative =
            |r: &Requirement| matches!(r.operator(), Operator::NotIn | Operator::DoesNotExist);
        negative(self) && negative(other)
    }

    /// As Kubernetes node selector requirements (a bounded complement needs up to two).
    pub fn to_node_selector(&self) -> Vec<(String, Operator, Vec<String>)> {
        let mut out = Vec::new();
        if self.complement {
            if let Some(l) = self.lower {
                out.push((self.key.clone(), Operator::Gt, vec![(l - 1).to_string()]));
            }
            if let Some(u) = self.upper {
                out.push((self.key.clone(), Operator::Lt, vec![(u + 1).to_string()]));
            }
            if !self.values.is_empty() {
                out.push((
                    self.key.clone(),
                    Operator::NotIn,
                    self.values.iter().cloned().collect(),
                ));
            } else if out.is_empty() {
                out.push((self.key.clone(), Operator::Exists, vec![]));
            }
        } else if self.values.is_empty() {
            out.push((self.key.clone(), Operator::DoesNotExist, vec![]));
        } else {
            out.push((
                self.key.clone(),
                Operator::In,
                self.values.iter().cloned().collect(),
            ));
        }
        out
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) | (None, x) => x,
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) | (None, x) => x,
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = self.to_node_selector();
        for (i, (key, op, values)) in parts.iter().enumerate() {
            if i > 0 {
                f.write_str(" and ")?;
            }
            match op {
                Operator::Exists | Operator::DoesNotExist => write!(f, "{key} {}", op.as_str())?,
                Operator::In | Operator::NotIn => {
                    write!(f, "{key} {} [{}]", op.as_str(), values.join(", "))?
                }
                _ => write!(f, "{key} {} {}", op.as_str(), values.join(""))?,
            }
        }
        Ok(())
    }
}

/// Requirements on several keys, all of which must hold. Adding a requirement on a key already
/// present intersects the two; a key absent reads as `Exists`.
///
/// # Examples
/// ```
/// use karpenter_solver::{Operator, Requirement, Requirements};
/// let mut pool = Requirements::new();
/// pool.add(Requirement::new("kubernetes.io/arch", Operator::In, ["amd64", "arm64"]).unwrap());
/// let mut pod = Requirements::new();
/// pod.add(Requirement::single("kubernetes.io/arch", "arm64"));
/// assert!(pool.compatible(&pod, |_| true).is_ok());
/// pod.add(Requirement::single("team", "db"));
/// // A custom label the pool does not define cannot be satisfied.
/// assert!(pool.compatible(&pod, |k| k == "kubernetes.io/arch").is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Requirements(BTreeMap<String, Requirement>);

impl Requirements {
    /// No requirement.
    pub fn new() -> Self {
        Self::default()
    }

    /// `key In [value]` for every label.
    pub fn from_labels(labels: &Labels) -> Self {
        Requirements(
            labels
                .iter()
                .map(|(k, v)| (k.clone(), Requirement::single(k.clone(), v.clone())))
                .collect(),
        )
    }

    /// Adds a requirement, intersecting it with any on the same key.
    pub fn add(&mut self, r: Requirement) {
        match self.0.get_mut(&r.key) {
            Some(existing) => *existing = existing.intersect(&r),
            None => {
                self.0.insert(r.key.clone(), r);
            }
        }
    }

    /// Adds every requirement of `other`.
    pub fn add_all(&mut self, other: &Requirements) {
        for r in other.0.values() {
            self.add(r.clone());
        }
    }

    /// The requirement on `key`, if any.
    pub fn get(&self, key: &str) -> Option<&Requirement> {
        self.0.get(key)
    }

    /// Whether `key` is constrained.
    pub fn has_key(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// The requirements, by key.
    pub fn iter(&self) -> impl Iterator<Item = &Requirement> + '_ {
        self.0.values()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Removes the requirement on `key`.
    pub fn remove(&mut self, key: &str) -> Option<Requirement> {
        self.0.remove(key)
    }

    /// Whether a node with `labels` satisfies every requirement (kube-scheduler's node selector
    /// match: `In`, `Exists` and bounds need the label; `NotIn` and `DoesNotExist` hold when it
    /// is absent).
    pub fn matches_labels(&self, labels: &Labels) -> bool {
        self.0
            .values()
            .all(|r| r.matches(labels.get(&r.key).map(String::as_str)))
    }

    /// The first requirement a node with `labels` fails.
    pub fn first_mismatch(&self, labels: &Labels) -> Option<&Requirement> {
        self.0
            .values()
            .find(|r| !r.matches(labels.get(&r.key).map(String::as_str)))
    }

    /// Whether `incoming` (a pod's requirements) can be met by what `self` (a pool or claim)
    /// allows, as Karpenter's `Compatible`: a key of `incoming` that `self` leaves undefined is
    /// refused unless `allow_undefined(key)` or the incoming operator is `NotIn`/`DoesNotExist`;
    /// keys on both sides must intersect.
    ///
    /// # Errors
    /// The first requirement of `incoming` that cannot be met.
    pub fn compatible<'a>(
        &self,
        incoming: &'a Requirements,
        allow_undefined: impl Fn(&str) -> bool,
    ) -> Result<(), Incompatible<'a>> {
        for r in incoming.0.values() {
            match self.0.get(&r.key) {
                Some(existing) => {
                    if !existing.intersects(r) {
                        return Err(Incompatible {
                            requirement: r,
                            allowed: Some(existing.clone()),
                        });
                    }
                }
                None => {
                    if !allow_undefined(&r.key) && !r.allows_absent() {
                        return Err(Incompatible {
                            requirement: r,
                            allowed: None,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether every key on both sides intersects (undefined keys allowed).
    pub fn intersects(&self, other: &Requirements) -> bool {
        other
            .0
            .values()
            .all(|r| self.0.get(&r.key).is_none_or(|e| e.intersects(r)))
    }
}

/// A requirement that cannot be met, and what the other side allows for its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incompatible<'a> {
    /// The requirement that fails.
    pub requirement: &'a Requirement,
    /// What the receiver allows on that key; `None` when it does not define the key.
    pub allowed: Option<Requirement>,
}

impl fmt::Display for Incompatible<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.allowed {
            Some(a) => write!(f, "requires {} but it allows {}", self.requirement, a),
            None => write!(
                f,
                "requires {} but it does not define label {}",
                self.requirement, self.requirement.key
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(key: &str, op: Operator, values: &[&str]) -> Requirement {
        Requirement::new(key, op, values.iter().copied()).unwrap()
    }

    #[test]
    fn operators_read_back() {
        assert_eq!(req("k", Operator::In, &["a"]).operator(), Operator::In);
        assert_eq!(
            req("k", Operator::NotIn, &["a"]).operator(),
            Operator::NotIn
        );
        assert_eq!(req("k", Operator::Exists, &[]).operator(), Operator::Exists);
        assert_eq!(
            req("k", Operator::DoesNotExist, &[]).operator(),
            Operator::DoesNotExist
        );
        assert_eq!(req("k", Operator::Gte, &["3"]).operator(), Operator::Gte);
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(Requirement::new("k", Operator::In, Vec::<String>::new()).is_err());
        assert!(Requirement::new("k", Operator::Exists, ["a"]).is_err());
        assert!(Requirement::new("k", Operator::Gt, ["a"]).is_err());
        assert!(Requirement::new("k", Operator::Gt, ["1", "2"]).is_err());
    }

    #[test]
    fn gt_of_max_is_does_not_exist() {
        let r = req("k", Operator::Gt, &[&i64::MAX.to_string()]);
        assert_eq!(r.operator(), Operator::DoesNotExist);
    }

    #[test]
    fn intersection_rules() {
        let a = req("k", Operator::In, &["1", "2", "3"]);
        let b = req("k", Operator::NotIn, &["2"]);
        let c = req("k", Operator::Gt, &["1"]);
        let abc = a.intersect(&b).intersect(&c);
        assert_eq!(abc.values().iter().collect::<Vec<_>>(), vec!["3"]);
        assert_eq!(abc.operator(), Operator::In);
        // Two complements union their exclusions.
        let d = b.intersect(&req("k", Operator::NotIn, &["5"]));
        assert!(!d.has("2") && !d.has("5") && d.has("7"));
        // Crossed bounds admit nothing.
        let e = req("k", Operator::Gt, &["5"]).intersect(&req("k", Operator::Lt, &["3"]));
        assert!(e.is_empty());
        // Bounds meet.
        let f = req("k", Operator::Gte, &["3"]).intersect(&req("k", Operator::Lte, &["3"]));
        assert!(f.has("3") && !f.has("4") && !f.has("2"));
        // minValues is the larger.
        let mut g = req("k", Operator::Exists, &[]);
        g.min_values = Some(3);
        assert_eq!(g.intersect(&a).min_values, Some(3));
    }

    #[test]
    fn negatives_intersect() {
        assert!(req("k", Operator::DoesNotExist, &[]).intersects(&req(
            "k",
            Operator::NotIn,
            &["a"]
        )));
        assert!(!req("k", Operator::DoesNotExist, &[]).intersects(&req("k", Operator::In, &["a"])));
        assert!(!req("k", Operator::In, &["b"]).intersects(&req("k", Operator::In, &["a"])));
    }

    #[test]
    fn label_matching() {
        let mut rs = Requirements::new();
        rs.add(req("zone", Operator::In, &["a"]));
        rs.add(req("gpu", Operator::DoesNotExist, &[]));
        rs.add(req("tier", Operator::NotIn, &["x"]));
        let mut labels = Labels::new();
        labels.insert("zone".into(), "a".into());
        assert!(rs.matches_labels(&labels));
        labels.insert("gpu".into(), "1".into());
        assert!(!rs.matches_labels(&labels));
        labels.remove("gpu");
        labels.insert("tier".into(), "x".into());
        assert_eq!(
            rs.first_mismatch(&labels).map(|r| r.key.as_str()),
            Some("tier")
        );
        let mut cpu = Requirements::new();
        cpu.add(req("cpu", Operator::Gt, &["2"]));
        assert!(!cpu.matches_labels(&Labels::new()));
    }

    #[test]
    fn compatibility_with_undefined_keys() {
        let pool = Requirements::new();
        let mut pod = Requirements::new();
        pod.add(req("team", Operator::NotIn, &["a"]));
        assert!(pool.compatible(&pod, |_| false).is_ok());
        pod.add(req("team2", Operator::Exists, &[]));
        let err = pool.compatible(&pod, |_| false).unwrap_err();
        assert_eq!(err.requirement.key, "team2");
        assert!(err.to_string().contains("does not define label team2"));
    }
}
