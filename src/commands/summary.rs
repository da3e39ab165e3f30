use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use wontopos_logs::engine::detect::{Detection, ProfiledSource};
use wontopos_logs::engine::fields::{FieldMap, Mapping};
use wontopos_logs::engine::follow::{self, FollowOptions, StartAt};
use wontopos_logs::engine::hints;
use wontopos_logs::engine::input::Source;
use wontopos_logs::engine::report::{self, ReportOptions, Session};
use wontopos_logs::engine::sanitize::sanitize;
use wontopos_logs::engine::stats::{Summary, SummaryReport, TimeWindow};
use wontopos_logs::engine::time::{now_nanos, parse_time_arg};
use wontopos_logs::engine::{jsonout, observe, scan, stats};

use super::paint::{fit, percent, thousands, Paint};
use crate::cli::{RangeArgs, SummaryArgs};

pub fn window(range: &RangeArgs) -> anyhow::Result<TimeWindow> {
    let now = now_nanos();
    let parse = |s: &Option<String>, flag: &str| -> anyhow::Result<Option<i64>> {
        s.as_deref().map(|s| parse_time_arg(s, now).map_err(|e| anyhow::anyhow!("{flag}: {e}"))).transpose()
    };
    Ok(TimeWindow { since: parse(&range.since, "--since")?, until: parse(&range.until, "--until")? })
}

pub fn start_at(range: &RangeArgs) -> StartAt {
    range.lines.map_or(StartAt::FromStart, StartAt::LastLines)
}

pub fn run(args: &SummaryArgs) -> anyhow::Result<ExitCode> {
    let window = window(&args.range)?;
    if args.follow {
        let (sources, mapping) = super::profiled_live(&args.files, &args.mapping)?;
        return run_follow(args, &sources, &mapping, window);
    }
    let (sources, mapping) = super::profiled(&args.files, &args.mapping)?;
    let summary = match args.range.lines {
        None => {
            let threads = args.threads.map_or_else(scan::default_threads, usize::from);
            let filter = args.range.filter.clone().map(Arc::new);
            stats::summarize(&sources, threads, args.bucket, window, args.insights || args.markdown, filter)?
        }
        Some(n) => {
            tail_summary(&sources, n, args.bucket, window, args.insights || args.markdown, &args.range)?
        }
    };
    let mut report = summary.report();
    hints::describe_sources(&mut report, &sources);
    let warnings = hints::field_warnings(&report.totals, &sources, &mapping);
    warn(&warnings);
    let mut out = BufWriter::new(io::stdout().lock());
    if args.markdown {
        write_incident_report(&mut out, &report, args, &sources, &warnings)?;
    } else {
        print_report(&mut out, &report, args, &sources, Paint::for_stdout())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The field warnings, on stderr: a summary that read no statuses says so
/// even when its output goes to a file or a pipe.
fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("wontopos-logs: warning: {w}");
    }
}

fn write_incident_report(
    out: &mut impl Write,
    report: &SummaryReport,
    args: &SummaryArgs,
    sources: &[ProfiledSource],
    warnings: &[String],
) -> anyhow::Result<()> {
    let session_path = args.session.clone().or_else(|| match sources.first().map(|s| &s.source) {
        Some(Source::File(p)) => Some(Session::default_path(p)),
        _ => None,
    });
    let session = match &session_path {
        Some(p) => Session::load(p).with_context(|| format!("{}: cannot read the session", p.display()))?,
        None => Session::default(),
    };
    let opts = ReportOptions {
        sources: &args.files,
        generated_at: wontopos_logs::engine::time::format_utc_secs(now_nanos() / 1_000_000_000),
        redact: !args.no_redact,
        marks: &session.marks,
        warnings,
    };
    // The marked requests' lines, found in one pass over the logs.
    let ids: Vec<&str> = session.marks.iter().map(|m| m.request_id.as_str()).collect();
    let marked = wontopos_logs::engine::lookup::find_requests(sources, &ids).unwrap_or_default();
    let failure_of = |id: &str| -> Option<(Option<String>, u16)> {
        let entries = marked.get(id)?;
        wontopos_logs::engine::lookup::failure_of(entries).map(|f| (f.code, f.status))
    };
    report::write_markdown(out, report, &opts, &failure_of)?;
    Ok(())
}

fn print_report(
    out: &mut impl Write,
    report: &SummaryReport,
    args: &SummaryArgs,
    sources: &[ProfiledSource],
    p: Paint,
) -> io::Result<()> {
    if args.json {
        jsonout::write_compact(out, report)
    } else {
        write_table(out, report, sources, p)
    }
}

/// `--lines N` in batch: the last N lines of each file.
fn tail_summary(
    sources: &[ProfiledSource],
    n: u64,
    bucket: i64,
    window: TimeWindow,
    insights: bool,
    range: &RangeArgs,
) -> anyhow::Result<Summary> {
    let mut summary = Summary::new(bucket)
        .with_window(window)
        .with_insights(insights)
        .with_filter(range.filter.clone().map(Arc::new));
    for profiled in sources {
        let (s, fields) = (&profiled.source, &*profiled.fields);
        match s {
            Source::File(p) if !s.is_gzip() => {
                let mut f = std::fs::File::open(p).with_context(|| p.display().to_string())?;
                let (pos, number) = follow::last_lines_offset(&mut f, n)?;
                wontopos_logs::engine::line::read_lines_at(&mut f, pos, number, |l| {
                    observe::feed(&mut summary, 0, fields, &l);
                })?;
            }
            _ => {
                // A stream cannot be read backwards: keep a ring of its last N lines.
                let mut ring = std::collections::VecDeque::new();
                follow::read_once(s, |l| {
                    if usize::try_from(n).is_ok_and(|n| ring.len() == n) {
                        ring.pop_front();
                    }
                    if n > 0 {
                        ring.push_back((l.bytes.to_vec(), l.oversized));
                    }
                })?;
                for (bytes, oversized) in ring {
                    let line =
                        wontopos_logs::engine::line::Line { number: 0, offset: 0, bytes: &bytes, oversized };
                    observe::feed(&mut summary, 0, fields, &line);
                }
            }
        }
    }
    Ok(summary)
}

fn run_follow(
    args: &SummaryArgs,
    profiled: &[ProfiledSource],
    mapping: &Mapping,
    window: TimeWindow,
) -> anyhow::Result<ExitCode> {
    let sources: Vec<Source> = profiled.iter().map(|s| s.source.clone()).collect();
    let fields: Vec<Arc<FieldMap>> = profiled.iter().map(|s| Arc::clone(&s.fields)).collect();
    let term = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&term)).context("installing signal handlers")?;
    }
    let summary = Arc::new(Mutex::new(
        Summary::new(args.bucket)
            .with_window(window)
            .with_insights(args.insights)
            .with_filter(args.range.filter.clone().map(Arc::new)),
    ));
    // Stdin and compressed files end; when every source is one, so does the follow.
    let streams = sources.iter().filter(|s| matches!(s, Source::Stdin) || s.is_gzip()).count();
    let ended = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let opts =
        FollowOptions { watch: !args.poll_only, start: start_at(&args.range), ..FollowOptions::default() };
    let (stop, handle) = {
        let summary = Arc::clone(&summary);
        let ended = Arc::clone(&ended);
        follow::spawn(sources.clone(), opts, move |ev| match ev {
            follow::Event::Line { source, line } => {
                let mut summary = summary.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(fields) = fields.get(source) {
                    observe::feed(&mut *summary, source, fields, &line);
                }
            }
            follow::Event::Notice { text, .. } => eprintln!("wontopos-logs: {}", sanitize(&text)),
            follow::Event::Ended { .. } => {
                ended.fetch_add(1, Ordering::SeqCst);
            }
            follow::Event::CaughtUp { .. } => {}
        })
    };
    let p = Paint::for_stdout();
    let mut next = Instant::now() + args.interval;
    let all_streams_ended = || streams == sources.len() && ended.load(Ordering::SeqCst) == streams;
    loop {
        if term.load(Ordering::Relaxed) || all_streams_ended() {
            break;
        }
        let now = Instant::now();
        if now >= next {
            next += args.interval;
            let mut report = summary.lock().unwrap_or_else(PoisonError::into_inner).report();
            hints::describe_sources(&mut report, profiled);
            let mut out = io::stdout().lock();
            print_report(&mut out, &report, args, profiled, p)?;
            if !args.json {
                writeln!(out)?;
            }
            out.flush()?;
        }
        std::thread::sleep(next.saturating_duration_since(Instant::now()).min(Duration::from_millis(50)));
    }
    stop.store(true, Ordering::SeqCst);
    let _ = handle.join();
    let mut report = summary.lock().unwrap_or_else(PoisonError::into_inner).report();
    hints::describe_sources(&mut report, profiled);
    warn(&hints::field_warnings(&report.totals, profiled, mapping));
    let mut out = io::stdout().lock();
    print_report(&mut out, &report, args, profiled, p)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
fn write_table(
    out: &mut impl Write,
    r: &SummaryReport,
    sources: &[ProfiledSource],
    p: Paint,
) -> io::Result<()> {
    let t = &r.totals;
    let names: Vec<String> = sources
        .iter()
        .map(|s| format!("{} ({})", sanitize(&s.source.name()), profile_note(&s.detection)))
        .collect();
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
    if let Some(lo) = r.left_out.as_ref().filter(|lo| lo.before + lo.after > 0) {
        let bound = |b: &Option<String>| b.clone().unwrap_or_else(|| "-".to_owned());
        writeln!(
            out,
            "  {} events left out by the window ({} to {}): {} before it, {} after it; the log's times run {} to {}",
            p.yellow(&thousands(lo.before + lo.after)),
            bound(&lo.since),
            bound(&lo.until),
            thousands(lo.before),
            thousands(lo.after),
            bound(&lo.earliest),
            bound(&lo.latest),
        )?;
    }
    writeln!(out)?;
    let window_emptied = r.left_out.as_ref().is_some_and(|lo| lo.before + lo.after > 0);
    if t.requests == 0 && window_emptied {
        writeln!(
            out,
            "No requests in the window, so no failures counted (the window left events out: see above)."
        )?;
    } else if r.groups.is_empty() && t.requests == 0 {
        writeln!(out, "No requests recognised, so no failures counted.")?;
    } else if r.groups.is_empty() {
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
    write_trend(out, r, p)?;
    if !r.spikes.is_empty() {
        writeln!(out)?;
        for s in &r.spikes {
            let size = s.factor.map_or_else(|| "from ~0".to_owned(), |f| format!("{f}x baseline"));
            let when = if s.start == s.last {
                format!("at {}", s.start)
            } else {
                format!("{} to {}", s.start, s.last)
            };
            writeln!(
                out,
                "{}",
                p.red(&format!("SPIKE {} {size}, peak {} per bucket, {when}", s.series, thousands(s.peak)))
            )?;
        }
    }
    Ok(())
}

/// `pino-http, detected`: how a source's profile was chosen.
fn profile_note(d: &Detection) -> String {
    format!("{}, {}", sanitize(&d.profile), d.how)
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
            wontopos_logs::engine::format::duration(r.bucket_seconds)
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
