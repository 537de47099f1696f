//! Kubernetes resource quantities, parsed exactly into the integer units the solver keeps.
//!
//! The solver keeps `cpu` in millicores and every other resource in whole base units (bytes,
//! pods, devices). A quantity finer than that unit (`0.5` bytes, `100u` cpu) is rounded *up*, as
//! Kubernetes does when it converts a quantity to an integer scale, so a request is never
//! under-counted.

use std::fmt;

/// Why a string is not a Kubernetes quantity.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QuantityError {
    /// The text does not follow the quantity grammar (`<number><suffix>`).
    Malformed,
    /// The value does not fit in a signed 64-bit count of the solver's unit.
    TooLarge,
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuantityError::Malformed => f.write_str(
                "not a Kubernetes quantity (expected a number with an optional suffix such as m, Ki, Mi, Gi, k, M, G or an exponent like e3)",
            ),
            QuantityError::TooLarge => f.write_str("quantity is too large"),
        }
    }
}

impl std::error::Error for QuantityError {}

/// How many of the solver's units make one unit of `resource` as Kubernetes writes it:
/// 1000 for `cpu` (kept in millicores), 1 for everything else.
///
/// # Examples
/// ```
/// assert_eq!(karpenter_solver::unit_scale("cpu"), 1000);
/// assert_eq!(karpenter_solver::unit_scale("memory"), 1);
/// ```
pub fn unit_scale(resource: &str) -> i64 {
    if resource == "cpu" {
        1000
    } else {
        1
    }
}

/// Parses a Kubernetes quantity for `resource` into the solver's integer unit (millicores for
/// `cpu`, base units otherwise), rounding fractions up.
///
/// # Examples
/// ```
/// use karpenter_solver::parse_quantity;
/// assert_eq!(parse_quantity("cpu", "100m"), Ok(100));
/// assert_eq!(parse_quantity("cpu", "1.5"), Ok(1500));
/// assert_eq!(parse_quantity("memory", "1Gi"), Ok(1 << 30));
/// assert_eq!(parse_quantity("memory", "2e3"), Ok(2000));
/// assert_eq!(parse_quantity("memory", "0.5"), Ok(1)); // rounded up to a whole byte
/// assert!(parse_quantity("cpu", "1 cpu").is_err());
/// ```
///
/// # Errors
/// [`QuantityError::Malformed`] when the text is not a quantity, [`QuantityError::TooLarge`] when
/// the value overflows 64 bits in the solver's unit.
pub fn parse_quantity(resource: &str, text: &str) -> Result<i64, QuantityError> {
    parse_scaled(text, unit_scale(resource))
}

/// Parses `text` and returns its value times `scale`, rounded towards positive infinity.
fn parse_scaled(text: &str, scale: i64) -> Result<i64, QuantityError> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut negative = false;
    if let Some(&c) = bytes.first() {
        if c == b'+' || c == b'-' {
            negative = c == b'-';
            i = 1;
        }
    }
    // Significant digits are accumulated into `mantissa`; `exp10` tracks the decimal point.
    let mut mantissa: i128 = 0;
    let mut exp10: i32 = 0;
    let mut digits = 0usize;
    let mut seen_point = false;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_digit() {
            digits += 1;
            if mantissa < 10i128.pow(30) {
                mantissa = mantissa * 10 + i128::from(c - b'0');
                if seen_point {
                    exp10 -= 1;
                }
            } else if !seen_point {
                // Too many significant digits to keep: drop them, keep the magnitude.
                exp10 += 1;
            }
            i += 1;
        } else if c == b'.' && !seen_point {
            seen_point = true;
            i += 1;
        } else {
            break;
        }
    }
    if digits == 0 {
        return Err(QuantityError::Malformed);
    }
    let suffix = &text[i..];
    let (suffix_exp10, exp2) = match suffix {
        "" => (0, 0),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        s if s.starts_with(['e', 'E']) => (parse_exponent(&s[1..])?, 0),
        _ => return Err(QuantityError::Malformed),
    };
    exp10 += suffix_exp10;
    let mut value = mantissa
        .checked_mul(i128::from(scale))
        .ok_or(QuantityError::TooLarge)?;
    value = value
        .checked_mul(1i128 << exp2)
        .ok_or(QuantityError::TooLarge)?;
    if value != 0 {
        if exp10 >= 0 {
            for _ in 0..exp10 {
                value = value.checked_mul(10).ok_or(QuantityError::TooLarge)?;
            }
        } else {
            let shift = exp10.unsigned_abs();
            if shift > 38 {
                // Far below one unit but not zero: rounds up to a single unit.
                value = 1;
            } else {
                let divisor = 10i128.pow(shift);
                value = if negative {
                    // Rounding towards +inf truncates a negative magnitude.
                    value / divisor
                } else {
                    (value + divisor - 1) / divisor
                };
            }
        }
    }
    if negative {
        value = -value;
    }
    i64::try_from(value).map_err(|_| QuantityError::TooLarge)
}

fn parse_exponent(text: &str) -> Result<i32, QuantityError> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 4 {
        return Err(QuantityError::Malformed);
    }
    text.parse::<i32>().map_err(|_| QuantityError::Malformed)
}

/// Formats a value held in the solver's unit for `resource` as a canonical Kubernetes quantity:
/// millicores for fractional cpu, binary suffixes for byte-sized resources when exact, plain
/// integers otherwise. `parse_quantity(resource, &format_quantity(resource, v)) == Ok(v)`.
///
/// # Examples
/// ```
/// use karpenter_solver::format_quantity;
/// assert_eq!(format_quantity("cpu", 1900), "1900m");
/// assert_eq!(format_quantity("cpu", 2000), "2");
/// assert_eq!(format_quantity("memory", 3 << 30), "3Gi");
/// assert_eq!(format_quantity("memory", 1_000_000_000), "1000000000");
/// assert_eq!(format_quantity("pods", 2048), "2048");
/// ```
pub fn format_quantity(resource: &str, value: i64) -> String {
    if resource == "cpu" {
        return if value % 1000 == 0 {
            (value / 1000).to_string()
        } else {
            format!("{value}m")
        };
    }
    if is_byte_resource(resource) && value != 0 {
        const SUFFIXES: [(&str, u32); 6] = [
            ("Ei", 60),
            ("Pi", 50),
            ("Ti", 40),
            ("Gi", 30),
            ("Mi", 20),
            ("Ki", 10),
        ];
        for (suffix, shift) in SUFFIXES {
            let unit = 1i64 << shift;
            if value % unit == 0 {
                return format!("{}{suffix}", value / unit);
            }
        }
    }
    value.to_string()
}

/// Resources measured in bytes, printed with binary suffixes.
fn is_byte_resource(resource: &str) -> bool {
    matches!(resource, "memory" | "ephemeral-storage" | "storage")
        || resource.starts_with("hugepages-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_and_binary_suffixes() {
        assert_eq!(parse_quantity("memory", "1Ki"), Ok(1024));
        assert_eq!(parse_quantity("memory", "1.5Gi"), Ok(3 << 29));
        assert_eq!(parse_quantity("memory", "1G"), Ok(1_000_000_000));
        assert_eq!(parse_quantity("memory", "1k"), Ok(1000));
        assert_eq!(parse_quantity("memory", "128974848"), Ok(128_974_848));
        assert_eq!(parse_quantity("memory", "129e6"), Ok(129_000_000));
        assert_eq!(parse_quantity("memory", "123Mi"), Ok(123 << 20));
        assert_eq!(parse_quantity("cpu", "0.1"), Ok(100));
        assert_eq!(parse_quantity("cpu", ".5"), Ok(500));
        assert_eq!(parse_quantity("cpu", "2."), Ok(2000));
        assert_eq!(parse_quantity("cpu", "1E3"), Ok(1_000_000));
        assert_eq!(parse_quantity("cpu", "1e-3"), Ok(1));
        assert_eq!(parse_quantity("cpu", "+1"), Ok(1000));
    }

    #[test]
    fn fractions_round_up() {
        assert_eq!(parse_quantity("cpu", "100u"), Ok(1));
        assert_eq!(parse_quantity("cpu", "1n"), Ok(1));
        assert_eq!(parse_quantity("cpu", "1001u"), Ok(2));
        assert_eq!(parse_quantity("memory", "1m"), Ok(1));
        assert_eq!(parse_quantity("memory", "1e-60"), Ok(1));
        assert_eq!(parse_quantity("memory", "0.000"), Ok(0));
        assert_eq!(parse_quantity("cpu", "-1.5m"), Ok(-1));
        assert_eq!(parse_quantity("cpu", "-1"), Ok(-1000));
    }

    #[test]
    fn rejects_malformed_and_huge() {
        for bad in [
            "", "m", "1 m", "1mi", "1.2.3", "1e", "1e+", "abc", "1Kib", "--1", "1e99999",
        ] {
            assert_eq!(
                parse_quantity("cpu", bad),
                Err(QuantityError::Malformed),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_quantity("memory", "100Ei"),
            Err(QuantityError::TooLarge)
        );
        assert_eq!(parse_quantity("cpu", "1e30"), Err(QuantityError::TooLarge));
    }

    #[test]
    fn format_round_trips() {
        for (resource, v) in [
            ("cpu", 1),
            ("cpu", 1500),
            ("memory", 7),
            ("memory", 1 << 40),
            ("pods", 110),
            ("hugepages-2Mi", 2 << 20),
            ("nvidia.com/gpu", 8),
        ] {
            assert_eq!(
                parse_quantity(resource, &format_quantity(resource, v)),
                Ok(v)
            );
        }
    }
}
