//! The line reader: one log line to one record (`engine::record::read`).
//!
//! The reader has a fast hand-written scanner and a serde_json fallback
//! that must agree; both are private, so they are compared through `read`:
//! the line as given (the fast path, falling back when it declines) against
//! the same line with one inert member put first whose key holds an escape
//! (`"\u005f_fuzz_force_serde":0`), which the fast scanner always declines,
//! so that line is read by the serde_json path alone. Checked on every
//! input, for the default profile and one other chosen by the input:
//!
//! * nothing panics, for any bytes;
//! * the verdict is `serde_json::Value`'s on the (lossily decoded) line:
//!   invalid JSON, valid JSON but not an object, or an event;
//! * the fast path and the serde_json path give the same record (for the
//!   live view, the same counted fields for a success and the same details
//!   for anything else);
//! * `read_then` gives what `read` gives, for every `Need`;
//! * counting, the live view and the full read agree on what they share;
//! * a line with invalid UTF-8 reads as its lossy decoding does;
//! * with the default (contract) profile, fields whose key is the first in
//!   the contract's order hold what `serde_json::Value` holds there.
#![no_main]

use std::borrow::Cow;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use wontopos_logs::engine::fields::{wontopos_map, FieldMap, Mapping};
use wontopos_logs::engine::line::Line;
use wontopos_logs::engine::record::{self, Class, MalformedKind, Need, Parsed, Record};
use wontopos_logs::engine::{scan, time};

const NEEDS: [Need; 3] = [Need::All, Need::Counts, Need::Insights];

/// Every built-in profile, compiled once.
fn profiles() -> &'static [FieldMap] {
    static MAPS: OnceLock<Vec<FieldMap>> = OnceLock::new();
    MAPS.get_or_init(|| Mapping::wontopos().profiles.iter().map(FieldMap::compile).collect())
}

fn hash(data: &[u8]) -> usize {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
        as usize
}

fuzz_target!(|data: &[u8]| {
    // What the read loop does before reading: prefixes and batches
    // (`unwrap`), then one read per event. Must not panic.
    let whole = Line { number: 1, offset: 0, bytes: data, oversized: false };
    scan::for_each_event(&whole, |l| {
        let _ = record::read(wontopos_map(), l.bytes, Need::Insights);
    });

    let Some(line) = record::trim_line(data) else { return };
    check(wontopos_map(), line, true);
    let maps = profiles();
    check(&maps[hash(data) % maps.len()], line, false);
});

fn check(map: &FieldMap, line: &[u8], contract: bool) {
    let lossy = String::from_utf8_lossy(line);
    let value = serde_json::from_str::<Value>(&lossy);
    let verdict = match &value {
        Ok(Value::Object(_)) => Ok(()),
        Ok(_) => Err(MalformedKind::NotAnObject),
        Err(_) => Err(MalformedKind::InvalidJson),
    };
    let forced = force_serde(line);
    let mut reads = Vec::new();
    for need in NEEDS {
        let got = record::read(map, line, need);
        let kind = match &got {
            Parsed::Event(_) => Ok(()),
            Parsed::Malformed(k) => Err(*k),
        };
        // A number no float holds is read as an unusable value (the
        // contract), where `Value` rejects the whole line.
        let huge_number = matches!(&value, Err(e) if e.to_string().starts_with("number out of range"));
        if !huge_number {
            assert_eq!(kind, verdict, "{need:?}: verdict differs from serde_json::Value on {lossy:?}: {got:?}");
        }
        record::read_then(map, line, need, |p| assert_eq!(p, &got, "read_then({need:?}) on {lossy:?}"));
        if let Some(forced) = &forced {
            let reference = record::read(map, forced, need);
            assert_same(need, &got, &reference, "fast path vs serde_json path", &lossy);
        }
        if let Cow::Owned(text) = &lossy {
            let decoded = record::read(map, text.as_bytes(), need);
            assert_same(need, &got, &decoded, "invalid UTF-8 vs its lossy decoding", &lossy);
        }
        reads.push(got);
    }
    let [Parsed::Event(all), Parsed::Event(counts), Parsed::Event(insights)] = &reads[..] else { return };
    assert_eq!(counted(all), counted(counts), "Need::Counts vs Need::All on {lossy:?}");
    assert_eq!(live(all), live(insights), "Need::Insights vs Need::All on {lossy:?}");
    if contract {
        if let Ok(Value::Object(obj)) = &value {
            contract_fields(obj, all, &lossy);
        }
    }
}

/// The line with an inert first member the fast scanner declines (an
/// escape in its key), or `None` when the line does not open an object
/// (then there is nothing to force: neither path reads an event).
fn force_serde(line: &[u8]) -> Option<Vec<u8>> {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let open = line.iter().position(|b| !ws(b))?;
    if line[open] != b'{' {
        return None;
    }
    let rest = &line[open + 1..];
    let empty = rest.iter().find(|b| !ws(b)) == Some(&b'}');
    let mut out = Vec::with_capacity(line.len() + 32);
    out.extend_from_slice(&line[..=open]);
    out.extend_from_slice(br#""\u005f_fuzz_force_serde":0"#);
    if !empty {
        out.push(b',');
    }
    out.extend_from_slice(rest);
    Some(out)
}

fn assert_same(need: Need, a: &Parsed<'_>, b: &Parsed<'_>, what: &str, line: &str) {
    match (need, a, b) {
        // The live view reads a success's details only when it needs them.
        (Need::Insights, Parsed::Event(x), Parsed::Event(y)) => {
            assert_eq!(live(x), live(y), "{what} ({need:?}) on {line:?}")
        }
        _ => assert_eq!(a, b, "{what} ({need:?}) on {line:?}"),
    }
}

/// What counting reads.
fn counted(r: &Record<'_>) -> Record<'static> {
    Record {
        ts: r.ts,
        status: r.status,
        code: r.code.clone().map(|c| Cow::Owned(c.into_owned())),
        retry_after: r.retry_after,
        ..Record::default()
    }
}

/// What the live view reads: counted fields for a success, everything but
/// the message and level for the rest.
fn live(r: &Record<'_>) -> Record<'static> {
    if r.class() == Class::Success {
        counted(r)
    } else {
        Record { message: None, level: None, ..r.clone().into_owned() }
    }
}

/// The contract profile is strict, and each of these keys is first in its
/// field's order: when `Value`'s (last) value there is usable, it is the
/// record's.
fn contract_fields(obj: &Map<String, Value>, r: &Record<'_>, line: &str) {
    match obj.get("status") {
        Some(Value::Number(n)) if n.is_u64() => {
            let want = n.as_u64().map(|v| u16::try_from(v).unwrap_or(u16::MAX));
            assert_eq!(r.status, want, "status of {line:?}");
        }
        Some(Value::Number(n)) if n.is_i64() => assert_eq!(r.status, Some(0), "status of {line:?}"),
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            let digits = s.trim_start_matches('0');
            let want = if digits.len() > 5 {
                u16::MAX
            } else {
                digits.parse::<u32>().map_or(0, |v| v.min(65_535) as u16)
            };
            assert_eq!(r.status, Some(want), "status of {line:?}");
        }
        _ => {}
    }
    let ts = match obj.get("ts") {
        Some(Value::String(s)) => time::parse_rfc3339_bytes(s.as_bytes()),
        Some(Value::Number(n)) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => time::from_epoch_integer(i),
            (None, Some(u), _) => time::from_epoch_number(u as f64),
            (None, None, Some(f)) => time::from_epoch_number(f),
            _ => None,
        },
        _ => None,
    };
    if ts.is_some() {
        assert_eq!(r.ts, ts, "ts of {line:?}");
    }
    for (key, got) in [
        ("request_id", &r.request_id),
        ("method", &r.method),
        ("path", &r.path),
        ("api_key_id", &r.api_key_id),
        ("client_ip", &r.client_ip),
        ("upstream", &r.upstream),
    ] {
        if let Some(Value::String(s)) = obj.get(key) {
            assert_eq!(got.as_deref(), Some(s.as_str()), "{key} of {line:?}");
        }
    }
    if !obj.contains_key("error.code") {
        if let Some(Value::String(s)) = obj.get("error").and_then(|e| e.get("code")) {
            assert_eq!(r.code.as_deref(), Some(s.as_str()), "error.code of {line:?}");
        }
    }
    if let Some(Value::Number(n)) = obj.get("latency_ms") {
        if let Some(f) = n.as_f64().filter(|f| f.is_finite()) {
            assert_eq!(r.latency_ms.map(f64::to_bits), Some(f.to_bits()), "latency_ms of {line:?}");
        }
    }
    if let Some(Value::Number(n)) = obj.get("retry_after") {
        if let Some(u) = n.as_u64() {
            assert_eq!(r.retry_after, Some(u), "retry_after of {line:?}");
        }
    }
}
