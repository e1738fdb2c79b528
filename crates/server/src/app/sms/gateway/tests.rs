use std::collections::BTreeMap;

use chrono::TimeZone;

use super::*;

fn vars() -> BTreeMap<String, String> {
    [
        ("text", "【opsclock】紧急 T-2026-0001 门户\"宕机\" https://o.cn/a/x"),
        ("number", "T-2026-0001"),
        ("title", "门户\"宕机\""),
        ("link", "https://o.cn/a/x"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn http(method: Method, content_type: &str, body: Option<&str>, query: Option<&str>) -> Gateway {
    Gateway::Http(HttpGateway {
        url: reqwest::Url::parse("https://sms.example.cn/send?acct=7").unwrap(),
        method,
        content_type: content_type.into(),
        body: body.map(Into::into),
        query: query.map(Into::into),
        headers: vec![("X-Key".into(), "k".into())],
        basic: Some(("u".into(), "p".into())),
    })
}

#[test]
fn placeholders_are_escaped_for_where_they_go() {
    let v = vars();
    let m = Outgoing {
        phone: "13800138000",
        text: "告警 \"a&b\"",
        vars: &v,
    };
    let now = chrono::Utc::now();
    let json = http(
        Method::Post,
        "application/json",
        Some(r#"{"to":"{phone}","e":"{e164}","msg":"{text}"}"#),
        None,
    )
    .request(&m, now, "n")
    .unwrap();
    assert_eq!(
        json.body.as_deref(),
        Some(r#"{"to":"13800138000","e":"+8613800138000","msg":"告警 \"a&b\""}"#)
    );
    let body: serde_json::Value = serde_json::from_str(json.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["msg"], "告警 \"a&b\"");
    assert_eq!(json.url, "https://sms.example.cn/send?acct=7");
    assert!(
        json.headers
            .contains(&("Content-Type".into(), "application/json".into()))
    );
    assert_eq!(json.basic, Some(("u".into(), "p".into())));

    let form = http(
        Method::Post,
        "application/x-www-form-urlencoded",
        Some("to={phone}&msg={text}"),
        None,
    )
    .request(&m, now, "n")
    .unwrap();
    assert_eq!(
        form.body.as_deref(),
        Some("to=13800138000&msg=%E5%91%8A%E8%AD%A6%20%22a%26b%22")
    );

    let get = http(Method::Get, "application/json", None, Some("to={e164}&msg={text}"))
        .request(&m, now, "n")
        .unwrap();
    assert_eq!(
        get.url,
        "https://sms.example.cn/send?acct=7&to=%2B8613800138000&msg=%E5%91%8A%E8%AD%A6%20%22a%26b%22"
    );
    assert_eq!(get.body, None);
}

#[test]
fn kannel_sends_ucs2_for_chinese_and_7_bit_otherwise() {
    let v = vars();
    let g = Gateway::Kannel {
        url: reqwest::Url::parse("http://127.0.0.1:13013/cgi-bin/sendsms").unwrap(),
        username: "ops".into(),
        password: "p&w".into(),
        from: Some("10690000".into()),
    };
    let r = g
        .request(
            &Outgoing {
                phone: "13800138000",
                text: "故障 T-1",
                vars: &v,
            },
            chrono::Utc::now(),
            "n",
        )
        .unwrap();
    assert_eq!(
        r.url,
        "http://127.0.0.1:13013/cgi-bin/sendsms?username=ops&password=p%26w&to=13800138000\
         &text=%E6%95%85%E9%9A%9C%20T-1&charset=UTF-8&coding=2&from=10690000"
    );
    let r = g
        .request(
            &Outgoing {
                phone: "13800138000",
                text: "T-1 down",
                vars: &v,
            },
            chrono::Utc::now(),
            "n",
        )
        .unwrap();
    assert!(!r.url.contains("coding"), "{}", r.url);
}

#[test]
fn aliyun_request_is_signed_over_what_is_sent() {
    let v = vars();
    let g = Gateway::Aliyun {
        url: reqwest::Url::parse("https://dysmsapi.aliyuncs.com/").unwrap(),
        key_id: "testId".into(),
        secret: "testSecret".into(),
        sign_name: "区运维".into(),
        template: "SMS_1".into(),
        params: vec!["number".into(), "title".into(), "link".into()],
        region: "cn-hangzhou".into(),
    };
    let now = chrono::Utc.with_ymd_and_hms(2026, 12, 6, 8, 0, 0).unwrap();
    let r = g
        .request(
            &Outgoing {
                phone: "+447700900123",
                text: "x",
                vars: &v,
            },
            now,
            "nonce-1",
        )
        .unwrap();
    let url = reqwest::Url::parse(&r.url).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap();
    assert_eq!(get("PhoneNumbers"), "447700900123");
    assert_eq!(get("Timestamp"), "2026-12-06T08:00:00Z");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&get("TemplateParam")).unwrap(),
        serde_json::json!({"number": "T-2026-0001", "title": "门户\"宕机\"", "link": "https://o.cn/a/x"})
    );
    let unsigned: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(k, _)| k != "Signature")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        get("Signature"),
        crate::app::sms::sign::pop_signature("testSecret", &unsigned)
    );

    let missing = Gateway::Aliyun {
        url: reqwest::Url::parse("https://dysmsapi.aliyuncs.com/").unwrap(),
        key_id: "k".into(),
        secret: "s".into(),
        sign_name: "s".into(),
        template: "t".into(),
        params: vec!["event".into()],
        region: "cn-hangzhou".into(),
    };
    let e = missing
        .request(
            &Outgoing {
                phone: "13800138000",
                text: "x",
                vars: &v,
            },
            now,
            "n",
        )
        .unwrap_err();
    assert!(e.contains("\"event\""), "{e}");
}

#[test]
fn tencent_request_carries_the_tc3_headers() {
    let v = vars();
    let g = Gateway::Tencent {
        url: reqwest::Url::parse("https://sms.tencentcloudapi.com/").unwrap(),
        key_id: "AKIDEXAMPLE".into(),
        secret: "secret".into(),
        app_id: "1400000000".into(),
        sign_name: "区运维".into(),
        template: "449739".into(),
        params: vec!["number".into(), "link".into()],
        region: "ap-guangzhou".into(),
    };
    let now = chrono::Utc.with_ymd_and_hms(2026, 12, 6, 8, 0, 0).unwrap();
    let r = g
        .request(
            &Outgoing {
                phone: "13800138000",
                text: "x",
                vars: &v,
            },
            now,
            "n",
        )
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["PhoneNumberSet"], serde_json::json!(["+8613800138000"]));
    assert_eq!(
        body["TemplateParamSet"],
        serde_json::json!(["T-2026-0001", "https://o.cn/a/x"])
    );
    let h = |k: &str| r.headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap();
    assert_eq!(h("X-TC-Timestamp"), now.timestamp().to_string());
    let expected = crate::app::sms::sign::Tc3 {
        service: "sms",
        host: "sms.tencentcloudapi.com",
        content_type: "application/json; charset=utf-8",
        payload: r.body.as_deref().unwrap(),
        timestamp: now.timestamp(),
        secret_id: "AKIDEXAMPLE",
        secret_key: "secret",
    };
    assert_eq!(h("Authorization"), expected.authorization());
    assert!(h("Authorization").contains("/2026-12-06/sms/tc3_request"));
}

#[test]
fn answers_are_judged_as_the_outcome_table_says() {
    let url = reqwest::Url::parse("https://x.cn/").unwrap();
    let kannel = Gateway::Kannel {
        url: url.clone(),
        username: "u".into(),
        password: "p".into(),
        from: None,
    };
    let outcome = |a: Attempt| (a.ok, a.permanent);
    assert_eq!(outcome(kannel.judge(202, "0: Accepted for delivery")), (true, false));
    assert_eq!(
        outcome(kannel.judge(202, "3: Queued for later delivery")),
        (true, false)
    );
    assert_eq!(
        outcome(kannel.judge(403, "Authorization failed for sendsms")),
        (false, true)
    );
    assert_eq!(outcome(kannel.judge(503, "")), (false, false));
    assert_eq!(outcome(kannel.judge(429, "")), (false, false));

    let aliyun = Gateway::Aliyun {
        url: url.clone(),
        key_id: "k".into(),
        secret: "s".into(),
        sign_name: "s".into(),
        template: "t".into(),
        params: vec![],
        region: "r".into(),
    };
    assert_eq!(
        outcome(aliyun.judge(200, r#"{"Code":"OK","Message":"OK","BizId":"1"}"#)),
        (true, false)
    );
    assert_eq!(
        outcome(aliyun.judge(200, r#"{"Code":"isv.MOBILE_NUMBER_ILLEGAL"}"#)),
        (false, true)
    );
    assert_eq!(
        outcome(aliyun.judge(200, r#"{"Code":"isv.BUSINESS_LIMIT_CONTROL"}"#)),
        (false, false)
    );
    assert_eq!(
        outcome(aliyun.judge(400, r#"{"Code":"Throttling.User"}"#)),
        (false, false)
    );
    assert_eq!(
        outcome(aliyun.judge(400, r#"{"Code":"SignatureDoesNotMatch"}"#)),
        (false, true)
    );
    assert_eq!(
        outcome(aliyun.judge(500, r#"{"Code":"isp.SYSTEM_ERROR"}"#)),
        (false, false)
    );

    let tencent = Gateway::Tencent {
        url,
        key_id: "k".into(),
        secret: "s".into(),
        app_id: "a".into(),
        sign_name: "s".into(),
        template: "t".into(),
        params: vec![],
        region: "r".into(),
    };
    let ok = r#"{"Response":{"SendStatusSet":[{"SerialNo":"1","PhoneNumber":"+8613800138000","Fee":1,"Code":"Ok","Message":"send success"}],"RequestId":"r"}}"#;
    assert_eq!(outcome(tencent.judge(200, ok)), (true, false));
    let bad =
        r#"{"Response":{"SendStatusSet":[{"Code":"InvalidParameterValue.IncorrectPhoneNumber"}],"RequestId":"r"}}"#;
    assert_eq!(outcome(tencent.judge(200, bad)), (false, true));
    let limit = r#"{"Response":{"SendStatusSet":[{"Code":"LimitExceeded.PhoneNumberThirtySecondLimit"}]}}"#;
    assert_eq!(outcome(tencent.judge(200, limit)), (false, false));
    let auth = r#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"x"},"RequestId":"r"}}"#;
    assert_eq!(outcome(tencent.judge(200, auth)), (false, true));
    let internal = r#"{"Response":{"Error":{"Code":"InternalError.Timeout","Message":"x"}}}"#;
    assert_eq!(outcome(tencent.judge(200, internal)), (false, false));
}
