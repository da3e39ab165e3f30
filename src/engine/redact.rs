//! Masking what looks like a secret before it is shown or written.
//!
//! By key name (`authorization`, `password`, `token`, `secret`, `api_key`,
//! `cookie`, ...) the whole value goes; inside any text, bearer and basic
//! credentials, `sk_live_` style keys, AWS access key ids, JWTs, passwords
//! in URLs and secret-looking query parameters are replaced. The contract's
//! `api_key_id` is an id, not a secret, and stays: it names the culprit.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

pub const MASK: &str = "[REDACTED]";

fn patterns() -> &'static [(Regex, &'static str)] {
    static P: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    P.get_or_init(|| {
        [
            (r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}", "$1 [REDACTED]"),
            (r"\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{6,}", MASK),
            (r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", MASK),
            (r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}", MASK),
            (r"(://[^/\s:@]+):[^/\s@]+@", "$1:[REDACTED]@"),
            (
                r"(?i)([?&;](?:access_token|refresh_token|token|api_key|apikey|password|passwd|secret|client_secret|signature|sig)=)[^&\s#;]+",
                "${1}[REDACTED]",
            ),
            (r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", MASK),
        ]
        .into_iter()
        .filter_map(|(p, r)| Regex::new(p).ok().map(|re| (re, r)))
        .collect()
    })
}

/// `text` with secret-looking parts masked.
pub fn redact_text(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for (re, with) in patterns() {
        if re.is_match(&out) {
            out = Cow::Owned(re.replace_all(&out, *with).into_owned());
        }
    }
    out
}

/// Whether a field of this name holds a secret.
pub fn is_secret_key(key: &str) -> bool {
    let k: String =
        key.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
    if k == "apikeyid" || k.ends_with("tokens") || k == "tokentype" {
        return false;
    }
    [
        "authorization",
        "password",
        "passwd",
        "secret",
        "token",
        "apikey",
        "cookie",
        "privatekey",
        "credential",
        "session",
    ]
    .iter()
    .any(|s| k.contains(s))
        || k == "pwd"
        || k == "auth"
}

/// Masks secrets in a parsed record, keys and text alike.
pub fn redact_value(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if is_secret_key(k) && !val.is_null() {
                    *val = Value::String(MASK.to_owned());
                } else {
                    redact_value(val);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        Value::String(s) => {
            if let Cow::Owned(r) = redact_text(s) {
                *s = r;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secret_text() {
        let cases = [
            ("Authorization: Bearer abc.def-123456789", "Authorization: Bearer [REDACTED]"),
            ("key sk_live_4eC39HqLyjWDarjtT1zdp7dc here", "key [REDACTED] here"),
            ("id AKIAIOSFODNN7EXAMPLE", "id [REDACTED]"),
            ("https://bob:hunter2@db.internal/x", "https://bob:[REDACTED]@db.internal/x"),
            ("/v1/orders?token=abcdef&x=1", "/v1/orders?token=[REDACTED]&x=1"),
            ("jwt eyJhbGciOi.eyJzdWIiOiIx.SflKxwRJSM", "jwt [REDACTED]"),
        ];
        for (input, want) in cases {
            assert_eq!(redact_text(input), want, "{input}");
        }
        assert!(matches!(redact_text("/v1/orders/52750 key_0042"), Cow::Borrowed(_)));
    }

    #[test]
    fn masks_secret_fields_but_keeps_api_key_id() {
        let mut v: Value = serde_json::json!({
            "api_key_id": "key_0042", "api_key": "sk_test_123", "Authorization": "Basic Zm9vOmJhcg==",
            "headers": {"x-api-key": "abc", "cookie": "sid=1"}, "password": 5, "msg": "ok", "token_type": "bearer"
        });
        redact_value(&mut v);
        assert_eq!(v["api_key_id"], "key_0042");
        assert_eq!(v["api_key"], MASK);
        assert_eq!(v["Authorization"], MASK);
        assert_eq!(v["headers"]["x-api-key"], MASK);
        assert_eq!(v["headers"]["cookie"], MASK);
        assert_eq!(v["password"], MASK);
        assert_eq!(v["msg"], "ok");
        assert_eq!(v["token_type"], "bearer");
    }
}
