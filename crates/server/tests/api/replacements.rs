//! Device replacements (更换审批, issue 30 part B; seed 004 L27689–27695): a device a ticket names
//! is replaced from the spares only once the buyer and the supervisor both approved; a refusal
//! by either closes the request; the replacement takes the spare out of stock to the ticket,
//! removes the device and writes the ledger row (name, reason, location, age), and the period's
//! settlement shows both.

use axum::http::StatusCode;
use chrono::NaiveDate;
use opsclock::db::Key;
use opsclock::db::entities::{audit_log, devices, ticket_devices};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::both;
use crate::spares::{line, moved, setup};
use crate::support::Harness;

/// A camera of System A, installed on 2021-03-15, named on `ticket` when given.
pub(crate) async fn camera(t: &Harness, code: &str, ticket: Option<&Value>) -> i64 {
    let d = devices::ActiveModel {
        code: Set(code.to_owned()),
        system_id: Set(t.ids.sys_a),
        kind: Set("摄像机".into()),
        model: Set(Some("DS-2CD7A47".into())),
        serial: Set(None),
        location: Set(Some("顺义区府前街与站前街路口".into())),
        latitude: Set(None),
        longitude: Set(None),
        main: Set(true),
        installed_on: Set(NaiveDate::from_ymd_opt(2021, 3, 15)),
        removed_on: Set(None),
        warranty_by: Set(None),
        warranty_until: Set(None),
        status: Set(Key(devices::Status::Faulty)),
        attributes: Set(json!({})),
        created_at: Set(t.now()),
        updated_at: Set(t.now()),
        ..Default::default()
    }
    .insert(&t.db.db)
    .await
    .unwrap();
    if let Some(ticket) = ticket {
        let id = opsclock::db::entities::tickets::Entity::find()
            .filter(opsclock::db::entities::tickets::Column::Number.eq(ticket["number"].as_str().unwrap()))
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap()
            .id;
        ticket_devices::ActiveModel {
            ticket_id: Set(id),
            device_id: Set(d.id),
        }
        .insert(&t.db.db)
        .await
        .unwrap();
    }
    d.id
}

both!(
    a_replacement_needs_both_approvals_and_the_ledger_and_settlement_show_it,
    |t: Harness| async move {
        setup(&t).await;
        moved(&t, "eng_a", json!({"item": "SY26-PA-1", "kind": "in", "quantity": 2}))
            .await
            .expect(StatusCode::CREATED);
        let ticket = t.open("eng_a", "SA", "fault", "serious").await;
        let number = ticket["number"].as_str().unwrap().to_owned();
        camera(&t, "SY-CAM-001", Some(&ticket)).await;
        camera(&t, "SY-CAM-002", None).await;
        let ask = |device: &str| json!({"device": device, "item": "SY26-PA-1", "reason": "主板烧毁，无法维修"});
        let path = format!("/api/v1/tickets/{number}/replacements");
        // Only a device the ticket names; the buyer does not ask on a ticket its vendor works.
        t.post("eng_a", &path, ask("SY-CAM-002"))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        t.post("mgr_a", &path, ask("SY-CAM-001"))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        let r = t
            .post("eng_a", &path, ask("SY-CAM-001"))
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(
            (r["number"].as_str(), r["state"].as_str()),
            (Some("HR-1"), Some("requested"))
        );
        assert_eq!(r["awaiting"], json!(["buyer", "supervisor"]));
        assert_eq!(r["device_name"], "摄像机 DS-2CD7A47");
        t.post("eng_a", &path, ask("SY-CAM-001"))
            .await
            .problem(StatusCode::CONFLICT, "conflict");

        // Not recorded without approvals; not with one.
        let record = |who: &'static str| {
            let t = &t;
            async move {
                t.post(
                    who,
                    "/api/v1/replacements/HR-1/record",
                    json!({"new_device": "SY-CAM-001-R"}),
                )
                .await
            }
        };
        let p = record("eng_a").await.problem(StatusCode::CONFLICT, "conflict");
        assert!(p.contains("awaiting the buyer and supervisor"), "{p}");
        // Neither the administrator nor the vendor approves; another unit does not see it.
        for who in ["admin", "eng_a", "vmgr_a"] {
            t.post(who, "/api/v1/replacements/HR-1/approve", json!({}))
                .await
                .problem(StatusCode::FORBIDDEN, "forbidden");
        }
        t.post("mgr_b", "/api/v1/replacements/HR-1/approve", json!({}))
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
        let r = t
            .post("bureau", "/api/v1/replacements/HR-1/approve", json!({}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (r["state"].as_str(), r["buyer"]["by"].as_str()),
            (Some("requested"), Some("bureau"))
        );
        assert_eq!(r["awaiting"], json!(["supervisor"]));
        t.post("mgr_a", "/api/v1/replacements/HR-1/approve", json!({}))
            .await
            .problem(StatusCode::CONFLICT, "conflict");
        let p = record("eng_a").await.problem(StatusCode::CONFLICT, "conflict");
        assert!(p.contains("awaiting the supervisor"), "{p}");
        let stock = t
            .get("eng_a", "/api/v1/spares/items?contract=shunyi-2026")
            .await
            .expect(StatusCode::OK);
        assert_eq!(line(&stock, "SY26-PA-1")["stock"], 2, "nothing left the warehouse");

        let r = t
            .post("sup", "/api/v1/replacements/HR-1/approve", json!({"version": 2}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (r["state"].as_str(), r["supervisor"]["by"].as_str()),
            (Some("approved"), Some("sup"))
        );
        // The buyer's people record nothing; the vendor's do.
        record("mgr_a").await.problem(StatusCode::FORBIDDEN, "forbidden");
        let r = record("eng_a").await.expect(StatusCode::OK);
        assert_eq!(
            (r["state"].as_str(), r["new_device"].as_str()),
            (Some("replaced"), Some("SY-CAM-001-R"))
        );
        record("eng_a").await.problem(StatusCode::CONFLICT, "conflict");

        // The device is removed today; the new one is in service in its place.
        let old = devices::Entity::find()
            .filter(devices::Column::Code.eq("SY-CAM-001"))
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (*old.status, old.removed_on),
            (devices::Status::Removed, NaiveDate::from_ymd_opt(2026, 11, 10))
        );
        let new = devices::Entity::find()
            .filter(devices::Column::Code.eq("SY-CAM-001-R"))
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (*new.status, new.location.as_deref()),
            (devices::Status::InService, old.location.as_deref())
        );

        // The spare went out to the ticket, with the replacement named.
        let on_ticket = t
            .get("mgr_a", &format!("/api/v1/tickets/{number}/spares"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(on_ticket[0]["replacement"], "HR-1");
        assert_eq!(
            (on_ticket[0]["kind"].as_str(), on_ticket[0]["quantity"].as_i64()),
            (Some("out"), Some(1))
        );

        // The ledger: 设备名称, 拆除原因, 位置, 使用年限 (2021-03-15 to 2026-11-10: 5 years 7 months).
        let ledger = t.get("mgr_a", "/api/v1/spares/ledger").await.expect(StatusCode::OK);
        let row = &ledger[0];
        assert_eq!(ledger.as_array().unwrap().len(), 1);
        assert_eq!(
            (
                row["code"].as_str(),
                row["name"].as_str(),
                row["reason"].as_str(),
                row["location"].as_str()
            ),
            (
                Some("SY-CAM-001"),
                Some("摄像机 DS-2CD7A47"),
                Some("主板烧毁，无法维修"),
                Some("顺义区府前街与站前街路口")
            )
        );
        assert_eq!(
            (
                row["age_years"].as_i64(),
                row["age_months"].as_i64(),
                row["age"].as_str()
            ),
            (Some(5), Some(7), Some("5 年 7 个月"))
        );
        assert_eq!(
            (row["ticket"].as_str(), row["item"].as_str()),
            (Some(number.as_str()), Some("SY26-PA-1"))
        );
        let theirs = t.get("eng_b", "/api/v1/spares/ledger").await.expect(StatusCode::OK);
        assert_eq!(theirs, json!([]), "another vendor's scope");

        // The settlement of November counts the camera used, and lists the device removed.
        let s = t
            .get(
                "bureau",
                "/api/v1/spares/settlement?contract=shunyi-2026&period=2026-11",
            )
            .await
            .expect(StatusCode::OK);
        let cam = line(&s["lines"], "SY26-PA-1");
        assert_eq!((cam["used"].as_i64(), cam["remaining"].as_i64()), (Some(1), Some(45)));
        assert_eq!(s["removed"][0]["code"], "SY-CAM-001");
        assert_eq!(s["unpriced"], json!(["SY26-PA-1"]));
        // The same at the console: the settlement and the ledger, as the operator reads them.
        let (ok, out, err) = crate::support::opsclock(
            &t,
            &[
                "spares",
                "settlement",
                "--contract",
                "shunyi-2026",
                "--period",
                "2026-11",
            ],
        );
        assert!(ok, "{err}");
        assert!(out.contains("shunyi-2026 · 2026-11"), "{out}");
        assert!(
            out.lines().any(|l| l.starts_with("SY26-PA-1\t") && l.contains("\t1\t")),
            "{out}"
        );
        assert!(
            out.contains("used without a price (not in the total): SY26-PA-1"),
            "{out}"
        );
        assert!(out.contains("removed SY-CAM-001 摄像机 DS-2CD7A47"), "{out}");
        let (ok, out, err) = crate::support::opsclock(&t, &["spares", "ledger", "--system", "SA"]);
        assert!(ok, "{err}");
        assert!(
            out.contains("SY-CAM-001\t摄像机 DS-2CD7A47\t主板烧毁，无法维修") && out.contains("1 device(s) removed"),
            "{out}"
        );
        let (ok, _, err) = crate::support::opsclock(
            &t,
            &["spares", "settlement", "--contract", "nope", "--period", "2026-11"],
        );
        assert!(!ok && err.contains("nope"), "{err}");

        for action in ["replacement.request", "replacement.approve", "replacement.record"] {
            let n = audit_log::Entity::find()
                .filter(audit_log::Column::Action.eq(action))
                .all(&t.db.db)
                .await
                .unwrap()
                .len();
            assert!(n > 0, "{action} not audited");
        }
        // The device put in is audited as created, main flag and day included.
        let created = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("device.create"))
            .filter(audit_log::Column::Target.eq("device:SY-CAM-001-R"))
            .one(&t.db.db)
            .await
            .unwrap()
            .expect("the new device's creation is audited");
        let detail = created.detail.to_string();
        assert!(detail.contains("HR-1") && detail.contains("SY-CAM-001"), "{detail}");
    }
);

both!(a_refusal_by_either_side_closes_the_request, |t: Harness| async move {
    setup(&t).await;
    moved(&t, "eng_a", json!({"item": "SY26-PA-4", "kind": "in", "quantity": 1}))
        .await
        .expect(StatusCode::CREATED);
    let ticket = t.open("eng_a", "SA", "fault", "serious").await;
    let number = ticket["number"].as_str().unwrap().to_owned();
    camera(&t, "SY-FACE-001", Some(&ticket)).await;
    let r = t
        .post(
            "eng_a",
            &format!("/api/v1/tickets/{number}/replacements"),
            json!({"device": "SY-FACE-001", "item": "SY26-PA-4", "reason": "镜头进水"}),
        )
        .await
        .expect(StatusCode::CREATED);
    let id = r["number"].as_str().unwrap().to_owned();
    t.post("mgr_a", &format!("/api/v1/replacements/{id}/approve"), json!({}))
        .await
        .expect(StatusCode::OK);
    // A refusal says why.
    t.post("sup", &format!("/api/v1/replacements/{id}/refuse"), json!({}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    let r = t
        .post(
            "sup",
            &format!("/api/v1/replacements/{id}/refuse"),
            json!({"reason": "可维修，先送修"}),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        (
            r["state"].as_str(),
            r["refused_side"].as_str(),
            r["refuse_reason"].as_str()
        ),
        (Some("refused"), Some("supervisor"), Some("可维修，先送修"))
    );
    assert_eq!(r["awaiting"], json!([]));
    t.post("bureau", &format!("/api/v1/replacements/{id}/approve"), json!({}))
        .await
        .problem(StatusCode::CONFLICT, "conflict");
    t.post("eng_a", &format!("/api/v1/replacements/{id}/record"), json!({}))
        .await
        .problem(StatusCode::CONFLICT, "conflict");
    let device = devices::Entity::find()
        .filter(devices::Column::Code.eq("SY-FACE-001"))
        .one(&t.db.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(*device.status, devices::Status::Faulty, "not removed");
    assert!(
        t.get("mgr_a", "/api/v1/spares/ledger")
            .await
            .expect(StatusCode::OK)
            .as_array()
            .unwrap()
            .is_empty()
    );
    let list = t
        .get("mgr_a", &format!("/api/v1/tickets/{number}/replacements"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(list[0]["state_label"], "不同意更换");
    // Refused, the device may be asked for again.
    t.post(
        "eng_a",
        &format!("/api/v1/tickets/{number}/replacements"),
        json!({"device": "SY-FACE-001", "item": "SY26-PA-4", "reason": "送修后仍无法使用"}),
    )
    .await
    .expect(StatusCode::CREATED);
});

both!(
    a_replacement_is_asked_approved_and_recorded_through_the_ticket_page,
    |t: Harness| async move {
        use crate::web::{browse, csrf_of, session, submit};
        setup(&t).await;
        moved(&t, "eng_a", json!({"item": "SY26-PA-1", "kind": "in", "quantity": 1}))
            .await
            .expect(StatusCode::CREATED);
        let ticket = t.open("eng_a", "SA", "fault", "serious").await;
        let number = ticket["number"].as_str().unwrap().to_owned();
        camera(&t, "SY-CAM-009", Some(&ticket)).await;
        let page = format!("/tickets/{number}");
        // Each reader posts a form of the ticket page, and comes back to it with the message.
        let post = |who: &'static str, path: String, fields: Vec<(&'static str, &'static str)>| {
            let (t, page) = (&t, page.clone());
            async move {
                let cookie = session(t, who).await;
                let (_, html) = browse(t, &cookie, &page).await;
                let csrf = csrf_of(&html);
                let mut all = vec![("csrf", csrf.as_str())];
                all.extend(fields);
                let (answer, next) = submit(t, &cookie, &path, &all).await;
                assert_eq!(answer.status, StatusCode::SEE_OTHER, "{path}");
                let (status, html) = browse(t, &next, &page).await;
                assert_eq!(status, StatusCode::OK);
                html
            }
        };
        let html = post(
            "eng_a",
            format!("/tickets/{number}/replacements"),
            vec![
                ("device", "SY-CAM-009"),
                ("item", "SY26-PA-1"),
                ("reason", "供电模块损坏"),
            ],
        )
        .await;
        assert!(html.contains("申请更换 HR-1 ✓"), "{html}");
        assert!(html.contains(r#"data-state="requested""#));
        assert!(
            !html.contains(r#"id="record-HR-1""#),
            "nothing to record before both approvals"
        );
        // The buyer's manager is offered the approval; so is the supervisor; the vendor is not.
        let cookie = session(&t, "eng_a").await;
        assert!(!browse(&t, &cookie, &page).await.1.contains(r#"id="approve-HR-1""#));
        let html = post("mgr_a", "/replacements/HR-1/approve".into(), vec![("version", "1")]).await;
        assert!(html.contains("同意更换 · HR-1 ✓ 待审批"), "{html}");
        let html = post("sup", "/replacements/HR-1/approve".into(), vec![("version", "2")]).await;
        assert!(html.contains("已同意更换"), "{html}");
        let html = post("eng_a", "/replacements/HR-1/record".into(), vec![("version", "3")]).await;
        assert!(html.contains("登记已更换 · HR-1 ✓ 已更换"), "{html}");
        assert!(html.contains("更换 HR-1"), "the movement shows on the ticket: {html}");
        let cookie = session(&t, "mgr_a").await;
        let (status, html) = browse(&t, &cookie, "/spares/ledger").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("SY-CAM-009") && html.contains("供电模块损坏") && html.contains("5 年 7 个月"),
            "{html}"
        );
    }
);

both!(
    an_oem_warranty_repair_is_sent_returned_and_accepted_in_order,
    |t: Harness| async move {
        setup(&t).await;
        let ticket = t.open("eng_a", "SA", "fault", "serious").await;
        let number = ticket["number"].as_str().unwrap().to_owned();
        camera(&t, "SY-CAM-050", Some(&ticket)).await;
        let path = format!("/api/v1/tickets/{number}/warranty-repairs");
        // The camera names no warranty provider: the OEM must be named.
        t.post("eng_a", &path, json!({"device": "SY-CAM-050"}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        t.post("mgr_a", &path, json!({"device": "SY-CAM-050", "oem": "海康威视"}))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        let w = t
            .post(
                "eng_a",
                &path,
                json!({"device": "SY-CAM-050", "oem": "海康威视", "reference": "RMA-2026-118"}),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(
            (w["number"].as_str(), w["state_label"].as_str()),
            (Some("WR-1"), Some("已送原厂"))
        );
        t.post("eng_a", "/api/v1/warranty-repairs/WR-1/accepted", json!({}))
            .await
            .problem(StatusCode::CONFLICT, "conflict");
        t.post(
            "eng_a",
            "/api/v1/warranty-repairs/WR-1/returned",
            json!({"note": "原厂更换主板"}),
        )
        .await
        .expect(StatusCode::OK);
        let w = t
            .post(
                "vmgr_a",
                "/api/v1/warranty-repairs/WR-1/accepted",
                json!({"note": "通电测试正常"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (w["state"].as_str(), w["note"].as_str()),
            (Some("accepted"), Some("原厂更换主板\n通电测试正常"))
        );
        t.get("eng_b", &path).await.problem(StatusCode::NOT_FOUND, "not-found");
        let list = t.get("mgr_a", &path).await.expect(StatusCode::OK);
        assert_eq!(list[0]["accepted"][0], "vmgr_a");
    }
);
