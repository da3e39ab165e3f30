//! Which profile reads a source: the first lines are read with every
//! profile and the one that recognises the most wins (the default shape on
//! a tie). What the chosen profile still misses is reported with the keys
//! that were seen instead, so a wrong or missing profile is never silent.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::fields::{Field, FieldMap, Mapping, Profile};
use super::input::{self, InputError, Source};
use super::record::{self, Parsed, Record};

/// How many non-blank lines of a source's start are read to choose.
pub const SAMPLE_LINES: usize = 300;
const SAMPLE_BYTES: usize = 1 << 20;

/// A source with the field map its lines are read with.
#[derive(Debug, Clone)]
pub struct ProfiledSource {
    pub source: Source,
    pub fields: Arc<FieldMap>,
    pub detection: Detection,
}

/// What was found out about a source's shape.
#[derive(Debug, Clone, Serialize)]
pub struct Detection {
    pub profile: String,
    /// `detected`, `forced` (by `--profile`) or `default` (no lines to go by).
    pub how: &'static str,
    /// Lines and events of the sample read to choose.
    pub sample_lines: usize,
    pub sample_events: usize,
    /// Keys of the sample's events that held something like a status (or a
    /// time) where the profile found none, most frequent first.
    pub status_seen: Vec<(String, usize)>,
    pub time_seen: Vec<(String, usize)>,
    /// Per field, how many of the sample's events carried it.
    pub sample_recognized: Vec<(&'static str, usize)>,
}

/// A source as `summary --json` describes it.
#[derive(Debug, Clone, Serialize)]
pub struct SourceReport {
    pub name: String,
    #[serde(flatten)]
    pub detection: Detection,
}

impl ProfiledSource {
    pub fn report(&self) -> SourceReport {
        SourceReport { name: self.source.name(), detection: self.detection.clone() }
    }
}

/// What one profile recognises in a sample.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Score {
    points: u64,
}

fn score(map: &FieldMap, lines: &[Vec<u8>]) -> Score {
    let mut points = 0;
    for line in lines {
        if let Parsed::Event(r) = record::parse_line(map, line) {
            points += recognised_points(&r);
        }
    }
    Score { points }
}

/// A status counts most, then a time, then what ties a line to a request.
fn recognised_points(r: &Record<'_>) -> u64 {
    let some = |b: bool| u64::from(b);
    8 * some(r.is_request())
        + 4 * some(r.ts.is_some())
        + 2 * (some(r.method.is_some()) + some(r.path.is_some()) + some(r.request_id.is_some()))
        + some(r.client_ip.is_some())
        + some(r.latency_ms.is_some())
        + some(r.api_key_id.is_some())
        + some(r.code.is_some())
        + some(r.level.is_some())
        + some(r.message.is_some())
}

/// Every profile of `mapping`, compiled once for all sources.
struct Compiled<'p> {
    maps: Vec<(&'p Profile, Arc<FieldMap>)>,
}

impl<'p> Compiled<'p> {
    fn new(mapping: &'p Mapping) -> Self {
        Compiled { maps: mapping.profiles.iter().map(|p| (p, Arc::new(FieldMap::compile(p)))).collect() }
    }

    fn get(&self, name: &str) -> Option<&(&'p Profile, Arc<FieldMap>)> {
        self.maps.iter().find(|(p, _)| p.name == name)
    }

    /// The profile that recognises the most in `lines` (trimmed, non-blank,
    /// unwrapped).
    fn choose(&self, lines: &[Vec<u8>]) -> Option<&(&'p Profile, Arc<FieldMap>)> {
        let mut best: Option<(&(&Profile, Arc<FieldMap>), Score)> = None;
        for entry in &self.maps {
            let s = score(&entry.1, lines);
            // Strictly better only: on a tie the earlier profile (the
            // default shape first) keeps it.
            if best.is_none_or(|(_, b)| s.points > b.points) {
                best = Some((entry, s));
            }
        }
        best.map(|(entry, _)| entry)
    }
}

/// How long a live view waits for stdin's first lines to choose its profile.
const LIVE_STDIN_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// Reads the start of a source for detection. Streams that cannot be read
/// twice (a pipe, a FIFO) give what stdin's buffered head has, or nothing;
/// when `live`, stdin is waited for only briefly.
pub fn sample(source: &Source, live: bool) -> Result<Vec<Vec<u8>>, InputError> {
    let head: Vec<u8> = match source {
        Source::Stdin if live => input::stdin_head_within(LIVE_STDIN_WAIT).unwrap_or_default().to_vec(),
        Source::Stdin => input::stdin_head().to_vec(),
        Source::File(path) => {
            let meta = std::fs::metadata(path).map_err(|e| InputError::from_io(path, e))?;
            if !meta.is_file() {
                return Ok(Vec::new());
            }
            let mut head = Vec::new();
            input::open_stream(source)?
                .take(SAMPLE_BYTES as u64)
                .read_to_end(&mut head)
                .map_err(|e| InputError::from_io(path, e))?;
            head
        }
    };
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    let mut lines = Vec::new();
    for raw in head.split(|&b| b == b'\n') {
        if lines.len() >= SAMPLE_LINES {
            break;
        }
        if let Some(t) = record::trim_line(raw) {
            super::unwrap::each_event(t, |event| lines.push(event.to_vec()));
        }
    }
    // The last piece may be cut off by the sample's size.
    if head.len() >= SAMPLE_BYTES && !head.ends_with(b"\n") {
        lines.pop();
    }
    Ok(lines)
}

/// Gives every source its profile: the forced one, or the detected one.
/// When `lenient` (following), a source that cannot be read yet (a file
/// not yet written) is read with the default profile, and stdin is waited
/// for only briefly.
pub fn profile_sources(
    mapping: &Mapping,
    sources: &[Source],
    lenient: bool,
) -> Result<Vec<ProfiledSource>, InputError> {
    let compiled = Compiled::new(mapping);
    let mut out = Vec::new();
    for source in sources {
        let lines = match sample(source, lenient) {
            Ok(lines) => lines,
            Err(_) if lenient => Vec::new(),
            Err(e) => return Err(e),
        };
        let default = || compiled.get(&mapping.default_profile().name);
        let (chosen, how) = match &mapping.forced {
            Some(name) => (compiled.get(name), "forced"),
            None if lines.is_empty() => (default(), "default"),
            None => (compiled.choose(&lines), "detected"),
        };
        let (profile, fields) = chosen
            .or_else(default)
            .or_else(|| compiled.maps.first())
            .expect("the built-in profiles are never empty");
        let detection = describe(fields, &profile.name, how, &lines);
        out.push(ProfiledSource { source: source.clone(), fields: Arc::clone(fields), detection });
    }
    Ok(out)
}

/// Today's contract for every source, without reading them: for tests and
/// for callers that know their lines are the default shape.
pub fn default_profiles(sources: &[Source]) -> Vec<ProfiledSource> {
    let fields = Arc::clone(super::fields::wontopos_map());
    sources
        .iter()
        .map(|s| ProfiledSource {
            source: s.clone(),
            fields: Arc::clone(&fields),
            detection: Detection {
                profile: fields.profile.clone(),
                how: "default",
                sample_lines: 0,
                sample_events: 0,
                status_seen: Vec::new(),
                time_seen: Vec::new(),
                sample_recognized: Vec::new(),
            },
        })
        .collect()
}

fn describe(map: &FieldMap, profile: &str, how: &'static str, lines: &[Vec<u8>]) -> Detection {
    let mut events = 0;
    let mut carried = [0usize; Field::COUNT];
    let mut status_seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut time_seen: BTreeMap<String, usize> = BTreeMap::new();
    for line in lines {
        let Parsed::Event(r) = record::parse_line(map, line) else { continue };
        events += 1;
        for (n, has) in carried.iter_mut().zip(fields_of(&r)) {
            *n += usize::from(has);
        }
        if r.is_request() && r.ts.is_some() {
            continue;
        }
        let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(line) else { continue };
        let mut found = Vec::new();
        walk(&Value::Object(obj), &mut String::new(), 0, &mut found);
        for (path, kind) in found {
            match kind {
                Looks::Status if !r.is_request() => *status_seen.entry(path).or_default() += 1,
                Looks::Time if r.ts.is_none() => *time_seen.entry(path).or_default() += 1,
                _ => {}
            }
        }
    }
    Detection {
        profile: profile.to_owned(),
        how,
        sample_lines: lines.len(),
        sample_events: events,
        status_seen: most_frequent(status_seen),
        time_seen: most_frequent(time_seen),
        sample_recognized: Field::ALL.iter().map(|f| f.name()).zip(carried).collect(),
    }
}

/// Which fields a record carries, in [`Field::ALL`]'s order.
fn fields_of(r: &Record<'_>) -> [bool; Field::COUNT] {
    [
        r.ts.is_some(),
        r.status.is_some(),
        r.code.is_some(),
        r.request_id.is_some(),
        r.message.is_some(),
        r.method.is_some(),
        r.path.is_some(),
        r.api_key_id.is_some(),
        r.client_ip.is_some(),
        r.latency_ms.is_some(),
        r.retry_after.is_some(),
        r.upstream.is_some(),
        r.level.is_some(),
    ]
}

fn most_frequent(m: BTreeMap<String, usize>) -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(3);
    v
}

enum Looks {
    Status,
    Time,
}

/// Paths (in the field map's syntax) of values that look like a status or
/// a time, at most four objects deep.
fn walk(v: &Value, path: &mut String, depth: usize, out: &mut Vec<(String, Looks)>) {
    match v {
        Value::Object(m) if depth < 4 => {
            for (k, child) in m {
                let len = path.len();
                push_key(path, k);
                walk(child, path, depth + 1, out);
                path.truncate(len);
            }
        }
        Value::Number(n) if depth > 0 => {
            let key = last_key(path);
            let status_like = n.as_u64().is_some_and(|s| (100..=599).contains(&s));
            if status_like && (key.contains("status") || key.ends_with("code")) {
                out.push((path.clone(), Looks::Status));
            } else if n.as_f64().is_some_and(|t| t > 1e9)
                && (key.contains("time") || key == "ts" || key.contains("date"))
            {
                out.push((path.clone(), Looks::Time));
            }
        }
        Value::String(s) if depth > 0 => {
            let key = last_key(path);
            if (key.contains("status") || key.ends_with("code"))
                && s.len() >= 3
                && s.as_bytes()[..3].iter().all(u8::is_ascii_digit)
                && (s.len() == 3 || s.as_bytes()[3] == b' ')
                && (b'1'..=b'5').contains(&s.as_bytes()[0])
            {
                out.push((path.clone(), Looks::Status));
            } else if super::time::parse_time_text(s.as_bytes(), None).is_some() && s.len() >= 10 {
                out.push((path.clone(), Looks::Time));
            }
        }
        _ => {}
    }
}

fn last_key(path: &str) -> String {
    path.rsplit(['.', '"', '[']).find(|k| !k.is_empty() && *k != "]").unwrap_or_default().to_ascii_lowercase()
}

fn push_key(path: &mut String, k: &str) {
    let plain =
        !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'@' || b == b'-');
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(k);
    } else {
        path.push('[');
        path.push_str(&serde_json::to_string(k).unwrap_or_default());
        path.push(']');
    }
}

/// The profiles that read `path` for `field`, for a hint.
pub fn profiles_with(mapping: &Mapping, field: Field, path: &str) -> Vec<String> {
    mapping
        .profiles
        .iter()
        .filter(|p| p.paths(field).iter().any(|fp| fp.path == path))
        .map(|p| p.name.clone())
        .collect()
}
