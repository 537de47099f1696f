//! The panic boundary and the argument checks every entry point goes through.
//!
//! `catch_unwind` appears here and nowhere else: entry points that report a status run their
//! body in [`guard`], the rest (getters and frees) in [`guard_or`]. Unwinding into C is
//! undefined behaviour, so no exported function may do anything outside one of the two.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use crate::error::ks_error;
use crate::status::ks_status;

/// Runs the body of an entry point that returns a [`ks_status`]: `Ok` is `KS_OK`; an error, or
/// a panic turned into one, gives its status and, when `err` is not null, is stored in `*err`
/// for the caller to free. `*err` is set to null first, so it is null on success.
///
/// # Safety
/// `err` is null or valid for writing one pointer.
pub(crate) unsafe fn guard(
    err: *mut *mut ks_error,
    body: impl FnOnce() -> Result<(), ks_error>,
) -> ks_status {
    if !err.is_null() {
        // SAFETY: the caller promises `err` is valid for writes when not null.
        unsafe { err.write(ptr::null_mut()) };
    }
    // AssertUnwindSafe: after a panic the body's state is dropped, never observed again, and
    // entry points write their outputs only once they have succeeded; the one shared state,
    // a catalog, is never mutated.
    let error = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return ks_status::KS_OK,
        Ok(Err(error)) => error,
        Err(payload) => ks_error::panic(payload.as_ref()),
    };
    let status = error.status();
    if !err.is_null() {
        // SAFETY: as above.
        unsafe { err.write(Box::into_raw(Box::new(error))) };
    }
    status
}

/// Runs the body of an entry point that cannot fail; a panic, which would be a bug, gives
/// `fallback` instead of unwinding into C.
pub(crate) fn guard_or<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    // AssertUnwindSafe: these bodies only read or free what the caller handed over.
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// Checks an output pointer and sets `*out` to null, so it is null whatever fails later.
/// Check it first, before the other arguments.
///
/// # Safety
/// `out` is null or valid for writing a `T`.
pub(crate) unsafe fn output<'a, T>(
    out: *mut T,
    empty: T,
    name: &'static str,
) -> Result<&'a mut T, ks_error> {
    if out.is_null() {
        return Err(ks_error::null_argument(name));
    }
    // SAFETY: not null, and the caller promises it is valid for writes. `write` because `*out`
    // may be uninitialized: the old value is neither read nor dropped.
    unsafe {
        out.write(empty);
        Ok(&mut *out)
    }
}

/// Borrows the caller's bytes for the length of the call; they are never kept.
///
/// # Safety
/// `data` is null or valid for reading `len` bytes, unchanged during the call.
pub(crate) unsafe fn input<'a>(
    data: *const u8,
    len: usize,
    name: &'static str,
) -> Result<&'a [u8], ks_error> {
    if data.is_null() {
        return Err(ks_error::null_argument(name));
    }
    // `slice::from_raw_parts` requires it; no real object is larger.
    if len > isize::MAX as usize {
        return Err(ks_error::invalid_length(name, len));
    }
    // SAFETY: not null, at most isize::MAX bytes, and readable by the caller's promise.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// Borrows a handle for the length of the call.
///
/// # Safety
/// `handle` is null or a live handle of this library.
pub(crate) unsafe fn handle<'a, T>(
    handle: *const T,
    name: &'static str,
) -> Result<&'a T, ks_error> {
    // SAFETY: the caller promises a non-null handle is live.
    unsafe { handle.as_ref() }.ok_or_else(|| ks_error::null_argument(name))
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;
    use crate::error::{ks_error_free, ks_error_message};

    #[test]
    fn a_panic_becomes_ks_panic_with_its_message() {
        let mut err: *mut ks_error = ptr::null_mut();
        // SAFETY: `err` is a valid pointer slot.
        let status = unsafe { guard(&mut err, || panic!("boom {}", 42)) };
        assert_eq!(status, ks_status::KS_PANIC);
        assert!(!err.is_null());
        // SAFETY: `err` is a live error; its message lives until it is freed.
        let message = unsafe { CStr::from_ptr(ks_error_message(err)) };
        assert!(message.to_str().unwrap().contains("boom 42"), "{message:?}");
        // SAFETY: freed once.
        unsafe { ks_error_free(err) };
    }

    #[test]
    fn a_panic_with_no_err_slot_still_returns_a_status() {
        // SAFETY: a null `err` is allowed.
        let status = unsafe { guard(ptr::null_mut(), || panic!("boom")) };
        assert_eq!(status, ks_status::KS_PANIC);
        assert_eq!(guard_or(7, || panic!("boom")), 7);
    }

    #[test]
    fn success_clears_err() {
        let mut err: *mut ks_error = ptr::NonNull::dangling().as_ptr();
        // SAFETY: `err` is a valid pointer slot; its old value is never read.
        let status = unsafe { guard(&mut err, || Ok(())) };
        assert_eq!(status, ks_status::KS_OK);
        assert!(err.is_null());
    }
}
