//! Counting records: totals, failure groups and time buckets, exactly as the
//! contract defines them. A `Summary` is built per source or per byte range
//! and merged; merging is order-independent, so any split of the input into
//! threads gives the same answer.

use serde::Serialize;

use super::catalog::{self, Category};
use super::detect::ProfiledSource;
use super::fields::Need;
use super::input::InputError;
use super::insights::{Insights, RetryOffender, TopReport};
use super::line::Line;
use super::observe::{Observer, Reading};
use super::record::{is_server_error, Class, Parsed, Record};
use super::scan;
use super::spikes::{self, Spike};
use super::time::{format_utc, format_utc_secs, Nanos};

pub use super::counts::{BucketCounts, Recognized, Totals};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupStats {
    pub count: u64,
    pub first_seen: Option<Nanos>,
    pub last_seen: Option<Nanos>,
}

impl GroupStats {
    fn add(&mut self, ts: Option<Nanos>) {
        self.count += 1;
        if let Some(t) = ts {
            self.first_seen = Some(self.first_seen.map_or(t, |f| f.min(t)));
            self.last_seen = Some(self.last_seen.map_or(t, |l| l.max(t)));
        }
    }
    fn merge(&mut self, o: &GroupStats) {
        self.count += o.count;
        for t in [o.first_seen, o.last_seen].into_iter().flatten() {
            self.first_seen = Some(self.first_seen.map_or(t, |f| f.min(t)));
            self.last_seen = Some(self.last_seen.map_or(t, |l| l.max(t)));
        }
    }
}

/// Failure groups keyed by (code, status). Codes are looked up by `&str`
/// so counting a failure allocates only the first time its code is seen.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    by_code: foldhash::HashMap<Box<str>, Vec<(u16, GroupStats)>>,
    no_code: Vec<(u16, GroupStats)>,
}

fn slot(v: &mut Vec<(u16, GroupStats)>, status: u16) -> &mut GroupStats {
    let i = v.iter().position(|(s, _)| *s == status).unwrap_or_else(|| {
        v.push((status, GroupStats::default()));
        v.len() - 1
    });
    &mut v[i].1
}

impl Groups {
    pub fn add(&mut self, code: Option<&str>, status: u16, ts: Option<Nanos>) {
        let list = match code {
            None => &mut self.no_code,
            Some(c) => {
                if !self.by_code.contains_key(c) {
                    self.by_code.insert(c.into(), Vec::new());
                }
                self.by_code.get_mut(c).expect("inserted above")
            }
        };
        slot(list, status).add(ts);
    }

    /// The groups as reported, largest first.
    pub fn report(&self) -> Vec<GroupReport> {
        self.sorted()
            .into_iter()
            .map(|g| GroupReport {
                documented: g.documented,
                category: g.category.map(Category::as_str),
                count: g.stats.count,
                first_seen: g.stats.first_seen.map(format_utc),
                last_seen: g.stats.last_seen.map(format_utc),
                code: g.code,
                status: g.status,
            })
            .collect()
    }

    /// Adds a group counted elsewhere.
    pub fn insert(&mut self, code: Option<&str>, status: u16, stats: &GroupStats) {
        let list = match code {
            None => &mut self.no_code,
            Some(c) => self.by_code.entry(c.into()).or_default(),
        };
        slot(list, status).merge(stats);
    }

    pub fn merge(&mut self, o: &Groups) {
        for (code, list) in &o.by_code {
            let mine = self.by_code.entry(code.clone()).or_default();
            for (status, g) in list {
                slot(mine, *status).merge(g);
            }
        }
        for (status, g) in &o.no_code {
            slot(&mut self.no_code, *status).merge(g);
        }
    }

    /// Largest first; ties broken by code then status so output is stable.
    pub fn sorted(&self) -> Vec<Group> {
        let mut out: Vec<Group> = self
            .by_code
            .iter()
            .flat_map(|(c, list)| list.iter().map(move |(s, g)| (Some(&**c), *s, *g)))
            .chain(self.no_code.iter().map(|(s, g)| (None, *s, *g)))
            .map(|(code, status, stats)| Group::new(code, status, stats))
            .collect();
        out.sort_by(|a, b| {
            b.stats.count.cmp(&a.stats.count).then_with(|| a.code.cmp(&b.code)).then(a.status.cmp(&b.status))
        });
        out
    }

    pub fn len(&self) -> usize {
        self.by_code.values().map(Vec::len).sum::<usize>() + self.no_code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub code: Option<String>,
    pub status: u16,
    pub stats: GroupStats,
    pub documented: bool,
    pub category: Option<Category>,
}

impl Group {
    fn new(code: Option<&str>, status: u16, stats: GroupStats) -> Self {
        Group {
            code: code.map(str::to_owned),
            status,
            stats,
            documented: catalog::is_documented(code, status),
            category: code.and_then(catalog::lookup).map(|d| d.category),
        }
    }
}

/// Per-bucket request counts, aligned to the UTC epoch.
#[derive(Debug, Clone)]
pub struct Buckets {
    secs: i64,
    counts: foldhash::HashMap<i64, BucketCounts>,
    /// Logs come mostly in time order: the last bucket is the likely next.
    last: Option<(i64, BucketCounts)>,
}

impl Buckets {
    pub fn new(secs: i64) -> Self {
        Buckets { secs: secs.max(1), counts: foldhash::HashMap::default(), last: None }
    }
    pub fn secs(&self) -> i64 {
        self.secs
    }
    pub fn start_of(&self, ts: Nanos) -> i64 {
        ts.div_euclid(1_000_000_000).div_euclid(self.secs) * self.secs
    }
    pub fn add(&mut self, ts: Nanos, status: u16) {
        // Inside the last bucket: no division (two per line showed up).
        if let Some((s, c)) = &mut self.last {
            let from = s.saturating_mul(1_000_000_000);
            // Checked: near the ends of the nanosecond range `from` saturates.
            if ts.checked_sub(from).is_some_and(|d| d >= 0 && d < self.secs.saturating_mul(1_000_000_000)) {
                c.add(status);
                return;
            }
        }
        // Another bucket: the last one goes to the map (which sums, should
        // this one come back).
        self.flush_last();
        let mut c = BucketCounts::default();
        c.add(status);
        self.last = Some((self.start_of(ts), c));
    }
    fn flush_last(&mut self) {
        if let Some((s, c)) = self.last.take() {
            self.counts.entry(s).or_default().merge(&c);
        }
    }
    pub fn merge(&mut self, o: &Buckets) {
        debug_assert_eq!(self.secs, o.secs);
        for (k, v) in o.counts.iter().chain(o.last.as_ref().map(|(k, v)| (k, v))) {
            self.counts.entry(*k).or_default().merge(v);
        }
    }
    /// In time order: (bucket start in epoch seconds, counts).
    pub fn sorted(&self) -> Vec<(i64, BucketCounts)> {
        let mut all = self.counts.clone();
        if let Some((s, c)) = &self.last {
            all.entry(*s).or_default().merge(c);
        }
        let mut v: Vec<_> = all.iter().map(|(k, c)| (*k, *c)).collect();
        v.sort_unstable_by_key(|(k, _)| *k);
        v
    }
}

/// Everything `summary` reports about a set of lines.
#[derive(Debug, Clone)]
pub struct Summary {
    pub totals: Totals,
    pub groups: Groups,
    pub buckets: Buckets,
    pub window: TimeWindow,
    /// The "who is behind it" rankings; off unless asked for, since they
    /// cost a fifth of a counting pass.
    pub insights: Option<Box<Insights>>,
    /// `--filter`: lines it does not match are left out, like `--since`.
    pub filter: Option<std::sync::Arc<super::filter::Filter>>,
    /// Off for the live view, which keeps its own groups (with their
    /// records) and would otherwise count every failure twice.
    keep_groups: bool,
    /// How many events carried a usable time, status and code: what shows
    /// that a profile reads a source, or that it does not.
    pub recognized: Recognized,
    pub left_out: LeftOut,
}

/// `--since` / `--until`: events timed outside the window are left out.
/// Lines without a usable timestamp (malformed lines, untimed events)
/// cannot be placed in time and are kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeWindow {
    pub since: Option<Nanos>,
    pub until: Option<Nanos>,
}

/// What a `--since`/`--until` window left out, and where the timed events
/// lay, so an empty answer says why.
#[derive(Debug, Clone, Copy, Default)]
pub struct LeftOut {
    pub before: u64,
    pub after: u64,
    /// Of every timed event, inside the window or not.
    pub earliest: Option<Nanos>,
    pub latest: Option<Nanos>,
}

impl LeftOut {
    fn widen(&mut self, t: Nanos) {
        self.earliest = Some(self.earliest.map_or(t, |e| e.min(t)));
        self.latest = Some(self.latest.map_or(t, |l| l.max(t)));
    }

    fn saw(&mut self, window: &TimeWindow, ts: Option<Nanos>, inside: bool) {
        let Some(t) = ts else { return };
        self.widen(t);
        if !inside {
            if window.since.is_some_and(|s| t < s) {
                self.before += 1;
            } else {
                self.after += 1;
            }
        }
    }

    fn merge(&mut self, o: &LeftOut) {
        self.before += o.before;
        self.after += o.after;
        for t in [o.earliest, o.latest].into_iter().flatten() {
            self.widen(t);
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LeftOutReport {
    /// Events timed before `since`, and at or after `until`.
    pub before: u64,
    pub after: u64,
    pub since: Option<String>,
    pub until: Option<String>,
    /// The earliest and latest times of all timed events read.
    pub earliest: Option<String>,
    pub latest: Option<String>,
}

impl TimeWindow {
    pub fn is_set(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }

    pub fn contains(&self, ts: Option<Nanos>) -> bool {
        match ts {
            None => true,
            Some(t) => self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t < u),
        }
    }
}

impl Summary {
    pub fn new(bucket_secs: i64) -> Self {
        Summary {
            totals: Totals::default(),
            groups: Groups::default(),
            buckets: Buckets::new(bucket_secs),
            window: TimeWindow::default(),
            insights: None,
            filter: None,
            keep_groups: true,
            recognized: Recognized::default(),
            left_out: LeftOut::default(),
        }
    }

    pub fn with_insights(mut self, on: bool) -> Self {
        self.insights = on.then(Box::default);
        self
    }

    pub fn with_filter(mut self, filter: Option<std::sync::Arc<super::filter::Filter>>) -> Self {
        self.filter = filter;
        self
    }

    /// Counts one non-blank line, if the filter lets it through.
    /// Says whether it was counted (not left out by the filter or the window).
    pub fn add_line(&mut self, line: &[u8], parsed: &Parsed<'_>) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(parsed, line)) && self.add(parsed)
    }

    /// Counts without failure groups, for a caller that keeps its own.
    pub fn without_groups(mut self) -> Self {
        self.keep_groups = false;
        self
    }

    pub fn need(&self) -> Need {
        if self.filter.as_ref().is_some_and(|f| f.needs_fields()) {
            Need::All
        } else if self.insights.is_some() {
            Need::Insights
        } else {
            Need::Counts
        }
    }

    pub fn with_window(mut self, window: TimeWindow) -> Self {
        self.window = window;
        self
    }

    /// Counts one non-blank line.
    /// Says whether it was counted (not outside the window).
    pub fn add(&mut self, parsed: &Parsed<'_>) -> bool {
        match parsed {
            Parsed::Malformed(_) => {
                self.add_malformed();
                true
            }
            Parsed::Event(r) => self.add_record(r),
        }
    }

    /// Counts one event; says whether it was counted (not outside the window).
    pub fn add_record(&mut self, r: &Record<'_>) -> bool {
        if !self.in_window(r.ts) {
            return false;
        }
        if let Some(i) = self.insights.as_mut() {
            i.add(r);
        }
        self.add_event(r.ts, r.status, r.code.as_deref());
        true
    }

    /// Counts an event by the fields counting reads, for a summary without
    /// rankings; says whether it was counted (not outside the window).
    pub fn count_event(&mut self, ts: Option<Nanos>, status: Option<u16>, code: Option<&str>) -> bool {
        let inside = self.in_window(ts);
        if inside {
            self.add_event(ts, status, code);
        }
        inside
    }

    /// Whether `ts` is inside the window; what it leaves out is counted.
    fn in_window(&mut self, ts: Option<Nanos>) -> bool {
        let inside = self.window.contains(ts);
        if self.window.is_set() {
            self.left_out.saw(&self.window, ts, inside);
        }
        inside
    }

    fn add_malformed(&mut self) {
        self.totals.lines += 1;
        self.totals.malformed += 1;
    }

    fn add_event(&mut self, ts: Option<Nanos>, status: Option<u16>, code: Option<&str>) {
        let r = &mut self.recognized;
        r.time += u64::from(ts.is_some());
        r.status += u64::from(status.is_some());
        r.code += u64::from(code.is_some());
        let t = &mut self.totals;
        t.lines += 1;
        t.events += 1;
        let class = Class::of(status);
        let Some(status) = status.filter(|_| class != Class::Event) else { return };
        t.requests += 1;
        if class == Class::Failure {
            t.failures += 1;
            t.rate_limited += u64::from(status == 429);
            t.server_errors += u64::from(is_server_error(status));
            if self.keep_groups {
                self.groups.add(code, status, ts);
            }
        }
        match ts {
            Some(ts) => self.buckets.add(ts, status),
            None => t.untimed_requests += 1,
        }
    }

    pub fn merge(&mut self, o: &Summary) {
        self.left_out.merge(&o.left_out);
        self.totals.merge(&o.totals);
        self.recognized.merge(&o.recognized);
        self.groups.merge(&o.groups);
        self.buckets.merge(&o.buckets);
        match (self.insights.as_mut(), o.insights.as_ref()) {
            (Some(mine), Some(theirs)) => mine.merge(theirs),
            (None, Some(theirs)) => self.insights = Some(theirs.clone()),
            _ => {}
        }
    }

    pub fn report(&self) -> SummaryReport {
        self.report_with(self.insights.as_deref())
    }

    /// The report, with rankings from `ins` (kept elsewhere by the live view).
    pub fn report_with(&self, ins: Option<&Insights>) -> SummaryReport {
        let buckets = self.buckets.sorted();
        let upstreams = ins.map(Insights::upstreams);
        SummaryReport {
            top: ins.map(|i| TopReport::of(&i.failures(), upstreams.as_ref(), TOP_N)),
            top_rate_limited: ins.map(|i| TopReport::of(&i.rate_limited, None, TOP_N)),
            top_server_errors: ins.map(|i| TopReport::of(&i.server_errors, upstreams.as_ref(), TOP_N)),
            spikes: spikes::find(&buckets, self.buckets.secs()),
            retry_after_offenders: ins.map(|i| i.retry_offenders().into_iter().take(TOP_N).collect()),
            left_out: self.window.is_set().then(|| LeftOutReport {
                before: self.left_out.before,
                after: self.left_out.after,
                since: self.window.since.map(format_utc),
                until: self.window.until.map(format_utc),
                earliest: self.left_out.earliest.map(format_utc),
                latest: self.left_out.latest.map(format_utc),
            }),
            totals: self.totals,
            recognized: RecognizedReport {
                events: self.totals.events,
                counted: self.recognized,
                sample: serde_json::Map::new(),
            },
            sources: None,
            bucket_seconds: self.buckets.secs(),
            groups: self.groups.report(),
            buckets: buckets
                .into_iter()
                .map(|(start, counts)| BucketReport { start: format_utc_secs(start), counts })
                .collect(),
        }
    }
}

/// `summary` as an observer of the read loop: each line read for what it
/// counts, ranks or filters on.
impl Observer for Summary {
    fn need(&self) -> Need {
        Summary::need(self)
    }
    fn event(&mut self, _source: usize, line: &Line<'_>, parsed: &Parsed<'_>) {
        self.add_line(line.bytes, parsed);
    }
}

/// Counts every source together.
pub fn summarize(
    sources: &[ProfiledSource],
    threads: usize,
    bucket_secs: i64,
    window: TimeWindow,
    insights: bool,
    filter: Option<std::sync::Arc<super::filter::Filter>>,
) -> Result<Summary, InputError> {
    let make =
        || Summary::new(bucket_secs).with_window(window).with_insights(insights).with_filter(filter.clone());
    let mut total = make();
    for source in sources {
        let make_for_source = || Reading { observer: make(), fields: std::sync::Arc::clone(&source.fields) };
        for part in scan::scan_source(&source.source, threads, &make_for_source)? {
            total.merge(&part.sink.observer);
        }
    }
    Ok(total)
}

/// The `summary --json` object.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryReport {
    #[serde(flatten)]
    pub totals: Totals,
    /// How each source was read: its profile and how it was chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<super::detect::SourceReport>>,
    pub recognized: RecognizedReport,
    pub bucket_seconds: i64,
    pub groups: Vec<GroupReport>,
    pub buckets: Vec<BucketReport>,
    /// Who is behind all failures (with, for 5xx, the upstreams named by
    /// correlated lines), behind the 429s, and behind the 5xx.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top: Option<TopReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_rate_limited: Option<TopReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_server_errors: Option<TopReport>,
    pub spikes: Vec<Spike>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_offenders: Option<Vec<RetryOffender>>,
    /// With `--since`/`--until`: what the window left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_out: Option<LeftOutReport>,
}

/// Per canonical field, how many events carried it: exact over every
/// event for what counting reads, and for the other fields over the lines
/// read to choose each source's profile.
#[derive(Debug, Clone, Serialize)]
pub struct RecognizedReport {
    pub events: u64,
    #[serde(flatten)]
    pub counted: Recognized,
    /// Per field, how many of the events read to choose the profiles
    /// carried it (`events`: how many that was, every source together).
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub sample: serde_json::Map<String, serde_json::Value>,
}

/// How many entries each ranking shows.
pub const TOP_N: usize = 10;

#[derive(Debug, Clone, Serialize)]
pub struct GroupReport {
    pub code: Option<String>,
    pub status: u16,
    pub count: u64,
    pub documented: bool,
    pub category: Option<&'static str>,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BucketReport {
    pub start: String,
    #[serde(flatten)]
    pub counts: BucketCounts,
}
