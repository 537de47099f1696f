//! The first-fit-decreasing baseline places every pod of the generated workloads, within each
//! node's allocatable, on an offering that exists, and keeps their spread and affinity terms.

use std::collections::{BTreeMap, HashSet};

use karpenter_solver::{
    Catalog, Pod, PodAffinityTerm, Resources, Snapshot, LABEL_HOSTNAME, LABEL_ZONE,
};
use karpenter_solver_benches::{
    first_fit_decreasing, snapshot, synthetic_catalog, BaselinePlan, Mix,
};

fn catalogs() -> Vec<(&'static str, Catalog)> {
    vec![
        ("aws-default", Catalog::aws_default()),
        (
            "synthetic-400",
            Catalog::from_slice(synthetic_catalog().as_bytes()).unwrap(),
        ),
    ]
}

fn terms(p: &Pod) -> impl Iterator<Item = (bool, &PodAffinityTerm)> {
    let a = &p.pod_affinity;
    let n = &p.pod_anti_affinity;
    a.required
        .iter()
        .chain(a.preferred.iter().map(|w| &w.term))
        .map(|t| (false, t))
        .chain(
            n.required
                .iter()
                .chain(n.preferred.iter().map(|w| &w.term))
                .map(|t| (true, t)),
        )
}

/// Checks `plan` against `snap` and `catalog`; `what` names the case in failures.
fn check(what: &str, snap: &Snapshot, catalog: &Catalog, plan: &BaselinePlan) {
    assert!(
        plan.unschedulable.is_empty(),
        "{what}: unschedulable {:?}",
        plan.unschedulable
    );
    let mut seen = HashSet::new();
    let mut node_of = vec![usize::MAX; snap.pods.len()];
    let mut zone_of = vec![""; snap.pods.len()];
    for (n, node) in plan.nodes.iter().enumerate() {
        let it = &catalog.instance_types[node.instance_type];
        assert!(
            it.offerings.iter().any(|o| o.available
                && o.zone == node.zone
                && o.capacity_type == node.capacity_type
                && o.price == node.price),
            "{what}: node {n} launches {} in {} as {}, which is not offered",
            it.name,
            node.zone,
            node.capacity_type
        );
        let mut used = Resources::new();
        for &p in &node.pods {
            assert!(seen.insert(p), "{what}: pod {p} placed twice");
            used.add(&snap.pods[p].requests);
            used.add_amount("pods", 1);
            node_of[p] = n;
            zone_of[p] = &node.zone;
        }
        assert!(
            used.fits_in(&it.allocatable()),
            "{what}: node {n} ({}) holds {used}, more than {}",
            it.name,
            it.allocatable()
        );
    }
    let pending = snap.pods.iter().filter(|p| p.is_pending()).count();
    assert_eq!(seen.len(), pending, "{what}: not every pod placed");

    let zones: Vec<&str> = {
        let mut z: Vec<&str> = catalog
            .instance_types
            .iter()
            .flat_map(|t| t.offerings.iter().map(|o| o.zone.as_str()))
            .collect();
        z.sort();
        z.dedup();
        z
    };
    for (i, pod) in snap.pods.iter().enumerate() {
        let matching = |sel: &karpenter_solver::LabelSelector| -> Vec<usize> {
            snap.pods
                .iter()
                .enumerate()
                .filter(|(j, q)| *j != i && sel.matches(&q.labels))
                .map(|(j, _)| j)
                .collect()
        };
        for c in &pod.topology_spread {
            if c.topology_key == LABEL_HOSTNAME {
                let here = matching(&c.selector)
                    .into_iter()
                    .filter(|&j| node_of[j] == node_of[i])
                    .count();
                assert!(
                    here < c.max_skew as usize,
                    "{what}: hostname spread broken on node {}",
                    node_of[i]
                );
            } else if c.topology_key == LABEL_ZONE {
                let mut counts: BTreeMap<&str, i64> = zones.iter().map(|&z| (z, 0)).collect();
                for j in matching(&c.selector).into_iter().chain([i]) {
                    *counts.get_mut(zone_of[j]).unwrap() += 1;
                }
                let (lo, hi) = (
                    counts.values().min().unwrap(),
                    counts.values().max().unwrap(),
                );
                assert!(
                    hi - lo <= i64::from(c.max_skew),
                    "{what}: zone skew {counts:?}"
                );
            }
        }
        for (anti, t) in terms(pod) {
            let others = matching(&t.selector);
            match (anti, t.topology_key.as_str()) {
                (true, LABEL_HOSTNAME) => assert!(
                    others.iter().all(|&j| node_of[j] != node_of[i]),
                    "{what}: anti-affine pods share node {}",
                    node_of[i]
                ),
                (false, LABEL_ZONE) => assert!(
                    others.iter().all(|&j| zone_of[j] == zone_of[i]),
                    "{what}: zone-affine pods in several zones"
                ),
                _ => {}
            }
        }
    }
    let total: f64 = plan.nodes.iter().map(|n| n.price).sum();
    assert!(
        (total - plan.total_price).abs() < 1e-9,
        "{what}: total price"
    );
}

#[test]
fn baseline_places_every_pod_within_allocatable_and_terms() {
    for (cname, catalog) in catalogs() {
        for mix in [Mix::Karpenter, Mix::Preferred, Mix::Generic] {
            for n in [1, 7, 60, 250] {
                let snap = Snapshot::from_slice(snapshot(n, mix).as_bytes()).unwrap();
                let plan = first_fit_decreasing(&snap, &catalog);
                check(&format!("{cname}/{mix:?}/{n}"), &snap, &catalog, &plan);
            }
        }
    }
}

#[test]
fn baseline_opens_a_node_per_anti_affine_pod_and_fills_it_with_others() {
    let catalog = Catalog::from_slice(synthetic_catalog().as_bytes()).unwrap();
    let snap = Snapshot::from_slice(snapshot(500, Mix::Karpenter).as_bytes()).unwrap();
    let plan = first_fit_decreasing(&snap, &catalog);
    // One fifth of the pods repel each other by hostname, so at least that many nodes; the
    // rest join those nodes fewest-pods-first, as in Karpenter's own benchmark (a node per
    // five pods).
    assert!(plan.nodes.len() >= 100, "{} nodes", plan.nodes.len());
    assert!(plan.nodes.len() <= 110, "{} nodes", plan.nodes.len());
}

#[test]
fn baseline_launches_the_cheapest_type_that_holds_the_pods() {
    let catalog = Catalog::from_slice(synthetic_catalog().as_bytes()).unwrap();
    let snap = Snapshot::from_slice(snapshot(40, Mix::Generic).as_bytes()).unwrap();
    let plan = first_fit_decreasing(&snap, &catalog);
    for node in &plan.nodes {
        let mut used = Resources::new();
        for &p in &node.pods {
            used.add(&snap.pods[p].requests);
            used.add_amount("pods", 1);
        }
        let cheapest = catalog
            .instance_types
            .iter()
            .filter(|t| used.fits_in(&t.allocatable()))
            .flat_map(|t| &t.offerings)
            .map(|o| o.price)
            .fold(f64::INFINITY, f64::min);
        assert_eq!(node.price, cheapest);
    }
}
