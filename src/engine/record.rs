//! One log line to one record, exactly as the log-format contract defines.
//!
//! The line is read straight into the few fields the counts need, borrowing
//! strings from the line where it can: by a fast scanner (`fast`) for the
//! common shapes, and otherwise by serde_json visitors (`visit`) that walk
//! everything else with serde_json's own `deserialize_any`. So a line is
//! malformed here exactly when `serde_json::Value` would reject it: same
//! grammar, same recursion limit, same checks on surrogates and numbers.

use std::borrow::Cow;

use serde::de::Deserializer;

use super::time::{self, Nanos};

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
        }
    }
}

/// Strips what the contract says to ignore around a line: one trailing
/// `\r`. Returns `None` for a blank line (empty or only white space).
#[inline]
pub fn trim_line(line: &[u8]) -> Option<&[u8]> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
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

/// Which fields a caller needs: counting needs only the timestamp, the
/// status and the code, so the others are checked but not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Timestamp, status and code: what `summary` counts.
    Counts,
    /// Counts, plus the key, route, client and request id of failures and
    /// the upstream of events, for the "who is behind it" rankings.
    Insights,
    All,
}

/// Parses one trimmed, non-blank line. Never panics, whatever the bytes.
pub fn parse_line(line: &[u8]) -> Parsed<'_> {
    parse_line_for(line, Need::All)
}

/// Like [`parse_line`], keeping only what `need` asks for.
pub fn parse_line_for(line: &[u8], need: Need) -> Parsed<'_> {
    let mut fields = Fields::for_need(need);
    if fast::parse_object(line, &mut fields).is_some() {
        return Parsed::Event(fields.take_record_from(line));
    }
    parse_line_reference(line, need)
}

/// A line read for a consumer that counts every event and looks closer at
/// failures and non-request events (what [`Need::Insights`] serves).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Read<'a> {
    Malformed(MalformedKind),
    /// A success: only counted, so no record is built for it.
    Plain(CountedEvent<'a>),
    /// One that [`CountedEvent::needs_detail`], with the fields of `Need::Insights`.
    Detailed(Record<'a>),
}

/// Reads one trimmed, non-blank line as [`parse_line_for`] with
/// [`Need::Insights`] would, building a record only where one is used.
pub fn read_line(line: &[u8]) -> Read<'_> {
    if let Some(read) = count::read_fast(line) {
        return read;
    }
    match parse_line_reference(line, Need::Insights) {
        Parsed::Malformed(kind) => Read::Malformed(kind),
        Parsed::Event(r) if !r.class().needs_detail() => Read::Plain(r.into()),
        Parsed::Event(r) => Read::Detailed(r),
    }
}

/// A line the fast scanner left, read by serde_json.
fn parse_line_reference(line: &[u8], need: Need) -> Parsed<'_> {
    // The reference path: serde_json reads the line as `str` (validated once,
    // so it need not validate each string inside).
    match std::str::from_utf8(line) {
        Ok(text) => match parse_text_serde(text, need) {
            Ok(rec) => Parsed::Event(rec),
            Err(kind) => Parsed::Malformed(kind),
        },
        // The contract decodes invalid UTF-8 lossily and parses the line anyway.
        Err(_) => {
            let text = String::from_utf8_lossy(line).into_owned();
            match parse_text_serde(&text, need) {
                Ok(rec) => Parsed::Event(rec.into_owned()),
                Err(kind) => Parsed::Malformed(kind),
            }
        }
    }
}

#[cfg(test)]
fn parse_text(text: &str, need: Need) -> Result<Record<'_>, MalformedKind> {
    match parse_line_for(text.as_bytes(), need) {
        Parsed::Event(r) => Ok(r),
        Parsed::Malformed(k) => Err(k),
    }
}

/// The reference path: serde_json decides what is valid.
fn parse_text_serde(text: &str, need: Need) -> Result<Record<'_>, MalformedKind> {
    let mut de = serde_json::Deserializer::from_str(text);
    // Filled in place: moving a struct this size through serde's layers of
    // `Result`s per line showed up as a tenth of the time in memmove.
    let mut fields = Fields::for_need(need);
    match de.deserialize_any(TopVisitor { fields: &mut fields }) {
        Ok(true) => {}
        Ok(false) => return Err(MalformedKind::NotAnObject),
        Err(_) => return Err(MalformedKind::InvalidJson),
    }
    if de.end().is_err() {
        return Err(MalformedKind::InvalidJson);
    }
    Ok(fields.take_record())
}

/// A value found under one of a field's names, with the rank of that name
/// in the contract's order (lower wins; on a tie, the later key wins, as
/// with `serde_json::Value`).
struct Ranked<T> {
    rank: u8,
    value: T,
}

fn offer<T>(slot: &mut Option<Ranked<T>>, rank: u8, value: Option<T>) {
    if let Some(value) = value {
        if slot.as_ref().is_none_or(|s| rank <= s.rank) {
            *slot = Some(Ranked { rank, value });
        }
    }
}

enum TsValue<'a> {
    Text(Cow<'a, str>),
    /// A string without escapes, as it stands in the line.
    Raw(&'a [u8]),
    Int(i64),
    Float(f64),
}

impl TsValue<'_> {
    fn nanos(self) -> Option<Nanos> {
        match self {
            TsValue::Text(s) => time::parse_rfc3339(&s),
            TsValue::Raw(b) => time::parse_rfc3339_bytes(b),
            TsValue::Int(i) => time::from_epoch_integer(i),
            TsValue::Float(f) => time::from_epoch_number(f),
        }
    }
}

#[derive(Default)]
struct Fields<'a> {
    ts: Option<Ranked<TsValue<'a>>>,
    status: Option<Ranked<u16>>,
    code: Option<Ranked<Cow<'a, str>>>,
    request_id: Option<Ranked<Cow<'a, str>>>,
    message: Option<Ranked<Cow<'a, str>>>,
    method: Option<Cow<'a, str>>,
    path: Option<Cow<'a, str>>,
    api_key_id: Option<Cow<'a, str>>,
    latency_ms: Option<f64>,
    retry_after: Option<u64>,
    client_ip: Option<Cow<'a, str>>,
    upstream: Option<Cow<'a, str>>,
    counts_only: bool,
    /// Locate (not read) the strings only some records need.
    defer: bool,
    deferred: Deferred,
}

/// Byte ranges of string values located but not yet read (counting mode).
#[derive(Debug, Clone, Copy, Default)]
struct Deferred {
    request_id: Option<(u8, usize, usize)>,
    path: Option<(usize, usize)>,
    client_ip: Option<(usize, usize)>,
    upstream: Option<(usize, usize)>,
    api_key_id: Option<(usize, usize)>,
    method: Option<(usize, usize)>,
    /// The number's text, read with the scanner's own number rules.
    latency: Option<(usize, usize)>,
}

/// `String::from_utf8_lossy`, with the common valid case checked first:
/// the lossy decoder's own scan cost more on these short strings.
fn lossy(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

impl Deferred {
    #[inline]
    fn set(&mut self, slot: Slot, span: Option<(usize, usize)>) {
        match slot {
            Slot::RequestId(rank) => {
                if let Some((s, e)) = span {
                    if self.request_id.is_none_or(|(r, _, _)| rank <= r) {
                        self.request_id = Some((rank, s, e));
                    }
                }
            }
            Slot::Path => self.path = span,
            Slot::ClientIp => self.client_ip = span,
            Slot::Upstream => self.upstream = span,
            Slot::ApiKey => self.api_key_id = span,
            Slot::Method => self.method = span,
            Slot::Latency => self.latency = span,
            _ => {}
        }
    }

    /// Reads the located values from `line` into `r`; the request id is
    /// offered against one `request_id` already holds (from `error`).
    fn read_into<'a>(
        &self,
        line: &'a [u8],
        text: Option<&'a str>,
        request_id: &mut Option<Ranked<Cow<'a, str>>>,
        r: &mut Record<'a>,
    ) {
        // The line is checked for UTF-8 once (if the scanner has not done
        // it already), not once per string: six calls on short strings cost
        // more than one pass over the line.
        let text = text.or_else(|| std::str::from_utf8(line).ok());
        let read_at = |s: usize, e: usize| match text.and_then(|t| t.get(s..e)) {
            Some(valid) => Cow::Borrowed(valid),
            None => lossy(&line[s..e]),
        };
        let read = |span: Option<(usize, usize)>| span.map(|(s, e)| read_at(s, e));
        if let Some((rank, s, e)) = self.request_id {
            offer(request_id, rank, Some(read_at(s, e)));
        }
        r.path = read(self.path);
        r.client_ip = read(self.client_ip);
        r.upstream = read(self.upstream);
        r.api_key_id = read(self.api_key_id);
        r.method = read(self.method);
        r.latency_ms = self.latency.and_then(|(s, e)| fast::number_of(&line[s..e]));
    }
}

impl<'a> Fields<'a> {
    fn for_need(need: Need) -> Self {
        Fields { counts_only: need != Need::All, defer: need == Need::Insights, ..Fields::default() }
    }

    /// Where `key`'s value goes; fields counting does not need are skipped.
    fn slot(&self, key: impl AsRef<[u8]>) -> Slot {
        let slot = Slot::of(key.as_ref());
        if self.counts_only && (matches!(slot, Slot::Message(_)) || (!self.defer && Slot::is_deferred(slot)))
        {
            Slot::Other
        } else {
            slot
        }
    }

    /// Like `take_record`, reading deferred strings from `line` when the
    /// record is one whose details are used: a failure or a non-request event.
    fn take_record_from(&mut self, line: &'a [u8]) -> Record<'a> {
        if self.defer && Class::of(self.status.as_ref().map(|r| r.value)).needs_detail() {
            let mut located = Record::default();
            self.deferred.read_into(line, None, &mut self.request_id, &mut located);
            self.path = located.path;
            self.client_ip = located.client_ip;
            self.upstream = located.upstream;
            self.api_key_id = located.api_key_id;
            self.method = located.method;
            self.latency_ms = located.latency_ms;
        }
        self.take_record()
    }

    // By `&mut self`, taking field by field: moving the whole struct a
    // few times per line is measurable.
    fn take_record(&mut self) -> Record<'a> {
        let ts = self.ts.take().and_then(|r| r.value.nanos());
        Record {
            ts,
            status: self.status.take().map(|r| r.value),
            code: self.code.take().map(|r| r.value),
            request_id: self.request_id.take().map(|r| r.value),
            message: self.message.take().map(|r| r.value),
            method: self.method.take(),
            path: self.path.take(),
            api_key_id: self.api_key_id.take(),
            latency_ms: self.latency_ms,
            retry_after: self.retry_after,
            client_ip: self.client_ip.take(),
            upstream: self.upstream.take(),
        }
    }
}

impl<'a> fast::Target<'a> for Fields<'a> {
    fn slot(&self, key: &[u8]) -> Slot {
        Fields::slot(self, key)
    }
    fn apply(&mut self, slot: Slot, v: Scalar<'a>) {
        Fields::apply(self, slot, v);
    }
    fn apply_error(&mut self, e: ErrorValue<'a>) {
        Fields::apply_error(self, e);
    }
    fn apply_ts_text(&mut self, rank: u8, text: &'a [u8]) {
        offer(&mut self.ts, rank, Some(TsValue::Raw(text)));
    }
    #[inline]
    fn defers(&self) -> bool {
        self.defer
    }
    #[inline]
    fn defer(&mut self, slot: Slot, span: Option<(usize, usize)>) {
        self.deferred.set(slot, span);
    }
}

impl<'a> Fields<'a> {
    fn apply(&mut self, slot: Slot, v: Scalar<'a>) {
        match slot {
            Slot::Ts(rank) => offer(&mut self.ts, rank, v.timestamp()),
            Slot::Status(rank) => offer(&mut self.status, rank, v.status()),
            Slot::Code(rank) => offer(&mut self.code, rank, v.string()),
            Slot::RequestId(rank) => offer(&mut self.request_id, rank, v.string()),
            Slot::Message(rank) => offer(&mut self.message, rank, v.string()),
            Slot::Method => self.method = v.string(),
            Slot::Path => self.path = v.string(),
            Slot::ApiKey => self.api_key_id = v.string(),
            Slot::Latency => self.latency_ms = v.number(),
            Slot::RetryAfter => self.retry_after = v.seconds(),
            Slot::ClientIp => self.client_ip = v.string(),
            Slot::Upstream => self.upstream = v.string(),
            Slot::Error | Slot::Other => {}
        }
    }

    fn apply_error(&mut self, e: ErrorValue<'a>) {
        match e {
            ErrorValue::Text(s) => offer(&mut self.message, 3, Some(s)),
            ErrorValue::Object { code, message, request_id } => {
                offer(&mut self.code, 0, code);
                offer(&mut self.message, 0, message);
                offer(&mut self.request_id, 3, request_id);
            }
            ErrorValue::Other => {}
        }
    }
}

enum ErrorValue<'a> {
    Text(Cow<'a, str>),
    Object { code: Option<Cow<'a, str>>, message: Option<Cow<'a, str>>, request_id: Option<Cow<'a, str>> },
    Other,
}

mod count;
mod fast;
mod slot;
mod visit;

use slot::{Scalar, Slot};

pub use count::{count_line, Counted, CountedEvent};

use visit::TopVisitor;

#[cfg(test)]
mod tests;
