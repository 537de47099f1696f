//! The first-fit-decreasing baseline places every pod of the generated workloads, within each
//! node's allocatable, on an offering that exists, and keeps their spread and affinity terms.

mod common;

use std::collections::HashSet;

use common::catalogs;
use karpenter_solver::{Catalog, Resources, Snapshot};
use karpenter_solver_benches::{
    first_fit_decreasing, snapshot, synthetic_catalog, BaselinePlan, Mix,
};

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

    common::check_terms(what, snap, catalog, &node_of, &|i| zone_of[i], true);
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
