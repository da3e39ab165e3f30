//! Reading a large file's history for the live view on every core, while
//! the view fills in: workers each build a small [`Store`] for one chunk of
//! the file, and the chunks are appended to the shared store in file order,
//! so the result is the one a single reader would build.

use std::collections::BTreeMap;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Condvar, Mutex, PoisonError};

use super::line::Line;
use super::stats::TimeWindow;
use super::store::{DetailLine, Store};

const CHUNK: u64 = 16 * 1024 * 1024;

/// Where the history ended: the follower goes on from `offset`, whose line
/// is number `next_line`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    pub offset: u64,
    pub next_line: u64,
}

/// Offset just past the last `\n` of the first `len` bytes (0 if none).
/// What follows it may be a line still being written; the follower holds it.
fn complete_lines_end(file: &mut std::fs::File, len: u64) -> io::Result<u64> {
    let mut end = len;
    let mut buf = vec![0u8; 64 * 1024];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..usize::try_from(end - start).unwrap_or(0)];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(i) = memchr::memrchr(b'\n', chunk) {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// Loads the complete lines of `path` into `store` as `source`.
///
/// A file of several chunks read without a filter is read in two passes
/// (see [`super::store::DetailLine`]): the counts are complete, and the
/// source marked `counted`, once the first has covered the whole file;
/// the failures' details follow. Otherwise each chunk is read once.
pub fn load_history(
    path: &Path,
    source: usize,
    threads: usize,
    store: &Mutex<Store>,
    window: TimeWindow,
) -> io::Result<Loaded> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let end = complete_lines_end(&mut file, len)?;
    let (bucket, filter, epoch) = {
        let st = store.lock().unwrap_or_else(PoisonError::into_inner);
        (st.counts.summary.buckets.secs(), st.counts.summary.filter.clone(), st.epoch)
    };
    let chunks = end.div_ceil(CHUNK);
    let two_passes = filter.is_none() && chunks >= 2;
    let new_part = || {
        let part = Store::new(bucket, Vec::new()).with_window(window).with_filter(filter.clone());
        if two_passes {
            return part;
        }
        // Room for a failure every 1.5 KB (a high failure rate), so the
        // chunk's records are not copied as their vector grows.
        let mut part = part;
        part.reserve_failures(usize::try_from(CHUNK / 1536).unwrap_or(0));
        part
    };
    let range = |k: u64| (k * CHUNK, ((k + 1) * CHUNK).min(end));
    // Tasks: chunk k's single (or counting) pass is task k; with two
    // passes, its detail pass is task `chunks + k`, so every count comes
    // before any detail. A detail pass waits for its chunk's list.
    let tasks = if two_passes { 2 * chunks } else { chunks };
    let lists = DetailLists::new(if two_passes { chunks } else { 0 });
    let next = AtomicU64::new(0);
    let threads = threads.max(1);
    let (tx, rx) = mpsc::sync_channel::<io::Result<Done>>(threads);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, lists, new_part, range) = (&next, &lists, &new_part, &range);
            scope.spawn(move || {
                // The detail pass's block, kept from chunk to chunk: a fresh
                // 16 MiB per chunk cost its page faults and zeroing each time.
                let mut block = Vec::new();
                loop {
                    let task = next.fetch_add(1, Ordering::SeqCst);
                    if task >= tasks {
                        return;
                    }
                    let result = if task < chunks {
                        let (from, to) = range(task);
                        let mut part = new_part();
                        let result = if two_passes {
                            let mut counting = Counting { store: &mut part, details: Vec::new() };
                            let result = std::fs::File::open(path)
                                .and_then(|f| super::scan::scan_range(f, from, to, &mut counting));
                            let details = std::mem::take(&mut counting.details);
                            // Filled whatever happened, so no detail pass waits forever.
                            lists.put(task, result.as_ref().ok().map(|_| details));
                            result
                        } else {
                            std::fs::File::open(path)
                                .and_then(|f| super::scan::scan_range(f, from, to, &mut part))
                        };
                        result.map(|lines| Done::Counted { k: task, part, lines })
                    } else {
                        let k = task - chunks;
                        match lists.take(k) {
                            Some(details) => {
                                let part = read_details(path, &details, &mut block, new_part());
                                Ok(Done::Detailed { k, part })
                            }
                            // Its counting pass failed and said so.
                            None => continue,
                        }
                    };
                    if tx.send(result).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        // Appended in file order, whatever order the workers finish in;
        // every chunk's counts before any chunk's details.
        let mut counted = BTreeMap::new();
        let mut detailed = BTreeMap::new();
        let (mut next_counted, mut next_detailed) = (0, 0);
        let mut lines_before = Vec::with_capacity(usize::try_from(chunks).unwrap_or(0));
        let mut lines_total = 0;
        for result in rx {
            match result? {
                Done::Counted { k, part, lines } => {
                    counted.insert(k, (part, lines));
                }
                Done::Detailed { k, part } => {
                    detailed.insert(k, part);
                }
            }
            let mut st = store.lock().unwrap_or_else(PoisonError::into_inner);
            if st.epoch != epoch {
                return Err(io::Error::other("superseded by a new filter"));
            }
            while let Some((part, lines)) = counted.remove(&next_counted) {
                st.append(source, part, lines_total);
                lines_before.push(lines_total);
                lines_total += lines;
                next_counted += 1;
                if let Some(s) = st.sources.get_mut(source) {
                    s.read = range(next_counted - 1).1;
                    s.counted |= two_passes && next_counted == chunks;
                }
            }
            // Details only once every chunk is counted.
            if next_counted == chunks {
                while let Some(part) = detailed.remove(&next_detailed) {
                    let shift = lines_before[usize::try_from(next_detailed).unwrap_or(usize::MAX)];
                    match part {
                        Ok(part) => st.append(source, part, shift),
                        // The counts stand (the follower goes on from where they
                        // end); only these failures' records are missing.
                        Err(e) => st.notice(format!(
                            "{}: the failures of lines {}.. were counted but not read again: {e}",
                            path.display(),
                            shift + 1
                        )),
                    }
                    next_detailed += 1;
                    if let Some(s) = st.sources.get_mut(source) {
                        s.indexed = range(next_detailed - 1).1;
                    }
                }
            }
        }
        Ok(Loaded { offset: end, next_line: lines_total + 1 })
    })
}

/// What a worker hands back: a chunk counted (or read in full, with one
/// pass), or a chunk's details read.
enum Done {
    Counted {
        k: u64,
        part: Store,
        lines: u64,
    },
    /// An error here leaves the counts standing: see `load_history`.
    Detailed {
        k: u64,
        part: io::Result<Store>,
    },
}

/// The counting pass's sink: counts into `store`, noting the lines whose
/// details the second pass reads.
struct Counting<'s> {
    store: &'s mut Store,
    details: Vec<DetailLine>,
}

impl super::scan::Sink for Counting<'_> {
    fn line(&mut self, line: &Line<'_>) {
        self.store.count_only(0, line, &mut self.details);
    }
}

/// Each chunk's detail lines, from its counting pass to its detail pass.
struct DetailLists {
    /// `None`: not counted yet; `Some(None)`: counting failed.
    lists: Mutex<Vec<Option<Option<Vec<DetailLine>>>>>,
    ready: Condvar,
}

impl DetailLists {
    fn new(chunks: u64) -> Self {
        let n = usize::try_from(chunks).unwrap_or(0);
        DetailLists { lists: Mutex::new(vec![None; n]), ready: Condvar::new() }
    }

    fn put(&self, k: u64, list: Option<Vec<DetailLine>>) {
        let mut lists = self.lists.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = lists.get_mut(usize::try_from(k).unwrap_or(usize::MAX)) {
            *slot = Some(list);
        }
        self.ready.notify_all();
    }

    /// Waits for chunk `k`'s list; `None` if its counting failed.
    fn take(&self, k: u64) -> Option<Vec<DetailLine>> {
        let i = usize::try_from(k).unwrap_or(usize::MAX);
        let mut lists = self.lists.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            match lists.get_mut(i) {
                None => return None,
                Some(slot @ Some(_)) => return slot.take().flatten(),
                Some(None) => lists = self.ready.wait(lists).unwrap_or_else(PoisonError::into_inner),
            }
        }
    }
}

/// The detail pass over one chunk: its detail lines, read again from the
/// file into `part`, a block of about a mebibyte at a time (a block that
/// stays in cache is filled faster than one the size of the chunk).
fn read_details(
    path: &Path,
    details: &[DetailLine],
    buf: &mut Vec<u8>,
    mut part: Store,
) -> io::Result<Store> {
    const BLOCK: u64 = 1024 * 1024;
    let mut file = std::fs::File::open(path)?;
    part.reserve_failures(details.len());
    // The file's bytes `block_from..block_from + buf.len()` are in `buf`.
    let mut block_from = 0;
    buf.clear();
    for (i, d) in details.iter().enumerate() {
        let len = u64::from(d.len);
        if d.offset < block_from || d.offset + len > block_from + buf.len() as u64 {
            // The next block starts at this line and runs to the last detail
            // line that ends within a block's length of it.
            let last_end = details[i..]
                .iter()
                .map(|e| e.offset + u64::from(e.len))
                .take_while(|&end| end <= d.offset + BLOCK.max(len))
                .last()
                .unwrap_or(d.offset + len);
            buf.resize(usize::try_from(last_end - d.offset).map_err(io::Error::other)?, 0);
            file.seek(SeekFrom::Start(d.offset))?;
            file.read_exact(buf)?;
            block_from = d.offset;
        }
        let at = usize::try_from(d.offset - block_from).map_err(io::Error::other)?;
        let Some(bytes) = buf.get(at..at + d.len as usize) else {
            return Err(io::Error::other("file changed while it was read"));
        };
        part.add_details(0, &Line { number: d.number, offset: d.offset, bytes, oversized: false });
    }
    Ok(part)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::line::read_lines;

    fn big_log(dir: &Path) -> std::path::PathBuf {
        let path = dir.join("big.log");
        let opts = crate::engine::generate::GenerateOptions {
            requests: 150_000,
            seed: 3,
            rate: 100.0,
            start: 1_795_525_200_000_000_000,
        };
        let mut f = std::fs::File::create(&path).unwrap();
        crate::engine::generate::generate(&mut f, &opts).unwrap();
        // A last line still being written: left for the follower.
        use std::io::Write;
        f.write_all(br#"{"status":500,"#).unwrap();
        drop(f);
        assert!(std::fs::metadata(&path).unwrap().len() > 2 * CHUNK);
        path
    }

    /// Without a filter: counted in one pass, details read in another.
    #[test]
    fn two_pass_load_equals_one_reader() {
        let dir = tempfile::tempdir().unwrap();
        // A window that cuts the generated traffic (from 2026-11-24T12:00Z,
        // 100 requests a second) about halfway.
        let window = TimeWindow { since: Some(1_795_525_200_000_000_000 + 300 * 1_000_000_000), until: None };
        load_equals_one_reader(&big_log(dir.path()), None, window);
    }

    /// A file cut short between the passes (truncated in place): the detail
    /// pass says so instead of reading past its end.
    #[test]
    fn detail_pass_on_a_file_cut_short_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.log");
        let failure = br#"{"status":503,"code":"service_unavailable","request_id":"req_1"}"#;
        std::fs::write(&path, [&failure[..], b"\n"].concat()).unwrap();
        let len = u32::try_from(failure.len()).unwrap();
        let here = DetailLine { number: 1, offset: 0, len };
        let gone = DetailLine { number: 2, offset: u64::from(len) + 1, len };
        let mut block = Vec::new();
        let part = read_details(&path, &[here], &mut block, Store::new(60, vec![])).unwrap();
        assert_eq!(part.failures.len(), 1);
        assert!(read_details(&path, &[here, gone], &mut block, Store::new(60, vec![])).is_err());
    }

    /// With a filter, every field is read in a single pass.
    #[test]
    fn filtered_load_equals_one_reader() {
        let dir = tempfile::tempdir().unwrap();
        let filter = crate::engine::filter::Filter::parse("status>=429").unwrap();
        load_equals_one_reader(&big_log(dir.path()), Some(filter), TimeWindow::default());
    }

    fn load_equals_one_reader(
        path: &Path,
        filter: Option<crate::engine::filter::Filter>,
        window: TimeWindow,
    ) {
        let filter = filter.map(std::sync::Arc::new);
        let new_store = || Store::new(60, vec![]).with_window(window).with_filter(filter.clone());
        let path = &path.to_path_buf();
        let shared = Mutex::new(new_store());
        let loaded = load_history(path, 0, 3, &shared, window).unwrap();
        let parallel = shared.into_inner().unwrap();

        let mut serial = new_store();
        let bytes = std::fs::read(path).unwrap();
        let complete = &bytes[..usize::try_from(loaded.offset).unwrap()];
        let mut lines = 0;
        read_lines(&mut &complete[..], |l| {
            lines = l.number;
            serial.add_line(0, &l);
        })
        .unwrap();
        assert_eq!(loaded.next_line, lines + 1);
        // Totals, groups, buckets and the insights (Retry-After, upstreams).
        let report = |s: &Store| serde_json::to_string(&s.report()).unwrap();
        assert_eq!(report(&parallel), report(&serial));
        assert!(parallel.counts.summary.totals.failures > 5_000);
        assert!(
            window.since.is_none() || parallel.counts.summary.totals.requests < 140_000,
            "the window cuts"
        );
        assert_eq!(parallel.counts.summary.totals, serial.counts.summary.totals);
        let series = |s: &Store| {
            let mut out = BTreeMap::<i64, crate::engine::stats::BucketCounts>::new();
            s.counts.series().for_each(|(t, b)| out.entry(*t).or_default().merge(b));
            out
        };
        assert_eq!(series(&parallel), series(&serial));
        assert_eq!(parallel.failures.len(), serial.failures.len());
        for (a, b) in parallel.failures.iter().zip(&serial.failures) {
            assert_eq!((a.line, a.offset, parallel.request_id(a)), (b.line, b.offset, serial.request_id(b)));
            assert_eq!(parallel.keys.name(a.key), serial.keys.name(b.key));
            assert_eq!(parallel.routes.name(a.route), serial.routes.name(b.route));
            let (ga, gb) =
                (&parallel.counts.groups[a.group as usize], &serial.counts.groups[b.group as usize]);
            assert_eq!((&ga.code, ga.status, ga.count), (&gb.code, gb.status, gb.count));
        }
        // Each group's failures, in arrival order, by line.
        let by_group = |s: &Store| {
            let mut v: Vec<(Option<String>, u16, Vec<u64>)> = s
                .by_group
                .iter()
                .enumerate()
                .map(|(g, list)| {
                    let info = &s.counts.groups[g];
                    let lines = list.iter().map(|&i| s.failures[i as usize].line).collect();
                    (info.code.as_deref().map(str::to_owned), info.status, lines)
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(by_group(&parallel), by_group(&serial));
        let lines_of = |s: &Store| s.malformed.iter().map(|m| m.line).collect::<Vec<_>>();
        assert_eq!(lines_of(&parallel), lines_of(&serial));
    }
}

#[cfg(test)]
mod timing {
    /// `BIG_LOG=/path cargo test --release --lib load_timing -- --ignored --nocapture`
    #[test]
    #[ignore = "a measurement, run by hand"]
    fn load_timing() {
        let Some(path) = std::env::var_os("BIG_LOG") else { return };
        let source = crate::engine::store::SourceState {
            name: String::new(),
            path: None,
            initial_size: 0,
            read: 0,
            counted: false,
            indexed: 0,
            caught_up: false,
            ended: false,
        };
        let shared = std::sync::Arc::new(std::sync::Mutex::new(super::Store::new(60, vec![source])));
        let t = std::time::Instant::now();
        // When the counts were complete, as the view would see it.
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watcher = {
            let (shared, done) = (std::sync::Arc::clone(&shared), std::sync::Arc::clone(&done));
            std::thread::spawn(move || loop {
                if shared.lock().unwrap().sources[0].counted {
                    return Some(t.elapsed());
                }
                if done.load(std::sync::atomic::Ordering::SeqCst) {
                    return None;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            })
        };
        let l = super::load_history(std::path::Path::new(&path), 0, 2, &shared, Default::default()).unwrap();
        let loaded = t.elapsed();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        eprintln!("counted in {:?}, loaded {} lines in {loaded:?}", watcher.join().unwrap(), l.next_line - 1);
    }
}
