//! Real `opsclock serve` processes: killed with SIGKILL between claiming a message and sending
//! it, then restarted; and two of them sharing one PostgreSQL database. Each step is received
//! exactly once. Tickets are backdated, so their steps are due as soon as a server sweeps.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use opsclock::db::entities::{outbox, outbox_attempts};
use opsclock::db::testing::Backend;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::fixture::World;
use crate::smtp::SmtpServer;

/// A running `opsclock serve`, killed (SIGKILL) when dropped.
pub(crate) struct Server {
    child: Child,
    log: PathBuf,
}

impl Server {
    fn start(database: &str, config: &Path, name: &str) -> Server {
        Server::start_on(database, config, name, "127.0.0.1:0")
    }

    /// Starts a server listening on `listen`.
    pub(crate) fn start_on(database: &str, config: &Path, name: &str, listen: &str) -> Server {
        let log = config.with_file_name(format!("{name}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_opsclock"))
            .args([
                "serve",
                "--no-demo",
                "--listen",
                listen,
                "--database",
                database,
                "--config",
            ])
            .arg(config)
            .env("RUST_LOG", "info,opsclock=debug")
            .stdout(Stdio::null())
            .stderr(out)
            .spawn()
            .expect("starting opsclock serve");
        Server { child, log }
    }

    pub(crate) fn kill9(&mut self) {
        let _ = self.child.kill(); // SIGKILL on Unix
        let _ = self.child.wait();
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A configuration for `name` sending to `smtp_port`, with no event notices: these tests count
/// the ladder's messages (notices are `notices.rs`'s, and the crash test's).
pub(crate) fn write_config(dir: &Path, name: &str, smtp_port: u16) -> PathBuf {
    let path = write_config_with_notices(dir, name, smtp_port);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(
        "
[notices]
rules = []
",
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// A configuration for `name` sending to `smtp_port`, with the built-in event notices.
pub(crate) fn write_config_with_notices(dir: &Path, name: &str, smtp_port: u16) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(
        &path,
        format!(
            "[escalation]\nsweep_every_secs = 1\nsummary_cron = \"off\"\n\n\
             [mail]\nhost = \"127.0.0.1\"\nport = {smtp_port}\nsecurity = \"none\"\n\
             from = \"opsclock <opsclock@ops.test>\"\ntimeout_secs = 3\nevery_secs = 1\n\
             retry_initial_secs = 1\nretry_max_secs = 2\n"
        ),
    )
    .unwrap();
    path
}

pub(crate) fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("opsclock-proc-{name}-{}", std::process::id()))
}

async fn statuses(world: &World) -> Vec<String> {
    world.outbox().await.into_iter().map(|r| r.status.to_string()).collect()
}

pub(crate) async fn wait_for<F, Fut>(what: &str, within: Duration, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_between_claim_and_send_then_restart_sends_each_step_once() {
    let world = World::new(Backend::Sqlite).await;
    // The servers run on the system clock, so the ticket is opened on it too (24x7: wall time,
    // the same in any year).
    let now = Utc::now();
    world.open(now - TimeDelta::hours(5), "4h", now).await; // five steps due
    let dir = scratch("sigkill");

    // An SMTP server that accepts connections and never says a word: the mailer claims the
    // messages and hangs in its first attempt.
    let hole = TcpListener::bind("127.0.0.1:0").unwrap();
    let hole_port = hole.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in hole.incoming() {
            held.push(s);
        }
    });
    let mut first = Server::start(&world.db.url, &write_config(&dir, "hole", hole_port), "first");
    wait_for(
        "five messages claimed by the first server",
        Duration::from_secs(60),
        || async {
            let s = statuses(&world).await;
            s.len() == 5 && s.iter().all(|s| s == "sending")
        },
    )
    .await;
    first.kill9();
    let attempts = outbox_attempts::Entity::find().count(&world.db.db).await.unwrap();
    assert_eq!(attempts, 0, "killed before any attempt ended");

    // Restarted against a working server: the claims expire (the lease is 2 × 3 s + 5 s) and
    // every step is sent once.
    let smtp = SmtpServer::start();
    let second = Server::start(&world.db.url, &write_config(&dir, "smtp", smtp.port), "second");
    wait_for("every message sent", Duration::from_secs(90), || async {
        statuses(&world).await.iter().all(|s| s == "sent")
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await; // more sweeps and mailer rounds
    let mails = smtp.messages();
    let mut ids: Vec<_> = mails.iter().map(|m| m.message_id.clone()).collect();
    ids.dedup();
    assert_eq!((mails.len(), ids.len()), (5, 5), "log:\n{}", second.log());
    let rows = world.outbox().await;
    assert!(rows.iter().all(|r| r.attempts == 1), "{rows:?}");
    drop(second);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_send_no_duplicates() {
    let world = World::new(Backend::Postgres).await;
    // On the system clock, as the servers are (24x7: wall time, the same in any year).
    let now = Utc::now();
    for _ in 0..6 {
        world.open(now - TimeDelta::hours(5), "4h", now).await;
    }
    let dir = scratch("pair");
    let smtp = SmtpServer::start();
    let config = write_config(&dir, "pair", smtp.port);
    let a = Server::start(&world.db.url, &config, "a");
    let b = Server::start(&world.db.url, &config, "b");
    // More tickets while both run.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for _ in 0..4 {
        let now = Utc::now();
        world.open(now - TimeDelta::hours(5), "4h", now).await;
    }
    let expected = 10 * 5;
    wait_for("every message sent", Duration::from_secs(90), || async {
        let s = statuses(&world).await;
        s.len() == expected && s.iter().all(|s| s == "sent")
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mails = smtp.messages();
    let mut ids: Vec<_> = mails.iter().map(|m| m.message_id.clone()).collect();
    ids.dedup();
    assert_eq!(
        (mails.len(), ids.len()),
        (expected, expected),
        "log a:\n{}\nlog b:\n{}",
        a.log(),
        b.log()
    );
    let attempts = outbox_attempts::Entity::find().count(&world.db.db).await.unwrap();
    assert_eq!(attempts as usize, expected, "each message attempted once");
    let rows = outbox::Entity::find().count(&world.db.db).await.unwrap();
    assert_eq!(rows as usize, expected);
    // Both servers did work (not a requirement, but the point of the test is contention).
    let (la, lb) = (a.log(), b.log());
    assert!(la.contains("mail sent") || lb.contains("mail sent"));
    drop((a, b));
    let _ = std::fs::remove_dir_all(dir);
}
