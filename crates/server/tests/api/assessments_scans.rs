//! Scanned signed copies of an assessment (考核记录扫描件, issue 27): a party of the assessment
//! attaches the signed paper as a PDF, PNG or JPEG of at most 10 MiB, its type told by its first
//! bytes; every reader lists and downloads it byte for byte; it changes neither the figures nor
//! the content hash; administrators, parties of other assessments and a supervisor who does not
//! sign attach nothing; every attachment is audited.

use axum::http::{Method, StatusCode};
use opsclock::db::entities::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use sha2::Digest;

use crate::both;
use crate::support::{Answer, Harness};

/// A small PDF: what matters is its first bytes.
fn pdf(tag: &str) -> Vec<u8> {
    format!("%PDF-1.7\n% signed copy {tag}\n%%EOF\n").into_bytes()
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

async fn attach(t: &Harness, who: &str, id: i64, content_type: &str, body: Vec<u8>) -> Answer {
    t.raw(
        who,
        Method::POST,
        &format!("/api/v1/assessments/{id}/scans?name=signed-page.pdf"),
        Some(content_type),
        body,
    )
    .await
}

both!(
    a_party_attaches_the_signed_scan_and_every_reader_downloads_it,
    |mut t: Harness| async move {
        crate::assessments::setup(&t).await;
        t.add_party_user("supmgr", "manager", "supervisor").await;
        // Unit A's November: the unit, the vendor and the bureau sign.
        let a = t
            .post(
                "mgr_a",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": "2026-11"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let id = a["id"].as_i64().unwrap();
        let before = t
            .download("admin", &format!("/api/v1/assessments/{id}/snapshot"))
            .await
            .2;

        // The vendor's manager attaches the signed paper.
        let file = pdf("one");
        let s = attach(&t, "vmgr_a", id, "application/pdf", file.clone())
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(s["number"], 1);
        assert_eq!(s["media_type"], "application/pdf");
        assert_eq!(s["file_name"], "signed-page.pdf");
        assert_eq!(s["size"], file.len());
        assert_eq!(s["sha256"], hex::encode(sha2::Sha256::digest(&file)));
        assert_eq!(
            (s["uploaded_by"].as_str(), s["party"].as_str()),
            (Some("vmgr_a"), Some("vendor"))
        );
        assert_eq!(s["content_hash"], a["content_hash"]);

        // Nothing of the assessment changed: figures, hash, version, thread.
        let now: Value = t
            .get("mgr_a", &format!("/api/v1/assessments/{id}"))
            .await
            .expect(StatusCode::OK);
        for key in ["content_hash", "version", "state", "events"] {
            assert_eq!(now[key], a[key], "{key}");
        }
        let after = t
            .download("admin", &format!("/api/v1/assessments/{id}/snapshot"))
            .await
            .2;
        assert_eq!(after, before, "the figures byte for byte");

        // Every reader lists it and downloads it as it was sent; an admin reads it too.
        for who in ["mgr_a", "bureau", "admin", "sup"] {
            let list = t
                .get(who, &format!("/api/v1/assessments/{id}/scans"))
                .await
                .expect(StatusCode::OK);
            assert_eq!(list.as_array().unwrap().len(), 1, "{who}");
            assert_eq!(list[0]["sha256"], s["sha256"]);
            assert!(list[0].get("data").is_none(), "listed without its bytes");
        }
        let (status, ct, bytes) = t
            .download("bureau", &format!("/api/v1/assessments/A-{id}/scans/1"))
            .await;
        assert_eq!((status, ct.as_str()), (StatusCode::OK, "application/pdf"));
        assert_eq!(bytes, file);
        let (status, ..) = t.download("bureau", &format!("/api/v1/assessments/{id}/scans/2")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, ..) = t.download("mgr_b", &format!("/api/v1/assessments/{id}/scans/1")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "another unit does not see it");

        // The type is told by the first bytes: a PNG sent as a PDF, text called a PDF, a type
        // that is no scan's.
        let answer = attach(&t, "mgr_a", id, "application/pdf", PNG.to_vec()).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", answer.body);
        assert_eq!(answer.body["field"], "file");
        let answer = attach(&t, "mgr_a", id, "application/pdf", b"<html>%PDF-1.7".to_vec()).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", answer.body);
        let answer = attach(&t, "mgr_a", id, "text/plain", pdf("two")).await;
        assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{:?}", answer.body);
        let answer = attach(&t, "mgr_a", id, "application/pdf", Vec::new()).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        // The same file twice.
        attach(&t, "bureau", id, "application/pdf", file.clone())
            .await
            .expect(StatusCode::CONFLICT);
        // At most 10 MiB: exactly that is taken, a byte more is not.
        let mut big = b"\xFF\xD8\xFF\xE0".to_vec();
        big.resize(10 * 1024 * 1024, 0);
        let s2 = attach(&t, "mgr_a", id, "image/jpeg", big.clone())
            .await
            .expect(StatusCode::CREATED);
        assert_eq!((s2["number"].as_i64(), s2["party"].as_str()), (Some(2), Some("unit")));
        big.push(0);
        let answer = attach(&t, "bureau", id, "image/jpeg", big).await;
        assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{:?}", answer.body);

        // Who may not: an admin (no party), the vendor's engineer (not a manager), another
        // unit's manager (not its party: as if there were none), the supervisor, who does not
        // sign this one.
        attach(&t, "admin", id, "application/pdf", pdf("admin"))
            .await
            .expect(StatusCode::FORBIDDEN);
        attach(&t, "eng_a", id, "application/pdf", pdf("eng"))
            .await
            .expect(StatusCode::FORBIDDEN);
        attach(&t, "mgr_b", id, "application/pdf", pdf("b"))
            .await
            .expect(StatusCode::NOT_FOUND);
        attach(&t, "supmgr", id, "application/pdf", pdf("sup"))
            .await
            .expect(StatusCode::FORBIDDEN);
        // Where the supervisor signs, its managers attach too.
        let whole = t
            .post(
                "bureau",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": "2026-11", "signers": ["vendor", "bureau", "supervisor"]}),
            )
            .await
            .expect(StatusCode::CREATED);
        let w = whole["id"].as_i64().unwrap();
        let s3 = attach(&t, "supmgr", w, "image/png", PNG.to_vec())
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(
            (s3["number"].as_i64(), s3["party"].as_str()),
            (Some(1), Some("supervisor"))
        );

        // Each attachment is audited, with its hash.
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("assessment.attach"))
            .all(&t.db.db)
            .await
            .unwrap();
        assert_eq!(audited.len(), 3);
        assert_eq!(audited[0].target, format!("A-{id}"));
        assert_eq!(audited[0].detail["sha256"], s["sha256"]);

        // The record lists the scans.
        let (_, _, bytes) = t
            .download("bureau", &format!("/api/v1/assessments/{id}/record.xlsx"))
            .await;
        use calamine::Reader as _;
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("扫描件").unwrap();
        assert_eq!(
            sheet.get_value((1, 4)).unwrap().to_string(),
            s["sha256"].as_str().unwrap()
        );
        assert_eq!(sheet.get_value((2, 6)).unwrap().to_string(), "用户单位");
    }
);

both!(
    an_assessment_keeps_at_most_twenty_scans_and_fifty_mib_in_all,
    |t: Harness| async move {
        crate::assessments::setup(&t).await;
        let create = |period: &'static str| {
            let t = &t;
            async move {
                let a = t
                    .post(
                        "mgr_a",
                        "/api/v1/assessments",
                        json!({"contract": "va-84", "period": period}),
                    )
                    .await
                    .expect(StatusCode::CREATED);
                a["id"].as_i64().unwrap()
            }
        };

        // Twenty scans; the twenty-first is refused, saying what is allowed and what is there.
        let id = create("2026-11").await;
        for n in 1..=19 {
            attach(&t, "vmgr_a", id, "application/pdf", pdf(&format!("page {n}")))
                .await
                .expect(StatusCode::CREATED);
        }
        // The last place, asked for twice at once: one is attached, the other counts it and is
        // refused for the cap (not a conflict over the number both would take).
        let (a, b) = tokio::join!(
            attach(&t, "vmgr_a", id, "application/pdf", pdf("page 20")),
            attach(&t, "bureau", id, "application/pdf", pdf("page 20 too")),
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY],
            "{a:?} {b:?}"
        );
        let answer = attach(&t, "mgr_a", id, "application/pdf", pdf("page 21")).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", answer.body);
        assert_eq!(answer.body["field"], "file");
        let detail = answer.body["detail"].as_str().unwrap();
        assert!(
            detail.contains(&format!(
                "A-{id} has 20 scans already, the most an assessment keeps is 20"
            )) && detail.contains("每份考核最多 20 份扫描件，已有 20 份"),
            "{detail}"
        );
        // The same file is still told as the same file.
        attach(&t, "bureau", id, "application/pdf", pdf("page 1"))
            .await
            .expect(StatusCode::CONFLICT);
        let list = t
            .get("bureau", &format!("/api/v1/assessments/{id}/scans"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len(), 20);

        // 50 MiB in all: five of the largest fill it exactly; a byte more is refused.
        let id = create("2026-10").await;
        for n in 0..5u8 {
            let mut big = b"\xFF\xD8\xFF\xE0".to_vec();
            big.resize(10 * 1024 * 1024, n);
            attach(&t, "vmgr_a", id, "image/jpeg", big)
                .await
                .expect(StatusCode::CREATED);
        }
        let answer = attach(&t, "vmgr_a", id, "application/pdf", pdf("one more")).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", answer.body);
        assert_eq!(answer.body["field"], "file");
        let detail = answer.body["detail"].as_str().unwrap();
        assert!(
            detail.contains("over the 50 MiB an assessment keeps in all (5 scans of 50.0 MiB already)")
                && detail.contains("每份考核的扫描件合计不超过 50 MB，已有 5 份共 50.0 MB，本文件 0.1 MB"),
            "{detail}"
        );
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("assessment.attach"))
            .all(&t.db.db)
            .await
            .unwrap();
        assert_eq!(audited.len(), 25, "nothing refused is audited");
    }
);

both!(
    a_scan_of_figures_revised_since_is_marked_not_current,
    |t: Harness| async move {
        crate::assessments::setup(&t).await;
        let a = t
            .post(
                "mgr_a",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": "2026-11"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let id = a["id"].as_i64().unwrap();
        let first = attach(&t, "vmgr_a", id, "application/pdf", pdf("draft"))
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(first["current"], true);

        // The buyer revises the draft: measured again, at another instant, another hash.
        t.time.set("2026-12-03T02:00:00Z".parse().unwrap());
        let r = t
            .post("mgr_a", &format!("/api/v1/assessments/{id}/revise"), json!({}))
            .await
            .expect(StatusCode::OK);
        assert_ne!(r["content_hash"], a["content_hash"]);
        let second = attach(&t, "mgr_a", id, "application/pdf", pdf("revised"))
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(
            (second["current"].as_bool(), &second["content_hash"]),
            (Some(true), &r["content_hash"])
        );

        let list = t
            .get("vmgr_a", &format!("/api/v1/assessments/{id}/scans"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (&list[0]["content_hash"], list[0]["current"].as_bool()),
            (&a["content_hash"], Some(false))
        );
        assert_eq!(list[1]["current"], true);

        // The workbook says which: its last column.
        let (_, _, bytes) = t
            .download("bureau", &format!("/api/v1/assessments/{id}/record.xlsx"))
            .await;
        use calamine::Reader as _;
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("扫描件").unwrap();
        let cell = |r: u32, c: u32| sheet.get_value((r, c)).unwrap().to_string();
        assert_eq!(cell(0, 9), "与现内容是否一致");
        assert_eq!(
            (cell(1, 9).as_str(), cell(2, 9).as_str()),
            ("不一致（上传后考核内容已修订）", "一致")
        );
    }
);
