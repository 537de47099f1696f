//! Bytes the library hands to the caller.

use std::ptr;

use crate::boundary::guard_or;

/// Bytes owned by the caller once a call returns them, freed with `ks_buffer_free`.
///
/// `data[len]` is a NUL byte and no byte before it is NUL, so `(const char *)data` is also a
/// C string. Do not change `data` or `len`: `ks_buffer_free` needs them as they were.
/// An empty buffer is `{NULL, 0}`: what failed calls leave, and what `ks_buffer_free` leaves.
#[repr(C)]
#[derive(Debug)]
pub struct ks_buffer {
    /// The bytes (UTF-8 JSON for `ks_provision` and `ks_consolidate`), followed by a NUL;
    /// null when empty.
    pub data: *mut u8,
    /// The number of bytes, not counting the NUL.
    pub len: usize,
}

impl ks_buffer {
    /// No bytes, nothing to free.
    pub(crate) const EMPTY: ks_buffer = ks_buffer {
        data: ptr::null_mut(),
        len: 0,
    };

    /// Hands text to C: the caller frees it with `ks_buffer_free`.
    pub(crate) fn from_text(text: String) -> ks_buffer {
        let mut bytes = text.into_bytes();
        bytes.push(0);
        let bytes = Box::into_raw(bytes.into_boxed_slice());
        ks_buffer {
            data: bytes.cast::<u8>(),
            // The allocation is one longer, for the NUL; `ks_buffer_free` adds it back.
            len: bytes.len() - 1,
        }
    }
}

/// Frees a buffer's bytes and sets it to `{NULL, 0}`, so freeing it twice is harmless. A null
/// `buffer`, or an empty one, is allowed and does nothing.
///
/// # Safety
/// `buffer` is null or points to a `ks_buffer` that is empty or was filled by this library and
/// not changed since.
#[no_mangle]
pub unsafe extern "C" fn ks_buffer_free(buffer: *mut ks_buffer) {
    guard_or((), || {
        // SAFETY: the caller promises a non-null `buffer` points to a ks_buffer.
        let Some(buffer) = (unsafe { buffer.as_mut() }) else {
            return;
        };
        if !buffer.data.is_null() {
            let bytes = ptr::slice_from_raw_parts_mut(buffer.data, buffer.len + 1);
            // SAFETY: `from_text` made `data` from a boxed slice of `len + 1` bytes, which the
            // caller has not changed nor freed.
            drop(unsafe { Box::from_raw(bytes) });
        }
        *buffer = ks_buffer::EMPTY;
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;

    #[test]
    fn a_buffer_is_nul_terminated_and_freed_once() {
        let mut buffer = ks_buffer::from_text("{}".to_owned());
        assert_eq!(buffer.len, 2);
        // SAFETY: data holds len bytes and a NUL.
        let text = unsafe { CStr::from_ptr(buffer.data.cast()) };
        assert_eq!(text.to_str(), Ok("{}"));
        // SAFETY: the buffer came from this library; freeing twice is allowed.
        unsafe {
            ks_buffer_free(&mut buffer);
            ks_buffer_free(&mut buffer);
            ks_buffer_free(ptr::null_mut());
        }
        assert!(buffer.data.is_null());
        assert_eq!(buffer.len, 0);
    }
}
