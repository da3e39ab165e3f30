//! Synthetic Wontopos API traffic for demos, tests and benchmarks.
//!
//! Deterministic per seed. Besides everyday traffic (mostly 2xx, the usual
//! 4xx mix, rare 5xx and a few undocumented failures) it plays out the
//! incidents a triage session looks for, at fixed fractions of the run:
//! - a rate-limit storm from a few API keys, which retry long before their
//!   `retry_after` has passed;
//! - an upstream outage window of 503/504, each failing request preceded by
//!   an upstream warning line sharing its request_id;
//! - a key whose daily quota runs out (429 `quota_exceeded` from then on);
//! - an expired key (401 `api_key_expired` throughout).
//!
//! The generator keeps its own tally of what it wrote, computed from its own
//! decisions rather than by parsing, so tests can check the parser against it.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::time::{format_utc_secs, Nanos};

pub mod kong;

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub requests: u64,
    pub seed: u64,
    /// Average requests per second outside incidents.
    pub rate: f64,
    /// Start of the traffic, epoch nanoseconds.
    pub start: Nanos,
}

/// Where the incidents were placed, for tests that must find them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Incidents {
    pub storm_keys: Vec<String>,
    pub storm_start: String,
    pub storm_end: String,
    pub outage_start: String,
    pub outage_end: String,
    pub outage_upstreams: Vec<String>,
    pub quota_key: String,
    pub quota_exhausted_at: String,
    pub expired_key: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TallyGroup {
    pub code: Option<String>,
    pub status: u16,
    pub count: u64,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct TallyBucket {
    pub requests: u64,
    pub failures: u64,
    pub rate_limited: u64,
    pub server_errors: u64,
}

/// What was written, counted as the contract counts it (1-minute buckets).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    pub lines: u64,
    pub malformed: u64,
    pub events: u64,
    pub requests: u64,
    pub failures: u64,
    pub rate_limited: u64,
    pub server_errors: u64,
    pub untimed_requests: u64,
    pub bytes: u64,
    pub groups: Vec<TallyGroup>,
    pub buckets: Vec<serde_json::Value>,
    pub incidents: Incidents,
    #[serde(skip)]
    group_map: BTreeMap<(Option<&'static str>, u16), u64>,
    #[serde(skip)]
    bucket_map: BTreeMap<i64, TallyBucket>,
}

impl Tally {
    fn request(&mut self, ts: Nanos, status: u16, code: Option<&'static str>) {
        self.lines += 1;
        self.events += 1;
        self.requests += 1;
        let b = self.bucket_map.entry(ts.div_euclid(60_000_000_000) * 60).or_default();
        b.requests += 1;
        if status >= 400 {
            self.failures += 1;
            b.failures += 1;
            *self.group_map.entry((code, status)).or_default() += 1;
        }
        if status == 429 {
            self.rate_limited += 1;
            b.rate_limited += 1;
        }
        if status >= 500 {
            self.server_errors += 1;
            b.server_errors += 1;
        }
    }

    fn finish(&mut self) {
        let mut groups: Vec<TallyGroup> = self
            .group_map
            .iter()
            .map(|((code, status), count)| TallyGroup {
                code: code.map(str::to_owned),
                status: *status,
                count: *count,
            })
            .collect();
        groups.sort_by(|a, b| {
            b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)).then(a.status.cmp(&b.status))
        });
        self.groups = groups;
        self.buckets = self
            .bucket_map
            .iter()
            .map(|(start, b)| {
                serde_json::json!({"start": format_utc_secs(*start), "requests": b.requests, "failures": b.failures,
                    "rate_limited": b.rate_limited, "server_errors": b.server_errors})
            })
            .collect();
    }
}

const PATHS: [(&str, &str, bool); 10] = [
    ("GET", "/v1/orders", false),
    ("GET", "/v1/orders/", true),
    ("POST", "/v1/orders", false),
    ("GET", "/v1/customers/", true),
    ("PATCH", "/v1/customers/", true),
    ("POST", "/v1/payments", false),
    ("GET", "/v1/payments/", true),
    ("GET", "/v1/products", false),
    ("DELETE", "/v1/webhooks/", true),
    ("GET", "/v1/balance", false),
];

/// Everyday failures: (per-mille, status, code, message).
const EVERYDAY: [(u32, u16, Option<&str>, &str); 13] = [
    (22, 404, Some("not_found"), "The requested resource does not exist"),
    (9, 400, Some("invalid_parameter"), "A request parameter is invalid"),
    (5, 400, Some("missing_parameter"), "A required parameter is missing"),
    (2, 400, Some("invalid_json"), "Request body is not valid JSON"),
    (5, 401, Some("authentication_failed"), "No valid API key provided"),
    (2, 403, Some("insufficient_scope"), "API key lacks the required scope"),
    (1, 405, Some("method_not_allowed"), "HTTP method not supported"),
    (3, 409, Some("conflict"), "Resource already exists"),
    (4, 422, Some("unprocessable_entity"), "Valid format but semantic error"),
    (2, 500, Some("internal_error"), "Unexpected server error"),
    // Undocumented: no code, an unknown code, a code with the wrong status.
    (1, 502, None, "Bad gateway"),
    (1, 502, Some("upstream_reset"), "Upstream connection reset"),
    (1, 500, Some("service_unavailable"), "API is temporarily unavailable"),
];

const UPSTREAMS: [&str; 2] = ["billing-svc", "ledger-svc"];
const STORM_KEYS: [&str; 3] = ["key_0042", "key_0077", "key_0108"];
const QUOTA_KEY: &str = "key_0013";
const EXPIRED_KEY: &str = "key_0021";
const ID_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Phases of the run, as fractions of the request count.
const STORM: (f64, f64) = (0.55, 0.62);
const OUTAGE: (f64, f64) = (0.74, 0.78);
const QUOTA_AT: f64 = 0.40;
const HEARTBEAT_SECS: i64 = 30;

struct Writer<W: Write> {
    out: W,
    buf: Vec<u8>,
    tally: Tally,
    /// Cached `YYYY-MM-DDTHH:MM:SS` of `cached_sec`.
    cached_sec: i64,
    cached_prefix: String,
}

impl<W: Write> Writer<W> {
    fn ts(&mut self, ts: Nanos) {
        let sec = ts.div_euclid(1_000_000_000);
        if sec != self.cached_sec {
            self.cached_sec = sec;
            let full = format_utc_secs(sec);
            self.cached_prefix = full.trim_end_matches('Z').to_owned();
        }
        let millis = ts.rem_euclid(1_000_000_000) / 1_000_000;
        self.buf.extend_from_slice(b"{\"ts\":\"");
        self.buf.extend_from_slice(self.cached_prefix.as_bytes());
        let _ = write!(self.buf, ".{millis:03}Z\"");
    }

    fn end_line(&mut self) -> io::Result<()> {
        self.buf.extend_from_slice(b"}\n");
        if self.buf.len() >= 1 << 20 {
            self.flush()?;
        }
        Ok(())
    }

    fn raw_line(&mut self, text: &str) -> io::Result<()> {
        self.buf.extend_from_slice(text.as_bytes());
        self.buf.push(b'\n');
        self.tally.lines += 1;
        self.tally.malformed += 1;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tally.bytes += self.buf.len() as u64;
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }
}

fn request_id(rng: &mut fastrand::Rng) -> String {
    let mut s = String::with_capacity(28);
    s.push_str("req_");
    for _ in 0..24 {
        s.push(char::from(ID_ALPHABET[rng.usize(..32)]));
    }
    s
}

/// Exponential inter-arrival time for `rate` per second, in nanoseconds.
fn gap(rng: &mut fastrand::Rng, rate: f64) -> Nanos {
    let u = rng.f64().max(1e-12);
    #[allow(clippy::cast_possible_truncation)]
    let ns = (-u.ln() / rate * 1e9) as i64;
    ns.max(1_000_000)
}

/// Writes the traffic to `out` and returns the tally of what was written.
pub fn generate<W: Write>(out: W, opts: &GenerateOptions) -> io::Result<Tally> {
    let mut rng = fastrand::Rng::with_seed(opts.seed);
    let mut w = Writer {
        out,
        buf: Vec::with_capacity(2 << 20),
        tally: Tally::default(),
        cached_sec: i64::MIN,
        cached_prefix: String::new(),
    };
    let n = opts.requests;
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let at = |f: f64| (n as f64 * f) as u64;
    let (storm_from, storm_to) = (at(STORM.0), at(STORM.1));
    let (outage_from, outage_to) = (at(OUTAGE.0), at(OUTAGE.1));
    let quota_from = at(QUOTA_AT);
    let rate = opts.rate.max(0.001);
    let mut t = opts.start;
    let mut next_heartbeat = t;
    let mut inc = Incidents {
        storm_keys: STORM_KEYS.iter().map(|s| (*s).to_owned()).collect(),
        outage_upstreams: UPSTREAMS.iter().map(|s| (*s).to_owned()).collect(),
        quota_key: QUOTA_KEY.into(),
        expired_key: EXPIRED_KEY.into(),
        ..Incidents::default()
    };

    // A service starting up: an event without a status.
    w.ts(t);
    w.buf.extend_from_slice(
        br#","level":"info","msg":"api started","version":"2026.11.3","region":"eu-west-1""#,
    );
    w.end_line()?;
    w.tally.lines += 1;
    w.tally.events += 1;

    for i in 0..n {
        let in_storm = (storm_from..storm_to).contains(&i);
        let in_outage = (outage_from..outage_to).contains(&i);
        t += gap(&mut rng, if in_storm { rate * 3.0 } else { rate });
        let sec = t.div_euclid(1_000_000_000);
        if i == storm_from {
            inc.storm_start = format_utc_secs(sec);
        }
        if i + 1 == storm_to {
            inc.storm_end = format_utc_secs(sec);
        }
        if i == outage_from {
            inc.outage_start = format_utc_secs(sec);
        }
        if i + 1 == outage_to {
            inc.outage_end = format_utc_secs(sec);
        }
        if i == quota_from {
            inc.quota_exhausted_at = format_utc_secs(sec);
        }
        while next_heartbeat <= t {
            w.ts(next_heartbeat);
            let _ = write!(w.buf, r#","level":"debug","msg":"heartbeat","inflight":{}"#, rng.u32(0..40));
            w.end_line()?;
            w.tally.lines += 1;
            w.tally.events += 1;
            next_heartbeat += HEARTBEAT_SECS * 1_000_000_000;
        }

        let id = request_id(&mut rng);
        let (method, base, with_id) = PATHS[rng.usize(..PATHS.len())];
        let storm_key = in_storm && rng.u32(0..100) < 65;
        let key = if storm_key {
            STORM_KEYS[rng.usize(..STORM_KEYS.len())].to_owned()
        } else {
            match rng.u32(0..1000) {
                0..=14 => QUOTA_KEY.to_owned(),
                15..=22 => EXPIRED_KEY.to_owned(),
                k => format!("key_{:04}", 100 + k % 60),
            }
        };
        let mut latency = 8.0 + rng.f64() * 120.0;

        // Decide the outcome: incidents first, then the everyday mix.
        let mut outcome: Option<(u16, Option<&'static str>, &str)> = None;
        let mut retry_after = None;
        let mut upstream = None;
        if storm_key && rng.u32(0..100) < 85 {
            outcome = Some((429, Some("rate_limit_exceeded"), "Too many requests per minute"));
            retry_after = Some(30);
            latency = 0.4 + rng.f64() * 2.0;
        } else if key == EXPIRED_KEY {
            outcome = Some((401, Some("api_key_expired"), "The API key has expired"));
        } else if key == QUOTA_KEY && i >= quota_from {
            outcome = Some((429, Some("quota_exceeded"), "Daily request quota exhausted"));
            retry_after = Some(3600);
        } else if in_outage && rng.u32(0..100) < 70 {
            let up = UPSTREAMS[rng.usize(..UPSTREAMS.len())];
            upstream = Some(up);
            if rng.bool() {
                outcome = Some((503, Some("service_unavailable"), "API is temporarily unavailable"));
                retry_after = Some(15);
                latency = 2.0 + rng.f64() * 50.0;
            } else {
                outcome = Some((504, Some("gateway_timeout"), "Upstream API timed out"));
                latency = 30_000.0 + rng.f64() * 20.0;
            }
        } else {
            let mut roll = rng.u32(0..1000);
            for (per_mille, status, code, msg) in EVERYDAY {
                if roll < per_mille {
                    outcome = Some((status, code, msg));
                    break;
                }
                roll -= per_mille;
            }
        }

        if let Some(up) = upstream {
            // The warning comes first, a little before the failed response.
            let warn_t = t - 1_000_000 * i64::from(rng.u32(1..400));
            w.ts(warn_t);
            let _ = write!(
                w.buf,
                r#","level":"warn","request_id":"{id}","msg":"upstream call failed","upstream":"{up}","elapsed_ms":{}"#,
                if latency > 1000.0 { 30000 } else { rng.u32(1..50) }
            );
            w.end_line()?;
            w.tally.lines += 1;
            w.tally.events += 1;
        }

        let status = outcome.map_or_else(|| if method == "POST" { 201 } else { 200 }, |o| o.0);
        w.ts(t);
        let level = match status {
            500.. => "error",
            400.. => "warn",
            _ => "info",
        };
        let _ = write!(w.buf, r#","level":"{level}","request_id":"{id}","method":"{method}","path":"{base}"#);
        if with_id {
            let _ = write!(w.buf, "{}", rng.u32(10_000..99_999));
        }
        let _ = write!(
            w.buf,
            r#"","status":{status},"latency_ms":{latency:.2},"api_key_id":"{key}","client_ip":"203.0.113.{}""#,
            if storm_key { 200 + u32::from(key.as_bytes()[7] - b'0') } else { rng.u32(1..180) }
        );
        if let Some(ra) = retry_after {
            let _ = write!(w.buf, r#","retry_after":{ra}"#);
        }
        if let Some((_, code, msg)) = outcome {
            w.buf.extend_from_slice(br#","error":{"#);
            if let Some(code) = code {
                let _ = write!(w.buf, r#""code":"{code}","#);
            }
            let _ = write!(w.buf, r#""message":"{msg}","request_id":"{id}"}}"#);
        }
        w.end_line()?;
        w.tally.request(t, status, outcome.and_then(|o| o.1));

        // Some internal errors dump a stack trace: plain-text, malformed lines.
        if status == 500 && rng.u32(0..3) == 0 {
            w.raw_line("panic: runtime error: invalid memory address or nil pointer dereference")?;
            w.raw_line("    at orders::handler::create (src/orders/handler.rs:212)")?;
            w.raw_line("    at api::router::dispatch (src/router.rs:88)")?;
        }
    }
    w.flush()?;
    w.out.flush()?;
    w.tally.incidents = inc;
    w.tally.finish();
    Ok(w.tally)
}
