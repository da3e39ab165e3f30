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
    let (bucket, filter, epoch, fields) = {
        let st = store.lock().unwrap_or_else(PoisonError::into_inner);
        // A part reads this source as its source 0: with this source's map.
        let fields: Vec<_> = st.fields.get(source).cloned().into_iter().collect();
        (st.counts.summary.buckets.secs(), st.counts.summary.filter.clone(), st.epoch, fields)
    };
    let chunks = end.div_ceil(CHUNK);
    let two_passes = filter.is_none() && chunks >= 2;
    let new_part = || {
        Store::new(bucket, Vec::new())
            .with_window(window)
            .with_filter(filter.clone())
            .with_fields(fields.clone())
    };
    let range = |k: u64| (k * CHUNK, ((k + 1) * CHUNK).min(end));
    let lists = DetailLists::new(if two_passes { chunks } else { 0 });
    // Chunk `k`'s single (or counting) pass.
    let first_pass = |k: u64| -> io::Result<Done> {
        let (from, to) = range(k);
        let mut part = new_part();
        let lines = if two_passes {
            let mut counting = Counting { store: &mut part, details: Vec::new() };
            let lines = scan_chunk(path, from, to, &mut counting);
            // Filled whatever happened, so no detail pass waits forever.
            lists.put(k, lines.is_ok().then_some(counting.details));
            lines?
        } else {
            // Room for a failure every 1.5 KB (a high failure rate), so the
            // chunk's records are not copied as their vector grows.
            part.reserve_failures(usize::try_from(CHUNK / 1536).unwrap_or(0));
            scan_chunk(path, from, to, &mut part)?
        };
        Ok(Done::Counted { k, part, lines })
    };
    // Chunk `k`'s detail pass; `None` if its counting pass failed (and said so).
    let detail_pass = |k: u64, block: &mut Vec<u8>| {
        let details = lists.take(k)?;
        Some(Done::Detailed { k, part: read_details(path, &details, block, new_part()) })
    };
    // Tasks: chunk k's single (or counting) pass is task k; with two
    // passes, its detail pass is task `chunks + k`, so every count comes
    // before any detail. A detail pass waits for its chunk's list.
    let tasks = if two_passes { 2 * chunks } else { chunks };
    let next = AtomicU64::new(0);
    let threads = threads.max(1);
    let (tx, rx) = mpsc::sync_channel::<io::Result<Done>>(threads);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, first_pass, detail_pass) = (&next, &first_pass, &detail_pass);
            scope.spawn(move || {
                // The detail pass's block, kept from chunk to chunk.
                let mut block = Vec::new();
                loop {
                    let task = next.fetch_add(1, Ordering::SeqCst);
                    let result = if task >= tasks {
                        return;
                    } else if task < chunks {
                        first_pass(task)
                    } else if let Some(done) = detail_pass(task - chunks, &mut block) {
                        Ok(done)
                    } else {
                        continue;
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

fn scan_chunk<S: super::scan::Sink>(path: &Path, from: u64, to: u64, sink: &mut S) -> io::Result<u64> {
    std::fs::File::open(path).and_then(|f| super::scan::scan_range(f, from, to, sink))
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
mod tests;
