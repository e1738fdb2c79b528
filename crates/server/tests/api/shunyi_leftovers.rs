//! Shunyi rows 36, 49 and 125 (issue 24): every severity the row's text covers gets its clocks,
//! and where the seed gives a tier no time the tier has none and its note quotes the line.

use axum::http::{Method, StatusCode};
use opsclock::app::demo::SHUNYI_CATALOG;
use serde_json::Value;

use crate::both;
use crate::support::Harness;

/// The (clock, target) pairs of a fault of `severity` on `system` opened now.
async fn targets(t: &Harness, system: &str, severity: &str) -> Vec<(String, String)> {
    let v: Value = t.open("admin", system, "fault", severity).await;
    v["clocks"]
        .as_array()
        .expect("clocks")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["target"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

/// The note of tier `label` of policy `code` in the shipped file.
fn note(code: &str, label: &str) -> String {
    let file = opsclock::app::catalog::parse(SHUNYI_CATALOG).unwrap();
    let policy = file
        .policies
        .iter()
        .map(|p| p.get_ref())
        .find(|p| p.code == code)
        .unwrap();
    let tier = policy.tiers.iter().find(|t| t.label == label).unwrap();
    tier.note.clone().unwrap_or_default()
}

both!(
    rows_36_49_and_125_leave_no_severity_without_clocks_the_seed_gives,
    |t: Harness| async move {
        t.raw(
            "admin",
            Method::POST,
            "/api/v1/catalog/import",
            Some("application/toml"),
            SHUNYI_CATALOG.as_bytes().to_vec(),
        )
        .await
        .expect(StatusCode::OK);
        // Row 36, L8572–8655: 前端设备 12 h, 后端设备 4 h, 重大事故 24 h, each "含响应时间": a fault
        // that is no 重大事故 gets the 12 h that holds for either asset class.
        for severity in ["serious", "general", "minor"] {
            assert_eq!(
                targets(&t, "sy-036", severity).await,
                pairs(&[("repair", "12h")]),
                "{severity}"
            );
        }
        assert_eq!(targets(&t, "sy-036", "urgent").await, pairs(&[("repair", "24h")]));
        // Row 49, L10700–10704: "一般故障 0.5 小时内解决，重大故障加急处置并实时反馈进展".
        for severity in ["serious", "general", "minor"] {
            assert_eq!(
                targets(&t, "sy-049", severity).await,
                pairs(&[("repair", "30m")]),
                "{severity}"
            );
        }
        assert_eq!(targets(&t, "sy-049", "urgent").await, vec![]);
        assert!(note("shunyi-049", "重大故障").contains("004 L10702–10704"));
        // Row 125, L22749–22751: "轻微故障 … 远程电话处理" gives no time; the others are as before.
        assert_eq!(targets(&t, "sy-125", "minor").await, vec![]);
        assert!(note("shunyi-125", "轻微故障").contains("004 L22749–22751"));
        assert_eq!(
            targets(&t, "sy-125", "general").await,
            pairs(&[("arrival", "4h"), ("repair", "24h")])
        );
        assert!(note("shunyi-036", "前端设备").contains("L8647–8649"));
    }
);
