//! HMAC-SHA256, as used to sign what opsclock sends and to check what monitors send.
//!
//! The signed text is `TIMESTAMP.BODY`: the Unix time in seconds from the
//! `X-Opsclock-Timestamp` header, a dot, and the raw request body. The signature travels as
//! `X-Opsclock-Signature: sha256=HEX`. Binding the timestamp into the signature lets the
//! receiver refuse old requests (replays) without keeping any state.
//!
//! ```
//! use opsclock::app::auth::hmac::{sign, verify};
//! let sig = sign("s3cret", 1_700_000_000, br#"{"a":1}"#);
//! assert!(sig.starts_with("sha256="));
//! assert!(verify("s3cret", 1_700_000_000, br#"{"a":1}"#, &sig));
//! assert!(!verify("s3cret", 1_700_000_001, br#"{"a":1}"#, &sig));
//! ```

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA256 of `message` under `key`.
pub fn mac(key: &[u8], message: &[u8]) -> [u8; 32] {
    #[allow(clippy::expect_used)]
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    m.update(message);
    m.finalize().into_bytes().into()
}

/// The signature header's value for `body` sent at `timestamp`: `sha256=HEX`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac(secret.as_bytes(), &signed_text(timestamp, body)))
    )
}

/// Whether `signature` (`sha256=HEX`) signs `body` sent at `timestamp`; compared in constant time.
pub fn verify(secret: &str, timestamp: i64, body: &[u8], signature: &str) -> bool {
    let Some(sent) = signature
        .trim()
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h).ok())
    else {
        return false;
    };
    #[allow(clippy::expect_used)]
    let mut m = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    m.update(&signed_text(timestamp, body));
    m.verify_slice(&sent).is_ok()
}

fn signed_text(timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut text = format!("{timestamp}.").into_bytes();
    text.extend_from_slice(body);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_rfc_4231_test_vector() {
        // RFC 4231, test case 2.
        let m = mac(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(m),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let sig = sign("k", 10, b"body");
        assert!(verify("k", 10, b"body", &sig));
        assert!(!verify("other", 10, b"body", &sig));
        assert!(!verify("k", 10, b"bodY", &sig));
        assert!(!verify("k", 10, b"body", "sha256=00"));
        assert!(!verify("k", 10, b"body", sig.trim_start_matches("sha256=")));
        assert!(!verify("k", 10, b"body", "sha256=zz"));
    }
}
