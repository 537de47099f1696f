//! Criterion benches for `provision` at Karpenter's benchmark sizes, ids like
//! `provision/karpenter/pods=1000/types=aws-default`.
//!
//! Sizes 1, 100, 1,000 and 5,000; `KS_BENCH_FULL=1` adds 10,000, 20,000 and 100,000.
//! `cargo bench -p karpenter-solver-benches -- --test` runs each once (as CI does).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode};
use karpenter_solver::{provision, Options, Snapshot};
use karpenter_solver_benches::{catalog, snapshot, Mix, CATALOGS};

fn full() -> bool {
    std::env::var_os("KS_BENCH_FULL").is_some_and(|v| v != "0")
}

fn bench_provision(c: &mut Criterion) {
    let mut sizes = vec![1, 100, 1000, 5000];
    if full() {
        sizes.extend([10_000, 20_000, 100_000]);
    }
    let mut group = c.benchmark_group("provision");
    // Large solves take seconds each: ten samples, one iteration per sample.
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(10));
    for name in CATALOGS {
        let catalog = catalog(name).expect("a known catalog");
        for mix in [Mix::Karpenter, Mix::Preferred] {
            for &n in &sizes {
                let snap = Snapshot::from_slice(snapshot(n, mix).as_bytes())
                    .expect("generated snapshot parses");
                group.bench_with_input(
                    BenchmarkId::new(mix.name(), format!("pods={n}/types={name}")),
                    &snap,
                    |b, s| {
                        b.iter(|| {
                            provision(s, &catalog, &Options::default()).expect("provision succeeds")
                        })
                    },
                );
            }
        }
    }
    group.finish();
}

criterion_group!(benches, bench_provision);
criterion_main!(benches);
