//! Result codes, their messages, and the library version.

use std::ffi::{c_char, CStr};

use crate::boundary::guard_or;

/// What an entry point that can fail returns. The values are stable: new codes may be added,
/// existing ones never change meaning or number.
///
/// When the code is not `KS_OK` and the caller passed a non-null `ks_error **err`, `*err`
/// holds the details (see `ks_error_message`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ks_status {
    /// Success.
    KS_OK = 0,
    /// The snapshot or catalog is not valid: not UTF-8, not YAML or JSON, not the expected
    /// shape, or a field with a bad value. The error names the object and the field.
    KS_INVALID_INPUT = 1,
    /// A field of `ks_options` is invalid, such as a `now` out of range.
    KS_INVALID_OPTION = 2,
    /// A pointer argument that must not be null was null.
    KS_NULL_ARGUMENT = 3,
    /// A length argument is larger than any object can be (more than `PTRDIFF_MAX` bytes).
    KS_INVALID_LENGTH = 4,
    /// The library panicked: a bug in karpenter-solver, please report it. The panic was
    /// stopped at the library's boundary; the library is still usable.
    KS_PANIC = 5,
}

impl ks_status {
    /// Every status, for tests and for `ks_status_message`.
    #[cfg(test)]
    pub(crate) const ALL: [ks_status; 6] = [
        ks_status::KS_OK,
        ks_status::KS_INVALID_INPUT,
        ks_status::KS_INVALID_OPTION,
        ks_status::KS_NULL_ARGUMENT,
        ks_status::KS_INVALID_LENGTH,
        ks_status::KS_PANIC,
    ];

    /// The status' short description.
    pub(crate) fn message(self) -> &'static CStr {
        match self {
            ks_status::KS_OK => c"ok",
            ks_status::KS_INVALID_INPUT => c"invalid input",
            ks_status::KS_INVALID_OPTION => c"invalid option",
            ks_status::KS_NULL_ARGUMENT => c"null argument",
            ks_status::KS_INVALID_LENGTH => c"invalid length",
            ks_status::KS_PANIC => c"panic in karpenter-solver (a bug; please report it)",
        }
    }

    fn from_u32(code: u32) -> Option<ks_status> {
        Some(match code {
            0 => ks_status::KS_OK,
            1 => ks_status::KS_INVALID_INPUT,
            2 => ks_status::KS_INVALID_OPTION,
            3 => ks_status::KS_NULL_ARGUMENT,
            4 => ks_status::KS_INVALID_LENGTH,
            5 => ks_status::KS_PANIC,
            _ => return None,
        })
    }
}

/// A short, static, NUL-terminated description of a status code, such as `"invalid input"`;
/// `"unknown status"` for a value that is not a `ks_status`. Never null; never free it.
///
/// `status` is a plain integer, not a `ks_status`, so any value a C program holds is safe to
/// pass.
#[no_mangle]
pub extern "C" fn ks_status_message(status: u32) -> *const c_char {
    guard_or(c"unknown status".as_ptr(), || {
        ks_status::from_u32(status)
            .map_or(c"unknown status", ks_status::message)
            .as_ptr()
    })
}

/// The library's version, such as `"0.1.0"`: static, NUL-terminated, never null; never free
/// it.
#[no_mangle]
pub extern "C" fn ks_version() -> *const c_char {
    const VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(version) => version,
            Err(_) => panic!("the package version has no NUL byte"),
        };
    guard_or(c"".as_ptr(), || VERSION.as_ptr())
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;

    #[test]
    fn every_status_has_a_message_and_round_trips() {
        for status in ks_status::ALL {
            assert_eq!(ks_status::from_u32(status as u32), Some(status));
            // SAFETY: ks_status_message returns static NUL-terminated strings.
            let text = unsafe { CStr::from_ptr(ks_status_message(status as u32)) };
            assert!(!text.to_bytes().is_empty());
        }
        // SAFETY: as above.
        let unknown = unsafe { CStr::from_ptr(ks_status_message(99)) };
        assert_eq!(unknown.to_str(), Ok("unknown status"));
    }

    #[test]
    fn version_is_the_crate_version() {
        // SAFETY: ks_version returns a static NUL-terminated string.
        let v = unsafe { CStr::from_ptr(ks_version()) };
        assert_eq!(v.to_str(), Ok(env!("CARGO_PKG_VERSION")));
    }
}
