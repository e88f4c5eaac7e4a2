//! The webhook signature check, pure.
//!
//! Zalo signs each webhook request with the header
//! `X-ZEvent-Signature: mac=<hex>`, where `<hex>` is the lower-case hex
//! SHA-256 (a plain hash, not an HMAC) of `app_id + body + timestamp +
//! OA secret key`; `body` is the raw request body and `timestamp` the
//! body's `timestamp` field as written. Sources: Zalo's webhook overview
//! (developers.zalo.me/docs/official-account/webhook/tong-quan) as quoted by
//! open-source clients, e.g. hoangnd25/monorepo `wip/zalo-platform-integration.md`
//! and the SHA-256 check of several OA bots; `/work/shared/tech-notes.md`.

use sha2::{Digest, Sha256};

pub const HEADER: &str = "x-zevent-signature";

/// Why a request is refused; logged, never shown to the sender.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadSignature {
    #[error("no X-ZEvent-Signature header")]
    Missing,
    #[error("the signature header is not `mac=<sha256 hex>`")]
    Malformed,
    #[error("the body has no timestamp to check the signature with")]
    NoTimestamp,
    #[error("the signature does not match")]
    Mismatch,
}

/// The hex MAC Zalo would send for this body and timestamp.
pub fn mac(app_id: &str, body: &[u8], timestamp: &str, oa_secret: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(app_id.as_bytes());
    hash.update(body);
    hash.update(timestamp.as_bytes());
    hash.update(oa_secret.as_bytes());
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The header value for a body (what the fake Zalo server and tests send).
pub fn header_value(app_id: &str, body: &[u8], oa_secret: &str) -> Option<String> {
    let timestamp = timestamp_of(body)?;
    Some(format!("mac={}", mac(app_id, body, &timestamp, oa_secret)))
}

/// The hex MAC of a header that has the right shape, before any body is read.
pub fn well_formed(header: Option<&[u8]>) -> Result<&str, BadSignature> {
    let header = header.ok_or(BadSignature::Missing)?;
    std::str::from_utf8(header)
        .ok()
        .map(str::trim)
        .and_then(|h| h.strip_prefix("mac="))
        .filter(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or(BadSignature::Malformed)
}

/// Checks a request: `header` is the `X-ZEvent-Signature` value, if any.
pub fn verify(
    app_id: &str,
    oa_secret: &str,
    body: &[u8],
    header: Option<&[u8]>,
) -> Result<(), BadSignature> {
    let given = well_formed(header)?;
    let timestamp = timestamp_of(body).ok_or(BadSignature::NoTimestamp)?;
    let expected = mac(app_id, body, &timestamp, oa_secret);
    let same: bool =
        subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), given.to_ascii_lowercase().as_bytes())
            .into();
    if same {
        Ok(())
    } else {
        Err(BadSignature::Mismatch)
    }
}

/// The body's `timestamp` as it is written (a string or a number of
/// milliseconds); nothing else of the body is trusted before the check.
fn timestamp_of(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Stamp {
        timestamp: serde_json::Value,
    }
    match serde_json::from_slice::<Stamp>(body).ok()?.timestamp {
        serde_json::Value::String(s) if !s.is_empty() => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] =
        br#"{"app_id":"42","event_name":"user_send_text","timestamp":"1700000000000"}"#;

    #[test]
    fn a_correct_mac_passes_and_anything_else_fails() {
        let header = header_value("42", BODY, "s3cret").unwrap();
        assert_eq!(header.len(), 4 + 64);
        assert_eq!(
            verify("42", "s3cret", BODY, Some(header.as_bytes())),
            Ok(())
        );
        // The same as hashing the joined string.
        let joined = format!(
            "42{}1700000000000s3cret",
            std::str::from_utf8(BODY).unwrap()
        );
        let digest: String = Sha256::digest(joined.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(header, format!("mac={digest}"));

        assert_eq!(
            verify("42", "other", BODY, Some(header.as_bytes())),
            Err(BadSignature::Mismatch)
        );
        assert_eq!(
            verify("42", "s3cret", BODY, None),
            Err(BadSignature::Missing)
        );
        assert_eq!(
            verify("42", "s3cret", BODY, Some(b"sha256=abc")),
            Err(BadSignature::Malformed)
        );
        let tampered =
            br#"{"app_id":"42","event_name":"user_send_text","timestamp":"1700000000001"}"#;
        assert_eq!(
            verify("42", "s3cret", tampered, Some(header.as_bytes())),
            Err(BadSignature::Mismatch)
        );
        assert_eq!(
            verify("42", "s3cret", b"not json", Some(header.as_bytes())),
            Err(BadSignature::NoTimestamp)
        );
    }

    #[test]
    fn a_numeric_timestamp_is_signed_as_written() {
        let body = br#"{"timestamp":1700000000000}"#;
        let header = header_value("1", body, "k").unwrap();
        assert_eq!(verify("1", "k", body, Some(header.as_bytes())), Ok(()));
    }
}
