//! `include/karpenter_solver.h` is what the pinned cbindgen makes of this crate, byte for byte.
//! `KS_BLESS=1 cargo test -p karpenter-solver-capi --test header` rewrites it.

use std::path::Path;

#[test]
fn header_is_current() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed_path = crate_dir.join("../include/karpenter_solver.h");
    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml parses");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut generated);

    if std::env::var_os("KS_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&committed_path, &generated).expect("write the header");
        return;
    }
    let committed = std::fs::read(&committed_path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale; regenerate it with\n  KS_BLESS=1 cargo test -p karpenter-solver-capi --test header\n\
         --- generated ---\n{}",
        committed_path.display(),
        String::from_utf8_lossy(&generated),
    );
}
