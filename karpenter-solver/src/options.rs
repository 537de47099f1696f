//! Options shared by both verbs.

use chrono::{DateTime, Utc};

use crate::error::Error;

/// Options for [`provision`](crate::provision) and consolidation.
///
/// # Examples
/// ```
/// use karpenter_solver::Options;
/// let options = Options::default().with_now_rfc3339("2026-11-23T12:00:00Z").unwrap();
/// assert!(options.now.is_some());
/// assert!(Options::default().with_now_rfc3339("yesterday").is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// The clock for schedules, expiry and `consolidateAfter`. The solver never reads the
    /// system clock: when `None`, decisions that depend on time treat every age as unknown.
    pub now: Option<DateTime<Utc>>,
}

impl Options {
    /// Sets `now`.
    pub fn with_now(mut self, now: DateTime<Utc>) -> Self {
        self.now = Some(now);
        self
    }

    /// Sets `now` from an RFC 3339 time such as `2026-11-23T12:00:00Z`.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] when the text is not an RFC 3339 time.
    pub fn with_now_rfc3339(self, text: &str) -> Result<Self, Error> {
        let t = DateTime::parse_from_rfc3339(text.trim()).map_err(|e| Error::InvalidOption {
            option: "now",
            message: format!("{text:?} is not an RFC 3339 time such as 2026-11-23T12:00:00Z ({e})"),
        })?;
        Ok(self.with_now(t.with_timezone(&Utc)))
    }

    /// Sets `now` from seconds since the Unix epoch.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] when the time is out of range.
    pub fn with_now_unix(self, seconds: i64) -> Result<Self, Error> {
        let t = DateTime::from_timestamp(seconds, 0).ok_or(Error::InvalidOption {
            option: "now",
            message: format!("{seconds} seconds since the epoch is out of range"),
        })?;
        Ok(self.with_now(t))
    }
}
