//! The follower through the real binary: `summary --follow --json` on
//! temporary files, with helpers to write, wait and check exact counts.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const DEADLINE: Duration = Duration::from_secs(30);

pub struct Follow {
    pub child: Child,
    reports: Arc<Mutex<Vec<Value>>>,
    stderr: Arc<Mutex<String>>,
}

impl Follow {
    pub fn start(files: &[&Path], poll_only: bool, stdin: bool) -> Follow {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wontopos-logs"));
        cmd.args(["summary", "--follow", "--interval", "50ms", "--json"]);
        if poll_only {
            cmd.arg("--poll-only");
        }
        cmd.args(files);
        if stdin {
            cmd.arg("-");
        }
        cmd.stdin(if stdin { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start wontopos-logs");
        let reports = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let out = child.stdout.take().expect("stdout");
        let sink = Arc::clone(&reports);
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let v: Value = serde_json::from_str(&line).expect("each report is one JSON object");
                sink.lock().expect("lock").push(v);
            }
        });
        let err = child.stderr.take().expect("stderr");
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut s = sink.lock().expect("lock");
                s.push_str(&line);
                s.push('\n');
            }
        });
        Follow { child, reports, stderr }
    }

    pub fn latest(&self) -> Option<Value> {
        self.reports.lock().expect("lock").last().cloned()
    }

    pub fn requests(&self) -> u64 {
        self.latest().and_then(|v| v["requests"].as_u64()).unwrap_or(0)
    }

    /// Waits until the reported request count is `n`.
    pub fn wait_requests(&self, n: u64) {
        let start = Instant::now();
        while self.requests() != n {
            assert!(
                start.elapsed() < DEADLINE,
                "waited for {n} requests, have {}; stderr:\n{}",
                self.requests(),
                self.stderr.lock().expect("lock")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until stderr holds one of the `|`-separated notices.
    pub fn wait_stderr(&self, text: &str) {
        let start = Instant::now();
        while !text.split('|').any(|t| self.stderr.lock().expect("lock").contains(t)) {
            assert!(
                start.elapsed() < DEADLINE,
                "no {text:?} in stderr:\n{}",
                self.stderr.lock().expect("lock")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until `text` has been said at least `n` times on stderr.
    pub fn wait_stderr_count(&self, text: &str, n: usize) {
        let start = Instant::now();
        while self.stderr.lock().expect("lock").matches(text).count() < n {
            assert!(
                start.elapsed() < DEADLINE,
                "{text:?} not said {n} times in stderr:\n{}",
                self.stderr.lock().expect("lock")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("lock").clone()
    }

    /// SIGTERM: the command prints a final report and exits 0.
    pub fn finish(mut self) -> Value {
        let status =
            Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().expect("kill");
        assert!(status.success());
        let exit = self.child.wait().expect("wait");
        assert!(exit.success(), "exit status {exit:?}");
        std::thread::sleep(Duration::from_millis(100));
        self.latest().expect("a final report")
    }
}

pub fn append(path: &Path, from: u64, n: u64) {
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).expect("open for append");
    let mut buf = String::new();
    for seq in from..from + n {
        buf.push_str(&format!("{{\"status\":200,\"seq\":{seq}}}\n"));
    }
    f.write_all(buf.as_bytes()).expect("append");
}

pub fn assert_exact(report: &Value, requests: u64) {
    assert_eq!(report["requests"].as_u64(), Some(requests), "{report}");
    assert_eq!(report["lines"].as_u64(), Some(requests), "no line counted twice: {report}");
    assert_eq!(report["malformed"].as_u64(), Some(0), "{report}");
}

pub fn dir() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().expect("tempdir");
    let log = d.path().join("app.log");
    (d, log)
}

pub fn both_backends(test: impl Fn(bool)) {
    test(false);
    test(true);
}
