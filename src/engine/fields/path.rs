//! The path syntax of a field map: `a.b.c`, `a["Odd Key"][0]`, with an
//! optional `:UNIT` suffix.
//!
//! A dotted run such as `http.response.status_code` names the flat key
//! `"http.response.status_code"` (ECS writes them so) and every nesting of
//! its parts (`http` -> `response.status_code`, ..., `http` -> `response` ->
//! `status_code`), flat first. A quoted key is one exact key; `[N]` is an
//! array index.

use super::Unit;

/// One step of a concrete path: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// A path as written, before its dotted runs are expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    /// As written, unit included.
    pub text: String,
    /// The path without its unit.
    pub path: String,
    parts: Vec<Part>,
    pub unit: Option<Unit>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Dotted keys that may be one flat key or nested objects.
    Dotted(Vec<String>),
    Exact(String),
    Index(usize),
}

/// At most this many concrete paths per written path: a run of five
/// dotted parts has sixteen nestings, which is already more than logs use.
const MAX_VARIANTS: usize = 16;

impl FieldPath {
    /// Parses `PATH[:UNIT]`.
    pub fn parse(text: &str) -> Result<FieldPath, String> {
        let (path, unit) = split_unit(text)?;
        let parts = parse_parts(path)?;
        Ok(FieldPath { text: text.to_owned(), path: path.to_owned(), parts, unit })
    }

    /// The concrete paths this one names, the flat reading first and then
    /// by how many objects deep they go.
    pub fn variants(&self) -> Vec<Vec<Step>> {
        let mut out: Vec<Vec<Step>> = vec![Vec::new()];
        for part in &self.parts {
            match part {
                Part::Exact(k) => out.iter_mut().for_each(|v| v.push(Step::Key(k.clone()))),
                Part::Index(i) => out.iter_mut().for_each(|v| v.push(Step::Index(*i))),
                Part::Dotted(keys) => {
                    let splits = groupings(keys);
                    let mut next = Vec::new();
                    for prefix in &out {
                        for g in &splits {
                            let mut v = prefix.clone();
                            v.extend(g.iter().cloned().map(Step::Key));
                            next.push(v);
                        }
                    }
                    out = next;
                }
            }
        }
        out.sort_by_key(Vec::len);
        out.truncate(MAX_VARIANTS);
        out
    }
}

/// Every way to read `a.b.c` as keys: `["a.b.c"]`, `["a", "b.c"]`,
/// `["a.b", "c"]`, `["a", "b", "c"]`.
fn groupings(keys: &[String]) -> Vec<Vec<String>> {
    let n = keys.len();
    if n > 8 {
        // Only the two readings that matter: all flat and all nested.
        return vec![vec![keys.join(".")], keys.to_vec()];
    }
    (0u32..1 << (n - 1))
        .map(|cuts| {
            let mut out = Vec::new();
            let mut cur = keys[0].clone();
            for (i, k) in keys.iter().enumerate().skip(1) {
                if cuts & (1 << (i - 1)) != 0 {
                    out.push(std::mem::take(&mut cur));
                    cur.clone_from(k);
                } else {
                    cur.push('.');
                    cur.push_str(k);
                }
            }
            out.push(cur);
            out
        })
        .collect()
}

fn split_unit(text: &str) -> Result<(&str, Option<Unit>), String> {
    if let Some((path, unit)) = text.rsplit_once(':') {
        // A colon inside a quoted key is part of the key.
        if !unit.contains(['"', ']']) {
            let unit = Unit::parse(unit)
                .ok_or_else(|| format!("'{unit}' is not a unit (use s, ms, us or ns) in '{text}'"))?;
            return Ok((path, Some(unit)));
        }
    }
    Ok((text, None))
}

fn parse_parts(s: &str) -> Result<Vec<Part>, String> {
    let b = s.as_bytes();
    let mut parts = Vec::new();
    let mut i = 0;
    if s.is_empty() {
        return Err("an empty path".to_owned());
    }
    while i < b.len() {
        match b[i] {
            b'[' => {
                let (part, next) = bracket(s, i)?;
                parts.push(part);
                i = next;
                if i < b.len() && b[i] == b'.' {
                    i += 1;
                    if i == b.len() {
                        return Err(format!("'{s}' ends with a dot"));
                    }
                }
            }
            _ => {
                let end = s[i..].find('[').map_or(s.len(), |p| i + p);
                let run = &s[i..end];
                let run = run.strip_suffix('.').filter(|_| end < s.len()).unwrap_or(run);
                let keys: Vec<String> = run.split('.').map(str::to_owned).collect();
                if keys.iter().any(String::is_empty) {
                    return Err(format!("'{s}' has an empty key between dots (quote odd keys: [\"a.b\"])"));
                }
                parts.push(Part::Dotted(keys));
                i = end;
            }
        }
    }
    Ok(parts)
}

/// `["key"]` or `[3]` starting at `b[at] == '['`; returns the index after `]`.
fn bracket(s: &str, at: usize) -> Result<(Part, usize), String> {
    let rest = &s[at + 1..];
    if rest.starts_with('"') {
        // A JSON string, so escapes mean what they mean in the log.
        let mut de = serde_json::Deserializer::from_str(rest).into_iter::<String>();
        let key = match de.next() {
            Some(Ok(k)) => k,
            _ => return Err(format!("'{s}': the quoted key at column {} is not a JSON string", at + 2)),
        };
        let after = at + 1 + de.byte_offset();
        if s.as_bytes().get(after) != Some(&b']') {
            return Err(format!("'{s}': expected ] after the quoted key at column {}", at + 2));
        }
        return Ok((Part::Exact(key), after + 1));
    }
    let close = rest.find(']').ok_or_else(|| format!("'{s}': [ at column {} is not closed", at + 1))?;
    let index = rest[..close]
        .parse::<usize>()
        .map_err(|_| format!("'{s}': [{}] is neither an index nor a quoted key", &rest[..close]))?;
    Ok((Part::Index(index), at + 1 + close + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(v: &[Step]) -> Vec<String> {
        v.iter()
            .map(|s| match s {
                Step::Key(k) => k.clone(),
                Step::Index(i) => format!("#{i}"),
            })
            .collect()
    }

    #[test]
    fn dotted_paths_read_flat_first_then_nested() {
        let p = FieldPath::parse("http.response.status_code").unwrap();
        let v: Vec<Vec<String>> = p.variants().iter().map(|v| keys(v)).collect();
        assert_eq!(v[0], ["http.response.status_code"]);
        assert_eq!(v.last().unwrap(), &["http", "response", "status_code"]);
        assert_eq!(v.len(), 4);
    }

    #[test]
    fn quoted_keys_and_indexes() {
        let p = FieldPath::parse(r#"request.headers["X-Request-Id"][0]"#).unwrap();
        let v: Vec<Vec<String>> = p.variants().iter().map(|v| keys(v)).collect();
        assert_eq!(v[0], ["request.headers", "X-Request-Id", "#0"]);
        assert_eq!(v[1], ["request", "headers", "X-Request-Id", "#0"]);
        let p = FieldPath::parse(r#"["a.b"].c"#).unwrap();
        assert_eq!(keys(&p.variants()[0]), ["a.b", "c"]);
        let p = FieldPath::parse(r#"x["k:v"]"#).unwrap();
        assert_eq!(p.unit, None);
        assert_eq!(keys(&p.variants()[0]), ["x", "k:v"]);
    }

    #[test]
    fn units() {
        assert_eq!(FieldPath::parse("duration:s").unwrap().unit, Some(Unit::S));
        assert_eq!(FieldPath::parse("Duration:ns").unwrap().unit, Some(Unit::Ns));
        assert!(FieldPath::parse("duration:weeks").unwrap_err().contains("not a unit"));
    }

    #[test]
    fn bad_paths_say_why() {
        for bad in ["", "a..b", "a[", "a[x]", r#"a["b"x"#, "a.", ".a"] {
            assert!(FieldPath::parse(bad).is_err(), "{bad}");
        }
    }
}
