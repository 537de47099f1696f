//! The `karpenter-solver` command line: the library's decisions as JSON on standard output.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use karpenter_solver::{consolidate, provision, Catalog, Options, Snapshot};

/// Decide which nodes Karpenter would launch, and which it would remove, for a cluster snapshot.
///
/// Take a snapshot with
///   kubectl get pods,nodes,nodepools,nodeclaims,pdb,daemonsets -A -o yaml > snap.yaml
/// then run `karpenter-solver provision snap.yaml` or `karpenter-solver consolidate snap.yaml`.
/// The plan is printed as JSON on standard output; warnings go to standard error. Invalid input
/// exits with status 2.
#[derive(Parser)]
#[command(
    name = "karpenter-solver",
    version,
    about,
    long_about,
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Place pending pods: on existing nodes first, then on new node claims.
    Provision(Args),
    /// Remove or replace nodes to cut cost, within every disruption budget.
    Consolidate(Args),
}

#[derive(clap::Args)]
struct Args {
    /// Instance-type catalog (YAML or JSON list); default: the embedded EC2 us-east-1 catalog.
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
    /// Fix the clock (RFC 3339, e.g. 2026-11-23T12:00:00Z) so runs are reproducible.
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// Snapshot file (`kind: List`, multi-document YAML, or JSON); `-` or nothing reads stdin.
    #[arg(value_name = "SNAPSHOT")]
    snapshot: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(json) => {
            let mut out = std::io::stdout().lock();
            if out
                .write_all(json.as_bytes())
                .and_then(|()| out.write_all(b"\n"))
                .is_err()
            {
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("karpenter-solver: {message}");
            ExitCode::from(2)
        }
    }
}

fn read_input(path: Option<&PathBuf>) -> Result<Vec<u8>, String> {
    match path {
        None => read_stdin(),
        Some(p) if p.as_os_str() == "-" => read_stdin(),
        Some(p) => std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display())),
    }
}

fn read_stdin() -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    std::io::stdin()
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    Ok(buf)
}

fn run(cli: Cli) -> Result<String, String> {
    match cli.command {
        Command::Provision(args) => {
            let (snapshot, catalog, options) = load(&args)?;
            let plan = provision(&snapshot, &catalog, &options).map_err(|e| e.to_string())?;
            for w in &plan.warnings {
                eprintln!("warning: {w}");
            }
            Ok(plan.to_json())
        }
        Command::Consolidate(args) => {
            let (snapshot, catalog, options) = load(&args)?;
            let plan = consolidate(&snapshot, &catalog, &options).map_err(|e| e.to_string())?;
            for w in &plan.warnings {
                eprintln!("warning: {w}");
            }
            Ok(plan.to_json())
        }
    }
}

fn load(args: &Args) -> Result<(Snapshot, Catalog, Options), String> {
    let mut options = Options::default();
    if let Some(now) = &args.now {
        options = options.with_now_rfc3339(now).map_err(|e| e.to_string())?;
    }
    let catalog = match &args.catalog {
        Some(path) => {
            let bytes = std::fs::read(path)
                .map_err(|e| format!("cannot read catalog {}: {e}", path.display()))?;
            Catalog::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => Catalog::aws_default(),
    };
    let bytes = read_input(args.snapshot.as_ref())?;
    let snapshot = Snapshot::from_slice(&bytes).map_err(|e| e.to_string())?;
    Ok((snapshot, catalog, options))
}
