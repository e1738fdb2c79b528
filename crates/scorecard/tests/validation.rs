//! A scheme is checked on load, every problem named by its place.

use scorecard::{Scheme, SchemeError};

const GOOD: &str = r#"
code = "t"
name = "test"
aspects = [
    { id = "t", name = "完成时效", weight_pct = 30 },
    { id = "q", name = "完成质量", weight_pct = 50 },
    { id = "d", name = "文档记录", weight_pct = 20 },
]
[[categories]]
id = "app"
name = "应用系统运维"
full = 100
items = [{ id = "a1", name = "电子证书运维", points = 60 }, { id = "a2", name = "灾备环境", points = 40 }]
[[categories]]
id = "infra"
name = "信息化基础运维"
full = 100
items = [{ id = "i1", name = "测评工作支持", points = 100 }]
"#;

fn problems(text: &str) -> Vec<String> {
    match Scheme::from_toml(text) {
        Ok(_) => Vec::new(),
        Err(SchemeError::Invalid(p)) => p,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_good_scheme_loads_with_the_defaults() {
    let s = Scheme::from_toml(GOOD).expect("loads");
    assert_eq!(s.decisions.below.to_string(), "60.00");
    assert!(s.year.grades.is_empty());
    assert!(problems(GOOD).is_empty());
}

#[test]
fn weights_not_summing_to_100() {
    let t = GOOD.replace("weight_pct = 20", "weight_pct = 19.5");
    assert_eq!(problems(&t), ["aspects: the weights sum to 99.50 %, not 100 %"]);
    let t = GOOD.replace(
        "{ id = \"i1\", name = \"测评工作支持\", points = 100 }",
        "{ id = \"i1\", name = \"测评工作支持\", points = 100, aspects = [{ id = \"x\", name = \"完成质量\", weight_pct = 101 }] }",
    );
    assert_eq!(
        problems(&t),
        ["categories[1].items[0].aspects: the weights sum to 101.00 %, not 100 %"]
    );
}

#[test]
fn points_not_summing_to_the_full_score() {
    let t = GOOD.replace("points = 40", "points = 39");
    assert_eq!(
        problems(&t),
        ["categories[0] (app): the items' points sum to 99.00, not its full score 100.00"]
    );
}

#[test]
fn duplicate_ids_and_empty_names() {
    let t = GOOD
        .replace("id = \"i1\"", "id = \"a2\"")
        .replace("id = \"infra\"", "id = \"app\"")
        .replace("id = \"d\", name = \"文档记录\"", "id = \"q\", name = \" \"");
    assert_eq!(
        problems(&t),
        [
            "aspects[2].id: \"q\" is also the id of aspects[1]",
            "aspects[2].name: must not be empty",
            "categories[1].id: \"app\" is also the id of categories[0]",
            "categories[1].items[0].id: \"a2\" is also the id of categories[0].items[1]",
        ]
    );
}

#[test]
fn a_weight_that_does_not_split_into_hundredths() {
    // 7.01 points × 30 % = 2.103.
    let t = GOOD
        .replace("points = 60", "points = 52.99")
        .replace("points = 40", "points = 47.01");
    assert_eq!(
        problems(&t),
        [
            "categories[0].items[0]: aspects[0]'s 30.00 % of 52.99 points is not a whole number of hundredths",
            "categories[0].items[0]: aspects[1]'s 50.00 % of 52.99 points is not a whole number of hundredths",
            "categories[0].items[0]: aspects[2]'s 20.00 % of 52.99 points is not a whole number of hundredths",
            "categories[0].items[1]: aspects[0]'s 30.00 % of 47.01 points is not a whole number of hundredths",
            "categories[0].items[1]: aspects[1]'s 50.00 % of 47.01 points is not a whole number of hundredths",
            "categories[0].items[1]: aspects[2]'s 20.00 % of 47.01 points is not a whole number of hundredths",
        ]
    );
}

#[test]
fn month_score_decisions_and_grades() {
    let t = format!(
        "{}\n{}",
        GOOD.replace(
            "name = \"test\"",
            "name = \"test\"\nmonth_score = { category = \"ops\" }"
        ),
        r#"
[decisions]
below = -1
month = [{ id = "m", source = "x", charge = { pct = -1, base = "monthly_fee" } }]
runs = [{ id = "m", source = "x", months = 0 }]
[year]
grades = [{ name = "及格", from = 60 }, { name = "优秀", from = 90 }]
fail = { id = "f", source = "x", base = "contract_total" }
"#
    );
    assert_eq!(
        problems(&t),
        [
            "month_score.category: \"ops\" is no category's id",
            "decisions.below: -1.00 is negative",
            "decisions.month[0].charge.pct: -1.00 is negative",
            "decisions.runs[0].id: \"m\" is also the id of decisions.month[0]",
            "decisions.runs[0].months: must be at least 1",
            "decisions.runs[0]: give a charge, terminate = true, or both",
            "year.fail: no grade has fail = true, so it can never apply",
            "year.grades[1].from: 90.00 must be below year.grades[0].from (60.00): best grade first",
            "year.grades[1].from: the lowest grade must start at 0, not 90.00, so that every score has a grade",
        ]
    );
}

#[test]
fn categories_of_different_full_scores_need_one_named() {
    let t = GOOD.replace(
        "full = 100\nitems = [{ id = \"i1\", name = \"测评工作支持\", points = 100 }]",
        "full = 50\nitems = [{ id = \"i1\", name = \"测评工作支持\", points = 50 }]",
    );
    assert_eq!(problems(&t).len(), 1);
    assert!(problems(&t)[0].starts_with("categories[1].full: 50.00 differs from categories[0]'s 100.00"));
    let app = t.replace(
        "name = \"test\"",
        "name = \"test\"\nmonth_score = { category = \"app\" }",
    );
    assert!(problems(&app).is_empty());
    // Out of 50, the default pass mark of 60 cannot be.
    let infra = t.replace(
        "name = \"test\"",
        "name = \"test\"\nmonth_score = { category = \"infra\" }",
    );
    assert_eq!(
        problems(&infra),
        ["decisions.below: 60.00 is not between 0 and the full score 50.00"]
    );
}

#[test]
fn a_third_decimal_and_unknown_fields_do_not_parse() {
    for t in [
        GOOD.replace("points = 40", "points = 39.995"),
        GOOD.replace("full = 100", "full = 100\nmax = 1"),
    ] {
        assert!(matches!(Scheme::from_toml(&t), Err(SchemeError::Parse(_))), "{t}");
    }
}

/// A scheme written back to TOML (as the server may store it) reads into the same scheme.
#[test]
fn a_scheme_round_trips_through_toml() {
    let s = Scheme::from_toml(include_str!("../../../config/schemes/003-sme-platform.toml")).expect("003");
    let text = toml::to_string(&s).expect("serialised");
    assert_eq!(Scheme::from_toml(&text).expect("read back"), s);
    let mut one = s.clone();
    one.month_score = scorecard::MonthScore::Category("infra".into());
    let text = toml::to_string(&one).expect("serialised");
    assert_eq!(Scheme::from_toml(&text).expect("read back"), one);
}
