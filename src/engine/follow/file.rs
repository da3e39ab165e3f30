//! One followed path: the file open at it, the files that left it and are
//! still read, and the files it held recently, by identity, so one that
//! comes back resumes where it was instead of being read again.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::super::line::{Line, LineSplitter};
use super::start::last_lines_offset;
use super::{Event, FollowOptions, NoticeKind, StartAt};

/// Bytes kept from a file's start and from just before the read offset:
/// a truncated file that regrew past the offset rarely matches both.
const HEAD_BYTES: usize = 1024;
const TAIL_BYTES: usize = 256;
/// Files that left the path and were closed, remembered in case they return.
const REMEMBERED: usize = 32;
/// A hole longer than this is looked at in pieces.
const NUL_PROBE: usize = 64 * 1024;

/// `(device, inode)`: what a file is, whatever its name.
pub(super) type Identity = (u64, u64);

pub(super) fn identity(meta: &std::fs::Metadata) -> Identity {
    (meta.dev(), meta.ino())
}

/// A file being read: its descriptor, how far it was read, and what was
/// seen there, to tell a file that grew from one rewritten in place.
pub(super) struct Open {
    file: File,
    ident: Identity,
    /// Bytes of the file read so far.
    pos: u64,
    splitter: LineSplitter,
    /// The file's first bytes as read, when it was read from its start.
    head: Vec<u8>,
    head_from_start: bool,
    /// The last bytes read, ending at `pos`.
    tail: Vec<u8>,
    /// After a truncation: a writer that kept its offset leaves a run of
    /// NUL bytes where the old content was, to be skipped, not read as a line.
    in_nul_hole: bool,
}

/// Where a closed file was left, in case it comes back to the path.
struct Remembered {
    ident: Identity,
    pos: u64,
    next_line: u64,
    tail: Vec<u8>,
}

impl Open {
    fn at(file: File, ident: Identity, pos: u64, line: u64, tail: Vec<u8>) -> io::Result<Open> {
        let mut file = file;
        file.seek(SeekFrom::Start(pos))?;
        Ok(Open {
            file,
            ident,
            pos,
            splitter: LineSplitter::starting_at(pos, line),
            head: Vec::new(),
            head_from_start: pos == 0,
            tail,
            // A file that starts with NUL bytes was truncated under a
            // writer that kept its offset before it was first read.
            in_nul_hole: pos == 0,
        })
    }

    /// Whether the content read so far is no longer there: the file is
    /// shorter than what was read, or its first bytes or the bytes just
    /// before the read offset changed.
    fn rewritten(&self) -> bool {
        let Ok(meta) = self.file.metadata() else { return false };
        if meta.len() < self.pos {
            return true;
        }
        let differs = |at: u64, want: &[u8]| {
            let mut now = vec![0u8; want.len()];
            match self.file.read_exact_at(&mut now, at) {
                Ok(()) => now != want,
                Err(e) => e.kind() == io::ErrorKind::UnexpectedEof,
            }
        };
        let tail_at = self.pos - self.tail.len() as u64;
        (!self.tail.is_empty() && differs(tail_at, &self.tail))
            || (self.head_from_start && !self.head.is_empty() && differs(0, &self.head))
    }

    /// A truncation under a writer that kept its offset turns what was read
    /// into a hole of NUL bytes; what follows the hole, up to the read
    /// offset, is the writer's new content, already read (the truncation
    /// came between two reads). Then reading goes on where it was, and the
    /// hole's length is returned.
    fn hole_under_what_was_read(&mut self) -> io::Result<Option<u64>> {
        let (hole, _) = nul_run(&self.file, 0, self.pos)?;
        if hole == 0 {
            return Ok(None);
        }
        let after = usize::try_from(self.pos - hole).unwrap_or(usize::MAX);
        if after > self.tail.len() {
            return Ok(None);
        }
        let mut now = vec![0u8; after];
        if self.file.read_exact_at(&mut now, hole).is_err() || now != self.tail[self.tail.len() - after..] {
            return Ok(None);
        }
        self.tail = tail_before(&self.file, self.pos)?;
        self.head.clear();
        self.head_from_start = false;
        Ok(Some(hole))
    }

    /// Starts over at offset 0 after a truncation. A held fragment was
    /// written before it: still a line, not glued to the new content.
    fn restart(&mut self, emit: &mut impl FnMut(Line<'_>)) -> io::Result<()> {
        self.splitter.finish(&mut *emit);
        self.file.seek(SeekFrom::Start(0))?;
        self.pos = 0;
        self.splitter = LineSplitter::new();
        self.head.clear();
        self.head_from_start = true;
        self.tail.clear();
        self.in_nul_hole = true;
        Ok(())
    }

    /// Skips the NUL bytes at the read offset, while in a hole. Returns how
    /// many were skipped.
    fn skip_nul_hole(&mut self) -> io::Result<u64> {
        if !self.in_nul_hole || self.splitter.pending() > 0 {
            return Ok(0);
        }
        let (run, ended) = nul_run(&self.file, self.pos, u64::MAX)?;
        // Ended by a byte that is not NUL: the hole is over. Ended by the
        // file's end: more NUL bytes may still come.
        self.in_nul_hole = !ended;
        if run > 0 {
            self.pos += run;
            self.splitter.skip(run);
            self.file.seek(SeekFrom::Start(self.pos))?;
        }
        Ok(run)
    }

    /// Reads what the file has now; lines go to `emit`.
    fn read_available(&mut self, emit: &mut impl FnMut(Line<'_>)) -> io::Result<()> {
        loop {
            let before = self.pos;
            let n = self.splitter.fill(&mut self.file as &mut dyn Read)?;
            if n == 0 {
                return Ok(());
            }
            self.pos += n as u64;
            let filled = self.splitter.last_filled(n, n);
            if self.head_from_start && self.head.len() < HEAD_BYTES && before == self.head.len() as u64 {
                self.head.extend_from_slice(&filled[..(HEAD_BYTES - self.head.len()).min(n)]);
            }
            let keep = filled.len().min(TAIL_BYTES);
            let drop = (self.tail.len() + keep).saturating_sub(TAIL_BYTES);
            self.tail.drain(..drop);
            self.tail.extend_from_slice(&filled[filled.len() - keep..]);
            self.in_nul_hole = false;
            self.splitter.drain_lines(&mut *emit);
        }
    }

    /// One look at the file: a rewrite is noticed first, a NUL hole skipped,
    /// then whatever is new is read.
    fn catch_up(&mut self, i: usize, name: &str, handler: &mut impl FnMut(Event<'_>)) -> io::Result<()> {
        if self.rewritten() {
            if let Some(hole) = self.hole_under_what_was_read()? {
                handler(Event::Notice {
                    source: i,
                    kind: NoticeKind::Truncated,
                    text: format!(
                        "{name}: truncated under a writer that kept its offset; skipped {hole} NUL bytes"
                    ),
                });
            } else {
                self.restart(&mut |l: Line<'_>| handler(Event::Line { source: i, line: l }))?;
                handler(Event::Notice {
                    source: i,
                    kind: NoticeKind::Truncated,
                    text: format!("{name}: file truncated; reading it again from the start"),
                });
            }
        }
        if self.in_nul_hole {
            let skipped = self.skip_nul_hole()?;
            if skipped > 0 {
                handler(Event::Notice {
                    source: i,
                    kind: NoticeKind::Truncated,
                    text: format!(
                        "{name}: skipped {skipped} NUL bytes at offset {} (a writer kept its offset across the truncation)",
                        self.pos - skipped
                    ),
                });
            }
        }
        self.read_available(&mut |l: Line<'_>| handler(Event::Line { source: i, line: l }))
    }

    fn finish(&mut self, emit: &mut impl FnMut(Line<'_>)) {
        self.splitter.finish(emit);
    }

    fn remember(&self) -> Option<Remembered> {
        // A deleted file cannot come back, and its inode may be reused.
        let linked = self.file.metadata().is_ok_and(|m| m.nlink() > 0);
        linked.then(|| Remembered {
            ident: self.ident,
            pos: self.pos,
            next_line: self.splitter.next_line_number(),
            tail: self.tail.clone(),
        })
    }
}

struct Draining {
    open: Open,
    /// The name it had, for notices.
    name: String,
    until: Instant,
}

pub(super) struct FileState {
    path: PathBuf,
    name: String,
    current: Option<Open>,
    draining: Vec<Draining>,
    recent: Vec<Remembered>,
    /// The last problem reported, so it is said once, not every poll.
    problem: Option<String>,
    first_look: bool,
    /// Whether it ever went missing, to say "appeared" only when it matters.
    was_missing: bool,
}

impl FileState {
    pub(super) fn new(path: &Path) -> FileState {
        FileState {
            path: path.to_path_buf(),
            name: path.display().to_string(),
            current: None,
            draining: Vec::new(),
            recent: Vec::new(),
            problem: None,
            first_look: true,
            was_missing: false,
        }
    }

    /// Reads everything new under this path: the files that left it first
    /// (their lines were written before the new file's), then the file at it.
    pub(super) fn poll(&mut self, i: usize, opts: &FollowOptions, handler: &mut impl FnMut(Event<'_>)) {
        let now = Instant::now();
        self.poll_draining(i, now, handler);
        let first_look = std::mem::replace(&mut self.first_look, false);
        match std::fs::metadata(&self.path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if self.retire(i, now + opts.rotate_wait, handler) {
                    let text = format!("{} was removed or renamed; waiting for it to reappear", self.name);
                    handler(Event::Notice { source: i, kind: NoticeKind::Missing, text });
                    self.problem = Some("missing".into());
                } else if self.problem.as_deref() != Some("missing") {
                    let text = format!("{} does not exist yet; waiting for it", self.name);
                    handler(Event::Notice { source: i, kind: NoticeKind::Missing, text });
                    self.problem = Some("missing".into());
                }
                self.was_missing = true;
            }
            // The path no longer resolves (a parent made unsearchable, or
            // not a directory any more): what is open is still readable.
            Err(e) => self.report(i, handler, format!("{}: {e}; retrying", self.name)),
            Ok(meta) if !meta.is_file() => {
                if self.retire(i, now + opts.rotate_wait, handler) {
                    let text = format!("{} has been replaced by something that is not a file", self.name);
                    handler(Event::Notice { source: i, kind: NoticeKind::Rotated, text });
                }
                self.report(i, handler, format!("{} is not a regular file; waiting for a file", self.name));
            }
            Ok(meta) => {
                let ident = identity(&meta);
                if self.current.as_ref().is_some_and(|c| c.ident != ident) {
                    self.retire(i, now + opts.rotate_wait, handler);
                    let text = format!("{} has been replaced; following the new file", self.name);
                    handler(Event::Notice { source: i, kind: NoticeKind::Rotated, text });
                }
                if self.current.is_none() {
                    if !self.adopt(i, ident, first_look, opts, handler) {
                        return;
                    }
                } else if self.problem.take().is_some() {
                    let text = format!("{} resolves again", self.name);
                    handler(Event::Notice { source: i, kind: NoticeKind::Recovered, text });
                }
            }
        }
        let read = self.current.as_mut().map(|cur| cur.catch_up(i, &self.name, handler));
        if let Some(Err(e)) = read {
            let text = format!("{}: read failed: {e}; retrying", self.name);
            self.report(i, handler, text);
        }
    }

    fn poll_draining(&mut self, i: usize, now: Instant, handler: &mut impl FnMut(Event<'_>)) {
        let mut k = 0;
        while k < self.draining.len() {
            let d = &mut self.draining[k];
            let _ = d.open.catch_up(i, &d.name, handler);
            if now >= d.until {
                // The writer has had its time; an unfinished last line is still a line.
                d.open.finish(&mut |l: Line<'_>| handler(Event::Line { source: i, line: l }));
                let d = self.draining.swap_remove(k);
                if let Some(r) = d.open.remember() {
                    self.recent.retain(|old| old.ident != r.ident);
                    if self.recent.len() >= REMEMBERED {
                        self.recent.remove(0);
                    }
                    self.recent.push(r);
                }
            } else {
                k += 1;
            }
        }
    }

    /// Makes the file now at the path the current one: a file that left the
    /// path and came back goes on where it was. Returns false when it could
    /// not be opened.
    fn adopt(
        &mut self,
        i: usize,
        ident: Identity,
        first_look: bool,
        opts: &FollowOptions,
        handler: &mut impl FnMut(Event<'_>),
    ) -> bool {
        let back = if let Some(k) = self.draining.iter().position(|d| d.open.ident == ident) {
            Some(self.draining.swap_remove(k).open)
        } else {
            self.reopen_remembered(ident)
        };
        let open = match back {
            Some(open) => {
                let text =
                    format!("{} is back; going on from line {}", self.name, open.splitter.next_line_number());
                handler(Event::Notice { source: i, kind: NoticeKind::Recovered, text });
                Ok(open)
            }
            None => {
                let start = if first_look {
                    opts.resume.get(i).copied().flatten().unwrap_or(opts.start)
                } else {
                    StartAt::FromStart
                };
                open_at_start(&self.path, start)
            }
        };
        match open {
            Ok(open) => {
                if self.problem.take().is_some() || self.was_missing {
                    let (kind, text) = if self.was_missing {
                        (NoticeKind::Appeared, format!("{} has appeared; following it", self.name))
                    } else {
                        (NoticeKind::Recovered, format!("{} is readable again", self.name))
                    };
                    handler(Event::Notice { source: i, kind, text });
                }
                self.was_missing = false;
                self.current = Some(open);
                true
            }
            Err(e) => {
                let text = format!("{}: {e}; retrying", self.name);
                self.report(i, handler, text);
                false
            }
        }
    }

    /// A file closed after it left the path, if it is back unchanged up to
    /// where it was read.
    fn reopen_remembered(&mut self, ident: Identity) -> Option<Open> {
        let k = self.recent.iter().position(|r| r.ident == ident)?;
        let r = self.recent.remove(k);
        let file = File::open(&self.path).ok()?;
        let meta = file.metadata().ok()?;
        if identity(&meta) != ident || meta.len() < r.pos {
            return None;
        }
        let mut now = vec![0u8; r.tail.len()];
        file.read_exact_at(&mut now, r.pos - r.tail.len() as u64).ok()?;
        if now != r.tail {
            return None;
        }
        Open::at(file, ident, r.pos, r.next_line, r.tail).ok()
    }

    /// The path no longer leads to the file being read: read what it has
    /// now, and keep reading it until `until` (a writer may still finish
    /// lines there). Returns whether there was a file to retire.
    fn retire(&mut self, i: usize, until: Instant, handler: &mut impl FnMut(Event<'_>)) -> bool {
        let Some(mut old) = self.current.take() else { return false };
        let _ = old.catch_up(i, &self.name, handler);
        self.draining.push(Draining { open: old, name: self.name.clone(), until });
        true
    }

    fn report(&mut self, i: usize, handler: &mut impl FnMut(Event<'_>), text: String) {
        if self.problem.as_deref() != Some(text.as_str()) {
            handler(Event::Notice { source: i, kind: NoticeKind::Error, text: text.clone() });
            self.problem = Some(text);
        }
    }
}

/// The length of the run of NUL bytes at `from`, looked at up to `limit`,
/// and whether a byte that is not NUL ended it.
fn nul_run(file: &File, from: u64, limit: u64) -> io::Result<(u64, bool)> {
    let mut run = 0u64;
    let mut probe = vec![0u8; NUL_PROBE];
    while from + run < limit {
        let want = usize::try_from((limit - from - run).min(NUL_PROBE as u64)).unwrap_or(NUL_PROBE);
        let n = file.read_at(&mut probe[..want], from + run)?;
        let zeros = probe[..n].iter().position(|&b| b != 0);
        run += zeros.unwrap_or(n) as u64;
        if zeros.is_some() {
            return Ok((run, true));
        }
        if n < want {
            break;
        }
    }
    Ok((run, false))
}

/// The last [`TAIL_BYTES`] (or fewer) bytes of `file` before `pos`.
fn tail_before(file: &File, pos: u64) -> io::Result<Vec<u8>> {
    let keep = pos.min(TAIL_BYTES as u64);
    let mut tail = vec![0u8; usize::try_from(keep).unwrap_or(0)];
    file.read_exact_at(&mut tail, pos - keep)?;
    Ok(tail)
}

/// Opens the file at `path` where `start` says. Its identity is taken from
/// the open descriptor: the path may have changed since it was looked at.
fn open_at_start(path: &Path, start: StartAt) -> io::Result<Open> {
    let mut file = File::open(path)?;
    let ident = identity(&file.metadata()?);
    let (pos, number) = match start {
        StartAt::FromStart => (0, 1),
        StartAt::LastLines(n) => last_lines_offset(&mut file, n)?,
        StartAt::At { offset, line } => (offset, line),
    };
    let tail = tail_before(&file, pos)?;
    Open::at(file, ident, pos, number, tail)
}
