//! Counting's own reading of a line: the timestamp, the status and the
//! code, and nothing else kept. `summary` without filters or rankings needs
//! no more, and building a full record per line was a tenth of its time.

use std::borrow::Cow;

use super::collect::Collector;
use super::fast;
use super::{Class, MalformedKind, Need, Parsed, Read, Record};
use crate::engine::fields::FieldMap;
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

/// Reads one trimmed, non-blank line for counting: the same timestamp,
/// status and code [`super::parse_line`] would give, and the same verdict
/// on whether it is malformed.
pub fn count_line<'a>(map: &FieldMap, line: &'a [u8]) -> Counted<'a> {
    let mut c = Collector::new(map, Need::Counts, false);
    if fast::parse_object(line, &mut c).is_some() {
        return Counted::Event(c.take_counted());
    }
    match super::parse_line_reference(map, line, Need::Counts) {
        Parsed::Event(r) => Counted::Event(r.into()),
        Parsed::Malformed(kind) => Counted::Malformed(kind),
    }
}

/// [`super::read_line`]'s fast path: `None` leaves the line to serde_json.
/// A success is only counted; the key, route, client, upstream and
/// request id of other lines were located while scanning and are read now.
pub(super) fn read_fast<'a>(map: &FieldMap, line: &'a [u8]) -> Option<Read<'a>> {
    let mut c = Collector::new(map, Need::Insights, true);
    let text = fast::parse_object(line, &mut c)?;
    if c.settled_into_detail() {
        return None;
    }
    let r = c.take_record(line, text);
    if !r.class().needs_detail() {
        return Some(Read::Plain(r.into()));
    }
    Some(Read::Detailed(r))
}
