//! Criterion bench for parsing a snapshot of 100,000 pending pods of Karpenter's mix
//! (`Snapshot::from_slice`), id `parse/karpenter/pods=100000`: the floor under any solve.
//!
//! `cargo bench -p karpenter-solver-benches -- --test` runs it once (as CI does).

use std::time::Duration;

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use karpenter_solver::Snapshot;
use karpenter_solver_benches::{snapshot, Mix};

fn bench_parse(c: &mut Criterion) {
    let n = 100_000;
    let text = snapshot(n, Mix::Karpenter);
    let mut group = c.benchmark_group("parse");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function(BenchmarkId::new("karpenter", format!("pods={n}")), |b| {
        b.iter(|| Snapshot::from_slice(text.as_bytes()).expect("generated snapshot parses"))
    });
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
