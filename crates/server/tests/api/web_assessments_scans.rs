//! The scanned signed copy on the assessment page (issue 27): a party's manager attaches the file
//! with the page's upload form (a browser's `multipart/form-data`, no script), the page lists it
//! with a link to download it; a file that is no PDF, PNG or JPEG by its first bytes is refused
//! in Chinese, whatever its name; an administrator gets no form; the form needs its token. The
//! page and the printable record link the record's workbook.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::both;
use crate::support::{Answer, Harness};
use crate::web::{browse, csrf_of, session};

const BOUNDARY: &str = "----opsclockTestBoundary7MA4YWxkTrZu0gW";

/// The upload form as a browser sends it: the token and the file.
fn form(csrf: &str, file_name: &str, content_type: &str, data: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(t: &Harness, cookie: &str, id: i64, body: Vec<u8>) -> Answer {
    t.with_headers(
        "",
        Method::POST,
        &format!("/assessments/{id}/scans"),
        Some(&format!("multipart/form-data; boundary={BOUNDARY}")),
        &[("cookie", cookie)],
        body,
    )
    .await
}

/// The page `answer` redirects to, with the message it left.
async fn follow(t: &Harness, cookie: &str, answer: &Answer) -> String {
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{:?}", answer.body);
    let flash = answer.set_cookie.as_deref().unwrap().split(';').next().unwrap();
    let (status, html) = browse(t, &format!("{cookie}; {flash}"), "/assessments/1").await;
    assert_eq!(status, StatusCode::OK);
    html
}

both!(
    the_signed_scan_is_attached_with_the_pages_upload_form,
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
        assert_eq!(id, 1);
        let page = format!("/assessments/{id}");
        let vendor = session(&t, "vmgr_a").await;

        let (_, html) = browse(&t, &vendor, &page).await;
        assert!(
            html.contains(r#"id="scan-form""#) && html.contains(r#"enctype="multipart/form-data""#),
            "{html}"
        );
        assert!(html.contains(r#"id="no-scans""#));
        assert!(html.contains("每份不超过 10 MB；每份考核最多 20 份，合计不超过 50 MB。"));
        assert!(html.contains(&format!(
            r#"id="record-xlsx" href="/api/v1/assessments/{id}/record.xlsx""#
        )));
        let csrf = csrf_of(&html);

        // A GIF called a PDF: refused by its first bytes, in Chinese.
        let answer = upload(
            &t,
            &vendor,
            id,
            form(&csrf, "签字页.pdf", "application/pdf", b"GIF89a...."),
        )
        .await;
        let html = follow(&t, &vendor, &answer).await;
        assert!(
            html.contains("上传扫描件 · A-1 ✗ 扫描件须为 PDF、PNG 或 JPEG 文件"),
            "{html}"
        );
        assert!(html.contains(r#"id="no-scans""#));

        // A PDF, whatever the browser calls it.
        let pdf = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\r\n\r\nsigned\n%%EOF\n".to_vec();
        let answer = upload(
            &t,
            &vendor,
            id,
            form(&csrf, "C:\\扫描\\签字页.pdf", "application/octet-stream", &pdf),
        )
        .await;
        let html = follow(&t, &vendor, &answer).await;
        assert!(html.contains("上传扫描件 · A-1 #1 ✓"), "{html}");
        assert!(
            html.contains(r#"<a href="/api/v1/assessments/1/scans/1"><code>签字页.pdf</code></a>"#),
            "{html}"
        );
        assert!(html.contains(&format!("{} 字节", pdf.len())) && html.contains("乙方（服务商）"));
        let (status, ct, bytes) = t.download("mgr_a", "/api/v1/assessments/1/scans/1").await;
        assert_eq!((status, ct.as_str(), bytes), (StatusCode::OK, "application/pdf", pdf));

        // The form needs its token; an admin reads the list but gets no form.
        let answer = upload(
            &t,
            &vendor,
            id,
            form("forged", "x.pdf", "application/pdf", b"%PDF-1.7 x"),
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        let admin = session(&t, "admin").await;
        let (_, html) = browse(&t, &admin, &page).await;
        assert!(
            !html.contains(r#"id="scan-form""#) && html.contains(r#"data-scan="1""#),
            "{html}"
        );

        // The printable record links the workbook.
        let (_, html) = browse(&t, &vendor, &format!("{page}/print")).await;
        assert!(html.contains(&format!(
            r#"id="print-xlsx" href="/api/v1/assessments/{id}/record.xlsx""#
        )));
    }
);

/// Unit A's November, created by its manager: its id, the vendor's manager's session and the
/// page's form token.
async fn november(t: &Harness) -> (i64, String, String) {
    crate::assessments::setup(t).await;
    let a = t
        .post(
            "mgr_a",
            "/api/v1/assessments",
            json!({"contract": "va-84", "period": "2026-11"}),
        )
        .await
        .expect(StatusCode::CREATED);
    let id = a["id"].as_i64().unwrap();
    let vendor = session(t, "vmgr_a").await;
    let (_, html) = browse(t, &vendor, &format!("/assessments/{id}")).await;
    (id, vendor, csrf_of(&html))
}

both!(
    a_file_name_keeps_a_semicolon_inside_its_quotes,
    |t: Harness| async move {
        let (id, vendor, csrf) = november(&t).await;
        let pdf = b"%PDF-1.7\n% page one\n%%EOF\n".to_vec();
        let answer = upload(
            &t,
            &vendor,
            id,
            form(&csrf, "甲方;乙方 签字.pdf", "application/pdf", &pdf),
        )
        .await;
        let html = follow(&t, &vendor, &answer).await;
        assert!(html.contains("上传扫描件 · A-1 #1 ✓"), "{html}");
        assert!(
            html.contains(r#"<a href="/api/v1/assessments/1/scans/1"><code>甲方;乙方 签字.pdf</code></a>"#),
            "{html}"
        );
    }
);

both!(
    an_upload_over_the_forms_limit_is_refused_on_the_page,
    |t: Harness| async move {
        let (id, vendor, csrf) = november(&t).await;
        // Said on the page, on either backend (SQLite reads the body before the route does),
        // not with the API's problem document.
        let mut big = b"%PDF-1.7\n".to_vec();
        big.resize(10 * 1024 * 1024 + 64 * 1024, b' ');
        let answer = upload(&t, &vendor, id, form(&csrf, "big.pdf", "application/pdf", &big)).await;
        let html = follow(&t, &vendor, &answer).await;
        assert!(html.contains("上传扫描件 ✗ 扫描件不能超过 10 MB"), "{html}");
        assert!(html.contains(r#"id="no-scans""#));
    }
);

both!(
    a_scan_of_figures_revised_since_is_marked_on_the_page,
    |t: Harness| async move {
        let (id, vendor, csrf) = november(&t).await;
        let pdf = b"%PDF-1.7\n% the draft\n%%EOF\n".to_vec();
        let answer = upload(&t, &vendor, id, form(&csrf, "draft.pdf", "application/pdf", &pdf)).await;
        let html = follow(&t, &vendor, &answer).await;
        assert!(html.contains("与现内容一致") && !html.contains("data-stale"), "{html}");

        // The figures revised a day later: the scan is marked, in either language.
        t.time.set("2026-12-03T02:00:00Z".parse().unwrap());
        t.post("mgr_a", &format!("/api/v1/assessments/{id}/revise"), json!({}))
            .await
            .expect(StatusCode::OK);
        let vendor = session(&t, "vmgr_a").await;
        let (status, html) = browse(&t, &vendor, &format!("/assessments/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains(r#"data-stale="1""#) && html.contains("⚠ 内容已修订") && html.contains(r#"id="scans-stale""#),
            "{html}"
        );
        let english = format!("{vendor}; opsclock_lang=en");
        let (_, html) = browse(&t, &english, &format!("/assessments/{id}")).await;
        assert!(
            html.contains("⚠ revised since") && html.contains("The figures were revised after this scan was attached"),
            "{html}"
        );
    }
);
