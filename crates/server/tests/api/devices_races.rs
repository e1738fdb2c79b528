//! Writes to a device that race a replacement being recorded (review of issue 30, H1): a PATCH
//! or an import reads the device under its row lock, so a removal committed meanwhile is seen,
//! never written back over with the fields the device had before. PostgreSQL only: on SQLite
//! every write transaction holds the whole database from its start, so nothing interleaves.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use opsclock::db::entities::devices;
use opsclock::db::testing::Backend;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::json;

use crate::support::{Answer, Harness};

/// The device CAM-1 of SA, in service, and a transaction that removes it the way a recorded
/// replacement does (its row written, so locked) and has not committed yet.
async fn removal_under_way(t: &Harness) -> sea_orm::DatabaseTransaction {
    t.post(
        "mgr_a",
        "/api/v1/systems/SA/devices",
        json!({"code": "CAM-1", "type": "摄像机", "location": "府前街"}),
    )
    .await
    .expect(StatusCode::CREATED);
    let txn = t.db.db.begin().await.unwrap();
    let removed = devices::Entity::update_many()
        .col_expr(devices::Column::Status, Expr::value("removed"))
        .col_expr(
            devices::Column::RemovedOn,
            Expr::value(chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()),
        )
        .filter(devices::Column::Code.eq("CAM-1"))
        .exec(&txn)
        .await
        .unwrap();
    assert_eq!(removed.rows_affected, 1);
    txn
}

/// Runs `write` while the removal holds the row, committing the removal half a second later.
async fn racing(txn: sea_orm::DatabaseTransaction, write: impl Future<Output = Answer>) -> Answer {
    let (answer, ()) = tokio::join!(write, async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        txn.commit().await.unwrap();
    });
    answer
}

async fn cam1(t: &Harness) -> devices::Model {
    devices::Entity::find()
        .filter(devices::Column::Code.eq("CAM-1"))
        .one(&t.db.db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patch_racing_a_recorded_removal_does_not_bring_the_device_back() {
    let t = Harness::new(Backend::Postgres).await;
    let txn = removal_under_way(&t).await;
    let answer = racing(
        txn,
        t.patch("vmgr_a", "/api/v1/devices/CAM-1", json!({"location": "站前街"})),
    )
    .await;
    // The vendor's location lands on the removed device; the removal stays.
    let d = answer.expect(StatusCode::OK);
    assert_eq!(
        (d["status"].as_str(), d["location"].as_str()),
        (Some("removed"), Some("站前街"))
    );
    let d = cam1(&t).await;
    assert_eq!(d.status.to_string(), "removed");
    assert_eq!(d.removed_on, chrono::NaiveDate::from_ymd_opt(2026, 11, 25));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_racing_a_recorded_removal_sees_it_and_refuses_to_undo_it() {
    let t = Harness::new(Backend::Postgres).await;
    let txn = removal_under_way(&t).await;
    let csv = "设备编号 code,类型 type,型号 model,序列号 serial,位置 location,纬度 latitude,经度 longitude,\
主要设备 main,安装日期 installed_on,拆除日期 removed_on,保修方 warranty_by,保修截止 warranty_until,状态 status\n\
CAM-1,摄像机,,,站前街,,,否,,,,,in_service\n";
    let answer = racing(
        txn,
        t.raw(
            "vmgr_a",
            Method::POST,
            "/api/v1/systems/SA/devices/import",
            Some("text/csv"),
            csv.as_bytes().to_vec(),
        ),
    )
    .await;
    // The file, written before the removal, would bring CAM-1 back: that row is refused.
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
    let d = cam1(&t).await;
    assert_eq!(
        (d.status.to_string().as_str(), d.location.as_deref()),
        ("removed", Some("府前街"))
    );
}
