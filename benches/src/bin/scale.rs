//! The scale table: provision at Karpenter's benchmark sizes, median of several runs, beside
//! a Karpenter-style first-fit-decreasing baseline on the same snapshot.
//!
//! ```text
//! cargo run --release -p karpenter-solver-benches --bin scale -- [--quick] [--aws-only]
//!     [--pods N[,N...]] [--runs K] [--csv FILE] [--plot FILE.png]
//! ```
//!
//! Each row runs in a child process of this binary (`scale --row CATALOG MIX PODS --runs K`,
//! which prints the row as one CSV line), so the peak memory it reports is that row's alone.

use std::io::Write;
use std::time::Instant;

use karpenter_solver::{provision, Options, Plan, Snapshot};
use karpenter_solver_benches::plot::{log_log, Colour, Series};
use karpenter_solver_benches::{
    arg_value, catalog, first_fit_decreasing, has_flag, median, peak_rss_bytes, reset_peak_rss,
    run_in_child, snapshot, BaselinePlan, Mix, CATALOGS,
};

const HEADER: &str = "catalog,mix,pods,parse_ms,provision_ms,pods_per_s,peak_rss_mib,claims,\
unschedulable,cost,lower_bound,cost_over_bound,ffd_ms,ffd_nodes,ffd_unschedulable,ffd_cost,\
cost_over_ffd";

/// Karpenter v1.14.1's own scheduling benchmark on a machine like ours, fastest of three runs
/// (`karpenter-semantics.md` §7): pods, milliseconds.
const KARPENTER_MEASURED: [(f64, f64); 6] = [
    (1.0, 0.3),
    (100.0, 200.0),
    (1000.0, 2200.0),
    (5000.0, 12_200.0),
    (10_000.0, 26_000.0),
    (20_000.0, 77_000.0),
];

/// One row of the table.
struct Row {
    catalog: String,
    mix: String,
    pods: usize,
    parse_ms: f64,
    provision_ms: f64,
    peak_rss_mib: f64,
    claims: usize,
    unschedulable: usize,
    cost: f64,
    lower_bound: f64,
    ffd_ms: f64,
    ffd_nodes: usize,
    ffd_unschedulable: usize,
    ffd_cost: f64,
}

impl Row {
    fn pods_per_s(&self) -> f64 {
        self.pods as f64 / (self.provision_ms / 1e3)
    }

    fn over_bound(&self) -> f64 {
        ratio(self.cost, self.lower_bound)
    }

    fn over_ffd(&self) -> f64 {
        ratio(self.cost, self.ffd_cost)
    }

    fn to_csv(&self) -> String {
        format!(
            "{},{},{},{:.3},{:.3},{:.0},{:.1},{},{},{:.4},{:.4},{:.4},{:.3},{},{},{:.4},{:.4}",
            self.catalog,
            self.mix,
            self.pods,
            self.parse_ms,
            self.provision_ms,
            self.pods_per_s(),
            self.peak_rss_mib,
            self.claims,
            self.unschedulable,
            self.cost,
            self.lower_bound,
            self.over_bound(),
            self.ffd_ms,
            self.ffd_nodes,
            self.ffd_unschedulable,
            self.ffd_cost,
            self.over_ffd(),
        )
    }

    /// Reads a line [`Row::to_csv`] wrote; the derived columns are recomputed.
    fn from_csv(line: &str) -> Option<Row> {
        let f: Vec<&str> = line.trim().split(',').collect();
        if f.len() != HEADER.split(',').count() {
            return None;
        }
        Some(Row {
            catalog: f[0].to_owned(),
            mix: f[1].to_owned(),
            pods: f[2].parse().ok()?,
            parse_ms: f[3].parse().ok()?,
            provision_ms: f[4].parse().ok()?,
            peak_rss_mib: f[6].parse().ok()?,
            claims: f[7].parse().ok()?,
            unschedulable: f[8].parse().ok()?,
            cost: f[9].parse().ok()?,
            lower_bound: f[10].parse().ok()?,
            ffd_ms: f[12].parse().ok()?,
            ffd_nodes: f[13].parse().ok()?,
            ffd_unschedulable: f[14].parse().ok()?,
            ffd_cost: f[15].parse().ok()?,
        })
    }

    fn print_header() {
        println!(
            "{:<13} {:<9} {:>6} {:>8} {:>9} {:>9} {:>7} {:>6} {:>6} {:>9} {:>9} {:>6} | {:>9} {:>6} {:>9} {:>6}",
            "catalog",
            "mix",
            "pods",
            "parse ms",
            "prov. ms",
            "pods/s",
            "RSS MiB",
            "claims",
            "unsch",
            "cost/h",
            "bound/h",
            "/bound",
            "ffd ms",
            "nodes",
            "ffd $/h",
            "/ffd"
        );
    }

    fn print(&self) {
        println!(
            "{:<13} {:<9} {:>6} {:>8.2} {:>9.2} {:>9.0} {:>7.1} {:>6} {:>6} {:>9.3} {:>9.3} {:>6.3} | {:>9.2} {:>6} {:>9.3} {:>6.3}",
            self.catalog,
            self.mix,
            self.pods,
            self.parse_ms,
            self.provision_ms,
            self.pods_per_s(),
            self.peak_rss_mib,
            self.claims,
            self.unschedulable,
            self.cost,
            self.lower_bound,
            self.over_bound(),
            self.ffd_ms,
            self.ffd_nodes,
            self.ffd_cost,
            self.over_ffd(),
        );
        // A pipe (as under CI) would otherwise hold rows until the end.
        let _ = std::io::stdout().flush();
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::NAN
    }
}

fn fail(message: &str) -> ! {
    eprintln!("scale: {message}");
    std::process::exit(1);
}

/// The child's work: one row, measured in this process.
fn measure(catalog_name: &str, mix: Mix, pods: usize, runs: usize) -> Row {
    let catalog =
        catalog(catalog_name).unwrap_or_else(|| fail(&format!("unknown catalog {catalog_name:?}")));
    let text = snapshot(pods, mix);
    // Only parsing and solving count towards the peak, not building the workload.
    reset_peak_rss();
    let mut parse = Vec::with_capacity(runs);
    let mut solve = Vec::with_capacity(runs);
    let mut last: Option<(Snapshot, Plan)> = None;
    for _ in 0..runs {
        // Drop the previous run's results first, so two never coexist in the peak.
        drop(last.take());
        let t = Instant::now();
        let snap = Snapshot::from_slice(text.as_bytes()).expect("generated snapshot parses");
        parse.push(t.elapsed());
        let t = Instant::now();
        let plan = provision(&snap, &catalog, &Options::default()).expect("provision succeeds");
        solve.push(t.elapsed());
        last = Some((snap, plan));
    }
    let peak = peak_rss_bytes().unwrap_or(0);
    let (snap, plan) = last.unwrap_or_else(|| fail("--runs must be at least 1"));

    let mut ffd_times = Vec::with_capacity(runs);
    let mut ffd: Option<BaselinePlan> = None;
    for _ in 0..runs {
        drop(ffd.take());
        let t = Instant::now();
        ffd = Some(first_fit_decreasing(&snap, &catalog));
        ffd_times.push(t.elapsed());
    }
    let ffd = ffd.expect("at least one run");
    Row {
        catalog: catalog_name.to_owned(),
        mix: mix.name().to_owned(),
        pods,
        parse_ms: median(parse).as_secs_f64() * 1e3,
        provision_ms: median(solve).as_secs_f64() * 1e3,
        peak_rss_mib: peak as f64 / f64::from(1 << 20),
        claims: plan.node_claims.len(),
        unschedulable: plan.unschedulable.len(),
        cost: plan.total_price,
        lower_bound: plan.lower_bound,
        ffd_ms: median(ffd_times).as_secs_f64() * 1e3,
        ffd_nodes: ffd.nodes.len(),
        ffd_unschedulable: ffd.unschedulable.len(),
        ffd_cost: ffd.total_price,
    }
}

/// The plot: our time per catalog and mix, the baseline's per catalog, Karpenter's measured.
fn plot(rows: &[Row]) -> Vec<u8> {
    let colours = [Colour::Blue, Colour::Green, Colour::Purple, Colour::Brown];
    let mut series = Vec::new();
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for r in rows {
        if !keys.contains(&(&r.catalog, &r.mix)) {
            keys.push((&r.catalog, &r.mix));
        }
    }
    for (i, &(c, m)) in keys.iter().enumerate() {
        series.push(Series {
            label: format!("karpenter-solver, {c}, {m} mix"),
            colour: colours[i % colours.len()],
            dashed: false,
            points: rows
                .iter()
                .filter(|r| r.catalog == c && r.mix == m)
                .map(|r| (r.pods as f64, r.provision_ms))
                .collect(),
        });
    }
    for (c, colour) in CATALOGS.iter().zip([Colour::Orange, Colour::Red]) {
        let points: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.catalog == *c && r.mix == Mix::Karpenter.name())
            .map(|r| (r.pods as f64, r.ffd_ms))
            .collect();
        if !points.is_empty() {
            series.push(Series {
                label: format!("first-fit baseline, {c}, karpenter mix"),
                colour,
                dashed: true,
                points,
            });
        }
    }
    series.push(Series {
        label: "Karpenter v1.14.1 benchmark, synthetic-400 (measured)".into(),
        colour: Colour::Grey,
        dashed: true,
        points: KARPENTER_MEASURED.to_vec(),
    });
    log_log(
        "provision time against pending pods (median, 2-core machine)",
        "pending pods",
        &series,
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs_arg = arg_value(&args, "--runs").map(|v| {
        v.parse::<usize>()
            .ok()
            .filter(|&k| k > 0)
            .unwrap_or_else(|| fail("--runs takes a positive count"))
    });

    if let Some(i) = args.iter().position(|a| a == "--row") {
        let [c, m, n] = [1, 2, 3].map(|k| args.get(i + k).map(String::as_str).unwrap_or(""));
        let mix = Mix::from_name(m).unwrap_or_else(|| fail(&format!("unknown mix {m:?}")));
        let pods = n
            .parse()
            .unwrap_or_else(|_| fail("--row CATALOG MIX PODS: PODS must be a count"));
        println!("{}", measure(c, mix, pods, runs_arg.unwrap_or(1)).to_csv());
        return;
    }

    let quick = has_flag(&args, "--quick");
    let sizes: Vec<usize> = match arg_value(&args, "--pods") {
        Some(list) => list
            .split(',')
            .map(|n| {
                n.parse()
                    .unwrap_or_else(|_| fail("--pods takes counts, as 1000,5000"))
            })
            .collect(),
        None if quick => vec![1, 100, 1000],
        None => vec![1, 100, 1000, 5000, 10_000, 20_000, 100_000],
    };
    let catalogs: &[&str] = if has_flag(&args, "--aws-only") {
        &CATALOGS[..1]
    } else {
        &CATALOGS
    };
    let mixes: &[Mix] = if has_flag(&args, "--aws-only") {
        &[Mix::Karpenter]
    } else {
        &[Mix::Karpenter, Mix::Preferred, Mix::Generic]
    };

    Row::print_header();
    let mut rows = Vec::new();
    for &c in catalogs {
        for &mix in mixes {
            for &n in &sizes {
                // Fewer runs where one takes seconds; the median of three is still stable.
                let runs = runs_arg.unwrap_or(match (quick, n) {
                    (true, _) => 3,
                    (false, n) if n >= 100_000 => 3,
                    _ => 5,
                });
                let args = [
                    "--row".to_owned(),
                    c.to_owned(),
                    mix.name().to_owned(),
                    n.to_string(),
                    "--runs".to_owned(),
                    runs.to_string(),
                ];
                let line = run_in_child(&args).unwrap_or_else(|e| fail(&e));
                let row = Row::from_csv(&line)
                    .unwrap_or_else(|| fail(&format!("unreadable row from the child: {line}")));
                row.print();
                rows.push(row);
            }
        }
    }

    if let Some(path) = arg_value(&args, "--csv") {
        let mut csv = format!("{HEADER}\n");
        for r in &rows {
            csv.push_str(&r.to_csv());
            csv.push('\n');
        }
        if let Err(e) = std::fs::write(path, csv) {
            fail(&format!("cannot write {path}: {e}"));
        }
    }
    if let Some(path) = arg_value(&args, "--plot") {
        if let Err(e) = std::fs::write(path, plot(&rows)) {
            fail(&format!("cannot write {path}: {e}"));
        }
    }
}
