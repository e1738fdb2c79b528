//! Contract deductions (违约金) as data.
//!
//! A [`Contract`] has a price and a list of [`Rule`]s taken from its 违约责任 clauses and annexes.
//! Given the period's measured [`Metrics`], [`assess`] says for each rule whether it fired, the
//! evidence (ticket numbers, system codes or the measured mean), and the amount; the
//! [`Assessment`] adds them up.
//!
//! Money is `i64` fen (1 yuan = 100 fen; [`format_yuan`] prints it). Percentages are `f64` in per
//! cent: `0.1` means 0.1 %, `100` means the whole base. An amount is computed in `f64` as
//! base × pct / 100 × multiplier and rounded once, half away from zero, to the fen
//! ([`f64::round`]).
//!
//! # Bases: [`Amount`]
//!
//! - [`Amount::MonthlyFee`]: per cent of the monthly fee, `price_fen / months`. The 003 contract
//!   (附件5 注2, 附件6 注): "违约金 = 服务合同总金额 / 服务月数 × 违约金取费比例". The monthly fee
//!   is not rounded on its own: a 3,278,000.00 yuan, 12-month contract at 100 % owes
//!   ¥273,166.67, not ¥273,166.66.
//! - [`Amount::Price`]: per cent of the total price. The 000 contract: "服务费总额的 0.1%"; the
//!   004 contract: "本合同总价款百分之零点一（0.1%）".
//!
//! The multiplier is the number of occurrences for [`Condition::Late`], the number of days for
//! [`Condition::Delay`], and 1 for every other condition.
//!
//! # Conditions: [`Condition`]
//!
//! Each kind models one way the contracts word a deduction.
//!
//! ## `average_time`: a band of average working time
//!
//! 003 附件5 第4项: "平均响应时间大于 15 分钟且小于 30 分钟，造成重大事故 100%"; 附件6 第5项:
//! "运维需求平均响应时间大于 30 分钟且小于 60 分钟，出现问题但未造成重大影响 30%".
//!
//! The mean working time of one clock over the period's stopped clocks (pooled, weighted by count,
//! if [`Metrics::averages`] lists the clock more than once) must lie *strictly* between
//! `above_minutes` and `below_minutes`, as the contract says: 大于 and 小于 both exclude the bound.
//! A mean of exactly 30.0 minutes therefore matches neither "15–30" nor "30–60". With no
//! `below_minutes` the band is open above. No stopped clocks (or a count of 0) → not fired.
//! Fires once; the evidence is the mean, e.g. `"mean 22.5 min over 8 clocks"`. Which tickets feed
//! the average (all, or only 运维需求 requests) is the caller's choice when it builds the metrics.
//!
//! ## `availability`: a system below its availability target
//!
//! 003 附件5 第1项: "所提供的服务可用性低于 99.9%，出现问题并造成重大损失的 100%"; 附件6 第1项:
//! "可用性达不到 99.9%，出现问题但未造成重大损失的 50%".
//!
//! Fires once if some system's availability is strictly below `below_pct`; the evidence is the
//! systems' codes.
//!
//! ## `late`: each late clock is one occurrence
//!
//! 004 八、4: "不能及时到达现场进行维护的 … 乙方应承担本合同总价款百分之零点一（0.1%）的金额作为违约金；
//! 情节严重的，甲方有权视情况终止合同 … 出现多次（例如两次及以上）无法按约定时间到场维护".
//!
//! Each breached clock of the named clock is one occurrence; the rule fires when there are at
//! least `from_count` (default 1) and the amount is multiplied by the number of occurrences (all
//! of them, not only those past `from_count`). From `serious_from` occurrences on, the outcome
//! notes that the contract calls it serious (情节严重) and lets the buyer terminate. The evidence
//! is the ticket numbers.
//!
//! ## `outage_longer`: an outage longer than a threshold
//!
//! 003 附件6 第2项: "因所提供的运维服务出现故障，造成某服务中断 2 小时以上 30%".
//!
//! Each outage (an urgent or serious fault's merged impact window, see [`Outage`]) strictly longer
//! than `minutes` is one occurrence, but the rule fires once: the amount is not multiplied. The
//! evidence is the tickets behind the long outages.
//!
//! ## `outage_total`: too many or too long outages of one system
//!
//! 003 附件6 第3项: "造成某服务中断 3 次以上或累计 8 小时以上 60%".
//!
//! Fires once if some system had strictly more than `count_over` outages, or strictly more than
//! `total_minutes_over` minutes of outage in all; at least one bound must be given. The evidence
//! is the systems' codes.
//!
//! ## `delay`: so much per day of delay
//!
//! 000 第十条 2: "每延迟1日，应向甲方支付本合同项下服务费总额的0.1%违约金，累计延迟超过30日的，
//! 甲方有权解除本合同 … 出现延迟不足1日的，按1日计算".
//!
//! Each breached clock of the named clock is late by ⌈overdue wall time / 24 h⌉ days: a part-day
//! counts as a whole day, exactly 24 h is 1 day and 24 h + 1 ms is 2. The amount is per day,
//! multiplied by the days summed over all such clocks. If `terminate_after_days` is set and the
//! total exceeds it (累计延迟超过 30 日), a note says the buyer may terminate. The evidence is the
//! ticket numbers.
//!
//! ## `manual`: what opsclock does not measure
//!
//! 003 附件5 第8项 "现场无人值守超过大于 1 小时且小于 2 小时", 第10项 "连续 3 个月考核得分低于 60 分":
//! the rule is listed so the report is complete, and is always [`Status::NotMeasured`].
//!
//! # Findings and memos: [`Status::Exposure`]
//!
//! Some rules need a finding opsclock cannot make. [`Impact::Major`] ("造成重大事故/重大影响") and
//! [`Impact::NoMajor`] ("未造成重大影响") depend on how bad the consequences were; a rule with
//! [`Rule::memo`] set is one the contract leaves to a memo (管理备忘录: the 004 contract's "对运行维护
//! 质量未达要求的，按管理备忘录和相应处理规则处理"). When such a rule's metric condition holds, the
//! outcome is an *exposure*: the amount is computed, noted and summed into
//! [`Assessment::exposure_fen`], but not into [`Assessment::total_fen`].
//!
//! # Caps
//!
//! [`Rule::cap_pct_of_price`] caps one outcome's amount (fired or exposure);
//! [`Contract::cap_pct_of_price`] caps the period's total of fired amounts. Both are per cent of
//! the total price.
//!
//! # Scope
//!
//! When [`Contract::systems`] is not empty, availability figures and outages of other systems are
//! ignored. Averages and late clocks carry no system: the caller builds them from the contract's
//! tickets.
//!
//! # Known readings
//!
//! - Under 民法典 第1259条 "以上" includes the number itself, but `outage_longer` and
//!   `outage_total` compare strictly ("longer than", "more than"), so an outage of exactly
//!   2 hours does not fire a rule written `minutes = 120`. Encode "3 次以上" as `count_over = 2`
//!   to read it inclusively.
//! - 003 附件6's table header gives the base as "某业务系统云服务费 / 服务月数" while its note says
//!   "服务合同总金额 / 服务月数"; [`Amount::MonthlyFee`] follows the note.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::kind::ClockName;

/// Milliseconds in a day of delay.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A service contract's deduction clauses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    /// The contract's code (`"003"`).
    pub code: String,
    /// Its name.
    pub name: String,
    /// The vendor's code.
    pub vendor: String,
    /// The total contract price, in fen.
    pub price_fen: i64,
    /// The number of service months; the monthly fee is `price_fen / months`.
    pub months: u32,
    /// The systems covered, by code; empty means every system of the vendor.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<String>,
    /// Where in the contract the clauses are (`"003 附件5/6"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// A cap on the period's total of fired amounts, in per cent of the price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_pct_of_price: Option<f64>,
    /// The rules, in the contract's order.
    pub rules: Vec<Rule>,
}

/// One deduction clause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// A stable id, unique within the contract (`"a6-2"`).
    pub id: String,
    /// The contract's words.
    pub label: String,
    /// Where in the contract the clause is (`"附件6 第2项"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// When the deduction applies.
    pub when: Condition,
    /// How much it is, per occurrence or day.
    pub amount: Amount,
    /// The contract leaves the deduction to a memo or finding (管理备忘录): a rule whose
    /// condition holds is an [`Status::Exposure`], never [`Status::Fired`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub memo: bool,
    /// A cap on this rule's amount, in per cent of the price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_pct_of_price: Option<f64>,
}

fn one() -> u32 {
    1
}

/// When a rule applies; see the [module docs](self) for the contract text each kind models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "metric", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// The average working time of a clock over the period's stopped clocks lies strictly between
    /// the bounds ("平均响应时间大于 15 分钟且小于 30 分钟"). A mean equal to a bound does not
    /// match. Fires once.
    AverageTime {
        /// The clock averaged.
        clock: ClockName,
        /// The mean must be strictly greater than this.
        above_minutes: f64,
        /// The mean must be strictly less than this; `None` leaves the band open above.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        below_minutes: Option<f64>,
        /// The finding on consequences the contract adds.
        #[serde(default)]
        impact: Impact,
    },
    /// Some system's availability is strictly below `below_pct` ("可用性低于 99.9%"). Fires once;
    /// the evidence is the systems' codes.
    Availability {
        /// The target, in per cent.
        below_pct: f64,
        /// The finding on consequences the contract adds.
        #[serde(default)]
        impact: Impact,
    },
    /// Each breached clock of this name is one occurrence ("每次未按时到场 0.1%"); fires when there
    /// are at least `from_count`. The amount is multiplied by the occurrences.
    Late {
        /// The clock.
        clock: ClockName,
        /// The fewest occurrences that fire the rule (default 1).
        #[serde(default = "one")]
        from_count: u32,
        /// From this many occurrences on, the contract calls it serious (情节严重) and lets the
        /// buyer terminate.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        serious_from: Option<u32>,
    },
    /// Each outage strictly longer than `minutes` is one occurrence ("服务中断 2 小时以上"). Fires
    /// once if there is any; the amount is not multiplied.
    OutageLonger {
        /// The threshold, in minutes.
        minutes: f64,
    },
    /// Some system had strictly more than `count_over` outages or strictly more than
    /// `total_minutes_over` minutes of outage in all ("中断 3 次以上或累计 8 小时以上"). Fires once;
    /// the evidence is the systems' codes.
    OutageTotal {
        /// The most outages allowed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        count_over: Option<u32>,
        /// The most minutes of outage allowed in all.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        total_minutes_over: Option<f64>,
    },
    /// So much per day of delay: each breached clock of this name is late by
    /// ⌈overdue wall time / 24 h⌉ days (不足1日按1日). The amount is multiplied by the days summed
    /// over all such clocks.
    Delay {
        /// The clock.
        clock: ClockName,
        /// When the total days exceed this (累计延迟超过 30 日), the buyer may terminate.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        terminate_after_days: Option<u32>,
    },
    /// Something opsclock does not measure (现场无人值守, 考核得分): always
    /// [`Status::NotMeasured`].
    Manual,
}

/// The finding on consequences a rule needs besides its metric.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// No finding needed.
    #[default]
    Any,
    /// It caused a major accident or impact (造成重大事故/重大影响).
    Major,
    /// It caused a problem but no major impact (出现问题但未造成重大影响).
    NoMajor,
}

/// What a deduction is a percentage of.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "of", rename_all = "snake_case", deny_unknown_fields)]
pub enum Amount {
    /// Per cent of the monthly fee, `price_fen / months` ("违约金 = 服务合同总金额 / 服务月数 × 比例").
    MonthlyFee {
        /// The percentage.
        pct: f64,
    },
    /// Per cent of the total price ("本合同总价款百分之零点一").
    Price {
        /// The percentage.
        pct: f64,
    },
}

impl Amount {
    /// The percentage.
    pub fn pct(self) -> f64 {
        match self {
            Amount::MonthlyFee { pct } | Amount::Price { pct } => pct,
        }
    }
}

/// The period's measured metrics for one contract.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    /// Mean working time per clock over the period's stopped clocks.
    #[serde(default)]
    pub averages: Vec<Average>,
    /// One entry per breached clock.
    #[serde(default)]
    pub late: Vec<Late>,
    /// Availability per system.
    #[serde(default)]
    pub availability: Vec<Availability>,
    /// One entry per merged outage interval.
    #[serde(default)]
    pub outages: Vec<Outage>,
}

/// The mean working time of one clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Average {
    /// The clock.
    pub clock: ClockName,
    /// How many stopped clocks the mean is over.
    pub count: u64,
    /// The mean working time, in minutes.
    pub mean_minutes: f64,
}

/// A breached clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Late {
    /// The clock.
    pub clock: ClockName,
    /// The ticket's number.
    pub ticket: String,
    /// How long past its deadline it stopped (or the period ended), in wall-clock milliseconds.
    /// An entry with 0 or less is not a breach and is ignored.
    pub overdue_wall_ms: i64,
}

/// A system's availability over the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Availability {
    /// The system's code.
    pub system: String,
    /// The availability, in per cent.
    pub pct: f64,
}

/// An outage: an urgent or serious fault's impact window, overlapping windows of one system
/// merged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outage {
    /// The system's code.
    pub system: String,
    /// The tickets whose windows make up the outage.
    pub tickets: Vec<String>,
    /// Its length, in minutes.
    pub minutes: f64,
}

/// What became of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The condition holds: the amount is owed.
    Fired,
    /// The condition holds but the deduction depends on a finding or memo opsclock cannot make.
    Exposure,
    /// The condition does not hold.
    NotFired,
    /// opsclock does not measure the condition.
    NotMeasured,
}

/// One rule's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The rule's id.
    pub rule: String,
    /// The rule's label.
    pub label: String,
    /// The rule's source.
    pub source: Option<String>,
    /// Whether it fired.
    pub status: Status,
    /// The multiplier: occurrences ([`Condition::Late`]), days ([`Condition::Delay`]) or 1; 0 if
    /// the rule neither fired nor is an exposure.
    pub occurrences: u64,
    /// Ticket numbers, system codes or the measured mean.
    pub evidence: Vec<String>,
    /// The amount after the rule's cap, in fen; 0 unless fired or an exposure.
    pub amount_fen: i64,
    /// Whether the rule's cap lowered the amount.
    pub capped: bool,
    /// Explanations: findings needed, seriousness, termination rights, measured values.
    pub notes: Vec<String>,
}

/// A contract's deductions for a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// The contract's code.
    pub contract: String,
    /// One outcome per rule, in the contract's order.
    pub outcomes: Vec<Outcome>,
    /// The sum of fired amounts after the contract's cap, in fen.
    pub total_fen: i64,
    /// The sum of exposure amounts, in fen (not capped by the contract's cap).
    pub exposure_fen: i64,
    /// Whether the contract's cap lowered the total.
    pub capped: bool,
    /// Explanations: the cap, termination rights, unmeasured rules, alternative findings.
    pub notes: Vec<String>,
}

/// A contract is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeductionError {
    /// The contract breaks a rule; each problem names its field (`rules[2].when.below_minutes: …`).
    #[error("{}", .0.join("; "))]
    Invalid(Vec<String>),
}

impl Contract {
    /// Every problem with the contract, each naming its field; empty if it is valid.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.code.trim().is_empty() {
            out.push("code: must not be empty".to_owned());
        }
        if self.rules.is_empty() {
            out.push("rules: give at least one rule".to_owned());
        }
        if self.months == 0 {
            out.push("months: must be at least 1".to_owned());
        }
        if self.price_fen < 0 {
            out.push(format!("price_fen: {} is negative", self.price_fen));
        }
        check_non_negative(&mut out, "cap_pct_of_price", self.cap_pct_of_price);
        let mut ids: HashMap<&str, usize> = HashMap::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let at = format!("rules[{i}]");
            if rule.id.trim().is_empty() {
                out.push(format!("{at}.id: must not be empty"));
            } else {
                let first = *ids.entry(&rule.id).or_insert(i);
                if first != i {
                    out.push(format!("{at}.id: {:?} is also the id of rules[{first}]", rule.id));
                }
            }
            check_non_negative(&mut out, &format!("{at}.cap_pct_of_price"), rule.cap_pct_of_price);
            check_non_negative(&mut out, &format!("{at}.amount.pct"), Some(rule.amount.pct()));
            let when = format!("{at}.when");
            match rule.when {
                Condition::AverageTime {
                    above_minutes,
                    below_minutes,
                    ..
                } => {
                    check_non_negative(&mut out, &format!("{when}.above_minutes"), Some(above_minutes));
                    check_non_negative(&mut out, &format!("{when}.below_minutes"), below_minutes);
                    if let Some(below) = below_minutes {
                        if below <= above_minutes {
                            out.push(format!(
                                "{when}.below_minutes: {} must be greater than above_minutes ({})",
                                num(below, 3),
                                num(above_minutes, 3)
                            ));
                        }
                    }
                }
                Condition::Availability { below_pct, .. } => {
                    if !(below_pct.is_finite() && (0.0..=100.0).contains(&below_pct)) {
                        out.push(format!("{when}.below_pct: {below_pct} is not between 0 and 100"));
                    }
                }
                Condition::Late {
                    from_count,
                    serious_from,
                    ..
                } => {
                    if from_count == 0 {
                        out.push(format!("{when}.from_count: must be at least 1"));
                    }
                    if serious_from == Some(0) {
                        out.push(format!("{when}.serious_from: must be at least 1"));
                    }
                }
                Condition::OutageLonger { minutes } => {
                    check_non_negative(&mut out, &format!("{when}.minutes"), Some(minutes));
                }
                Condition::OutageTotal {
                    count_over,
                    total_minutes_over,
                } => {
                    if count_over.is_none() && total_minutes_over.is_none() {
                        out.push(format!("{when}: give count_over, total_minutes_over or both"));
                    }
                    check_non_negative(&mut out, &format!("{when}.total_minutes_over"), total_minutes_over);
                }
                Condition::Delay { .. } | Condition::Manual => {}
            }
        }
        out
    }

    /// Checks the contract; the error lists every problem, each naming its field.
    pub fn validate(&self) -> Result<(), DeductionError> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(DeductionError::Invalid(problems))
        }
    }

    /// `pct` per cent of the price, in fen, rounded half away from zero.
    pub fn pct_of_price_fen(&self, pct: f64) -> i64 {
        to_fen(self.price_fen as f64 * pct / 100.0)
    }

    /// One unit of `amount` (one occurrence or day), times `multiplier`, in fen: computed in
    /// `f64` and rounded once, half away from zero. Never negative.
    pub fn amount_fen(&self, amount: Amount, multiplier: u64) -> i64 {
        let (pct, months) = match amount {
            Amount::MonthlyFee { pct } => (pct, self.months.max(1)),
            Amount::Price { pct } => (pct, 1),
        };
        to_fen(self.price_fen as f64 * pct * multiplier as f64 / (100.0 * f64::from(months)))
    }
}

fn check_non_negative(out: &mut Vec<String>, field: &str, value: Option<f64>) {
    if let Some(v) = value {
        if !v.is_finite() || v < 0.0 {
            out.push(format!("{field}: {v} is not a finite, non-negative number"));
        }
    }
}

/// Rounds half away from zero to the fen; NaN and negatives give 0, huge values saturate.
fn to_fen(x: f64) -> i64 {
    if x.is_nan() || x <= 0.0 { 0 } else { x.round() as i64 }
}

/// Formats fen as yuan with thousands separators: `¥1,234.56`, `-¥0.05`.
///
/// ```
/// use ticket_domain::deduction::format_yuan;
/// assert_eq!(format_yuan(123_456), "¥1,234.56");
/// assert_eq!(format_yuan(2_000_000), "¥20,000.00");
/// assert_eq!(format_yuan(-5), "-¥0.05");
/// ```
pub fn format_yuan(fen: i64) -> String {
    let abs = fen.unsigned_abs();
    let digits = (abs / 100).to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}¥{grouped}.{:02}", abs % 100)
}

/// A number with at most `decimals` decimals, trailing zeros dropped: `22.5`, `30`.
fn num(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn clock_noun(clock: ClockName) -> &'static str {
    match clock {
        ClockName::Response => "response",
        ClockName::Arrival => "arrival",
        ClockName::Repair => "repair",
    }
}

/// Pushes `s` unless it is already there.
fn push_unique(out: &mut Vec<String>, s: &str) {
    if !out.iter().any(|e| e == s) {
        out.push(s.to_owned());
    }
}

/// Days of delay of one breached clock: ⌈overdue / 24 h⌉, 0 if not overdue.
fn delay_days(overdue_wall_ms: i64) -> u64 {
    if overdue_wall_ms <= 0 {
        0
    } else {
        ((overdue_wall_ms - 1) / DAY_MS + 1).unsigned_abs()
    }
}

/// A condition that holds.
struct Hit {
    multiplier: u64,
    evidence: Vec<String>,
    notes: Vec<String>,
    /// The buyer may terminate the contract.
    terminate: bool,
}

enum Eval {
    Holds(Hit),
    Fails(Vec<String>),
    NotMeasured,
}

/// The metrics within the contract's scope.
struct Scoped<'a> {
    metrics: &'a Metrics,
    availability: Vec<&'a Availability>,
    outages: Vec<&'a Outage>,
}

impl<'a> Scoped<'a> {
    fn new(contract: &Contract, metrics: &'a Metrics) -> Self {
        let systems: BTreeSet<&str> = contract.systems.iter().map(String::as_str).collect();
        let in_scope = |s: &str| systems.is_empty() || systems.contains(s);
        Scoped {
            metrics,
            availability: metrics.availability.iter().filter(|a| in_scope(&a.system)).collect(),
            outages: metrics.outages.iter().filter(|o| in_scope(&o.system)).collect(),
        }
    }

    fn late(&self, clock: ClockName) -> impl Iterator<Item = &'a Late> {
        self.metrics
            .late
            .iter()
            .filter(move |l| l.clock == clock && l.overdue_wall_ms > 0)
    }
}

fn evaluate(when: &Condition, m: &Scoped<'_>) -> Eval {
    match *when {
        Condition::AverageTime {
            clock,
            above_minutes,
            below_minutes,
            ..
        } => {
            let (count, sum) = m
                .metrics
                .averages
                .iter()
                .filter(|a| a.clock == clock && a.count > 0 && a.mean_minutes.is_finite())
                .fold((0u64, 0.0), |(c, s), a| {
                    (c.saturating_add(a.count), s + a.mean_minutes * a.count as f64)
                });
            if count == 0 {
                return Eval::Fails(vec![format!("no stopped {} clocks in the period", clock_noun(clock))]);
            }
            let mean = sum / count as f64;
            let evidence = format!("mean {} min over {}", num(mean, 2), plural(count, "clock", "clocks"));
            if mean > above_minutes && below_minutes.is_none_or(|b| mean < b) {
                Eval::Holds(Hit {
                    multiplier: 1,
                    evidence: vec![evidence],
                    notes: Vec::new(),
                    terminate: false,
                })
            } else {
                let band = match below_minutes {
                    Some(b) => format!("strictly between {} and {} min", num(above_minutes, 3), num(b, 3)),
                    None => format!("strictly above {} min", num(above_minutes, 3)),
                };
                Eval::Fails(vec![format!("{evidence}: not {band}")])
            }
        }
        Condition::Availability { below_pct, .. } => {
            let mut evidence = Vec::new();
            let mut values = Vec::new();
            for a in m.availability.iter().filter(|a| a.pct < below_pct) {
                if !evidence.contains(&a.system) {
                    evidence.push(a.system.clone());
                    values.push(format!("{} {}%", a.system, num(a.pct, 3)));
                }
            }
            if evidence.is_empty() {
                let why = if m.availability.is_empty() {
                    "no availability measured".to_owned()
                } else {
                    format!("every system at or above {}%", num(below_pct, 3))
                };
                return Eval::Fails(vec![why]);
            }
            Eval::Holds(Hit {
                multiplier: 1,
                evidence,
                notes: vec![format!("below {}%: {}", num(below_pct, 3), values.join(", "))],
                terminate: false,
            })
        }
        Condition::Late {
            clock,
            from_count,
            serious_from,
        } => {
            let mut n = 0u64;
            let mut evidence = Vec::new();
            for l in m.late(clock) {
                n += 1;
                push_unique(&mut evidence, &l.ticket);
            }
            let what = plural(
                n,
                &format!("late {}", clock_noun(clock)),
                &format!("late {}s", clock_noun(clock)),
            );
            if n == 0 || n < u64::from(from_count) {
                return Eval::Fails(vec![format!("{what}; the rule fires from {from_count}")]);
            }
            let serious = serious_from.filter(|&s| n >= u64::from(s));
            let note = match serious {
                Some(s) => {
                    format!("{what}: from {s} the contract calls it serious (情节严重); the buyer may terminate")
                }
                None => what,
            };
            Eval::Holds(Hit {
                multiplier: n,
                evidence,
                notes: vec![note],
                terminate: serious.is_some(),
            })
        }
        Condition::OutageLonger { minutes } => {
            let long: Vec<&Outage> = m.outages.iter().copied().filter(|o| o.minutes > minutes).collect();
            if long.is_empty() {
                return Eval::Fails(vec![format!("no outage longer than {} min", num(minutes, 3))]);
            }
            let mut evidence = Vec::new();
            for t in long.iter().flat_map(|o| &o.tickets) {
                push_unique(&mut evidence, t);
            }
            let list: Vec<String> = long
                .iter()
                .map(|o| format!("{} {} min", o.system, num(o.minutes, 2)))
                .collect();
            Eval::Holds(Hit {
                multiplier: 1,
                evidence,
                notes: vec![format!(
                    "{} longer than {} min (counted once): {}",
                    plural(long.len() as u64, "outage", "outages"),
                    num(minutes, 3),
                    list.join(", ")
                )],
                terminate: false,
            })
        }
        Condition::OutageTotal {
            count_over,
            total_minutes_over,
        } => {
            let mut systems: Vec<(&str, u64, f64)> = Vec::new();
            for o in &m.outages {
                match systems.iter_mut().find(|(s, _, _)| *s == o.system) {
                    Some(entry) => {
                        entry.1 += 1;
                        entry.2 += o.minutes;
                    }
                    None => systems.push((&o.system, 1, o.minutes)),
                }
            }
            let over: Vec<&(&str, u64, f64)> = systems
                .iter()
                .filter(|(_, n, total)| {
                    count_over.is_some_and(|c| *n > u64::from(c)) || total_minutes_over.is_some_and(|t| *total > t)
                })
                .collect();
            if over.is_empty() {
                return Eval::Fails(vec![if systems.is_empty() {
                    "no outages".to_owned()
                } else {
                    "no system over the count or total".to_owned()
                }]);
            }
            Eval::Holds(Hit {
                multiplier: 1,
                evidence: over.iter().map(|(s, _, _)| (*s).to_owned()).collect(),
                notes: over
                    .iter()
                    .map(|(s, n, total)| {
                        format!(
                            "{s}: {}, {} min in all",
                            plural(*n, "outage", "outages"),
                            num(*total, 2)
                        )
                    })
                    .collect(),
                terminate: false,
            })
        }
        Condition::Delay {
            clock,
            terminate_after_days,
        } => {
            let mut clocks = 0u64;
            let mut days = 0u64;
            let mut evidence = Vec::new();
            for l in m.late(clock) {
                clocks += 1;
                days = days.saturating_add(delay_days(l.overdue_wall_ms));
                push_unique(&mut evidence, &l.ticket);
            }
            let what = plural(
                clocks,
                &format!("late {}", clock_noun(clock)),
                &format!("late {}s", clock_noun(clock)),
            );
            if days == 0 {
                return Eval::Fails(vec![format!("no late {}s", clock_noun(clock))]);
            }
            let mut note = format!(
                "{what}, {} of delay in all (a part-day counts as a day, 不足1日按1日)",
                plural(days, "day", "days")
            );
            let terminate = terminate_after_days.is_some_and(|t| days > u64::from(t));
            if let Some(t) = terminate_after_days.filter(|_| terminate) {
                note.push_str(&format!(
                    "; more than {t} days: the buyer may terminate (累计延迟超过 {t} 日)"
                ));
            }
            Eval::Holds(Hit {
                multiplier: days,
                evidence,
                notes: vec![note],
                terminate,
            })
        }
        Condition::Manual => Eval::NotMeasured,
    }
}

fn impact_of(when: &Condition) -> Impact {
    match *when {
        Condition::AverageTime { impact, .. } | Condition::Availability { impact, .. } => impact,
        _ => Impact::Any,
    }
}

/// One rule's outcome and whether it lets the buyer terminate.
fn assess_rule(contract: &Contract, rule: &Rule, metrics: &Scoped<'_>) -> (Outcome, bool) {
    let mut outcome = Outcome {
        rule: rule.id.clone(),
        label: rule.label.clone(),
        source: rule.source.clone(),
        status: Status::NotFired,
        occurrences: 0,
        evidence: Vec::new(),
        amount_fen: 0,
        capped: false,
        notes: Vec::new(),
    };
    let hit = match evaluate(&rule.when, metrics) {
        Eval::NotMeasured => {
            outcome.status = Status::NotMeasured;
            outcome
                .notes
                .push("opsclock does not measure this; assess it by hand".to_owned());
            return (outcome, false);
        }
        Eval::Fails(notes) => {
            outcome.notes = notes;
            return (outcome, false);
        }
        Eval::Holds(hit) => hit,
    };
    let mut amount = contract.amount_fen(rule.amount, hit.multiplier);
    if let Some(cap_pct) = rule.cap_pct_of_price {
        let cap = contract.pct_of_price_fen(cap_pct);
        if amount > cap {
            outcome.notes.push(format!(
                "capped at {} ({}% of the price) from {}",
                format_yuan(cap),
                num(cap_pct, 3),
                format_yuan(amount)
            ));
            amount = cap;
            outcome.capped = true;
        }
    }
    let mut notes = hit.notes;
    let mut exposure = false;
    match impact_of(&rule.when) {
        Impact::Any => {}
        Impact::Major => {
            exposure = true;
            notes.push(
                "depends on a finding that it caused a major accident or impact (造成重大事故/重大影响)".to_owned(),
            );
        }
        Impact::NoMajor => {
            exposure = true;
            notes.push("depends on a finding that it caused a problem but no major impact (未造成重大影响)".to_owned());
        }
    }
    if rule.memo {
        exposure = true;
        notes.push("the contract leaves this deduction to a memo (管理备忘录)".to_owned());
    }
    notes.append(&mut outcome.notes);
    outcome.notes = notes;
    outcome.status = if exposure { Status::Exposure } else { Status::Fired };
    outcome.occurrences = hit.multiplier;
    outcome.evidence = hit.evidence;
    outcome.amount_fen = amount;
    (outcome, hit.terminate)
}

/// Assesses a contract's rules against a period's metrics.
///
/// Every rule gives one [`Outcome`], in the contract's order. [`Assessment::total_fen`] sums the
/// [`Status::Fired`] amounts, capped by [`Contract::cap_pct_of_price`];
/// [`Assessment::exposure_fen`] sums the [`Status::Exposure`] amounts, which depend on a finding
/// or memo. Average bands are strict: a mean of exactly 30.0 minutes is in neither
/// "大于 15 分钟且小于 30 分钟" nor "大于 30 分钟且小于 60 分钟".
///
/// The contract should pass [`Contract::validate`]; an invalid one gives meaningless amounts but
/// never panics, and amounts are never negative.
///
/// ```
/// use ticket_domain::deduction::{Contract, Metrics, Status, assess, format_yuan};
///
/// // 003 附件6: outages of 2 hours and more, per cent of the monthly fee.
/// let contract: Contract = serde_json::from_value(serde_json::json!({
///     "code": "003", "name": "中小企业公共服务平台 系统运维", "vendor": "v-003",
///     "price_fen": 327_800_000, "months": 12, "source": "003 附件6",
///     "rules": [
///         {"id": "a6-2", "label": "造成某服务中断 2 小时以上", "source": "附件6 第2项",
///          "when": {"metric": "outage_longer", "minutes": 120},
///          "amount": {"of": "monthly_fee", "pct": 30}},
///         {"id": "a6-5", "label": "运维需求平均响应时间大于 30 分钟且小于 60 分钟，出现问题但未造成重大影响",
///          "when": {"metric": "average_time", "clock": "response",
///                   "above_minutes": 30, "below_minutes": 60, "impact": "no_major"},
///          "amount": {"of": "monthly_fee", "pct": 30}}
///     ]
/// })).unwrap();
/// contract.validate().unwrap();
///
/// let metrics: Metrics = serde_json::from_value(serde_json::json!({
///     "averages": [{"clock": "response", "count": 8, "mean_minutes": 42.5}],
///     "outages": [
///         {"system": "sy-003", "tickets": ["INC-2026-000017"], "minutes": 150},
///         {"system": "sy-003", "tickets": ["INC-2026-000021"], "minutes": 45}
///     ]
/// })).unwrap();
///
/// let a = assess(&contract, &metrics);
/// assert_eq!(a.outcomes[0].status, Status::Fired);
/// assert_eq!(a.outcomes[0].evidence, ["INC-2026-000017"]);
/// // 30 % of 3,278,000.00 / 12.
/// assert_eq!(format_yuan(a.total_fen), "¥81,950.00");
/// // The average band holds, but the contract also needs a finding: an exposure.
/// assert_eq!(a.outcomes[1].status, Status::Exposure);
/// assert_eq!(a.outcomes[1].evidence, ["mean 42.5 min over 8 clocks"]);
/// assert_eq!(a.exposure_fen, 8_195_000);
/// ```
pub fn assess(contract: &Contract, metrics: &Metrics) -> Assessment {
    let scoped = Scoped::new(contract, metrics);
    let mut outcomes = Vec::with_capacity(contract.rules.len());
    let mut terminate = Vec::new();
    for rule in &contract.rules {
        let (outcome, may_terminate) = assess_rule(contract, rule, &scoped);
        if may_terminate {
            terminate.push(rule.id.as_str());
        }
        outcomes.push(outcome);
    }
    let sum = |status: Status| {
        outcomes
            .iter()
            .filter(|o| o.status == status)
            .fold(0i64, |acc, o| acc.saturating_add(o.amount_fen))
    };
    let fired = sum(Status::Fired);
    let exposure_fen = sum(Status::Exposure);
    let mut notes = Vec::new();
    let mut total_fen = fired;
    let mut capped = false;
    if let Some(cap_pct) = contract.cap_pct_of_price {
        let cap = contract.pct_of_price_fen(cap_pct);
        if fired > cap {
            notes.push(format!(
                "the fired total {} is capped at {} ({}% of the price)",
                format_yuan(fired),
                format_yuan(cap),
                num(cap_pct, 3)
            ));
            total_fen = cap;
            capped = true;
        } else if fired.saturating_add(exposure_fen) > cap {
            notes.push(format!(
                "if the exposures were confirmed, the cap of {} ({}% of the price) would limit the total",
                format_yuan(cap),
                num(cap_pct, 3)
            ));
        }
    }
    if !terminate.is_empty() {
        notes.push(format!(
            "the buyer may terminate the contract: {}",
            terminate.join(", ")
        ));
    }
    let exposures_with = |impact: Impact| {
        contract
            .rules
            .iter()
            .zip(&outcomes)
            .any(|(r, o)| o.status == Status::Exposure && impact_of(&r.when) == impact)
    };
    if exposures_with(Impact::Major) && exposures_with(Impact::NoMajor) {
        notes.push(
            "exposures needing a major-impact finding and a no-major-impact finding are alternatives: \
             the exposure total counts both"
                .to_owned(),
        );
    }
    let unmeasured: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.status == Status::NotMeasured)
        .map(|o| o.rule.as_str())
        .collect();
    if !unmeasured.is_empty() {
        notes.push(format!("not measured, assess by hand: {}", unmeasured.join(", ")));
    }
    Assessment {
        contract: contract.code.clone(),
        outcomes,
        total_fen,
        exposure_fen,
        capped,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const HOUR_MS: i64 = 60 * 60 * 1000;

    /// The 003 contract (中小企业公共服务平台 系统运维): 3,278,000.00 yuan over 12 months,
    /// 附件5 (重大违约行为) and 附件6 (一般违约行为), per cent of the monthly fee.
    fn c003() -> Contract {
        serde_json::from_value(json!({
            "code": "003", "name": "北京市中小企业公共服务平台 系统运维", "vendor": "v-003",
            "price_fen": 327_800_000, "months": 12, "source": "003 第十四条, 附件5/6",
            "rules": [
                {"id": "a5-4", "label": "平均响应时间大于 15 分钟且小于 30 分钟，造成重大事故", "source": "附件5 第4项",
                 "when": {"metric": "average_time", "clock": "response",
                          "above_minutes": 15, "below_minutes": 30, "impact": "major"},
                 "amount": {"of": "monthly_fee", "pct": 100}},
                {"id": "a6-5", "label": "运维需求平均响应时间大于 30 分钟且小于 60 分钟，出现问题但未造成重大影响",
                 "source": "附件6 第5项",
                 "when": {"metric": "average_time", "clock": "response",
                          "above_minutes": 30, "below_minutes": 60, "impact": "no_major"},
                 "amount": {"of": "monthly_fee", "pct": 30}},
                {"id": "a6-2", "label": "因所提供的运维服务出现故障，造成某服务中断 2 小时以上", "source": "附件6 第2项",
                 "when": {"metric": "outage_longer", "minutes": 120},
                 "amount": {"of": "monthly_fee", "pct": 30}},
                {"id": "a6-3", "label": "因所提供的运维服务出现故障，造成某服务中断 3 次以上或累计 8 小时以上",
                 "source": "附件6 第3项",
                 "when": {"metric": "outage_total", "count_over": 3, "total_minutes_over": 480},
                 "amount": {"of": "monthly_fee", "pct": 60}},
                {"id": "a6-1", "label": "所提供的服务可用性达不到 99.9%，出现问题但未造成重大损失的", "source": "附件6 第1项",
                 "when": {"metric": "availability", "below_pct": 99.9, "impact": "no_major"},
                 "amount": {"of": "monthly_fee", "pct": 50}},
                {"id": "a5-8", "label": "现场无人值守超过大于 1 小时且小于 2 小时，造成重大事故", "source": "附件5 第8项",
                 "when": {"metric": "manual"},
                 "amount": {"of": "monthly_fee", "pct": 100}}
            ]
        }))
        .expect("003 contract")
    }

    /// The 000 contract's delay clause, on a 10,000,000.00 yuan price.
    fn c000() -> Contract {
        serde_json::from_value(json!({
            "code": "000", "name": "京办 运维", "vendor": "v-000",
            "price_fen": 1_000_000_000, "months": 12, "source": "000 第十条",
            "rules": [
                {"id": "10-2", "label": "每延迟1日，应向甲方支付本合同项下服务费总额的0.1%违约金", "source": "第十条 2",
                 "when": {"metric": "delay", "clock": "repair", "terminate_after_days": 30},
                 "amount": {"of": "price", "pct": 0.1}}
            ]
        }))
        .expect("000 contract")
    }

    /// The 004 contract's late-arrival clause, on an illustrative 5,000,000.00 yuan price (the
    /// tender leaves the price blank).
    fn c004() -> Contract {
        serde_json::from_value(json!({
            "code": "004", "name": "顺义统一运维", "vendor": "v-004",
            "price_fen": 500_000_000, "months": 12, "source": "004 八、违约与赔偿责任",
            "rules": [
                {"id": "8-4", "label": "不能及时到达现场进行维护的 … 本合同总价款百分之零点一（0.1%）", "source": "八、4",
                 "when": {"metric": "late", "clock": "arrival", "serious_from": 2},
                 "amount": {"of": "price", "pct": 0.1}, "memo": true}
            ]
        }))
        .expect("004 contract")
    }

    fn avg(mean: f64, count: u64) -> Metrics {
        Metrics {
            averages: vec![Average {
                clock: ClockName::Response,
                count,
                mean_minutes: mean,
            }],
            ..Metrics::default()
        }
    }

    fn outage(system: &str, ticket: &str, minutes: f64) -> Outage {
        Outage {
            system: system.into(),
            tickets: vec![ticket.into()],
            minutes,
        }
    }

    fn late(clock: ClockName, ticket: &str, overdue_wall_ms: i64) -> Late {
        Late {
            clock,
            ticket: ticket.into(),
            overdue_wall_ms,
        }
    }

    fn outcome<'a>(a: &'a Assessment, id: &str) -> &'a Outcome {
        a.outcomes.iter().find(|o| o.rule == id).expect("rule")
    }

    #[test]
    fn seed_contracts_are_valid() {
        for c in [c003(), c000(), c004()] {
            assert_eq!(c.validate(), Ok(()), "{}", c.code);
        }
    }

    #[test]
    fn average_response_15_to_30_with_major_accident_is_an_exposure() {
        let a = assess(&c003(), &avg(22.5, 8));
        let o = outcome(&a, "a5-4");
        assert_eq!(o.status, Status::Exposure);
        assert_eq!(o.occurrences, 1);
        assert_eq!(o.evidence, ["mean 22.5 min over 8 clocks"]);
        // 100 % of 3,278,000.00 / 12 = 273,166.666…, rounded once.
        assert_eq!(o.amount_fen, 27_316_667);
        assert_eq!(format_yuan(o.amount_fen), "¥273,166.67");
        assert!(o.notes.iter().any(|n| n.contains("造成重大事故")), "{:?}", o.notes);
        assert_eq!(outcome(&a, "a6-5").status, Status::NotFired);
        assert_eq!(a.total_fen, 0);
        assert_eq!(a.exposure_fen, 27_316_667);
        assert_eq!(a.outcomes.len(), 6);
    }

    #[test]
    fn average_response_30_to_60_without_major_impact_is_an_exposure() {
        let a = assess(&c003(), &avg(45.0, 3));
        let o = outcome(&a, "a6-5");
        assert_eq!(o.status, Status::Exposure);
        assert_eq!(o.amount_fen, 8_195_000);
        assert!(o.notes.iter().any(|n| n.contains("未造成重大影响")), "{:?}", o.notes);
        assert_eq!(outcome(&a, "a5-4").status, Status::NotFired);
    }

    #[test]
    fn average_bands_are_strict_at_their_bounds() {
        for mean in [15.0, 30.0, 60.0] {
            let a = assess(&c003(), &avg(mean, 10));
            for id in ["a5-4", "a6-5"] {
                assert_eq!(outcome(&a, id).status, Status::NotFired, "mean {mean}, rule {id}");
            }
        }
        let a = assess(&c003(), &avg(30.0, 10));
        assert_eq!(
            outcome(&a, "a5-4").notes,
            ["mean 30 min over 10 clocks: not strictly between 15 and 30 min"]
        );
        assert_eq!(
            outcome(&assess(&c003(), &avg(30.01, 10)), "a6-5").status,
            Status::Exposure
        );
    }

    #[test]
    fn no_stopped_clocks_means_not_fired() {
        for m in [Metrics::default(), avg(22.5, 0)] {
            let a = assess(&c003(), &m);
            assert_eq!(outcome(&a, "a5-4").status, Status::NotFired);
            assert_eq!(outcome(&a, "a5-4").amount_fen, 0);
        }
    }

    #[test]
    fn averages_listed_twice_are_pooled_by_count() {
        let mut m = avg(10.0, 1);
        m.averages.push(Average {
            clock: ClockName::Response,
            count: 3,
            mean_minutes: 50.0,
        });
        m.averages.push(Average {
            clock: ClockName::Repair,
            count: 100,
            mean_minutes: 500.0,
        });
        let a = assess(&c003(), &m);
        assert_eq!(outcome(&a, "a6-5").evidence, ["mean 40 min over 4 clocks"]);
    }

    #[test]
    fn an_outage_over_two_hours_fires_once() {
        let m = Metrics {
            outages: vec![
                outage("sy-003", "INC-1", 150.0),
                outage("sy-004", "INC-2", 121.0),
                outage("sy-003", "INC-3", 120.0),
            ],
            ..Metrics::default()
        };
        let a = assess(&c003(), &m);
        let o = outcome(&a, "a6-2");
        assert_eq!(o.status, Status::Fired);
        assert_eq!(o.occurrences, 1);
        assert_eq!(o.evidence, ["INC-1", "INC-2"]);
        assert_eq!(o.amount_fen, 8_195_000);
        assert_eq!(a.total_fen, 8_195_000);
        // Exactly 2 hours is not "longer than".
        let m = Metrics {
            outages: vec![outage("sy-003", "INC-3", 120.0)],
            ..Metrics::default()
        };
        assert_eq!(outcome(&assess(&c003(), &m), "a6-2").status, Status::NotFired);
    }

    #[test]
    fn outages_of_one_system_by_count_or_total() {
        let rule = |outages: Vec<Outage>| {
            let a = assess(
                &c003(),
                &Metrics {
                    outages,
                    ..Metrics::default()
                },
            );
            outcome(&a, "a6-3").clone()
        };
        // Four outages of one system: more than 3.
        let o = rule((1..=4).map(|i| outage("sy-a", &format!("INC-{i}"), 30.0)).collect());
        assert_eq!(o.status, Status::Fired);
        assert_eq!(o.evidence, ["sy-a"]);
        assert_eq!(o.amount_fen, 16_390_000);
        assert_eq!(o.notes, ["sy-a: 4 outages, 120 min in all"]);
        // Three outages, 300 min: neither bound passed.
        assert_eq!(
            rule((1..=3).map(|i| outage("sy-a", &format!("INC-{i}"), 100.0)).collect()).status,
            Status::NotFired
        );
        // Two outages, 500 min in all: more than 8 hours.
        let o = rule(vec![outage("sy-b", "INC-1", 250.0), outage("sy-b", "INC-2", 250.0)]);
        assert_eq!(o.status, Status::Fired);
        assert_eq!(o.evidence, ["sy-b"]);
        // Four outages spread over systems: no single system over.
        let o = rule(vec![
            outage("sy-a", "INC-1", 30.0),
            outage("sy-b", "INC-2", 30.0),
            outage("sy-a", "INC-3", 30.0),
            outage("sy-c", "INC-4", 30.0),
        ]);
        assert_eq!(o.status, Status::NotFired);
    }

    #[test]
    fn availability_below_target_names_the_systems() {
        let m = Metrics {
            availability: vec![
                Availability {
                    system: "sy-a".into(),
                    pct: 99.5,
                },
                Availability {
                    system: "sy-b".into(),
                    pct: 99.9,
                },
            ],
            ..Metrics::default()
        };
        let a = assess(&c003(), &m);
        let o = outcome(&a, "a6-1");
        assert_eq!(o.status, Status::Exposure);
        assert_eq!(o.evidence, ["sy-a"]);
        assert_eq!(o.amount_fen, 13_658_333);
    }

    #[test]
    fn manual_rules_are_not_measured() {
        let a = assess(&c003(), &avg(22.5, 8));
        let o = outcome(&a, "a5-8");
        assert_eq!(o.status, Status::NotMeasured);
        assert_eq!((o.amount_fen, o.occurrences), (0, 0));
        assert!(a.notes.iter().any(|n| n.contains("a5-8")), "{:?}", a.notes);
    }

    #[test]
    fn delay_counts_part_days_as_whole_days() {
        let days = |overdue: &[i64]| {
            let m = Metrics {
                late: overdue
                    .iter()
                    .enumerate()
                    .map(|(i, &ms)| late(ClockName::Repair, &format!("INC-{i}"), ms))
                    .collect(),
                ..Metrics::default()
            };
            outcome(&assess(&c000(), &m), "10-2").clone()
        };
        // 25 hours → 2 days → 0.1 % × 2 of 10,000,000.00 yuan.
        let o = days(&[25 * HOUR_MS]);
        assert_eq!(o.status, Status::Fired);
        assert_eq!(o.occurrences, 2);
        assert_eq!(o.amount_fen, 2_000_000);
        assert_eq!(format_yuan(o.amount_fen), "¥20,000.00");
        assert_eq!(o.evidence, ["INC-0"]);
        assert_eq!(days(&[24 * HOUR_MS]).occurrences, 1);
        assert_eq!(days(&[24 * HOUR_MS + 1]).occurrences, 2);
        assert_eq!(days(&[1]).occurrences, 1);
        assert_eq!(days(&[HOUR_MS, 49 * HOUR_MS]).occurrences, 4);
        assert_eq!(days(&[0, -5]).status, Status::NotFired);
        // Other clocks do not count.
        let m = Metrics {
            late: vec![late(ClockName::Arrival, "INC-9", 5 * 24 * HOUR_MS)],
            ..Metrics::default()
        };
        assert_eq!(outcome(&assess(&c000(), &m), "10-2").status, Status::NotFired);
    }

    #[test]
    fn delay_over_thirty_days_lets_the_buyer_terminate() {
        let m = |days: i64| Metrics {
            late: vec![
                late(ClockName::Repair, "INC-1", 10 * 24 * HOUR_MS),
                late(ClockName::Repair, "INC-2", (days - 10) * 24 * HOUR_MS),
            ],
            ..Metrics::default()
        };
        let a = assess(&c000(), &m(31));
        let o = outcome(&a, "10-2");
        assert_eq!(o.occurrences, 31);
        assert_eq!(o.amount_fen, 31_000_000);
        assert!(o.notes[0].contains("累计延迟超过 30 日"), "{:?}", o.notes);
        assert!(a.notes.iter().any(|n| n.contains("may terminate")), "{:?}", a.notes);
        let a = assess(&c000(), &m(30));
        assert!(!outcome(&a, "10-2").notes[0].contains("terminate"));
        assert!(!a.notes.iter().any(|n| n.contains("terminate")));
    }

    #[test]
    fn late_arrivals_under_a_memo_are_an_exposure_and_serious_from_two() {
        let m = Metrics {
            late: vec![
                late(ClockName::Arrival, "INC-1", HOUR_MS),
                late(ClockName::Arrival, "INC-2", 2 * HOUR_MS),
                late(ClockName::Response, "INC-3", HOUR_MS),
            ],
            ..Metrics::default()
        };
        let a = assess(&c004(), &m);
        let o = outcome(&a, "8-4");
        assert_eq!(o.status, Status::Exposure);
        assert_eq!(o.occurrences, 2);
        assert_eq!(o.evidence, ["INC-1", "INC-2"]);
        // 0.1 % × 2 of 5,000,000.00 yuan.
        assert_eq!(o.amount_fen, 1_000_000);
        assert!(
            o.notes.contains(
                &"2 late arrivals: from 2 the contract calls it serious (情节严重); the buyer may terminate".to_owned()
            ),
            "{:?}",
            o.notes
        );
        assert!(o.notes.iter().any(|n| n.contains("管理备忘录")));
        assert_eq!((a.total_fen, a.exposure_fen), (0, 1_000_000));

        let one = Metrics {
            late: m.late[..1].to_vec(),
            ..Metrics::default()
        };
        let o = outcome(&assess(&c004(), &one), "8-4").clone();
        assert_eq!(o.occurrences, 1);
        assert!(!o.notes.iter().any(|n| n.contains("情节严重")));
    }

    #[test]
    fn late_fires_from_its_count_and_multiplies_by_all_occurrences() {
        let mut c = c004();
        c.rules[0].memo = false;
        c.rules[0].when = Condition::Late {
            clock: ClockName::Arrival,
            from_count: 3,
            serious_from: None,
        };
        let m = |n: usize| Metrics {
            late: (0..n)
                .map(|i| late(ClockName::Arrival, &format!("INC-{i}"), HOUR_MS))
                .collect(),
            ..Metrics::default()
        };
        assert_eq!(assess(&c, &m(2)).outcomes[0].status, Status::NotFired);
        let a = assess(&c, &m(3));
        assert_eq!(a.outcomes[0].status, Status::Fired);
        assert_eq!(a.total_fen, 1_500_000);
    }

    #[test]
    fn caps_limit_a_rule_and_the_total() {
        let mut c = c003();
        c.rules[2].cap_pct_of_price = Some(1.0); // 30 % of a month is 2.5 % of the price
        c.cap_pct_of_price = Some(3.0);
        let m = Metrics {
            outages: (1..=4).map(|i| outage("sy-a", &format!("INC-{i}"), 150.0)).collect(),
            ..Metrics::default()
        };
        let a = assess(&c, &m);
        let o = outcome(&a, "a6-2");
        assert!(o.capped);
        assert_eq!(o.amount_fen, 3_278_000);
        // 1 % + 5 % of the price fired; the contract caps it at 3 %.
        assert_eq!(outcome(&a, "a6-3").amount_fen, 16_390_000);
        assert!(a.capped);
        assert_eq!(a.total_fen, 9_834_000);
        assert!(a.notes[0].contains("capped at ¥98,340.00"), "{:?}", a.notes);
    }

    #[test]
    fn systems_limit_availability_and_outages() {
        let mut c = c003();
        c.systems = vec!["sy-a".into()];
        let m = Metrics {
            outages: vec![outage("sy-b", "INC-1", 600.0)],
            availability: vec![Availability {
                system: "sy-b".into(),
                pct: 50.0,
            }],
            ..Metrics::default()
        };
        let a = assess(&c, &m);
        for id in ["a6-1", "a6-2", "a6-3"] {
            assert_eq!(outcome(&a, id).status, Status::NotFired, "{id}");
        }
    }

    #[test]
    fn alternative_findings_are_noted() {
        let mut c = c003();
        c.rules[0].when = Condition::AverageTime {
            clock: ClockName::Response,
            above_minutes: 30.0,
            below_minutes: Some(60.0),
            impact: Impact::Major,
        };
        let a = assess(&c, &avg(45.0, 3));
        assert_eq!(a.exposure_fen, 27_316_667 + 8_195_000);
        assert!(a.notes.iter().any(|n| n.contains("alternatives")), "{:?}", a.notes);
    }

    #[test]
    fn problems_name_their_fields() {
        let c: Contract = serde_json::from_value(json!({
            "code": " ", "name": "x", "vendor": "v", "price_fen": -1, "months": 0, "cap_pct_of_price": -1,
            "rules": [
                {"id": "r", "label": "", "when": {"metric": "average_time", "clock": "response",
                  "above_minutes": 30, "below_minutes": 30}, "amount": {"of": "price", "pct": -0.1}},
                {"id": "r", "label": "", "when": {"metric": "outage_total"},
                 "amount": {"of": "price", "pct": 1}},
                {"id": "", "label": "", "when": {"metric": "late", "clock": "arrival", "from_count": 0},
                 "amount": {"of": "price", "pct": 1}},
                {"id": "q", "label": "", "when": {"metric": "availability", "below_pct": 101},
                 "amount": {"of": "monthly_fee", "pct": 1}},
                {"id": "s", "label": "", "when": {"metric": "outage_longer", "minutes": -1},
                 "amount": {"of": "monthly_fee", "pct": 1}}
            ]
        }))
        .expect("parses");
        let mut c = c;
        c.rules[1].cap_pct_of_price = Some(f64::INFINITY);
        let p = c.problems();
        for want in [
            "code: must not be empty",
            "months: must be at least 1",
            "price_fen: -1 is negative",
            "cap_pct_of_price: -1 is not a finite, non-negative number",
            "rules[0].amount.pct: -0.1 is not a finite, non-negative number",
            "rules[0].when.below_minutes: 30 must be greater than above_minutes (30)",
            "rules[1].id: \"r\" is also the id of rules[0]",
            "rules[1].cap_pct_of_price: inf is not a finite, non-negative number",
            "rules[1].when: give count_over, total_minutes_over or both",
            "rules[2].id: must not be empty",
            "rules[2].when.from_count: must be at least 1",
            "rules[3].when.below_pct: 101 is not between 0 and 100",
            "rules[4].when.minutes: -1 is not a finite, non-negative number",
        ] {
            assert!(p.iter().any(|s| s == want), "missing {want:?} in {p:#?}");
        }
        assert_eq!(p.len(), 13, "{p:#?}");
        let err = c.validate().expect_err("invalid").to_string();
        assert!(err.starts_with("code: must not be empty; "), "{err}");
        let empty = Contract {
            rules: Vec::new(),
            ..c000()
        };
        assert_eq!(empty.problems(), ["rules: give at least one rule"]);
    }

    #[test]
    fn serde_forms() {
        let c = c003();
        let back: Contract = serde_json::from_value(serde_json::to_value(&c).expect("ser")).expect("de");
        assert_eq!(back, c);
        // Late defaults from_count to 1.
        assert_eq!(
            c004().rules[0].when,
            Condition::Late {
                clock: ClockName::Arrival,
                from_count: 1,
                serious_from: Some(2)
            }
        );
        // Unknown fields are refused, in conditions too.
        let bad = json!({"metric": "outage_longer", "minutes": 120, "minutess": 1});
        assert!(serde_json::from_value::<Condition>(bad).is_err());
        let bad = json!({"averages": [], "lates": []});
        assert!(serde_json::from_value::<Metrics>(bad).is_err());
        assert_eq!(
            serde_json::to_value(Status::NotMeasured).expect("ser"),
            json!("not_measured")
        );
        assert_eq!(serde_json::to_value(Impact::NoMajor).expect("ser"), json!("no_major"));
        let m: Metrics = serde_json::from_value(json!({})).expect("empty metrics");
        assert_eq!(m, Metrics::default());
    }

    #[test]
    fn yuan_formatting() {
        assert_eq!(format_yuan(0), "¥0.00");
        assert_eq!(format_yuan(99), "¥0.99");
        assert_eq!(format_yuan(100_000), "¥1,000.00");
        assert_eq!(format_yuan(99_999), "¥999.99");
        assert_eq!(format_yuan(327_800_000), "¥3,278,000.00");
        assert_eq!(format_yuan(-123_456_789), "-¥1,234,567.89");
        assert_eq!(format_yuan(i64::MIN), "-¥92,233,720,368,547,758.08");
        assert_eq!(format_yuan(i64::MAX), "¥92,233,720,368,547,758.07");
    }

    #[test]
    fn rounding_is_half_away_from_zero_once() {
        // 1 fen × 50 % = 0.5 fen → 1 fen.
        let c = Contract {
            price_fen: 1,
            months: 1,
            ..c000()
        };
        assert_eq!(c.amount_fen(Amount::Price { pct: 50.0 }, 1), 1);
        assert_eq!(c.amount_fen(Amount::Price { pct: 49.0 }, 1), 0);
        // 3 fen / 12 months × 100 % × 2 = 0.5 fen → 1 fen, not 2 × round(0.25) = 0.
        let c = Contract {
            price_fen: 3,
            months: 12,
            ..c000()
        };
        assert_eq!(c.amount_fen(Amount::MonthlyFee { pct: 100.0 }, 2), 1);
        // An invalid contract never gives a negative amount or panics.
        let c = Contract {
            price_fen: -100,
            months: 0,
            ..c000()
        };
        assert_eq!(c.amount_fen(Amount::MonthlyFee { pct: 100.0 }, 1), 0);
        assert_eq!(c.amount_fen(Amount::Price { pct: f64::NAN }, 1), 0);
    }
}
