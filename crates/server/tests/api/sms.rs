//! SMS through real gateways: Debian's Kannel (bearerbox + smsbox, with `fakesmsc` from
//! kannel-extras as the SMSC, which prints every message it receives) and a generic HTTP gateway
//! (an axum server in the test). Each test starts its own processes on its own ports in its own
//! directory, and stops them when it ends (also when it fails).

use std::collections::BTreeMap;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use chrono::TimeDelta;
use opsclock::app::audit::{Actor, ClientAddr};
use opsclock::app::auth::accounts;
use opsclock::app::sms::settings::{SmsConfig, SmsSettings};
use opsclock::app::sms::{self, SmsMessage};
use opsclock::delivery::DrainReport;
use opsclock::time::TimeSource;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

use crate::both;
use crate::support::Harness;

/// What Kannel answers a message it took: at once when its SMSC link is up, else queued for the
/// link (both are 202, and both reach the SMSC).
const KANNEL_ACCEPTS: [&str; 2] = ["202 0: Accepted for delivery", "202 3: Queued for later delivery"];

fn free_port() -> u16 {
    free_ports::<1>()[0]
}

/// `N` distinct free ports: the probes are held open until all are chosen, since a port freed
/// at once may be handed out again at the next bind (bearerbox then found its admin port and its
/// fake SMSC's to be one, and died).
fn free_ports<const N: usize>() -> [u16; N] {
    let probes: Vec<TcpListener> = (0..N).map(|_| TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    std::array::from_fn(|i| probes[i].local_addr().unwrap().port())
}

/// A Kannel program: on PATH, else where Debian puts it.
fn kannel_program(name: &str, debian_dir: &str) -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|f| f.is_file()))
        .unwrap_or_default();
    let debian = Path::new(debian_dir).join(name);
    on_path.or_else(|| debian.is_file().then_some(debian)).unwrap_or_else(|| {
        panic!("{name} not found on PATH or in {debian_dir}: install Debian's kannel and kannel-extras (scripts/test does)")
    })
}

fn wait_for_port(port: u16, what: &str) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{what} did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// bearerbox, smsbox and fakesmsc in a directory of their own; stopped and removed on drop.
pub(crate) struct Kannel {
    pub(crate) dir: PathBuf,
    children: Vec<Child>,
    _fake_stdin: Option<ChildStdin>,
    pub(crate) sendsms: u16,
}

impl Kannel {
    pub(crate) fn start() -> Kannel {
        let bearerbox = kannel_program("bearerbox", "/usr/sbin");
        let smsbox = kannel_program("smsbox", "/usr/sbin");
        let fakesmsc = kannel_program("fakesmsc", "/usr/lib/kannel/test");
        let dir = std::env::temp_dir().join(format!("opsclock-kannel-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(dir.join("store")).unwrap();
        let [admin, boxes, smsc, sendsms] = free_ports::<4>();
        let d = dir.display();
        let conf = format!(
            "group = core\nadmin-port = {admin}\nadmin-password = admin-{admin}\nsmsbox-port = {boxes}\n\
             box-allow-ip = 127.0.0.1\nlog-level = 1\nlog-file = \"{d}/bearerbox.log\"\n\
             store-type = spool\nstore-location = \"{d}/store\"\n\n\
             group = smsc\nsmsc = fake\nsmsc-id = fake\nhost = 127.0.0.1\nport = {smsc}\nconnect-allow-ip = 127.0.0.1\n\n\
             group = smsbox\nbearerbox-host = 127.0.0.1\nbearerbox-port = {boxes}\nsendsms-port = {sendsms}\n\
             sendsms-interface = 127.0.0.1\nlog-level = 1\nlog-file = \"{d}/smsbox.log\"\n\n\
             group = sendsms-user\nusername = opsclock\npassword = s3cret-{sendsms}\nmax-messages = 3\nconcatenation = true\n\n\
             group = sms-service\nkeyword = default\ntext = \"no service\"\n"
        );
        std::fs::write(dir.join("kannel.conf"), conf).unwrap();
        let log = |name: &str| std::fs::File::create(dir.join(name)).unwrap();
        let mut k = Kannel {
            dir: dir.clone(),
            children: vec![],
            _fake_stdin: None,
            sendsms,
        };
        k.children.push(
            Command::new(&bearerbox)
                .arg(dir.join("kannel.conf"))
                .stdout(log("bearerbox.out"))
                .stderr(log("bearerbox.err"))
                .spawn()
                .unwrap(),
        );
        wait_for_port(smsc, "bearerbox's fake SMSC port");
        let out = log("fakesmsc.out");
        let mut fake = Command::new(&fakesmsc)
            .args([
                "-H",
                "127.0.0.1",
                "-r",
                &smsc.to_string(),
                "-i",
                "0.1",
                "-m",
                "0",
                "1 2 text nop",
            ])
            .stdin(Stdio::piped())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        // fakesmsc reads messages to send from its input: kept open (and empty) while it runs.
        k._fake_stdin = fake.stdin.take();
        k.children.push(fake);
        k.children.push(
            Command::new(&smsbox)
                .arg(dir.join("kannel.conf"))
                .stdout(log("smsbox.out"))
                .stderr(log("smsbox.err"))
                .spawn()
                .unwrap(),
        );
        wait_for_port(sendsms, "smsbox's sendsms port");
        k
    }

    pub(crate) fn password(&self) -> String {
        format!("s3cret-{}", self.sendsms)
    }

    /// The messages fakesmsc received so far: (to, text). The parts of a concatenated message
    /// (`udh 05 00 03 ref total seq data …`, UCS-2 here) are joined into one once all came.
    pub(crate) fn received(&self) -> Vec<(String, String)> {
        let mut text = String::new();
        std::fs::File::open(self.dir.join("fakesmsc.out"))
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        let mut whole = Vec::new();
        let mut parts: BTreeMap<(String, u8), BTreeMap<u8, String>> = BTreeMap::new();
        let mut totals: BTreeMap<(String, u8), u8> = BTreeMap::new();
        for m in text
            .lines()
            .filter_map(|l| l.split_once("Got message ").map(|(_, m)| m))
            .filter_map(|m| m.split_once(": <").map(|(_, m)| m.trim_end_matches('>')))
        {
            let f: Vec<&str> = m.splitn(4, ' ').collect();
            let to = f[1].to_owned();
            if f[2] != "udh" {
                whole.push((to, decode(f[2], f[3])));
                continue;
            }
            let (udh, data) = f[3].split_once(" data ").expect("udh, then data");
            let udh = bytes_of(udh);
            assert_eq!(&udh[..3], [5, 0, 3], "a concatenation header: {udh:?}");
            let (reference, total, seq) = (udh[3], udh[4], udh[5]);
            totals.insert((to.clone(), reference), total);
            parts
                .entry((to, reference))
                .or_default()
                .insert(seq, decode("ucs-2", data));
        }
        for (key, got) in parts {
            if got.len() == usize::from(totals[&key]) {
                whole.push((key.0, got.into_values().collect()));
            }
        }
        whole
    }

    /// Waits until fakesmsc has received `n` messages.
    pub(crate) fn wait_for(&self, n: usize) -> Vec<(String, String)> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "fakesmsc received {got:?}, not {n} messages; logs in {}",
                self.dir.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Kannel {
    fn drop(&mut self) {
        for c in self.children.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// fakesmsc's `data`: URL-encoded bytes (`+` a space), UTF-16BE for `ucs-2`, else the text.
fn decode(kind: &str, data: &str) -> String {
    let bytes = bytes_of(data);
    if kind == "ucs-2" {
        let units: Vec<u16> = bytes.chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        String::from_utf16(&units).unwrap()
    } else {
        String::from_utf8(bytes).unwrap()
    }
}

/// URL-encoded bytes (`+` a space), as fakesmsc prints them.
fn bytes_of(data: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    let b = data.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                bytes.push(u8::from_str_radix(&data[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'+' => {
                bytes.push(b' ');
                i += 1;
            }
            c => {
                bytes.push(c);
                i += 1;
            }
        }
    }
    bytes
}

pub(crate) fn settings(config: SmsConfig) -> SmsSettings {
    SmsSettings::from_config(&SmsConfig {
        retry_initial_secs: Some(30),
        max_attempts: Some(5),
        ..config
    })
    .unwrap()
}

fn message(key: &str, phones: &[&str], text: &str) -> SmsMessage {
    SmsMessage {
        dedup_key: key.to_owned(),
        kind: "notice".to_owned(),
        ticket_id: None,
        phones: phones.iter().map(|p| (*p).to_owned()).collect(),
        text: text.to_owned(),
        label: "紧急 T-2026-0001 开单通知".to_owned(),
        vars: BTreeMap::new(),
        due_at: crate::support::pinned(),
        step: None,
        note: None,
        not_before: None,
    }
}

/// A Kannel, and an SMS sender of `t`'s outbox through its `sendsms` (user `opsclock`, sender
/// number 10690000, the password in a secret file).
pub(crate) async fn kannel_and_sender(t: &Harness) -> (Arc<Kannel>, sms::sender::SmsSender) {
    let kannel = Arc::new(tokio::task::spawn_blocking(Kannel::start).await.unwrap());
    let secret = kannel.dir.join("secret");
    std::fs::write(&secret, format!("{}\n", kannel.password())).unwrap();
    let s = settings(SmsConfig {
        provider: Some("kannel".into()),
        url: Some(format!("http://127.0.0.1:{}/cgi-bin/sendsms", kannel.sendsms)),
        username: Some("opsclock".into()),
        secret_file: Some(secret),
        from: Some("10690000".into()),
        ..SmsConfig::default()
    });
    let gateway = s.gateway.clone().unwrap();
    let sender = sms::sender::sender(t.state.db.clone(), &s, gateway, &t.state.outbound, t.time.clone()).unwrap();
    (kannel, sender)
}

async fn sms_rows(t: &Harness) -> Vec<Value> {
    let all = t.get("admin", "/api/v1/outbox").await.expect(StatusCode::OK);
    all["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["channel"] == "sms")
        .cloned()
        .collect()
}

both!(
    an_sms_reaches_kannels_smsc_once_with_its_exact_chinese_text,
    |t: Harness| async move {
        // The person's number, as an admin types it; stored normalised and audited.
        let by = Actor::Operator("test");
        let from = ClientAddr(Some("cli".into()));
        let change = |phone: &str| accounts::Notify {
            phone: Some(phone.to_owned()),
            ..Default::default()
        };
        let refused = accounts::set_notify(&t.state, by, &from, "eng_a", change("12345")).await;
        let refused = format!("{:?}", refused.unwrap_err());
        assert!(
            refused.contains("phone") && refused.contains("mainland mobile"),
            "{refused}"
        );
        let user = accounts::set_notify(&t.state, by, &from, "eng_a", change("+86 138-0013-8000"))
            .await
            .unwrap();
        assert_eq!(user.phone.as_deref(), Some("13800138000"));

        let (kannel, sender) = kannel_and_sender(&t).await;

        // The text as compose makes it: one 70-unit segment, title cut, link whole, an emoji.
        let composed = sms::text::compose(&sms::text::Parts {
            prefix: "【opsclock】紧急 T-2026-0001",
            title: "🔥区政务云平台数据库主节点宕机，全部业务系统无法访问，请立即处理",
            link: "https://ops.example.cn/t/T-2026-0001",
            max_segments: 1,
        });
        assert_eq!((composed.segments.count, composed.segments.units), (1, 70));
        let text = composed.text;
        let phone = user.phone.clone().unwrap();
        let now = t.time.now();
        let m = message("T-2026-0001/open/sms", &[&phone, "138 0013 8000", "12345"], &text);
        assert_eq!(
            sms::queue(&t.state.db, m.clone(), now).await.unwrap(),
            2,
            "one row per distinct number"
        );
        assert_eq!(sms::queue(&t.state.db, m, now).await.unwrap(), 0, "queued once");

        let rows = sms_rows(&t).await;
        assert_eq!(rows.len(), 2, "{rows:?}");
        let bad = rows.iter().find(|r| r["recipients"][0] == "12345").unwrap();
        assert_eq!(bad["status"], "failed");
        assert!(
            bad["last_error"]
                .as_str()
                .unwrap()
                .contains("not a mainland mobile number")
        );

        assert_eq!(
            sender.drain().await.unwrap(),
            DrainReport {
                sent: 1,
                ..DrainReport::default()
            }
        );
        let k = kannel.clone();
        let got = tokio::task::spawn_blocking(move || k.wait_for(1)).await.unwrap();
        assert_eq!(got, vec![("13800138000".to_owned(), text.clone())]);

        // Sent is sent: later rounds send nothing, and the outbox says what the gateway answered.
        t.time.advance(TimeDelta::hours(1));
        assert_eq!(sender.drain().await.unwrap(), DrainReport::default());
        let good = sms_rows(&t)
            .await
            .into_iter()
            .find(|r| r["recipients"][0] == phone)
            .unwrap();
        assert_eq!(
            (good["status"].as_str(), good["key"].as_str()),
            (Some("sent"), Some("T-2026-0001/open/sms/13800138000"))
        );
        let detail = t
            .get("admin", &format!("/api/v1/outbox/{}", good["id"]))
            .await
            .expect(StatusCode::OK);
        assert!(
            KANNEL_ACCEPTS.contains(&detail["attempts_log"][0]["response"].as_str().unwrap()),
            "{detail}"
        );

        // Retrying the bad number (from the outbox, as for any channel) parks it again.
        t.post("admin", &format!("/api/v1/outbox/{}/retry", bad["id"]), Value::Null)
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            sender.drain().await.unwrap(),
            DrainReport {
                failed: 1,
                ..DrainReport::default()
            }
        );
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(kannel.received().len(), 1, "nothing more reached the SMSC");

        // A wrong password is Kannel's 403: parked at once, not retried.
        let wrong_secret = kannel.dir.join("wrong");
        std::fs::write(&wrong_secret, "not-the-password").unwrap();
        let wrong = settings(SmsConfig {
            provider: Some("kannel".into()),
            url: Some(format!("http://127.0.0.1:{}/cgi-bin/sendsms", kannel.sendsms)),
            username: Some("opsclock".into()),
            secret_file: Some(wrong_secret),
            ..SmsConfig::default()
        });
        let wrong = sms::sender::sender(
            t.state.db.clone(),
            &wrong,
            wrong.gateway.clone().unwrap(),
            &t.state.outbound,
            t.time.clone(),
        )
        .unwrap();
        let m = message("T-2026-0001/resolve/sms", &[&phone], "【opsclock】已恢复 T-2026-0001");
        assert_eq!(sms::queue(&t.state.db, m, t.time.now()).await.unwrap(), 1);
        assert_eq!(
            wrong.drain().await.unwrap(),
            DrainReport {
                failed: 1,
                ..DrainReport::default()
            }
        );
        let refused = sms_rows(&t)
            .await
            .into_iter()
            .find(|r| r["key"] == "T-2026-0001/resolve/sms/13800138000")
            .unwrap();
        assert_eq!(refused["last_error"], "403 Authorization failed for sendsms");
        assert_eq!(kannel.received().len(), 1);
        drop(kannel);
    }
);

/// What the in-test HTTP gateway got.
#[derive(Debug, Clone)]
struct Hit {
    headers: HeaderMap,
    body: Value,
    answered: u16,
}

#[derive(Clone, Default)]
struct Gateway {
    hits: Arc<Mutex<Vec<Hit>>>,
}

async fn gateway_answer(
    axum::extract::State(g): axum::extract::State<Gateway>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let to = body["to"].as_str().unwrap_or_default().to_owned();
    let mut hits = g.hits.lock().unwrap();
    let earlier = hits.iter().filter(|h| h.body["to"] == to.as_str()).count();
    // 13900139000's first attempt meets a gateway in trouble; 13700137000 is a number it refuses.
    let status = match (to.as_str(), earlier) {
        ("+8613900139000", 0) => StatusCode::SERVICE_UNAVAILABLE,
        ("+8613700137000", _) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    hits.push(Hit {
        headers,
        body,
        answered: status.as_u16(),
    });
    (status, format!("{{\"status\":{}}}", status.as_u16()))
}

both!(
    the_http_gateway_gets_json_parks_4xx_and_retries_5xx,
    |t: Harness| async move {
        let g = Gateway::default();
        let app = axum::Router::new()
            .route("/sms/send", axum::routing::post(gateway_answer))
            .with_state(g.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

        let dir = std::env::temp_dir().join(format!("opsclock-sms-http-{}-{}", std::process::id(), addr.port()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("secret"), "pa:ss\n").unwrap();
        let s = settings(SmsConfig {
            provider: Some("http".into()),
            url: Some(format!("http://{addr}/sms/send")),
            body: Some(r#"{"to":"{e164}","msg":"{text}","kind":"opsclock"}"#.into()),
            headers: [("X-Api-Key".to_owned(), "k-1".to_owned())].into_iter().collect(),
            username: Some("ops".into()),
            secret_file: Some(dir.join("secret")),
            ..SmsConfig::default()
        });
        std::fs::remove_dir_all(&dir).unwrap();
        let sender = sms::sender::sender(
            t.state.db.clone(),
            &s,
            s.gateway.clone().unwrap(),
            &t.state.outbound,
            t.time.clone(),
        )
        .unwrap();
        let text = "【opsclock】一般 T-2026-0002 \"打印机\"\n卡纸 https://o.cn/a/X";
        let now = t.time.now();
        let m = message(
            "T-2026-0002/open/sms",
            &["13800138000", "13900139000", "13700137000"],
            text,
        );
        assert_eq!(sms::queue(&t.state.db, m, now).await.unwrap(), 3);

        assert_eq!(
            sender.drain().await.unwrap(),
            DrainReport {
                sent: 1,
                retrying: 1,
                failed: 1
            }
        );
        // Nothing is due before the backoff (15-30 s); then the 503 one goes through.
        assert_eq!(sender.drain().await.unwrap(), DrainReport::default());
        t.time.advance(TimeDelta::seconds(31));
        assert_eq!(
            sender.drain().await.unwrap(),
            DrainReport {
                sent: 1,
                ..DrainReport::default()
            }
        );
        t.time.advance(TimeDelta::hours(2));
        assert_eq!(sender.drain().await.unwrap(), DrainReport::default());

        let hits = g.hits.lock().unwrap().clone();
        assert_eq!(
            hits.iter()
                .map(|h| (h.body["to"].as_str().unwrap(), h.answered))
                .collect::<Vec<_>>(),
            vec![
                ("+8613800138000", 200),
                ("+8613900139000", 503),
                ("+8613700137000", 400),
                ("+8613900139000", 200)
            ]
        );
        for h in &hits {
            // The text arrives exactly, quotes and line break included (JSON-escaped in the body).
            assert_eq!(h.body["msg"], text);
            assert_eq!(h.body["kind"], "opsclock");
            assert_eq!(h.headers["x-api-key"], "k-1");
            // Basic auth: ops / pa:ss.
            assert_eq!(h.headers["authorization"], "Basic b3BzOnBhOnNz");
            assert_eq!(h.headers["content-type"], "application/json");
        }
        let rows = sms_rows(&t).await;
        let status = |phone: &str| {
            let r = rows.iter().find(|r| r["recipients"][0] == phone).unwrap();
            (
                r["status"].as_str().unwrap().to_owned(),
                r["attempts"].as_i64().unwrap(),
            )
        };
        assert_eq!(status("13800138000"), ("sent".to_owned(), 1));
        assert_eq!(status("13900139000"), ("sent".to_owned(), 2));
        assert_eq!(status("13700137000"), ("failed".to_owned(), 1));
        let parked = rows.iter().find(|r| r["recipients"][0] == "13700137000").unwrap();
        assert_eq!(parked["last_error"], "400 {\"status\":400}");
        server.abort();
    }
);

both!(
    opsclock_sms_test_sends_through_kannel_and_prints_its_answer,
    |t: Harness| async move {
        let kannel = Arc::new(tokio::task::spawn_blocking(Kannel::start).await.unwrap());
        std::fs::write(kannel.dir.join("secret"), kannel.password()).unwrap();
        let config = kannel.dir.join("opsclock.toml");
        std::fs::write(
            &config,
            format!(
                "[sms]\nprovider = \"kannel\"\nurl = \"http://127.0.0.1:{}/cgi-bin/sendsms\"\nusername = \"opsclock\"\n\
                 from = \"10690000\"\nsecret_file = \"{}\"\n",
                kannel.sendsms,
                kannel.dir.join("secret").display()
            ),
        )
        .unwrap();
        let run = |args: &[&str]| {
            std::process::Command::new(env!("CARGO_BIN_EXE_opsclock"))
                .env_remove("OPSCLOCK_DATABASE_URL")
                .env("USER", "ops-alice")
                .arg("--config")
                .arg(&config)
                .args(["sms", "test"])
                .args(args)
                .args(["--database", &t.db.url])
                .output()
                .expect("opsclock runs")
        };
        let out = run(&["+86 138 0013 8000", "测试 T-2026-0009 短信网关"]);
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
        assert!(
            said.contains("kannel: accepted (1 segment(s), 19 Ucs2 units)"),
            "{said}"
        );
        assert!(
            KANNEL_ACCEPTS
                .iter()
                .any(|a| said.contains(&format!("gateway answered: {a}"))),
            "{said}"
        );
        let k = kannel.clone();
        let got = tokio::task::spawn_blocking(move || k.wait_for(1)).await.unwrap();
        assert_eq!(
            got,
            vec![("13800138000".to_owned(), "测试 T-2026-0009 短信网关".to_owned())]
        );

        // A number that is not one is refused before anything is sent.
        let out = run(&["12345"]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("phone"));

        // Audited, with the gateway's answer; nothing is queued in the outbox.
        let log = opsclock::db::entities::audit_log::Entity::find()
            .filter(opsclock::db::entities::audit_log::Column::Action.eq("sms.test"))
            .all(&t.state.db)
            .await
            .unwrap();
        assert_eq!(log.len(), 1, "{log:?}");
        assert_eq!(log[0].target, "13800138000");
        assert_eq!(log[0].detail["by"], "cli:ops-alice");
        assert!(
            KANNEL_ACCEPTS.contains(&log[0].detail["answer"].as_str().unwrap()),
            "{log:?}"
        );
        assert!(sms_rows(&t).await.is_empty());
    }
);

both!(
    a_new_urgent_tickets_notice_reaches_the_on_duty_engineers_phone_through_kannel_once,
    |t: Harness| async move {
        use opsclock::app::escalation::{Links, sweep::Sweeper};
        // eng_a is on duty for SA and has an address and a number; vmgr_a has only an address.
        let by = Actor::Operator("test");
        let from = ClientAddr(Some("cli".into()));
        accounts::set_notify(
            &t.state,
            by,
            &from,
            "eng_a",
            accounts::Notify {
                phone: Some("13800138000".into()),
                email: Some("eng_a@ops.test".into()),
                roles: Some(vec![sla_clock::Role::OnDuty]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let (kannel, sender) = kannel_and_sender(&t).await;
        let ticket = t.open("ueng_a", "SA", "fault", "urgent").await;
        let number = ticket["number"].as_str().unwrap().to_owned();
        // One sweep after the write: the notice by email and by SMS, each once.
        let sweeper = Sweeper {
            db: t.state.db.clone(),
            calendars: t.state.calendars.clone(),
            time: t.time.clone(),
            // A public address as long as a real one: the text cannot keep to one segment.
            links: Links::new(
                Some("https://opsclock.example.gov.cn"),
                "127.0.0.1:8080",
                "ops.test".into(),
            ),
            batch: 100,
            notices: Default::default(),
        };
        sweeper.sweep().await.unwrap();
        sweeper.sweep().await.unwrap();
        assert_eq!(sender.drain().await.unwrap().sent, 1);
        let k = kannel.clone();
        let got = tokio::task::spawn_blocking(move || k.wait_for(1)).await.unwrap();
        assert_eq!(got.len(), 1, "{got:?}");
        let (phone, text) = &got[0];
        assert_eq!(phone, "13800138000");
        // The severity in [], not 【】, which carriers take for the sender's signature; the
        // title whole, since the long link takes a second segment anyway; the link's token
        // 12 characters.
        assert_eq!(
            text.split("/a/").next().unwrap(),
            format!("[紧急]新工单 {number} fault on SA 确认:https://opsclock.example.gov.cn"),
            "{text}"
        );
        assert_eq!(text.rsplit("/a/").next().unwrap().len(), 12, "{text}");
        assert_eq!(sms::text::segments(text).count, 2, "two segments: {text}");
        // The link in the SMS acknowledges like the email's (its own link, single-use).
        let token = text.rsplit("/a/").next().unwrap().to_owned();
        let link = opsclock::app::action_links::peek(&t.state, &token).await.unwrap();
        assert_eq!(link.state, opsclock::app::action_links::LinkState::Ready);
        let done = opsclock::app::action_links::acknowledge(&t.state, &ClientAddr(Some("phone".into())), &token)
            .await
            .unwrap();
        assert_eq!(done.state, opsclock::app::action_links::LinkState::Done, "{done:?}");
        assert_eq!(done.acknowledged_by.as_deref(), Some("eng_a"));
        // The ticket says who was told what, by which channel, and how it went.
        let view = t
            .get("mgr_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        let told: Vec<(String, String, String)> = view["escalations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["kind"] == "notice")
            .map(|m| {
                (
                    m["channel"].as_str().unwrap().to_owned(),
                    m["recipients"][0].as_str().unwrap().to_owned(),
                    m["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert!(
            told.contains(&("sms".into(), "13800138000".into(), "sent".into())),
            "{told:?}"
        );
        assert!(
            told.contains(&("email".into(), "eng_a@ops.test".into(), "pending".into())),
            "{told:?}"
        );
        assert_eq!(told.iter().filter(|(c, _, _)| c == "sms").count(), 1, "{told:?}");
        // The vendor's engineer sees that an SMS went, to a masked number (手机号脱敏).
        let seen = t
            .get("eng_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        let sms_to: Vec<&str> = seen["escalations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["channel"] == "sms")
            .filter_map(|m| m["recipients"][0].as_str())
            .collect();
        assert_eq!(sms_to, ["138****8000"]);
        // So does the incident report they may read; the manager's names the number.
        for (who, shown) in [("eng_a", "138****8000"), ("mgr_a", "13800138000")] {
            let report = t
                .get(who, &format!("/api/v1/tickets/{number}/incident-report"))
                .await
                .expect(StatusCode::OK);
            let texts: Vec<&str> = report["notifications"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["channel"] == "sms")
                .filter_map(|n| n["recipients"][0].as_str())
                .collect();
            assert_eq!(texts, [shown], "{who}");
        }
        // Later rounds send nothing more.
        t.time.advance(TimeDelta::minutes(5));
        sweeper.sweep().await.unwrap();
        assert_eq!(sender.drain().await.unwrap(), DrainReport::default());
    }
);
