//! The `--filter` language (`engine::filter::Filter`). The input's first
//! line is the filter; any further lines are log lines it is matched
//! against, after a fixed handful of realistic ones.
//!
//! * Parsing, matching and dropping never panic and never overflow the
//!   stack: all three run on a thread with 2 MiB of stack, what a spawned
//!   thread (the scan workers that match filters) gets by default (for
//!   inputs of 1 KiB or more; shorter ones cannot nest deep enough to matter).
//! * An error points at a column inside the filter (or just past its end).
//! * A filter that does not need every field (`needs_fields`) matches a
//!   line read for counting or for the live view exactly as it matches the
//!   fully read line: the summary reads with less on that promise.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wontopos_logs::engine::fields::{wontopos_map, FieldMap, Mapping};
use wontopos_logs::engine::filter::Filter;
use wontopos_logs::engine::record::{self, Need};

const STACK: usize = 2 << 20;
/// A filter this short nests at most a few hundred levels, far from what
/// 2 MiB holds, so it runs on the fuzzer's own thread: a thread per input
/// would cost more than the rest of the work.
const SHORT: usize = 1024;

const LINES: [&str; 8] = [
    r#"{"ts":"2026-11-24T13:47:23.104Z","level":"error","request_id":"req_M83X","method":"POST","path":"/v1/payments","status":504,"latency_ms":30012.5,"api_key_id":"key_0011","error":{"code":"gateway_timeout","message":"Upstream API timed out","request_id":"req_M83X"}}"#,
    r#"{"timestamp":"2026-11-24T13:00:30.250Z","requestId":"req_T2","status_code":"429","code":"rate_limit_exceeded","retry_after":30,"api_key_id":"key_0042","client_ip":"203.0.113.9"}"#,
    r#"{"ts":"2026-11-24T12:00:00.513Z","level":"info","request_id":"req_PF35","method":"GET","path":"/v1/orders/5","status":200,"latency_ms":49.86,"api_key_id":"key_0153"}"#,
    r#"{"ts":"2026-11-24T13:01:09Z","level":"warn","request_id":"req_M83X","msg":"upstream call failed","upstream":"billing-svc"}"#,
    r#"{"status":500,"code":"not_found","msg":"Timeout talking to DB \u001b[2J \u202e"}"#,
    r#"{"level":50,"time":1796130310000,"req":{"method":"POST","url":"/v1/pay?x=1"},"res":{"statusCode":502},"responseTime":30001}"#,
    "panic: runtime error: index out of range",
    "[1,2,3]",
];

fn pino() -> &'static FieldMap {
    static MAP: std::sync::OnceLock<FieldMap> = std::sync::OnceLock::new();
    MAP.get_or_init(|| {
        let mapping = Mapping::wontopos();
        FieldMap::compile(mapping.profile("pino-http").unwrap_or_else(|| mapping.default_profile()))
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (src, extra) = text.split_once('\n').unwrap_or((&text, ""));
    if data.len() < SHORT {
        return run(src, extra);
    }
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new().stack_size(STACK).spawn_scoped(scope, || run(src, extra));
        match worker {
            Ok(handle) => {
                // A panic on the worker has already aborted the process
                // (libFuzzer's panic hook); nothing is left to report.
                let _ = handle.join();
            }
            Err(_) => run(src, extra),
        }
    });
});

fn run(src: &str, extra: &str) {
    let filter = match Filter::parse(src) {
        Ok(f) => f,
        Err(e) => {
            let end = src.chars().count() + 1;
            assert!((1..=end).contains(&e.column), "column {} outside 1..={end} for {src:?}: {e}", e.column);
            let _ = e.to_string();
            return;
        }
    };
    for line in LINES.iter().map(|l| l.as_bytes()).chain(extra.lines().map(str::as_bytes)) {
        for map in [wontopos_map().as_ref(), pino()] {
            let Some(line) = record::trim_line(line) else { continue };
            let all = record::read(map, line, Need::All);
            let matched = filter.matches(&all, line);
            if !filter.needs_fields() {
                for need in [Need::Counts, Need::Insights] {
                    let less = record::read(map, line, need);
                    assert_eq!(
                        filter.matches(&less, line),
                        matched,
                        "{src:?} on {:?} read for {need:?}",
                        String::from_utf8_lossy(line)
                    );
                }
            }
        }
    }
    drop(filter);
}
