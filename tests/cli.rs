//! The headless commands, run as a user runs them, checked against counts
//! established independently: by hand for `tricky.log` (see
//! `sample-logs/README.md`), by the generator's own tally for `app.log`.

mod common;

use std::io::Write;

use common::{bin, comparable, json, sample};
use predicates::prelude::*;
use serde_json::{json, Value};

fn tricky() -> String {
    sample("tricky.log").display().to_string()
}

/// Established by reading `tricky.log` line by line (its README lists each
/// line's class).
fn tricky_expected() -> Value {
    let g = |code: Value,
             status: u16,
             count: u64,
             documented: bool,
             category: Value,
             first: Value,
             last: Value| {
        json!({"code": code, "status": status, "count": count, "documented": documented,
               "category": category, "first_seen": first, "last_seen": last})
    };
    let b = |start: &str, requests: u64, failures: u64, rl: u64, se: u64| json!({"start": start, "requests": requests, "failures": failures, "rate_limited": rl, "server_errors": se});
    json!({
        "lines": 34, "malformed": 10, "events": 24, "requests": 20, "failures": 15,
        "rate_limited": 3, "server_errors": 8, "untimed_requests": 2,
        "groups": [
            g(json!("service_unavailable"), 503, 3, true, json!("server"), json!("2026-11-24T13:01:05Z"), json!("2026-11-24T13:04:10Z")),
            g(json!("rate_limit_exceeded"), 429, 2, true, json!("rate limit"), json!("2026-11-24T13:00:30.250Z"), json!("2026-11-24T13:02:10.750Z")),
            g(json!(null), 500, 1, false, json!(null), json!("2026-11-24T13:01:30Z"), json!("2026-11-24T13:01:30Z")),
            g(json!(null), 502, 1, false, json!(null), json!(null), json!(null)),
            g(json!("api_key_expired"), 401, 1, true, json!("authentication"), json!("2026-11-24T13:04:40Z"), json!("2026-11-24T13:04:40Z")),
            g(json!("gateway_timeout"), 504, 1, true, json!("server"), json!("2026-11-24T13:01:10.500Z"), json!("2026-11-24T13:01:10.500Z")),
            g(json!("internal_error"), 500, 1, true, json!("server"), json!("2026-11-24T13:04:00Z"), json!("2026-11-24T13:04:00Z")),
            g(json!("invalid_parameter"), 400, 1, true, json!("request"), json!("2026-11-24T13:03:30Z"), json!("2026-11-24T13:03:30Z")),
            g(json!("not_found"), 404, 1, true, json!("request"), json!("2026-11-24T13:02:00.123456Z"), json!("2026-11-24T13:02:00.123456Z")),
            g(json!("not_found"), 500, 1, false, json!("request"), json!("2026-11-24T13:02:30Z"), json!("2026-11-24T13:02:30Z")),
            g(json!("quota_exceeded"), 429, 1, true, json!("rate limit"), json!("2026-11-24T13:05:00Z"), json!("2026-11-24T13:05:00Z")),
            g(json!("teapot_error"), 418, 1, false, json!(null), json!("2026-11-24T13:02:20Z"), json!("2026-11-24T13:02:20Z")),
        ],
        "buckets": [
            b("2026-11-24T13:00:00Z", 2, 1, 1, 0),
            b("2026-11-24T13:01:00Z", 3, 3, 0, 3),
            b("2026-11-24T13:02:00Z", 4, 4, 1, 1),
            b("2026-11-24T13:03:00Z", 2, 2, 0, 1),
            b("2026-11-24T13:04:00Z", 6, 3, 0, 2),
            b("2026-11-24T13:05:00Z", 1, 1, 1, 0),
        ]
    })
}

/// The contract's keys only (extra keys are allowed in the output).
fn without_extra_keys(mut v: Value) -> Value {
    let o = v.as_object_mut().expect("object");
    for extra in ["bucket_seconds", "spikes", "recognized", "sources"] {
        assert!(o.remove(extra).is_some(), "{extra} present");
    }
    v
}

#[test]
fn tricky_summary_matches_hand_count() {
    let got = without_extra_keys(json(&["summary", "--json", &tricky()]));
    assert_eq!(got, tricky_expected());
}

#[test]
fn tricky_summary_same_on_one_or_many_threads() {
    for threads in ["1", "2", "5"] {
        let got = without_extra_keys(json(&["summary", "--json", "--threads", threads, &tricky()]));
        assert_eq!(got, tricky_expected(), "threads {threads}");
    }
}

#[test]
fn app_log_matches_generator_tally() {
    let tally: Value =
        serde_json::from_slice(&std::fs::read(sample("app.tally.json")).expect("tally shipped"))
            .expect("json");
    let got = json(&["summary", "--json", &sample("app.log").display().to_string()]);
    assert_eq!(comparable(&got), comparable(&tally));
}

#[test]
fn fresh_generated_log_matches_its_tally_at_any_thread_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("big.log");
    let tally_path = dir.path().join("tally.json");
    // Big enough (~20 MB) that the file is split across threads.
    bin()
        .args([
            "generate",
            log.to_str().expect("utf-8 path"),
            "--requests",
            "80000",
            "--seed",
            "991",
            "--rate",
            "40",
        ])
        .args(["--tally", tally_path.to_str().expect("utf-8 path")])
        .assert()
        .success();
    let tally: Value = serde_json::from_slice(&std::fs::read(&tally_path).expect("tally")).expect("json");
    assert!(tally["bytes"].as_u64().expect("bytes") > 16 << 20);
    let want = comparable(&tally);
    for threads in ["1", "2", "3"] {
        let got = json(&["summary", "--json", "--threads", threads, log.to_str().expect("utf-8 path")]);
        assert_eq!(comparable(&got), want, "threads {threads}");
    }
}

#[test]
fn several_files_are_counted_together() {
    let one = json(&["summary", "--json", &tricky()]);
    let two = json(&["summary", "--json", &tricky(), &tricky()]);
    for k in ["lines", "malformed", "events", "requests", "failures", "rate_limited", "server_errors"] {
        assert_eq!(two[k].as_u64(), one[k].as_u64().map(|n| n * 2), "{k}");
    }
    assert_eq!(two["groups"][0]["count"], 6);
    assert_eq!(two["buckets"][1]["server_errors"], 6);
}

#[test]
fn bucket_size_changes_alignment() {
    let got = json(&["summary", "--json", "--bucket", "5m", &tricky()]);
    let buckets = got["buckets"].as_array().expect("buckets");
    assert_eq!(buckets.len(), 2);
    assert_eq!(
        buckets[0],
        json!({"start": "2026-11-24T13:00:00Z", "requests": 17, "failures": 13, "rate_limited": 2, "server_errors": 7})
    );
    assert_eq!(buckets[1]["start"], "2026-11-24T13:05:00Z");
    let hourly = json(&["summary", "--json", "--bucket", "1h", &tricky()]);
    assert_eq!(hourly["buckets"][0]["requests"], 18);
}

#[test]
fn gzip_and_stdin_read_the_same_as_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gz = dir.path().join("tricky.log.1.gz");
    let raw = std::fs::read(sample("tricky.log")).expect("read");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).expect("create"),
        flate2::Compression::fast(),
    );
    enc.write_all(&raw).expect("write");
    enc.finish().expect("finish");
    let got = without_extra_keys(json(&["summary", "--json", gz.to_str().expect("utf-8 path")]));
    assert_eq!(got, tricky_expected());

    let out = bin().args(["summary", "--json", "-"]).write_stdin(raw).output().expect("run");
    assert!(out.status.success());
    let got = without_extra_keys(serde_json::from_slice(&out.stdout).expect("json"));
    assert_eq!(got, tricky_expected());
}

#[test]
fn huge_lines_count_and_oversized_lines_are_malformed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("huge.log");
    let mut f = std::fs::File::create(&path).expect("create");
    let big = "x".repeat(5 << 20);
    writeln!(
        f,
        r#"{{"ts":"2026-11-24T13:00:00Z","status":503,"code":"service_unavailable","blob":"{big}"}}"#
    )
    .expect("write");
    let oversized = "y".repeat(17 << 20);
    writeln!(f, r#"{{"ts":"2026-11-24T13:00:01Z","status":500,"blob":"{oversized}"}}"#).expect("write");
    writeln!(f, r#"{{"ts":"2026-11-24T13:00:02Z","status":200}}"#).expect("write");
    drop(f);
    let got = json(&["summary", "--json", path.to_str().expect("utf-8 path")]);
    assert_eq!((got["lines"].as_u64(), got["malformed"].as_u64()), (Some(3), Some(1)));
    assert_eq!((got["requests"].as_u64(), got["server_errors"].as_u64()), (Some(2), Some(1)));
}

#[test]
fn show_gathers_every_line_of_a_request() {
    let got = json(&["show", "req_TRICKY04", "--json", &tricky()]);
    assert_eq!(got["request_id"], "req_TRICKY04");
    let entries = got["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["line"], 7);
    assert_eq!(entries[0]["file"], tricky());
    assert_eq!(entries[0]["record"]["@timestamp"], 1_795_525_270_500_u64);
    assert_eq!(entries[1]["line"], 8);
    assert_eq!(entries[1]["record"]["upstream"], "billing-svc");
    assert_eq!(
        got["failure"],
        json!({"code": "gateway_timeout", "status": 504, "documented": true,
               "description": "Upstream API timed out", "resolution": "Retry or check status page"})
    );
}

#[test]
fn show_handles_aliases_crlf_and_lossy_lines() {
    let crlf = json(&["show", "req_TRICKY02", "--json", &tricky()]);
    assert_eq!(crlf["entries"][0]["line"], 5);
    assert_eq!(crlf["entries"][0]["record"]["status_code"], "429");
    assert_eq!(crlf["failure"]["resolution"], "Wait for Retry-After seconds");

    let lossy = json(&["show", "req_TRICKY12", "--json", &tricky()]);
    assert_eq!(lossy["entries"][0]["record"]["user_agent"], "curl\u{fffd}\u{fffd}/8.0");

    let wrong_status = json(&["show", "req_TRICKY09", "--json", &tricky()]);
    assert_eq!(wrong_status["failure"]["documented"], false);
    assert_eq!(wrong_status["failure"]["code"], "not_found");

    let no_code = json(&["show", "req_TRICKY05", "--json", &tricky()]);
    assert_eq!(
        no_code["failure"],
        json!({"code": null, "status": 500, "documented": false, "description": null, "resolution": null})
    );

    let success = json(&["show", "req_TRICKY01", "--json", &tricky()]);
    assert_eq!(success["failure"], Value::Null);
    assert_eq!(success["entries"][0]["line"], 1);
}

#[test]
fn show_searches_several_files_in_order() {
    let got = json(&["show", "req_TRICKY17", "--json", &tricky(), &tricky()]);
    let lines: Vec<_> =
        got["entries"].as_array().expect("entries").iter().map(|e| e["line"].clone()).collect();
    assert_eq!(lines, vec![json!(37), json!(37)]);
}

#[test]
fn show_text_has_the_resolution_and_no_raw_escapes() {
    let out = bin().args(["show", "req_TRICKY13", &tricky()]).output().expect("run");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("Check parameter types and values"));
    assert!(!text.contains('\u{1b}') && !text.contains('\u{9b}') && !text.contains('\u{202e}'), "{text}");
    assert!(text.contains("<U+202E>"));
}

#[test]
fn show_json_escapes_terminal_controls() {
    let out = bin().args(["show", "req_TRICKY13", "--json", &tricky()]).output().expect("run");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(!text.contains('\u{9b}') && !text.contains('\u{202e}'));
    let v: Value = serde_json::from_str(&text).expect("still valid JSON");
    assert!(v["entries"][0]["record"]["path"].as_str().expect("path").contains('\u{202e}'));
}

#[test]
fn show_unknown_id_exits_1_with_a_message() {
    bin()
        .args(["show", "req_NOPE", &tricky()])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("req_NOPE not found"));
}

#[test]
fn codes_json_is_the_catalog() {
    let got = json(&["codes", "--json"]);
    let list = got.as_array().expect("list");
    assert_eq!(list.len(), 16);
    assert_eq!(
        list[11],
        json!({"code": "rate_limit_exceeded", "status": 429, "category": "rate limit",
               "description": "Too many requests per minute", "resolution": "Wait for Retry-After seconds"})
    );
    bin().arg("codes").assert().success().stdout(predicate::str::contains("gateway_timeout"));
}

#[test]
fn text_summary_marks_undocumented_and_has_no_colors_off_a_terminal() {
    let out = bin().args(["summary", &tricky()]).output().expect("run");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("UNDOC") && text.contains("teapot_error"), "{text}");
    assert!(!text.contains('\u{1b}'));
}

fn one_line_error(args: &[&str], needle: &str) {
    let out = bin().args(args).output().expect("run");
    assert!(!out.status.success(), "{args:?} should fail");
    let err = String::from_utf8(out.stderr).expect("utf-8");
    assert!(err.contains(needle), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.trim_end().lines().count() <= 3, "{err}");
}

#[test]
fn bad_input_gets_one_clear_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("utf-8 path").to_owned();
    let missing = format!("{d}/missing.log");
    one_line_error(&["summary", &missing], "missing.log: no such file");
    one_line_error(&["summary", &d], "is a directory");
    let empty = format!("{d}/empty.log");
    std::fs::write(&empty, "").expect("write");
    one_line_error(&["summary", &empty], "empty.log: file is empty");
    one_line_error(&["show", "req_X", &missing], "no such file");
    one_line_error(&["summary", "--bucket", "5x", &tricky()], "not a unit");
    one_line_error(&["summary", "--bucket", "0m", &tricky()], "positive");
    one_line_error(&["summary", "--bucket", "soon", &tricky()], "not a duration");
    // The second file is checked before the first is read.
    one_line_error(&["summary", &tricky(), &missing], "no such file");
}

#[test]
fn unreadable_file_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("secret.log");
    std::fs::write(&path, "{}\n").expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::File::open(&path).is_ok() {
        eprintln!("skipped: running as root, file permissions are not enforced");
        return;
    }
    one_line_error(&["summary", path.to_str().expect("utf-8 path")], "permission denied");
}

#[test]
fn lines_starts_with_the_last_n_lines() {
    let got = json(&["summary", "--json", "--lines", "5", &tricky()]);
    assert_eq!(
        (
            got["lines"].as_u64(),
            got["malformed"].as_u64(),
            got["requests"].as_u64(),
            got["failures"].as_u64()
        ),
        (Some(5), Some(1), Some(4), Some(2))
    );
    let gz_like_stream = bin()
        .args(["summary", "--json", "--lines", "5", "-"])
        .write_stdin(std::fs::read(sample("tricky.log")).expect("read"))
        .output()
        .expect("run");
    let v: Value = serde_json::from_slice(&gz_like_stream.stdout).expect("json");
    assert_eq!(v["requests"], 4);
}

#[test]
fn since_and_until_leave_out_events_outside_the_window() {
    let got = json(&["summary", "--json", "--since", "2026-11-24T13:04:00Z", &tricky()]);
    // Malformed and untimed lines cannot be placed in time and are kept.
    assert_eq!(got["lines"], 19);
    assert_eq!(got["malformed"], 10);
    assert_eq!(got["requests"], 9);
    assert_eq!(got["failures"], 5);
    assert_eq!(got["untimed_requests"], 2);
    let got = json(&["summary", "--json", "--until", "2026-11-24T13:01:00Z", &tricky()]);
    assert_eq!(got["requests"], 4);
    let relative = json(&["summary", "--json", "--since", "30m", &tricky()]);
    assert_eq!(relative["requests"], 2, "only the untimed requests are recent enough");
    one_line_error(&["summary", "--since", "last tuesday", &tricky()], "--since");
}

/// Issue 13, item 11: a window that leaves events out says how many, on
/// which side, and where the log's times lie, instead of a bare "No failures".
#[test]
fn a_window_says_what_it_left_out() {
    let got = json(&["summary", "--json", "--since", "2026-11-24T13:04:00Z", &tricky()]);
    let out = &got["left_out"];
    assert_eq!(out["before"], 15, "{out}");
    assert_eq!(out["after"], 0, "{out}");
    assert_eq!(out["since"], "2026-11-24T13:04:00Z");
    assert_eq!(out["earliest"], "2026-11-24T13:00:05Z", "{out}");
    let text = bin().args(["summary", "--since", "30m", &tricky()]).output().expect("run");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("events left out by the window"), "{text}");
    assert!(text.contains("2026-11-24T13:00:05Z"), "the log's times are named: {text}");
    let unwindowed = json(&["summary", "--json", &tricky()]);
    assert!(unwindowed.get("left_out").is_none());
}

#[test]
fn filter_narrows_every_count() {
    let got = json(&["summary", "--json", "--filter", "status>=500", &tricky()]);
    // Nine lines: the eight 5xx requests and the event with status 600.
    assert_eq!(
        (got["lines"].as_u64(), got["requests"].as_u64(), got["failures"].as_u64()),
        (Some(9), Some(8), Some(8))
    );
    assert_eq!(got["server_errors"], 8);
    let got = json(&[
        "summary",
        "--json",
        "--filter",
        "code=rate_limit_exceeded or code=quota_exceeded",
        &tricky(),
    ]);
    assert_eq!(got["rate_limited"], 3);
    assert_eq!(got["requests"], 3);
    let got = json(&["summary", "--json", "--filter", "undocumented", &tricky()]);
    assert_eq!(got["failures"], 4);
    // Words match anywhere, malformed lines included.
    let got = json(&["summary", "--json", "--filter", "panic", &tricky()]);
    assert_eq!((got["lines"].as_u64(), got["malformed"].as_u64()), (Some(1), Some(1)));
    let got = json(&["summary", "--json", "--filter", "key=key_0042 and not status=200", &tricky()]);
    assert_eq!(got["requests"], 1);
    one_line_error(&["summary", "--filter", "status>=abc", &tricky()], "column 9");
    one_line_error(&["summary", "--filter", "(status=500", &tricky()], "column 1");
}

#[test]
fn show_filters_entries_and_times() {
    let got = json(&["show", "req_TRICKY04", "--json", "--filter", "status=504", &tricky()]);
    assert_eq!(got["entries"].as_array().map(Vec::len), Some(1));
    assert_eq!(got["entries"][0]["line"], 7);
    let got = json(&["show", "req_TRICKY04", "--json", "--until", "2026-11-24T13:01:10Z", &tricky()]);
    assert_eq!(got["entries"][0]["line"], 8);
    bin().args(["show", "req_TRICKY04", "--since", "2026-11-25T00:00:00Z", &tricky()]).assert().code(1);
}

/// Issue 12, item 10: times outside the i64 nanosecond range (before
/// 1677-09-21, after 2262-04-11) are untimed, never a panic or a wrong bucket.
#[test]
fn timestamps_outside_the_nanosecond_range_are_untimed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("far.log");
    std::fs::write(
        &log,
        concat!(
            r#"{"ts":"2262-04-12T00:00:00Z","status":503}"#,
            "\n",
            r#"{"ts":"1677-09-20T00:00:00Z","status":503}"#,
            "\n",
            r#"{"ts":"9999-12-31T23:59:59.999Z","status":429}"#,
            "\n",
            r#"{"ts":"2262-04-11T23:47:16.854775807Z","status":500}"#,
            "\n",
            r#"{"ts":99999999999999999,"status":502}"#,
            "\n",
            r#"{"ts":"2026-11-24T13:00:00Z","status":200}"#,
            "\n"
        ),
    )
    .expect("write");
    // The contract's own reading (a lenient profile would read the last
    // number as microseconds).
    let got = json(&["summary", "--json", "--profile", "wontopos", log.to_str().expect("path")]);
    assert_eq!(got["requests"], 6);
    assert_eq!(got["failures"], 5);
    // The last moment i64 nanoseconds hold is a time; the rest are not.
    assert_eq!(got["untimed_requests"], 4, "{got}");
}

/// Issue 12, item 16: `show` finds ids the log wrote with JSON escapes
/// (PHP escapes slashes by default; any character may be `\uXXXX`).
#[test]
fn show_finds_ids_written_with_json_escapes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("escaped.log");
    std::fs::write(
        &log,
        concat!(
            r#"{"ts":"2026-11-24T13:00:00Z","request_id":"req_a\/2","status":503,"code":"service_unavailable"}"#,
            "\n",
            r#"{"ts":"2026-11-24T13:00:01Z","request_id":"req_\u0041BC","status":500}"#,
            "\n",
            r#"{"ts":"2026-11-24T13:00:02Z","request_id":"req_a/2","msg":"retried"}"#,
            "\n"
        ),
    )
    .expect("write");
    let log = log.to_str().expect("path");
    let got = json(&["show", "req_a/2", "--json", log]);
    assert_eq!(got["entries"].as_array().expect("entries").len(), 2, "{got}");
    let got = json(&["show", "req_ABC", "--json", log]);
    assert_eq!(got["entries"].as_array().expect("entries").len(), 1, "{got}");
    assert_eq!(got["entries"][0]["line"], 2);
}

/// Issue 12, item 5 (batch half): `summary` reads a named pipe once,
/// without first opening and closing it (which hung, the writer getting
/// EPIPE).
#[cfg(unix)]
#[test]
fn summary_reads_a_named_pipe() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("p.fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).expect("open for writing");
            for i in 0..1000 {
                writeln!(
                    f,
                    r#"{{"ts":"2026-11-24T13:00:00Z","status":{}}}"#,
                    if i % 10 == 0 { 503 } else { 200 }
                )
                .expect("write");
            }
        })
    };
    let out = common::bin()
        .args(["summary", "--json", fifo.to_str().expect("path")])
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .expect("run");
    writer.join().expect("the writer finished without EPIPE");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!((got["requests"].clone(), got["server_errors"].clone()), (1000.into(), 100.into()));
}

/// Issue 13, item 16: `generate -` writes to stdout, not to a file named `-`.
#[test]
fn generate_to_stdout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out =
        bin().current_dir(dir.path()).args(["generate", "-", "--requests", "20"]).output().expect("run");
    assert!(out.status.success());
    assert!(!dir.path().join("-").exists(), "no file named -");
    let lines = String::from_utf8_lossy(&out.stdout).lines().filter(|l| l.contains("\"status\"")).count();
    assert_eq!(lines, 20);
}

/// Issue 13, item 16: one code is looked up; an unknown one is a clear error.
#[test]
fn codes_looks_up_one_code() {
    let out = bin().args(["codes", "not_found"]).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("not_found") && text.contains("404"), "{text}");
    assert!(!text.contains("rate_limit_exceeded"), "only the one code: {text}");
    let one = json(&["codes", "--json", "rate_limit_exceeded"]);
    assert_eq!(one["status"], 429, "{one}");
    one_line_error(&["codes", "no_such_code"], "no_such_code");
}

/// Issue 13, item 16: a date alone is a time (its midnight, UTC), and a bad
/// --since exits 2 like a bad --bucket.
#[test]
fn since_takes_a_date_and_bad_values_exit_like_other_bad_flags() {
    let got = json(&["summary", "--json", "--since", "2026-11-25", &tricky()]);
    assert_eq!(got["requests"], 2, "only the untimed requests: {got}");
    let all = json(&["summary", "--json", "--since", "2026-11-24", &tricky()]);
    assert_eq!(all["requests"], 20);
    let bad_since = bin().args(["summary", "--since", "zz", &tricky()]).output().expect("run");
    let bad_bucket = bin().args(["summary", "--bucket", "7q", &tricky()]).output().expect("run");
    assert_eq!(bad_since.status.code(), bad_bucket.status.code());
}
