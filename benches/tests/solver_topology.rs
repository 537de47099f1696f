//! The solver's plans for Karpenter's benchmark mix keep every spread and affinity term, on
//! both catalogs and at sizes where the cutting-stock repack of claims takes part: no repack
//! may move a pod across the zones or nodes its topology counts.

mod common;

use std::collections::{BTreeMap, HashSet};

use karpenter_solver::{provision, Catalog, Options, Snapshot};
use karpenter_solver_benches::{snapshot, Mix};

fn check(what: &str, snap: &Snapshot, catalog: &Catalog, preferred: bool) {
    let plan = provision(snap, catalog, &Options::default()).unwrap();
    assert!(
        plan.unschedulable.is_empty(),
        "{what}: {:?}",
        plan.unschedulable
    );
    // Every preference of this mix can be kept, so the plan relaxes none and the check below
    // holds them to the letter.
    assert!(
        plan.relaxed.is_empty(),
        "{what}: relaxed {:?}",
        plan.relaxed
    );
    let index: BTreeMap<String, usize> = snap
        .pods
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("{}/{}", p.namespace, p.name), i))
        .collect();
    let mut node_of = vec![usize::MAX; snap.pods.len()];
    let mut zones_of: Vec<&[String]> = vec![&[]; snap.pods.len()];
    let mut seen = HashSet::new();
    for (n, claim) in plan.node_claims.iter().enumerate() {
        for name in &claim.pods {
            let i = index[name];
            assert!(seen.insert(i), "{what}: {name} placed twice");
            node_of[i] = n;
            zones_of[i] = &claim.zones;
        }
    }
    assert_eq!(seen.len(), snap.pods.len(), "{what}: not every pod placed");
    let zone_of = |i: usize| -> &str {
        assert_eq!(
            zones_of[i].len(),
            1,
            "{what}: a zone-counted pod on a claim of zones {:?}",
            zones_of[i]
        );
        &zones_of[i][0]
    };
    common::check_terms(what, snap, catalog, &node_of, &zone_of, preferred);
}

#[test]
fn karpenter_mix_plans_keep_every_topology_term() {
    for (name, catalog) in &common::catalogs() {
        for pods in [40, 300, 1200] {
            let snap = Snapshot::from_slice(snapshot(pods, Mix::Karpenter).as_bytes()).unwrap();
            check(&format!("{name}, {pods} pods"), &snap, catalog, false);
        }
    }
}

/// The same terms as preferences: kept too, repack or not.
#[test]
fn preferred_mix_plans_keep_every_preference() {
    for (name, catalog) in &common::catalogs() {
        for pods in [40, 300, 1200] {
            let snap = Snapshot::from_slice(snapshot(pods, Mix::Preferred).as_bytes()).unwrap();
            check(
                &format!("{name}, {pods} preferred pods"),
                &snap,
                catalog,
                true,
            );
        }
    }
}
