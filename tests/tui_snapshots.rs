//! Every view drawn on ratatui's `TestBackend` from the shipped samples, at
//! 80x24 and 120x40, compared with reviewed snapshots (`tests/snapshots/`).

use insta::assert_snapshot;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;
use ratatui::Terminal;
use wontopos_logs::engine::detect::default_profiles;
use wontopos_logs::engine::follow::read_once;
use wontopos_logs::engine::input::Source;
use wontopos_logs::engine::lookup::find_request;
use wontopos_logs::engine::sanitize::is_dangerous;
use wontopos_logs::engine::store::{SourceState, Store};
use wontopos_logs::tui::app::{Action, App};
use wontopos_logs::tui::view;

/// Relative to the package root (cargo's working directory for tests), so
/// snapshots do not depend on where the checkout is.
fn sample(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from("sample-logs").join(name)
}

fn load(name: &str) -> Store {
    let path = sample(name);
    let state = SourceState {
        name: name.to_owned(),
        path: Some(path.clone()),
        initial_size: 0,
        read: 0,
        counted: false,
        indexed: 0,
        caught_up: true,
        ended: true,
        profile: "wontopos".to_owned(),
    };
    let mut store = Store::new(60, vec![state]);
    read_once(&Source::File(path), |l| store.add_line(0, &l)).expect("sample readable");
    store
}

#[test]
fn insights_view_names_who_is_behind_it() {
    let store = load("app.log");
    for (w, h) in SIZES {
        let mut app = App::new(true, None);
        press(&mut app, &store, KeyCode::Char('i'));
        let terminal = draw(&mut app, &store, w, h);
        let text = format!("{}", terminal.backend());
        assert!(text.contains("key_0077") && text.contains("ledger-svc"), "{text}");
        assert!(text.contains("spike: 5xx"), "{text}");
        assert_snapshot!(format!("insights_{w}x{h}"), terminal.backend());
    }
}

fn press(app: &mut App, store: &Store, code: KeyCode) -> Action {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE), store)
}

fn draw(app: &mut App, store: &Store, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal
        .draw(|f| {
            app.size = f.area();
            view::render(f, app, store);
        })
        .expect("draw");
    terminal
}

/// Opens the detail view as the event loop would, doing the lookup inline.
fn open_detail(app: &mut App, store: &Store, action: Action) {
    let Action::OpenRequest(id) = action else { panic!("expected a request to open, got {action:?}") };
    let sources = default_profiles(&[Source::File(store.sources[0].path.clone().expect("path"))]);
    let entries = find_request(&sources, &id);
    app.detail.as_mut().expect("detail state").entries = Some(entries.map_err(|e| e.to_string()));
}

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

#[test]
fn dashboard() {
    let store = load("app.log");
    for (w, h) in SIZES {
        let mut app = App::new(true, None);
        assert_snapshot!(format!("dashboard_{w}x{h}"), draw(&mut app, &store, w, h).backend());
    }
}

#[test]
fn dashboard_requests_focused_and_windowed() {
    let store = load("app.log");
    for (w, h) in SIZES {
        let mut app = App::new(true, None);
        press(&mut app, &store, KeyCode::Down);
        press(&mut app, &store, KeyCode::Down);
        press(&mut app, &store, KeyCode::Enter);
        press(&mut app, &store, KeyCode::Down);
        press(&mut app, &store, KeyCode::Char('w'));
        press(&mut app, &store, KeyCode::Char('w'));
        assert_snapshot!(format!("requests_1h_{w}x{h}"), draw(&mut app, &store, w, h).backend());
    }
}

#[test]
fn detail_of_an_outage_request() {
    let store = load("app.log");
    for (w, h) in SIZES {
        let mut app = App::new(true, None);
        // service_unavailable 503 is the third group by count.
        press(&mut app, &store, KeyCode::Down);
        press(&mut app, &store, KeyCode::Down);
        press(&mut app, &store, KeyCode::Enter);
        let action = press(&mut app, &store, KeyCode::Enter);
        open_detail(&mut app, &store, action);
        let terminal = draw(&mut app, &store, w, h);
        let text = format!("{}", terminal.backend());
        assert!(text.contains("Retry with backoff"), "{text}");
        assert!(text.contains("upstream call failed"), "the correlated warning line is shown: {text}");
        assert_snapshot!(format!("detail_{w}x{h}"), terminal.backend());
    }
}

#[test]
fn malformed_view() {
    let store = load("tricky.log");
    for (w, h) in SIZES {
        let mut app = App::new(false, None);
        press(&mut app, &store, KeyCode::Char('u'));
        assert_snapshot!(format!("malformed_{w}x{h}"), draw(&mut app, &store, w, h).backend());
    }
}

#[test]
fn help_overlay() {
    let store = load("app.log");
    for (w, h) in SIZES {
        let mut app = App::new(true, None);
        press(&mut app, &store, KeyCode::Char('?'));
        assert_snapshot!(format!("help_{w}x{h}"), draw(&mut app, &store, w, h).backend());
    }
}

#[test]
fn too_small_and_degenerate_sizes_do_not_panic() {
    let store = load("app.log");
    let mut app = App::new(true, None);
    assert_snapshot!("too_small", draw(&mut app, &store, 50, 10).backend());
    for (w, h) in [(0, 0), (1, 1), (10, 3), (59, 40), (60, 16), (300, 100)] {
        draw(&mut app, &store, w, h);
    }
}

#[test]
fn tricky_dashboard_and_detail_never_show_raw_controls() {
    let store = load("tricky.log");
    let mut app = App::new(false, None);
    let action = {
        press(&mut app, &store, KeyCode::Char('/'));
        for c in "req_TRICKY13".chars() {
            press(&mut app, &store, KeyCode::Char(c));
        }
        press(&mut app, &store, KeyCode::Enter)
    };
    open_detail(&mut app, &store, action);
    for (w, h) in SIZES {
        let terminal = draw(&mut app, &store, w, h);
        let buffer = terminal.backend().buffer();
        for cell in buffer.content() {
            assert!(!cell.symbol().chars().any(is_dangerous), "raw control in cell {:?}", cell.symbol());
        }
        let text = format!("{}", terminal.backend());
        assert!(text.contains("\\u{1b}]0;pwned") || text.contains("\\u001b]0;pwned"), "{text}");
        assert!(text.contains("<U+202E>"), "{text}");
        assert_snapshot!(format!("tricky_detail_{w}x{h}"), terminal.backend());
    }
    let mut app = App::new(false, None);
    let terminal = draw(&mut app, &store, 120, 40);
    for cell in terminal.backend().buffer().content() {
        assert!(!cell.symbol().chars().any(is_dangerous));
    }
}

#[test]
fn undocumented_groups_are_red() {
    let store = load("tricky.log");
    let mut app = App::new(false, None);
    let terminal = draw(&mut app, &store, 120, 40);
    let buffer = terminal.backend().buffer();
    let text = format!("{}", terminal.backend());
    let row = text.lines().position(|l| l.contains("teapot_error")).expect("teapot_error group shown");
    let col = text.lines().nth(row).and_then(|l| l.find("UNDOC")).expect("marked UNDOC");
    let cell = &buffer[(u16::try_from(col).expect("col"), u16::try_from(row).expect("row"))];
    assert_eq!(cell.fg, Color::Red);
}

/// After the counting pass of a large history, and before its detail pass:
/// the totals are final and the header says the failures are still being
/// indexed, instead of a loading bar.
#[test]
fn header_while_failures_are_indexed() {
    let mut store = load("app.log");
    let size = std::fs::metadata(sample("app.log")).expect("sample").len();
    let s = &mut store.sources[0];
    (s.initial_size, s.read, s.counted, s.indexed, s.caught_up) = (size, size, true, size / 4, false);
    assert_eq!(store.progress(), None, "the counts are complete");
    assert!(store.indexing().is_some_and(|p| (p - 0.25).abs() < 0.001), "{:?}", store.indexing());
    let mut app = App::new(true, None);
    let terminal = draw(&mut app, &store, 120, 40);
    let text = format!("{}", terminal.backend());
    assert!(text.contains("requests 5,000 "), "{text}");
    assert!(text.contains("indexing failures ") && text.contains(" 25%"), "{text}");
    assert!(!text.contains("loading "), "{text}");
}

/// A log whose lines the profile reads no status from (pino-http read as
/// the default shape): the header says so, with the key seen and the flag
/// that would read it, and the groups pane does not say "no failures".
#[test]
fn a_profile_that_reads_no_status_is_said_in_the_header() {
    use wontopos_logs::engine::detect::profile_sources;
    use wontopos_logs::engine::fields::{Mapping, MappingOptions};
    let path = std::path::PathBuf::from("tests/fixtures/profiles/pino-http.jsonl");
    let forced =
        Mapping::load(&MappingOptions { profile: Some("wontopos".into()), ..MappingOptions::default() })
            .expect("mapping");
    let profiled = profile_sources(&forced, &[Source::File(path.clone())], false).expect("profile");
    let state = SourceState {
        name: "pino-http.jsonl".to_owned(),
        path: Some(path.clone()),
        initial_size: 0,
        read: 0,
        counted: false,
        indexed: 0,
        caught_up: true,
        ended: true,
        profile: profiled[0].detection.profile.clone(),
    };
    let mut store = Store::new(60, vec![state]).with_fields(vec![profiled[0].fields.clone()]);
    read_once(&Source::File(path), |l| store.add_line(0, &l)).expect("fixture readable");
    let mut app = App::new(true, None);
    app.field_warnings =
        wontopos_logs::engine::hints::field_warnings(&store.counts.summary.totals, &profiled, &forced);
    let text = format!("{}", draw(&mut app, &store, 200, 30).backend());
    assert!(text.contains("pino-http.jsonl [wontopos]"), "{text}");
    assert!(
        text.contains("0 of 10 events had a status; read as wontopos, seen: res.statusCode (8)"),
        "{text}"
    );
    assert!(text.contains("try --profile pino-http or --field status=res.statusCode"), "{text}");
    assert!(text.contains("no requests recognised") && !text.contains("no failures yet"), "{text}");
}

/// Issue 13, item 6: a group whose failures are all in the newest bucket
/// shows them in its TREND (the sparkline had one value more than its 12
/// columns, and the newest was cut).
#[test]
fn the_trend_shows_the_newest_bucket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("burst.log");
    let mut text = String::new();
    for minute in 0..60 {
        text.push_str(&format!("{{\"ts\":\"2026-11-24T13:{minute:02}:00Z\",\"status\":200}}\n"));
    }
    for second in 0..5 {
        text.push_str(&format!(
            "{{\"ts\":\"2026-11-24T14:00:0{second}Z\",\"status\":503,\"code\":\"service_unavailable\"}}\n"
        ));
    }
    std::fs::write(&path, text).expect("write");
    let state = SourceState {
        name: "burst.log".to_owned(),
        path: Some(path.clone()),
        initial_size: 0,
        read: 0,
        counted: false,
        indexed: 0,
        caught_up: true,
        ended: true,
        profile: "wontopos".to_owned(),
    };
    let mut store = Store::new(60, vec![state]);
    read_once(&Source::File(path), |l| store.add_line(0, &l)).expect("readable");
    let mut app = App::new(true, None);
    let screen = format!("{}", draw(&mut app, &store, 120, 40).backend());
    let row = screen.lines().find(|l| l.contains("service_unavailable")).expect("the group's row");
    assert!(row.chars().any(|c| "▁▂▃▄▅▆▇█".contains(c)), "no trend in {row:?}");
}

/// Issue 13, item 7: the detail view shows that a request is marked, and
/// its note.
#[test]
fn the_detail_view_shows_the_mark_and_the_note() {
    let store = load("app.log");
    let mut app = App::new(true, None);
    press(&mut app, &store, KeyCode::Enter);
    let action = press(&mut app, &store, KeyCode::Enter);
    let Action::OpenRequest(id) = action.clone() else { panic!("{action:?}") };
    app.marks = vec![id.clone()];
    app.notes.insert(id.clone(), "the first one of the storm".into());
    open_detail(&mut app, &store, action);
    let text = format!("{}", draw(&mut app, &store, 120, 40).backend());
    assert!(text.contains("marked: the first one of the storm"), "{text}");
}

/// Issue 13, item 8: with NO_COLOR no cell carries a colour, and the
/// selection and the focused pane still show (reverse video, a marker).
#[test]
fn no_color_keeps_the_selection_and_the_focus_visible() {
    let store = load("app.log");
    let mut app = App::new(true, None);
    app.no_color = true;
    let terminal = draw(&mut app, &store, 120, 40);
    let buf = terminal.backend().buffer();
    let mut reversed_rows = std::collections::BTreeSet::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let cell = &buf[(x, y)];
            assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "a colour at {x},{y}");
            if cell.modifier.contains(ratatui::style::Modifier::REVERSED) {
                reversed_rows.insert(y);
            }
        }
    }
    let text = format!("{}", terminal.backend());
    let selected = text.lines().position(|l| l.contains("rate_limit_exceeded")).expect("the first group");
    assert!(reversed_rows.contains(&u16::try_from(selected).expect("row")), "selection not reversed");
    assert!(text.contains("▶ Failure groups"), "the focused pane is marked: {text}");
}

/// Issue 12, item 15: one line dated 2262 neither moves the chart's window
/// away from the incident nor goes unsaid.
#[test]
fn a_line_far_in_the_future_is_flagged_and_the_chart_stays_on_the_incident() {
    let mut store = Store::new(60, vec![]);
    let mut text = String::new();
    for second in 0..30 {
        text.push_str(&format!(
            "{{\"ts\":\"2026-11-24T14:00:{second:02}Z\",\"status\":503,\"code\":\"service_unavailable\"}}\n"
        ));
    }
    text.push_str("{\"ts\":\"2262-04-10T00:00:00Z\",\"status\":200}\n");
    for (i, l) in text.lines().enumerate() {
        let line = wontopos_logs::engine::line::Line {
            number: i as u64 + 1,
            offset: 0,
            bytes: l.as_bytes(),
            oversized: false,
        };
        store.add_line(0, &line);
    }
    let mut app = App::new(true, None);
    let screen = format!("{}", draw(&mut app, &store, 120, 40).backend());
    assert!(screen.contains("1 request dated in the future"), "{screen}");
    let header = screen.lines().next().expect("a header");
    assert!(header.contains("2026-11-24 14:00 – 14:00 UTC"), "the window ends at the incident: {header}");
}
