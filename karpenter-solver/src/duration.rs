//! Go-style duration strings (`720h`, `1h30m`, `30s`), as Kubernetes and Karpenter write them.

/// Parses a Go duration (`300ms`, `1.5h`, `2h45m`) into whole seconds, rounding up.
/// Returns `None` when the text is not a duration; `Never` is handled by callers.
///
/// # Examples
/// ```
/// use karpenter_solver::parse_duration_seconds;
/// assert_eq!(parse_duration_seconds("720h"), Some(720 * 3600));
/// assert_eq!(parse_duration_seconds("1h30m"), Some(5400));
/// assert_eq!(parse_duration_seconds("0s"), Some(0));
/// assert_eq!(parse_duration_seconds("soon"), None);
/// ```
pub fn parse_duration_seconds(text: &str) -> Option<i64> {
    let s = text.trim();
    if s == "0" {
        return Some(0);
    }
    let mut rest = s.strip_prefix('+').unwrap_or(s);
    if rest.is_empty() || rest.starts_with('-') {
        return None;
    }
    // Nanoseconds, exact, so fractions of every unit add up before rounding.
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(num_end);
        if num.is_empty() || num == "." {
            return None;
        }
        let unit_end = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_end);
        let scale: i128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
        if frac_part.contains('.') || int_part.len() > 12 || frac_part.len() > 12 {
            return None;
        }
        let int: i128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().ok()?
        };
        let mut value = int * scale;
        if !frac_part.is_empty() {
            let frac: i128 = frac_part.parse().ok()?;
            let denom = 10i128.pow(frac_part.len() as u32);
            value += frac * scale / denom;
        }
        total += value;
        rest = tail;
    }
    let secs = (total + 999_999_999) / 1_000_000_000;
    i64::try_from(secs).ok()
}
