//! The escalation email's words, subject and layout.

use super::*;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn facts<'a>(cal: &'a Calendar, now: &str, trigger: Trigger) -> StepFacts<'a> {
    StepFacts {
        ticket: "T-2026-0001",
        title: "门户 <首页> 打不开",
        severity: Severity::Urgent,
        system_code: "sy-001",
        system_name: "区政务网站",
        unit_name: "区经信局",
        clock: ClockName::Repair,
        target: "4h".parse().unwrap(),
        deadline: at("2026-11-23T14:00:00+08:00"),
        provisional: false,
        calendar: cal,
        step: "warning",
        trigger,
        repeat: 0,
        due_at: at(now),
        now: at(now),
        link: "http://127.0.0.1:8080/tickets/T-2026-0001",
        unfilled: &[],
        assignee: None,
        on_duty: &[],
    }
}

#[test]
fn spans_read_in_both_languages() {
    assert_eq!(span_en(TimeDelta::minutes(12)), "12 min");
    assert_eq!(span_en(TimeDelta::minutes(65)), "1 h 5 min");
    assert_eq!(span_en(TimeDelta::minutes(120)), "2 h");
    assert_eq!(span_en(TimeDelta::minutes(3 * 1440 + 61)), "3 d 1 h");
    assert_eq!(span_en(TimeDelta::seconds(59)), "0 min");
    assert_eq!(span_zh(TimeDelta::minutes(65)), "1 小时 5 分钟");
    assert_eq!(span_zh(TimeDelta::minutes(2 * 1440)), "2 天");
}

#[test]
fn subject_says_time_left_or_overdue() {
    let cal = sla_clock::builtin::calendar("24x7").unwrap();
    let warn = render(&facts(
        &cal,
        "2026-11-23T13:48:00+08:00",
        Trigger::Share { percent: 80 },
    ));
    assert_eq!(
        warn.subject,
        "[紧急] T-2026-0001 sy-001 区政务网站：修复 12 分钟后超时（时限已用 80%）"
    );
    let late = render(&facts(&cal, "2026-11-23T15:05:30+08:00", Trigger::Breach));
    assert!(late.subject.ends_with("：修复已超时 1 小时 5 分钟"));
    let just = render(&facts(&cal, "2026-11-23T14:00:00.001+08:00", Trigger::Breach));
    assert!(just.subject.ends_with("：修复已超时"), "{}", just.subject);
}

#[test]
fn bodies_put_chinese_first_and_escape_html() {
    let cal = sla_clock::builtin::calendar("24x7").unwrap();
    let r = render(&facts(
        &cal,
        "2026-11-23T13:48:00+08:00",
        Trigger::Share { percent: 80 },
    ));
    // The Chinese alone, for most readers.
    assert!(
        !r.text.contains("-- English --") && !r.html.contains("lang=\"en\""),
        "{}",
        r.text
    );
    let (text, _) = r.for_reader(true);
    let zh = text.find("截止 2026-11-23 14:00").unwrap();
    let en = text.find("due 2026-11-23 14:00").unwrap();
    assert!(zh < text.find("-- English --").unwrap() && text.find("-- English --").unwrap() < en);
    assert!(text.contains("warning (80% of the time used)"));
    assert!(
        r.text.contains("状态：修复 12 分钟后超时（截至 2026-11-23 13:48）"),
        "{}",
        r.text
    );
    assert!(text.contains("Status: repair breaches in 12 min (as of 2026-11-23 13:48)"));
    assert!(r.html.contains("门户 &lt;首页&gt; 打不开"));
    assert!(!r.html.contains("<首页>"));
    assert!(r.html.contains("href=\"http://127.0.0.1:8080/tickets/T-2026-0001\""));
    assert!(!r.text.contains("暂定"), "a final deadline is not called provisional");
}

#[test]
fn a_provisional_deadline_says_so_in_both_languages() {
    let cal = sla_clock::builtin::calendar("cn-5x8").unwrap();
    let mut f = facts(&cal, "2026-11-23T13:48:00+08:00", Trigger::Breach);
    f.provisional = true;
    let r = render(&f);
    assert!(
        r.text.contains("日历 cn-5x8；暂定：下一年节假日安排尚未发布"),
        "{}",
        r.text
    );
    let (text, _) = r.for_reader(true);
    assert!(
        text.contains("calendar cn-5x8; provisional: next year's holidays"),
        "{text}"
    );
    assert!(r.html.contains("暂定"));
}

#[test]
fn two_steps_due_together_have_two_subjects_and_say_they_are_late() {
    // After an outage the 50 % and 80 % steps of a 4 h repair clock are queued at 14:05,
    // after the breach at 14:00: same state, two subjects, each saying when it fell due.
    let cal = sla_clock::builtin::calendar("24x7").unwrap();
    let mut half = facts(&cal, "2026-11-23T14:05:00+08:00", Trigger::Share { percent: 50 });
    half.step = "half";
    half.due_at = at("2026-11-23T12:00:00+08:00");
    let mut warn = facts(&cal, "2026-11-23T14:05:00+08:00", Trigger::Share { percent: 80 });
    warn.due_at = at("2026-11-23T13:12:00+08:00");
    let (a, b) = (render(&half), render(&warn));
    assert_ne!(a.subject, b.subject);
    assert!(a.subject.contains("修复已超时 5 分钟（时限已用 50%）"), "{}", a.subject);
    assert!(b.subject.contains("修复已超时 5 分钟（时限已用 80%）"), "{}", b.subject);
    assert!(
        a.text
            .contains("本提醒应于 2026-11-23 12:00 发出（时限已用 50%），现补发。"),
        "{}",
        a.text
    );
    let on_time = render(&facts(
        &cal,
        "2026-11-23T13:12:00+08:00",
        Trigger::Share { percent: 80 },
    ));
    assert!(
        !on_time.text.contains("补发"),
        "a step sent when due is not called late"
    );
}

#[test]
fn the_mail_says_what_to_do_and_who_is_on_it() {
    let cal = sla_clock::builtin::calendar("24x7").unwrap();
    let assignee = Contact {
        name: "王工".into(),
        email: Some("wang@vendor.example".into()),
        until: None,
    };
    let duty = [Contact {
        name: "李值班".into(),
        email: Some("li@vendor.example".into()),
        until: Some(at("2026-11-23T18:00:00+08:00")),
    }];
    let mut f = facts(&cal, "2026-11-23T13:48:00+08:00", Trigger::Share { percent: 80 });
    f.clock = ClockName::Response;
    f.assignee = Some(&assignee);
    f.on_duty = &duty;
    let r = render(&f);
    // What to do comes first, with the page link right under it.
    assert!(
        r.text.starts_with(
            "响应 12 分钟后超时。请立即响应：打开工单，点击「响应」。\n查看并处理工单：http://127.0.0.1:8080/tickets/T-2026-0001\n"
        ),
        "{}",
        r.text
    );
    assert!(r.text.contains("处理人：王工（wang@vendor.example）\n"), "{}", r.text);
    assert!(
        r.text
            .contains("值班联系人：李值班（li@vendor.example），值班至 11-23 18:00\n"),
        "{}",
        r.text
    );
    assert!(r.for_reader(true).0.contains("Assignee: 王工 (wang@vendor.example)"));
    // Breached and unassigned: overdue words, and the on-duty people are asked to take it.
    let mut late = facts(&cal, "2026-11-23T14:30:00+08:00", Trigger::Breach);
    late.clock = ClockName::Response;
    let r = render(&late);
    assert!(
        r.text
            .contains("已超时，请立即响应（打开工单，点击「响应」），并在工单中说明超时原因。")
    );
    assert!(r.text.contains("处理人：未分派：请值班人员立即认领"));
    assert!(r.text.contains("值班联系人：未找到值班人员"));
    assert!(!r.text.contains("/api/v1/"), "the link is the page, not the API");
}

#[test]
fn the_html_reads_on_a_phone() {
    let cal = sla_clock::builtin::calendar("24x7").unwrap();
    let r = render(&facts(
        &cal,
        "2026-11-23T13:48:00+08:00",
        Trigger::Share { percent: 80 },
    ));
    assert!(
        r.html
            .contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
    );
    assert!(r.html.contains("max-width:640px"));
    // Chinese first: the action and the button come before the English copy.
    let (_, html) = r.for_reader(true);
    let button = html.find("查看并处理工单 T-2026-0001").unwrap();
    assert!(button < html.find("lang=\"en\"").unwrap());
    assert!(
        html.ends_with("</div></body></html>"),
        "the copy inside the body: {html}"
    );
    // The Chinese step is in words, the ladder's id only in the English copy.
    assert!(r.text.contains("升级步骤：时限已用 80%\n"), "{}", r.text);
}

#[test]
fn the_chinese_copy_says_targets_in_the_contracts_words() {
    let cal = sla_clock::builtin::calendar("24x7").unwrap();
    let mut f = facts(
        &cal,
        "2026-11-23T15:05:00+08:00",
        Trigger::AfterBreach {
            every: "30m".parse().unwrap(),
            limit: 2,
        },
    );
    f.repeat = 2;
    let r = render(&f);
    assert!(
        r.text.contains("时限：修复目标 4 小时，截止 2026-11-23 14:00"),
        "{}",
        r.text
    );
    assert!(
        r.text.contains("升级步骤：超时后第 2/2 次提醒（每 30 分钟）"),
        "{}",
        r.text
    );
    let (text, _) = r.for_reader(true);
    assert!(text.contains("repair target 4h, due 2026-11-23 14:00"), "{text}");
}
