//! A real SMTP server for the tests: Debian's `python3-aiosmtpd`, storing what it receives in a
//! maildir, and the received messages parsed back with `mail-parser`.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mail_parser::{MessageParser, MimeHeaders};

/// The Python that has Debian's packages (pyenv's `python3` may come first on PATH).
const PYTHON: &str = "/usr/bin/python3";

/// A port nothing listens on (yet).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running aiosmtpd.
pub struct SmtpServer {
    child: Option<Child>,
    /// Its port.
    pub port: u16,
    /// Its maildir.
    pub dir: PathBuf,
}

impl SmtpServer {
    /// Starts a server on a free port.
    pub fn start() -> SmtpServer {
        Self::start_on(free_port())
    }

    /// Starts a server on `port`, keeping its messages in a fresh maildir.
    pub fn start_on(port: u16) -> SmtpServer {
        let dir = std::env::temp_dir().join(format!("opsclock-smtp-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut s = SmtpServer { child: None, port, dir };
        s.restart();
        s
    }

    /// Starts the server again on the same port and maildir.
    pub fn restart(&mut self) {
        let available = Command::new(PYTHON)
            .args(["-c", "import aiosmtpd"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            available,
            "the escalation tests need a real SMTP server: apt-get install -y python3-aiosmtpd \
             (./scripts/test installs it)"
        );
        let child = Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting aiosmtpd");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not listen on {}", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server (its maildir stays).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<Received> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.dir.join(sub)) else {
                continue;
            };
            for e in entries.flatten() {
                let raw = std::fs::read(e.path()).expect("reading a received message");
                out.push(Received::parse(&raw));
            }
        }
        out.sort_by(|a, b| a.message_id.cmp(&b.message_id));
        out
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A received message, parsed.
#[derive(Debug, Clone)]
pub struct Received {
    /// `Subject`.
    pub subject: String,
    /// `Message-ID`, without brackets.
    pub message_id: String,
    /// `In-Reply-To`, without brackets.
    pub in_reply_to: Option<String>,
    /// `References`, without brackets.
    pub references: Vec<String>,
    /// `Auto-Submitted`.
    pub auto_submitted: Option<String>,
    /// The addresses in `To`, sorted.
    pub to: Vec<String>,
    /// The envelope recipients the server saw, sorted.
    pub rcpt: Vec<String>,
    /// The top-level content type, e.g. `multipart/alternative`.
    pub content_type: String,
    /// The text/plain part.
    pub text: String,
    /// The text/html part.
    pub html: String,
    /// Attachments: file name, content type, bytes.
    pub attachments: Vec<(String, String, Vec<u8>)>,
}

impl Received {
    fn parse(raw: &[u8]) -> Received {
        let m = MessageParser::default().parse(raw).expect("a parseable message");
        let list = |v: &mail_parser::HeaderValue<'_>| -> Vec<String> {
            match (v.as_text_list(), v.as_text()) {
                (Some(l), _) => l.iter().map(|s| s.to_string()).collect(),
                (None, Some(t)) => vec![t.to_owned()],
                _ => Vec::new(),
            }
        };
        let mut to: Vec<String> = m
            .to()
            .map(|a| a.iter().filter_map(|x| x.address().map(str::to_owned)).collect())
            .unwrap_or_default();
        to.sort();
        let mut rcpt: Vec<String> = m
            .header_raw("X-RcptTo")
            .unwrap_or("")
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        rcpt.sort();
        let ct = m
            .content_type()
            .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
            .unwrap_or_default();
        Received {
            subject: m.subject().unwrap_or("").to_owned(),
            message_id: m.message_id().unwrap_or("").to_owned(),
            in_reply_to: list(m.in_reply_to()).into_iter().next(),
            references: list(m.references()),
            auto_submitted: m.header_raw("Auto-Submitted").map(|v| v.trim().to_owned()),
            to,
            rcpt,
            content_type: ct,
            text: m.body_text(0).map(|c| c.into_owned()).unwrap_or_default(),
            html: m.body_html(0).map(|c| c.into_owned()).unwrap_or_default(),
            attachments: m
                .attachments()
                .map(|a| {
                    let ct = a
                        .content_type()
                        .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
                        .unwrap_or_default();
                    (a.attachment_name().unwrap_or("").to_owned(), ct, a.contents().to_vec())
                })
                .collect(),
        }
    }
}
