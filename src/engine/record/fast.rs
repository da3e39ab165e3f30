//! A fast path for the common line: a scanner that handles a strict subset
//! of JSON (strings without escapes, plain numbers, shallow nesting) and
//! gives up on anything else, which then goes to serde_json.
//!
//! It never decides that a line is malformed: on anything outside its
//! subset it returns `None` and serde_json, the reference, decides. Inside
//! the subset serde_json would accept the line and read the same values,
//! which `agrees_with_serde_path` checks on generated lines.

use std::borrow::Cow;

use super::collect::{Collector, Want};
use super::scalar::Scalar;
use crate::engine::fields::{Entry, Node};

/// Past this depth the line goes to serde_json, which enforces its limit.
const MAX_DEPTH: u32 = 32;
/// Up to 15 significant digits a decimal reads the same in any correct parser.
const MAX_FLOAT_DIGITS: usize = 15;

const POW10: [f64; 16] =
    [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Index of the first `"`, `\` or control byte, eight bytes at a time.
fn find_string_end(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + 8 <= b.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&b[i..i + 8]);
        let w = u64::from_le_bytes(word);
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        let found = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (w.wrapping_sub(ONES * 0x20) & !w);
        let found = found & HIGH;
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..].iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).map(|p| i + p)
}

/// A number token located earlier, read as the scanner reads numbers.
pub(super) fn number_of(token: &[u8]) -> Option<Scalar<'_>> {
    let mut s = Scanner::new(token, false);
    let v = s.number()?;
    (s.i == token.len()).then_some(v)
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    /// Check the whole line for UTF-8 at its first string read, and slice
    /// every string read after that from it: for a reader that reads many
    /// strings of a line, one pass over it costs less than one per string.
    whole_line: bool,
    /// The line as text, once checked.
    text: Option<&'a str>,
}

/// Fills `c` from a line holding one object. `None`: not handled here;
/// `Some` holds the line as text if the collector had it checked whole.
///
/// Works on bytes: only the strings it keeps are checked for UTF-8 (a bad
/// byte there sends the line to the lossy path); a bad byte in a string it
/// skips changes nothing, since lossy decoding would only replace it.
pub(super) fn parse_object<'a, 'm>(line: &'a [u8], c: &mut Collector<'a, 'm>) -> Option<Option<&'a str>> {
    let mut s = Scanner::new(line, c.checks_whole_line());
    s.ws();
    s.eat(b'{')?;
    s.ws();
    if s.peek()? == b'}' {
        s.i += 1;
    } else {
        loop {
            let key = s.key()?;
            s.ws();
            s.eat(b':')?;
            s.ws();
            match c.top_entry(key) {
                // Most values are of keys no field reads, and most of those
                // are strings or numbers: stepped over here, without a call
                // into the recursive skipper.
                None => s.skip_flat()?,
                // The common mapped value, one field's number (a status),
                // read here without a call.
                Some(e)
                    if e.child.is_none()
                        && e.leaves.len() == 1
                        && matches!(s.peek()?, b'-' | b'0'..=b'9')
                        && !c.locates_number(&e.leaves[0]) =>
                {
                    let v = s.number()?;
                    c.apply(&e.leaves[0], v);
                }
                Some(e) => s.value(e, 1, c)?,
            }
            s.ws();
            match s.next()? {
                b',' => s.ws(),
                b'}' => break,
                _ => return None,
            }
        }
    }
    s.ws();
    (s.i == s.b.len()).then_some(s.text)
}

impl<'a> Scanner<'a> {
    fn new(b: &'a [u8], whole_line: bool) -> Self {
        Scanner { b, i: 0, whole_line, text: None }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// The byte range of a string without escapes or control characters.
    #[inline]
    pub(super) fn string_span(&mut self) -> Option<(usize, usize)> {
        self.eat(b'"')?;
        let start = self.i;
        let end = start + find_string_end(&self.b[start..])?;
        // A backslash or a control byte: serde_json's business.
        if self.b[end] != b'"' {
            return None;
        }
        self.i = end + 1;
        Some((start, end))
    }

    /// The text of a string located at `start..end`.
    #[inline]
    fn text_at(&mut self, start: usize, end: usize) -> Option<&'a str> {
        if !self.whole_line {
            return std::str::from_utf8(&self.b[start..end]).ok();
        }
        // A bad byte anywhere sends the line to serde_json, which decodes
        // it lossily: the same values, found more slowly, on a rare line.
        let text = match self.text {
            Some(t) => t,
            None => *self.text.insert(std::str::from_utf8(self.b).ok()?),
        };
        // Both ends are next to a `"`, so on character boundaries.
        text.get(start..end)
    }

    #[inline]
    fn key(&mut self) -> Option<&'a [u8]> {
        let (start, end) = self.string_span()?;
        Some(&self.b[start..end])
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    /// Steps over a number in plain notation, returning its sign and how
    /// many integer and fraction digits it has. Exponents and long numbers
    /// are left to serde_json, which knows which of them `Value` rejects.
    #[inline]
    fn number_token(&mut self) -> Option<(bool, usize, usize)> {
        let negative = self.peek() == Some(b'-');
        self.i += usize::from(negative);
        let int_digits = match self.next()? {
            b'0' => 1,
            b'1'..=b'9' => 1 + self.digits(),
            _ => return None,
        };
        let mut frac_digits = 0;
        if self.peek() == Some(b'.') {
            self.i += 1;
            frac_digits = self.digits();
            if frac_digits == 0 {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            return None;
        }
        let too_long =
            if frac_digits == 0 { int_digits > 18 } else { int_digits + frac_digits > MAX_FLOAT_DIGITS };
        (!too_long).then_some((negative, int_digits, frac_digits))
    }

    /// Checks a number whose value is not needed.
    #[inline]
    fn skip_number(&mut self) -> Option<()> {
        self.number_token().map(|_| ())
    }

    /// A number in plain notation, read as serde_json reads it.
    fn number(&mut self) -> Option<Scalar<'a>> {
        let start = self.i;
        let (negative, _, frac_digits) = self.number_token()?;
        let token = &self.b[start..self.i];
        if frac_digits == 0 {
            let v = token[usize::from(negative)..].iter().fold(0u64, |v, &c| v * 10 + u64::from(c - b'0'));
            // serde_json reads `-0` as the float -0.0, not the integer 0.
            return Some(match (negative, v) {
                (false, v) => Scalar::UInt(v),
                (true, 0) => Scalar::Float(-0.0),
                (true, v) => Scalar::Int(-i64::try_from(v).ok()?),
            });
        }
        // At most 15 digits: the mantissa is exact in an f64, and so is a
        // power of ten up to 1e22, so one division rounds correctly.
        let mut mantissa = 0u64;
        for &c in token {
            if c.is_ascii_digit() {
                mantissa = mantissa * 10 + u64::from(c - b'0');
            }
        }
        #[allow(clippy::cast_precision_loss)]
        let v = mantissa as f64 / POW10[frac_digits];
        Some(Scalar::Float(if negative { -v } else { v }))
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// A value whose string or number the record may keep.
    #[inline]
    fn scalar(&mut self) -> Option<Scalar<'a>> {
        match self.peek()? {
            b'"' => {
                let (start, end) = self.string_span()?;
                self.text_at(start, end).map(|s| Scalar::Str(Cow::Borrowed(s)))
            }
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal(b"true").map(|()| Scalar::Other),
            b'f' => self.literal(b"false").map(|()| Scalar::Other),
            b'n' => self.literal(b"null").map(|()| Scalar::Other),
            b'{' | b'[' => self.skip_value(1).map(|()| Scalar::Other),
            _ => None,
        }
    }

    /// Skips any value, checking its syntax; `depth` is that of its container.
    fn skip_value(&mut self, depth: u32) -> Option<()> {
        match self.peek()? {
            b'{' => {
                if depth + 1 > MAX_DEPTH {
                    return None;
                }
                self.i += 1;
                self.ws();
                if self.peek()? == b'}' {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.string_span()?;
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                    self.skip_value(depth + 1)?;
                    self.ws();
                    match self.next()? {
                        b',' => self.ws(),
                        b'}' => return Some(()),
                        _ => return None,
                    }
                }
            }
            b'[' => {
                if depth + 1 > MAX_DEPTH {
                    return None;
                }
                self.i += 1;
                self.ws();
                if self.peek()? == b']' {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    self.ws();
                    match self.next()? {
                        b',' => self.ws(),
                        b']' => return Some(()),
                        _ => return None,
                    }
                }
            }
            b'"' => self.string_span().map(|_| ()),
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => self.scalar().map(|_| ()),
        }
    }

    /// Steps over a value no field reads.
    #[inline]
    fn skip_flat(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string_span().map(|_| ()),
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => self.skip_value(1),
        }
    }

    /// Reads the value of an entry of the field map; `depth` is that of
    /// its container.
    #[inline]
    fn value<'m>(&mut self, e: &'m Entry, depth: u32, c: &mut Collector<'a, 'm>) -> Option<()> {
        match self.peek()? {
            b'{' => match &e.child {
                Some(node) => self.object(node, depth + 1, c),
                None => self.skip_value(depth),
            },
            b'[' if !e.elements.is_empty() => self.array(e, depth + 1, c),
            b'[' => self.skip_value(depth),
            _ if e.leaves.is_empty() => self.skip_value(depth),
            b'"' => {
                let (start, end) = self.string_span()?;
                for leaf in &e.leaves {
                    match c.wants(leaf) {
                        Want::Raw => c.apply_raw_time(leaf, &self.b[start..end]),
                        Want::Span => c.locate(leaf, self.b, start, end, true),
                        Want::Text => {
                            let text = self.text_at(start, end)?;
                            c.apply(leaf, Scalar::Str(Cow::Borrowed(text)));
                        }
                    }
                }
                Some(())
            }
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                let v = self.number()?;
                for leaf in &e.leaves {
                    if c.locates_number(leaf) {
                        c.locate(leaf, self.b, start, self.i, false);
                    } else {
                        c.apply(leaf, v.clone());
                    }
                }
                Some(())
            }
            _ => self.scalar().map(|_| ()),
        }
    }

    /// An object at `depth` whose keys `node` knows.
    fn object<'m>(&mut self, node: &'m Node, depth: u32, c: &mut Collector<'a, 'm>) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.eat(b'{')?;
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            let key = self.key()?;
            self.ws();
            self.eat(b':')?;
            self.ws();
            match node.get(key) {
                None => self.skip_value(depth)?,
                Some(e) => self.value(e, depth, c)?,
            }
            self.ws();
            match self.next()? {
                b',' => self.ws(),
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }

    /// An array at `depth` some of whose elements `e` knows.
    fn array<'m>(&mut self, e: &'m Entry, depth: u32, c: &mut Collector<'a, 'm>) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.eat(b'[')?;
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
            return Some(());
        }
        let mut index = 0;
        loop {
            match e.element(index) {
                None => self.skip_value(depth)?,
                Some(el) => self.value(el, depth, c)?,
            }
            self.ws();
            match self.next()? {
                b',' => self.ws(),
                b']' => return Some(()),
                _ => return None,
            }
            index += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::find_string_end;

    #[test]
    fn finds_the_first_stop_byte_at_any_position() {
        for len in 0..40 {
            for stop in [b'"', b'\\', 0x00, 0x1f] {
                let mut s = vec![b'a'; len];
                s.extend_from_slice("é\u{7f}~".as_bytes());
                let at = s.len();
                s.push(stop);
                s.extend_from_slice(b"\"zz");
                assert_eq!(find_string_end(&s), Some(at), "len {len} stop {stop}");
            }
            assert_eq!(find_string_end(&vec![b' '; len]), None);
        }
    }
}
