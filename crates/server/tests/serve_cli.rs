//! `opsclock serve`, `migrate` and `user` as a user runs them: the real binary, a real SQLite
//! file, real HTTP over TCP, and SIGTERM for a graceful stop.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("opsclock-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn opsclock(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_opsclock"));
    c.current_dir(dir)
        .env_remove("OPSCLOCK_CONFIG")
        .env_remove("OPSCLOCK_DATABASE_URL")
        .env_remove("OPSCLOCK_LISTEN");
    c
}

/// One HTTP/1.1 request over a fresh connection; returns (status, headers+body text).
fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status line");
    (status, out)
}

struct Server {
    child: Child,
    addr: String,
    stdout_lines: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        // Never leave a server behind, whatever a test did.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path, extra: &[&str]) -> Server {
    let child = opsclock(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.join("serve.log")).expect("log file"))
        .spawn()
        .expect("serve starts");
    let mut server = Server {
        child,
        addr: String::new(),
        stdout_lines: Vec::new(),
    };
    let mut reader = BufReader::new(server.child.stdout.take().expect("stdout"));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).expect("read stdout");
        assert!(n > 0, "serve exited early: {:?}", server.stdout_lines);
        server.stdout_lines.push(line.trim_end().to_owned());
        if let Some(rest) = line.split("http://").nth(1) {
            server.addr = rest.split('/').next().expect("an address").to_owned();
            return server;
        }
        assert!(Instant::now() < deadline, "no URL printed: {:?}", server.stdout_lines);
    }
}

#[test]
fn serve_creates_the_database_loads_the_demo_and_stops_on_sigterm() {
    let scratch = Scratch::new("serve");
    let mut server = start(&scratch.0, &[]);
    assert!(
        scratch.0.join("data/opsclock.db").exists(),
        "the default SQLite file is created"
    );
    let admin_line = server
        .stdout_lines
        .iter()
        .find(|l| l.trim_start().starts_with("admin"))
        .unwrap_or_else(|| panic!("no admin password printed: {:?}", server.stdout_lines));
    let password = admin_line.split_whitespace().nth(2).expect("a password");

    let (status, _) = http(&server.addr, "GET", "/healthz", &[], "");
    assert_eq!(status, 200);
    // The URL it prints leads to the board, which sends a stranger to sign in.
    let (status, head) = http(&server.addr, "GET", "/", &[], "");
    assert_eq!(status, 303);
    assert!(head.to_lowercase().contains("location: /board"), "{head}");
    let (status, head) = http(&server.addr, "GET", "/board", &[], "");
    assert_eq!(status, 303);
    assert!(head.to_lowercase().contains("location: /login?next=/board"), "{head}");
    let (status, page) = http(&server.addr, "GET", "/login", &[], "");
    assert_eq!(status, 200);
    assert!(page.contains(r#"name="password""#) && page.contains("登录"), "{page}");

    let body = format!("{{\"username\":\"admin\",\"password\":\"{password}\"}}");
    let (status, res) = http(
        &server.addr,
        "POST",
        "/api/v1/session",
        &[("Content-Type", "application/json")],
        &body,
    );
    assert_eq!(status, 200, "{res}");
    let cookie = res
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned();
    // The demo password is one-time: nothing but changing it works until it is changed.
    let (status, _) = http(&server.addr, "GET", "/api/v1/tickets", &[("Cookie", &cookie)], "");
    assert_eq!(status, 403);
    let change = format!("{{\"current\":\"{password}\",\"new\":\"my-own-password-42\"}}");
    let json = ("Content-Type", "application/json");
    let (status, res) = http(
        &server.addr,
        "POST",
        "/api/v1/me/password",
        &[("Cookie", &cookie), json],
        &change,
    );
    assert_eq!(status, 204, "{res}");
    let (status, tickets) = http(&server.addr, "GET", "/api/v1/tickets", &[("Cookie", &cookie)], "");
    assert_eq!(status, 200);
    assert!(
        tickets.contains("INC-") && tickets.contains("ALM-"),
        "the demo tickets are listed: {tickets}"
    );

    let kill = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = server.child.try_wait().expect("wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "graceful stop exits 0: {status:?}");
    // Structured request logs, without terminal colour codes when stderr is a file.
    let log = std::fs::read_to_string(scratch.0.join("serve.log")).expect("the log");
    assert!(
        log.contains("finished processing request") && log.contains("uri=/healthz"),
        "{log}"
    );
    assert!(log.contains("shutting down"), "{log}");
    assert!(!log.contains('\u{1b}'), "ANSI escapes in a log file: {log}");

    // A second start finds data: no demo, no new passwords.
    let mut again = start(&scratch.0, &[]);
    assert!(
        !again.stdout_lines.iter().any(|l| l.contains("One-time passwords")),
        "{:?}",
        again.stdout_lines
    );
    let _ = again.child.kill();
    let _ = again.child.wait();
}

#[test]
fn migrate_and_user_commands_work_on_a_named_database() {
    let scratch = Scratch::new("usercli");
    let url = format!("sqlite://{}", scratch.0.join("ops.db").display());
    let out = opsclock(&scratch.0)
        .args(["migrate", "--database", &url])
        .output()
        .expect("migrate");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("up to date"));

    let out = opsclock(&scratch.0)
        .args(["user", "add", "ops-admin", "--role", "admin", "--database", &url])
        .output()
        .expect("user add");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("one-time password: "));

    let out = opsclock(&scratch.0)
        .args(["user", "add", "ops-admin", "--role", "admin", "--database", &url])
        .output()
        .expect("user add again");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));

    let out = opsclock(&scratch.0)
        .args(["user", "add", "eng", "--role", "engineer", "--database", &url])
        .output()
        .expect("user add engineer");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("must belong to a unit"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = opsclock(&scratch.0)
        .args(["user", "token", "ops-admin", "--database", &url])
        .output()
        .expect("user token");
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(token.starts_with("ocp_") && token.len() == 68, "{token}");

    // The token works against a server on the same database.
    let server = start(&scratch.0, &["--database", &url]);
    let auth = format!("Bearer {token}");
    let (status, me) = http(&server.addr, "GET", "/api/v1/me", &[("Authorization", &auth)], "");
    assert_eq!(status, 200, "{me}");
    assert!(me.contains("\"ops-admin\""));
    drop(server);

    let out = opsclock(&scratch.0)
        .args(["migrate", "--database", "mysql://x@y/z"])
        .output()
        .expect("migrate bad url");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("sqlite://PATH"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `opsclock window template | set | list` and `opsclock duty run` as a user runs them.
#[test]
fn major_event_windows_from_the_holiday_template_and_duties_from_the_command_line() {
    let scratch = Scratch::new("window-cli");
    let db = format!("sqlite://{}/w.db", scratch.0.display());
    let out = opsclock(&scratch.0)
        .args(["window", "template", "--year", "2026"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let template = String::from_utf8(out.stdout).expect("utf-8");
    assert!(template.contains("code = \"guoqing-2026\""), "{template}");
    std::fs::write(scratch.0.join("windows.toml"), &template).expect("write");
    let out = opsclock(&scratch.0)
        .args(["window", "set", "windows.toml", "--database", &db])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 7);
    let out = opsclock(&scratch.0)
        .args(["window", "list", "--database", &db])
        .output()
        .expect("run");
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        listed.contains("guoqing-2026  2026 国庆节重保  2026-09-30 16:00:00 UTC – 2026-10-07 16:00:00 UTC"),
        "{listed}"
    );
    // A year the calendar does not cover is refused with the reason.
    let out = opsclock(&scratch.0)
        .args(["window", "template", "--year", "2031"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("covers 2024–2026, not 2031"));
    let out = opsclock(&scratch.0)
        .args(["duty", "run", "--database", &db])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0 ticket(s) opened");
}

/// Counts in a SQLite file, read with a connection of its own.
fn counts(db: &Path) -> (i64, i64) {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    let tickets: i64 = c
        .query_row("SELECT count(*) FROM tickets", [], |r| r.get(0))
        .expect("count");
    // A consistent snapshot has no ticket without its first event or its clocks.
    let torn: i64 = c
        .query_row(
            "SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM ticket_events e \
             WHERE e.ticket_id = t.id AND e.seq = 1) OR NOT EXISTS (SELECT 1 FROM clocks k WHERE k.ticket_id = t.id)",
            [],
            |r| r.get(0),
        )
        .expect("count");
    (tickets, torn)
}

#[test]
fn backup_while_serving_under_writes_then_restore() {
    let scratch = Scratch::new("backup");
    let server = start(&scratch.0, &[]);
    let token = opsclock(&scratch.0)
        .args(["user", "token", "engineer", "--name", "backup-test"])
        .output()
        .expect("token");
    let token = String::from_utf8(token.stdout).expect("utf-8").trim().to_owned();
    let auth = format!("Bearer {token}");

    // Writers keep creating tickets while the backup runs.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..3)
        .map(|w| {
            let (addr, auth, stop) = (server.addr.clone(), auth.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut created = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let body = format!(
                        r#"{{"kind":"fault","system":"sy-00{}","severity":"general","title":"w{w}"}}"#,
                        w + 1
                    );
                    let (status, res) = http(
                        &addr,
                        "POST",
                        "/api/v1/tickets",
                        &[("Authorization", &auth), ("Content-Type", "application/json")],
                        &body,
                    );
                    assert_eq!(status, 201, "{res}");
                    created += 1;
                }
                created
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let backup = scratch.0.join("backups/first.db");
    std::fs::create_dir_all(backup.parent().unwrap()).unwrap();
    let out = opsclock(&scratch.0)
        .arg("backup")
        .arg(&backup)
        .output()
        .expect("backup");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("integrity check ok"), "{said}");
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let created: i32 = writers.into_iter().map(|w| w.join().expect("writer")).sum();
    assert!(created > 0);

    let (in_backup, torn) = counts(&backup);
    assert_eq!(torn, 0, "the backup is a consistent snapshot");
    let (live, _) = counts(&scratch.0.join("data/opsclock.db"));
    assert!(
        in_backup < live,
        "tickets were written after the snapshot: {in_backup} vs {live}"
    );
    assert!(!scratch.0.join("backups/first.db.partial").exists());

    // Refusals say what to do.
    let again = opsclock(&scratch.0)
        .arg("backup")
        .arg(&backup)
        .output()
        .expect("backup");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    let pg = opsclock(&scratch.0)
        .args(["backup", "x.db", "--database", "postgres://ops:secret@db/ops"])
        .output()
        .expect("backup");
    let pg_err = String::from_utf8_lossy(&pg.stderr);
    assert!(
        !pg.status.success() && pg_err.contains("pg_dump") && !pg_err.contains("secret"),
        "{pg_err}"
    );
    drop(server);
    let unconfirmed = opsclock(&scratch.0)
        .arg("restore")
        .arg(&backup)
        .output()
        .expect("restore");
    assert!(!unconfirmed.status.success());
    assert!(String::from_utf8_lossy(&unconfirmed.stderr).contains("--yes"));

    // Restored over the live file (the server stopped): the snapshot comes back, the database
    // as it was is kept beside it, and the server starts on it.
    let out = opsclock(&scratch.0)
        .arg("restore")
        .arg(&backup)
        .arg("--yes")
        .output()
        .expect("restore");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("kept as"), "{said}");
    assert_eq!(counts(&scratch.0.join("data/opsclock.db")), (in_backup, 0));
    let kept = std::fs::read_dir(scratch.0.join("data"))
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.contains("before-restore") && !name.ends_with("-wal") && !name.ends_with("-shm")
        })
        .expect("the previous database is kept");
    assert_eq!(counts(&kept.path()).0, live);
    let server = start(&scratch.0, &[]);
    let (status, page) = http(
        &server.addr,
        "GET",
        "/api/v1/tickets?limit=1",
        &[("Authorization", &auth)],
        "",
    );
    assert_eq!(status, 200, "{page}");
}
