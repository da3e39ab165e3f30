//! Helpers shared by the integration tests: the real binary, the shipped
//! samples, and JSON answers.
#![allow(dead_code)]

pub mod follow;
pub mod tmux;

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

pub fn bin() -> Command {
    Command::cargo_bin("wontopos-logs").expect("binary built by cargo")
}

pub fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-logs").join(name)
}

/// Runs the binary and parses its stdout as JSON, failing with stderr shown.
pub fn json(args: &[&str]) -> Value {
    let out = bin().args(args).output().expect("run binary");
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// The parts of a summary the generator's tally also has.
pub fn comparable(summary: &Value) -> Value {
    let mut v = serde_json::Map::new();
    for k in [
        "lines",
        "malformed",
        "events",
        "requests",
        "failures",
        "rate_limited",
        "server_errors",
        "untimed_requests",
    ] {
        v.insert(k.into(), summary[k].clone());
    }
    let groups: Vec<Value> = summary["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| serde_json::json!({"code": g["code"], "status": g["status"], "count": g["count"]}))
        .collect();
    v.insert("groups".into(), Value::Array(groups));
    let buckets: Vec<Value> = summary["buckets"]
        .as_array()
        .expect("buckets")
        .iter()
        .map(|b| {
            serde_json::json!({"start": b["start"], "requests": b["requests"], "failures": b["failures"],
                "rate_limited": b["rate_limited"], "server_errors": b["server_errors"]})
        })
        .collect();
    v.insert("buckets".into(), Value::Array(buckets));
    Value::Object(v)
}
