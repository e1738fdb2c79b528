//! Mail in against a real Dovecot (tests/api/dovecot.rs): mail from a registered user becomes a
//! ticket on the unit's system and the reporter gets the number back; a reply becomes a comment;
//! a reply whose first line is a keyword acknowledges as its sender, if they may; auto-replies
//! and unknown senders open nothing; a GBK subject reads right; a message seen twice is handled
//! once; IDLE wakes the worker; mail no rule places waits for triage.

use std::time::Duration;

use axum::http::StatusCode;
use opsclock::db::entities::{audit_log, mail_in_messages, outbox, tickets, users};
use opsclock::mail::imap;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::json;

use crate::both;
use crate::dovecot::Dovecot;
use crate::support::Harness;

async fn set_email(t: &Harness, who: &str, email: &str) {
    users::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(t.user_ids[who]),
        email: Set(Some(email.to_owned())),
        ..Default::default()
    }
    .update(&t.db.db)
    .await
    .expect("set the email");
}

/// A message; `headers` are extra header lines.
fn mail(from: &str, subject: &str, id: &str, headers: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: ops@opsclock.example\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n\
         Date: Wed, 25 Nov 2026 10:00:00 +0800\r\n{headers}MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    )
}

async fn ticket_count(t: &Harness) -> u64 {
    tickets::Entity::find().count(&t.db.db).await.unwrap()
}

/// One round; the outcomes (outcome, ticket) of the messages handled.
async fn round(t: &Harness, s: &opsclock::mail::inbound::MailInSettings) -> Vec<(String, Option<String>)> {
    let report = imap::once(&t.state.ctx, s).await.expect("a round");
    report.outcomes.into_iter().map(|(_, o, n)| (o, n)).collect()
}

both!(
    mail_becomes_a_ticket_a_reply_a_comment_and_a_keyword_an_acknowledgement,
    |t: Harness| async move {
        set_email(&t, "ueng_a", "Li@UA.example").await;
        set_email(&t, "eng_a", "wang@va.example").await;
        let dovecot = Dovecot::start();
        // The receiving server stamps Authentication-Results as mx.ops.example.
        let s = dovecot.mailbox("ua", "trusted_authserv_id = \"mx.ops.example\"\n");
        const VOUCHED: &str = "Authentication-Results: mx.ops.example; dmarc=pass header.from=example\r\n";

        dovecot
            .deliver(
                "INBOX",
                &mail(
                    "李工 <li@ua.example>",
                    "门户网站打不开",
                    "m1@ua.example",
                    "",
                    "首页 502，\r\n已影响办事大厅。",
                ),
            )
            .await;
        let got = round(&t, &s).await;
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "ticket");
        let number = got[0].1.clone().expect("a ticket");
        let view = t
            .get("admin", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(view["system_id"], t.ids.sys_a, "unit A's only system");
        assert_eq!(view["severity"], "general");
        assert_eq!(view["kind"], "fault");
        assert_eq!(view["title"], "门户网站打不开");
        assert_eq!(view["description"], "首页 502，\n已影响办事大厅。");
        assert_eq!(view["reporter_id"], t.user_ids["ueng_a"]);
        // Handled mail is put away: a restart does not fetch it again.
        assert_eq!((dovecot.count("INBOX").await, dovecot.count("Processed").await), (0, 1));
        assert!(round(&t, &s).await.is_empty());

        // The reporter gets the number back, in reply to their message, with a link.
        let acks = outbox::Entity::find()
            .filter(outbox::Column::Kind.eq("mail_in_ack"))
            .all(&t.db.db)
            .await
            .unwrap();
        assert_eq!(acks.len(), 1);
        let ack = &acks[0];
        assert_eq!(ack.recipients, json!(["Li@UA.example"]));
        assert!(ack.subject.contains(&number), "{}", ack.subject);
        assert_eq!(ack.thread_id.as_deref(), Some("m1@ua.example"));
        assert!(
            ack.body_text.contains(&format!("/tickets/{number}")),
            "{}",
            ack.body_text
        );

        // A reply to the answer is a comment by the reporter; the quoted text is left out.
        let replied = format!(
            "In-Reply-To: <{}>\r\nReferences: <m1@ua.example> <{}>\r\n",
            ack.message_id, ack.message_id
        );
        let reply = mail(
            "li@ua.example",
            &format!("Re: {}", ack.subject),
            "m2@ua.example",
            &replied,
            "重启后仍然 502\r\n\r\n> 您的邮件已登记",
        );
        dovecot.deliver("INBOX", &reply).await;
        assert_eq!(round(&t, &s).await, [("comment".to_owned(), Some(number.clone()))]);
        let view = t
            .get("admin", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        let timeline = view["timeline"].to_string();
        assert!(timeline.contains("重启后仍然 502"), "{timeline}");
        assert!(!timeline.contains("您的邮件已登记"), "{timeline}");

        // The keyword from someone who may not acknowledge (the unit's engineer) is refused …
        let subject = format!("回复：已受理 {number}");
        dovecot
            .deliver(
                "INBOX",
                &mail("li@ua.example", &subject, "m3@ua.example", VOUCHED, "确认"),
            )
            .await;
        assert_eq!(round(&t, &s).await, [("refused".to_owned(), Some(number.clone()))]);
        let view = t
            .get("admin", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(view["status"], "new");
        let m3 = mail_in_messages::Entity::find()
            .filter(mail_in_messages::Column::MessageId.eq("m3@ua.example"))
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(m3.user_id, Some(t.user_ids["ueng_a"]), "the refusal names who sent it");
        assert!(m3.reason.is_some());
        // … a forged one (no DMARC pass from the trusted server) in the vendor engineer's name is
        // only a comment …
        dovecot
            .deliver(
                "INBOX",
                &mail("wang@va.example", &subject, "m4-forged@va.example", "", "收到"),
            )
            .await;
        assert_eq!(round(&t, &s).await, [("comment".to_owned(), Some(number.clone()))]);
        let view = t
            .get("admin", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(view["status"], "new", "a From alone acknowledges nothing");
        // … and the vendor's engineer's, vouched for (the number in the subject names the
        // ticket), acknowledges, as them.
        dovecot
            .deliver(
                "INBOX",
                &mail(
                    "wang@va.example",
                    &subject,
                    "m4@va.example",
                    VOUCHED,
                    "收到。\r\n马上处理",
                ),
            )
            .await;
        assert_eq!(round(&t, &s).await, [("ack".to_owned(), Some(number.clone()))]);
        let view = t
            .get("admin", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(view["status"], "acknowledged");
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("ticket.acknowledge"))
            .filter(audit_log::Column::Target.eq(&number))
            .one(&t.db.db)
            .await
            .unwrap()
            .expect("audited");
        assert_eq!(audited.user_id, Some(t.user_ids["eng_a"]));

        // An auto-reply and a stranger open nothing; the stranger gets no answer (no backscatter).
        let before = (
            ticket_count(&t).await,
            outbox::Entity::find().count(&t.db.db).await.unwrap(),
        );
        dovecot
            .deliver(
                "INBOX",
                &mail(
                    "li@ua.example",
                    "自动回复: 门户网站打不开",
                    "m5@ua.example",
                    "Auto-Submitted: auto-replied\r\n",
                    "我正在休假",
                ),
            )
            .await;
        dovecot
            .deliver(
                "INBOX",
                &mail("x@elsewhere.example", "门户网站打不开", "m6@x.example", "", "hello"),
            )
            .await;
        assert_eq!(
            round(&t, &s).await,
            [("ignored".to_owned(), None), ("refused".to_owned(), None)]
        );
        let after = (
            ticket_count(&t).await,
            outbox::Entity::find().count(&t.db.db).await.unwrap(),
        );
        assert_eq!(before, after);
        let reasons: Vec<Option<String>> = mail_in_messages::Entity::find()
            .filter(mail_in_messages::Column::MessageId.is_in(["m5@ua.example", "m6@x.example"]))
            .all(&t.db.db)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.reason)
            .collect();
        assert!(
            reasons.contains(&Some("Auto-Submitted: auto-replied".into())),
            "{reasons:?}"
        );
        assert!(
            reasons.contains(&Some("x@elsewhere.example is not the address of a user".into())),
            "{reasons:?}"
        );
    }
);

both!(
    a_gbk_subject_reads_right_and_the_same_message_twice_is_handled_once,
    |t: Harness| async move {
        set_email(&t, "mgr_b", "zhao@ub.example").await;
        let dovecot = Dovecot::start();
        let s = dovecot.mailbox("shared", "");
        // 紧急：邮件系统故障 in GBK; the body in GB2312, base64.
        let raw = "From: =?GBK?B?1dTW98jO?= <zhao@ub.example>\r\nSubject: =?GBK?B?vfS8saO608q8/s+1zbO5ytXP?=\r\n\
               Message-ID: <gbk-1@ub.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=gb2312\r\n\
               Content-Transfer-Encoding: base64\r\n\r\n08q8/srVt6LIq7K/yqew3KOsx+u+ob/stKbA7aGj\r\n";
        dovecot.deliver("INBOX", raw).await;
        let got = round(&t, &s).await;
        assert_eq!(got.len(), 1, "{got:?}");
        let number = got[0].1.clone().expect("a ticket");
        let view = t
            .get("admin", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(view["title"], "紧急：邮件系统故障");
        assert_eq!(view["description"], "邮件收发全部失败，请尽快处理。");
        assert_eq!(view["severity"], "urgent", "紧急 in the subject");
        assert_eq!(view["system_id"], t.ids.sys_b);

        // The same message again (a copy, or a restart before it was moved): nothing more.
        dovecot.deliver("INBOX", raw).await;
        assert!(round(&t, &s).await.is_empty());
        assert_eq!(ticket_count(&t).await, 1);
        assert_eq!((dovecot.count("INBOX").await, dovecot.count("Processed").await), (0, 2));
        // And the same place twice (two replicas fetching one UID) is handled once.
        let opts = &s.options;
        let place = opsclock::app::mail_in::act::Place {
            uidvalidity: 1,
            uid: 99,
        };
        let other = raw.replace("gbk-1@", "gbk-2@");
        let first = opsclock::app::mail_in::handle(&t.state.ctx, opts, place, other.as_bytes())
            .await
            .unwrap();
        let again =
            opsclock::app::mail_in::handle(&t.state.ctx, opts, place, other.replace("gbk-2@", "gbk-3@").as_bytes())
                .await
                .unwrap();
        assert_eq!((first.outcome.as_str(), again.outcome.as_str()), ("ticket", "seen"));

        // Attachments are stored with the ticket through the attachments' checks; one refused (a
        // program) is named on the ticket with the reason and does not stop it.
        let with_file = "From: zhao@ub.example\r\nSubject: 打印机故障\r\nMessage-ID: <att-1@ub.example>\r\n\
                         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n\
                         --XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n见日志\r\n\
                         --XX\r\nContent-Type: text/plain; name=\"err.log\"\r\nContent-Disposition: attachment; filename=\"err.log\"\r\n\
                         Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gbG9nCg==\r\n\
                         --XX\r\nContent-Type: application/octet-stream; name=\"tool.exe\"\r\nContent-Disposition: attachment; filename=\"tool.exe\"\r\n\
                         Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAA\r\n--XX--\r\n";
        dovecot.deliver("INBOX", with_file).await;
        let got = round(&t, &s).await;
        assert_eq!(got[0].0, "ticket", "{got:?}");
        let number = got[0].1.clone().unwrap();
        let row = mail_in_messages::Entity::find()
            .filter(mail_in_messages::Column::MessageId.eq("att-1@ub.example"))
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        let files = row.attachments.clone().unwrap();
        assert_eq!(files[0]["name"], "err.log");
        assert!(files[0]["stored"].is_i64(), "{files}");
        assert_eq!(files[1]["name"], "tool.exe");
        assert!(files[1]["refused"].is_string(), "{files}");
        assert!(row.reason.as_deref().unwrap().contains("tool.exe"), "{:?}", row.reason);
        let view = t
            .get("admin", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(view["description"], "见日志");
        let timeline = view["timeline"].to_string();
        assert!(
            timeline.contains("邮件附件未保存") && timeline.contains("tool.exe"),
            "{timeline}"
        );
        let stored = opsclock::db::entities::ticket_attachments::Entity::find()
            .all(&t.db.db)
            .await
            .unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(
            (stored[0].name.as_str(), stored[0].source.as_str()),
            ("err.log", "mail")
        );
    }
);

both!(
    idle_wakes_the_worker_and_unplaced_mail_waits_for_triage,
    |t: Harness| async move {
        set_email(&t, "bureau", "chen@bureau.example").await;
        let dovecot = Dovecot::start();
        // Polling every 10 minutes: only IDLE can take the mail in within the test.
        let s = dovecot.mailbox("shared", "poll_secs = 600\nidle = true\n");
        let worker = tokio::spawn(imap::run(t.state.ctx.clone(), s));
        tokio::time::sleep(Duration::from_millis(1500)).await;
        dovecot
            .deliver(
                "INBOX",
                &mail(
                    "chen@bureau.example",
                    "全市视频会议系统无声音",
                    "b1@bureau.example",
                    "",
                    "各区县均无声音",
                ),
            )
            .await;
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let row = loop {
            if let Some(r) = mail_in_messages::Entity::find().one(&t.db.db).await.unwrap()
                && r.outcome != "pending"
            {
                break r;
            }
            assert!(std::time::Instant::now() < deadline, "IDLE did not wake the worker");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        worker.abort();
        assert_eq!(row.outcome, "triage");

        // The operator sees the mailbox's last round and the mail with its outcome.
        let config = std::env::temp_dir().join(format!("opsclock-mail-in-{}-{}.toml", std::process::id(), row.id));
        let table = format!(
            "[[mail_in]]\nname = \"shared\"\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nusername = \"ops\"\npassword = \"secret\"\n",
            dovecot.port
        );
        std::fs::write(&config, table).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsclock"))
            .args(["mail-in", "status", "--database", &t.db.url, "--config"])
            .arg(&config)
            .output()
            .expect("opsclock runs");
        std::fs::remove_file(&config).ok();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
        assert!(
            stdout.contains(&format!(
                "shared  ops@127.0.0.1:{} folder INBOX  last ok 2026-",
                dovecot.port
            )),
            "{stdout}"
        );
        assert!(
            stdout.contains("triage") && stdout.contains("全市视频会议系统无声音"),
            "{stdout}"
        );
        assert_eq!(
            row.reason.as_deref(),
            Some("no rule matches and the sender has no unit with a system")
        );

        let queue = t
            .get("admin", "/api/v1/mail-in/messages?triage=true")
            .await
            .expect(StatusCode::OK);
        assert_eq!(queue.as_array().unwrap().len(), 1);
        assert_eq!(queue[0]["body"], "各区县均无声音");
        t.get("mgr_a", "/api/v1/mail-in/messages")
            .await
            .expect(StatusCode::FORBIDDEN);
        let id = row.id;
        let opened = t
            .post(
                "bureau",
                &format!("/api/v1/mail-in/messages/{id}/open"),
                json!({"system": "SB"}),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(opened["system_id"], t.ids.sys_b);
        assert_eq!(opened["reporter_id"], t.user_ids["bureau"]);
        assert_eq!(opened["title"], "全市视频会议系统无声音");
        let number = opened["number"].as_str().unwrap();
        let acks = outbox::Entity::find()
            .filter(outbox::Column::Kind.eq("mail_in_ack"))
            .all(&t.db.db)
            .await
            .unwrap();
        assert_eq!(acks.len(), 1);
        assert!(acks[0].subject.contains(number));
        let queue = t
            .get("admin", "/api/v1/mail-in/messages?triage=true")
            .await
            .expect(StatusCode::OK);
        assert_eq!(queue, json!([]));
        t.post("admin", &format!("/api/v1/mail-in/messages/{id}/dismiss"), json!({}))
            .await
            .problem(StatusCode::CONFLICT, "conflict");
    }
);

both!(
    the_page_lists_mail_and_opens_one_waiting_for_triage,
    |t: Harness| async move {
        use crate::web::{browse, csrf_of, session, submit};
        set_email(&t, "bureau", "chen@bureau.example").await;
        let opts = opsclock::app::mail_in::Options::new("shared");
        let raw = mail(
            "chen@bureau.example",
            "【严重】全市视频会议系统无声音",
            "p1@bureau.example",
            "",
            "各区县均无声音",
        );
        let place = opsclock::app::mail_in::act::Place { uidvalidity: 7, uid: 1 };
        let handled = opsclock::app::mail_in::handle(&t.state.ctx, &opts, place, raw.as_bytes())
            .await
            .unwrap();
        assert_eq!(handled.outcome, "triage");
        let id = mail_in_messages::Entity::find()
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap()
            .id;

        let cookie = session(&t, "bureau").await;
        let (status, html) = browse(&t, &cookie, "/mail-in?triage=1").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("全市视频会议系统无声音") && html.contains("待分派"),
            "{html}"
        );
        assert!(html.contains(&format!(r#"action="/mail-in/{id}/open""#)), "{html}");
        assert!(
            html.contains(r#"<option value="serious" selected>"#),
            "the subject's severity is offered: {html}"
        );
        let (answer, _) = submit(
            &t,
            &cookie,
            &format!("/mail-in/{id}/open"),
            &[("csrf", &csrf_of(&html)), ("system", "SB"), ("severity", "serious")],
        )
        .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        let row = mail_in_messages::Entity::find_by_id(id)
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.triage_outcome.as_deref(), Some("opened"));
        let ticket = tickets::Entity::find_by_id(row.ticket_id.unwrap())
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (ticket.system_id, ticket.title.as_str()),
            (t.ids.sys_b, "【严重】全市视频会议系统无声音")
        );
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("mail_in.open"))
            .one(&t.db.db)
            .await
            .unwrap()
            .expect("audited");
        assert_eq!(audited.user_id, Some(t.user_ids["bureau"]));

        let unit = session(&t, "mgr_a").await;
        assert_eq!(browse(&t, &unit, "/mail-in").await.0, StatusCode::FORBIDDEN);
    }
);

/// IMAPS and STARTTLS reach the server under a certificate from the configured CA (`ca_file`);
/// without that CA the connection is refused, not taken in the clear.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_and_starttls_trust_the_configured_ca_only() {
    let dovecot = Dovecot::start_tls();
    let ca = dovecot.dir.join("ca.pem");
    let settings = |tls: &str, port: u16, ca: Option<&std::path::Path>| {
        let ca_line = ca
            .map(|p| format!("ca_file = {:?}\n", p.display().to_string()))
            .unwrap_or_default();
        let text = format!(
            "name = \"tls\"\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"{tls}\"\nusername = \"ops\"\npassword = \"secret\"\n{ca_line}"
        );
        opsclock::mail::inbound::MailInSettings::from_config(&toml::from_str(&text).unwrap()).unwrap()
    };
    for (tls, port) in [("tls", dovecot.tls_port), ("starttls", dovecot.port)] {
        let mut session = imap::connect(&settings(tls, port, Some(&ca)))
            .await
            .unwrap_or_else(|e| panic!("{tls}: {e:#}"));
        let inbox = session.select("INBOX").await.expect("SELECT over TLS");
        assert_eq!(inbox.exists, 0, "{tls}");
        session.logout().await.ok();
        let refused = imap::connect(&settings(tls, port, None))
            .await
            .expect_err("an unknown CA is refused");
        assert!(
            format!("{refused:#}").contains("TLS with 127.0.0.1"),
            "{tls}: {refused:#}"
        );
    }
}

both!(
    a_message_the_server_fails_on_waits_for_the_next_round_and_a_huge_one_is_read_by_its_header,
    |t: Harness| async move {
        use sea_orm::ConnectionTrait as _;
        set_email(&t, "ueng_a", "li@ua.example").await;
        let dovecot = Dovecot::start();
        let mut s = dovecot.mailbox("ua", "");
        let with_file = "From: li@ua.example\r\nSubject: 摄像头离线\r\nMessage-ID: <fail-1@ua.example>\r\n\
                         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n\
                         --XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n见日志\r\n\
                         --XX\r\nContent-Type: text/plain; name=\"err.log\"\r\nContent-Disposition: attachment; filename=\"err.log\"\r\n\
                         Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gbG9nCg==\r\n--XX--\r\n";
        dovecot.deliver("INBOX", with_file).await;
        dovecot
            .deliver(
                "INBOX",
                &mail("li@ua.example", "门户网站打不开", "ok-1@ua.example", "", "502"),
            )
            .await;

        // The attachments' table is away: storing the file fails, as a full disk or a lost
        // database would. The message is left in the mailbox, nothing of it is recorded (no
        // ticket half-opened, no "refused"), and the message after it is not held up.
        t.db.db
            .execute_unprepared("ALTER TABLE ticket_attachments RENAME TO ticket_attachments_away")
            .await
            .unwrap();
        let report = imap::once(&t.state.ctx, &s).await.expect("the round itself goes on");
        assert_eq!(report.failed.len(), 1, "{report:?}");
        assert!(report.failed[0].contains("the server failed"), "{report:?}");
        assert_eq!(report.outcomes.len(), 1, "{report:?}");
        assert_eq!(report.outcomes[0].1, "ticket");
        assert_eq!((dovecot.count("INBOX").await, dovecot.count("Processed").await), (1, 1));
        assert_eq!(ticket_count(&t).await, 1, "only the second message's ticket");
        let recorded = mail_in_messages::Entity::find()
            .filter(mail_in_messages::Column::MessageId.eq("fail-1@ua.example"))
            .count(&t.db.db)
            .await
            .unwrap();
        assert_eq!(recorded, 0);

        // Once the server is well again, the next round handles it, file and all.
        t.db.db
            .execute_unprepared("ALTER TABLE ticket_attachments_away RENAME TO ticket_attachments")
            .await
            .unwrap();
        let got = round(&t, &s).await;
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "ticket");
        assert_eq!((dovecot.count("INBOX").await, dovecot.count("Processed").await), (0, 2));
        let stored = opsclock::db::entities::ticket_attachments::Entity::find()
            .all(&t.db.db)
            .await
            .unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].name, "err.log");

        // A message over the mailbox's limit is not downloaded: its header opens the ticket,
        // whose description says why the text and files are missing.
        s.max_message_bytes = 4096;
        let photo = "QUJD".repeat(4000);
        let huge = format!(
            "From: li@ua.example\r\nSubject: 机房漏水 照片见附件\r\nMessage-ID: <huge-1@ua.example>\r\n\
             MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n\
             --XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n漏水位置见照片\r\n\
             --XX\r\nContent-Type: image/jpeg; name=\"leak.jpg\"\r\nContent-Disposition: attachment; filename=\"leak.jpg\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{photo}\r\n--XX--\r\n"
        );
        dovecot.deliver("INBOX", &huge).await;
        let got = round(&t, &s).await;
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "ticket");
        let number = got[0].1.clone().unwrap();
        let view = t
            .get("admin", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(view["title"], "机房漏水 照片见附件");
        let description = view["description"].as_str().unwrap();
        assert!(description.contains("超过邮箱上限 4 KiB"), "{description}");
        assert!(description.contains("over the mailbox's limit"), "{description}");
        assert!(
            !description.contains("漏水位置见照片"),
            "the body was not read: {description}"
        );
        assert_eq!(dovecot.count("Processed").await, 3);
        let row = mail_in_messages::Entity::find()
            .filter(mail_in_messages::Column::MessageId.eq("huge-1@ua.example"))
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.outcome, "ticket");
        assert!(row.attachments.is_none(), "no file was read: {:?}", row.attachments);
    }
);
