//! Criterion benches for provision, grouped by verb, ids like `pods=1000/types=aws`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use karpenter_solver::{provision, Catalog, Options, Snapshot};
use karpenter_solver_benches::{snapshot, synthetic_catalog, Mix};

fn bench_provision(c: &mut Criterion) {
    let quick = std::env::var_os("KS_BENCH_QUICK").is_some();
    let sizes: &[usize] = if quick {
        &[1, 100]
    } else {
        &[1, 100, 1000, 5000, 10000, 20000]
    };
    let catalogs = [
        ("aws", Catalog::aws_default()),
        (
            "synthetic400",
            Catalog::from_slice(synthetic_catalog().as_bytes()).expect("synthetic catalog parses"),
        ),
    ];
    let mut group = c.benchmark_group("provision");
    group.sample_size(10);
    for (name, catalog) in &catalogs {
        for &n in sizes {
            let snap = Snapshot::from_slice(snapshot(n, Mix::Karpenter).as_bytes())
                .expect("snapshot parses");
            group.bench_with_input(
                BenchmarkId::from_parameter(format!("pods={n}/types={name}")),
                &snap,
                |b, s| {
                    b.iter(|| {
                        provision(s, catalog, &Options::default()).expect("provision succeeds")
                    })
                },
            );
        }
    }
    group.finish();

    let mut group = c.benchmark_group("parse");
    group.sample_size(10);
    let n = if quick { 1000 } else { 100_000 };
    let text = snapshot(n, Mix::Karpenter);
    group.bench_function(format!("pods={n}"), |b| {
        b.iter(|| Snapshot::from_slice(text.as_bytes()).expect("parses"))
    });
    group.finish();
}

criterion_group!(benches, bench_provision);
criterion_main!(benches);
