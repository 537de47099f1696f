//! Regenerates the embedded default catalog from the EC2 instance-type data.
//!
//! ```text
//! cargo run -p karpenter-solver --example generate_default_catalog -- \
//!     ../shared/data/ec2-instance-types.csv karpenter-solver/catalog/aws-us-east-1.json
//! ```
//!
//! With no arguments it reads `../../shared/data/ec2-instance-types.csv` and writes
//! `catalog/aws-us-east-1.json`, both relative to the crate directory.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let (input, output) = match args.as_slice() {
        [] => (
            crate_dir.join("../../shared/data/ec2-instance-types.csv"),
            crate_dir.join("catalog/aws-us-east-1.json"),
        ),
        [input, output] => (PathBuf::from(input), PathBuf::from(output)),
        _ => {
            eprintln!("usage: generate_default_catalog [TYPES_CSV OUTPUT_JSON]");
            return ExitCode::from(2);
        }
    };
    let csv = match std::fs::read_to_string(&input) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("cannot read {}: {e}", input.display());
            return ExitCode::FAILURE;
        }
    };
    let catalog = match karpenter_solver::aws::default_catalog_from_csv(&csv) {
        Ok(catalog) => catalog,
        Err(e) => {
            eprintln!("{}: {e}", input.display());
            return ExitCode::FAILURE;
        }
    };
    let json = catalog.to_json();
    if let Err(e) = std::fs::write(&output, &json) {
        eprintln!("cannot write {}: {e}", output.display());
        return ExitCode::FAILURE;
    }
    eprintln!(
        "wrote {} instance types ({} bytes) to {}",
        catalog.instance_types.len(),
        json.len(),
        output.display()
    );
    ExitCode::SUCCESS
}
