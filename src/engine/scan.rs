//! The batch read loop: every line of every source handed to a [`Sink`],
//! which reads it for what it needs. Regular files are split into byte
//! ranges that threads take as they come free; each range gets its own sink
//! and the caller merges them in file order, which is why sinks must count
//! in a way that does not depend on the split.

use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use super::fields::FieldMap;
use super::input::{self, InputError, Source};
use super::line::{self, Line, LineSplitter};
use super::record::{self, MalformedKind, Need, Parsed};

/// Receives each raw line of a source; [`super::observe::Reading`] reads
/// it once and hands the record to an observer.
pub trait Sink {
    fn line(&mut self, line: &Line<'_>);
}

/// Reads one raw line for `need` ([`record::read`]); `None` for a blank
/// line, which is not counted.
#[inline]
pub fn read<'a>(map: &FieldMap, line: &Line<'a>, need: Need) -> Option<Parsed<'a>> {
    read_with(line, Parsed::Malformed, |l| record::read(map, l, need))
}

/// What every reader does first: a blank line is no line (`None`), an
/// oversized one is malformed without being read.
fn read_with<'a, T>(
    line: &Line<'a>,
    malformed: impl FnOnce(MalformedKind) -> T,
    reader: impl FnOnce(&'a [u8]) -> T,
) -> Option<T> {
    if line.oversized {
        return Some(malformed(MalformedKind::Oversized));
    }
    record::trim_line(line.bytes).map(|l| reader(super::unwrap::strip_prefix(l)))
}

/// Hands `line` to `sink`.
pub fn feed<S: Sink>(sink: &mut S, line: &Line<'_>) {
    sink.line(line);
}

/// Below this size a file is read on one thread: the split is not worth it.
const PARALLEL_MIN_BYTES: u64 = 8 * 1024 * 1024;

/// How many threads to use when the user does not say.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// A part of a source read by one thread: its sink and how many lines
/// (blank ones included) it covered, so line numbers can be made absolute.
pub struct Part<S> {
    pub sink: S,
    pub lines: u64,
}

/// Reads one source to its end. Parts come back in source order.
pub fn scan_source<S, F>(source: &Source, threads: usize, make_sink: &F) -> Result<Vec<Part<S>>, InputError>
where
    S: Sink + Send,
    F: Fn() -> S + Sync,
{
    match source {
        Source::File(path) if !source.is_gzip() => scan_file(path, threads, make_sink),
        _ => {
            let mut r = input::open_stream(source)?;
            let mut sink = make_sink();
            let mut lines = 0;
            line::read_lines(&mut r, |l| {
                lines = l.number;
                feed(&mut sink, &l);
            })
            .map_err(|e| InputError::from_io(Path::new(&source.name()), e))?;
            Ok(vec![Part { sink, lines }])
        }
    }
}

/// The size of the byte ranges handed to threads. Many more ranges than
/// threads, taken as threads come free, so that one thread with slower
/// lines (an incident's failures, say) does not leave the others idle at
/// the end.
const RANGE_BYTES: u64 = 16 * 1024 * 1024;

fn scan_file<S, F>(path: &Path, threads: usize, make_sink: &F) -> Result<Vec<Part<S>>, InputError>
where
    S: Sink + Send,
    F: Fn() -> S + Sync,
{
    scan_file_in(path, threads, PARALLEL_MIN_BYTES, RANGE_BYTES, make_sink)
}

fn scan_file_in<S, F>(
    path: &Path,
    threads: usize,
    parallel_min_bytes: u64,
    range_bytes: u64,
    make_sink: &F,
) -> Result<Vec<Part<S>>, InputError>
where
    S: Sink + Send,
    F: Fn() -> S + Sync,
{
    let opened = input::open_file(path)?;
    let len = opened.len;
    if threads <= 1 || len < parallel_min_bytes {
        let mut sink = make_sink();
        let lines =
            scan_range(opened.file, 0, u64::MAX, &mut sink).map_err(|e| InputError::from_io(path, e))?;
        return Ok(vec![Part { sink, lines }]);
    }
    let ranges = len.div_ceil(range_bytes.min(len.div_ceil(threads as u64)).max(1));
    let next = AtomicU64::new(0);
    let done: Mutex<Vec<(u64, Part<S>)>> = Mutex::new(Vec::new());
    let first_error: Mutex<Option<InputError>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= ranges {
                    return;
                }
                let (start, end) = (len * k / ranges, len * (k + 1) / ranges);
                let mut sink = make_sink();
                let result =
                    std::fs::File::open(path).and_then(|file| scan_range(file, start, end, &mut sink));
                match result {
                    Ok(lines) => {
                        done.lock().unwrap_or_else(PoisonError::into_inner).push((k, Part { sink, lines }))
                    }
                    Err(e) => {
                        first_error
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .get_or_insert(InputError::from_io(path, e));
                        // The others stop at their next range.
                        next.store(ranges, Ordering::Relaxed);
                        return;
                    }
                }
            });
        }
    });
    if let Some(e) = first_error.into_inner().unwrap_or_else(PoisonError::into_inner) {
        return Err(e);
    }
    let mut parts = done.into_inner().unwrap_or_else(PoisonError::into_inner);
    parts.sort_unstable_by_key(|(k, _)| *k);
    Ok(parts.into_iter().map(|(_, part)| part).collect())
}

/// Reads the lines that *start* in `[start, end)`. Returns how many.
pub(crate) fn scan_range<S: Sink>(
    mut file: std::fs::File,
    start: u64,
    end: u64,
    sink: &mut S,
) -> io::Result<u64> {
    // A range that does not begin the file starts one byte early, so that the
    // partial line there (numbered 0) can be dropped whether or not `start`
    // falls exactly on a line start.
    let mut splitter = if start == 0 {
        LineSplitter::new()
    } else {
        file.seek(SeekFrom::Start(start - 1))?;
        LineSplitter::starting_at(start - 1, 0)
    };
    let mut owned = 0;
    let mut take = |l: Line<'_>| {
        if l.number > 0 && l.offset < end {
            owned += 1;
            feed(sink, &l);
        }
    };
    loop {
        if splitter.fill(&mut file as &mut dyn Read)? == 0 {
            splitter.finish(&mut take);
            break;
        }
        splitter.drain_lines(&mut take);
        if splitter.consumed_offset() >= end {
            break;
        }
    }
    Ok(owned)
}

/// Calls `f` with each event of a raw line ([`super::unwrap::each_event`])
/// as a trimmed line of its own (same number and offset); an oversized line
/// as it is, and a blank one not at all.
#[inline]
pub fn for_each_event(line: &Line<'_>, mut f: impl FnMut(&Line<'_>)) {
    if line.oversized {
        return f(line);
    }
    if let Some(trimmed) = record::trim_line(line.bytes) {
        super::unwrap::each_event(trimmed, |bytes| f(&Line { bytes, ..*line }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stats::Summary;

    /// Many small ranges, taken in any order by three threads, count what
    /// one reader counts: lines split across ranges, malformed lines and
    /// line numbers included.
    #[test]
    fn many_ranges_count_like_one_reader() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        let mut data = Vec::new();
        let opts = crate::engine::generate::GenerateOptions {
            requests: 20_000,
            seed: 11,
            rate: 50.0,
            start: 1_795_525_200_000_000_000,
        };
        crate::engine::generate::generate(&mut data, &opts).unwrap();
        data.extend_from_slice(b"not json\n{\"status\":503,\"ts\":\"2026-11-24T13:00:00Z\"}");
        std::fs::write(&path, &data).unwrap();
        let count = |threads, range| {
            let make = || crate::engine::observe::Reading {
                observer: Summary::new(60).with_insights(true),
                fields: std::sync::Arc::clone(crate::engine::fields::wontopos_map()),
            };
            let parts = scan_file_in(&path, threads, 0, range, &make).unwrap();
            let lines: u64 = parts.iter().map(|p| p.lines).sum();
            let mut total = Summary::new(60);
            for p in &parts {
                total.merge(&p.sink.observer);
            }
            let report = total.report_with(total.insights.as_deref());
            (serde_json::to_string(&report).unwrap(), lines, parts.len())
        };
        let (one, one_lines, _) = count(1, 1 << 20);
        let (many, many_lines, parts) = count(3, 64 * 1024);
        assert!(parts > 50, "{parts} ranges");
        assert_eq!(many, one);
        assert_eq!(many_lines, one_lines);
    }

    /// Rankings past their cap of distinct values and Retry-After tracking
    /// over many parts give what one reader gives.
    #[test]
    fn insights_do_not_depend_on_the_split() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        let mut data = String::new();
        let t0 = 1_795_525_200i64;
        data.push_str(&format!(
            "{{\"ts\":{t0},\"status\":429,\"api_key_id\":\"k_eager\",\"retry_after\":3600,\"code\":\"rate_limit_exceeded\"}}\n"
        ));
        for n in 0..90_000u32 {
            // A key that calls again long before its hour is up, among
            // failures from more distinct client IPs than a ranking keeps.
            let key = if n % 2 == 0 { "k_eager".to_owned() } else { format!("k_{}", n % 7) };
            let ip = if n % 3 == 0 {
                "10.0.0.1".to_owned()
            } else {
                format!("10.{}.{}.{}", n >> 16, (n >> 8) & 255, n & 255)
            };
            data.push_str(&format!(
                "{{\"ts\":{},\"status\":500,\"api_key_id\":\"{key}\",\"client_ip\":\"{ip}\",\"path\":\"/v1/items/{n}\"}}\n",
                t0 + 1 + i64::from(n / 100)
            ));
        }
        std::fs::write(&path, &data).unwrap();
        let report = |threads, range| {
            let make = || crate::engine::observe::Reading {
                observer: Summary::new(60).with_insights(true),
                fields: std::sync::Arc::clone(crate::engine::fields::wontopos_map()),
            };
            let parts = scan_file_in(&path, threads, 0, range, &make).unwrap();
            let mut total = Summary::new(60);
            for p in &parts {
                total.merge(&p.sink.observer);
            }
            (serde_json::to_value(total.report_with(total.insights.as_deref())).unwrap(), parts.len())
        };
        let (one, _) = report(1, 1 << 30);
        let offenders = one["retry_after_offenders"].to_string();
        assert!(offenders.contains("\"early_requests\":45000"), "{offenders}");
        assert!(one.to_string().contains("(other)"), "the cap on distinct client IPs was reached");
        for (threads, range) in [(2, 256 * 1024), (3, 64 * 1024), (2, 1 << 20)] {
            let (many, parts) = report(threads, range);
            assert!(parts > 1, "{parts} parts");
            assert_eq!(many, one, "{threads} threads, ranges of {range} bytes");
        }
    }
}
