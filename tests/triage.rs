//! Triage answers on generated incidents whose answers the generator knows:
//! which keys caused the storm, when the outage began, which keys ignored
//! Retry-After, and a report that carries every documented resolution.

mod common;

use common::{bin, json};
use serde_json::Value;
use wontopos_logs::engine::catalog;

struct Generated {
    _dir: tempfile::TempDir,
    log: String,
    tally: Value,
}

fn generate(seed: &str, requests: &str, rate: &str) -> Generated {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("incident.log").display().to_string();
    let tally = dir.path().join("tally.json");
    bin()
        .args(["generate", &log, "--requests", requests, "--seed", seed, "--rate", rate])
        .args(["--tally", tally.to_str().expect("utf-8 path")])
        .assert()
        .success();
    let tally = serde_json::from_slice(&std::fs::read(&tally).expect("tally")).expect("json");
    Generated { _dir: dir, log, tally }
}

fn minute(ts: &str) -> &str {
    &ts[..16]
}

#[test]
fn names_the_storm_keys_the_outage_start_and_the_retry_offenders() {
    let g = generate("424242", "30000", "5");
    let inc = &g.tally["incidents"];
    let storm_keys: Vec<&str> =
        inc["storm_keys"].as_array().expect("keys").iter().filter_map(Value::as_str).collect();
    let s = json(&["summary", "--json", "--insights", &g.log]);

    let top_429 = s["top_rate_limited"]["api_keys"].as_array().expect("ranking");
    for (i, r) in top_429.iter().take(storm_keys.len()).enumerate() {
        assert!(storm_keys.contains(&r["value"].as_str().expect("key")), "#{i} of the 429 ranking: {r}");
    }

    let spikes = s["spikes"].as_array().expect("spikes");
    let outage = spikes.iter().find(|x| x["series"] == "5xx").expect("the outage shows as a 5xx spike");
    assert_eq!(
        minute(outage["start"].as_str().expect("start")),
        minute(inc["outage_start"].as_str().expect("start"))
    );
    let storm = spikes.iter().find(|x| {
        x["series"] == "429"
            && minute(x["start"].as_str().unwrap_or("")) == minute(inc["storm_start"].as_str().unwrap_or(""))
    });
    assert!(storm.is_some(), "the storm's start is a 429 spike: {spikes:?} vs {}", inc["storm_start"]);

    let upstreams: Vec<&str> = s["top_server_errors"]["upstreams"]
        .as_array()
        .expect("upstreams")
        .iter()
        .filter_map(|r| r["value"].as_str())
        .collect();
    let mut want: Vec<&str> =
        inc["outage_upstreams"].as_array().expect("ups").iter().filter_map(Value::as_str).collect();
    let mut got = upstreams.clone();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);

    let offenders: Vec<&str> = s["retry_after_offenders"]
        .as_array()
        .expect("offenders")
        .iter()
        .take(storm_keys.len())
        .filter_map(|o| o["api_key"].as_str())
        .collect();
    for k in &storm_keys {
        assert!(offenders.contains(k), "{k} ignores Retry-After: {offenders:?}");
    }
}

#[test]
fn insights_do_not_change_the_counts_and_do_not_depend_on_threads() {
    let g = generate("77", "90000", "50");
    let plain = json(&["summary", "--json", &g.log]);
    let one = json(&["summary", "--json", "--insights", "--threads", "1", &g.log]);
    let two = json(&["summary", "--json", "--insights", "--threads", "2", &g.log]);
    for k in ["requests", "failures", "groups", "buckets", "spikes"] {
        assert_eq!(plain[k], one[k], "{k}");
    }
    assert_eq!(one, two);
    assert!(plain.get("top").is_none(), "rankings only when asked for");
}

#[test]
fn markdown_report_names_the_culprits_and_every_resolution() {
    let g = generate("5150", "20000", "4");
    let out = bin().args(["summary", "--markdown", &g.log]).output().expect("run");
    assert!(out.status.success());
    let md = String::from_utf8(out.stdout).expect("utf-8");
    let inc = &g.tally["incidents"];
    for k in inc["storm_keys"].as_array().expect("keys") {
        assert!(md.contains(&format!("`{}`", k.as_str().expect("key"))), "{k} in the report");
    }
    assert!(md.contains(minute(inc["outage_start"].as_str().expect("start"))), "outage start in the report");
    assert!(md.contains("## Retry-After offenders"));
    let s = json(&["summary", "--json", &g.log]);
    for group in s["groups"].as_array().expect("groups") {
        if group["documented"] == true {
            let doc = catalog::lookup(group["code"].as_str().expect("code")).expect("documented");
            assert!(md.contains(doc.resolution), "resolution of {} in the report", doc.code);
        }
    }
}

#[test]
fn secrets_are_masked_unless_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("secret.log");
    std::fs::write(
        &log,
        concat!(
            r#"{"ts":"2026-11-24T13:00:00Z","request_id":"req_S1","status":401,"code":"authentication_failed","#,
            r#""api_key_id":"key_0007","headers":{"Authorization":"Bearer abc.def.ghi-123456"},"#,
            r#""path":"/v1/orders?token=hunter2hunter2","password":"p4ss"}"#,
            "\n"
        ),
    )
    .expect("write");
    let log = log.display().to_string();
    let masked = bin().args(["show", "req_S1", "--json", &log]).output().expect("run");
    let text = String::from_utf8(masked.stdout).expect("utf-8");
    for secret in ["abc.def.ghi", "hunter2", "p4ss"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert!(text.contains("key_0007"), "api_key_id is an id and stays");
    let plain = bin().args(["show", "req_S1", "--json", "--no-redact", &log]).output().expect("run");
    assert!(String::from_utf8(plain.stdout).expect("utf-8").contains("p4ss"));
    let md = bin().args(["summary", "--markdown", &log]).output().expect("run");
    assert!(!String::from_utf8(md.stdout).expect("utf-8").contains("hunter2"));
}

#[test]
fn report_lists_marked_requests_with_notes_and_fixes() {
    let tricky = common::sample("tricky.log");
    let dir = tempfile::tempdir().expect("tempdir");
    let session = dir.path().join("session.json");
    std::fs::write(
        &session,
        r#"{"marks":[{"request_id":"req_TRICKY04","note":"first timeout, billing-svc"},{"request_id":"req_TRICKY08"}]}"#,
    )
    .expect("write");
    let out = bin()
        .args([
            "summary",
            "--markdown",
            "--session",
            session.to_str().expect("utf-8"),
            tricky.to_str().expect("utf-8"),
        ])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let md = String::from_utf8(out.stdout).expect("utf-8");
    assert!(md.contains("`req_TRICKY04`: first timeout, billing-svc — `gateway_timeout` 504; resolution: Retry or check status page"), "{md}");
    assert!(md.contains("`req_TRICKY08` — `teapot_error` 418; not in the API documentation"), "{md}");
    std::fs::write(&session, "not json").expect("write");
    let out = bin()
        .args([
            "summary",
            "--markdown",
            "--session",
            session.to_str().expect("utf-8"),
            tricky.to_str().expect("utf-8"),
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("session"));
}

/// Text outside Markdown code spans (a run of N backticks up to the next
/// run of exactly N), as a renderer would see it.
fn outside_code_spans(md: &str) -> String {
    let b = md.as_bytes();
    let (mut out, mut i) = (String::new(), 0);
    while i < b.len() {
        if b[i] == b'`' {
            let n = b[i..].iter().take_while(|&&c| c == b'`').count();
            let rest = &md[i + n..];
            let mut j = 0;
            let close = loop {
                let Some(k) = rest[j..].find('`') else { break None };
                let run = rest[j + k..].bytes().take_while(|&c| c == b'`').count();
                if run == n {
                    break Some(j + k);
                }
                j += k + run;
            };
            match close {
                Some(c) => i += n + c + n,
                None => {
                    out.push_str(&md[i..i + n]);
                    i += n;
                }
            }
        } else {
            let next = md[i..].find('`').map_or(md.len(), |k| i + k);
            out.push_str(&md[i..next]);
            i = next;
        }
    }
    out
}

/// Issue 12, item 13: hostile values in every field the report prints stay
/// text: no image, link or HTML comes alive in the rendered report.
#[test]
fn report_escapes_markdown_in_every_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("hostile.log");
    let evil = r#"{"ts":"2026-11-24T13:00:00Z","status":503,"code":"x` ![t](http://evil.example/p.png) `y","api_key_id":"![k](http://evil.example/k.png)","path":"/v1/[a](http://evil.example/a)","request_id":"req_`![r](http://evil.example/r.png)`","client_ip":"<img src=x onerror=alert(1)>","retry_after":30}"#;
    std::fs::write(&log, format!("{evil}\n{evil}\n")).expect("write");
    let session = dir.path().join("session.json");
    let id = "req_`![r](http://evil.example/r.png)`";
    let marks = serde_json::json!({"marks": [{"request_id": id, "note": "see ![n](http://evil.example/n.png) <script>x</script> [l](http://evil.example/l)"}]});
    std::fs::write(&session, marks.to_string()).expect("write");
    let out = bin()
        .args([
            "summary",
            "--markdown",
            "--session",
            session.to_str().expect("path"),
            log.to_str().expect("path"),
        ])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let md = String::from_utf8(out.stdout).expect("utf-8");
    // A backslash-escaped character is literal text: drop it from the check.
    let mut text = String::new();
    let mut chars = outside_code_spans(&md).chars().collect::<Vec<_>>().into_iter();
    while let Some(c) = chars.next() {
        if c == '\\' {
            chars.next();
            text.push('_');
        } else {
            text.push(c);
        }
    }
    for live in ["![", "](http", "<img", "<script"] {
        assert!(!text.contains(live), "{live:?} is live outside code spans:\n{text}\n---\n{md}");
    }
    assert!(md.contains("evil.example/p.png"), "the hostile code is still shown: {md}");
}
