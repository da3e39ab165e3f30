//! A randomized model test of the follower, as Vector's file-source model
//! test does: a seeded sequence of appends, partial lines and rotations of
//! every kind (rename, rename away and back, delete and recreate,
//! copytruncate, truncate and regrow, a writer keeping its offset across a
//! truncation, a symlink switched, the directory removed, a file that
//! appears late) runs against real files and against a model of what was
//! written and what a follower can still reach. Every line carries a unique
//! sequence number; the follower must deliver exactly the lines the model
//! says, none twice.
//!
//! Three modes: `stepped` (the test places each look of the follower between
//! its writes, rotated files read for as long as the test runs), `stepped,
//! no wait` (a rotated file is read once more and then let go, so one that
//! comes back must resume from where it was), and `threaded` (the real loop
//! on its own thread, woken by filesystem events or by polling; the model
//! then bounds what may be seen, since the loop looks more often than
//! asked). `FOLLOW_MODEL_SEEDS=200` runs more seeds than the default.

use std::collections::{BTreeSet, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wontopos_logs::engine::follow::{self, Event, FollowOptions, Follower};
use wontopos_logs::engine::input::Source;

const OPS: usize = 40;
const DEADLINE: Duration = Duration::from_secs(20);

/// The seeds a mode runs, from `base`: `FOLLOW_MODEL_SEEDS` of them (6 by
/// default), or the one `FOLLOW_MODEL_SEED` names to replay a failure.
fn seeds(base: u64) -> Vec<u64> {
    let var = |name: &str| std::env::var(name).ok().and_then(|s| s.parse::<u64>().ok());
    if let Some(one) = var("FOLLOW_MODEL_SEED") {
        return if one >= base && one < base + 1_000_000 { vec![one] } else { Vec::new() };
    }
    (base..base + var("FOLLOW_MODEL_SEEDS").unwrap_or(6)).collect()
}

/// SplitMix64: a seed gives the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
}

/// One file as written: where it is, what it holds, and what the model
/// says the follower has read of it.
struct ModelFile {
    name: Option<PathBuf>,
    writer: File,
    content: Vec<u8>,
    /// The end of a line written in two pieces, still to come.
    pending: Option<Vec<u8>>,
    state: State,
    read_upto: usize,
}

/// What the follower does with a file, in the model.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    /// Never at the path when the follower looked.
    Unseen,
    /// At the path at its last look.
    Current,
    /// Left the path and still read (in the no-wait mode, once more).
    Draining,
    /// Let go; read again from where it was if it comes back.
    Dropped,
}

struct World {
    logs: PathBuf,
    path: PathBuf,
    /// The path is a symlink to one of the files.
    linked: bool,
    link_target: Option<usize>,
    files: Vec<ModelFile>,
    next_seq: u64,
    next_name: u64,
    /// What the follower must have delivered.
    expected: BTreeSet<u64>,
    /// Every complete line ever written: what it may deliver.
    written: BTreeSet<u64>,
    no_wait: bool,
    log: Vec<String>,
}

fn seqs_in(bytes: &[u8]) -> Vec<u64> {
    bytes
        .split(|&b| b == b'\n')
        .filter_map(|l| {
            let l = l.iter().skip_while(|&&b| b == 0).copied().collect::<Vec<u8>>();
            let s = std::str::from_utf8(&l).ok()?;
            let at = s.find("\"seq\":")? + 6;
            s[at..].trim_end_matches('}').parse().ok()
        })
        .collect()
}

impl World {
    fn new(root: &Path, linked: bool, no_wait: bool) -> World {
        let logs = root.join("logs");
        std::fs::create_dir(&logs).expect("mkdir");
        World {
            path: logs.join("app.log"),
            logs,
            linked,
            link_target: None,
            files: Vec::new(),
            next_seq: 0,
            next_name: 0,
            expected: BTreeSet::new(),
            written: BTreeSet::new(),
            no_wait,
            log: Vec::new(),
        }
    }

    fn line(&mut self) -> Vec<u8> {
        let l = format!("{{\"status\":200,\"seq\":{}}}\n", self.next_seq);
        self.next_seq += 1;
        l.into_bytes()
    }

    fn write(&mut self, k: usize, bytes: &[u8]) {
        let f = &mut self.files[k];
        f.writer.write_all(bytes).expect("write");
        f.content.extend_from_slice(bytes);
        self.written.extend(seqs_in(&complete_part(bytes)));
    }

    /// Appends `n` whole lines to file `k`, finishing a split line first.
    fn append(&mut self, k: usize, n: u64) {
        if let Some(rest) = self.files[k].pending.take() {
            let seq_line =
                [self.files[k].content.rsplit(|&b| b == b'\n').next().unwrap_or(&[]), &rest].concat();
            self.files[k].writer.write_all(&rest).expect("write");
            self.files[k].content.extend_from_slice(&rest);
            self.written.extend(seqs_in(&seq_line));
        }
        let mut buf = Vec::new();
        for _ in 0..n {
            buf.extend(self.line());
        }
        self.write(k, &buf);
    }

    fn append_split(&mut self, k: usize) {
        if self.files[k].pending.is_some() {
            return self.append(k, 1);
        }
        let line = self.line();
        let cut = line.len() / 2;
        self.files[k].writer.write_all(&line[..cut]).expect("write");
        self.files[k].content.extend_from_slice(&line[..cut]);
        self.files[k].pending = Some(line[cut..].to_vec());
    }

    fn finish_split(&mut self, k: usize) {
        if self.files[k].pending.is_some() {
            self.append(k, 0);
        }
    }

    /// A new file at `name`, with at least one whole line in it.
    fn create(&mut self, name: PathBuf) -> usize {
        let writer = OpenOptions::new().create_new(true).append(true).open(&name).expect("create");
        self.files.push(ModelFile {
            name: Some(name),
            writer,
            content: Vec::new(),
            pending: None,
            state: State::Unseen,
            read_upto: 0,
        });
        let k = self.files.len() - 1;
        self.append(k, 1);
        k
    }

    fn fresh_name(&mut self, stem: &str) -> PathBuf {
        self.next_name += 1;
        self.logs.join(format!("{stem}.{}", self.next_name))
    }

    /// The file the path leads to now.
    fn at_path(&self) -> Option<usize> {
        if self.linked {
            let k = self.link_target?;
            let link_ok = std::fs::symlink_metadata(&self.path).is_ok();
            return (link_ok && self.files[k].name.is_some()).then_some(k);
        }
        self.files.iter().position(|f| f.name.as_deref() == Some(self.path.as_path()))
    }

    fn create_at_path(&mut self) {
        if self.linked {
            let target = self.fresh_name("target");
            let k = self.create(target.clone());
            self.point_link(k);
        } else {
            self.create(self.path.clone());
        }
    }

    fn point_link(&mut self, k: usize) {
        let target = self.files[k].name.clone().expect("a named target");
        let tmp = self.logs.join("link.tmp");
        symlink(&target, &tmp).expect("symlink");
        std::fs::rename(&tmp, &self.path).expect("switch link");
        self.link_target = Some(k);
    }

    /// What one look of the follower reads, in the model, in its order:
    /// files that left the path, then the one at it.
    fn look(&mut self) {
        if self.no_wait {
            for k in 0..self.files.len() {
                if self.files[k].state == State::Draining {
                    self.read(k);
                    self.files[k].state = State::Dropped;
                }
            }
        }
        let at = self.at_path();
        for k in 0..self.files.len() {
            if self.files[k].state == State::Current && Some(k) != at {
                self.read(k);
                self.files[k].state = State::Draining;
            }
        }
        if let Some(k) = at {
            self.files[k].state = State::Current;
        }
        for k in 0..self.files.len() {
            if matches!(self.files[k].state, State::Current | State::Draining) {
                self.read(k);
            }
        }
    }

    fn read(&mut self, k: usize) {
        let f = &mut self.files[k];
        let end = f.content.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        if end > f.read_upto {
            self.expected.extend(seqs_in(&f.content[f.read_upto..end]));
            f.read_upto = end;
        }
    }

    fn truncate(&mut self, k: usize) {
        self.finish_split(k);
        let name = self.files[k].name.clone().expect("named");
        OpenOptions::new().write(true).open(&name).expect("open").set_len(0).expect("truncate");
        self.files[k].content.clear();
        self.files[k].read_upto = 0;
    }

    fn step(&mut self, rng: &mut Rng) -> Option<String> {
        let at = self.at_path();
        let op = rng.below(15);
        let what = match (op, at) {
            (0..=3, Some(k)) => {
                let n = 1 + rng.below(20);
                self.append(k, n);
                format!("append {n}")
            }
            (4, Some(k)) => {
                self.append_split(k);
                "half a line".into()
            }
            (5, _) => {
                // The writer still holds an older file and writes there.
                let old: Vec<usize> = (0..self.files.len()).filter(|&k| Some(k) != at).collect();
                if old.is_empty() {
                    return None;
                }
                let k = old[rng.below(old.len() as u64) as usize];
                let n = 1 + rng.below(5);
                self.append(k, n);
                format!("write {n} to old file {k}")
            }
            (6, Some(k)) if !self.linked => {
                self.finish_split(k);
                let to = self.fresh_name("app.log");
                std::fs::rename(&self.path, &to).expect("rotate");
                self.files[k].name = Some(to);
                if rng.chance(2) {
                    self.create_at_path();
                }
                "rename rotation".into()
            }
            (7, Some(k)) if !self.linked => {
                let to = self.logs.join("away.tmp");
                self.finish_split(k);
                for f in &mut self.files {
                    if f.name.as_deref() == Some(to.as_path()) {
                        f.name = None;
                    }
                }
                std::fs::rename(&self.path, &to).expect("away");
                self.files[k].name = Some(to);
                "rename away".into()
            }
            (7, None) if !self.linked => {
                let to = self.logs.join("away.tmp");
                let k = self.files.iter().position(|f| f.name.as_deref() == Some(to.as_path()))?;
                std::fs::rename(&to, &self.path).expect("back");
                self.files[k].name = Some(self.path.clone());
                "rename back".into()
            }
            (8, Some(k)) if !self.linked => {
                self.finish_split(k);
                std::fs::remove_file(&self.path).expect("delete");
                self.files[k].name = None;
                if rng.chance(2) {
                    self.create_at_path();
                }
                "delete".into()
            }
            (9, None) => {
                self.create_at_path();
                "create".into()
            }
            (10, Some(k)) => {
                self.truncate(k);
                let n = rng.below(4);
                self.append(k, n);
                format!("copytruncate, then {n}")
            }
            (11, Some(k)) if self.files[k].state == State::Current => {
                // A writer without O_APPEND goes on at its offset.
                self.finish_split(k);
                let old_len = self.files[k].content.len();
                self.truncate(k);
                let line = self.line();
                let name = self.files[k].name.clone().expect("named");
                let mut w = OpenOptions::new().write(true).open(&name).expect("open");
                w.seek(SeekFrom::Start(old_len as u64)).expect("seek");
                w.write_all(&line).expect("write");
                self.files[k].content = vec![0u8; old_len];
                self.files[k].content.extend_from_slice(&line);
                self.written.extend(seqs_in(&line));
                "truncate with a NUL hole".into()
            }
            (12, Some(k)) => {
                self.finish_split(k);
                let before = self.files[k].content.len();
                self.truncate(k);
                while self.files[k].content.len() <= before {
                    self.append(k, 3);
                }
                "truncate and regrow past the old size".into()
            }
            (13, Some(k)) if self.linked => {
                self.finish_split(k);
                let others: Vec<usize> =
                    (0..self.files.len()).filter(|&j| j != k && self.files[j].name.is_some()).collect();
                if others.is_empty() || rng.chance(2) {
                    self.create_at_path();
                    "symlink to a new file".into()
                } else {
                    let j = others[rng.below(others.len() as u64) as usize];
                    self.point_link(j);
                    format!("symlink back to file {j}")
                }
            }
            (14, _) if rng.chance(3) => {
                for k in 0..self.files.len() {
                    if self.files[k].name.is_some() {
                        self.finish_split(k);
                    }
                }
                std::fs::remove_dir_all(&self.logs).expect("rm -r");
                for f in &mut self.files {
                    f.name = None;
                }
                self.link_target = None;
                std::fs::create_dir(&self.logs).expect("mkdir");
                if rng.chance(2) {
                    self.create_at_path();
                }
                "directory removed and made again".into()
            }
            _ => return None,
        };
        Some(what)
    }

    fn finish_all(&mut self) {
        for k in 0..self.files.len() {
            self.finish_split(k);
        }
    }
}

fn complete_part(bytes: &[u8]) -> Vec<u8> {
    let end = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    bytes[..end].to_vec()
}

#[derive(Default)]
struct Seen {
    seqs: HashMap<u64, u32>,
    garbled: Vec<String>,
}

impl Seen {
    fn take(&mut self, ev: Event<'_>) {
        if let Event::Line { line, .. } = ev {
            // As the reader does: a NUL run before a line is a hole, not the line.
            let bytes = &line.bytes[line.bytes.iter().position(|&b| b != 0).unwrap_or(line.bytes.len())..];
            if !bytes.is_empty() && !bytes.starts_with(b"{") {
                self.garbled.push(String::from_utf8_lossy(line.bytes).escape_debug().to_string());
            }
            for s in seqs_in(line.bytes) {
                *self.seqs.entry(s).or_default() += 1;
            }
        }
    }
}

fn options(no_wait: bool, watch: bool) -> FollowOptions {
    FollowOptions {
        poll: Duration::from_millis(10),
        rotate_wait: if no_wait { Duration::ZERO } else { Duration::from_secs(3600) },
        watch,
        ..FollowOptions::default()
    }
}

fn check(seed: u64, mode: &str, world: &World, seen: &Seen, exact: bool) {
    let story = || format!("seed {seed} ({mode}), steps:\n  {}", world.log.join("\n  "));
    assert!(seen.garbled.is_empty(), "lines not as written {:?}; {}", seen.garbled, story());
    let twice: Vec<_> = seen.seqs.iter().filter(|(_, &n)| n > 1).map(|(s, _)| *s).collect();
    assert!(twice.is_empty(), "delivered twice: {twice:?}; {}", story());
    let got: BTreeSet<u64> = seen.seqs.keys().copied().collect();
    let lost: Vec<_> = world.expected.difference(&got).collect();
    assert!(lost.is_empty(), "lost {lost:?}; {}", story());
    let bound = if exact { &world.expected } else { &world.written };
    let extra: Vec<_> = got.difference(bound).collect();
    assert!(extra.is_empty(), "delivered, never reachable {extra:?}; {}", story());
}

fn stepped(seed: u64, no_wait: bool) {
    let root = tempfile::tempdir().expect("tempdir");
    let mut rng = Rng(seed);
    let mut world = World::new(root.path(), rng.chance(3), no_wait);
    if !rng.chance(4) {
        world.create_at_path();
    }
    let mut follower = Follower::new(&[Source::File(world.path.clone())], options(no_wait, false), None);
    let mut seen = Seen::default();
    let mut look = |world: &mut World, seen: &mut Seen| {
        follower.poll(&mut |ev| seen.take(ev));
        world.look();
        world.log.push("look".into());
    };
    look(&mut world, &mut seen);
    for _ in 0..OPS {
        if let Some(what) = world.step(&mut rng) {
            world.log.push(what);
        }
        if rng.chance(3) {
            look(&mut world, &mut seen);
        }
    }
    world.finish_all();
    look(&mut world, &mut seen);
    look(&mut world, &mut seen);
    let mode = if no_wait { "stepped, no wait" } else { "stepped" };
    check(seed, mode, &world, &seen, true);
}

#[test]
fn stepped_follower_matches_the_model() {
    for seed in seeds(0) {
        stepped(seed, false);
    }
}

#[test]
fn stepped_follower_that_lets_rotated_files_go_matches_the_model() {
    for seed in seeds(1_000_000) {
        stepped(seed, true);
    }
}

fn threaded(seed: u64, watch: bool) {
    let root = tempfile::tempdir().expect("tempdir");
    let mut rng = Rng(seed);
    let mut world = World::new(root.path(), rng.chance(3), false);
    world.create_at_path();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let handle = {
        let (seen, stop, path) = (Arc::clone(&seen), Arc::clone(&stop), world.path.clone());
        std::thread::spawn(move || {
            follow::follow(&[Source::File(path)], &options(false, watch), &stop, |ev| {
                seen.lock().expect("lock").take(ev);
            })
        })
    };
    // A look here is a wait until the follower has delivered what the
    // model says one look would: it looked at least once since.
    let sync = |world: &mut World| {
        world.look();
        let start = Instant::now();
        loop {
            let got: BTreeSet<u64> = seen.lock().expect("lock").seqs.keys().copied().collect();
            if world.expected.is_subset(&got) {
                break;
            }
            if start.elapsed() > DEADLINE {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        world.log.push("sync".into());
    };
    sync(&mut world);
    for _ in 0..OPS {
        let before = world.at_path();
        if let Some(what) = world.step(&mut rng) {
            world.log.push(what);
        }
        // A new file at the path is looked at before anything else happens
        // to it, or the model could not say whether the loop ever saw it.
        if rng.chance(3) || world.at_path() != before {
            sync(&mut world);
        }
    }
    world.finish_all();
    sync(&mut world);
    std::thread::sleep(Duration::from_millis(100));
    stop.store(true, Ordering::SeqCst);
    handle.join().expect("follower thread");
    let mode = if watch { "threaded, events" } else { "threaded, polling" };
    check(seed, mode, &world, &seen.lock().expect("lock"), false);
}

#[test]
fn threaded_follower_with_events_matches_the_model() {
    for seed in seeds(2_000_000) {
        threaded(seed, true);
    }
}

#[test]
fn threaded_follower_polling_matches_the_model() {
    for seed in seeds(3_000_000) {
        threaded(seed, false);
    }
}
