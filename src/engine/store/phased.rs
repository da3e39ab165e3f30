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
use crate::engine::fields::Need;
use crate::engine::observe::{self, Observer};
use crate::engine::record::{Class, Parsed};

/// The counting pass: what the live view counts of every line, reading only
/// what counting needs; notes whether the line has details to read later.
struct CountingPass<'s> {
    store: &'s mut Store,
    needs_detail: bool,
}

impl Observer for CountingPass<'_> {
    fn need(&self) -> Need {
        Need::Counts
    }
    fn event(&mut self, source: usize, line: &Line<'_>, parsed: &Parsed<'_>) {
        match parsed {
            Parsed::Malformed(_) => self.store.add(source, line, parsed),
            Parsed::Event(r) => {
                let tally = self.store.count_event(r.ts, r.status, r.code.as_deref());
                self.needs_detail |= tally != Tally::Outside && r.class().needs_detail();
            }
        }
    }
}

/// The detail pass: the records of the lines the counting pass left.
struct DetailPass<'s> {
    store: &'s mut Store,
}

impl Observer for DetailPass<'_> {
    fn need(&self) -> Need {
        Need::Insights
    }
    fn event(&mut self, source: usize, line: &Line<'_>, parsed: &Parsed<'_>) {
        let Parsed::Event(r) = parsed else { return };
        if !r.class().needs_detail() || !self.store.counts.summary.window.contains(r.ts) {
            return;
        }
        let st = &mut *self.store;
        st.generation += 1;
        // Its group was made when it was counted; only its id is looked up.
        let group = match (r.class(), r.status) {
            (Class::Failure, Some(status)) => Some(st.group_of(r.code.as_deref(), status)),
            _ => None,
        };
        st.keep_details(group, source, line, r);
    }
}

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
        self.with_fields_of(source, |store, fields| {
            let mut pass = CountingPass { store, needs_detail: false };
            observe::feed(&mut pass, source, fields, line);
            needs_detail = pass.needs_detail;
        });
        if needs_detail {
            details.push(DetailLine {
                number: line.number,
                offset: line.offset,
                len: u32::try_from(line.bytes.len()).unwrap_or(u32::MAX),
            });
        }
    }

    /// Reads the details of a line that [`Store::count_only`] counted and
    /// left: a failure's record and what the insights take from it. Nothing
    /// is counted again.
    pub fn add_details(&mut self, source: usize, line: &Line<'_>) {
        self.with_fields_of(source, |store, fields| {
            observe::feed(&mut DetailPass { store }, source, fields, line)
        });
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
