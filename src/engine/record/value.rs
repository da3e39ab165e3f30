//! The forms a field's value may take, read into the record's types: a
//! status as a number, digits or `"503 Service Unavailable"`; a latency in
//! any unit or as a duration string; a path from a request line or a URL.

use std::borrow::Cow;

use super::scalar::Scalar;
use crate::engine::fields::Unit;

/// An HTTP status: any integer (saturated into `u16`) or digits; unless
/// `strict` (the contract's forms), also a float with no fraction or
/// digits followed by the reason phrase.
pub(super) fn status(v: Scalar<'_>, strict: bool) -> Option<u16> {
    match v {
        Scalar::UInt(u) => Some(u16::try_from(u).unwrap_or(u16::MAX)),
        Scalar::Int(i) => Some(u16::try_from(i).unwrap_or(if i < 0 { 0 } else { u16::MAX })),
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Scalar::Float(f) if !strict && f.fract() == 0.0 && (0.0..=65_535.0).contains(&f) => Some(f as u16),
        Scalar::Str(s) => status_text(s.as_bytes(), strict),
        _ => None,
    }
}

fn status_text(b: &[u8], strict: bool) -> Option<u16> {
    if !b.is_empty() && b.iter().all(u8::is_ascii_digit) {
        return Some(saturated_digits(b));
    }
    if strict {
        return None;
    }
    // "503 Service Unavailable": three digits, then the reason phrase.
    if b.len() > 4 && b[..3].iter().all(u8::is_ascii_digit) && b[3] == b' ' {
        return Some(saturated_digits(&b[..3]));
    }
    // "503.0", as some encoders write every number.
    let (int, frac) = split_at_byte(b, b'.')?;
    (!int.is_empty()
        && int.iter().all(u8::is_ascii_digit)
        && !frac.is_empty()
        && frac.iter().all(|&c| c == b'0'))
    .then(|| saturated_digits(int))
}

fn split_at_byte(b: &[u8], c: u8) -> Option<(&[u8], &[u8])> {
    let i = memchr::memchr(c, b)?;
    Some((&b[..i], &b[i + 1..]))
}

fn saturated_digits(b: &[u8]) -> u16 {
    let digits = &b[b.iter().position(|&c| c != b'0').unwrap_or(b.len())..];
    if digits.len() > 5 {
        return u16::MAX;
    }
    let v = digits.iter().fold(0u32, |v, &c| v * 10 + u32::from(c - b'0'));
    u16::try_from(v).unwrap_or(u16::MAX)
}

/// Seconds to wait: an integer, or digits (a header's value) unless `strict`.
pub(super) fn seconds(v: Scalar<'_>, strict: bool) -> Option<u64> {
    match v {
        Scalar::UInt(u) => Some(u),
        Scalar::Str(s)
            if !strict && !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            s.parse().ok()
        }
        _ => None,
    }
}

/// A latency in milliseconds: a number in `unit` (milliseconds when none
/// is given), digits in a string likewise, or a duration string such as
/// `"0.012s"`, `"12ms"` or Go's `"1m2.5s"`.
pub(super) fn latency_ms(v: Scalar<'_>, unit: Option<Unit>, strict: bool) -> Option<f64> {
    let scale = unit.unwrap_or(Unit::Ms).nanos() / 1e6;
    #[allow(clippy::cast_precision_loss)]
    let ms = match v {
        Scalar::UInt(u) => u as f64 * scale,
        Scalar::Int(i) => i as f64 * scale,
        Scalar::Float(f) => f * scale,
        Scalar::Str(s) if !strict => return duration_text_ms(s.trim(), scale),
        Scalar::Str(_) | Scalar::Other => return None,
    };
    ms.is_finite().then_some(ms)
}

/// A duration string read as milliseconds; plain digits are in `scale`
/// milliseconds each.
pub(super) fn duration_text_ms(s: &str, scale: f64) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    if let Ok(v) = s.parse::<f64>() {
        return (v.is_finite()).then_some(v * scale);
    }
    let mut total = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let n = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if n == 0 {
            return None;
        }
        let value: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let ms = match &rest[..u] {
            "ns" => 1e-6,
            "us" | "µs" | "μs" => 1e-3,
            "ms" => 1.0,
            "s" => 1e3,
            "m" => 60e3,
            "h" => 3_600e3,
            _ => return None,
        };
        total += value * ms;
        rest = &rest[u..];
    }
    Some(total)
}

/// A text field's value: a string that says something (`""` and `"-"`,
/// which access logs write for "none", do not).
pub(super) fn text(s: Cow<'_, str>) -> Option<Cow<'_, str>> {
    (!is_blank_text(s.as_bytes())).then_some(s)
}

pub(super) fn is_blank_text(b: &[u8]) -> bool {
    b.is_empty() || b == b"-"
}

/// The request target of a path field: from a request line
/// (`GET /v1/x HTTP/1.1`) the middle word, from an absolute URL what
/// follows its host.
pub(super) fn path(s: Cow<'_, str>) -> Cow<'_, str> {
    let target = |t: &str| -> Option<(usize, usize)> {
        if let Some((_, rest)) = request_line(t) {
            let start = t.len() - rest.len();
            let end = start + rest.find(' ').unwrap_or(rest.len());
            return Some((start, end));
        }
        let after_scheme =
            t.find("://").filter(|&i| i > 0 && t[..i].bytes().all(|b| b.is_ascii_alphabetic()))? + 3;
        let start = t[after_scheme..].find('/').map_or(t.len(), |p| after_scheme + p);
        Some((start, t.len()))
    };
    match target(&s) {
        None => s,
        Some((a, b)) if a == b => Cow::Borrowed("/"),
        Some((a, b)) => match s {
            Cow::Borrowed(t) => Cow::Borrowed(&t[a..b]),
            Cow::Owned(t) => Cow::Owned(t[a..b].to_owned()),
        },
    }
}

/// The method of a method field: the first word of a request line.
pub(super) fn method(s: Cow<'_, str>) -> Cow<'_, str> {
    match request_line(&s).map(|(m, _)| m.len()) {
        None => s,
        Some(n) => match s {
            Cow::Borrowed(t) => Cow::Borrowed(&t[..n]),
            Cow::Owned(t) => Cow::Owned(t[..n].to_owned()),
        },
    }
}

/// `METHOD SP target [SP HTTP/x]`: the method and what follows it.
fn request_line(s: &str) -> Option<(&str, &str)> {
    let (m, rest) = s.split_once(' ')?;
    let is_method = !m.is_empty() && m.len() <= 16 && m.bytes().all(|b| b.is_ascii_uppercase());
    (is_method && (rest.starts_with('/') || rest.starts_with("http") || rest.starts_with('*')))
        .then_some((m, rest))
}

/// The client of a client address field: the first of a list
/// (`X-Forwarded-For: client, proxy`), without a port (`ip:port`,
/// `[v6]:port`).
pub(super) fn client_ip(s: Cow<'_, str>) -> Cow<'_, str> {
    let t: &str = &s;
    let first = t.split(',').next().unwrap_or(t).trim();
    let host = if let Some(rest) = first.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else if first.matches(':').count() == 1 {
        // One colon: IPv4 (or a name) with a port. IPv6 has more.
        first.split(':').next().unwrap_or(first)
    } else {
        first
    };
    if host.len() == t.len() {
        return s;
    }
    match s {
        Cow::Borrowed(b) => {
            let start = host.as_ptr() as usize - b.as_ptr() as usize;
            Cow::Borrowed(&b[start..start + host.len()])
        }
        Cow::Owned(_) => Cow::Owned(host.to_owned()),
    }
}

/// A level given as a number: pino's and bunyan's scale.
pub(super) fn level_number(n: u64) -> Option<&'static str> {
    Some(match n {
        10 => "trace",
        20 => "debug",
        30 => "info",
        40 => "warn",
        50 => "error",
        60 => "fatal",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Scalar<'_> {
        Scalar::Str(Cow::Borrowed(v))
    }

    #[test]
    fn status_forms() {
        let any = |v| status(v, false);
        assert_eq!(any(Scalar::UInt(503)), Some(503));
        assert_eq!(any(s("503")), Some(503));
        assert_eq!(any(s("503 Service Unavailable")), Some(503));
        assert_eq!(any(Scalar::Float(503.0)), Some(503));
        assert_eq!(any(s("503.0")), Some(503));
        assert_eq!(any(Scalar::Float(503.5)), None);
        assert_eq!(any(s("5xx")), None);
        assert_eq!(any(s("")), None);
        assert_eq!(any(s("50 x")), None);
        assert_eq!(any(s("00000000000000000429")), Some(429));
        // The contract's own forms: integers and digits only.
        assert_eq!(status(s("503 Service Unavailable"), true), None);
        assert_eq!(status(Scalar::Float(503.0), true), None);
        assert_eq!(status(s("503"), true), Some(503));
    }

    #[test]
    fn latency_forms() {
        let ms = |v, unit| latency_ms(v, unit, false);
        assert_eq!(ms(Scalar::Float(0.25), Some(Unit::S)), Some(250.0));
        assert_eq!(ms(Scalar::UInt(1_500_000), Some(Unit::Ns)), Some(1.5));
        assert_eq!(ms(Scalar::Float(12.5), None), Some(12.5));
        assert_eq!(ms(s("0.012s"), None), Some(12.0));
        assert_eq!(ms(s("12ms"), None), Some(12.0));
        assert_eq!(ms(s("1m2.5s"), None), Some(62_500.0));
        assert_eq!(ms(s("250µs"), None), Some(0.25));
        assert_eq!(ms(s("0.005"), Some(Unit::S)), Some(5.0));
        assert_eq!(ms(s("fast"), None), None);
        assert_eq!(ms(s("-"), None), None);
        assert_eq!(latency_ms(s("0.012s"), None, true), None);
    }

    #[test]
    fn paths_from_request_lines_and_urls() {
        let p = |v: &str| path(Cow::Borrowed(v)).into_owned();
        assert_eq!(p("GET /v1/orders?limit=2 HTTP/1.1"), "/v1/orders?limit=2");
        assert_eq!(p("https://api.example.com/v1/orders/7?x=1"), "/v1/orders/7?x=1");
        assert_eq!(p("https://api.example.com"), "/");
        assert_eq!(p("/v1/orders"), "/v1/orders");
        assert_eq!(p("GET / HTTP/2.0"), "/");
        assert_eq!(method(Cow::Borrowed("POST /v1/payments HTTP/1.1")), "POST");
        assert_eq!(method(Cow::Borrowed("POST")), "POST");
    }

    #[test]
    fn client_addresses() {
        let ip = |v: &str| client_ip(Cow::Borrowed(v)).into_owned();
        assert_eq!(ip("198.51.100.23,10.128.0.41"), "198.51.100.23");
        assert_eq!(ip("198.51.100.23, 10.0.0.1"), "198.51.100.23");
        assert_eq!(ip("10.20.3.41:51872"), "10.20.3.41");
        assert_eq!(ip("[2001:db8::1]:443"), "2001:db8::1");
        assert_eq!(ip("2001:db8::1"), "2001:db8::1");
        assert_eq!(ip("::ffff:10.42.3.1"), "::ffff:10.42.3.1");
        assert_eq!(ip("203.0.113.9"), "203.0.113.9");
    }
}
