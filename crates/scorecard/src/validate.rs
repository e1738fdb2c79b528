//! Checking a scheme: [`Scheme::problems`] names each problem by its field, [`Scheme::validate`]
//! turns them into a [`SchemeError`], [`Scheme::from_toml`] parses and checks.

use std::collections::HashMap;

use crate::dec::Dec2;
use crate::scheme::{Aspect, MonthScore, Scheme};

/// A scheme cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemeError {
    /// The TOML does not parse into a scheme.
    #[error("scheme: {0}")]
    Parse(String),
    /// The scheme breaks a rule; each problem names its field
    /// (`categories[1].items[3].points: …`).
    #[error("{}", .0.join("; "))]
    Invalid(Vec<String>),
}

fn check_name(out: &mut Vec<String>, at: &str, field: &str, value: &str) {
    if value.trim().is_empty() {
        out.push(format!("{at}.{field}: must not be empty"));
    }
}

fn check_id<'a>(out: &mut Vec<String>, seen: &mut HashMap<&'a str, String>, at: &str, id: &'a str) {
    if id.trim().is_empty() {
        out.push(format!("{at}.id: must not be empty"));
    } else if let Some(first) = seen.get(id) {
        out.push(format!("{at}.id: {id:?} is also the id of {first}"));
    } else {
        seen.insert(id, at.to_owned());
    }
}

fn check_aspects(out: &mut Vec<String>, at: &str, aspects: &[Aspect], points: Option<Dec2>) {
    if aspects.is_empty() {
        out.push(format!("{at}: give at least one aspect"));
        return;
    }
    let mut ids = HashMap::new();
    let mut sum = Dec2::ZERO;
    for (i, a) in aspects.iter().enumerate() {
        let here = format!("{at}[{i}]");
        check_id(out, &mut ids, &here, &a.id);
        check_name(out, &here, "name", &a.name);
        if a.weight_pct <= Dec2::ZERO {
            out.push(format!("{here}.weight_pct: {} must be above 0", a.weight_pct));
        }
        sum = sum.checked_add(a.weight_pct).unwrap_or(Dec2::from_hundredths(i64::MAX));
        if let Some(p) = points
            && a.max(p).is_none()
        {
            out.push(format!(
                "{here}.weight_pct: {} % of {} points is not a whole number of hundredths",
                a.weight_pct, p
            ));
        }
    }
    if sum != Dec2::whole(100) {
        out.push(format!("{at}: the weights sum to {sum} %, not 100 %"));
    }
}

impl Scheme {
    /// Parses a scheme from TOML and checks it.
    ///
    /// ```
    /// let err = scorecard::Scheme::from_toml(r#"
    ///     code = "x"
    ///     name = "x"
    ///     aspects = [{ id = "t", name = "完成时效", weight_pct = 30 }, { id = "q", name = "完成质量", weight_pct = 60 }]
    ///     [[categories]]
    ///     id = "app"
    ///     name = "应用系统运维"
    ///     full = 100
    ///     items = [{ id = "a1", name = "电子证书运维", points = 10 }]
    /// "#).unwrap_err();
    /// assert_eq!(err.to_string(), "aspects: the weights sum to 90.00 %, not 100 %; \
    ///     categories[0] (app): the items' points sum to 10.00, not its full score 100.00");
    /// ```
    pub fn from_toml(text: &str) -> Result<Scheme, SchemeError> {
        let scheme: Scheme = toml::from_str(text).map_err(|e| SchemeError::Parse(e.to_string()))?;
        scheme.validate()?;
        Ok(scheme)
    }

    /// Checks the scheme; the error lists every problem, each naming its field.
    pub fn validate(&self) -> Result<(), SchemeError> {
        let p = self.problems();
        if p.is_empty() {
            Ok(())
        } else {
            Err(SchemeError::Invalid(p))
        }
    }

    /// Every problem with the scheme, each naming its field; empty if it is valid.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.code.trim().is_empty() {
            out.push("code: must not be empty".to_owned());
        }
        if self.name.trim().is_empty() {
            out.push("name: must not be empty".to_owned());
        }
        let some_item_inherits = self.items().any(|(_, i)| i.aspects.is_none());
        if !self.aspects.is_empty() || some_item_inherits {
            check_aspects(&mut out, "aspects", &self.aspects, None);
        }
        if self.categories.is_empty() {
            out.push("categories: give at least one category".to_owned());
        }
        let mut cat_ids = HashMap::new();
        let mut item_ids = HashMap::new();
        for (c, cat) in self.categories.iter().enumerate() {
            let at = format!("categories[{c}]");
            check_id(&mut out, &mut cat_ids, &at, &cat.id);
            check_name(&mut out, &at, "name", &cat.name);
            if cat.full <= Dec2::ZERO {
                out.push(format!("{at}.full: {} must be above 0", cat.full));
            }
            if cat.items.is_empty() {
                out.push(format!("{at}.items: give at least one item"));
            }
            let mut sum = Dec2::ZERO;
            for (i, item) in cat.items.iter().enumerate() {
                let here = format!("{at}.items[{i}]");
                check_id(&mut out, &mut item_ids, &here, &item.id);
                check_name(&mut out, &here, "name", &item.name);
                if item.points <= Dec2::ZERO {
                    out.push(format!("{here}.points: {} must be above 0", item.points));
                }
                sum = sum.checked_add(item.points).unwrap_or(Dec2::from_hundredths(i64::MAX));
                match &item.aspects {
                    Some(own) => check_aspects(&mut out, &format!("{here}.aspects"), own, Some(item.points)),
                    None => {
                        for (k, a) in self.aspects.iter().enumerate() {
                            if a.max(item.points).is_none() {
                                out.push(format!(
                                    "{here}: aspects[{k}]'s {} % of {} points is not a whole number of hundredths",
                                    a.weight_pct, item.points
                                ));
                            }
                        }
                    }
                }
            }
            if !cat.items.is_empty() && sum != cat.full {
                out.push(format!(
                    "{at} ({}): the items' points sum to {sum}, not its full score {}",
                    cat.id, cat.full
                ));
            }
        }
        match &self.month_score {
            MonthScore::Category(id) => {
                if !self.categories.iter().any(|c| &c.id == id) {
                    out.push(format!("month_score.category: {id:?} is no category's id"));
                }
            }
            _ => {
                if let Some(first) = self.categories.first()
                    && let Some((k, c)) = self.categories.iter().enumerate().find(|(_, c)| c.full != first.full)
                {
                    out.push(format!(
                        "categories[{k}].full: {} differs from categories[0]'s {}; a month's score over categories \
                         of different full scores needs month_score = {{ category = \"…\" }}",
                        c.full, first.full
                    ));
                }
            }
        }
        self.check_decisions(&mut out);
        out
    }

    fn check_decisions(&self, out: &mut Vec<String>) {
        // Without a full score (an unknown category named, reported above) only the sign is checked.
        let full = self.full();
        let over = |v: Dec2| v < Dec2::ZERO || (full > Dec2::ZERO && v > full);
        let range = |v: Dec2| {
            if full > Dec2::ZERO {
                format!("{v} is not between 0 and the full score {full}")
            } else {
                format!("{v} is negative")
            }
        };
        let d = &self.decisions;
        if over(d.below) {
            out.push(format!("decisions.below: {}", range(d.below)));
        }
        let mut ids = HashMap::new();
        for (i, r) in d.month.iter().enumerate() {
            let at = format!("decisions.month[{i}]");
            check_id(out, &mut ids, &at, &r.id);
            check_name(out, &at, "source", &r.source);
            if r.charge.pct < Dec2::ZERO {
                out.push(format!("{at}.charge.pct: {} is negative", r.charge.pct));
            }
        }
        for (i, r) in d.runs.iter().enumerate() {
            let at = format!("decisions.runs[{i}]");
            check_id(out, &mut ids, &at, &r.id);
            check_name(out, &at, "source", &r.source);
            if r.months == 0 {
                out.push(format!("{at}.months: must be at least 1"));
            }
            if let Some(c) = r.charge
                && c.pct < Dec2::ZERO
            {
                out.push(format!("{at}.charge.pct: {} is negative", c.pct));
            }
            if r.charge.is_none() && !r.terminate {
                out.push(format!("{at}: give a charge, terminate = true, or both"));
            }
        }
        let y = &self.year;
        if let Some(f) = &y.fail {
            check_id(out, &mut ids, "year.fail", &f.id);
            check_name(out, "year.fail", "source", &f.source);
            if !y.grades.iter().any(|g| g.fail) {
                out.push("year.fail: no grade has fail = true, so it can never apply".to_owned());
            }
        }
        let mut names = HashMap::new();
        for (i, g) in y.grades.iter().enumerate() {
            let at = format!("year.grades[{i}]");
            if g.name.trim().is_empty() {
                out.push(format!("{at}.name: must not be empty"));
            } else if let Some(first) = names.insert(g.name.as_str(), i) {
                out.push(format!("{at}.name: {:?} is also year.grades[{first}]'s", g.name));
            }
            if over(g.from) {
                out.push(format!("{at}.from: {}", range(g.from)));
            }
            if i > 0 && g.from >= y.grades[i - 1].from {
                out.push(format!(
                    "{at}.from: {} must be below year.grades[{}].from ({}): best grade first",
                    g.from,
                    i - 1,
                    y.grades[i - 1].from
                ));
            }
        }
        if let Some(last) = y.grades.last()
            && last.from != Dec2::ZERO
        {
            out.push(format!(
                "year.grades[{}].from: the lowest grade must start at 0, not {}, so that every score has a grade",
                y.grades.len() - 1,
                last.from
            ));
        }
    }
}
