//! The request signing of the two cloud SMS services (pure: no I/O), each checked against the
//! example its documentation works through.
//!
//! - Alibaba Cloud (dysmsapi, RPC style, signature version 1.0, `HMAC-SHA1`): every parameter
//!   (the common ones and the action's) percent-encoded by [`pop_encode`], sorted by name, joined
//!   as `k=v&…`; `StringToSign = "GET&%2F&" + pop_encode(that)`; the signature is
//!   `base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))`, sent as the `Signature` parameter.
//! - Tencent Cloud (API 3.0, `TC3-HMAC-SHA256`): a canonical request (method, `/`, empty query,
//!   the `content-type` and `host` headers, their names, the payload's SHA-256), a string to sign
//!   (`TC3-HMAC-SHA256`, the timestamp, `date/service/tc3_request`, the canonical request's
//!   SHA-256), a key derived as `HMAC("TC3" + SecretKey, date)` → `service` → `tc3_request`, and
//!   the hex HMAC-SHA256 of the string to sign, sent in `Authorization`.

use base64::Engine;
use hmac::Mac;
use sha2::{Digest, Sha256};

/// Alibaba's percent-encoding: every byte of the UTF-8 text but `A-Z a-z 0-9 - _ . ~` as `%XX`
/// (upper-case hex), so a space is `%20`, `*` is `%2A` and `~` stays.
pub fn pop_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The sorted, encoded query of `params` (`k=v&…`), as signed and as sent.
pub fn pop_query(params: &[(&str, &str)]) -> String {
    let mut sorted: Vec<(String, String)> = params.iter().map(|(k, v)| (pop_encode(k), pop_encode(v))).collect();
    sorted.sort();
    sorted
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The `Signature` of an Alibaba Cloud RPC `GET` with `params` (without `Signature`), in base64.
pub fn pop_signature(secret: &str, params: &[(&str, &str)]) -> String {
    let to_sign = format!("GET&%2F&{}", pop_encode(&pop_query(params)));
    let mut mac = <hmac13::Hmac<sha1::Sha1> as hmac13::KeyInit>::new_from_slice(format!("{secret}&").as_bytes())
        .expect("HMAC takes a key of any length");
    hmac13::Mac::update(&mut mac, to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(hmac13::Mac::finalize(mac).into_bytes())
}

fn hmac256(key: &[u8], msg: &str) -> Vec<u8> {
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(msg.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// What a Tencent Cloud API 3.0 `POST` is signed over.
#[derive(Debug, Clone)]
pub struct Tc3<'a> {
    /// `sms` (or `cvm` in the documented example).
    pub service: &'a str,
    /// `sms.tencentcloudapi.com`.
    pub host: &'a str,
    /// The `Content-Type` sent, exactly.
    pub content_type: &'a str,
    /// The JSON body, exactly as sent.
    pub payload: &'a str,
    /// `X-TC-Timestamp`: seconds since 1970 (UTC).
    pub timestamp: i64,
    /// SecretId.
    pub secret_id: &'a str,
    /// SecretKey.
    pub secret_key: &'a str,
}

impl Tc3<'_> {
    /// The canonical request.
    pub fn canonical_request(&self) -> String {
        format!(
            "POST\n/\n\ncontent-type:{}\nhost:{}\n\ncontent-type;host\n{}",
            self.content_type,
            self.host,
            sha256_hex(self.payload)
        )
    }

    fn date(&self) -> String {
        chrono::DateTime::from_timestamp(self.timestamp, 0)
            .unwrap_or_default()
            .format("%Y-%m-%d")
            .to_string()
    }

    /// The string to sign.
    pub fn string_to_sign(&self) -> String {
        format!(
            "TC3-HMAC-SHA256\n{}\n{}/{}/tc3_request\n{}",
            self.timestamp,
            self.date(),
            self.service,
            sha256_hex(&self.canonical_request())
        )
    }

    /// The signature, in lower-case hex.
    pub fn signature(&self) -> String {
        let date = hmac256(format!("TC3{}", self.secret_key).as_bytes(), &self.date());
        let service = hmac256(&date, self.service);
        let signing = hmac256(&service, "tc3_request");
        hex::encode(hmac256(&signing, &self.string_to_sign()))
    }

    /// The `Authorization` header.
    pub fn authorization(&self) -> String {
        format!(
            "TC3-HMAC-SHA256 Credential={}/{}/{}/tc3_request, SignedHeaders=content-type;host, Signature={}",
            self.secret_id,
            self.date(),
            self.service,
            self.signature()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Alibaba Cloud SMS, "HTTP协议及签名" (dysmsapi 2017-05-25, signature version 1.0): the worked
    /// example with AccessKeyId `testId` and AccessKeySecret `testSecret`, whose published
    /// StringToSign begins `GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML…` and
    /// whose published signature is `zJDF+Lrzhj/ThnlvIToysFRq6t4=` (URL:
    /// `http://dysmsapi.aliyuncs.com/?Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D&AccessKeyId=testId&…`).
    #[test]
    fn alibaba_documented_example() {
        let params = [
            ("AccessKeyId", "testId"),
            ("Timestamp", "2017-07-12T02:42:19Z"),
            ("Format", "XML"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466"),
            ("Action", "SendSms"),
            ("Version", "2017-05-25"),
            ("RegionId", "cn-hangzhou"),
            ("PhoneNumbers", "15300000001"),
            ("SignName", "阿里云短信测试专用"),
            ("TemplateParam", "{\"customer\":\"test\"}"),
            ("TemplateCode", "SMS_71390007"),
            ("OutId", "123"),
        ];
        assert_eq!(
            pop_query(&params),
            "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou\
             &SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8\
             &SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0\
             &TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D\
             &Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25"
        );
        assert_eq!(pop_signature("testSecret", &params), "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
        assert_eq!(
            pop_encode("zJDF+Lrzhj/ThnlvIToysFRq6t4="),
            "zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D"
        );
        assert_eq!(pop_encode("a b*c~"), "a%20b%2Ac~");
    }

    /// Tencent Cloud API 3.0, "Signature v3" (签名方法 v3): the worked example, CVM
    /// `DescribeInstances` in ap-guangzhou with SecretKey `Gu5t9xGARNpq86cd98joQYCN3EXAMPLE`,
    /// timestamp 1551113065 and the payload below; the document gives the payload hash
    /// `35e9c5b0…f064`, the canonical request's hash `5ffe6a04…7031` and the signature
    /// `72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168`.
    #[test]
    fn tencent_documented_example() {
        let t = Tc3 {
            service: "cvm",
            host: "cvm.tencentcloudapi.com",
            content_type: "application/json; charset=utf-8",
            payload: r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#,
            timestamp: 1551113065,
            secret_id: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            secret_key: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        };
        assert_eq!(
            sha256_hex(t.payload),
            "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        assert_eq!(
            t.canonical_request(),
            "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n\
             content-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        assert_eq!(
            t.string_to_sign(),
            "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n\
             5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        assert_eq!(
            t.signature(),
            "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
        assert_eq!(
            t.authorization(),
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }
}
