//! # scorecard
//!
//! A contract's assessment scheme (考核方案) as data, and what the scores decide: each month
//! scored item by item and aspect by aspect, the months below the pass mark with their
//! consequences, the year's mean and grade.
//!
//! In every seed contract the money decision is an assessment (issue 27). 003's 附件7 scores two
//! kinds of work each month out of 100; a month below 60 costs 40 % of the monthly fee (附件6
//! 第11项), three in a row 100 % (附件5 第10项) and the right to terminate (第十四条(五)), a failing
//! year a share of the contract total. This crate holds the scheme and takes those decisions; the
//! server stores the entries and multiplies the percentages by the fees.
//!
//! The crate is pure: no I/O, no async, no database. The same scheme and entries give the same
//! scores and decisions on every machine.
//!
//! - [`Scheme`] ([`Category`], [`Item`], [`Aspect`]): the scheme as a TOML file writes it;
//!   [`Scheme::from_toml`] parses and checks it, [`Scheme::problems`] names each problem by its
//!   field.
//! - [`Entries`] → [`score_month`] → [`Month`] ([`CategoryScore`], [`ItemScore`],
//!   [`AspectScore`]): one month.
//! - [`assess_year`] → [`Year`] ([`MonthOutcome`], [`Decision`], [`YearFail`]): the months'
//!   consequences, the year's mean and [`Grade`].
//! - [`Dec2`] (two decimals, exact) and [`Score`] (an exact fraction): the arithmetic.
//!
//! ## A scheme
//!
//! A scheme has categories (类: 003's 应用系统运维 and 信息化基础运维), each with a stated full
//! score and items (工作项), each worth some points. Each item is assessed on aspects, each taking
//! a share of the item's points by weight; an item lists its own aspects or takes the scheme's.
//! 003 (seed L852–904): "每类工作每月考核一次，满分 100 分"; "企业一体化申报运维：满分 10 分，其中完成
//! 时效占 30%，完成质量占 50%，文档记录情况占 20%".
//!
//! [`Scheme::from_toml`] refuses a scheme whose aspects' weights do not add up to 100 %, whose
//! category's items do not add up to its stated full score, with duplicate ids (categories
//! among themselves, items across the whole scheme, aspects within a list, rules among
//! themselves), empty names, or a weight that does not share an item's points into whole
//! hundredths. Every problem is listed, each with its place:
//!
//! ```
//! let err = scorecard::Scheme::from_toml(r#"
//!     code = "x"
//!     name = "x"
//!     aspects = [{ id = "t", name = "完成时效", weight_pct = 30 }, { id = "q", name = "完成质量", weight_pct = 70 }]
//!     [[categories]]
//!     id = "infra"
//!     name = "信息化基础运维"
//!     full = 100
//!     items = [{ id = "i1", name = "灾备环境", points = 93 }, { id = "i1", name = "", points = 7 }]
//! "#).unwrap_err();
//! assert_eq!(err.to_string(), "categories[0].items[1].id: \"i1\" is also the id of categories[0].items[0]; \
//!     categories[0].items[1].name: must not be empty");
//! ```
//!
//! ## Scoring a month: [`score_month`]
//!
//! The assessor gives points per item and aspect ([`Entries`]). An aspect's maximum is the item's
//! points × its weight: 7 × 30 % = 2.10. Each given value must lie between 0 and that maximum,
//! both included; a missing item or aspect, an unknown one, a negative value or one above the
//! maximum is refused, all problems at once. An item's subtotal (小计) is the sum of its aspects,
//! a category's total (总得分) the sum of its items'.
//!
//! **Exact arithmetic.** Points are [`Dec2`]: whole hundredths, so sums are exact and a value with
//! a third decimal is refused, not rounded. The month's score and the year's mean are [`Score`]s,
//! exact fractions: the mean of 80.01 and 80.00 is kept as 80.005. Every decision (below 60, the
//! grade) is taken on the exact value; the contract does not say how to round, so nothing is
//! rounded before deciding, and [`Score::rounded`] (and `Display`) rounds half up to hundredths
//! for display only: a mean of 59.995 prints as 60.00 and is still below 60.
//!
//! ### The month's one score: [`MonthScore`]
//!
//! 003 scores each kind of work on its own out of 100 but speaks of one "月考核得分". Which one is a
//! reading; the scheme says it:
//!
//! - `"lowest_category"` (**the default**): the lowest category's total. 003 L844 "2 类，每类分别进行
//!   考核" and L852 "每类工作每月考核一次，满分 100 分": each class's 总得分 (表 1, L935 and L970: one
//!   per class, no combined total) is a monthly assessment score of its own, so a class below 60
//!   is "月考核得分低于 60 分" (附件6 第11项, L836) whatever the other class scored. Applications at
//!   100 and infrastructure at 30 make a month of 30.
//! - `"mean_of_categories"`: the mean of the totals, exactly (that month would be 65, passing).
//! - `{ category = "app" }`: one category's total; assess the year once per category to decide
//!   each on its own.
//!
//! ```
//! use scorecard::{Entries, MonthScore, Scheme, Score, score_month};
//! let mut scheme = Scheme::from_toml(include_str!("../../../config/schemes/003-sme-platform.toml")).unwrap();
//! let mut month = Entries::full_marks(&scheme);
//! for item in ["i01", "i02", "i03"] { // 基础软件日常巡检与监控 7, 故障处理与恢复 8, 资源监控与优化 7
//!     for aspect in ["timeliness", "quality", "documentation"] {
//!         month.set(item, aspect, Default::default());
//!     }
//! }
//! assert_eq!(score_month(&scheme, &month).unwrap().score, Score::whole(78)); // infrastructure 100 − 22
//! scheme.month_score = MonthScore::MeanOfCategories;
//! assert_eq!(score_month(&scheme, &month).unwrap().score, Score::whole(89)); // (100 + 78) / 2
//! ```
//!
//! ## Decisions from months: [`Decisions`]
//!
//! A month is failing when its score is **strictly below** [`Decisions::below`] (60): "低于" does not
//! include the number (民法典 第一千二百五十九条 makes only 以上, 以下, 以内, 届满 include it), so a
//! month of exactly 60.00 passes and one of 59.99 fails ([`Scheme::is_below`]).
//!
//! - Each failing month fires every [`MonthRule`]: 003 附件6 第11项 (L836) "月考核得分低于 60 分的
//!   40%", a [`Charge`] of 40 % of [`Base::MonthlyFee`] (附件6 注, L838: "违约金=服务合同总金额/服务
//!   月数*违约金取费比例").
//! - `months` failing months in a row fire a [`RunRule`]: 第十四条(五) (L231) "经甲方考核连续 3 个月
//!   考核得分低于 60 分的，甲方有权终止合同" (`terminate = true`), and 附件5 第10项 (L817) "连续 3 个月
//!   考核得分低于 60 分的 100%" (100 % of the monthly fee). A run longer than `months` counts by
//!   [`Repeat`]: by default at each full run (the 3rd, 6th, 9th failing month in a row), or
//!   `"once_per_run"`.
//! - The third month of a run fires both 附件6 第11项 (that month is below 60) and 附件5 第10项 (the
//!   run): two clauses, two charges; a reader who takes 附件5's row to replace 附件6's for that
//!   month removes the month rule's charge by hand.
//!
//! Money stays out: a decision carries a percentage and a named base; the server multiplies.
//!
//! ```
//! use scorecard::{Scheme, Score, assess_year};
//! let scheme = Scheme::from_toml(include_str!("../../../config/schemes/003-sme-platform.toml")).unwrap();
//! let months: Vec<_> = [("2026-04", 59), ("2026-05", 58), ("2026-06", 40)]
//!     .iter()
//!     .map(|(m, s)| (m.parse().unwrap(), Some(Score::whole(*s))))
//!     .collect();
//! let year = assess_year(&scheme, &months).unwrap();
//! let rules: Vec<_> = year.decisions.iter().map(|d| (d.month.to_string(), d.rule.as_str())).collect();
//! assert_eq!(rules, [
//!     ("2026-04".into(), "a6-11"), ("2026-05".into(), "a6-11"), ("2026-06".into(), "a6-11"),
//!     ("2026-06".into(), "14-5-terminate"), ("2026-06".into(), "a5-10"),
//! ]);
//! assert_eq!(year.terminate_from.unwrap().to_string(), "2026-06");
//! ```
//!
//! ## The year: [`assess_year`], [`YearRules`]
//!
//! 003 L906: "全年各月分数平均值即为当年运维评价得分，90 分以上为优秀，80 分到 90 分为良好，60 分到 80 分
//! 为及格，60 分以下为不及格".
//!
//! **Months not assessed** ([`Missing`]): the months are given in order without gaps, a month not
//! assessed as `None`. By default (`"skip"`) the year is the mean of the months assessed, and a
//! missing month breaks a run of failing months (it is not "低于 60 分"); `"zero"` counts it as 0
//! everywhere. Either way [`Year::missing`] lists it.
//!
//! **Grades at the boundaries** ([`Boundary`]). Under 民法典 第一千二百五十九条 "以上" and "以下"
//! include the number, and "90 分到 …" names 90 as well: read literally, 90 is both 优秀 and 良好,
//! 80 both 良好 and 及格, 60 both 及格 and 不及格. The default, `"lower_inclusive"`, puts a boundary
//! in the band it starts: 90 优秀, 80 良好, 60 及格, because "60 分到 80 分为及格" names 60 as the pass
//! band's start and the contract fails a month only "低于 60 分" (L231, L836), so 60 passing keeps
//! the year's grade in line with the month's rule. `"upper_inclusive"` gives 90 良好, 80 及格, 60
//! 不及格. Decided on the exact mean: 89.995 is 良好, though it prints 90.00.
//!
//! | year's score | 59.99 | 60 | 79.99 | 80 | 89.99 | 90 | 100 |
//! |---|---|---|---|---|---|---|---|
//! | `lower_inclusive` (default) | 不及格 | 及格 | 及格 | 良好 | 良好 | 优秀 | 优秀 |
//! | `upper_inclusive` | 不及格 | 不及格 | 及格 | 及格 | 良好 | 良好 | 优秀 |
//!
//! **A failing year** ([`YearCharge`]): L231 "经甲方年度考核不合格，按照扣分比例乘以合同总额计算违约金".
//! 不合格 is read as the grade marked `fail` (不及格), and 扣分比例 as the points deducted from the full
//! score: a year of 55 is 45 % of the contract total ([`Year::fail`]).
//!
//! ```
//! use scorecard::{Scheme, Score, assess_year};
//! let scheme = Scheme::from_toml(include_str!("../../../config/schemes/003-sme-platform.toml")).unwrap();
//! let months = [("2026-01".parse().unwrap(), Some(Score::whole(50))), ("2026-02".parse().unwrap(), Some(Score::whole(60)))];
//! let year = assess_year(&scheme, &months).unwrap();
//! assert_eq!(year.grade.as_ref().unwrap().name, "不及格"); // 55
//! assert_eq!(year.fail.unwrap().pct, Score::whole(45));
//! ```

mod dec;
pub mod lifecycle;
mod month;
mod scheme;
mod validate;
mod year;

pub use dec::{Dec2, ParseDec2Error, Score};
pub use month::{
    AspectScore, CategoryScore, Entries, EntryError, EntryProblem, EntryProblemKind, ItemScore, Month, score_month,
};
pub use scheme::{
    Aspect, Base, Boundary, Category, Charge, Decisions, Grade, Item, Missing, MonthRule, MonthScore, Repeat, RunRule,
    Scheme, YearCharge, YearRules,
};
pub use validate::SchemeError;
pub use year::{Decision, MonthOutcome, ParseYearMonthError, Year, YearError, YearFail, YearMonth, assess_year};
