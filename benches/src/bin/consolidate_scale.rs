//! Consolidation at scale: a fragmented cluster (10 small pods on each m5.2xlarge), median of
//! runs, with what it removes, what it saves, and how far the result is from the lower bound.
//!
//! ```text
//! cargo run --release -p karpenter-solver-benches --bin consolidate_scale -- [--nodes N[,N...]]
//!     [--runs K] [--csv FILE]
//! ```
//!
//! Each row runs in a child process of this binary (`consolidate_scale --row NODES --runs K`,
//! which prints the row as one CSV line), so the peak memory it reports is that row's alone.

use std::io::Write;
use std::time::Instant;

use karpenter_solver::{consolidate, Catalog, ConsolidationPlan, Options, Snapshot};
use karpenter_solver_benches::{
    arg_value, cluster_price, fragmented_cluster, median, peak_rss_bytes, reset_peak_rss,
    run_in_child,
};

const PODS_PER_NODE: usize = 10;

const HEADER: &str = "nodes,pods,consolidate_ms,commands,nodes_removed,savings,cost_before,\
cost_after,lower_bound,after_over_bound,peak_rss_mib";

struct Row {
    nodes: usize,
    pods: usize,
    ms: f64,
    commands: usize,
    removed: usize,
    savings: f64,
    before: f64,
    lower_bound: f64,
    peak_rss_mib: f64,
}

impl Row {
    fn after(&self) -> f64 {
        self.before - self.savings
    }

    fn over_bound(&self) -> f64 {
        if self.lower_bound > 0.0 {
            self.after() / self.lower_bound
        } else {
            f64::NAN
        }
    }

    fn to_csv(&self) -> String {
        format!(
            "{},{},{:.3},{},{},{:.4},{:.4},{:.4},{:.4},{:.4},{:.1}",
            self.nodes,
            self.pods,
            self.ms,
            self.commands,
            self.removed,
            self.savings,
            self.before,
            self.after(),
            self.lower_bound,
            self.over_bound(),
            self.peak_rss_mib
        )
    }

    /// Reads a line [`Row::to_csv`] wrote; the derived columns are recomputed.
    fn from_csv(line: &str) -> Option<Row> {
        let f: Vec<&str> = line.trim().split(',').collect();
        if f.len() != HEADER.split(',').count() {
            return None;
        }
        Some(Row {
            nodes: f[0].parse().ok()?,
            pods: f[1].parse().ok()?,
            ms: f[2].parse().ok()?,
            commands: f[3].parse().ok()?,
            removed: f[4].parse().ok()?,
            savings: f[5].parse().ok()?,
            before: f[6].parse().ok()?,
            lower_bound: f[8].parse().ok()?,
            peak_rss_mib: f[10].parse().ok()?,
        })
    }

    fn print_header() {
        println!(
            "{:>6} {:>6} {:>10} {:>8} {:>7} {:>10} {:>10} {:>10} {:>9} {:>11} {:>8}",
            "nodes",
            "pods",
            "median ms",
            "commands",
            "removed",
            "savings/h",
            "before/h",
            "after/h",
            "bound/h",
            "after/bound",
            "RSS MiB"
        );
    }

    fn print(&self) {
        println!(
            "{:>6} {:>6} {:>10.1} {:>8} {:>7} {:>10.2} {:>10.2} {:>10.2} {:>9.2} {:>11.3} {:>8.1}",
            self.nodes,
            self.pods,
            self.ms,
            self.commands,
            self.removed,
            self.savings,
            self.before,
            self.after(),
            self.lower_bound,
            self.over_bound(),
            self.peak_rss_mib
        );
        // A pipe (as under CI) would otherwise hold rows until the end.
        let _ = std::io::stdout().flush();
    }
}

fn fail(message: &str) -> ! {
    eprintln!("consolidate_scale: {message}");
    std::process::exit(1);
}

/// The child's work: one row, measured in this process.
fn measure(nodes: usize, runs: usize) -> Row {
    let catalog = Catalog::aws_default();
    let options = Options::default()
        .with_now_rfc3339("2026-11-23T12:00:00Z")
        .expect("a valid time");
    let text = fragmented_cluster(nodes, PODS_PER_NODE);
    reset_peak_rss();
    let snap = Snapshot::from_slice(text.as_bytes()).expect("generated cluster parses");
    let mut times = Vec::with_capacity(runs);
    let mut plan: Option<ConsolidationPlan> = None;
    for _ in 0..runs {
        // Drop the previous run's plan first, so two never coexist in the peak.
        drop(plan.take());
        let t = Instant::now();
        plan = Some(consolidate(&snap, &catalog, &options).expect("consolidate succeeds"));
        times.push(t.elapsed());
    }
    let peak = peak_rss_bytes().unwrap_or(0);
    let plan = plan.unwrap_or_else(|| fail("--runs must be at least 1"));
    Row {
        nodes,
        pods: snap.pods.len(),
        ms: median(times).as_secs_f64() * 1e3,
        commands: plan.commands.len(),
        removed: plan.commands.iter().map(|c| c.nodes.len()).sum(),
        savings: plan.savings_per_hour,
        before: cluster_price(&snap, &catalog),
        lower_bound: plan.lower_bound,
        peak_rss_mib: peak as f64 / f64::from(1 << 20),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs: usize = match arg_value(&args, "--runs") {
        Some(v) => v
            .parse()
            .ok()
            .filter(|&k| k > 0)
            .unwrap_or_else(|| fail("--runs takes a positive count")),
        None => 3,
    };
    if let Some(n) = arg_value(&args, "--row") {
        let nodes = n
            .parse()
            .unwrap_or_else(|_| fail("--row NODES: NODES must be a count"));
        println!("{}", measure(nodes, runs).to_csv());
        return;
    }
    let sizes: Vec<usize> = match arg_value(&args, "--nodes") {
        Some(list) => list
            .split(',')
            .map(|n| {
                n.parse()
                    .unwrap_or_else(|_| fail("--nodes takes counts, as 100,1000,5000"))
            })
            .collect(),
        None => vec![100, 1000],
    };

    Row::print_header();
    let mut csv = format!("{HEADER}\n");
    for n in sizes {
        let args = [
            "--row".to_owned(),
            n.to_string(),
            "--runs".to_owned(),
            runs.to_string(),
        ];
        let line = run_in_child(&args).unwrap_or_else(|e| fail(&e));
        let row = Row::from_csv(&line)
            .unwrap_or_else(|| fail(&format!("unreadable row from the child: {line}")));
        row.print();
        csv.push_str(&row.to_csv());
        csv.push('\n');
    }
    if let Some(path) = arg_value(&args, "--csv") {
        if let Err(e) = std::fs::write(path, csv) {
            fail(&format!("cannot write {path}: {e}"));
        }
    }
}
