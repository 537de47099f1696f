//! Workload generators for the benchmarks: Karpenter's own scheduling-benchmark mix
//! (`kubernetes-sigs/karpenter: pkg/controllers/provisioning/scheduling/scheduling_benchmark_test.go`)
//! and its synthetic 400-type catalog, as snapshot text so parsing is measured too.

use serde_json::{json, Value};

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
    let mut items = vec![json!({
        "apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "default"},
        "spec": {"template": {"spec": {"requirements": [
            {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}
        ]}}}
    })];
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
        items.push(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("pod-{i}"), "namespace": "default", "labels": labels},
            "spec": spec}));
    }
    json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string()
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
    let mut items = vec![json!({
        "apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "default"},
        "spec": {"disruption": {"budgets": [{"nodes": "100%"}]},
            "template": {"spec": {"requirements": [
                {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
                {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]}
            ]}}}
    })];
    for n in 0..nodes {
        let name = format!("node-{n:05}");
        items.push(json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "creationTimestamp": "2026-11-01T00:00:00Z", "labels": {
                "karpenter.sh/nodepool": "default", "karpenter.sh/initialized": "true",
                "node.kubernetes.io/instance-type": "m5.2xlarge",
                "topology.kubernetes.io/zone": zones[n % 3], "karpenter.sh/capacity-type": "on-demand",
                "kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux"}},
            "status": {"allocatable": {"cpu": "7910m", "memory": "29317Mi", "pods": "58"},
                "conditions": [{"type": "Ready", "status": "True"}]}}));
        for p in 0..pods_per_node {
            let app = rng.next() % 10;
            items.push(json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": format!("app-{app}-{n}-{p}"), "namespace": "default",
                    "creationTimestamp": "2026-11-01T00:00:00Z", "labels": {"app": format!("app-{app}")}},
                "spec": {"nodeName": name, "containers": [{"name": "c", "resources": {"requests": {
                    "cpu": rng.pick(&cpus), "memory": rng.pick(&mems)}}}]},
                "status": {"phase": "Running"}}));
        }
    }
    json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string()
}
