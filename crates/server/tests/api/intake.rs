//! Alert intake: Alertmanager notifications and signed generic alerts open alarm tickets through
//! the mapping rules; repeats join, resolutions are recorded, the unmappable wait in triage.

use axum::http::{Method, StatusCode};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::both;
use crate::support::{Answer, Harness};

/// Adds an intake source; returns its credential.
pub async fn source(t: &Harness, code: &str, kind: &str) -> String {
    let created = t
        .post("admin", "/api/v1/intake/sources", json!({"code": code, "kind": kind}))
        .await
        .expect(StatusCode::CREATED);
    created["credential"].as_str().unwrap().to_owned()
}

pub async fn rules(t: &Harness, rules: Value) {
    t.put("admin", "/api/v1/intake/rules", json!({ "rules": rules }))
        .await
        .expect(StatusCode::OK);
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An Alertmanager notification (webhook version 4) of one alert.
pub fn notification(
    fingerprint: &str,
    firing: bool,
    labels: Value,
    starts: DateTime<Utc>,
    ends: Option<DateTime<Utc>>,
) -> Value {
    let status = if firing { "firing" } else { "resolved" };
    json!({
        "version": "4", "status": status, "receiver": "opsclock", "groupKey": "{}:{}",
        "truncatedAlerts": 0, "groupLabels": {}, "commonLabels": labels, "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": [{
            "status": status, "labels": labels,
            "annotations": {"summary": "node down", "description": "no scrape for 5m"},
            "startsAt": rfc3339(starts),
            "endsAt": ends.map_or("0001-01-01T00:00:00Z".to_owned(), rfc3339),
            "generatorURL": "http://prometheus:9090/graph", "fingerprint": fingerprint
        }]
    })
}

async fn deliver(t: &Harness, token: &str, body: &Value) -> Answer {
    let bearer = format!("Bearer {token}");
    t.with_headers(
        "",
        Method::POST,
        "/api/v1/intake/alertmanager",
        Some("application/json"),
        &[("authorization", &bearer)],
        body.to_string().into_bytes(),
    )
    .await
}

async fn outcome(t: &Harness, token: &str, body: &Value) -> Value {
    let r = deliver(t, token, body).await.expect(StatusCode::OK);
    r["received"][0].clone()
}

async fn alarms(t: &Harness) -> Vec<Value> {
    t.get("admin", "/api/v1/tickets?kind=alarm")
        .await
        .expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn comments(ticket: &Value) -> Vec<String> {
    ticket["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "commented")
        .map(|e| e.to_string())
        .collect()
}

both!(
    a_firing_alert_opens_one_alarm_ticket_repeats_join_it_and_resolution_is_recorded,
    |t: Harness| async move {
        let token = source(&t, "prom", "alertmanager").await;
        rules(
            &t,
            json!([{"name": "system-a", "matchers": ["system=\"a\""], "system": "SA"}]),
        )
        .await;
        let starts = (t.now() - TimeDelta::minutes(10)).with_timezone(&Utc);
        let starts = DateTime::from_timestamp_millis(starts.timestamp_millis()).unwrap();
        let labels = json!({"alertname": "NodeDown", "system": "a", "severity": "critical"});

        let first = outcome(&t, &token, &notification("fp-1", true, labels.clone(), starts, None)).await;
        assert_eq!(first["outcome"], "opened", "{first}");
        let number = first["ticket"].as_str().unwrap().to_owned();
        let ticket = t
            .get("admin", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (ticket["kind"].as_str(), ticket["severity"].as_str()),
            (Some("alarm"), Some("urgent"))
        );
        assert_eq!(ticket["title"], "NodeDown: node down");
        // The clocks start when the alert fired, not when opsclock heard of it.
        assert_eq!(
            ticket["occurred_at"]
                .as_str()
                .unwrap()
                .parse::<DateTime<Utc>>()
                .unwrap(),
            starts
        );
        let response = ticket["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "response")
            .unwrap()
            .clone();
        // Urgent alarm, 24x7: respond within 15 minutes of the alert.
        let deadline = response["deadline"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
        assert_eq!(deadline, starts + TimeDelta::minutes(15), "{response}");

        // Alertmanager repeats the notification: still one ticket.
        let again = outcome(&t, &token, &notification("fp-1", true, labels.clone(), starts, None)).await;
        assert_eq!(
            (again["outcome"].as_str(), again["ticket"].as_str()),
            (Some("repeated"), Some(number.as_str()))
        );
        assert_eq!(alarms(&t).await.len(), 1);

        // Resolved a minute later: recorded on the ticket, which stays open for a person to confirm.
        t.time.advance(TimeDelta::minutes(1));
        let ends = t.now();
        let resolved = outcome(
            &t,
            &token,
            &notification("fp-1", false, labels.clone(), starts, Some(ends)),
        )
        .await;
        assert_eq!(resolved["outcome"], "resolved", "{resolved}");
        let ticket = t
            .get("admin", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(ticket["status"], "new");
        assert!(
            comments(&ticket).iter().any(|c| c.contains("告警已恢复")),
            "{:?}",
            comments(&ticket)
        );
        // The same resolution again changes nothing.
        let twice = outcome(
            &t,
            &token,
            &notification("fp-1", false, labels.clone(), starts, Some(ends)),
        )
        .await;
        assert_eq!(twice["outcome"], "repeated");
        let ticket = t
            .get("admin", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(comments(&ticket).len(), 1);
        // A late or replayed firing of the ended episode does not revive it.
        let late = outcome(&t, &token, &notification("fp-1", true, labels.clone(), starts, None)).await;
        assert_eq!(late["outcome"], "repeated");

        // It fires again a minute later while the ticket is open: added to it.
        t.time.advance(TimeDelta::minutes(1));
        let refire = t.now();
        let added = outcome(&t, &token, &notification("fp-1", true, labels.clone(), refire, None)).await;
        assert_eq!(
            (added["outcome"].as_str(), added["ticket"].as_str()),
            (Some("added"), Some(number.as_str()))
        );
        assert_eq!(alarms(&t).await.len(), 1);
        let ticket = t
            .get("admin", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert!(comments(&ticket).iter().any(|c| c.contains("告警再次触发")));
        let episodes = t
            .get("admin", &format!("/api/v1/intake/alerts?ticket={number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(episodes.as_array().unwrap().len(), 2, "{episodes}");
        assert_eq!(
            episodes[1]["notifications"], 5,
            "fired, repeated, resolved, resolved again, late firing"
        );
        assert_eq!(episodes[1]["status"], "resolved");
        // The old episode's resolution arriving again now says nothing about the new one.
        let old = outcome(
            &t,
            &token,
            &notification("fp-1", false, labels.clone(), starts, Some(ends)),
        )
        .await;
        assert_eq!(old["outcome"], "repeated");
        let ticket = t
            .get("admin", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(comments(&ticket).len(), 2, "{:?}", comments(&ticket));

        // After a person closes the ticket, a new episode opens a new ticket.
        let v = t
            .act("eng_a", &ticket, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
        let v = t.act("eng_a", &v, "arrive", json!({})).await.expect(StatusCode::OK);
        t.act("eng_a", &v, "resolve", json!({"root_cause": "psu", "fix": "swapped"}))
            .await
            .expect(StatusCode::OK);
        t.time.advance(TimeDelta::minutes(1));
        let later = t.now();
        let reopened = outcome(
            &t,
            &token,
            &notification("fp-1", true, labels.clone(), later + TimeDelta::seconds(1), None),
        )
        .await;
        assert_eq!(reopened["outcome"], "opened");
        assert_ne!(reopened["ticket"].as_str(), Some(number.as_str()));
        assert_eq!(alarms(&t).await.len(), 2);
    }
);

both!(intake_tokens_are_checked_and_revocable, |t: Harness| async move {
    let token = source(&t, "prom", "alertmanager").await;
    let body = notification("fp", true, json!({"system": "a"}), t.now(), None);
    let detail = deliver(&t, "oci_wrong", &body)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(detail.contains("unknown or revoked"), "{detail}");
    let none = t
        .with_headers(
            "",
            Method::POST,
            "/api/v1/intake/alertmanager",
            Some("application/json"),
            &[],
            body.to_string().into_bytes(),
        )
        .await;
    none.problem(StatusCode::UNAUTHORIZED, "unauthorized");
    // A user's API token is not an intake token.
    let user_token = t.tokens["admin"].clone();
    deliver(&t, &user_token, &body)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthorized");
    // Without rules it is accepted into triage, then the source is revoked.
    assert_eq!(outcome(&t, &token, &body).await["outcome"], "triage");
    t.raw("admin", Method::DELETE, "/api/v1/intake/sources/prom", None, vec![])
        .await
        .expect(StatusCode::NO_CONTENT);
    deliver(&t, &token, &body)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthorized");
    let sources = t.get("admin", "/api/v1/intake/sources").await.expect(StatusCode::OK);
    assert!(
        sources[0]["revoked_at"].is_string() && sources[0]["last_used_at"].is_string(),
        "{sources}"
    );
    // Other versions of the payload are refused with the reason.
    let token = source(&t, "prom2", "alertmanager").await;
    let mut v3 = body.clone();
    v3["version"] = json!("3");
    let detail = deliver(&t, &token, &v3)
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert!(detail.contains("version \"3\""), "{detail}");
    // Sources are for admins.
    t.post(
        "mgr_a",
        "/api/v1/intake/sources",
        json!({"code": "x", "kind": "generic"}),
    )
    .await
    .problem(StatusCode::FORBIDDEN, "forbidden");
    let detail = t
        .post(
            "admin",
            "/api/v1/intake/sources",
            json!({"code": "bad code", "kind": "generic"}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert!(detail.starts_with("code:"), "{detail}");
});

both!(
    auto_resolve_rules_resolve_and_unmapped_alerts_wait_in_triage,
    |t: Harness| async move {
        let token = source(&t, "prom", "alertmanager").await;
        rules(
            &t,
            json!([{"name": "db", "matchers": ["team=\"db\""], "system_label": "sys", "auto_resolve": true}]),
        )
        .await;
        let starts = t.now() - TimeDelta::minutes(3);
        let labels = json!({"team": "db", "sys": "SA", "severity": "warning"});
        let opened = outcome(&t, &token, &notification("db-1", true, labels.clone(), starts, None)).await;
        assert_eq!(opened["outcome"], "opened");
        let number = opened["ticket"].as_str().unwrap().to_owned();
        let resolved = outcome(&t, &token, &notification("db-1", false, labels, starts, Some(t.now()))).await;
        assert_eq!(resolved["outcome"], "auto_resolved", "{resolved}");
        let ticket = t
            .get("admin", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (ticket["status"].as_str(), ticket["severity"].as_str()),
            (Some("resolved"), Some("general"))
        );
        let kinds: Vec<&str> = ticket["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["type"].as_str())
            .collect();
        assert!(kinds.ends_with(&["commented", "acknowledged", "resolved"]), "{kinds:?}");

        // No rule matches: triage, with the reason; never dropped.
        let web = json!({"team": "web", "sys": "SA", "severity": "critical"});
        let triaged = outcome(&t, &token, &notification("web-1", true, web.clone(), starts, None)).await;
        assert_eq!(
            (triaged["outcome"].as_str(), triaged["reason"].as_str()),
            (Some("triage"), Some("no rule matches its labels"))
        );
        let missing = outcome(
            &t,
            &token,
            &notification(
                "nope-1",
                true,
                json!({"team": "db", "sys": "NOPE", "severity": "critical"}),
                starts,
                None,
            ),
        )
        .await;
        assert_eq!(missing["reason"], "rule \"db\": there is no system \"NOPE\"");
        let queue = t
            .get("admin", "/api/v1/intake/alerts?triage=true")
            .await
            .expect(StatusCode::OK);
        assert_eq!(queue.as_array().unwrap().len(), 2, "{queue}");
        t.get("mgr_a", "/api/v1/intake/alerts?triage=true")
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");

        // Once a rule covers it, its next notification opens the ticket.
        rules(
            &t,
            json!([
                {"name": "db", "matchers": ["team=\"db\""], "system_label": "sys", "auto_resolve": true},
                {"name": "web", "matchers": ["team=\"web\""], "system": "SB"}
            ]),
        )
        .await;
        let mapped = outcome(&t, &token, &notification("web-1", true, web, starts, None)).await;
        assert_eq!(mapped["outcome"], "opened", "{mapped}");

        // An admin opens a ticket for the other one by hand; dismissing it afterwards conflicts.
        let queue = t
            .get("admin", "/api/v1/intake/alerts?triage=true")
            .await
            .expect(StatusCode::OK);
        assert_eq!(queue.as_array().unwrap().len(), 1, "{queue}");
        let id = queue[0]["id"].as_i64().unwrap();
        let ticket = t
            .post(
                "admin",
                &format!("/api/v1/intake/alerts/{id}/open"),
                json!({"system": "SA", "severity": "serious"}),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(
            (ticket["kind"].as_str(), ticket["severity"].as_str()),
            (Some("alarm"), Some("serious"))
        );
        assert_eq!(
            ticket["occurred_at"]
                .as_str()
                .unwrap()
                .parse::<DateTime<Utc>>()
                .unwrap()
                .timestamp(),
            starts.timestamp()
        );
        t.post("admin", &format!("/api/v1/intake/alerts/{id}/dismiss"), json!({}))
            .await
            .problem(StatusCode::CONFLICT, "conflict");
        let queue = t
            .get("admin", "/api/v1/intake/alerts?triage=true")
            .await
            .expect(StatusCode::OK);
        assert!(queue.as_array().unwrap().is_empty());

        // Only seen resolved: kept in triage, then dismissed.
        let late = outcome(
            &t,
            &token,
            &notification("ghost", false, json!({"team": "x"}), starts, Some(t.now())),
        )
        .await;
        assert_eq!(late["reason"], "only seen resolved");
        let queue = t
            .get("admin", "/api/v1/intake/alerts?triage=true")
            .await
            .expect(StatusCode::OK);
        let id = queue[0]["id"].as_i64().unwrap();
        t.post("admin", &format!("/api/v1/intake/alerts/{id}/dismiss"), json!({}))
            .await
            .expect(StatusCode::NO_CONTENT);
        let all = t.get("admin", "/api/v1/intake/alerts").await.expect(StatusCode::OK);
        assert_eq!(all.as_array().unwrap().len(), 4, "every alert is kept: {all}");
    }
);

both!(
    rules_are_checked_whole_and_a_rules_file_takes_them_over,
    |t: Harness| async move {
        let detail = t
            .put(
                "admin",
                "/api/v1/intake/rules",
                json!({"rules": [
                    {"name": "a", "matchers": ["x=~\"(\""], "severity": "huge"},
                    {"name": "a", "system": "SA", "system_label": "s"}
                ]}),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        for part in [
            "give system or system_label",
            "\"huge\" is not a severity",
            "matcher \"x=~\\\"(\\\"\"",
            "used twice",
            "not both",
        ] {
            assert!(detail.contains(part), "{part:?} missing from {detail}");
        }
        assert_eq!(
            t.get("admin", "/api/v1/intake/rules").await.expect(StatusCode::OK)["rules"]["rules"],
            json!([])
        );
        rules(&t, json!([{"name": "a", "matchers": ["system=\"a\""], "system": "SA", "severity_map": {"warning": "serious"}}])).await;
        let tried = t
            .post(
                "admin",
                "/api/v1/intake/rules/test",
                json!({"labels": {"system": "a", "severity": "warning"}}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (tried["system"].as_str(), tried["severity"].as_str()),
            (Some("SA"), Some("serious"))
        );
        let tried = t
            .post("admin", "/api/v1/intake/rules/test", json!({"labels": {"system": "b"}}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(tried["triage"], "no rule matches its labels");

        // A rules file named in the configuration replaces them and locks the API out.
        // Its own directory: the SQLite and PostgreSQL runs of this test share the process and
        // the ids, and one removing the other's file made this flaky.
        let unique = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!("opsclock-rules-{}-{unique}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("intake-rules.toml");
        std::fs::write(
            &file,
            "[[rules]]\nname = \"from-file\"\nsystem = \"SB\"\nseverity = \"minor\"\n",
        )
        .unwrap();
        let n = opsclock::app::intake::store::load_at_start(&t.state.db, Some(&file), t.now())
            .await
            .unwrap();
        assert_eq!(n, 1);
        let stored = t.get("admin", "/api/v1/intake/rules").await.expect(StatusCode::OK);
        assert_eq!(stored["rules"]["rules"][0]["name"], "from-file");
        assert_eq!(stored["file"].as_str(), Some(file.display().to_string().as_str()));
        let detail = t
            .put("admin", "/api/v1/intake/rules", json!({"rules": []}))
            .await
            .problem(StatusCode::CONFLICT, "conflict");
        assert!(detail.contains("rules_file"), "{detail}");
        // A broken file stops the start with every problem.
        std::fs::write(&file, "[[rules]]\nname = \"bad\"\n").unwrap();
        let err = opsclock::app::intake::store::load_at_start(&t.state.db, Some(&file), t.now())
            .await
            .unwrap_err();
        assert!(format!("{err:#}").contains("give system or system_label"), "{err:#}");
        // Without the file the API manages them again, starting from the file's last rules.
        opsclock::app::intake::store::load_at_start(&t.state.db, None, t.now())
            .await
            .unwrap();
        rules(&t, json!([])).await;
        std::fs::remove_dir_all(dir).unwrap();
    }
);

/// Posts `body` to the generic intake of `source`, signed with `secret` at `ts`.
async fn generic(t: &Harness, source: &str, secret: &str, ts: i64, body: &[u8], signature: Option<String>) -> Answer {
    let sig = signature.unwrap_or_else(|| opsclock::app::auth::hmac::sign(secret, ts, body));
    let ts = ts.to_string();
    t.with_headers(
        "",
        Method::POST,
        &format!("/api/v1/intake/generic/{source}"),
        Some("application/json"),
        &[("x-opsclock-timestamp", &ts), ("x-opsclock-signature", &sig)],
        body.to_vec(),
    )
    .await
}

both!(
    the_generic_intake_takes_signed_fresh_requests_only,
    |t: Harness| async move {
        let secret = source(&t, "zabbix", "generic").await;
        rules(
            &t,
            json!([{"name": "zbx", "sources": ["zabbix"], "system_label": "system"}]),
        )
        .await;
        let body = json!({"alerts": [{"id": "zbx-10422", "status": "firing",
            "labels": {"system": "SA", "severity": "critical", "alertname": "Disk full"},
            "annotations": {"summary": "/data 98 %"}, "starts_at": rfc3339(t.now() - TimeDelta::minutes(2))}]})
        .to_string()
        .into_bytes();
        let now = t.now().timestamp();

        // Wrong signature, wrong secret, unknown source: refused, nothing written.
        let detail = generic(&t, "zabbix", &secret, now, &body, Some("sha256=00".into()))
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthorized");
        assert!(detail.contains("does not match"), "{detail}");
        generic(&t, "zabbix", "not-the-secret", now, &body, None)
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthorized");
        generic(&t, "nagios", &secret, now, &body, None)
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthorized");
        // Signed six minutes ago: a replay.
        let detail = generic(&t, "zabbix", &secret, now - 360, &body, None)
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthorized");
        assert!(detail.contains("refused as replays"), "{detail}");
        assert!(alarms(&t).await.is_empty());

        let r = generic(&t, "zabbix", &secret, now, &body, None)
            .await
            .expect(StatusCode::OK);
        assert_eq!(r["received"][0]["outcome"], "opened", "{r}");
        assert_eq!(alarms(&t).await[0]["title"], "Disk full: /data 98 %");
        // The same request again inside the window: counted, not a second ticket.
        let r = generic(&t, "zabbix", &secret, now, &body, None)
            .await
            .expect(StatusCode::OK);
        assert_eq!(r["received"][0]["outcome"], "repeated");
        assert_eq!(alarms(&t).await.len(), 1);
        // An Alertmanager token does not open the generic intake, nor the reverse.
        let token = source(&t, "prom", "alertmanager").await;
        generic(&t, "prom", &token, now, &body, None)
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthorized");
        deliver(&t, &secret, &notification("x", true, json!({}), t.now(), None))
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthorized");
    }
);
