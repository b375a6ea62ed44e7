//! Money in integer minor units: currency exponents, formatting for messages, and basis-point
//! percentages rounded half up. Never a float.

/// ISO 4217 currencies whose minor unit is the major unit (no decimals).
const ZERO_DECIMAL_CURRENCIES: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
    "VUV", "XAF", "XOF", "XPF",
];

/// ISO 4217 currencies with three decimals.
const THREE_DECIMAL_CURRENCIES: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

/// ISO 4217 currencies with four decimals (units of account).
const FOUR_DECIMAL_CURRENCIES: &[&str] = &["CLF", "UYW"];

/// Basis points in 100 %.
pub const FULL_PERCENT_BP: u32 = 10_000;

/// Whether `code` looks like an ISO 4217 code: three uppercase ASCII letters.
pub fn is_currency_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|byte| byte.is_ascii_uppercase())
}

/// Number of decimals of the currency's minor unit; 2 for every currency not listed otherwise.
pub fn currency_exponent(currency: &str) -> u32 {
    if ZERO_DECIMAL_CURRENCIES.contains(&currency) {
        0
    } else if THREE_DECIMAL_CURRENCIES.contains(&currency) {
        3
    } else if FOUR_DECIMAL_CURRENCIES.contains(&currency) {
        4
    } else {
        2
    }
}

/// Formats minor units for humans: `format_amount(1250, "EUR")` is "12.50 EUR",
/// `format_amount(1250, "JPY")` is "1250 JPY".
pub fn format_amount(minor_units: i64, currency: &str) -> String {
    let exponent = currency_exponent(currency);
    let sign = if minor_units < 0 { "-" } else { "" };
    let magnitude = minor_units.unsigned_abs();
    if exponent == 0 {
        return format!("{sign}{magnitude} {currency}");
    }
    let scale = 10u64.pow(exponent);
    let major = magnitude / scale;
    let minor = magnitude % scale;
    let width = exponent as usize;
    format!("{sign}{major}.{minor:0width$} {currency}")
}

/// `amount * percent_bp / 10000`, rounded half up to a minor unit. None when the result does
/// not fit an i64 (only possible for percentages above 100 %).
pub fn percent_of(amount: i64, percent_bp: u32) -> Option<i64> {
    let scaled = i128::from(amount) * i128::from(percent_bp);
    let full = i128::from(FULL_PERCENT_BP);
    // Flooring (x + half) / full rounds half up, also for negative x.
    let rounded = (scaled + full / 2).div_euclid(full);
    i64::try_from(rounded).ok()
}

/// `numerator / denominator` rounded half up (towards +infinity on a tie); `denominator` > 0.
pub fn round_half_up(numerator: i128, denominator: i128) -> i128 {
    (2 * numerator + denominator).div_euclid(2 * denominator)
}

/// Formats basis points as a percentage without trailing zeros: 1000 is "10%", 1250 "12.5%".
pub fn format_percent(percent_bp: u32) -> String {
    let whole = percent_bp / 100;
    let fraction = percent_bp % 100;
    if fraction == 0 {
        format!("{whole}%")
    } else if fraction.is_multiple_of(10) {
        format!("{whole}.{}%", fraction / 10)
    } else {
        format!("{whole}.{fraction:02}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponents_follow_iso_4217() {
        assert_eq!(currency_exponent("EUR"), 2);
        assert_eq!(currency_exponent("JPY"), 0);
        assert_eq!(currency_exponent("KRW"), 0);
        assert_eq!(currency_exponent("KWD"), 3);
        assert_eq!(currency_exponent("BHD"), 3);
        assert_eq!(currency_exponent("CLF"), 4);
        assert_eq!(currency_exponent("XYZ"), 2);
    }

    #[test]
    fn formats_amounts_with_the_currency_exponent() {
        assert_eq!(format_amount(1250, "EUR"), "12.50 EUR");
        assert_eq!(format_amount(5, "EUR"), "0.05 EUR");
        assert_eq!(format_amount(0, "USD"), "0.00 USD");
        assert_eq!(format_amount(-150, "EUR"), "-1.50 EUR");
        assert_eq!(format_amount(1250, "JPY"), "1250 JPY");
        assert_eq!(format_amount(1250, "KWD"), "1.250 KWD");
        assert_eq!(format_amount(i64::MIN, "EUR"), "-92233720368547758.08 EUR");
    }

    #[test]
    fn percent_rounds_half_up() {
        assert_eq!(percent_of(1000, 1000), Some(100));
        // 125 * 10 % = 12.5 -> 13
        assert_eq!(percent_of(125, 1000), Some(13));
        // 124 * 10 % = 12.4 -> 12
        assert_eq!(percent_of(124, 1000), Some(12));
        // 1 * 50 % = 0.5 -> 1
        assert_eq!(percent_of(1, 5000), Some(1));
        // 1 * 49.99 % = 0.4999 -> 0
        assert_eq!(percent_of(1, 4999), Some(0));
        assert_eq!(percent_of(0, 10_000), Some(0));
        assert_eq!(percent_of(i64::MAX, 10_000), Some(i64::MAX));
        assert_eq!(percent_of(i64::MAX, 20_000), None);
    }

    #[test]
    fn formats_percentages() {
        assert_eq!(format_percent(1000), "10%");
        assert_eq!(format_percent(1250), "12.5%");
        assert_eq!(format_percent(1234), "12.34%");
        assert_eq!(format_percent(5), "0.05%");
        assert_eq!(format_percent(10_000), "100%");
    }

    #[test]
    fn recognises_currency_codes() {
        assert!(is_currency_code("EUR"));
        assert!(!is_currency_code("eur"));
        assert!(!is_currency_code("EURO"));
        assert!(!is_currency_code("É€"));
    }
}
