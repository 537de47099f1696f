//! Consolidation at scale: a fragmented cluster, median of runs, with savings and bound.
//!
//! `cargo run --release -p karpenter-solver-benches --bin consolidate_scale [-- --nodes N]`

use std::time::Instant;

use karpenter_solver::{consolidate, Catalog, Options, Snapshot};
use karpenter_solver_benches::fragmented_cluster;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
    };
    let sizes: Vec<usize> = match arg("--nodes") {
        Some(n) => vec![n],
        None => vec![100, 1000],
    };
    let runs: usize = arg("--runs").unwrap_or(3);
    let catalog = Catalog::aws_default();
    let options = Options::default()
        .with_now_rfc3339("2026-11-23T12:00:00Z")
        .expect("valid time");
    println!(
        "{:>6} {:>6} {:>12} {:>9} {:>10} {:>12} {:>12} {:>10}",
        "nodes",
        "pods",
        "median ms",
        "commands",
        "removed",
        "before $/h",
        "saving $/h",
        "bound $/h"
    );
    for n in sizes {
        let text = fragmented_cluster(n, 10);
        let snap = Snapshot::from_slice(text.as_bytes()).expect("generated cluster parses");
        let mut times = Vec::new();
        let mut plan = None;
        for _ in 0..runs {
            let t = Instant::now();
            plan = Some(consolidate(&snap, &catalog, &options).expect("consolidate succeeds"));
            times.push(t.elapsed());
        }
        times.sort();
        let Some(plan) = plan else { continue };
        let removed: usize = plan.commands.iter().map(|c| c.nodes.len()).sum();
        let before = 0.384 * n as f64;
        println!(
            "{:>6} {:>6} {:>12.1} {:>9} {:>10} {:>12.2} {:>12.2} {:>10.2}",
            n,
            snap.pods.len(),
            times[times.len() / 2].as_secs_f64() * 1e3,
            plan.commands.len(),
            removed,
            before,
            plan.savings_per_hour,
            plan.lower_bound
        );
    }
}
