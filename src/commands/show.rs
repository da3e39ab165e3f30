use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use serde::Serialize;
use serde_json::Value;
use wontopos_logs::engine::jsonout;
use wontopos_logs::engine::lookup::{self, Entry, FailureDoc};
use wontopos_logs::engine::sanitize::sanitize;

use super::paint::Paint;
use crate::cli::ShowArgs;

#[derive(Serialize)]
struct ShowReport<'a> {
    request_id: &'a str,
    entries: Vec<EntryReport<'a>>,
    failure: Option<FailureDoc>,
}

#[derive(Serialize)]
struct EntryReport<'a> {
    file: &'a str,
    line: u64,
    record: &'a Value,
}

pub fn run(args: &ShowArgs) -> anyhow::Result<ExitCode> {
    let (sources, _) = super::profiled(&args.files, &args.mapping)?;
    let mut entries = lookup::find_request(&sources, &args.request_id)?;
    let range = crate::cli::RangeArgs {
        from_start: false,
        lines: None,
        since: args.since.clone(),
        until: args.until.clone(),
        filter: None,
    };
    let window = super::summary::window(&range)?;
    entries.retain(|e| {
        window.contains(e.record.ts)
            && args.filter.as_ref().is_none_or(|f| {
                f.matches(&wontopos_logs::engine::record::Parsed::Event(e.record.clone()), e.raw.as_bytes())
            })
    });
    if !args.no_redact {
        entries.iter_mut().for_each(|e| wontopos_logs::engine::redact::redact_value(&mut e.value));
    }
    if entries.is_empty() {
        let files: Vec<String> = args.files.iter().map(|f| sanitize(f).into_owned()).collect();
        eprintln!(
            "wontopos-logs: request id {} not found in {}",
            sanitize(&args.request_id),
            files.join(", ")
        );
        return Ok(ExitCode::FAILURE);
    }
    let failure = lookup::failure_of(&entries);
    let mut out = BufWriter::new(io::stdout().lock());
    if args.json {
        let report = ShowReport {
            request_id: &args.request_id,
            entries: entries
                .iter()
                .map(|e| EntryReport { file: &e.source, line: e.line, record: &e.value })
                .collect(),
            failure,
        };
        jsonout::write_compact(&mut out, &report)?;
    } else {
        write_text(&mut out, &args.request_id, &entries, failure.as_ref(), Paint::for_stdout())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn write_text(
    out: &mut impl Write,
    id: &str,
    entries: &[Entry],
    failure: Option<&FailureDoc>,
    p: Paint,
) -> io::Result<()> {
    writeln!(
        out,
        "{} {} ({} {})",
        p.bold("Request"),
        sanitize(id),
        entries.len(),
        if entries.len() == 1 { "entry" } else { "entries" }
    )?;
    for e in entries {
        writeln!(out, "\n{}", p.dim(&format!("{}:{}", sanitize(&e.source), e.line)))?;
        let pretty = serde_json::to_string_pretty(&e.value).unwrap_or_default();
        for line in pretty.lines() {
            writeln!(out, "  {}", sanitize(line))?;
        }
    }
    writeln!(out)?;
    let Some(f) = failure else {
        writeln!(out, "{}", p.green("No failure among these entries."))?;
        return Ok(());
    };
    let code = f.code.as_deref().map_or_else(|| "(no code)".to_owned(), |c| sanitize(c).into_owned());
    let head = format!("Failure: {code} ({})", f.status);
    writeln!(out, "{}", if f.status >= 500 { p.red(&head) } else { p.yellow(&head) })?;
    match (f.description, f.resolution) {
        (Some(d), Some(r)) => {
            writeln!(out, "  {} {d}", p.bold("Meaning:   "))?;
            writeln!(out, "  {} {r}", p.bold("Resolution:"))?;
        }
        _ if f.code.is_none() => {
            writeln!(out, "  {}", p.red("UNDOCUMENTED: the response carries no error code."))?
        }
        _ => {
            writeln!(out, "  {}", p.red("UNDOCUMENTED: this code is not in the API's error documentation."))?
        }
    }
    if let Some(s) = f.documented_status {
        writeln!(
            out,
            "  {}",
            p.red(&format!("UNDOCUMENTED: the documentation gives this code status {s}, not {}.", f.status))
        )?;
    }
    if let Some(secs) = f.retry_after {
        writeln!(out, "  Retry-After: the client was told to wait {secs} s before retrying.")?;
    }
    Ok(())
}
