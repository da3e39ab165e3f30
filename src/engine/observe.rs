//! One parse loop, observers downstream: a line is read once, through its
//! source's field map and with what the observer asks for, and the record
//! is handed on, the way ripgrep's searcher hands matches to a `Sink`. The
//! summary and the live store are observers; the insights live inside
//! them and see the same records.

use std::sync::Arc;

use super::fields::{FieldMap, Need};
use super::line::Line;
use super::record::{self, MalformedKind, Parsed};
use super::scan::{self, Sink};

/// Receives each read line of a source.
pub trait Observer {
    /// What of a line this observer uses: the reader keeps only that.
    fn need(&self) -> Need;
    /// One line (or one record of a batch line) of `source`, read.
    fn event(&mut self, source: usize, line: &Line<'_>, parsed: &Parsed<'_>);
}

/// Reads `line` once with `fields` (prefixes stripped, batches split into
/// their records) and hands each event to `observer`. Blank lines are no
/// events.
#[inline]
pub fn feed<O: Observer + ?Sized>(observer: &mut O, source: usize, fields: &FieldMap, line: &Line<'_>) {
    let need = observer.need();
    scan::for_each_event(line, |l| {
        if l.oversized {
            observer.event(source, l, &Parsed::Malformed(MalformedKind::Oversized));
        } else {
            record::read_then(fields, l.bytes, need, |parsed| observer.event(source, l, parsed));
        }
    });
}

/// An observer reading one source with its field map: what the batch read
/// loop feeds, a part per range of the file.
pub struct Reading<O> {
    pub observer: O,
    pub fields: Arc<FieldMap>,
}

impl<O: Observer> Sink for Reading<O> {
    fn line(&mut self, line: &Line<'_>) {
        feed(&mut self.observer, 0, &self.fields, line);
    }
}
