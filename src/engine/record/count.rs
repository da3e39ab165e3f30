//! Counting's own reading of a line: the timestamp, the status and the
//! code, and nothing else kept. `summary` without filters or rankings needs
//! no more, and building a full record per line was a tenth of its time.

use std::borrow::Cow;

use super::fast::{self, Target};
use super::{offer, ErrorValue, MalformedKind, Need, Parsed, Ranked, Scalar, Slot, TsValue};
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

#[derive(Default)]
struct CountFields<'a> {
    ts: Option<Ranked<TsValue<'a>>>,
    status: Option<Ranked<u16>>,
    code: Option<Ranked<Cow<'a, str>>>,
}

impl<'a> Target<'a> for CountFields<'a> {
    #[inline]
    fn slot(&self, key: &[u8]) -> Slot {
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
    fn apply_ts_text(&mut self, rank: u8, text: &'a [u8]) {
        offer(&mut self.ts, rank, Some(TsValue::Raw(text)));
    }
    fn reads_error_text(&self) -> bool {
        false
    }
}

/// Reads one trimmed, non-blank line for counting: the same timestamp,
/// status and code [`super::parse_line`] would give, and the same verdict
/// on whether it is malformed.
pub fn count_line(line: &[u8]) -> Counted<'_> {
    let mut f = CountFields::default();
    if fast::parse_object(line, &mut f).is_some() {
        return Counted::Event(CountedEvent {
            ts: f.ts.and_then(|r| r.value.nanos()),
            status: f.status.map(|r| r.value),
            code: f.code.map(|r| r.value),
        });
    }
    match super::parse_line_reference(line, Need::Counts) {
        Parsed::Event(r) => Counted::Event(CountedEvent { ts: r.ts, status: r.status, code: r.code }),
        Parsed::Malformed(kind) => Counted::Malformed(kind),
    }
}
