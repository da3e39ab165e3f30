//! The real binary in a real terminal (tmux): what a new user does on the
//! shipped sample, a live append, hostile content, and clean exits.

mod common;

use std::io::Write;

use common::tmux::{available, Tmux};
use common::{json, sample};
use wontopos_logs::engine::format::thousands;

fn bin() -> String {
    env!("CARGO_BIN_EXE_wontopos-logs").to_owned()
}

#[test]
fn new_user_finds_group_request_and_resolution_then_quits() {
    if !available("new_user_finds_group_request_and_resolution_then_quits") {
        return;
    }
    let app_log = sample("app.log").display().to_string();
    let summary = json(&["summary", "--json", &app_log]);
    let t = Tmux::start("drill", &format!("{} tail {app_log}", bin()), 120, 40);

    // The dashboard's counts are the summary's.
    let screen = t.wait_text(&format!("requests {}", thousands(summary["requests"].as_u64().expect("n"))));
    for (label, key) in [("failures", "failures"), ("429", "rate_limited"), ("5xx", "server_errors")] {
        let want = format!("{label} {}", thousands(summary[key].as_u64().expect("n")));
        assert!(screen.contains(&want), "missing {want:?}:\n{screen}");
    }
    // The busiest group is first and selected.
    let busiest = summary["groups"][0]["code"].as_str().expect("code").to_owned();
    assert!(screen.lines().find(|l| l.contains("CODE")).is_some());
    let first_row = screen.lines().skip_while(|l| !l.contains("CODE")).nth(1).expect("a group row");
    assert!(first_row.contains(&busiest), "{first_row}");

    // Enter: its requests; Enter: the newest request's detail with the fix.
    t.keys(&["Enter"]);
    t.wait_text(&format!("Requests: {busiest}"));
    t.keys(&["Enter"]);
    let detail = t.wait_text("Resolution:");
    assert!(detail.contains("Wait for Retry-After seconds"), "{detail}");
    assert!(detail.contains("log entries, in file order"), "{detail}");

    // `/` with a request id opens that request directly.
    let outage_id = std::fs::read_to_string(&app_log)
        .expect("read")
        .lines()
        .find(|l| l.contains("gateway_timeout"))
        .and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .and_then(|v| v["request_id"].as_str().map(str::to_owned))
        .expect("a gateway_timeout request in app.log");
    t.keys(&["Escape"]);
    t.wait_text("Failure groups");
    t.keys(&["/"]);
    t.type_text(&outage_id);
    t.keys(&["Enter"]);
    let detail =
        t.wait_for("the outage request's detail", |s| s.contains(&outage_id) && s.contains("Resolution:"));
    assert!(detail.contains("Retry or check status page"), "{detail}");
    assert!(detail.contains("2 log entries"), "warning line and response: {detail}");

    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
}

#[test]
fn live_appends_show_up() {
    if !available("live_appends_show_up") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("live.log");
    std::fs::write(&log, "{\"ts\":\"2026-11-24T13:00:00Z\",\"status\":200}\n").expect("write");
    let t = Tmux::start("live", &format!("{} tail {}", bin(), log.display()), 100, 30);
    t.wait_text("requests 1 ");
    let mut f = std::fs::OpenOptions::new().append(true).open(&log).expect("open");
    for i in 0..3 {
        writeln!(f, r#"{{"ts":"2026-11-24T13:00:0{i}Z","status":503,"code":"service_unavailable","request_id":"req_L{i}"}}"#)
            .expect("append");
    }
    f.flush().expect("flush");
    let screen = t.wait_text("requests 4 ");
    assert!(screen.contains("5xx 3"), "{screen}");
    assert!(screen.contains("NEW service_unavailable"), "a code first seen live is flagged: {screen}");
    assert!(screen.contains("LIVE"), "{screen}");
    t.keys(&["C-c"]);
    assert_eq!(t.wait_exit(), 0);
}

#[test]
fn escape_sequences_in_logs_never_reach_the_terminal() {
    if !available("escape_sequences_in_logs_never_reach_the_terminal") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("hostile.log");
    let out = dir.path().join("pane-output.bin");
    std::fs::write(
        &log,
        concat!(
            r#"{"ts":"2026-11-24T13:00:00Z","status":400,"code":"invalid_\u001b]0;pwned\u0007parameter","request_id":"req_EVIL","#,
            r#""message":"x \u001b[2J\u001b]0;pwned\u0007 \u001b]52;c;aGVsbG8=\u0007 \u009b31m \u001bP$q\u001b\\","#,
            r#""api_key_id":"key_\u202egnp.exe","path":"/v1/\u001b[21t"}"#,
            "\n"
        ),
    )
    .expect("write");
    let t = Tmux::start("evil", &format!("{} tail --no-follow {}", bin(), log.display()), 120, 40);
    t.pipe_output_to(&out);
    t.wait_text("requests 1 ");
    // Redraw everything with the output being captured.
    t.keys(&["Tab"]);
    t.keys(&["/"]);
    t.type_text("req_EVIL");
    t.keys(&["Enter"]);
    // A capture can land while a frame is half written: wait for the whole
    // detail, then check it.
    let screen = t.wait_for("the request's detail", |s| s.contains("log entries") && s.contains("<U+202E>"));
    assert!(screen.contains("pwned") && screen.contains("<U+202E>"), "{screen}");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let bytes = std::fs::read(&out).expect("captured output");
    assert!(bytes.len() > 1000, "pipe-pane captured the program's output");
    for (what, needle) in [
        ("OSC 0 title", &b"\x1b]0;pwned"[..]),
        ("OSC 52 clipboard", b"\x1b]52;c;aGVsbG8"),
        ("C1 CSI", b"\xc2\x9b"),
        ("DECRQSS", b"\x1bP$q"),
        ("window report", b"\x1b[21t"),
        ("bidi override", "\u{202e}".as_bytes()),
    ] {
        assert!(!bytes.windows(needle.len()).any(|w| w == needle), "{what} reached the terminal raw");
    }
}

#[test]
fn sigterm_restores_the_terminal() {
    if !available("sigterm_restores_the_terminal") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("pane-output.bin");
    let app_log = sample("app.log").display().to_string();
    let t = Tmux::start("term", &format!("{} tail {app_log}", bin()), 100, 30);
    t.pipe_output_to(&out);
    t.wait_text("requests 5,000");
    let status =
        std::process::Command::new("kill").args(["-TERM", &t.pid().to_string()]).status().expect("kill");
    assert!(status.success());
    assert_eq!(t.wait_exit(), 143);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let bytes = std::fs::read(&out).expect("captured output");
    // Leaving the alternate screen is the last thing restored.
    let leave = b"\x1b[?1049l";
    assert!(bytes.windows(leave.len()).any(|w| w == leave), "alternate screen left");
}

#[test]
fn tail_without_a_terminal_says_so() {
    let out = std::process::Command::new(bin())
        .args(["tail", &sample("app.log").display().to_string()])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a terminal"));
    assert!(out.stdout.is_empty());
}

#[test]
fn closing_the_terminal_ends_the_program() {
    if !available("closing_the_terminal_ends_the_program") {
        return;
    }
    let app_log = sample("app.log").display().to_string();
    let t = Tmux::start("hangup", &format!("{} tail {app_log}", bin()), 100, 30);
    t.wait_text("requests 5,000");
    let pid = t.pid();
    t.kill_server();
    let start = std::time::Instant::now();
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        if stat.contains(") Z ") {
            break; // exited, not yet reaped
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "still running after its terminal closed"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn slash_filter_recounts_and_a_bad_filter_says_where() {
    if !available("slash_filter_recounts_and_a_bad_filter_says_where") {
        return;
    }
    let tricky = sample("tricky.log").display().to_string();
    let t = Tmux::start("filter", &format!("{} tail --no-follow {tricky}", bin()), 120, 40);
    t.wait_text("requests 20 ");
    t.keys(&["/"]);
    t.type_text("status>=abc");
    t.keys(&["Enter"]);
    t.wait_text("column 9");
    // Escape alone: followed at once by '/', it would read as Alt-/.
    t.keys(&["Escape"]);
    t.wait_for("the prompt to close", |s| !s.contains("column 9"));
    t.keys(&["/"]);
    t.type_text("status>=500");
    t.keys(&["Enter"]);
    let screen = t.wait_text("requests 8 ");
    assert!(screen.contains("5xx 8"), "{screen}");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
}

/// `tail -` on a piped log of another shape: its profile is chosen from
/// what stdin sent first, and no line of that first part is lost.
#[test]
fn piped_stdin_is_detected_and_read_whole() {
    if !available("piped_stdin_is_detected_and_read_whole") {
        return;
    }
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/profiles/pino-http.jsonl");
    let cmd = format!("sh -c 'cat {} | {} tail -'", fixture.display(), bin());
    let t = Tmux::start("stdin", &cmd, 120, 40);
    let screen = t.wait_text("requests 8 ");
    assert!(screen.contains("stdin [pino-http]"), "{screen}");
    assert!(screen.contains("failures 5 "), "{screen}");
    t.keys(&["q"]);
}

/// Issue 12, item 12: SIGQUIT restores the terminal too (raw mode off, the
/// alternate screen left), and exits 128 + 3.
#[test]
fn sigquit_restores_the_terminal() {
    if !available("sigquit_restores_the_terminal") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("pane-output.bin");
    let app_log = sample("app.log").display().to_string();
    let t = Tmux::start("quit", &format!("{} tail {app_log}", bin()), 100, 30);
    t.pipe_output_to(&out);
    t.wait_text("requests 5,000");
    let status =
        std::process::Command::new("kill").args(["-QUIT", &t.pid().to_string()]).status().expect("kill");
    assert!(status.success());
    assert_eq!(t.wait_exit(), 131);
    let leave = b"\x1b[?1049l";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let bytes = std::fs::read(&out).unwrap_or_default();
        if bytes.windows(leave.len()).any(|w| w == leave) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the alternate screen was not left");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
