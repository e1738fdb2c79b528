//! A catalogue file is checked as the API checks the same settings (issue 25): a policy target no
//! loaded calendar can count and text holding a NUL byte are refused by `catalog check`, dry run
//! or not, naming the entry, the field and the line; and a target countable when it was saved but
//! not once a calendar's coverage runs out never stops a ticket from opening.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::support::{Answer, Harness, opsclock, scratch};

async fn upload(t: &Harness, query: &str, text: &str) -> Answer {
    t.raw(
        "admin",
        Method::POST,
        &format!("/api/v1/catalog/import{query}"),
        Some("application/toml"),
        text.as_bytes().to_vec(),
    )
    .await
}

/// The 1-based line of the first line of `text` that is `line`.
fn line_of(text: &str, line: &str) -> usize {
    text.lines().position(|l| l == line).expect("the line") + 1
}

/// A catalogue whose policy `p-long` gives `tier` as its second tier (and `extra` after the tiers).
fn catalogue(tier: &str, extra: &str) -> String {
    format!(
        r#"format = 1

[[units]]
code = "u-long"
name = "区经信局"

[[vendors]]
code = "v-long"
name = "运维商"

[[policies]]
code = "p-long"
name = "长时限"

[[policies.tiers]]
label = "紧急故障"
severity = "urgent"
response = "30m"
repair = "8h"

[[policies.tiers]]
label = "一般故障"
severity = "general"
{tier}
{extra}
[[systems]]
code = "s-long"
name = "系统一"
unit = "u-long"
vendors = ["v-long"]
policy = "p-long"
calendar = "cn-5x8"
service_mode = "remote"
"#
    )
}

both!(
    a_policy_target_no_calendar_counts_is_refused_by_the_catalogue_check,
    |t: Harness| async move {
        let cases = [
            (
                catalogue("repair = \"3000d\"", ""),
                "policies[0].tiers[1].repair",
                "policy \"p-long\", tier \"一般故障\": 3000d cannot be counted in calendar",
            ),
            (
                catalogue(
                    "repair = \"2wd\"",
                    "[policies.major_event]\nresponse = \"10m\"\nrepair = \"3000d\"\n",
                ),
                "policies[0].major_event.repair",
                "policy \"p-long\", major_event: 3000d cannot be counted in calendar",
            ),
            (
                catalogue("repair = \"2wd\"", "").replace(
                    "[[policies.tiers]]\nlabel = \"紧急故障\"\nseverity = \"urgent\"\nresponse = \"30m\"\nrepair = \"8h\"\n\n\
                     [[policies.tiers]]\nlabel = \"一般故障\"\nseverity = \"general\"\nrepair = \"2wd\"\n",
                    "[policies.targets.fault.minor]\nrepair = \"3000d\"\n",
                ),
                "policies[0].targets.fault.minor.repair",
                "policy \"p-long\": 3000d cannot be counted in calendar",
            ),
        ];
        for (text, path, message) in &cases {
            let line = line_of(text, "[[policies]]");
            for query in ["?dry_run=true", ""] {
                let answer = upload(&t, query, text).await;
                assert_eq!(
                    answer.status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{path}{query}: {}",
                    answer.body
                );
                assert_eq!(answer.body["type"], "/problems/invalid-file");
                let found = answer.body["problems"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| p["path"] == *path)
                    .unwrap_or_else(|| panic!("{path}{query}: {}", answer.body))
                    .clone();
                assert_eq!(found["line"], line, "{found}");
                let said = found["message"].as_str().unwrap();
                assert!(said.starts_with(message), "{said}");
            }
        }
        // Nothing was written; with a target every calendar counts the same file imports.
        let policies = t.get("admin", "/api/v1/policies").await.expect(StatusCode::OK);
        assert!(!policies.to_string().contains("p-long"), "{policies}");
        upload(&t, "", &catalogue("repair = \"2wd\"", ""))
            .await
            .expect(StatusCode::OK);

        // The command line checks the same way, dry run or not.
        let file = scratch("long.toml", &cases[0].0);
        for extra in [&["--dry-run"][..], &[]] {
            let mut args = vec!["import", "catalog", file.path()];
            args.extend_from_slice(extra);
            let (ok, _, err) = opsclock(&t, &args);
            assert!(
                !ok && err.contains(&format!(
                    "long.toml: line {}: policies[0].tiers[1].repair: policy \"p-long\", tier \"一般故障\": 3000d",
                    line_of(&cases[0].0, "[[policies]]")
                )),
                "{err}"
            );
        }
    }
);

both!(
    a_target_that_stops_being_countable_opens_the_ticket_without_it_and_says_why,
    |t: Harness| async move {
        // 1800 days from the pinned 2026-11-25 end in October 2031, within the years cn-5x8
        // counts (to the end of 2031): accepted.
        let mut targets = crate::support::policy_targets();
        targets["fault"]["minor"]["repair"] = json!("1800d");
        t.patch(
            "admin",
            &format!("/api/v1/policies/{}", t.ids.policy),
            json!({ "targets": targets }),
        )
        .await
        .expect(StatusCode::OK);
        // In June 2028 they would end in 2033, which no published or provisional year reaches.
        t.time.set("2028-06-01T02:00:00Z".parse().unwrap());
        let minor = json!({"kind": "fault", "system": "SB", "severity": "minor", "title": "打印慢"});
        let preview = t
            .post("mgr_b", "/api/v1/tickets/preview", minor.clone())
            .await
            .expect(StatusCode::OK);
        assert!(preview["unapplied"][0].as_str().unwrap().contains("1800d"), "{preview}");
        let opened = t
            .post("mgr_b", "/api/v1/tickets", minor)
            .await
            .expect(StatusCode::CREATED);
        let clocks: Vec<&str> = opened["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(clocks, ["response"], "{opened}");
        let read = t
            .get(
                "mgr_b",
                &format!("/api/v1/tickets/{}", opened["number"].as_str().unwrap()),
            )
            .await
            .expect(StatusCode::OK);
        let said: Vec<&Value> = read["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "commented")
            .collect();
        assert_eq!(said.len(), 1, "{read}");
        let text = said[0]["data"]["text"].as_str().unwrap();
        assert!(
            text.contains("策略 P 的修复时限 1800d 无法计算，此时钟未启动") && text.contains("cn-5x8"),
            "{text}"
        );
        // The ticket is worked as any other; other severities keep every clock.
        t.act("eng_b", &read, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
        let urgent = t.open("mgr_b", "SB", "fault", "urgent").await;
        assert_eq!(urgent["clocks"].as_array().unwrap().len(), 2, "{urgent}");
    }
);

/// A catalogue with a NUL byte (`\u0000` in TOML) in a unit's name and a system's notes.
const WITH_NUL: &str = r#"format = 1

[[units]]
code = "u-nul"
name = "区经信局\u0000"

[[vendors]]
code = "v-nul"
name = "运维商"

[[policies]]
code = "p-nul"
name = "策略"

[policies.targets.fault.urgent]
repair = "4h"

[[systems]]
code = "s-nul"
name = "系统一"
unit = "u-nul"
vendors = ["v-nul"]
policy = "p-nul"
calendar = "cn-5x8"
service_mode = "remote"

[systems.contract]
notes = "见附件\u0000"
"#;

both!(
    nul_bytes_in_a_catalogue_file_are_refused_naming_the_entry_and_field,
    |t: Harness| async move {
        for query in ["?dry_run=true", ""] {
            let answer = upload(&t, query, WITH_NUL).await;
            assert_eq!(
                answer.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{query}: {}",
                answer.body
            );
            assert_eq!(answer.body["type"], "/problems/invalid-file");
            let found: Vec<(String, i64)> = answer.body["problems"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["message"].as_str().unwrap().contains("NUL"))
                .map(|p| (p["path"].as_str().unwrap().to_owned(), p["line"].as_i64().unwrap()))
                .collect();
            let line = |l: &str| line_of(WITH_NUL, l) as i64;
            assert_eq!(
                found,
                [
                    ("units[0].name".to_owned(), line("[[units]]")),
                    ("systems[0].contract.notes".to_owned(), line("[[systems]]"))
                ],
                "{}",
                answer.body
            );
        }
        let units = t.get("admin", "/api/v1/units").await.expect(StatusCode::OK);
        assert!(!units.to_string().contains("u-nul"), "{units}");

        let file = scratch("nul.toml", WITH_NUL);
        let (ok, _, err) = opsclock(&t, &["import", "catalog", file.path()]);
        assert!(
            !ok && err.contains("nul.toml has 2 problem(s); nothing was imported")
                && err.contains(&format!(
                    "line {}: units[0].name: holds a NUL byte",
                    line_of(WITH_NUL, "[[units]]")
                )),
            "{err}"
        );
    }
);
