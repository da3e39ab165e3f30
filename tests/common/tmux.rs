//! Driving the real binary in tmux: a private server per test, keys in,
//! screen text out, polling with a deadline instead of sleeping.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
    /// The program's exit status is written here by the shell that runs it:
    /// tmux 3.3 sometimes leaves an exited pane's child unreaped, so its
    /// own `pane_dead_status` cannot be relied on.
    status_dir: tempfile::TempDir,
}

/// Whether tmux can be used; CI sets WONTOPOS_REQUIRE_TMUX so a missing
/// tmux fails there instead of skipping.
pub fn available(test: &str) -> bool {
    let ok = Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("WONTOPOS_REQUIRE_TMUX").is_none(),
            "tmux is required here but not installed"
        );
        eprintln!("skipped {test}: tmux is not installed");
    }
    ok
}

const DEADLINE: Duration = Duration::from_secs(30);

impl Tmux {
    /// Starts `command` (run through `sh -c`) in a detached session of `w`x`h`.
    pub fn start(name: &str, command: &str, w: u16, h: u16) -> Tmux {
        let socket = format!("wl-{name}-{}", std::process::id());
        let t = Tmux { socket, status_dir: tempfile::tempdir().expect("tempdir") };
        let status = t.status_dir.path().join("status");
        let status = Command::new("tmux")
            .args(["-L", &t.socket, "-f", "/dev/null", "new-session", "-d", "-s", "main"])
            .args(["-x", &w.to_string(), "-y", &h.to_string()])
            .arg(format!("{command}; echo $? > '{}'.tmp && mv '{0}'.tmp '{0}'", status.display()))
            .env("TERM", "xterm-256color")
            .status()
            .expect("run tmux");
        assert!(status.success(), "tmux new-session failed");
        t
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").args(["-L", &self.socket]).args(args).output().expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn capture(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "main"])
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Types text literally.
    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "main", "-l", text]);
    }

    pub fn pipe_output_to(&self, path: &Path) {
        self.tmux(&["pipe-pane", "-o", "-t", "main", &format!("cat >> '{}'", path.display())]);
    }

    /// The program's pid (a child of the pane's shell).
    pub fn pid(&self) -> u32 {
        let shell = self.tmux(&["display-message", "-p", "-t", "main", "#{pane_pid}"]);
        let out = Command::new("pgrep").args(["-P", shell.trim()]).output().expect("pgrep");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .and_then(|l| l.trim().parse().ok())
            .expect("program pid")
    }

    /// Waits until the screen satisfies `pred`; returns the screen.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}; screen:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn wait_text(&self, text: &str) -> String {
        self.wait_for(text, |s| s.contains(text))
    }

    /// Waits for the program to exit and returns its exit status.
    pub fn wait_exit(&self) -> i32 {
        let path = self.status_dir.path().join("status");
        let start = Instant::now();
        loop {
            if let Ok(text) = std::fs::read_to_string(&path) {
                return text.trim().parse().expect("exit status");
            }
            assert!(start.elapsed() < DEADLINE, "program did not exit; screen:\n{}", self.capture());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Tmux {
    /// Closes the terminal under the program, as closing a window does.
    pub fn kill_server(&self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).output();
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).output();
    }
}
