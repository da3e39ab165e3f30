use super::*;

fn event(line: &str) -> Record<'_> {
    match parse_line(line.as_bytes()) {
        Parsed::Event(r) => r,
        Parsed::Malformed(k) => panic!("{line}: malformed ({k:?})"),
    }
}

fn malformed(line: &[u8]) -> MalformedKind {
    match parse_line(line) {
        Parsed::Malformed(k) => k,
        Parsed::Event(r) => panic!("{}: parsed as {r:?}", String::from_utf8_lossy(line)),
    }
}

const T13: i64 = 1_795_525_200_000_000_000; // 2026-11-24T13:00:00Z

#[test]
fn timestamp_aliases_in_order() {
    assert_eq!(event(r#"{"ts":"2026-11-24T13:00:00Z"}"#).ts, Some(T13));
    assert_eq!(event(r#"{"timestamp":"2026-11-24T13:00:00Z"}"#).ts, Some(T13));
    assert_eq!(event(r#"{"time":"2026-11-24T13:00:00Z"}"#).ts, Some(T13));
    assert_eq!(event(r#"{"@timestamp":"2026-11-24T13:00:00Z"}"#).ts, Some(T13));
    // The first name in the contract's order wins, wherever it is in the line.
    assert_eq!(event(r#"{"@timestamp":"2000-01-01T00:00:00Z","ts":"2026-11-24T13:00:00Z"}"#).ts, Some(T13));
    assert_eq!(event(r#"{"time":1,"timestamp":"2026-11-24T13:00:00Z"}"#).ts, Some(T13));
}

#[test]
fn timestamp_forms() {
    assert_eq!(event(r#"{"ts":"2026-11-24T13:00:00.250Z"}"#).ts, Some(T13 + 250_000_000));
    assert_eq!(event(r#"{"ts":"2026-11-24T14:00:00+01:00"}"#).ts, Some(T13));
    assert_eq!(event(r#"{"ts":"2026-11-24T07:30:00.5-05:30"}"#).ts, Some(T13 + 500_000_000));
    assert_eq!(event(r#"{"ts":1795525200}"#).ts, Some(T13));
    assert_eq!(event(r#"{"ts":1795525200.5}"#).ts, Some(T13 + 500_000_000));
    assert_eq!(event(r#"{"ts":1795525200001}"#).ts, Some(T13 + 1_000_000));
    assert_eq!(event(r#"{"ts":"not a time"}"#).ts, None);
    assert_eq!(event(r#"{"ts":null}"#).ts, None);
    assert_eq!(event(r#"{"ts":true,"time":1795525200}"#).ts, Some(T13));
}

#[test]
fn status_aliases_and_forms() {
    assert_eq!(event(r#"{"status":503}"#).status, Some(503));
    assert_eq!(event(r#"{"status_code":"429"}"#).status, Some(429));
    assert_eq!(event(r#"{"http_status":200}"#).status, Some(200));
    assert_eq!(event(r#"{"http_status":500,"status":404}"#).status, Some(404));
    // Not an integer or a digit string: no status.
    assert_eq!(event(r#"{"status":"5xx"}"#).status, None);
    assert_eq!(event(r#"{"status":500.0}"#).status, None);
    assert_eq!(event(r#"{"status":""}"#).status, None);
    assert_eq!(event(r#"{"status":99999999999}"#).status, Some(u16::MAX));
}

#[test]
fn request_classes() {
    let ok = event(r#"{"status":200}"#);
    assert!(ok.is_request() && !ok.is_failure());
    let rl = event(r#"{"status":429}"#);
    assert!(rl.is_failure() && rl.is_rate_limited() && !rl.is_server_error());
    let se = event(r#"{"status":"599"}"#);
    assert!(se.is_server_error() && se.is_failure());
    for not_request in [r#"{"status":99}"#, r#"{"status":600}"#, r#"{"status":-1}"#, r#"{"msg":"up"}"#] {
        assert_eq!(event(not_request).class(), Class::Event, "{not_request}");
    }
    assert_eq!(event(r#"{"status":100}"#).class(), Class::Success);
    assert_eq!(event(r#"{"status":400}"#).class(), Class::Failure);
}

#[test]
fn code_aliases() {
    assert_eq!(event(r#"{"error":{"code":"a"},"code":"b","error_code":"c"}"#).code.as_deref(), Some("a"));
    assert_eq!(event(r#"{"error_code":"c","code":"b"}"#).code.as_deref(), Some("b"));
    assert_eq!(event(r#"{"error_code":"c"}"#).code.as_deref(), Some("c"));
    // `error` as a string is a message, not a code.
    let r = event(r#"{"error":"boom","error_code":"c"}"#);
    assert_eq!(r.code.as_deref(), Some("c"));
    assert_eq!(r.message.as_deref(), Some("boom"));
    assert_eq!(event(r#"{"code":42}"#).code, None);
}

#[test]
fn request_id_aliases() {
    assert_eq!(event(r#"{"request_id":"a","requestId":"b"}"#).request_id.as_deref(), Some("a"));
    assert_eq!(event(r#"{"req_id":"c","requestId":"b"}"#).request_id.as_deref(), Some("b"));
    assert_eq!(event(r#"{"req_id":"c"}"#).request_id.as_deref(), Some("c"));
    assert_eq!(event(r#"{"error":{"request_id":"d"},"req_id":"c"}"#).request_id.as_deref(), Some("c"));
    assert_eq!(event(r#"{"error":{"request_id":"d"}}"#).request_id.as_deref(), Some("d"));
}

#[test]
fn message_aliases() {
    assert_eq!(event(r#"{"msg":"m","message":"n","error":{"message":"e"}}"#).message.as_deref(), Some("e"));
    assert_eq!(event(r#"{"msg":"m","message":"n"}"#).message.as_deref(), Some("n"));
    assert_eq!(event(r#"{"msg":"m","error":"s"}"#).message.as_deref(), Some("m"));
    assert_eq!(event(r#"{"error":"s"}"#).message.as_deref(), Some("s"));
}

#[test]
fn other_fields() {
    let r = event(
        r#"{"method":"POST","path":"/v1/payments","api_key_id":"key_0011","latency_ms":30012.5,"retry_after":30}"#,
    );
    assert_eq!(r.method.as_deref(), Some("POST"));
    assert_eq!(r.path.as_deref(), Some("/v1/payments"));
    assert_eq!(r.api_key_id.as_deref(), Some("key_0011"));
    assert_eq!(r.latency_ms, Some(30012.5));
    assert_eq!(r.retry_after, Some(30));
}

#[test]
fn escaped_strings_are_decoded() {
    assert_eq!(event(r#"{"code":"rate\u005flimit_exceeded"}"#).code.as_deref(), Some("rate_limit_exceeded"));
    assert_eq!(event(r#"{"c\u006fde":"x"}"#).code.as_deref(), Some("x"));
}

#[test]
fn duplicate_keys_last_wins() {
    assert_eq!(event(r#"{"status":200,"status":500}"#).status, Some(500));
}

#[test]
fn malformed_lines() {
    assert_eq!(malformed(b"plain text"), MalformedKind::InvalidJson);
    assert_eq!(malformed(br#"{"ts":"2026-11-24T13:00:00Z","status":50"#), MalformedKind::InvalidJson);
    assert_eq!(malformed(br#"{"a":1} trailing"#), MalformedKind::InvalidJson);
    assert_eq!(malformed(b"    at com.example.Foo(Foo.java:42)"), MalformedKind::InvalidJson);
    assert_eq!(malformed(b"[1,2,3]"), MalformedKind::NotAnObject);
    assert_eq!(malformed(b"null"), MalformedKind::NotAnObject);
    assert_eq!(malformed(b"42"), MalformedKind::NotAnObject);
    assert_eq!(malformed(br#""just a string""#), MalformedKind::NotAnObject);
    assert_eq!(malformed(b"{\"a\":\"raw \x1b escape\"}"), MalformedKind::InvalidJson);
    assert_eq!(malformed(br#"{"a":"\ud800"}"#), MalformedKind::InvalidJson);
    assert_eq!(malformed(br#"{"a":1e400}"#), MalformedKind::InvalidJson);
    assert_eq!(malformed(br#"{"a":NaN}"#), MalformedKind::InvalidJson);
}

#[test]
fn nesting_follows_serde_json_limit() {
    let nested = |depth: usize| format!("{{\"a\":{}1{}}}", "[".repeat(depth), "]".repeat(depth));
    // The object itself is one level; serde_json allows 127 in all.
    assert!(matches!(parse_line(nested(126).as_bytes()), Parsed::Event(_)));
    assert_eq!(malformed(nested(127).as_bytes()), MalformedKind::InvalidJson);
    assert_eq!(malformed(nested(100_000).as_bytes()), MalformedKind::InvalidJson);
    for depth in [126, 127] {
        let agree = serde_json::from_str::<serde_json::Value>(&nested(depth)).is_ok();
        assert_eq!(agree, matches!(parse_line(nested(depth).as_bytes()), Parsed::Event(_)));
    }
}

#[test]
fn invalid_utf8_is_decoded_lossily_and_still_counts() {
    let line = b"{\"status\":503,\"user_agent\":\"bad \xff\xfe byte\",\"code\":\"service_unavailable\"}";
    let r = match parse_line(line) {
        Parsed::Event(r) => r,
        Parsed::Malformed(k) => panic!("{k:?}"),
    };
    assert_eq!(r.status, Some(503));
    assert_eq!(r.code.as_deref(), Some("service_unavailable"));
    let line = b"{\"status\":500,\"code\":\"bad\xffcode\"}";
    let Parsed::Event(r) = parse_line(line) else { panic!() };
    assert_eq!(r.code.as_deref(), Some("bad\u{fffd}code"));
}

#[test]
fn blank_and_crlf() {
    assert_eq!(trim_line(b""), None);
    assert_eq!(trim_line(b"  \t \r"), None);
    assert_eq!(trim_line("\u{a0} \u{2003}".as_bytes()), None);
    assert_eq!(trim_line(b"{}\r"), Some(&b"{}"[..]));
    assert_eq!(trim_line(b"{}\r\r"), Some(&b"{}\r"[..]));
    // serde_json treats a leftover \r as white space.
    assert!(matches!(parse_line(b"{}\r"), Parsed::Event(_)));
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
        if let Some(line) = trim_line(&bytes) {
            let _ = parse_line(line);
        }
    }

    #[test]
    fn json_like_bytes_never_panic(s in r#"[{}\[\]":,0-9a-z\\. -]{0,200}"#) {
        let _ = parse_line(s.as_bytes());
    }

    #[test]
    fn agrees_with_value_on_validity(s in r#"\{("[a-z_]{1,8}":("[a-z0-9\\]{0,6}"|[0-9]{1,4}|null|\[\]|\{\}),?){0,4}\}"#) {
        let value_ok = matches!(serde_json::from_str::<serde_json::Value>(&s), Ok(serde_json::Value::Object(_)));
        proptest::prop_assert_eq!(value_ok, matches!(parse_line(s.as_bytes()), Parsed::Event(_)));
    }
}
