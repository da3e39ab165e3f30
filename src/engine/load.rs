//! Reading a large file's history for the live view on every core, while
//! the view fills in: workers each build a small [`Store`] for one chunk of
//! the file, and the chunks are appended to the shared store in file order,
//! so the result is the one a single reader would build.

use std::collections::BTreeMap;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Mutex, PoisonError};

use super::stats::TimeWindow;
use super::store::Store;

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
    let next = AtomicU64::new(0);
    let threads = threads.max(1);
    let (tx, rx) = mpsc::sync_channel::<io::Result<(u64, Store, u64)>>(threads);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let next = &next;
            let filter = filter.clone();
            scope.spawn(move || loop {
                let k = next.fetch_add(1, Ordering::SeqCst);
                if k >= chunks {
                    return;
                }
                let (from, to) = (k * CHUNK, ((k + 1) * CHUNK).min(end));
                let mut part = Store::new(bucket, Vec::new()).with_window(window).with_filter(filter.clone());
                // Room for a failure every 1.5 KB (a high failure rate), so
                // the chunk's records are not copied as their vector grows.
                part.reserve_failures(usize::try_from((to - from) / 1536).unwrap_or(0));
                let result = std::fs::File::open(path)
                    .and_then(|f| super::scan::scan_range(f, from, to, &mut part))
                    .map(|lines| (k, part, lines));
                if tx.send(result).is_err() {
                    return;
                }
            });
        }
        drop(tx);
        // Appended in file order, whatever order the workers finish in.
        let mut pending = BTreeMap::new();
        let mut next_chunk = 0;
        let mut lines_before = 0;
        for result in rx {
            let (k, part, lines) = result?;
            pending.insert(k, (part, lines));
            while let Some((part, lines)) = pending.remove(&next_chunk) {
                let mut st = store.lock().unwrap_or_else(PoisonError::into_inner);
                if st.epoch != epoch {
                    return Err(io::Error::other("superseded by a new filter"));
                }
                st.append(source, part, lines_before);
                if let Some(s) = st.sources.get_mut(source) {
                    s.read = ((next_chunk + 1) * CHUNK).min(end);
                }
                lines_before += lines;
                next_chunk += 1;
            }
        }
        Ok(Loaded { offset: end, next_line: lines_before + 1 })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::line::read_lines;

    #[test]
    fn parallel_load_equals_one_reader() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.log");
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

        let shared = Mutex::new(Store::new(60, vec![]));
        let loaded = load_history(&path, 0, 3, &shared, TimeWindow::default()).unwrap();
        let parallel = shared.into_inner().unwrap();

        let mut serial = Store::new(60, vec![]);
        let bytes = std::fs::read(&path).unwrap();
        let complete = &bytes[..usize::try_from(loaded.offset).unwrap()];
        let mut lines = 0;
        read_lines(&mut &complete[..], |l| {
            lines = l.number;
            serial.add_line(0, &l);
        })
        .unwrap();
        assert_eq!(loaded.next_line, lines + 1);
        let groups = |s: &Store| serde_json::to_string(&s.report().groups).unwrap();
        assert_eq!(groups(&parallel), groups(&serial));
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
        let shared = std::sync::Mutex::new(super::Store::new(60, vec![]));
        let t = std::time::Instant::now();
        let l = super::load_history(std::path::Path::new(&path), 0, 2, &shared, Default::default()).unwrap();
        eprintln!("loaded {} lines in {:?}", l.next_line - 1, t.elapsed());
    }
}
