//! Follower faults found under attack (issue 12): a file that comes back,
//! truncation hidden by a rotation or by an identical head, a path that
//! stops resolving, named pipes, and a writer that keeps its offset across
//! a copytruncate. Each counts exactly what was written.

mod common;

use std::io::Write;
use std::os::unix::fs::symlink;
use std::time::Duration;

use common::follow::{append, assert_exact, both_backends, dir, Follow};

fn line(status: u16, seq: u64) -> String {
    format!("{{\"status\":{status},\"seq\":{seq}}}\n")
}

#[test]
fn file_renamed_away_and_back_is_not_read_again() {
    both_backends(|poll_only| {
        let (d, log) = dir();
        append(&log, 0, 3);
        let f = Follow::start(&[&log], poll_only, false);
        f.wait_requests(3);
        let away = d.path().join("app.log.tmp");
        std::fs::rename(&log, &away).expect("rename away");
        f.wait_stderr("removed or renamed");
        std::fs::rename(&away, &log).expect("rename back");
        append(&log, 3, 2);
        f.wait_requests(5);
        std::thread::sleep(Duration::from_millis(300));
        assert_exact(&f.finish(), 5);
    });
}

#[test]
fn symlink_switched_away_and_back_resumes_the_first_file() {
    both_backends(|poll_only| {
        let (d, log) = dir();
        let (a, b) = (d.path().join("a.log"), d.path().join("b.log"));
        append(&a, 0, 4);
        append(&b, 100, 2);
        symlink(&a, &log).expect("link to a");
        let f = Follow::start(&[&log], poll_only, false);
        f.wait_requests(4);
        let switch = |to: &std::path::Path| {
            let tmp = d.path().join("link.tmp");
            symlink(to, &tmp).expect("new link");
            std::fs::rename(&tmp, &log).expect("switch link");
        };
        switch(&b);
        f.wait_requests(6);
        switch(&a);
        f.wait_stderr_count("replaced", 2);
        append(&a, 4, 1);
        f.wait_requests(7);
        std::thread::sleep(Duration::from_millis(300));
        assert_exact(&f.finish(), 7);
    });
}

#[test]
fn truncated_then_rotated_within_one_poll() {
    both_backends(|poll_only| {
        let (d, log) = dir();
        append(&log, 0, 10);
        let f = Follow::start(&[&log], poll_only, false);
        f.wait_requests(10);
        let mut w = std::fs::OpenOptions::new().append(true).open(&log).expect("open");
        w.set_len(0).expect("truncate");
        let five: String = (10..15).map(|s| line(200, s)).collect();
        w.write_all(five.as_bytes()).expect("write after truncation");
        std::fs::rename(&log, d.path().join("app.log.1")).expect("rotate");
        append(&log, 15, 2);
        f.wait_requests(17);
        std::thread::sleep(Duration::from_millis(300));
        assert_exact(&f.finish(), 17);
    });
}

#[test]
fn regrown_with_the_same_first_kilobytes_is_seen_as_truncated() {
    both_backends(|poll_only| {
        let (_d, log) = dir();
        // A restart banner longer than 1 KiB, the same on every start.
        let banner = format!("{{\"level\":\"info\",\"msg\":\"starting {}\"}}\n", "x".repeat(2000));
        let first: String = (0..10).map(|s| line(200, s)).collect();
        std::fs::write(&log, format!("{banner}{first}")).expect("write");
        let f = Follow::start(&[&log], poll_only, false);
        f.wait_requests(10);
        let again: String = (100..112).map(|s| line(201, s)).collect();
        std::fs::write(&log, format!("{banner}{again}")).expect("restart");
        f.wait_requests(22);
        std::thread::sleep(Duration::from_millis(300));
        let r = f.finish();
        assert_eq!(r["requests"], 22, "{r}");
        assert_eq!(r["lines"], 24, "two banners and 22 requests: {r}");
        assert_eq!(r["malformed"], 0, "{r}");
    });
}

#[test]
fn path_replaced_by_a_directory_keeps_the_open_file_read() {
    both_backends(|poll_only| {
        let (d, log) = dir();
        append(&log, 0, 3);
        let f = Follow::start(&[&log], poll_only, false);
        f.wait_requests(3);
        let mut w = std::fs::OpenOptions::new().append(true).open(&log).expect("open");
        w.write_all(line(200, 3).as_bytes()).expect("before");
        std::fs::rename(&log, d.path().join("app.log.1")).expect("rotate");
        std::fs::create_dir(&log).expect("mkdir in its place");
        w.write_all(line(503, 4).as_bytes()).expect("after");
        f.wait_requests(5);
        std::thread::sleep(Duration::from_millis(300));
        let r = f.finish();
        assert_exact(&r, 5);
        assert_eq!(r["server_errors"], 1, "{r}");
    });
}

#[test]
fn path_that_stops_resolving_keeps_the_open_file_read() {
    // A parent made unsearchable: as root, chmod does not stop lookups, so
    // the parent is moved and a plain file put in its place (ENOTDIR). The
    // descriptor stays readable either way.
    both_backends(|poll_only| {
        let d = tempfile::tempdir().expect("tempdir");
        let sub = d.path().join("logs");
        std::fs::create_dir(&sub).expect("mkdir");
        let log = sub.join("app.log");
        append(&log, 0, 3);
        let f = Follow::start(&[&log], poll_only, false);
        f.wait_requests(3);
        let mut w = std::fs::OpenOptions::new().append(true).open(&log).expect("open");
        std::fs::rename(&sub, d.path().join("logs.old")).expect("move parent");
        std::fs::write(&sub, "").expect("a file where the directory was");
        for seq in 3..8 {
            w.write_all(line(200, seq).as_bytes()).expect("write");
            std::thread::sleep(Duration::from_millis(150));
        }
        f.wait_requests(8);
        std::thread::sleep(Duration::from_millis(300));
        assert_exact(&f.finish(), 8);
    });
}

#[test]
fn copytruncate_with_a_writer_keeping_its_offset() {
    both_backends(|poll_only| {
        let (d, log) = dir();
        // Not O_APPEND: after the truncation the writer goes on at its old
        // offset and the file starts with a hole of NUL bytes.
        let mut w =
            std::fs::OpenOptions::new().create(true).write(true).truncate(true).open(&log).expect("open");
        let ten: String = (0..10).map(|s| line(200, s)).collect();
        w.write_all(ten.as_bytes()).expect("write");
        let f = Follow::start(&[&log], poll_only, false);
        f.wait_requests(10);
        std::fs::copy(&log, d.path().join("app.log.1")).expect("copy");
        std::fs::OpenOptions::new().write(true).open(&log).expect("open").set_len(0).expect("truncate");
        w.write_all(line(503, 10).as_bytes()).expect("write at the old offset");
        f.wait_requests(11);
        f.wait_stderr("NUL");
        std::thread::sleep(Duration::from_millis(300));
        let r = f.finish();
        assert_exact(&r, 11);
        assert_eq!(r["server_errors"], 1, "the 5xx after the hole is counted: {r}");
    });
}

#[test]
fn named_pipe_is_followed_without_breaking_the_writer() {
    both_backends(|poll_only| {
        let (d, _) = dir();
        let fifo = d.path().join("p.fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
        assert!(made.success());
        let f = Follow::start(&[&fifo], poll_only, false);
        // Opening for writing waits for the follower to open its end.
        let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).expect("open the pipe");
        w.write_all((0..3).map(|s| line(429, s)).collect::<String>().as_bytes()).expect("write");
        f.wait_requests(3);
        std::thread::sleep(Duration::from_millis(300));
        // Still open and read: a seek or a reopen would have broken the pipe.
        w.write_all((3..5).map(|s| line(200, s)).collect::<String>().as_bytes()).expect("pipe still open");
        f.wait_requests(5);
        assert!(!f.stderr().contains("seek"), "{}", f.stderr());
        drop(w);
        let r = f.finish();
        assert_exact(&r, 5);
        assert_eq!(r["rate_limited"], 3, "{r}");
    });
}
