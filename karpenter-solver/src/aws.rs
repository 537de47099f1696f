//! The AWS provider's formulas: from the facts EC2 reports about an instance type to the
//! solver's [`InstanceType`] (capacity, overhead, labels, offerings).
//!
//! Everything here is a pure function of its arguments, so the embedded default catalog (built
//! from `ec2-instance-types.csv`) and an adapter reading DescribeInstanceTypes live agree by
//! construction. The rules follow Karpenter's AWS provider with its default settings and an
//! AL2023 node image; `shared/reference/aws-provider.md` sections 2, 3 and 5 give them with
//! worked values, which the tests reproduce.
//!
//! # Examples
//! ```
//! use karpenter_solver::aws::{instance_type, Ec2InstanceInfo, NodeSettings};
//!
//! let info = Ec2InstanceInfo {
//!     name: "m5.large".into(),
//!     vcpu: 2,
//!     memory_mib: 8192,
//!     architectures: vec!["x86_64".into()],
//!     usage_classes: vec!["on-demand".into(), "spot".into()],
//!     default_card_max_network_interfaces: 3,
//!     ipv4_per_interface: 10,
//!     zones: vec!["us-east-1a".into()],
//!     on_demand_price: Some(0.096),
//!     ..Default::default()
//! };
//! let it = instance_type(&info, &NodeSettings::default());
//! assert_eq!(it.allocatable().to_string(), "cpu=1930m, ephemeral-storage=17Gi, memory=6903Mi, pods=29");
//! assert_eq!(it.offerings.len(), 2);
//! ```

use std::collections::HashSet;

use crate::error::{Error, ObjectRef};
use crate::instance_type::{CapacityType, Catalog, InstanceType, Offering};
use crate::labels::{Labels, LABEL_ARCH, LABEL_INSTANCE_TYPE, LABEL_OS};
use crate::resources::Resources;

/// What EC2 reports about one instance type in one region: the subset of DescribeInstanceTypes,
/// DescribeInstanceTypeOfferings and the on-demand price list that the formulas read.
///
/// The fields mirror the columns of `ec2-instance-types.csv` (see [`ec2_info_from_csv`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ec2InstanceInfo {
    /// Instance type name, such as `m5.large` (`InstanceType`).
    pub name: String,
    /// Default number of vCPUs (`VCpuInfo.DefaultVCpus`).
    pub vcpu: u32,
    /// Memory in MiB as EC2 reports it, before any VM overhead (`MemoryInfo.SizeInMiB`).
    pub memory_mib: u64,
    /// Supported architectures in EC2's spelling and order (`x86_64`, `arm64`, `i386`, ...)
    /// (`ProcessorInfo.SupportedArchitectures`).
    pub architectures: Vec<String>,
    /// `nitro`, `xen`, or empty for bare metal (`Hypervisor`).
    pub hypervisor: String,
    /// Whether the type is a bare-metal instance (`BareMetal`).
    pub bare_metal: bool,
    /// Whether EC2 lists the type as current generation (`CurrentGenerationInstance`).
    pub current_generation: bool,
    /// How it can be bought: `on-demand`, `spot`, `capacity-block` (`SupportedUsageClasses`).
    pub usage_classes: Vec<String>,
    /// Network interfaces across all network cards (`NetworkInfo.MaximumNetworkInterfaces`).
    /// Informational: pod density uses the default card only.
    pub max_network_interfaces: u32,
    /// Network interfaces of the default network card, the ones pod density counts
    /// (`NetworkInfo.NetworkCards[DefaultNetworkCardIndex].MaximumNetworkInterfaces`).
    pub default_card_max_network_interfaces: u32,
    /// IPv4 addresses per network interface (`NetworkInfo.Ipv4AddressesPerInterface`).
    pub ipv4_per_interface: u32,
    /// Number of GPUs (`GpuInfo.Gpus[].Count`, summed).
    pub gpu_count: u32,
    /// GPU manufacturer as EC2 spells it: `NVIDIA`, `AMD`, `Habana`; empty without GPUs.
    pub gpu_manufacturer: String,
    /// GPU model as EC2 spells it, such as `A10G`; empty without GPUs.
    pub gpu_name: String,
    /// Total GPU memory in MiB (`GpuInfo.TotalGpuMemoryInMiB`).
    pub gpu_memory_mib: u64,
    /// Number of AWS Neuron devices (Inferentia, Trainium) (`NeuronInfo`).
    pub neuron_count: u32,
    /// Total instance-store size in GB (`InstanceStorageInfo.TotalSizeInGB`); 0 when none.
    pub local_storage_gb: u64,
    /// Availability zones that offer the type (DescribeInstanceTypeOfferings), in any order.
    pub zones: Vec<String>,
    /// On-demand Linux price in USD per hour, the same in every zone; `None` when unknown.
    pub on_demand_price: Option<f64>,
}

/// The node settings the formulas depend on: the provider's flags and the NodeClass/kubelet
/// fields, with Karpenter's defaults.
///
/// # Examples
/// ```
/// let s = karpenter_solver::aws::NodeSettings::default();
/// assert_eq!(s.vm_memory_overhead_percent, 0.075);
/// assert_eq!((s.reserved_enis, s.max_pods, s.root_volume_gib), (0, None, 20));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSettings {
    /// Fraction of memory the hypervisor keeps (`--vm-memory-overhead-percent`), default 0.075.
    pub vm_memory_overhead_percent: f64,
    /// Network interfaces kept for other uses (`--reserved-enis`), default 0.
    pub reserved_enis: u32,
    /// Kubelet `maxPods`; `None` derives pod density from the network interfaces.
    pub max_pods: Option<u32>,
    /// Root volume size in GiB, the node's ephemeral storage, default 20.
    pub root_volume_gib: u64,
}

impl Default for NodeSettings {
    fn default() -> Self {
        NodeSettings {
            vm_memory_overhead_percent: 0.075,
            reserved_enis: 0,
            max_pods: None,
            root_volume_gib: 20,
        }
    }
}

/// Extended resource for NVIDIA GPUs.
pub const RESOURCE_NVIDIA_GPU: &str = "nvidia.com/gpu";
/// Extended resource for AMD GPUs.
pub const RESOURCE_AMD_GPU: &str = "amd.com/gpu";
/// Extended resource for Habana Gaudi accelerators.
pub const RESOURCE_HABANA_GAUDI: &str = "habana.ai/gaudi";
/// Extended resource for AWS Neuron devices (Inferentia, Trainium).
pub const RESOURCE_AWS_NEURON: &str = "aws.amazon.com/neuron";

/// Instance category, such as `m` for `m5.large`.
pub const LABEL_INSTANCE_CATEGORY: &str = "karpenter.k8s.aws/instance-category";
/// Instance family, such as `m5`.
pub const LABEL_INSTANCE_FAMILY: &str = "karpenter.k8s.aws/instance-family";
/// Instance generation, such as `5`.
pub const LABEL_INSTANCE_GENERATION: &str = "karpenter.k8s.aws/instance-generation";
/// Instance size, such as `large`.
pub const LABEL_INSTANCE_SIZE: &str = "karpenter.k8s.aws/instance-size";
/// Number of vCPUs.
pub const LABEL_INSTANCE_CPU: &str = "karpenter.k8s.aws/instance-cpu";
/// Memory in MiB, as EC2 reports it.
pub const LABEL_INSTANCE_MEMORY: &str = "karpenter.k8s.aws/instance-memory";
/// Hypervisor: `nitro`, `xen`, or empty for bare metal.
pub const LABEL_INSTANCE_HYPERVISOR: &str = "karpenter.k8s.aws/instance-hypervisor";
/// Instance-store size in GB.
pub const LABEL_INSTANCE_LOCAL_NVME: &str = "karpenter.k8s.aws/instance-local-nvme";
/// Number of GPUs.
pub const LABEL_INSTANCE_GPU_COUNT: &str = "karpenter.k8s.aws/instance-gpu-count";
/// GPU model, lower case with dashes, such as `a10g`.
pub const LABEL_INSTANCE_GPU_NAME: &str = "karpenter.k8s.aws/instance-gpu-name";
/// GPU manufacturer, lower case, such as `nvidia`.
pub const LABEL_INSTANCE_GPU_MANUFACTURER: &str = "karpenter.k8s.aws/instance-gpu-manufacturer";
/// Total GPU memory in MiB.
pub const LABEL_INSTANCE_GPU_MEMORY: &str = "karpenter.k8s.aws/instance-gpu-memory";

/// Spot price as a fraction of on-demand for most instance types: [`spot_price`]'s estimate.
pub const SPOT_PRICE_FACTOR: f64 = 0.35;
/// Spot price as a fraction of on-demand for GPU and Neuron types, whose spot capacity is
/// scarcer and discounted less: [`spot_price`]'s estimate.
pub const ACCELERATED_SPOT_PRICE_FACTOR: f64 = 0.5;

const MIB: i64 = 1 << 20;
const GIB: i64 = 1 << 30;

/// Memory the node has in MiB, net of what the hypervisor keeps: EC2's figure, less 64 MiB when
/// the first listed architecture is `arm64`, less `ceil(that × vm_memory_overhead_percent)`.
///
/// # Examples
/// ```
/// use karpenter_solver::aws::{memory_capacity_mib, Ec2InstanceInfo, NodeSettings};
/// let s = NodeSettings::default();
/// let m5 = Ec2InstanceInfo { memory_mib: 8192, architectures: vec!["x86_64".into()], ..Default::default() };
/// let m7g = Ec2InstanceInfo { memory_mib: 8192, architectures: vec!["arm64".into()], ..Default::default() };
/// assert_eq!(memory_capacity_mib(&m5, &s), 7577);
/// assert_eq!(memory_capacity_mib(&m7g, &s), 7518);
/// ```
pub fn memory_capacity_mib(info: &Ec2InstanceInfo, settings: &NodeSettings) -> u64 {
    let mut mib = info.memory_mib;
    if info.architectures.first().map(String::as_str) == Some("arm64") {
        mib = mib.saturating_sub(64);
    }
    // Computed in floating point as upstream does, so results agree at every size. The cast
    // saturates, and a negative or NaN percentage keeps nothing back.
    let kept = (mib as f64 * settings.vm_memory_overhead_percent)
        .ceil()
        .max(0.0) as u64;
    mib.saturating_sub(kept)
}

/// kube-reserved cpu in millicores for `vcpu` cores: 6% of the first core, 1% of the second,
/// 0.5% each of the third and fourth, 0.25% of every further core, each band rounded down to a
/// whole millicore.
///
/// # Examples
/// ```
/// use karpenter_solver::aws::kube_reserved_cpu_millis;
/// assert_eq!(kube_reserved_cpu_millis(2), 70);
/// assert_eq!(kube_reserved_cpu_millis(5), 82);
/// assert_eq!(kube_reserved_cpu_millis(96), 310);
/// ```
pub fn kube_reserved_cpu_millis(vcpu: u32) -> i64 {
    // (first millicore, last millicore, basis points of the band kept).
    const BANDS: [(i64, i64, i64); 4] = [
        (0, 1000, 600),
        (1000, 2000, 100),
        (2000, 4000, 50),
        (4000, i64::MAX, 25),
    ];
    let millis = i64::from(vcpu) * 1000;
    BANDS
        .iter()
        .filter(|&&(start, _, _)| millis > start)
        .map(|&(start, end, bp)| (millis.min(end) - start) * bp / 10_000)
        .sum()
}

/// Pods a node fits when every pod takes an IP from the default network card's interfaces:
/// `usable × (ipv4_per_interface − 1) + 2`, with `usable` the default card's interfaces less
/// `reserved_enis`. Zero when no interface or address is left.
///
/// # Examples
/// ```
/// use karpenter_solver::aws::{eni_limited_max_pods, Ec2InstanceInfo};
/// let m5_large = Ec2InstanceInfo {
///     default_card_max_network_interfaces: 3,
///     ipv4_per_interface: 10,
///     ..Default::default()
/// };
/// assert_eq!(eni_limited_max_pods(&m5_large, 0), 29);
/// assert_eq!(eni_limited_max_pods(&m5_large, 1), 20);
/// ```
pub fn eni_limited_max_pods(info: &Ec2InstanceInfo, reserved_enis: u32) -> u32 {
    let usable = info
        .default_card_max_network_interfaces
        .saturating_sub(reserved_enis);
    if usable == 0 || info.ipv4_per_interface == 0 {
        return 0;
    }
    usable
        .saturating_mul(info.ipv4_per_interface - 1)
        .saturating_add(2)
}

/// The extended resource a GPU manufacturer's devices are scheduled as, if any.
fn gpu_resource(manufacturer: &str) -> Option<&'static str> {
    match manufacturer {
        "NVIDIA" => Some(RESOURCE_NVIDIA_GPU),
        "AMD" => Some(RESOURCE_AMD_GPU),
        "Habana" => Some(RESOURCE_HABANA_GAUDI),
        _ => None,
    }
}

fn mib_to_bytes(mib: u64) -> i64 {
    i64::try_from(mib).unwrap_or(i64::MAX).saturating_mul(MIB)
}

/// What the node has: cpu, memory net of VM overhead ([`memory_capacity_mib`]), pods
/// (`max_pods`, else [`eni_limited_max_pods`]), ephemeral storage (the root volume), and GPUs
/// and Neuron devices as extended resources. Zero amounts are left out.
///
/// # Examples
/// ```
/// use karpenter_solver::aws::{capacity, Ec2InstanceInfo, NodeSettings};
/// let g5 = Ec2InstanceInfo {
///     vcpu: 4,
///     memory_mib: 16384,
///     architectures: vec!["x86_64".into()],
///     default_card_max_network_interfaces: 4,
///     ipv4_per_interface: 15,
///     gpu_count: 1,
///     gpu_manufacturer: "NVIDIA".into(),
///     ..Default::default()
/// };
/// assert_eq!(
///     capacity(&g5, &NodeSettings::default()).to_string(),
///     "cpu=4, ephemeral-storage=20Gi, memory=15155Mi, nvidia.com/gpu=1, pods=58",
/// );
/// ```
pub fn capacity(info: &Ec2InstanceInfo, settings: &NodeSettings) -> Resources {
    let pods = settings
        .max_pods
        .unwrap_or_else(|| eni_limited_max_pods(info, settings.reserved_enis));
    let mut r = Resources::new();
    r.set("cpu", i64::from(info.vcpu) * 1000);
    r.set("memory", mib_to_bytes(memory_capacity_mib(info, settings)));
    r.set("pods", i64::from(pods));
    r.set("ephemeral-storage", root_volume_bytes(settings));
    if let Some(resource) = gpu_resource(&info.gpu_manufacturer) {
        r.set(resource, i64::from(info.gpu_count));
    }
    r.set(RESOURCE_AWS_NEURON, i64::from(info.neuron_count));
    r.without_zeros()
}

fn root_volume_bytes(settings: &NodeSettings) -> i64 {
    i64::try_from(settings.root_volume_gib)
        .unwrap_or(i64::MAX)
        .saturating_mul(GIB)
}

/// What the node keeps for itself: kube-reserved (cpu per [`kube_reserved_cpu_millis`], memory
/// `11Mi × pods + 255Mi`, ephemeral storage 1Gi) plus the hard eviction thresholds (memory
/// 100Mi, ephemeral storage 10% of capacity rounded up). No system-reserved.
///
/// The memory term counts ENI-limited pods with no reserved interfaces even when `max_pods` is
/// set, as AL2 and AL2023 nodes do.
///
/// # Examples
/// ```
/// use karpenter_solver::aws::{overhead, Ec2InstanceInfo, NodeSettings};
/// let m5_large = Ec2InstanceInfo {
///     vcpu: 2,
///     default_card_max_network_interfaces: 3,
///     ipv4_per_interface: 10,
///     ..Default::default()
/// };
/// assert_eq!(
///     overhead(&m5_large, &NodeSettings::default()).to_string(),
///     "cpu=70m, ephemeral-storage=3Gi, memory=674Mi",
/// );
/// ```
pub fn overhead(info: &Ec2InstanceInfo, settings: &NodeSettings) -> Resources {
    let pods = i64::from(eni_limited_max_pods(info, 0));
    let ephemeral = root_volume_bytes(settings);
    let mut r = Resources::new();
    r.set("cpu", kube_reserved_cpu_millis(info.vcpu));
    r.set("memory", (11 * pods + 255 + 100) * MIB);
    // Integer ceil(10%) of the root volume: the eviction threshold rounds up.
    let eviction = ephemeral / 10 + i64::from(ephemeral % 10 != 0);
    r.set("ephemeral-storage", GIB.saturating_add(eviction));
    r.without_zeros()
}

/// Splits a family such as `m5`, `c7i-flex`, `u-6tb1` or `p6-b200` into its category (`m`, `c`,
/// `u`, `p`) and generation (`5`, `7`, `1`, `6`).
fn category_and_generation(family: &str) -> Option<(&str, &str)> {
    let letters = family.bytes().take_while(u8::is_ascii_lowercase).count();
    if letters == 0 {
        return None;
    }
    let (category, mut rest) = family.split_at(letters);
    // High-memory families put their memory size first: `u-6tb1` is generation 1.
    if let Some(after) = rest.strip_prefix('-') {
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with("tb") {
            rest = &after[digits + 2..];
        }
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0).then(|| (category, &rest[..digits]))
}

/// The `kubernetes.io/arch` value: the first architecture Kubernetes has a name for.
fn kube_arch(architectures: &[String]) -> Option<&'static str> {
    architectures.iter().find_map(|a| match a.as_str() {
        "x86_64" => Some("amd64"),
        "arm64" => Some("arm64"),
        _ => None,
    })
}

/// Lower case with spaces turned into dashes, as label values for GPU names are written.
fn lower_kebab(s: &str) -> String {
    s.trim()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
}

/// The labels an instance type carries: `node.kubernetes.io/instance-type`, `kubernetes.io/arch`
/// (`x86_64` → `amd64`, `arm64`), `kubernetes.io/os=linux`, and the `karpenter.k8s.aws/instance-*`
/// labels: category, family, generation, size, cpu, memory (MiB, before VM overhead), hypervisor,
/// local NVMe (GB, when there is instance storage) and the GPU count, name, manufacturer and
/// memory (when there are GPUs).
///
/// # Examples
/// ```
/// use karpenter_solver::aws::{labels, Ec2InstanceInfo};
/// let info = Ec2InstanceInfo {
///     name: "g5.xlarge".into(),
///     vcpu: 4,
///     memory_mib: 16384,
///     architectures: vec!["x86_64".into()],
///     hypervisor: "nitro".into(),
///     gpu_count: 1,
///     gpu_manufacturer: "NVIDIA".into(),
///     gpu_name: "A10G".into(),
///     gpu_memory_mib: 22888,
///     local_storage_gb: 250,
///     ..Default::default()
/// };
/// let l = labels(&info);
/// assert_eq!(l["kubernetes.io/arch"], "amd64");
/// assert_eq!(l["karpenter.k8s.aws/instance-category"], "g");
/// assert_eq!(l["karpenter.k8s.aws/instance-generation"], "5");
/// assert_eq!(l["karpenter.k8s.aws/instance-size"], "xlarge");
/// assert_eq!(l["karpenter.k8s.aws/instance-gpu-name"], "a10g");
/// assert_eq!(l["karpenter.k8s.aws/instance-local-nvme"], "250");
/// ```
pub fn labels(info: &Ec2InstanceInfo) -> Labels {
    let mut l = Labels::new();
    let mut put = |key: &str, value: String| {
        l.insert(key.to_owned(), value);
    };
    put(LABEL_INSTANCE_TYPE, info.name.clone());
    if let Some(arch) = kube_arch(&info.architectures) {
        put(LABEL_ARCH, arch.to_owned());
    }
    put(LABEL_OS, "linux".to_owned());
    let (family, size) = match info.name.split_once('.') {
        Some((family, size)) => (family, Some(size)),
        None => (info.name.as_str(), None),
    };
    put(LABEL_INSTANCE_FAMILY, family.to_owned());
    if let Some(size) = size {
        put(LABEL_INSTANCE_SIZE, size.to_owned());
    }
    if let Some((category, generation)) = category_and_generation(family) {
        put(LABEL_INSTANCE_CATEGORY, category.to_owned());
        put(LABEL_INSTANCE_GENERATION, generation.to_owned());
    }
    put(LABEL_INSTANCE_CPU, info.vcpu.to_string());
    put(LABEL_INSTANCE_MEMORY, info.memory_mib.to_string());
    // Bare-metal types have no hypervisor; upstream still sets the label, to "".
    put(LABEL_INSTANCE_HYPERVISOR, info.hypervisor.clone());
    if info.local_storage_gb > 0 {
        put(LABEL_INSTANCE_LOCAL_NVME, info.local_storage_gb.to_string());
    }
    if info.gpu_count > 0 {
        put(LABEL_INSTANCE_GPU_COUNT, info.gpu_count.to_string());
        put(LABEL_INSTANCE_GPU_NAME, lower_kebab(&info.gpu_name));
        put(
            LABEL_INSTANCE_GPU_MANUFACTURER,
            lower_kebab(&info.gpu_manufacturer),
        );
        put(LABEL_INSTANCE_GPU_MEMORY, info.gpu_memory_mib.to_string());
    }
    l
}

/// An **estimate** of the spot price, from the on-demand price: the data has no spot prices
/// (Karpenter itself starts from the on-demand price until its first spot refresh). It assumes
/// spot costs [`SPOT_PRICE_FACTOR`] (35%) of on-demand, or [`ACCELERATED_SPOT_PRICE_FACTOR`]
/// (50%) for types with GPUs or Neuron devices, rounded to a millionth of a dollar. Good for
/// preferring spot over on-demand; not a quote.
///
/// # Examples
/// ```
/// use karpenter_solver::aws::{spot_price, Ec2InstanceInfo};
/// let m5 = Ec2InstanceInfo::default();
/// let g5 = Ec2InstanceInfo { gpu_count: 1, ..Default::default() };
/// assert_eq!(spot_price(&m5, 0.096), 0.0336);
/// assert_eq!(spot_price(&g5, 1.006), 0.503);
/// ```
pub fn spot_price(info: &Ec2InstanceInfo, on_demand: f64) -> f64 {
    let factor = if info.gpu_count > 0 || info.neuron_count > 0 {
        ACCELERATED_SPOT_PRICE_FACTOR
    } else {
        SPOT_PRICE_FACTOR
    };
    // Few decimals keep the catalog readable and make its JSON round-trip exactly.
    (on_demand * factor * 1e6).round() / 1e6
}

/// The solver's instance type: [`capacity`], [`overhead`], [`labels`], and one offering per
/// zone and per capacity type among `on-demand` and `spot` that `usage_classes` lists (other
/// classes ignored). Zones are sorted and deduplicated; each zone's on-demand offering comes
/// before its spot one. On-demand offerings cost the on-demand price, spot ones
/// [`spot_price`]; without a price, offerings are emitted with price 0 and `available: false`.
///
/// # Examples
/// ```
/// use karpenter_solver::aws::{instance_type, Ec2InstanceInfo, NodeSettings};
/// use karpenter_solver::CapacityType;
/// let info = Ec2InstanceInfo {
///     name: "c5.large".into(),
///     vcpu: 2,
///     memory_mib: 4096,
///     architectures: vec!["x86_64".into()],
///     usage_classes: vec!["on-demand".into(), "spot".into()],
///     default_card_max_network_interfaces: 3,
///     ipv4_per_interface: 10,
///     zones: vec!["us-east-1b".into(), "us-east-1a".into()],
///     on_demand_price: Some(0.085),
///     ..Default::default()
/// };
/// let it = instance_type(&info, &NodeSettings::default());
/// assert_eq!(it.allocatable().get("memory"), 3114 << 20);
/// let o: Vec<_> = it.offerings.iter().map(|o| (o.zone.as_str(), o.capacity_type, o.price)).collect();
/// assert_eq!(o, [
///     ("us-east-1a", CapacityType::OnDemand, 0.085),
///     ("us-east-1a", CapacityType::Spot, 0.02975),
///     ("us-east-1b", CapacityType::OnDemand, 0.085),
///     ("us-east-1b", CapacityType::Spot, 0.02975),
/// ]);
/// ```
pub fn instance_type(info: &Ec2InstanceInfo, settings: &NodeSettings) -> InstanceType {
    let mut zones: Vec<&str> = info.zones.iter().map(String::as_str).collect();
    zones.sort_unstable();
    zones.dedup();
    let has = |class: &str| info.usage_classes.iter().any(|c| c == class);
    let prices = [
        (
            CapacityType::OnDemand,
            has("on-demand"),
            info.on_demand_price,
        ),
        (
            CapacityType::Spot,
            has("spot"),
            info.on_demand_price.map(|p| spot_price(info, p)),
        ),
    ];
    let mut offerings = Vec::with_capacity(zones.len() * 2);
    for zone in zones {
        for &(capacity_type, offered, price) in &prices {
            if offered {
                offerings.push(Offering {
                    zone: zone.to_owned(),
                    capacity_type,
                    price: price.unwrap_or(0.0),
                    available: price.is_some(),
                    reservation_id: None,
                    reservation_capacity: None,
                });
            }
        }
    }
    InstanceType {
        name: info.name.clone(),
        capacity: capacity(info, settings),
        overhead: overhead(info, settings),
        labels: labels(info),
        offerings,
    }
}

/// The columns of `ec2-instance-types.csv`, in its order.
const COLUMNS: [&str; 19] = [
    "instance_type",
    "vcpu",
    "memory_mib",
    "architectures",
    "hypervisor",
    "bare_metal",
    "current_generation",
    "usage_classes",
    "max_network_interfaces",
    "default_card_max_network_interfaces",
    "ipv4_per_interface",
    "gpu_count",
    "gpu_manufacturer",
    "gpu_name",
    "gpu_memory_mib",
    "neuron_count",
    "local_storage_gb",
    "zones_us_east_1",
    "on_demand_usd_per_hour_us_east_1",
];

/// Reads `ec2-instance-types.csv` (format in `shared/data/README.md`): a header naming the
/// columns (in any order; extra columns are ignored), then one row per type. Fields hold no
/// commas or quotes; lists are `;`-separated; an empty price means unknown. Blank lines are
/// skipped. Rows keep the file's order.
///
/// # Examples
/// ```
/// let csv = "instance_type,vcpu,memory_mib,architectures,hypervisor,bare_metal,current_generation,usage_classes,max_network_interfaces,default_card_max_network_interfaces,ipv4_per_interface,gpu_count,gpu_manufacturer,gpu_name,gpu_memory_mib,neuron_count,local_storage_gb,zones_us_east_1,on_demand_usd_per_hour_us_east_1
/// m5.large,2,8192,x86_64,nitro,false,false,on-demand;spot,3,3,10,0,,,0,0,0,us-east-1a;us-east-1b,0.096000
/// ";
/// let infos = karpenter_solver::aws::ec2_info_from_csv(csv).unwrap();
/// assert_eq!(infos[0].zones, ["us-east-1a", "us-east-1b"]);
/// assert_eq!(infos[0].on_demand_price, Some(0.096));
/// ```
///
/// # Errors
/// [`Error::InvalidField`] naming the instance type (or `line N` when the row has no name) and
/// the column: a missing column, a row with the wrong number of fields, a malformed number or
/// boolean, or a type listed twice.
pub fn ec2_info_from_csv(text: &str) -> Result<Vec<Ec2InstanceInfo>, Error> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim_end_matches('\r')))
        .filter(|(_, line)| !line.trim().is_empty());
    let Some((header_line, header)) = lines.next() else {
        return Ok(Vec::new());
    };
    let header: Vec<&str> = header
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(str::trim)
        .collect();
    let mut index = [0usize; COLUMNS.len()];
    for (slot, column) in index.iter_mut().zip(COLUMNS) {
        *slot = header.iter().position(|h| *h == column).ok_or_else(|| {
            csv_error(
                format!("line {header_line}"),
                column,
                "missing column in the header".to_owned(),
            )
        })?;
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (line_no, line) in lines {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let name = fields.get(index[0]).copied().unwrap_or_default();
        let object = if name.is_empty() {
            format!("line {line_no}")
        } else {
            name.to_owned()
        };
        if fields.len() != header.len() {
            return Err(csv_error(
                object,
                "row",
                format!(
                    "line {line_no} has {} fields but the header has {}",
                    fields.len(),
                    header.len()
                ),
            ));
        }
        let row = Row {
            fields: &fields,
            index: &index,
            object: &object,
        };
        if name.is_empty() {
            return Err(row.error(0, "must not be empty".to_owned()));
        }
        if !seen.insert(name) {
            return Err(row.error(0, "instance type listed twice".to_owned()));
        }
        out.push(Ec2InstanceInfo {
            name: name.to_owned(),
            vcpu: row.number(1)?,
            memory_mib: row.number(2)?,
            architectures: row.list(3),
            hypervisor: row.text(4),
            bare_metal: row.boolean(5)?,
            current_generation: row.boolean(6)?,
            usage_classes: row.list(7),
            max_network_interfaces: row.number(8)?,
            default_card_max_network_interfaces: row.number(9)?,
            ipv4_per_interface: row.number(10)?,
            gpu_count: row.number(11)?,
            gpu_manufacturer: row.text(12),
            gpu_name: row.text(13),
            gpu_memory_mib: row.number(14)?,
            neuron_count: row.number(15)?,
            local_storage_gb: row.number(16)?,
            zones: row.list(17),
            on_demand_price: row.price(18)?,
        });
    }
    Ok(out)
}

fn csv_error(name: String, field: &str, message: String) -> Error {
    Error::InvalidField {
        object: ObjectRef::new("InstanceType", None, name),
        field: field.to_owned(),
        message,
    }
}

/// One CSV row, with its fields looked up by position in [`COLUMNS`].
struct Row<'a> {
    fields: &'a [&'a str],
    index: &'a [usize; COLUMNS.len()],
    object: &'a str,
}

impl Row<'_> {
    fn get(&self, column: usize) -> &str {
        self.fields[self.index[column]]
    }

    fn error(&self, column: usize, message: String) -> Error {
        csv_error(self.object.to_owned(), COLUMNS[column], message)
    }

    fn text(&self, column: usize) -> String {
        self.get(column).to_owned()
    }

    fn list(&self, column: usize) -> Vec<String> {
        self.get(column)
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    fn number<T: std::str::FromStr>(&self, column: usize) -> Result<T, Error> {
        let v = self.get(column);
        v.parse().map_err(|_| {
            self.error(
                column,
                format!("expected a whole number of zero or more, found {v:?}"),
            )
        })
    }

    fn boolean(&self, column: usize) -> Result<bool, Error> {
        match self.get(column) {
            "true" => Ok(true),
            "false" => Ok(false),
            v => Err(self.error(column, format!("expected true or false, found {v:?}"))),
        }
    }

    fn price(&self, column: usize) -> Result<Option<f64>, Error> {
        let v = self.get(column);
        if v.is_empty() {
            return Ok(None);
        }
        match v.parse::<f64>() {
            Ok(p) if p.is_finite() && p >= 0.0 => Ok(Some(p)),
            _ => Err(self.error(
                column,
                format!("expected a price in USD per hour (zero or more) or nothing, found {v:?}"),
            )),
        }
    }
}

/// Builds the default catalog from `ec2-instance-types.csv`: every type that some zone offers,
/// that has an on-demand price and that runs `x86_64` or `arm64`, through [`instance_type`]
/// with [`NodeSettings::default`], sorted by name.
///
/// # Errors
/// As [`ec2_info_from_csv`].
pub fn default_catalog_from_csv(types_csv: &str) -> Result<Catalog, Error> {
    let settings = NodeSettings::default();
    let mut instance_types: Vec<InstanceType> = ec2_info_from_csv(types_csv)?
        .iter()
        .filter(|info| {
            !info.zones.is_empty()
                && info.on_demand_price.is_some()
                && kube_arch(&info.architectures).is_some()
        })
        .map(|info| instance_type(info, &settings))
        .collect();
    instance_types.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Catalog { instance_types })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(
        name: &str,
        vcpu: u32,
        memory_mib: u64,
        arch: &str,
        enis: u32,
        ips: u32,
    ) -> Ec2InstanceInfo {
        Ec2InstanceInfo {
            name: name.into(),
            vcpu,
            memory_mib,
            architectures: vec![arch.into()],
            hypervisor: "nitro".into(),
            usage_classes: vec!["on-demand".into(), "spot".into()],
            max_network_interfaces: enis,
            default_card_max_network_interfaces: enis,
            ipv4_per_interface: ips,
            zones: vec!["us-east-1a".into()],
            on_demand_price: Some(0.1),
            ..Default::default()
        }
    }

    /// The worked table of aws-provider.md section 3, every column.
    #[test]
    fn reproduces_the_worked_table() {
        let s = NodeSettings::default();
        // (type, vCPU, EC2 MiB, arch, ENIs, IPv4/ENI) → (memory capacity MiB, pods, kube cpu m,
        // overhead memory MiB, allocatable cpu m, allocatable memory MiB)
        let rows = [
            (
                info("m5.large", 2, 8192, "x86_64", 3, 10),
                (7577, 29, 70, 674, 1930, 6903),
            ),
            (
                info("c5.large", 2, 4096, "x86_64", 3, 10),
                (3788, 29, 70, 674, 1930, 3114),
            ),
            (
                info("m7g.large", 2, 8192, "arm64", 3, 10),
                (7518, 29, 70, 674, 1930, 6844),
            ),
            (
                info("m5.xlarge", 4, 16384, "x86_64", 4, 15),
                (15155, 58, 80, 993, 3920, 14162),
            ),
            (
                info("m5.24xlarge", 96, 393216, "x86_64", 15, 50),
                (363724, 737, 310, 8462, 95690, 355262),
            ),
        ];
        for (i, (mem, pods, kube_cpu, oh_mem, alloc_cpu, alloc_mem)) in rows {
            let it = instance_type(&i, &s);
            let name = &i.name;
            assert_eq!(it.capacity.get("cpu"), i64::from(i.vcpu) * 1000, "{name}");
            assert_eq!(it.capacity.get("memory"), mem * MIB, "{name}");
            assert_eq!(it.capacity.get("pods"), pods, "{name}");
            assert_eq!(it.capacity.get("ephemeral-storage"), 20 * GIB, "{name}");
            assert_eq!(it.overhead.get("cpu"), kube_cpu, "{name}");
            assert_eq!(it.overhead.get("memory"), oh_mem * MIB, "{name}");
            assert_eq!(it.overhead.get("ephemeral-storage"), 3 * GIB, "{name}");
            let a = it.allocatable();
            assert_eq!(a.get("cpu"), alloc_cpu, "{name}");
            assert_eq!(a.get("memory"), alloc_mem * MIB, "{name}");
            assert_eq!(a.get("ephemeral-storage"), 17 * GIB, "{name}");
        }
    }

    #[test]
    fn kube_reserved_cpu_bands() {
        for (vcpu, millis) in [
            (0, 0),
            (1, 60),
            (2, 70),
            (3, 75),
            (4, 80),
            (5, 82),
            (6, 85),
            (8, 90),
            (96, 310),
        ] {
            assert_eq!(kube_reserved_cpu_millis(vcpu), millis, "{vcpu} vCPU");
        }
    }

    #[test]
    fn max_pods_setting_changes_capacity_not_overhead() {
        let i = info("m5.large", 2, 8192, "x86_64", 3, 10);
        let s = NodeSettings {
            max_pods: Some(110),
            reserved_enis: 1,
            ..NodeSettings::default()
        };
        assert_eq!(capacity(&i, &s).get("pods"), 110);
        assert_eq!(overhead(&i, &s).get("memory"), 674 * MIB);
        let s = NodeSettings {
            reserved_enis: 1,
            ..NodeSettings::default()
        };
        assert_eq!(capacity(&i, &s).get("pods"), 20);
        assert_eq!(eni_limited_max_pods(&i, 3), 0);
    }

    #[test]
    fn pods_use_the_default_card_only() {
        let mut i = info("p4d.24xlarge", 96, 1179648, "x86_64", 15, 50);
        i.max_network_interfaces = 60;
        assert_eq!(eni_limited_max_pods(&i, 0), 737);
    }

    #[test]
    fn accelerators_become_extended_resources() {
        let mut i = info("dl1.24xlarge", 96, 786432, "x86_64", 15, 50);
        i.gpu_count = 8;
        i.gpu_manufacturer = "Habana".into();
        i.gpu_name = "Gaudi HL-205".into();
        assert_eq!(
            capacity(&i, &NodeSettings::default()).get(RESOURCE_HABANA_GAUDI),
            8
        );
        assert_eq!(labels(&i)[LABEL_INSTANCE_GPU_NAME], "gaudi-hl-205");
        assert_eq!(labels(&i)[LABEL_INSTANCE_GPU_MANUFACTURER], "habana");
        i.gpu_manufacturer = "AMD".into();
        assert_eq!(
            capacity(&i, &NodeSettings::default()).get(RESOURCE_AMD_GPU),
            8
        );
        let mut inf = info("inf2.xlarge", 4, 16384, "x86_64", 4, 15);
        inf.neuron_count = 1;
        let c = capacity(&inf, &NodeSettings::default());
        assert_eq!(c.get(RESOURCE_AWS_NEURON), 1);
        assert_eq!(c.get(RESOURCE_NVIDIA_GPU), 0);
        assert!(!labels(&inf).contains_key(LABEL_INSTANCE_GPU_COUNT));
        assert_eq!(spot_price(&inf, 1.0), 0.5);
    }

    #[test]
    fn families_split_into_category_and_generation() {
        for (family, expected) in [
            ("m5", Some(("m", "5"))),
            ("c7i-flex", Some(("c", "7"))),
            ("u-6tb1", Some(("u", "1"))),
            ("u7in-16tb", Some(("u", "7"))),
            ("p6-b200", Some(("p", "6"))),
            ("trn1n", Some(("trn", "1"))),
            ("mac-m4", None),
            ("7x", None),
        ] {
            assert_eq!(category_and_generation(family), expected, "{family}");
        }
    }

    #[test]
    fn arch_label_takes_the_first_known_architecture() {
        let mut i = info("t2.micro", 1, 1024, "i386", 2, 2);
        i.architectures.push("x86_64".into());
        assert_eq!(labels(&i)[LABEL_ARCH], "amd64");
        // Only a first-listed arm64 costs the 64 MiB.
        assert_eq!(memory_capacity_mib(&i, &NodeSettings::default()), 1024 - 77);
        i.architectures = vec!["arm64_mac".into()];
        assert!(!labels(&i).contains_key(LABEL_ARCH));
    }

    #[test]
    fn offerings_without_a_price_are_unavailable() {
        let mut i = info("x.large", 2, 8192, "x86_64", 3, 10);
        i.on_demand_price = None;
        i.usage_classes = vec!["capacity-block".into(), "on-demand".into()];
        i.zones = vec![
            "us-east-1b".into(),
            "us-east-1a".into(),
            "us-east-1b".into(),
        ];
        let it = instance_type(&i, &NodeSettings::default());
        let got: Vec<_> = it
            .offerings
            .iter()
            .map(|o| (o.zone.as_str(), o.capacity_type, o.price, o.available))
            .collect();
        assert_eq!(
            got,
            [
                ("us-east-1a", CapacityType::OnDemand, 0.0, false),
                ("us-east-1b", CapacityType::OnDemand, 0.0, false),
            ]
        );
    }

    const HEADER: &str = "instance_type,vcpu,memory_mib,architectures,hypervisor,bare_metal,current_generation,usage_classes,max_network_interfaces,default_card_max_network_interfaces,ipv4_per_interface,gpu_count,gpu_manufacturer,gpu_name,gpu_memory_mib,neuron_count,local_storage_gb,zones_us_east_1,on_demand_usd_per_hour_us_east_1";

    fn field_error(e: Error) -> (String, String, String) {
        match e {
            Error::InvalidField {
                object,
                field,
                message,
            } => (object.to_string(), field, message),
            other => panic!("unexpected error {other:?}"),
        }
    }

    #[test]
    fn csv_reads_rows() {
        let csv = format!(
            "{HEADER}\r\ng5.xlarge,4,16384,x86_64,nitro,false,true,on-demand;spot,4,4,15,1,NVIDIA,A10G,22888,0,250,us-east-1a;us-east-1b,1.006000\r\n\nx.metal,8,1024,arm64,,true,true,on-demand,1,1,2,0,,,0,0,0,,\n"
        );
        let infos = ec2_info_from_csv(&csv).unwrap();
        assert_eq!(infos.len(), 2);
        assert_eq!(infos[0].gpu_name, "A10G");
        assert_eq!(infos[0].on_demand_price, Some(1.006));
        assert!(infos[1].bare_metal && infos[1].hypervisor.is_empty());
        assert!(infos[1].zones.is_empty() && infos[1].on_demand_price.is_none());
        let catalog = default_catalog_from_csv(&csv).unwrap();
        assert_eq!(catalog.instance_types.len(), 1);
        assert_eq!(ec2_info_from_csv("").unwrap(), []);
    }

    #[test]
    fn csv_errors_name_the_type_and_column() {
        let row = "m5.large,2,8192,x86_64,nitro,false,false,on-demand;spot,3,3,10,0,,,0,0,0,us-east-1a,0.096";
        let e =
            ec2_info_from_csv(&format!("{HEADER}\n{}", row.replace(",8192,", ",8k,"))).unwrap_err();
        let (object, field, message) = field_error(e);
        assert_eq!(
            (object.as_str(), field.as_str()),
            ("InstanceType/m5.large", "memory_mib")
        );
        assert!(message.contains("\"8k\""), "{message}");

        let e = ec2_info_from_csv(&format!(
            "{HEADER}\n{}",
            row.replace(",false,false,", ",no,false,")
        ))
        .unwrap_err();
        assert_eq!(field_error(e).1, "bare_metal");

        let e =
            ec2_info_from_csv(&format!("{HEADER}\n{}", row.replace(",0.096", ",-1"))).unwrap_err();
        assert_eq!(field_error(e).1, "on_demand_usd_per_hour_us_east_1");

        let e = ec2_info_from_csv(&format!("{HEADER}\n{row}\n{row}")).unwrap_err();
        assert_eq!(field_error(e).2, "instance type listed twice");

        let e = ec2_info_from_csv(&format!("{HEADER}\n\n,1,2")).unwrap_err();
        let (object, field, _) = field_error(e);
        assert_eq!(
            (object.as_str(), field.as_str()),
            ("InstanceType/line 3", "row")
        );

        let e = ec2_info_from_csv(&HEADER.replace(",vcpu,", ",cpus,")).unwrap_err();
        let (object, field, _) = field_error(e);
        assert_eq!(
            (object.as_str(), field.as_str()),
            ("InstanceType/line 1", "vcpu")
        );
    }
}
