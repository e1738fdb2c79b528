//! Two writers with the same version: exactly one wins, the other gets 409 with the current one.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;

both!(
    two_updates_with_the_same_version_exactly_one_wins,
    |t: crate::support::Harness| async move {
        let v = t.open("eng_a", "SA", "fault", "serious").await;
        for round in 0..5 {
            let v = t
                .get("eng_a", &format!("/api/v1/tickets/{}", v["number"].as_str().unwrap()))
                .await
                .expect(StatusCode::OK);
            let (a, b) = tokio::join!(
                t.act("eng_a", &v, "comment", json!({"text": format!("first {round}")})),
                t.act("mgr_a", &v, "comment", json!({"text": format!("second {round}")})),
            );
            let mut statuses = [a.status, b.status];
            statuses.sort();
            assert_eq!(
                statuses,
                [StatusCode::OK, StatusCode::CONFLICT],
                "round {round}: {} / {}",
                a.body,
                b.body
            );
            let loser = if a.status == StatusCode::CONFLICT { a } else { b };
            let current = v["version"].as_i64().unwrap() + 1;
            assert_eq!(loser.body["current_version"], current);
            assert_eq!(loser.body["type"], "/problems/version-conflict");
        }
        // Five comments landed, one per round, and no event was lost or doubled.
        let v = t
            .get("eng_a", &format!("/api/v1/tickets/{}", v["number"].as_str().unwrap()))
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["version"], 6);
        let seqs: Vec<i64> = v["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect();
        assert_eq!(seqs, [1, 2, 3, 4, 5, 6]);
    }
);

both!(
    a_stale_version_gets_the_current_one,
    |t: crate::support::Harness| async move {
        let v = t.open("eng_a", "SA", "fault", "serious").await;
        t.act("eng_a", &v, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
        let answer = t.act("eng_a", &v, "comment", json!({"text": "late"})).await;
        assert_eq!(answer.body["current_version"], 2);
        let detail = answer.problem(StatusCode::CONFLICT, "version-conflict");
        assert!(detail.contains("your version 1, current 2"), "{detail}");
    }
);

both!(
    concurrent_openings_get_distinct_consecutive_numbers,
    |t: crate::support::Harness| async move {
        let futures = (0..12).map(|_| t.open("eng_a", "SA", "fault", "minor"));
        let opened = futures::future::join_all(futures).await;
        let mut numbers: Vec<String> = opened
            .iter()
            .map(|v| v["number"].as_str().unwrap().to_owned())
            .collect();
        numbers.sort();
        let expected: Vec<String> = (1..=12)
            .map(|n| format!("INC-{}-{n:06}", numbers[0][4..8].to_owned()))
            .collect();
        assert_eq!(numbers, expected);
    }
);
