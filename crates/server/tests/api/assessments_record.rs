//! The assessment's record (考核, issue 27): the contract names its scheme (checked when the
//! contract is saved, taken by an assessment created without one), and the record as a workbook
//! (`GET /assessments/{id}/record.xlsx`), read back.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;

/// `va-84` (see assessments.rs) naming `scheme`.
async fn with_scheme(t: &Harness, scheme: Value) -> crate::support::Answer {
    let mut c: Value = t.get("admin", "/api/v1/contracts/va-84").await.expect(StatusCode::OK);
    c["scheme"] = scheme;
    t.put("admin", "/api/v1/contracts/va-84", c).await
}

both!(
    a_contract_names_its_scheme_and_its_assessments_take_it,
    |t: Harness| async move {
        crate::assessments::setup(&t).await;
        // Without a scheme in the contract, an assessment has no scored part.
        let a = t
            .post(
                "mgr_a",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": "2026-10"}),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(a["scheme"], Value::Null);
        assert_eq!(a["figures"]["scorecard"], Value::Null);

        // A scheme the server does not ship is refused when the contract is saved, naming the
        // field; an empty one too; nothing is stored.
        let answer = with_scheme(&t, json!("003-sme-platfrom")).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", answer.body);
        assert_eq!(answer.body["field"], "scheme", "{}", answer.body);
        assert!(
            answer.body["detail"].as_str().unwrap().contains("003-sme-platform"),
            "the schemes there are: {}",
            answer.body
        );
        let answer = with_scheme(&t, json!(" ")).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            answer.body["detail"].as_str().unwrap().contains("scheme"),
            "{}",
            answer.body
        );
        let c = t.get("admin", "/api/v1/contracts/va-84").await.expect(StatusCode::OK);
        assert_eq!(c.get("scheme"), None, "nothing stored: {c}");

        // Named: the contract keeps it, and an assessment created without one takes it.
        with_scheme(&t, json!("003-sme-platform")).await.expect(StatusCode::OK);
        let c = t.get("vmgr_a", "/api/v1/contracts/va-84").await.expect(StatusCode::OK);
        assert_eq!(c["scheme"], "003-sme-platform");
        let a = t
            .post(
                "mgr_a",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": "2026-11"}),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(a["scheme"], "003-sme-platform");
        assert_eq!(a["figures"]["scorecard"]["entered"], false);
        assert_eq!(a["figures"]["scorecard"]["scheme"], "003-sme-platform");
        // Naming a scheme still wins over the contract's, and is checked the same way.
        t.post(
            "bureau",
            "/api/v1/assessments",
            json!({"contract": "va-84", "period": "2026-11", "scheme": "nope"}),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);

        // Seed 003's contract, as shipped, names 003's scheme.
        let shipped: toml::Table = include_str!("../../../../config/contracts/sme-platform-2025.toml")
            .parse()
            .unwrap();
        assert_eq!(shipped["contracts"][0]["scheme"].as_str(), Some("003-sme-platform"));
    }
);

/// The row of `sheet` whose first cell is `first`, as text.
fn row(sheet: &calamine::Range<calamine::Data>, first: &str) -> Vec<String> {
    sheet
        .rows()
        .find(|r| r.first().map(ToString::to_string).as_deref() == Some(first))
        .unwrap_or_else(|| panic!("no row {first}"))
        .iter()
        .map(ToString::to_string)
        .collect()
}

both!(
    the_record_downloads_as_a_workbook_with_figures_thread_signatures_and_hash,
    |t: Harness| async move {
        crate::assessments::setup(&t).await;
        with_scheme(&t, json!("003-sme-platform")).await.expect(StatusCode::OK);
        // The whole contract's November: scored (an aspect at 0: applications 97), sent, agreed,
        // signed by the vendor and the bureau: final.
        let a = t
            .post(
                "bureau",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": "2026-11"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let id = a["id"].as_i64().unwrap();
        let scheme = opsclock::app::assessments::schemes::get("003-sme-platform").unwrap();
        let mut scores = scorecard::Entries::full_marks(&scheme);
        scores.set("a01", "timeliness", scorecard::Dec2::ZERO);
        let path = |act: &str| format!("/api/v1/assessments/{id}/{act}");
        t.post("bureau", &path("revise"), json!({"scores": scores}))
            .await
            .expect(StatusCode::OK);
        t.post("bureau", &path("send"), json!({})).await.expect(StatusCode::OK);
        t.post("vmgr_a", &path("agree"), json!({"text": "无异议"}))
            .await
            .expect(StatusCode::OK);
        let hash = t
            .get("bureau", &format!("/api/v1/assessments/{id}"))
            .await
            .expect(StatusCode::OK)["content_hash"]
            .as_str()
            .unwrap()
            .to_owned();
        for who in ["vmgr_a", "bureau"] {
            t.post(who, &path("sign"), json!({"hash": hash}))
                .await
                .expect(StatusCode::OK);
        }

        let (status, ct, bytes) = t.download("vmgr_a", &path("record.xlsx")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ct, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        use calamine::Reader as _;
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let names = book.sheet_names();
        assert_eq!(
            names[..11],
            [
                "概况",
                "工单",
                "时限达标",
                "平均时长",
                "可用性",
                "违约扣款",
                "满意度",
                "考核评分",
                "整改通知",
                "往来记录",
                "签字"
            ],
            "{names:?}"
        );
        let summary = book.worksheet_range("概况").unwrap();
        assert_eq!(summary.get_value((0, 0)).unwrap().to_string(), "项目");
        assert_eq!(row(&summary, "考核编号")[1], format!("A-{id}"));
        assert_eq!(row(&summary, "合同")[1], "Vendor A O&M（va-84）");
        assert_eq!(row(&summary, "用户单位")[1], "全合同");
        assert_eq!(row(&summary, "状态")[1], "已定稿");
        assert_eq!(row(&summary, "考核方案")[1], "003-sme-platform");
        assert_eq!(row(&summary, "内容校验值（SHA-256）")[1], hash);
        assert_eq!(row(&summary, "受理工单")[1], "1");
        let tickets = book.worksheet_range("工单").unwrap();
        assert_eq!(row(&tickets, "紧急")[1..], ["1", "1"]);
        let clocks = book.worksheet_range("时限达标").unwrap();
        assert_eq!(row(&clocks, "修复")[3], "1", "the repair clock was late");
        let deductions = book.worksheet_range("违约扣款").unwrap();
        let late = row(&deductions, "late-repair");
        assert_eq!((late[1].as_str(), late[2].as_str()), ("修复超时", "扣款"));
        // 0.1 % of ¥1,200,000 once: a number, in yuan.
        assert_eq!(deductions.get_value((1, 5)), Some(&calamine::Data::Float(1200.0)));
        assert_eq!(row(&deductions, "扣款合计")[5], "1200");
        // No ticket of the month rated, no survey: counted as none, not left out.
        let satisfaction = book.worksheet_range("满意度").unwrap();
        assert_eq!(row(&satisfaction, "工单评价")[1], "0");
        assert_eq!(row(&satisfaction, "满意度调查")[1], "0");
        assert_eq!(row(&satisfaction, "合计")[1], "0");
        let scored = book.worksheet_range("考核评分").unwrap();
        assert_eq!(row(&scored, "月考核得分")[4], "97");
        assert_eq!(row(&scored, "等级")[1], "优秀");
        let aspect: Vec<[String; 3]> = scored
            .rows()
            .map(|r| [r[1].to_string(), r[2].to_string(), r[4].to_string()])
            .collect();
        assert!(
            aspect.contains(&["企业一体化申报运维".into(), "完成时效".into(), "0".into()]),
            "each aspect scored"
        );
        let thread = book.worksheet_range("往来记录").unwrap();
        let acts: Vec<String> = thread.rows().skip(1).map(|r| r[3].to_string()).collect();
        assert_eq!(acts, ["新建", "修订", "发送乙方确认", "同意", "签字确认", "签字确认"]);
        assert_eq!(thread.get_value((4, 4)).unwrap().to_string(), "无异议");
        assert_eq!(thread.get_value((4, 2)).unwrap().to_string(), "乙方（服务商）");
        assert!(
            matches!(thread.get_value((1, 0)), Some(calamine::Data::DateTime(_))),
            "instants as dates"
        );
        let signatures = book.worksheet_range("签字").unwrap();
        let vendor = row(&signatures, "乙方（服务商）");
        assert_eq!((vendor[1].as_str(), vendor[3].as_str()), ("vmgr_a", hash.as_str()));
        assert_eq!(row(&signatures, "甲方（区局）")[1], "bureau");
        assert_eq!(row(&signatures, "内容校验值（SHA-256）")[3], hash);

        // Whoever may not read the assessment does not get its record.
        let (status, ..) = t.download("mgr_a", &path("record.xlsx")).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "a unit does not read the whole contract's"
        );
        let (status, ..) = t.download("eng_a", &path("record.xlsx")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
);
