use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use wontopos_logs::engine::sanitize::sanitize;
use wontopos_logs::engine::stats::SummaryReport;
use wontopos_logs::engine::{jsonout, scan};

use super::paint::{fit, percent, thousands, Paint};
use crate::cli::SummaryArgs;

pub fn run(args: &SummaryArgs) -> anyhow::Result<ExitCode> {
    let sources = super::sources(&args.files);
    let threads = args.threads.map_or_else(scan::default_threads, usize::from);
    let summary = scan::summarize(&sources, threads, args.bucket)?;
    let report = summary.report();
    let mut out = BufWriter::new(io::stdout().lock());
    if args.json {
        jsonout::write_compact(&mut out, &report)?;
    } else {
        write_table(&mut out, &report, &args.files, Paint::for_stdout())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn write_table(out: &mut impl Write, r: &SummaryReport, files: &[String], p: Paint) -> io::Result<()> {
    let t = &r.totals;
    let names: Vec<String> = files.iter().map(|f| sanitize(f).into_owned()).collect();
    writeln!(out, "{} {}", p.bold("Wontopos API logs:"), names.join(", "))?;
    writeln!(
        out,
        "  {} lines, {} events, {} requests, {} failures ({}), {} rate-limited (429), {} server errors (5xx)",
        thousands(t.lines),
        thousands(t.events),
        thousands(t.requests),
        p.bold(&thousands(t.failures)),
        percent(t.failures, t.requests),
        p.yellow(&thousands(t.rate_limited)),
        p.red(&thousands(t.server_errors)),
    )?;
    if t.malformed > 0 || t.untimed_requests > 0 {
        writeln!(
            out,
            "  {} malformed lines, {} requests without a usable timestamp",
            p.magenta(&thousands(t.malformed)),
            thousands(t.untimed_requests)
        )?;
    }
    writeln!(out)?;
    if r.groups.is_empty() {
        writeln!(out, "No failures.")?;
    } else {
        writeln!(
            out,
            "{}",
            p.bold(&format!(
                "{} {} {:>6} {:>9} {:>7}  {:<14} {:<24} {}",
                fit("CODE", 26),
                "STATUS",
                "",
                "COUNT",
                "SHARE",
                "CATEGORY",
                "FIRST SEEN",
                "LAST SEEN"
            ))
        )?;
        for g in &r.groups {
            let code = g.code.as_deref().map_or_else(|| "(no code)".to_owned(), |c| sanitize(c).into_owned());
            let mark = if g.documented { p.green("  doc ") } else { p.red("UNDOC ") };
            let status = format!("{:>6}", g.status);
            let status = if g.status >= 500 {
                p.red(&status)
            } else if g.status == 429 {
                p.yellow(&status)
            } else {
                status
            };
            writeln!(
                out,
                "{} {} {} {:>9} {:>7}  {:<14} {:<24} {}",
                fit(&code, 26),
                status,
                mark,
                thousands(g.count),
                percent(g.count, t.failures),
                g.category.unwrap_or("-"),
                g.first_seen.as_deref().unwrap_or("-"),
                g.last_seen.as_deref().unwrap_or("-"),
            )?;
        }
        let undocumented: u64 = r.groups.iter().filter(|g| !g.documented).map(|g| g.count).sum();
        if undocumented > 0 {
            writeln!(
                out,
                "{}",
                p.red(&format!(
                    "{} failures are UNDOC: unknown code, no code, or a status the API documentation does not give for the code.",
                    thousands(undocumented)
                ))
            )?;
        }
    }
    write_trend(out, r, p)
}

fn write_trend(out: &mut impl Write, r: &SummaryReport, p: Paint) -> io::Result<()> {
    let rows: Vec<_> =
        r.buckets.iter().filter(|b| b.counts.rate_limited > 0 || b.counts.server_errors > 0).collect();
    writeln!(out)?;
    if rows.is_empty() {
        writeln!(out, "No 429 or 5xx responses in any {}s bucket.", r.bucket_seconds)?;
        return Ok(());
    }
    let max =
        rows.iter().map(|b| b.counts.rate_limited.max(b.counts.server_errors)).max().unwrap_or(1).max(1);
    let bar = |n: u64, width: u64| "█".repeat(usize::try_from((n * width).div_ceil(max)).unwrap_or(0));
    writeln!(
        out,
        "{}",
        p.bold(&format!(
            "429 and 5xx per {} bucket (UTC; buckets with neither left out)",
            human_secs(r.bucket_seconds)
        ))
    )?;
    writeln!(
        out,
        "{}",
        p.bold(&format!("{:<21} {:>9} {:>7} {:>7}", "BUCKET START", "REQUESTS", "429", "5XX"))
    )?;
    for b in rows {
        let c = &b.counts;
        writeln!(
            out,
            "{:<21} {:>9} {:>7} {:>7}  {}{}",
            b.start,
            thousands(c.requests),
            thousands(c.rate_limited),
            thousands(c.server_errors),
            p.yellow(&bar(c.rate_limited, 30)),
            p.red(&bar(c.server_errors, 30)),
        )?;
    }
    Ok(())
}

fn human_secs(s: i64) -> String {
    match s {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}
