//! Money: amounts in fen from the contract's price, rounded once, and [`format_yuan`] to print
//! them.

use crate::clauses::{Amount, Contract};

impl Contract {
    /// `pct` per cent of the price, in fen, rounded half away from zero.
    pub fn pct_of_price_fen(&self, pct: f64) -> i64 {
        to_fen(self.price_fen as f64 * pct / 100.0)
    }

    /// One unit of `amount` (one occurrence or day), times `multiplier`, in fen: computed in
    /// `f64` and rounded once, half away from zero. Never negative. [`Amount::Fee`] is a share of
    /// the systems' fees, not of the price: 0 here (the assessment computes it from the fees).
    pub fn amount_fen(&self, amount: Amount, multiplier: u64) -> i64 {
        let (pct, months) = match amount {
            Amount::MonthlyFee { pct } => (pct, self.months.max(1)),
            Amount::Price { pct } => (pct, 1),
            Amount::Fee { .. } => return 0,
        };
        to_fen(self.price_fen as f64 * pct * multiplier as f64 / (100.0 * f64::from(months)))
    }
}

/// Rounds half away from zero to the fen; NaN and negatives give 0, huge values saturate.
pub(crate) fn to_fen(x: f64) -> i64 {
    if x.is_nan() || x <= 0.0 { 0 } else { x.round() as i64 }
}

/// Formats fen as yuan with thousands separators: `¥1,234.56`, `-¥0.05`.
///
/// ```
/// use contract_terms::format_yuan;
/// assert_eq!(format_yuan(123_456), "¥1,234.56");
/// assert_eq!(format_yuan(2_000_000), "¥20,000.00");
/// assert_eq!(format_yuan(-5), "-¥0.05");
/// ```
pub fn format_yuan(fen: i64) -> String {
    let abs = fen.unsigned_abs();
    let digits = (abs / 100).to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}¥{grouped}.{:02}", abs % 100)
}
