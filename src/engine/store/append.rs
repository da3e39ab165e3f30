//! Joining the store of one chunk of a file onto the store of what came
//! before it, for the parallel history load.

use super::{GroupInfo, GroupKey, Interner, Store};

impl Store {
    /// Appends `part`, the store of the lines that follow this one's in
    /// `source` (its line numbers start at 1 and are shifted by
    /// `lines_before`). Groups, keys and routes are matched by value.
    pub fn append(&mut self, source: usize, part: Store, lines_before: u64) {
        let source16 = u16::try_from(source).unwrap_or(u16::MAX);
        let c = &mut self.counts;
        c.summary.merge(&part.counts.summary);
        for (slot, b) in part.counts.series() {
            c.series.entry(*slot).or_default().merge(b);
        }
        for t in [part.counts.earliest, part.counts.latest].into_iter().flatten() {
            c.earliest = Some(c.earliest.map_or(t, |e| e.min(t)));
            c.latest = Some(c.latest.map_or(t, |l| l.max(t)));
        }
        c.future += part.counts.future;
        if let Some(t) = part.counts.future_latest {
            c.future_latest = Some(c.future_latest.map_or(t, |l| l.max(t)));
        }
        let base = self.failures.len();
        let ids_base = self.request_ids.len() as u64;
        self.request_ids.push_str(&part.request_ids);
        let group_map: Vec<u32> = part
            .counts
            .groups
            .into_iter()
            .map(|g| {
                let key = GroupKey { code: g.code.clone(), status: g.status };
                if let Some(&id) = self.group_ids.get(&key) {
                    let mine = &mut c.groups[id as usize];
                    mine.count += g.count;
                    for t in [g.first_seen, g.last_seen].into_iter().flatten() {
                        mine.first_seen = Some(mine.first_seen.map_or(t, |f| f.min(t)));
                        mine.last_seen = Some(mine.last_seen.map_or(t, |l| l.max(t)));
                    }
                    for (slot, n) in g.series() {
                        mine.count_in(*slot, *n);
                    }
                    id
                } else {
                    let id = u32::try_from(c.groups.len()).unwrap_or(u32::MAX);
                    c.groups.push(GroupInfo { first_index: base + g.first_index, ..g });
                    self.by_group.push(Vec::new());
                    self.group_ids.insert(key, id);
                    id
                }
            })
            .collect();
        // Each of the part's names is looked up once, not once per failure.
        let table = |mine: &mut Interner, theirs: &Interner| -> Vec<u32> {
            (0..theirs.names.len()).map(|i| mine.intern(theirs.names.get(i).map(|n| &**n))).collect()
        };
        let (keys, routes, ips) = (
            table(&mut self.keys, &part.keys),
            table(&mut self.routes, &part.routes),
            table(&mut self.ips, &part.ips),
        );
        let remap = |t: &[u32], id: u32| t.get(id as usize).copied().unwrap_or(Interner::NONE);
        // The part's per-group lists, shifted: one extend per group rather
        // than a push per failure into lists all over memory.
        for (local, list) in part.by_group.iter().enumerate() {
            let shift = |i: &u32| u32::try_from(base + *i as usize).unwrap_or(u32::MAX);
            self.by_group[group_map[local] as usize].extend(list.iter().map(shift));
        }
        self.failures.extend(part.failures.into_iter().map(|mut f| {
            f.group = group_map[f.group as usize];
            f.key = remap(&keys, f.key);
            f.route = remap(&routes, f.route);
            f.client_ip = remap(&ips, f.client_ip);
            f.source = source16;
            f.line += lines_before;
            if let Some(id) = f.request_id.as_mut() {
                id.start += ids_base;
            }
            f
        }));
        for mut m in part.malformed {
            m.source = source16;
            m.line += lines_before;
            self.malformed.push(m);
        }
        self.notices.extend(part.notices);
        self.insights.merge(&part.insights);
        self.counts.failures_len = self.failures.len();
        self.counts.malformed_len = self.malformed.len();
        self.generation += 1;
    }
}
