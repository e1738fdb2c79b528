//! The clauses: a [`Contract`] and its [`Rule`]s, each a [`Condition`] (when it applies) and an
//! [`Amount`] (what it costs), as a contract file writes them. Unknown fields are refused.

use serde::{Deserialize, Serialize};
use ticket_domain::{ClockName, Kind};

use crate::findings::FindingKind;

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
    /// More vendors, by code, that share the one fee with [`Contract::vendor`] (a consortium,
    /// 联合体: 000 L1148 "联合体各方共同与采购人签订合同"); their tickets count as the vendor's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
    /// The systems covered, by code; empty means every system of the vendor.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<String>,
    /// Where in the contract the clauses are (`"003 附件5/6"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// A cap on each assessed month's total of fired amounts, in per cent of the price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_pct_of_price: Option<f64>,
    /// How many minutes earlier than it is recorded an action on this contract's tickets may say
    /// it happened and count at once; an older claim waits for the other party (see
    /// `ticket_domain::evidence`). None of the seed contracts sets a figure: absent, the server's
    /// `[sla] claim_tolerance` holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_tolerance_min: Option<u32>,
    /// The assessment scheme (考核方案) the contract scores its months by, by code
    /// (`"003-sme-platform"`): an assessment of the contract created without naming one takes
    /// it. Which codes exist is the server's business (it ships the schemes); this crate only
    /// refuses an empty one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// Whether a rectification order (整改通知) still open when its deadline passes counts as
    /// refused (拒不整改). Seed 004 八-7 (L28693–28699): "甲方有权要求乙方限期整改，乙方拒不整改的…
    /// 0.5%": one fair reading is that only an explicit refusal is 拒不整改 (the default,
    /// `false`: a late order is counted as overdue and the buyer records a finding if it judges
    /// the lateness a refusal); the other, that letting the 限期 pass is itself the refusal
    /// (`true`: the deadline passing records the `refused_rectification` finding, once).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub overdue_rectification_is_refusal: bool,
    /// The satisfaction target (满意度) and how it is read; absent when the contract sets none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<crate::satisfaction::SatisfactionTerms>,
    /// The reports the contract asks for at fixed times (月报, 季度报告…), in its order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<crate::reporting::ReportDuty>,
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
    /// A cap on this rule's amount in each assessed month, in per cent of the price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_pct_of_price: Option<f64>,
    /// How the amount counts; absent, [`Condition::default_counts`] (the behaviour before the
    /// field existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<Counts>,
}

impl Rule {
    /// How the rule counts: [`Rule::counts`], or its condition's default.
    pub fn counts(&self) -> Counts {
        self.counts.unwrap_or_else(|| self.when.default_counts())
    }
}

/// How a rule's amount counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Counts {
    /// The amount is multiplied by the occurrences (days for [`Condition::Delay`]): "每次",
    /// "每延迟1日".
    PerOccurrence,
    /// The amount is charged once in each assessed month in which the condition holds.
    PerMonth,
}

impl Counts {
    /// The stable key.
    pub fn key(self) -> &'static str {
        match self {
            Counts::PerOccurrence => "per_occurrence",
            Counts::PerMonth => "per_month",
        }
    }

    /// How it reads to people: `每次 / per occurrence`, `每月一次 / once per month`.
    pub fn label(self) -> &'static str {
        match self {
            Counts::PerOccurrence => "每次 / per occurrence",
            Counts::PerMonth => "每月一次 / once per month",
        }
    }

    /// How it reads on a Chinese page: `每次`, `每月一次`.
    pub fn label_zh(self) -> &'static str {
        match self {
            Counts::PerOccurrence => "每次",
            Counts::PerMonth => "每月一次",
        }
    }

    /// How it reads on an English page: `per occurrence`, `once per month`.
    pub fn label_en(self) -> &'static str {
        match self {
            Counts::PerOccurrence => "per occurrence",
            Counts::PerMonth => "once per month",
        }
    }
}

fn one() -> u32 {
    1
}

/// When a rule applies; see the [crate docs](crate) for the contract text each kind models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "metric", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// The average working time of a clock over the month's stopped clocks lies strictly between
    /// the bounds ("平均响应时间大于 15 分钟且小于 30 分钟"). A mean equal to a bound does not
    /// match.
    AverageTime {
        /// The clock averaged.
        clock: ClockName,
        /// The mean must be strictly greater than this.
        above_minutes: f64,
        /// The mean must be strictly less than this; `None` leaves the band open above.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        below_minutes: Option<f64>,
        /// The ticket kinds averaged ("运维需求" = requests); empty means every kind.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        kinds: Vec<Kind>,
        /// Whether tickets opened by scheduled duties (inspections) are averaged too; by default
        /// they are left out.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        include_scheduled: bool,
        /// Whether only tickets that ran a target for the clock are averaged. By default every
        /// ticket with a measured time is ([`Average::untargeted`]): "平均响应时间" is over every
        /// need raised, not over those a deadline happened to cover.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        targeted_only: bool,
        /// The finding on consequences the contract adds (kept for stored contracts; `major` is
        /// `needs = major_impact`, `no_major` is `needs = no_major_impact`).
        #[serde(default, skip_serializing_if = "Impact::is_any")]
        impact: Impact,
        /// The finding the deduction needs besides the metric.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        needs: Option<FindingKind>,
    },
    /// Some system's availability is strictly below `below_pct` ("可用性低于 99.9%"); each such
    /// system is an occurrence.
    Availability {
        /// The target, in per cent.
        below_pct: f64,
        /// The finding on consequences the contract adds (see [`Condition::AverageTime`]).
        #[serde(default, skip_serializing_if = "Impact::is_any")]
        impact: Impact,
        /// The finding the deduction needs besides the metric.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        needs: Option<FindingKind>,
    },
    /// Each breached clock of this name is one occurrence; fires when there are at least
    /// `from_count`.
    Late {
        /// The clock.
        clock: ClockName,
        /// The fewest occurrences that fire the rule (default 1).
        #[serde(default = "one")]
        from_count: u32,
        /// From this many breaches of `serious_clocks` in the month on, the contract calls it
        /// serious (情节严重) and lets the buyer terminate.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        serious_from: Option<u32>,
        /// The clocks whose breaches count toward `serious_from`; empty means `clock` alone.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        serious_clocks: Vec<ClockName>,
        /// The finding 情节严重 needs besides the count (004 八-4 (2): "影响甲方或用户单位正常业务
        /// 运行").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        serious_needs: Option<FindingKind>,
        /// The finding each occurrence needs (004 八-4: "因工作服务能力不足").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        needs: Option<FindingKind>,
    },
    /// Each outage of at least `at_least_minutes` (以上, 以内: the number included) or longer than
    /// `over_minutes` (超过: excluded) is one occurrence; exactly one of the two is given.
    OutageLonger {
        /// "2 小时以上": an outage of exactly this many minutes counts.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_least_minutes: Option<f64>,
        /// "超过 2 小时": only longer outages count. Stored contracts' `minutes` means this.
        #[serde(default, alias = "minutes", skip_serializing_if = "Option::is_none")]
        over_minutes: Option<f64>,
        /// The finding each occurrence needs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        needs: Option<FindingKind>,
    },
    /// Some system had too many outages or too many minutes of outage in all ("中断 3 次以上或累计
    /// 8 小时以上"); each such system is an occurrence. At least one bound; per quantity at most
    /// one of the inclusive (`_at_least`, 以上) and exclusive (`_over`, 超过) forms.
    OutageTotal {
        /// More than this many outages (超过).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        count_over: Option<u32>,
        /// More than this many minutes of outage in all (超过).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        total_minutes_over: Option<f64>,
        /// This many outages or more (以上).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        count_at_least: Option<u32>,
        /// This many minutes of outage in all or more (以上).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        total_minutes_at_least: Option<f64>,
        /// The finding each occurrence needs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        needs: Option<FindingKind>,
    },
    /// So much per day of delay: each breached clock of this name is late by
    /// ⌈overdue wall time / 24 h⌉ days (不足1日按1日).
    Delay {
        /// The clock.
        clock: ClockName,
        /// When the month's total days exceed this (累计延迟超过 30 日), the buyer may terminate.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        terminate_after_days: Option<u32>,
        /// The finding each late clock needs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        needs: Option<FindingKind>,
    },
    /// Each finding of this kind in the month is one occurrence; for
    /// [`FindingKind::UnattendedSite`] only those whose minutes lie strictly between the bounds
    /// ("现场无人值守超过大于 1 小时且小于 2 小时").
    Finding {
        /// The kind.
        kind: FindingKind,
        /// The finding's minutes must be strictly greater than this.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        above_minutes: Option<f64>,
        /// The finding's minutes must be strictly less than this.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        below_minutes: Option<f64>,
        /// A second finding each occurrence needs, on the same ticket or about the month: 003
        /// 附件5-3 "在安全监管部门已发出整改通知后未正确处置，出现问题并造成重大事故" is a
        /// `rectification_mishandled` finding that needs `major_impact`, 附件6-4 the same with
        /// `no_major_impact`; one finding of the first kind then fires exactly one of the two rows.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        needs: Option<FindingKind>,
        /// A finding that covers a breached clock of this name in the month is charged by the
        /// rule on that clock, not here: 004 八-4 names "服务能力…不能满足…要求" and "因工作服务能力
        /// 不足导致故障不能及时排除" as two facts of one clause, and an `insufficient_capability`
        /// finding on a late repair establishes the second (rule `8-4-repair`), so `8-4-capability`
        /// (with `except_late = "repair"`) does not charge it again.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        except_late: Option<ClockName>,
    },
    /// Each missed inspection (巡检) of the contract's systems due in the month is one
    /// occurrence, as each late clock is for [`Condition::Late`]; fires when there are at least
    /// `from_count`. No seed contract prices a missed inspection by itself: a contract whose text
    /// does writes this rule.
    MissedInspection {
        /// The fewest occurrences that fire the rule (default 1).
        #[serde(default = "one")]
        from_count: u32,
        /// The finding each occurrence needs (a missed inspection has no ticket: a finding of the
        /// kind in the month decides).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        needs: Option<FindingKind>,
    },
    /// Something opsclock does not measure: always [`Status::NotMeasured`].
    Manual,
}

impl Condition {
    /// How the condition counted before [`Rule::counts`] existed: per occurrence for `late`,
    /// `delay`, `finding` and `missed_inspection`, once per month for the others.
    pub fn default_counts(&self) -> Counts {
        match self {
            Condition::Late { .. }
            | Condition::Delay { .. }
            | Condition::Finding { .. }
            | Condition::MissedInspection { .. } => Counts::PerOccurrence,
            _ => Counts::PerMonth,
        }
    }

    /// The finding the condition needs: `needs`, or what `impact` says.
    pub fn needs(&self) -> Option<FindingKind> {
        match *self {
            Condition::AverageTime { impact, needs, .. } | Condition::Availability { impact, needs, .. } => {
                needs.or(impact.needs())
            }
            Condition::Late { needs, .. }
            | Condition::OutageLonger { needs, .. }
            | Condition::OutageTotal { needs, .. }
            | Condition::Delay { needs, .. }
            | Condition::Finding { needs, .. }
            | Condition::MissedInspection { needs, .. } => needs,
            Condition::Manual => None,
        }
    }
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

impl Impact {
    /// The finding it stands for.
    pub fn needs(self) -> Option<FindingKind> {
        match self {
            Impact::Any => None,
            Impact::Major => Some(FindingKind::MajorImpact),
            Impact::NoMajor => Some(FindingKind::NoMajorImpact),
        }
    }

    fn is_any(&self) -> bool {
        *self == Impact::Any
    }
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
    /// Per cent of the yearly fees (`fee_fen`, [`crate::SystemFee`]) of the systems each
    /// occurrence concerns, for a contract whose price is made of its systems' fees: a late clock
    /// or a finding on a ticket is charged on the fee of the ticket's system, an outage or an
    /// availability figure on its system's, and an occurrence about no one system (an average, a
    /// finding about the month) on the fees of every system the contract covers. Once per month
    /// (`per_month`), each system concerned counts once. A system without a fee leaves the rule
    /// [`crate::Status::NotMeasured`], its note naming the system: no amount is invented.
    Fee {
        /// The percentage.
        pct: f64,
    },
}

impl Amount {
    /// The percentage.
    pub fn pct(self) -> f64 {
        match self {
            Amount::MonthlyFee { pct } | Amount::Price { pct } | Amount::Fee { pct } => pct,
        }
    }
}
