//! DaemonSets: the overhead they add to every node they run on.

use crate::labels::Labels;
use crate::pod::HostPort;
use crate::requirements::Requirements;
use crate::resources::Resources;
use crate::taints::Toleration;

/// A DaemonSet's pod template, reduced to what decides where it runs and what it takes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DaemonSet {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Effective requests of one daemon pod.
    pub requests: Resources,
    /// The template's `nodeSelector`.
    pub node_selector: Labels,
    /// The template's required node affinity terms, ORed.
    pub required_node_affinity: Vec<Requirements>,
    /// The template's tolerations.
    pub tolerations: Vec<Toleration>,
    /// Host ports the daemon binds.
    pub host_ports: Vec<HostPort>,
    /// The template's labels.
    pub labels: Labels,
}
