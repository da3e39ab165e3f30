//! Finding every line one request wrote: a byte search for the id over
//! whole blocks first, so only the few lines that mention it are parsed.

use std::collections::HashMap;
use std::io::Read;

use memchr::memmem;
use serde_json::Value;

use super::detect::ProfiledSource;
use super::fields::FieldMap;
use super::input::{self, InputError};
use super::line::MAX_LINE;
use super::record::{self, Parsed, Record};

const BLOCK: usize = 1024 * 1024;

/// One line carrying the request id.
#[derive(Debug, Clone)]
pub struct Entry {
    pub source: String,
    /// 1-based line number in its source.
    pub line: u64,
    /// Byte offset of the line in its source (uncompressed).
    pub offset: u64,
    pub record: Record<'static>,
    /// The whole line as a JSON object, in its key order.
    pub value: Value,
    /// The line's text (invalid UTF-8 replaced).
    pub raw: String,
}

/// Every record whose request id is `id`, in source order, then line order.
pub fn find_request(sources: &[ProfiledSource], id: &str) -> Result<Vec<Entry>, InputError> {
    if id.is_empty() {
        return Ok(Vec::new());
    }
    if !may_be_escaped(id) {
        let finder = memmem::Finder::new(id.as_bytes());
        let found = find_with(sources, |hay| finder.find(hay), |found| found == id)?;
        if !found.is_empty() {
            return Ok(found);
        }
    }
    // The escaped search finds a superset of the byte search: an id that
    // may be escaped goes to it at once.
    find_escaped(sources, &[id])
}

/// The log may have written the ids with JSON escapes (`req_a\/2`,
/// `req_\u0041BC`): look at the lines holding the longest part of an id no
/// encoder escapes, or any `\u` escape, and compare the parsed ids.
fn find_escaped(sources: &[ProfiledSource], ids: &[&str]) -> Result<Vec<Entry>, InputError> {
    let mut needles: Vec<&str> = ids.iter().map(|id| longest_plain_run(id)).collect();
    needles.push("\\u");
    let candidates = any_of(&needles);
    find_with(sources, |hay| candidates.find(hay).map(|m| m.start()), |found| ids.contains(&found))
}

/// One search for any of `needles`, taken as bytes.
fn any_of(needles: &[&str]) -> regex::bytes::Regex {
    let alternatives: Vec<String> = needles.iter().map(|n| regex::escape(n)).collect();
    // Escaped literals always compile; a size limit could refuse a huge set,
    // and then any line is a candidate (the parsed ids still decide).
    regex::bytes::Regex::new(&alternatives.join("|"))
        .unwrap_or_else(|_| regex::bytes::Regex::new("").expect("empty"))
}

/// Whether a JSON encoder may have written `id` other than byte for byte.
fn may_be_escaped(id: &str) -> bool {
    id.chars().any(|c| !(' '..='~').contains(&c) || matches!(c, '/' | '"' | '\\'))
}

/// The longest run of letters, digits, `_` and `-` in `id` (empty if none,
/// which matches every line).
fn longest_plain_run(id: &str) -> &str {
    id.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .max_by_key(|run| run.len())
        .unwrap_or("")
}

/// The records of each of `ids`, reading the sources once (an incident
/// report's marked requests): by request id, each in source, then line order.
pub fn find_requests(
    sources: &[ProfiledSource],
    ids: &[&str],
) -> Result<HashMap<String, Vec<Entry>>, InputError> {
    let ids: Vec<&str> = ids.iter().copied().filter(|id| !id.is_empty()).collect();
    let mut by_id: HashMap<String, Vec<Entry>> = HashMap::new();
    if ids.is_empty() {
        return Ok(by_id);
    }
    let alternatives: Vec<String> = ids.iter().map(|id| regex::escape(id)).collect();
    let Ok(any) = regex::bytes::Regex::new(&alternatives.join("|")) else {
        // Too many to search at once: one pass each.
        for id in ids {
            by_id.insert(id.to_owned(), find_request(sources, id)?);
        }
        return Ok(by_id);
    };
    for entry in find_with(sources, |hay| any.find(hay).map(|m| m.start()), |found| ids.contains(&found))? {
        let id = entry.record.request_id.as_deref().unwrap_or_default().to_owned();
        by_id.entry(id).or_default().push(entry);
    }
    // Ids the byte search may have missed (written with JSON escapes) are
    // looked for as `show` does, all in one more pass.
    let escaped: Vec<&str> =
        ids.iter().copied().filter(|id| may_be_escaped(id) || !by_id.contains_key(*id)).collect();
    if !escaped.is_empty() {
        for id in &escaped {
            by_id.remove(*id);
        }
        for entry in find_escaped(sources, &escaped)? {
            let id = entry.record.request_id.as_deref().unwrap_or_default().to_owned();
            by_id.entry(id).or_default().push(entry);
        }
    }
    Ok(by_id)
}

/// The records of lines where `find` locates a candidate and whose request
/// id is `wanted`.
fn find_with(
    sources: &[ProfiledSource],
    find: impl Fn(&[u8]) -> Option<usize>,
    wanted: impl Fn(&str) -> bool,
) -> Result<Vec<Entry>, InputError> {
    let mut out = Vec::new();
    for profiled in sources {
        let source = &profiled.source;
        let mut r = input::open_stream(source)?;
        let name = source.name();
        scan_for(&mut r, &find, |line_no, offset, bytes| {
            let raw = if line_no == 1 { bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes) } else { bytes };
            let Some(trimmed) = record::trim_line(raw) else { return };
            // A batch line holds many records; each is an entry of its own.
            super::unwrap::each_event(trimmed, |event| {
                if let Some(entry) = entry_if_match(&profiled.fields, &name, line_no, offset, event, &wanted)
                {
                    out.push(entry);
                }
            });
        })
        .map_err(|e| InputError::from_io(std::path::Path::new(&name), e))?;
    }
    Ok(out)
}

fn entry_if_match(
    fields: &FieldMap,
    source: &str,
    line: u64,
    offset: u64,
    trimmed: &[u8],
    wanted: impl Fn(&str) -> bool,
) -> Option<Entry> {
    let Parsed::Event(rec) = record::parse_line(fields, trimmed) else { return None };
    if !rec.request_id.as_deref().is_some_and(wanted) {
        return None;
    }
    let text = String::from_utf8_lossy(trimmed).into_owned();
    let value = serde_json::from_str::<Value>(&text).ok()?;
    Some(Entry { source: source.to_owned(), line, offset, record: rec.into_owned(), value, raw: text })
}

fn count_newlines(b: &[u8]) -> u64 {
    bytecount::count(b, b'\n') as u64
}

/// Calls `f(line_number, offset, line)` for each line where `find` finds
/// a match (it returns the first match's position in what it is given).
fn scan_for<R: Read + ?Sized>(
    r: &mut R,
    find: impl Fn(&[u8]) -> Option<usize>,
    mut f: impl FnMut(u64, u64, &[u8]),
) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK * 2);
    // Lines before `buf[0]`, and the source offset of `buf[0]`.
    let mut lines_before = 0u64;
    let mut base_offset = 0u64;
    let mut skipping_long_line = false;
    let mut eof = false;
    while !eof {
        let old = buf.len();
        buf.resize(old + BLOCK, 0);
        let n = loop {
            match r.read(&mut buf[old..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        buf.truncate(old + n);
        eof = n == 0;
        let complete = if eof { buf.len() } else { memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1) };
        if complete == 0 {
            if buf.len() > MAX_LINE {
                // A line too long to be a record: drop what we hold of it.
                base_offset += buf.len() as u64;
                buf.clear();
                skipping_long_line = true;
            }
            continue;
        }
        let mut from = 0;
        if skipping_long_line {
            from = memchr::memchr(b'\n', &buf).map_or(complete, |i| i + 1);
            lines_before += 1;
            skipping_long_line = false;
        }
        let mut counted_to = from;
        let mut line_no = lines_before;
        let window = &buf[..complete];
        while let Some(hit) = find(&window[from..]).map(|i| from + i) {
            let start = memchr::memrchr(b'\n', &window[..hit]).map_or(0, |i| i + 1);
            let end = memchr::memchr(b'\n', &window[hit..]).map_or(complete, |i| hit + i);
            line_no += count_newlines(&window[counted_to..start]);
            counted_to = start;
            f(line_no + 1, base_offset + start as u64, &window[start..end]);
            from = (end + 1).min(complete);
            if from >= complete {
                break;
            }
        }
        line_no += count_newlines(&window[counted_to..complete]);
        lines_before = line_no;
        base_offset += complete as u64;
        buf.drain(..complete);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(data: &[u8], needle: &str) -> Vec<(u64, u64, String)> {
        let mut v = Vec::new();
        let finder = memmem::Finder::new(needle.as_bytes());
        scan_for(
            &mut &data[..],
            |hay| finder.find(hay),
            |n, o, l| v.push((n, o, String::from_utf8_lossy(l).into_owned())),
        )
        .unwrap();
        v
    }

    #[test]
    fn finds_lines_with_numbers_and_offsets() {
        let data = b"a req_1\nb\n\nc req_1 req_1\nreq_1";
        assert_eq!(
            hits(data, "req_1"),
            vec![(1, 0, "a req_1".into()), (4, 11, "c req_1 req_1".into()), (5, 25, "req_1".into())]
        );
    }

    #[test]
    fn numbers_hold_across_blocks() {
        let mut data = Vec::new();
        for i in 0..200_000 {
            data.extend_from_slice(format!("{{\"n\":{i},\"request_id\":\"req_{}\"}}\n", i % 1000).as_bytes());
        }
        let h = hits(&data, "\"req_7\"");
        assert_eq!(h.len(), 200);
        assert_eq!(h[0].0, 8);
        assert_eq!(h[1].0, 1008);
        assert_eq!(h[199].0, 199_008);
    }
}

/// What the documentation says about a request's failure.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FailureDoc {
    pub code: Option<String>,
    pub status: u16,
    pub documented: bool,
    pub description: Option<&'static str>,
    pub resolution: Option<&'static str>,
    /// The documented status of the code, when it differs from the one seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documented_status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// The failure a request ended with: its last failing record. A request that
/// failed and was then answered differently keeps its final word.
pub fn failure_of(entries: &[Entry]) -> Option<FailureDoc> {
    let rec = entries.iter().rev().map(|e| &e.record).find(|r| r.is_failure())?;
    let status = rec.status?;
    let code = rec.code.as_deref();
    let doc = code.and_then(super::catalog::lookup);
    Some(FailureDoc {
        code: code.map(str::to_owned),
        status,
        documented: super::catalog::is_documented(code, status),
        description: doc.map(|d| d.description),
        resolution: doc.map(|d| d.resolution),
        documented_status: doc.map(|d| d.status).filter(|s| *s != status),
        retry_after: rec.retry_after,
    })
}

#[cfg(test)]
mod several {
    use super::*;

    #[test]
    fn one_pass_finds_what_a_pass_per_id_finds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        std::fs::write(
            &path,
            concat!(
                "{\"request_id\":\"req_A\",\"status\":200}\n",
                "{\"request_id\":\"req_B\",\"status\":503}\n",
                "{\"msg\":\"mentions req_A but is not it\",\"request_id\":\"req_C\"}\n",
                "{\"request_id\":\"req_A\",\"status\":429}\n",
                "{\"request_id\":\"req_A.B\"}\n",
            ),
        )
        .unwrap();
        let sources = crate::engine::detect::default_profiles(&[crate::engine::input::Source::File(path)]);
        let ids = ["req_A", "req_B", "req_A.B", "req_Z", ""];
        let by_id = find_requests(&sources, &ids).unwrap();
        for id in ["req_A", "req_B", "req_A.B", "req_Z"] {
            let one = find_request(&sources, id).unwrap();
            let lines = |v: &[Entry]| v.iter().map(|e| e.line).collect::<Vec<_>>();
            assert_eq!(lines(by_id.get(id).map_or(&[][..], Vec::as_slice)), lines(&one), "{id}");
        }
        assert_eq!(by_id["req_A"].len(), 2);
    }

    /// Issue 12, item 16: the incident report's marked requests are found
    /// however the log escaped their ids, as `show` finds them.
    #[test]
    fn many_ids_found_through_json_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        std::fs::write(
            &path,
            concat!(
                "{\"request_id\":\"req_\\u0041BC\",\"status\":503}\n",
                "{\"request_id\":\"req_a\\/2\",\"status\":500}\n",
                "{\"request_id\":\"req_a/2\",\"status\":502}\n",
                "{\"request_id\":\"req_plain\",\"status\":429}\n",
            ),
        )
        .unwrap();
        let sources = crate::engine::detect::default_profiles(&[crate::engine::input::Source::File(path)]);
        let by_id = find_requests(&sources, &["req_ABC", "req_a/2", "req_plain"]).unwrap();
        let lines = |id: &str| by_id.get(id).map(|v| v.iter().map(|e| e.line).collect::<Vec<_>>());
        assert_eq!(lines("req_ABC"), Some(vec![1]));
        assert_eq!(lines("req_a/2"), Some(vec![2, 3]));
        assert_eq!(lines("req_plain"), Some(vec![4]));
    }
}
