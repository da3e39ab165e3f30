//! The follower, through `summary --follow --json` on temporary files: each
//! test writes, rotates or truncates like a real service and logrotate do,
//! and checks that exactly the requests written were counted, no more and
//! no less. Every scenario runs with filesystem events and with polling only.

mod common;

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use common::follow::{append, assert_exact, both_backends, dir, Follow};

#[test]
fn existing_content_then_bursts() {
    both_backends(|poll_only| {
        let (_d, log) = dir();
        append(&log, 0, 500);
        let f = Follow::start(&[&log], poll_only, false);
        f.wait_requests(500);
        for burst in 0..10 {
            append(&log, 500 + burst * 1000, 1000);
            std::thread::sleep(Duration::from_millis(30));
        }
        f.wait_requests(10_500);
        assert_exact(&f.finish(), 10_500);
    });
}

#[test]
fn line_written_in_two_pieces() {
    both_backends(|poll_only| {
        let (_d, log) = dir();
        std::fs::write(&log, "").expect("create");
        let f = Follow::start(&[&log], poll_only, false);
        let mut w = std::fs::OpenOptions::new().append(true).open(&log).expect("open");
        w.write_all(br#"{"status":503,"code":"serv"#).expect("write");
        w.flush().expect("flush");
        std::thread::sleep(Duration::from_millis(400));
        assert_eq!(f.requests(), 0, "half a line is held, not counted");
        w.write_all(b"ice_unavailable\"}\n").expect("write");
        f.wait_requests(1);
        let r = f.finish();
        assert_exact(&r, 1);
        assert_eq!(r["groups"][0]["code"], "service_unavailable");
    });
}

#[test]
fn rename_rotation_while_writing() {
    both_backends(|poll_only| {
        let (d, log) = dir();
        append(&log, 0, 100);
        let f = Follow::start(&[&log], poll_only, false);
        f.wait_requests(100);
        // The writer holds its file: after the rename it still writes a few
        // lines to the old file before reopening the path, as services do.
        let mut old = std::fs::OpenOptions::new().append(true).open(&log).expect("open");
        let mut seq = 100;
        for _ in 0..200 {
            writeln!(old, "{{\"status\":200,\"seq\":{seq}}}").expect("write");
            seq += 1;
        }
        std::fs::rename(&log, d.path().join("app.log.1")).expect("rotate");
        for _ in 0..300 {
            writeln!(old, "{{\"status\":200,\"seq\":{seq}}}").expect("write");
            seq += 1;
        }
        std::thread::sleep(Duration::from_millis(100));
        drop(old);
        append(&log, seq, 400);
        f.wait_requests(1000);
        // Seen as a replacement, or as a gap between the rename and the new file.
        f.wait_stderr("replaced|removed or renamed");
        assert_exact(&f.finish(), 1000);
    });
}

#[test]
fn copytruncate() {
    both_backends(|poll_only| {
        let (d, log) = dir();
        append(&log, 0, 300);
        let f = Follow::start(&[&log], poll_only, false);
        f.wait_requests(300);
        // logrotate's copytruncate: copy, then truncate in place; the writer
        // (O_APPEND) pauses around it.
        std::fs::copy(&log, d.path().join("app.log.1")).expect("copy");
        std::fs::OpenOptions::new().write(true).open(&log).expect("open").set_len(0).expect("truncate");
        append(&log, 300, 250);
        f.wait_requests(550);
        f.wait_stderr("truncated");
        assert_exact(&f.finish(), 550);
    });
}

#[test]
fn truncated_and_regrown_past_the_old_size_between_polls() {
    both_backends(|poll_only| {
        let (_d, log) = dir();
        append(&log, 0, 10);
        let f = Follow::start(&[&log], poll_only, false);
        f.wait_requests(10);
        // Truncate and write more than was there, at once.
        std::fs::write(
            &log,
            (0..20).map(|i| format!("{{\"status\":201,\"seq\":{}}}\n", 100 + i)).collect::<String>(),
        )
        .expect("rewrite");
        f.wait_requests(30);
        assert_exact(&f.finish(), 30);
    });
}

#[test]
fn delete_and_recreate() {
    both_backends(|poll_only| {
        let (_d, log) = dir();
        append(&log, 0, 100);
        let f = Follow::start(&[&log], poll_only, false);
        f.wait_requests(100);
        std::fs::remove_file(&log).expect("delete");
        f.wait_stderr("removed or renamed");
        append(&log, 100, 100);
        f.wait_requests(200);
        assert_exact(&f.finish(), 200);
    });
}

#[test]
fn file_created_after_start() {
    both_backends(|poll_only| {
        let (d, _) = dir();
        let log = d.path().join("later").join("app.log");
        let f = Follow::start(&[&log], poll_only, false);
        f.wait_stderr("does not exist yet");
        std::fs::create_dir(d.path().join("later")).expect("mkdir");
        append(&log, 0, 120);
        f.wait_requests(120);
        assert_exact(&f.finish(), 120);
    });
}

#[test]
fn two_files_at_once() {
    both_backends(|poll_only| {
        let d = tempfile::tempdir().expect("tempdir");
        let (a, b) = (d.path().join("a.log"), d.path().join("b.log"));
        append(&a, 0, 70);
        append(&b, 0, 30);
        let f = Follow::start(&[&a, &b], poll_only, false);
        f.wait_requests(100);
        append(&a, 70, 5);
        append(&b, 30, 45);
        f.wait_requests(150);
        assert_exact(&f.finish(), 150);
    });
}

#[test]
fn stdin_until_it_closes() {
    let mut f = Follow::start(&[], false, true);
    let mut stdin = f.child.stdin.take().expect("stdin");
    for seq in 0..1000 {
        writeln!(stdin, "{{\"status\":429,\"seq\":{seq}}}").expect("write");
    }
    write!(stdin, "{{\"status\":200}}").expect("last line without newline");
    drop(stdin);
    // With every source ended the command finishes by itself.
    let exit = f.child.wait().expect("wait");
    assert!(exit.success());
    std::thread::sleep(Duration::from_millis(100));
    let r = f.latest().expect("final report");
    assert_exact(&r, 1001);
    assert_eq!(r["rate_limited"], 1000);
}

#[test]
fn directory_removed_and_recreated() {
    both_backends(|poll_only| {
        let d = tempfile::tempdir().expect("tempdir");
        let sub = d.path().join("logs");
        std::fs::create_dir(&sub).expect("mkdir");
        let log = sub.join("app.log");
        append(&log, 0, 40);
        let f = Follow::start(&[&log], poll_only, false);
        f.wait_requests(40);
        std::fs::remove_dir_all(&sub).expect("rm -r");
        f.wait_stderr("removed or renamed");
        std::fs::create_dir(&sub).expect("mkdir again");
        append(&log, 40, 60);
        f.wait_requests(100);
        assert_exact(&f.finish(), 100);
    });
}

/// CPU time (user + system, in clock ticks) of a process, from /proc.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("proc stat");
    let after_comm = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
}

#[test]
fn idle_follower_does_not_spin() {
    if !Path::new("/proc/self/stat").exists() {
        eprintln!("skipped: no /proc");
        return;
    }
    both_backends(|poll_only| {
        let (_d, log) = dir();
        append(&log, 0, 10);
        let f = Follow::start(&[&log], poll_only, false);
        f.wait_requests(10);
        let before = cpu_ticks(f.child.id());
        std::thread::sleep(Duration::from_secs(2));
        let used = cpu_ticks(f.child.id()) - before;
        // 2 s is 200 ticks at the usual 100 Hz; an idle follower stays near 0.
        assert!(used <= 10, "idle follower used {used} ticks in 2 s");
        assert_exact(&f.finish(), 10);
    });
}
