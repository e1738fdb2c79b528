//! The scheme as a file writes it: [`Scheme`], its [`Category`]s, [`Item`]s and [`Aspect`]s, how a
//! month's score is taken ([`MonthScore`]), what follows from a month below the pass mark
//! ([`Decisions`]) and how the year is graded ([`YearRules`]).

use serde::{Deserialize, Serialize};

use crate::dec::{Dec2, Score};

/// An assessment scheme (考核方案): what is scored each month, out of how many points, and what
/// follows from the scores. Load it with [`Scheme::from_toml`], which checks it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    /// A short code, e.g. `003-sme-platform`.
    pub code: String,
    /// The scheme's title as the contract writes it.
    pub name: String,
    /// How the month's one score is taken from the categories' totals.
    #[serde(default)]
    pub month_score: MonthScore,
    /// The aspects of every item that does not list its own.
    #[serde(default)]
    pub aspects: Vec<Aspect>,
    /// The kinds of work, each scored on its own.
    pub categories: Vec<Category>,
    /// What follows from a month's score.
    #[serde(default)]
    pub decisions: Decisions,
    /// How the months make the year.
    #[serde(default)]
    pub year: YearRules,
}

/// One kind of work (类), scored each month out of `full` points.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Unique in the scheme.
    pub id: String,
    /// As the contract writes it.
    pub name: String,
    /// The stated full score ("满分 100 分"); the items' points must add up to it.
    pub full: Dec2,
    /// The items (工作项).
    pub items: Vec<Item>,
}

/// One item of work (工作项), worth `points`, shared among its aspects by weight.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Unique in the whole scheme: entries name items by it.
    pub id: String,
    /// As the contract writes it.
    pub name: String,
    /// The item's full points ("满分 7 分").
    pub points: Dec2,
    /// The item's own aspects; absent, the scheme's [`Scheme::aspects`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspects: Option<Vec<Aspect>>,
}

/// One aspect an item is assessed on (完成时效, 完成质量, 文档记录), with its share of the item's
/// points.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aspect {
    /// Unique among the item's aspects.
    pub id: String,
    /// As the contract writes it.
    pub name: String,
    /// The share in per cent ("占 30%" is `30`); an item's aspects add up to 100.
    pub weight_pct: Dec2,
}

impl Aspect {
    /// The aspect's maximum for an item of `points`: points × weight / 100, in hundredths;
    /// `None` if that is not a whole number of hundredths (the scheme's check refuses it).
    pub fn max(&self, points: Dec2) -> Option<Dec2> {
        let p = i128::from(points.hundredths()) * i128::from(self.weight_pct.hundredths());
        (p % 10_000 == 0)
            .then(|| i64::try_from(p / 10_000).ok())
            .flatten()
            .map(Dec2::from_hundredths)
    }
}

/// How a month's one score is taken from its categories' totals.
///
/// In TOML: `month_score = "lowest_category"`, `"mean_of_categories"`, or
/// `month_score = { category = "app" }`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonthScore {
    /// The lowest category's total: a month is below the pass mark when any kind of work is.
    #[default]
    LowestCategory,
    /// The mean of the categories' totals, exactly.
    MeanOfCategories,
    /// One category's total; decide each category on its own by assessing the year once per
    /// category.
    Category(String),
}

/// What a month's score decides: the pass mark, and what follows from a month below it and from
/// a run of such months.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decisions {
    /// A month whose score is strictly below this is a failing month ("低于 60 分": 60 itself
    /// passes).
    #[serde(default = "sixty")]
    pub below: Dec2,
    /// What follows from each failing month.
    #[serde(default)]
    pub month: Vec<MonthRule>,
    /// What follows from consecutive failing months.
    #[serde(default)]
    pub runs: Vec<RunRule>,
}

fn sixty() -> Dec2 {
    Dec2::whole(60)
}

impl Default for Decisions {
    fn default() -> Decisions {
        Decisions {
            below: sixty(),
            month: Vec::new(),
            runs: Vec::new(),
        }
    }
}

/// A consequence of each failing month (003 附件6 第11项 "月考核得分低于 60 分的 40%").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthRule {
    /// Unique among the scheme's rules (e.g. the contract-terms rule id `a6-11`).
    pub id: String,
    /// The clause, quoted with its line.
    pub source: String,
    /// The money, as a share of a named base.
    pub charge: Charge,
}

/// A consequence of `months` consecutive failing months (003 附件5 第10项 "连续 3 个月考核得分低于
/// 60 分的 100%", 第十四条(五) "甲方有权终止合同").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRule {
    /// Unique among the scheme's rules.
    pub id: String,
    /// The clause, quoted with its line.
    pub source: String,
    /// How many consecutive failing months.
    pub months: u32,
    /// Whether the buyer may then terminate the contract.
    #[serde(default)]
    pub terminate: bool,
    /// The money, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge: Option<Charge>,
    /// How a longer run counts.
    #[serde(default)]
    pub repeat: Repeat,
}

/// How a run longer than [`RunRule::months`] counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Repeat {
    /// At each full `months` of one run: for 3, at its 3rd, 6th, 9th … month.
    #[default]
    EachFullRun,
    /// Once, at the run's `months`-th month, however long it goes on.
    OncePerRun,
}

/// Money as a share of a named base; the server multiplies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Charge {
    /// Per cent of the base: `40` is 40 %.
    pub pct: Dec2,
    /// What the percentage is of.
    pub base: Base,
}

/// What a [`Charge`]'s percentage is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Base {
    /// The monthly fee, the total price / the months of service (003 附件5 注2, 附件6 注:
    /// "违约金=服务合同总金额/服务月数*比例").
    MonthlyFee,
    /// The total price of the contract ("合同总额").
    ContractTotal,
}

/// How the months make the year's score and grade.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearRules {
    /// What a month not assessed counts as.
    #[serde(default)]
    pub missing: Missing,
    /// Which band a score on a boundary falls in.
    #[serde(default)]
    pub boundary: Boundary,
    /// The grades, best first, each from its lower bound.
    #[serde(default)]
    pub grades: Vec<Grade>,
    /// The charge when the year's grade is a failing one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail: Option<YearCharge>,
}

/// What a month not assessed counts as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// Left out: the year is the mean of the months assessed, and a missing month breaks a run of
    /// failing months. The year lists it ([`crate::Year::missing`]).
    #[default]
    Skip,
    /// Counted as a score of 0 everywhere: in the mean, and as a failing month.
    Zero,
}

/// Which band a score exactly on a boundary falls in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Boundary {
    /// Each band includes its lower bound: 90 is 优秀, 80 良好, 60 及格.
    #[default]
    LowerInclusive,
    /// Each band includes its upper bound: 90 is 良好, 80 及格, 60 不及格 (the lowest band also
    /// includes its lower bound, 0).
    UpperInclusive,
}

/// A grade band: scores from `from` up to the next better band's bound.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grade {
    /// As the contract writes it (优秀, 良好, 及格, 不及格).
    pub name: String,
    /// The band's lower bound.
    pub from: Dec2,
    /// Whether the grade fails the year ("年度考核不合格").
    #[serde(default)]
    pub fail: bool,
}

/// The charge for a failing year: the deducted share of the full score, per cent of a base
/// (003 第十四条(五) "按照扣分比例乘以合同总额计算违约金").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearCharge {
    /// Unique among the scheme's rules.
    pub id: String,
    /// The clause, quoted with its line.
    pub source: String,
    /// What the deducted share is of.
    pub base: Base,
}

impl Scheme {
    /// Every item, with its category, in order.
    pub fn items(&self) -> impl Iterator<Item = (&Category, &Item)> {
        self.categories.iter().flat_map(|c| c.items.iter().map(move |i| (c, i)))
    }

    /// The aspects of `item`: its own, or the scheme's.
    pub fn aspects_of<'a>(&'a self, item: &'a Item) -> &'a [Aspect] {
        item.aspects.as_deref().unwrap_or(&self.aspects)
    }

    /// The full score of the month's one score: the named category's, or the categories'
    /// common full score (the check makes them equal). 100 for 003.
    pub fn full(&self) -> Dec2 {
        match &self.month_score {
            MonthScore::Category(id) => self.categories.iter().find(|c| &c.id == id),
            _ => self.categories.first(),
        }
        .map_or(Dec2::ZERO, |c| c.full)
    }

    /// Whether a month's score is below the pass mark: strictly ("低于").
    ///
    /// ```
    /// # use scorecard::{Scheme, Score, Dec2};
    /// # let scheme = Scheme::from_toml(include_str!("../../../config/schemes/003-sme-platform.toml")).unwrap();
    /// assert!(scheme.is_below(Score::from(Dec2::from_hundredths(5999))));
    /// assert!(!scheme.is_below(Score::whole(60)));
    /// ```
    pub fn is_below(&self, score: Score) -> bool {
        score < Score::from(self.decisions.below)
    }

    /// The grade of a year's score, by [`YearRules::boundary`]; `None` without grades.
    ///
    /// ```
    /// # use scorecard::{Scheme, Score, Dec2};
    /// # let scheme = Scheme::from_toml(include_str!("../../../config/schemes/003-sme-platform.toml")).unwrap();
    /// let g = |h| scheme.grade(Score::from(Dec2::from_hundredths(h))).unwrap().name.as_str();
    /// assert_eq!(g(9000), "优秀");
    /// assert_eq!(g(8999), "良好");
    /// assert_eq!(g(6000), "及格");
    /// assert_eq!(g(5999), "不及格");
    /// ```
    pub fn grade(&self, score: Score) -> Option<&Grade> {
        let grades = &self.year.grades;
        let hit = match self.year.boundary {
            Boundary::LowerInclusive => grades.iter().find(|g| score >= Score::from(g.from)),
            Boundary::UpperInclusive => grades.iter().find(|g| score > Score::from(g.from)),
        };
        hit.or_else(|| grades.last())
    }
}
