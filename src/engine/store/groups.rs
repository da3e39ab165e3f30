//! Failure groups (a code and a status) and the interned strings failures
//! point at: what lets a failure record stay a few numbers.

use std::collections::BTreeMap;

use super::Store;
use crate::engine::time::Nanos;

#[derive(Debug, Clone)]
pub struct GroupInfo {
    pub code: Option<Box<str>>,
    pub status: u16,
    pub count: u64,
    pub first_seen: Option<Nanos>,
    pub last_seen: Option<Nanos>,
    /// The arrival order of its first failure, for "new" markers.
    pub first_index: usize,
    /// Failures per slot, but for the slot being filled (`current`): read
    /// them together with [`GroupInfo::series`].
    pub(super) series: BTreeMap<i64, u32>,
    /// Failures mostly come in time order: counted here until the slot
    /// changes, not looked up in the map each time.
    pub(super) current: Option<(i64, u32)>,
}

impl GroupInfo {
    pub(super) fn new(code: Option<Box<str>>, status: u16, first_index: usize) -> Self {
        GroupInfo {
            code,
            status,
            count: 0,
            first_seen: None,
            last_seen: None,
            first_index,
            series: BTreeMap::new(),
            current: None,
        }
    }

    pub(super) fn count_in(&mut self, slot: i64, n: u32) {
        match &mut self.current {
            Some((s, count)) if *s == slot => *count += n,
            current => {
                if let Some((s, count)) = current.replace((slot, n)) {
                    *self.series.entry(s).or_default() += count;
                }
            }
        }
    }

    /// Failures per slot. A slot may come twice (once from the map, once
    /// as the slot being filled): sum what it yields.
    pub fn series(&self) -> impl Iterator<Item = (&i64, &u32)> {
        self.series.iter().chain(self.current.as_ref().map(|(slot, n)| (slot, n)))
    }
}

/// What a failure group is: its code and status.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct GroupKey {
    pub(super) code: Option<Box<str>>,
    pub(super) status: u16,
}

/// A [`GroupKey`] with a borrowed code; hashes as the owned one does.
#[derive(Hash)]
pub(super) struct GroupKeyRef<'a> {
    pub(super) code: Option<&'a str>,
    pub(super) status: u16,
}

impl hashbrown::Equivalent<GroupKey> for GroupKeyRef<'_> {
    fn equivalent(&self, key: &GroupKey) -> bool {
        self.status == key.status && self.code == key.code.as_deref()
    }
}

/// Strings seen again and again (API keys, routes), stored once.
#[derive(Debug, Clone, Default)]
pub struct Interner {
    ids: foldhash::HashMap<Box<str>, u32>,
    pub(super) names: Vec<Box<str>>,
}

impl Interner {
    pub const NONE: u32 = u32::MAX;
    pub fn intern(&mut self, s: Option<&str>) -> u32 {
        let Some(s) = s else { return Self::NONE };
        if let Some(id) = self.ids.get(s) {
            return *id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(Self::NONE);
        self.names.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }
    pub fn name(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize).map(|s| &**s)
    }
}

impl Store {
    /// The id of the group of (`code`, `status`), made if new.
    pub(super) fn group_of(&mut self, code: Option<&str>, status: u16) -> u32 {
        let c = &mut self.counts;
        let cached = self.last_group.filter(|&g| {
            let info = &c.groups[g as usize];
            info.status == status && info.code.as_deref() == code
        });
        // Looked up by the borrowed code: failures of different groups
        // interleave, and a key built per lookup was an allocation each.
        let group = match cached.or_else(|| self.group_ids.get(&GroupKeyRef { code, status }).copied()) {
            Some(g) => g,
            None => {
                let key = GroupKey { code: code.map(Box::from), status };
                let g = u32::try_from(c.groups.len()).unwrap_or(u32::MAX);
                c.groups.push(GroupInfo::new(key.code.clone(), status, self.failures.len()));
                self.by_group.push(Vec::new());
                self.group_ids.insert(key, g);
                g
            }
        };
        self.last_group = Some(group);
        group
    }

    /// Counts a failure in its group (`slot`: its series slot, if known).
    pub(super) fn count_failure(&mut self, code: Option<&str>, status: u16, at: Option<(Nanos, i64)>) -> u32 {
        let group = self.group_of(code, status);
        let info = &mut self.counts.groups[group as usize];
        info.count += 1;
        if let Some((ts, slot)) = at {
            info.first_seen = Some(info.first_seen.map_or(ts, |f| f.min(ts)));
            info.last_seen = Some(info.last_seen.map_or(ts, |l| l.max(ts)));
            info.count_in(slot, 1);
        }
        group
    }
}
