//! Checks shared by the bench crate's tests: every placement keeps the spread and affinity
//! terms of Karpenter's benchmark mix, whoever made it.

use std::collections::BTreeMap;

use karpenter_solver::{Catalog, Pod, PodAffinityTerm, Snapshot, LABEL_HOSTNAME, LABEL_ZONE};
use karpenter_solver_benches::synthetic_catalog;

/// Both bench catalogs, by name.
pub fn catalogs() -> Vec<(&'static str, Catalog)> {
    vec![
        ("aws-default", Catalog::aws_default()),
        (
            "synthetic-400",
            Catalog::from_slice(synthetic_catalog().as_bytes()).unwrap(),
        ),
    ]
}

/// A pod's affinity (false) and anti-affinity (true) terms: the required ones, and with
/// `preferred` the preferred ones too.
fn terms<'a>(p: &'a Pod, preferred: bool) -> impl Iterator<Item = (bool, &'a PodAffinityTerm)> {
    let a = &p.pod_affinity;
    let n = &p.pod_anti_affinity;
    let soft = |w: &'a [karpenter_solver::Weighted<PodAffinityTerm>]| {
        w.iter()
            .filter(move |_| preferred)
            .map(|w| &w.term)
            .collect::<Vec<_>>()
    };
    a.required
        .iter()
        .chain(soft(&a.preferred))
        .map(|t| (false, t))
        .chain(
            n.required
                .iter()
                .chain(soft(&n.preferred))
                .map(|t| (true, t)),
        )
}

/// Checks that the placement (`node_of` each pod, `zone_of` each pod) keeps every hostname
/// and zone spread and every hostname anti-affinity and zone affinity term of `snap`; zone
/// skew is counted over every zone `catalog` offers. `what` names the case in failures.
pub fn check_terms<'a>(
    what: &str,
    snap: &Snapshot,
    catalog: &'a Catalog,
    node_of: &[usize],
    zone_of: &dyn Fn(usize) -> &'a str,
    preferred: bool,
) {
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
        for (anti, t) in terms(pod, preferred) {
            let others = matching(&t.selector);
            match (anti, t.topology_key.as_str()) {
                (true, LABEL_HOSTNAME) => assert!(
                    others.iter().all(|&j| node_of[j] != node_of[i]),
                    "{what}: anti-affine pods share node {}",
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
