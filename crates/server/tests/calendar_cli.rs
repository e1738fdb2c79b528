//! `opsclock calendar import-notice` as a user runs it: the shipped calendars with 2026 taken out,
//! then the real 2026 notice imported, must answer every day of 2026 as the shipped ones do.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn notice_2026() -> PathBuf {
    repo_root().join("crates/sla-clock/tests/notices/2026.txt")
}

fn opsclock(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opsclock"))
        .args(args)
        .current_dir(dir)
        .env_remove("OPSCLOCK_CONFIG")
        .output()
        .expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("opsclock-calendar-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir is writable");
        Scratch(dir)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const CN: [&str; 2] = ["cn-5x8", "cn-7x24"];

/// The shipped calendar files copied into `dir`, with 2026 taken out of the two Chinese ones.
fn calendars_without_2026(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    for entry in std::fs::read_dir(repo_root().join("config/calendars")).expect("shipped calendars") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&path, dir.join(path.file_name().expect("a name"))).expect("copy");
        }
    }
    for name in CN {
        let path = dir.join(format!("{name}.toml"));
        let text = std::fs::read_to_string(&path).expect("read");
        let cut = text.find("# ---- 2026").expect("a 2026 section");
        let text = format!("{}\n", text[..cut].trim_end());
        assert_eq!(text.matches("to = 2026-12-31 }").count(), 1, "{name}: one covers.to");
        let text = text.replace("to = 2026-12-31 }", "to = 2025-12-31 }");
        std::fs::write(&path, text).expect("write");
    }
}

fn days_2026(cwd: &Path, dir: &Path, name: &str) -> String {
    let out = opsclock(
        cwd,
        &[
            "sla",
            "days",
            "--calendar-dir",
            dir.to_str().expect("utf-8"),
            "--calendar",
            name,
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read")
}

#[test]
fn importing_the_real_2026_notice_gives_back_the_shipped_calendars() {
    let scratch = Scratch::new("import");
    let dir = scratch.path("cals");
    calendars_without_2026(&dir);
    let dir_s = dir.to_str().expect("utf-8");
    let notice = notice_2026();
    let notice_s = notice.to_str().expect("utf-8");
    let before: Vec<String> = CN.iter().map(|n| read(&dir.join(format!("{n}.toml")))).collect();
    // Without 2026 the year is answered only provisionally.
    assert!(days_2026(&scratch.0, &dir, "cn-5x8").contains("\"provisional\":true"));

    // Without --yes: the changes are shown and nothing is written.
    let out = opsclock(
        &scratch.0,
        &[
            "calendar",
            "import-notice",
            "--year",
            "2026",
            notice_s,
            "--calendar-dir",
            dir_s,
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = stdout(&out);
    assert!(
        shown.contains("the notice for 2026 has 7 holiday(s) and 6 make-up day(s)"),
        "{shown}"
    );
    for name in CN {
        assert!(shown.contains(&format!("+++ {dir_s}/{name}.toml")), "{shown}");
    }
    assert!(
        shown.contains(
            "\n-covers = { from = 2024-01-01, to = 2025-12-31 }\n+covers = { from = 2024-01-01, to = 2026-12-31 }\n"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("\n+name = \"国庆节调休\"      # 10月10日（周六）上班\n+date = 2026-10-10\n"),
        "{shown}"
    );
    assert!(
        shown.ends_with("nothing written: run again with --yes to write\n"),
        "{shown}"
    );
    for (name, text) in CN.iter().zip(&before) {
        assert_eq!(&read(&dir.join(format!("{name}.toml"))), text, "{name} untouched");
    }

    // With --yes the files are written, and answer every day of 2026 as the shipped ones do.
    let out = opsclock(
        &scratch.0,
        &[
            "calendar",
            "import-notice",
            "--year",
            "2026",
            notice_s,
            "--calendar-dir",
            dir_s,
            "--yes",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("wrote {dir_s}/cn-7x24.toml")),
        "{}",
        stdout(&out)
    );
    let shipped = repo_root().join("config/calendars");
    for name in CN {
        let imported = days_2026(&scratch.0, &dir, name);
        assert_eq!(imported.lines().count(), 365);
        assert!(!imported.contains("provisional"), "{name}: 2026 is published now");
        assert_eq!(imported, days_2026(&scratch.0, &shipped, name), "{name}");
        // The shipped files quote the notice the same way, so even the text comes back.
        assert_eq!(
            read(&dir.join(format!("{name}.toml"))),
            read(&shipped.join(format!("{name}.toml"))),
            "{name}"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .filter(|n| !n.to_string_lossy().ends_with(".toml"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A second import of the same year is refused and changes nothing.
    let after: Vec<String> = CN.iter().map(|n| read(&dir.join(format!("{n}.toml")))).collect();
    let out = opsclock(
        &scratch.0,
        &[
            "calendar",
            "import-notice",
            "--year",
            "2026",
            notice_s,
            "--calendar-dir",
            dir_s,
            "--yes",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("calendar \"cn-5x8\" already has holidays in 2026"),
        "{}",
        stderr(&out)
    );
    for (name, text) in CN.iter().zip(&after) {
        assert_eq!(&read(&dir.join(format!("{name}.toml"))), text, "{name} untouched");
    }
}

#[test]
fn a_garbled_notice_is_reported_with_its_line_and_nothing_is_written() {
    let scratch = Scratch::new("garbled");
    let dir = scratch.path("cals");
    calendars_without_2026(&dir);
    let dir_s = dir.to_str().expect("utf-8");
    let text = read(&notice_2026());
    let (n, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.starts_with("三、清明节"))
        .expect("the Qingming line");
    let garbled_line = line.replace("放假", "放加");
    std::fs::write(scratch.path("notice.txt"), text.replace(line, &garbled_line)).expect("write");
    let before = read(&dir.join("cn-5x8.toml"));

    let out = opsclock(
        &scratch.0,
        &[
            "calendar",
            "import-notice",
            "--year",
            "2026",
            "notice.txt",
            "--calendar-dir",
            dir_s,
            "--yes",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "cannot read the notice notice.txt: line {}: cannot read {garbled_line:?}",
            n + 1
        )),
        "{err}"
    );
    assert_eq!(read(&dir.join("cn-5x8.toml")), before);

    // The notice of another year: the title says so.
    let out = opsclock(
        &scratch.0,
        &[
            "calendar",
            "import-notice",
            "--year",
            "2027",
            notice_2026().to_str().expect("utf-8"),
            "--calendar-dir",
            dir_s,
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("this is the notice for 2026, not for 2027"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_calendar_directory_comes_from_the_config_file_and_the_built_in_ones_are_not_changed() {
    let scratch = Scratch::new("dirs");
    let notice = notice_2026();
    let notice_s = notice.to_str().expect("utf-8");
    // No directory at all: the built-in calendars cannot be edited.
    let out = opsclock(&scratch.0, &["calendar", "import-notice", "--year", "2026", notice_s]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no calendar directory to change"),
        "{}",
        stderr(&out)
    );

    // [sla] calendar_dir, relative to the deployment root; one calendar named.
    calendars_without_2026(&scratch.path("cals"));
    std::fs::create_dir_all(scratch.path("config")).expect("mkdir");
    std::fs::write(scratch.path("config/opsclock.toml"), "[sla]\ncalendar_dir = \"cals\"\n").expect("write");
    let out = opsclock(
        &scratch.0,
        &[
            "calendar",
            "import-notice",
            "--year",
            "2026",
            notice_s,
            "--calendar",
            "cn-5x8",
            "--yes",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(read(&scratch.path("cals/cn-5x8.toml")).contains("to = 2026-12-31 }"));
    assert!(read(&scratch.path("cals/cn-7x24.toml")).contains("to = 2025-12-31 }"));

    // A calendar that is not there is named.
    let out = opsclock(
        &scratch.0,
        &[
            "calendar",
            "import-notice",
            "--year",
            "2026",
            notice_s,
            "--calendar",
            "mars",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot read calendar \"mars\""),
        "{}",
        stderr(&out)
    );
}
