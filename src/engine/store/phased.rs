//! Reading a large history in two passes, so that the counts an operator
//! looks at first are complete sooner: the first pass counts every line
//! with counting's own reader (what `summary` does) and notes where the
//! lines with details are (failures, and events that are no request); the
//! second reads only those lines again for the failure records, the
//! rankings and the Retry-After and upstream insights.
//!
//! Together the two passes build the store one pass of [`Store::add_line`]
//! would: `load`'s tests compare them.

use super::{Line, Store, Tally};
use crate::engine::record::{Class, Counted, Read};

/// Where a line the counting pass left for the detail pass is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetailLine {
    /// Its number in the part of the file it was counted in.
    pub number: u64,
    /// Its offset in the file.
    pub offset: u64,
    pub len: u32,
}

impl Store {
    /// Counts `line` as [`Store::add_line`] would (totals, series, groups,
    /// malformed lines), without a filter and without reading the details of
    /// failures and events: those lines are pushed onto `details`, for
    /// [`Store::add_details`].
    pub fn count_only(&mut self, source: usize, line: &Line<'_>, details: &mut Vec<DetailLine>) {
        debug_assert!(self.counts.summary.filter.is_none(), "a filter reads every field");
        self.note_read(source, line);
        // A batch line is left once for the detail pass, which reads all
        // of its records that need it.
        let mut needs_detail = false;
        crate::engine::scan::for_each_event(line, |l| needs_detail |= self.count_event_line(source, l));
        if needs_detail {
            details.push(DetailLine {
                number: line.number,
                offset: line.offset,
                len: u32::try_from(line.bytes.len()).unwrap_or(u32::MAX),
            });
        }
    }

    /// Counts one event's line; says whether its details are to be read.
    fn count_event_line(&mut self, source: usize, line: &Line<'_>) -> bool {
        let e = match crate::engine::scan::count(self.fields_of(source), line) {
            None => return false,
            Some(Counted::Malformed(kind)) => {
                self.add(source, line, &crate::engine::record::Parsed::Malformed(kind));
                return false;
            }
            Some(Counted::Event(e)) => e,
        };
        let tally = self.count_event(e.ts, e.status, e.code.as_deref());
        tally != Tally::Outside && e.needs_detail()
    }

    /// Reads the details of a line that [`Store::count_only`] counted and
    /// left: a failure's record and what the insights take from it. Nothing
    /// is counted again.
    pub fn add_details(&mut self, source: usize, line: &Line<'_>) {
        crate::engine::scan::for_each_event(line, |l| self.add_event_details(source, l));
    }

    fn add_event_details(&mut self, source: usize, line: &Line<'_>) {
        let Some(Read::Detailed(r)) = &crate::engine::scan::read(self.fields_of(source), line) else {
            return;
        };
        if !self.counts.summary.window.contains(r.ts) {
            return;
        }
        self.generation += 1;
        // Its group was made when it was counted; only its id is looked up.
        let group = match (r.class(), r.status) {
            (Class::Failure, Some(status)) => Some(self.group_of(r.code.as_deref(), status)),
            _ => None,
        };
        self.keep_details(group, source, line, r);
    }

    /// Share of the history whose failures' details are read, while they
    /// are being read after the counts completed.
    pub fn indexing(&self) -> Option<f64> {
        if self.progress().is_some() || self.sources.iter().all(|s| s.caught_up || !s.counted) {
            return None;
        }
        let total: u64 = self.sources.iter().map(|s| s.initial_size).sum();
        let done: u64 = self
            .sources
            .iter()
            .map(|s| if s.caught_up { s.initial_size } else { s.indexed.min(s.initial_size) })
            .sum();
        #[allow(clippy::cast_precision_loss)]
        Some(if total == 0 { 0.0 } else { done as f64 / total as f64 })
    }
}
