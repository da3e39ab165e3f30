//! Timestamps: the forms the contract allows, normalised to UTC nanoseconds.

use chrono::{DateTime, SecondsFormat, Utc};

use super::fields::Unit;

/// Epoch numbers at or above this are milliseconds, below it seconds.
const EPOCH_MILLIS_THRESHOLD: f64 = 1e11;

/// Nanoseconds since the Unix epoch, UTC.
pub type Nanos = i64;

/// Parses an RFC 3339 timestamp (`Z` or `±HH:MM`, fraction optional).
pub fn parse_rfc3339(s: &str) -> Option<Nanos> {
    if let Some(n) = parse_rfc3339_utc_fast(s.as_bytes()) {
        return Some(n);
    }
    DateTime::parse_from_rfc3339(s).ok()?.timestamp_nanos_opt()
}

/// Like [`parse_rfc3339`], on the raw bytes of a JSON string without
/// escapes. Bytes that are not UTF-8 are no timestamp, as their lossy
/// decoding would not be.
pub fn parse_rfc3339_bytes(b: &[u8]) -> Option<Nanos> {
    if let Some(n) = parse_rfc3339_utc_fast(b) {
        return Some(n);
    }
    DateTime::parse_from_rfc3339(std::str::from_utf8(b).ok()?).ok()?.timestamp_nanos_opt()
}

/// The unit of an epoch number given without one, from its magnitude:
/// seconds below 10^11 (the year 5138), then milliseconds, microseconds
/// and nanoseconds.
pub fn epoch_unit_of(abs: f64) -> Unit {
    if abs >= 1e17 {
        Unit::Ns
    } else if abs >= 1e14 {
        Unit::Us
    } else if abs >= EPOCH_MILLIS_THRESHOLD {
        Unit::Ms
    } else {
        Unit::S
    }
}

/// The contract's epoch number: seconds (possibly fractional), or
/// milliseconds when >= 10^11.
pub fn from_epoch_number(value: f64) -> Option<Nanos> {
    let unit = if value.abs() >= EPOCH_MILLIS_THRESHOLD { Unit::Ms } else { Unit::S };
    from_epoch_number_in(value, Some(unit))
}

/// An epoch number in `unit`, or guessed by [`epoch_unit_of`].
pub fn from_epoch_number_in(value: f64, unit: Option<Unit>) -> Option<Nanos> {
    if !value.is_finite() {
        return None;
    }
    let unit = unit.unwrap_or_else(|| epoch_unit_of(value.abs()));
    if matches!(unit, Unit::Us | Unit::Ns) {
        let nanos = (value * unit.nanos()).round();
        #[allow(clippy::cast_possible_truncation)]
        return (nanos.abs() < 9.2e18).then_some(nanos as i64);
    }
    let seconds = value * unit.nanos() / 1e9;
    // Rounded to the microsecond: an f64 holds no more than that for
    // present-day epochs, and it keeps `.123` from printing as `.122999906`.
    let micros = (seconds * 1e6).round();
    if micros.abs() > 9.0e15 {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    let micros = micros as i64;
    micros.checked_mul(1000)
}

/// The contract's integer epoch: seconds, or milliseconds when >= 10^11.
/// Integers keep full precision.
pub fn from_epoch_integer(value: i64) -> Option<Nanos> {
    #[allow(clippy::cast_precision_loss)]
    let unit = if (value as f64).abs() >= EPOCH_MILLIS_THRESHOLD { Unit::Ms } else { Unit::S };
    from_epoch_integer_in(value, Some(unit))
}

pub fn from_epoch_integer_in(value: i64, unit: Option<Unit>) -> Option<Nanos> {
    #[allow(clippy::cast_precision_loss)]
    let unit = unit.unwrap_or_else(|| epoch_unit_of((value as f64).abs()));
    #[allow(clippy::cast_possible_truncation)]
    value.checked_mul(unit.nanos() as i64)
}

/// A timestamp string in any form the contract reads: RFC 3339 (with or
/// without an offset, `T` or a space), epoch digits (in `unit`, or by
/// magnitude), Common Log Format `01/Dec/2026:13:05:10 +0000`,
/// `2026/12/01 13:05:10` and Go's `time.String`. Forms without an offset
/// are UTC. Anything else is no time: better untimed than mis-timed.
pub fn parse_time_text(b: &[u8], unit: Option<Unit>) -> Option<Nanos> {
    if let Some(n) = parse_rfc3339_utc_fast(b) {
        return Some(n);
    }
    let s = std::str::from_utf8(b).ok()?.trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|c| c.is_ascii_digit()) {
        return from_epoch_integer_in(s.parse().ok()?, unit);
    }
    if s.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
        return from_epoch_number_in(s.parse().ok()?, unit);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return t.timestamp_nanos_opt();
    }
    parse_other_time(s)
}

fn parse_other_time(s: &str) -> Option<Nanos> {
    use chrono::NaiveDateTime;
    // Go's time.String: "2026-12-01 13:05:10.123 +0000 UTC m=+0.01".
    let s = s.split(" m=").next().unwrap_or(s);
    for form in [
        "%d/%b/%Y:%H:%M:%S %z",
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, form) {
            return t.timestamp_nanos_opt();
        }
    }
    // A zone abbreviation after the offset ("+0000 UTC") adds nothing.
    if let Some((head, tail)) = s.rsplit_once(' ') {
        if !tail.is_empty() && tail.bytes().all(|c| c.is_ascii_uppercase()) {
            if let Ok(t) = DateTime::parse_from_str(head, "%Y-%m-%d %H:%M:%S%.f %z") {
                return t.timestamp_nanos_opt();
            }
        }
    }
    let naive = s.strip_suffix('Z').unwrap_or(s);
    for form in ["%Y/%m/%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(naive, form) {
            return t.and_utc().timestamp_nanos_opt();
        }
    }
    None
}

pub fn format_utc(nanos: Nanos) -> String {
    DateTime::<Utc>::from_timestamp_nanos(nanos).to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

pub fn format_utc_secs(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .map_or_else(|| secs.to_string(), |t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// What a fraction of n digits is multiplied by to give nanoseconds.
const POW10_NANOS: [i64; 10] =
    [1_000_000_000, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

/// The common `YYYY-MM-DDTHH:MM:SS[.fff]Z` shape without chrono's general
/// parser, which is the slowest part of a line otherwise. Anything else
/// returns `None` and goes to chrono.
fn parse_rfc3339_utc_fast(b: &[u8]) -> Option<Nanos> {
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if *b.last()? != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| digits(&b[r]);
    let second = num(17..19)?;
    if second > 59 {
        return None;
    }
    let minute_start = minute_start(&b[..16])?;
    let frac = &b[19..b.len() - 1];
    let mut nanos = 0i64;
    if !frac.is_empty() {
        if frac[0] != b'.' || frac.len() < 2 || frac.len() > 10 {
            return None;
        }
        let digits = &frac[1..];
        for &c in digits {
            if !c.is_ascii_digit() {
                return None;
            }
            nanos = nanos * 10 + i64::from(c - b'0');
        }
        nanos *= POW10_NANOS[digits.len()];
    }
    minute_start.checked_add(second * 1_000_000_000 + nanos)
}

/// Nanoseconds at the start of the minute `YYYY-MM-DDTHH:MM`. Consecutive
/// lines almost always share it, so the last answer is kept per thread.
fn minute_start(b: &[u8]) -> Option<Nanos> {
    thread_local! {
        static LAST: std::cell::Cell<([u8; 16], Nanos)> = const { std::cell::Cell::new(([0; 16], 0)) };
    }
    let key: [u8; 16] = b.try_into().ok()?;
    let (last_key, last) = LAST.get();
    if last_key == key {
        return Some(last);
    }
    let num = |r: std::ops::Range<usize>| digits(&b[r]);
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute) = (num(11..13)?, num(14..16)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 {
        return None;
    }
    // Years past 2262 (or before 1677) do not fit i64 nanoseconds: untimed.
    let minutes = (days_from_civil(year, month, day) * 24 + hour) * 60 + minute;
    let start = minutes.checked_mul(60_000_000_000)?;
    LAST.set((key, start));
    Some(start)
}

/// The value of an all-digit field, `None` if any byte is not a digit.
fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |v, &c| c.is_ascii_digit().then(|| v * 10 + i64::from(c - b'0')))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chrono_nanos(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_nanos_opt().unwrap()
    }

    #[test]
    fn fast_path_agrees_with_chrono() {
        for s in [
            "2026-11-24T13:47:22.383Z",
            "2026-11-24T13:47:22Z",
            "2024-02-29T23:59:59.999999999Z",
            "1970-01-01T00:00:00Z",
            "2000-03-01T00:00:00.5Z",
        ] {
            assert_eq!(parse_rfc3339(s), Some(chrono_nanos(s)), "{s}");
        }
    }

    #[test]
    fn offsets_convert_to_utc() {
        assert_eq!(parse_rfc3339("2026-11-24T14:47:22+01:00"), parse_rfc3339("2026-11-24T13:47:22Z"));
        assert_eq!(parse_rfc3339("2026-11-24T08:17:22.5-05:30"), parse_rfc3339("2026-11-24T13:47:22.5Z"));
    }

    #[test]
    fn rejects_impossible_dates() {
        assert_eq!(parse_rfc3339("2026-02-30T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2026-11-24T25:00:00Z"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339(""), None);
    }

    #[test]
    fn epoch_seconds_and_millis() {
        let t = parse_rfc3339("2026-11-24T13:00:00Z").unwrap();
        assert_eq!(from_epoch_integer(t / 1_000_000_000), Some(t));
        assert_eq!(from_epoch_integer(t / 1_000_000 + 1), Some(t + 1_000_000));
        assert_eq!(from_epoch_number(1_795_525_200.25), Some(1_795_525_200_250_000_000));
        assert_eq!(from_epoch_number(1_795_525_200_001.0), Some(1_795_525_200_001_000_000));
        assert_eq!(from_epoch_number(f64::NAN), None);
        assert_eq!(from_epoch_number(1e300), None);
    }

    #[test]
    fn other_time_forms() {
        let t = parse_rfc3339("2026-12-01T13:05:10Z").unwrap();
        let p = |s: &str| parse_time_text(s.as_bytes(), None);
        assert_eq!(p("01/Dec/2026:13:05:10 +0000"), Some(t));
        assert_eq!(p("01/Dec/2026:14:05:10 +0100"), Some(t));
        assert_eq!(p("2026/12/01 13:05:10"), Some(t));
        assert_eq!(p("2026-12-01 13:05:10.5 +0000 UTC"), Some(t + 500_000_000));
        assert_eq!(p("2026-12-01 13:05:10.5 +0000 UTC m=+0.001"), Some(t + 500_000_000));
        assert_eq!(p("2026-12-01 13:05:10"), Some(t));
        assert_eq!(p("2026-12-01T13:05:10"), Some(t));
        assert_eq!(p("2026-12-01T13:05:10.1234567+00:00"), Some(t + 123_456_700));
        assert_eq!(p("1796130310"), Some(t));
        assert_eq!(p("1796130310000"), Some(t));
        assert_eq!(p("1796130310000000000"), Some(t));
        assert_eq!(parse_time_text(b"1796130310000", Some(Unit::Ms)), Some(t));
        assert_eq!(p("1796130310.5"), Some(t + 500_000_000));
        assert_eq!(from_epoch_integer_in(1_796_130_310_000_000, None), Some(t));
        for bad in ["yesterday", "", "13:05:10", "2026-13-01 00:00:00", "Dec 1"] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_utc() {
        assert_eq!(
            format_utc(parse_rfc3339("2026-11-24T13:47:22.383Z").unwrap()),
            "2026-11-24T13:47:22.383Z"
        );
        assert_eq!(format_utc_secs(1_795_525_200), "2026-11-24T13:00:00Z");
    }
}

/// Parses a duration such as `30s`, `1m`, `15m`, `1h` or `1d` into seconds.
pub fn parse_duration_secs(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: i64 =
        digits.parse().map_err(|_| format!("'{s}' is not a duration (try 30s, 1m, 15m, 1h or 1d)"))?;
    let mult = match unit {
        "s" | "sec" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "" => return Err(format!("'{s}' needs a unit: s, m, h or d (for example 1m)")),
        other => return Err(format!("'{other}' is not a unit in '{s}': use s, m, h or d")),
    };
    match n.checked_mul(mult) {
        Some(v) if v > 0 && v <= 366 * 86_400 => Ok(v),
        Some(0) => Err(format!("'{s}' is zero: a duration must be positive")),
        _ => Err(format!("'{s}' is out of range (at most 366d)")),
    }
}

#[cfg(test)]
mod duration_tests {
    use super::parse_duration_secs as p;

    #[test]
    fn durations() {
        assert_eq!(p("1m"), Ok(60));
        assert_eq!(p("30s"), Ok(30));
        assert_eq!(p("6h"), Ok(21_600));
        assert_eq!(p("1d"), Ok(86_400));
        for bad in ["", "m", "1", "0m", "1x", "-1m", "99999999999999999999m", "1.5m"] {
            assert!(p(bad).is_err(), "{bad}");
        }
    }
}

/// `--since` / `--until`: a duration back from `now` (`30m`, `2h`) or an
/// RFC 3339 time.
pub fn parse_time_arg(s: &str, now: Nanos) -> Result<Nanos, String> {
    if let Some(t) = parse_rfc3339(s.trim()) {
        return Ok(t);
    }
    let t = s.trim();
    // A date alone is its midnight, UTC.
    if t.len() == 10 && t.as_bytes()[4] == b'-' && t.as_bytes()[7] == b'-' {
        if let Some(midnight) = parse_rfc3339(&format!("{t}T00:00:00Z")) {
            return Ok(midnight);
        }
    }
    if t.starts_with(|c: char| c.is_ascii_digit()) && !t.contains('-') && !t.contains(':') {
        let secs = parse_duration_secs(t)?;
        return secs
            .checked_mul(1_000_000_000)
            .and_then(|back| now.checked_sub(back))
            .ok_or_else(|| format!("'{s}' reaches back further than a time can be"));
    }
    Err(format!(
        "'{s}' is neither a duration such as 30m, a date such as 2026-11-24, nor an RFC 3339 time such as 2026-11-24T13:00:00Z"
    ))
}

pub fn now_nanos() -> Nanos {
    Utc::now().timestamp_nanos_opt().unwrap_or(0)
}
