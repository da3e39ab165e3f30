//! Who is behind a set of failures: their top keys, routes, client
//! addresses and upstreams, counted from the compact records.

use std::collections::HashMap;

use super::{Interner, Store};

impl Store {
    /// The top keys, routes, client IPs (and, for 5xx, upstreams) of the
    /// given failures, counted from their records.
    pub fn top_of(
        &self,
        failures: impl Iterator<Item = u32>,
        n: usize,
    ) -> crate::engine::insights::TopReport {
        use crate::engine::insights::Ranked;
        let mut keys: HashMap<u32, u64> = HashMap::new();
        let mut routes: HashMap<u32, u64> = HashMap::new();
        let mut ips: HashMap<u32, u64> = HashMap::new();
        let mut ups: HashMap<&str, u64> = HashMap::new();
        for i in failures {
            let Some(f) = self.failures.get(i as usize) else { continue };
            *keys.entry(f.key).or_default() += 1;
            *routes.entry(f.route).or_default() += 1;
            *ips.entry(f.client_ip).or_default() += 1;
            if f.status >= 500 {
                if let Some(up) = self.request_id(f).and_then(|id| self.insights.upstream_for(id)) {
                    *ups.entry(up).or_default() += 1;
                }
            }
        }
        let rank = |m: HashMap<u32, u64>, names: &Interner, strip_method: bool| -> Vec<Ranked> {
            let mut merged: HashMap<&str, u64> = HashMap::new();
            for (id, count) in m {
                let Some(name) = names.name(id) else { continue };
                // Routes are kept as "GET /v1/x"; rankings show the path, as `summary` does.
                let name = if strip_method { name.split_once(' ').map_or(name, |(_, p)| p) } else { name };
                *merged.entry(name).or_default() += count;
            }
            let mut v: Vec<Ranked> =
                merged.into_iter().map(|(value, count)| Ranked { value: value.to_owned(), count }).collect();
            v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            v.truncate(n);
            v
        };
        let mut upstreams: Vec<Ranked> =
            ups.into_iter().map(|(v, count)| Ranked { value: v.to_owned(), count }).collect();
        upstreams.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        upstreams.truncate(n);
        crate::engine::insights::TopReport {
            api_keys: rank(keys, &self.keys, false),
            paths: rank(routes, &self.routes, true),
            client_ips: rank(ips, &self.ips, false),
            upstreams: (!upstreams.is_empty()).then_some(upstreams),
        }
    }

    /// Failures (of the first `limit`) whose status passes `pick`.
    pub fn failures_where<'a>(
        &'a self,
        limit: usize,
        pick: impl Fn(u16) -> bool + 'a,
    ) -> impl Iterator<Item = u32> + 'a {
        self.failures[..limit.min(self.failures.len())]
            .iter()
            .enumerate()
            .filter(move |(_, f)| pick(f.status))
            .filter_map(|(i, _)| u32::try_from(i).ok())
    }
}
