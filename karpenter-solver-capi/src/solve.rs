//! The solver's verbs over C arguments.

use karpenter_solver::{consolidate, provision, Catalog, Error, Options, Snapshot};

use crate::boundary::{guard, handle, input, output};
use crate::buffer::ks_buffer;
use crate::catalog::ks_catalog;
use crate::error::ks_error;
use crate::options::ks_options;
use crate::status::ks_status;

/// A verb of the solver, answering in the contract's JSON.
type Verb = fn(&Snapshot, &Catalog, &Options) -> Result<String, Error>;

/// The body shared by the verbs' entry points: check and borrow the arguments, parse the
/// snapshot, run `verb`, hand its JSON over. Each verb is one entry point calling this, so
/// `ks_provision` and `ks_consolidate` check, own and report alike.
///
/// # Safety
/// As `ks_provision` and `ks_consolidate`.
unsafe fn solve(
    snapshot: *const u8,
    snapshot_len: usize,
    catalog: *const ks_catalog,
    options: *const ks_options,
    out: *mut ks_buffer,
    err: *mut *mut ks_error,
    verb: Verb,
) -> ks_status {
    // SAFETY: the pointers as the caller promises.
    unsafe {
        guard(err, || {
            let out = output(out, ks_buffer::EMPTY, "out")?;
            let snapshot = input(snapshot, snapshot_len, "snapshot")?;
            let catalog = &handle(catalog, "catalog")?.catalog;
            // Null options are the defaults, as a command line without flags.
            let options = options.as_ref().copied().unwrap_or_default().to_options()?;
            let snapshot = Snapshot::from_slice(snapshot)?;
            *out = ks_buffer::from_text(verb(&snapshot, catalog, &options)?);
            Ok(())
        })
    }
}

/// Decides which nodes to launch for a cluster snapshot: places pending pods on existing nodes
/// first, then on new node claims (contract section 3).
///
/// `snapshot` holds `snapshot_len` bytes of a snapshot as `kubectl get ... -o yaml` prints it
/// (a `kind: List`, a multi-document YAML stream, or JSON; contract section 1). `catalog` is a
/// catalog from `ks_catalog_default` or `ks_catalog_from_bytes`. `options` may be null for the
/// defaults.
///
/// On success `*out` is the plan as JSON, byte for byte what `karpenter-solver provision`
/// prints (without its final newline); the caller frees it with `ks_buffer_free`. A pod that
/// fits nowhere is not an error: it is in the plan's `unschedulable` list. Warnings the command
/// line prints on standard error (ignored object kinds) are not returned.
///
/// On failure `*out` is `{NULL, 0}` and, when `err` is not null, `*err` is an error naming the
/// object and field at fault, freed with `ks_error_free` (`*err` is null on success).
///
/// Thread safety: calls may run concurrently, sharing a catalog. The call reads `snapshot` and
/// `options` only while it runs and keeps no pointer it was given.
///
/// # Errors
/// `KS_INVALID_INPUT` when the snapshot is not UTF-8, not YAML or JSON, or has an object with
/// a bad field; `KS_INVALID_OPTION` when `options->now_unix` is out of range;
/// `KS_NULL_ARGUMENT` when `snapshot`, `catalog` or `out` is null (`snapshot` even with
/// length 0); `KS_INVALID_LENGTH` when `snapshot_len` exceeds `PTRDIFF_MAX`; `KS_PANIC` on a
/// bug.
///
/// # Safety
/// `snapshot` is null or valid for reading `snapshot_len` bytes; `catalog` is null or a live
/// catalog; `options` is null or points to a `ks_options`; `out` is null or valid for writing
/// a `ks_buffer`; `err` is null or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn ks_provision(
    snapshot: *const u8,
    snapshot_len: usize,
    catalog: *const ks_catalog,
    options: *const ks_options,
    out: *mut ks_buffer,
    err: *mut *mut ks_error,
) -> ks_status {
    // SAFETY: the caller's promises are `solve`'s.
    unsafe {
        solve(
            snapshot,
            snapshot_len,
            catalog,
            options,
            out,
            err,
            |snapshot, catalog, options| Ok(provision(snapshot, catalog, options)?.to_json()),
        )
    }
}

/// Decides which nodes to remove or replace to cut cost, within every disruption budget
/// (contract section 4).
///
/// Takes the same arguments as `ks_provision`, with the same ownership, status codes and
/// panic boundary. `options->now_unix` (when `has_now`) fixes the clock for budget schedules,
/// expiry and `consolidateAfter`; without it the newest timestamp in the snapshot stands in,
/// so the answer stays deterministic.
///
/// On success `*out` is the consolidation plan as JSON (`commands`, `blocked`,
/// `savingsPerHour`, `lowerBound`), byte for byte what `karpenter-solver consolidate` prints
/// (without its final newline); the caller frees it with `ks_buffer_free`. A node held back
/// by a budget is not an error: it is in the plan's `blocked` list. Warnings the command line
/// prints on standard error are not returned.
///
/// On failure `*out` is `{NULL, 0}` and, when `err` is not null, `*err` is an error naming the
/// object and field at fault, freed with `ks_error_free` (`*err` is null on success).
///
/// Thread safety: calls may run concurrently, with each other and with `ks_provision`, sharing
/// a catalog. The call reads `snapshot` and `options` only while it runs and keeps no pointer
/// it was given.
///
/// # Errors
/// As `ks_provision`: `KS_INVALID_INPUT` when the snapshot is not UTF-8, not YAML or JSON, or
/// has an object with a bad field; `KS_INVALID_OPTION` when `options->now_unix` is out of
/// range; `KS_NULL_ARGUMENT` when `snapshot`, `catalog` or `out` is null (`snapshot` even with
/// length 0); `KS_INVALID_LENGTH` when `snapshot_len` exceeds `PTRDIFF_MAX`; `KS_PANIC` on a
/// bug.
///
/// # Safety
/// `snapshot` is null or valid for reading `snapshot_len` bytes; `catalog` is null or a live
/// catalog; `options` is null or points to a `ks_options`; `out` is null or valid for writing
/// a `ks_buffer`; `err` is null or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn ks_consolidate(
    snapshot: *const u8,
    snapshot_len: usize,
    catalog: *const ks_catalog,
    options: *const ks_options,
    out: *mut ks_buffer,
    err: *mut *mut ks_error,
) -> ks_status {
    // SAFETY: the caller's promises are `solve`'s.
    unsafe {
        solve(
            snapshot,
            snapshot_len,
            catalog,
            options,
            out,
            err,
            |snapshot, catalog, options| Ok(consolidate(snapshot, catalog, options)?.to_json()),
        )
    }
}
