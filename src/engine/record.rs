//! One log line to one record, exactly as the log-format contract defines.
//!
//! The line is deserialized straight into the few fields the counts need,
//! borrowing strings from the line where it can. Everything else is walked
//! with serde_json's own `deserialize_any`, so a line is malformed here
//! exactly when `serde_json::Value` would reject it: same grammar, same
//! recursion limit, same checks on surrogates and number ranges.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::time::{self, Nanos};

/// What a non-blank line turned out to be.
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Event,
    Success,
    Failure,
}

impl Record<'_> {
    pub fn is_request(&self) -> bool {
        self.status.is_some_and(|s| (100..=599).contains(&s))
    }
    pub fn is_failure(&self) -> bool {
        self.status.is_some_and(|s| (400..=599).contains(&s))
    }
    pub fn is_rate_limited(&self) -> bool {
        self.status == Some(429)
    }
    pub fn is_server_error(&self) -> bool {
        self.status.is_some_and(|s| (500..=599).contains(&s))
    }
    pub fn class(&self) -> Class {
        if self.is_failure() {
            Class::Failure
        } else if self.is_request() {
            Class::Success
        } else {
            Class::Event
        }
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
        }
    }
}

/// Strips what the contract says to ignore around a line: one trailing
/// `\r`. Returns `None` for a blank line (empty or only white space).
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

/// Parses one trimmed, non-blank line. Never panics, whatever the bytes.
pub fn parse_line(line: &[u8]) -> Parsed<'_> {
    match parse_slice(line) {
        Ok(rec) => Parsed::Event(rec),
        Err(kind) => {
            // Invalid UTF-8 anywhere makes serde_json refuse the line; the
            // contract decodes such lines lossily and parses them anyway.
            if kind == MalformedKind::InvalidJson && std::str::from_utf8(line).is_err() {
                let text = String::from_utf8_lossy(line).into_owned();
                match parse_slice(text.as_bytes()) {
                    Ok(rec) => Parsed::Event(rec.into_owned()),
                    Err(kind) => Parsed::Malformed(kind),
                }
            } else {
                Parsed::Malformed(kind)
            }
        }
    }
}

fn parse_slice(bytes: &[u8]) -> Result<Record<'_>, MalformedKind> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let fields = match de.deserialize_any(TopVisitor) {
        Ok(Some(f)) => f,
        Ok(None) => return Err(MalformedKind::NotAnObject),
        Err(_) => return Err(MalformedKind::InvalidJson),
    };
    if de.end().is_err() {
        return Err(MalformedKind::InvalidJson);
    }
    Ok(fields.into_record())
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
    Int(i64),
    Float(f64),
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
}

impl<'a> Fields<'a> {
    fn into_record(self) -> Record<'a> {
        let ts = self.ts.and_then(|r| match r.value {
            TsValue::Text(s) => time::parse_rfc3339(&s),
            TsValue::Int(i) => time::from_epoch_integer(i),
            TsValue::Float(f) => time::from_epoch_number(f),
        });
        Record {
            ts,
            status: self.status.map(|r| r.value),
            code: self.code.map(|r| r.value),
            request_id: self.request_id.map(|r| r.value),
            message: self.message.map(|r| r.value),
            method: self.method,
            path: self.path,
            api_key_id: self.api_key_id,
            latency_ms: self.latency_ms,
            retry_after: self.retry_after,
        }
    }
}

/// The JSON value of a field, kept only when it has a usable type. Any
/// other value is still walked in full (so its syntax and depth count).
#[derive(Debug)]
enum Scalar<'a> {
    Str(Cow<'a, str>),
    UInt(u64),
    Int(i64),
    Float(f64),
    Other,
}

impl<'a> Scalar<'a> {
    fn string(self) -> Option<Cow<'a, str>> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }
    fn status(self) -> Option<u16> {
        match self {
            Scalar::UInt(u) => Some(u16::try_from(u).unwrap_or(u16::MAX)),
            Scalar::Int(i) => Some(u16::try_from(i).unwrap_or(if i < 0 { 0 } else { u16::MAX })),
            Scalar::Str(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                let digits = s.trim_start_matches('0');
                Some(if digits.len() > 5 {
                    u16::MAX
                } else {
                    digits.parse::<u32>().map_or(u16::MAX, |v| u16::try_from(v).unwrap_or(u16::MAX))
                })
            }
            _ => None,
        }
    }
    fn timestamp(self) -> Option<TsValue<'a>> {
        match self {
            Scalar::Str(s) => Some(TsValue::Text(s)),
            Scalar::UInt(u) => Some(i64::try_from(u).map_or(TsValue::Float(u as f64), TsValue::Int)),
            Scalar::Int(i) => Some(TsValue::Int(i)),
            Scalar::Float(f) => Some(TsValue::Float(f)),
            Scalar::Other => None,
        }
    }
    fn number(self) -> Option<f64> {
        #[allow(clippy::cast_precision_loss)]
        match self {
            Scalar::UInt(u) => Some(u as f64),
            Scalar::Int(i) => Some(i as f64),
            Scalar::Float(f) => Some(f),
            _ => None,
        }
    }
    fn seconds(self) -> Option<u64> {
        match self {
            Scalar::UInt(u) => Some(u),
            _ => None,
        }
    }
}

struct ScalarSeed;

impl<'de> DeserializeSeed<'de> for ScalarSeed {
    type Value = Scalar<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::UInt(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Int(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        SkipVisitor.visit_seq(seq)?;
        Ok(Scalar::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        SkipVisitor.visit_map(map)?;
        Ok(Scalar::Other)
    }
}

/// Walks a value it does not keep through `deserialize_any`, unlike
/// `IgnoredAny`, whose fast skip has no depth limit and accepts lone
/// surrogates and out-of-range numbers that `Value` rejects.
struct Skip;

impl<'de> de::Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, _: &'de str) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_unit<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_key::<IgnoredKey>()?.is_some() {
            map.next_value::<Skip>()?;
        }
        Ok(Skip)
    }
}

/// Object keys are always strings; reading them as borrowed text still
/// validates their escapes like `Value` does.
struct IgnoredKey;

impl<'de> de::Deserialize<'de> for IgnoredKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(SkipVisitor).map(|_| IgnoredKey)
    }
}

/// Returns `None` for valid JSON that is not an object.
struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = Option<Fields<'de>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_borrowed_str<E>(self, _: &'de str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        SkipVisitor.visit_seq(seq)?;
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut f = Fields::default();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match key.as_ref() {
                "ts" => offer(&mut f.ts, 0, map.next_value_seed(ScalarSeed)?.timestamp()),
                "timestamp" => offer(&mut f.ts, 1, map.next_value_seed(ScalarSeed)?.timestamp()),
                "time" => offer(&mut f.ts, 2, map.next_value_seed(ScalarSeed)?.timestamp()),
                "@timestamp" => offer(&mut f.ts, 3, map.next_value_seed(ScalarSeed)?.timestamp()),
                "status" => offer(&mut f.status, 0, map.next_value_seed(ScalarSeed)?.status()),
                "status_code" => offer(&mut f.status, 1, map.next_value_seed(ScalarSeed)?.status()),
                "http_status" => offer(&mut f.status, 2, map.next_value_seed(ScalarSeed)?.status()),
                "code" => offer(&mut f.code, 1, map.next_value_seed(ScalarSeed)?.string()),
                "error_code" => offer(&mut f.code, 2, map.next_value_seed(ScalarSeed)?.string()),
                "request_id" => offer(&mut f.request_id, 0, map.next_value_seed(ScalarSeed)?.string()),
                "requestId" => offer(&mut f.request_id, 1, map.next_value_seed(ScalarSeed)?.string()),
                "req_id" => offer(&mut f.request_id, 2, map.next_value_seed(ScalarSeed)?.string()),
                "message" => offer(&mut f.message, 1, map.next_value_seed(ScalarSeed)?.string()),
                "msg" => offer(&mut f.message, 2, map.next_value_seed(ScalarSeed)?.string()),
                "error" => match map.next_value_seed(ErrorSeed)? {
                    ErrorValue::Text(s) => offer(&mut f.message, 3, Some(s)),
                    ErrorValue::Object { code, message, request_id } => {
                        offer(&mut f.code, 0, code);
                        offer(&mut f.message, 0, message);
                        offer(&mut f.request_id, 3, request_id);
                    }
                    ErrorValue::Other => {}
                },
                "method" => f.method = map.next_value_seed(ScalarSeed)?.string(),
                "path" => f.path = map.next_value_seed(ScalarSeed)?.string(),
                "api_key_id" => f.api_key_id = map.next_value_seed(ScalarSeed)?.string(),
                "latency_ms" => f.latency_ms = map.next_value_seed(ScalarSeed)?.number(),
                "retry_after" => f.retry_after = map.next_value_seed(ScalarSeed)?.seconds(),
                _ => {
                    map.next_value::<Skip>()?;
                }
            }
        }
        Ok(Some(f))
    }
}

/// An object key, borrowed unless it had escapes.
struct Key<'a>(Cow<'a, str>);

impl AsRef<str> for Key<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_str(ScalarVisitor)? {
            Scalar::Str(s) => Ok(Key(s)),
            _ => Err(de::Error::custom("object key is not a string")),
        }
    }
}

enum ErrorValue<'a> {
    Text(Cow<'a, str>),
    Object { code: Option<Cow<'a, str>>, message: Option<Cow<'a, str>>, request_id: Option<Cow<'a, str>> },
    Other,
}

struct ErrorSeed;

impl<'de> DeserializeSeed<'de> for ErrorSeed {
    type Value = ErrorValue<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(ErrorVisitor)
    }
}

struct ErrorVisitor;

impl<'de> Visitor<'de> for ErrorVisitor {
    type Value = ErrorValue<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an error object or message")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(ErrorValue::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(ErrorValue::Text(Cow::Owned(v.to_owned())))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(ErrorValue::Other)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(ErrorValue::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(ErrorValue::Other)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(ErrorValue::Other)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(ErrorValue::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        SkipVisitor.visit_seq(seq)?;
        Ok(ErrorValue::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut code, mut message, mut request_id) = (None, None, None);
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let slot = match key.as_ref() {
                "code" => &mut code,
                "message" => &mut message,
                "request_id" => &mut request_id,
                _ => {
                    map.next_value::<Skip>()?;
                    continue;
                }
            };
            *slot = map.next_value_seed(ScalarSeed)?.string();
        }
        Ok(ErrorValue::Object { code, message, request_id })
    }
}

#[cfg(test)]
mod tests;
