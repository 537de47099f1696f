//! The error object: a status, a message, and the object and field at fault.

use std::any::Any;
use std::ffi::{c_char, CString};
use std::ptr;

use karpenter_solver::Error;

use crate::boundary::guard_or;
use crate::status::ks_status;

/// Details of a failed call: its status, a message, and, when the input was at fault, the
/// object and field it names. Returned through the `ks_error **err` argument of the functions
/// that can fail; the caller owns it and frees it with `ks_error_free`.
///
/// An error is immutable; it may be read from any thread, and freed from any thread once no
/// other thread reads it.
pub struct ks_error {
    status: ks_status,
    message: CString,
    object: Option<CString>,
    field: Option<CString>,
}

impl ks_error {
    fn new(status: ks_status, message: String) -> ks_error {
        ks_error {
            status,
            message: c_string(message),
            object: None,
            field: None,
        }
    }

    pub(crate) fn status(&self) -> ks_status {
        self.status
    }

    /// A null pointer where a value was required.
    pub(crate) fn null_argument(name: &str) -> ks_error {
        ks_error::new(
            ks_status::KS_NULL_ARGUMENT,
            format!("argument `{name}` is null"),
        )
    }

    /// A length no object can have.
    pub(crate) fn invalid_length(name: &str, len: usize) -> ks_error {
        ks_error::new(
            ks_status::KS_INVALID_LENGTH,
            format!(
                "argument `{name}`: length {len} is larger than any object can be (PTRDIFF_MAX)"
            ),
        )
    }

    /// A panic caught at the boundary.
    pub(crate) fn panic(payload: &(dyn Any + Send)) -> ks_error {
        let what = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(no message)");
        ks_error::new(
            ks_status::KS_PANIC,
            format!("panic in karpenter-solver (a bug; please report it): {what}"),
        )
    }
}

impl From<Error> for ks_error {
    fn from(error: Error) -> ks_error {
        let status = match error {
            Error::InvalidOption { .. } => ks_status::KS_INVALID_OPTION,
            // The solver returns `Err` for invalid input only (infeasibility is in the plan),
            // so any other variant, including ones added later, is the input's fault.
            _ => ks_status::KS_INVALID_INPUT,
        };
        ks_error {
            status,
            object: error.object().map(|o| c_string(o.to_string())),
            field: error.field().map(|f| c_string(f.to_owned())),
            message: c_string(error.to_string()),
        }
    }
}

/// Messages quote the input, which may hold a NUL; C strings cannot, so it is spelled `\0`.
fn c_string(text: String) -> CString {
    let text = if text.contains('\0') {
        text.replace('\0', "\\0")
    } else {
        text
    };
    // No NUL is left, so this cannot fail.
    CString::new(text).unwrap_or_default()
}

/// The status of the failed call, the same value the call returned; `KS_NULL_ARGUMENT` when
/// `err` is null.
///
/// # Safety
/// `err` is null or an error from this library that has not been freed.
#[no_mangle]
pub unsafe extern "C" fn ks_error_status(err: *const ks_error) -> ks_status {
    guard_or(ks_status::KS_PANIC, || {
        // SAFETY: the caller promises a non-null `err` is live.
        unsafe { err.as_ref() }.map_or(ks_status::KS_NULL_ARGUMENT, |e| e.status)
    })
}

/// The whole message, NUL-terminated UTF-8, such as
/// `"Pod/default/web-1, spec.containers[0].resources.requests: invalid quantity \"1x\": ..."`
/// (the same text the command line prints after `karpenter-solver: `). Owned by `err`: valid
/// until `ks_error_free(err)`. Null when `err` is null.
///
/// # Safety
/// `err` is null or an error from this library that has not been freed.
#[no_mangle]
pub unsafe extern "C" fn ks_error_message(err: *const ks_error) -> *const c_char {
    guard_or(ptr::null(), || {
        // SAFETY: the caller promises a non-null `err` is live.
        unsafe { err.as_ref() }.map_or(ptr::null(), |e| e.message.as_ptr())
    })
}

/// The object at fault, written `Kind/namespace/name` (or `Kind/name`), such as
/// `"Pod/default/web-1"` or `"InstanceType/m5.large"`; null when the error names no object
/// (a syntax error, an invalid option, a null argument) or `err` is null. Owned by `err`:
/// valid until `ks_error_free(err)`.
///
/// # Safety
/// `err` is null or an error from this library that has not been freed.
#[no_mangle]
pub unsafe extern "C" fn ks_error_object(err: *const ks_error) -> *const c_char {
    guard_or(ptr::null(), || {
        // SAFETY: the caller promises a non-null `err` is live.
        unsafe { err.as_ref() }
            .and_then(|e| e.object.as_deref())
            .map_or(ptr::null(), |o| o.as_ptr())
    })
}

/// The field path at fault, such as `"spec.containers[0].resources.requests"`; null when the
/// error names no field or `err` is null. Owned by `err`: valid until `ks_error_free(err)`.
///
/// # Safety
/// `err` is null or an error from this library that has not been freed.
#[no_mangle]
pub unsafe extern "C" fn ks_error_field(err: *const ks_error) -> *const c_char {
    guard_or(ptr::null(), || {
        // SAFETY: the caller promises a non-null `err` is live.
        unsafe { err.as_ref() }
            .and_then(|e| e.field.as_deref())
            .map_or(ptr::null(), |f| f.as_ptr())
    })
}

/// Frees an error and the strings read from it. Null is allowed and does nothing.
///
/// # Safety
/// `err` is null or an error from this library that has not been freed; it must not be used
/// afterwards.
#[no_mangle]
pub unsafe extern "C" fn ks_error_free(err: *mut ks_error) {
    guard_or((), || {
        if !err.is_null() {
            // SAFETY: the caller hands over a live error made by `Box::into_raw` in `guard`.
            drop(unsafe { Box::from_raw(err) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_in_a_message_is_escaped() {
        assert_eq!(c_string("a\0b".into()).to_str(), Ok("a\\0b"));
        assert_eq!(c_string("plain".into()).to_str(), Ok("plain"));
    }
}
