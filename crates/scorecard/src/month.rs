//! Scoring one month: [`Entries`] (the points given per item and aspect) in, [`Month`] (every
//! aspect, item subtotal, category total and the month's score) out, by [`score_month`].

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::dec::{Dec2, Score};
use crate::scheme::{MonthScore, Scheme};

/// The points given in one month: item id → aspect id → points.
///
/// In TOML (or JSON) a table of tables, as an assessor's sheet could be kept:
///
/// ```
/// let e: scorecard::Entries = toml::from_str(r#"
///     a01 = { timeliness = 3, quality = 4.5, documentation = "1.75" }
/// "#).unwrap();
/// assert_eq!(e.0["a01"]["documentation"].hundredths(), 175);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Entries(pub BTreeMap<String, BTreeMap<String, Dec2>>);

impl Entries {
    /// No entries.
    pub fn new() -> Entries {
        Entries::default()
    }

    /// Sets the points given to one aspect of one item.
    pub fn set(&mut self, item: &str, aspect: &str, given: Dec2) -> &mut Entries {
        self.0
            .entry(item.to_owned())
            .or_default()
            .insert(aspect.to_owned(), given);
        self
    }

    /// Every aspect of every item at its maximum: a perfect month.
    pub fn full_marks(scheme: &Scheme) -> Entries {
        let mut e = Entries::new();
        for (_, item) in scheme.items() {
            for a in scheme.aspects_of(item) {
                e.set(&item.id, &a.id, a.max(item.points).unwrap_or(Dec2::ZERO));
            }
        }
        e
    }
}

/// A month's entries cannot be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    /// Each problem names the item and aspect (`a01.t: 3.10 is above the maximum 3.00`).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<EntryProblem>),
}

impl EntryError {
    /// Every problem, in the scheme's order (unknown items first).
    pub fn problems(&self) -> &[EntryProblem] {
        match self {
            EntryError::Invalid(p) => p,
        }
    }

    /// The problems in Chinese, as an assessor's sheet names them (`企业一体化申报运维·完成时效：
    /// 3.10 超过该方面满分 3.00`), joined by `；`.
    ///
    /// ```
    /// use scorecard::{Dec2, Entries, Scheme, score_month};
    /// let scheme = Scheme::from_toml(include_str!("../../../config/schemes/003-sme-platform.toml")).unwrap();
    /// let mut month = Entries::full_marks(&scheme);
    /// month.set("a01", "timeliness", Dec2::from_hundredths(310));
    /// month.0.remove("a02");
    /// let err = score_month(&scheme, &month).unwrap_err();
    /// assert_eq!(err.zh(), "企业一体化申报运维·完成时效：3.10 超过该方面满分 3.00；重点企业特训营管理运维：未评分");
    /// assert_eq!(err.problems()[0].place(), "a01.timeliness");
    /// ```
    pub fn zh(&self) -> String {
        self.problems()
            .iter()
            .map(EntryProblem::zh)
            .collect::<Vec<_>>()
            .join("；")
    }
}

/// What is wrong with one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryProblemKind {
    /// The scheme has no item with this id.
    UnknownItem,
    /// The item has no aspect with this id.
    UnknownAspect,
    /// The item is not scored at all.
    MissingItem,
    /// One aspect of the item is not scored.
    MissingAspect,
    /// The points given are below zero.
    Negative(Dec2),
    /// The points given are above the aspect's maximum.
    AboveMax {
        /// The points given.
        given: Dec2,
        /// The aspect's maximum.
        max: Dec2,
    },
}

/// One problem with a month's entries: which item and aspect, named as the scheme names them,
/// and what is wrong. `Display` says it in English (`a01.timeliness: 3.10 is above the aspect's
/// maximum 3.00`), [`EntryProblem::zh`] in Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryProblem {
    /// The item's id.
    pub item: String,
    /// The aspect's id, when the problem is one aspect's.
    pub aspect: Option<String>,
    /// The item's name (its id when the scheme does not know it).
    pub item_name: String,
    /// The aspect's name (its id when the item does not know it).
    pub aspect_name: Option<String>,
    /// What is wrong.
    pub kind: EntryProblemKind,
}

impl EntryProblem {
    /// `item` or `item.aspect`.
    pub fn place(&self) -> String {
        match &self.aspect {
            Some(a) => format!("{}.{a}", self.item),
            None => self.item.clone(),
        }
    }

    /// The problem in Chinese.
    pub fn zh(&self) -> String {
        let what = match &self.aspect_name {
            Some(a) => format!("{}·{a}", self.item_name),
            None => self.item_name.clone(),
        };
        match self.kind {
            EntryProblemKind::UnknownItem => format!("考核方案中没有考核项 {}", self.item),
            EntryProblemKind::UnknownAspect => format!(
                "{}：没有考核方面 {}",
                self.item_name,
                self.aspect.as_deref().unwrap_or("")
            ),
            EntryProblemKind::MissingItem => format!("{what}：未评分"),
            EntryProblemKind::MissingAspect => format!("{what}：未填写"),
            EntryProblemKind::Negative(g) => format!("{what}：{g} 不能为负数"),
            EntryProblemKind::AboveMax { given, max } => format!("{what}：{given} 超过该方面满分 {max}"),
        }
    }
}

impl std::fmt::Display for EntryProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let place = self.place();
        match self.kind {
            EntryProblemKind::UnknownItem => write!(f, "{place}: no item of the scheme has this id"),
            EntryProblemKind::UnknownAspect => write!(f, "{place}: the item has no such aspect"),
            EntryProblemKind::MissingItem => write!(f, "{place}: missing ({})", self.item_name),
            EntryProblemKind::MissingAspect => write!(
                f,
                "{place}: missing ({} {})",
                self.item_name,
                self.aspect_name.as_deref().unwrap_or("")
            ),
            EntryProblemKind::Negative(g) => write!(f, "{place}: {g} is negative"),
            EntryProblemKind::AboveMax { given, max } => {
                write!(f, "{place}: {given} is above the aspect's maximum {max}")
            }
        }
    }
}

/// One aspect of one item, scored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AspectScore {
    /// The aspect's id.
    pub id: String,
    /// The aspect's name.
    pub name: String,
    /// Its maximum: the item's points × its weight.
    pub max: Dec2,
    /// The points given.
    pub given: Dec2,
}

/// One item, scored: its aspects and their sum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemScore {
    /// The item's id.
    pub id: String,
    /// The item's name.
    pub name: String,
    /// Its full points.
    pub points: Dec2,
    /// The sum of its aspects' points given (小计).
    pub subtotal: Dec2,
    /// Its aspects, in the scheme's order.
    pub aspects: Vec<AspectScore>,
}

/// One category, scored: its items and their sum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CategoryScore {
    /// The category's id.
    pub id: String,
    /// The category's name.
    pub name: String,
    /// Its full score.
    pub full: Dec2,
    /// The sum of its items' subtotals (总得分).
    pub total: Dec2,
    /// Its items, in the scheme's order.
    pub items: Vec<ItemScore>,
}

/// A month, scored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Month {
    /// Each category, in the scheme's order.
    pub categories: Vec<CategoryScore>,
    /// The month's one score, by [`Scheme::month_score`]; exact.
    pub score: Score,
    /// What the score is out of.
    pub full: Dec2,
}

impl Month {
    /// The category with this id.
    pub fn category(&self, id: &str) -> Option<&CategoryScore> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// The item with this id.
    pub fn item(&self, id: &str) -> Option<&ItemScore> {
        self.categories.iter().flat_map(|c| &c.items).find(|i| i.id == id)
    }
}

/// Scores a month of a checked scheme.
///
/// Every item and every aspect of the scheme must be given, each between 0 and its maximum
/// (both included); an item or aspect the scheme does not know is refused. The error lists every
/// problem. Sums are exact in hundredths; the month's score is exact too (a mean of categories may
/// fall between hundredths, and stays so).
///
/// ```
/// use scorecard::{Dec2, Entries, Scheme, score_month};
/// let scheme = Scheme::from_toml(include_str!("../../../config/schemes/003-sme-platform.toml")).unwrap();
/// let mut month = Entries::full_marks(&scheme);
/// month.set("i01", "timeliness", Dec2::from_hundredths(110)); // 基础软件日常巡检与监控: 1.10 of 2.10
/// let m = score_month(&scheme, &month).unwrap();
/// assert_eq!(m.category("app").unwrap().total, Dec2::whole(100));
/// assert_eq!(m.category("infra").unwrap().total, Dec2::whole(99));
/// assert_eq!(m.score.to_string(), "99.00"); // lowest_category
///
/// month.set("i01", "timeliness", Dec2::from_hundredths(220));
/// assert_eq!(
///     score_month(&scheme, &month).unwrap_err().to_string(),
///     "i01.timeliness: 2.20 is above the aspect's maximum 2.10"
/// );
/// ```
pub fn score_month(scheme: &Scheme, entries: &Entries) -> Result<Month, EntryError> {
    let mut problems = Vec::new();
    let problem = |item: &str, item_name: &str, aspect: Option<(&str, &str)>, kind| EntryProblem {
        item: item.to_owned(),
        aspect: aspect.map(|(id, _)| id.to_owned()),
        item_name: item_name.to_owned(),
        aspect_name: aspect.map(|(_, name)| name.to_owned()),
        kind,
    };
    let known: BTreeSet<&str> = scheme.items().map(|(_, i)| i.id.as_str()).collect();
    for id in entries.0.keys() {
        if !known.contains(id.as_str()) {
            problems.push(problem(id, id, None, EntryProblemKind::UnknownItem));
        }
    }
    let mut categories = Vec::new();
    for cat in &scheme.categories {
        let mut items = Vec::new();
        let mut total = Dec2::ZERO;
        for item in &cat.items {
            let aspects = scheme.aspects_of(item);
            let Some(given) = entries.0.get(&item.id) else {
                problems.push(problem(&item.id, &item.name, None, EntryProblemKind::MissingItem));
                continue;
            };
            for id in given.keys() {
                if !aspects.iter().any(|a| &a.id == id) {
                    let at = Some((id.as_str(), id.as_str()));
                    problems.push(problem(&item.id, &item.name, at, EntryProblemKind::UnknownAspect));
                }
            }
            let mut scored = Vec::new();
            let mut subtotal = Dec2::ZERO;
            for a in aspects {
                let max = a.max(item.points).unwrap_or(Dec2::ZERO);
                let at = Some((a.id.as_str(), a.name.as_str()));
                let Some(&g) = given.get(&a.id) else {
                    problems.push(problem(&item.id, &item.name, at, EntryProblemKind::MissingAspect));
                    continue;
                };
                if g < Dec2::ZERO {
                    problems.push(problem(&item.id, &item.name, at, EntryProblemKind::Negative(g)));
                } else if g > max {
                    let kind = EntryProblemKind::AboveMax { given: g, max };
                    problems.push(problem(&item.id, &item.name, at, kind));
                }
                subtotal = Dec2::from_hundredths(subtotal.hundredths().saturating_add(g.hundredths()));
                scored.push(AspectScore {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    max,
                    given: g,
                });
            }
            total = Dec2::from_hundredths(total.hundredths().saturating_add(subtotal.hundredths()));
            items.push(ItemScore {
                id: item.id.clone(),
                name: item.name.clone(),
                points: item.points,
                subtotal,
                aspects: scored,
            });
        }
        categories.push(CategoryScore {
            id: cat.id.clone(),
            name: cat.name.clone(),
            full: cat.full,
            total,
            items,
        });
    }
    if !problems.is_empty() {
        return Err(EntryError::Invalid(problems));
    }
    let totals = categories.iter().map(|c| Score::from(c.total));
    let score = match &scheme.month_score {
        MonthScore::LowestCategory => totals.min(),
        MonthScore::MeanOfCategories => Score::mean(totals),
        MonthScore::Category(id) => categories.iter().find(|c| &c.id == id).map(|c| Score::from(c.total)),
    }
    .unwrap_or(Score::whole(0));
    Ok(Month {
        categories,
        score,
        full: scheme.full(),
    })
}
