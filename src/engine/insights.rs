//! Who is behind the failures, and who ignores Retry-After.
//!
//! Kept alongside the counts and merged the same way (parts in file order):
//! - the top API keys, routes (`/v1/orders/{id}`) and client IPs of all
//!   failures, of the 429s and of the 5xx;
//! - for 5xx, the upstream services named by other lines of the same
//!   request id (the "upstream call failed" warnings);
//! - Retry-After compliance: after a 429 or 503 that carries `retry_after`,
//!   a request by the same API key before that many seconds have passed is
//!   a request that ignored it; keys are ranked by how often, and by how
//!   early they came back.

use rustc_hash::FxBuildHasher;

type FxHashMap<K, V> = hashbrown::HashMap<K, V, FxBuildHasher>;
use serde::Serialize;

use super::record::Record;
use super::route::normalize_path;

/// Distinct values kept per ranking (and API keys tracked for Retry-After).
/// Past it, the values kept are those with the smallest hashes: a value kept
/// in the whole file is kept in every part that has it, so its count is
/// exact and the same however the file was split among threads.
const MAX_DISTINCT: usize = 50_000;
/// Request ids kept for joining 5xx with upstream warnings.
const MAX_CORRELATED: usize = 1_000_000;
const OTHER: &str = "(other)";

/// Up to [`MAX_DISTINCT`] values by name, the smallest hashes kept.
#[derive(Debug, Clone)]
struct Capped<V> {
    map: FxHashMap<Box<str>, V>,
    /// Built when the map first fills: the kept values, largest hash on top.
    by_hash: std::collections::BinaryHeap<(u64, Box<str>)>,
    cap: usize,
}

impl<V> Default for Capped<V> {
    fn default() -> Self {
        Capped { map: FxHashMap::default(), by_hash: std::collections::BinaryHeap::new(), cap: MAX_DISTINCT }
    }
}

/// What [`Capped::slot`] did with a value.
enum Slot<'a, V> {
    Kept(&'a mut V),
    /// Not kept (its hash is above every kept one).
    Left,
}

impl<V: Default> Capped<V> {
    /// The value's entry, made if there is room or its hash beats the
    /// largest kept; `evicted` gets what had to make way.
    fn slot(&mut self, key: &str, mut evicted: impl FnMut(V)) -> Slot<'_, V> {
        // Below the cap (nearly always) one lookup does it.
        if self.map.len() < self.cap {
            return Slot::Kept(self.map.entry_ref(key).or_default());
        }
        if self.map.contains_key(key) {
            return Slot::Kept(self.map.get_mut(key).expect("just seen"));
        }
        if self.by_hash.is_empty() {
            self.by_hash = self.map.keys().map(|k| (value_hash(k), k.clone())).collect();
        }
        let h = value_hash(key);
        match self.by_hash.peek() {
            Some((top, _)) if h < *top => {
                let (_, out) = self.by_hash.pop().expect("peeked");
                if let Some(v) = self.map.remove(&out) {
                    evicted(v);
                }
                self.by_hash.push((h, key.into()));
            }
            _ => return Slot::Left,
        }
        Slot::Kept(self.map.entry_ref(key).or_default())
    }
}

fn value_hash(v: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(v)
}

#[derive(Debug, Clone, Default)]
pub struct Counter {
    kept: Capped<u64>,
    other: u64,
}

impl Counter {
    fn add(&mut self, value: &str, n: u64) {
        let mut evicted = 0;
        match self.kept.slot(value, |c| evicted += c) {
            Slot::Kept(c) => *c += n,
            Slot::Left => self.other += n,
        }
        self.other += evicted;
    }
    fn merge(&mut self, o: &Counter) {
        for (k, v) in &o.kept.map {
            self.add(k, *v);
        }
        self.other += o.other;
    }
    /// The `n` largest, ties by name.
    pub fn top(&self, n: usize) -> Vec<Ranked> {
        let mut v: Vec<Ranked> =
            self.kept.map.iter().map(|(k, c)| Ranked { value: k.to_string(), count: *c }).collect();
        if self.other > 0 {
            v.push(Ranked { value: OTHER.to_owned(), count: self.other });
        }
        v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        v.truncate(n);
        v
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ranked {
    pub value: String,
    pub count: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Top {
    pub api_keys: Counter,
    pub paths: Counter,
    pub client_ips: Counter,
    scratch: String,
}

impl Top {
    fn add(&mut self, r: &Record<'_>) {
        if let Some(k) = r.api_key_id.as_deref() {
            self.api_keys.add(k, 1);
        }
        if let Some(p) = r.path.as_deref() {
            normalize_path(p, &mut self.scratch);
            self.paths.add(&self.scratch, 1);
        }
        if let Some(ip) = r.client_ip.as_deref() {
            self.client_ips.add(ip, 1);
        }
    }
    fn merge(&mut self, o: &Top) {
        self.api_keys.merge(&o.api_keys);
        self.paths.merge(&o.paths);
        self.client_ips.merge(&o.client_ips);
    }
}

#[derive(Debug, Clone, Default)]
struct KeyRetry {
    /// The wait in force: told at `.0`, may call again from `.1` (ms).
    active: Option<(i64, i64)>,
    told: u64,
    violations: u64,
    early_ms_total: u64,
    early_ms_max: u64,
    first_violation: Option<i64>,
    told_in_part: bool,
    head: Vec<i64>,
}

impl KeyRetry {
    fn violation(&mut self, t: i64, until: i64) {
        let early = u64::try_from(until - t).unwrap_or(0);
        self.violations += 1;
        self.early_ms_total += early;
        self.early_ms_max = self.early_ms_max.max(early);
        self.first_violation = Some(self.first_violation.map_or(t, |f| f.min(t)));
    }
}

#[derive(Debug, Clone, Default)]
pub struct Insights {
    /// The live view ranks from its own failure records; it keeps only the
    /// Retry-After tracking and the upstream correlation here.
    no_tops: bool,
    /// Failures by class, each counted once; `failures()` adds them up.
    pub rate_limited: Top,
    pub server_errors: Top,
    other_failures: Top,
    /// Request ids by a 64-bit hash: collisions are negligible at these
    /// sizes and a hash is a tenth of the memory of the id.
    upstream_of: FxHashMap<u64, u32>,
    upstream_names: Vec<Box<str>>,
    server_error_ids: Vec<u64>,
    retry: Capped<KeyRetry>,
}

impl Insights {
    pub fn without_tops() -> Self {
        Insights { no_tops: true, ..Insights::default() }
    }

    /// Takes every event that was counted.
    pub fn add(&mut self, r: &Record<'_>) {
        if !r.is_request() {
            if let (Some(id), Some(up)) = (r.request_id.as_deref(), r.upstream.as_deref()) {
                if self.upstream_of.len() < MAX_CORRELATED {
                    let name = self.upstream_id(up);
                    self.upstream_of.insert(id_hash(id), name);
                }
            }
            return;
        }
        if !r.is_failure() {
            return;
        }
        if let (Some(key), Some(ts)) = (r.api_key_id.as_deref(), r.ts) {
            self.track_retry(key, ts / 1_000_000, r);
        }
        if self.no_tops {
        } else if r.is_rate_limited() {
            self.rate_limited.add(r);
        } else if r.is_server_error() {
            self.server_errors.add(r);
        } else {
            self.other_failures.add(r);
        }
        if r.is_server_error() {
            if let Some(id) = r.request_id.as_deref() {
                if self.server_error_ids.len() < MAX_CORRELATED {
                    self.server_error_ids.push(id_hash(id));
                }
            }
        }
    }

    fn track_retry(&mut self, key: &str, t: i64, r: &Record<'_>) {
        let told_now = matches!(r.status, Some(429 | 503)) && r.retry_after.is_some();
        let Slot::Kept(k) = self.retry.slot(key, drop) else { return };
        match k.active {
            Some((t0, until)) if t > t0 && t < until => k.violation(t, until),
            // Checked at merge time against a wait the previous part left open.
            _ if !k.told_in_part => k.head.push(t),
            _ => {}
        }
        if told_now {
            let secs = i64::try_from(r.retry_after.unwrap_or(0)).unwrap_or(i64::MAX / 2_000);
            k.active = Some((t, t.saturating_add(secs.saturating_mul(1000))));
            k.told += 1;
            k.told_in_part = true;
        }
    }

    /// Appends `later`, the insights of the lines after these.
    pub fn merge(&mut self, later: &Insights) {
        self.other_failures.merge(&later.other_failures);
        self.rate_limited.merge(&later.rate_limited);
        self.server_errors.merge(&later.server_errors);
        for (k, v) in &later.upstream_of {
            if self.upstream_of.len() < MAX_CORRELATED {
                let name = self.upstream_id(&later.upstream_names[*v as usize]);
                self.upstream_of.insert(*k, name);
            }
        }
        let room = MAX_CORRELATED.saturating_sub(self.server_error_ids.len());
        self.server_error_ids.extend(later.server_error_ids.iter().take(room));
        for (key, theirs) in &later.retry.map {
            let Slot::Kept(mine) = self.retry.slot(key, drop) else { continue };
            // Their first requests may fall in a wait that ours left open.
            if let Some((t0, until)) = mine.active {
                for &t in &theirs.head {
                    if t > t0 && t < until {
                        mine.violation(t, until);
                    }
                }
            }
            mine.told += theirs.told;
            mine.violations += theirs.violations;
            mine.early_ms_total += theirs.early_ms_total;
            mine.early_ms_max = mine.early_ms_max.max(theirs.early_ms_max);
            if let Some(f) = theirs.first_violation {
                mine.first_violation = Some(mine.first_violation.map_or(f, |m| m.min(f)));
            }
            if theirs.told_in_part {
                mine.active = theirs.active;
            }
            if !mine.told_in_part {
                mine.head.extend_from_slice(&theirs.head);
            }
            mine.told_in_part |= theirs.told_in_part;
        }
    }

    fn upstream_id(&mut self, name: &str) -> u32 {
        if let Some(i) = self.upstream_names.iter().position(|n| &**n == name) {
            return u32::try_from(i).unwrap_or(u32::MAX);
        }
        self.upstream_names.push(name.into());
        u32::try_from(self.upstream_names.len() - 1).unwrap_or(u32::MAX)
    }

    /// All failures: the three classes together.
    pub fn failures(&self) -> Top {
        let mut all = self.other_failures.clone();
        all.merge(&self.rate_limited);
        all.merge(&self.server_errors);
        all
    }

    /// The upstream named by another line of this request, if any.
    pub fn upstream_for(&self, request_id: &str) -> Option<&str> {
        self.upstream_of.get(&id_hash(request_id)).map(|i| &*self.upstream_names[*i as usize])
    }

    pub fn upstreams(&self) -> Counter {
        let mut c = Counter::default();
        for id in &self.server_error_ids {
            if let Some(up) = self.upstream_of.get(id) {
                c.add(&self.upstream_names[*up as usize], 1);
            }
        }
        c
    }

    /// Keys that called again before their Retry-After had passed, worst first.
    pub fn retry_offenders(&self) -> Vec<RetryOffender> {
        let mut v: Vec<RetryOffender> = self
            .retry
            .map
            .iter()
            .filter(|(_, k)| k.violations > 0)
            .map(|(key, k)| RetryOffender {
                api_key: key.to_string(),
                told: k.told,
                early_requests: k.violations,
                #[allow(clippy::cast_precision_loss)]
                mean_seconds_early: (k.early_ms_total as f64 / k.violations as f64 / 1000.0 * 10.0).round()
                    / 10.0,
                #[allow(clippy::cast_precision_loss)]
                max_seconds_early: (k.early_ms_max as f64 / 100.0).round() / 10.0,
                first_seen: k.first_violation.map(|ms| super::time::format_utc(ms * 1_000_000)),
            })
            .collect();
        v.sort_by(|a, b| b.early_requests.cmp(&a.early_requests).then_with(|| a.api_key.cmp(&b.api_key)));
        v
    }
}

fn id_hash(id: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(id)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetryOffender {
    pub api_key: String,
    /// Responses that told this key to wait (429/503 with retry_after).
    pub told: u64,
    /// Requests made while a wait was in force.
    pub early_requests: u64,
    pub mean_seconds_early: f64,
    pub max_seconds_early: f64,
    pub first_seen: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopReport {
    pub api_keys: Vec<Ranked>,
    pub paths: Vec<Ranked>,
    pub client_ips: Vec<Ranked>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstreams: Option<Vec<Ranked>>,
}

impl TopReport {
    pub fn of(top: &Top, upstreams: Option<&Counter>, n: usize) -> Self {
        TopReport {
            api_keys: top.api_keys.top(n),
            paths: top.paths.top(n),
            client_ips: top.client_ips.top(n),
            upstreams: upstreams.map(|u| u.top(n)),
        }
    }
}
