//! The default mail settings, exercised: STARTTLS (required) and SMTP AUTH, against aiosmtpd
//! with a certificate made for the test by a CA of its own, which the mailer is told to trust
//! (`[mail] ca_file`). Without that CA the certificate is refused and nothing is sent in clear.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use opsclock::db::testing::Backend;
use opsclock::mail::{MailConfig, MailSettings, Mailer, Security};

use crate::fixture::{World, t0};
use crate::smtp::free_port;

const SERVER: &str = r#"
import sys, ssl, time
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult

port, maildir, cert, key, user, password, log, mechanism = sys.argv[1:9]
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert, key)

def authenticate(server, session, envelope, mech, data):
    ok = data.login == user.encode() and data.password == password.encode()
    with open(log, "a") as f:
        f.write(f"{mech} {data.login.decode()} {'ok' if ok else 'refused'}\n")
    return AuthResult(success=ok)

excluded = [m for m in ("LOGIN", "PLAIN") if m != mechanism]
Controller(Mailbox(maildir), hostname="127.0.0.1", port=int(port), tls_context=ctx,
           require_starttls=True, authenticator=authenticate, auth_required=True,
           auth_require_tls=True, auth_exclude_mechanism=excluded).start()
print("ready", flush=True)
while True:
    time.sleep(3600)
"#;

/// aiosmtpd requiring STARTTLS and AUTH `mechanism`, in `dir`.
struct TlsSmtp {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for TlsSmtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TlsSmtp {
    fn start(dir: &Path, mechanism: &str) -> TlsSmtp {
        let port = free_port();
        std::fs::write(dir.join("server.py"), SERVER).unwrap();
        let child = Command::new("/usr/bin/python3")
            .arg(dir.join("server.py"))
            .arg(port.to_string())
            .arg(dir.join("maildir"))
            .arg(dir.join("cert.pem"))
            .arg(dir.join("key.pem"))
            .args(["opsclock", "smtp-secret-42"])
            .arg(dir.join("auth.log"))
            .arg(mechanism)
            .stdout(Stdio::null())
            .spawn()
            .expect("starting aiosmtpd (apt-get install -y python3-aiosmtpd)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        TlsSmtp {
            child,
            port,
            dir: dir.to_owned(),
        }
    }

    fn delivered(&self) -> usize {
        std::fs::read_dir(self.dir.join("maildir/new")).map_or(0, |d| d.count())
    }

    fn auth_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("auth.log")).unwrap_or_default()
    }
}

/// A CA and a certificate for 127.0.0.1 signed by it, made with openssl in `dir`.
fn certificates(dir: &Path) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl (apt-get install -y openssl)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=opsclock test CA",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "key.pem",
        "-out",
        "leaf.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "cert.pem",
        "-days",
        "2",
        "-extfile",
        "leaf.ext",
    ]);
}

/// The mailer with the default security (STARTTLS) and AUTH, trusting `ca` if given.
fn mailer(world: &World, port: u16, ca: Option<PathBuf>) -> Mailer {
    let mut settings = MailSettings::from_config(&MailConfig {
        host: Some("127.0.0.1".into()),
        port: Some(port),
        ca_file: ca,
        from: Some("opsclock <opsclock@ops.test>".into()),
        timeout_secs: Some(10),
        ..MailConfig::default()
    })
    .expect("mail settings");
    assert_eq!(settings.security, Security::Starttls, "STARTTLS is the default");
    // As `username` and the password from `password_env` give it.
    settings.credentials = Some(("opsclock".into(), "smtp-secret-42".into()));
    Mailer::new(world.db.db.clone(), settings, world.time.clone()).expect("a mailer")
}

async fn starttls_and_auth(mechanism: &str) {
    let dir = std::env::temp_dir().join(format!("opsclock-smtp-tls-{}-{mechanism}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    certificates(&dir);
    let smtp = TlsSmtp::start(&dir, mechanism);
    let world = World::new(Backend::Sqlite).await;
    world.open(t0() - TimeDelta::hours(5), "4h", t0()).await;

    // Not trusting the test CA: the certificate is refused, nothing goes out (in clear or not).
    let untrusting = mailer(&world, smtp.port, None);
    let (sweep, drained) = world.tick(t0(), &untrusting).await;
    assert!(sweep.queued > 0);
    assert_eq!((drained.sent, drained.retrying), (0, sweep.queued), "{drained:?}");
    assert_eq!(smtp.delivered(), 0);
    assert_eq!(smtp.auth_log(), "", "no credentials before TLS");

    // Trusting it: STARTTLS, AUTH, and the escalation mails arrive.
    let trusting = mailer(&world, smtp.port, Some(dir.join("ca.pem")));
    let (_, drained) = world.tick(t0() + TimeDelta::minutes(5), &trusting).await;
    assert_eq!(
        (drained.sent, drained.retrying, drained.failed),
        (sweep.queued, 0, 0),
        "{drained:?}"
    );
    assert_eq!(smtp.delivered(), sweep.queued);
    let log = smtp.auth_log();
    assert!(log.lines().count() >= 1, "{log}");
    assert!(
        log.lines().all(|l| l == format!("{mechanism} opsclock ok")),
        "AUTH {mechanism} with the configured user: {log}"
    );
    assert!(world.outbox().await.iter().all(|r| r.status == "sent"));
    drop(smtp);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_and_auth_plain_deliver_escalations() {
    starttls_and_auth("PLAIN").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_and_auth_login_deliver_escalations() {
    starttls_and_auth("LOGIN").await;
}
