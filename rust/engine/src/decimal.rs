//! Exact decimals for rule values: a JSON number is read from its text (never through a binary
//! float) as `mantissa / 10^scale`, normalized without trailing fraction zeros. Numbers that do
//! not fit (|mantissa| >= 10^20 or more than 18 decimals) are "unsupported": a rule literal of
//! that kind does not compile, an attribute of that kind makes the leaf a type mismatch.

use std::cmp::Ordering;
use std::fmt;

/// Largest scale (number of decimals) a decimal may have.
pub const MAX_SCALE: u32 = 18;
/// Exclusive bound of the mantissa's magnitude; with MAX_SCALE it keeps every comparison
/// (mantissa times 10^18) inside an i128.
pub const MANTISSA_BOUND: i128 = 100_000_000_000_000_000_000;

/// `mantissa / 10^scale`, normalized: no trailing zeros in the fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

fn pow10(exponent: u32) -> i128 {
    10i128.pow(exponent)
}

impl Decimal {
    pub fn from_i64(value: i64) -> Decimal {
        Decimal {
            mantissa: i128::from(value),
            scale: 0,
        }
    }

    /// Builds a normalized decimal; None when it does not fit.
    pub fn new(mut mantissa: i128, mut scale: u32) -> Option<Decimal> {
        while scale > 0 && mantissa % 10 == 0 {
            mantissa /= 10;
            scale -= 1;
        }
        if scale > MAX_SCALE || mantissa.abs() >= MANTISSA_BOUND {
            return None;
        }
        Some(Decimal { mantissa, scale })
    }

    pub fn mantissa(&self) -> i128 {
        self.mantissa
    }

    pub fn scale(&self) -> u32 {
        self.scale
    }

    /// The integer value when the decimal has no fraction and fits an i64.
    pub fn as_i64(&self) -> Option<i64> {
        (self.scale == 0)
            .then(|| i64::try_from(self.mantissa).ok())
            .flatten()
    }

    /// Parses the text of a JSON number (`-?int(.frac)?([eE][+-]?exp)?`) exactly.
    pub fn parse_json_number(text: &str) -> Option<Decimal> {
        let bytes = text.as_bytes();
        let mut position = 0;
        let negative = bytes.first() == Some(&b'-');
        if negative {
            position += 1;
        }
        let mut digits: Vec<u8> = Vec::new();
        let integer_start = position;
        while position < bytes.len() && bytes[position].is_ascii_digit() {
            digits.push(bytes[position] - b'0');
            position += 1;
        }
        if position == integer_start {
            return None;
        }
        let mut exponent: i64 = 0;
        if position < bytes.len() && bytes[position] == b'.' {
            position += 1;
            let fraction_start = position;
            while position < bytes.len() && bytes[position].is_ascii_digit() {
                digits.push(bytes[position] - b'0');
                position += 1;
            }
            if position == fraction_start {
                return None;
            }
            exponent -= (position - fraction_start) as i64;
        }
        if position < bytes.len() && (bytes[position] == b'e' || bytes[position] == b'E') {
            position += 1;
            let exponent_negative = match bytes.get(position) {
                Some(b'-') => {
                    position += 1;
                    true
                }
                Some(b'+') => {
                    position += 1;
                    false
                }
                _ => false,
            };
            let exponent_start = position;
            let mut written: i64 = 0;
            while position < bytes.len() && bytes[position].is_ascii_digit() {
                // Saturates: any exponent this large makes the number unsupported anyway.
                written = (written * 10 + i64::from(bytes[position] - b'0')).min(1_000_000);
                position += 1;
            }
            if position == exponent_start {
                return None;
            }
            exponent += if exponent_negative { -written } else { written };
        }
        if position != bytes.len() {
            return None;
        }
        // Leading zeros carry nothing; trailing zeros move into the exponent.
        let first = digits.iter().position(|&d| d != 0);
        let Some(first) = first else {
            return Some(Decimal::from_i64(0));
        };
        let mut significant = &digits[first..];
        while let Some((&0, rest)) = significant.split_last() {
            significant = rest;
            exponent += 1;
        }
        if significant.len() > 20 {
            return None;
        }
        let mut mantissa: i128 = 0;
        for &digit in significant {
            mantissa = mantissa * 10 + i128::from(digit);
        }
        if negative {
            mantissa = -mantissa;
        }
        if exponent >= 0 {
            let exponent = u32::try_from(exponent).ok().filter(|&e| e <= 20)?;
            Decimal::new(mantissa.checked_mul(pow10(exponent))?, 0)
        } else {
            Decimal::new(mantissa, u32::try_from(-exponent).ok()?)
        }
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Decimal) -> Ordering {
        let scale = self.scale.max(other.scale);
        // |mantissa| < 10^20 and scale <= 18: the products stay below 10^38 < i128::MAX.
        let left = self.mantissa * pow10(scale - self.scale);
        let right = other.mantissa * pow10(scale - other.scale);
        left.cmp(&right)
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scale == 0 {
            return write!(f, "{}", self.mantissa);
        }
        let divisor = pow10(self.scale);
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let magnitude = self.mantissa.abs();
        write!(
            f,
            "{sign}{}.{:0width$}",
            magnitude / divisor,
            magnitude % divisor,
            width = self.scale as usize
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Option<Decimal> {
        Decimal::parse_json_number(text)
    }

    #[test]
    fn parses_exactly() {
        assert_eq!(parse("1.50"), Decimal::new(15, 1));
        assert_eq!(parse("-0"), Some(Decimal::from_i64(0)));
        assert_eq!(parse("1e3"), Some(Decimal::from_i64(1000)));
        assert_eq!(parse("1.5E-3"), Decimal::new(15, 4));
        assert_eq!(parse("0.000"), Some(Decimal::from_i64(0)));
        assert_eq!(parse("100"), Some(Decimal::from_i64(100)));
        assert_eq!(parse("0.1").map(|d| d.to_string()), Some("0.1".to_owned()));
        assert_eq!(
            parse("-12.05").map(|d| d.to_string()),
            Some("-12.05".to_owned())
        );
    }

    #[test]
    fn rejects_what_does_not_fit() {
        assert_eq!(parse("1e20"), None);
        assert_eq!(parse("99999999999999999999"), parse("99999999999999999999"));
        assert!(parse("99999999999999999999").is_some());
        assert_eq!(parse("100000000000000000000"), None);
        assert_eq!(parse("1e-19"), None);
        assert!(parse("1e-18").is_some());
        assert_eq!(parse("1e999999999999"), None);
        assert_eq!(parse("abc"), None);
        assert_eq!(parse("1."), None);
    }

    #[test]
    fn compares_across_scales() {
        assert!(parse("7").unwrap() < parse("7.5").unwrap());
        assert_eq!(
            parse("2.50").unwrap().cmp(&parse("2.5").unwrap()),
            Ordering::Equal
        );
        assert!(parse("-0.1").unwrap() < parse("0").unwrap());
    }
}
