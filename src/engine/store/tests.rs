use super::*;
use crate::engine::line::Line;
use std::collections::BTreeMap;

fn route_of(method: Option<&str>, path: Option<&str>) -> Option<String> {
    let mut out = String::new();
    write_route(method, path?, &mut String::new(), &mut out);
    Some(out)
}

fn line(n: u64, s: &str) -> Line<'_> {
    Line { number: n, offset: n * 100, bytes: s.as_bytes(), oversized: false }
}

#[test]
fn routes_fold_ids() {
    assert_eq!(route_of(Some("GET"), Some("/v1/orders/52750")).as_deref(), Some("GET /v1/orders/{id}"));
    assert_eq!(route_of(None, Some("/v1/customers/cus_8f3k2j9d?x=1")).as_deref(), Some("/v1/customers/{id}"));
    assert_eq!(route_of(Some("POST"), Some("/v1/payments")).as_deref(), Some("POST /v1/payments"));
    assert_eq!(route_of(Some("GET"), None), None);
}

#[test]
fn store_counts_equal_summary() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/sample-logs/app.log")).unwrap();
    let mut store = Store::new(60, vec![]);
    let mut summary = Summary::new(60);
    for (i, l) in text.lines().enumerate() {
        let l = line(i as u64 + 1, l);
        store.add_line(0, &l);
        if let Some(p) = crate::engine::scan::read(crate::engine::fields::wontopos_map(), &l, Need::All) {
            summary.add(&p);
        }
    }
    assert_eq!(store.counts.summary.totals, summary.totals);
    let total: u64 = store.counts.groups.iter().map(|g| g.count).sum();
    assert_eq!(total, summary.totals.failures);
    assert_eq!(store.failures.len() as u64, summary.totals.failures);
    assert_eq!(store.malformed.len() as u64, summary.totals.malformed);
    let rl: u64 = store.counts.series().map(|(_, b)| b.rate_limited).sum();
    assert_eq!(rl, summary.totals.rate_limited);
}

#[test]
fn rebucket_sums_slots() {
    let mut s = BTreeMap::new();
    s.insert(0, 1u64);
    s.insert(10, 2);
    s.insert(60, 5);
    let b = rebucket(&s, 0, 119, 60, |a: &mut u64, v: &u64| *a += *v);
    assert_eq!(b, vec![(0, 3), (60, 5)]);
}

/// Issue 12, item 10: the live view counts times at the ends of the i64
/// nanosecond range without overflowing its series or windows.
#[test]
fn extreme_times_do_not_overflow_the_live_view() {
    let mut store = Store::new(60, vec![]);
    let lines = [
        r#"{"ts":"2262-04-11T23:47:16.854775807Z","status":500}"#,
        r#"{"ts":"1677-09-21T00:12:43.145224192Z","status":503}"#,
        r#"{"ts":"2262-04-12T00:00:00Z","status":503}"#,
        r#"{"ts":"2026-11-24T13:00:00Z","status":429}"#,
    ];
    for (i, l) in lines.iter().enumerate() {
        store.add_line(0, &line(i as u64 + 1, l));
    }
    assert_eq!(store.counts.summary.totals.requests, 4);
    assert_eq!(store.counts.summary.totals.untimed_requests, 1);
    let total: u64 = store.counts.series().map(|(_, b)| b.requests).sum();
    assert_eq!(total, 3);
}
