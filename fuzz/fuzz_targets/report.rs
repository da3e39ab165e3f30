//! The incident report (`engine::report::write_markdown`), built the way
//! `summary --markdown` builds it: log lines fed to a `Summary` with
//! insights (`observe::feed`, as `summary --lines` does), its report, the
//! sources, warnings and marked requests (with `lookup::failure_of` over
//! the marked requests' lines), then the Markdown.
//!
//! The input is text, one item a line:
//!
//! ```text
//! #source NAME          a source name (default: app.log)
//! #profile NAME         the profile the sources were read with (a built-in
//!                       name reads them with it; any other only shows)
//! #warn TEXT            a field warning
//! #mark ID              a marked request, or `#mark ID<TAB>NOTE`
//! #noredact             no redaction (the report redacts by default)
//! #bucket N             bucket seconds
//! #req F0<TAB>F1...     a log line made from fields (JSON-escaped, so any
//!                       character reaches the engine): status, code,
//!                       api_key_id, path, client_ip, upstream, request_id,
//!                       retry_after, ts; fewer fields leave the rest out
//! anything else         a log line, as it is
//! ```
//!
//! Checked on the Markdown:
//!
//! * it holds no raw control character but its line breaks, no bidi
//!   control, nothing `sanitize::is_dangerous` flags;
//! * no value from the logs gets out of its code span. Each line of the
//!   report is its own block (list item, table row, heading, paragraph),
//!   so code spans are found per line, as CommonMark finds them: a run of
//!   N backticks not escaped by a backslash opens one, the next run of
//!   exactly N closes it, an unclosed run is literal text. Outside the
//!   spans, what the report writes itself and the free text it escapes
//!   (notes, warnings, profile) may hold no unescaped `[`, `]`, `!` or `<`
//!   (so no link, image, HTML or autolink can start there), and none of
//!   the canary `☃`: the free-text fields have it taken out before the
//!   report sees them, so a `☃` outside a code span came out of one;
//! * every row of a table has as many unescaped `|` as its header (GFM
//!   splits rows on a `|` with no backslash before it, code spans or not).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use wontopos_logs::engine::detect::{Detection, SourceReport};
use wontopos_logs::engine::fields::{wontopos_map, FieldMap, Mapping};
use wontopos_logs::engine::line::Line;
use wontopos_logs::engine::lookup::{self, Entry};
use wontopos_logs::engine::record::{self, Need, Parsed};
use wontopos_logs::engine::report::{self, Mark, ReportOptions};
use wontopos_logs::engine::sanitize::is_dangerous;
use wontopos_logs::engine::stats::Summary;
use wontopos_logs::engine::{observe, scan};

const CANARY: char = '\u{2603}';
const REQ_FIELDS: [&str; 9] =
    ["status", "code", "api_key_id", "path", "client_ip", "upstream", "request_id", "retry_after", "ts"];

fn profiles() -> &'static [(String, FieldMap)] {
    static MAPS: OnceLock<Vec<(String, FieldMap)>> = OnceLock::new();
    MAPS.get_or_init(|| {
        Mapping::wontopos().profiles.iter().map(|p| (p.name.clone(), FieldMap::compile(p))).collect()
    })
}

fn free_text(s: &str) -> String {
    s.replace(CANARY, "")
}

/// A `#req` line: each field a JSON value (a number where it reads as one).
fn req_line(fields: &str, index: usize) -> String {
    let mut obj = Map::new();
    for (key, v) in REQ_FIELDS.iter().zip(fields.split('\t')) {
        let value = match *key {
            "status" | "retry_after" => {
                v.parse::<u64>().map_or_else(|_| Value::String(v.to_owned()), Value::from)
            }
            _ => Value::String(v.to_owned()),
        };
        obj.insert((*key).to_owned(), value);
    }
    if !obj.contains_key("ts") {
        // A minute apart per line, so buckets, spikes and first/last seen fill.
        let t = 1_795_525_200 + 60 * index as i64 / 4;
        obj.insert("ts".to_owned(), Value::from(t));
    }
    Value::Object(obj).to_string()
}

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let mut sources = Vec::new();
    let mut profile = None;
    let mut warnings = Vec::new();
    let mut marks = Vec::new();
    let mut redact = true;
    let mut bucket = 60;
    let mut lines = Vec::new();
    for (i, l) in input.split('\n').enumerate() {
        if let Some(v) = l.strip_prefix("#source ") {
            sources.push(v.to_owned());
        } else if let Some(v) = l.strip_prefix("#profile ") {
            profile = Some(v.to_owned());
        } else if let Some(v) = l.strip_prefix("#warn ") {
            warnings.push(free_text(v));
        } else if let Some(v) = l.strip_prefix("#mark ") {
            let (id, note) = v.split_once('\t').unwrap_or((v, ""));
            marks.push(Mark { request_id: id.to_owned(), note: free_text(note) });
        } else if l == "#noredact" {
            redact = false;
        } else if let Some(v) = l.strip_prefix("#bucket ") {
            bucket = v.trim().parse::<i64>().unwrap_or(60).clamp(1, 86_400);
        } else if let Some(v) = l.strip_prefix("#req ") {
            lines.push(req_line(v, i).into_bytes());
        } else {
            lines.push(l.as_bytes().to_vec());
        }
    }
    if sources.is_empty() {
        sources.push("app.log".to_owned());
    }
    let profile = profile.unwrap_or_else(|| "wontopos".to_owned());
    let map =
        profiles().iter().find(|(name, _)| *name == profile).map_or(wontopos_map().as_ref(), |(_, m)| m);

    let mut summary = Summary::new(bucket).with_insights(true);
    let mut entries: Vec<Entry> = Vec::new();
    let mut offset = 0;
    for (i, bytes) in lines.iter().enumerate() {
        let line = Line { number: i as u64 + 1, offset, bytes, oversized: false };
        offset += bytes.len() as u64 + 1;
        observe::feed(&mut summary, 0, map, &line);
        scan::for_each_event(&line, |l| {
            if let Parsed::Event(r) = record::read(map, l.bytes, Need::All) {
                if r.request_id.is_some() {
                    entries.push(Entry {
                        source: sources[0].clone(),
                        line: l.number,
                        offset: l.offset,
                        record: r.into_owned(),
                        value: serde_json::from_slice(l.bytes).unwrap_or(Value::Null),
                        raw: String::from_utf8_lossy(l.bytes).into_owned(),
                    });
                }
            }
        });
    }
    let mut r = summary.report();
    r.sources = Some(
        sources
            .iter()
            .map(|name| SourceReport {
                name: name.clone(),
                detection: Detection {
                    profile: free_text(&profile),
                    how: "detected",
                    sample_lines: lines.len(),
                    sample_events: lines.len(),
                    status_seen: Vec::new(),
                    time_seen: Vec::new(),
                    sample_recognized: Vec::new(),
                },
            })
            .collect(),
    );
    let opts = ReportOptions {
        sources: &sources,
        generated_at: "2026-11-24T14:00:00Z".to_owned(),
        redact,
        marks: &marks,
        warnings: &warnings,
    };
    let failure_of = |id: &str| {
        let mine: Vec<Entry> =
            entries.iter().filter(|e| e.record.request_id.as_deref() == Some(id)).cloned().collect();
        lookup::failure_of(&mine).map(|f| (f.code, f.status))
    };
    let mut out = Vec::new();
    report::write_markdown(&mut out, &r, &opts, &failure_of).expect("writing to memory");
    let md = String::from_utf8(out).expect("the report is UTF-8");
    check(&md);
});

fn raw_control(c: char) -> bool {
    c != '\n'
        && (c.is_control()
            || is_dangerous(c)
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}'))
}

fn check(md: &str) {
    if let Some(c) = md.chars().find(|&c| raw_control(c)) {
        panic!("raw {c:?} in the report:\n{md}");
    }
    let mut header_pipes = None;
    for line in md.lines() {
        let outside = outside_code_spans(line);
        for &(c, escaped) in &outside {
            assert!(c != CANARY, "a value from the logs is outside its code span: {line:?}\n{md}");
            assert!(
                escaped || !matches!(c, '[' | ']' | '!' | '<'),
                "unescaped {c:?} outside code spans: {line:?}\n{md}"
            );
        }
        if line.starts_with('|') {
            let pipes = line.char_indices().filter(|&(i, c)| c == '|' && !line[..i].ends_with('\\')).count();
            match header_pipes {
                None => header_pipes = Some(pipes),
                Some(n) => {
                    assert_eq!(pipes, n, "a table row with other cells than its header: {line:?}\n{md}")
                }
            }
        } else {
            header_pipes = None;
        }
    }
}

/// The characters of `line` outside its code spans, each with whether a
/// backslash escapes it (CommonMark: a backslash before ASCII punctuation).
fn outside_code_spans(line: &str) -> Vec<(char, bool)> {
    let chars: Vec<char> = line.chars().collect();
    let run = |at: usize| chars[at..].iter().take_while(|&&c| c == '`').count();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && chars.get(i + 1).is_some_and(char::is_ascii_punctuation) {
            out.push((chars[i + 1], true));
            i += 2;
        } else if c == '`' {
            let n = run(i);
            let mut j = i + n;
            let mut close = None;
            while j < chars.len() {
                if chars[j] == '`' {
                    let m = run(j);
                    if m == n {
                        close = Some(j);
                        break;
                    }
                    j += m;
                } else {
                    j += 1;
                }
            }
            match close {
                Some(j) => i = j + n,
                None => {
                    out.extend(std::iter::repeat_n(('`', false), n));
                    i += n;
                }
            }
        } else {
            out.push((c, false));
            i += 1;
        }
    }
    out
}
