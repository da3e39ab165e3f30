//! Following files like `tail -F`, losing nothing.
//!
//! Each source is followed by name. The loop wakes on filesystem events
//! (notify, watching each file's parent directory, so a file that does not
//! exist yet or was deleted is picked up when it appears) and, because
//! events do not arrive on every filesystem, on a steady poll as well. On
//! every wake it compares the path's identity and size with what it holds:
//! - same file, grown: read the new bytes;
//! - same file, shrunk: truncated in place (copytruncate): say so and read
//!   it again from the start;
//! - another file at the path: rotated. Keep reading the old file for
//!   `rotate_wait` (a writer holding it may still finish lines there), and
//!   read the new one from its start;
//! - no file at the path: keep the old one draining and wait.
//!
//! A last line without `\n` is held until its newline arrives. Nothing here
//! knows about terminals: lines go to a handler, as in batch reading.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::input::Source;
use super::line::{self, Line, LineSplitter};

/// What the follower reports.
#[derive(Debug)]
pub enum Event<'a> {
    Line {
        source: usize,
        line: Line<'a>,
    },
    /// Something the operator should know: truncation, rotation, a file
    /// that appeared or vanished, an error being retried.
    Notice {
        source: usize,
        kind: NoticeKind,
        text: String,
    },
    /// The source's existing content has been read.
    CaughtUp {
        source: usize,
    },
    /// The source has ended and will not grow (stdin closed, a `.gz` read).
    Ended {
        source: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Truncated,
    Rotated,
    Appeared,
    Missing,
    Error,
    Recovered,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartAt {
    /// The whole history (the default).
    FromStart,
    /// Only the last N lines of what exists at start.
    LastLines(u64),
    /// Where an earlier reader stopped: this offset, whose line has this number.
    At { offset: u64, line: u64 },
}

#[derive(Debug, Clone)]
pub struct FollowOptions {
    /// Safety poll, also the only wake-up when events are off.
    pub poll: Duration,
    /// How long a rotated or deleted file is still read after it left the path.
    pub rotate_wait: Duration,
    /// Use filesystem events (notify) as well as polling.
    pub watch: bool,
    pub start: StartAt,
    /// Per source, a start that overrides `start` (history already read).
    pub resume: Vec<Option<StartAt>>,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            poll: Duration::from_millis(200),
            rotate_wait: Duration::from_secs(5),
            watch: true,
            start: StartAt::FromStart,
            resume: Vec::new(),
        }
    }
}

struct Open {
    file: File,
    ident: (u64, u64),
    /// Bytes of the file read so far.
    pos: u64,
    splitter: LineSplitter,
    /// The file's first bytes as read, to notice a truncation that the size
    /// alone hides (truncated and written past the old size between polls).
    head: Vec<u8>,
    head_from_start: bool,
}

const HEAD_BYTES: usize = 1024;

impl Open {
    fn head_changed(&self) -> bool {
        use std::os::unix::fs::FileExt;
        if !self.head_from_start || self.head.is_empty() {
            return false;
        }
        let mut now = vec![0u8; self.head.len()];
        match self.file.read_at(&mut now, 0) {
            Ok(n) => now[..n] != self.head[..n] || n < self.head.len(),
            Err(_) => false,
        }
    }
}

impl Open {
    /// Reads what the file has now; lines go to `emit`.
    fn read_available(&mut self, emit: &mut impl FnMut(Line<'_>)) -> io::Result<()> {
        loop {
            let before = self.pos;
            let n = self.splitter.fill(&mut self.file as &mut dyn Read)?;
            if n == 0 {
                return Ok(());
            }
            self.pos += n as u64;
            if self.head_from_start && self.head.len() < HEAD_BYTES && before == self.head.len() as u64 {
                let take = (HEAD_BYTES - self.head.len()).min(n);
                self.head.extend_from_slice(self.splitter.last_filled(n, take));
            }
            self.splitter.drain_lines(&mut *emit);
        }
    }
}

struct Draining {
    open: Open,
    until: Instant,
}

enum Tracked {
    File(FileState),
    /// Stdin, or a compressed file read once: fed by a reader thread.
    Stream {
        chunks: Receiver<io::Result<Vec<u8>>>,
        splitter: LineSplitter,
        ended: bool,
    },
}

struct FileState {
    path: PathBuf,
    current: Option<Open>,
    draining: Vec<Draining>,
    /// The last problem reported, so it is said once, not every poll.
    problem: Option<String>,
    first_look: bool,
    /// Whether it ever went missing, to say "appeared" only when it matters.
    was_missing: bool,
}

/// Follows `sources` until `stop` is set, calling `handler` on this thread.
pub fn follow(
    sources: &[Source],
    opts: &FollowOptions,
    stop: &AtomicBool,
    mut handler: impl FnMut(Event<'_>),
) {
    let (wake_tx, wake_rx) = mpsc::channel::<()>();
    let _watcher = if opts.watch { watch_parents(sources, &wake_tx) } else { None };
    let mut tracked: Vec<Tracked> = sources.iter().map(|s| track(s, &wake_tx)).collect();
    let mut caught_up = vec![false; sources.len()];
    loop {
        for (i, t) in tracked.iter_mut().enumerate() {
            match t {
                Tracked::File(f) => {
                    poll_file(i, f, opts, &mut handler);
                    if !caught_up[i] {
                        caught_up[i] = true;
                        handler(Event::CaughtUp { source: i });
                    }
                }
                Tracked::Stream { chunks, splitter, ended } => {
                    if *ended {
                        continue;
                    }
                    poll_stream(i, chunks, splitter, ended, &mut handler);
                    if *ended {
                        handler(Event::CaughtUp { source: i });
                        handler(Event::Ended { source: i });
                    }
                }
            }
        }
        if stop.load(Ordering::Relaxed) {
            return;
        }
        // Stopping comes after a last poll, so a final count includes what
        // was written up to the moment it was asked for.
        match wake_rx.recv_timeout(opts.poll) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => while wake_rx.try_recv().is_ok() {},
            Err(RecvTimeoutError::Disconnected) => std::thread::sleep(opts.poll),
        }
    }
}

/// Runs [`follow`] on its own thread; set the returned flag to stop it.
pub fn spawn<H>(
    sources: Vec<Source>,
    opts: FollowOptions,
    mut handler: H,
) -> (Arc<AtomicBool>, std::thread::JoinHandle<()>)
where
    H: FnMut(Event<'_>) + Send + 'static,
{
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let handle = std::thread::Builder::new()
        .name("follow".into())
        .spawn(move || follow(&sources, &opts, &flag, &mut handler))
        .expect("spawn follower thread");
    (stop, handle)
}

fn track(source: &Source, wake: &Sender<()>) -> Tracked {
    match source {
        Source::File(path) if !source.is_gzip() => Tracked::File(FileState {
            path: path.clone(),
            current: None,
            draining: Vec::new(),
            problem: None,
            first_look: true,
            was_missing: false,
        }),
        _ => {
            let (tx, rx) = mpsc::sync_channel::<io::Result<Vec<u8>>>(16);
            let wake = wake.clone();
            let source = source.clone();
            let _ = std::thread::Builder::new().name("follow-stream".into()).spawn(move || {
                let mut reader = match super::input::open_stream(&source) {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = tx.send(Err(io::Error::other(e.to_string())));
                        let _ = wake.send(());
                        return;
                    }
                };
                loop {
                    let mut buf = vec![0u8; 256 * 1024];
                    match reader.read(&mut buf) {
                        Ok(0) => {
                            let _ = tx.send(Ok(Vec::new()));
                            let _ = wake.send(());
                            return;
                        }
                        Ok(n) => {
                            buf.truncate(n);
                            if tx.send(Ok(buf)).is_err() {
                                return;
                            }
                            let _ = wake.send(());
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            let _ = wake.send(());
                            return;
                        }
                    }
                }
            });
            Tracked::Stream { chunks: rx, splitter: LineSplitter::new(), ended: false }
        }
    }
}

fn poll_stream(
    i: usize,
    chunks: &Receiver<io::Result<Vec<u8>>>,
    splitter: &mut LineSplitter,
    ended: &mut bool,
    handler: &mut impl FnMut(Event<'_>),
) {
    let mut emit = |l: Line<'_>| handler(Event::Line { source: i, line: l });
    while let Ok(chunk) = chunks.try_recv() {
        match chunk {
            Ok(bytes) if bytes.is_empty() => {
                splitter.finish(&mut emit);
                *ended = true;
                return;
            }
            Ok(bytes) => {
                splitter.push(&bytes);
                splitter.drain_lines(&mut emit);
            }
            Err(e) => {
                splitter.finish(&mut emit);
                *ended = true;
                handler(Event::Notice {
                    source: i,
                    kind: NoticeKind::Error,
                    text: format!("read failed: {e}"),
                });
                return;
            }
        }
    }
}

fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    (meta.dev(), meta.ino())
}

fn poll_file(i: usize, f: &mut FileState, opts: &FollowOptions, handler: &mut impl FnMut(Event<'_>)) {
    let name = f.path.display().to_string();
    let notice = |handler: &mut dyn FnMut(Event<'_>), kind, text: String| {
        handler(Event::Notice { source: i, kind, text });
    };

    // Rotated-away files first: their lines were written before the new file's.
    let now = Instant::now();
    let mut k = 0;
    while k < f.draining.len() {
        let d = &mut f.draining[k];
        let mut emit = |l: Line<'_>| handler(Event::Line { source: i, line: l });
        let _ = d.open.read_available(&mut emit);
        if now >= d.until {
            // The writer has had its time; an unfinished last line is still a line.
            d.open.splitter.finish(&mut emit);
            f.draining.swap_remove(k);
        } else {
            k += 1;
        }
    }

    let first_look = std::mem::replace(&mut f.first_look, false);
    match std::fs::metadata(&f.path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if retire(i, f, now + opts.rotate_wait, handler) {
                notice(
                    handler,
                    NoticeKind::Missing,
                    format!("{name} was removed or renamed; waiting for it to reappear"),
                );
                f.problem = Some("missing".into());
            } else if f.problem.as_deref() != Some("missing") {
                notice(handler, NoticeKind::Missing, format!("{name} does not exist yet; waiting for it"));
                f.problem = Some("missing".into());
            }
            f.was_missing = true;
        }
        Err(e) => report(i, f, handler, format!("{name}: {e}; retrying")),
        Ok(meta) if meta.is_dir() => {
            report(i, f, handler, format!("{name} is a directory; waiting for a file"))
        }
        Ok(meta) => {
            let ident = identity(&meta);
            let replaced = f.current.as_ref().is_some_and(|c| c.ident != ident);
            if replaced {
                retire(i, f, now + opts.rotate_wait, handler);
                notice(
                    handler,
                    NoticeKind::Rotated,
                    format!("{name} has been replaced; following the new file"),
                );
            }
            if f.current.is_none() {
                let start = if first_look {
                    opts.resume.get(i).copied().flatten().unwrap_or(opts.start)
                } else {
                    StartAt::FromStart
                };
                match open_at_start(&f.path, ident, start) {
                    Ok(open) => {
                        if f.problem.take().is_some() || (f.was_missing && !replaced) {
                            let kind =
                                if f.was_missing { NoticeKind::Appeared } else { NoticeKind::Recovered };
                            let text = if f.was_missing {
                                format!("{name} has appeared; following it")
                            } else {
                                format!("{name} is readable again")
                            };
                            notice(handler, kind, text);
                        }
                        f.was_missing = false;
                        f.current = Some(open);
                    }
                    Err(e) => {
                        report(i, f, handler, format!("{name}: {e}; retrying"));
                        return;
                    }
                }
            }
            let Some(cur) = f.current.as_mut() else { return };
            if meta.len() < cur.pos || cur.head_changed() {
                // Truncated in place. A held fragment was written before the
                // truncation: it is still a line, not glued to the new content.
                let mut emit = |l: Line<'_>| handler(Event::Line { source: i, line: l });
                cur.splitter.finish(&mut emit);
                if let Err(e) = cur.file.seek(SeekFrom::Start(0)) {
                    report(i, f, handler, format!("{name}: {e}; retrying"));
                    return;
                }
                cur.pos = 0;
                cur.splitter = LineSplitter::new();
                cur.head.clear();
                cur.head_from_start = true;
                notice(
                    handler,
                    NoticeKind::Truncated,
                    format!("{name}: file truncated; reading it again from the start"),
                );
            }
            let mut emit = |l: Line<'_>| handler(Event::Line { source: i, line: l });
            if let Err(e) = cur.read_available(&mut emit) {
                report(i, f, handler, format!("{name}: read failed: {e}; retrying"));
            }
        }
    }
}

/// The path no longer leads to the file being read: read what it has now,
/// and keep reading it until `until` (a writer may still finish lines
/// there). Returns whether there was a file to retire.
fn retire(i: usize, f: &mut FileState, until: Instant, handler: &mut impl FnMut(Event<'_>)) -> bool {
    let Some(mut old) = f.current.take() else { return false };
    let _ = old.read_available(&mut |l: Line<'_>| handler(Event::Line { source: i, line: l }));
    f.draining.push(Draining { open: old, until });
    true
}

fn report(i: usize, f: &mut FileState, handler: &mut impl FnMut(Event<'_>), text: String) {
    if f.problem.as_deref() != Some(text.as_str()) {
        handler(Event::Notice { source: i, kind: NoticeKind::Error, text: text.clone() });
        f.problem = Some(text);
    }
}

fn open_at_start(path: &Path, ident: (u64, u64), start: StartAt) -> io::Result<Open> {
    let mut file = File::open(path)?;
    let (pos, number) = match start {
        StartAt::FromStart => (0, 1),
        StartAt::LastLines(n) => last_lines_offset(&mut file, n)?,
        StartAt::At { offset, line } => (offset, line),
    };
    file.seek(SeekFrom::Start(pos))?;
    Ok(Open {
        file,
        ident,
        pos,
        splitter: LineSplitter::starting_at(pos, number),
        head: Vec::new(),
        head_from_start: pos == 0,
    })
}

/// Offset and line number of the start of the last `n` lines.
pub fn last_lines_offset(file: &mut File, n: u64) -> io::Result<(u64, u64)> {
    let len = file.metadata()?.len();
    if n == 0 {
        let total = count_lines_before(file, len)?;
        return Ok((len, total + 1));
    }
    const STEP: u64 = 64 * 1024;
    let mut end = len;
    // A final line without `\n` is a line too; a final `\n` ends one.
    let mut wanted = n;
    let mut buf = vec![0u8; STEP as usize];
    let mut skip_last_newline = true;
    while end > 0 {
        let start = end.saturating_sub(STEP);
        let chunk = &mut buf[..usize::try_from(end - start).unwrap_or(0)];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        for (j, &b) in chunk.iter().enumerate().rev() {
            if b != b'\n' {
                skip_last_newline = false;
                continue;
            }
            if skip_last_newline && start + j as u64 == len - 1 {
                skip_last_newline = false;
                continue;
            }
            wanted -= 1;
            if wanted == 0 {
                let pos = start + j as u64 + 1;
                let before = count_lines_before(file, pos)?;
                return Ok((pos, before + 1));
            }
        }
        end = start;
    }
    Ok((0, 1))
}

fn count_lines_before(file: &mut File, pos: u64) -> io::Result<u64> {
    file.seek(SeekFrom::Start(0))?;
    let mut count = 0;
    let mut left = pos;
    let mut buf = vec![0u8; 1 << 20];
    while left > 0 {
        let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
        let n = file.read(&mut buf[..want])?;
        if n == 0 {
            break;
        }
        count += bytecount::count(&buf[..n], b'\n') as u64;
        left -= n as u64;
    }
    Ok(count)
}

fn watch_parents(sources: &[Source], wake: &Sender<()>) -> Option<notify::RecommendedWatcher> {
    use notify::{RecursiveMode, Watcher};
    let wake = wake.clone();
    let mut watcher = notify::recommended_watcher(move |_res: notify::Result<notify::Event>| {
        let _ = wake.send(());
    })
    .ok()?;
    let mut dirs: Vec<PathBuf> = sources
        .iter()
        .filter_map(|s| match s {
            Source::File(p) => {
                Some(p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf())
            }
            Source::Stdin => None,
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    for d in dirs {
        // A missing directory is covered by the poll.
        let _ = watcher.watch(&d, RecursiveMode::NonRecursive);
    }
    Some(watcher)
}

/// Reads a finished source once, for batch use of the same handler.
pub fn read_once(source: &Source, mut handler: impl FnMut(Line<'_>)) -> Result<(), super::input::InputError> {
    let mut r = super::input::open_stream(source)?;
    line::read_lines(&mut r, &mut handler)
        .map_err(|e| super::input::InputError::from_io(Path::new(&source.name()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resumes_where_history_ended() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        std::fs::write(&path, "one\ntwo\nthree\n").unwrap();
        let opts = FollowOptions {
            resume: vec![Some(StartAt::At { offset: 8, line: 3 })],
            ..FollowOptions::default()
        };
        let stop = AtomicBool::new(false);
        let mut seen = Vec::new();
        follow(&[Source::File(path)], &opts, &stop, |ev| {
            if let Event::Line { line, .. } = ev {
                seen.push((line.number, String::from_utf8_lossy(line.bytes).into_owned()));
            }
            if let Event::CaughtUp { .. } = ev {
                stop.store(true, Ordering::SeqCst);
            }
        });
        assert_eq!(seen, vec![(3, "three".to_owned())]);
    }
}
