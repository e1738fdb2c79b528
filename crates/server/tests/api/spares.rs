//! Spare parts (备品备件, issue 30 part B): the Shunyi tables shipped as data and loaded as the
//! contract's lines, the vendor's warehouse (received, out to a ticket, returned) refused beyond
//! its stock and the contract's cap, the settlement by actual use with the prices entered from
//! the bid, and the inventory the supervisor confirms.

use axum::http::StatusCode;
use opsclock::db::entities::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;

/// The Shunyi contract, its vendor Vendor A (the harness's), with the shipped spares list loaded
/// by the bureau; returns the lines.
pub(crate) async fn setup(t: &Harness) -> Value {
    t.time.set("2026-11-10T02:00:00Z".parse().unwrap());
    t.put(
        "admin",
        "/api/v1/contracts/shunyi-2026",
        json!({"code": "shunyi-2026", "name": "顺义区信息化统一运维项目（2026）", "vendor": "VA",
               "price_fen": 7_713_330_000_i64, "months": 12,
               "rules": [{"id": "8-7", "label": "拒不整改", "source": "004 八-7", "counts": "per_occurrence",
                          "when": {"metric": "finding", "kind": "refused_rectification"},
                          "amount": {"of": "price", "pct": 0.5}}]}),
    )
    .await
    .expect(StatusCode::OK);
    t.post("bureau", "/api/v1/spares/catalogue", json!({"contract": "shunyi-2026"}))
        .await
        .expect(StatusCode::OK)
}

/// The line `code` of `lines`.
pub(crate) fn line<'a>(lines: &'a Value, code: &str) -> &'a Value {
    lines
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["code"] == code)
        .unwrap_or_else(|| panic!("no line {code}"))
}

pub(crate) async fn moved(t: &Harness, who: &str, body: Value) -> crate::support::Answer {
    t.post(who, "/api/v1/spares/movements", body).await
}

both!(
    the_shunyi_tables_load_as_the_seed_prints_them,
    |t: Harness| async move {
        let lines = setup(&t).await;
        // Seed 004 L27702–28197: two tables, seven and six rows.
        assert_eq!(lines.as_array().unwrap().len(), 13);
        // L27715–27718 "1 智慧社区车辆卡口摄像机", L27796 "46 台 2026 年".
        let cam = line(&lines, "SY26-PA-1");
        assert_eq!(cam["name"], "智慧社区车辆卡口摄像机");
        assert_eq!(
            (cam["cap"].as_i64(), cam["unit"].as_str(), cam["year"].as_i64()),
            (Some(46), Some("台"), Some(2026))
        );
        assert_eq!(cam["seed_line"], 27715);
        assert_eq!(cam["table"], "各镇街智慧平安小区运维（2026 年）-备品备件和易损件");
        // L28018 "7 硬盘 IoT 硬盘,HK728TAH,8TB,7200RPM,SATA 350 块 2026 年".
        let disk = line(&lines, "SY26-PA-7");
        assert_eq!(disk["spec"], "IoT 硬盘,HK728TAH,8TB,7200RPM,SATA");
        assert_eq!((disk["cap"].as_i64(), disk["unit"].as_str()), (Some(350), Some("块")));
        // L28032 "2 蓄电池 黄闪灯蓄电池容量(A·h):12V7AH 30 套 2026 年" (the second table).
        let battery = line(&lines, "SY26-FX-2");
        assert_eq!(battery["table"], "顺义区非现场执法设施系统（2026 年）-备品备件和易损件");
        assert_eq!(
            (
                battery["seq"].as_i64(),
                battery["cap"].as_i64(),
                battery["unit"].as_str()
            ),
            (Some(2), Some(30), Some("套"))
        );
        // The seed prints no price: blank until the bid's is entered.
        assert!(lines.as_array().unwrap().iter().all(|l| l["unit_price_fen"].is_null()));
        // Loading again replaces, adds nothing; the vendor may not load, a vendor of another contract
        // does not see it.
        let again = t
            .post("bureau", "/api/v1/spares/catalogue", json!({"contract": "shunyi-2026"}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(again.as_array().unwrap().len(), 13);
        t.post("vmgr_a", "/api/v1/spares/catalogue", json!({"contract": "shunyi-2026"}))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        t.get("eng_b", "/api/v1/spares/items?contract=shunyi-2026")
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
        t.get("sup", "/api/v1/spares/items?contract=shunyi-2026")
            .await
            .expect(StatusCode::OK);
    }
);

both!(
    the_warehouse_moves_within_its_stock_and_the_cap_and_settles_by_use,
    |t: Harness| async move {
        setup(&t).await;
        let ticket = t.open("eng_a", "SA", "fault", "serious").await;
        let number = ticket["number"].as_str().unwrap().to_owned();
        // Received: 5 batteries, 4 capture units (the contract pays for 3).
        for (item, q) in [("SY26-FX-2", 5), ("SY26-FX-3", 4)] {
            moved(
                &t,
                "eng_a",
                json!({"item": item, "kind": "in", "quantity": q, "note": "到货"}),
            )
            .await
            .expect(StatusCode::CREATED);
        }
        // Out beyond the stock: refused; out to no ticket: refused.
        let p = moved(
            &t,
            "eng_a",
            json!({"item": "SY26-FX-2", "kind": "out", "quantity": 6, "ticket": number}),
        )
        .await
        .problem(StatusCode::CONFLICT, "conflict");
        assert!(p.contains("5 套 in stock"), "{p}");
        moved(&t, "eng_a", json!({"item": "SY26-FX-2", "kind": "out", "quantity": 1}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        let out = moved(
            &t,
            "eng_a",
            json!({"item": "SY26-FX-2", "kind": "out", "quantity": 2, "ticket": number}),
        )
        .await
        .expect(StatusCode::CREATED);
        assert_eq!(
            (out["kind_label"].as_str(), out["ticket"].as_str()),
            (Some("领用出库"), Some(number.as_str()))
        );
        // One comes back unused; two cannot (only two went out).
        moved(
            &t,
            "eng_a",
            json!({"item": "SY26-FX-2", "kind": "returned", "quantity": 1, "ticket": number}),
        )
        .await
        .expect(StatusCode::CREATED);
        moved(
            &t,
            "eng_a",
            json!({"item": "SY26-FX-2", "kind": "returned", "quantity": 2, "ticket": number}),
        )
        .await
        .problem(StatusCode::CONFLICT, "conflict");
        // The cap: 3 capture units are paid for; the fourth, though in stock, is refused.
        moved(
            &t,
            "vmgr_a",
            json!({"item": "SY26-FX-3", "kind": "out", "quantity": 3, "ticket": number}),
        )
        .await
        .expect(StatusCode::CREATED);
        let p = moved(
            &t,
            "eng_a",
            json!({"item": "SY26-FX-3", "kind": "out", "quantity": 1, "ticket": number}),
        )
        .await
        .problem(StatusCode::CONFLICT, "conflict");
        assert!(p.contains("pays for 3 台 at most"), "{p}");
        // The warehouse is the vendor's: the buyer may not move, another vendor does not see it.
        moved(&t, "mgr_a", json!({"item": "SY26-FX-2", "kind": "in", "quantity": 1}))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        moved(&t, "eng_b", json!({"item": "SY26-FX-2", "kind": "in", "quantity": 1}))
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");

        let lines = t
            .get("mgr_a", "/api/v1/spares/items?contract=shunyi-2026")
            .await
            .expect(StatusCode::OK);
        let b = line(&lines, "SY26-FX-2");
        assert_eq!(
            (
                b["received"].as_i64(),
                b["used"].as_i64(),
                b["stock"].as_i64(),
                b["remaining"].as_i64()
            ),
            (Some(5), Some(1), Some(4), Some(29))
        );
        // The ticket's consumption.
        let on_ticket = t
            .get("mgr_a", &format!("/api/v1/tickets/{number}/spares"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(on_ticket.as_array().unwrap().len(), 3);

        // Settled by use: the battery's price entered from the bid (120.00 元); the capture unit's
        // not yet, so its use is listed and left out of the total.
        t.put(
            "vmgr_a",
            "/api/v1/spares/items/SY26-FX-2/price",
            json!({"unit_price_fen": 12000}),
        )
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
        t.put(
            "bureau",
            "/api/v1/spares/items/SY26-FX-2/price",
            json!({"unit_price_fen": 12000}),
        )
        .await
        .expect(StatusCode::OK);
        let s = t
            .get("sup", "/api/v1/spares/settlement?contract=shunyi-2026&period=2026-11")
            .await
            .expect(StatusCode::OK);
        let b = line(&s["lines"], "SY26-FX-2");
        assert_eq!(
            (b["used"].as_i64(), b["amount_fen"].as_i64(), b["remaining"].as_i64()),
            (Some(1), Some(12000), Some(29))
        );
        let c = line(&s["lines"], "SY26-FX-3");
        assert_eq!((c["used"].as_i64(), c["remaining"].as_i64()), (Some(3), Some(0)));
        assert!(c["amount_fen"].is_null());
        assert_eq!(s["total_fen"], 12000);
        assert_eq!(s["unpriced"], json!(["SY26-FX-3"]));
        // October used nothing.
        let oct = t
            .get("sup", "/api/v1/spares/settlement?contract=shunyi-2026&period=2026-10")
            .await
            .expect(StatusCode::OK);
        assert_eq!(oct["total_fen"], 0);

        // The supervisor confirms the inventory; nobody else may.
        t.post(
            "bureau",
            "/api/v1/spares/inventory/confirm",
            json!({"contract": "shunyi-2026"}),
        )
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
        let inv = t
            .post(
                "sup",
                "/api/v1/spares/inventory/confirm",
                json!({"contract": "shunyi-2026", "note": "顺义库房盘点"}),
            )
            .await
            .expect(StatusCode::OK);
        let c = &inv["confirmations"][0];
        assert_eq!(
            (c["by"].as_str(), c["note"].as_str()),
            (Some("sup"), Some("顺义库房盘点"))
        );
        assert_eq!(line(&c["lines"], "SY26-FX-2")["stock"], 4);

        // Every movement, the price and the confirmation are audited.
        for action in [
            "spare.catalogue",
            "spare.in",
            "spare.out",
            "spare.returned",
            "spare.price",
            "spare.inventory.confirm",
        ] {
            let n = audit_log::Entity::find()
                .filter(audit_log::Column::Action.eq(action))
                .all(&t.db.db)
                .await
                .unwrap()
                .len();
            assert!(n > 0, "{action} not audited");
        }
    }
);

both!(
    the_spares_pages_show_stock_settlement_and_the_confirmation,
    |t: Harness| async move {
        setup(&t).await;
        moved(&t, "eng_a", json!({"item": "SY26-PA-7", "kind": "in", "quantity": 10}))
            .await
            .expect(StatusCode::CREATED);
        let cookie = crate::web::session(&t, "eng_a").await;
        let (status, html) = crate::web::browse(&t, &cookie, "/spares?contract=shunyi-2026").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(
            html.contains("备品备件") && html.contains("IoT 硬盘,HK728TAH,8TB,7200RPM,SATA"),
            "{html}"
        );
        assert!(html.contains(r#"id="move-record""#), "the vendor records movements");
        let sup = crate::web::session(&t, "sup").await;
        let (status, html) = crate::web::browse(&t, &sup, "/spares/settlement?contract=shunyi-2026&period=2026").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains(r#"id="inventory-confirm""#), "the supervisor confirms");
        assert!(!html.contains(r#"id="move-record""#));
        let csrf = crate::web::csrf_of(&html);
        let (answer, _) = crate::web::submit(
            &t,
            &sup,
            "/spares/inventory/confirm",
            &[
                ("csrf", csrf.as_str()),
                ("contract", "shunyi-2026"),
                ("note", "年终盘点"),
            ],
        )
        .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        let (_, html) = crate::web::browse(&t, &sup, "/spares/settlement?contract=shunyi-2026").await;
        assert!(html.contains("年终盘点"), "{html}");
    }
);
