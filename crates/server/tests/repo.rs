//! What the repository's files promise about how opsclock is built, for the OWASP ASVS rows of
//! `docs/security.md` that are shown by the code's shape rather than by a request: memory-safe
//! code in every crate (5.4.1), no weak hash in the server (6.2.5), reports and exports made in
//! memory (8.1.2), connections out only through the outbound client and the mailer (10.2.1), a
//! locked, checked build (14.1.1) and every dependency from its registry with a checksum (14.2.4).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn toml_of(path: &str) -> toml::Table {
    read(path).parse().unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every `.rs` file under `dir` (relative to the root), with its path relative to `dir`.
fn rust_files(dir: &str) -> Vec<(String, String)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(base).unwrap().display().to_string();
                out.push((rel, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let base = root().join(dir);
    let mut out = Vec::new();
    walk(&base, &base, &mut out);
    out.sort();
    out
}

/// `text` without comments and without its `#[cfg(test)] mod tests` (code the product runs).
fn product_code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .filter(|l| {
            let l = l.trim_start();
            !l.starts_with("//")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One `[[package]]` of a `Cargo.lock`.
struct Locked {
    name: String,
    source: Option<String>,
    checksum: Option<String>,
    dependencies: Vec<String>,
}

fn lock(path: &str) -> Vec<Locked> {
    let table = toml_of(path);
    table["package"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let text = |k: &str| p.get(k).and_then(|v| v.as_str()).map(str::to_owned);
            Locked {
                name: text("name").unwrap(),
                source: text("source"),
                checksum: text("checksum"),
                dependencies: p
                    .get("dependencies")
                    .and_then(|d| d.as_array())
                    .map(|d| {
                        d.iter()
                            // "name", or "name version" when two versions are locked.
                            .map(|v| v.as_str().unwrap().split(' ').next().unwrap().to_owned())
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// The workspace's members, from the root `Cargo.toml`.
fn members() -> Vec<String> {
    toml_of("Cargo.toml")["workspace"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_crate_forbids_unsafe_code() {
    let workspace = toml_of("Cargo.toml");
    assert_eq!(
        workspace["workspace"]["lints"]["rust"]["unsafe_code"].as_str(),
        Some("forbid"),
        "[workspace.lints.rust] unsafe_code"
    );
    // Every member takes the workspace's lints and sets none of its own.
    let members = members();
    for member in &members {
        let manifest = toml_of(&format!("{member}/Cargo.toml"));
        let lints = manifest.get("lints").and_then(|l| l.as_table());
        assert_eq!(
            lints.map(|l| l.keys().cloned().collect::<Vec<_>>()),
            Some(vec!["workspace".to_owned()]),
            "{member}/Cargo.toml: [lints] must be `workspace = true` alone"
        );
        assert_eq!(lints.unwrap()["workspace"].as_bool(), Some(true), "{member}");
    }
    // And every crate of the repository is a member, except the fuzzing harness (built on its own
    // with instrumentation by scripts/fuzz; libfuzzer's entry point is an `extern "C"` function).
    let mut crates: Vec<String> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .map(|e| format!("crates/{}", e.unwrap().file_name().to_string_lossy()))
        .filter(|c| root().join(c).join("Cargo.toml").exists())
        .collect();
    crates.push("migrations".into());
    for c in crates {
        assert!(members.contains(&c), "{c} is not a workspace member");
    }
}

/// Hash and cipher crates too weak for new code.
const WEAK: &[&str] = &[
    "md-5",
    "md5",
    "md4",
    "md2",
    "sha1",
    "sha-1",
    "sha1_smol",
    "des",
    "rc2",
    "rc4",
    "blowfish",
    "cast5",
    "idea",
];

#[test]
fn the_server_uses_no_weak_hash_or_cipher() {
    // Who in the dependency graph uses a weak algorithm, and why that is not the server's own
    // hashing. A new dependency on one fails here until it is judged and listed.
    let allowed: BTreeMap<(&str, &str), &str> = BTreeMap::from([
        (
            ("sqlx-postgres", "md-5"),
            "PostgreSQL's md5 password authentication, used only if the server asks for it \
             (deploy/postgresql.md sets scram-sha-256)",
        ),
        (
            ("sqlx-mysql", "sha1"),
            "the MySQL driver, which sea-orm's features here do not build",
        ),
        (
            ("opsclock", "sha1"),
            "Alibaba Cloud SMS signs its requests with HMAC-SHA1 by its protocol (docs/sms.md, \
             app/sms/sign.rs); nothing else uses it",
        ),
    ]);
    let packages = lock("Cargo.lock");
    let mut found = BTreeSet::new();
    for p in &packages {
        for d in p.dependencies.iter().filter(|d| WEAK.contains(&d.as_str())) {
            assert!(
                allowed.contains_key(&(p.name.as_str(), d.as_str())),
                "{} depends on {d}",
                p.name
            );
            found.insert((p.name.clone(), d.clone()));
        }
    }
    // The list holds nothing stale.
    for ((p, d), why) in &allowed {
        assert!(
            found.contains(&(p.to_string(), d.to_string())),
            "{p} no longer uses {d} ({why}): remove it from the list"
        );
    }
    // The server's own code names none of them: passwords are Argon2id, tokens SHA-256, signatures
    // HMAC-SHA256 (src/app/auth/).
    let weak = regex::Regex::new(r"(?i)\b(md5|md-5|md4|sha1|sha-1|des|rc4|blowfish)\b").unwrap();
    for dir in [
        "crates/server/src",
        "crates/sla-clock/src",
        "crates/ticket-domain/src",
        "crates/duty-roster/src",
        "crates/contract-terms/src",
        "crates/scorecard/src",
        "migrations/src",
    ] {
        for (file, text) in rust_files(dir) {
            // Alibaba Cloud SMS's protocol signs with HMAC-SHA1; only its signer and the request
            // that names the method may say so (docs/sms.md).
            if dir == "crates/server/src" && ["app/sms/sign.rs", "app/sms/gateway.rs"].contains(&file.as_str()) {
                continue;
            }
            let code = product_code(&text);
            if let Some(m) = weak.find(&code) {
                panic!("{dir}/{file}: {}", m.as_str());
            }
        }
    }
}

#[test]
fn dependencies_come_from_their_registries_with_checksums() {
    const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";
    let hex64 = regex::Regex::new("^[0-9a-f]{64}$").unwrap();
    let workspace: BTreeSet<String> = members()
        .iter()
        .map(|m| {
            toml_of(&format!("{m}/Cargo.toml"))["package"]["name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for file in ["Cargo.lock", "fuzz/Cargo.lock"] {
        for p in lock(file) {
            match &p.source {
                // The workspace's own crates (and the fuzzing harness in its lock file).
                None => assert!(
                    workspace.contains(&p.name) || file == "fuzz/Cargo.lock",
                    "{file}: {} has no source",
                    p.name
                ),
                Some(source) => {
                    assert_eq!(source, CRATES_IO, "{file}: {}", p.name);
                    let sum = p.checksum.as_deref().unwrap_or_default();
                    assert!(hex64.is_match(sum), "{file}: {} has no checksum", p.name);
                }
            }
        }
    }
    // The browser tests' npm packages: from the npm registry, each with its sha512.
    let npm: serde_json::Value = serde_json::from_str(&read("tests/e2e/package-lock.json")).unwrap();
    let packages = npm["packages"].as_object().unwrap();
    assert!(packages.len() > 1);
    for (name, p) in packages.iter().filter(|(name, _)| !name.is_empty()) {
        let integrity = p["integrity"].as_str().unwrap_or_default();
        assert!(integrity.starts_with("sha512-"), "{name}: {integrity:?}");
        if let Some(resolved) = p.get("resolved").and_then(|r| r.as_str()) {
            assert!(
                resolved.starts_with("https://registry.npmjs.org/"),
                "{name}: {resolved}"
            );
        }
    }
}

#[test]
fn reports_and_exports_are_made_in_memory() {
    // rust_xlsxwriter writes temporary files only with its `constant_memory` feature.
    let workspace = toml_of("Cargo.toml");
    let xlsx = &workspace["workspace"]["dependencies"]["rust_xlsxwriter"];
    let features: Vec<&str> = xlsx
        .get("features")
        .and_then(|f| f.as_array())
        .map(|f| f.iter().map(|v| v.as_str().unwrap()).collect())
        .unwrap_or_default();
    assert!(!features.contains(&"constant_memory"), "{features:?}");
    let server = toml_of("crates/server/Cargo.toml");
    assert!(!server["dependencies"].as_table().unwrap().contains_key("tempfile"));
    // Files are written only where the operator or an admin asks for a file: a backup, the
    // calendar a holiday notice is imported into, what a command is told to write, the SQLite
    // file's directory, and attachments in the directory `[attachments] dir` names (when the
    // operator chose disk storage). Nothing else that serves a request (api/, web/, http/,
    // reports) writes one.
    let writes =
        regex::Regex::new(r"File::create|fs::write|fs::copy|OpenOptions|tempfile|NamedTempFile|create_dir|persist\(")
            .unwrap();
    let allowed = |file: &str| {
        file.starts_with("cli/")
            || [
                "app/backup.rs",
                "app/calendar_notice.rs",
                "app/attachments/disk.rs",
                "db/mod.rs",
                "db/testing.rs",
            ]
            .contains(&file)
    };
    let mut writers = BTreeSet::new();
    for (file, text) in rust_files("crates/server/src") {
        if let Some(m) = writes.find(&product_code(&text)) {
            assert!(allowed(&file), "{file} writes a file: {}", m.as_str());
            writers.insert(file);
        }
    }
    assert!(writers.contains("app/backup.rs"), "{writers:?}");
}

#[test]
fn connections_out_start_only_in_the_outbound_client_and_the_mailer() {
    // What opens a connection or runs a program, and the one place each may be.
    let rules: &[(&str, &[&str])] = &[
        (r"reqwest::Client\b|ClientBuilder|reqwest::get\(", &["app/outbound.rs"]),
        (r"SmtpTransport|AsyncSmtpTransport", &["mail/mailer.rs"]),
        (
            r"TcpStream::connect|UdpSocket|TcpSocket|lookup_host|to_socket_addrs",
            // The IMAP client reaches only the servers `[[mail_in]]` names.
            &["app/outbound.rs", "mail/imap.rs"],
        ),
        (r"process::Command|Command::new", &[]),
    ];
    let mut seen = BTreeSet::new();
    for (file, text) in rust_files("crates/server/src") {
        let code = product_code(&text);
        for (pattern, places) in rules {
            if regex::Regex::new(pattern).unwrap().is_match(&code) {
                assert!(places.contains(&file.as_str()), "{file} matches {pattern}");
                seen.insert(file.clone());
            }
        }
    }
    // The rules match what they are meant to.
    assert!(
        seen.contains("app/outbound.rs") && seen.contains("mail/mailer.rs"),
        "{seen:?}"
    );
}

#[test]
fn the_build_is_locked_and_ci_runs_every_check() {
    // The lock file matches the manifests, so that a build with `--locked` (the container's) takes
    // exactly the versions CI tested: resolving the workspace with `--locked` changes nothing.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["tree", "--locked", "--offline", "--workspace", "--depth", "0"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "Cargo.lock is out of date: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // CI stops at the first failure and runs formatting, lints with warnings as errors, every test
    // and the fuzzers.
    let ci = read(".ci/run");
    assert!(ci.contains("\nset -euo pipefail\n"), ".ci/run");
    let commands: Vec<&str> = ci
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("echo "))
        .collect();
    let mut last = 0;
    for step in [
        "cargo fmt --all --check",
        "cargo clippy --workspace --all-targets -- -D warnings",
        "./scripts/test",
        "./scripts/fuzz",
    ] {
        let at = commands
            .iter()
            .position(|l| l.contains(step))
            .unwrap_or_else(|| panic!(".ci/run does not run {step:?}: {commands:?}"));
        assert!(at >= last, ".ci/run runs {step:?} too early: {commands:?}");
        last = at;
    }
}

/// `docs/security.md`'s promise: every ASVS row that is met names a test that exists, or says
/// why no test can show it ("not testable in code: …"); a row's test is written
/// `` `name` (path) `` (the path under `crates/server/` unless it starts with `crates/`), or
/// `e2e: "step"` for a step of `tests/e2e/run.mjs`; the summary table counts the rows.
#[test]
fn docs_security_names_a_real_test_for_every_met_row() {
    let doc = read("docs/security.md");
    let row = regex::Regex::new(r"^\| (\d+\.\d+\.\d+) \| [^|]+ \| ([^|]+) \| .* \| ([^|]*) \|$").unwrap();
    let named = regex::Regex::new(r"^`([a-z0-9_]+)` \(([^)]+)\)$").unwrap();
    let e2e = read("tests/e2e/run.mjs");
    let mut chapter = String::new();
    let mut counted: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut rows = 0;
    for line in doc.lines() {
        if let Some(rest) = line.strip_prefix("### V") {
            chapter = format!("V{}", rest.split(' ').next().unwrap());
            continue;
        }
        let Some(c) = row.captures(line) else { continue };
        rows += 1;
        let (id, status, tests) = (&c[1], c[2].trim(), c[3].trim());
        *counted
            .entry(chapter.clone())
            .or_default()
            .entry(status.to_owned())
            .or_default() += 1;
        if status == "met" {
            assert!(!tests.is_empty() && tests != "—", "{id} is met but names no test");
        }
        for test in tests.split("<br>").filter(|t| !t.is_empty() && *t != "—") {
            if test.contains("not testable in code") {
                continue;
            }
            if let Some(step) = test.strip_prefix("e2e: ") {
                let step = step.trim().trim_matches('"');
                assert!(e2e.contains(&format!("step(\"{step}\"")), "{id}: no e2e step {step:?}");
                continue;
            }
            let c = named
                .captures(test.trim())
                .unwrap_or_else(|| panic!("{id}: {test:?} is neither `name` (path), e2e: \"step\" nor not testable"));
            let (name, path) = (&c[1], &c[2]);
            let file = if path.starts_with("crates/") {
                path.to_owned()
            } else {
                format!("crates/server/{path}")
            };
            let text = read(&file);
            let defined = regex::Regex::new(&format!(r"fn {name}\b|both!\(\s*{name}\s*,")).unwrap();
            assert!(defined.is_match(&text), "{id}: no test {name} in {file}");
        }
    }
    // Every requirement with a ✓ in ASVS 4.0.3's L2 column, in order, and nothing else: a row
    // left out (or one of L3 only) fails here, not only a miscount.
    let listed: Vec<String> = doc
        .lines()
        .filter_map(|l| row.captures(l).map(|c| c[1].to_owned()))
        .collect();
    let l2: Vec<String> = ASVS_L2
        .iter()
        .flat_map(|(section, items)| items.iter().map(move |i| format!("{section}.{i}")))
        .collect();
    assert_eq!(l2.len(), 259, "ASVS 4.0.3 has 259 requirements at level 2");
    assert_eq!(
        listed, l2,
        "docs/security.md lists ASVS 4.0.3 L2 requirement by requirement"
    );
    assert_eq!(rows, l2.len());
    // The summary table: met, partly, not met, n/a and all, per chapter.
    let summary =
        regex::Regex::new(r"^\| \[(V\d+) [^\]]+\]\([^)]+\) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$").unwrap();
    let mut chapters = 0;
    for line in doc.lines() {
        let Some(c) = summary.captures(line) else { continue };
        chapters += 1;
        let have = &counted[&c[1]];
        let n = |status: &str| have.get(status).copied().unwrap_or(0);
        let said: Vec<usize> = (2..=6).map(|i| c[i].parse().unwrap()).collect();
        let counts = vec![n("met"), n("partly"), n("not met"), n("n/a"), have.values().sum()];
        assert_eq!(said, counts, "the summary of {}", &c[1]);
    }
    assert_eq!(chapters, counted.len());
    let all = regex::Regex::new(
        r"(?m)^\| \*\*all\*\* \| \*\*(\d+)\*\* \| \*\*(\d+)\*\* \| \*\*(\d+)\*\* \| \*\*(\d+)\*\* \| \*\*(\d+)\*\* \|$",
    )
    .unwrap()
    .captures(&doc)
    .expect("the summary's last row");
    let said: Vec<usize> = (1..=5).map(|i| all[i].parse().unwrap()).collect();
    let total = |status: &str| {
        counted
            .values()
            .map(|c| c.get(status).copied().unwrap_or(0))
            .sum::<usize>()
    };
    assert_eq!(
        said,
        [total("met"), total("partly"), total("not met"), total("n/a"), rows],
        "the summary's total"
    );
}

/// ASVS 4.0.3's level-2 requirements, section by section (the numbers within each section that
/// carry a ✓ in the L2 column of `4.0/en/0x10-V1-…` to `0x22-V14-…`).
const ASVS_L2: &[(&str, &[u32])] = &[
    ("1.1", &[1, 2, 3, 4, 5, 6, 7]),
    ("1.2", &[1, 2, 3, 4]),
    ("1.4", &[1, 4, 5]),
    ("1.5", &[1, 2, 3, 4]),
    ("1.6", &[1, 2, 3, 4]),
    ("1.7", &[1, 2]),
    ("1.8", &[1, 2]),
    ("1.9", &[1, 2]),
    ("1.10", &[1]),
    ("1.11", &[1, 2]),
    ("1.12", &[2]),
    ("1.14", &[1, 2, 3, 4, 5, 6]),
    ("2.1", &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
    ("2.2", &[1, 2, 3]),
    ("2.3", &[1, 2, 3]),
    ("2.4", &[1, 2, 3, 4, 5]),
    ("2.5", &[1, 2, 3, 4, 5, 6, 7]),
    ("2.6", &[1, 2, 3]),
    ("2.7", &[1, 2, 3, 4, 5, 6]),
    ("2.8", &[1, 2, 3, 4, 5, 6, 7]),
    ("2.9", &[1, 2, 3]),
    ("2.10", &[1, 2, 3, 4]),
    ("3.1", &[1]),
    ("3.2", &[1, 2, 3, 4]),
    ("3.3", &[1, 2, 3, 4]),
    ("3.4", &[1, 2, 3, 4, 5]),
    ("3.5", &[1, 2, 3]),
    ("3.7", &[1]),
    ("4.1", &[1, 2, 3, 5]),
    ("4.2", &[1, 2]),
    ("4.3", &[1, 2, 3]),
    ("5.1", &[1, 2, 3, 4, 5]),
    ("5.2", &[1, 2, 3, 4, 5, 6, 7, 8]),
    ("5.3", &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    ("5.4", &[1, 2, 3]),
    ("5.5", &[1, 2, 3, 4]),
    ("6.1", &[1, 2, 3]),
    ("6.2", &[1, 2, 3, 4, 5, 6]),
    ("6.3", &[1, 2]),
    ("6.4", &[1, 2]),
    ("7.1", &[1, 2, 3, 4]),
    ("7.2", &[1, 2]),
    ("7.3", &[1, 3, 4]),
    ("7.4", &[1, 2, 3]),
    ("8.1", &[1, 2, 3, 4]),
    ("8.2", &[1, 2, 3]),
    ("8.3", &[1, 2, 3, 4, 5, 6, 7, 8]),
    ("9.1", &[1, 2, 3]),
    ("9.2", &[1, 2, 3, 4]),
    ("10.2", &[1, 2]),
    ("10.3", &[1, 2, 3]),
    ("11.1", &[1, 2, 3, 4, 5, 6, 7, 8]),
    ("12.1", &[1, 2, 3]),
    ("12.2", &[1]),
    ("12.3", &[1, 2, 3, 4, 5, 6]),
    ("12.4", &[1, 2]),
    ("12.5", &[1, 2]),
    ("12.6", &[1]),
    ("13.1", &[1, 3, 4, 5]),
    ("13.2", &[1, 2, 3, 5, 6]),
    ("13.3", &[1, 2]),
    ("13.4", &[1, 2]),
    ("14.1", &[1, 2, 3, 4]),
    ("14.2", &[1, 2, 3, 4, 5, 6]),
    ("14.3", &[2, 3]),
    ("14.4", &[1, 2, 3, 4, 5, 6, 7]),
    ("14.5", &[1, 2, 3, 4]),
];
