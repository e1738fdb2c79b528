//! # contract-terms
//!
//! A service contract's deduction clauses (违约金) as data, and their assessment against a period's
//! measured metrics: for each clause, whether it fired, on what evidence, and for how much.
//!
//! This is its own crate because the clauses change per contract and per tender (003's penalty
//! tables per cent of the monthly fee, 000's 0.1 % per day of delay, the Shunyi tender's late
//! arrivals left to a memo), and each new tender may word a deduction in a new way, while what a
//! ticket is and how its clocks run do not change with who pays what for lateness. Tickets do not
//! depend on the clauses: the dependency runs one way, the clauses read what the tickets measured
//! (clocks named by [`ticket_domain::ClockName`], breaches, outages, averages the caller builds
//! from them) and nothing in `ticket-domain` knows about contracts. Kept apart, a contract's terms
//! can be changed, reviewed against the contract text and tested without touching the ticket
//! aggregate.
//!
//! The crate is pure: no I/O, no async, no database. The same contract and metrics give the same
//! amounts to the fen on every machine.
//!
//! - [`Contract`], [`Rule`], [`Condition`], [`Amount`], [`Impact`]: the clauses, as a contract
//!   file writes them; [`Contract::validate`] names each problem by its field.
//! - [`Metrics`] ([`Average`], [`Late`], [`Availability`], [`Outage`]): what was measured.
//! - [`assess`]: one [`Outcome`] per rule with its [`Status`], added up in an [`Assessment`].
//! - [`format_yuan`]: fen printed as yuan.
//!
//! ## Contract deductions (违约金) as data
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
//! ## Bases: [`Amount`]
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
//! ## Conditions: [`Condition`]
//!
//! Each kind models one way the contracts word a deduction.
//!
//! ### `average_time`: a band of average working time
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
//! ### `availability`: a system below its availability target
//!
//! 003 附件5 第1项: "所提供的服务可用性低于 99.9%，出现问题并造成重大损失的 100%"; 附件6 第1项:
//! "可用性达不到 99.9%，出现问题但未造成重大损失的 50%".
//!
//! Fires once if some system's availability is strictly below `below_pct`; the evidence is the
//! systems' codes.
//!
//! ### `late`: each late clock is one occurrence
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
//! ### `outage_longer`: an outage longer than a threshold
//!
//! 003 附件6 第2项: "因所提供的运维服务出现故障，造成某服务中断 2 小时以上 30%".
//!
//! Each outage (an urgent or serious fault's merged impact window, see [`Outage`]) strictly longer
//! than `minutes` is one occurrence, but the rule fires once: the amount is not multiplied. The
//! evidence is the tickets behind the long outages.
//!
//! ### `outage_total`: too many or too long outages of one system
//!
//! 003 附件6 第3项: "造成某服务中断 3 次以上或累计 8 小时以上 60%".
//!
//! Fires once if some system had strictly more than `count_over` outages, or strictly more than
//! `total_minutes_over` minutes of outage in all; at least one bound must be given. The evidence
//! is the systems' codes.
//!
//! ### `delay`: so much per day of delay
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
//! ### `manual`: what opsclock does not measure
//!
//! 003 附件5 第8项 "现场无人值守超过大于 1 小时且小于 2 小时", 第10项 "连续 3 个月考核得分低于 60 分":
//! the rule is listed so the report is complete, and is always [`Status::NotMeasured`].
//!
//! ## Findings and memos: [`Status::Exposure`]
//!
//! Some rules need a finding opsclock cannot make. [`Impact::Major`] ("造成重大事故/重大影响") and
//! [`Impact::NoMajor`] ("未造成重大影响") depend on how bad the consequences were; a rule with
//! [`Rule::memo`] set is one the contract leaves to a memo (管理备忘录: the 004 contract's "对运行维护
//! 质量未达要求的，按管理备忘录和相应处理规则处理"). When such a rule's metric condition holds, the
//! outcome is an *exposure*: the amount is computed, noted and summed into
//! [`Assessment::exposure_fen`], but not into [`Assessment::total_fen`].
//!
//! ## Caps
//!
//! [`Rule::cap_pct_of_price`] caps one outcome's amount (fired or exposure);
//! [`Contract::cap_pct_of_price`] caps the period's total of fired amounts. Both are per cent of
//! the total price.
//!
//! ## Scope
//!
//! When [`Contract::systems`] is not empty, availability figures and outages of other systems are
//! ignored. Averages and late clocks carry no system: the caller builds them from the contract's
//! tickets.
//!
//! ## Known readings
//!
//! - Under 民法典 第1259条 "以上" includes the number itself, but `outage_longer` and
//!   `outage_total` compare strictly ("longer than", "more than"), so an outage of exactly
//!   2 hours does not fire a rule written `minutes = 120`. Encode "3 次以上" as `count_over = 2`
//!   to read it inclusively.
//! - 003 附件6's table header gives the base as "某业务系统云服务费 / 服务月数" while its note says
//!   "服务合同总金额 / 服务月数"; [`Amount::MonthlyFee`] follows the note.

mod assess;
mod clauses;
mod evaluate;
mod metrics;
mod money;
mod text;
mod validate;

#[cfg(test)]
mod tests;

pub use assess::{Assessment, Outcome, Status, assess};
pub use clauses::{Amount, Condition, Contract, Impact, Rule};
pub use metrics::{Availability, Average, Late, Metrics, Outage};
pub use money::format_yuan;
pub use validate::DeductionError;
