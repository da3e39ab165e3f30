//! Splitting a byte stream into lines, in blocks, with a cap on line size.
//!
//! One splitter serves both batch reads and the follower: it owns a buffer,
//! is filled from any `Read`, and hands out complete lines. What happens to
//! an unterminated last line is the caller's choice (`finish` for a file
//! that is done, nothing for a file that may still grow).

use std::io::{self, Read};

/// Lines up to this size are parsed like any other (the contract's 16 MiB).
pub const MAX_LINE: usize = 16 * 1024 * 1024;
const BLOCK: usize = 256 * 1024;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One line, without its `\n`.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    /// 1-based line number in its source.
    pub number: u64,
    /// Byte offset of the line's first byte in its source.
    pub offset: u64,
    pub bytes: &'a [u8],
    /// The line was longer than [`MAX_LINE`]; `bytes` holds only its head.
    pub oversized: bool,
}

#[derive(Debug)]
pub struct LineSplitter {
    /// Storage, zeroed once when it grows: reads go into `buf[end..]`.
    buf: Vec<u8>,
    /// Data is `buf[..end]`.
    end: usize,
    /// Unconsumed data is `buf[start..]`.
    start: usize,
    /// `buf[start..scanned]` is known to hold no `\n`.
    scanned: usize,
    next_number: u64,
    /// Source offset of `buf[start]`.
    offset: u64,
    /// Inside an oversized line: drop bytes until its `\n`.
    skipping: bool,
    at_source_start: bool,
    max_line: usize,
}

impl Default for LineSplitter {
    fn default() -> Self {
        Self::new()
    }
}

impl LineSplitter {
    pub fn new() -> Self {
        Self::starting_at(0, 1)
    }

    /// A splitter for a source read from `offset`, whose first line there is
    /// line `number`. A byte-order mark is stripped only at offset 0.
    pub fn starting_at(offset: u64, number: u64) -> Self {
        LineSplitter {
            buf: Vec::new(),
            end: 0,
            start: 0,
            scanned: 0,
            next_number: number,
            offset,
            skipping: false,
            at_source_start: offset == 0,
            max_line: MAX_LINE,
        }
    }

    #[cfg(test)]
    fn with_max_line(mut self, max_line: usize) -> Self {
        self.max_line = max_line;
        self
    }

    /// Source offset just past the last byte handed out as a line.
    pub fn consumed_offset(&self) -> u64 {
        self.offset
    }

    /// Bytes held for an unterminated line.
    pub fn pending(&self) -> usize {
        self.end - self.start
    }

    pub fn next_line_number(&self) -> u64 {
        self.next_number
    }

    /// Reads one block from `r` into the buffer. Returns the bytes read (0 at EOF).
    pub fn fill<R: Read + ?Sized>(&mut self, r: &mut R) -> io::Result<usize> {
        if self.start > 0 && (self.start == self.end || self.end + BLOCK > self.buf.len()) {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.scanned -= self.start;
            self.start = 0;
        }
        if self.buf.len() < self.end + BLOCK {
            self.buf.resize(self.end + BLOCK, 0);
        }
        let n = loop {
            match r.read(&mut self.buf[self.end..self.end + BLOCK]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        self.end += n;
        Ok(n)
    }

    /// The first `take` of the `n` bytes the last `fill` read.
    pub fn last_filled(&self, n: usize, take: usize) -> &[u8] {
        let start = self.end - n;
        &self.buf[start..start + take.min(n)]
    }

    /// Passes over `n` source bytes that are not lines (a hole of NUL
    /// bytes), with nothing held.
    pub fn skip(&mut self, n: u64) {
        debug_assert_eq!(self.pending(), 0, "bytes skipped inside a line");
        self.offset += n;
        self.at_source_start = false;
    }

    /// Appends bytes that came from elsewhere (stdin chunks, tests). What
    /// was handed out as lines is dropped first, so a stream followed for
    /// hours is held only up to its unfinished line.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.scanned -= self.start;
            self.start = 0;
        }
        self.buf.truncate(self.end);
        self.buf.extend_from_slice(bytes);
        self.end = self.buf.len();
    }

    /// Hands every complete line in the buffer to `f`.
    pub fn drain_lines(&mut self, mut f: impl FnMut(Line<'_>)) {
        loop {
            let hay = &self.buf[self.scanned..self.end];
            match memchr::memchr(b'\n', hay) {
                Some(i) => {
                    let end = self.scanned + i;
                    if self.skipping {
                        self.skipping = false;
                    } else if !self.within_cap(self.start, end) {
                        self.emit(self.start, self.start + self.max_line, true, &mut f);
                    } else {
                        self.emit(self.start, end, false, &mut f);
                    }
                    self.next_number += 1;
                    self.offset += (end + 1 - self.start) as u64;
                    self.start = end + 1;
                    self.scanned = self.start;
                }
                None => {
                    self.scanned = self.end;
                    let held = self.end - self.start;
                    if !self.within_cap(self.start, self.end) {
                        if !self.skipping {
                            // Reported once, at its head; the rest is dropped
                            // as it arrives so memory stays bounded.
                            self.emit(self.start, self.start + self.max_line.min(held), true, &mut f);
                            self.skipping = true;
                        }
                        self.offset += held as u64;
                        self.start = self.end;
                        self.scanned = self.start;
                    }
                    return;
                }
            }
        }
    }

    /// Ends the source: an unterminated last line counts as a line.
    pub fn finish(&mut self, mut f: impl FnMut(Line<'_>)) {
        self.drain_lines(&mut f);
        if self.start < self.end && !self.skipping {
            self.emit(self.start, self.end, false, &mut f);
            self.next_number += 1;
        }
        self.offset += (self.end - self.start) as u64;
        self.end = 0;
        self.start = 0;
        self.scanned = 0;
        self.skipping = false;
    }

    /// Drops a held partial line (after a truncation or rotation) and
    /// returns it, so the caller can report it rather than lose it silently.
    pub fn take_pending(&mut self) -> Vec<u8> {
        let rest = self.buf[self.start..self.end].to_vec();
        self.end = 0;
        self.start = 0;
        self.scanned = 0;
        self.skipping = false;
        rest
    }

    /// Whether `buf[from..to]` fits the line cap; a CRLF's `\r` is not
    /// counted in it.
    fn within_cap(&self, from: usize, to: usize) -> bool {
        let len = to - from;
        len <= self.max_line || (len == self.max_line + 1 && self.buf[to - 1] == b'\r')
    }

    fn emit(&mut self, from: usize, to: usize, oversized: bool, f: &mut impl FnMut(Line<'_>)) {
        let mut bytes = &self.buf[from..to];
        let mut offset = self.offset;
        if self.at_source_start {
            self.at_source_start = false;
            if let Some(rest) = bytes.strip_prefix(BOM) {
                bytes = rest;
                offset += BOM.len() as u64;
            }
        }
        f(Line { number: self.next_number, offset, bytes, oversized });
    }
}

/// Reads a whole finished source, line by line.
pub fn read_lines<R: Read + ?Sized>(r: &mut R, f: impl FnMut(Line<'_>)) -> io::Result<()> {
    read_to_end(r, LineSplitter::new(), f)
}

/// Reads a finished file from `offset`, whose line there is number `number`.
pub fn read_lines_at(
    file: &mut std::fs::File,
    offset: u64,
    number: u64,
    f: impl FnMut(Line<'_>),
) -> io::Result<()> {
    use std::io::{Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    read_to_end(file, LineSplitter::starting_at(offset, number), f)
}

fn read_to_end<R: Read + ?Sized>(
    r: &mut R,
    mut splitter: LineSplitter,
    mut f: impl FnMut(Line<'_>),
) -> io::Result<()> {
    while splitter.fill(r)? > 0 {
        splitter.drain_lines(&mut f);
    }
    splitter.finish(&mut f);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 12, item 3: a followed stream's buffer holds what is not yet
    /// a line, not everything the stream ever sent.
    #[test]
    fn pushed_streams_are_held_only_up_to_their_unfinished_line() {
        let mut s = LineSplitter::new();
        let chunk = b"{\"status\":200,\"ts\":\"2026-11-24T13:00:00Z\"}\n{\"status\":503";
        let rest = b",\"ts\":\"2026-11-24T13:00:01Z\"}\n";
        let mut lines = 0u64;
        for _ in 0..100_000 {
            s.push(chunk);
            s.drain_lines(|_| lines += 1);
            s.push(rest);
            s.drain_lines(|_| lines += 1);
        }
        assert_eq!(lines, 200_000);
        assert!(s.buf.len() < 4096, "holds {} bytes after 8 MB", s.buf.len());
    }

    fn collect(input: &[u8], max: usize, chunk: usize) -> Vec<(u64, u64, Vec<u8>, bool)> {
        let mut s = LineSplitter::new().with_max_line(max);
        let mut out = Vec::new();
        for piece in input.chunks(chunk.max(1)) {
            s.push(piece);
            s.drain_lines(|l| out.push((l.number, l.offset, l.bytes.to_vec(), l.oversized)));
        }
        s.finish(|l| out.push((l.number, l.offset, l.bytes.to_vec(), l.oversized)));
        out
    }

    /// Issue 12, item 17: the cap is on the line; a CRLF's `\r` is not part of it.
    #[test]
    fn a_line_at_the_cap_ending_in_crlf_is_within_it() {
        for chunk in [1, 4, 100] {
            let got = collect(b"0123456789\r\nabc\n", 10, chunk);
            assert_eq!(got[0], (1, 0, b"0123456789\r".to_vec(), false), "chunk {chunk}");
            assert_eq!(got[1], (2, 12, b"abc".to_vec(), false), "chunk {chunk}");
        }
    }

    #[test]
    fn splits_and_numbers_lines() {
        for chunk in [1, 2, 3, 100] {
            let got = collect(b"a\n\nbc\nd", 100, chunk);
            assert_eq!(
                got,
                vec![
                    (1, 0, b"a".to_vec(), false),
                    (2, 2, b"".to_vec(), false),
                    (3, 3, b"bc".to_vec(), false),
                    (4, 6, b"d".to_vec(), false)
                ],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn strips_bom_only_at_source_start() {
        let got = collect(b"\xEF\xBB\xBF{}\n\xEF\xBB\xBF{}\n", 100, 2);
        assert_eq!(got[0].2, b"{}");
        assert_eq!(got[0].1, 3);
        assert_eq!(got[1].2, b"\xEF\xBB\xBF{}");
    }

    #[test]
    fn oversized_line_reported_once_and_skipped() {
        let mut input = b"ok\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 50));
        input.extend_from_slice(b"\nafter\n");
        for chunk in [1, 7, 1000] {
            let got = collect(&input, 10, chunk);
            assert_eq!(got.len(), 3, "chunk {chunk}: {got:?}");
            assert!(got[1].3 && got[1].0 == 2 && got[1].1 == 3);
            assert_eq!((got[2].0, got[2].1, got[2].2.as_slice()), (3, 54, &b"after"[..]));
        }
    }

    #[test]
    fn holds_unterminated_line_until_finish() {
        let mut s = LineSplitter::new();
        s.push(b"{\"a\":");
        let mut n = 0;
        s.drain_lines(|_| n += 1);
        assert_eq!((n, s.pending()), (0, 5));
        s.push(b"1}\n");
        s.drain_lines(|l| {
            assert_eq!(l.bytes, b"{\"a\":1}");
            n += 1;
        });
        assert_eq!(n, 1);
    }

    #[test]
    fn reads_from_a_reader_in_blocks() {
        let mut data = Vec::new();
        for i in 0..100_000 {
            data.extend_from_slice(format!("line {i}\n").as_bytes());
        }
        let mut count = 0u64;
        let mut last = 0;
        read_lines(&mut data.as_slice(), |l| {
            count += 1;
            last = l.number;
        })
        .unwrap();
        assert_eq!((count, last), (100_000, 100_000));
    }
}
