//! The satisfaction figure a contract sets (满意度) and how it is read: the target, whether it
//! includes the figure itself, how the reporters' ticket ratings and the units' periodic surveys
//! combine, and which aspects a survey rates.
//!
//! Seed 001 L667: "系统服务单位满意度 ≥ 90%" (`target_pct = 90`, inclusive); seed 003 L181:
//! "用户满意度超过90%" (`target_pct = 90, strict = true`: 超过 excludes the number, 民法典 第一千
//! 二百五十九条). A rate of exactly 90.0 % meets the first and not the second:
//!
//! ```
//! use contract_terms::SatisfactionTerms;
//! let at_least: SatisfactionTerms = serde_json::from_value(serde_json::json!({"target_pct": 90})).unwrap();
//! let over = SatisfactionTerms { strict: true, ..at_least.clone() };
//! assert_eq!(at_least.meets(9, 10), Some(true));
//! assert_eq!(over.meets(9, 10), Some(false));
//! assert_eq!(over.meets(10, 10), Some(true));
//! assert_eq!(over.meets(0, 0), None, "nothing rated: nothing to judge");
//! ```

use serde::{Deserialize, Serialize};

/// The aspects a survey rates when the contract names none.
pub const DEFAULT_ASPECTS: [&str; 3] = ["响应及时性", "服务态度", "解决质量"];

/// How the ticket ratings and the surveys of one unit, contract and period make one figure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// The unit's survey speaks for the unit: when the unit filled a survey for the period, its
    /// overall rating is the unit's figure and its reporters' ticket ratings are shown beside it
    /// only; a unit that filled none is counted by its ticket ratings. The default: 001 asks for
    /// "系统服务单位满意度", the served *units'* satisfaction, which a unit states in its survey.
    #[default]
    SurveysFirst,
    /// Every rating is one voice: the surveys' overall ratings and the ticket ratings are pooled.
    Pooled,
}

impl Combine {
    /// The stable key: `surveys_first`, `pooled`.
    pub fn key(self) -> &'static str {
        match self {
            Combine::SurveysFirst => "surveys_first",
            Combine::Pooled => "pooled",
        }
    }

    /// How a Chinese page names it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Combine::SurveysFirst => "有调查的单位以调查为准，其余以工单评价计",
            Combine::Pooled => "工单评价与调查合并计",
        }
    }
}

/// A contract's satisfaction terms ([`crate::Contract::satisfaction`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SatisfactionTerms {
    /// The target: the share of satisfied ratings (4 or 5 of 5), per cent. Absent when the
    /// contract states none (then the rate is shown without a verdict; no figure is invented).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_pct: Option<f64>,
    /// The rate must exceed the target (超过), not merely reach it (≥, 不低于, 以上).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub strict: bool,
    /// How ticket ratings and surveys combine (default [`Combine::SurveysFirst`]).
    #[serde(default)]
    pub combine: Combine,
    /// The aspects a survey rates besides the overall rating; empty: [`DEFAULT_ASPECTS`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aspects: Vec<String>,
    /// Where the contract says it (`"003 L181"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl SatisfactionTerms {
    /// Whether `satisfied` of `rated` meets the target: none without a target or a rating. The
    /// share is compared exactly, in integers (satisfied × 10 000 against the target in
    /// hundredths of a per cent × rated), not its rounding nor in floating point: 309 of 375 is
    /// exactly 82.4 %, which meets "≥ 82.4%" (82.4 × 375 in floating point is 30 900.000…04).
    ///
    /// ```
    /// use contract_terms::SatisfactionTerms;
    /// let t: SatisfactionTerms = serde_json::from_value(serde_json::json!({"target_pct": 82.4})).unwrap();
    /// assert_eq!(t.meets(309, 375), Some(true));
    /// let over: SatisfactionTerms = serde_json::from_value(serde_json::json!({"target_pct": 81.6, "strict": true})).unwrap();
    /// assert_eq!(over.meets(306, 375), Some(false)); // exactly 81.6 % does not exceed 81.6 %
    /// ```
    pub fn meets(&self, satisfied: i64, rated: i64) -> Option<bool> {
        let target = self.target_hundredths()?;
        if rated <= 0 {
            return None;
        }
        let (have, need) = (i128::from(satisfied) * 10_000, target * i128::from(rated));
        Some(if self.strict { have > need } else { have >= need })
    }

    /// The target in hundredths of a per cent (90 % is 9 000); targets are checked to have at
    /// most two decimals ([`SatisfactionTerms::problems`]).
    fn target_hundredths(&self) -> Option<i128> {
        self.target_pct.map(|t| (t * 100.0).round() as i128)
    }

    /// The aspects a survey rates: the contract's, or [`DEFAULT_ASPECTS`].
    pub fn aspects(&self) -> Vec<String> {
        if self.aspects.is_empty() {
            DEFAULT_ASPECTS.iter().map(|s| (*s).to_owned()).collect()
        } else {
            self.aspects.clone()
        }
    }

    /// The target as people read it: `≥ 90%`, `> 90%` (none without a target).
    pub fn describe(&self) -> Option<String> {
        let t = self.target_pct?;
        Some(format!(
            "{} {}%",
            if self.strict { ">" } else { "≥" },
            crate::text::num(t, 2)
        ))
    }

    /// Every problem, each naming its field under `at` (`satisfaction`).
    pub(crate) fn problems(&self, at: &str, out: &mut Vec<String>) {
        if let Some(t) = self.target_pct
            && !(t.is_finite() && (0.0..=100.0).contains(&t))
        {
            out.push(format!("{at}.target_pct: {t} is not a share between 0 and 100"));
        } else if let Some(t) = self.target_pct
            && ((t * 100.0).round() - t * 100.0).abs() > 1e-6
        {
            out.push(format!("{at}.target_pct: {t} has more than two decimals"));
        }
        for (i, a) in self.aspects.iter().enumerate() {
            if a.trim().is_empty() {
                out.push(format!("{at}.aspects[{i}]: must not be empty"));
            } else if let Some(j) = self.aspects[..i].iter().position(|x| x == a) {
                out.push(format!("{at}.aspects[{i}]: {a:?} is also aspects[{j}]"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_least_and_over() {
        let t = SatisfactionTerms {
            target_pct: Some(90.0),
            ..SatisfactionTerms::default()
        };
        assert_eq!(t.meets(89, 100), Some(false));
        assert_eq!(t.meets(90, 100), Some(true));
        assert_eq!(t.describe().as_deref(), Some("≥ 90%"));
        let over = SatisfactionTerms { strict: true, ..t };
        assert_eq!(over.meets(90, 100), Some(false));
        assert_eq!(over.meets(91, 100), Some(true));
        assert_eq!(over.describe().as_deref(), Some("> 90%"));
        assert_eq!(SatisfactionTerms::default().meets(1, 1), None);
        assert_eq!(SatisfactionTerms::default().aspects(), DEFAULT_ASPECTS);
    }

    #[test]
    fn problems_name_the_field() {
        let bad = SatisfactionTerms {
            target_pct: Some(120.0),
            aspects: vec!["服务态度".into(), " ".into(), "服务态度".into()],
            ..SatisfactionTerms::default()
        };
        let mut out = Vec::new();
        bad.problems("satisfaction", &mut out);
        assert_eq!(
            out,
            [
                "satisfaction.target_pct: 120 is not a share between 0 and 100",
                "satisfaction.aspects[1]: must not be empty",
                "satisfaction.aspects[2]: \"服务态度\" is also aspects[0]",
            ]
        );
    }
}
