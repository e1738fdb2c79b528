//! Deciding from the months: [`assess_year`] takes consecutive months' scores and gives each
//! failing month's and each run's [`Decision`]s, the year's mean and its grade.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::dec::Score;
use crate::scheme::{Base, Charge, Grade, Missing, Repeat, Scheme};

/// A calendar month, written `2026-03`.
///
/// ```
/// let m: scorecard::YearMonth = "2026-12".parse().unwrap();
/// assert_eq!(m.next().to_string(), "2027-01");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    /// The year.
    pub year: i32,
    /// The month, 1–12.
    pub month: u8,
}

impl YearMonth {
    /// A month; `None` unless `month` is 1–12.
    pub fn new(year: i32, month: u8) -> Option<YearMonth> {
        (1..=12).contains(&month).then_some(YearMonth { year, month })
    }

    /// The month after.
    pub fn next(self) -> YearMonth {
        if self.month >= 12 {
            YearMonth {
                year: self.year + 1,
                month: 1,
            }
        } else {
            YearMonth {
                year: self.year,
                month: self.month + 1,
            }
        }
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for YearMonth {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// A text that is not a month `YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a month written YYYY-MM")]
pub struct ParseYearMonthError(pub String);

impl FromStr for YearMonth {
    type Err = ParseYearMonthError;

    fn from_str(s: &str) -> Result<YearMonth, ParseYearMonthError> {
        let err = || ParseYearMonthError(s.to_owned());
        let (y, m) = s.trim().split_once('-').ok_or_else(err)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(err());
        }
        YearMonth::new(y.parse().map_err(|_| err())?, m.parse().map_err(|_| err())?).ok_or_else(err)
    }
}

/// One month of the year, as decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MonthOutcome {
    /// The month.
    pub month: YearMonth,
    /// Its score; `None` if it was not assessed.
    pub score: Option<Score>,
    /// What it counts as: its score, or for a month not assessed 0 ([`Missing::Zero`]) or
    /// nothing ([`Missing::Skip`]).
    pub counted: Option<Score>,
    /// Whether it is a failing month (strictly below [`crate::Decisions::below`]).
    pub below: bool,
    /// How many failing months in a row end with this one (0 if it is not failing).
    pub run: u32,
}

/// A consequence that applies: a failing month's, or a run's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The rule's id.
    pub rule: String,
    /// The month it applies in: the failing month, or the run's last month.
    pub month: YearMonth,
    /// The failing months it rests on (one, or the run's last `months`).
    pub months: Vec<YearMonth>,
    /// The money, as a share of a base.
    pub charge: Option<Charge>,
    /// Whether the buyer may terminate.
    pub terminate: bool,
    /// The clause.
    pub source: String,
}

/// The charge for a failing year: the deducted share of the full score, per cent of a base.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct YearFail {
    /// The rule's id.
    pub rule: String,
    /// (full − year's score) / full × 100, exactly: a year of 55 out of 100 is 45 %.
    pub pct: Score,
    /// What it is of.
    pub base: Base,
    /// The clause.
    pub source: String,
}

/// The year, decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Year {
    /// Each month given, in order.
    pub months: Vec<MonthOutcome>,
    /// The months not assessed (flagged, whatever [`Missing`] says).
    pub missing: Vec<YearMonth>,
    /// How many months were assessed.
    pub assessed: usize,
    /// The mean of the months counted, exactly; `None` if none counts.
    pub mean: Option<Score>,
    /// The mean's grade.
    pub grade: Option<Grade>,
    /// Every consequence of a failing month or a run, in month order.
    pub decisions: Vec<Decision>,
    /// The first month in which a run gives the buyer the right to terminate.
    pub terminate_from: Option<YearMonth>,
    /// The failing year's charge, when the grade fails.
    pub fail: Option<YearFail>,
}

/// The months cannot be assessed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YearError {
    /// Each problem names the month (`months[2] (2026-05): …`).
    #[error("{}", .0.join("; "))]
    Invalid(Vec<String>),
}

/// Assesses consecutive months of a checked scheme: `None` is a month not assessed.
///
/// The months must follow each other without a gap (give a month not assessed as `None`), and
/// each score must lie between 0 and the scheme's full score.
///
/// ```
/// use scorecard::{Scheme, Score, assess_year};
/// let scheme = Scheme::from_toml(include_str!("../../../config/schemes/003-sme-platform.toml")).unwrap();
/// let s = |n| Some(Score::whole(n));
/// let months = [("2026-01", s(80)), ("2026-02", s(59)), ("2026-03", None), ("2026-04", s(95))];
/// let months: Vec<_> = months.iter().map(|(m, v)| (m.parse().unwrap(), *v)).collect();
/// let year = assess_year(&scheme, &months).unwrap();
/// assert_eq!(year.mean.unwrap().to_string(), "78.00"); // (80 + 59 + 95) / 3
/// assert_eq!(year.missing[0].to_string(), "2026-03");
/// assert_eq!(year.grade.unwrap().name, "及格");
/// assert_eq!(year.decisions.len(), 1); // 2026-02: 附件6 第11项, 40 % of the monthly fee
/// assert_eq!(year.decisions[0].rule, "a6-11");
/// ```
pub fn assess_year(scheme: &Scheme, months: &[(YearMonth, Option<Score>)]) -> Result<Year, YearError> {
    let full = Score::from(scheme.full());
    let mut problems = Vec::new();
    for (i, (m, s)) in months.iter().enumerate() {
        if i > 0 && months[i - 1].0.next() != *m {
            problems.push(format!(
                "months[{i}] ({m}): does not follow {}; give a month not assessed as None",
                months[i - 1].0
            ));
        }
        if let Some(s) = s
            && (*s < Score::whole(0) || *s > full)
        {
            problems.push(format!("months[{i}] ({m}): {s} is not between 0 and {}", scheme.full()));
        }
    }
    if !problems.is_empty() {
        return Err(YearError::Invalid(problems));
    }

    let mut outcomes: Vec<MonthOutcome> = Vec::with_capacity(months.len());
    let mut decisions = Vec::new();
    let mut run: u32 = 0;
    for (i, &(month, score)) in months.iter().enumerate() {
        let counted = match (score, scheme.year.missing) {
            (Some(s), _) => Some(s),
            (None, Missing::Zero) => Some(Score::whole(0)),
            (None, Missing::Skip) => None,
        };
        let below = counted.is_some_and(|c| scheme.is_below(c));
        run = if below { run + 1 } else { 0 };
        if below {
            for r in &scheme.decisions.month {
                decisions.push(Decision {
                    rule: r.id.clone(),
                    month,
                    months: vec![month],
                    charge: Some(r.charge),
                    terminate: false,
                    source: r.source.clone(),
                });
            }
            for r in &scheme.decisions.runs {
                let fires = match r.repeat {
                    Repeat::EachFullRun => r.months > 0 && run.is_multiple_of(r.months),
                    Repeat::OncePerRun => run == r.months,
                };
                if fires {
                    let n = r.months as usize;
                    decisions.push(Decision {
                        rule: r.id.clone(),
                        month,
                        months: months[i + 1 - n..=i].iter().map(|(m, _)| *m).collect(),
                        charge: r.charge,
                        terminate: r.terminate,
                        source: r.source.clone(),
                    });
                }
            }
        }
        outcomes.push(MonthOutcome {
            month,
            score,
            counted,
            below,
            run,
        });
    }

    let mean = Score::mean(outcomes.iter().filter_map(|o| o.counted));
    let grade = mean.and_then(|m| scheme.grade(m)).cloned();
    let fail = match (&grade, &scheme.year.fail, mean) {
        (Some(g), Some(f), Some(m)) if g.fail => Some(YearFail {
            rule: f.id.clone(),
            pct: (full - m).scale(10_000, i128::from(scheme.full().hundredths().max(1))),
            base: f.base,
            source: f.source.clone(),
        }),
        _ => None,
    };
    Ok(Year {
        missing: outcomes.iter().filter(|o| o.score.is_none()).map(|o| o.month).collect(),
        assessed: outcomes.iter().filter(|o| o.score.is_some()).count(),
        terminate_from: decisions.iter().find(|d| d.terminate).map(|d| d.month),
        months: outcomes,
        mean,
        grade,
        decisions,
        fail,
    })
}

impl Charge {
    /// The charge as `40.00 % of the monthly fee`.
    pub fn describe(&self) -> String {
        let base = match self.base {
            Base::MonthlyFee => "the monthly fee (服务合同总金额/服务月数)",
            Base::ContractTotal => "the contract total (合同总额)",
        };
        format!("{} % of {base}", self.pct)
    }
}
