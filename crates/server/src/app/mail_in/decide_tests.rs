use super::*;
use crate::app::mail_in::Rule;

fn mail(from: &str, subject: &str, text: &str) -> Parsed {
    Parsed {
        message_id: Some("m@x".into()),
        from: Some(from.into()),
        subject: subject.into(),
        text: text.into(),
        readable: true,
        ..Parsed::default()
    }
}

fn user() -> Facts {
    Facts {
        sender: Some((7, "li".into())),
        unit_systems: vec!["SA".into(), "SC".into()],
        ..Facts::default()
    }
}

fn opts() -> Options {
    Options {
        rules: vec![
            Rule {
                address: Some("*@portal.example".into()),
                subject: None,
                system: "SP".into(),
            },
            Rule {
                address: None,
                subject: Some("门户".into()),
                system: "SA".into(),
            },
        ],
        ..Options::new("shared")
    }
}

#[test]
fn automatic_messages_are_ignored_before_anything_else() {
    let base = mail("li@ua.example", "门户故障", "x");
    let cases: Vec<(Parsed, &str)> = vec![
        (
            Parsed {
                auto_submitted: Some("auto-replied".into()),
                ..base.clone()
            },
            "Auto-Submitted: auto-replied",
        ),
        (
            Parsed {
                precedence: Some("bulk".into()),
                ..base.clone()
            },
            "Precedence: bulk",
        ),
        (
            Parsed {
                autoreply_header: true,
                ..base.clone()
            },
            "an automatic reply (X-Autoreply)",
        ),
        (
            Parsed {
                null_return_path: true,
                ..base.clone()
            },
            "a bounce (Return-Path: <>)",
        ),
        (
            mail("MAILER-DAEMON@ua.example".to_lowercase().as_str(), "x", "y"),
            "a bounce (from mailer-daemon@ua.example)",
        ),
    ];
    for (m, why) in cases {
        assert_eq!(decide(&m, &user(), &opts()), Decision::Ignore(why.into()));
    }
    let own = Facts {
        own_message: true,
        ..user()
    };
    assert_eq!(
        decide(&base, &own, &opts()),
        Decision::Ignore("one of opsclock's own messages".into())
    );
    // Auto-Submitted: no is a person's message.
    let person = Parsed {
        auto_submitted: Some("no".into()),
        ..base
    };
    assert!(matches!(decide(&person, &user(), &opts()), Decision::Open { .. }));
}

#[test]
fn unknown_and_disabled_senders_are_refused() {
    let m = mail("who@else.example", "门户故障", "x");
    assert_eq!(
        decide(&m, &Facts::default(), &opts()),
        Decision::Refuse("who@else.example is not the address of a user".into())
    );
    let disabled = Facts {
        sender_refused: Some("li's account is disabled".into()),
        ..Facts::default()
    };
    assert_eq!(
        decide(&m, &disabled, &opts()),
        Decision::Refuse("li's account is disabled".into())
    );
}

#[test]
fn rules_then_the_units_only_system_then_triage() {
    let by_address = decide(&mail("a@portal.example", "门户打不开", "x"), &user(), &opts());
    assert!(
        matches!(&by_address, Decision::Open { system, why, .. } if system == "SP" && why == "rule 1 (address *@portal.example)")
    );
    let by_subject = decide(&mail("li@ua.example", "Re: 门户打不开", "x"), &user(), &opts());
    assert!(matches!(&by_subject, Decision::Open { system, title, .. } if system == "SA" && title == "门户打不开"));
    let one = Facts {
        unit_systems: vec!["SB".into()],
        ..user()
    };
    let only = decide(&mail("li@ua.example", "打印机坏了", "x"), &one, &opts());
    assert!(matches!(&only, Decision::Open { system, why, .. } if system == "SB" && why == "the unit's only system"));
    let triage = decide(&mail("li@ua.example", "打印机坏了", "x"), &user(), &opts());
    assert!(
        matches!(&triage, Decision::Triage { reason, .. } if reason == "no rule matches and the unit has 2 systems")
    );
}

#[test]
fn the_subject_sets_the_severity_and_the_default_is_general() {
    let sev = |s: &str| match decide(&mail("li@ua.example", s, "x"), &user(), &opts()) {
        Decision::Open { severity, .. } | Decision::Triage { severity, .. } => severity,
        other => panic!("{other:?}"),
    };
    assert_eq!(sev("【紧急】门户宕机"), Severity::Urgent);
    assert_eq!(sev("门户严重变慢"), Severity::Serious);
    assert_eq!(sev("门户轻微问题"), Severity::Minor);
    assert_eq!(sev("门户问题"), Severity::General);
}

#[test]
fn replies_comment_or_acknowledge() {
    let thread = Facts {
        thread: Some("INC-2026-000001".into()),
        ..user()
    };
    let reply = mail(
        "li@ua.example",
        "Re: x",
        "重启后仍然打不开\n\n在 2026年12月6日 写道：\n> 原文",
    );
    assert_eq!(
        decide(&reply, &thread, &opts()),
        Decision::Comment {
            ticket: "INC-2026-000001".into(),
            text: "重启后仍然打不开".into()
        }
    );
    for (first, keyword) in [
        ("确认", "确认"),
        ("收到。", "收到"),
        ("ack!", "ACK"),
        ("  ACK\n谢谢", "ACK"),
    ] {
        let mut m = mail("li@ua.example", "Re: x", &format!("{first}\n> quoted"));
        // Without the trusted server's DMARC pass a keyword is only a comment: From is forgeable.
        assert!(
            matches!(decide(&m, &thread, &opts()), Decision::Comment { .. }),
            "{first}"
        );
        let trusting = Options {
            trusted_authserv_id: Some("mx.ops.example".into()),
            ..opts()
        };
        m.auth_results = vec![("mx.elsewhere.example".into(), Some(true))];
        assert!(matches!(decide(&m, &thread, &trusting), Decision::Comment { .. }));
        // The trusted server's own result on top says fail: a pass below it was forged.
        m.auth_results = vec![
            ("mx.ops.example".into(), Some(false)),
            ("mx.ops.example".into(), Some(true)),
        ];
        assert!(matches!(decide(&m, &thread, &trusting), Decision::Comment { .. }));
        m.auth_results = vec![("mx.ops.example".into(), Some(true))];
        assert_eq!(
            decide(&m, &thread, &trusting),
            Decision::Acknowledge {
                ticket: "INC-2026-000001".into(),
                keyword: keyword.into()
            },
            "{first}"
        );
    }
    // A keyword inside a sentence is a comment.
    let m = mail("li@ua.example", "Re: x", "确认一下进展");
    assert!(matches!(decide(&m, &thread, &opts()), Decision::Comment { .. }));
    let empty = mail("li@ua.example", "Re: x", "> only quoted");
    assert_eq!(
        decide(&empty, &thread, &opts()),
        Decision::Ignore("a reply to INC-2026-000001 without text".into())
    );
}
