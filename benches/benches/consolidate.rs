//! Criterion benches for `consolidate` on fragmented clusters (10 small pods per m5.2xlarge),
//! ids like `consolidate/fragmented/nodes=1000`.
//!
//! 100 and 1,000 nodes; `KS_BENCH_FULL=1` adds 5,000.
//! `cargo bench -p karpenter-solver-benches -- --test` runs each once (as CI does).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode};
use karpenter_solver::{consolidate, Catalog, Options, Snapshot};
use karpenter_solver_benches::fragmented_cluster;

fn bench_consolidate(c: &mut Criterion) {
    let mut sizes = vec![100, 1000];
    if std::env::var_os("KS_BENCH_FULL").is_some_and(|v| v != "0") {
        sizes.push(5000);
    }
    let catalog = Catalog::aws_default();
    let options = Options::default()
        .with_now_rfc3339("2026-11-23T12:00:00Z")
        .expect("a valid time");
    let mut group = c.benchmark_group("consolidate");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(10));
    for n in sizes {
        let snap = Snapshot::from_slice(fragmented_cluster(n, 10).as_bytes())
            .expect("generated cluster parses");
        group.bench_with_input(
            BenchmarkId::new("fragmented", format!("nodes={n}")),
            &snap,
            |b, s| b.iter(|| consolidate(s, &catalog, &options).expect("consolidate succeeds")),
        );
    }
    group.finish();
}

criterion_group!(benches, bench_consolidate);
criterion_main!(benches);
