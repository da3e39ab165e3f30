//! Counting's own reading of a line: the timestamp, the status and the
//! code, and nothing else kept. `summary` without filters or rankings needs
//! no more, and building a full record per line was a tenth of its time.

use std::borrow::Cow;

use super::fast::{self, ErrorText, Target};
use super::{
    offer, Class, Deferred, ErrorValue, MalformedKind, Need, Parsed, Ranked, Read, Record, Scalar, Slot,
    TsValue,
};
use crate::engine::time::Nanos;

/// What a non-blank line counts as.
#[derive(Debug, Clone, PartialEq)]
pub enum Counted<'a> {
    Malformed(MalformedKind),
    Event(CountedEvent<'a>),
}

/// The fields of an event that counting reads, with the record's values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CountedEvent<'a> {
    pub ts: Option<Nanos>,
    pub status: Option<u16>,
    pub code: Option<Cow<'a, str>>,
}

impl CountedEvent<'_> {
    /// See [`Class::needs_detail`].
    pub fn needs_detail(&self) -> bool {
        Class::of(self.status).needs_detail()
    }
}

impl<'a> From<Record<'a>> for CountedEvent<'a> {
    fn from(r: Record<'a>) -> Self {
        CountedEvent { ts: r.ts, status: r.status, code: r.code }
    }
}

#[derive(Default)]
struct CountFields<'a> {
    ts: Option<Ranked<TsValue<'a>>>,
    status: Option<Ranked<u16>>,
    code: Option<Ranked<Cow<'a, str>>>,
}

impl<'a> CountFields<'a> {
    fn into_event(self) -> CountedEvent<'a> {
        CountedEvent {
            ts: self.ts.and_then(|r| r.value.nanos()),
            status: self.status.map(|r| r.value),
            code: self.code.map(|r| r.value),
        }
    }
}

impl<'a> Target<'a> for CountFields<'a> {
    #[inline]
    fn slot(&self, key: &[u8]) -> Slot {
        // Only the timestamp, status, code and error names matter here: a
        // line's other keys (request_id, method, path...) are ruled out by
        // length and first byte before any comparison.
        let wanted = matches!(
            (key.len(), key.first()),
            (2 | 9, Some(b't'))
                | (4, Some(b't' | b'c'))
                | (5, Some(b'e'))
                | (6, Some(b's'))
                | (10, Some(b'@' | b'e'))
                | (11, Some(b's' | b'h'))
        );
        if !wanted {
            return Slot::Other;
        }
        match Slot::of(key) {
            slot @ (Slot::Ts(_) | Slot::Status(_) | Slot::Code(_) | Slot::Error) => slot,
            _ => Slot::Other,
        }
    }
    #[inline]
    fn apply(&mut self, slot: Slot, v: Scalar<'a>) {
        match slot {
            Slot::Ts(rank) => offer(&mut self.ts, rank, v.timestamp()),
            Slot::Status(rank) => offer(&mut self.status, rank, v.status()),
            Slot::Code(rank) => offer(&mut self.code, rank, v.string()),
            _ => {}
        }
    }
    fn apply_error(&mut self, e: ErrorValue<'a>) {
        if let ErrorValue::Object { code, .. } = e {
            offer(&mut self.code, 0, code);
        }
    }
    #[inline]
    fn apply_ts_text(&mut self, rank: u8, text: &'a [u8]) {
        offer(&mut self.ts, rank, Some(TsValue::Raw(text)));
    }
    fn reads_error_text(&self) -> ErrorText {
        ErrorText { message: false, request_id: false }
    }
}

/// Reads one trimmed, non-blank line for counting: the same timestamp,
/// status and code [`super::parse_line`] would give, and the same verdict
/// on whether it is malformed.
pub fn count_line(line: &[u8]) -> Counted<'_> {
    let mut f = CountFields::default();
    if fast::parse_object(line, &mut f).is_some() {
        return Counted::Event(f.into_event());
    }
    match super::parse_line_reference(line, Need::Counts) {
        Parsed::Event(r) => Counted::Event(r.into()),
        Parsed::Malformed(kind) => Counted::Malformed(kind),
    }
}

/// What the live view and the rankings read: the counted fields, plus,
/// located but not read until a line turns out to need them, the key,
/// route, client, upstream and request id.
#[derive(Default)]
struct DetailFields<'a> {
    counts: CountFields<'a>,
    /// From `error.request_id`, ranked against the top-level names.
    request_id: Option<Ranked<Cow<'a, str>>>,
    retry_after: Option<u64>,
    deferred: Deferred,
    /// A success under the first-ranked name (`status`) was read: the rest
    /// of the line's details are not located, since a success needs none.
    /// Only a second `status` key could still change that; see `read_fast`.
    settled_success: bool,
}

impl<'a> Target<'a> for DetailFields<'a> {
    #[inline]
    fn slot(&self, key: &[u8]) -> Slot {
        // A settled success needs only what counting reads, so its other
        // keys are ruled out as cheaply as counting rules them out.
        if self.settled_success {
            return self.counts.slot(key);
        }
        match Slot::of(key) {
            Slot::Message(_) => Slot::Other,
            slot => slot,
        }
    }
    #[inline]
    fn apply(&mut self, slot: Slot, v: Scalar<'a>) {
        match slot {
            Slot::RetryAfter => self.retry_after = v.seconds(),
            slot => {
                self.counts.apply(slot, v);
                if slot == Slot::Status(0) {
                    let status = self.counts.status.as_ref().map(|r| r.value);
                    self.settled_success |= Class::of(status) == Class::Success;
                }
            }
        }
    }
    fn apply_error(&mut self, e: ErrorValue<'a>) {
        if let ErrorValue::Object { code, request_id, .. } = e {
            offer(&mut self.counts.code, 0, code);
            offer(&mut self.request_id, 3, request_id);
        }
    }
    #[inline]
    fn apply_ts_text(&mut self, rank: u8, text: &'a [u8]) {
        self.counts.apply_ts_text(rank, text);
    }
    #[inline]
    fn defers(&self) -> bool {
        true
    }
    fn checks_whole_line(&self) -> bool {
        true
    }
    fn reads_error_text(&self) -> ErrorText {
        ErrorText { message: false, request_id: true }
    }
    #[inline]
    fn defer(&mut self, slot: Slot, span: Option<(usize, usize)>) {
        self.deferred.set(slot, span);
    }
}

/// [`super::read_line`]'s fast path: `None` leaves the line to serde_json.
pub(super) fn read_fast(line: &[u8]) -> Option<Read<'_>> {
    let mut f = DetailFields::default();
    let text = fast::parse_object(line, &mut f)?;
    let event = f.counts.into_event();
    if !event.needs_detail() {
        return Some(Read::Plain(event));
    }
    if f.settled_success {
        // A later `status` turned the success into a failure, and details
        // after the first were not located: read the line again in full.
        return None;
    }
    let mut r = Record { ts: event.ts, status: event.status, code: event.code, ..Record::default() };
    f.deferred.read_into(line, text, &mut f.request_id, &mut r);
    r.request_id = f.request_id.map(|r| r.value);
    r.retry_after = f.retry_after;
    Some(Read::Detailed(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_reads_every_name_of_the_fields_it_keeps() {
        let f = CountFields::default();
        let kept = [
            "ts",
            "timestamp",
            "time",
            "@timestamp",
            "status",
            "status_code",
            "http_status",
            "code",
            "error_code",
            "error",
        ];
        for name in kept {
            assert_eq!(f.slot(name.as_bytes()), Slot::of(name.as_bytes()), "{name}");
            assert_ne!(f.slot(name.as_bytes()), Slot::Other, "{name}");
        }
        for name in ["request_id", "message", "msg", "method", "path", "latency_ms", "level", "retry_after"] {
            assert_eq!(f.slot(name.as_bytes()), Slot::Other, "{name}");
        }
    }
}
