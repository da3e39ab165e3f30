//! Follow throughput and latency: a writer appends at a steady rate while
//! the follower counts; each line carries its write time, so the delay from
//! write to count is measured per line.
//!
//! Run: `cargo bench --bench follow` (10 s per rate; FOLLOW_BENCH_SECS to change).
//! Reports, per rate, whether the follower kept up and the p50/p99 delay.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wontopos_logs::engine::follow::{self, Event, FollowOptions};
use wontopos_logs::engine::input::Source;
use wontopos_logs::engine::stats::Summary;

fn now_ns(origin: Instant) -> u64 {
    u64::try_from(origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

struct Outcome {
    written: u64,
    counted: u64,
    caught_up_after: Option<Duration>,
    p50: Duration,
    p99: Duration,
}

fn run(rate: u64, secs: u64) -> Outcome {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bench.log");
    std::fs::write(&path, "").expect("create");
    let origin = Instant::now();
    let counted = Arc::new(AtomicU64::new(0));
    let delays = Arc::new(Mutex::new(Vec::<u64>::with_capacity(usize::try_from(rate * secs).unwrap_or(0))));
    let summary = Arc::new(Mutex::new(Summary::new(60)));
    let (stop, handle) = {
        let (counted, delays, summary) = (Arc::clone(&counted), Arc::clone(&delays), Arc::clone(&summary));
        follow::spawn(vec![Source::File(path.clone())], FollowOptions::default(), move |ev| {
            if let Event::Line { line, .. } = ev {
                let all = wontopos_logs::engine::fields::Need::All;
                if let Some(p) = wontopos_logs::engine::scan::read(
                    wontopos_logs::engine::fields::wontopos_map(),
                    &line,
                    all,
                ) {
                    summary.lock().expect("lock").add(&p);
                }
                // The write time is the number after "w":.
                if let Some(i) = memchr::memmem::find(line.bytes, b"\"w\":") {
                    let digits = &line.bytes[i + 4..];
                    let end = digits.iter().position(|b| !b.is_ascii_digit()).unwrap_or(digits.len());
                    if let Ok(w) = std::str::from_utf8(&digits[..end]).unwrap_or("").parse::<u64>() {
                        delays.lock().expect("lock").push(now_ns(origin).saturating_sub(w));
                    }
                }
                counted.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let done = Arc::new(AtomicBool::new(false));
    let mut file = std::fs::OpenOptions::new().append(true).open(&path).expect("open");
    let start = Instant::now();
    let mut written = 0u64;
    let mut buf = Vec::with_capacity(1 << 20);
    // Writes in 1 ms ticks, as many lines as the rate asks for by then.
    while start.elapsed() < Duration::from_secs(secs) {
        let due = u64::try_from(start.elapsed().as_micros()).unwrap_or(0) * rate / 1_000_000;
        buf.clear();
        let w = now_ns(origin);
        while written < due {
            let _ = writeln!(
                buf,
                r#"{{"ts":"2026-11-24T13:00:00.000Z","request_id":"req_{written:020}","status":200,"latency_ms":12.5,"w":{w}}}"#
            );
            written += 1;
        }
        file.write_all(&buf).expect("write");
        std::thread::sleep(Duration::from_millis(1));
    }
    done.store(true, Ordering::SeqCst);
    let wrote_at = Instant::now();
    let mut caught_up_after = None;
    while wrote_at.elapsed() < Duration::from_secs(5) {
        if counted.load(Ordering::Relaxed) >= written {
            caught_up_after = Some(wrote_at.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    stop.store(true, Ordering::SeqCst);
    let _ = handle.join();
    let mut d = std::mem::take(&mut *delays.lock().expect("lock"));
    d.sort_unstable();
    let pct = |p: f64| {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let i = ((d.len() as f64 - 1.0) * p) as usize;
        Duration::from_nanos(d.get(i).copied().unwrap_or(0))
    };
    Outcome {
        written,
        counted: counted.load(Ordering::Relaxed),
        caught_up_after,
        p50: pct(0.5),
        p99: pct(0.99),
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` does not run this.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let secs = std::env::var("FOLLOW_BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    println!("follow: {secs} s per rate; a rate is kept up with when every line is counted within 250 ms of the end");
    let mut best = 0;
    for rate in [50_000, 100_000, 200_000, 400_000, 800_000] {
        let o = run(rate, secs);
        let kept_up =
            o.counted == o.written && o.caught_up_after.is_some_and(|d| d <= Duration::from_millis(250));
        println!(
            "rate {rate:>7} lines/s: wrote {}, counted {}, caught up after {:?}, delay p50 {:?} p99 {:?} -> {}",
            o.written,
            o.counted,
            o.caught_up_after,
            o.p50,
            o.p99,
            if kept_up && o.p99 < Duration::from_millis(250) { "kept up" } else { "fell behind" }
        );
        if kept_up && o.p99 < Duration::from_millis(250) {
            best = rate;
        } else {
            break;
        }
    }
    println!("highest rate kept up with: {best} lines/s");
}
