//! What a ticket's state and its named devices allow (issue 30's second hostile review): the
//! vendor adds devices to an open ticket but does not take them off, a device with an open
//! replacement request stays named, a closed ticket takes no replacement, a device is not removed
//! before the day it was installed, and the ticket page offers the naming form only to who may use it.

use axum::http::StatusCode;
use chrono::NaiveDate;
use opsclock::db::entities::devices;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;

use crate::both;
use crate::replacements::camera;
use crate::spares::{moved, setup};
use crate::support::Harness;
use crate::web::{browse, session};

both!(
    the_vendor_adds_devices_the_buyer_takes_them_off_and_a_requested_one_stays,
    |t: Harness| async move {
        setup(&t).await;
        let ticket = t.open("eng_a", "SA", "fault", "serious").await;
        let n = ticket["number"].as_str().unwrap().to_owned();
        camera(&t, "CAM-1", Some(&ticket)).await;
        camera(&t, "CAM-2", None).await;
        let path = format!("/api/v1/tickets/{n}/devices");
        // Adding is the vendor's; taking CAM-1 off (its outage counted against the vendor) is not.
        t.put("eng_a", &path, json!({"devices": ["CAM-1", "CAM-2"]}))
            .await
            .expect(StatusCode::OK);
        let p = t
            .put("eng_a", &path, json!({"devices": ["CAM-2"]}))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        assert!(p.contains("does not take them off (CAM-1)"), "{p}");
        // A replacement asked for CAM-2: nobody takes CAM-2 off while it is open.
        moved(&t, "eng_a", json!({"item": "SY26-PA-1", "kind": "in", "quantity": 1}))
            .await
            .expect(StatusCode::CREATED);
        t.post(
            "eng_a",
            &format!("/api/v1/tickets/{n}/replacements"),
            json!({"device": "CAM-2", "item": "SY26-PA-1", "reason": "主板烧毁"}),
        )
        .await
        .expect(StatusCode::CREATED);
        let p = t
            .put("mgr_a", &path, json!({"devices": ["CAM-1"]}))
            .await
            .problem(StatusCode::CONFLICT, "conflict");
        assert!(p.contains("HR-1"), "{p}");
        // The buyer takes CAM-1 off.
        let named = t
            .put("mgr_a", &path, json!({"devices": ["CAM-2"]}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(named.as_array().unwrap().len(), 1);
    }
);

both!(
    a_closed_ticket_takes_no_replacement_and_none_precedes_the_installation,
    |t: Harness| async move {
        setup(&t).await;
        moved(&t, "eng_a", json!({"item": "SY26-PA-1", "kind": "in", "quantity": 2}))
            .await
            .expect(StatusCode::CREATED);
        let ticket = t.open("eng_a", "SA", "fault", "serious").await;
        let n = ticket["number"].as_str().unwrap().to_owned();
        let id = camera(&t, "CAM-9", Some(&ticket)).await;
        let ask = json!({"device": "CAM-9", "item": "SY26-PA-1", "reason": "主板烧毁"});
        let path = format!("/api/v1/tickets/{n}/replacements");
        t.post("eng_a", &path, ask.clone()).await.expect(StatusCode::CREATED);
        for who in ["bureau", "sup"] {
            t.post(who, "/api/v1/replacements/HR-1/approve", json!({}))
                .await
                .expect(StatusCode::OK);
        }
        // Its record says it is installed next year: recording would remove it before that.
        let mut d: devices::ActiveModel = devices::Entity::find_by_id(id)
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap()
            .into();
        let later = t.now().date_naive() + chrono::Days::new(400);
        d.installed_on = Set(Some(later));
        d.update(&t.db.db).await.unwrap();
        let p = t
            .post("eng_a", "/api/v1/replacements/HR-1/record", json!({}))
            .await
            .problem(StatusCode::CONFLICT, "conflict");
        assert!(p.contains("correct its installation day first"), "{p}");
        d = devices::Entity::find_by_id(id)
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap()
            .into();
        d.installed_on = Set(NaiveDate::from_ymd_opt(2021, 3, 15));
        d.update(&t.db.db).await.unwrap();
        // Cancelled: nothing more is replaced on it.
        let v = t
            .get("eng_a", &format!("/api/v1/tickets/{n}"))
            .await
            .expect(StatusCode::OK);
        t.post(
            "mgr_a",
            &format!("/api/v1/tickets/{n}/cancel"),
            json!({"version": v["version"], "reason": "withdrawn", "note": "误报，摄像机正常"}),
        )
        .await
        .expect(StatusCode::OK);
        let p = t
            .post("eng_a", "/api/v1/replacements/HR-1/record", json!({}))
            .await
            .problem(StatusCode::CONFLICT, "conflict");
        assert!(p.contains("takes no replacement"), "{p}");
    }
);

both!(
    the_naming_form_is_offered_only_to_who_may_use_it,
    |t: Harness| async move {
        let ticket = t.open("eng_a", "SA", "fault", "general").await;
        let n = ticket["number"].as_str().unwrap().to_owned();
        let eng = session(&t, "eng_a").await;
        let (_, html) = browse(&t, &eng, &format!("/tickets/{n}")).await;
        assert!(html.contains(r#"id="name-devices""#));
        let mut v = ticket.clone();
        for (action, extra) in [
            ("acknowledge", json!({})),
            ("start", json!({})),
            ("resolve", json!({"root_cause": "电源", "fix": "更换电源"})),
        ] {
            let mut body = json!({"version": v["version"]});
            body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            v = t
                .post("eng_a", &format!("/api/v1/tickets/{n}/{action}"), body)
                .await
                .expect(StatusCode::OK);
        }
        let (_, html) = browse(&t, &eng, &format!("/tickets/{n}")).await;
        assert!(
            !html.contains(r#"id="name-devices""#),
            "the vendor's form goes once resolved"
        );
        let (_, html) = browse(&t, &session(&t, "mgr_a").await, &format!("/tickets/{n}")).await;
        assert!(html.contains(r#"id="name-devices""#), "the buyer still corrects");
        let (_, html) = browse(&t, &session(&t, "viewer_a").await, &format!("/tickets/{n}")).await;
        assert!(!html.contains(r#"id="name-devices""#), "a viewer names nothing");
    }
);

both!(
    an_oem_warranty_repair_is_recorded_step_by_step_on_the_ticket_page,
    |t: Harness| async move {
        use crate::web::{csrf_of, submit};
        let ticket = t.open("eng_a", "SA", "fault", "serious").await;
        let n = ticket["number"].as_str().unwrap().to_owned();
        camera(&t, "CAM-W", Some(&ticket)).await;
        let eng = session(&t, "eng_a").await;
        let (_, html) = browse(&t, &eng, &format!("/tickets/{n}")).await;
        assert!(html.contains(r#"id="warranty-form""#), "the vendor records a sending");
        let csrf = csrf_of(&html);
        let (a, next) = submit(
            &t,
            &eng,
            &format!("/tickets/{n}/warranty-repairs"),
            &[
                ("csrf", &csrf),
                ("device", "CAM-W"),
                ("oem", "海康威视"),
                ("reference", "RMA-2026-118"),
            ],
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{:?}", a.body);
        let (_, html) = browse(&t, &next, &format!("/tickets/{n}")).await;
        assert!(html.contains("登记送修 WR-1 ✓"), "{html}");
        assert!(
            html.contains(r#"data-warranty="WR-1" data-state="sent""#) && html.contains("RMA-2026-118"),
            "{html}"
        );
        // Only the next step is offered: returned, then accepted.
        assert!(html.contains(r#"id="returned-WR-1""#) && !html.contains(r#"id="accepted-WR-1""#));
        for (step, said) in [("returned", "登记返回 WR-1 ✓"), ("accepted", "登记验收 WR-1 ✓")] {
            let (a, next) = submit(
                &t,
                &eng,
                &format!("/warranty-repairs/WR-1/{step}"),
                &[("csrf", &csrf), ("ticket", &n), ("note", "原厂更换主板")],
            )
            .await;
            assert_eq!(a.status, StatusCode::SEE_OTHER, "{:?}", a.body);
            let (_, html) = browse(&t, &next, &format!("/tickets/{n}")).await;
            assert!(html.contains(said), "{html}");
        }
        // Out of order: accepted again is refused on the page, with the reason.
        let (_, next) = submit(
            &t,
            &eng,
            "/warranty-repairs/WR-1/accepted",
            &[("csrf", &csrf), ("ticket", &n)],
        )
        .await;
        let (_, html) = browse(&t, &next, &format!("/tickets/{n}")).await;
        assert!(html.contains("登记验收 ✗"), "{html}");
        // The buyer's viewer reads the record and is offered nothing.
        let (_, html) = browse(&t, &session(&t, "viewer_a").await, &format!("/tickets/{n}")).await;
        assert!(html.contains(r#"data-warranty="WR-1" data-state="accepted""#), "{html}");
        assert!(!html.contains(r#"id="warranty-form""#) && !html.contains("warranty-act"));
    }
);
