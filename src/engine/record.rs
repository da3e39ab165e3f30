//! One log line to one record, exactly as the log-format contract defines,
//! with the fields found where the source's [`FieldMap`] says they are.
//!
//! The line is read straight into the fields a caller needs, borrowing
//! strings from the line where it can: by a fast scanner (`fast`) for the
//! common shapes, and otherwise by serde_json visitors (`visit`) that walk
//! everything else with serde_json's own `deserialize_any`. Both fill the
//! same [`collect::Collector`]. So a line is malformed here exactly when
//! `serde_json::Value` would reject it: same grammar, same recursion limit,
//! same checks on surrogates and numbers.

use std::borrow::Cow;

use serde::de::Deserializer;

use super::fields::FieldMap;
pub use super::fields::Need;
use super::time::Nanos;

/// What a non-blank line turned out to be.
// Boxing the record would cost an allocation per line on the hot path.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed<'a> {
    Malformed(MalformedKind),
    Event(Record<'a>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MalformedKind {
    /// Not JSON, truncated JSON, trailing garbage, nesting past the limit.
    InvalidJson,
    /// Valid JSON, but not an object.
    NotAnObject,
    /// Longer than the line cap; skipped without being parsed.
    Oversized,
}

impl MalformedKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MalformedKind::InvalidJson => "invalid JSON",
            MalformedKind::NotAnObject => "not a JSON object",
            MalformedKind::Oversized => "oversized line",
        }
    }
}

/// The fields of an event the tool understands. Everything else stays in
/// the line and is shown from there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record<'a> {
    pub ts: Option<Nanos>,
    /// Any integer status, saturated into `u16`; a request only in 100..=599.
    pub status: Option<u16>,
    pub code: Option<Cow<'a, str>>,
    pub request_id: Option<Cow<'a, str>>,
    pub message: Option<Cow<'a, str>>,
    pub method: Option<Cow<'a, str>>,
    pub path: Option<Cow<'a, str>>,
    pub api_key_id: Option<Cow<'a, str>>,
    pub latency_ms: Option<f64>,
    pub retry_after: Option<u64>,
    /// Not in the contract's table, but what operators rank by: the caller's
    /// address and the upstream service an event names.
    pub client_ip: Option<Cow<'a, str>>,
    pub upstream: Option<Cow<'a, str>>,
    pub level: Option<Cow<'a, str>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Event,
    Success,
    Failure,
}

impl Class {
    /// The contract's class of a line with this status: a request has one
    /// in 100..=599, a failed request one in 400..=599.
    pub fn of(status: Option<u16>) -> Class {
        match status {
            Some(400..=599) => Class::Failure,
            Some(100..=399) => Class::Success,
            _ => Class::Event,
        }
    }

    /// A failure or an event that is no request: the lines whose other
    /// fields (key, route, request id, upstream) the rankings and the live
    /// view read. Successes, nine lines in ten, need only counting.
    pub fn needs_detail(self) -> bool {
        self != Class::Success
    }
}

/// A 5xx: the server's failure, not the client's.
pub fn is_server_error(status: u16) -> bool {
    (500..=599).contains(&status)
}

impl Record<'_> {
    pub fn is_request(&self) -> bool {
        self.class() != Class::Event
    }
    pub fn is_failure(&self) -> bool {
        self.class() == Class::Failure
    }
    pub fn is_rate_limited(&self) -> bool {
        self.status == Some(429)
    }
    pub fn is_server_error(&self) -> bool {
        self.status.is_some_and(is_server_error)
    }
    pub fn class(&self) -> Class {
        Class::of(self.status)
    }
    pub fn into_owned(self) -> Record<'static> {
        let own = |c: Option<Cow<'_, str>>| c.map(|c| Cow::Owned(c.into_owned()));
        Record {
            ts: self.ts,
            status: self.status,
            code: own(self.code),
            request_id: own(self.request_id),
            message: own(self.message),
            method: own(self.method),
            path: own(self.path),
            api_key_id: own(self.api_key_id),
            latency_ms: self.latency_ms,
            retry_after: self.retry_after,
            client_ip: own(self.client_ip),
            upstream: own(self.upstream),
            level: own(self.level),
        }
    }
}

/// Strips what the contract says to ignore around a line: one trailing
/// `\r`. Returns `None` for a blank line (empty or only white space).
#[inline]
pub fn trim_line(line: &[u8]) -> Option<&[u8]> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    // A NUL run is what a copytruncate leaves under a writer that kept its
    // offset: the hole, not part of the line written after it.
    let line = &line[line.iter().position(|&b| b != 0).unwrap_or(line.len())..];
    match line.iter().position(|b| !b.is_ascii_whitespace()) {
        None => None,
        Some(i) if line[i].is_ascii() => Some(line),
        // Starts with non-ASCII: blank only if every character is Unicode
        // white space (a stray NBSP line, say).
        Some(_) => {
            if String::from_utf8_lossy(line).chars().all(char::is_whitespace) {
                None
            } else {
                Some(line)
            }
        }
    }
}

/// Parses one trimmed, non-blank line, every field. Never panics, whatever
/// the bytes.
pub fn parse_line<'a>(map: &FieldMap, line: &'a [u8]) -> Parsed<'a> {
    read(map, line, Need::All)
}

/// The one reader: one trimmed, non-blank line to one record, keeping what
/// `need` asks for. Counting (`Need::Counts`) keeps the time, status, code
/// and Retry-After; the live view (`Need::Insights`) also the request's
/// key, route, client, upstream and id, read only for the failures and
/// other events that use them (a success's are located, never read); a
/// filter or the detail view (`Need::All`) everything.
pub fn read<'a>(map: &FieldMap, line: &'a [u8], need: Need) -> Parsed<'a> {
    let mut c = Collector::new(map, need, true);
    if let Some(text) = fast::parse_object(line, &mut c) {
        if !c.settled_into_detail() {
            return Parsed::Event(c.take_record(line, text));
        }
    }
    parse_line_reference(map, line, need)
}

/// [`read`], handing the result to `f` by reference: the read loop's way,
/// since a record moved through return values per line cost a tenth of
/// counting in copies.
#[inline]
pub fn read_then<R>(map: &FieldMap, line: &[u8], need: Need, f: impl FnOnce(&Parsed<'_>) -> R) -> R {
    // One copy of the scanner per need, each with its need a constant:
    // counting's copy then carries none of the live view's branches.
    match need {
        Need::Counts => read_then_for(map, line, Need::Counts, f),
        Need::Insights => read_then_for(map, line, Need::Insights, f),
        Need::All => read_then_for(map, line, Need::All, f),
    }
}

#[inline(always)]
fn read_then_for<R>(map: &FieldMap, line: &[u8], need: Need, f: impl FnOnce(&Parsed<'_>) -> R) -> R {
    let mut c = Collector::new(map, need, true);
    if let Some(text) = fast::parse_object(line, &mut c) {
        if need == Need::Counts {
            return f(&Parsed::Event(c.take_counted()));
        }
        if !c.settled_into_detail() {
            return f(&Parsed::Event(c.take_record(line, text)));
        }
    }
    f(&parse_line_reference(map, line, need))
}

/// A line the fast scanner left, read by serde_json.
fn parse_line_reference<'a>(map: &FieldMap, line: &'a [u8], need: Need) -> Parsed<'a> {
    // The reference path: serde_json reads the line as `str` (validated once,
    // so it need not validate each string inside).
    match std::str::from_utf8(line) {
        Ok(text) => match parse_text_serde(map, text, need) {
            Ok(rec) => Parsed::Event(rec),
            Err(kind) => Parsed::Malformed(kind),
        },
        // The contract decodes invalid UTF-8 lossily and parses the line anyway.
        Err(_) => {
            let text = String::from_utf8_lossy(line).into_owned();
            match parse_text_serde(map, &text, need) {
                Ok(rec) => Parsed::Event(rec.into_owned()),
                Err(kind) => Parsed::Malformed(kind),
            }
        }
    }
}

#[cfg(test)]
fn parse_text<'a>(map: &FieldMap, text: &'a str, need: Need) -> Result<Record<'a>, MalformedKind> {
    match read(map, text.as_bytes(), need) {
        Parsed::Event(r) => Ok(r),
        Parsed::Malformed(k) => Err(k),
    }
}

/// The reference path: serde_json decides what is valid.
fn parse_text_serde<'a>(map: &FieldMap, text: &'a str, need: Need) -> Result<Record<'a>, MalformedKind> {
    match parse_text_serde_once(map, text, need) {
        Err(Unreadable::OutOfRange(at)) => parse_without_huge_numbers(map, text, at, need),
        other => other.map_err(Unreadable::kind),
    }
}

/// Why serde_json could not read a line.
enum Unreadable {
    Malformed(MalformedKind),
    /// A number no float holds (`1e400`), ending at this byte: the JSON is
    /// valid, and the value is one that cannot be used, like `null`.
    OutOfRange(usize),
}

impl Unreadable {
    fn kind(self) -> MalformedKind {
        match self {
            Unreadable::Malformed(k) => k,
            Unreadable::OutOfRange(_) => MalformedKind::InvalidJson,
        }
    }
}

/// Reads `text` again with each number too large for a float written as
/// `null` (a few at most: a line of many is left malformed).
fn parse_without_huge_numbers<'a>(
    map: &FieldMap,
    text: &str,
    first: usize,
    need: Need,
) -> Result<Record<'a>, MalformedKind> {
    const MAX_REWRITES: usize = 16;
    let mut patched = text.to_owned();
    let mut at = first;
    for _ in 0..MAX_REWRITES {
        let bytes = patched.as_bytes();
        let is_number_byte = |b: u8| b.is_ascii_digit() || matches!(b, b'e' | b'E' | b'+' | b'-' | b'.');
        let end = (at..bytes.len()).find(|&i| !is_number_byte(bytes[i])).unwrap_or(bytes.len());
        let start = (0..end.min(bytes.len())).rev().find(|&i| !is_number_byte(bytes[i])).map_or(0, |i| i + 1);
        if start >= end {
            return Err(MalformedKind::InvalidJson);
        }
        patched.replace_range(start..end, "null");
        match parse_text_serde_once(map, &patched, need) {
            Ok(r) => return Ok(r.into_owned()),
            Err(Unreadable::OutOfRange(next)) => at = next,
            Err(e) => return Err(e.kind()),
        }
    }
    Err(MalformedKind::InvalidJson)
}

fn parse_text_serde_once<'a>(map: &FieldMap, text: &'a str, need: Need) -> Result<Record<'a>, Unreadable> {
    let mut de = serde_json::Deserializer::from_str(text);
    let mut c = Collector::new(map, need, false);
    match de.deserialize_any(TopVisitor { c: &mut c }) {
        Ok(is_object) => {
            // Trailing bytes make it no JSON at all, whatever came first.
            if de.end().is_err() {
                return Err(Unreadable::Malformed(MalformedKind::InvalidJson));
            }
            if !is_object {
                return Err(Unreadable::Malformed(MalformedKind::NotAnObject));
            }
        }
        // serde_json says where it stopped: just past the number (1-based
        // column on the line's only line).
        Err(e) if e.to_string().starts_with("number out of range") && e.line() == 1 => {
            return Err(Unreadable::OutOfRange(e.column().saturating_sub(1)));
        }
        Err(_) => return Err(Unreadable::Malformed(MalformedKind::InvalidJson)),
    }
    Ok(c.take_record(text.as_bytes(), Some(text)))
}

mod collect;
mod fast;
mod scalar;
mod value;
mod visit;

use collect::Collector;
use visit::TopVisitor;

#[cfg(test)]
mod tests;
