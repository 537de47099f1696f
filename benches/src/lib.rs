//! The benchmark harness: workload generators (Karpenter's own scheduling-benchmark mix from
//! `kubernetes-sigs/karpenter: pkg/controllers/provisioning/scheduling/scheduling_benchmark_test.go`,
//! its synthetic 400-type catalog, a fragmented cluster to consolidate), all as snapshot text so
//! parsing is measured too; a Karpenter-style first-fit-decreasing [`baseline`]; peak-memory
//! probes; and the [`plot`] the scale table draws.

use std::process::{Command, Stdio};
use std::time::Duration;

use karpenter_solver::{Catalog, Snapshot, LABEL_CAPACITY_TYPE, LABEL_INSTANCE_TYPE, LABEL_ZONE};
use serde_json::{json, Value};

pub mod baseline;
pub mod plot;
mod png;

pub use baseline::{first_fit_decreasing, BaselineNode, BaselinePlan};

/// Which pods a generated snapshot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    /// One fifth each: generic, zone spread, hostname spread, zone self-affinity, hostname
    /// anti-affinity (Karpenter's benchmark mix).
    Karpenter,
    /// The same shapes with the spread and affinity terms as preferences.
    Preferred,
    /// Pods with requests only.
    Generic,
}

impl Mix {
    /// Every mix, in table order.
    pub const ALL: [Mix; 3] = [Mix::Karpenter, Mix::Preferred, Mix::Generic];

    /// The name tables and command lines use: `karpenter`, `preferred`, `generic`.
    pub fn name(self) -> &'static str {
        match self {
            Mix::Karpenter => "karpenter",
            Mix::Preferred => "preferred",
            Mix::Generic => "generic",
        }
    }

    /// The mix called `name`, as [`Mix::name`] spells it.
    ///
    /// # Examples
    /// ```
    /// use karpenter_solver_benches::Mix;
    /// assert_eq!(Mix::from_name("preferred"), Some(Mix::Preferred));
    /// assert_eq!(Mix::from_name("other"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Mix> {
        Mix::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// The catalogs the benchmarks run on, by the names tables use: `aws-default` (the embedded
/// EC2 catalog) and `synthetic-400` ([`synthetic_catalog`]).
pub const CATALOGS: [&str; 2] = ["aws-default", "synthetic-400"];

/// The catalog called `name` (one of [`CATALOGS`]).
pub fn catalog(name: &str) -> Option<Catalog> {
    match name {
        "aws-default" => Some(Catalog::aws_default()),
        "synthetic-400" => Some(
            Catalog::from_slice(synthetic_catalog().as_bytes())
                .expect("the synthetic catalog parses"),
        ),
        _ => None,
    }
}

/// What the snapshot's nodes cost per hour: each node's type, zone and capacity type looked up
/// in `catalog` (nodes the catalog does not price count zero).
///
/// # Examples
/// ```
/// let snap = karpenter_solver::Snapshot::from_slice(
///     karpenter_solver_benches::fragmented_cluster(2, 1).as_bytes()).unwrap();
/// let price = karpenter_solver_benches::cluster_price(&snap, &karpenter_solver::Catalog::aws_default());
/// assert!(price > 0.0);
/// ```
pub fn cluster_price(snapshot: &Snapshot, catalog: &Catalog) -> f64 {
    snapshot
        .nodes
        .iter()
        .filter_map(|n| {
            let it = catalog.get(n.labels.get(LABEL_INSTANCE_TYPE)?)?;
            let zone = n.labels.get(LABEL_ZONE)?;
            let ct = n.labels.get(LABEL_CAPACITY_TYPE)?;
            it.offerings
                .iter()
                .find(|o| &o.zone == zone && o.capacity_type.as_str() == ct)
                .map(|o| o.price)
        })
        .sum()
}

/// Runs this same executable with `args` and returns the last line it prints: how the scale
/// tables give each row a process of its own, so its peak memory is the row's alone.
///
/// # Errors
/// A message if the process cannot start, fails, or prints nothing.
pub fn run_in_child(args: &[String]) -> Result<String, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let out = Command::new(&exe)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    if !out.status.success() {
        return Err(format!(
            "`{} {}` failed: {}",
            exe.display(),
            args.join(" "),
            out.status
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .ok_or_else(|| format!("`{}` printed nothing", args.join(" ")))
}

/// The word after `flag` on the command line, if `flag` is there.
pub fn arg_value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    let i = args.iter().position(|a| a == flag)?;
    args.get(i + 1).map(String::as_str)
}

/// Whether `flag` is on the command line.
pub fn has_flag(args: &[String], flag: &str) -> bool {
    args.iter().any(|a| a == flag)
}

/// A small deterministic generator (xorshift), so every run builds the same snapshot.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// A snapshot of `pods` pending pods of `mix` and one NodePool, as JSON text.
///
/// # Examples
/// ```
/// let text = karpenter_solver_benches::snapshot(10, karpenter_solver_benches::Mix::Karpenter);
/// let snapshot = karpenter_solver::Snapshot::from_slice(text.as_bytes()).unwrap();
/// assert_eq!(snapshot.pods.len(), 10);
/// ```
pub fn snapshot(pods: usize, mix: Mix) -> String {
    let mut rng = Rng(42);
    let cpus = ["100m", "250m", "500m", "1", "1500m"];
    let mems = ["100Mi", "256Mi", "512Mi", "1Gi", "2Gi", "4Gi"];
    let mut list = List::new(pods * 420);
    list.push(&json!({
        "apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "default"},
        "spec": {"template": {"spec": {"requirements": [
            {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}
        ]}}}
    }));
    for i in 0..pods {
        let kind = if mix == Mix::Generic { 0 } else { i % 5 };
        let group = rng.next() % 7;
        let mut labels = json!({"app": format!("app-{kind}-{group}")});
        let mut spec = json!({"containers": [{"name": "c", "resources": {"requests": {
            "cpu": rng.pick(&cpus), "memory": rng.pick(&mems)}}}]});
        let selector = json!({"matchLabels": labels.clone()});
        let preferred = mix == Mix::Preferred;
        let spread = |key: &str| {
            json!([{"maxSkew": 1, "topologyKey": key,
                "whenUnsatisfiable": if preferred { "ScheduleAnyway" } else { "DoNotSchedule" },
                "labelSelector": selector.clone()}])
        };
        let term = |key: &str, sel: Value| json!({"topologyKey": key, "labelSelector": sel});
        let affinity = |kind: &str, t: Value| {
            if preferred {
                json!({kind: {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 50, "podAffinityTerm": t}]}})
            } else {
                json!({kind: {"requiredDuringSchedulingIgnoredDuringExecution": [t]}})
            }
        };
        match kind {
            1 => spec["topologySpreadConstraints"] = spread("topology.kubernetes.io/zone"),
            2 => spec["topologySpreadConstraints"] = spread("kubernetes.io/hostname"),
            3 => {
                spec["affinity"] = affinity(
                    "podAffinity",
                    term("topology.kubernetes.io/zone", selector.clone()),
                )
            }
            4 => {
                labels = json!({"anti": "shared"});
                spec["affinity"] = affinity(
                    "podAntiAffinity",
                    term(
                        "kubernetes.io/hostname",
                        json!({"matchLabels": {"anti": "shared"}}),
                    ),
                );
            }
            _ => {}
        }
        list.push(&json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("pod-{i}"), "namespace": "default", "labels": labels},
            "spec": spec}));
    }
    list.finish()
}

/// Karpenter's synthetic benchmark catalog: 400 types, type i with i+1 vCPU, 2(i+1) GiB and
/// 10(i+1) pods; spot in zones 1-2 and on-demand in zones 1-3; price 0.1 × vCPU + 0.1 × GiB;
/// overhead 100m CPU and 10Mi.
///
/// # Examples
/// ```
/// let catalog = karpenter_solver::Catalog::from_slice(karpenter_solver_benches::synthetic_catalog().as_bytes()).unwrap();
/// assert_eq!(catalog.instance_types.len(), 400);
/// ```
pub fn synthetic_catalog() -> String {
    let types: Vec<Value> = (1..=400)
        .map(|n: u32| {
            let price = 0.1 * f64::from(n) + 0.1 * f64::from(2 * n);
            let mut offerings = Vec::new();
            for z in ["test-zone-1", "test-zone-2"] {
                offerings.push(json!({"zone": z, "capacityType": "spot", "price": price}));
            }
            for z in ["test-zone-1", "test-zone-2", "test-zone-3"] {
                offerings.push(json!({"zone": z, "capacityType": "on-demand", "price": price}));
            }
            json!({"name": format!("type-{n}"),
                "capacity": {"cpu": n.to_string(), "memory": format!("{}Gi", 2 * n), "pods": (10 * n).to_string()},
                "overhead": {"cpu": "100m", "memory": "10Mi"},
                "labels": {"kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux"},
                "offerings": offerings})
        })
        .collect();
    Value::Array(types).to_string()
}

/// A fragmented cluster: `nodes` managed m5.2xlarge on-demand nodes over three zones, each
/// running `pods_per_node` small pods of a few deployments, as JSON text, with a NodePool
/// whose budget lets every node go (so the search, not the budget, decides).
///
/// # Examples
/// ```
/// let text = karpenter_solver_benches::fragmented_cluster(10, 3);
/// let snapshot = karpenter_solver::Snapshot::from_slice(text.as_bytes()).unwrap();
/// assert_eq!((snapshot.nodes.len(), snapshot.pods.len()), (10, 30));
/// ```
pub fn fragmented_cluster(nodes: usize, pods_per_node: usize) -> String {
    let mut rng = Rng(7);
    let cpus = ["100m", "250m", "500m"];
    let mems = ["128Mi", "256Mi", "512Mi", "1Gi"];
    let zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
    let mut list = List::new(nodes * (600 + pods_per_node * 330));
    list.push(&json!({
        "apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "default"},
        "spec": {"disruption": {"budgets": [{"nodes": "100%"}]},
            "template": {"spec": {"requirements": [
                {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
                {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]}
            ]}}}
    }));
    for n in 0..nodes {
        let name = format!("node-{n:05}");
        list.push(&json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "creationTimestamp": "2026-11-01T00:00:00Z", "labels": {
                "karpenter.sh/nodepool": "default", "karpenter.sh/initialized": "true",
                "node.kubernetes.io/instance-type": "m5.2xlarge",
                "topology.kubernetes.io/zone": zones[n % 3], "karpenter.sh/capacity-type": "on-demand",
                "kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux"}},
            "status": {"allocatable": {"cpu": "7910m", "memory": "29317Mi", "pods": "58"},
                "conditions": [{"type": "Ready", "status": "True"}]}}));
        for p in 0..pods_per_node {
            let app = rng.next() % 10;
            list.push(&json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": format!("app-{app}-{n}-{p}"), "namespace": "default",
                    "creationTimestamp": "2026-11-01T00:00:00Z", "labels": {"app": format!("app-{app}")}},
                "spec": {"nodeName": name, "containers": [{"name": "c", "resources": {"requests": {
                    "cpu": rng.pick(&cpus), "memory": rng.pick(&mems)}}}]},
                "status": {"phase": "Running"}}));
        }
    }
    list.finish()
}

/// A `v1/List` written item by item, so generating 100,000 pods never holds more than one
/// item as a JSON tree: the peak memory a scale row reports stays the solver's.
struct List {
    text: Vec<u8>,
    empty: bool,
}

impl List {
    fn new(capacity: usize) -> List {
        let mut text = Vec::with_capacity(capacity + 64);
        text.extend_from_slice(br#"{"apiVersion":"v1","items":["#);
        List { text, empty: true }
    }

    fn push(&mut self, item: &Value) {
        if !self.empty {
            self.text.push(b',');
        }
        self.empty = false;
        // Writing a `Value` into a Vec cannot fail.
        serde_json::to_writer(&mut self.text, item).expect("JSON value serializes");
    }

    fn finish(mut self) -> String {
        self.text.extend_from_slice(br#"],"kind":"List"}"#);
        String::from_utf8(self.text).expect("serde_json writes UTF-8")
    }
}

/// The middle of `times` (the upper middle for an even count).
///
/// # Panics
/// If `times` is empty.
pub fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// This process's peak resident set size in bytes (`VmHWM` in `/proc/self/status`), or `None`
/// where that file does not exist (not Linux).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// Lowers the peak resident set size to the current one (Linux 4.0 and later, writing `5` to
/// `/proc/self/clear_refs`), so a later [`peak_rss_bytes`] measures only what runs after.
/// Returns whether the kernel accepted it.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}
