//! A real Prometheus Alertmanager (Debian's `prometheus-alertmanager`) sends to opsclock over
//! loopback: alerts are injected through Alertmanager's own API, and its webhook notifications
//! open, repeat and resolve an alarm ticket.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;

const BINARY: &str = "prometheus-alertmanager";

/// A running Alertmanager, killed on drop.
struct Alertmanager {
    child: Child,
    dir: PathBuf,
    url: String,
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Alertmanager {
    /// Starts Alertmanager with a webhook receiver posting to `target` with `token`, grouping
    /// per alert and repeating every 2 s.
    async fn start(target: &str, token: &str) -> Alertmanager {
        let found = Command::new(BINARY)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        assert!(
            found.is_ok_and(|s| s.success()),
            "the intake tests need a real Alertmanager: apt-get install -y prometheus-alertmanager \
             (./scripts/test installs it)"
        );
        let dir = std::env::temp_dir().join(format!("opsclock-am-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let config = format!(
            r#"route:
  receiver: opsclock
  group_by: ['alertname', 'system']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 2s
receivers:
  - name: opsclock
    webhook_configs:
      - url: {target}/api/v1/intake/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: {token}
"#
        );
        std::fs::write(dir.join("alertmanager.yml"), config).unwrap();
        let port = free_port();
        let child = Command::new(BINARY)
            .arg(format!("--config.file={}", dir.join("alertmanager.yml").display()))
            .arg(format!("--storage.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting Alertmanager");
        let am = Alertmanager {
            child,
            dir,
            url: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = client.get(format!("{}/-/ready", am.url)).send().await
                && r.status().is_success()
            {
                return am;
            }
            assert!(
                Instant::now() < deadline,
                "Alertmanager did not become ready at {}",
                am.url
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Posts alerts through Alertmanager's API (v2), as Prometheus does.
    async fn inject(&self, alerts: Value) {
        let r = reqwest::Client::new()
            .post(format!("{}/api/v2/alerts", self.url))
            .json(&alerts)
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_success(),
            "Alertmanager refused the alerts: {}",
            r.text().await.unwrap_or_default()
        );
    }
}

/// Waits up to 30 s for `check` to return `Some`.
async fn eventually<T, F: std::future::Future<Output = Option<T>>>(what: &str, mut check: impl FnMut() -> F) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

async fn alerts_of(t: &Harness) -> Vec<Value> {
    t.get("admin", "/api/v1/intake/alerts")
        .await
        .expect(StatusCode::OK)
        .as_array()
        .unwrap()
        .clone()
}

both!(
    alertmanager_firing_opens_one_ticket_repeats_keep_it_one_and_resolution_is_recorded,
    |t: Harness| async move {
        let token = crate::intake::source(&t, "prometheus", "alertmanager").await;
        crate::intake::rules(
            &t,
            json!([{"name": "jingban", "matchers": ["system=\"jingban\""], "system": "SA"}]),
        )
        .await;
        // opsclock on a loopback port, serving the harness's router.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = t.router.clone();
        tokio::spawn(async move {
            axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
                .await
                .unwrap()
        });
        let am = Alertmanager::start(&format!("http://{addr}"), &token).await;

        // Alertmanager relays the instants it is given; opsclock judges them by its own (pinned) clock.
        let starts = DateTime::from_timestamp_millis((t.now() - TimeDelta::minutes(2)).timestamp_millis()).unwrap();
        let alert = json!({
            "labels": {"alertname": "InstanceDown", "system": "jingban", "severity": "critical", "instance": "10.1.2.3:9100"},
            "annotations": {"summary": "10.1.2.3 is down"},
            "startsAt": rfc3339(starts),
            "generatorURL": "http://prometheus:9090/graph"
        });
        am.inject(json!([alert.clone()])).await;

        let ticket = eventually("the alarm ticket", || async {
            let items = t
                .get("admin", "/api/v1/tickets?kind=alarm")
                .await
                .expect(StatusCode::OK)["items"]
                .clone();
            items.as_array().unwrap().first().cloned()
        })
        .await;
        assert_eq!(
            (ticket["severity"].as_str(), ticket["title"].as_str()),
            (Some("urgent"), Some("InstanceDown: 10.1.2.3 is down"))
        );
        assert_eq!(
            ticket["occurred_at"]
                .as_str()
                .unwrap()
                .parse::<DateTime<Utc>>()
                .unwrap(),
            starts
        );
        let number = ticket["number"].as_str().unwrap().to_owned();

        // Prometheus keeps sending the firing alert and Alertmanager keeps repeating it.
        am.inject(json!([alert.clone()])).await;
        eventually("repeated notifications", || async {
            let a = alerts_of(&t).await;
            (a.len() == 1 && a[0]["notifications"].as_i64().unwrap() >= 3).then_some(())
        })
        .await;
        let items = t
            .get("admin", "/api/v1/tickets?kind=alarm")
            .await
            .expect(StatusCode::OK)["items"]
            .clone();
        assert_eq!(items.as_array().unwrap().len(), 1, "still one ticket: {items}");

        // The alert ends: Alertmanager sends it resolved; opsclock records it on the ticket.
        let mut ended = alert.clone();
        ended["endsAt"] = json!(rfc3339(t.now()));
        am.inject(json!([ended])).await;
        let row = eventually("the resolved notification", || async {
            let a = alerts_of(&t).await;
            a.into_iter().find(|a| a["status"] == "resolved")
        })
        .await;
        assert_eq!(row["ticket"].as_str(), Some(number.as_str()));
        assert_eq!(row["rule"], "jingban");
        assert_eq!(row["labels"]["instance"], "10.1.2.3:9100");
        let ticket = t
            .get("admin", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        let recorded =
            ticket["timeline"].as_array().unwrap().iter().any(|e| {
                e["type"] == "commented" && e["data"]["text"].as_str().unwrap_or_default().contains("告警已恢复")
            });
        assert!(recorded, "{}", ticket["timeline"]);
        assert_eq!(ticket["status"], "new", "a person confirms the repair");
        let items = t
            .get("admin", "/api/v1/tickets?kind=alarm")
            .await
            .expect(StatusCode::OK)["items"]
            .clone();
        assert_eq!(items.as_array().unwrap().len(), 1);
    }
);
