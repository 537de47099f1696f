//! The solver's options, as a plain C struct.

use karpenter_solver::{Error, Options};

use crate::boundary::guard_or;

/// Options for `ks_provision` and `ks_consolidate`. A zeroed struct (`ks_options o = {0};`)
/// holds the defaults, the same as `ks_options_default()`; fields added in later versions will
/// keep that so.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ks_options {
    /// Whether `now_unix` is set. When false the solver knows no clock, as the command line
    /// without `--now`: provision treats every age as unknown, and consolidate takes the
    /// newest timestamp in the snapshot for the clock.
    pub has_now: bool,
    /// The clock for schedules, expiry and `consolidateAfter`, in seconds since the Unix epoch
    /// (UTC); the command line's `--now`. Read only when `has_now` is true. A time the solver
    /// cannot represent gives `KS_INVALID_OPTION`.
    pub now_unix: i64,
}

impl ks_options {
    /// The solver's options these stand for.
    pub(crate) fn to_options(self) -> Result<Options, Error> {
        let options = Options::default();
        if self.has_now {
            options.with_now_unix(self.now_unix)
        } else {
            Ok(options)
        }
    }
}

/// The default options: no clock. The same as a zeroed `ks_options`.
#[no_mangle]
pub extern "C" fn ks_options_default() -> ks_options {
    guard_or(ks_options::default(), ks_options::default)
}
