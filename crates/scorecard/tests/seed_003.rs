//! 003's scheme as shipped (`config/schemes/003-sme-platform.toml`): its shape against 附件7
//! (seed 003 L840–970), a month worked by hand, and a year worked by hand.

use scorecard::{Base, Dec2, Entries, MonthScore, Scheme, Score, assess_year, score_month};

const SCHEME: &str = include_str!("../../../config/schemes/003-sme-platform.toml");

fn scheme() -> Scheme {
    Scheme::from_toml(SCHEME).expect("003's scheme loads")
}

fn d(s: &str) -> Dec2 {
    s.parse().expect("a number")
}

/// 附件7 (L852–904): two classes, 10 items of 10 points and 14 items of 7 or 8, each class 100,
/// every item 30 / 50 / 20, names as the seed writes them.
#[test]
fn the_shipped_scheme_is_annex_7() {
    let s = scheme();
    assert_eq!(s.name, "北京市中小企业公共服务平台系统运维 工作考核方案"); // L842
    assert_eq!(s.items().count(), 24);
    let names: Vec<_> = s.categories.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["应用系统运维", "信息化基础运维"]); // L844
    for c in &s.categories {
        assert_eq!(c.full, Dec2::whole(100), "{}", c.id);
        let sum: i64 = c.items.iter().map(|i| i.points.hundredths()).sum();
        assert_eq!(sum, 10_000, "{}: the items' points add up to 100", c.id);
    }
    let app: Vec<_> = s.categories[0]
        .items
        .iter()
        .map(|i| (i.name.as_str(), i.points))
        .collect();
    let ten = Dec2::whole(10);
    assert_eq!(
        app,
        [
            ("企业一体化申报运维", ten),     // L856
            ("重点企业特训营管理运维", ten), // L858
            ("专精特新企业功能运维", ten),   // L860
            ("电子证书运维", ten),           // L862
            ("产品服务中心运维", ten),       // L864
            ("政策自测功能运维", ten),       // L866
            ("创客北京报名系统运维", ten),   // L868
            ("运行监测分析系统运维", ten),   // L870
            ("项目评审系统运维", ten),       // L872
            ("平台基地管理系统运维", ten),   // L874
        ]
    );
    let infra: Vec<_> = s.categories[1]
        .items
        .iter()
        .map(|i| (i.name.as_str(), i.points))
        .collect();
    let (seven, eight) = (Dec2::whole(7), Dec2::whole(8));
    assert_eq!(
        infra,
        [
            ("基础软件日常巡检与监控", seven),                     // L878
            ("故障处理与恢复", eight),                             // L880
            ("资源监控与优化", seven),                             // L882
            ("应用系统基础环境运维", seven),                       // L884
            ("外部接口日常监控", seven),                           // L886
            ("服务大厅、展厅日常维护", seven),                     // L888
            ("应急演练与安全加固", seven),                         // L890
            ("基础软件、应用软件、外部接口等系统定期运维", seven), // L892
            ("灾备环境", seven),                                   // L894
            ("特殊时期安全值守、应急处置", eight),                 // L896
            ("应用审计及运维对象梳理服务", seven),                 // L898
            ("测评工作支持", seven),                               // L900
            ("日常工单服务", seven),                               // L902
            ("日常运维服务", seven),                               // L904
        ]
    );
    for (_, item) in s.items() {
        let w: Vec<_> = s
            .aspects_of(item)
            .iter()
            .map(|a| (a.name.as_str(), a.weight_pct))
            .collect();
        assert_eq!(
            w,
            [
                ("完成时效", Dec2::whole(30)),
                ("完成质量", Dec2::whole(50)),
                ("文档记录", Dec2::whole(20))
            ],
            "{}",
            item.name
        );
    }
    // The defaults the docs name.
    assert_eq!(s.month_score, MonthScore::LowestCategory);
    assert_eq!(s.decisions.below, Dec2::whole(60));
    assert_eq!(s.decisions.month[0].charge.pct, Dec2::whole(40));
    assert_eq!(s.decisions.month[0].charge.base, Base::MonthlyFee);
    assert_eq!(s.decisions.runs.len(), 2);
    assert!(s.decisions.runs.iter().all(|r| r.months == 3));
}

/// The aspects' maxima: 10 → 3 / 5 / 2, 7 → 2.10 / 3.50 / 1.40, 8 → 2.40 / 4.00 / 1.60.
#[test]
fn aspect_maxima() {
    let s = scheme();
    let m = score_month(&s, &Entries::full_marks(&s)).expect("scored");
    let maxima = |id: &str| -> Vec<Dec2> { m.item(id).expect("item").aspects.iter().map(|a| a.max).collect() };
    assert_eq!(maxima("a01"), [d("3"), d("5"), d("2")]);
    assert_eq!(maxima("i01"), [d("2.10"), d("3.50"), d("1.40")]);
    assert_eq!(maxima("i02"), [d("2.40"), d("4.00"), d("1.60")]);
    assert_eq!(m.score, Score::whole(100));
}

/// A month of 003 worked by hand (given: 完成时效 / 完成质量 / 文档记录 → 小计).
///
/// 应用系统运维 (maxima 3 / 5 / 2):
///
/// | item | 时效 | 质量 | 文档 | 小计 |
/// |---|---|---|---|---|
/// | a01 企业一体化申报运维 | 3 | 5 | 2 | 10.00 |
/// | a02 重点企业特训营管理运维 | 2.5 | 4.5 | 2 | 9.00 |
/// | a03 专精特新企业功能运维 | 3 | 4 | 1.5 | 8.50 |
/// | a04 电子证书运维 | 1 | 3 | 1 | 5.00 |
/// | a05 产品服务中心运维 | 3 | 5 | 0 | 8.00 |
/// | a06 政策自测功能运维 | 2.75 | 4.25 | 1.75 | 8.75 |
/// | a07 创客北京报名系统运维 | 0 | 2.5 | 0.5 | 3.00 |
/// | a08 运行监测分析系统运维 | 3 | 4.8 | 2 | 9.80 |
/// | a09 项目评审系统运维 | 2 | 5 | 1.2 | 8.20 |
/// | a10 平台基地管理系统运维 | 1.5 | 2.5 | 1 | 5.00 |
/// | 总得分 | | | | 75.25 |
///
/// 10 + 9 + 8.5 + 5 + 8 + 8.75 + 3 + 9.8 + 8.2 + 5 = 75.25.
///
/// 信息化基础运维 (7 points: 2.10 / 3.50 / 1.40; 8 points: 2.40 / 4.00 / 1.60):
///
/// | item | 时效 | 质量 | 文档 | 小计 |
/// |---|---|---|---|---|
/// | i01 基础软件日常巡检与监控 (7) | 2.10 | 3.50 | 1.40 | 7.00 |
/// | i02 故障处理与恢复 (8) | 1.20 | 2.00 | 0.80 | 4.00 |
/// | i03 资源监控与优化 (7) | 2.00 | 3.00 | 1.00 | 6.00 |
/// | i04 应用系统基础环境运维 (7) | 1.05 | 1.75 | 0.70 | 3.50 |
/// | i05 外部接口日常监控 (7) | 2.10 | 3.00 | 1.40 | 6.50 |
/// | i06 服务大厅、展厅日常维护 (7) | 0 | 0 | 0 | 0.00 |
/// | i07 应急演练与安全加固 (7) | 1.50 | 2.50 | 1.00 | 5.00 |
/// | i08 基础软件、应用软件、外部接口等系统定期运维 (7) | 2.10 | 3.50 | 0.40 | 6.00 |
/// | i09 灾备环境 (7) | 1.00 | 3.50 | 1.40 | 5.90 |
/// | i10 特殊时期安全值守、应急处置 (8) | 2.40 | 4.00 | 1.60 | 8.00 |
/// | i11 应用审计及运维对象梳理服务 (7) | 2.01 | 3.33 | 1.11 | 6.45 |
/// | i12 测评工作支持 (7) | 0.10 | 0.20 | 0.30 | 0.60 |
/// | i13 日常工单服务 (7) | 2.10 | 3.50 | 1.40 | 7.00 |
/// | i14 日常运维服务 (7) | 1.00 | 1.00 | 1.00 | 3.00 |
/// | 总得分 | | | | 68.95 |
///
/// 7 + 4 + 6 + 3.5 + 6.5 + 0 + 5 + 6 + 5.9 + 8 + 6.45 + 0.6 + 7 + 3 = 68.95.
///
/// The month: lowest_category (default) 68.95; mean_of_categories (75.25 + 68.95) / 2 = 72.10;
/// { category = "app" } 75.25. 68.95 is not below 60: no decision.
const MONTH: [(&str, [&str; 3], &str); 24] = [
    ("a01", ["3", "5", "2"], "10.00"),
    ("a02", ["2.5", "4.5", "2"], "9.00"),
    ("a03", ["3", "4", "1.5"], "8.50"),
    ("a04", ["1", "3", "1"], "5.00"),
    ("a05", ["3", "5", "0"], "8.00"),
    ("a06", ["2.75", "4.25", "1.75"], "8.75"),
    ("a07", ["0", "2.5", "0.5"], "3.00"),
    ("a08", ["3", "4.8", "2"], "9.80"),
    ("a09", ["2", "5", "1.2"], "8.20"),
    ("a10", ["1.5", "2.5", "1"], "5.00"),
    ("i01", ["2.10", "3.50", "1.40"], "7.00"),
    ("i02", ["1.20", "2.00", "0.80"], "4.00"),
    ("i03", ["2.00", "3.00", "1.00"], "6.00"),
    ("i04", ["1.05", "1.75", "0.70"], "3.50"),
    ("i05", ["2.10", "3.00", "1.40"], "6.50"),
    ("i06", ["0", "0", "0"], "0.00"),
    ("i07", ["1.50", "2.50", "1.00"], "5.00"),
    ("i08", ["2.10", "3.50", "0.40"], "6.00"),
    ("i09", ["1.00", "3.50", "1.40"], "5.90"),
    ("i10", ["2.40", "4.00", "1.60"], "8.00"),
    ("i11", ["2.01", "3.33", "1.11"], "6.45"),
    ("i12", ["0.10", "0.20", "0.30"], "0.60"),
    ("i13", ["2.10", "3.50", "1.40"], "7.00"),
    ("i14", ["1.00", "1.00", "1.00"], "3.00"),
];

fn hand_month() -> Entries {
    let mut e = Entries::new();
    for (item, given, _) in MONTH {
        for (aspect, g) in ["timeliness", "quality", "documentation"].into_iter().zip(given) {
            e.set(item, aspect, d(g));
        }
    }
    e
}

#[test]
fn a_month_worked_by_hand() {
    let mut s = scheme();
    let m = score_month(&s, &hand_month()).expect("scored");
    for (item, given, subtotal) in MONTH {
        let it = m.item(item).expect("item");
        assert_eq!(it.subtotal, d(subtotal), "{item} {}", it.name);
        let g: Vec<_> = it.aspects.iter().map(|a| a.given).collect();
        assert_eq!(g, given.map(d), "{item}");
    }
    assert_eq!(m.category("app").expect("app").total, d("75.25"));
    assert_eq!(m.category("infra").expect("infra").total, d("68.95"));
    assert_eq!(m.score, Score::from(d("68.95")));
    assert!(!s.is_below(m.score));

    s.month_score = MonthScore::MeanOfCategories;
    assert_eq!(
        score_month(&s, &hand_month()).expect("scored").score,
        Score::from(d("72.10"))
    );
    s.month_score = MonthScore::Category("app".into());
    assert_eq!(
        score_month(&s, &hand_month()).expect("scored").score,
        Score::from(d("75.25"))
    );
}

/// A negative value, one above the aspect's maximum, a missing item or aspect, an unknown item
/// or aspect: all refused at once, each with its place.
#[test]
fn a_month_with_bad_entries_is_refused() {
    let s = scheme();
    let mut e = hand_month();
    e.0.remove("a10");
    e.set("i06", "documentation", d("-1"));
    e.set("i11", "quality", d("3.51"));
    e.set("i99", "quality", d("1"));
    e.set("a01", "speed", d("1"));
    e.0.get_mut("i14").expect("i14").remove("documentation");
    let err = score_month(&s, &e).expect_err("refused").to_string();
    assert_eq!(
        err,
        "i99: no item of the scheme has this id; \
         a01.speed: the item has no such aspect; \
         a10: missing (平台基地管理系统运维); \
         i06.documentation: -1.00 is negative; \
         i11.quality: 3.51 is above the aspect's maximum 3.50; \
         i14.documentation: missing (日常运维服务 文档记录)"
    );
}

fn months(scores: &[Option<&str>]) -> Vec<(scorecard::YearMonth, Option<Score>)> {
    let mut m: scorecard::YearMonth = "2026-01".parse().expect("month");
    let mut out = Vec::new();
    for s in scores {
        out.push((m, s.map(|s| Score::from(d(s)))));
        m = m.next();
    }
    out
}

/// A year of 003 worked by hand (months 2026-01 … 2026-12; "—" not assessed):
///
/// | month | 01 | 02 | 03 | 04 | 05 | 06 | 07 | 08 | 09 | 10 | 11 | 12 |
/// |---|---|---|---|---|---|---|---|---|---|---|---|---|
/// | score | 85 | 59.99 | 60 | 68.95 | 55 | 50 | 45 | — | 58 | 90 | 100 | 80 |
/// | below 60 | | ✓ | (60 passes) | | ✓ | ✓ | ✓ | | ✓ | | | |
/// | run | | 1 | | | 1 | 2 | 3 | (breaks) | 1 | | | |
///
/// - 附件6-11 (40 % of the monthly fee) in 02, 05, 06, 07, 09: five months, 200 % in all.
/// - 07 ends a run of three: 第十四条(五) the right to terminate, 附件5-10 100 %.
/// - 08 is missing: left out of the mean and listed; the run 05–07 does not reach 09.
/// - The mean of the 11 months assessed: 85 + 59.99 + 60 + 68.95 + 55 + 50 + 45 + 58 + 90 + 100 +
///   80 = 751.94; / 11 = 68.358181… (exactly 37597/550), shown 68.36: 及格. No annual charge.
/// - With `missing = "zero"`: 751.94 / 12 = 62.661666…, shown 62.66, still 及格; 08 counts as a
///   failing 0, so 05–09 is one run of five: 附件6-11 six times, the run rules once (at 07).
#[test]
fn a_year_worked_by_hand() {
    let mut s = scheme();
    let input = months(&[
        Some("85"),
        Some("59.99"),
        Some("60"),
        Some("68.95"),
        Some("55"),
        Some("50"),
        Some("45"),
        None,
        Some("58"),
        Some("90"),
        Some("100"),
        Some("80"),
    ]);
    let y = assess_year(&s, &input).expect("assessed");
    let got: Vec<_> = y
        .decisions
        .iter()
        .map(|x| (x.month.to_string(), x.rule.as_str()))
        .collect();
    let want = [
        ("2026-02", "a6-11"),
        ("2026-05", "a6-11"),
        ("2026-06", "a6-11"),
        ("2026-07", "a6-11"),
        ("2026-07", "14-5-terminate"),
        ("2026-07", "a5-10"),
        ("2026-09", "a6-11"),
    ];
    assert_eq!(got, want.map(|(m, r)| (m.to_owned(), r)));
    let pct: i64 = y
        .decisions
        .iter()
        .filter_map(|x| x.charge)
        .filter(|c| c.base == Base::MonthlyFee)
        .map(|c| c.pct.hundredths())
        .sum();
    assert_eq!(pct, 30_000, "5 × 40 % + 100 %");
    let run = &y.decisions[4];
    assert!(run.terminate && run.charge.is_none());
    assert_eq!(
        run.months.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["2026-05", "2026-06", "2026-07"]
    );
    assert_eq!(y.terminate_from.expect("terminate").to_string(), "2026-07");
    let runs: Vec<u32> = y.months.iter().map(|m| m.run).collect();
    assert_eq!(runs, [0, 1, 0, 0, 1, 2, 3, 0, 1, 0, 0, 0]);
    assert_eq!(
        y.missing.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["2026-08"]
    );
    assert_eq!(y.assessed, 11);
    let mean = y.mean.expect("mean");
    assert_eq!(mean.fraction(), (37597, 550));
    assert_eq!(mean.to_string(), "68.36");
    assert_eq!(y.grade.expect("grade").name, "及格");
    assert!(y.fail.is_none());

    s.year.missing = scorecard::Missing::Zero;
    let y = assess_year(&s, &input).expect("assessed");
    assert_eq!(y.mean.expect("mean").to_string(), "62.66");
    assert_eq!(y.mean.expect("mean").fraction(), (37597, 600)); // 751.94 / 12
    assert_eq!(y.missing.len(), 1);
    assert_eq!(y.decisions.iter().filter(|x| x.rule == "a6-11").count(), 6);
    assert_eq!(y.decisions.iter().filter(|x| x.rule == "a5-10").count(), 1);
    assert_eq!(y.months[8].run, 5);
}

/// A single failing month costs 40 % of the monthly fee and gives no right to terminate; two in a
/// row still none.
#[test]
fn a_single_failing_month() {
    let s = scheme();
    let y = assess_year(&s, &months(&[Some("70"), Some("59.99"), Some("60")])).expect("assessed");
    assert_eq!(y.decisions.len(), 1);
    let x = &y.decisions[0];
    assert_eq!((x.rule.as_str(), x.month.to_string()), ("a6-11", "2026-02".to_owned()));
    assert_eq!(
        x.charge.expect("charge").describe(),
        "40.00 % of the monthly fee (服务合同总金额/服务月数)"
    );
    assert!(!x.terminate);
    let y = assess_year(&s, &months(&[Some("59"), Some("59"), Some("60"), Some("59")])).expect("assessed");
    assert!(y.terminate_from.is_none());
    assert_eq!(y.decisions.len(), 3);
}

/// Six failing months in a row: by default two runs of three (at the 3rd and the 6th);
/// `once_per_run` charges the run once.
#[test]
fn a_run_of_six() {
    let mut s = scheme();
    let six = months(&[Some("10"); 6]);
    let at = |s: &Scheme| -> Vec<String> {
        assess_year(s, &six)
            .expect("assessed")
            .decisions
            .iter()
            .filter(|x| x.rule == "a5-10")
            .map(|x| x.month.to_string())
            .collect()
    };
    assert_eq!(at(&s), ["2026-03", "2026-06"]);
    for r in &mut s.decisions.runs {
        r.repeat = scorecard::Repeat::OncePerRun;
    }
    assert_eq!(at(&s), ["2026-03"]);
}

/// A failing year: 第十四条(五) "按照扣分比例乘以合同总额": a mean of 57.5 owes 42.5 % of the total.
#[test]
fn a_failing_year() {
    let s = scheme();
    let y = assess_year(&s, &months(&[Some("55"), Some("60")])).expect("assessed");
    let f = y.fail.expect("fail");
    assert_eq!(f.pct, Score::from(d("42.5")));
    assert_eq!(f.base, Base::ContractTotal);
    assert_eq!(f.rule, "14-5-annual");
}

/// Months must follow each other, scores lie within 0..=100.
#[test]
fn a_year_with_a_gap_is_refused() {
    let s = scheme();
    let mut m = months(&[Some("80"), Some("80"), Some("80")]);
    m.remove(1);
    m.push(("2027-01".parse().expect("month"), Some(Score::whole(101))));
    assert_eq!(
        assess_year(&s, &m).expect_err("refused").to_string(),
        "months[1] (2026-03): does not follow 2026-01; give a month not assessed as None; \
         months[2] (2027-01): does not follow 2026-03; give a month not assessed as None; \
         months[2] (2027-01): 101.00 is not between 0 and 100.00"
    );
}
