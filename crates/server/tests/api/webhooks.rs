//! Outbound webhooks against a real receiving HTTP server: events are queued with the ticket
//! write, posted signed, retried with backoff on 500, parked on 404, never repeated once accepted.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use chrono::TimeDelta;
use opsclock::app::escalation::Links;
use opsclock::app::webhooks::sender::{WebhookConfig, WebhookSettings, sender};
use opsclock::delivery::DrainReport;
use opsclock::time::TimeSource;
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;

/// One request the receiver got, and what it answered.
#[derive(Debug, Clone)]
struct Hit {
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: String,
    answered: u16,
}

#[derive(Clone, Default)]
struct Receiver {
    hits: Arc<Mutex<Vec<Hit>>>,
    /// Answer 500 to this many requests first.
    fail_first: Arc<Mutex<usize>>,
}

async fn receive(
    State(r): State<Receiver>,
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let status = if path == "gone" {
        StatusCode::NOT_FOUND
    } else {
        let mut fail = r.fail_first.lock().unwrap();
        if *fail > 0 {
            *fail -= 1;
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::OK
        }
    };
    r.hits.lock().unwrap().push(Hit {
        path,
        query,
        headers,
        body,
        answered: status.as_u16(),
    });
    let answer = if status == StatusCode::OK {
        r#"{"errcode":0,"errmsg":"ok"}"#
    } else {
        "no"
    };
    (status, answer.to_owned())
}

/// Starts the receiver on a free loopback port; returns its base URL.
async fn start_receiver(r: Receiver) -> String {
    let app = axum::Router::new()
        .route("/{*path}", axum::routing::post(receive))
        .with_state(r);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn header(h: &Hit, name: &str) -> String {
    h.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

both!(
    ticket_events_are_posted_signed_retried_on_500_and_never_twice,
    |t: Harness| async move {
        let r = Receiver::default();
        *r.fail_first.lock().unwrap() = 2;
        let base = start_receiver(r.clone()).await;
        let hook = t
            .put(
                "admin",
                "/api/v1/webhooks/ops-json",
                json!({"url": format!("{base}/json"), "events": ["created", "acknowledged", "breached"]}),
            )
            .await
            .expect(StatusCode::OK);
        let secret = hook["secret"].as_str().unwrap().to_owned();
        assert!(
            secret.starts_with("ocw_") && hook["subscription"]["signed"] == true,
            "{hook}"
        );
        t.put("admin", "/api/v1/webhooks/dingtalk", json!({"url": format!("{base}/robot/send?access_token=abc"), "format": "dingtalk", "secret": "SEC9", "events": ["created"]}))
            .await
            .expect(StatusCode::OK);
        t.put(
            "admin",
            "/api/v1/webhooks/gone",
            json!({"url": format!("{base}/gone"), "format": "wecom", "events": ["*"]}),
        )
        .await
        .expect(StatusCode::OK);
        // Bad subscriptions are refused with the reason.
        for (body, field) in [
            (json!({"url": "ftp://x/y"}), "url"),
            (json!({"url": "http://x/y", "format": "slack"}), "format"),
            (json!({"url": "http://x/y", "events": ["exploded"]}), "events"),
        ] {
            let d = t
                .put("admin", "/api/v1/webhooks/bad", body)
                .await
                .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
            assert!(d.starts_with(field), "{d}");
        }
        t.put("mgr_a", "/api/v1/webhooks/x", json!({"url": "http://x/y"}))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");

        let ticket = t.open("eng_a", "SA", "fault", "urgent").await;
        let number = ticket["number"].as_str().unwrap().to_owned();
        t.act("eng_a", &ticket, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
        let queued = t.get("admin", "/api/v1/outbox").await.expect(StatusCode::OK);
        let webhook_rows = queued["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["channel"] == "webhook")
            .count();
        assert_eq!(
            webhook_rows, 5,
            "json: created + acknowledged; dingtalk: created; wecom: created + acknowledged: {queued}"
        );

        // The server's own clock: the sender, the sweep and the handlers read the same "now".
        let time = t.time.clone();
        let settings = WebhookSettings::from_config(&WebhookConfig {
            retry_initial_secs: Some(30),
            max_attempts: Some(5),
            ..WebhookConfig::default()
        })
        .unwrap();
        let links = Links::new(Some("https://ops.example"), "unused", "ops.example".into());
        let poster = sender(
            t.state.db.clone(),
            settings,
            &t.state.outbound,
            time.clone(),
            links.clone(),
        )
        .unwrap();
        // First round: five requests in queue order: the first two (json and dingtalk "created")
        // answered 500, the wecom ones 404 (parked at once), json "acknowledged" accepted.
        assert_eq!(
            poster.drain().await.unwrap(),
            DrainReport {
                sent: 1,
                retrying: 2,
                failed: 2
            }
        );
        assert_eq!(r.hits.lock().unwrap().len(), 5);
        // Nothing is due before the backoff (15-30 s).
        assert_eq!(poster.drain().await.unwrap(), DrainReport::default());
        time.advance(TimeDelta::seconds(31));
        assert_eq!(
            poster.drain().await.unwrap(),
            DrainReport {
                sent: 2,
                ..DrainReport::default()
            }
        );
        // Delivered rows are never sent again.
        time.advance(TimeDelta::hours(2));
        assert_eq!(poster.drain().await.unwrap(), DrainReport::default());

        let hits = r.hits.lock().unwrap().clone();
        assert_eq!(hits.len(), 7);
        let accepted: Vec<&Hit> = hits.iter().filter(|h| h.answered == 200).collect();
        let mut deliveries: Vec<String> = accepted
            .iter()
            .filter(|h| h.path == "json")
            .map(|h| header(h, "x-opsclock-delivery"))
            .collect();
        deliveries.sort();
        deliveries.dedup();
        assert_eq!(
            deliveries.len(),
            2,
            "each json event accepted exactly once: {deliveries:?}"
        );
        assert_eq!(accepted.len(), 3, "json ×2 and dingtalk, each once");
        for h in hits.iter().filter(|h| h.path == "json") {
            let ts: i64 = header(h, "x-opsclock-timestamp").parse().unwrap();
            let sig = header(h, "x-opsclock-signature");
            assert!(
                opsclock::app::auth::hmac::verify(&secret, ts, h.body.as_bytes(), &sig),
                "signature of {}",
                h.body
            );
            let body: Value = serde_json::from_str(&h.body).unwrap();
            assert_eq!(body["ticket"]["number"], number.as_str());
            assert_eq!(body["url"], format!("https://ops.example/tickets/{number}"));
            assert_eq!(header(h, "x-opsclock-event"), body["event"].as_str().unwrap());
        }
        let robot = hits.iter().find(|h| h.path == "robot/send").unwrap();
        let query = robot.query.clone().unwrap();
        assert!(
            query.starts_with("access_token=abc&timestamp=") && query.contains("&sign="),
            "{query}"
        );
        let body: Value = serde_json::from_str(&robot.body).unwrap();
        assert!(
            body["markdown"]["text"].as_str().unwrap().contains("【紧急】"),
            "{body}"
        );

        // The attempts are on record; the 404 is parked with the answer.
        let failed = t
            .get("admin", "/api/v1/outbox?status=failed")
            .await
            .expect(StatusCode::OK);
        assert_eq!(failed["messages"].as_array().unwrap().len(), 2, "{failed}");
        assert!(
            failed["messages"][0]["last_error"].as_str().unwrap().starts_with("404"),
            "{failed}"
        );

        // A breach is posted once, however many sweeps see it.
        let sweeper = opsclock::app::escalation::sweep::Sweeper {
            db: t.state.db.clone(),
            calendars: t.state.calendars.clone(),
            time: time.clone() as Arc<dyn TimeSource>,
            links,
            batch: 100,
            notices: Default::default(),
        };
        time.set(crate::support::pinned() + TimeDelta::hours(5));
        sweeper.sweep().await.unwrap();
        time.advance(TimeDelta::hours(1));
        sweeper.sweep().await.unwrap();
        let before = r.hits.lock().unwrap().len();
        // Arrival (2 h) and repair (4 h) are both late: one event each, whatever the second sweep saw.
        assert_eq!(poster.drain().await.unwrap().sent, 2, "the json hook's breached events");
        let hits = r.hits.lock().unwrap().clone();
        let mut clocks: Vec<String> = hits[before..]
            .iter()
            .filter(|h| h.path == "json")
            .map(|h| serde_json::from_str::<Value>(&h.body).unwrap())
            .inspect(|b| assert_eq!(b["event"], "breached", "{b}"))
            .map(|b| b["clock"].as_str().unwrap().to_owned())
            .collect();
        clocks.sort();
        assert_eq!(clocks, ["arrival", "repair"]);

        // Deleting a subscription stops it; a ping tries the address.
        t.raw("admin", Method::DELETE, "/api/v1/webhooks/gone", None, vec![])
            .await
            .expect(StatusCode::NO_CONTENT);
        let ping = t
            .post("admin", "/api/v1/webhooks/ops-json/ping", json!({}))
            .await
            .expect(StatusCode::ACCEPTED);
        assert!(ping["key"].as_str().unwrap().starts_with("webhook/"));
        let list = t.get("admin", "/api/v1/webhooks").await.expect(StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
        // The robot's token in its URL is not shown back, nor recorded in the outbox.
        let robot = list
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "dingtalk")
            .unwrap();
        assert!(
            robot["url"].as_str().unwrap().ends_with("/robot/send?access_token=…"),
            "{robot}"
        );
        let outbox = t
            .get("admin", "/api/v1/outbox")
            .await
            .expect(StatusCode::OK)
            .to_string();
        assert!(!outbox.contains("access_token=abc"), "{outbox}");
        // Changing a subscription without a secret keeps its secret: the ping is signed with it.
        let changed = t
            .put(
                "admin",
                "/api/v1/webhooks/ops-json",
                json!({"url": format!("{base}/json"), "events": ["*"]}),
            )
            .await
            .expect(StatusCode::OK);
        assert!(
            changed["secret"].is_null() && changed["subscription"]["signed"] == true,
            "{changed}"
        );
        let before = r.hits.lock().unwrap().len();
        assert_eq!(poster.drain().await.unwrap().sent, 1);
        let hits = r.hits.lock().unwrap().clone();
        let ping = &hits[before];
        let ts: i64 = header(ping, "x-opsclock-timestamp").parse().unwrap();
        assert!(opsclock::app::auth::hmac::verify(
            &secret,
            ts,
            ping.body.as_bytes(),
            &header(ping, "x-opsclock-signature")
        ));
        assert_eq!(header(ping, "x-opsclock-event"), "ping");
    }
);

both!(
    a_buyers_request_for_a_visit_is_posted_to_the_subscribers,
    |t: Harness| async move {
        // SV goes on site within 4 hours of the buyer's request for a visit (seed 004 sy-057,
        // L11985–11989: "接到用户现场服务要求后 4 小时内到达").
        crate::recorded::import_catalog(&t, crate::clock_shapes::FILE)
            .await
            .expect(StatusCode::OK);
        let r = Receiver::default();
        let base = start_receiver(r.clone()).await;
        let hook = t
            .put(
                "admin",
                "/api/v1/webhooks/visits",
                json!({"url": format!("{base}/json"), "events": ["visit_requested"]}),
            )
            .await
            .expect(StatusCode::OK);
        let secret = hook["secret"].as_str().unwrap().to_owned();
        t.put(
            "admin",
            "/api/v1/webhooks/wecom",
            json!({"url": format!("{base}/wecom"), "format": "wecom", "events": ["visit_requested"]}),
        )
        .await
        .expect(StatusCode::OK);
        let ticket = t.open("eng_a", "SV", "fault", "serious").await;
        let number = ticket["number"].as_str().unwrap().to_owned();
        let ticket = t
            .act("eng_a", &ticket, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
        // Only the buyer asks for a visit: the unit's manager.
        t.act("mgr_a", &ticket, "request_visit", json!({}))
            .await
            .expect(StatusCode::OK);

        let links = Links::new(Some("https://ops.example"), "unused", "ops.example".into());
        let settings = WebhookSettings::from_config(&WebhookConfig::default()).unwrap();
        let poster = sender(t.state.db.clone(), settings, &t.state.outbound, t.time.clone(), links).unwrap();
        assert_eq!(
            poster.drain().await.unwrap(),
            DrainReport {
                sent: 2,
                ..DrainReport::default()
            },
            "one visit_requested event per subscription, and nothing for created or acknowledged"
        );
        let hits = r.hits.lock().unwrap().clone();
        assert_eq!(hits.len(), 2, "{hits:?}");
        let json_hit = hits.iter().find(|h| h.path == "json").unwrap();
        assert_eq!(header(json_hit, "x-opsclock-event"), "visit_requested");
        let ts: i64 = header(json_hit, "x-opsclock-timestamp").parse().unwrap();
        assert!(opsclock::app::auth::hmac::verify(
            &secret,
            ts,
            json_hit.body.as_bytes(),
            &header(json_hit, "x-opsclock-signature")
        ));
        let body: Value = serde_json::from_str(&json_hit.body).unwrap();
        assert_eq!(body["event"], "visit_requested", "{body}");
        assert_eq!(body["ticket"]["number"], number.as_str(), "{body}");
        let wecom = hits.iter().find(|h| h.path == "wecom").unwrap();
        assert!(wecom.body.contains("用户要求现场服务"), "{}", wecom.body);
        // Delivered once: nothing is sent again.
        t.time.advance(TimeDelta::hours(1));
        assert_eq!(poster.drain().await.unwrap(), DrainReport::default());
    }
);
