use super::*;
use crate::engine::fields::{wontopos_map, Field, Leaf};

// The contract's own shape: these tests read with the default profile.
fn parse_line(line: &[u8]) -> Parsed<'_> {
    super::parse_line(wontopos_map(), line)
}
fn parse_line_for(line: &[u8], need: Need) -> Parsed<'_> {
    super::read(wontopos_map(), line, need)
}

/// What counting reads of a line (`Need::Counts`), as these tests compare it.
#[derive(Debug, Clone, PartialEq)]
enum Counted<'a> {
    Malformed(MalformedKind),
    Event(CountedEvent<'a>),
}

#[derive(Debug, Clone, Default, PartialEq)]
struct CountedEvent<'a> {
    ts: Option<crate::engine::time::Nanos>,
    status: Option<u16>,
    code: Option<Cow<'a, str>>,
}

impl CountedEvent<'_> {
    fn needs_detail(&self) -> bool {
        Class::of(self.status).needs_detail()
    }
}

fn count_line(line: &[u8]) -> Counted<'_> {
    match super::read(wontopos_map(), line, Need::Counts) {
        Parsed::Malformed(k) => Counted::Malformed(k),
        Parsed::Event(r) => Counted::Event(CountedEvent { ts: r.ts, status: r.status, code: r.code }),
    }
}

/// What the live view reads of a line (`Need::Insights`): a success is only
/// counted; a failure or other event comes with its details.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
enum Read<'a> {
    Malformed(MalformedKind),
    Plain(CountedEvent<'a>),
    Detailed(Record<'a>),
}

fn read_line(line: &[u8]) -> Read<'_> {
    match super::read(wontopos_map(), line, Need::Insights) {
        Parsed::Malformed(k) => Read::Malformed(k),
        Parsed::Event(r) if !r.class().needs_detail() => {
            Read::Plain(CountedEvent { ts: r.ts, status: r.status, code: r.code })
        }
        Parsed::Event(r) => Read::Detailed(r),
    }
}
fn parse_text(text: &str, need: Need) -> Result<Record<'_>, MalformedKind> {
    super::parse_text(wontopos_map(), text, need)
}
fn parse_text_serde(text: &str, need: Need) -> Result<Record<'_>, MalformedKind> {
    super::parse_text_serde(wontopos_map(), text, need)
}

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
    // Found by fuzzing: a scalar followed by more is not JSON at all (a
    // plain-text line that starts with a date or a number).
    assert_eq!(malformed(b"1 x"), MalformedKind::InvalidJson);
    assert_eq!(malformed(b"[1] x"), MalformedKind::InvalidJson);
    assert_eq!(malformed(b"2026-11-24 13:00 ERROR boom"), MalformedKind::InvalidJson);
    assert_eq!(malformed(br#""just a string""#), MalformedKind::NotAnObject);
    assert_eq!(malformed(b"{\"a\":\"raw \x1b escape\"}"), MalformedKind::InvalidJson);
    assert_eq!(malformed(br#"{"a":"\ud800"}"#), MalformedKind::InvalidJson);
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
    // The counting and live-view readers: the same limit, no stack overflow.
    for depth in [126, 127, 100_000] {
        let line = nested(depth);
        let valid = depth < 127;
        assert_eq!(matches!(count_line(line.as_bytes()), Counted::Event(_)), valid, "{depth}");
        assert_eq!(!matches!(read_line(line.as_bytes()), Read::Malformed(_)), valid, "{depth}");
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
    // A copytruncate's NUL hole before a line is not part of it.
    assert_eq!(trim_line(b"\0\0\0{}"), Some(&b"{}"[..]));
    assert_eq!(trim_line(b"\0\0"), None);
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

/// Lines in the shapes logs take, with the hard cases mixed in.
fn json_line() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let key = prop_oneof![
        Just("ts"),
        Just("timestamp"),
        Just("time"),
        Just("@timestamp"),
        Just("status"),
        Just("status_code"),
        Just("http_status"),
        Just("code"),
        Just("error_code"),
        Just("request_id"),
        Just("requestId"),
        Just("req_id"),
        Just("message"),
        Just("msg"),
        Just("method"),
        Just("path"),
        Just("api_key_id"),
        Just("latency_ms"),
        Just("retry_after"),
        Just("client_ip"),
        Just("upstream"),
        Just("level"),
        Just("x"),
    ];
    let scalar = prop_oneof![
        r#""[a-z0-9_:.\- ]{0,12}""#,
        r#""[a-z\\"\\\\/]{0,6}\\u00[0-3][0-9a-f]""#,
        r#""2026-11-24T13:0[0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]0[0-9]:[03]0)""#,
        r#"-?(0|[1-9][0-9]{0,20})(\.[0-9]{1,18})?([eE][+-]?[0-9]{1,3})?"#,
        r#""[0-9]{1,4}""#,
        Just("true".to_owned()),
        Just("false".to_owned()),
        Just("null".to_owned()),
        Just("1e400".to_owned()),
        Just("01".to_owned()),
        Just("1.".to_owned()),
        Just("-".to_owned()),
        Just(r#""\ud800""#.to_owned()),
        Just("\"tab\there\"".to_owned()),
    ];
    let value = scalar.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(|v| format!("[{}]", v.join(","))),
            proptest::collection::vec(("[a-z_]{1,8}", inner), 0..3).prop_map(|v| format!(
                "{{{}}}",
                v.iter().map(|(k, x)| format!("\"{k}\":{x}")).collect::<Vec<_>>().join(",")
            )),
        ]
    });
    let error = prop_oneof![
        value.clone(),
        (proptest::option::of(value.clone()), proptest::option::of(value.clone())).prop_map(|(c, r)| {
            let mut parts = vec![];
            if let Some(c) = c {
                parts.push(format!("\"code\":{c}"));
            }
            if let Some(r) = r {
                parts.push(format!("\"request_id\":{r}"));
            }
            format!("{{{}}}", parts.join(" , "))
        }),
    ];
    let member = prop_oneof![
        4 => (key, value).prop_map(|(k, v)| format!("\"{k}\":{v}")),
        1 => error.prop_map(|e| format!("\"error\": {e}")),
        // Failures with what they carry, so the detail readers are exercised.
        1 => (400u16..600).prop_map(|s| format!("\"status\":{s}")),
        1 => (0u64..100_000).prop_map(|n| format!("\"retry_after\":{n}")),
    ];
    (
        proptest::collection::vec(member, 0..7),
        "[ \t]{0,2}",
        prop_oneof![Just(""), Just(" "), Just("x"), Just("}")],
    )
        .prop_map(|(members, ws, tail)| format!("{ws}{{{}}}{ws}{tail}", members.join(&format!(",{ws}"))))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
    /// The fast scanner and serde_json agree on every line: same validity,
    /// same fields.
    #[test]
    fn agrees_with_serde_path(line in json_line()) {
        for need in [Need::All, Need::Counts] {
            let fast = parse_text(&line, need);
            let reference = parse_text_serde(&line, need);
            proptest::prop_assert_eq!(fast, reference, "{}", line);
        }
        let value = serde_json::from_str::<serde_json::Value>(&line);
        let value_ok = matches!(value, Ok(serde_json::Value::Object(_)));
        // A number no float holds is an unusable value to the contract;
        // `Value` rejects the whole line for it.
        let huge_number = matches!(&value, Err(e) if e.to_string().starts_with("number out of range"));
        if !huge_number {
            proptest::prop_assert_eq!(value_ok, parse_text(&line, Need::All).is_ok(), "{}", line);
        }
        let all = parse_text(&line, Need::All).ok();
        let counts = parse_text(&line, Need::Counts).ok();
        let insights = parse_text(&line, Need::Insights).ok();
        let counted = |r: &Record<'_>| (r.ts, r.status, r.code.clone().map(|c| c.into_owned()), r.retry_after);
        proptest::prop_assert_eq!(all.as_ref().map(counted), counts.as_ref().map(counted));
        proptest::prop_assert_eq!(all.as_ref().map(counted), insights.as_ref().map(counted));
        // Counting's own reader: same verdict, same timestamp, status and code.
        let by_count_line = match count_line(line.as_bytes()) {
            Counted::Event(e) => Ok((e.ts, e.status, e.code.map(|c| c.into_owned()))),
            Counted::Malformed(kind) => Err(kind),
        };
        let by_record = parse_text(&line, Need::All).map(|r| (r.ts, r.status, r.code.map(|c| c.into_owned())));
        proptest::prop_assert_eq!(by_count_line, by_record, "{}", line);
        // The live view's reader: a record (less the message) where one is
        // needed, the counted fields otherwise.
        let reference = parse_text(&line, Need::Insights).map(|r| Record { message: None, ..r.into_owned() });
        let by_read_line = match read_line(line.as_bytes()) {
            Read::Malformed(kind) => Err(kind),
            Read::Plain(e) => {
                proptest::prop_assert!(!e.needs_detail());
                Ok(Record { ts: e.ts, status: e.status, code: e.code.map(|c| Cow::Owned(c.into_owned())), ..Record::default() })
            }
            Read::Detailed(r) => Ok(Record { message: None, ..r.into_owned() }),
        };
        let plain_view = |r: Record<'static>| {
            if r.status.is_some_and(|s| (100..400).contains(&s)) {
                Record { ts: r.ts, status: r.status, code: r.code, ..Record::default() }
            } else {
                r
            }
        };
        proptest::prop_assert_eq!(by_read_line.map(plain_view), reference.map(plain_view), "{}", line);
        // Failures and non-request events carry their details for the rankings.
        if let (Some(a), Some(i)) = (&all, &insights) {
            if a.is_failure() || !a.is_request() {
                let who = |r: &Record<'_>| {
                    [&r.request_id, &r.path, &r.client_ip, &r.upstream, &r.api_key_id].map(|c| c.clone().map(|c| c.into_owned()))
                };
                proptest::prop_assert_eq!(who(a), who(i), "{}", line);
                proptest::prop_assert_eq!(&a.method, &i.method, "{}", line);
                proptest::prop_assert_eq!(a.latency_ms.map(f64::to_bits), i.latency_ms.map(f64::to_bits), "{}", line);
            }
        }
    }
}

#[test]
fn fast_path_edge_numbers_match_serde() {
    for line in
        [r#"{"status":-0}"#, r#"{"ts":-0}"#, r#"{"status":-12}"#, r#"{"latency_ms":-0.0}"#, r#"{"ts":0.5}"#]
    {
        assert_eq!(parse_text(line, Need::All), parse_text_serde(line, Need::All), "{line}");
    }
}

#[test]
fn fast_path_takes_the_common_line() {
    let line = r#"{"ts":"2026-11-24T13:47:23.104Z","level":"error","request_id":"req_M83X","method":"POST","path":"/v1/payments","status":504,"latency_ms":30012.5,"api_key_id":"key_0011","error":{"code":"gateway_timeout","message":"Upstream API timed out","request_id":"req_M83X"}}"#;
    let mut c = Collector::new(wontopos_map(), Need::All, false);
    let text = fast::parse_object(line.as_bytes(), &mut c);
    assert!(text.is_some());
    assert_eq!(c.take_record(line.as_bytes(), text.flatten()), parse_text_serde(line, Need::All).unwrap());
}

#[test]
fn fast_path_takes_generated_lines() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/sample-logs/app.log")).unwrap();
    let (mut fast_ok, mut total) = (0, 0);
    for line in text.lines().filter(|l| l.starts_with('{')) {
        total += 1;
        let mut c = Collector::new(wontopos_map(), Need::All, false);
        if fast::parse_object(line.as_bytes(), &mut c).is_some() {
            fast_ok += 1;
        } else {
            eprintln!("bailed: {line}");
        }
    }
    assert_eq!(fast_ok, total);
}

proptest::proptest! {
    /// Bytes that are not UTF-8 anywhere in a line: the result is what the
    /// lossy-decoded line gives on the reference path.
    #[test]
    fn invalid_utf8_agrees_with_lossy_reference(line in json_line(), at in 0usize..400, bad in 0x80u8..=0xff) {
        let mut bytes = line.into_bytes();
        let at = at % (bytes.len() + 1);
        bytes.insert(at, bad);
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        for need in [Need::All, Need::Counts] {
            let got = match parse_line_for(&bytes, need) {
                Parsed::Event(r) => Ok(r.into_owned()),
                Parsed::Malformed(k) => Err(k),
            };
            proptest::prop_assert_eq!(got, parse_text_serde(&lossy, need).map(Record::into_owned));
        }
        let counted = match count_line(&bytes) {
            Counted::Event(e) => Ok((e.ts, e.status, e.code.map(|c| c.into_owned()))),
            Counted::Malformed(kind) => Err(kind),
        };
        let reference = parse_text_serde(&lossy, Need::All).map(|r| (r.ts, r.status, r.code.map(|c| c.into_owned())));
        proptest::prop_assert_eq!(counted, reference);
    }
}

#[test]
fn every_field_name_of_the_contract_is_in_the_field_map() {
    // Ranks: a path's position times 16, the nested reading one more.
    let names: [(&str, Field, u16); 22] = [
        ("ts", Field::Time, 0),
        ("timestamp", Field::Time, 16),
        ("time", Field::Time, 32),
        ("@timestamp", Field::Time, 48),
        ("status", Field::Status, 0),
        ("status_code", Field::Status, 16),
        ("http_status", Field::Status, 32),
        ("code", Field::Code, 16),
        ("error_code", Field::Code, 32),
        ("request_id", Field::RequestId, 0),
        ("requestId", Field::RequestId, 16),
        ("req_id", Field::RequestId, 32),
        ("message", Field::Message, 16),
        ("msg", Field::Message, 32),
        ("error", Field::Message, 48),
        ("method", Field::Method, 0),
        ("path", Field::Path, 0),
        ("api_key_id", Field::ApiKey, 0),
        ("latency_ms", Field::Latency, 0),
        ("retry_after", Field::RetryAfter, 0),
        ("client_ip", Field::ClientIp, 0),
        ("upstream", Field::Upstream, 0),
    ];
    let root = wontopos_map().root(Need::All);
    for (name, field, rank) in names {
        let e = root.get(name.as_bytes()).unwrap_or_else(|| panic!("{name} is not mapped"));
        let leaf: Vec<&Leaf> = e.leaves.iter().filter(|l| l.field == field).collect();
        assert_eq!(leaf.len(), 1, "{name}");
        assert_eq!(leaf[0].rank, rank, "{name}");
    }
    let error = root.get(b"error").unwrap().child.as_ref().unwrap();
    assert_eq!(error.get(b"code").unwrap().leaves[0].field, Field::Code);
    assert_eq!(error.get(b"code").unwrap().leaves[0].rank, 1);
    assert_eq!(error.get(b"request_id").unwrap().leaves[0].rank, 49);
    for other in ["", "t", "tss", "Status", "times", "error_codes", "@time"] {
        assert!(root.get(other.as_bytes()).is_none(), "{other}");
    }
    // Counting's map holds only what counting reads.
    let counts = wontopos_map().root(Need::Counts);
    for name in ["request_id", "message", "msg", "method", "path", "latency_ms", "level"] {
        assert!(counts.get(name.as_bytes()).is_none(), "{name}");
    }
}

#[test]
fn read_line_keeps_what_failures_carry() {
    let line = br#"{"ts":"2026-11-24T12:00:00Z","request_id":"req_1","method":"GET","path":"/v1/x","status":429,"latency_ms":1.5,"api_key_id":"key_1","client_ip":"10.0.0.1","retry_after":30,"error":{"code":"rate_limited","message":"slow down","request_id":"req_1"}}"#;
    let Read::Detailed(r) = read_line(line) else { panic!("a failure is read in detail") };
    assert_eq!(r.retry_after, Some(30));
    assert_eq!(r.request_id.as_deref(), Some("req_1"));
    assert_eq!(r.code.as_deref(), Some("rate_limited"));
    assert_eq!((r.method.as_deref(), r.path.as_deref()), (Some("GET"), Some("/v1/x")));
    assert_eq!((r.api_key_id.as_deref(), r.client_ip.as_deref()), (Some("key_1"), Some("10.0.0.1")));
    assert_eq!(r.latency_ms, Some(1.5));
    let success = br#"{"ts":"2026-11-24T12:00:00Z","status":200,"path":"/v1/x"}"#;
    assert!(matches!(read_line(success), Read::Plain(e) if e.status == Some(200) && e.ts.is_some()));
}

#[test]
fn a_second_status_that_fails_the_line_still_gets_its_details() {
    let line = br#"{"status":200,"path":"/v1/x","api_key_id":"key_1","status":503,"client_ip":"10.0.0.2"}"#;
    let Read::Detailed(r) = read_line(line) else { panic!("the last status is a failure") };
    assert_eq!(r.status, Some(503));
    assert_eq!((r.path.as_deref(), r.api_key_id.as_deref()), (Some("/v1/x"), Some("key_1")));
    assert_eq!(r.client_ip.as_deref(), Some("10.0.0.2"));
    // A lower-ranked alias cannot override `status`: still a success.
    let line = br#"{"status":200,"path":"/v1/x","status_code":503}"#;
    assert!(matches!(read_line(line), Read::Plain(e) if e.status == Some(200)));
}

/// Issue 12, item 17: a number no float can hold, under a key no field
/// reads, does not lose the line's 5xx; under a field read, it is a value
/// that cannot be used, and the next alias is tried.
#[test]
fn an_out_of_range_number_does_not_lose_the_line() {
    let r = parse_text(r#"{"status":503,"x":1e400,"y":[-2E+999,7]}"#, Need::All).expect("an event");
    assert_eq!(r.status, Some(503));
    let r = parse_text(r#"{"status":1e400,"status_code":502}"#, Need::All).expect("an event");
    assert_eq!(r.status, Some(502));
    assert_eq!(parse_text(r#"{"status":503,"x":1e400"#, Need::All), Err(MalformedKind::InvalidJson));
}
