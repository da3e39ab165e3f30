//! A profile compiled for reading: per [`Need`], a tree of object keys
//! whose entries say which fields a value feeds, with what rank and unit.

use super::path::Step;
use super::{Field, Need, Profile, Unit};

/// What a value at one path feeds: a field, with the rank of its path
/// (lower wins; the written order, then flat before nested).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leaf {
    pub field: Field,
    pub rank: u16,
    pub unit: Option<Unit>,
}

/// Ranks of one written path's concrete readings: `path index * 16 + variant`.
const VARIANTS_PER_PATH: u16 = 16;

/// The keys of one object level.
#[derive(Debug, Default, Clone)]
pub struct Node {
    /// Sorted by key length, so one length is one contiguous run.
    entries: Vec<Entry>,
    /// Per key length, where those keys are in `entries` and their first
    /// bytes: most keys of a line are none of ours, and their length and
    /// first byte rule them out before any comparison.
    by_len: Vec<LenRun>,
}

#[derive(Debug, Default, Clone, Copy)]
struct LenRun {
    start: u16,
    end: u16,
    first: [u64; 4],
}

/// One key of a [`Node`]: the fields its value feeds when it is a scalar,
/// the keys below it when it is an object, the indexes when an array.
#[derive(Debug, Default, Clone)]
pub struct Entry {
    key: Box<[u8]>,
    /// The key's bytes as two words (see [`words`]), compared instead of
    /// the bytes: a call to `memcmp` per key cost a tenth of counting.
    words: (u64, u64),
    pub leaves: Vec<Leaf>,
    pub child: Option<Box<Node>>,
    pub elements: Vec<(usize, Entry)>,
}

impl Node {
    #[inline(always)]
    pub fn get(&self, key: &[u8]) -> Option<&Entry> {
        let run = self.by_len.get(key.len())?;
        let first = *key.first()?;
        if run.first[usize::from(first >> 6)] & (1 << (first & 63)) == 0 {
            return None;
        }
        self.find(run, key)
    }

    fn find(&self, run: &LenRun, key: &[u8]) -> Option<&Entry> {
        let words = words(key);
        self.entries
            .get(usize::from(run.start)..usize::from(run.end))?
            .iter()
            .find(|e| e.words == words && (key.len() <= 16 || &*e.key == key))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn entry(&mut self, key: &str) -> &mut Entry {
        let at = match self.entries.iter().position(|e| &*e.key == key.as_bytes()) {
            Some(i) => i,
            None => {
                let words = words(key.as_bytes());
                self.entries.push(Entry { key: key.as_bytes().into(), words, ..Entry::default() });
                self.entries.len() - 1
            }
        };
        &mut self.entries[at]
    }

    fn insert(&mut self, steps: &[Step], leaf: Leaf) {
        let Some((Step::Key(k), rest)) = steps.split_first() else { return };
        self.entry(k).insert(rest, leaf);
    }

    fn freeze(&mut self) {
        self.entries.sort_by_key(|e| e.key.len());
        let longest = self.entries.last().map_or(0, |e| e.key.len());
        self.by_len = vec![LenRun::default(); longest + 1];
        for (i, e) in self.entries.iter().enumerate() {
            let i = u16::try_from(i).unwrap_or(u16::MAX);
            let run = &mut self.by_len[e.key.len()];
            if run.start == run.end {
                (run.start, run.end) = (i, i);
            }
            run.end = i + 1;
            if let Some(&b) = e.key.first() {
                run.first[usize::from(b >> 6)] |= 1 << (b & 63);
            }
        }
        for e in &mut self.entries {
            e.freeze();
        }
    }
}

/// Two words that, for keys of the same length up to 16 bytes, are equal
/// exactly when the keys are: the first and the last eight bytes (or four,
/// or each byte, for shorter keys), which may overlap.
#[inline]
fn words(k: &[u8]) -> (u64, u64) {
    let n = k.len();
    let word = |at: usize| u64::from_le_bytes(k[at..at + 8].try_into().unwrap_or([0; 8]));
    let half = |at: usize| u64::from(u32::from_le_bytes(k[at..at + 4].try_into().unwrap_or([0; 4])));
    match n {
        8.. => (word(0), word(n - 8)),
        4..=7 => (half(0), half(n - 4)),
        _ => (k.iter().fold(0, |w, &b| w << 8 | u64::from(b)), 0),
    }
}

impl Entry {
    #[inline]
    pub fn element(&self, index: usize) -> Option<&Entry> {
        self.elements.iter().find(|(i, _)| *i == index).map(|(_, e)| e)
    }

    fn insert(&mut self, rest: &[Step], leaf: Leaf) {
        match rest.split_first() {
            None => {
                if !self.leaves.contains(&leaf) {
                    self.leaves.push(leaf);
                }
            }
            Some((Step::Key(_), _)) => self.child.get_or_insert_with(Box::default).insert(rest, leaf),
            Some((Step::Index(i), more)) => {
                let at = match self.elements.iter().position(|(j, _)| j == i) {
                    Some(at) => at,
                    None => {
                        self.elements.push((*i, Entry::default()));
                        self.elements.len() - 1
                    }
                };
                self.elements[at].1.insert(more, leaf);
            }
        }
    }

    fn freeze(&mut self) {
        // Best rank first, so a value feeding one field twice is read once.
        self.leaves.sort_by_key(|l| (l.field, l.rank));
        self.leaves.dedup_by_key(|l| l.field);
        if let Some(c) = &mut self.child {
            c.freeze();
        }
        for (_, e) in &mut self.elements {
            e.freeze();
        }
    }
}

/// A profile ready to read with.
#[derive(Debug, Clone)]
pub struct FieldMap {
    pub profile: String,
    /// Values in the log contract's forms only (see [`Profile::strict`]).
    pub strict: bool,
    counts: Node,
    insights: Node,
    all: Node,
}

impl FieldMap {
    pub fn compile(profile: &Profile) -> FieldMap {
        let build = |need: Need| {
            let mut root = Node::default();
            for field in Field::ALL.into_iter().filter(|f| f.needed_for(need)) {
                for (i, path) in profile.paths(field).iter().enumerate() {
                    let i = u16::try_from(i).unwrap_or(u16::MAX / VARIANTS_PER_PATH - 1);
                    for (v, steps) in path.variants().iter().enumerate() {
                        let v = u16::try_from(v).unwrap_or(VARIANTS_PER_PATH - 1);
                        let leaf = Leaf { field, rank: i * VARIANTS_PER_PATH + v, unit: path.unit };
                        root.insert(steps, leaf);
                    }
                }
            }
            root.freeze();
            root
        };
        FieldMap {
            profile: profile.name.clone(),
            strict: profile.strict,
            counts: build(Need::Counts),
            insights: build(Need::Insights),
            all: build(Need::All),
        }
    }

    #[inline]
    pub fn root(&self, need: Need) -> &Node {
        match need {
            Need::Counts => &self.counts,
            Need::Insights => &self.insights,
            Need::All => &self.all,
        }
    }
}
