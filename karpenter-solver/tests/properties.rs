//! Property tests of `provision()`: on small random clusters (pools with requirements, taints,
//! limits and weights; instance types offered in two or three zones, spot and on-demand; pods
//! with requests, selectors, affinity and tolerations; a daemonset; an existing node and an
//! in-flight NodeClaim), every plan is feasible (`support::validate`), deterministic, and its
//! prices keep their promises. Tiny single-pool cases are compared with brute force, and a
//! differential test checks every `unschedulable` verdict against a lone node of each pool and
//! type (requests + daemonset overhead, selectors, pool requirements and taints).
//!
//! Cases: 256, or 64 when `CI` is set, with fewer shrink steps, so CI stays quick;
//! `PROPTEST_CASES=N` overrides both.

mod support;

use karpenter_solver::{provision, Catalog, Options, Plan, Snapshot};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Value};

fn config() -> ProptestConfig {
    support::proptest_config()
}

const ZONES: [&str; 3] = ["zone-a", "zone-b", "zone-c"];

/// One instance type, `t<i>`: sizes on a ladder, amd64 or arm64, family fa or fb, offered
/// on-demand in a non-empty set of zones and sometimes spot (not always available).
fn instance_type(i: usize) -> impl Strategy<Value = Value> {
    (
        select(vec![1u32, 2, 4, 8]),
        select(vec![2u32, 4, 8, 16]),
        select(vec![4u32, 10, 30]),
        prop::bool::weighted(0.25),
        select(vec!["fa", "fb"]),
        select(vec!["0", "100m"]),
        1u8..8,
        prop::option::weighted(0.5, (0u8..8, 20u32..60)),
        80u32..120,
    )
        .prop_map(
            move |(cpu, mem, pods, arm, family, overhead, zones, spot, factor)| {
                let od = f64::from(cpu) * 0.05 * f64::from(factor) / 100.0;
                let mut offerings = Vec::new();
                for (z, zone) in ZONES.iter().enumerate() {
                    if zones & (1 << z) == 0 {
                        continue;
                    }
                    offerings.push(json!({"zone": zone, "capacityType": "on-demand", "price": od}));
                    if let Some((available, pct)) = spot {
                        offerings.push(json!({
                            "zone": zone, "capacityType": "spot",
                            "price": od * f64::from(pct) / 100.0,
                            "available": available & (1 << z) != 0,
                        }));
                    }
                }
                json!({
                    "name": format!("t{i}"),
                    "capacity": {"cpu": cpu.to_string(), "memory": format!("{mem}Gi"), "pods": pods.to_string()},
                    "overhead": {"cpu": overhead},
                    "labels": {
                        "kubernetes.io/arch": if arm { "arm64" } else { "amd64" },
                        "karpenter.k8s.aws/instance-family": family,
                        "karpenter.k8s.aws/instance-cpu": cpu.to_string(),
                    },
                    "offerings": offerings,
                })
            },
        )
}

fn catalog() -> impl Strategy<Value = Vec<Value>> {
    (2usize..=5).prop_flat_map(|n| (0..n).map(instance_type).collect::<Vec<_>>())
}

/// A node-selector requirement on a key the pools, types or offerings define.
fn requirement() -> impl Strategy<Value = Value> {
    let zone_set = prop::sample::subsequence(ZONES.to_vec(), 1..=2);
    prop_oneof![
        select(vec!["amd64", "arm64"])
            .prop_map(|a| json!({"key": "kubernetes.io/arch", "operator": "In", "values": [a]})),
        zone_set.clone().prop_map(
            |z| json!({"key": "topology.kubernetes.io/zone", "operator": "In", "values": z})
        ),
        zone_set.prop_map(
            |z| json!({"key": "topology.kubernetes.io/zone", "operator": "NotIn", "values": z})
        ),
        select(vec![
            vec!["on-demand"],
            vec!["spot"],
            vec!["spot", "on-demand"]
        ])
        .prop_map(|c| json!({"key": "karpenter.sh/capacity-type", "operator": "In", "values": c})),
        (select(vec!["In", "NotIn"]), select(vec!["fa", "fb"])).prop_map(|(op, f)| {
            json!({"key": "karpenter.k8s.aws/instance-family", "operator": op, "values": [f]})
        }),
        (
            select(vec!["Gt", "Lt", "Gte", "Lte"]),
            select(vec!["1", "2", "4"])
        )
            .prop_map(|(op, n)| {
                json!({"key": "karpenter.k8s.aws/instance-cpu", "operator": op, "values": [n]})
            }),
        select(vec!["Exists", "DoesNotExist"])
            .prop_map(|op| json!({"key": "team", "operator": op})),
        select(vec!["a", "b"])
            .prop_map(|t| json!({"key": "team", "operator": "NotIn", "values": [t]})),
    ]
}

fn taint() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({"key": "dedicated", "value": "x", "effect": "NoSchedule"})),
        Just(json!({"key": "dedicated", "value": "x", "effect": "NoExecute"})),
        Just(json!({"key": "soft", "effect": "PreferNoSchedule"})),
    ]
}

fn toleration() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({"key": "dedicated", "operator": "Exists"})),
        Just(
            json!({"key": "dedicated", "operator": "Equal", "value": "x", "effect": "NoSchedule"})
        ),
        Just(json!({"operator": "Exists"})),
    ]
}

/// `pool-<i>`: pool requirements on well-known keys only, custom labels through template
/// labels (as most clusters define them).
fn node_pool(i: usize) -> impl Strategy<Value = Value> {
    (
        select(vec![None, Some(10), Some(50)]),
        prop::collection::vec(
            requirement().prop_filter("custom keys come from labels", |r| r["key"] != "team"),
            0..3,
        ),
        prop::option::of(select(vec!["a", "b"])),
        prop::option::weighted(0.3, taint()),
        any::<bool>(),
        prop::option::weighted(
            0.4,
            prop_oneof![
                (4u32..24).prop_map(|c| json!({"cpu": c.to_string()})),
                (1u32..4).prop_map(|n| json!({"nodes": n.to_string()})),
            ],
        ),
    )
        .prop_map(move |(weight, reqs, team, taint, startup, limits)| {
            let mut template = json!({"spec": {"requirements": reqs}});
            if let Some(t) = team {
                template["metadata"] = json!({"labels": {"team": t}});
            }
            if let Some(t) = taint {
                template["spec"]["taints"] = json!([t]);
            }
            if startup {
                template["spec"]["startupTaints"] =
                    json!([{"key": "example.com/booting", "effect": "NoSchedule"}]);
            }
            let mut spec = json!({"template": template});
            if let Some(w) = weight {
                spec["weight"] = json!(w);
            }
            if let Some(l) = limits {
                spec["limits"] = l;
            }
            json!({"apiVersion": "karpenter.sh/v1", "kind": "NodePool",
                   "metadata": {"name": format!("pool-{i}")}, "spec": spec})
        })
}

fn requests() -> impl Strategy<Value = Value> {
    (
        select(vec!["100m", "250m", "500m", "1", "1500m", "3"]),
        select(vec!["128Mi", "512Mi", "1Gi", "4Gi"]),
    )
        .prop_map(|(cpu, mem)| json!({"cpu": cpu, "memory": mem}))
}

fn pod(i: usize) -> impl Strategy<Value = Value> {
    (
        requests(),
        prop::option::weighted(0.2, requests()),
        prop::option::weighted(
            0.3,
            prop_oneof![
                select(vec!["amd64", "arm64"]).prop_map(|a| json!({"kubernetes.io/arch": a})),
                select(ZONES.to_vec()).prop_map(|z| json!({"topology.kubernetes.io/zone": z})),
                select(vec!["a", "b"]).prop_map(|t| json!({"team": t})),
            ],
        ),
        prop::collection::vec(prop::collection::vec(requirement(), 1..3), 0..3),
        prop::option::weighted(0.3, toleration()),
        0u32..3,
    )
        .prop_map(move |(req, init, selector, mut terms, tol, created)| {
            one_custom_constraint(selector.as_ref(), &mut terms);
            let mut spec = json!({"containers": [{"name": "app", "resources": {"requests": req}}]});
            if let Some(r) = init {
                spec["initContainers"] = json!([{"name": "init", "resources": {"requests": r}}]);
            }
            if let Some(s) = selector {
                spec["nodeSelector"] = s;
            }
            if !terms.is_empty() {
                let terms: Vec<Value> =
                    terms.into_iter().map(|t| json!({"matchExpressions": t})).collect();
                spec["affinity"] = json!({"nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}});
            }
            if let Some(t) = tol {
                spec["tolerations"] = json!([t]);
            }
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": format!("p-{i}"), "namespace": "default",
                                "creationTimestamp": format!("2026-11-23T10:00:0{created}Z")},
                   "spec": spec})
        })
}

/// Keeps at most one constraint on the custom label `team` per pod and term. Two of them can
/// contradict (`team=a` with `team DoesNotExist`, or `Exists` with `DoesNotExist`), and the
/// requirements algebra, Karpenter's included, collapses a contradiction to an empty `In`,
/// which reads back as `DoesNotExist` and so matches any pool that leaves `team` undefined
/// (semantics §3 "Representation"): the pod would get a node it cannot run on. Such a pod
/// can never run anywhere; the generator leaves it out rather than test that quirk.
fn one_custom_constraint(selector: Option<&Value>, terms: &mut Vec<Vec<Value>>) {
    let in_selector = selector.is_some_and(|s| s.get("team").is_some());
    for term in terms.iter_mut() {
        let mut seen = in_selector;
        term.retain(|r| {
            if r["key"] != "team" {
                return true;
            }
            let keep = !seen;
            seen = true;
            keep
        });
    }
    // An empty term matches no node in Kubernetes; leave that case out too.
    terms.retain(|t| !t.is_empty());
}

fn daemon_set() -> impl Strategy<Value = Value> {
    (
        select(vec!["100m", "300m"]),
        prop::option::of(prop_oneof![
            select(vec!["amd64", "arm64"]).prop_map(|a| json!({"kubernetes.io/arch": a})),
            select(vec!["a", "b"]).prop_map(|t| json!({"team": t})),
        ]),
        prop::option::of(toleration()),
    )
        .prop_map(|(cpu, selector, tol)| {
            let mut spec = json!({"containers": [{"name": "d", "resources": {"requests": {"cpu": cpu, "memory": "64Mi"}}}]});
            if let Some(s) = selector {
                spec["nodeSelector"] = s;
            }
            if let Some(t) = tol {
                spec["tolerations"] = json!([t]);
            }
            json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
                   "metadata": {"name": "agent", "namespace": "kube-system"},
                   "spec": {"template": {"spec": spec}}})
        })
}

/// An existing node, sometimes managed by pool-0, with a few bound pods.
fn existing_node() -> impl Strategy<Value = Vec<Value>> {
    (
        select(vec![1u32, 2, 4]),
        select(ZONES.to_vec()),
        any::<bool>(),
        prop::option::weighted(0.3, taint()),
        prop::collection::vec(select(vec!["100m", "500m", "1"]), 0..3),
    )
        .prop_map(|(cpu, zone, managed, taint, bound)| {
            let mut labels = json!({"kubernetes.io/arch": "amd64", "topology.kubernetes.io/zone": zone});
            if managed {
                labels["karpenter.sh/nodepool"] = json!("pool-0");
                labels["karpenter.sh/initialized"] = json!("true");
            }
            let resources = json!({"cpu": cpu.to_string(), "memory": "8Gi", "pods": "10"});
            let mut node = json!({"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": "node-1", "labels": labels},
                "status": {"capacity": resources, "allocatable": resources}});
            if let Some(t) = taint {
                node["spec"] = json!({"taints": [t]});
            }
            let mut items = vec![node];
            for (i, c) in bound.into_iter().enumerate() {
                items.push(json!({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": format!("bound-{i}"), "namespace": "default"},
                    "spec": {"nodeName": "node-1", "containers": [{"name": "app", "resources": {"requests": {"cpu": c}}}]},
                    "status": {"phase": "Running"}}));
            }
            items
        })
}

fn in_flight_claim() -> impl Strategy<Value = Value> {
    (select(vec!["1", "2"]), select(ZONES.to_vec())).prop_map(|(cpu, zone)| {
        let r = json!({"cpu": cpu, "memory": "4Gi", "pods": "10"});
        json!({"apiVersion": "karpenter.sh/v1", "kind": "NodeClaim",
               "metadata": {"name": "pool-0-inflight", "labels": {"karpenter.sh/nodepool": "pool-0"}},
               "spec": {"requirements": [
                   {"key": "topology.kubernetes.io/zone", "operator": "In", "values": [zone]},
                   {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}]},
               "status": {"capacity": r, "allocatable": r}})
    })
}

/// A cluster: its snapshot items and its catalog.
fn cluster() -> impl Strategy<Value = (Vec<Value>, Vec<Value>)> {
    (
        (1usize..=3).prop_flat_map(|n| (0..n).map(node_pool).collect::<Vec<_>>()),
        (1usize..=8).prop_flat_map(|n| (0..n).map(pod).collect::<Vec<_>>()),
        prop::option::weighted(0.5, daemon_set()),
        prop::option::weighted(0.4, existing_node()),
        prop::option::weighted(0.2, in_flight_claim()),
        catalog(),
    )
        .prop_map(|(pools, pods, ds, node, claim, catalog)| {
            let mut items = pools;
            items.extend(pods);
            items.extend(ds);
            items.extend(node.into_iter().flatten());
            items.extend(claim);
            (items, catalog)
        })
}

fn list(items: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({"apiVersion": "v1", "kind": "List", "items": items}))
        .expect("values serialize")
}

/// The same objects as a multi-document YAML stream (JSON is YAML), for the other parser path.
fn multi_document(items: &[Value]) -> Vec<u8> {
    let mut out = String::from("---\n");
    for item in items {
        out.push_str(&item.to_string());
        out.push_str("\n---\n");
    }
    out.into_bytes()
}

fn solve(snapshot: &[u8], catalog: &Catalog) -> (Snapshot, Plan) {
    let snapshot = Snapshot::from_slice(snapshot).expect("generated snapshots parse");
    let plan = provision(&snapshot, catalog, &Options::default()).expect("provision succeeds");
    (snapshot, plan)
}

fn parse_catalog(types: &[Value]) -> Catalog {
    Catalog::from_slice(&serde_json::to_vec(types).expect("values serialize"))
        .expect("generated catalogs parse")
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn prop_plans_are_feasible((items, types) in cluster()) {
        let catalog = parse_catalog(&types);
        let (snapshot, plan) = solve(&list(&items), &catalog);
        if let Err(e) = support::validate(&snapshot, &catalog, &plan) {
            return Err(TestCaseError::fail(format!("{e}\nplan: {}", plan.to_json())));
        }
    }

    #[test]
    fn prop_same_input_same_bytes((items, types) in cluster()) {
        let catalog = parse_catalog(&types);
        let first = solve(&list(&items), &catalog).1.to_json();
        prop_assert_eq!(&solve(&list(&items), &catalog).1.to_json(), &first);
        // Reparsed from another form of the same input: YAML documents, and the catalog
        // written back by Catalog::to_json.
        let reparsed = Catalog::from_slice(catalog.to_json().as_bytes()).expect("round trip");
        prop_assert_eq!(&solve(&multi_document(&items), &reparsed).1.to_json(), &first);
    }

    #[test]
    fn prop_item_order_does_not_change_the_plan(
        (items, shuffled, types) in cluster().prop_flat_map(|(items, types)| {
            (Just(items.clone()), Just(items).prop_shuffle(), Just(types))
        })
    ) {
        let catalog = parse_catalog(&types);
        prop_assert_eq!(
            solve(&list(&shuffled), &catalog).1.to_json(),
            solve(&list(&items), &catalog).1.to_json()
        );
    }

    #[test]
    fn prop_lower_bound_is_below_total_price((items, types) in cluster()) {
        let catalog = parse_catalog(&types);
        let (_, plan) = solve(&list(&items), &catalog);
        prop_assert!(plan.lower_bound >= 0.0);
        prop_assert!(
            plan.lower_bound <= plan.total_price + 1e-9,
            "lowerBound {} > totalPrice {}", plan.lower_bound, plan.total_price
        );
    }
}

// ---- Tiny cases against brute force: one pool, no constraints, one zone, on-demand. ----

/// A tiny instance type: (cpu millicores, memory MiB, pods, price).
type Tiny = (i64, i64, i64, f64);

fn tiny_types() -> impl Strategy<Value = Vec<Tiny>> {
    prop::collection::vec(
        (
            select(vec![1000i64, 2000, 4000]),
            select(vec![1024i64, 4096, 8192]),
            select(vec![2i64, 4, 10]),
            1u32..100,
        )
            .prop_map(|(c, m, p, price)| (c, m, p, f64::from(price) / 100.0)),
        1..=4,
    )
}

fn tiny_pods() -> impl Strategy<Value = Vec<(i64, i64)>> {
    prop::collection::vec(
        (
            select(vec![250i64, 500, 1000, 1500]),
            select(vec![256i64, 1024, 3072]),
        ),
        1..=6,
    )
}

fn tiny_cluster(types: &[Tiny], pods: &[(i64, i64)]) -> (Vec<Value>, Vec<Value>) {
    let catalog = types
        .iter()
        .enumerate()
        .map(|(i, &(c, m, p, price))| {
            json!({"name": format!("t{i}"),
                   "capacity": {"cpu": format!("{c}m"), "memory": format!("{m}Mi"), "pods": p.to_string()},
                   "labels": {"kubernetes.io/arch": "amd64"},
                   "offerings": [{"zone": "zone-a", "capacityType": "on-demand", "price": price}]})
        })
        .collect();
    let mut items = vec![json!({"apiVersion": "karpenter.sh/v1", "kind": "NodePool",
                                "metadata": {"name": "default"}, "spec": {"template": {"spec": {}}}})];
    for (i, &(c, m)) in pods.iter().enumerate() {
        items.push(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("p-{i}"), "namespace": "default"},
            "spec": {"containers": [{"name": "app", "resources": {"requests": {"cpu": format!("{c}m"), "memory": format!("{m}Mi")}}}]}}));
    }
    (items, catalog)
}

/// The cheapest type that holds a set of pods, if any.
fn cheapest_holding(types: &[Tiny], pods: &[(i64, i64)]) -> Option<f64> {
    let (c, m) = pods.iter().fold((0, 0), |(a, b), &(c, m)| (a + c, b + m));
    types
        .iter()
        .filter(|t| c <= t.0 && m <= t.1 && pods.len() as i64 <= t.2)
        .map(|t| t.3)
        .min_by(f64::total_cmp)
}

/// The cheapest way to put every pod in `pods` on new nodes: the minimum over all partitions
/// of the pods into nodes. Pods no type can hold alone are left out first.
fn optimum(types: &[Tiny], pods: &[(i64, i64)]) -> f64 {
    fn go(types: &[Tiny], rest: &[(i64, i64)], blocks: &mut Vec<Vec<(i64, i64)>>, best: &mut f64) {
        let Some((&first, rest)) = rest.split_first() else {
            let total: Option<f64> = blocks.iter().map(|b| cheapest_holding(types, b)).sum();
            if let Some(t) = total {
                *best = best.min(t);
            }
            return;
        };
        for i in 0..blocks.len() {
            blocks[i].push(first);
            if cheapest_holding(types, &blocks[i]).is_some() {
                go(types, rest, blocks, best);
            }
            blocks[i].pop();
        }
        blocks.push(vec![first]);
        go(types, rest, blocks, best);
        blocks.pop();
    }
    let placeable: Vec<(i64, i64)> = pods
        .iter()
        .copied()
        .filter(|p| cheapest_holding(types, &[*p]).is_some())
        .collect();
    let mut best = f64::INFINITY;
    go(types, &placeable, &mut Vec::new(), &mut best);
    best
}

/// Karpenter's own answer (semantics §4): pods by cpu then memory descending; each joins the
/// open claim with the fewest pods that some type can still hold it on, else opens a claim of
/// every type that holds it; a claim launches its cheapest remaining type.
fn karpenter_greedy(types: &[Tiny], pods: &[(i64, i64)]) -> f64 {
    let mut order: Vec<usize> = (0..pods.len()).collect();
    order.sort_by(|&a, &b| pods[b].cmp(&pods[a]).then(a.cmp(&b)));
    let mut claims: Vec<Vec<(i64, i64)>> = Vec::new();
    for i in order {
        let p = pods[i];
        let mut by_size: Vec<usize> = (0..claims.len()).collect();
        by_size.sort_by_key(|&c| claims[c].len());
        let joined = by_size.into_iter().find(|&c| {
            let mut with = claims[c].clone();
            with.push(p);
            cheapest_holding(types, &with).is_some()
        });
        match joined {
            Some(c) => claims[c].push(p),
            None if cheapest_holding(types, &[p]).is_some() => claims.push(vec![p]),
            None => {}
        }
    }
    claims
        .iter()
        .filter_map(|c| cheapest_holding(types, c))
        .sum()
}

proptest! {
    #![proptest_config(config())]

    /// `lowerBound` is a floor on any set of new nodes holding the pods: never above the
    /// brute-force optimum; and no plan is cheaper than that optimum.
    #[test]
    fn prop_lower_bound_below_optimum(types in tiny_types(), pods in tiny_pods()) {
        let (items, catalog) = tiny_cluster(&types, &pods);
        let catalog = parse_catalog(&catalog);
        let (snapshot, plan) = solve(&list(&items), &catalog);
        prop_assert!(support::validate(&snapshot, &catalog, &plan).is_ok());
        let best = optimum(&types, &pods);
        let placed = plan.node_claims.iter().map(|c| c.pods.len()).sum::<usize>();
        let placeable = pods.iter().filter(|p| cheapest_holding(&types, &[**p]).is_some()).count();
        prop_assert_eq!(placed, placeable, "every pod some type holds is placed");
        if placeable > 0 {
            prop_assert!(plan.total_price >= best - 1e-9, "plan {} below optimum {best}", plan.total_price);
            prop_assert!(plan.lower_bound <= best + 1e-9, "lowerBound {} above optimum {best}", plan.lower_bound);
        }
    }

    /// The solver matches or beats Karpenter's greedy answer on the same pods (semantics:
    /// "what karpenter-solver must match or beat").
    #[test]
    fn prop_never_dearer_than_karpenter(types in tiny_types(), pods in tiny_pods()) {
        let (items, catalog) = tiny_cluster(&types, &pods);
        let catalog = parse_catalog(&catalog);
        let (_, plan) = solve(&list(&items), &catalog);
        let greedy = karpenter_greedy(&types, &pods);
        prop_assert!(
            plan.total_price <= greedy + 1e-9,
            "solver {} dearer than Karpenter's {greedy}: {}", plan.total_price, plan.to_json()
        );
    }
}

/// The checker is not vacuous: each way of breaking a good plan is caught.
#[test]
fn validate_rejects_broken_plans() {
    let catalog = parse_catalog(&[
        json!({"name": "small", "capacity": {"cpu": "2", "memory": "4Gi", "pods": "10"},
               "labels": {"kubernetes.io/arch": "amd64"},
               "offerings": [{"zone": "zone-a", "capacityType": "on-demand", "price": 0.1}]}),
        json!({"name": "tiny", "capacity": {"cpu": "500m", "memory": "1Gi", "pods": "10"},
               "labels": {"kubernetes.io/arch": "arm64"},
               "offerings": [{"zone": "zone-b", "capacityType": "on-demand", "price": 0.01}]}),
    ]);
    let items = vec![
        json!({"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "default"},
               "spec": {"limits": {"cpu": "2"}, "template": {"spec": {
                   "taints": [{"key": "dedicated", "value": "x", "effect": "NoSchedule"}]}}}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "default"},
               "spec": {"nodeSelector": {"kubernetes.io/arch": "amd64"},
                        "tolerations": [{"key": "dedicated", "operator": "Exists"}],
                        "containers": [{"name": "app", "resources": {"requests": {"cpu": "1"}}}]}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b", "namespace": "default"},
               "spec": {"containers": [{"name": "app", "resources": {"requests": {"cpu": "1"}}}]}}),
    ];
    let (snapshot, plan) = solve(&list(&items), &catalog);
    support::validate(&snapshot, &catalog, &plan).expect("the solver's own plan is valid");
    assert_eq!(plan.node_claims.len(), 1, "{}", plan.to_json());
    let broken = |what: &str, change: &dyn Fn(&mut Plan), expect: &str| {
        let mut p = plan.clone();
        change(&mut p);
        match support::validate(&snapshot, &catalog, &p) {
            Ok(()) => panic!("{what}: not caught"),
            Err(e) => assert!(e.contains(expect), "{what}: {e}"),
        }
    };
    broken(
        "a pod lost",
        &|p| {
            p.unschedulable.clear();
        },
        "is lost",
    );
    broken(
        "a pod placed twice",
        &|p| {
            let pod = p.node_claims[0].pods[0].clone();
            p.node_claims[0].pods.push(pod);
        },
        "placed 2 times",
    );
    broken(
        "a wrong price",
        &|p| {
            p.node_claims[0].price = 0.05;
            p.total_price = 0.05;
        },
        "launches at",
    );
    broken(
        "a wrong total",
        &|p| {
            p.total_price = 1.0;
        },
        "add up to",
    );
    broken(
        "a type too small and of the wrong arch",
        &|p| {
            let mut types = p.node_claims[0].instance_types.to_vec();
            types.push("tiny".into());
            p.node_claims[0].instance_types = types.into();
            p.node_claims[0].zones.push("zone-b".into());
        },
        "do not fit a tiny",
    );
    broken(
        "an untolerated taint",
        &|p| {
            p.unschedulable.clear();
            p.node_claims[0].pods.push("default/b".into());
        },
        "does not tolerate pool taint",
    );
    broken(
        "a limit exceeded",
        &|p| {
            let c = p.node_claims[0].clone();
            p.node_claims.push(c);
        },
        "exceeds its limit cpu=2000",
    );
    broken(
        "a pod that is not pending",
        &|p| {
            p.node_claims[0].pods.push("default/nobody".into());
        },
        "not a pending pod",
    );
}

/// A differential-test instance type: (cpu millicores, memory GiB, overhead millicores, arm64,
/// zones offered as a bit set over `ZONES`).
type DiffType = (i64, i64, i64, bool, u8);

/// A differential-test pool: (taint `dedicated=<value>:NoSchedule`, arch requirement).
type DiffPool = (Option<&'static str>, Option<&'static str>);

/// A differential-test pod: (cpu millicores, memory GiB, arch selector, zone selector,
/// tolerated `dedicated` value).
type DiffPod = (
    i64,
    i64,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

/// A daemonset: (cpu millicores, tolerated `dedicated` value).
type DiffDaemon = (i64, Option<&'static str>);

fn diff_types() -> impl Strategy<Value = Vec<DiffType>> {
    prop::collection::vec(
        (
            select(vec![1000i64, 2000, 4000, 8000]),
            select(vec![2i64, 4, 8, 16]),
            select(vec![0i64, 100, 300]),
            prop::bool::weighted(0.3),
            1u8..8,
        ),
        1..=4,
    )
}

fn diff_pools() -> impl Strategy<Value = Vec<DiffPool>> {
    prop::collection::vec(
        (
            prop::option::weighted(0.4, select(vec!["gpu", "batch"])),
            prop::option::weighted(0.3, select(vec!["amd64", "arm64"])),
        ),
        1..=2,
    )
}

fn diff_pods() -> impl Strategy<Value = Vec<DiffPod>> {
    prop::collection::vec(
        (
            select(vec![250i64, 900, 1800, 3500, 7000, 9000]),
            select(vec![1i64, 3, 7, 15, 20]),
            prop::option::weighted(0.3, select(vec!["amd64", "arm64"])),
            prop::option::weighted(0.3, select(ZONES.to_vec())),
            prop::option::weighted(0.4, select(vec!["gpu", "batch"])),
        ),
        1..=6,
    )
}

fn diff_daemon() -> impl Strategy<Value = Option<DiffDaemon>> {
    prop::option::weighted(
        0.6,
        (
            select(vec![100i64, 400, 900]),
            prop::option::weighted(0.5, select(vec!["gpu", "batch"])),
        ),
    )
}

fn diff_cluster(
    types: &[DiffType],
    pools: &[DiffPool],
    pods: &[DiffPod],
    daemon: Option<DiffDaemon>,
) -> (Vec<Value>, Vec<Value>) {
    let catalog = types
        .iter()
        .enumerate()
        .map(|(i, &(cpu, mem, overhead, arm, zones))| {
            let offerings: Vec<Value> = ZONES
                .iter()
                .enumerate()
                .filter(|(z, _)| zones & (1 << z) != 0)
                .map(|(_, zone)| {
                    json!({"zone": zone, "capacityType": "on-demand", "price": cpu as f64 / 20000.0 + i as f64 / 1000.0})
                })
                .collect();
            json!({"name": format!("t{i}"),
                   "capacity": {"cpu": format!("{cpu}m"), "memory": format!("{mem}Gi"), "pods": "20"},
                   "overhead": {"cpu": format!("{overhead}m")},
                   "labels": {"kubernetes.io/arch": if arm { "arm64" } else { "amd64" }},
                   "offerings": offerings})
        })
        .collect();
    let mut items = Vec::new();
    for (i, &(taint, arch)) in pools.iter().enumerate() {
        let mut spec = json!({"requirements": []});
        if let Some(a) = arch {
            spec["requirements"] =
                json!([{"key": "kubernetes.io/arch", "operator": "In", "values": [a]}]);
        }
        if let Some(t) = taint {
            spec["taints"] = json!([{"key": "dedicated", "value": t, "effect": "NoSchedule"}]);
        }
        items.push(json!({"apiVersion": "karpenter.sh/v1", "kind": "NodePool",
                          "metadata": {"name": format!("pool-{i}")},
                          "spec": {"weight": 10 - i, "template": {"spec": spec}}}));
    }
    if let Some((cpu, tolerates)) = daemon {
        let mut spec = json!({"containers": [{"name": "d", "resources": {"requests": {"cpu": format!("{cpu}m")}}}]});
        if let Some(t) = tolerates {
            spec["tolerations"] = json!([{"key": "dedicated", "operator": "Equal", "value": t, "effect": "NoSchedule"}]);
        }
        items.push(json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
                          "metadata": {"name": "agent", "namespace": "kube-system"},
                          "spec": {"template": {"spec": spec}}}));
    }
    for (i, &(cpu, mem, arch, zone, tolerates)) in pods.iter().enumerate() {
        let mut spec = json!({"containers": [{"name": "app", "resources": {"requests": {
            "cpu": format!("{cpu}m"), "memory": format!("{mem}Gi")}}}]});
        let mut selector = serde_json::Map::new();
        if let Some(a) = arch {
            selector.insert("kubernetes.io/arch".into(), json!(a));
        }
        if let Some(z) = zone {
            selector.insert("topology.kubernetes.io/zone".into(), json!(z));
        }
        if !selector.is_empty() {
            spec["nodeSelector"] = Value::Object(selector);
        }
        if let Some(t) = tolerates {
            spec["tolerations"] = json!([{"key": "dedicated", "operator": "Equal", "value": t, "effect": "NoSchedule"}]);
        }
        items.push(json!({"apiVersion": "v1", "kind": "Pod",
                          "metadata": {"name": format!("p-{i}"), "namespace": "default"},
                          "spec": spec}));
    }
    (items, catalog)
}

/// Brute force: a pool and type where one new node could hold the pod alone (requests plus
/// the daemonset if it runs there, within capacity − overhead; pool and pod requirements;
/// the pool's taint tolerated), if any.
fn lone_node_for(
    types: &[DiffType],
    pools: &[DiffPool],
    pod: &DiffPod,
    daemon: Option<DiffDaemon>,
) -> Option<(usize, usize)> {
    let &(cpu, mem, arch, zone, tolerates) = pod;
    for (p, &(taint, pool_arch)) in pools.iter().enumerate() {
        if taint.is_some() && taint != tolerates {
            continue;
        }
        for (t, &(t_cpu, t_mem, overhead, arm, zones)) in types.iter().enumerate() {
            let t_arch = if arm { "arm64" } else { "amd64" };
            if pool_arch.is_some_and(|a| a != t_arch) || arch.is_some_and(|a| a != t_arch) {
                continue;
            }
            let in_zone = |z: &str| {
                ZONES
                    .iter()
                    .position(|x| *x == z)
                    .is_some_and(|i| zones & (1 << i) != 0)
            };
            if zone.is_some_and(|z| !in_zone(z)) {
                continue;
            }
            let daemon_cpu = match daemon {
                Some((d, tol)) if taint.is_none() || taint == tol => d,
                _ => 0,
            };
            if cpu + daemon_cpu <= t_cpu - overhead && mem <= t_mem {
                return Some((p, t));
            }
        }
    }
    None
}

proptest! {
    #![proptest_config(config())]

    /// Differential: whenever provision reports a pod unschedulable, no single new node of
    /// any allowed type in any pool could hold that pod alone; and every pod some lone node
    /// could hold is placed (no limits, no topology, no existing capacity here).
    #[test]
    fn prop_unschedulable_means_no_lone_node_fits(
        types in diff_types(),
        pools in diff_pools(),
        pods in diff_pods(),
        daemon in diff_daemon(),
    ) {
        let (items, catalog) = diff_cluster(&types, &pools, &pods, daemon);
        let catalog = parse_catalog(&catalog);
        let (snapshot, plan) = solve(&list(&items), &catalog);
        prop_assert!(support::validate(&snapshot, &catalog, &plan).is_ok());
        for (i, pod) in pods.iter().enumerate() {
            let name = format!("default/p-{i}");
            let unschedulable = plan.unschedulable.iter().find(|u| u.pod == name);
            match (lone_node_for(&types, &pools, pod, daemon), unschedulable) {
                (Some((p, t)), Some(u)) => prop_assert!(
                    false,
                    "{name} reported unschedulable ({}) but a lone t{t} in pool-{p} holds it: {}",
                    u.reason,
                    plan.to_json()
                ),
                (None, None) => prop_assert!(
                    false,
                    "{name} placed though no lone node of any pool holds it: {}",
                    plan.to_json()
                ),
                _ => {}
            }
        }
    }
}
