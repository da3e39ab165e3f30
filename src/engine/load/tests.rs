//! The parallel load against one reader, and a timing to run by hand.

use super::*;
use crate::engine::line::read_lines;

fn big_log(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("big.log");
    let opts = crate::engine::generate::GenerateOptions {
        requests: 150_000,
        seed: 3,
        rate: 100.0,
        start: 1_795_525_200_000_000_000,
    };
    let mut f = std::fs::File::create(&path).unwrap();
    crate::engine::generate::generate(&mut f, &opts).unwrap();
    // A last line still being written: left for the follower.
    use std::io::Write;
    f.write_all(br#"{"status":500,"#).unwrap();
    drop(f);
    assert!(std::fs::metadata(&path).unwrap().len() > 2 * CHUNK);
    path
}

/// Without a filter: counted in one pass, details read in another.
#[test]
fn two_pass_load_equals_one_reader() {
    let dir = tempfile::tempdir().unwrap();
    // A window that cuts the generated traffic (from 2026-11-24T12:00Z,
    // 100 requests a second) about halfway.
    let window = TimeWindow { since: Some(1_795_525_200_000_000_000 + 300 * 1_000_000_000), until: None };
    load_equals_one_reader(&big_log(dir.path()), None, window);
}

/// A file cut short between the passes (truncated in place): the detail
/// pass says so instead of reading past its end.
#[test]
fn detail_pass_on_a_file_cut_short_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.log");
    let failure = br#"{"status":503,"code":"service_unavailable","request_id":"req_1"}"#;
    std::fs::write(&path, [&failure[..], b"\n"].concat()).unwrap();
    let len = u32::try_from(failure.len()).unwrap();
    let here = DetailLine { number: 1, offset: 0, len };
    let gone = DetailLine { number: 2, offset: u64::from(len) + 1, len };
    let mut block = Vec::new();
    let part = read_details(&path, &[here], &mut block, Store::new(60, vec![])).unwrap();
    assert_eq!(part.failures.len(), 1);
    assert!(read_details(&path, &[here, gone], &mut block, Store::new(60, vec![])).is_err());
}

/// With a filter, every field is read in a single pass.
#[test]
fn filtered_load_equals_one_reader() {
    let dir = tempfile::tempdir().unwrap();
    let filter = crate::engine::filter::Filter::parse("status>=429").unwrap();
    load_equals_one_reader(&big_log(dir.path()), Some(filter), TimeWindow::default());
}

fn load_equals_one_reader(path: &Path, filter: Option<crate::engine::filter::Filter>, window: TimeWindow) {
    let filter = filter.map(std::sync::Arc::new);
    let new_store = || Store::new(60, vec![]).with_window(window).with_filter(filter.clone());
    let path = &path.to_path_buf();
    let shared = Mutex::new(new_store());
    let loaded = load_history(path, 0, 3, &shared, window).unwrap();
    let parallel = shared.into_inner().unwrap();

    let mut serial = new_store();
    let bytes = std::fs::read(path).unwrap();
    let complete = &bytes[..usize::try_from(loaded.offset).unwrap()];
    let mut lines = 0;
    read_lines(&mut &complete[..], |l| {
        lines = l.number;
        serial.add_line(0, &l);
    })
    .unwrap();
    assert_eq!(loaded.next_line, lines + 1);
    // Totals, groups, buckets and the insights (Retry-After, upstreams).
    let report = |s: &Store| serde_json::to_string(&s.report()).unwrap();
    assert_eq!(report(&parallel), report(&serial));
    assert!(parallel.counts.summary.totals.failures > 5_000);
    assert!(window.since.is_none() || parallel.counts.summary.totals.requests < 140_000, "the window cuts");
    assert_eq!(parallel.counts.summary.totals, serial.counts.summary.totals);
    let series = |s: &Store| {
        let mut out = BTreeMap::<i64, crate::engine::stats::BucketCounts>::new();
        s.counts.series().for_each(|(t, b)| out.entry(*t).or_default().merge(b));
        out
    };
    assert_eq!(series(&parallel), series(&serial));
    assert_eq!(parallel.failures.len(), serial.failures.len());
    for (a, b) in parallel.failures.iter().zip(&serial.failures) {
        assert_eq!((a.line, a.offset, parallel.request_id(a)), (b.line, b.offset, serial.request_id(b)));
        assert_eq!(parallel.keys.name(a.key), serial.keys.name(b.key));
        assert_eq!(parallel.routes.name(a.route), serial.routes.name(b.route));
        let (ga, gb) = (&parallel.counts.groups[a.group as usize], &serial.counts.groups[b.group as usize]);
        assert_eq!((&ga.code, ga.status, ga.count), (&gb.code, gb.status, gb.count));
    }
    // Each group's failures, in arrival order, by line.
    let by_group = |s: &Store| {
        let mut v: Vec<(Option<String>, u16, Vec<u64>)> = s
            .by_group
            .iter()
            .enumerate()
            .map(|(g, list)| {
                let info = &s.counts.groups[g];
                let lines = list.iter().map(|&i| s.failures[i as usize].line).collect();
                (info.code.as_deref().map(str::to_owned), info.status, lines)
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(by_group(&parallel), by_group(&serial));
    let lines_of = |s: &Store| s.malformed.iter().map(|m| m.line).collect::<Vec<_>>();
    assert_eq!(lines_of(&parallel), lines_of(&serial));
}

/// A second source of another shape is loaded with its own profile, on
/// both the one-pass and the two-pass path (parts read it as their source
/// 0, which must be this source's map, not the first source's).
#[test]
fn each_source_loads_with_its_own_profile() {
    use crate::engine::fields::{wontopos_map, FieldMap, Mapping};
    let dir = tempfile::tempdir().unwrap();
    let fixture =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/profiles/pino-http.jsonl"))
            .unwrap();
    let pino = std::sync::Arc::new(FieldMap::compile(Mapping::wontopos().profile("pino-http").unwrap()));
    for copies in [1u64, 4000] {
        let path = dir.path().join(format!("pino-{copies}.log"));
        std::fs::write(&path, fixture.repeat(copies as usize)).unwrap();
        let state = |name: &str| crate::engine::store::SourceState {
            profile: String::new(),
            name: name.to_owned(),
            path: None,
            initial_size: 0,
            read: 0,
            counted: false,
            indexed: 0,
            caught_up: false,
            ended: false,
        };
        let store = Store::new(60, vec![state("app.log"), state("pino.log")])
            .with_fields(vec![std::sync::Arc::clone(wontopos_map()), std::sync::Arc::clone(&pino)]);
        let shared = std::sync::Mutex::new(store);
        super::load_history(&path, 1, 2, &shared, Default::default()).unwrap();
        let st = shared.into_inner().unwrap();
        let t = st.counts.summary.totals;
        assert_eq!(
            (t.requests, t.failures, t.server_errors),
            (8 * copies, 5 * copies, 2 * copies),
            "{copies}"
        );
        assert_eq!(st.failures.len() as u64, 5 * copies);
    }
}

mod timing {
    /// `BIG_LOG=/path cargo test --release --lib load_timing -- --ignored --nocapture`
    #[test]
    #[ignore = "a measurement, run by hand"]
    fn load_timing() {
        let Some(path) = std::env::var_os("BIG_LOG") else { return };
        let source = crate::engine::store::SourceState {
            profile: String::new(),
            name: String::new(),
            path: None,
            initial_size: 0,
            read: 0,
            counted: false,
            indexed: 0,
            caught_up: false,
            ended: false,
        };
        let shared = std::sync::Arc::new(std::sync::Mutex::new(super::Store::new(60, vec![source])));
        let t = std::time::Instant::now();
        // When the counts were complete, as the view would see it.
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watcher = {
            let (shared, done) = (std::sync::Arc::clone(&shared), std::sync::Arc::clone(&done));
            std::thread::spawn(move || loop {
                if shared.lock().unwrap().sources[0].counted {
                    return Some(t.elapsed());
                }
                if done.load(std::sync::atomic::Ordering::SeqCst) {
                    return None;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            })
        };
        let l = super::load_history(std::path::Path::new(&path), 0, 2, &shared, Default::default()).unwrap();
        let loaded = t.elapsed();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        eprintln!("counted in {:?}, loaded {} lines in {loaded:?}", watcher.join().unwrap(), l.next_line - 1);
    }
}
