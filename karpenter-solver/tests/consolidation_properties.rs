//! Property tests of `consolidate()`: on small random clusters (one or two pools with random
//! budgets, schedules, policies and consolidateAfter; nodes of three sizes in two zones, some
//! young, pinned, deleting, NotReady, cordoned or unmanaged; pods with requests, app labels,
//! do-not-disrupt, hostname anti-affinity, zone spread and host ports; PDBs per app; a
//! daemonset; a pending pod) every plan keeps the contract (`validate_consolidation`), never
//! makes the cluster dearer (no drift or expiry is generated, so every command must save), is
//! deterministic, and does not depend on the order of the snapshot's items.
//!
//! Cases: 256, or 64 when `CI` is set, with fewer shrink steps, so CI stays quick;
//! `PROPTEST_CASES=N` overrides both.

mod support;

use chrono::{DateTime, Utc};
use karpenter_solver::{consolidate, Catalog, ConsolidationPlan, Options, Snapshot};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Value};
use support::consolidation::{cost_after, cost_before, validate_consolidation};

fn config() -> ProptestConfig {
    support::proptest_config()
}

const NOW: &str = "2026-11-23T12:00:00Z";
const OLD: &str = "2026-11-01T00:00:00Z";
const RECENT: &str = "2026-11-23T11:30:00Z";
const ZONES: [&str; 2] = ["zone-a", "zone-b"];
/// (name, cpu, price): a little cheaper per cpu as nodes grow, so merging pays.
const TYPES: [(&str, u32, f64); 3] = [("small", 2, 0.1), ("medium", 4, 0.19), ("large", 8, 0.36)];
const APPS: [&str; 3] = ["a", "b", "c"];

fn catalog() -> Catalog {
    let types: Vec<Value> = TYPES
        .iter()
        .map(|(name, cpu, price)| {
            json!({
                "name": name,
                "capacity": {"cpu": cpu.to_string(), "memory": format!("{}Gi", cpu * 4), "pods": "20"},
                "labels": {"kubernetes.io/arch": "amd64"},
                "offerings": ZONES.iter().map(|z| json!({"zone": z, "capacityType": "on-demand", "price": price})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Catalog::from_slice(&serde_json::to_vec(&types).expect("serializes")).expect("catalog parses")
}

fn budgets() -> impl Strategy<Value = Option<Value>> {
    select(vec![
        None,
        Some(json!([{"nodes": "0"}])),
        Some(json!([{"nodes": "1"}])),
        Some(json!([{"nodes": "50%"}])),
        Some(json!([{"nodes": "100%"}])),
        Some(json!([{"nodes": "0", "reasons": ["Underutilized"]}, {"nodes": "100%"}])),
        Some(json!([{"nodes": "1", "reasons": ["Empty"]}, {"nodes": "2"}])),
        Some(json!([{"nodes": "0", "schedule": "@daily", "duration": "1h"}])),
        Some(
            json!([{"nodes": "0", "schedule": "0 9 * * 1-5", "duration": "8h"}, {"nodes": "100%"}]),
        ),
    ])
}

fn node_pool(i: usize) -> impl Strategy<Value = Value> {
    (
        budgets(),
        prop::bool::weighted(0.2),
        select(vec!["0s", "0s", "1h", "Never"]),
    )
        .prop_map(move |(budgets, when_empty, after)| {
            let mut disruption = json!({
                "consolidationPolicy": if when_empty { "WhenEmpty" } else { "WhenEmptyOrUnderutilized" },
                "consolidateAfter": after,
            });
            if let Some(b) = budgets {
                disruption["budgets"] = b;
            }
            json!({
                "apiVersion": "karpenter.sh/v1", "kind": "NodePool",
                "metadata": {"name": format!("pool-{i}")},
                "spec": {
                    "template": {"spec": {"requirements": [], "expireAfter": "Never"}},
                    "disruption": disruption,
                },
            })
        })
}

#[derive(Debug, Clone)]
struct PodGen {
    cpu_milli: u32,
    app: usize,
    pin: u8,
    anti: bool,
    spread: bool,
    port: bool,
    young: bool,
}

fn pod_gen() -> impl Strategy<Value = PodGen> {
    (
        select(vec![250u32, 500, 1000, 1500]),
        0..APPS.len(),
        prop::sample::select(vec![0u8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(cpu_milli, app, pin, anti, spread, port, young)| PodGen {
            cpu_milli,
            app,
            pin,
            anti,
            spread,
            port,
            young,
        })
}

#[derive(Debug, Clone)]
struct NodeGen {
    size: usize,
    zone: usize,
    /// A pool index; `pools` (one past the last) means unmanaged.
    pool: usize,
    young: bool,
    pinned: bool,
    /// 0 normal, 1 deleting, 2 NotReady, 3 cordoned.
    state: u8,
    pods: Vec<PodGen>,
}

fn node_gen(pools: usize) -> impl Strategy<Value = NodeGen> {
    (
        0..TYPES.len(),
        0..ZONES.len(),
        prop::sample::select(
            (0..=pools)
                .chain(0..pools)
                .chain(0..pools)
                .collect::<Vec<_>>(),
        ),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.08),
        select(vec![0u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]),
        prop::collection::vec(pod_gen(), 0..4),
    )
        .prop_map(|(size, zone, pool, young, pinned, state, pods)| NodeGen {
            size,
            zone,
            pool,
            young,
            pinned,
            state,
            pods,
        })
}

#[derive(Debug, Clone)]
struct Cluster {
    pools: Vec<Value>,
    nodes: Vec<NodeGen>,
    pdbs: Vec<Option<Value>>,
    daemonset: bool,
    pending: Option<PodGen>,
}

fn pdb_spec() -> impl Strategy<Value = Option<Value>> {
    select(vec![
        None,
        None,
        Some(json!({"minAvailable": 1})),
        Some(json!({"minAvailable": "50%"})),
        Some(json!({"maxUnavailable": 0})),
        Some(json!({"maxUnavailable": 1})),
        Some(json!({"maxUnavailable": "50%"})),
    ])
}

fn cluster() -> impl Strategy<Value = Cluster> {
    (1usize..=2).prop_flat_map(|pools| {
        (
            (0..pools).map(node_pool).collect::<Vec<_>>(),
            prop::collection::vec(node_gen(pools), 1..=6),
            prop::collection::vec(pdb_spec(), APPS.len()),
            prop::bool::weighted(0.3),
            prop::option::weighted(0.15, pod_gen()),
        )
            .prop_map(|(pools, mut nodes, pdbs, daemonset, mut pending)| {
                // Pods of one app share their spec, as a Deployment's do: the first pod of an
                // app decides whether all of them carry the spread and anti-affinity terms.
                let mut terms: Vec<Option<(bool, bool)>> = vec![None; APPS.len()];
                for g in nodes
                    .iter_mut()
                    .flat_map(|n| n.pods.iter_mut())
                    .chain(pending.as_mut())
                {
                    let (spread, anti) = *terms[g.app].get_or_insert((g.spread, g.anti));
                    g.spread = spread;
                    g.anti = anti;
                }
                Cluster {
                    pools,
                    nodes,
                    pdbs,
                    daemonset,
                    pending,
                }
            })
    })
}

fn pod_json(name: &str, node: Option<&str>, g: &PodGen) -> Value {
    let app = APPS[g.app];
    let created = if g.young { RECENT } else { OLD };
    let mut pod = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": name, "namespace": "default", "labels": {"app": app},
            "creationTimestamp": created,
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{app}-rs"), "controller": true}],
        },
        "spec": {"containers": [{"name": "app", "resources": {"requests": {"cpu": format!("{}m", g.cpu_milli), "memory": "512Mi"}}}]},
        "status": {"phase": "Pending"},
    });
    if let Some(n) = node {
        pod["spec"]["nodeName"] = json!(n);
        pod["status"] = json!({"phase": "Running", "startTime": created});
    }
    match g.pin {
        1 => pod["metadata"]["annotations"] = json!({"karpenter.sh/do-not-disrupt": "true"}),
        2 => pod["metadata"]["annotations"] = json!({"karpenter.sh/do-not-disrupt": "2h"}),
        3 => pod["metadata"]["annotations"] = json!({"karpenter.sh/do-not-disrupt": "5m"}),
        _ => {}
    }
    if g.anti {
        pod["spec"]["affinity"] = json!({"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": {"app": app}}, "topologyKey": "kubernetes.io/hostname"}]}});
    }
    if g.spread {
        pod["spec"]["topologySpreadConstraints"] = json!([{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {"matchLabels": {"app": app}}}]);
    }
    if g.port {
        pod["spec"]["containers"][0]["ports"] = json!([{"containerPort": 9000, "hostPort": 9000}]);
    }
    pod
}

fn snapshot_json(c: &Cluster) -> Value {
    let mut items = c.pools.clone();
    let daemon_milli = if c.daemonset { 100 } else { 0 };
    if c.daemonset {
        items.push(json!({
            "apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "agent", "namespace": "kube-system"},
            "spec": {"template": {"spec": {"containers": [{"name": "agent", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]}}},
        }));
    }
    let mut pod_no = 0;
    for (i, n) in c.nodes.iter().enumerate() {
        let name = format!("node-{i}");
        let (ty, cpu, _) = TYPES[n.size];
        let mut labels = json!({
            "node.kubernetes.io/instance-type": ty, "topology.kubernetes.io/zone": ZONES[n.zone],
            "karpenter.sh/capacity-type": "on-demand", "kubernetes.io/arch": "amd64",
        });
        if n.pool < c.pools.len() {
            labels["karpenter.sh/nodepool"] = json!(format!("pool-{}", n.pool));
            labels["karpenter.sh/initialized"] = json!("true");
        }
        let mut node = json!({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "creationTimestamp": if n.young { RECENT } else { OLD }, "labels": labels},
            "spec": {},
            "status": {
                "allocatable": {"cpu": cpu.to_string(), "memory": format!("{}Gi", cpu * 4), "pods": "20"},
                "capacity": {"cpu": cpu.to_string(), "memory": format!("{}Gi", cpu * 4), "pods": "20"},
            },
        });
        if n.pinned {
            node["metadata"]["annotations"] = json!({"karpenter.sh/do-not-disrupt": "true"});
        }
        match n.state {
            1 => node["metadata"]["deletionTimestamp"] = json!("2026-11-23T11:59:00Z"),
            2 => node["status"]["conditions"] = json!([{"type": "Ready", "status": "False"}]),
            3 => node["spec"]["unschedulable"] = json!(true),
            _ => {}
        }
        items.push(node);
        // Pods the node holds: as many as fit beside the daemon, at most one host port.
        let mut used = daemon_milli;
        let mut port_taken = false;
        if c.daemonset {
            items.push(json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": format!("agent-{i}"), "namespace": "kube-system", "labels": {"app": "agent"},
                             "creationTimestamp": OLD,
                             "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "agent", "controller": true}]},
                "spec": {"nodeName": name, "containers": [{"name": "agent", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]},
                "status": {"phase": "Running", "startTime": OLD},
            }));
        }
        for g in &n.pods {
            if used + g.cpu_milli > cpu * 1000 {
                continue;
            }
            used += g.cpu_milli;
            let mut g = g.clone();
            g.port &= !port_taken;
            port_taken |= g.port;
            items.push(pod_json(&format!("p{pod_no}"), Some(&name), &g));
            pod_no += 1;
        }
    }
    if let Some(g) = &c.pending {
        items.push(pod_json("pending-0", None, g));
    }
    for (app, spec) in APPS.iter().zip(&c.pdbs) {
        if let Some(spec) = spec {
            let mut spec = spec.clone();
            spec["selector"] = json!({"matchLabels": {"app": app}});
            items.push(json!({
                "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                "metadata": {"name": format!("{app}-pdb"), "namespace": "default"},
                "spec": spec,
            }));
        }
    }
    json!({"apiVersion": "v1", "kind": "List", "items": items})
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW)
        .expect("a time")
        .with_timezone(&Utc)
}

fn solve(snapshot: &Value, catalog: &Catalog) -> (Snapshot, ConsolidationPlan) {
    let snapshot = Snapshot::from_slice(&serde_json::to_vec(snapshot).expect("serializes"))
        .expect("generated snapshots parse");
    let options = Options::default().with_now(now());
    let plan = consolidate(&snapshot, catalog, &options).expect("consolidate succeeds");
    (snapshot, plan)
}

proptest! {
    #![proptest_config(config())]

    /// Every plan keeps every rule `validate_consolidation` checks. Apps are uniform (every pod
    /// of an app carries the same terms), so the final state can be checked whole: with a mix,
    /// an unconstrained pod of the app moved after a constrained one may widen the skew, which
    /// the scheduler allows.
    #[test]
    fn prop_plan_is_valid(c in cluster()) {
        let catalog = catalog();
        let (snapshot, plan) = solve(&snapshot_json(&c), &catalog);
        if let Err(e) = validate_consolidation(&snapshot, &catalog, Some(now()), &plan) {
            prop_assert!(false, "{e}\nplan: {}", plan.to_json());
        }
    }

    /// With neither drift nor expiry, consolidation only ever saves: the managed cluster costs
    /// no more after the plan, and the reported savings are what it saves.
    #[test]
    fn prop_cost_never_rises(c in cluster()) {
        let catalog = catalog();
        let (snapshot, plan) = solve(&snapshot_json(&c), &catalog);
        let before = cost_before(&snapshot, &catalog);
        let after = cost_after(&snapshot, &catalog, &plan);
        prop_assert!(after <= before + 1e-9, "cost {before} -> {after}: {}", plan.to_json());
        prop_assert!(
            support::close(before - after, plan.savings_per_hour),
            "saves {} but reports {}", before - after, plan.savings_per_hour
        );
        prop_assert!(plan.commands.iter().all(|c| c.reason == "Empty" || c.reason == "Underutilized"),
            "no drift or expiry was generated: {}", plan.to_json());
    }

    /// The same input gives the same bytes.
    #[test]
    fn prop_deterministic(c in cluster()) {
        let catalog = catalog();
        let json = snapshot_json(&c);
        let (_, first) = solve(&json, &catalog);
        let (_, second) = solve(&json, &catalog);
        prop_assert_eq!(first.to_json(), second.to_json());
    }

    /// The order in which the snapshot lists its objects does not matter (kubectl's order is
    /// arbitrary): the items reversed give the same bytes.
    #[test]
    fn prop_order_independent(c in cluster()) {
        let catalog = catalog();
        let json = snapshot_json(&c);
        let (_, first) = solve(&json, &catalog);
        let mut reversed = json.clone();
        if let Some(items) = reversed["items"].as_array_mut() {
            items.reverse();
        }
        let (_, again) = solve(&reversed, &catalog);
        prop_assert_eq!(first.to_json(), again.to_json());
    }
}
