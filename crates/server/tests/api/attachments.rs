//! Attachments on tickets (附件, issue 29): uploaded through the API (`multipart/form-data`) or
//! the ticket page, or stored by the mail-in job through `app::attachments::store` inside its
//! transaction; the type told by the content (a program or HTML called a PNG is refused); the
//! per-file, per-ticket and total limits; who may attach (whoever may comment) and who may
//! download (whoever sees the ticket); storage in the database or on disk (deduplicated); the
//! ticket's view, its page and its incident report list them; every upload audited.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use opsclock::app::attachments::{self, AttachmentStore, Source, Storage};
use opsclock::db::entities::{audit_log, ticket_attachments};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};
use serde_json::Value;
use sha2::Digest;
use tower::ServiceExt;

use crate::both;
use crate::support::{Answer, Harness};
use crate::web::{browse, csrf_of, session};

const BOUNDARY: &str = "----opsclockAttachmentBoundaryQ3f9";

/// A small PNG: what matters is its first bytes; `tag` makes each one different.
fn png(tag: &str) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    b.extend_from_slice(tag.as_bytes());
    b
}

/// A `multipart/form-data` body: the parts (field name, file name, type, bytes), then the end.
/// A part of a form: field name, file name, type, bytes.
type Part<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);

fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file_name, content_type, data) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes());
        if let Some(f) = file_name {
            body.extend_from_slice(format!("; filename=\"{f}\"").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        if let Some(ct) = content_type {
            body.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Uploads `files` (name, type, bytes) to ticket `number` as `who` through the API.
async fn upload(t: &Harness, who: &str, number: &str, files: &[(&str, &str, &[u8])]) -> Answer {
    let parts: Vec<_> = files
        .iter()
        .map(|(name, ct, data)| ("file", Some(*name), Some(*ct), *data))
        .collect();
    t.raw(
        who,
        Method::POST,
        &format!("/api/v1/tickets/{number}/attachments"),
        Some(&format!("multipart/form-data; boundary={BOUNDARY}")),
        multipart(&parts),
    )
    .await
}

/// GETs `path` as `who`: the status, the headers and the bytes.
async fn fetch(t: &Harness, who: &str, path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let req = Request::builder()
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {}", t.tokens[who]))
        .body(Body::empty())
        .unwrap();
    let res = t.router.clone().oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    (
        parts.status,
        parts.headers,
        body.collect().await.unwrap().to_bytes().to_vec(),
    )
}

/// The harness serving with `store` as its attachment settings.
fn with_store(t: &mut Harness, store: AttachmentStore) {
    t.state = t.state.clone().with_attachments(store);
    t.router = opsclock::serve::app(t.state.clone());
}

fn number(v: &Value) -> String {
    v["number"].as_str().unwrap().to_owned()
}

both!(a_file_goes_up_and_comes_back_byte_for_byte, |t: Harness| async move {
    let ticket = t.open("mgr_a", "SA", "fault", "general").await;
    let n = number(&ticket);
    let (shot, log) = (png("shot"), "2026-12-06 08:00 磁盘已满\n".as_bytes().to_vec());
    // Two files in one request: a screenshot with a Chinese name, a log from a Windows path.
    let answer = upload(
        &t,
        "eng_a",
        &n,
        &[
            ("机房截图 1.png", "image/png", &shot),
            ("C:\\logs\\app.log", "application/octet-stream", &log),
        ],
    )
    .await;
    let stored = answer.expect(StatusCode::CREATED);
    assert_eq!(stored.as_array().unwrap().len(), 2);
    let a = &stored[0];
    assert_eq!(a["name"], "机房截图 1.png");
    assert_eq!(a["content_type"], "image/png");
    assert_eq!(a["size"], shot.len());
    assert_eq!(a["sha256"], hex::encode(sha2::Sha256::digest(&shot)));
    assert_eq!(
        (a["uploaded_by"].as_str(), a["source"].as_str()),
        (Some("eng_a"), Some("upload"))
    );
    assert_eq!(
        (stored[1]["name"].as_str(), stored[1]["content_type"].as_str()),
        (Some("app.log"), Some("text/plain"))
    );

    // Downloaded as sent, as a file, with headers that keep a browser from running it.
    let id = a["id"].as_i64().unwrap();
    let (status, headers, bytes) = fetch(&t, "viewer_a", &format!("/api/v1/tickets/{n}/attachments/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, shot);
    assert_eq!(headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::CONTENT_SECURITY_POLICY], "default-src 'none'; sandbox");
    let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(disposition.starts_with("attachment; "), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''%E6%9C%BA%E6%88%BF%E6%88%AA%E5%9B%BE%201.png"),
        "{disposition}"
    );
    let (_, _, text) = fetch(
        &t,
        "mgr_a",
        &format!("/api/v1/tickets/{n}/attachments/{}", stored[1]["id"]),
    )
    .await;
    assert_eq!(text, log);

    // Listed, and in the ticket's view.
    let list = t
        .get("bureau", &format!("/api/v1/tickets/{n}/attachments"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(list, stored);
    let view = t
        .get("mgr_a", &format!("/api/v1/tickets/{n}"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(view["attachments"], stored);

    // The same screenshot again is not stored twice: the answer is the one there.
    let again = upload(&t, "mgr_a", &n, &[("copy.png", "image/png", &shot)])
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(again[0]["id"], a["id"]);
    assert_eq!(ticket_attachments::Entity::find().count(&t.db.db).await.unwrap(), 2);

    // Audited, each file.
    let audited = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("ticket.attach"))
        .all(&t.db.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 2);
    assert_eq!(audited[0].target, n);
    assert_eq!(audited[0].user_id, Some(t.user_ids["eng_a"]));
    assert_eq!(audited[0].detail["name"], "机房截图 1.png");
    assert_eq!(audited[0].detail["declared_type"], "image/png");
    assert_eq!(audited[0].detail["sha256"], a["sha256"]);
    let (status, ..) = fetch(&t, "mgr_a", &format!("/api/v1/tickets/{n}/attachments/999")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
});

both!(
    programs_and_markup_are_refused_whatever_they_are_called,
    |t: Harness| async move {
        let n = number(&t.open("mgr_a", "SA", "fault", "general").await);
        let cases: [(&str, &[u8], &str); 6] = [
            ("photo.png", b"MZ\x90\0\x03\0\0\0\x04\0", "a Windows program (MZ)"),
            ("photo.png", b"\x7fELF\x02\x01\x01", "a Linux program (ELF)"),
            ("report.png", b"<!DOCTYPE html><html><body>hi", "HTML"),
            (
                "logo.png",
                b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
                "SVG",
            ),
            ("video.png", b"\0\0\0\x18ftypmp42\0\0\0\0", "none of the kinds"),
            ("empty.png", b"", "empty"),
        ];
        for (name, bytes, why) in cases {
            let answer = upload(&t, "mgr_a", &n, &[(name, "image/png", bytes)]).await;
            assert_eq!(
                answer.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{name}: {:?}",
                answer.body
            );
            assert_eq!(answer.body["field"], "file");
            let detail = answer.body["detail"].as_str().unwrap();
            assert!(detail.contains(why), "{detail}");
        }
        // One bad file refuses the whole request: nothing stored, nothing audited.
        let answer = upload(
            &t,
            "mgr_a",
            &n,
            &[("ok.png", "image/png", &png("ok")), ("x.png", "image/png", b"MZ\x90\0")],
        )
        .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(ticket_attachments::Entity::find().count(&t.db.db).await.unwrap(), 0);
        // A kind the settings leave out is refused, naming the setting.
        let mut t = t;
        let only_images = AttachmentStore {
            allowed: [attachments::kinds::Kind::Png].into_iter().collect(),
            ..AttachmentStore::default()
        };
        with_store(&mut t, only_images);
        let answer = upload(&t, "mgr_a", &n, &[("a.pdf", "application/pdf", b"%PDF-1.7 x")]).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            answer.body["detail"].as_str().unwrap().contains("allowed_types"),
            "{:?}",
            answer.body
        );
        // Not multipart at all.
        let answer = t
            .raw(
                "mgr_a",
                Method::POST,
                &format!("/api/v1/tickets/{n}/attachments"),
                Some("image/png"),
                png("raw"),
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{:?}", answer.body);
    }
);

both!(the_file_ticket_and_total_limits_hold, |mut t: Harness| async move {
    const MIB: usize = 1024 * 1024;
    with_store(
        &mut t,
        AttachmentStore {
            max_file: MIB as u64,
            max_ticket: 2 * MIB as u64,
            quota: 3 * MIB as u64,
            ..AttachmentStore::default()
        },
    );
    let big = |tag: &str, len: usize| {
        let mut b = png(tag);
        b.resize(len, b'x');
        b
    };
    let (one, two) = (
        number(&t.open("mgr_a", "SA", "fault", "general").await),
        number(&t.open("mgr_a", "SA", "fault", "general").await),
    );
    // Exactly the file limit is taken; a byte more, within the request's slack, is 422 on file.
    upload(&t, "mgr_a", &one, &[("a.png", "image/png", &big("a", MIB))])
        .await
        .expect(StatusCode::CREATED);
    let answer = upload(&t, "mgr_a", &one, &[("b.png", "image/png", &big("b", MIB + 1))]).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", answer.body);
    assert_eq!(answer.body["field"], "file");
    assert!(answer.body["detail"].as_str().unwrap().contains("max_file_mib"));
    // A request over the file limit and its slack is not read: 413.
    let answer = upload(
        &t,
        "mgr_a",
        &one,
        &[("c.png", "image/png", &big("c", MIB + 300 * 1024))],
    )
    .await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{:?}", answer.body);
    // The ticket's limit, saying what it holds.
    upload(&t, "mgr_a", &one, &[("d.png", "image/png", &big("d", MIB - 10))])
        .await
        .expect(StatusCode::CREATED);
    let answer = upload(&t, "mgr_a", &one, &[("e.png", "image/png", &big("e", 20))]).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let detail = answer.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("max_ticket_mib") && detail.contains("2 file(s) of 2.0 MiB already"),
        "{detail}"
    );
    // The total quota, across tickets, saying what is used.
    upload(&t, "mgr_a", &two, &[("f.png", "image/png", &big("f", MIB - 10))])
        .await
        .expect(StatusCode::CREATED);
    let answer = upload(&t, "mgr_a", &two, &[("g.png", "image/png", &big("g", 100))]).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let detail = answer.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("quota_gib") && detail.contains("3.0 MiB used"),
        "{detail}"
    );
    assert_eq!(ticket_attachments::Entity::find().count(&t.db.db).await.unwrap(), 3);
});

both!(
    whoever_may_comment_attaches_and_whoever_sees_downloads,
    |t: Harness| async move {
        let n = number(&t.open("mgr_a", "SA", "fault", "general").await);
        let a = upload(&t, "ueng_a", &n, &[("a.png", "image/png", &png("a"))])
            .await
            .expect(StatusCode::CREATED);
        let path = format!("/api/v1/tickets/{n}/attachments/{}", a[0]["id"]);
        // The unit's viewer sees and downloads, but attaches nothing.
        assert_eq!(fetch(&t, "viewer_a", &path).await.0, StatusCode::OK);
        upload(&t, "viewer_a", &n, &[("v.png", "image/png", &png("v"))])
            .await
            .expect(StatusCode::FORBIDDEN);
        // Another unit's manager, the other vendor and a user of no party: as if there were none.
        for who in ["mgr_b", "eng_b", "nobody"] {
            assert_eq!(fetch(&t, who, &path).await.0, StatusCode::NOT_FOUND, "{who}");
            let list = t.get(who, &format!("/api/v1/tickets/{n}/attachments")).await;
            assert_eq!(list.status, StatusCode::NOT_FOUND, "{who}");
            let answer = upload(&t, who, &n, &[("x.png", "image/png", &png(who))]).await;
            assert!(
                [StatusCode::NOT_FOUND, StatusCode::FORBIDDEN].contains(&answer.status),
                "{who}: {:?}",
                answer.body
            );
        }
        let answer = upload(&t, "mgr_b", &n, &[("x.png", "image/png", &png("b"))]).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{:?}", answer.body);
        // The vendor's engineer, the bureau and the supervisor attach.
        for who in ["eng_a", "bureau", "sup"] {
            upload(&t, who, &n, &[("w.png", "image/png", &png(who))])
                .await
                .expect(StatusCode::CREATED);
        }
    }
);

both!(
    on_disk_a_content_is_one_file_written_whole,
    |mut t: Harness| async move {
        let dir = std::env::temp_dir().join(format!(
            "opsclock-attachments-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        with_store(
            &mut t,
            AttachmentStore {
                storage: Storage::Disk(dir.clone()),
                dir: Some(dir.clone()),
                ..AttachmentStore::default()
            },
        );
        let (one, two) = (
            number(&t.open("mgr_a", "SA", "fault", "general").await),
            number(&t.open("mgr_a", "SA", "fault", "general").await),
        );
        let pdf = "%PDF-1.7\n% 验收单\n%%EOF\n".as_bytes().to_vec();
        // A good file sent with a refused one: refused whole, and nothing written to disk (a file
        // written for a rolled-back request would sit outside every quota).
        let other = "%PDF-1.7\n% 其他\n%%EOF\n".as_bytes().to_vec();
        upload(
            &t,
            "mgr_a",
            &one,
            &[
                ("other.pdf", "application/pdf", &other),
                ("x.png", "image/png", b"MZ\x90\0"),
            ],
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(
            std::fs::read_dir(&dir).map_or(true, |d| d.count() == 0),
            "nothing on disk after a refused request"
        );
        let a = upload(&t, "mgr_a", &one, &[("验收单.pdf", "application/pdf", &pdf)])
            .await
            .expect(StatusCode::CREATED);
        let b = upload(&t, "eng_a", &two, &[("copy.pdf", "application/pdf", &pdf)])
            .await
            .expect(StatusCode::CREATED);
        assert_ne!(a[0]["id"], b[0]["id"], "a row for each ticket");
        let sha = hex::encode(sha2::Sha256::digest(&pdf));
        let files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(
            files,
            std::slice::from_ref(&sha),
            "one file, named by its hash, no temporary left"
        );
        assert_eq!(std::fs::read(dir.join(&sha)).unwrap(), pdf);
        let rows = ticket_attachments::Entity::find().all(&t.db.db).await.unwrap();
        assert!(rows.iter().all(|r| r.storage == "disk" && r.data.is_none()));
        for (n, x) in [(&one, &a), (&two, &b)] {
            let (status, _, bytes) =
                fetch(&t, "mgr_a", &format!("/api/v1/tickets/{n}/attachments/{}", x[0]["id"])).await;
            assert_eq!((status, bytes.as_slice()), (StatusCode::OK, pdf.as_slice()));
        }
        // Back to the database: new files go there, the files on disk are still read from the dir.
        with_store(
            &mut t,
            AttachmentStore {
                dir: Some(dir.clone()),
                ..AttachmentStore::default()
            },
        );
        let c = upload(&t, "mgr_a", &one, &[("c.png", "image/png", &png("c"))])
            .await
            .expect(StatusCode::CREATED);
        let row = ticket_attachments::Entity::find_by_id(c[0]["id"].as_i64().unwrap())
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (row.storage.as_str(), row.data.map(|d| d.len())),
            ("db", Some(png("c").len()))
        );
        let (_, _, bytes) = fetch(
            &t,
            "mgr_a",
            &format!("/api/v1/tickets/{one}/attachments/{}", a[0]["id"]),
        )
        .await;
        assert_eq!(bytes, pdf);
        std::fs::remove_dir_all(&dir).unwrap();
    }
);

both!(
    a_mails_attachment_is_stored_inside_the_mails_transaction,
    |t: Harness| async move {
        let n = number(&t.open("mgr_a", "SA", "fault", "general").await);
        let ticket_id = opsclock::db::entities::tickets::Entity::find()
            .filter(opsclock::db::entities::tickets::Column::Number.eq(n.as_str()))
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap()
            .id;
        let mail =
            b"From: ops@unit-a.example\r\nSubject: fwd\r\nDate: Sun, 6 Dec 2026 08:00:00 +0800\r\n\r\nhi".to_vec();
        let from = opsclock::app::audit::ClientAddr(Some("imap".into()));
        let store = AttachmentStore::default();
        // Rolled back with the mail: nothing is left.
        let txn = t.db.db.begin().await.unwrap();
        attachments::store(
            &txn,
            &store,
            ticket_id,
            None,
            Source::Mail,
            "fwd.eml",
            Some("message/rfc822"),
            &mail,
            &from,
            t.now(),
        )
        .await
        .unwrap();
        txn.rollback().await.unwrap();
        assert_eq!(ticket_attachments::Entity::find().count(&t.db.db).await.unwrap(), 0);
        // Committed: listed as the mail's, by nobody.
        let txn = t.db.db.begin().await.unwrap();
        let v = attachments::store(
            &txn,
            &store,
            ticket_id,
            None,
            Source::Mail,
            "fwd.eml",
            None,
            &mail,
            &from,
            t.now(),
        )
        .await
        .unwrap();
        let refused = attachments::store(
            &txn,
            &store,
            ticket_id,
            None,
            Source::Mail,
            "x.exe",
            Some("application/pdf"),
            b"MZ\x90",
            &from,
            t.now(),
        )
        .await;
        assert!(
            matches!(refused, Err(opsclock::app::AppError::Invalid { ref field, .. }) if field.as_deref() == Some("file"))
        );
        txn.commit().await.unwrap();
        assert_eq!(
            (v.content_type.as_str(), v.source.as_str(), v.uploaded_by.as_deref()),
            ("message/rfc822", "mail", None)
        );
        let list = t
            .get("mgr_a", &format!("/api/v1/tickets/{n}/attachments"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(list[0]["source"], "mail");
        let missing = {
            let txn = t.db.db.begin().await.unwrap();
            attachments::store(
                &txn,
                &store,
                999_999,
                None,
                Source::Mail,
                "a.eml",
                None,
                &mail,
                &from,
                t.now(),
            )
            .await
        };
        assert!(matches!(missing, Err(opsclock::app::AppError::NotFound(_))));
    }
);

both!(the_incident_report_lists_the_attachments, |t: Harness| async move {
    let n = number(&t.open("mgr_a", "SA", "fault", "general").await);
    let shot = png("report");
    let a = upload(&t, "eng_a", &n, &[("现场照片.png", "image/png", &shot)])
        .await
        .expect(StatusCode::CREATED);
    let sha = a[0]["sha256"].as_str().unwrap().to_owned();
    let r = t
        .get("mgr_a", &format!("/api/v1/tickets/{n}/incident-report"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(r["attachments"], a);
    let (status, _, html) = t
        .download("mgr_a", &format!("/api/v1/tickets/{n}/incident-report?format=html"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(html).unwrap();
    let table = &html[html.find("id=\"attachments\"").expect("the attachments table")..];
    assert!(
        table.contains("现场照片.png") && table.contains(&sha) && table.contains("eng_a"),
        "{table}"
    );
    assert!(table.contains(&format!(">{}<", shot.len())));
    let (status, _, docx) = t
        .download("mgr_a", &format!("/api/v1/tickets/{n}/incident-report?format=docx"))
        .await;
    assert_eq!(status, StatusCode::OK);
    if let Some(text) = crate::incident_report::docx_text(&docx, "the_incident_report_lists_the_attachments") {
        for want in ["附件", "现场照片.png", sha.as_str(), "eng_a"] {
            assert!(text.iter().any(|s| s.contains(want)), "{want} in {text:?}");
        }
    }
});

/// POSTs the page's upload form with `cookie`.
async fn page_upload(t: &Harness, cookie: &str, n: &str, csrf: &str, name: &str, data: &[u8]) -> Answer {
    t.with_headers(
        "",
        Method::POST,
        &format!("/tickets/{n}/attachments"),
        Some(&format!("multipart/form-data; boundary={BOUNDARY}")),
        &[("cookie", cookie)],
        multipart(&[
            ("csrf", None, None, csrf.as_bytes()),
            ("file", Some(name), Some("image/png"), data),
        ]),
    )
    .await
}

/// The ticket page `answer` redirects to, with the message it left.
async fn follow(t: &Harness, cookie: &str, n: &str, answer: &Answer) -> String {
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{:?}", answer.body);
    let flash = answer.set_cookie.as_deref().unwrap().split(';').next().unwrap();
    let (status, html) = browse(t, &format!("{cookie}; {flash}"), &format!("/tickets/{n}")).await;
    assert_eq!(status, StatusCode::OK);
    html
}

both!(the_ticket_page_lists_them_and_takes_uploads, |t: Harness| async move {
    let n = number(&t.open("mgr_a", "SA", "fault", "general").await);
    let eng = session(&t, "eng_a").await;
    let (_, html) = browse(&t, &eng, &format!("/tickets/{n}")).await;
    assert!(
        html.contains(r#"id="attachment-form""#) && html.contains(r#"enctype="multipart/form-data""#),
        "{html}"
    );
    assert!(html.contains(r#"id="no-attachments""#) && html.contains("尚无附件"));
    let csrf = csrf_of(&html[html.find(r#"id="attachment-form""#).unwrap()..]);

    // A program called a PNG: refused on the page, in Chinese.
    let answer = page_upload(&t, &eng, &n, &csrf, "run.png", b"MZ\x90\0").await;
    let html = follow(&t, &eng, &n, &answer).await;
    assert!(
        html.contains(&format!("上传附件 · {n} ✗")) && html.contains("不接受可执行文件"),
        "{html}"
    );

    // A screenshot: listed with its download link.
    let shot = png("page");
    let answer = page_upload(&t, &eng, &n, &csrf, "截图.png", &shot).await;
    let html = follow(&t, &eng, &n, &answer).await;
    assert!(html.contains(&format!("上传附件 · {n} ✓ 截图.png")), "{html}");
    let list = t
        .get("mgr_a", &format!("/api/v1/tickets/{n}/attachments"))
        .await
        .expect(StatusCode::OK);
    let id = list[0]["id"].as_i64().unwrap();
    assert!(
        html.contains(&format!(
            r#"href="/api/v1/tickets/{n}/attachments/{id}" download>截图.png</a>"#
        )),
        "{html}"
    );
    // The link opens with the page's session.
    let answer = t
        .with_headers(
            "",
            Method::GET,
            &format!("/api/v1/tickets/{n}/attachments/{id}"),
            None,
            &[("cookie", &eng)],
            vec![],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);

    // A photo as a phone takes one, larger than the 64 KiB a plain form may send.
    let mut photo = png("photo");
    photo.resize(600 * 1024, 7);
    let answer = page_upload(&t, &eng, &n, &csrf, "现场.png", &photo).await;
    let html = follow(&t, &eng, &n, &answer).await;
    assert!(html.contains(&format!("上传附件 · {n} ✓ 现场.png")), "{html}");

    // The form needs its token.
    let answer = page_upload(&t, &eng, &n, "forged", "x.png", &png("forged")).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(ticket_attachments::Entity::find().count(&t.db.db).await.unwrap(), 2);

    // The viewer sees the list, in English too, and no form.
    let viewer = session(&t, "viewer_a").await;
    let (_, html) = browse(&t, &format!("{viewer}; opsclock_lang=en"), &format!("/tickets/{n}")).await;
    assert!(html.contains("Attachments") && html.contains("截图.png"), "{html}");
    assert!(!html.contains(r#"id="attachment-form""#));
});
