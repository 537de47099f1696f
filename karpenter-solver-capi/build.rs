//! Gives the shared library a soname, as C libraries on Linux have, so programs record
//! `libkarpenter_solver.so.0` and a later compatible release can replace it.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libkarpenter_solver.so.0");
    }
}
