//! The clauses: a [`Contract`] and its [`Rule`]s, each a [`Condition`] (when it applies) and an
//! [`Amount`] (what it costs), as a contract file writes them. Unknown fields are refused.

use serde::{Deserialize, Serialize};
use ticket_domain::ClockName;

#[cfg(doc)]
use crate::Status;

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
    /// How many minutes earlier than it is recorded an action on this contract's tickets may say
    /// it happened and count at once; an older claim waits for the other party (see
    /// `ticket_domain::evidence`). None of the seed contracts sets a figure: absent, the server's
    /// `[sla] claim_tolerance` holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_tolerance_min: Option<u32>,
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

/// When a rule applies; see the [crate docs](crate) for the contract text each kind models.
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
