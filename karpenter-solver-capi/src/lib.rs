//! The C ABI of karpenter-solver: `libkarpenter_solver` and `include/karpenter_solver.h`.
//!
//! This crate only translates between C and the [`karpenter_solver`] crate: pointers and
//! lengths become slices, Rust errors become a [`ks_status`] and a [`ks_error`], and the plan
//! becomes the contract's JSON in a [`ks_buffer`]. Every decision is the solver's, so
//! `ks_provision` and `ks_consolidate` return the same bytes as `karpenter-solver provision`
//! and `karpenter-solver consolidate`.
//!
//! Every exported function runs behind one panic boundary (the private `boundary` module): a panic never
//! unwinds into C, it becomes `KS_PANIC`. The header is generated from this crate's doc
//! comments by cbindgen; `tests/header.rs` checks the committed copy is current.
#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]
// The C names are the API: `ks_catalog`, `KS_OK`, as the header spells them.
#![allow(non_camel_case_types)]

mod boundary;
mod buffer;
mod catalog;
mod error;
mod options;
mod solve;
mod status;

pub use buffer::{ks_buffer, ks_buffer_free};
pub use catalog::{ks_catalog, ks_catalog_default, ks_catalog_free, ks_catalog_from_bytes};
pub use error::{
    ks_error, ks_error_field, ks_error_free, ks_error_message, ks_error_object, ks_error_status,
};
pub use options::{ks_options, ks_options_default};
pub use solve::{ks_consolidate, ks_provision};
pub use status::{ks_status, ks_status_message, ks_version};
