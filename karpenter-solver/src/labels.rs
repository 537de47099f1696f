//! Label maps and the well-known label keys the solver understands.

use std::collections::BTreeMap;

/// Labels of a node, pod or instance type, ordered by key.
pub type Labels = BTreeMap<String, String>;

/// The instance type of a node.
pub const LABEL_INSTANCE_TYPE: &str = "node.kubernetes.io/instance-type";
/// The availability zone of a node.
pub const LABEL_ZONE: &str = "topology.kubernetes.io/zone";
/// The region of a node.
pub const LABEL_REGION: &str = "topology.kubernetes.io/region";
/// How a node was bought: `reserved`, `spot` or `on-demand`.
pub const LABEL_CAPACITY_TYPE: &str = "karpenter.sh/capacity-type";
/// The CPU architecture (`amd64`, `arm64`).
pub const LABEL_ARCH: &str = "kubernetes.io/arch";
/// The operating system (`linux`, `windows`).
pub const LABEL_OS: &str = "kubernetes.io/os";
/// The NodePool that owns a node.
pub const LABEL_NODEPOOL: &str = "karpenter.sh/nodepool";
/// The node's hostname.
pub const LABEL_HOSTNAME: &str = "kubernetes.io/hostname";
/// The Windows build of a Windows node.
pub const LABEL_WINDOWS_BUILD: &str = "node.kubernetes.io/windows-build";
/// The capacity reservation a node was launched into.
pub const LABEL_RESERVATION_ID: &str = "karpenter.k8s.aws/capacity-reservation-id";

/// Label keys every node carries whether or not a pool or type defines them: a pod may require
/// them without the pool naming them (Karpenter's `WellKnownLabels`).
pub const WELL_KNOWN_LABELS: &[&str] = &[
    LABEL_INSTANCE_TYPE,
    LABEL_ZONE,
    LABEL_REGION,
    LABEL_CAPACITY_TYPE,
    LABEL_ARCH,
    LABEL_OS,
    LABEL_NODEPOOL,
    LABEL_WINDOWS_BUILD,
];

/// Whether `key` is a well-known label, or one under the AWS provider's `karpenter.k8s.aws/`
/// prefix, which every type of the default catalog defines.
///
/// # Examples
/// ```
/// assert!(karpenter_solver::is_well_known_label("topology.kubernetes.io/zone"));
/// assert!(karpenter_solver::is_well_known_label("karpenter.k8s.aws/instance-family"));
/// assert!(!karpenter_solver::is_well_known_label("team"));
/// ```
pub fn is_well_known_label(key: &str) -> bool {
    WELL_KNOWN_LABELS.contains(&key) || key.starts_with("karpenter.k8s.aws/")
}

/// Maps deprecated beta label keys to their stable names, as Karpenter does.
///
/// # Examples
/// ```
/// assert_eq!(karpenter_solver::normalize_label_key("failure-domain.beta.kubernetes.io/zone"), "topology.kubernetes.io/zone");
/// assert_eq!(karpenter_solver::normalize_label_key("team"), "team");
/// ```
pub fn normalize_label_key(key: &str) -> &str {
    match key {
        "failure-domain.beta.kubernetes.io/zone" => LABEL_ZONE,
        "failure-domain.beta.kubernetes.io/region" => LABEL_REGION,
        "beta.kubernetes.io/arch" => LABEL_ARCH,
        "beta.kubernetes.io/os" => LABEL_OS,
        "beta.kubernetes.io/instance-type" => LABEL_INSTANCE_TYPE,
        other => other,
    }
}
