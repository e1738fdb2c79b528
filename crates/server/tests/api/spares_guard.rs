//! The spares after the hostile review (issue 30, M1–M3 and the lows): one open replacement
//! per device and one removal even when two arrive at once, the lists shown for the reader's
//! systems only, the warehouse serving its vendor's tickets only and a replacement's spare going
//! out only with the replacement, and two people for the two approvals.

use axum::http::StatusCode;
use opsclock::app::auth::PartyKind;
use opsclock::db::Key;
use opsclock::db::entities::{device_replacements, removed_devices, users};
use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::both;
use crate::replacements::camera;
use crate::spares::{line, moved, setup};
use crate::support::Harness;

/// Asks for, approves (the bureau, the supervisor) and records the replacement of `device` on
/// ticket `number`; returns the replacement.
async fn replaced(t: &Harness, number: &str, device: &str) -> Value {
    let r = t
        .post(
            "eng_a",
            &format!("/api/v1/tickets/{number}/replacements"),
            json!({"device": device, "item": "SY26-PA-1", "reason": "主板烧毁"}),
        )
        .await
        .expect(StatusCode::CREATED);
    let hr = r["number"].as_str().unwrap().to_owned();
    for who in ["bureau", "sup"] {
        t.post(who, &format!("/api/v1/replacements/{hr}/approve"), json!({}))
            .await
            .expect(StatusCode::OK);
    }
    t.post("eng_a", &format!("/api/v1/replacements/{hr}/record"), json!({}))
        .await
        .expect(StatusCode::OK)
}

both!(
    movements_and_the_settlement_show_only_the_readers_systems,
    |t: Harness| async move {
        setup(&t).await;
        for (item, q) in [("SY26-PA-1", 2), ("SY26-FX-2", 3)] {
            moved(&t, "eng_a", json!({"item": item, "kind": "in", "quantity": q}))
                .await
                .expect(StatusCode::CREATED);
        }
        let ticket = t.open("eng_a", "SA", "fault", "serious").await;
        let number = ticket["number"].as_str().unwrap().to_owned();
        camera(&t, "SY-CAM-101", Some(&ticket)).await;
        moved(
            &t,
            "eng_a",
            json!({"item": "SY26-FX-2", "kind": "out", "quantity": 1, "ticket": number}),
        )
        .await
        .expect(StatusCode::CREATED);
        replaced(&t, &number, "SY-CAM-101").await;
        let path = "/api/v1/spares/movements?contract=shunyi-2026";
        // Unit A's manager sees the movements to its ticket; unit B's only the receipts.
        let theirs = t.get("mgr_a", path).await.expect(StatusCode::OK);
        assert_eq!(theirs.as_array().unwrap().len(), 4);
        let others = t.get("mgr_b", path).await.expect(StatusCode::OK);
        let kinds: Vec<(&str, &Value)> = others
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["kind"].as_str().unwrap(), &m["ticket"]))
            .collect();
        assert_eq!(kinds, [("in", &Value::Null), ("in", &Value::Null)], "{others}");
        // The settlement's lines are the contract's; the devices removed, the reader's systems'.
        let settlement = "/api/v1/spares/settlement?contract=shunyi-2026&period=2026-11";
        let s = t.get("mgr_b", settlement).await.expect(StatusCode::OK);
        assert_eq!(line(&s["lines"], "SY26-PA-1")["used"], 1);
        assert_eq!(s["removed"], json!([]));
        let s = t.get("mgr_a", settlement).await.expect(StatusCode::OK);
        assert_eq!(s["removed"][0]["code"], "SY-CAM-101");
    }
);

both!(
    the_warehouse_serves_its_vendors_tickets_and_a_replacements_spare_waits_for_it,
    |t: Harness| async move {
        setup(&t).await;
        for (item, q) in [("SY26-PA-1", 2), ("SY26-FX-2", 5)] {
            moved(&t, "eng_a", json!({"item": item, "kind": "in", "quantity": q}))
                .await
                .expect(StatusCode::CREATED);
        }
        let out = |ticket: &str, item: &str| json!({"item": item, "kind": "out", "quantity": 1, "ticket": ticket});
        // Another vendor's ticket (the administrator keeps the warehouse too, and sees it).
        let sb = t.open("eng_b", "SB", "fault", "serious").await;
        let e = moved(&t, "admin", out(sb["number"].as_str().unwrap(), "SY26-FX-2"))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(e.contains("vendor"), "{e}");
        // A ticket with no vendor: neither a plain out nor a replacement draws on the stock.
        t.post(
            "admin",
            "/api/v1/systems",
            json!({"code": "SC", "name": "System C", "unit_id": t.ids.unit_a, "vendor_ids": [],
                   "policy_id": t.ids.policy, "calendar": "24x7", "service_mode": "on_site"}),
        )
        .await
        .expect(StatusCode::CREATED);
        t.post(
            "mgr_a",
            "/api/v1/systems/SC/devices",
            json!({"code": "SC-CAM-1", "type": "摄像机"}),
        )
        .await
        .expect(StatusCode::CREATED);
        let sc = t.open("mgr_a", "SC", "fault", "serious").await;
        let sc = sc["number"].as_str().unwrap().to_owned();
        moved(&t, "admin", out(&sc, "SY26-FX-2"))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        t.put(
            "mgr_a",
            &format!("/api/v1/tickets/{sc}/devices"),
            json!({"devices": ["SC-CAM-1"]}),
        )
        .await
        .expect(StatusCode::OK);
        t.post(
            "mgr_a",
            &format!("/api/v1/tickets/{sc}/replacements"),
            json!({"device": "SC-CAM-1", "item": "SY26-PA-1", "reason": "损坏"}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        // The line an open request names goes out with its record, not by a plain out.
        let ticket = t.open("eng_a", "SA", "fault", "serious").await;
        let number = ticket["number"].as_str().unwrap().to_owned();
        camera(&t, "SY-CAM-201", Some(&ticket)).await;
        t.post(
            "eng_a",
            &format!("/api/v1/tickets/{number}/replacements"),
            json!({"device": "SY-CAM-201", "item": "SY26-PA-1", "reason": "主板烧毁"}),
        )
        .await
        .expect(StatusCode::CREATED);
        let e = moved(&t, "eng_a", out(&number, "SY26-PA-1"))
            .await
            .problem(StatusCode::CONFLICT, "conflict");
        assert!(e.contains("HR-1"), "{e}");
        moved(&t, "eng_a", out(&number, "SY26-FX-2"))
            .await
            .expect(StatusCode::CREATED);
        let items = t
            .get("mgr_a", "/api/v1/spares/items?contract=shunyi-2026")
            .await
            .expect(StatusCode::OK);
        assert_eq!(line(&items, "SY26-PA-1")["stock"], 2, "no camera went out by hand");
    }
);

both!(
    one_open_request_per_device_and_one_removal_even_at_once,
    |t: Harness| async move {
        setup(&t).await;
        moved(&t, "eng_a", json!({"item": "SY26-PA-1", "kind": "in", "quantity": 5}))
            .await
            .expect(StatusCode::CREATED);
        let ticket = t.open("eng_a", "SA", "fault", "serious").await;
        let number = ticket["number"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/tickets/{number}/replacements");
        let mut won = Vec::new();
        for round in 0..3 {
            let code = format!("SY-CAM-30{round}");
            camera(&t, &code, Some(&ticket)).await;
            let ask = json!({"device": code, "item": "SY26-PA-1", "reason": "主板烧毁"});
            let (a, b) = tokio::join!(
                t.post("eng_a", &path, ask.clone()),
                t.post("vmgr_a", &path, ask.clone())
            );
            let mut statuses = [a.status, b.status];
            statuses.sort();
            assert_eq!(
                statuses,
                [StatusCode::CREATED, StatusCode::CONFLICT],
                "round {round}: {} / {}",
                a.body,
                b.body
            );
            won.push(if a.status == StatusCode::CREATED {
                a.body
            } else {
                b.body
            });
        }
        // The database holds the rule itself: a second open request of a device is refused.
        let open = device_replacements::Entity::find()
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        let mut second: device_replacements::ActiveModel = open.clone().into();
        second.id = NotSet;
        assert!(
            second.insert(&t.db.db).await.is_err(),
            "two open requests of one device"
        );
        // A device removed while its replacement was approved is not removed twice: 409, and
        // no spare goes out.
        let hr = won[0]["number"].as_str().unwrap().to_owned();
        for who in ["bureau", "sup"] {
            t.post(who, &format!("/api/v1/replacements/{hr}/approve"), json!({}))
                .await
                .expect(StatusCode::OK);
        }
        t.patch(
            "admin",
            &format!("/api/v1/devices/{}", won[0]["device"].as_str().unwrap()),
            json!({"status": "removed", "removed_on": "2026-11-09"}),
        )
        .await
        .expect(StatusCode::OK);
        let e = t
            .post("eng_a", &format!("/api/v1/replacements/{hr}/record"), json!({}))
            .await
            .problem(StatusCode::CONFLICT, "conflict");
        assert!(e.contains("removed already"), "{e}");
        let items = t
            .get("mgr_a", "/api/v1/spares/items?contract=shunyi-2026")
            .await
            .expect(StatusCode::OK);
        assert_eq!(line(&items, "SY26-PA-1")["stock"], 5);
        // A device enters the ledger once.
        let hr = won[1]["number"].as_str().unwrap().to_owned();
        for who in ["bureau", "sup"] {
            t.post(who, &format!("/api/v1/replacements/{hr}/approve"), json!({}))
                .await
                .expect(StatusCode::OK);
        }
        t.post("eng_a", &format!("/api/v1/replacements/{hr}/record"), json!({}))
            .await
            .expect(StatusCode::OK);
        let row = removed_devices::Entity::find().one(&t.db.db).await.unwrap().unwrap();
        let mut again: removed_devices::ActiveModel = row.into();
        again.id = NotSet;
        assert!(again.insert(&t.db.db).await.is_err(), "one device removed twice");
        // A device a replacement removed stays removed, even for an administrator.
        t.patch(
            "admin",
            &format!("/api/v1/devices/{}", won[1]["device"].as_str().unwrap()),
            json!({"status": "in_service", "removed_on": ""}),
        )
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    }
);

both!(
    the_buyers_and_the_supervisors_approvals_are_two_people,
    |t: Harness| async move {
        setup(&t).await;
        let ticket = t.open("eng_a", "SA", "fault", "serious").await;
        let number = ticket["number"].as_str().unwrap().to_owned();
        camera(&t, "SY-CAM-401", Some(&ticket)).await;
        t.post(
            "eng_a",
            &format!("/api/v1/tickets/{number}/replacements"),
            json!({"device": "SY-CAM-401", "item": "SY26-PA-1", "reason": "主板烧毁"}),
        )
        .await
        .expect(StatusCode::CREATED);
        t.post("bureau", "/api/v1/replacements/HR-1/approve", json!({}))
            .await
            .expect(StatusCode::OK);
        // The bureau's manager moves to the supervisor: still one person, one approval.
        let user = users::Entity::find()
            .filter(users::Column::Username.eq("bureau"))
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        let mut am: users::ActiveModel = user.into();
        am.party = Set(Some(Key(PartyKind::Supervisor)));
        am.update(&t.db.db).await.unwrap();
        let e = t
            .post("bureau", "/api/v1/replacements/HR-1/approve", json!({}))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        assert!(e.contains("two people"), "{e}");
        let r = t
            .post("sup", "/api/v1/replacements/HR-1/approve", json!({}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(r["state"], "approved");
    }
);
