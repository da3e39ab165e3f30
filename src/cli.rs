//! Command-line definitions. Validation that clap can do (numbers, bucket
//! sizes) happens here, so a bad argument is refused before any file is read.

use clap::{Args, Parser, Subcommand};
use wontopos_logs::engine::fields::{FieldFlag, MappingOptions};
use wontopos_logs::engine::filter::Filter;

/// Triage for Wontopos API logs: what is failing, since when, and what one
/// request shows, next to the API's documented fix.
#[derive(Debug, Parser)]
#[command(name = "wontopos-logs", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the live triage dashboard on log files: failure groups by code and
    /// status, the 429 / 5xx trend, and any request's lines with the
    /// documented fix. Follows the files like `tail -F` (rotation, truncation,
    /// files that appear later). Press ? inside for the keys.
    ///
    /// FILE may be `-` for stdin. The counts equal `summary --json` on the same
    /// input.
    Tail(TailArgs),
    /// Count requests and failures: failure groups by error code and status,
    /// 429 / 5xx per time bucket, and spikes.
    ///
    /// Several files are counted together; `-` reads stdin and `.gz` files are
    /// decompressed. Blank lines are skipped; lines that are not JSON objects
    /// are counted as malformed and never stop the count.
    ///
    /// Spikes: a bucket spikes when its 429s (or 5xx) are at least 5 and at
    /// least 4x the mean of the 15 buckets before it; consecutive spiking
    /// buckets are one episode, and a bucket 4x the one before it within an
    /// episode starts a new one.
    Summary(SummaryArgs),
    /// Every log line one request wrote, in file order, and the documented
    /// description and resolution of its error code.
    ///
    /// Exits with status 1 when no line carries the request id.
    Show(ShowArgs),
    /// The Wontopos API error catalog shipped with the tool: code, HTTP
    /// status, category, description and resolution.
    Codes(CodesArgs),
    /// Write realistic synthetic traffic, deterministic per seed.
    ///
    /// Mostly 2xx with the everyday mix of 4xx, plus the incidents a triage
    /// session looks for: a rate-limit storm from a few API keys that ignore
    /// Retry-After, an upstream outage of 503/504 preceded by upstream warning
    /// lines sharing the request id, a key whose quota runs out, and an
    /// expired key.
    Generate(GenerateArgs),
    /// List the field profiles: the shapes of log read without being told,
    /// and where each finds the time, status, code, request id and the rest.
    Profiles(ProfilesArgs),
}

#[derive(Debug, Args)]
pub struct ProfilesArgs {
    /// Print the profiles as TOML, the format `--fields FILE` takes.
    #[arg(long)]
    pub toml: bool,
    #[command(flatten)]
    pub mapping: MappingArgs,
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// Log files to read (`-` for stdin; `.gz` files are decompressed).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Print the counts as one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Length of a trend bucket: 30s, 1m, 5m, 1h, 1d. Buckets are aligned to
    /// the UTC epoch.
    #[arg(long, default_value = "1m", value_parser = parse_bucket, value_name = "DURATION")]
    pub bucket: i64,
    /// Threads to read with (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256), value_name = "N")]
    pub threads: Option<u16>,
    #[command(flatten)]
    pub range: RangeArgs,
    #[command(flatten)]
    pub mapping: MappingArgs,
    /// Keep following the files (like `tail -F`: rotation, truncation and
    /// files that appear later are handled) and print the counts every
    /// --interval, one JSON object per line with --json. A last report is
    /// printed on SIGINT or SIGTERM, then the command exits 0.
    #[arg(long)]
    pub follow: bool,
    /// How often --follow prints the counts.
    #[arg(long, default_value = "1s", value_parser = parse_interval, value_name = "DURATION", requires = "follow")]
    pub interval: std::time::Duration,
    /// With --follow: poll the files only, without filesystem events (for
    /// filesystems where events do not arrive).
    #[arg(long, requires = "follow")]
    pub poll_only: bool,
    /// Also rank who is behind the failures: top API keys, routes
    /// (/v1/orders/{id}) and client IPs of all failures, of the 429s and of
    /// the 5xx (with the upstream services named by correlated lines of the
    /// same request id), and the API keys that came back before their
    /// Retry-After had passed. Costs about a fifth more time.
    #[arg(long)]
    pub insights: bool,
    /// Write a Markdown incident report instead: totals, spikes, failure
    /// groups with their documented description and resolution, who is
    /// behind them, Retry-After offenders and the requests marked in the
    /// session.
    #[arg(long, conflicts_with_all = ["json", "follow"])]
    pub markdown: bool,
    /// Session file with marked requests (default: FILE.wontopos-session.json
    /// beside the first file).
    #[arg(long, value_name = "PATH")]
    pub session: Option<std::path::PathBuf>,
    /// Show secrets as they are (tokens, passwords, Authorization headers
    /// are masked by default).
    #[arg(long)]
    pub no_redact: bool,
}

/// Where reading starts and which times count, shared by `summary` and `tail`.
/// How fields are found in each file's lines.
#[derive(Debug, Args, Clone, Default)]
pub struct MappingArgs {
    /// Read every file with this profile instead of detecting one per file
    /// from its first lines (`wontopos-logs profiles` lists them).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// A TOML file of profiles that add to or change the built-in ones.
    /// Without it, $XDG_CONFIG_HOME/wontopos-logs/fields.toml is read if it
    /// exists.
    #[arg(long, value_name = "FILE")]
    pub fields: Option<std::path::PathBuf>,
    /// Where a field is, tried before the profile's own paths, in every
    /// profile: NAME=PATH[:UNIT], for example status=res.statusCode or
    /// latency=Duration:ns. Repeatable.
    #[arg(long = "field", value_name = "NAME=PATH", value_parser = parse_field_flag)]
    pub field: Vec<FieldFlag>,
}

impl MappingArgs {
    pub fn options(&self) -> MappingOptions {
        MappingOptions {
            profile: self.profile.clone(),
            fields_file: self.fields.clone(),
            flags: self.field.clone(),
        }
    }
}

fn parse_field_flag(s: &str) -> Result<FieldFlag, String> {
    FieldFlag::parse(s)
}

#[derive(Debug, Args, Clone)]
pub struct RangeArgs {
    /// Read each file's whole history (the default).
    #[arg(long, conflicts_with = "lines")]
    pub from_start: bool,
    /// Start with only the last N lines of each file.
    #[arg(long, value_name = "N")]
    pub lines: Option<u64>,
    /// Leave out events timed before this: a duration back from now (30m,
    /// 2h), a date (2026-11-24, its midnight UTC) or an RFC 3339 time.
    /// Lines without a timestamp are kept.
    #[arg(long, value_name = "TIME", value_parser = check_time)]
    pub since: Option<String>,
    /// Leave out events timed at or after this (same forms as --since).
    #[arg(long, value_name = "TIME", value_parser = check_time)]
    pub until: Option<String>,
    /// Count only the lines that match: status>=500, status=429,
    /// code=rate_limit_exceeded, code!=not_found, key=key_0007,
    /// path~/v1/orders (substring), method=POST, ip=..., upstream=...,
    /// id=req_..., undocumented, free words (anywhere in the line), joined
    /// with and / or / not and parentheses.
    #[arg(long, value_parser = parse_filter, value_name = "EXPR")]
    pub filter: Option<Filter>,
}

#[derive(Debug, Args)]
pub struct TailArgs {
    /// Log files to open (`-` for stdin; `.gz` files are read once).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Show what the files hold now, without following new lines.
    #[arg(long)]
    pub no_follow: bool,
    /// Bucket for the counts and the chart (default: the chart's bucket
    /// follows its window: 10s for 15m, 1m for 1h, 5m for 6h, 15m for 24h).
    #[arg(long, value_parser = parse_bucket, value_name = "DURATION")]
    pub bucket: Option<i64>,
    #[command(flatten)]
    pub range: RangeArgs,
    #[command(flatten)]
    pub mapping: MappingArgs,
    /// Poll the files only, without filesystem events.
    #[arg(long)]
    pub poll_only: bool,
    /// Session file for marks and notes (default: FILE.wontopos-session.json
    /// beside the first file).
    #[arg(long, value_name = "PATH")]
    pub session: Option<std::path::PathBuf>,
    /// Show secrets as they are (masked by default).
    #[arg(long)]
    pub no_redact: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The request id to look up, for example req_6Q3D25VT4F5V37E3S3E28JT9.
    pub request_id: String,
    /// Log files to search (`-` for stdin; `.gz` files are decompressed).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Print the entries as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Show secrets as they are (masked by default).
    #[arg(long)]
    pub no_redact: bool,
    /// Show only the entries that match (the filter language of `summary`).
    #[arg(long, value_parser = parse_filter, value_name = "EXPR")]
    pub filter: Option<Filter>,
    /// Leave out entries timed before this (30m, 2h or an RFC 3339 time).
    #[arg(long, value_name = "TIME", value_parser = check_time)]
    pub since: Option<String>,
    /// Leave out entries timed at or after this.
    #[arg(long, value_name = "TIME", value_parser = check_time)]
    pub until: Option<String>,
    #[command(flatten)]
    pub mapping: MappingArgs,
}

#[derive(Debug, Args)]
pub struct CodesArgs {
    /// Print the catalog as a JSON list (with CODE, that code's object).
    #[arg(long)]
    pub json: bool,
    /// Look up one code (rate_limit_exceeded, not_found, ...).
    #[arg(value_name = "CODE")]
    pub code: Option<String>,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// File to write (overwritten), or - for standard output.
    #[arg(value_name = "OUT")]
    pub out: std::path::PathBuf,
    /// Number of HTTP requests to write (other lines come on top).
    #[arg(long, value_name = "N")]
    pub requests: u64,
    /// Seed: the same seed writes the same file.
    #[arg(long, default_value_t = 1, value_name = "S")]
    pub seed: u64,
    /// Average requests per second outside incidents.
    #[arg(long, default_value_t = 50.0, value_parser = parse_rate, value_name = "PER_SECOND")]
    pub rate: f64,
    /// Time of the first line (RFC 3339).
    #[arg(long, default_value = "2026-11-24T12:00:00Z", value_parser = parse_start, value_name = "TIME")]
    pub start: i64,
    /// Write the traffic in another shape: `kong` (Kong's log serializer,
    /// nested objects), the same requests, times and statuses.
    #[arg(long, value_name = "SHAPE", value_parser = ["wontopos", "kong"], default_value = "wontopos")]
    pub shape: String,
    /// Also write the generator's own tally of what it wrote, as JSON.
    #[arg(long, value_name = "FILE")]
    pub tally: Option<std::path::PathBuf>,
}

fn parse_filter(s: &str) -> Result<Filter, String> {
    Filter::parse(s).map_err(|e| e.to_string())
}

/// A --since/--until value, checked when the flags are read (so a bad one
/// exits like any bad flag); it is resolved against the clock later.
fn check_time(s: &str) -> Result<String, String> {
    wontopos_logs::engine::time::parse_time_arg(s, wontopos_logs::engine::time::now_nanos())
        .map(|_| s.to_owned())
}

fn parse_bucket(s: &str) -> Result<i64, String> {
    wontopos_logs::engine::time::parse_duration_secs(s)
}

fn parse_interval(s: &str) -> Result<std::time::Duration, String> {
    if let Some(ms) = s.strip_suffix("ms") {
        return match ms.parse::<u64>() {
            Ok(v) if (10..=3_600_000).contains(&v) => Ok(std::time::Duration::from_millis(v)),
            _ => Err(format!("'{s}' is not an interval between 10ms and 1h")),
        };
    }
    wontopos_logs::engine::time::parse_duration_secs(s)
        .map(|v| std::time::Duration::from_secs(u64::try_from(v).unwrap_or(1)))
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 10_000_000.0 => Ok(v),
        _ => Err(format!("'{s}' is not a rate: give requests per second, for example 50")),
    }
}

fn parse_start(s: &str) -> Result<i64, String> {
    wontopos_logs::engine::time::parse_rfc3339(s)
        .ok_or_else(|| format!("'{s}' is not an RFC 3339 time such as 2026-11-24T12:00:00Z"))
}
