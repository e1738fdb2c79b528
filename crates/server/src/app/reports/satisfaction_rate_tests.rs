//! The unit tests of [`super`]: rows, the combination rule, the verdict, with worked examples.
use super::*;

fn contract(code: &str, target: Option<f64>, strict: bool, rule: Combine) -> ContractSide {
    ContractSide {
        code: code.into(),
        name: code.into(),
        systems: vec![1, 2],
        vendors: vec![10],
        terms: SatisfactionTerms {
            target_pct: target,
            strict,
            combine: rule,
            ..SatisfactionTerms::default()
        },
    }
}

fn units() -> BTreeMap<i64, (String, String)> {
    [(1, ("UA".into(), "A".into())), (2, ("UB".into(), "B".into()))].into()
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// A ticket of unit `unit` on `system`, received on 10 November 2026.
fn ticket(unit: i64, system: i64, vendor: Option<i64>, rating: u8) -> TicketRating {
    received(unit, system, vendor, rating, "2026-11-10T02:00:00Z")
}

fn received(unit: i64, system: i64, vendor: Option<i64>, rating: u8, when: &str) -> TicketRating {
    TicketRating {
        unit,
        system,
        vendor,
        received: at(when),
        rating,
    }
}

/// Survey `id` of unit 1 under `contract` for [from, to) (Shanghai midnights, as UTC).
fn survey(id: i64, contract: &str, from: &str, to: &str, rating: u8) -> SurveyRating {
    SurveyRating {
        id,
        unit: 1,
        contract: contract.into(),
        from: at(from),
        to: at(to),
        rating,
    }
}

/// The year 2026 in Shanghai, as a report period.
const YEAR: (DateTime<Utc>, DateTime<Utc>) = (
    DateTime::from_timestamp(1_767_196_800, 0).unwrap(), // 2026-01-01T00:00+08:00
    DateTime::from_timestamp(1_798_732_800, 0).unwrap(), // 2027-01-01T00:00+08:00
);

fn november(id: i64, rating: u8) -> SurveyRating {
    survey(id, "C", "2026-10-31T16:00:00Z", "2026-11-30T16:00:00Z", rating)
}

#[test]
fn a_units_survey_speaks_for_it_by_default() {
    let c = [contract("C", Some(90.0), false, Combine::SurveysFirst)];
    let tickets = [
        ticket(1, 1, Some(10), 5),
        ticket(1, 1, Some(10), 5),
        ticket(1, 1, Some(10), 4),
        ticket(1, 1, Some(10), 3),
        // Unit B filled no survey: its two tickets speak for it.
        ticket(2, 2, Some(10), 5),
        ticket(2, 2, Some(10), 2),
        // No contract covers this ticket (another vendor): a row of its own, no target.
        ticket(2, 2, Some(99), 1),
    ];
    let surveys = [november(3, 5)];
    let rows = rows(&tickets, &surveys, &c, &units(), None, YEAR);
    assert_eq!(rows.len(), 3);
    let a = &rows[0];
    assert_eq!((a.unit.as_str(), a.contract.as_deref()), ("UA", Some("C")));
    assert_eq!((a.tickets.rate_pct, a.surveys.rate_pct), (Some(75.0), Some(100.0)));
    assert_eq!(
        (a.combined.rated, a.replaced, a.met, a.survey_ids.clone()),
        (1, 4, Some(true), vec!["MY-3".to_owned()])
    );
    let b = &rows[1];
    assert_eq!((b.combined.rated, b.combined.satisfied, b.met), (2, 1, Some(false)));
    assert_eq!((rows[2].contract.clone(), rows[2].met), (None, None));
    let all = overall(rows, &c);
    // Combined: A's survey (5) + B's tickets (5, 2) + the uncovered ticket (1): 2 of 4.
    assert_eq!((all.combined.rated, all.combined.satisfied), (4, 2));
    assert_eq!((all.tickets.rated, all.surveys.rated), (7, 1));
    assert_eq!((all.rows_met, all.rows_not_met), (1, 1));
    assert_eq!(all.target.as_ref().map(|t| t.text.as_str()), Some("≥ 90%"));
    // The verdict is on the rows under the target: A's survey (5), B's tickets (5, 2): 2 of
    // 3, 66.7 %. The uncovered ticket (1) has no say.
    assert_eq!(all.met, Some(false));
}

#[test]
fn a_survey_stands_in_for_the_tickets_of_its_own_period_only() {
    // The year 2026 under a ≥ 60 % target: tickets of March (5, 5, 3) and of November (2, 2),
    // and the 2026-Q4 survey rated 5.
    let c = [contract("C", Some(60.0), false, Combine::SurveysFirst)];
    let tickets = [
        received(1, 1, Some(10), 5, "2026-03-02T02:00:00Z"),
        received(1, 1, Some(10), 5, "2026-03-03T02:00:00Z"),
        received(1, 1, Some(10), 3, "2026-03-04T02:00:00Z"),
        received(1, 1, Some(10), 2, "2026-11-02T02:00:00Z"),
        received(1, 1, Some(10), 2, "2026-11-03T02:00:00Z"),
    ];
    let q4 = survey(7, "C", "2026-09-30T16:00:00Z", "2026-12-31T16:00:00Z", 5);
    let r = &rows(&tickets, std::slice::from_ref(&q4), &c, &units(), None, YEAR)[0];
    // March's three and the survey: 3 of 4, 75 %; November's two gave way to the survey.
    assert_eq!((r.combined.satisfied, r.combined.rated, r.replaced), (3, 4, 2));
    assert_eq!(r.combined.rate_pct, Some(75.0));
    // A ticket received the instant the quarter ends (1 January, Shanghai) is not in it.
    let late = [received(1, 1, Some(10), 1, "2026-12-31T16:00:00Z")];
    let r = &rows(&late, std::slice::from_ref(&q4), &c, &units(), None, YEAR)[0];
    assert_eq!((r.combined.rated, r.replaced), (2, 0));
    // Pooled: every rating once, none replaced.
    let c = [contract("C", Some(60.0), false, Combine::Pooled)];
    let r = &rows(&tickets, &[q4], &c, &units(), None, YEAR)[0];
    assert_eq!((r.combined.rated, r.replaced), (6, 0));
}

#[test]
fn a_month_survey_overrides_its_quarters_where_both_were_filed() {
    let c = [contract("C", Some(90.0), false, Combine::SurveysFirst)];
    let q4 = survey(1, "C", "2026-09-30T16:00:00Z", "2026-12-31T16:00:00Z", 5);
    let both = [q4, november(2, 2)];
    // November alone: the month's survey; the quarter's is left out.
    let nov = (at("2026-10-31T16:00:00Z"), at("2026-11-30T16:00:00Z"));
    let r = &rows(&[], &both, &c, &units(), None, nov)[0];
    assert_eq!((r.surveys.rated, r.combined.satisfied), (1, 0));
    assert_eq!(r.survey_ids, vec!["MY-2".to_owned()]);
    // The year: October and December are the quarter's, November the month's: both count,
    // and an October ticket gives way to the quarter's survey.
    let oct = [received(1, 1, Some(10), 1, "2026-10-05T02:00:00Z")];
    let r = &rows(&oct, &both, &c, &units(), None, YEAR)[0];
    assert_eq!((r.surveys.rated, r.replaced), (2, 1));
    // A quarter whose three months all have surveys of their own is left out of the year.
    let months = [
        survey(3, "C", "2026-09-30T16:00:00Z", "2026-10-31T16:00:00Z", 5),
        november(4, 5),
        survey(5, "C", "2026-11-30T16:00:00Z", "2026-12-31T16:00:00Z", 5),
    ];
    let mut all = months.to_vec();
    all.push(survey(1, "C", "2026-09-30T16:00:00Z", "2026-12-31T16:00:00Z", 1));
    let r = &rows(&[], &all, &c, &units(), None, YEAR)[0];
    assert_eq!((r.surveys.rated, r.combined.satisfied), (3, 3));
}

#[test]
fn a_renewal_counts_its_tickets_under_the_reports_own_contract() {
    // C (2025) and its renewal D (2026) cover the same systems and vendor.
    let (old, new) = (
        contract("C", Some(95.0), false, Combine::SurveysFirst),
        contract("D", Some(90.0), false, Combine::SurveysFirst),
    );
    let c = [old, new];
    let tickets = [ticket(1, 1, Some(10), 5), ticket(1, 1, Some(10), 4)];
    assert_eq!(
        rows(&tickets, &[], &c, &units(), None, YEAR)[0].contract.as_deref(),
        Some("C")
    );
    let r = overall(rows(&tickets, &[], &c, &units(), Some("D"), YEAR), &c);
    assert_eq!(r.rows.len(), 1);
    assert_eq!(r.rows[0].contract.as_deref(), Some("D"));
    assert_eq!(
        (r.target.map(|t| t.text), r.met),
        (Some("≥ 90%".to_owned()), Some(true))
    );
    // A ticket D does not cover (another vendor) still goes to whoever covers it.
    let other = [ticket(1, 1, Some(99), 1)];
    assert_eq!(rows(&other, &[], &c, &units(), Some("D"), YEAR)[0].contract, None);
}

#[test]
fn pooled_counts_every_rating_once() {
    let c = [contract("C", Some(80.0), true, Combine::Pooled)];
    let tickets = [5, 5, 4, 3].map(|r| ticket(1, 1, Some(10), r));
    let surveys = [november(1, 5)];
    let r = overall(rows(&tickets, &surveys, &c, &units(), None, YEAR), &c);
    // 4 of 5 = 80.0 %: a strict (超过) 80 % target is missed, an inclusive one met.
    assert_eq!((r.combined.satisfied, r.combined.rated, r.met), (4, 5, Some(false)));
    let c = [contract("C", Some(80.0), false, Combine::Pooled)];
    assert_eq!(
        overall(rows(&tickets, &surveys, &c, &units(), None, YEAR), &c).met,
        Some(true)
    );
}

#[test]
fn rows_of_different_targets_give_no_overall_verdict() {
    let mut first = contract("C", Some(90.0), false, Combine::SurveysFirst);
    first.systems = vec![1];
    let mut d = contract("D", Some(95.0), false, Combine::SurveysFirst);
    d.systems = vec![2];
    let c = [first, d];
    let tickets = [ticket(1, 1, Some(10), 5), ticket(2, 2, Some(10), 5)];
    let r = overall(rows(&tickets, &[], &c, &units(), None, YEAR), &c);
    assert_eq!((r.target.clone(), r.met, r.rows_met), (None, None, 2));
    // Nothing rated: no verdict either way.
    let r = overall(rows(&[], &[], &c, &units(), None, YEAR), &c);
    assert_eq!((r.met, r.combined.rate_pct), (None, None));
}
