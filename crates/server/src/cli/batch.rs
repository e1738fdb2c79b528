//! `opsclock sla deadline --batch`: JSON lines in, JSON lines out, one for one, in order.

use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};
use sla_clock::{Calendar, SlaDuration};

/// One input line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    start: chrono::DateTime<chrono::FixedOffset>,
    duration: SlaDuration,
}

/// One output line: `{"deadline": …}` (with `"provisional": true` when it runs past the
/// calendar's published holidays), or `{"error": …}`.
#[derive(Serialize)]
#[serde(untagged)]
enum Answer {
    Deadline {
        deadline: String,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        provisional: bool,
    },
    Error {
        error: String,
    },
}

/// How a batch went.
pub struct Summary {
    /// Lines read.
    pub lines: u64,
    /// Lines answered with an error.
    pub errors: u64,
}

/// Answers each line of `input` on `output`. A bad line gets an `{"error"}` line naming its line
/// number and the batch goes on; only I/O failures stop it.
pub fn run(cal: &Calendar, input: impl BufRead, mut output: impl Write) -> anyhow::Result<Summary> {
    let mut summary = Summary { lines: 0, errors: 0 };
    let mut buf = String::with_capacity(64);
    for line in input.lines() {
        let line = line?;
        summary.lines += 1;
        let answer = match serde_json::from_str::<Case>(&line) {
            Ok(case) => match cal.deadline(case.start.to_utc(), case.duration) {
                Ok(at) => {
                    buf.clear();
                    use std::fmt::Write as _;
                    write!(buf, "{}", cal.local(at).format("%Y-%m-%dT%H:%M:%S%.f%:z"))?;
                    Answer::Deadline {
                        deadline: buf.clone(),
                        provisional: cal.is_provisional(at, case.duration.unit()),
                    }
                }
                Err(e) => Answer::Error {
                    error: format!("line {}: {e}", summary.lines),
                },
            },
            Err(e) => Answer::Error {
                error: format!(
                    "line {}: expected {{\"start\": RFC3339, \"duration\": DUR}}: {e}",
                    summary.lines
                ),
            },
        };
        if matches!(answer, Answer::Error { .. }) {
            summary.errors += 1;
        }
        serde_json::to_writer(&mut output, &answer)?;
        output.write_all(b"\n")?;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    #[test]
    fn answers_every_line_in_order_and_reports_bad_ones() {
        let cal = sla_clock::builtin::calendar("cn-5x8").unwrap();
        let input = concat!(
            "{\"start\":\"2026-09-24T15:00:00+08:00\",\"duration\":\"7wd\"}\n",
            "not json\n",
            "{\"start\":\"2001-12-30T15:00:00+08:00\",\"duration\":\"7 个工作日\"}\n",
            "{\"start\":\"2026-09-30T15:00:00Z\",\"duration\":\"4h\"}\n",
        );
        let mut out = Vec::new();
        let s = super::run(&cal, input.as_bytes(), &mut out).unwrap();
        let lines: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!((s.lines, s.errors), (4, 2));
        assert_eq!(lines[0]["deadline"], "2026-10-12T17:00:00+08:00");
        assert!(lines[1]["error"].as_str().unwrap().starts_with("line 2: expected"));
        assert!(lines[2]["error"].as_str().unwrap().contains("no data for 2001"));
        // 15:00Z is 23:00 in Shanghai: counting starts on 8 October at 09:00.
        assert_eq!(lines[3]["deadline"], "2026-10-08T13:00:00+08:00");
        assert!(lines[3].get("provisional").is_none(), "final answers carry no flag");
        // Past the published years: answered, and marked.
        let cal = sla_clock::Calendar::from_toml(
            "name = \"t\"\ncovers = { from = 2026-01-01, to = 2026-12-31 }\n[week]\nthu = [\"09:00-17:00\"]\n",
        )
        .unwrap();
        let mut out = Vec::new();
        super::run(
            &cal,
            &b"{\"start\":\"2026-12-31T16:00:00+08:00\",\"duration\":\"2h\"}\n"[..],
            &mut out,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"deadline\":\"2027-01-07T10:00:00+08:00\",\"provisional\":true}\n"
        );
    }
}
