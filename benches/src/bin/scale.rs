//! The scale table: provision at Karpenter's benchmark sizes, median of several runs.
//!
//! `cargo run --release -p karpenter-solver-benches --bin scale [-- --quick] [--csv FILE]`

use std::time::{Duration, Instant};

use karpenter_solver::{provision, Catalog, Options, Snapshot};
use karpenter_solver_benches::{snapshot, synthetic_catalog, Mix};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let csv_path = args
        .iter()
        .position(|a| a == "--csv")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let only: Option<usize> = args
        .iter()
        .position(|a| a == "--pods")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok());
    let only_sizes = only.map(|n| vec![n]);
    let sizes: &[usize] = match &only_sizes {
        Some(v) => v,
        None if quick => &[1, 100, 1000],
        None => &[1, 100, 1000, 5000, 10000, 20000, 100000],
    };
    let runs = if quick { 3 } else { 5 };
    let only_aws = args.iter().any(|a| a == "--aws-only");
    let catalogs = [
        ("aws-default", Catalog::aws_default()),
        (
            "synthetic-400",
            Catalog::from_slice(synthetic_catalog().as_bytes()).expect("synthetic catalog parses"),
        ),
    ];
    let mut csv = String::from("catalog,mix,pods,parse_ms,provision_ms,pods_per_s,claims,unschedulable,cost,lower_bound,cost_over_bound\n");
    println!(
        "{:<14} {:<10} {:>7} {:>10} {:>12} {:>11} {:>7} {:>7} {:>10} {:>10} {:>6}",
        "catalog",
        "mix",
        "pods",
        "parse ms",
        "provision ms",
        "pods/s",
        "claims",
        "unsched",
        "cost/h",
        "bound/h",
        "ratio"
    );
    for (cname, catalog) in catalogs.iter().take(if only_aws { 1 } else { 2 }) {
        for mix in [Mix::Karpenter, Mix::Preferred]
            .into_iter()
            .take(if only_aws { 1 } else { 2 })
        {
            for &n in sizes {
                let text = snapshot(n, mix);
                let mut parse = Vec::new();
                let mut solve = Vec::new();
                let mut plan = None;
                for _ in 0..runs {
                    let t = Instant::now();
                    let snap =
                        Snapshot::from_slice(text.as_bytes()).expect("generated snapshot parses");
                    parse.push(t.elapsed());
                    let t = Instant::now();
                    let p =
                        provision(&snap, catalog, &Options::default()).expect("provision succeeds");
                    solve.push(t.elapsed());
                    plan = Some(p);
                }
                let Some(plan) = plan else { continue };
                let (parse, solve) = (median(parse), median(solve));
                let ratio = if plan.lower_bound > 0.0 {
                    plan.total_price / plan.lower_bound
                } else {
                    f64::NAN
                };
                let mix_name = format!("{mix:?}").to_lowercase();
                println!(
                    "{:<14} {:<10} {:>7} {:>10.2} {:>12.2} {:>11.0} {:>7} {:>7} {:>10.2} {:>10.2} {:>6.3}",
                    cname,
                    mix_name,
                    n,
                    parse.as_secs_f64() * 1e3,
                    solve.as_secs_f64() * 1e3,
                    n as f64 / solve.as_secs_f64(),
                    plan.node_claims.len(),
                    plan.unschedulable.len(),
                    plan.total_price,
                    plan.lower_bound,
                    ratio
                );
                csv.push_str(&format!(
                    "{cname},{mix_name},{n},{:.3},{:.3},{:.0},{},{},{:.4},{:.4},{:.4}\n",
                    parse.as_secs_f64() * 1e3,
                    solve.as_secs_f64() * 1e3,
                    n as f64 / solve.as_secs_f64(),
                    plan.node_claims.len(),
                    plan.unschedulable.len(),
                    plan.total_price,
                    plan.lower_bound,
                    ratio
                ));
            }
        }
    }
    if let Some(path) = csv_path {
        if let Err(e) = std::fs::write(&path, csv) {
            eprintln!("scale: cannot write {path}: {e}");
            std::process::exit(1);
        }
    }
}
