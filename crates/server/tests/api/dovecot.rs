//! A real Dovecot IMAP server for the mail-in tests (Debian's `dovecot-imapd`), one per test:
//! its configuration, passwd file, mail and sockets in a temporary directory of its own,
//! listening on 127.0.0.1 on a free port, without TLS; stopped and removed on drop. As root the
//! mail belongs to `nobody` (Dovecot refuses uid 0 for mail), else to the current user.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use opsclock::mail::inbound::{MailInConfig, MailInSettings};

/// A running Dovecot with one mailbox user, `ops` (password `secret`).
pub struct Dovecot {
    pub port: u16,
    /// The IMAPS port, when started with TLS.
    pub tls_port: u16,
    /// The temporary directory (with `ca.pem`, when started with TLS).
    pub dir: PathBuf,
    child: Child,
}

fn id(flag: &str, name: Option<&str>) -> u32 {
    let mut c = Command::new("id");
    c.arg(flag);
    if let Some(n) = name {
        c.arg(n);
    }
    let out = c.output().expect("id runs");
    String::from_utf8_lossy(&out.stdout).trim().parse().expect("a number")
}

impl Dovecot {
    /// Starts one without TLS and waits until it answers.
    pub fn start() -> Dovecot {
        Dovecot::start_with(false)
    }

    /// Starts one with TLS — IMAPS on `tls_port` and STARTTLS on `port` — under a certificate for
    /// 127.0.0.1 from a CA of its own (`dir/ca.pem`), and waits until it answers.
    pub fn start_tls() -> Dovecot {
        Dovecot::start_with(true)
    }

    fn start_with(tls: bool) -> Dovecot {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("opsclock-dovecot-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["run", "state", "mail", "home"] {
            std::fs::create_dir_all(dir.join(sub)).expect("temp dir");
        }
        let free = || {
            std::net::TcpListener::bind("127.0.0.1:0")
                .expect("a free port")
                .local_addr()
                .expect("addr")
                .port()
        };
        let (port, tls_port) = (free(), free());
        let ssl = if tls {
            certificates(&dir);
            let d = dir.display();
            format!("ssl = yes\nssl_cert = <{d}/cert.pem\nssl_key = <{d}/key.pem\n")
        } else {
            "ssl = no\n".to_owned()
        };
        let imaps = if tls { tls_port } else { 0 };
        let root = id("-u", None) == 0;
        let (uid, gid) = if root {
            (id("-u", Some("nobody")), id("-g", Some("nobody")))
        } else {
            (id("-u", None), id("-g", None))
        };
        if root {
            for sub in ["mail", "home"] {
                let ok = Command::new("chown")
                    .arg(format!("{uid}:{gid}"))
                    .arg(dir.join(sub))
                    .status()
                    .expect("chown");
                assert!(ok.success());
            }
        }
        // Not root: Dovecot runs its helpers as the current user.
        let users = if root {
            String::new()
        } else {
            let me = String::from_utf8_lossy(&Command::new("id").arg("-un").output().expect("id").stdout)
                .trim()
                .to_owned();
            format!("default_internal_user = {me}\ndefault_login_user = {me}\ndefault_internal_group = {me}\n")
        };
        let d = dir.display();
        let conf = format!(
            "base_dir = {d}/run\nstate_dir = {d}/state\ninstance_name = opsclock-test-{pid}-{n}\n\
             log_path = {d}/dovecot.log\nprotocols = imap\nlisten = 127.0.0.1\n{ssl}\
             disable_plaintext_auth = no\nauth_mechanisms = plain login\nmail_location = maildir:{d}/mail/%u\n\
             first_valid_uid = 0\n{users}\
             passdb {{\n  driver = passwd-file\n  args = {d}/passwd\n}}\n\
             userdb {{\n  driver = static\n  args = uid={uid} gid={gid} home={d}/home/%u\n}}\n\
             service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n\
             inet_listener imaps {{\n    address = 127.0.0.1\n    port = {imaps}\n  }}\n}}\n",
            pid = std::process::id()
        );
        std::fs::write(dir.join("dovecot.conf"), conf).expect("write conf");
        std::fs::write(dir.join("passwd"), "ops:{PLAIN}secret::::::\n").expect("write passwd");
        let child = Command::new("/usr/sbin/dovecot")
            .arg("-F")
            .arg("-c")
            .arg(dir.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dovecot starts (apt-get install dovecot-imapd)");
        let d = Dovecot {
            port,
            tls_port,
            dir,
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "dovecot did not listen: {}",
                std::fs::read_to_string(d.dir.join("dovecot.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        d
    }

    /// The settings of a mailbox `name` on this server, with `extra` TOML lines.
    pub fn mailbox(&self, name: &str, extra: &str) -> MailInSettings {
        let text = format!(
            "name = \"{name}\"\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nusername = \"ops\"\npassword = \"secret\"\n{extra}",
            self.port
        );
        let c: MailInConfig = toml::from_str(&text).expect("a [[mail_in]] table");
        MailInSettings::from_config(&c).expect("checks")
    }

    /// Delivers `raw` into `folder` by IMAP APPEND.
    pub async fn deliver(&self, folder: &str, raw: &str) {
        let mut s = opsclock::mail::imap::connect(&self.mailbox("deliver", ""))
            .await
            .expect("log in");
        s.append(folder, None, None, raw.as_bytes()).await.expect("APPEND");
        s.logout().await.ok();
    }

    /// How many messages `folder` holds.
    pub async fn count(&self, folder: &str) -> u32 {
        let mut s = opsclock::mail::imap::connect(&self.mailbox("count", ""))
            .await
            .expect("log in");
        let n = s.examine(folder).await.expect("EXAMINE").exists;
        s.logout().await.ok();
        n
    }
}

/// A CA and a certificate for 127.0.0.1 signed by it, made with openssl in `dir`.
fn certificates(dir: &std::path::Path) {
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
    .expect("write leaf.ext");
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

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
