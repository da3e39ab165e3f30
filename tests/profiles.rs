//! Each built-in profile on a fixture written from its source's own
//! documentation or encoder, checked against counts and fields worked out
//! by hand (`tests/fixtures/profiles/NAME.expect.json`): read with no flag,
//! the file must be detected as its profile, counted exactly, and every
//! field of every event read as the source meant it.

mod common;

use std::path::{Path, PathBuf};

use common::{bin, json};
use serde_json::Value;
use wontopos_logs::engine::detect::profile_sources;
use wontopos_logs::engine::fields::Mapping;
use wontopos_logs::engine::input::Source;
use wontopos_logs::engine::record::{self, Parsed, Record};
use wontopos_logs::engine::unwrap;

fn fixtures() -> Vec<(String, PathBuf, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/profiles");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        let Some(name) =
            path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".expect.json"))
        else {
            continue;
        };
        let expect: Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("expect is JSON");
        out.push((name.to_owned(), dir.join(format!("{name}.jsonl")), expect));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 16, "a fixture per built-in profile");
    out
}

#[test]
fn every_fixture_is_detected_and_counted_exactly() {
    for (name, log, expect) in fixtures() {
        let got = json(&["summary", "--json", log.to_str().expect("path")]);
        assert_eq!(got["sources"][0]["profile"], expect["profile"], "{name}: profile");
        assert_eq!(got["sources"][0]["how"], "detected", "{name}");
        for k in ["requests", "failures", "rate_limited", "server_errors"] {
            assert_eq!(got[k], expect[k], "{name}: {k}");
        }
        let timed = expect["events"].as_array().expect("events").iter().filter(|e| !e["status"].is_null());
        let untimed = timed.filter(|e| e["time"].is_null()).count();
        assert_eq!(got["untimed_requests"], untimed, "{name}: untimed requests");
    }
}

/// The events of a fixture, one per record (a batch line holds several).
fn events(log: &Path) -> Vec<Vec<u8>> {
    let text = std::fs::read(log).expect("read");
    let mut out = Vec::new();
    for raw in text.split(|&b| b == b'\n') {
        let Some(line) = record::trim_line(raw) else { continue };
        let line = unwrap::strip_prefix(line);
        match unwrap::otlp_events(line) {
            Some(events) => out.extend(events),
            None => out.push(line.to_vec()),
        }
    }
    out
}

fn ms_time(r: &Record<'_>) -> Value {
    r.ts.map_or(Value::Null, |ns| {
        let t = chrono::DateTime::<chrono::Utc>::from_timestamp_nanos(ns.div_euclid(1_000_000) * 1_000_000);
        Value::from(t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
    })
}

fn text(v: Option<&str>) -> Value {
    v.map_or(Value::Null, Value::from)
}

#[test]
fn every_field_of_every_event_is_read_as_the_source_means_it() {
    let mapping = Mapping::wontopos();
    let mut failures = Vec::new();
    for (name, log, expect) in fixtures() {
        let profiled = profile_sources(&mapping, &[Source::File(log.clone())], false).expect("profile");
        let fields = &profiled[0].fields;
        let want = expect["events"].as_array().expect("events");
        let got = events(&log);
        assert_eq!(got.len(), want.len(), "{name}: events");
        for (i, (line, want)) in got.iter().zip(want).enumerate() {
            let Parsed::Event(r) = record::parse_line(fields, line) else {
                failures.push(format!("{name} event {}: malformed", i + 1));
                continue;
            };
            let have = [
                ("status", r.status.map_or(Value::Null, Value::from)),
                ("time", ms_time(&r)),
                ("method", text(r.method.as_deref())),
                ("path", text(r.path.as_deref())),
                ("request_id", text(r.request_id.as_deref())),
                ("client_ip", text(r.client_ip.as_deref())),
                ("api_key", text(r.api_key_id.as_deref())),
                ("retry_after", r.retry_after.map_or(Value::Null, Value::from)),
                ("code", text(r.code.as_deref())),
            ];
            for (field, value) in have {
                if want.get(field).is_some_and(|w| *w != value) {
                    failures.push(format!(
                        "{name} event {}: {field} is {value}, expected {}",
                        i + 1,
                        want[field]
                    ));
                }
            }
            let latency = want["latency_ms"].as_f64();
            let close = match (latency, r.latency_ms) {
                (Some(a), Some(b)) => (a - b).abs() <= 1e-6 * a.abs().max(1.0),
                (None, None) => true,
                _ => false,
            };
            if !close {
                failures.push(format!(
                    "{name} event {}: latency_ms is {:?}, expected {latency:?}",
                    i + 1,
                    r.latency_ms
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn a_forced_profile_reads_without_detecting() {
    let log = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/profiles/pino-http.jsonl");
    let got = json(&["summary", "--json", "--profile", "wontopos", log.to_str().expect("path")]);
    assert_eq!(got["sources"][0]["profile"], "wontopos");
    assert_eq!(got["sources"][0]["how"], "forced");
    let out =
        bin().args(["summary", "--profile", "nope", log.to_str().expect("path")]).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("'nope' is no profile") && err.contains("pino-http"), "{err}");
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/profiles").join(name).display().to_string()
}

/// The pino-http log that once read as "No failures.": forced to the wrong
/// profile, every output says that no status was read and how to read it.
#[test]
fn a_log_read_without_statuses_is_never_silent() {
    let log = fixture("pino-http.jsonl");
    let hint = "0 of 10 events had a status; read as wontopos, seen: res.statusCode (8): try --profile pino-http or --field status=res.statusCode";
    let out = bin().args(["summary", "--profile", "wontopos", &log]).output().expect("run");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(stderr.contains(hint), "{stderr}");
    assert!(stdout.contains("No requests recognised") && !stdout.contains("No failures."), "{stdout}");
    let out = bin().args(["summary", "--markdown", "--profile", "wontopos", &log]).output().expect("run");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains(&format!("> **Warning:** {hint}")), "{report}");
    assert!(report.contains("No requests recognised") && !report.contains("No failures."), "{report}");
    let out = bin().args(["summary", "--json", "--profile", "wontopos", &log]).output().expect("run");
    assert!(String::from_utf8_lossy(&out.stderr).contains(hint));
    let got: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(got["recognized"]["events"], 10);
    assert_eq!(got["recognized"]["status"], 0);
    // Read as detected, nothing to warn about.
    let out = bin().args(["summary", &log]).output().expect("run");
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn recognized_counts_every_event_that_carried_a_field() {
    let got = json(&["summary", "--json", &fixture("kong.jsonl")]);
    let r = &got["recognized"];
    assert_eq!((r["events"].clone(), r["status"].clone(), r["time"].clone()), (8.into(), 8.into(), 8.into()));
    let of = |k: &str| r["sample"][k].as_u64();
    assert_eq!(of("events"), Some(8));
    assert_eq!(of("path"), Some(8));
    assert_eq!(of("api_key"), Some(6));
}

#[test]
fn field_flags_and_files_map_what_no_profile_knows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("odd.log");
    std::fs::write(
        &log,
        concat!(
            r#"{"when":"2026-12-01T13:05:10Z","http":{"code":"503 Service Unavailable"},"took":"0.25s","who":"k1"}"#,
            "\n",
            r#"{"when":"2026-12-01T13:05:11Z","http":{"code":200},"took":"12ms","who":"k2"}"#,
            "\n"
        ),
    )
    .expect("write");
    let log = log.display().to_string();
    let got = json(&["summary", "--json", "--field", "status=http.code", "--field", "time=when", &log]);
    assert_eq!((got["requests"].clone(), got["server_errors"].clone()), (2.into(), 1.into()));
    assert_eq!(got["untimed_requests"], 0);
    let fields = dir.path().join("fields.toml");
    std::fs::write(
        &fields,
        "[profiles.odd]\nstatus = [\"http.code\"]\ntime = [\"when\"]\napi_key = [\"who\"]\n",
    )
    .expect("write");
    let got = json(&["summary", "--json", "--fields", fields.to_str().expect("path"), &log]);
    assert_eq!(got["sources"][0]["profile"], "odd");
    assert_eq!(got["requests"], 2);
    // The XDG default file is read when no --fields is given.
    let config = dir.path().join("config");
    std::fs::create_dir_all(config.join("wontopos-logs")).expect("mkdir");
    std::fs::copy(&fields, config.join("wontopos-logs/fields.toml")).expect("copy");
    let out = bin().env("XDG_CONFIG_HOME", &config).args(["summary", "--json", &log]).output().expect("run");
    let got: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(got["sources"][0]["profile"], "odd");
    // A bad mapping names the file, the line and the key, and exits 1.
    std::fs::write(&fields, "[profiles.odd]\nstatus = [\"http.code\"]\nstatsu = [\"x\"]\n").expect("write");
    let out =
        bin().args(["summary", "--fields", fields.to_str().expect("path"), &log]).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("fields.toml:3") && err.contains("'statsu' is not a field"), "{err}");
    // A bad flag is refused by the argument parser (exit 2), saying why.
    let out = bin().args(["summary", "--field", "status", &log]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NAME=PATH"));
}

#[test]
fn files_of_different_shapes_read_together() {
    let (kong, pino) = (fixture("kong.jsonl"), fixture("pino-http.jsonl"));
    let got = json(&["summary", "--json", &kong, &pino]);
    assert_eq!(got["sources"][0]["profile"], "kong");
    assert_eq!(got["sources"][1]["profile"], "pino-http");
    assert_eq!(got["requests"], 16);
    assert_eq!(got["failures"], 9);
}

#[test]
fn docker_compose_prefixes_are_read_through() {
    let dir = tempfile::tempdir().expect("tempdir");
    let raw = std::fs::read_to_string(fixture("pino-http.jsonl")).expect("read");
    let prefixed: String = raw.lines().map(|l| format!("api-1  | {l}\n")).collect();
    let log = dir.path().join("compose.log");
    std::fs::write(&log, prefixed).expect("write");
    let got = json(&["summary", "--json", log.to_str().expect("path")]);
    assert_eq!(got["sources"][0]["profile"], "pino-http");
    assert_eq!((got["requests"].clone(), got["malformed"].clone()), (8.into(), 0.into()));
}

/// The generator's Kong shape carries the same traffic: read through the
/// nested kong profile it counts what the default shape counts.
#[test]
fn generated_kong_traffic_counts_like_the_default_shape() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (plain, kong) = (dir.path().join("plain.log"), dir.path().join("kong.log"));
    for (path, shape) in [(&plain, "wontopos"), (&kong, "kong")] {
        let out = bin()
            .args([
                "generate",
                path.to_str().expect("path"),
                "--requests",
                "3000",
                "--seed",
                "5",
                "--shape",
                shape,
            ])
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let a = json(&["summary", "--json", plain.to_str().expect("path")]);
    let b = json(&["summary", "--json", kong.to_str().expect("path")]);
    assert_eq!(b["sources"][0]["profile"], "kong");
    for k in
        ["lines", "malformed", "requests", "failures", "rate_limited", "server_errors", "untimed_requests"]
    {
        assert_eq!(a[k], b[k], "{k}");
    }
    assert_eq!(a["buckets"], b["buckets"]);
}

/// Stdin is sampled from what it sent first, then read whole.
#[test]
fn stdin_is_detected_from_its_first_lines() {
    let raw = std::fs::read(fixture("envoy.jsonl")).expect("read");
    let out = bin().args(["summary", "--json", "-"]).write_stdin(raw).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let expect: Value =
        serde_json::from_slice(&std::fs::read(fixture("envoy.expect.json")).expect("read")).expect("JSON");
    assert_eq!(got["sources"][0]["profile"], "envoy");
    assert_eq!(got["requests"], expect["requests"]);
    assert_eq!(got["failures"], expect["failures"]);
}

/// `profiles --toml` prints what `--fields` reads back: the same counts.
#[test]
fn the_printed_profiles_read_back_the_same() {
    let out = bin().args(["profiles", "--toml"]).output().expect("run");
    assert!(out.status.success());
    let dir = tempfile::tempdir().expect("tempdir");
    let toml = dir.path().join("all.toml");
    std::fs::write(&toml, &out.stdout).expect("write");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("[profiles.wontopos]\nabout = ") && text.contains("values = \"contract\""),
        "{text}"
    );
    let tricky = common::sample("tricky.log").display().to_string();
    for log in [tricky, fixture("kong.jsonl"), fixture("otlp.jsonl")] {
        let a = json(&["summary", "--json", &log]);
        let b = json(&["summary", "--json", "--fields", toml.to_str().expect("path"), &log]);
        assert_eq!(a["sources"][0]["profile"], b["sources"][0]["profile"], "{log}");
        for k in ["requests", "failures", "untimed_requests", "groups"] {
            assert_eq!(a[k], b[k], "{log}: {k}");
        }
    }
}
