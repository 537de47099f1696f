//! Taints and tolerations.

use std::fmt;

/// What a taint does to pods that do not tolerate it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaintEffect {
    /// New pods are not scheduled.
    NoSchedule,
    /// The scheduler avoids the node but may still use it: it never blocks a placement.
    PreferNoSchedule,
    /// New pods are not scheduled and running ones are evicted.
    NoExecute,
}

impl TaintEffect {
    /// The effect as Kubernetes spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        }
    }

    /// Parses a Kubernetes effect name.
    pub fn parse(s: &str) -> Option<TaintEffect> {
        match s {
            "NoSchedule" => Some(TaintEffect::NoSchedule),
            "PreferNoSchedule" => Some(TaintEffect::PreferNoSchedule),
            "NoExecute" => Some(TaintEffect::NoExecute),
            _ => None,
        }
    }
}

/// A node taint.
///
/// # Examples
/// ```
/// use karpenter_solver::{Taint, TaintEffect, Toleration};
/// let taint = Taint { key: "dedicated".into(), value: "db".into(), effect: TaintEffect::NoSchedule };
/// assert_eq!(taint.to_string(), "dedicated=db:NoSchedule");
/// assert!(Toleration::exists("dedicated").tolerates(&taint));
/// assert!(!Toleration::equal("dedicated", "web").tolerates(&taint));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Taint {
    /// The taint key.
    pub key: String,
    /// The taint value, possibly empty.
    pub value: String,
    /// What it does.
    pub effect: TaintEffect,
}

impl Taint {
    /// Whether the taint keeps pods that do not tolerate it off the node (`NoSchedule`,
    /// `NoExecute`; `PreferNoSchedule` is only a preference).
    pub fn blocks(&self) -> bool {
        self.effect != TaintEffect::PreferNoSchedule
    }
}

impl fmt::Display for Taint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            write!(f, "{}:{}", self.key, self.effect.as_str())
        } else {
            write!(f, "{}={}:{}", self.key, self.value, self.effect.as_str())
        }
    }
}

/// A pod's toleration.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Toleration {
    /// The key it tolerates; empty with `exists` tolerates every key.
    pub key: String,
    /// `Exists` when true (any value), `Equal` otherwise.
    pub exists: bool,
    /// The value, for `Equal`.
    pub value: String,
    /// The effect it tolerates; `None` tolerates every effect.
    pub effect: Option<TaintEffect>,
}

impl Toleration {
    /// `key Exists`, any effect.
    pub fn exists(key: impl Into<String>) -> Self {
        Toleration {
            key: key.into(),
            exists: true,
            value: String::new(),
            effect: None,
        }
    }

    /// `key Equal value`, any effect.
    pub fn equal(key: impl Into<String>, value: impl Into<String>) -> Self {
        Toleration {
            key: key.into(),
            exists: false,
            value: value.into(),
            effect: None,
        }
    }

    /// Whether this toleration tolerates `taint` (Kubernetes' `ToleratesTaint`).
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if self.effect.is_some_and(|e| e != taint.effect) {
            return false;
        }
        if !self.key.is_empty() && self.key != taint.key {
            return false;
        }
        if self.exists {
            return true;
        }
        // An empty key with Equal is invalid in Kubernetes; it tolerates nothing here.
        !self.key.is_empty() && self.value == taint.value
    }
}

/// The first blocking taint in `taints` that none of `tolerations` tolerates.
///
/// # Examples
/// ```
/// use karpenter_solver::{untolerated, Taint, TaintEffect};
/// let soft = Taint { key: "a".into(), value: String::new(), effect: TaintEffect::PreferNoSchedule };
/// assert!(untolerated(&[soft], &[]).is_none());
/// ```
pub fn untolerated<'a>(taints: &'a [Taint], tolerations: &[Toleration]) -> Option<&'a Taint> {
    taints
        .iter()
        .find(|t| t.blocks() && !tolerations.iter().any(|tol| tol.tolerates(t)))
}
