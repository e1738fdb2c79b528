//! Categories (分类): a policy lists its contract's classes of work; tickets are sorted into them
//! when opened or later, filtered by them, and counted by them in the breach report.

use axum::http::{Method, StatusCode};
use opsclock::db::entities::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;
use crate::web::{browse, csrf_of, session, submit};

/// Seed 003's four request categories (L773) and one of seed 004's fault classes (L27522).
fn categories() -> Value {
    json!([
        {"code": "service_request", "name": "服务请求", "kinds": ["request"]},
        {"code": "account", "name": "账号管理", "kinds": ["request"]},
        {"code": "data_processing", "name": "数据处理", "kinds": ["request"]},
        {"code": "latent", "name": "潜伏故障", "kinds": ["fault", "alarm"]},
    ])
}

async fn with_categories(t: &Harness) {
    let p = t
        .patch(
            "admin",
            &format!("/api/v1/policies/{}", t.ids.policy),
            json!({"categories": categories()}),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(p["categories"], categories());
}

async fn open_with(t: &Harness, kind: &str, category: Value) -> crate::support::Answer {
    t.post(
        "mgr_a",
        "/api/v1/tickets",
        json!({"kind": kind, "system": "SA", "severity": "general", "title": "账号开通", "category": category}),
    )
    .await
}

both!(
    a_ticket_takes_a_category_of_its_policy_for_its_kind_and_keeps_the_changes_on_record,
    |t: Harness| async move {
        // Before the policy lists any, a category is refused, and saying so.
        let p = open_with(&t, "request", json!("account"))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(p.contains("request tickets take no category here"), "{p}");
        with_categories(&t).await;

        let v = open_with(&t, "request", json!("account"))
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(v["category"], "account");
        // A fault is not an account request: the refusal names what a fault may be.
        let p = open_with(&t, "fault", json!("account"))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(
            p.contains(
                "\"account\" (账号管理) is not a category of fault tickets; fault tickets take: latent (潜伏故障)"
            ),
            "{p}"
        );
        let p = open_with(&t, "request", json!("printer"))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(
            p.contains("\"printer\" is not a category") && p.contains("data_processing (数据处理)"),
            "{p}"
        );
        // Opened unsorted, the field is absent.
        let plain = open_with(&t, "request", Value::Null).await.expect(StatusCode::CREATED);
        assert_eq!(plain.get("category"), None);

        // Re-sorting: the vendor's engineer moves it, the timeline keeps both codes and why.
        let moved = t
            .act(
                "eng_a",
                &v,
                "categorise",
                json!({"category": "data_processing", "reason": "实为数据导出"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(moved["category"], "data_processing");
        let again = t
            .act("eng_a", &moved, "categorise", json!({"category": "data_processing"}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(again.contains("already in category data_processing"), "{again}");
        let wrong = t
            .act("eng_a", &moved, "categorise", json!({"category": "latent"}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(wrong.contains("not a category of request tickets"), "{wrong}");
        let missing = t
            .act("eng_a", &moved, "categorise", json!({}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(missing.contains("categorise needs category"), "{missing}");
        // A viewer may not sort.
        t.act("viewer_a", &moved, "categorise", json!({"category": "account"}))
            .await
            .expect(StatusCode::FORBIDDEN);
        let number = v["number"].as_str().unwrap();
        let read = t
            .get("mgr_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        let sorted: Vec<&Value> = read["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "categorised")
            .collect();
        assert_eq!(sorted.len(), 1);
        assert_eq!(
            (
                &sorted[0]["data"]["from"],
                &sorted[0]["data"]["to"],
                &sorted[0]["data"]["reason"]
            ),
            (&json!("account"), &json!("data_processing"), &json!("实为数据导出"))
        );
        // The change is in the breach report's corrections, as the other party relies on it.
        let r = t
            .get("mgr_a", "/api/v1/reports/breaches?period=2026-11")
            .await
            .expect(StatusCode::OK);
        let sorted_rows: Vec<&Value> = r["corrections"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == "categorised")
            .collect();
        assert_eq!(sorted_rows.len(), 1, "{}", r["corrections"]);
        // Named as the ticket's policy names them, the code beside each.
        assert_eq!(
            sorted_rows[0]["summary"],
            "分类 账号管理 (account) → 数据处理 (data_processing)：实为数据导出"
        );
        // Taken out of every category, with "".
        let cleared = t
            .act("mgr_a", &read, "categorise", json!({"category": ""}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(cleared.get("category"), None);
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("ticket.categorise"))
            .all(&t.db.db)
            .await
            .unwrap();
        assert_eq!(audited.len(), 2, "the change and the clearing, each audited");
    }
);

both!(
    lists_and_reports_count_by_category_with_the_unsorted_apart,
    |t: Harness| async move {
        with_categories(&t).await;
        let a1 = open_with(&t, "request", json!("account"))
            .await
            .expect(StatusCode::CREATED);
        open_with(&t, "request", json!("account"))
            .await
            .expect(StatusCode::CREATED);
        open_with(&t, "request", json!("data_processing"))
            .await
            .expect(StatusCode::CREATED);
        open_with(&t, "request", Value::Null).await.expect(StatusCode::CREATED);
        let f = open_with(&t, "fault", json!("latent"))
            .await
            .expect(StatusCode::CREATED);
        t.act("eng_a", &a1, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
        let a1 = t
            .get("eng_a", &format!("/api/v1/tickets/{}", a1["number"].as_str().unwrap()))
            .await
            .expect(StatusCode::OK);
        t.act(
            "eng_a",
            &a1,
            "resolve",
            json!({"root_cause": "新员工", "fix": "已开通"}),
        )
        .await
        .expect(StatusCode::OK);

        let numbers = |page: &Value| -> Vec<String> {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["number"].as_str().unwrap().to_owned())
                .collect()
        };
        let account = t
            .get("mgr_a", "/api/v1/tickets?category=account")
            .await
            .expect(StatusCode::OK);
        assert_eq!(numbers(&account).len(), 2);
        let unsorted = t.get("mgr_a", "/api/v1/tickets?category=").await.expect(StatusCode::OK);
        assert_eq!(numbers(&unsorted).len(), 1);
        let latent = t
            .get("mgr_a", "/api/v1/tickets?category=latent")
            .await
            .expect(StatusCode::OK);
        assert_eq!(numbers(&latent), [f["number"].as_str().unwrap()]);

        let r = t
            .get("mgr_a", "/api/v1/reports/breaches?period=2026-11")
            .await
            .expect(StatusCode::OK);
        let rows: Vec<(String, Value, Value, i64, i64, i64)> = r["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["kind"].as_str().unwrap().to_owned(),
                    c["category"].clone(),
                    c["name"].clone(),
                    c["received"].as_i64().unwrap(),
                    c["resolved"].as_i64().unwrap(),
                    c["open"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("fault".into(), json!("latent"), json!("潜伏故障"), 1, 0, 1),
                ("request".into(), json!("account"), json!("账号管理"), 2, 1, 1),
                ("request".into(), json!("data_processing"), json!("数据处理"), 1, 0, 1),
                ("request".into(), Value::Null, Value::Null, 1, 0, 1),
            ]
        );
        // The incident register names the fault's category.
        assert_eq!(r["incidents"][0]["category_name"], "潜伏故障");
        // Filtered to one category, every section counts only it.
        let only = t
            .get("mgr_a", "/api/v1/reports/breaches?period=2026-11&category=account")
            .await
            .expect(StatusCode::OK);
        assert_eq!(only["tickets"]["received"], 2);
        let none = t
            .get("mgr_a", "/api/v1/reports/breaches?period=2026-11&category=")
            .await
            .expect(StatusCode::OK);
        assert_eq!(none["tickets"]["received"], 1);

        let (status, _, csv) = t
            .download(
                "mgr_a",
                "/api/v1/reports/breaches?period=2026-11&format=csv&section=categories",
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let csv = String::from_utf8(csv).unwrap();
        assert!(
            csv.contains("分类统计") || csv.contains("分类编码"),
            "the section's headers: {csv}"
        );
        assert!(
            csv.contains("账号管理,2,1,1,0,0") && csv.contains("未分类,1,0,1,0,0"),
            "{csv}"
        );
    }
);

both!(
    a_catalogue_lists_categories_checks_them_and_exports_them_back,
    |t: Harness| async move {
        let file = r#"format = 1
[[units]]
code = "u1"
name = "单位一"
[[vendors]]
code = "v1"
name = "服务商一"
[[policies]]
code = "p1"
name = "策略一"
targets = {}
[[policies.categories]]
code = "account"
name = "账号管理"
kinds = ["request"]
note = "003 L773"
[[policies.categories]]
code = "account"
name = "数据处理"
"#;
        let import = |text: String| {
            let t = &t;
            async move {
                t.raw(
                    "admin",
                    Method::POST,
                    "/api/v1/catalog/import",
                    Some("application/toml"),
                    text.into_bytes(),
                )
                .await
            }
        };
        let refused = import(file.to_owned()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", refused.body);
        let text = refused.body.to_string();
        assert!(
            text.contains("policies[0].categories[1].code") && text.contains("\\\"account\\\" is given twice"),
            "{text}"
        );
        let fixed = file.replace(
            "code = \"account\"\nname = \"数据处理\"",
            "code = \"data\"\nname = \"数据处理\"",
        );
        import(fixed).await.expect(StatusCode::OK);
        let (_, _, bytes) = t.download("admin", "/api/v1/catalog/export").await;
        let exported = String::from_utf8(bytes).unwrap();
        assert!(
            exported.contains("[[policies.categories]]\ncode = \"account\"\nname = \"账号管理\"\nkinds = [\"request\"]\nnote = \"003 L773\"")
                && exported.contains("code = \"data\""),
            "{exported}"
        );
        // The same file again changes nothing.
        let again = t
            .raw(
                "admin",
                Method::POST,
                "/api/v1/catalog/import?dry_run=true",
                Some("application/toml"),
                exported.into_bytes(),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(again["changed"], 0, "{again}");
    }
);

both!(
    the_pages_offer_the_policys_categories_when_logging_and_sorting,
    |t: Harness| async move {
        with_categories(&t).await;
        let cookies = session(&t, "mgr_a").await;
        let (status, form) = browse(&t, &cookies, "/tickets/new").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            form.contains("name=\"category\"")
                && form.contains("value=\"account\" data-policy=")
                && form.contains(">账号管理</option>"),
            "{form}"
        );
        let (a, next) = submit(
            &t,
            &cookies,
            "/tickets/new",
            &[
                ("csrf", &csrf_of(&form)),
                ("system", "SA"),
                ("kind", "fault"),
                ("title", "账号锁定"),
                ("severity", "minor"),
                ("severity_reason", "单人"),
                ("category", "account"),
            ],
        )
        .await;
        // A fault cannot be an account request: the form comes back saying which it may be.
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        let page = a.body.as_str().unwrap_or_default();
        assert!(page.contains("latent (潜伏故障)"), "{page}");
        let _ = next;
        let v = open_with(&t, "request", json!("account"))
            .await
            .expect(StatusCode::CREATED);
        let number = v["number"].as_str().unwrap();
        let (_, page) = browse(&t, &cookies, &format!("/tickets/{number}")).await;
        assert!(
            page.contains("<dd id=\"category\">账号管理 <code class=\"muted\">account</code>"),
            "{page}"
        );
        assert!(page.contains(&format!("/tickets/{number}/act/categorise")), "the form");
        // The form lists the request categories only.
        let form_start = page.find("/act/categorise").unwrap();
        let form = &page[form_start..form_start + page[form_start..].find("</form>").unwrap()];
        assert!(
            form.contains("value=\"data_processing\"")
                && form.contains(">数据处理</option>")
                && !form.contains("潜伏故障"),
            "{form}"
        );
        let (a, next) = submit(
            &t,
            &cookies,
            &format!("/tickets/{number}/act/categorise"),
            &[
                ("csrf", &csrf_of(&page)),
                ("version", &v["version"].to_string()),
                ("category", ""),
                ("reason", ""),
            ],
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{:?}", a.body);
        let (_, after) = browse(&t, &next, &format!("/tickets/{number}")).await;
        assert!(
            after.contains("<dd id=\"category\"><span class=\"muted\">未分类</span>"),
            "{after}"
        );
        // The timeline names the category it left, with its code.
        assert!(
            after.contains("<div class=\"muted pre\">账号管理 (account) → —</div>"),
            "{after}"
        );

        // A system whose policy lists none shows no category and no form.
        let other = t.open("mgr_b", "SB", "fault", "minor").await;
        t.patch(
            "admin",
            &format!("/api/v1/policies/{}", t.ids.policy),
            json!({"categories": []}),
        )
        .await
        .expect(StatusCode::OK);
        let cookies_b = session(&t, "mgr_b").await;
        let (_, page) = browse(
            &t,
            &cookies_b,
            &format!("/tickets/{}", other["number"].as_str().unwrap()),
        )
        .await;
        assert!(
            !page.contains("id=\"category\"") && !page.contains("/act/categorise"),
            "{page}"
        );
        // A code no policy lists any more is shown as the code.
        let (_, page) = browse(&t, &next, &format!("/tickets/{number}")).await;
        assert!(page.contains("<div class=\"muted pre\">account → —</div>"), "{page}");
        let r = t
            .get("mgr_a", "/api/v1/reports/breaches?period=2026-11")
            .await
            .expect(StatusCode::OK);
        let summaries: Vec<&str> = r["corrections"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == "categorised")
            .filter_map(|c| c["summary"].as_str())
            .collect();
        assert_eq!(summaries, ["分类 account → 未分类"], "{}", r["corrections"]);
    }
);
