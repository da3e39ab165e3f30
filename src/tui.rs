//! `wontopos-logs tail`: the live triage dashboard.
//!
//! Threads: the follower (or a one-shot loader) and a stdin reader feed one
//! shared `Store`; the main thread owns the `App`, reads keys and the mouse,
//! and redraws when the store or the state changed, at most ~30 times a
//! second. Request lookups for the detail view run on their own thread so
//! keys stay answered while a large file is searched.

pub mod app;
mod terminal_health;
pub mod view;

use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use base64::Engine as _;
use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use ratatui::crossterm::execute;
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};

use crate::engine::detect::ProfiledSource;
use crate::engine::fields::{FieldMap, Mapping};
use crate::engine::follow::{self, FollowOptions, StartAt};
use crate::engine::input::Source;
use crate::engine::line::LineSplitter;
use crate::engine::load;
use crate::engine::lookup::{self, Entry};
use crate::engine::report::{ReportOptions, Session};
use crate::engine::stats::TimeWindow;
use crate::engine::store::{SourceState, Store};
use app::{Action, App};

#[derive(Debug, Clone)]
pub struct TailOptions {
    pub sources: Vec<Source>,
    /// How each source is read (its profile), by index, and how that was chosen.
    pub profiled: Vec<ProfiledSource>,
    pub mapping: Mapping,
    pub follow: bool,
    pub bucket: i64,
    pub bucket_override: Option<i64>,
    pub start: StartAt,
    pub window: TimeWindow,
    pub poll_only: bool,
    /// Marks and notes; `None` when there is no file to keep them beside.
    pub session: Option<PathBuf>,
    pub redact: bool,
    pub filter: Option<crate::engine::filter::Filter>,
}

type Shared = Arc<Mutex<Store>>;

fn lock(store: &Shared) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs the dashboard until the user quits or a signal arrives. Returns the
/// process exit status.
pub fn run(opts: &TailOptions) -> anyhow::Result<u8> {
    if !io::stdout().is_terminal() {
        bail!("tail draws a dashboard and needs a terminal; for scripts use `summary --json` (or `summary --follow`)");
    }
    for s in &opts.sources {
        if let Source::File(p) = s {
            if p.is_dir() {
                bail!("{}: is a directory, not a log file", p.display());
            }
        }
    }
    let spool = Spool::new()?;
    let store = Arc::new(Mutex::new(
        Store::new(opts.bucket, source_states(opts, &spool))
            .with_window(opts.window)
            .with_filter(opts.filter.clone().map(Arc::new))
            .with_fields(field_maps(opts)),
    ));
    let mut stop_ingest = start_ingest(opts, &store, &spool)?;
    let signal = Arc::new(AtomicUsize::new(0));
    for sig in [SIGTERM, SIGHUP, SIGINT, SIGQUIT] {
        signal_hook::flag::register_usize(sig, Arc::clone(&signal), usize::try_from(sig).unwrap_or(15))
            .context("installing signal handlers")?;
    }
    let lookup_sources: Vec<ProfiledSource> = lock(&store)
        .sources
        .iter()
        .zip(&opts.profiled)
        .filter_map(|(s, profiled)| {
            let path = s.path.clone()?;
            Some(ProfiledSource { source: Source::File(path), ..profiled.clone() })
        })
        .collect();

    let mut terminal = init_terminal()?;
    let result = event_loop(&mut terminal, opts, &store, &signal, &lookup_sources, &spool, &mut stop_ingest);
    restore_terminal();
    stop_ingest.store(true, Ordering::SeqCst);
    drop(spool);
    result
}

fn field_maps(opts: &TailOptions) -> Vec<Arc<FieldMap>> {
    opts.profiled.iter().map(|p| Arc::clone(&p.fields)).collect()
}

fn source_states(opts: &TailOptions, spool: &Spool) -> Vec<SourceState> {
    opts.sources
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut state = source_state(s, spool);
            state.profile = opts.profiled.get(i).map(|p| p.detection.profile.clone()).unwrap_or_default();
            state
        })
        .collect()
}

fn source_state(s: &Source, spool: &Spool) -> SourceState {
    match s {
        Source::File(p) => SourceState {
            name: p.display().to_string(),
            path: (!s.is_gzip()).then(|| p.clone()),
            initial_size: std::fs::metadata(p).map_or(0, |m| m.len()),
            read: 0,
            counted: false,
            indexed: 0,
            caught_up: false,
            ended: false,
            profile: String::new(),
        },
        Source::Stdin => SourceState {
            name: "stdin".into(),
            path: Some(spool.path.clone()),
            initial_size: 0,
            read: 0,
            counted: false,
            indexed: 0,
            caught_up: true,
            ended: false,
            profile: String::new(),
        },
    }
}

/// Stdin cannot be read twice, so what arrives is also written to a
/// temporary file that the detail view can search. Removed on exit.
struct Spool {
    path: PathBuf,
}

impl Spool {
    fn new() -> anyhow::Result<Self> {
        let path = std::env::temp_dir().join(format!("wontopos-logs-stdin-{}.log", std::process::id()));
        Ok(Spool { path })
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn start_ingest(opts: &TailOptions, store: &Shared, spool: &Spool) -> anyhow::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut files = Vec::new();
    for (i, s) in opts.sources.iter().enumerate() {
        match s {
            Source::Stdin => spawn_stdin(i, Arc::clone(store), spool.path.clone())?,
            _ => files.push((i, s.clone())),
        }
    }
    if files.is_empty() {
        return Ok(stop);
    }
    let (store, flag, opts) = (Arc::clone(store), Arc::clone(&stop), opts.clone());
    std::thread::Builder::new().name("ingest".into()).spawn(move || ingest(&opts, &files, &store, &flag))?;
    Ok(stop)
}

/// A new filter: a fresh store, read from the start by a fresh reader; the
/// old reader stops and its late writes are refused by the epoch check.
fn restart_ingest(
    opts: &TailOptions,
    filter: Option<crate::engine::filter::Filter>,
    store: &Shared,
    spool: &Spool,
    stop: &mut Arc<AtomicBool>,
) -> anyhow::Result<()> {
    stop.store(true, Ordering::SeqCst);
    // Stdin was consumed once; its spool file holds everything it sent.
    let sources: Vec<Source> = opts
        .sources
        .iter()
        .map(|s| if *s == Source::Stdin { Source::File(spool.path.clone()) } else { s.clone() })
        .collect();
    let ropts = TailOptions { sources, filter: filter.clone(), ..opts.clone() };
    {
        let mut st = lock(store);
        let epoch = st.epoch + 1;
        let states = source_states(&ropts, spool);
        *st = Store::new(opts.bucket, states)
            .with_window(opts.window)
            .with_filter(filter.map(Arc::new))
            .with_fields(field_maps(opts));
        st.epoch = epoch;
    }
    *stop = start_ingest(&ropts, store, spool)?;
    Ok(())
}

/// Reads the files' history on every core, then follows them (or, with
/// --no-follow, reads what is left once).
fn ingest(opts: &TailOptions, files: &[(usize, Source)], store: &Shared, stop: &AtomicBool) {
    let threads = crate::engine::scan::default_threads();
    let epoch = lock(store).epoch;
    let mut resume = vec![None; files.len()];
    for (k, (i, s)) in files.iter().enumerate() {
        let Source::File(path) = s else { continue };
        if s.is_gzip()
            || opts.start != StartAt::FromStart
            || !std::fs::metadata(path).is_ok_and(|m| m.is_file())
        {
            continue;
        }
        match load::load_history(path, *i, threads, store, opts.window) {
            Ok(l) => resume[k] = Some(StartAt::At { offset: l.offset, line: l.next_line }),
            Err(e) => lock(store).notice(format!("{}: {e}", path.display())),
        }
        if stop.load(Ordering::Relaxed) {
            return;
        }
    }
    let index: Vec<usize> = files.iter().map(|(i, _)| *i).collect();
    let sources: Vec<Source> = files.iter().map(|(_, s)| s.clone()).collect();
    if opts.follow {
        let fopts =
            FollowOptions { watch: !opts.poll_only, start: opts.start, resume, ..FollowOptions::default() };
        follow::follow(&sources, &fopts, stop, |ev| {
            let mut st = lock(store);
            if st.epoch != epoch {
                return;
            }
            match ev {
                follow::Event::Line { source, line } => st.add_line(index[source], &line),
                follow::Event::Notice { text, .. } => st.notice(text),
                follow::Event::CaughtUp { source } => st.caught_up(index[source]),
                follow::Event::Ended { source } => st.sources[index[source]].ended = true,
            }
        });
        return;
    }
    for (k, s) in sources.iter().enumerate() {
        let i = index[k];
        let result = match resume[k] {
            Some(StartAt::At { offset, line }) => {
                read_rest(s, offset, line, |l| add_if_current(store, epoch, i, &l))
            }
            _ => follow::read_once(s, |l| add_if_current(store, epoch, i, &l)).map_err(|e| e.to_string()),
        };
        let mut st = lock(store);
        if let Err(e) = result {
            st.notice(e);
        }
        st.caught_up(i);
        st.sources[i].ended = true;
    }
}

fn add_if_current(store: &Shared, epoch: u64, source: usize, line: &crate::engine::line::Line<'_>) {
    let mut st = lock(store);
    if st.epoch == epoch {
        st.add_line(source, line);
    }
}

/// The rest of a file from `offset` (line `line`) to its end, last line included.
fn read_rest(
    s: &Source,
    offset: u64,
    line: u64,
    mut f: impl FnMut(crate::engine::line::Line<'_>),
) -> Result<(), String> {
    let Source::File(path) = s else { return Ok(()) };
    std::fs::File::open(path)
        .and_then(|mut file| crate::engine::line::read_lines_at(&mut file, offset, line, &mut f))
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn spawn_stdin(i: usize, store: Shared, spool_path: PathBuf) -> anyhow::Result<()> {
    let mut spool = std::fs::File::create(&spool_path)
        .with_context(|| format!("{}: cannot create", spool_path.display()))?;
    let epoch = lock(&store).epoch;
    std::thread::Builder::new().name("stdin".into()).spawn(move || {
        // With what was read to choose its profile in front.
        let mut stdin = crate::engine::input::stdin_reader();
        let mut splitter = LineSplitter::new();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let _ = spool.write_all(&buf[..n]);
                    splitter.push(&buf[..n]);
                    let mut st = lock(&store);
                    // After a new filter the spool is read by the new reader.
                    let current = st.epoch == epoch;
                    splitter.drain_lines(|l| {
                        if current {
                            st.add_line(i, &l);
                        }
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    lock(&store).notice(format!("stdin: {e}"));
                    break;
                }
            }
        }
        let mut st = lock(&store);
        if st.epoch == epoch {
            splitter.finish(|l| st.add_line(i, &l));
            st.sources[i].ended = true;
        }
        st.notice("stdin closed; everything it sent is shown".into());
    })?;
    Ok(())
}

/// The view's copy of the session's marks and notes.
fn sync_marks(app: &mut App, session: &Session) {
    app.marks = session.marks.iter().map(|m| m.request_id.clone()).collect();
    app.notes = session
        .marks
        .iter()
        .filter(|m| !m.note.is_empty())
        .map(|m| (m.request_id.clone(), m.note.clone()))
        .collect();
}

type Term = ratatui::DefaultTerminal;

fn init_terminal() -> anyhow::Result<Term> {
    let terminal = ratatui::try_init().context("cannot set up the terminal")?;
    // Mouse capture is ours to undo, before ratatui's own restore runs.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(io::stdout(), DisableMouseCapture);
        ratatui::restore();
        previous(info);
    }));
    execute!(io::stdout(), EnableMouseCapture).context("cannot enable the mouse")?;
    Ok(terminal)
}

fn restore_terminal() {
    let _ = execute!(io::stdout(), DisableMouseCapture);
    ratatui::restore();
}

/// Keys, mouse and resizes arrive on their own thread, so that the main
/// loop keeps answering signals and redrawing whatever the terminal does.
fn spawn_input() -> mpsc::Receiver<io::Result<Event>> {
    let (tx, rx) = mpsc::channel();
    let _ = std::thread::Builder::new().name("input".into()).spawn(move || {
        let mut health = terminal_health::TerminalHealth::default();
        loop {
            let ev = match event::read() {
                Ok(ev) => {
                    health.ok();
                    Ok(ev)
                }
                Err(e) if !health.failed(&e) => {
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
                Err(e) => Err(e),
            };
            let failed = ev.is_err();
            if tx.send(ev).is_err() || failed {
                return;
            }
        }
    });
    rx
}

/// Writes the Markdown report beside the first file (or in the current
/// directory) and returns its path.
fn write_report(opts: &TailOptions, store: &Store, session: &Session) -> io::Result<PathBuf> {
    let now = crate::engine::time::now_nanos();
    let stamp = chrono::DateTime::<chrono::Utc>::from_timestamp_nanos(now).format("%Y%m%dT%H%M%SZ");
    let path = match opts.sources.first() {
        Some(Source::File(p)) => {
            let mut name = p.file_name().map(std::ffi::OsStr::to_os_string).unwrap_or_default();
            name.push(format!(".incident-{stamp}.md"));
            p.with_file_name(name)
        }
        _ => PathBuf::from(format!("wontopos-incident-{stamp}.md")),
    };
    let names: Vec<String> = store.sources.iter().map(|s| s.name.clone()).collect();
    let mut report = store.report();
    let all = store.failures.len();
    let n = crate::engine::stats::TOP_N;
    report.top = Some(store.top_of(store.failures_where(all, |_| true), n));
    let mut rl = store.top_of(store.failures_where(all, |s| s == 429), n);
    rl.upstreams = None;
    report.top_rate_limited = Some(rl);
    report.top_server_errors = Some(store.top_of(store.failures_where(all, |s| s >= 500), n));
    crate::engine::hints::describe_sources(&mut report, &opts.profiled);
    let warnings = crate::engine::hints::field_warnings(&report.totals, &opts.profiled, &opts.mapping);
    let ropts = ReportOptions {
        sources: &names,
        generated_at: crate::engine::time::format_utc_secs(now / 1_000_000_000),
        redact: opts.redact,
        marks: &session.marks,
        warnings: &warnings,
    };
    let failure_of = |id: &str| {
        store.failures.iter().rev().find(|f| store.request_id(f) == Some(id)).map(|f| {
            let code =
                store.counts.groups.get(f.group as usize).and_then(|g| g.code.as_deref()).map(str::to_owned);
            (code, f.status)
        })
    };
    let mut out = io::BufWriter::new(std::fs::File::create(&path)?);
    crate::engine::report::write_markdown(&mut out, &report, &ropts, &failure_of)?;
    out.flush()?;
    Ok(path)
}

type LookupSlot = Arc<Mutex<Option<(String, Result<Vec<Entry>, String>)>>>;

/// For benchmarks (`benches/compare.sh`): with `WONTOPOS_LOADED_MARK=FILE`,
/// the wall clock (Unix nanoseconds) at which the first frame with the
/// complete counts of the history was drawn, and its request count, are
/// written to FILE; a second line, `NANOS indexed`, follows once the
/// failures' details are read too. So the script can time both without a
/// poller sharing the cores it measures.
struct LoadedMark {
    file: Option<PathBuf>,
    counted: bool,
}

impl LoadedMark {
    fn from_env() -> Self {
        LoadedMark { file: std::env::var_os("WONTOPOS_LOADED_MARK").map(PathBuf::from), counted: false }
    }
    fn drawn(&mut self, requests: u64, indexed: bool) {
        let Some(file) = &self.file else { return };
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        if !self.counted {
            self.counted = true;
            let _ = std::fs::write(file, format!("{} {requests}\n", now.as_nanos()));
        }
        if indexed {
            use std::io::Write;
            if let Ok(mut f) = std::fs::OpenOptions::new().append(true).open(file) {
                let _ = writeln!(f, "{} indexed", now.as_nanos());
            }
            self.file = None;
        }
    }
}

fn event_loop(
    terminal: &mut Term,
    opts: &TailOptions,
    store: &Shared,
    signal: &AtomicUsize,
    lookup_sources: &[ProfiledSource],
    spool: &Spool,
    stop_ingest: &mut Arc<AtomicBool>,
) -> anyhow::Result<u8> {
    let mut app = App::new(opts.follow, opts.bucket_override);
    app.no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let mut session = match &opts.session {
        Some(p) => Session::load(p).unwrap_or_else(|e| {
            app.status = Some(format!("session not loaded: {e}"));
            Session::default()
        }),
        None => Session::default(),
    };
    sync_marks(&mut app, &session);
    let lookup_slot: LookupSlot = Arc::new(Mutex::new(None));
    let mut drawn_generation = u64::MAX;
    let mut dirty = true;
    let mut last_draw = Instant::now() - Duration::from_secs(1);
    let mut last_probe = Instant::now();
    let mut size_health = terminal_health::TerminalHealth::default();
    let mut was_loading = false;
    let mut loaded_mark = LoadedMark::from_env();
    let input = spawn_input();
    loop {
        let sig = signal.load(Ordering::SeqCst);
        if sig != 0 {
            return Ok(u8::try_from(128 + sig).unwrap_or(143));
        }
        if let Some((id, result)) = lookup_slot.lock().unwrap_or_else(PoisonError::into_inner).take() {
            if let Some(d) = app.detail.as_mut().filter(|d| d.request_id == id) {
                let mut result = result;
                if opts.redact {
                    if let Ok(entries) = result.as_mut() {
                        entries.iter_mut().for_each(|e| crate::engine::redact::redact_value(&mut e.value));
                    }
                }
                d.entries = Some(result);
                dirty = true;
            }
        }
        let (generation, loading, indexing) = {
            let st = lock(store);
            (st.generation, st.progress().is_some(), st.indexing().is_some())
        };
        // The frame that shows the finished history is the one the operator
        // waits for: drawn at once, not at the next slow tick.
        if was_loading && !loading {
            dirty = true;
        }
        was_loading = loading;
        let store_changed = generation != drawn_generation && app.paused.is_none();
        // While the history loads, fewer frames leave the cores to the readers;
        // keys still redraw at once.
        let gap = Duration::from_millis(if loading || indexing { 250 } else { 33 });
        if dirty || (store_changed && last_draw.elapsed() >= gap) {
            let st = lock(store);
            app.field_warnings = crate::engine::hints::field_warnings(
                &st.counts.summary.totals,
                &opts.profiled,
                &opts.mapping,
            );
            // A failed draw (a vanished terminal, say) is not worth dying for.
            let _ = terminal.draw(|frame| {
                app.size = frame.area();
                view::render(frame, &app, &st);
            });
            drawn_generation = st.generation;
            if !loading {
                loaded_mark.drawn(st.counts.summary.totals.requests, !indexing);
            }
            dirty = false;
            last_draw = Instant::now();
        }
        // While loading, look more often, so the frame with the finished
        // history follows the last chunk closely.
        let wait = Duration::from_millis(if loading { 10 } else { 33 });
        let ev = match input.recv_timeout(wait) {
            Ok(Ok(ev)) => ev,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // A terminal that went away (its pty closed) answers no size.
                if last_probe.elapsed() >= Duration::from_secs(1) {
                    last_probe = Instant::now();
                    match ratatui::crossterm::terminal::size() {
                        Ok(_) => size_health.ok(),
                        Err(e) if size_health.failed(&e) => {
                            bail!("the terminal went away (its size cannot be read: {e}); stopped")
                        }
                        Err(_) => {}
                    }
                }
                continue;
            }
            // The input side failed again and again, or ended: the terminal
            // is gone. Said on stderr, with a non-zero status, never silently.
            Ok(Err(e)) => bail!("the terminal went away (reading keys failed: {e}); stopped"),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                bail!("the terminal went away (no more key input); stopped")
            }
        };
        let action = match ev {
            Event::Key(key) => {
                let st = lock(store);
                app.handle_key(key, &st)
            }
            Event::Mouse(m) => {
                let st = lock(store);
                app.handle_mouse(m, &st)
            }
            Event::Resize(..) => Action::None,
            _ => continue,
        };
        dirty = true;
        match action {
            Action::SetFilter(f) => {
                app.paused = None;
                app.status = Some(match &f {
                    Some(_) => "filter set; reading the logs again with it".to_owned(),
                    None => "filter cleared; reading the logs again".to_owned(),
                });
                restart_ingest(opts, f, store, spool, stop_ingest)?;
            }
            Action::WriteReport => {
                app.status = Some(match write_report(opts, &lock(store), &session) {
                    Ok(path) => format!("incident report written to {}", path.display()),
                    Err(e) => format!("could not write the report: {e}"),
                });
            }
            Action::SetNote(id, note) => {
                match session.marks.iter_mut().find(|m| m.request_id == id) {
                    Some(m) => m.note = note,
                    None => session.marks.push(crate::engine::report::Mark { request_id: id.clone(), note }),
                }
                sync_marks(&mut app, &session);
                let saved = opts.session.as_deref().map(|p| session.save(p));
                app.status = Some(match saved {
                    Some(Err(e)) => format!("noted, but the session could not be saved: {e}"),
                    _ => format!("noted on {id} (marked for the report)"),
                });
            }
            Action::ToggleMark(id) => {
                let marked = session.toggle(&id);
                sync_marks(&mut app, &session);
                let saved = opts.session.as_deref().map(|p| session.save(p));
                app.status = Some(match saved {
                    Some(Err(e)) => format!("marked, but the session could not be saved: {e}"),
                    _ if marked => format!("marked {id} for the incident report (e writes it)"),
                    _ => format!("unmarked {id}"),
                });
            }
            Action::None => {}
            Action::Quit => return Ok(0),
            Action::TogglePause => {
                app.paused = match app.paused.take() {
                    Some(_) => None,
                    None => Some(lock(store).counts.clone()),
                };
            }
            Action::Copy(text) => {
                let clean = crate::engine::sanitize::sanitize(&text).into_owned();
                let b64 = base64::engine::general_purpose::STANDARD.encode(clean.as_bytes());
                let mut out = io::stdout();
                let _ = write!(out, "\x1b]52;c;{b64}\x07");
                let _ = out.flush();
                app.status = Some(format!("copied {clean} to the clipboard"));
            }
            Action::OpenRequest(id) => {
                let slot = Arc::clone(&lookup_slot);
                let sources: Vec<ProfiledSource> = lookup_sources
                    .iter()
                    .filter(|s| {
                        matches!(&s.source, Source::File(p) if std::fs::metadata(p).is_ok_and(|m| m.len() > 0))
                    })
                    .cloned()
                    .collect();
                std::thread::spawn(move || {
                    let result = lookup::find_request(&sources, &id).map_err(|e| e.to_string());
                    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some((id, result));
                });
            }
        }
    }
}
