//! The time parsers of `engine::time`, on every form they take: the input
//! as bytes, as text, as the number its text spells, and its first eight
//! bytes as an `f64` and an `i64`. Nothing may panic; every time returned
//! formats (`format_utc`, `format_utc_secs`) and reads back to itself.
//! `parse_rfc3339`'s own fast path must give chrono's answer wherever
//! chrono reads the text, and no answer where chrono reads none.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wontopos_logs::engine::fields::Unit;
use wontopos_logs::engine::time::{self, Nanos};

const UNITS: [Option<Unit>; 5] = [None, Some(Unit::S), Some(Unit::Ms), Some(Unit::Us), Some(Unit::Ns)];
/// `--since`/`--until` are relative to now: a fixed, present-day now.
const NOW: Nanos = 1_795_525_200_000_000_000;

fuzz_target!(|data: &[u8]| {
    for unit in UNITS {
        if let Some(t) = time::parse_time_text(data, unit) {
            formats(t);
        }
    }
    if let Some(t) = time::parse_rfc3339_bytes(data) {
        formats(t);
    }
    if let Ok(s) = std::str::from_utf8(data) {
        text(s);
    }
    if let Some(head) = data.get(..8) {
        let bytes: [u8; 8] = head.try_into().unwrap_or_default();
        number(f64::from_le_bytes(bytes));
        integer(i64::from_le_bytes(bytes));
    }
});

fn text(s: &str) {
    let t = time::parse_rfc3339(s);
    assert_eq!(t, time::parse_rfc3339_bytes(s.as_bytes()), "str vs bytes: {s:?}");
    let chrono = chrono::DateTime::parse_from_rfc3339(s).ok().and_then(|d| d.timestamp_nanos_opt());
    assert_eq!(t, chrono, "parse_rfc3339 vs chrono: {s:?}");
    // Surrounding white space is trimmed: it changes nothing.
    for unit in UNITS {
        assert_eq!(
            time::parse_time_text(s.as_bytes(), unit),
            time::parse_time_text(s.trim().as_bytes(), unit),
            "trimmed {s:?} in {unit:?}"
        );
    }
    if let Ok(secs) = time::parse_duration_secs(s) {
        assert!((1..=366 * 86_400).contains(&secs), "{s:?} gave {secs}");
    }
    if let Ok(t) = time::parse_time_arg(s, NOW) {
        formats(t);
    }
    let s = s.trim();
    if let Ok(f) = s.parse::<f64>() {
        number(f);
    }
    if let Ok(i) = s.parse::<i64>() {
        integer(i);
    }
}

fn number(f: f64) {
    let _ = time::epoch_unit_of(f.abs());
    if let Some(t) = time::from_epoch_number(f) {
        formats(t);
    }
    for unit in UNITS {
        if let Some(t) = time::from_epoch_number_in(f, unit) {
            formats(t);
        }
    }
}

fn integer(i: i64) {
    // Any i64 is a time chrono can hold, and any second count formats.
    let _ = time::format_utc(i);
    let _ = time::format_utc_secs(i);
    if let Some(t) = time::from_epoch_integer(i) {
        formats(t);
    }
    for unit in UNITS {
        if let Some(t) = time::from_epoch_integer_in(i, unit) {
            formats(t);
        }
    }
}

fn formats(t: Nanos) {
    let shown = time::format_utc(t);
    assert_eq!(
        time::parse_rfc3339(&shown),
        Some(t),
        "{t} formats as {shown:?}, which reads back differently"
    );
    let _ = time::format_utc_secs(t.div_euclid(1_000_000_000));
}
