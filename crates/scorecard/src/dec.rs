//! Exact numbers: [`Dec2`] (points and percentages with at most two decimals, kept as whole
//! hundredths) and [`Score`] (an exact fraction, for means).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A number with at most two decimals, kept as a whole number of hundredths: `7`, `2.1`, `3.55`.
///
/// Points entered, an aspect's maximum, a weight in per cent are all `Dec2`, so adding them is
/// exact. Written in TOML as an integer (`10`), a float with at most two decimals (`2.5`) or a
/// string (`"2.50"`); a third decimal is refused rather than rounded.
///
/// ```
/// use scorecard::Dec2;
/// let a: Dec2 = "2.1".parse().unwrap();
/// assert_eq!(a.hundredths(), 210);
/// assert_eq!(a.to_string(), "2.10");
/// assert!("2.105".parse::<Dec2>().is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dec2(i64);

impl Dec2 {
    /// Zero.
    pub const ZERO: Dec2 = Dec2(0);

    /// From a whole number of hundredths: `from_hundredths(210)` is 2.10.
    pub const fn from_hundredths(h: i64) -> Dec2 {
        Dec2(h)
    }

    /// A whole number: `whole(60)` is 60.00.
    pub const fn whole(n: i64) -> Dec2 {
        Dec2(n * 100)
    }

    /// The number of hundredths: 2.10 is 210.
    pub const fn hundredths(self) -> i64 {
        self.0
    }

    /// The sum, or `None` on overflow.
    pub fn checked_add(self, other: Dec2) -> Option<Dec2> {
        self.0.checked_add(other.0).map(Dec2)
    }
}

impl fmt::Display for Dec2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

/// A text that is not a number with at most two decimals.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a number with at most two decimals")]
pub struct ParseDec2Error(pub String);

impl FromStr for Dec2 {
    type Err = ParseDec2Error;

    fn from_str(s: &str) -> Result<Dec2, ParseDec2Error> {
        let err = || ParseDec2Error(s.to_owned());
        let t = s.trim();
        let (neg, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let (int, frac) = match t.split_once('.') {
            Some((i, f)) => (i, f),
            None => (t, ""),
        };
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        if frac.len() > 2 || (t.contains('.') && frac.is_empty()) {
            return Err(err());
        }
        let whole: i64 = int.parse().map_err(|_| err())?;
        let mut cents: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| err())?
        };
        if frac.len() == 1 {
            cents *= 10;
        }
        let h = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(cents))
            .ok_or_else(err)?;
        Ok(Dec2(if neg { -h } else { h }))
    }
}

impl Serialize for Dec2 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Dec2 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Dec2, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Dec2;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number with at most two decimals (10, 2.5 or \"2.50\")")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dec2, E> {
                v.checked_mul(100)
                    .map(Dec2)
                    .ok_or_else(|| E::custom(format!("{v} is too large")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Dec2, E> {
                i64::try_from(v)
                    .ok()
                    .and_then(|v| v.checked_mul(100))
                    .map(Dec2)
                    .ok_or_else(|| E::custom(format!("{v} is too large")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Dec2, E> {
                let h = v * 100.0;
                let r = h.round();
                if !h.is_finite() || r.abs() > 1e15 || (h - r).abs() > 1e-6 {
                    return Err(E::custom(format!("{v} is not a number with at most two decimals")));
                }
                // In range and whole, checked just above.
                Ok(Dec2(r as i64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Dec2, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// An exact score: a fraction of points, so that a mean is never rounded before it is compared.
///
/// A category's total is a [`Dec2`]; the mean of two categories or of twelve months need not be
/// a whole number of hundredths (the mean of 80.01 and 80.00 is 80.005). A `Score` keeps the
/// fraction, so "低于 60 分" and the grade bands are decided on the exact value; only
/// [`Score::rounded`] (and `Display`) rounds, half up, to hundredths.
///
/// ```
/// use scorecard::{Dec2, Score};
/// let m = Score::mean([Score::from(Dec2::from_hundredths(5999)), Score::from(Dec2::whole(60))]).unwrap();
/// assert!(m < Score::whole(60)); // 59.995 is below 60 …
/// assert_eq!(m.to_string(), "60.00"); // … though it prints, rounded half up, as 60.00
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Score {
    num: i128,
    den: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Score {
    fn new(num: i128, den: i128) -> Score {
        debug_assert!(den != 0);
        let (num, den) = if den < 0 { (-num, -den) } else { (num, den) };
        let g = gcd(num, den).max(1);
        Score {
            num: num / g,
            den: den / g,
        }
    }

    /// A whole number of points.
    pub fn whole(n: i64) -> Score {
        Score::new(i128::from(n), 1)
    }

    /// The score as a reduced fraction of points `(numerator, denominator)`: 80.005 is
    /// `(16001, 200)`.
    pub fn fraction(self) -> (i128, i128) {
        (self.num, self.den)
    }

    /// The mean of the scores, exactly; `None` if there are none.
    pub fn mean(scores: impl IntoIterator<Item = Score>) -> Option<Score> {
        let mut sum = Score::whole(0);
        let mut n: i128 = 0;
        for s in scores {
            sum = sum + s;
            n += 1;
        }
        (n > 0).then(|| Score::new(sum.num, sum.den * n))
    }

    /// The product with a fraction `num / den` (`den` > 0).
    pub fn scale(self, num: i128, den: i128) -> Score {
        Score::new(self.num * num, self.den * den)
    }

    /// Whether the score is a whole number of hundredths (no rounding in [`Score::rounded`]).
    pub fn is_exact(self) -> bool {
        (self.num * 100) % self.den == 0
    }

    /// Rounded to hundredths, half up (towards +∞ on a tie): 80.005 → 80.01, 59.995 → 60.00.
    /// For display only: no decision is taken on the rounded value.
    pub fn rounded(self) -> Dec2 {
        let n = 2 * self.num * 100 + self.den;
        let d = 2 * self.den;
        // Floor division; d > 0.
        let q = n.div_euclid(d);
        Dec2(i64::try_from(q).unwrap_or(if q < 0 { i64::MIN } else { i64::MAX }))
    }
}

impl From<Dec2> for Score {
    fn from(d: Dec2) -> Score {
        Score::new(i128::from(d.0), 100)
    }
}

impl std::ops::Add for Score {
    type Output = Score;

    fn add(self, other: Score) -> Score {
        Score::new(self.num * other.den + other.num * self.den, self.den * other.den)
    }
}

impl std::ops::Sub for Score {
    type Output = Score;

    fn sub(self, other: Score) -> Score {
        Score::new(self.num * other.den - other.num * self.den, self.den * other.den)
    }
}

impl Ord for Score {
    fn cmp(&self, other: &Score) -> Ordering {
        (self.num * other.den).cmp(&(other.num * self.den))
    }
}

impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Score) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.rounded().fmt(f)
    }
}

/// Serialised as its rounded display (`"80.01"`), for reports.
impl Serialize for Score {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for (s, h) in [
            ("10", 1000),
            ("2.1", 210),
            ("3.55", 355),
            ("0", 0),
            ("-1.5", -150),
            (" 7 ", 700),
        ] {
            assert_eq!(s.parse::<Dec2>().unwrap().hundredths(), h, "{s}");
        }
        for s in ["", ".", "1.", ".5", "1.234", "a", "1,5", "--1"] {
            assert!(s.parse::<Dec2>().is_err(), "{s}");
        }
        assert_eq!(Dec2::from_hundredths(-5).to_string(), "-0.05");
        assert_eq!(Dec2::whole(100).to_string(), "100.00");
    }

    #[test]
    fn rounds_half_up_for_display_only() {
        let s = Score::new(16_001, 200); // 80.005
        assert_eq!(s.rounded(), Dec2::from_hundredths(8001));
        assert!(!s.is_exact());
        assert_eq!(Score::new(1, 3).rounded(), Dec2::from_hundredths(33)); // 0.333…
        assert_eq!(Score::new(2, 3).rounded(), Dec2::from_hundredths(67)); // 0.666…
        assert!(Score::new(5999, 100) < Score::whole(60));
    }
}
