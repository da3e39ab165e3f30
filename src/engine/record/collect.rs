//! What one reading of a line collects: for each field the best-ranked
//! usable value seen so far, wherever in the line the field map found it.
//! Both the fast scanner and the serde_json fallback fill a [`Collector`];
//! it is the one place a value becomes a field.

use std::borrow::Cow;

use super::scalar::Scalar;
use super::value;
use super::{Class, Record};
use crate::engine::fields::{Entry, Field, FieldMap, Leaf, Need, Node, Unit};
use crate::engine::time::{self, Nanos};

/// A value found under one of a field's paths, with that path's rank
/// (lower wins; on a tie the later key wins, as with `serde_json::Value`).
#[derive(Debug, Clone, Copy)]
struct Ranked<T> {
    rank: u16,
    value: T,
}

fn offer<T>(slot: &mut Option<Ranked<T>>, rank: u16, value: Option<T>) {
    if let Some(value) = value {
        if slot.as_ref().is_none_or(|s| rank <= s.rank) {
            *slot = Some(Ranked { rank, value });
        }
    }
}

/// A usable value located in the line but not read yet: the live view
/// reads the strings of [`Field::is_deferred`] fields only for the lines
/// that need them (failures and other events), not for successes.
#[derive(Debug, Clone, Copy)]
struct Span {
    rank: u16,
    start: u32,
    end: u32,
    unit: Option<Unit>,
    string: bool,
}

/// How the scanner should hand over a string value for one leaf.
pub(super) enum Want {
    /// The raw bytes (a timestamp, parsed from bytes).
    Raw,
    /// Only where it is.
    Span,
    /// The text, checked for UTF-8.
    Text,
}

const TEXT_FIELDS: usize = 8;
const DEFERRED_FIELDS: usize = 7;

/// Where a text field is kept: a small array, since a collector is made
/// for every line.
#[inline]
fn text_slot(field: Field) -> usize {
    match field {
        Field::RequestId => 0,
        Field::Message => 1,
        Field::Method => 2,
        Field::Path => 3,
        Field::ApiKey => 4,
        Field::ClientIp => 5,
        Field::Upstream => 6,
        // Level, and the fields that are not text (never asked for); the
        // code is kept apart, since counting reads it.
        _ => 7,
    }
}

/// The deferred fields ([`Field::is_deferred`]), in slot order.
const DEFERRED: [Field; DEFERRED_FIELDS] = [
    Field::RequestId,
    Field::Method,
    Field::Path,
    Field::ApiKey,
    Field::ClientIp,
    Field::Upstream,
    Field::Latency,
];

#[inline]
fn span_slot(field: Field) -> Option<usize> {
    DEFERRED.iter().position(|&f| f == field)
}

#[derive(Default)]
struct Details<'a> {
    /// The text fields, by [`text_slot`].
    texts: [Option<Ranked<Cow<'a, str>>>; TEXT_FIELDS],
    /// Where the deferred fields are, by [`span_slot`].
    spans: [Option<Span>; DEFERRED_FIELDS],
}

pub(super) struct Collector<'a, 'm> {
    map: &'m FieldMap,
    need: Need,
    /// The keys of the event's own object, for `need`.
    root: &'m Node,
    /// Only the log contract's value forms (the default profile).
    strict: bool,
    /// Locate deferred fields instead of reading them (fast path only).
    defer: bool,
    /// The first-ranked status path gave a success: the line's other
    /// details are not located, since a success needs none. Only a repeat
    /// of that key could still change it (see `settled_into_detail`).
    settled_success: bool,
    ts: Option<Ranked<Nanos>>,
    status: Option<Ranked<u16>>,
    retry_after: Option<Ranked<u64>>,
    latency: Option<Ranked<f64>>,
    code: Option<Ranked<Cow<'a, str>>>,
    /// The fields beyond counting's; `None` when counting, so that a
    /// collector for counting costs little to make and to drop.
    details: Option<Details<'a>>,
}

impl<'a, 'm> Collector<'a, 'm> {
    pub(super) fn new(map: &'m FieldMap, need: Need, defer: bool) -> Self {
        Collector {
            map,
            need,
            root: map.root(need),
            strict: map.strict,
            defer: defer && need == Need::Insights,
            settled_success: false,
            ts: None,
            status: None,
            retry_after: None,
            latency: None,
            code: None,
            details: (need != Need::Counts).then(Details::default),
        }
    }

    /// The entry of a key of the event's own object.
    #[inline]
    pub(super) fn top_entry(&self, key: &[u8]) -> Option<&'m Entry> {
        self.root.get(key)
    }

    #[inline]
    pub(super) fn root(&self) -> &'m Node {
        self.root
    }

    /// Whether the scanner should check the whole line for UTF-8 once
    /// rather than each string it reads: the live view reads many.
    pub(super) fn checks_whole_line(&self) -> bool {
        self.need == Need::Insights
    }

    #[inline]
    pub(super) fn wants(&self, leaf: &Leaf) -> Want {
        if leaf.field == Field::Time {
            Want::Raw
        } else if self.defer && leaf.field.is_deferred() {
            Want::Span
        } else {
            Want::Text
        }
    }

    /// Whether a number for `leaf` is only located.
    #[inline]
    pub(super) fn locates_number(&self, leaf: &Leaf) -> bool {
        self.defer && leaf.field.is_deferred()
    }

    pub(super) fn apply_raw_time(&mut self, leaf: &Leaf, raw: &[u8]) {
        let nanos = self.time_text(raw, leaf.unit);
        offer(&mut self.ts, leaf.rank, nanos);
    }

    fn time_text(&self, raw: &[u8], unit: Option<Unit>) -> Option<Nanos> {
        if self.strict {
            time::parse_rfc3339_bytes(raw)
        } else {
            time::parse_time_text(raw, unit)
        }
    }

    /// Notes where a deferred field's value is, if it is usable.
    pub(super) fn locate(&mut self, leaf: &Leaf, line: &[u8], start: usize, end: usize, string: bool) {
        let bytes = &line[start..end];
        let usable = match (leaf.field, string) {
            (Field::Latency, false) => true,
            (Field::Latency, true) => {
                !self.strict
                    && std::str::from_utf8(bytes)
                        .ok()
                        .and_then(|s| value::duration_text_ms(s.trim(), 1.0))
                        .is_some()
            }
            (_, true) => self.strict || !value::is_blank_text(bytes),
            (Field::RequestId | Field::ApiKey, false) => !self.strict,
            (_, false) => false,
        };
        let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(end)) else { return };
        let Some(at) = span_slot(leaf.field) else { return };
        let Some(details) = self.details.as_mut() else { return };
        if usable {
            let slot = &mut details.spans[at];
            if slot.is_none_or(|s| leaf.rank <= s.rank) {
                *slot = Some(Span { rank: leaf.rank, start, end, unit: leaf.unit, string });
            }
        }
    }

    /// Reads `v` as `leaf`'s field and keeps it if it outranks what is there.
    pub(super) fn apply(&mut self, leaf: &Leaf, v: Scalar<'a>) {
        let rank = leaf.rank;
        match leaf.field {
            Field::Time => {
                #[allow(clippy::cast_precision_loss)]
                let nanos = match v {
                    Scalar::Str(s) => self.time_text(s.as_bytes(), leaf.unit),
                    Scalar::UInt(u) if self.strict => match i64::try_from(u) {
                        Ok(i) => time::from_epoch_integer(i),
                        Err(_) => time::from_epoch_number(u as f64),
                    },
                    Scalar::Int(i) if self.strict => time::from_epoch_integer(i),
                    Scalar::Float(f) if self.strict => time::from_epoch_number(f),
                    Scalar::UInt(u) => match i64::try_from(u) {
                        Ok(i) => time::from_epoch_integer_in(i, leaf.unit),
                        Err(_) => time::from_epoch_number_in(u as f64, leaf.unit),
                    },
                    Scalar::Int(i) => time::from_epoch_integer_in(i, leaf.unit),
                    Scalar::Float(f) => time::from_epoch_number_in(f, leaf.unit),
                    Scalar::Other => None,
                };
                offer(&mut self.ts, rank, nanos);
            }
            Field::Status => {
                offer(&mut self.status, rank, value::status(v, self.strict));
                if self.defer && rank == 0 && Class::of(self.status.map(|r| r.value)) == Class::Success {
                    // Only what counting reads matters from here on.
                    self.settled_success = true;
                    self.root = self.map.root(Need::Counts);
                }
            }
            Field::Latency => offer(&mut self.latency, rank, value::latency_ms(v, leaf.unit, self.strict)),
            Field::RetryAfter => offer(&mut self.retry_after, rank, value::seconds(v, self.strict)),
            Field::Level => {
                let text = match v {
                    Scalar::Str(s) => value::text(s),
                    Scalar::UInt(n) => value::level_number(n).map(Cow::Borrowed),
                    _ => None,
                };
                self.offer_text(Field::Level, rank, text);
            }
            field if self.strict => self.offer_text(field, rank, v.string()),
            field => {
                let text = match v {
                    Scalar::Str(s) => value::text(s),
                    // Ids some sources write as numbers (pino's request counter).
                    Scalar::UInt(n) if matches!(field, Field::RequestId | Field::ApiKey) => {
                        Some(Cow::Owned(n.to_string()))
                    }
                    _ => None,
                };
                let text = text.map(|s| match field {
                    Field::Path => value::path(s),
                    Field::Method => value::method(s),
                    Field::ClientIp => value::client_ip(s),
                    _ => s,
                });
                self.offer_text(field, rank, text);
            }
        }
    }

    /// Applies a value to every field its entry feeds.
    pub(super) fn apply_all(&mut self, e: &Entry, v: Scalar<'a>) {
        if let [only] = e.leaves.as_slice() {
            self.apply(only, v);
            return;
        }
        for leaf in &e.leaves {
            self.apply(leaf, v.clone());
        }
    }

    #[inline]
    fn offer_text(&mut self, field: Field, rank: u16, text: Option<Cow<'a, str>>) {
        match (field, &mut self.details) {
            (Field::Code, _) => offer(&mut self.code, rank, text),
            (_, Some(d)) => offer(&mut d.texts[text_slot(field)], rank, text),
            // Counting reads no other text.
            (_, None) => {}
        }
    }

    fn status(&self) -> Option<u16> {
        self.status.map(|r| r.value)
    }

    /// A success settled early whose status a repeated key then changed:
    /// its details were not located, so the line must be read again.
    pub(super) fn settled_into_detail(&self) -> bool {
        self.settled_success && Class::of(self.status()).needs_detail()
    }

    fn text(&mut self, field: Field) -> Option<Cow<'a, str>> {
        if field == Field::Code {
            return self.code.take().map(|r| r.value);
        }
        self.details.as_mut()?.texts[text_slot(field)].take().map(|r| r.value)
    }

    /// The record, reading what was only located from `line` when the
    /// record is one whose details are used. `text` is the line as text if
    /// the scanner checked it already.
    pub(super) fn take_record(&mut self, line: &'a [u8], text: Option<&'a str>) -> Record<'a> {
        if self.details.is_none() {
            return self.take_counted();
        }
        if self.defer && Class::of(self.status()).needs_detail() {
            self.read_spans(line, text);
        }
        Record {
            ts: self.ts.map(|r| r.value),
            status: self.status(),
            code: self.text(Field::Code),
            request_id: self.text(Field::RequestId),
            message: self.text(Field::Message),
            method: self.text(Field::Method),
            path: self.text(Field::Path),
            api_key_id: self.text(Field::ApiKey),
            latency_ms: self.latency.map(|r| r.value),
            retry_after: self.retry_after.map(|r| r.value),
            client_ip: self.text(Field::ClientIp),
            upstream: self.text(Field::Upstream),
            level: self.text(Field::Level),
        }
    }

    /// Counting's record: only its fields were read.
    pub(super) fn take_counted(&mut self) -> Record<'a> {
        Record {
            ts: self.ts.map(|r| r.value),
            status: self.status(),
            code: self.code.take().map(|r| r.value),
            retry_after: self.retry_after.map(|r| r.value),
            ..Record::default()
        }
    }

    fn read_spans(&mut self, line: &'a [u8], text: Option<&'a str>) {
        // The line is checked for UTF-8 once (unless the scanner did it),
        // not once per string: six calls on short strings cost more.
        let text = text.or_else(|| std::str::from_utf8(line).ok());
        for (at, field) in DEFERRED.into_iter().enumerate() {
            let Some(span) = self.details.as_mut().and_then(|d| d.spans[at].take()) else { continue };
            let (s, e) = (span.start as usize, span.end as usize);
            let leaf = Leaf { field, rank: span.rank, unit: span.unit };
            let v = if span.string {
                Scalar::Str(match text.and_then(|t| t.get(s..e)) {
                    Some(valid) => Cow::Borrowed(valid),
                    None => lossy(&line[s..e]),
                })
            } else {
                match super::fast::number_of(&line[s..e]) {
                    Some(v) => v,
                    None => continue,
                }
            };
            self.apply(&leaf, v);
        }
    }
}

/// `String::from_utf8_lossy`, with the common valid case checked first.
fn lossy(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}
