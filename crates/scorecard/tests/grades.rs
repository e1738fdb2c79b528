//! The pass mark and the grade bands at their boundaries. 003 L906: "90 分以上为优秀，80 分到 90 分
//! 为良好，60 分到 80 分为及格，60 分以下为不及格"; L231, L817, L836: "低于 60 分". Under 民法典
//! 第一千二百五十九条 "以上"/"以下" include the number, so the bounds collide; the scheme's
//! `boundary` settles them.

use scorecard::{Boundary, Dec2, Scheme, Score, assess_year};

fn scheme() -> Scheme {
    Scheme::from_toml(include_str!("../../../config/schemes/003-sme-platform.toml")).expect("003")
}

fn score(h: i64) -> Score {
    Score::from(Dec2::from_hundredths(h))
}

const POINTS: [i64; 9] = [0, 5999, 6000, 7999, 8000, 8999, 9000, 9999, 10000];

#[test]
fn each_band_includes_its_lower_bound_by_default() {
    let s = scheme();
    assert_eq!(s.year.boundary, Boundary::LowerInclusive);
    let got: Vec<_> = POINTS
        .iter()
        .map(|&h| s.grade(score(h)).expect("grade").name.clone())
        .collect();
    assert_eq!(
        got,
        [
            "不及格",
            "不及格",
            "及格",
            "及格",
            "良好",
            "良好",
            "优秀",
            "优秀",
            "优秀"
        ]
    );
}

#[test]
fn upper_inclusive_puts_each_boundary_in_the_band_below() {
    let mut s = scheme();
    s.year.boundary = Boundary::UpperInclusive;
    let got: Vec<_> = POINTS
        .iter()
        .map(|&h| s.grade(score(h)).expect("grade").name.clone())
        .collect();
    assert_eq!(
        got,
        [
            "不及格",
            "不及格",
            "不及格",
            "及格",
            "及格",
            "良好",
            "良好",
            "优秀",
            "优秀"
        ]
    );
}

/// "低于 60 分": 59.99 fails, 60 passes; and a mean that prints 60.00 but is 59.995 fails.
#[test]
fn below_sixty_is_strict_and_exact() {
    let s = scheme();
    assert!(s.is_below(score(5999)));
    assert!(!s.is_below(score(6000)));
    let mean = Score::mean([score(5999), score(6000)]).expect("mean");
    assert_eq!(mean.to_string(), "60.00");
    assert!(s.is_below(mean));
    assert_eq!(s.grade(mean).expect("grade").name, "不及格");
    let near_90 = Score::mean([score(8999), score(9000)]).expect("mean");
    assert_eq!(near_90.to_string(), "90.00");
    assert_eq!(s.grade(near_90).expect("grade").name, "良好");
}

/// The year's grade at each boundary, through assess_year: a one-month year is that month.
#[test]
fn a_year_at_each_boundary() {
    let s = scheme();
    for (h, grade, fails) in [
        (5999, "不及格", true),
        (6000, "及格", false),
        (7999, "及格", false),
        (8000, "良好", false),
        (8999, "良好", false),
        (9000, "优秀", false),
        (10000, "优秀", false),
    ] {
        let y = assess_year(&s, &[("2026-01".parse().expect("month"), Some(score(h)))]).expect("year");
        assert_eq!(y.grade.expect("grade").name, grade, "{h}");
        assert_eq!(y.fail.is_some(), fails, "{h}");
        assert_eq!(y.decisions.is_empty(), !fails, "{h}: a month below 60 fires 附件6-11");
    }
}
