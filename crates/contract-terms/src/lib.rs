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
//! - [`Contract`], [`Rule`], [`Condition`], [`Amount`], [`Counts`], [`Impact`]: the clauses, as a
//!   contract file writes them; [`Contract::validate`] names each problem by its field.
//! - [`Metrics`] ([`Average`], [`Late`], [`Availability`], [`Outage`], [`MissedInspection`],
//!   [`Finding`]): what was measured in one month, and what the buyer found ([`FindingKind`]).
//! - [`assess`]: one month, one [`Outcome`] per rule with its [`Status`], added up in an
//!   [`Assessment`]; [`assess_months`]: several months, each assessed on its own and summed.
//! - [`format_yuan`]: fen printed as yuan.
//! - [`SatisfactionTerms`]: the satisfaction target (满意度) a contract sets, whether it includes
//!   the figure (≥) or not (超过), how ticket ratings and surveys [`Combine`], the survey's aspects.
//!
//! ## Contract deductions (违约金) as data
//!
//! A [`Contract`] has a price and a list of [`Rule`]s taken from its 违约责任 clauses and annexes.
//! Given a month's measured [`Metrics`], [`assess`] says for each rule whether it fired, the
//! evidence (ticket numbers, system codes, the measured mean, the findings), and the amount; the
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
//!   004 contract: "本合同总价款百分之零点一（0.1%）". Every shipped rule is on one of these two.
//! - [`Amount::Fee`] (`of = "fee"`): per cent of the yearly fees ([`Metrics::fees`], the
//!   catalogue's `fee_fen`) of the systems each occurrence concerns, for a contract whose price is
//!   the sum of per-system fees, so that a breach on a small system is not charged on the whole
//!   price. A late clock or a finding concerns its ticket's system
//!   ([`Metrics::ticket_systems`]), an outage or availability figure its system; an average or a
//!   finding about the month concerns every system covered. Per occurrence, each occurrence is
//!   charged on its systems' fees (times its days for `delay`); once per month, each system
//!   concerned counts once. A system concerned without a fee makes the rule
//!   [`Status::NotMeasured`] for the month, and the note names it: no fee is invented. Example:
//!   `{of = "fee", pct = 1}`, a late repair on sy-1 (fee ¥120,000.00 a year) → ¥1,200.00.
//!
//! ## Counting: [`Counts`]
//!
//! Each rule says how it counts ([`Rule::counts`]), and the report's label says it
//! ([`Counts::label_zh`] on Chinese pages, [`Counts::label_en`] on English ones):
//!
//! - `per_occurrence` ("每次 / per occurrence"): the amount is multiplied by the occurrences —
//!   late clocks, long outages, systems over a bound, findings, missed inspections, or days for
//!   [`Condition::Delay`]
//!   (000 第十条 2 "每延迟1日 … 0.1%").
//! - `per_month` ("每月一次 / once per month"): the amount is charged once in each assessed month
//!   in which the condition holds (003 附件6 第2项 "造成某服务中断 2 小时以上 30%", a share of the
//!   monthly fee, seed 003 L827).
//!
//! Absent, a rule counts as it did before the field existed: `late`, `delay`, `finding` and
//! `missed_inspection` per occurrence, every other condition per month. The 004 late-arrival clause says no "每次"
//! (seed 004 L28658–28664: "不能及时到达现场进行维护的 … 0.1%"), so a contract that reads it as
//! one charge per month writes `counts = "per_month"`.
//!
//! ## Month by month: [`assess_months`]
//!
//! A quarter is three months: [`assess_months`] assesses each `("2026-10", metrics)` on its own
//! and sums them, so a `per_month` rule that holds in all three charges three times (not once
//! per report). Each [`Outcome::months`] names the months in which it fired or is an exposure,
//! and [`Assessment::months`] gives each month's totals. The rule's and the contract's caps
//! apply per month, because the contracts cap what one assessment (考核) charges and they assess
//! monthly (003 附件7: "每类工作每月考核一次", seed 003 L852).
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
//! One occurrence; the evidence is the mean, e.g. `"mean 22.5 min over 8 clocks"`.
//!
//! **What is averaged.** `kinds` picks the ticket kinds averaged (empty: every kind) and
//! `include_scheduled` whether tickets opened by scheduled duties count (default: no). 003's
//! repair averages ("运维需求平均故障恢复时间", seed 003 L813) are about the needs raised to the
//! vendor (which kinds is a reading: docs/contracts.md), and a few multi-day inspections pooled with them would push every mean out of the bounded bands. The
//! caller gives one [`Average`] per clock, kind ([`Average::kind`]) and source
//! ([`Average::scheduled`]); the rule pools those it covers, and the evidence names them:
//! `kinds = ["fault"]` over 4 faults at 90 min and 2 inspections at 4,000 min gives
//! `"mean 90 min over 4 clocks (fault; scheduled duties left out)"`, which lies in
//! "大于 60 分钟且小于 120 分钟".
//!
//! **Measured, not only clocked.** A ticket's time counts whether or not its policy gave the clock
//! a target ([`Average::untargeted`]): 003 sets one per-ticket deadline, the urgent response
//! (L133–135), yet averages every need's times (L830–833). `targeted_only = true` averages the
//! tickets with a target only: over 1 clocked fault of 40 min and 3 unclocked of 100 min the
//! default mean is 85 min (`"… (fault; scheduled duties left out; tickets without a target
//! measured too)"`), `targeted_only` gives 40.
//!
//! ### `availability`: a system below its availability target
//!
//! 003 附件5 第1项: "所提供的服务可用性低于 99.9%，出现问题并造成重大损失的 100%"; 附件6 第1项:
//! "可用性达不到 99.9%，出现问题但未造成重大损失的 50%".
//!
//! Holds if some system's availability is strictly below `below_pct`; each such system is an
//! occurrence, and the evidence is the systems' codes.
//!
//! ### `late`: each late clock is one occurrence
//!
//! 004 八、4: "不能及时到达现场进行维护的 … 乙方应承担本合同总价款百分之零点一（0.1%）的金额作为违约金；
//! 情节严重的，甲方有权视情况终止合同 … 出现多次（例如两次及以上）无法按约定时间到场维护".
//!
//! Each breached clock of the named clock is one occurrence; the rule fires when there are at
//! least `from_count` (default 1), and per occurrence the amount is multiplied by all of them, not
//! only those past `from_count`. The evidence is the ticket numbers.
//!
//! **情节严重.** From `serious_from` breaches in the month on, the outcome notes that the contract
//! calls it serious and lets the buyer terminate. 004 八-4 情节严重 (2) (seed 004 L28670–28672)
//! counts "多次（例如两次及以上）无法按约定时间到场维护、远程响应明显滞后" *and* asks that it
//! "影响甲方或用户单位正常业务运行": `serious_clocks = ["arrival", "response"]` counts both clocks'
//! breaches (default: the rule's own clock), and `serious_needs = "business_impact"` asks for that
//! finding in the month. One late arrival and one late response without the finding give the note
//! "2 late clocks (arrival, response) reach the count of 情节严重 (2), which also needs a finding:
//! 需认定：影响甲方或用户单位正常业务运行 (business_impact)" and no termination right.
//!
//! ### 以上 includes the number, 超过 does not
//!
//! 民法典 第1259条: "民法所称的'以上'、'以下'、'以内'、'届满'，包括本数；所称的'不满'、'超过'、'以外'，
//! 不包括本数". Bounds on outages come in both forms, and the contract file picks the one its text
//! uses; the notes say which word applies ("at least (以上)", "more than (超过)").
//!
//! ### `outage_longer`: an outage of at least, or longer than, a threshold
//!
//! 003 附件6 第2项 (seed 003 L827): "因所提供的运维服务出现故障，造成某服务中断 2 小时以上 30%".
//!
//! Each outage (an urgent or serious fault's merged impact window, see [`Outage`]) of at least
//! `at_least_minutes` (以上: exactly 120 min counts for `at_least_minutes = 120`) or strictly longer
//! than `over_minutes` (超过: exactly 120 min does not) is one occurrence; give exactly one of the
//! two. Stored contracts' `minutes` is read as `over_minutes`, the strict meaning it always had.
//! The evidence is the tickets behind the long outages.
//!
//! ### `outage_total`: too many or too long outages of one system
//!
//! 003 附件6 第3项 (seed 003 L828): "造成某服务中断 3 次以上或累计 8 小时以上 60%", i.e.
//! `count_at_least = 3, total_minutes_at_least = 480`.
//!
//! Holds if some system had `count_at_least` outages or more, more than `count_over`, at least
//! `total_minutes_at_least` minutes in all, or more than `total_minutes_over`; at least one bound,
//! and per quantity not both forms. Each such system is an occurrence; the evidence is the
//! systems' codes. Exactly 3 outages fire `count_at_least = 3` and not `count_over = 3`.
//!
//! ### `delay`: so much per day of delay
//!
//! 000 第十条 2: "每延迟1日，应向甲方支付本合同项下服务费总额的0.1%违约金，累计延迟超过30日的，
//! 甲方有权解除本合同 … 出现延迟不足1日的，按1日计算".
//!
//! Each breached clock of the named clock is late by ⌈overdue wall time / 24 h⌉ days: a part-day
//! counts as a whole day, exactly 24 h is 1 day and 24 h + 1 ms is 2. The amount is per day,
//! multiplied by the days summed over all such clocks. If `terminate_after_days` is set and the
//! month's fired days exceed it (累计延迟超过 30 日), a note says the buyer may terminate. The
//! evidence is the ticket numbers.
//!
//! ### `finding`: what the buyer found
//!
//! 004 八-1 (seed 004 L28611–28615): "违反本合同所规定的保密义务的 … 另行支付本合同总价款百分之零点一
//! （0.1%）的金额作为违约金" is `{metric = "finding", kind = "confidentiality_breach"}`; 八-2 wage
//! arrears, 八-3 external sanctions, 八-6 a refused handover and 八-7 a refused rectification
//! likewise. Each [`Finding`] of the kind in the month is one occurrence; the evidence is the
//! findings with their tickets (`"F-12 (INC-2026-000017)"`). For
//! [`FindingKind::UnattendedSite`], `above_minutes`/`below_minutes` bound the finding's
//! [`Finding::minutes`] strictly, as 003 附件5 第8项 says (seed 003 L815: "现场无人值守超过大于 1
//! 小时且小于 2 小时"): 60 and 120 minutes are both outside `above_minutes = 60, below_minutes =
//! 120`, 90 is inside. A finding the buyer marked [`Finding::serious`] is noted (情节严重).
//!
//! A `finding` rule may also need a second finding (`needs`, as below): 003 附件5-3 "在安全监管部门
//! 已发出整改通知后未正确处置，出现问题并造成重大事故" (seed 003 L810) is `{metric = "finding", kind =
//! "rectification_mishandled", needs = "major_impact"}` and 附件6-4 (L829) the same with
//! `needs = "no_major_impact"`, so one `rectification_mishandled` finding fires exactly one of the
//! two rows, and neither until the impact is found. `except_late = "repair"` leaves out a finding
//! that covers a late repair of the month, because the rule on that clock charges it: 004 八-4's
//! `8-4-capability` and `8-4-repair` are two facts of one clause with one 0.1 % (seed 004
//! L28658–28664), and a capability finding on a late repair's ticket is charged once, by
//! `8-4-repair`; the outcome's notes say so (`"F-4: charged by the late-repair rule
//! (INC-2026-000006), not again here"`).
//!
//! ### `missed_inspection`: each missed inspection is one occurrence
//!
//! The contracts ask for regular inspections (巡检: seed 004 L28450–28452 "乙方应进行定期的项目巡检
//! 工作"), and the server lists each inspection a period owed that nobody recorded by its due
//! instant ([`Metrics::missed_inspections`], [`MissedInspection`]). No seed contract prices a
//! missed inspection by itself (004 八, L28609–28717, names none), so no shipped rule uses this;
//! a contract whose text does writes `{metric = "missed_inspection"}`.
//!
//! Counted as `late` counts late clocks: each missed inspection of the month is one occurrence,
//! the rule fires from `from_count` (default 1) and per occurrence the amount is multiplied by
//! all of them. The evidence is each inspection as `system period n/times`
//! (`"sy-054 2026-11 1/2"`); under [`Amount::Fee`] each is charged on its system's fee. With
//! `needs`, a finding of the kind in the month decides (a missed inspection has no ticket).
//! Example: `{metric = "missed_inspection", from_count = 2}`, `{of = "price", pct = 0.1}`, a
//! 5,000,000.00 yuan price: one missed inspection owes nothing ("1 missed inspection; the rule
//! fires from 2"), three owe 3 × ¥5,000.00 = ¥15,000.00.
//!
//! ### `manual`: what opsclock does not measure
//!
//! 003 附件5 第10项 "连续 3 个月考核得分低于 60 分" (seed 003 L817): the rule is listed so the
//! report is complete, and is always [`Status::NotMeasured`].
//!
//! ## Findings: `finding` and `needs`
//!
//! Some rules need a fact only the buyer can establish: how bad the consequences were (003
//! 附件5 "造成重大事故", 附件6 "出现问题但未造成重大影响"), the cause (004 八-4
//! "出现因工作服务能力不足导致故障不能及时排除", seed 004 L28660–28662). A buyer-side manager
//! records it as a [`Finding`] on a ticket or on the month, and the caller passes the month's
//! findings that are not withdrawn in [`Metrics::findings`].
//!
//! Every metric condition takes `needs = "<finding kind>"`. For conditions whose occurrences have
//! tickets (`late`, `delay`, `outage_longer`, `outage_total`) an occurrence counts only if one of
//! its tickets has a finding of that kind, or a finding of that kind about the month exists; for
//! `average_time`, `availability` and `missed_inspection` any finding of the kind in the month
//! decides. Occurrences
//! that hold on the metric but wait on the finding are an *exposure* whose note names it:
//! `late, clock = "repair", needs = "insufficient_capability"` with one late repair and no finding
//! is an exposure noted "需认定：因工作服务能力不足 (insufficient_capability)"; with a finding
//! `F-7` on that ticket it fires, the evidence `["INC-1", "F-7 (INC-1)"]`. When some occurrences
//! fired and others still wait, the outcome is fired and [`Outcome::pending`] holds the rest.
//!
//! `impact` (kept because contracts are stored as JSON) means `needs`: `"major"` is
//! `major_impact`, `"no_major"` is `no_major_impact`. The two exclude each other (003 附件5 注1,
//! seed 003 L819, makes 重大影响 and 重大事故 one thing): a `no_major_impact` rule does not count an
//! occurrence covered by a `major_impact` finding, and vice versa, and the note says why.
//!
//! ## Memos: [`Status::Exposure`]
//!
//! A rule with [`Rule::memo`] set is one the contract leaves to a memo (管理备忘录: the 004
//! contract's "对运行维护质量未达要求的，按管理备忘录和相应处理规则处理"): it never fires, whatever
//! the findings. An exposure's amount is computed, noted and summed into
//! [`Assessment::exposure_fen`], but not into [`Assessment::total_fen`].
//!
//! ## Caps
//!
//! [`Rule::cap_pct_of_price`] caps one outcome's amount (fired, and fired plus pending) in a month;
//! [`Contract::cap_pct_of_price`] caps a month's total of fired amounts. Both are per cent of the
//! total price.
//!
//! ## Consortium
//!
//! [`Contract::members`] lists more vendors that share the one fee (000: "联合体各方共同与采购人签订
//! 合同", seed 000 L1148, and the four members' shares at L1165–1172): the caller counts their
//! tickets as the contract's.
//!
//! ## Scope
//!
//! When [`Contract::systems`] is not empty, availability figures, outages and missed inspections
//! of other systems are ignored. Averages and late clocks carry no system: the caller builds them from the contract's
//! tickets.
//!
//! ## Notes in two languages: [`Outcome::notes`] and [`Outcome::notes_zh`]
//!
//! Every note is written twice. [`Outcome::notes`] and [`Assessment::notes`] are in English, as
//! the API has always given them; [`Outcome::notes_zh`] and [`Assessment::notes_zh`] say the same
//! in the contracts' own Chinese (扣款, 超时, 到场, 修复, 认定, 人工评定, 日, 次), for the Chinese
//! pages and the exports. The two lists have the same length and order: `notes_zh[i]` says what
//! `notes[i]` says, with the same figures, and names only codes (rule ids, ticket numbers, system
//! codes, finding ids) in Latin letters; a finding kind is named by its label, not its key
//! ([`FindingKind::needed_note_zh`]). [`Outcome::evidence_zh`] and [`Pending::evidence_zh`] are
//! the evidence as Chinese pages show it: codes as they are, the mean as "8 个计时平均 42.5 分钟",
//! a finding about the month as "F-3（本月）". How a rule counts reads [`Counts::label_zh`] ("每次",
//! "每月一次") on a Chinese page and [`Counts::label_en`] on an English one. Over several months
//! ([`assess_months`]) each note starts with its month in both lists ("2026-11：…", "2026-11: …").
//!
//! ```
//! use contract_terms::{Contract, Metrics, Status, assess};
//!
//! // 004 八-4: late arrivals, left to a memo, serious (情节严重) from the second.
//! let contract: Contract = serde_json::from_value(serde_json::json!({
//!     "code": "004", "name": "顺义统一运维", "vendor": "v-004",
//!     "price_fen": 500_000_000, "months": 12,
//!     "rules": [{"id": "8-4", "label": "不能及时到达现场进行维护的", "memo": true,
//!                "when": {"metric": "late", "clock": "arrival", "serious_from": 2},
//!                "amount": {"of": "price", "pct": 0.1}},
//!               {"id": "8-5", "label": "连续 3 个月考核得分低于 60 分", "when": {"metric": "manual"},
//!                "amount": {"of": "price", "pct": 0.1}}]
//! })).unwrap();
//! let metrics: Metrics = serde_json::from_value(serde_json::json!({
//!     "late": [{"clock": "arrival", "ticket": "INC-2026-000001", "overdue_wall_ms": 3_600_000},
//!              {"clock": "arrival", "ticket": "INC-2026-000002", "overdue_wall_ms": 7_200_000}]
//! })).unwrap();
//!
//! let a = assess(&contract, &metrics);
//! let o = &a.outcomes[0];
//! assert_eq!(o.status, Status::Exposure);
//! assert_eq!(o.notes, [
//!     "2 late arrivals",
//!     "the contract leaves this deduction to a memo (管理备忘录)",
//!     "2 late arrivals: from 2 the contract calls it serious (情节严重); the buyer may terminate",
//! ]);
//! assert_eq!(o.notes_zh, [
//!     "2 次到场超时",
//!     "合同规定此项扣款按管理备忘录处理",
//!     "2 次到场超时：合同规定满 2 次即属情节严重，甲方有权终止合同",
//! ]);
//! assert_eq!(a.outcomes[1].notes_zh, ["本系统不计量此项，需人工评定"]);
//! assert_eq!(a.notes, ["the buyer may terminate the contract: 8-4", "not measured, assess by hand: 8-5"]);
//! assert_eq!(a.notes_zh, ["甲方有权解除（终止）合同：8-4", "未计量，需人工评定：8-5"]);
//! assert_eq!(o.counts.label_zh(), "每次");
//! ```
//!
//! ## Known readings
//!
//! - 003 附件6's table header gives the base as "某业务系统云服务费 / 服务月数" while its note says
//!   "服务合同总金额 / 服务月数"; [`Amount::MonthlyFee`] follows the note.

mod assess;
mod clauses;
mod decide;
mod evaluate;
mod fees;
mod findings;
mod metrics;
mod money;
mod months;
mod reporting;
mod satisfaction;
mod text;
mod validate;

#[cfg(test)]
mod tests;

pub use assess::{Assessment, MonthTotal, Outcome, Pending, Status, assess};
pub use clauses::{Amount, Condition, Contract, Counts, Impact, Rule};
pub use findings::{Finding, FindingKind, UnknownFindingKind};
pub use metrics::{Availability, Average, Late, Metrics, MissedInspection, Outage, SystemFee};
pub use money::format_yuan;
pub use months::assess_months;
pub use reporting::{ReportDuty, ReportEvery};
pub use satisfaction::{Combine, DEFAULT_ASPECTS, SatisfactionTerms};
pub use validate::DeductionError;
