//! `engine::line::LineSplitter`: the input is a byte stream, pushed in
//! chunks of sizes drawn from a generator seeded by the input (so a seed
//! that is a plain log file still gets ragged chunks), with `drain_lines`
//! after some pushes, then `finish`. Also read whole through `read_lines`
//! from a reader that hands out short reads. Checked:
//!
//! * the lines, each with a `\n`, are the input (its last line may lack
//!   the `\n`); a byte-order mark at source offset 0 is stripped from the
//!   first line only, and its offset then points past it;
//! * line numbers count up by one from the first; each line's offset is
//!   where its bytes are in the source;
//! * `consumed_offset`, `pending` and `next_line_number` say where the
//!   splitter is after every drain and after `finish`;
//! * both ways of feeding give the same lines.
//!
//! No line reaches `MAX_LINE` (16 MiB) here: the oversized path is not
//! fuzzed (its cap is test-only), and no line may come out oversized.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use wontopos_logs::engine::line::{read_lines, Line, LineSplitter, MAX_LINE};

const BOM: &[u8] = b"\xEF\xBB\xBF";

#[derive(Debug, PartialEq)]
struct Got {
    number: u64,
    offset: u64,
    bytes: Vec<u8>,
}

fn take(out: &mut Vec<Got>, l: Line<'_>) {
    assert!(!l.oversized, "line {} is flagged oversized", l.number);
    out.push(Got { number: l.number, offset: l.offset, bytes: l.bytes.to_vec() });
}

/// xorshift64*, seeded from the input.
struct Rng(u64);
impl Rng {
    fn new(data: &[u8]) -> Self {
        let h = data
            .iter()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        Rng(h | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// A chunk size: mostly small, sometimes large.
    fn chunk(&mut self) -> usize {
        let r = self.next();
        match r % 4 {
            0 => 1,
            1 => (r >> 8) as usize % 8,
            2 => (r >> 8) as usize % 64,
            _ => (r >> 8) as usize % 4096,
        }
    }
}

/// Hands out the data a few bytes per `read`.
struct Trickle<'a> {
    data: &'a [u8],
    rng: Rng,
}
impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.rng.chunk().max(1).min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fuzz_target!(|data: &[u8]| {
    assert!(data.len() < MAX_LINE);
    let mut rng = Rng::new(data);
    // Mostly a source read from its start; sometimes one resumed mid-way,
    // where a BOM is data.
    let (start_offset, start_number) =
        if rng.next().is_multiple_of(4) { (1 + rng.next() % 1000, 1 + rng.next() % 1000) } else { (0, 1) };
    let mut s = LineSplitter::starting_at(start_offset, start_number);
    let mut lines = Vec::new();
    let mut pushed = 0;
    while pushed < data.len() {
        let n = rng.chunk().min(data.len() - pushed);
        s.push(&data[pushed..pushed + n]);
        pushed += n;
        if !rng.next().is_multiple_of(3) {
            s.drain_lines(|l| take(&mut lines, l));
            // Everything up to the last `\n` pushed is handed out; the rest is held.
            let done = data[..pushed].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            assert_eq!(s.consumed_offset(), start_offset + done as u64, "consumed after {pushed} bytes");
            assert_eq!(s.pending(), pushed - done, "pending after {pushed} bytes");
            assert_eq!(s.next_line_number(), start_number + lines.len() as u64);
        }
    }
    s.finish(|l| take(&mut lines, l));
    assert_eq!(s.consumed_offset(), start_offset + data.len() as u64, "consumed after finish");
    assert_eq!(s.pending(), 0, "pending after finish");
    assert_eq!(s.next_line_number(), start_number + lines.len() as u64, "next line number after finish");

    // The lines are the input.
    let strip_bom = start_offset == 0 && data.starts_with(BOM);
    let body = if strip_bom { &data[BOM.len()..] } else { data };
    let mut joined = Vec::with_capacity(data.len() + 1);
    for l in &lines {
        joined.extend_from_slice(&l.bytes);
        joined.push(b'\n');
    }
    if !body.ends_with(b"\n") && !lines.is_empty() {
        joined.pop();
    }
    if data.is_empty() {
        assert!(lines.is_empty());
    }
    assert_eq!(joined, body, "the lines joined are not the input");
    let mut at = start_offset + if strip_bom { BOM.len() as u64 } else { 0 };
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l.number, start_number + i as u64, "line numbers");
        assert_eq!(l.offset, at, "offset of line {}", l.number);
        assert!(!l.bytes.contains(&b'\n'));
        at += l.bytes.len() as u64 + 1;
    }

    // Read whole from a reader, in short reads: the same lines.
    if start_offset == 0 {
        let mut again = Vec::new();
        let mut r = Trickle { data, rng: Rng(rng.next() | 1) };
        read_lines(&mut r, |l| take(&mut again, l)).expect("reading from memory");
        assert_eq!(again, lines, "read_lines vs push/drain_lines");
    }
});
