//! Properties of scoring and of the year, over generated schemes (whole-point items, whole-per-cent
//! weights, every category out of 100) and over 003's shipped scheme.

use proptest::prelude::*;
use proptest::test_runner::Config;
use scorecard::{
    Aspect, Category, Dec2, Entries, Item, MonthScore, Scheme, Score, YearMonth, assess_year, score_month,
};

fn config() -> Config {
    Config {
        failure_persistence: None,
        ..Config::default()
    }
}

/// `parts` whole numbers ≥ 1 adding up to `total`.
fn partition(total: u32, parts: usize) -> impl Strategy<Value = Vec<u32>> {
    proptest::sample::subsequence((1..total).collect::<Vec<_>>(), parts - 1).prop_map(move |cuts| {
        let mut out = Vec::new();
        let mut prev = 0;
        for c in cuts.into_iter().chain([total]) {
            out.push(c - prev);
            prev = c;
        }
        out
    })
}

fn scheme() -> impl Strategy<Value = Scheme> {
    let weights = (1usize..=4).prop_flat_map(|n| partition(100, n));
    let categories = proptest::collection::vec((1usize..=8).prop_flat_map(|n| partition(100, n)), 1..=3);
    (weights, categories).prop_map(|(weights, categories)| {
        let aspects = weights
            .iter()
            .enumerate()
            .map(|(k, &w)| Aspect {
                id: format!("x{k}"),
                name: format!("aspect {k}"),
                weight_pct: Dec2::whole(i64::from(w)),
            })
            .collect();
        let categories = categories
            .iter()
            .enumerate()
            .map(|(c, points)| Category {
                id: format!("c{c}"),
                name: format!("category {c}"),
                full: Dec2::whole(100),
                items: points
                    .iter()
                    .enumerate()
                    .map(|(i, &p)| Item {
                        id: format!("c{c}i{i}"),
                        name: format!("item {c}.{i}"),
                        points: Dec2::whole(i64::from(p)),
                        aspects: None,
                    })
                    .collect(),
            })
            .collect();
        let mut s = Scheme::from_toml(include_str!("../../../config/schemes/003-sme-platform.toml")).expect("003");
        s.aspects = aspects;
        s.categories = categories;
        s.validate().expect("a generated scheme is valid");
        s
    })
}

/// Every aspect given a share (per mille, rounded down to hundredths) of its maximum.
fn entries(s: &Scheme, shares: &[u16]) -> Entries {
    let mut e = Entries::new();
    let mut k = 0;
    for (_, item) in s.items() {
        for a in s.aspects_of(item) {
            let max = a.max(item.points).expect("whole hundredths").hundredths();
            let share = i64::from(shares[k % shares.len()].min(1000));
            e.set(&item.id, &a.id, Dec2::from_hundredths(max * share / 1000));
            k += 1;
        }
    }
    e
}

fn modes() -> [MonthScore; 3] {
    [
        MonthScore::LowestCategory,
        MonthScore::MeanOfCategories,
        MonthScore::Category("c0".into()),
    ]
}

fn with_mode(s: &Scheme, m: &MonthScore) -> Scheme {
    let mut s = s.clone();
    s.month_score = m.clone();
    s
}

proptest! {
    #![proptest_config(config())]

    /// A month's score lies within 0..=100 whatever the entries and the month_score rule, and
    /// every category total within 0..=its full score.
    #[test]
    fn a_month_is_within_0_and_100(s in scheme(), shares in proptest::collection::vec(0u16..=1000, 1..40)) {
        for m in modes() {
            let s = with_mode(&s, &m);
            let month = score_month(&s, &entries(&s, &shares)).expect("scored");
            prop_assert!(month.score >= Score::whole(0) && month.score <= Score::whole(100), "{m:?}: {}", month.score);
            for c in &month.categories {
                prop_assert!(c.total >= Dec2::ZERO && c.total <= c.full);
            }
        }
    }

    /// Every aspect at its maximum gives 100, for every rule.
    #[test]
    fn full_marks_give_100(s in scheme()) {
        for m in modes() {
            let s = with_mode(&s, &m);
            let month = score_month(&s, &Entries::full_marks(&s)).expect("scored");
            prop_assert_eq!(month.score, Score::whole(100));
            for c in &month.categories {
                prop_assert_eq!(c.total, Dec2::whole(100));
            }
        }
    }

    /// Raising one given score (up to its maximum) never lowers an item, a category or the month.
    #[test]
    fn raising_a_score_never_lowers_the_total(
        s in scheme(),
        shares in proptest::collection::vec(0u16..=1000, 1..40),
        pick in any::<proptest::sample::Index>(),
        raise in 0u16..=1000,
    ) {
        let before = entries(&s, &shares);
        let cells: Vec<(String, String, Dec2)> = s
            .items()
            .flat_map(|(_, i)| s.aspects_of(i).iter().map(move |a| (i.id.clone(), a.id.clone(), a.max(i.points).expect("max"))))
            .collect();
        let (item, aspect, max) = &cells[pick.index(cells.len())];
        let old = before.0[item][aspect];
        let new = Dec2::from_hundredths(old.hundredths() + (max.hundredths() - old.hundredths()) * i64::from(raise) / 1000);
        let mut after = before.clone();
        after.set(item, aspect, new);
        for m in modes() {
            let s = with_mode(&s, &m);
            let (b, a) = (score_month(&s, &before).expect("before"), score_month(&s, &after).expect("after"));
            prop_assert!(a.score >= b.score, "{m:?}: {} → {}", b.score, a.score);
            prop_assert!(a.item(item).expect("item").subtotal >= b.item(item).expect("item").subtotal);
            for (cb, ca) in b.categories.iter().zip(&a.categories) {
                prop_assert!(ca.total >= cb.total);
            }
        }
    }

    /// 003's shipped scheme, random entries: within 0..=100, and the mean of the two classes lies
    /// between them.
    #[test]
    fn the_003_month(shares in proptest::collection::vec(0u16..=1000, 72)) {
        let mut s = Scheme::from_toml(include_str!("../../../config/schemes/003-sme-platform.toml")).expect("003");
        let e = entries(&s, &shares);
        let lowest = score_month(&s, &e).expect("scored");
        s.month_score = MonthScore::MeanOfCategories;
        let mean = score_month(&s, &e).expect("scored");
        let totals: Vec<Score> = lowest.categories.iter().map(|c| Score::from(c.total)).collect();
        prop_assert_eq!(lowest.score, *totals.iter().min().expect("min"));
        prop_assert!(lowest.score <= mean.score && mean.score <= *totals.iter().max().expect("max"));
        prop_assert!(mean.score <= Score::whole(100));
    }

    /// The year's mean lies between its lowest and highest month assessed; each month below 60
    /// fires 附件6-11 once; missing months are listed.
    #[test]
    fn the_year_lies_between_its_months(
        scores in proptest::collection::vec(proptest::option::weighted(0.85, 0i64..=10_000), 1..=24),
        start in 0u8..12,
    ) {
        let s = Scheme::from_toml(include_str!("../../../config/schemes/003-sme-platform.toml")).expect("003");
        let mut m = YearMonth::new(2026, start + 1).expect("month");
        let mut months = Vec::new();
        for v in &scores {
            months.push((m, v.map(|h| Score::from(Dec2::from_hundredths(h)))));
            m = m.next();
        }
        let y = assess_year(&s, &months).expect("assessed");
        let assessed: Vec<Score> = months.iter().filter_map(|(_, v)| *v).collect();
        prop_assert_eq!(y.assessed, assessed.len());
        prop_assert_eq!(y.missing.len(), scores.len() - assessed.len());
        match (assessed.iter().min(), assessed.iter().max(), y.mean) {
            (Some(lo), Some(hi), Some(mean)) => prop_assert!(*lo <= mean && mean <= *hi),
            (None, None, None) => prop_assert!(y.grade.is_none()),
            other => prop_assert!(false, "{other:?}"),
        }
        let below = assessed.iter().filter(|v| s.is_below(**v)).count();
        prop_assert_eq!(y.decisions.iter().filter(|d| d.rule == "a6-11").count(), below);
        // A run rule fires only at the end of three failing months in a row.
        for d in y.decisions.iter().filter(|d| d.rule == "a5-10") {
            prop_assert_eq!(d.months.len(), 3);
            for m in &d.months {
                let o = y.months.iter().find(|o| o.month == *m).expect("month");
                prop_assert!(o.below);
            }
        }
    }
}
