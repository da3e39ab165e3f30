//! What the live view needs, kept compact: exact counts (the same
//! `Summary` that `summary --json` prints), a fine-grained time series for
//! charts at any window, and one small record per failure and per malformed
//! line (offsets, times, group ids; never the lines themselves, which are
//! re-read from their file when shown).

use super::fields::FieldMap;
use super::line::Line;
use super::observe::Observer;
use super::record::{Class, MalformedKind, Need, Parsed, Record};
use super::stats::{BucketCounts, GroupStats, Summary};
use super::time::Nanos;
use groups::GroupKey;

pub type SlotMap<V> = std::collections::HashMap<i64, V, rustc_hash::FxBuildHasher>;

/// Resolution of the stored time series; charts re-bucket from it.
pub const SLOT_SECS: i64 = 10;

#[derive(Debug, Clone)]
pub struct FailureRec {
    pub ts: Option<Nanos>,
    pub source: u16,
    pub status: u16,
    pub group: u32,
    pub key: u32,
    pub route: u32,
    pub line: u64,
    pub offset: u64,
    pub latency_ms: Option<f32>,
    pub retry_after: Option<u32>,
    /// Where its request id is in the store's [`Store::request_ids`]:
    /// one allocation for all of them, not one per failure.
    pub request_id: Option<IdSpan>,
    pub client_ip: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdSpan {
    pub start: u64,
    pub len: u32,
}

/// Reads up to `max` bytes of the line at `offset` of `path`, for display.
pub fn read_line_at(path: &std::path::Path, offset: u64, max: usize) -> Option<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).ok()?;
    f.seek(SeekFrom::Start(offset)).ok()?;
    let mut buf = vec![0u8; max];
    let mut n = 0;
    while n < max {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(_) => return None,
        }
    }
    buf.truncate(n);
    if let Some(end) = memchr::memchr(b'\n', &buf) {
        buf.truncate(end);
    }
    Some(buf)
}

#[derive(Debug, Clone, Copy)]
pub struct MalformedRec {
    pub source: u16,
    pub line: u64,
    pub offset: u64,
    pub kind: MalformedKind,
}

/// The counting half of the store: small enough to copy when the view pauses.
#[derive(Debug, Clone)]
pub struct Counts {
    pub summary: Summary,
    pub groups: Vec<GroupInfo>,
    /// Requests, failures, 429 and 5xx per slot, but for the slot being
    /// filled (`current`): read them together with [`Counts::series`].
    /// Hashed, not ordered: read only a few times a second.
    series: SlotMap<BucketCounts>,
    pub earliest: Option<Nanos>,
    /// The newest time that is not in the future: one line dated 2262 must
    /// not move the chart's window away from the incident.
    pub latest: Option<Nanos>,
    /// Requests dated more than [`FUTURE_SKEW`] past the wall clock: still
    /// counted, flagged in the header, and never the window's end.
    pub future: u64,
    pub future_latest: Option<Nanos>,
    /// Times past this are in the future; moved on with the wall clock.
    future_after: Nanos,
    pub failures_len: usize,
    pub malformed_len: usize,
    /// The slot the last request fell in, where it starts (nanoseconds),
    /// and its counts so far: most requests land here without a lookup.
    current: Option<(Nanos, i64, BucketCounts)>,
}

impl Store {
    /// Makes room for `n` failures (and their request ids, at the length
    /// of a `req_` plus 24 characters).
    pub fn reserve_failures(&mut self, n: usize) {
        const TYPICAL_ID_LEN: usize = 28;
        self.failures.reserve(n);
        self.request_ids.reserve(n * TYPICAL_ID_LEN);
    }

    /// The request id of a failure of this store.
    pub fn request_id(&self, f: &FailureRec) -> Option<&str> {
        let id = f.request_id?;
        let start = usize::try_from(id.start).ok()?;
        self.request_ids.get(start..start + id.len as usize)
    }
}

impl Store {
    /// The report `summary` would print, with the groups and rankings
    /// counted from this store's own records.
    pub fn report(&self) -> super::stats::SummaryReport {
        let mut report = self.counts.summary.report_with(Some(&self.insights));
        let mut groups = super::stats::Groups::default();
        for g in &self.counts.groups {
            let stats = GroupStats { count: g.count, first_seen: g.first_seen, last_seen: g.last_seen };
            groups.insert(g.code.as_deref(), g.status, &stats);
        }
        report.groups = groups.report();
        report
    }
}

/// How far past the wall clock a time may be before it counts as in the
/// future: clocks of different hosts disagree by seconds, not by an hour.
pub const FUTURE_SKEW_SECS: i64 = 3600;

fn future_after() -> Nanos {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    now.saturating_add(FUTURE_SKEW_SECS * 1_000_000_000)
}

impl Counts {
    /// Counts a request in its slot, and says which slot that was.
    fn add_to_series(&mut self, ts: Nanos, status: u16) -> i64 {
        self.earliest = Some(self.earliest.map_or(ts, |e| e.min(ts)));
        if ts > self.future_after {
            self.future_after = future_after();
        }
        if ts > self.future_after {
            self.future += 1;
            self.future_latest = Some(self.future_latest.map_or(ts, |l| l.max(ts)));
        } else {
            self.latest = Some(self.latest.map_or(ts, |l| l.max(ts)));
        }
        // Lines come mostly in time order: the current slot saves the
        // divisions and the lookup.
        if let Some((from, slot, counts)) = &mut self.current {
            if ts.checked_sub(*from).is_some_and(|d| (0..SLOT_SECS * 1_000_000_000).contains(&d)) {
                counts.add(status);
                return *slot;
            }
        }
        if let Some((_, slot, counts)) = self.current.take() {
            self.series.entry(slot).or_default().merge(&counts);
        }
        let slot = slot_of(ts);
        let mut counts = BucketCounts::default();
        counts.add(status);
        self.current = Some((slot.saturating_mul(1_000_000_000), slot, counts));
        slot
    }

    /// Counts per slot. A slot may come twice (once from the map, once as
    /// the slot being filled): sum what it yields.
    pub fn series(&self) -> impl Iterator<Item = (&i64, &BucketCounts)> {
        self.series.iter().chain(self.current.as_ref().map(|(_, slot, c)| (slot, c)))
    }
}

#[derive(Debug, Clone)]
pub struct SourceState {
    pub name: String,
    /// Where its lines can be read again (a spool file for stdin).
    pub path: Option<std::path::PathBuf>,
    /// Size when reading started, for the progress indicator.
    pub initial_size: u64,
    pub read: u64,
    /// Its history is counted: every total, group and series is complete,
    /// though the failures' details may still be being read (`indexed`).
    pub counted: bool,
    /// Bytes of history whose failures' details are read, after `counted`.
    pub indexed: u64,
    pub caught_up: bool,
    pub ended: bool,
    /// The profile its lines are read with.
    pub profile: String,
}

/// What [`Store::count_event`] did with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tally {
    /// Outside --since/--until: not counted.
    Outside,
    Counted,
    /// A failure, counted in this group.
    Failure(u32),
}

/// Everything the view shows. Fed line by line; `counts` is what the
/// dashboard renders, the vectors are append-only.
#[derive(Debug, Clone)]
pub struct Store {
    pub counts: Counts,
    pub sources: Vec<SourceState>,
    pub failures: Vec<FailureRec>,
    /// The failures' request ids, end to end (see [`FailureRec::request_id`]).
    pub request_ids: String,
    /// Indices into `failures`, per group, in arrival order.
    pub by_group: Vec<Vec<u32>>,
    pub malformed: Vec<MalformedRec>,
    pub keys: Interner,
    pub routes: Interner,
    pub ips: Interner,
    /// Who is behind the failures, kept live.
    pub insights: super::insights::Insights,
    pub notices: Vec<String>,
    group_ids: hashbrown::HashMap<GroupKey, u32, foldhash::fast::RandomState>,
    /// Failures come in runs of the same group (a storm, an outage).
    last_group: Option<u32>,
    scratch_path: String,
    scratch_route: String,
    /// Bumped on every change, so the view redraws only when needed.
    pub generation: u64,
    /// Failures read with the history; groups first seen after it are new
    /// in this session.
    pub history_failures: Option<usize>,
    /// Which reading fills this store: a new filter starts a new store, and
    /// a reader still running for the old one must not write into it.
    pub epoch: u64,
    /// How each source's lines are read (its profile), by source index.
    pub fields: Vec<std::sync::Arc<FieldMap>>,
}

impl Store {
    pub fn new(bucket_secs: i64, sources: Vec<SourceState>) -> Self {
        Store {
            counts: Counts {
                summary: Summary::new(bucket_secs).without_groups(),
                groups: Vec::new(),
                series: SlotMap::default(),
                earliest: None,
                latest: None,
                future: 0,
                future_latest: None,
                future_after: future_after(),
                failures_len: 0,
                malformed_len: 0,
                current: None,
            },
            sources,
            failures: Vec::new(),
            request_ids: String::new(),
            by_group: Vec::new(),
            malformed: Vec::new(),
            keys: Interner::default(),
            routes: Interner::default(),
            ips: Interner::default(),
            insights: super::insights::Insights::without_tops(),
            notices: Vec::new(),
            group_ids: hashbrown::HashMap::default(),
            last_group: None,
            scratch_path: String::new(),
            scratch_route: String::new(),
            generation: 0,
            history_failures: None,
            epoch: 0,
            fields: Vec::new(),
        }
    }

    /// Reads source `i` with `fields[i]` (the default profile for any other).
    pub fn with_fields(mut self, fields: Vec<std::sync::Arc<FieldMap>>) -> Self {
        self.fields = fields;
        self
    }

    pub fn with_window(mut self, window: super::stats::TimeWindow) -> Self {
        self.counts.summary.window = window;
        self
    }

    /// Counts one raw line from `source`.
    pub fn add_line(&mut self, source: usize, line: &Line<'_>) {
        self.note_read(source, line);
        self.with_fields_of(source, |st, fields| super::observe::feed(st, source, fields, line));
    }

    /// Runs `f` with the map source `source` is read with, beside the store
    /// itself (moved out for the call: no reference count is touched per line).
    pub(crate) fn with_fields_of(&mut self, source: usize, f: impl FnOnce(&mut Store, &FieldMap)) {
        let fields = std::mem::take(&mut self.fields);
        f(self, fields.get(source).map_or_else(|| &**super::fields::wontopos_map(), |m| &**m));
        self.fields = fields;
    }

    /// Progress: `line` of `source` is read.
    fn note_read(&mut self, source: usize, line: &Line<'_>) {
        if let Some(s) = self.sources.get_mut(source) {
            s.read = s.read.max(line.offset + line.bytes.len() as u64 + 1);
        }
    }

    fn need_for_lines(&self) -> Need {
        match self.counts.summary.need() {
            Need::All => Need::All,
            _ => Need::Insights,
        }
    }

    pub fn with_filter(mut self, filter: Option<std::sync::Arc<super::filter::Filter>>) -> Self {
        self.counts.summary.filter = filter;
        self
    }

    pub fn add(&mut self, source: usize, line: &Line<'_>, parsed: &Parsed<'_>) {
        if !self.counts.summary.filter.as_ref().is_none_or(|f| f.matches(parsed, line.bytes)) {
            return; // left out by the filter
        }
        match parsed {
            Parsed::Malformed(kind) => {
                self.counts.summary.add(parsed);
                self.generation += 1;
                self.malformed.push(MalformedRec {
                    source: u16::try_from(source).unwrap_or(u16::MAX),
                    line: line.number,
                    offset: line.offset,
                    kind: *kind,
                });
                self.counts.malformed_len = self.malformed.len();
            }
            Parsed::Event(r) => self.add_record(source, line, r),
        }
    }

    /// An event the filter (if any) kept.
    fn add_record(&mut self, source: usize, line: &Line<'_>, r: &Record<'_>) {
        match self.count_event(r.ts, r.status, r.code.as_deref()) {
            Tally::Outside => {}
            Tally::Counted => self.keep_details(None, source, line, r),
            Tally::Failure(group) => self.keep_details(Some(group), source, line, r),
        }
    }

    /// Counts an event in the totals, the series and, a failure, its group:
    /// every way of reading lines into the store counts through here.
    fn count_event(&mut self, ts: Option<Nanos>, status: Option<u16>, code: Option<&str>) -> Tally {
        if !self.counts.summary.count_event(ts, status, code) {
            return Tally::Outside;
        }
        self.generation += 1;
        let class = Class::of(status);
        let Some(status) = status.filter(|_| class != Class::Event) else { return Tally::Counted };
        let at = ts.map(|ts| (ts, self.counts.add_to_series(ts, status)));
        match class {
            Class::Failure => Tally::Failure(self.count_failure(code, status, at)),
            _ => Tally::Counted,
        }
    }

    /// Keeps what the view and the rankings read of a counted failure or
    /// event: the failure's record (in `group`) and the insights' share.
    fn keep_details(&mut self, group: Option<u32>, source: usize, line: &Line<'_>, r: &Record<'_>) {
        if r.class().needs_detail() {
            self.insights.add(r);
        }
        if let Some(group) = group {
            self.push_failure(group, u16::try_from(source).unwrap_or(u16::MAX), line, r);
        }
    }

    /// Keeps the compact record of a failure counted in `group`.
    fn push_failure(&mut self, group: u32, source: u16, line: &Line<'_>, r: &Record<'_>) {
        let index = self.failures.len();
        let route = r
            .path
            .as_deref()
            .map(|p| write_route(r.method.as_deref(), p, &mut self.scratch_path, &mut self.scratch_route));
        #[allow(clippy::cast_possible_truncation)]
        self.failures.push(FailureRec {
            ts: r.ts,
            source,
            status: r.status.unwrap_or_default(),
            group,
            key: self.keys.intern(r.api_key_id.as_deref()),
            route: self.routes.intern(route.map(|()| self.scratch_route.as_str())),
            line: line.number,
            offset: line.offset,
            latency_ms: r.latency_ms.map(|l| l as f32),
            retry_after: r.retry_after.map(|s| u32::try_from(s).unwrap_or(u32::MAX)),
            request_id: r.request_id.as_deref().map(|id| {
                let start = self.request_ids.len() as u64;
                self.request_ids.push_str(id);
                IdSpan { start, len: u32::try_from(id.len()).unwrap_or(0) }
            }),
            client_ip: self.ips.intern(r.client_ip.as_deref()),
        });
        self.by_group[group as usize].push(u32::try_from(index).unwrap_or(u32::MAX));
        self.counts.failures_len = self.failures.len();
    }

    /// Marks `source` as read up to now; when all are, the history is done.
    pub fn caught_up(&mut self, source: usize) {
        if let Some(s) = self.sources.get_mut(source) {
            s.caught_up = true;
        }
        if self.history_failures.is_none() && self.sources.iter().all(|s| s.caught_up) {
            self.history_failures = Some(self.failures.len());
        }
        self.generation += 1;
    }

    pub fn notice(&mut self, text: String) {
        self.notices.push(text);
        self.generation += 1;
    }

    /// Share of the initial content read, 0.0..=1.0, while loading: `None`
    /// once the counts are complete.
    pub fn progress(&self) -> Option<f64> {
        if self.sources.iter().all(|s| s.caught_up || s.counted) {
            return None;
        }
        let total: u64 = self.sources.iter().map(|s| s.initial_size).sum();
        let read: u64 = self.sources.iter().map(|s| s.read.min(s.initial_size)).sum();
        #[allow(clippy::cast_precision_loss)]
        Some(if total == 0 { 0.0 } else { read as f64 / total as f64 })
    }
}

/// The live view as an observer of the read loop: every line counted, and
/// the details of failures and other events kept.
impl Observer for Store {
    fn need(&self) -> Need {
        if self.counts.summary.filter.is_some() {
            self.need_for_lines()
        } else {
            Need::Insights
        }
    }

    fn event(&mut self, source: usize, line: &Line<'_>, parsed: &Parsed<'_>) {
        match parsed {
            Parsed::Event(r) if self.counts.summary.filter.is_none() && !r.class().needs_detail() => {
                // A success, nine lines in ten: counted, and nothing of it kept.
                self.count_event(r.ts, r.status, r.code.as_deref());
            }
            Parsed::Event(r) if self.counts.summary.filter.is_none() => self.add_record(source, line, r),
            _ => self.add(source, line, parsed),
        }
    }
}

impl super::scan::Sink for Store {
    fn line(&mut self, line: &Line<'_>) {
        self.add_line(0, line);
    }
}

mod append;
mod groups;
mod phased;
mod rank;

pub use super::route::{normalize_path, write_route};
pub use groups::{GroupInfo, Interner};
pub use phased::DetailLine;

pub fn slot_of(ts: Nanos) -> i64 {
    ts.div_euclid(1_000_000_000).div_euclid(SLOT_SECS) * SLOT_SECS
}

/// Re-buckets slot counts into buckets of `secs`, from `from` to `to`
/// (epoch seconds, inclusive start of the first bucket), empty buckets kept.
pub fn rebucket<'v, V: 'v, T: Copy + Default>(
    series: impl IntoIterator<Item = (&'v i64, &'v V)>,
    from: i64,
    to: i64,
    secs: i64,
    mut add: impl FnMut(&mut T, &V),
) -> Vec<(i64, T)> {
    let secs = secs.max(SLOT_SECS);
    let first = from.div_euclid(secs) * secs;
    let mut out: Vec<(i64, T)> = Vec::new();
    let mut b = first;
    while b <= to && out.len() < 100_000 {
        out.push((b, T::default()));
        b += secs;
    }
    for (slot, v) in series {
        if *slot < first || *slot > to {
            continue;
        }
        let i = usize::try_from((slot - first) / secs).unwrap_or(usize::MAX);
        if let Some((_, acc)) = out.get_mut(i) {
            add(acc, v);
        }
    }
    out
}

#[cfg(test)]
mod tests;
