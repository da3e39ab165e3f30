//! Following files like `tail -F`, losing nothing.
//!
//! Each source is followed by name. The loop wakes on filesystem events
//! (notify, watching each file's parent directory, so a file that does not
//! exist yet or was deleted is picked up when it appears) and, because
//! events do not arrive on every filesystem, on a steady poll as well. On
//! every wake it compares what is at the path with what it holds:
//! - the same file (device and inode), grown: read the new bytes;
//! - the same file rewritten in place (shorter than what was read, or its
//!   first bytes or the bytes just before the read offset changed):
//!   copytruncate; say so and read it again from the start, skipping the
//!   NUL hole a writer that kept its offset leaves;
//! - another file at the path: rotated. Keep reading the old file for
//!   `rotate_wait` (a writer holding it may still finish lines there, and
//!   it may be truncated there too), and read the new one from its start,
//!   unless it is a file followed recently: then go on where it was left;
//! - nothing, or a directory, at the path: keep the old one draining and wait;
//! - a path that no longer resolves (a parent gone or unsearchable): keep
//!   reading the open file.
//!
//! Named pipes, stdin and compressed files are read once as streams, never
//! seeked or reopened. A last line without `\n` is held until its newline
//! arrives. Nothing here knows about terminals: lines go to a handler, as in
//! batch reading.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::Duration;

use super::input::Source;
use super::line::{self, Line};

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

mod file;
mod start;
mod stream;

pub use start::last_lines_offset;

enum Tracked {
    File(file::FileState),
    Stream(stream::Stream),
}

/// The sources being followed, looked at once per [`Follower::poll`]. The
/// loop in [`follow`] calls it on every wake; tests call it directly to
/// place each look between their writes.
pub struct Follower {
    tracked: Vec<Tracked>,
    caught_up: Vec<bool>,
    opts: FollowOptions,
}

impl Follower {
    /// `wake` is told when a stream has data (files are woken by the caller).
    pub fn new(sources: &[Source], opts: FollowOptions, wake: Option<Sender<()>>) -> Follower {
        let tracked = sources
            .iter()
            .map(|s| match s {
                Source::File(path) if !s.is_gzip() && !is_pipe(path) => {
                    Tracked::File(file::FileState::new(path))
                }
                _ => Tracked::Stream(stream::Stream::spawn(s, wake.clone())),
            })
            .collect();
        Follower { tracked, caught_up: vec![false; sources.len()], opts }
    }

    /// Reads what every source has now.
    pub fn poll(&mut self, handler: &mut impl FnMut(Event<'_>)) {
        for (i, t) in self.tracked.iter_mut().enumerate() {
            match t {
                Tracked::File(f) => {
                    f.poll(i, &self.opts, handler);
                    if !self.caught_up[i] {
                        self.caught_up[i] = true;
                        handler(Event::CaughtUp { source: i });
                    }
                }
                Tracked::Stream(s) => {
                    if s.ended {
                        continue;
                    }
                    s.poll(i, handler);
                    if s.ended {
                        handler(Event::CaughtUp { source: i });
                        handler(Event::Ended { source: i });
                    }
                }
            }
        }
    }
}

/// A named pipe (or a process substitution's `/dev/fd/N`): read as a
/// stream, never seeked, reopened or checked for rotation.
fn is_pipe(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo() || m.file_type().is_socket())
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
    let mut follower = Follower::new(sources, opts.clone(), Some(wake_tx));
    loop {
        follower.poll(&mut handler);
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
mod tests;
