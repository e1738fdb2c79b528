//! The `opsclock sla` commands, run as a user runs them: the real binary, real files, real pipes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `opsclock ARGS` run from the repository root (so `config/calendars` is found).
fn opsclock(args: &[&str]) -> Output {
    opsclock_in(&repo_root(), args, None)
}

fn opsclock_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_opsclock"))
        .args(args)
        .current_dir(dir)
        .env_remove("OPSCLOCK_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let input = stdin.unwrap_or("").to_owned();
    let mut pipe = child.stdin.take().expect("piped");
    let writer = std::thread::spawn(move || pipe.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("it finishes");
    writer.join().expect("writer").expect("stdin written");
    out
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("one JSON value")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn deadline_prints_the_worked_example_with_its_rule() {
    let v = json(&opsclock(&[
        "sla",
        "deadline",
        "--calendar",
        "cn-5x8",
        "--start",
        "2026-09-24T15:00:00+08:00",
        "--duration",
        "7 个工作日",
    ]));
    assert_eq!(v["deadline"], "2026-10-12T17:00:00+08:00");
    assert_eq!(v["calendar"], "cn-5x8");
    let rule = v["rule"].as_str().unwrap();
    assert!(
        rule.contains("2026-09-24 is not counted") && rule.contains("art. 203"),
        "{rule}"
    );
}

#[test]
fn deadline_outside_the_covered_years_names_the_calendar_and_year() {
    // Before the published years: an error naming the year.
    let out = opsclock(&[
        "sla",
        "deadline",
        "--calendar",
        "cn-5x8",
        "--start",
        "2023-12-29T10:00:00+08:00",
        "--duration",
        "1h",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("\"cn-5x8\" has no data for 2023"), "{err}");
    assert!(out.stdout.is_empty());
    // Into the first unpublished year: counted from the week alone, and said to be provisional.
    let v = json(&opsclock(&[
        "sla",
        "deadline",
        "--calendar",
        "cn-5x8",
        "--start",
        "2026-12-28T10:00:00+08:00",
        "--duration",
        "7wd",
    ]));
    assert_eq!(v["deadline"], "2027-01-06T17:00:00+08:00");
    assert!(v["rule"].as_str().unwrap().contains("provisional"), "{v}");
}

#[test]
fn bad_durations_and_unknown_calendars_are_explained() {
    let out = opsclock(&[
        "sla",
        "deadline",
        "--calendar",
        "cn-5x8",
        "--start",
        "2026-09-24T15:00:00+08:00",
        "--duration",
        "7 weeks",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("\"7 weeks\"") && err.contains("7 个工作日"), "{err}");

    let out = opsclock(&[
        "sla",
        "deadline",
        "--calendar",
        "mars",
        "--start",
        "2026-09-24T15:00:00+08:00",
        "--duration",
        "4h",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("there are: 24x7, cn-5x24, cn-5x8, cn-7x12, cn-7x24, cn-7x8"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn batch_answers_each_line_in_order() {
    let mut input = String::new();
    for i in 0..1000 {
        if i == 500 {
            input.push_str("{\"start\":\"yesterday\",\"duration\":\"4h\"}\n");
        } else {
            input.push_str("{\"start\":\"2026-09-30T15:00:00+08:00\",\"duration\":\"4h\"}\n");
        }
    }
    let out = opsclock_in(
        &repo_root(),
        &["sla", "deadline", "--calendar", "cn-5x8", "--batch"],
        Some(&input),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("1 of 1000 lines had errors"));
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1000);
    assert_eq!(lines[0]["deadline"], "2026-10-08T11:00:00+08:00");
    assert!(lines[500]["error"].as_str().unwrap().starts_with("line 501"));
    assert_eq!(lines[999]["deadline"], "2026-10-08T11:00:00+08:00");
}

#[test]
fn elapsed_counts_working_time_only() {
    let v = json(&opsclock(&[
        "sla",
        "elapsed",
        "--calendar",
        "cn-5x8",
        "--from",
        "2026-09-30T15:00:00+08:00",
        "--to",
        "2026-10-08T11:30:00+08:00",
    ]));
    assert_eq!(v["elapsed_seconds"], 4 * 3600 + 1800);
    assert_eq!(v["elapsed"], "4h 30m");
}

#[test]
fn calendars_lists_names_zones_and_years() {
    let v = json(&opsclock(&["sla", "calendars", "--json"]));
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["24x7", "cn-5x24", "cn-5x8", "cn-7x12", "cn-7x24", "cn-7x8"]);
    assert_eq!(v[1]["zone"], "Asia/Shanghai");
    assert_eq!(
        (v[1]["first_year"].as_i64(), v[1]["last_year"].as_i64()),
        (Some(2024), Some(2026))
    );

    let out = opsclock(&["sla", "calendars"]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("cn-5x8") && table.contains("2024-2026"), "{table}");
}

#[test]
fn classify_gives_level_and_reasons_in_both_languages() {
    let v = json(&opsclock(&["sla", "classify", "--core", "down", "--users", "many"]));
    assert_eq!(v["severity"], "urgent");
    assert_eq!(v["label_zh"], "紧急");
    assert!(!v["reason_zh"].as_str().unwrap().is_empty() && !v["reason_en"].as_str().unwrap().is_empty());
    let v = json(&opsclock(&["sla", "classify", "--core", "fine"]));
    assert_eq!(v["severity"], "minor");
}

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("opsclock-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir is writable");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const LUNCH: &str = r#"
name = "lunch"
zone = "Asia/Shanghai"
covers = { from = 2026-01-01, to = 2026-12-31 }
[week]
mon = ["09:00-12:00", "13:00-17:00"]
"#;

#[test]
fn calendar_dir_comes_from_the_flag_or_the_config_file() {
    let scratch = Scratch::new("caldir");
    let dir = scratch.0.join("cals");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("lunch.toml"), LUNCH).unwrap();
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "sla",
            "deadline",
            "--calendar",
            "lunch",
            "--start",
            "2026-11-23T11:00:00+08:00",
            "--duration",
            "2h",
        ];
        a.extend_from_slice(extra);
        a
    };
    // Monday 11:00 + 2 h with a lunch break: 1 h before, 1 h after → 14:00.
    let dir_s = dir.to_str().unwrap();
    let mut a = args(&[]);
    a.extend(["--calendar-dir", dir_s]);
    assert_eq!(
        json(&opsclock_in(&scratch.0, &a, None))["deadline"],
        "2026-11-23T14:00:00+08:00"
    );

    // From the config file, relative to the deployment root (the config directory's parent).
    std::fs::create_dir_all(scratch.0.join("config")).unwrap();
    std::fs::write(
        scratch.0.join("config/opsclock.toml"),
        "[sla]\ncalendar_dir = \"cals\"\n",
    )
    .unwrap();
    assert_eq!(
        json(&opsclock_in(&scratch.0, &args(&[]), None))["deadline"],
        "2026-11-23T14:00:00+08:00"
    );

    // A file whose name disagrees with the calendar inside is refused, naming both.
    std::fs::write(dir.join("other.toml"), LUNCH).unwrap();
    let out = opsclock_in(&scratch.0, &["sla", "calendars"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("other.toml") && stderr(&out).contains("\"lunch\""),
        "{}",
        stderr(&out)
    );

    // A named directory that does not exist is an error, not a silent fallback.
    let out = opsclock_in(&scratch.0, &["sla", "calendars", "--calendar-dir", "nowhere"], None);
    assert!(stderr(&out).contains("nowhere does not exist"), "{}", stderr(&out));
}

#[test]
fn without_any_calendar_files_the_built_in_ones_answer() {
    let scratch = Scratch::new("builtin");
    let out = opsclock_in(&scratch.0, &["sla", "calendars"], None);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("cn-5x8") && table.contains("built-in"), "{table}");
}

#[test]
fn invalid_calendar_files_report_every_problem_with_the_file() {
    let scratch = Scratch::new("invalid");
    std::fs::write(
        scratch.0.join("bad.toml"),
        "name = \"bad\"\ncovers = { from = 2026-01-01, to = 2026-12-31 }\n[week]\nmon = [\"17:00-09:00\"]\n",
    )
    .unwrap();
    let out = opsclock_in(&scratch.0, &["sla", "calendars", "--calendar-dir", "."], None);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("bad.toml") && err.contains("week.mon"), "{err}");
}

fn json_lines(out: &Output) -> Vec<Value> {
    assert!(out.status.success(), "failed: {}", stderr(out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn days_gives_each_date_its_kind() {
    // 2024's Spring Festival: Sunday 4 February is a make-up working day, 10-17 February are off.
    let days = json_lines(&opsclock(&[
        "sla",
        "days",
        "--calendar",
        "cn-5x8",
        "--from",
        "2024-02-03",
        "--to",
        "2024-02-10",
    ]));
    assert_eq!(days.len(), 8);
    use serde_json::json;
    assert_eq!(days[0], json!({"date": "2024-02-03", "working": false, "kind": "rest"}));
    assert_eq!(
        days[1],
        json!({"date": "2024-02-04", "working": true, "kind": "makeup", "name": "春节调休"})
    );
    assert_eq!(
        days[2],
        json!({"date": "2024-02-05", "working": true, "kind": "regular"})
    );
    assert_eq!(
        days[7],
        json!({"date": "2024-02-10", "working": false, "kind": "holiday", "name": "春节"})
    );
    // The raw output keeps the documented key order.
    let out = opsclock(&[
        "sla",
        "days",
        "--calendar",
        "cn-7x24",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-01",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{\"date\":\"2026-10-01\",\"working\":false,\"kind\":\"holiday\",\"name\":\"国庆节\"}\n"
    );

    // Past the published years the weekly schedule answers, marked provisional.
    let days = json_lines(&opsclock(&[
        "sla",
        "days",
        "--calendar",
        "cn-5x8",
        "--from",
        "2031-01-01",
        "--to",
        "2031-01-01",
    ]));
    assert_eq!(
        (days[0]["kind"].as_str(), days[0]["provisional"].as_bool()),
        (Some("regular"), Some(true))
    );
}

#[test]
fn days_the_calendar_cannot_answer_are_an_error_and_nothing_is_printed() {
    let out = opsclock(&[
        "sla",
        "days",
        "--calendar",
        "cn-5x8",
        "--from",
        "2023-12-30",
        "--to",
        "2024-01-02",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("\"cn-5x8\" has no data for 2023"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());

    let out = opsclock(&[
        "sla",
        "days",
        "--calendar",
        "cn-5x8",
        "--from",
        "2024-01-02",
        "--to",
        "2024-01-01",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is before --from"), "{}", stderr(&out));
}
