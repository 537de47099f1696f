//! The solver's plans for Karpenter's benchmark mix keep every spread and affinity term, on
//! both catalogs and at sizes where the cutting-stock repack of claims takes part: no repack
//! may move a pod across the zones or nodes its topology counts.

use std::collections::{BTreeMap, HashSet};

use karpenter_solver::{
    provision, Catalog, Options, Pod, PodAffinityTerm, Snapshot, LABEL_HOSTNAME, LABEL_ZONE,
};
use karpenter_solver_benches::{snapshot, synthetic_catalog, Mix};

fn required_terms(p: &Pod) -> impl Iterator<Item = (bool, &PodAffinityTerm)> {
    p.pod_affinity
        .required
        .iter()
        .map(|t| (false, t))
        .chain(p.pod_anti_affinity.required.iter().map(|t| (true, t)))
}

fn check(what: &str, snap: &Snapshot, catalog: &Catalog) {
    let plan = provision(snap, catalog, &Options::default()).unwrap();
    assert!(
        plan.unschedulable.is_empty(),
        "{what}: {:?}",
        plan.unschedulable
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
                    "{what}: hostname spread broken on claim {}",
                    node_of[i]
                );
            } else if c.topology_key == LABEL_ZONE {
                let mut counts: BTreeMap<&str, i64> = zones.iter().map(|&z| (z, 0)).collect();
                for j in matching(&c.selector).into_iter().chain([i]) {
                    *counts.get_mut(zone_of(j)).unwrap() += 1;
                }
                let lo = *counts.values().min().unwrap();
                let hi = *counts.values().max().unwrap();
                assert!(
                    hi - lo <= i64::from(c.max_skew),
                    "{what}: zone skew {counts:?}"
                );
            }
        }
        for (anti, t) in required_terms(pod) {
            let others = matching(&t.selector);
            match (anti, t.topology_key.as_str()) {
                (true, LABEL_HOSTNAME) => assert!(
                    others.iter().all(|&j| node_of[j] != node_of[i]),
                    "{what}: anti-affine pods share claim {}",
                    node_of[i]
                ),
                (false, LABEL_ZONE) => assert!(
                    others.iter().all(|&j| zone_of(j) == zone_of(i)),
                    "{what}: zone-affine pods in several zones"
                ),
                _ => {}
            }
        }
    }
}

#[test]
fn karpenter_mix_plans_keep_every_topology_term() {
    let catalogs = [
        ("aws-default", Catalog::aws_default()),
        (
            "synthetic-400",
            Catalog::from_slice(synthetic_catalog().as_bytes()).unwrap(),
        ),
    ];
    for (name, catalog) in &catalogs {
        for pods in [40, 300, 1200] {
            let snap = Snapshot::from_slice(snapshot(pods, Mix::Karpenter).as_bytes()).unwrap();
            check(&format!("{name}, {pods} pods"), &snap, catalog);
        }
    }
}
