//! The deployment files in `deploy/` do what `docs/security.md` says they do (OWASP ASVS 1.2.1,
//! 1.14.1, 1.14.5, 9.1.2, 9.1.3, 14.1.3, 14.3.2): the systemd unit passes `systemd-analyze verify`
//! and its sandbox scores as `systemd-analyze security` says; the container runs as a user of its
//! own; and the example nginx configuration, run for real in front of the real binary with the
//! example `opsclock.toml`, speaks only TLS 1.2 and 1.3 with forward-secret AEAD ciphers, keeps
//! `/metrics` to the monitoring network and sends plain HTTP to HTTPS.
//!
//! The tools come from Debian (`systemd`, `nginx`, `openssl`; `./scripts/test` installs them).
//! Without one a test says so and passes, except under CI (`CI` set), where it fails.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The program `tool` (which answers `--version`, `-v` or `version`): on the `PATH`, else in `/usr/sbin` (where Debian puts nginx, and which a
/// user's `PATH` may leave out); `None` when it is in neither. Without it, fails under CI and
/// otherwise says that `test` is skipped.
fn tool(tool: &str, package: &str, test: &str) -> Option<PathBuf> {
    let runs = |program: &Path| {
        ["--version", "-v", "version"].iter().any(|flag| {
            Command::new(program)
                .arg(flag)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
    };
    let found = [PathBuf::from(tool), Path::new("/usr/sbin").join(tool)]
        .into_iter()
        .find(|p| runs(p));
    if found.is_none() {
        let why = format!("{tool} is not installed (apt-get install {package}; ./scripts/test installs it)");
        assert!(
            std::env::var_os("CI").is_none_or(|v| v.is_empty()),
            "CI runs {test}: {why}"
        );
        // Past the test harness's capture, so that the skip is seen.
        let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
    }
    found
}

/// A scratch directory of this test, removed afterwards.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("opsclock-deploy-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `text` with `from` replaced by `to`, which must be there (so that the test notices when the
/// file it adapts changes shape).
#[track_caller]
fn replaced(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} is no longer in the file");
    text.replace(from, to)
}

// ---- systemd -----------------------------------------------------------------------------------

#[test]
fn the_systemd_unit_is_valid_and_sandboxed() {
    let Some(analyze) = tool("systemd-analyze", "systemd", "the_systemd_unit_is_valid_and_sandboxed") else {
        return;
    };
    let scratch = Scratch::new("systemd");
    // The unit as installed, but starting the binary built for this test (verify checks that the
    // program exists).
    let unit = replaced(
        &read("deploy/opsclock.service"),
        "ExecStart=/usr/local/bin/opsclock ",
        &format!("ExecStart={} ", env!("CARGO_BIN_EXE_opsclock")),
    );
    let path = scratch.0.join("opsclock.service");
    std::fs::write(&path, &unit).unwrap();
    let verify = Command::new(&analyze).arg("verify").arg(&path).output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(
        verify.status.success() && said.trim().is_empty(),
        "systemd-analyze verify: {said}"
    );

    // The sandbox as systemd scores it: "OK" (an exposure of 2.0 or less out of 10) …
    let security = Command::new(&analyze)
        .args(["security", "--offline=true", "--threshold=20", "--json=short"])
        .arg(&path)
        .output()
        .unwrap();
    let checks: Vec<serde_json::Value> = serde_json::from_slice(&security.stdout).unwrap_or_else(|e| {
        panic!(
            "systemd-analyze security ({e}): {}",
            String::from_utf8_lossy(&security.stderr)
        )
    });
    let unset: BTreeSet<&str> = checks
        .iter()
        .filter(|c| c["set"] != true)
        .map(|c| c["json_field"].as_str().unwrap())
        .collect();
    assert!(security.status.success(), "exposure over 2.0; not set: {unset:?}");
    // … with what docs/security.md names: not root (1.2.1), no new privileges, a read-only system,
    // no writable and executable memory, no capabilities, the system-service call filter (1.14.5).
    let mut required = vec![
        "UserOrDynamicUser",
        "NoNewPrivileges",
        "ProtectSystem",
        "ProtectHome",
        "PrivateTmp",
        "PrivateDevices",
        "MemoryDenyWriteExecute",
        "AmbientCapabilities",
        "RestrictSUIDSGID",
        "ProtectKernelModules",
        "ProtectKernelTunables",
        "LockPersonality",
    ];
    let families: Vec<&str> = checks
        .iter()
        .map(|c| c["json_field"].as_str().unwrap())
        .filter(|f| f.starts_with("CapabilityBoundingSet") || f.starts_with("SystemCallFilter"))
        .collect();
    assert!(families.len() > 20, "{families:?}");
    required.extend(families);
    let missing: Vec<&&str> = required.iter().filter(|f| unset.contains(**f)).collect();
    assert!(missing.is_empty(), "not set in deploy/opsclock.service: {missing:?}");

    // 14.3.2: informational logs, no backtraces.
    assert!(unit.contains("\nEnvironment=RUST_LOG=info\n"), "{unit}");
    assert!(!unit.contains("RUST_BACKTRACE"), "{unit}");
}

// ---- the container -----------------------------------------------------------------------------

#[test]
fn the_container_runs_as_a_user_of_its_own() {
    let file = read("deploy/Containerfile");
    // The image that runs: everything after the last FROM.
    let last = file.rfind("\nFROM ").expect("a FROM");
    let image = &file[last..];
    let user = image
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("a USER in the final image");
    assert_eq!(user.trim(), "opsclock:opsclock");
    let uid = regex::Regex::new(
        r"useradd --system --uid (\d+) --gid opsclock\b[^\n]*\\\n[^\n]*--shell /usr/sbin/nologin opsclock",
    )
    .unwrap()
    .captures(image)
    .expect("opsclock is made a system user without a shell")[1]
        .parse::<u32>()
        .unwrap();
    assert!(uid >= 1000, "uid {uid}");
    let entry = image.lines().find(|l| l.starts_with("ENTRYPOINT")).unwrap();
    assert_eq!(entry, r#"ENTRYPOINT ["opsclock"]"#);
    // The binary is built with the locked dependency versions (14.1.1).
    for build in file.lines().filter(|l| l.contains("cargo build")) {
        assert!(build.contains("--locked"), "{build}");
    }
}

// ---- nginx -------------------------------------------------------------------------------------

/// A free port on 127.0.0.1.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A process group killed when dropped (nginx's master and its workers; the server).
struct Group(Child);

impl Drop for Group {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.0.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.wait();
    }
}

fn spawn_group(mut command: Command) -> Group {
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    Group(command.spawn().expect("spawn"))
}

/// Runs openssl with `args` in `dir`, which must succeed.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const HOST: &str = "opsclock.example.gov.cn";

/// A CA (`ca.pem`) and the certificate for [`HOST`] it signed (`server.pem`, `server.key`).
fn certificates(dir: &Path) {
    openssl(
        dir,
        &[
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
            "/CN=opsclock deploy test CA",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            &format!("/CN={HOST}"),
        ],
    );
    std::fs::write(
        dir.join("server.ext"),
        format!("subjectAltName=DNS:{HOST}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"),
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    );
}

/// `opsclock serve` with the example `deploy/opsclock.toml`, on a database in `dir` and a port of
/// its own; its address.
fn start_opsclock(dir: &Path) -> (Group, String) {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/opsclock.toml");
    let mut serve = Command::new(env!("CARGO_BIN_EXE_opsclock"));
    serve
        .current_dir(dir)
        .env_remove("OPSCLOCK_CONFIG")
        .env_remove("OPSCLOCK_LISTEN")
        .env(
            "OPSCLOCK_DATABASE_URL",
            format!("sqlite://{}", dir.join("opsclock.db").display()),
        )
        // As the unit's EnvironmentFile gives it; nothing is mailed in this test.
        .env("OPSCLOCK_SMTP_PASSWORD", "not-used-here")
        .arg("--config")
        .arg(&config)
        .args(["serve", "--no-demo", "--listen", "127.0.0.1:0", "--calendar-dir"])
        .arg(root().join("config/calendars"))
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.join("opsclock.log")).unwrap());
    let mut server = spawn_group(serve);
    let mut lines = BufReader::new(server.0.stdout.take().unwrap()).lines();
    loop {
        let line = lines
            .next()
            .unwrap_or_else(|| {
                panic!(
                    "opsclock stopped: {}",
                    std::fs::read_to_string(dir.join("opsclock.log")).unwrap()
                )
            })
            .unwrap();
        if let Some(rest) = line.split("http://").nth(1) {
            let addr = rest.split('/').next().unwrap().to_owned();
            // The rest of its output is not read: keep the pipe open, away from this thread.
            std::thread::spawn(move || lines.for_each(drop));
            return (server, addr);
        }
    }
}

/// Waits until something listens on `port`.
fn wait_for(port: u16, what: &str, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} does not listen: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A TLS handshake with `openssl s_client` and these options; the cipher agreed on, if any.
fn handshake(port: u16, ca: &Path, options: &[&str]) -> Option<String> {
    let out = Command::new("openssl")
        .args([
            "s_client",
            "-brief",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-servername",
            HOST,
        ])
        .arg("-CAfile")
        .arg(ca)
        .args(["-verify_return_error", "-verify_hostname", HOST])
        .args(options)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    let cipher = said
        .lines()
        .find_map(|l| l.strip_prefix("Ciphersuite: "))
        .map(str::to_owned);
    match (out.status.success(), cipher) {
        (true, Some(c)) => Some(c),
        _ => None,
    }
}

/// The TLS 1.2 cipher suites this openssl knows for an RSA certificate: (name, key exchange,
/// MAC) from `openssl ciphers -v`.
fn client_ciphers() -> Vec<(String, String, String)> {
    let out = Command::new("openssl")
        .args(["ciphers", "-v", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let field = |key: &str| {
                f.iter()
                    .find_map(|x| x.strip_prefix(key))
                    .unwrap_or_default()
                    .to_owned()
            };
            (f.get(1) != Some(&"TLSv1.3") && field("Au=") == "RSA")
                .then(|| (f[0].to_owned(), field("Kx="), field("Mac=")))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_nginx_serves_only_strong_tls_and_keeps_metrics_inside() {
    let test = "the_example_nginx_serves_only_strong_tls_and_keeps_metrics_inside";
    let (Some(nginx), Some(_)) = (tool("nginx", "nginx", test), tool("openssl", "openssl", test)) else {
        return;
    };
    let scratch = Scratch::new("nginx");
    let dir = scratch.0.clone();
    certificates(&dir);

    // 1.14.1: opsclock listens on the loopback address only, behind the proxy it believes.
    let example = opsclock::config::Config::load(Some(&root().join("deploy/opsclock.toml"))).unwrap();
    let listen = example.server.listen.clone().unwrap();
    assert!(listen.starts_with("127.0.0.1:"), "{listen}");
    assert!(example.server.secure_cookies && example.server.trust_forwarded_for);
    let (_opsclock, upstream) = start_opsclock(&dir);

    // The example configuration, with ports, certificate files and the upstream of this test.
    let (http, https) = (free_port(), free_port());
    let conf = read("deploy/nginx/opsclock.conf");
    let mut ours = replaced(
        &conf,
        "server 127.0.0.1:8080 max_fails",
        &format!("server {upstream} max_fails"),
    );
    ours = replaced(&ours, "    listen 80;\n", &format!("    listen 127.0.0.1:{http};\n"));
    ours = replaced(
        &ours,
        "    listen 443 ssl http2;\n",
        &format!("    listen 127.0.0.1:{https} ssl http2;\n"),
    );
    ours = replaced(&ours, "    listen [::]:80;\n", "");
    ours = replaced(&ours, "    listen [::]:443 ssl http2;\n", "");
    ours = replaced(
        &ours,
        "/etc/nginx/tls/opsclock.example.gov.cn.crt",
        &dir.join("server.pem").display().to_string(),
    );
    ours = replaced(
        &ours,
        "/etc/nginx/tls/opsclock.example.gov.cn.key",
        &dir.join("server.key").display().to_string(),
    );
    std::fs::write(dir.join("opsclock.conf"), &ours).unwrap();
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    let d = dir.display();
    // nginx.conf around it, as Debian's includes conf.d/*.conf inside http { }.
    std::fs::write(
        dir.join("nginx.conf"),
        format!(
            "worker_processes 1;\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/tmp/body;\n  proxy_temp_path {d}/tmp/proxy;\n  \
             fastcgi_temp_path {d}/tmp/fastcgi;\n  uwsgi_temp_path {d}/tmp/uwsgi;\n  scgi_temp_path {d}/tmp/scgi;\n  \
             include {d}/opsclock.conf;\n}}\n"
        ),
    )
    .unwrap();
    let nginx = |extra: &[&str]| {
        let mut c = Command::new(&nginx);
        c.args(extra)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .arg("-e")
            .arg(dir.join("error.log"));
        c
    };
    let tested = nginx(&["-t"]).output().unwrap();
    assert!(
        tested.status.success(),
        "nginx -t: {}",
        String::from_utf8_lossy(&tested.stderr)
    );
    let _nginx = spawn_group(nginx(&[]));
    wait_for(https, "nginx", &dir.join("error.log"));
    let ca = dir.join("ca.pem");

    // 9.1.3: TLS 1.3 and 1.2, nothing older. (With only AEAD ciphers allowed, which TLS 1.1 and
    // older do not have, and OpenSSL's default security level, an older version could not be
    // agreed to even if the protocol line allowed it; the line says so too.)
    let protocols = conf
        .lines()
        .find_map(|l| l.trim().strip_prefix("ssl_protocols "))
        .expect("ssl_protocols");
    assert_eq!(protocols, "TLSv1.2 TLSv1.3;");
    let tls13 = handshake(https, &ca, &["-tls1_3"]);
    assert!(tls13.as_deref().is_some_and(|c| c.starts_with("TLS_")), "{tls13:?}");
    for old in ["-tls1_1", "-tls1"] {
        assert_eq!(
            handshake(https, &ca, &[old, "-cipher", "ALL:@SECLEVEL=0"]),
            None,
            "{old}"
        );
    }
    // 9.1.2: of every TLS 1.2 suite for an RSA certificate, only forward-secret AEAD ones from the
    // configured list are agreed to.
    let configured: BTreeSet<&str> = conf
        .lines()
        .find_map(|l| l.trim().strip_prefix("ssl_ciphers "))
        .expect("ssl_ciphers")
        .trim_end_matches(';')
        .split(':')
        .collect();
    let mut agreed = BTreeSet::new();
    let offered = client_ciphers();
    assert!(offered.len() > 20, "{offered:?}");
    for (name, kx, mac) in &offered {
        let cipher = format!("{name}:@SECLEVEL=0");
        if let Some(got) = handshake(https, &ca, &["-tls1_2", "-cipher", &cipher]) {
            assert_eq!(&got, name);
            assert!(
                kx == "ECDH" || kx == "DH",
                "{name}: key exchange {kx} is not forward-secret"
            );
            assert_eq!(mac, "AEAD", "{name}");
            assert!(configured.contains(name.as_str()), "{name} is not in ssl_ciphers");
            agreed.insert(name.clone());
        }
    }
    assert!(agreed.contains("ECDHE-RSA-AES128-GCM-SHA256"), "{agreed:?}");
    let names: BTreeSet<&str> = offered.iter().map(|(n, _, _)| n.as_str()).collect();
    for weak in [
        "AES128-GCM-SHA256",
        "AES128-SHA",
        "ECDHE-RSA-AES128-SHA",
        "ECDHE-RSA-AES128-SHA256",
    ] {
        assert!(names.contains(weak), "openssl does not offer {weak}: {names:?}");
        assert!(!agreed.contains(weak), "{weak}");
    }

    // 1.14.1: through the proxy, /metrics only from the monitoring network; plain HTTP goes to
    // HTTPS.
    let client = |from: &str| {
        reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&std::fs::read(&ca).unwrap()).unwrap())
            .resolve(HOST, ([127, 0, 0, 1], https).into())
            .local_address(from.parse::<IpAddr>().unwrap())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    };
    let get = |from: &'static str, path: &'static str| {
        let c = client(from);
        async move {
            let res = c.get(format!("https://{HOST}:{https}{path}")).send().await.unwrap();
            let status = res.status().as_u16();
            let hsts = res
                .headers()
                .get("strict-transport-security")
                .map(|v| v.to_str().unwrap().to_owned());
            (status, hsts, res.text().await.unwrap())
        }
    };
    let (status, hsts, body) = get("127.0.0.1", "/healthz").await;
    assert_eq!(
        (status, body.as_str()),
        (200, "ok\n"),
        "opsclock answers through the proxy"
    );
    assert_eq!(hsts.as_deref(), Some("max-age=63072000"));
    let (status, _, body) = get("127.0.0.1", "/metrics").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("opsclock_build_info"), "{body}");
    // Another address outside the allowed networks (127.0.0.2: loopback, but not 127.0.0.1).
    let (status, _, _) = get("127.0.0.2", "/metrics").await;
    assert_eq!(status, 403, "/metrics from outside the monitoring network");
    let (status, _, _) = get("127.0.0.2", "/healthz").await;
    assert_eq!(status, 200, "the same address reaches the rest");
    let plain = reqwest::Client::builder()
        .resolve(HOST, ([127, 0, 0, 1], http).into())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("http://{HOST}:{http}/board?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status().as_u16(), 301);
    assert_eq!(
        plain.headers()["location"].to_str().unwrap(),
        format!("https://{HOST}/board?x=1")
    );
}
