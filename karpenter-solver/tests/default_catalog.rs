//! The embedded default catalog is current with the data it is generated from, and says what
//! the AWS provider's formulas say.

use karpenter_solver::aws::default_catalog_from_csv;
use karpenter_solver::{CapacityType, Catalog};

const TYPES_CSV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/ec2-instance-types.csv"
);
const COMMITTED: &str = include_str!("../catalog/aws-us-east-1.json");

fn generated() -> Catalog {
    let csv = std::fs::read_to_string(TYPES_CSV)
        .unwrap_or_else(|e| panic!("cannot read {TYPES_CSV}: {e}"));
    default_catalog_from_csv(&csv).unwrap()
}

#[test]
fn committed_catalog_is_current() {
    let catalog = generated();
    // Compare without printing a 1.4 MB diff: point at the first differing line instead.
    let json = catalog.to_json();
    if json != COMMITTED {
        let line = json
            .lines()
            .zip(COMMITTED.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| "the length".to_owned(), |i| format!("line {}", i + 1));
        panic!(
            "karpenter-solver/catalog/aws-us-east-1.json is stale (first difference at {line}); \
             regenerate it with `cargo run -p karpenter-solver --example generate_default_catalog`"
        );
    }
    assert_eq!(Catalog::aws_default(), catalog);
}

#[test]
fn catalog_holds_the_priced_offered_types() {
    let catalog = Catalog::aws_default();
    let n = catalog.instance_types.len();
    assert!((1200..=1300).contains(&n), "{n} instance types");
    let names: Vec<&str> = catalog
        .instance_types
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert!(
        names.windows(2).all(|w| w[0] < w[1]),
        "sorted by name, no duplicates"
    );
}

#[test]
fn m5_large_matches_the_worked_example() {
    let catalog = Catalog::aws_default();
    let m5 = catalog.get("m5.large").unwrap();
    assert_eq!(
        m5.capacity.to_string(),
        "cpu=2, ephemeral-storage=20Gi, memory=7577Mi, pods=29"
    );
    assert_eq!(
        m5.overhead.to_string(),
        "cpu=70m, ephemeral-storage=3Gi, memory=674Mi"
    );
    let a = m5.allocatable();
    assert_eq!(a.get("cpu"), 1930);
    assert_eq!(a.get("memory"), 6903 << 20);
    assert_eq!(a.get("pods"), 29);
    assert_eq!(m5.labels["kubernetes.io/arch"], "amd64");
    assert_eq!(m5.labels["karpenter.k8s.aws/instance-family"], "m5");
    assert_eq!(m5.labels["node.kubernetes.io/instance-type"], "m5.large");
    let on_demand = m5
        .offerings
        .iter()
        .find(|o| o.capacity_type == CapacityType::OnDemand)
        .unwrap();
    assert_eq!(on_demand.price, 0.096);
}

#[test]
fn worked_table_rows_hold_in_the_catalog() {
    let catalog = Catalog::aws_default();
    for (name, memory_mib, pods, alloc_cpu, alloc_memory_mib) in [
        ("c5.large", 3788, 29, 1930, 3114),
        ("m7g.large", 7518, 29, 1930, 6844),
        ("m5.xlarge", 15155, 58, 3920, 14162),
        ("m5.24xlarge", 363724, 737, 95690, 355262),
    ] {
        let it = catalog.get(name).unwrap();
        assert_eq!(it.capacity.get("memory"), memory_mib << 20, "{name}");
        assert_eq!(it.capacity.get("pods"), pods, "{name}");
        assert_eq!(it.allocatable().get("cpu"), alloc_cpu, "{name}");
        assert_eq!(
            it.allocatable().get("memory"),
            alloc_memory_mib << 20,
            "{name}"
        );
    }
}

#[test]
fn accelerators_are_extended_resources() {
    let catalog = Catalog::aws_default();
    let g5 = catalog.get("g5.xlarge").unwrap();
    assert_eq!(g5.capacity.get("nvidia.com/gpu"), 1);
    assert_eq!(g5.labels["karpenter.k8s.aws/instance-gpu-name"], "a10g");
    assert_eq!(
        catalog
            .get("inf2.xlarge")
            .unwrap()
            .capacity
            .get("aws.amazon.com/neuron"),
        1
    );
    assert_eq!(
        catalog
            .get("m5.large")
            .unwrap()
            .capacity
            .get("nvidia.com/gpu"),
        0
    );
}

#[test]
fn offerings_are_in_us_east_1_and_spot_is_cheaper() {
    let catalog = Catalog::aws_default();
    for it in &catalog.instance_types {
        assert!(!it.offerings.is_empty(), "{}", it.name);
        let on_demand = it
            .offerings
            .iter()
            .find(|o| o.capacity_type == CapacityType::OnDemand)
            .map(|o| o.price);
        for o in &it.offerings {
            let zone_ok = o
                .zone
                .strip_prefix("us-east-1")
                .is_some_and(|z| matches!(z, "a" | "b" | "c" | "d" | "e" | "f"));
            assert!(zone_ok, "{}: zone {}", it.name, o.zone);
            assert!(o.available && o.price > 0.0, "{}: {o:?}", it.name);
            assert_ne!(o.capacity_type, CapacityType::Reserved, "{}", it.name);
            if o.capacity_type == CapacityType::Spot {
                let od = on_demand.unwrap_or_else(|| panic!("{}: spot without on-demand", it.name));
                assert!(
                    o.price < od,
                    "{}: spot {} vs on-demand {od}",
                    it.name,
                    o.price
                );
            }
        }
    }
}
