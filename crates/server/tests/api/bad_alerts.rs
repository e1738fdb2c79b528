//! Input the server cannot store or apply does not fail more than itself (issue 25): one alert of
//! an Alertmanager notification that cannot be taken in is parked in triage and the others are
//! still taken in; text with NUL bytes is refused in the JSON API with a 422 naming the field.

use axum::http::{Method, StatusCode};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::both;
use crate::intake::{notification, rules, source};
use crate::support::{Answer, Harness};

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

fn outcomes(report: &Value) -> Vec<String> {
    report["received"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_owned())
        .collect()
}

both!(
    one_alert_that_cannot_be_taken_in_is_parked_and_the_rest_of_its_batch_taken,
    |t: Harness| async move {
        let token = source(&t, "prom", "alertmanager").await;
        rules(
            &t,
            json!([{"name": "system-b", "matchers": ["system=\"b\""], "system": "SB"}]),
        )
        .await;
        let starts = t.now() - TimeDelta::minutes(10);
        let starts = DateTime::<Utc>::from_timestamp_millis(starts.timestamp_millis()).unwrap();
        let alert = |fingerprint: &str, alertname: &str, starts: DateTime<Utc>| {
            notification(
                fingerprint,
                true,
                json!({"alertname": alertname, "system": "b", "severity": "critical"}),
                starts,
                None,
            )["alerts"][0]
                .clone()
        };
        // System B's calendar (cn-5x8) publishes nothing for 2001: its ticket cannot be opened.
        let old: DateTime<Utc> = "2001-03-01T02:00:00Z".parse().unwrap();
        let mut body = notification("fp-1", true, json!({"alertname": "Down", "system": "b"}), starts, None);
        body["alerts"] = json!([
            alert("fp-1", "Down", starts),
            alert("fp-old", "Ancient", old),
            alert("fp-nul", "Bad\u{0}Label", starts),
            alert("fp-4", "Slow", starts),
        ]);

        let report = deliver(&t, &token, &body).await.expect(StatusCode::OK);
        assert_eq!(outcomes(&report), ["opened", "triage", "triage", "opened"], "{report}");
        let reason = |i: usize| report["received"][i]["reason"].as_str().unwrap().to_owned();
        assert!(reason(1).contains("2001"), "{report}");
        assert!(
            reason(2).contains("NUL") && reason(2).contains("alerts[2].labels.alertname"),
            "{report}"
        );

        // Alertmanager repeats the notification: the same answer, nothing parked twice.
        let again = deliver(&t, &token, &body).await.expect(StatusCode::OK);
        assert_eq!(
            outcomes(&again),
            ["repeated", "triage", "triage", "repeated"],
            "{again}"
        );
        let queue = t
            .get("admin", "/api/v1/intake/alerts?triage=true")
            .await
            .expect(StatusCode::OK);
        let queue = queue.as_array().unwrap();
        assert_eq!(queue.len(), 2, "{queue:?}");
        let parked = queue.iter().find(|a| a["fingerprint"] == "fp-nul").unwrap();
        assert_eq!(parked["labels"]["alertname"], "Bad\u{fffd}Label", "{parked}");
        assert_eq!(parked["notifications"], 2, "{parked}");
        let alarms = t
            .get("admin", "/api/v1/tickets?kind=alarm")
            .await
            .expect(StatusCode::OK);
        assert_eq!(alarms["items"].as_array().unwrap().len(), 2, "{alarms}");
    }
);

both!(
    nul_bytes_in_json_text_are_refused_naming_the_field,
    |t: Harness| async move {
        let ticket = json!({"kind": "fault", "system": "SA", "severity": "minor", "title": "断网\u{0}了"});
        let answer = t.post("eng_a", "/api/v1/tickets", ticket).await;
        assert_eq!(answer.body["field"], "title", "{}", answer.body);
        let detail = answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("NUL"), "{detail}");
        // Deeper, and in a key: the path names it.
        let answer = t
            .put(
                "admin",
                "/api/v1/webhooks/x",
                json!({"url": "https://hooks.example/x", "events": ["created", "ping\u{0}"]}),
            )
            .await;
        assert_eq!(answer.body["field"], "events[1]", "{}", answer.body);
        answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        let list = t.get("admin", "/api/v1/tickets").await.expect(StatusCode::OK);
        assert_eq!(list["items"].as_array().unwrap().len(), 0, "{list}");
    }
);

both!(
    nul_bytes_in_a_path_a_query_or_a_form_are_refused_not_a_500,
    |t: Harness| async move {
        // Before signing in, too: the sign-in form, an intake source's path.
        for (who, method, uri, form) in [
            ("", Method::POST, "/login", Some("username=adm%00in&password=x&csrf=y")),
            ("", Method::POST, "/api/v1/intake/generic/a%00b", None),
            ("admin", Method::GET, "/api/v1/tickets/INC%00", None),
            ("admin", Method::GET, "/api/v1/tickets?system=a%00b", None),
            (
                "mgr_a",
                Method::POST,
                "/tickets/new",
                Some("system=SA&title=x%00y&kind=fault"),
            ),
        ] {
            let a = t
                .raw(
                    who,
                    method.clone(),
                    uri,
                    form.map(|_| "application/x-www-form-urlencoded"),
                    form.unwrap_or_default().as_bytes().to_vec(),
                )
                .await;
            assert_eq!(
                a.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{method} {uri}: {:?}",
                a.body
            );
            assert!(
                a.body["detail"].as_str().is_some_and(|d| d.contains("NUL")),
                "{method} {uri}: {:?}",
                a.body
            );
        }
        // A percent sign that is no NUL passes.
        t.get("admin", "/api/v1/tickets?system=SA%2500")
            .await
            .expect(StatusCode::OK);
    }
);
