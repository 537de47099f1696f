//! The instance-type catalog handle.

use std::ptr;

use karpenter_solver::Catalog;

use crate::boundary::{guard, guard_or, input, output};
use crate::error::ks_error;
use crate::status::ks_status;

/// An instance-type catalog (contract section 2): opaque, made by `ks_catalog_default` or
/// `ks_catalog_from_bytes`, freed by `ks_catalog_free`.
///
/// Thread safety: a catalog is never changed after it is made, so one catalog may be passed to
/// any number of concurrent `ks_provision` and `ks_consolidate` calls on any threads. Free it
/// only once no call uses it.
pub struct ks_catalog {
    pub(crate) catalog: Catalog,
}

// The thread-safety promise above rests on this.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<ks_catalog>();
};

/// Makes the default catalog: every EC2 instance type in us-east-1 with an on-demand price,
/// the one the command line uses without `--catalog`. On success `*out` is a new catalog
/// the caller frees with `ks_catalog_free`; on failure `*out` is null.
///
/// # Errors
/// `KS_NULL_ARGUMENT` when `out` is null; `KS_PANIC` on a bug.
///
/// # Safety
/// `out` is null or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn ks_catalog_default(out: *mut *mut ks_catalog) -> ks_status {
    // SAFETY: `out` as the caller promises; no `err` to write.
    unsafe {
        guard(ptr::null_mut(), || {
            let out = output(out, ptr::null_mut(), "out")?;
            *out = new_catalog(Catalog::aws_default());
            Ok(())
        })
    }
}

/// Parses a catalog: a YAML or JSON list of instance types (contract section 2). The bytes are
/// read during the call only. On success `*out` is a new catalog the caller frees with
/// `ks_catalog_free`; on failure `*out` is null and, when `err` is not null, `*err` is an
/// error the caller frees with `ks_error_free` (`*err` is null on success).
///
/// # Errors
/// `KS_INVALID_INPUT` when the bytes are not UTF-8, not YAML or JSON, or an instance type has
/// a bad field (the error names it: `InstanceType/m5.large`, `offerings[0].price`);
/// `KS_NULL_ARGUMENT` when `data` or `out` is null (even with `len` 0); `KS_INVALID_LENGTH`;
/// `KS_PANIC`.
///
/// # Safety
/// `data` is null or valid for reading `len` bytes; `out` is null or valid for writing a
/// pointer; `err` is null or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn ks_catalog_from_bytes(
    data: *const u8,
    len: usize,
    out: *mut *mut ks_catalog,
    err: *mut *mut ks_error,
) -> ks_status {
    // SAFETY: the pointers as the caller promises.
    unsafe {
        guard(err, || {
            let out = output(out, ptr::null_mut(), "out")?;
            let bytes = input(data, len, "data")?;
            *out = new_catalog(Catalog::from_slice(bytes)?);
            Ok(())
        })
    }
}

fn new_catalog(catalog: Catalog) -> *mut ks_catalog {
    Box::into_raw(Box::new(ks_catalog { catalog }))
}

/// Frees a catalog. Null is allowed and does nothing.
///
/// # Safety
/// `catalog` is null or a catalog from this library that has not been freed and that no other
/// thread is using; it must not be used afterwards.
#[no_mangle]
pub unsafe extern "C" fn ks_catalog_free(catalog: *mut ks_catalog) {
    guard_or((), || {
        if !catalog.is_null() {
            // SAFETY: the caller hands over a live catalog made by `new_catalog`.
            drop(unsafe { Box::from_raw(catalog) });
        }
    })
}
