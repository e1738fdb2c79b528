//! Recurring faults and problem records (问题单): tickets of one class on one system within the
//! policy's window become one problem, which the vendor analyses and the buyer closes.

use axum::http::StatusCode;
use chrono::TimeDelta;
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;
use crate::web::{browse, csrf_of, session, submit};

async fn setup(t: &Harness) {
    t.patch(
        "admin",
        &format!("/api/v1/policies/{}", t.ids.policy),
        json!({"categories": [
            {"code": "latent", "name": "潜伏故障", "kinds": ["fault", "alarm"]},
            {"code": "occasional", "name": "偶然故障", "kinds": ["fault", "alarm"]},
        ]}),
    )
    .await
    .expect(StatusCode::OK);
}

/// Changes system SB as an admin (with the version it has).
async fn set_sb(t: &Harness, change: Value) {
    let path = format!("/api/v1/systems/{}", t.ids.sys_b);
    let mut body = change;
    body["version"] = t.get("admin", &path).await.expect(StatusCode::OK)["version"].clone();
    t.patch("admin", &path, body).await.expect(StatusCode::OK);
}

async fn fault(t: &Harness, system: &str, category: Value) -> Value {
    let who = if system == "SA" { "mgr_a" } else { "mgr_b" };
    t.post(
        who,
        "/api/v1/tickets",
        json!({"kind": "fault", "system": system, "severity": "general", "title": "存储告警", "category": category}),
    )
    .await
    .expect(StatusCode::CREATED)
}

both!(
    the_second_fault_of_a_class_within_30_days_opens_one_problem_for_both,
    |t: Harness| async move {
        setup(&t).await;
        let first = fault(&t, "SA", json!("latent")).await;
        assert_eq!(first.get("problem"), None, "one fault is no recurrence");
        // Another class, another system: not the same.
        assert_eq!(fault(&t, "SA", json!("occasional")).await.get("problem"), None);
        assert_eq!(fault(&t, "SB", json!("latent")).await.get("problem"), None);
        // A request is not a fault.
        t.post(
            "mgr_a",
            "/api/v1/tickets",
            json!({"kind": "request", "system": "SA", "severity": "general", "title": "x"}),
        )
        .await
        .expect(StatusCode::CREATED);

        t.time.set(t.now() + TimeDelta::days(29));
        let second = fault(&t, "SA", json!("latent")).await;
        let number = second["problem"].as_str().expect("a problem").to_owned();
        assert!(number.starts_with("PRB-2026-"), "{number}");
        let p = t
            .get("eng_a", &format!("/api/v1/problems/{number}"))
            .await
            .expect(StatusCode::OK);
        let tickets: Vec<&str> = p["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["number"].as_str().unwrap())
            .collect();
        assert_eq!(
            tickets,
            [first["number"].as_str().unwrap(), second["number"].as_str().unwrap()]
        );
        assert_eq!(
            (
                p["system"].as_str(),
                p["category"].as_str(),
                p["category_name"].as_str(),
                p["state"].as_str()
            ),
            (Some("SA"), Some("latent"), Some("潜伏故障"), Some("open"))
        );
        assert_eq!(p["title"], "System A：同类故障重复发生（潜伏故障）");
        // The first ticket says so when read.
        let read = t
            .get(
                "mgr_a",
                &format!("/api/v1/tickets/{}", first["number"].as_str().unwrap()),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(read["problem"].as_str(), Some(number.as_str()));

        // A third joins the same problem.
        let third = fault(&t, "SA", json!("latent")).await;
        assert_eq!(third["problem"].as_str(), Some(number.as_str()));
        let p = t
            .get("eng_a", &format!("/api/v1/problems/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(p["tickets"].as_array().map(Vec::len), Some(3));

        // 31 days after the last: too late to be the same recurrence.
        t.time.set(t.now() + TimeDelta::days(31));
        assert_eq!(fault(&t, "SA", json!("latent")).await.get("problem"), None);

        // Another party's system is out of sight: as if it did not exist.
        t.get("mgr_b", &format!("/api/v1/problems/{number}"))
            .await
            .expect(StatusCode::NOT_FOUND);
        let seen = t.get("mgr_b", "/api/v1/problems").await.expect(StatusCode::OK);
        assert_eq!(seen.as_array().map(Vec::len), Some(0));
        let all = t
            .get("admin", "/api/v1/problems?state=open")
            .await
            .expect(StatusCode::OK);
        assert_eq!(all.as_array().map(Vec::len), Some(1));
        t.get("admin", "/api/v1/problems?state=done")
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    }
);

both!(
    the_policy_sets_the_count_the_window_and_the_kinds_or_turns_it_off,
    |t: Harness| async move {
        setup(&t).await;
        let policy = format!("/api/v1/policies/{}", t.ids.policy);
        let bad = t
            .patch("admin", &policy, json!({"recurrence": {"count": 1}}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(bad.contains("recurrence.count") && bad.contains("at least 2"), "{bad}");
        let p = t
            .patch("admin", &policy, json!({"recurrence": {"count": 3, "within_days": 7}}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            p["recurrence"],
            json!({"count": 3, "within_days": 7, "kinds": ["fault"]})
        );
        // Where the policy sorts faults, an unsorted one's class is not known yet: no problem.
        for _ in 0..3 {
            assert_eq!(fault(&t, "SA", Value::Null).await.get("problem"), None);
        }
        assert_eq!(fault(&t, "SA", json!("latent")).await.get("problem"), None);
        assert_eq!(
            fault(&t, "SA", json!("latent")).await.get("problem"),
            None,
            "two of three"
        );
        assert!(
            fault(&t, "SA", json!("latent")).await["problem"].is_string(),
            "the third within 7 days"
        );
        // A policy that sorts nothing has one class per system: its unsorted tickets.
        t.patch("admin", &policy, json!({"categories": []}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(fault(&t, "SB", Value::Null).await.get("problem"), None);
        assert_eq!(fault(&t, "SB", Value::Null).await.get("problem"), None);
        assert!(fault(&t, "SB", Value::Null).await["problem"].is_string());

        // `null` goes back to the default rule.
        let p = t
            .patch("admin", &policy, json!({"recurrence": null}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            p["recurrence"],
            json!({"count": 2, "within_days": 30, "kinds": ["fault"]})
        );
        t.patch("admin", &policy, json!({"recurrence": {"enabled": false}}))
            .await
            .expect(StatusCode::OK);
        for _ in 0..3 {
            assert_eq!(fault(&t, "SB", Value::Null).await.get("problem"), None, "off");
        }
    }
);

both!(
    sorting_a_ticket_into_a_recurring_class_joins_it_to_the_problem,
    |t: Harness| async move {
        setup(&t).await;
        fault(&t, "SA", json!("latent")).await;
        let unsorted = fault(&t, "SA", Value::Null).await;
        assert_eq!(unsorted.get("problem"), None);
        let sorted = t
            .act("eng_a", &unsorted, "categorise", json!({"category": "latent"}))
            .await
            .expect(StatusCode::OK);
        assert!(
            sorted["problem"].as_str().is_some_and(|n| n.starts_with("PRB-")),
            "{sorted}"
        );
    }
);

both!(
    the_vendor_writes_the_analysis_and_plan_and_the_buyer_closes,
    |t: Harness| async move {
        setup(&t).await;
        fault(&t, "SA", json!("latent")).await;
        let number = fault(&t, "SA", json!("latent")).await["problem"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = format!("/api/v1/problems/{number}");
        let p = t.get("eng_a", &path).await.expect(StatusCode::OK);
        // The buyer's people do not write the vendor's analysis where a vendor serves the system.
        t.patch("mgr_a", &path, json!({"version": p["version"], "analysis": "x"}))
            .await
            .expect(StatusCode::FORBIDDEN);
        // Nor does the vendor close its own problem.
        t.post("eng_a", &format!("{path}/close"), json!({"version": p["version"]}))
            .await
            .expect(StatusCode::FORBIDDEN);
        let closing = t
            .post("mgr_a", &format!("{path}/close"), json!({"version": p["version"]}))
            .await
            .problem(StatusCode::CONFLICT, "invalid-transition");
        assert!(
            closing.contains("closes once its analysis and its fix plan are written"),
            "{closing}"
        );
        let p = t
            .patch(
                "eng_a",
                &path,
                json!({"version": p["version"], "analysis": "存储控制器固件缺陷，高负载时掉盘"}),
            )
            .await
            .expect(StatusCode::OK);
        // A stale version is refused.
        t.patch("eng_a", &path, json!({"version": 1, "plan": "x"}))
            .await
            .problem(StatusCode::CONFLICT, "version-conflict");
        let p = t
            .patch(
                "vmgr_a",
                &path,
                json!({"version": p["version"], "plan": "12 月 10 日前升级固件至 7.2，升级后观察两周"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(p["analysis"], "存储控制器固件缺陷，高负载时掉盘");
        let closed = t
            .post("mgr_a", &format!("{path}/close"), json!({"version": p["version"]}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (closed["state"].as_str(), closed["closed_at"].is_string()),
            (Some("closed"), true)
        );
        // The operator's list says the same.
        let (ok, out, err) = crate::support::opsclock(&t, &["problem", "list", "--state", "closed"]);
        assert!(ok, "{err}");
        assert!(
            out.contains(&format!("{number}  closed  SA  潜伏故障  2 ticket(s)")) && out.contains("analysis ✓ plan ✓"),
            "{out}"
        );
        t.patch("eng_a", &path, json!({"version": closed["version"], "plan": "再改"}))
            .await
            .problem(StatusCode::CONFLICT, "invalid-transition");
        // Closed is final: its tickets are done with, so the next fault of the class is alone,
        // and the one after opens a new problem with it.
        assert_eq!(fault(&t, "SA", json!("latent")).await.get("problem"), None);
        let next = fault(&t, "SA", json!("latent")).await;
        let again = next["problem"].as_str().unwrap();
        assert_ne!(again, number);
    }
);

both!(
    a_ticket_sorted_or_moved_elsewhere_leaves_its_problem_and_a_close_sees_every_link,
    |t: Harness| async move {
        setup(&t).await;
        let first = fault(&t, "SA", json!("latent")).await;
        let second = fault(&t, "SA", json!("latent")).await;
        let number = second["problem"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/problems/{number}");
        let read = t.get("mgr_a", &path).await.expect(StatusCode::OK);
        // A third joins after the buyer read it: the record's version moves on, so a close
        // decided on what was read is refused.
        let third = fault(&t, "SA", json!("latent")).await;
        assert_eq!(third["problem"].as_str(), Some(number.as_str()));
        let p = t.get("eng_a", &path).await.expect(StatusCode::OK);
        assert!(
            p["version"].as_i64() > read["version"].as_i64(),
            "a link moves the version on"
        );
        // Sorted into another class: out of the problem.
        let resorted = t
            .act(
                "eng_a",
                &second,
                "categorise",
                json!({"category": "occasional", "reason": "误判"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(resorted.get("problem"), None);
        let p = t.get("eng_a", &path).await.expect(StatusCode::OK);
        let tickets: Vec<&str> = p["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["number"].as_str().unwrap())
            .collect();
        assert_eq!(
            tickets,
            [first["number"].as_str().unwrap(), third["number"].as_str().unwrap()]
        );
        // Moved to another unit's system (served on site, as SA is): out of the problem, whose
        // readers no longer see it.
        set_sb(&t, json!({"service_mode": "on_site"})).await;
        let first = t
            .get(
                "admin",
                &format!("/api/v1/tickets/{}", first["number"].as_str().unwrap()),
            )
            .await
            .expect(StatusCode::OK);
        t.act(
            "admin",
            &first,
            "correct",
            json!({"system": "SB", "reason": "登记错系统"}),
        )
        .await
        .expect(StatusCode::OK);
        let p = t.get("eng_a", &path).await.expect(StatusCode::OK);
        assert_eq!(p["tickets"].as_array().map(Vec::len), Some(1));
        // A category the new system's policy does not offer is refused with the move.
        let other = t
            .post(
                "admin",
                "/api/v1/policies",
                json!({"code": "P2", "name": "Policy 2", "targets": crate::support::policy_targets()}),
            )
            .await
            .expect(StatusCode::CREATED);
        set_sb(&t, json!({"policy_id": other["id"]})).await;
        let third = t
            .get(
                "admin",
                &format!("/api/v1/tickets/{}", third["number"].as_str().unwrap()),
            )
            .await
            .expect(StatusCode::OK);
        let refused = t
            .act("admin", &third, "correct", json!({"system": "SB", "reason": "x"}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(
            refused.contains("in category latent, which SB's policy does not offer"),
            "{refused}"
        );
    }
);

both!(two_faults_opened_at_once_make_one_problem, |t: Harness| async move {
    setup(&t).await;
    fault(&t, "SA", json!("latent")).await;
    let (a, b) = tokio::join!(fault(&t, "SA", json!("latent")), fault(&t, "SA", json!("latent")));
    assert_eq!(a["problem"], b["problem"], "{a} {b}");
    let all = t.get("admin", "/api/v1/problems").await.expect(StatusCode::OK);
    assert_eq!(all.as_array().map(Vec::len), Some(1));
    assert_eq!(all[0]["tickets"].as_array().map(Vec::len), Some(3));
});

both!(
    the_pages_list_a_problem_and_take_the_analysis,
    |t: Harness| async move {
        setup(&t).await;
        let first = fault(&t, "SA", json!("latent")).await;
        let number = fault(&t, "SA", json!("latent")).await["problem"]
            .as_str()
            .unwrap()
            .to_owned();
        let cookies = session(&t, "eng_a").await;
        let (status, list) = browse(&t, &cookies, "/problem-records").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            list.contains(&format!("href=\"/problem-records/{number}\"")) && list.contains("潜伏故障"),
            "{list}"
        );
        let (_, page) = browse(&t, &cookies, &format!("/problem-records/{number}")).await;
        assert!(
            page.contains("id=\"problem-analysis-text\"") && !page.contains("id=\"problem-close\""),
            "{page}"
        );
        let (a, next) = submit(
            &t,
            &cookies,
            &format!("/problem-records/{number}"),
            &[
                ("csrf", &csrf_of(&page)),
                ("version", "1"),
                ("analysis", "固件缺陷"),
                ("plan", "升级固件"),
            ],
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        let (_, after) = browse(&t, &next, &format!("/problem-records/{number}")).await;
        assert!(
            after.contains("固件缺陷</textarea>") && after.contains("升级固件</textarea>"),
            "{after}"
        );
        // The buyer's manager reads it and may close it.
        let buyer = session(&t, "mgr_a").await;
        let (_, page) = browse(&t, &buyer, &format!("/problem-records/{number}")).await;
        assert!(
            page.contains("id=\"problem-close\"") && page.contains("固件缺陷"),
            "{page}"
        );
        let (a, next) = submit(
            &t,
            &buyer,
            &format!("/problem-records/{number}"),
            &[("csrf", &csrf_of(&page)), ("version", "2"), ("close", "1")],
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        let (_, after) = browse(&t, &next, &format!("/problem-records/{number}")).await;
        assert!(after.contains("id=\"problem-state\">已关闭"), "{after}");
        // The ticket page links to it.
        let (_, ticket) = browse(&t, &buyer, &format!("/tickets/{}", first["number"].as_str().unwrap())).await;
        assert!(
            ticket.contains(&format!("<a class=\"in-text\" href=\"/problem-records/{number}\">")),
            "{ticket}"
        );
    }
);

both!(
    a_burst_of_faults_on_one_system_makes_one_problem_with_each_ticket_once,
    |t: Harness| async move {
        setup(&t).await;
        // Opened together, most in one group's batch: each finds the others as recurrences.
        let sent: Vec<_> = (0..12).map(|_| fault(&t, "SA", json!("latent"))).collect();
        let opened = futures::future::join_all(sent).await;
        let problems: std::collections::BTreeSet<&str> = opened.iter().filter_map(|o| o["problem"].as_str()).collect();
        assert_eq!(problems.len(), 1, "{opened:?}");
        let all = t.get("admin", "/api/v1/problems").await.expect(StatusCode::OK);
        assert_eq!(all.as_array().map(Vec::len), Some(1));
        let mut linked: Vec<&str> = all[0]["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["number"].as_str().unwrap())
            .collect();
        let mut numbers: Vec<&str> = opened.iter().map(|o| o["number"].as_str().unwrap()).collect();
        linked.sort_unstable();
        numbers.sort_unstable();
        assert_eq!(linked, numbers, "every ticket of the burst in the problem, once");
        // Each detection in a batch sees the tickets before it only, as if they had come one at a
        // time: no link is made twice, so no batch had to be written again ticket by ticket.
        assert_eq!(t.state.ctx.group.fallbacks(), 0);
    }
);
