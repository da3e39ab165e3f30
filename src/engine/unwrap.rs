//! Lines that carry events inside something else. `docker compose logs`
//! prints `service-1  | {json}` (with `-t`, a timestamp after the bar): the
//! event is read as if the prefix were not there. An OTLP/JSON batch
//! (`{"resourceLogs":[...]}`, the OpenTelemetry Collector's file exporter)
//! holds many log records: each becomes one flat event, its attributes
//! (and its resource's) as keys. A line that only looks like either stays
//! as it is, and is malformed if it is not JSON.

use serde_json::{Map, Value};

/// The event of a prefixed line; any other line as it is.
#[inline]
pub fn strip_prefix(line: &[u8]) -> &[u8] {
    match line.first() {
        // The common case, and every JSON line: nothing to strip.
        Some(b'{' | b'[' | b' ' | b'\t') | None => line,
        Some(_) => compose_event(line).unwrap_or(line),
    }
}

/// `NAME<spaces>| [TIMESTAMP ]{...}`: a service name of letters, digits,
/// `_`, `-` and `.`, padding, a bar, a space.
fn compose_event(line: &[u8]) -> Option<&[u8]> {
    let head = &line[..line.len().min(256)];
    let bar = memchr::memchr(b'|', head)?;
    let (name, rest) = (&line[..bar], &line[bar + 1..]);
    let name = name.strip_suffix(b" ").unwrap_or(name);
    let name_end = name.iter().rposition(|&b| b != b' ')? + 1;
    let valid_name =
        name[..name_end].iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if !valid_name || !name[..name_end].first()?.is_ascii_alphanumeric() {
        return None;
    }
    let rest = rest.strip_prefix(b" ")?;
    if rest.first() == Some(&b'{') {
        return Some(rest);
    }
    // `docker compose logs -t`: an RFC 3339 time, a space, the event.
    let sp = memchr::memchr(b' ', &rest[..rest.len().min(64)])?;
    let (stamp, event) = (&rest[..sp], &rest[sp + 1..]);
    let looks_like_time = stamp.len() >= 20 && stamp[..4].iter().all(u8::is_ascii_digit) && stamp[4] == b'-';
    (looks_like_time && event.first() == Some(&b'{')).then_some(event)
}

/// Calls `f` with each event a trimmed line carries: the line itself, the
/// event after its prefix, or each record of a batch. The one place the
/// readers (counting, detection, lookup) unwrap a line.
#[inline]
pub fn each_event(line: &[u8], mut f: impl FnMut(&[u8])) {
    let line = strip_prefix(line);
    if may_be_batch(line) {
        if let Some(events) = otlp_events(line) {
            events.iter().for_each(|e| f(e));
            return;
        }
    }
    f(line);
}

/// Whether a line could be an OTLP batch: the common line (`{"ts":...`)
/// is ruled out by its third byte, before any call.
#[inline(always)]
pub fn may_be_batch(line: &[u8]) -> bool {
    !matches!(line, [b'{', b'"', c, ..] if *c != b'r')
}

/// The records of an OTLP/JSON logs batch, each as one flat JSON event;
/// `None` for any other line. Cheap on other lines: only their first
/// bytes are looked at.
pub fn otlp_events(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let start = line.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &line[start..];
    if !head.starts_with(b"{") {
        return None;
    }
    let after = head[1..].iter().position(|b| !b.is_ascii_whitespace()).map(|i| &head[1 + i..])?;
    if !after.starts_with(b"\"resourceLogs\"") {
        return None;
    }
    let Ok(Value::Object(batch)) = serde_json::from_slice::<Value>(line) else { return None };
    let mut out = Vec::new();
    for rl in array(batch.get("resourceLogs")) {
        let mut resource = Map::new();
        flatten_attributes(rl.get("resource").and_then(|r| r.get("attributes")), &mut resource);
        for sl in array(rl.get("scopeLogs")) {
            for record in array(sl.get("logRecords")) {
                let mut event = resource.clone();
                flatten_attributes(record.get("attributes"), &mut event);
                for key in [
                    "timeUnixNano",
                    "observedTimeUnixNano",
                    "severityText",
                    "severityNumber",
                    "traceId",
                    "spanId",
                ] {
                    if let Some(v) = record.get(key).filter(|v| !v.is_null()) {
                        event.insert(key.to_owned(), v.clone());
                    }
                }
                if let Some(body) = record.get("body").map(any_value).filter(|v| !v.is_null()) {
                    event.insert("body".to_owned(), body);
                }
                out.push(serde_json::to_vec(&Value::Object(event)).unwrap_or_default());
            }
        }
    }
    Some(out)
}

fn array(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// `[{"key": k, "value": AnyValue}]` into `k: value` entries.
fn flatten_attributes(attrs: Option<&Value>, into: &mut Map<String, Value>) {
    for kv in array(attrs) {
        if let (Some(k), Some(v)) = (kv.get("key").and_then(Value::as_str), kv.get("value")) {
            into.insert(k.to_owned(), any_value(v));
        }
    }
}

/// An OTLP `AnyValue` as plain JSON: 64-bit integers, which OTLP/JSON
/// writes as strings, as numbers.
fn any_value(v: &Value) -> Value {
    let Some(o) = v.as_object() else { return v.clone() };
    if let Some(s) = o.get("stringValue") {
        return s.clone();
    }
    if let Some(i) = o.get("intValue") {
        return match i {
            Value::String(s) => s.parse::<i64>().map_or_else(|_| i.clone(), Value::from),
            other => other.clone(),
        };
    }
    if let Some(d) = o.get("doubleValue").or_else(|| o.get("boolValue")) {
        return d.clone();
    }
    if let Some(a) = o.get("arrayValue") {
        return Value::Array(array(a.get("values")).iter().map(any_value).collect());
    }
    if let Some(kv) = o.get("kvlistValue") {
        let mut m = Map::new();
        flatten_attributes(kv.get("values"), &mut m);
        return Value::Object(m);
    }
    if let Some(b) = o.get("bytesValue") {
        return b.clone();
    }
    Value::Null
}

#[cfg(test)]
mod tests {
    use super::{otlp_events, strip_prefix};

    #[test]
    fn otlp_batches_become_one_event_per_record() {
        let line = br#"{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":"1796130310000000000","severityText":"ERROR","body":{"stringValue":"boom"},"attributes":[{"key":"http.response.status_code","value":{"intValue":"503"}},{"key":"service.name","value":{"stringValue":"own"}}]},{"observedTimeUnixNano":"1796130311000000000","attributes":[{"key":"h","value":{"arrayValue":{"values":[{"stringValue":"30"}]}}}]}]}]}]}"#;
        let events = otlp_events(line).unwrap();
        assert_eq!(events.len(), 2);
        let first: serde_json::Value = serde_json::from_slice(&events[0]).unwrap();
        assert_eq!(first["http.response.status_code"], 503);
        assert_eq!(first["service.name"], "own");
        assert_eq!(first["body"], "boom");
        assert_eq!(first["timeUnixNano"], "1796130310000000000");
        let second: serde_json::Value = serde_json::from_slice(&events[1]).unwrap();
        assert_eq!(second["h"][0], "30");
        assert_eq!(second["service.name"], "api");
        assert!(otlp_events(br#"{"status":200}"#).is_none());
        assert!(otlp_events(br#"{"resourceLogs": broken"#).is_none());
        assert_eq!(otlp_events(br#" { "resourceLogs":[]}"#), Some(Vec::new()));
    }

    #[test]
    fn compose_prefixes_are_stripped() {
        let ev = br#"{"status":503}"#;
        for prefix in
            ["api-1  | ", "api-1 | ", "web.app_2-1      | ", "api-1  | 2026-12-01T13:05:10.123456789Z "]
        {
            let line = [prefix.as_bytes(), ev].concat();
            assert_eq!(strip_prefix(&line), ev, "{prefix}");
        }
    }

    #[test]
    fn other_lines_stay() {
        for line in [
            &br#"{"a":"x | {y}"}"#[..],
            b"plain text | {not an event",
            b"a|{\"status\":1}",
            b"-x  | {\"status\":1}",
            b"panic: boom",
            b"",
        ] {
            assert_eq!(strip_prefix(line), line, "{}", String::from_utf8_lossy(line));
        }
    }
}
