//! Spikes: buckets where 429s or 5xx rise well above their trailing baseline.
//!
//! The rule, also in `--help` and the README: a bucket spikes when its
//! count is at least [`MIN_COUNT`] and at least [`FACTOR`] times the mean of
//! the [`BASELINE_BUCKETS`] buckets before it (empty buckets count as 0).
//! Consecutive spiking buckets form one episode; the episode's baseline is
//! the one before its first bucket, so a long incident does not raise its
//! own bar. Within an episode, a bucket [`FACTOR`] times the one before it
//! starts a new episode: a storm on top of an exhausted quota is its own
//! incident.

use serde::Serialize;

use super::counts::BucketCounts;
use super::time::format_utc_secs;

pub const MIN_COUNT: u64 = 5;
pub const FACTOR: f64 = 4.0;
pub const BASELINE_BUCKETS: usize = 15;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spike {
    /// "429" or "5xx".
    pub series: &'static str,
    pub start: String,
    /// Start of the episode's last bucket.
    pub last: String,
    pub start_secs: i64,
    pub last_secs: i64,
    pub peak: u64,
    pub baseline: f64,
    /// Peak over baseline; `None` when the baseline is 0.
    pub factor: Option<f64>,
}

impl Spike {
    /// "5xx 8x baseline since 13:42" or "429 from ~0 at 13:05–13:09".
    pub fn describe(&self, ongoing: bool, clock: impl Fn(i64) -> String) -> String {
        let size =
            self.factor.map_or_else(|| format!("{} from ~0", self.peak), |f| format!("{f:.0}x baseline"));
        if ongoing {
            format!("{} {size} since {}", self.series, clock(self.start_secs))
        } else if self.start_secs == self.last_secs {
            format!("{} {size} at {}", self.series, clock(self.start_secs))
        } else {
            format!("{} {size} {}–{}", self.series, clock(self.start_secs), clock(self.last_secs))
        }
    }
}

/// Episodes in `buckets` (time order, gaps allowed), for both series.
pub fn find(buckets: &[(i64, BucketCounts)], bucket_secs: i64) -> Vec<Spike> {
    let mut out = find_series(buckets, bucket_secs, "429", |b| b.rate_limited);
    out.extend(find_series(buckets, bucket_secs, "5xx", |b| b.server_errors));
    out.sort_by_key(|s| (s.start_secs, s.series));
    out
}

fn find_series(
    buckets: &[(i64, BucketCounts)],
    bucket_secs: i64,
    series: &'static str,
    pick: impl Fn(&BucketCounts) -> u64,
) -> Vec<Spike> {
    let (Some(first), Some(last)) = (buckets.first(), buckets.last()) else { return Vec::new() };
    let secs = bucket_secs.max(1);
    // Dense values, empty buckets as 0 (capped so a sparse multi-year log stays cheap).
    let n = usize::try_from((last.0 - first.0) / secs + 1).unwrap_or(0).min(2_000_000);
    let mut values = vec![0u64; n];
    for (t, b) in buckets {
        if let Some(v) = usize::try_from((t - first.0) / secs).ok().and_then(|i| values.get_mut(i)) {
            *v = pick(b);
        }
    }
    let mut out = Vec::new();
    let mut window_sum = 0u64;
    let mut episode: Option<(usize, f64, u64)> = None;
    for (i, &v) in values.iter().enumerate() {
        let have = i.min(BASELINE_BUCKETS);
        #[allow(clippy::cast_precision_loss)]
        let baseline = if have == 0 { 0.0 } else { window_sum as f64 / have as f64 };
        #[allow(clippy::cast_precision_loss)]
        let above = |bar: f64| v >= MIN_COUNT && (v as f64) >= FACTOR * bar && have > 0;
        let previous = if i > 0 { values[i - 1] } else { 0 };
        #[allow(clippy::cast_precision_loss)]
        let new_rise = v >= MIN_COUNT && (v as f64) >= FACTOR * (previous.max(1) as f64);
        episode = match episode {
            // A jump on top of an episode is a new incident (a storm on top
            // of an exhausted quota, say), measured against the level before it.
            Some((start, bar, peak)) if new_rise && i > start + 1 => {
                out.push(spike(series, first.0, secs, start, i - 1, bar, peak));
                Some((i, baseline.max(previous as f64), v))
            }
            Some((start, bar, peak)) if above(bar) => Some((start, bar, peak.max(v))),
            Some((start, bar, peak)) => {
                out.push(spike(series, first.0, secs, start, i - 1, bar, peak));
                above(baseline).then_some((i, baseline, v))
            }
            None => above(baseline).then_some((i, baseline, v)),
        };
        window_sum += v;
        if i >= BASELINE_BUCKETS {
            window_sum -= values[i - BASELINE_BUCKETS];
        }
    }
    if let Some((start, bar, peak)) = episode {
        out.push(spike(series, first.0, secs, start, values.len() - 1, bar, peak));
    }
    out
}

fn spike(
    series: &'static str,
    origin: i64,
    secs: i64,
    start: usize,
    last: usize,
    baseline: f64,
    peak: u64,
) -> Spike {
    let at = |i: usize| origin + i64::try_from(i).unwrap_or(0) * secs;
    #[allow(clippy::cast_precision_loss)]
    let factor = (baseline > 0.0).then(|| (peak as f64 / baseline * 10.0).round() / 10.0);
    Spike {
        series,
        start: format_utc_secs(at(start)),
        last: format_utc_secs(at(last)),
        start_secs: at(start),
        last_secs: at(last),
        peak,
        baseline: (baseline * 100.0).round() / 100.0,
        factor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: &[u64]) -> Vec<(i64, BucketCounts)> {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                (
                    i as i64 * 60,
                    BucketCounts { requests: 100, failures: v, rate_limited: 0, server_errors: v },
                )
            })
            .collect()
    }

    #[test]
    fn finds_an_outage_and_its_start() {
        let mut v = vec![1; 20];
        v.extend([30, 40, 35, 2, 1, 1]);
        let s = find(&series(&v), 60);
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].series, s[0].start_secs, s[0].last_secs, s[0].peak), ("5xx", 20 * 60, 22 * 60, 40));
        assert_eq!(s[0].factor, Some(40.0));
        assert_eq!(s[0].describe(false, |t| format!("{}m", t / 60)), "5xx 40x baseline 20m–22m");
    }

    #[test]
    fn steady_or_small_counts_are_not_spikes() {
        assert!(find(&series(&[10; 40]), 60).is_empty());
        assert!(find(&series(&[0, 0, 0, 4, 0, 0]), 60).is_empty());
        // The first bucket has no baseline to compare with.
        assert!(find(&series(&[50, 50, 50]), 60).is_empty());
    }

    #[test]
    fn a_jump_within_an_episode_starts_another() {
        let mut v = vec![0; 20];
        v.extend([20; 10]);
        v.extend([400; 5]);
        v.extend([20; 5]);
        let s = find(&series(&v), 60);
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!((s[0].start_secs, s[0].last_secs), (20 * 60, 29 * 60));
        assert_eq!((s[1].start_secs, s[1].last_secs, s[1].peak), (30 * 60, 34 * 60, 400));
    }

    #[test]
    fn gaps_count_as_zero() {
        let b = vec![
            (0, BucketCounts { requests: 1, failures: 1, rate_limited: 1, server_errors: 0 }),
            (600, BucketCounts { requests: 9, failures: 9, rate_limited: 9, server_errors: 0 }),
        ];
        let s = find(&b, 60);
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].series, s[0].start_secs), ("429", 600));
    }
}
