//! The parse-and-count path, on generated traffic held in memory so the
//! figure is the parser's and not the disk's.
//!
//! Run: `cargo bench --bench parse`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wontopos_logs::engine::fields::Need;
use wontopos_logs::engine::generate::{generate, GenerateOptions};
use wontopos_logs::engine::line::read_lines;
use wontopos_logs::engine::observe::feed;
use wontopos_logs::engine::record::{parse_line, read, trim_line, Parsed};
use wontopos_logs::engine::stats::Summary;
use wontopos_logs::engine::store::Store;

fn traffic() -> Vec<u8> {
    let mut data = Vec::new();
    let opts = GenerateOptions { requests: 40_000, seed: 5, rate: 200.0, start: 1_795_525_200_000_000_000 };
    generate(&mut data, &opts).expect("generate into memory");
    data
}

fn bench(c: &mut Criterion) {
    let data = traffic();
    let map = wontopos_logs::engine::fields::wontopos_map();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.sample_size(20);
    group.bench_function("parse_lines", |b| {
        b.iter(|| {
            let mut requests = 0u64;
            for line in data.split(|&c| c == b'\n') {
                if let Some(l) = trim_line(line) {
                    if let wontopos_logs::engine::record::Parsed::Event(r) = parse_line(map, l) {
                        requests += u64::from(r.is_request());
                    }
                }
            }
            black_box(requests)
        });
    });
    group.bench_function("read_parse_count", |b| {
        b.iter(|| {
            let mut summary = Summary::new(60);
            read_lines(&mut data.as_slice(), |l| {
                if let Some(p) = wontopos_logs::engine::scan::read(map, &l, Need::All) {
                    summary.add(&p);
                }
            })
            .expect("in-memory read");
            black_box(summary.totals.requests)
        });
    });
    // The one reader alone, for counting and for the live view.
    group.bench_function("count_line", |b| {
        b.iter(|| {
            let mut events = 0u64;
            read_lines(&mut data.as_slice(), |l| {
                if let Some(l) = trim_line(l.bytes) {
                    events += u64::from(matches!(read(map, l, Need::Counts), Parsed::Event(_)));
                }
            })
            .expect("in-memory read");
            black_box(events)
        });
    });
    group.bench_function("read_line", |b| {
        b.iter(|| {
            let mut plain = 0u64;
            read_lines(&mut data.as_slice(), |l| {
                if let Some(l) = trim_line(l.bytes) {
                    let success = |p: &Parsed<'_>| matches!(p, Parsed::Event(r) if !r.class().needs_detail());
                    plain += u64::from(success(&read(map, l, Need::Insights)));
                }
            })
            .expect("in-memory read");
            black_box(plain)
        });
    });
    // What `summary` does: counts only, strings that counting skips unread.
    group.bench_function("summary_counts", |b| {
        b.iter(|| {
            let mut summary = Summary::new(60);
            read_lines(&mut data.as_slice(), |l| feed(&mut summary, 0, map, &l)).expect("in-memory read");
            black_box(summary.totals.requests)
        });
    });
    // What the live view does while it reads history: counts, rankings and
    // a compact record per failure.
    group.bench_function("store_history", |b| {
        b.iter(|| {
            let mut store = Store::new(60, Vec::new());
            read_lines(&mut data.as_slice(), |l| store.add_line(0, &l)).expect("in-memory read");
            black_box(store.failures.len())
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
