//! The incident report: a Markdown summary an operator can paste into the
//! incident channel. Written from a `SummaryReport` (with its rankings), so
//! it shows exactly what `summary --json` counts.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use super::catalog;
use super::format::{percent, thousands};
use super::insights::{Ranked, TopReport};
use super::redact::redact_text;
use super::sanitize::sanitize;
use super::stats::SummaryReport;

/// A request the operator marked during triage, with an optional note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub request_id: String,
    #[serde(default)]
    pub note: String,
}

/// Marks and notes, kept in a session file beside the log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    #[serde(default)]
    pub marks: Vec<Mark>,
}

impl Session {
    /// The default session file for a log: `app.log` -> `app.log.wontopos-session.json`.
    pub fn default_path(log: &std::path::Path) -> std::path::PathBuf {
        let mut name = log.file_name().map(std::ffi::OsStr::to_os_string).unwrap_or_default();
        name.push(".wontopos-session.json");
        log.with_file_name(name)
    }

    /// A missing file is an empty session; a corrupt one is an error.
    pub fn load(path: &std::path::Path) -> io::Result<Session> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Session::default()),
            Err(e) => Err(e),
        }
    }

    /// Writes the session with `--json`'s escaping: a note or id holding a
    /// bidi override or a C1 control stays JSON but is never written raw,
    /// so `cat` of the file is safe.
    pub fn save(&self, path: &std::path::Path) -> io::Result<()> {
        let tmp = path.with_extension("json.tmp");
        let mut bytes = Vec::new();
        super::jsonout::write_pretty(&mut bytes, self)?;
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(tmp, path)
    }

    pub fn toggle(&mut self, request_id: &str) -> bool {
        if let Some(i) = self.marks.iter().position(|m| m.request_id == request_id) {
            self.marks.remove(i);
            false
        } else {
            self.marks.push(Mark { request_id: request_id.to_owned(), note: String::new() });
            true
        }
    }
}

/// A marked request's failure: its code (if any) and status.
pub type MarkFailure = (Option<String>, u16);

pub struct ReportOptions<'a> {
    pub sources: &'a [String],
    pub generated_at: String,
    pub redact: bool,
    pub marks: &'a [Mark],
    /// What the field profiles could not read (see `hints`), said first.
    pub warnings: &'a [String],
}

/// A value from the logs as a Markdown code span: fenced with one backtick
/// more than the longest run inside it, so nothing in it ends the span.
fn code(s: &str, redact: bool) -> String {
    let s = clean(s, redact);
    if s.is_empty() {
        // Two bare backticks are no code span: they would pair with the
        // next value's fence and let that value out of its span.
        return "(empty)".to_owned();
    }
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Free text (a note, a warning) with every character that could start a
/// Markdown link, image, emphasis or HTML escaped (a link needs its `[`).
fn text(s: &str, redact: bool) -> String {
    let s = clean(s, redact);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '!' | '#' | '~' | '&') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn clean(s: &str, redact: bool) -> String {
    let s = sanitize(s);
    let s = if redact { redact_text(&s).into_owned() } else { s.into_owned() };
    // Keep Markdown tables intact.
    s.replace('|', "\\|")
}

fn ranked(out: &mut impl Write, title: &str, list: &[Ranked], redact: bool) -> io::Result<()> {
    if list.is_empty() {
        return Ok(());
    }
    let items: Vec<String> =
        list.iter().take(5).map(|r| format!("{} ({})", code(&r.value, redact), thousands(r.count))).collect();
    writeln!(out, "- {title}: {}", items.join(", "))
}

fn who(out: &mut impl Write, heading: &str, top: Option<&TopReport>, redact: bool) -> io::Result<()> {
    let Some(t) = top else { return Ok(()) };
    if t.api_keys.is_empty() && t.paths.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n### {heading}\n")?;
    ranked(out, "API keys", &t.api_keys, redact)?;
    ranked(out, "routes", &t.paths, redact)?;
    ranked(out, "client IPs", &t.client_ips, redact)?;
    if let Some(up) = &t.upstreams {
        ranked(out, "upstreams named by correlated lines", up, redact)?;
    }
    Ok(())
}

/// Writes the report. `failures_of_marks` gives, per marked request id, its
/// failure code and status when known.
pub fn write_markdown(
    out: &mut impl Write,
    r: &SummaryReport,
    o: &ReportOptions<'_>,
    failure_of_mark: &dyn Fn(&str) -> Option<MarkFailure>,
) -> io::Result<()> {
    let t = &r.totals;
    let names: Vec<String> = o.sources.iter().map(|s| code(s, o.redact)).collect();
    writeln!(out, "# Incident report: {}\n", names.join(", "))?;
    let span = match (r.buckets.first(), r.buckets.last()) {
        (Some(a), Some(b)) => format!("{} to {} (UTC, buckets of {} s)", a.start, b.start, r.bucket_seconds),
        _ => "no timed requests".to_owned(),
    };
    writeln!(out, "Generated {} by wontopos-logs. Time window: {span}.\n", o.generated_at)?;
    if let Some(sources) = &r.sources {
        let read: Vec<String> = sources
            .iter()
            .map(|s| {
                format!(
                    "{} as {} ({})",
                    code(&s.name, o.redact),
                    text(&s.detection.profile, false),
                    s.detection.how
                )
            })
            .collect();
        writeln!(out, "Read {}.\n", read.join(", "))?;
    }
    for w in o.warnings {
        writeln!(out, "> **Warning:** {}\n", text(w, o.redact))?;
    }
    writeln!(out, "## Totals\n")?;
    writeln!(out, "| requests | failures | rate-limited (429) | server errors (5xx) | malformed lines | untimed requests |")?;
    writeln!(out, "|---:|---:|---:|---:|---:|---:|")?;
    writeln!(
        out,
        "| {} | {} ({}) | {} | {} | {} | {} |",
        thousands(t.requests),
        thousands(t.failures),
        percent(t.failures, t.requests),
        thousands(t.rate_limited),
        thousands(t.server_errors),
        thousands(t.malformed),
        thousands(t.untimed_requests)
    )?;

    writeln!(out, "\n## Spikes\n")?;
    if r.spikes.is_empty() {
        writeln!(out, "No bucket of 429s or 5xx rose to {}x its trailing baseline.", super::spikes::FACTOR)?;
    }
    for s in &r.spikes {
        let size = s.factor.map_or_else(
            || "from a baseline of ~0".to_owned(),
            |f| format!("{f}x the baseline of {}", s.baseline),
        );
        let when = if s.start == s.last {
            format!("at {}", s.start)
        } else {
            format!("from {} to {}", s.start, s.last)
        };
        writeln!(out, "- **{}** {when}: peak {} per bucket, {size}.", s.series, thousands(s.peak))?;
    }

    writeln!(out, "\n## Failure groups\n")?;
    if r.groups.is_empty() && t.requests == 0 {
        writeln!(out, "No requests recognised, so no failures counted.")?;
    } else if r.groups.is_empty() {
        writeln!(out, "No failures.")?;
    } else {
        writeln!(out, "| code | status | count | share | documented | first seen | last seen |")?;
        writeln!(out, "|---|---:|---:|---:|---|---|---|")?;
        for g in &r.groups {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                g.code.as_deref().map_or_else(|| "(no code)".to_owned(), |c| code(c, o.redact)),
                g.status,
                thousands(g.count),
                percent(g.count, t.failures),
                if g.documented { "yes" } else { "**no**" },
                g.first_seen.as_deref().unwrap_or("-"),
                g.last_seen.as_deref().unwrap_or("-"),
            )?;
        }
        writeln!(out, "\nWhat the API documentation says:\n")?;
        for g in &r.groups {
            let code_of = g.code.as_deref();
            match code_of.and_then(catalog::lookup) {
                Some(d) if d.status == g.status => writeln!(
                    out,
                    "- `{}` ({}): {}. **Resolution:** {}.",
                    d.code, d.status, d.description, d.resolution
                )?,
                Some(d) => writeln!(
                    out,
                    "- `{}` ({}): **undocumented status**; the documentation gives {} for this code ({}. Resolution: {}.).",
                    d.code, g.status, d.status, d.description, d.resolution
                )?,
                None => writeln!(
                    out,
                    "- {} ({}): **not in the API documentation**.",
                    code_of.map_or_else(|| "a failure with no code".to_owned(), |c| code(c, o.redact)),
                    g.status
                )?,
            }
        }
    }

    writeln!(out, "\n## Who is behind it")?;
    who(out, "Rate-limited requests (429)", r.top_rate_limited.as_ref(), o.redact)?;
    who(out, "Server errors (5xx)", r.top_server_errors.as_ref(), o.redact)?;
    who(out, "All failures", r.top.as_ref(), o.redact)?;

    writeln!(out, "\n## Retry-After offenders\n")?;
    match r.retry_after_offenders.as_deref() {
        Some([]) | None => writeln!(out, "No API key came back before its Retry-After had passed.")?,
        Some(list) => {
            writeln!(out, "API keys answered again with a failure before the `retry_after` of an earlier 429/503 had passed (a client retry loop):\n")?;
            writeln!(out, "| API key | told to wait | early requests | mean seconds early | max seconds early | first |")?;
            writeln!(out, "|---|---:|---:|---:|---:|---|")?;
            for k in list {
                writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} |",
                    code(&k.api_key, o.redact),
                    thousands(k.told),
                    thousands(k.early_requests),
                    k.mean_seconds_early,
                    k.max_seconds_early,
                    k.first_seen.as_deref().unwrap_or("-")
                )?;
            }
        }
    }

    writeln!(out, "\n## Marked requests\n")?;
    if o.marks.is_empty() {
        writeln!(out, "None marked (press `m` on a request in `wontopos-logs tail`).")?;
    }
    for m in o.marks {
        let note = if m.note.is_empty() { String::new() } else { format!(": {}", text(&m.note, o.redact)) };
        let failure = match failure_of_mark(&m.request_id) {
            Some((code_of, status)) => {
                let doc = code_of.as_deref().and_then(catalog::lookup);
                let code_s = code_of.as_deref().map_or_else(|| "(no code)".to_owned(), |c| code(c, o.redact));
                match doc {
                    Some(d) => format!(" — {code_s} {status}; resolution: {}", d.resolution),
                    None => format!(" — {code_s} {status}; not in the API documentation"),
                }
            }
            None => String::new(),
        };
        writeln!(out, "- {}{note}{failure}", code(&m.request_id, o.redact))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing: an empty value was a bare two-backtick run, which
    /// paired with the next value's fence and let that value out as a link.
    #[test]
    fn an_empty_value_is_not_an_empty_code_span() {
        assert_eq!(code("", false), "(empty)");
        let line = format!("{} {}", code("", false), code("`[x](http://evil.example)", false));
        assert_eq!(line, "(empty) `` `[x](http://evil.example) ``");
    }

    /// Issue 12, item 14: the session file holds no raw bidi or C1
    /// character, and reads back the same.
    #[test]
    fn session_files_escape_what_the_terminal_would_obey() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let hostile = "req_\u{202e}gnp \u{2066}x\u{85}\u{9b}31m \u{1b}[2J";
        let session =
            Session { marks: vec![Mark { request_id: hostile.into(), note: format!("note {hostile}") }] };
        session.save(&path).unwrap();
        let raw = std::fs::read_to_string(&path).unwrap();
        assert!(!raw.chars().any(|c| c != '\n' && crate::engine::sanitize::is_dangerous(c)), "{raw:?}");
        let back = Session::load(&path).unwrap();
        assert_eq!(back.marks[0].request_id, hostile);
        assert_eq!(back.marks[0].note, format!("note {hostile}"));
    }
}
