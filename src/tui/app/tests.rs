use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::engine::line::Line;
use crate::engine::store::Store;

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn store_from(text: &str) -> Store {
    let mut store = Store::new(60, vec![]);
    for (i, l) in text.lines().enumerate() {
        let line = Line { number: i as u64 + 1, offset: 0, bytes: l.as_bytes(), oversized: false };
        store.add_line(0, &line);
    }
    store
}

const LOG: &str = r#"{"ts":"2026-11-24T13:00:00Z","status":429,"code":"rate_limit_exceeded","request_id":"req_A1","api_key_id":"key_1"}
{"ts":"2026-11-24T13:00:01Z","status":429,"code":"rate_limit_exceeded","request_id":"req_A2","api_key_id":"key_2"}
{"ts":"2026-11-24T13:00:02Z","status":503,"code":"service_unavailable","request_id":"req_B1"}
{"ts":"2026-11-24T13:00:03Z","status":200,"request_id":"req_C1"}
"#;

#[test]
fn enter_drills_from_group_to_request_detail() {
    let store = store_from(LOG);
    let mut app = App::new(true, None);
    assert_eq!(app.visible_groups(&store).len(), 2);
    assert_eq!(app.handle_key(key(KeyCode::Enter), &store), Action::None);
    assert_eq!(app.focus, Focus::Requests);
    // Newest first.
    assert_eq!(app.handle_key(key(KeyCode::Enter), &store), Action::OpenRequest("req_A2".into()));
    assert_eq!(app.screen(), Screen::Detail);
    app.handle_key(key(KeyCode::Esc), &store);
    assert_eq!(app.screen(), Screen::Dashboard);
    app.handle_key(key(KeyCode::Esc), &store);
    assert_eq!(app.focus, Focus::Groups);
}

#[test]
fn slash_with_request_id_opens_detail() {
    let store = store_from(LOG);
    let mut app = App::new(true, None);
    app.handle_key(key(KeyCode::Char('/')), &store);
    for c in "req_C1".chars() {
        app.handle_key(key(KeyCode::Char(c)), &store);
    }
    assert_eq!(app.handle_key(key(KeyCode::Enter), &store), Action::OpenRequest("req_C1".into()));
}

#[test]
fn slash_sets_a_filter_and_keeps_the_last_good_one() {
    let store = store_from(LOG);
    let mut app = App::new(true, None);
    let type_text = |app: &mut App, text: &str| {
        app.handle_key(key(KeyCode::Char('/')), &store);
        for c in text.chars() {
            app.handle_key(key(KeyCode::Char(c)), &store);
        }
        app.handle_key(key(KeyCode::Enter), &store)
    };
    let want = crate::engine::filter::Filter::parse("key=key_2").unwrap();
    assert_eq!(type_text(&mut app, "key=key_2"), Action::SetFilter(Some(want)));
    assert_eq!(app.filter.as_deref(), Some("key=key_2"));
    // A bad filter: the prompt stays open with the column, the filter stays.
    app.handle_key(key(KeyCode::Char('/')), &store);
    for _ in 0..20 {
        app.handle_key(key(KeyCode::Backspace), &store);
    }
    for c in "status>=abc".chars() {
        app.handle_key(key(KeyCode::Char(c)), &store);
    }
    assert_eq!(app.handle_key(key(KeyCode::Enter), &store), Action::None);
    assert!(app.prompt.as_ref().and_then(|p| p.error.as_deref()).is_some_and(|e| e.contains("column 9")));
    assert_eq!(app.filter.as_deref(), Some("key=key_2"));
    app.handle_key(key(KeyCode::Esc), &store);
    assert_eq!(app.handle_key(key(KeyCode::Esc), &store), Action::SetFilter(None));
    assert_eq!(app.filter, None);
}

#[test]
fn keys_move_sort_window_pause_and_quit() {
    let store = store_from(LOG);
    let mut app = App::new(true, None);
    app.handle_key(key(KeyCode::Char('j')), &store);
    assert_eq!(app.group_sel, 1);
    app.handle_key(key(KeyCode::Down), &store);
    assert_eq!(app.group_sel, 1, "stays on the last group");
    app.handle_key(key(KeyCode::Char('s')), &store);
    assert_eq!(app.sort, SortBy::Recency);
    let first = app.visible_groups(&store)[0];
    assert_eq!(store.counts.groups[first as usize].status, 503);
    app.handle_key(key(KeyCode::Char('w')), &store);
    assert_eq!(app.window, Window::M15);
    assert_eq!(app.handle_key(key(KeyCode::Char('p')), &store), Action::TogglePause);
    assert_eq!(app.handle_key(key(KeyCode::Char('?')), &store), Action::None);
    assert!(app.help);
    app.handle_key(key(KeyCode::Char('x')), &store);
    assert!(!app.help);
    assert_eq!(app.handle_key(key(KeyCode::Char('q')), &store), Action::Quit);
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(app.handle_key(ctrl_c, &store), Action::Quit);
}

#[test]
fn y_copies_selected_request() {
    let store = store_from(LOG);
    let mut app = App::new(true, None);
    app.handle_key(key(KeyCode::Tab), &store);
    assert_eq!(app.handle_key(key(KeyCode::Char('y')), &store), Action::Copy("req_A2".into()));
}

/// A large history is counted before its failures are read: every group is
/// listed from the start, and its requests fill in as they are read.
#[test]
fn groups_show_before_their_failures_are_read() {
    let mut store = Store::new(60, Vec::new());
    let mut details = Vec::new();
    for (i, text) in LOG.lines().enumerate() {
        let line = Line { number: i as u64 + 1, offset: 0, bytes: text.as_bytes(), oversized: false };
        store.count_only(0, &line, &mut details);
    }
    let app = App::new(true, None);
    let groups = app.visible_groups(&store);
    assert_eq!(groups.len(), 2);
    assert_eq!(app.requests_of(&store, groups[0]).count(), 0);
    assert_eq!(details.len(), 3, "the three failures are left for the detail pass");
    for d in &details {
        let text = LOG.lines().nth(usize::try_from(d.number).unwrap() - 1).unwrap();
        store.add_details(0, &Line { number: d.number, offset: 0, bytes: text.as_bytes(), oversized: false });
    }
    assert_eq!(app.requests_of(&store, groups[0]).count(), 2);
}

#[test]
fn paused_view_ignores_new_failures() {
    let mut store = store_from(LOG);
    let mut app = App::new(true, None);
    app.paused = Some(store.counts.clone());
    let extra =
        r#"{"ts":"2026-11-24T13:00:09Z","status":429,"code":"rate_limit_exceeded","request_id":"req_A3"}"#;
    store.add_line(0, &Line { number: 9, offset: 0, bytes: extra.as_bytes(), oversized: false });
    let g = app.visible_groups(&store)[0];
    assert_eq!(app.requests_of(&store, g).count(), 2);
    assert_eq!(app.counts(&store).summary.totals.rate_limited, 2);
    app.paused = None;
    assert_eq!(app.requests_of(&store, g).count(), 3);
}

#[test]
fn nice_buckets() {
    assert_eq!(nice_bucket(900), 10);
    assert_eq!(nice_bucket(3600), 60);
    assert_eq!(nice_bucket(6 * 3600), 300);
    assert_eq!(nice_bucket(86_400), 900);
}

#[test]
fn chart_pans_zooms_and_resets() {
    let store = store_from(LOG);
    let mut app = App::new(true, None);
    let (from, to, _) = app.chart_range(&store).unwrap();
    app.handle_key(key(KeyCode::Char('-')), &store);
    let (f2, t2, _) = app.chart_range(&store).unwrap();
    assert!(t2 - f2 > to - from, "zoomed out");
    app.handle_key(key(KeyCode::Char('[')), &store);
    let (f3, t3, _) = app.chart_range(&store).unwrap();
    assert!(f3 < f2 && t3 < t2 && t3 - f3 == t2 - f2, "panned earlier");
    for _ in 0..4 {
        app.handle_key(key(KeyCode::Char('-')), &store);
    }
    let (f3, t3, _) = app.chart_range(&store).unwrap();
    app.handle_key(key(KeyCode::Char('+')), &store);
    let (f4, t4, _) = app.chart_range(&store).unwrap();
    assert!(t4 - f4 < t3 - f3, "zoomed in");
    app.handle_key(key(KeyCode::Char('0')), &store);
    assert_eq!(app.chart_range(&store).map(|r| (r.0, r.1)), Some((from, to)));
    app.handle_key(key(KeyCode::Char('t')), &store);
    assert!(app.zone_label().starts_with("UTC"));
}

#[test]
fn n_writes_a_note_on_the_selected_request() {
    let store = store_from(LOG);
    let mut app = App::new(true, None);
    app.handle_key(key(KeyCode::Tab), &store);
    app.handle_key(key(KeyCode::Char('n')), &store);
    for c in "retry loop".chars() {
        app.handle_key(key(KeyCode::Char(c)), &store);
    }
    assert_eq!(
        app.handle_key(key(KeyCode::Enter), &store),
        Action::SetNote("req_A2".into(), "retry loop".into())
    );
    assert_eq!(app.handle_key(key(KeyCode::Char('m')), &store), Action::ToggleMark("req_A2".into()));
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// Issue 13, item 9: the `/` and `n` prompts edit like a shell's line:
/// Ctrl-U, Ctrl-W, Ctrl-K, Ctrl-A/E, arrows, Home/End, Delete, and Up/Down
/// through the filters entered before.
#[test]
fn prompts_edit_like_a_shell_line() {
    let store = store_from(LOG);
    let mut app = App::new(true, None);
    let typed = |app: &mut App, text: &str| {
        for c in text.chars() {
            app.handle_key(key(KeyCode::Char(c)), &store);
        }
    };
    let text = |app: &App| app.prompt.as_ref().map(|p| p.text.clone()).unwrap_or_default();
    app.handle_key(key(KeyCode::Char('/')), &store);
    typed(&mut app, "status=429 and code=x");
    app.handle_key(ctrl('w'), &store);
    assert_eq!(text(&app), "status=429 and ", "Ctrl-W deletes the word before the cursor");
    app.handle_key(ctrl('a'), &store);
    typed(&mut app, "not ");
    assert_eq!(text(&app), "not status=429 and ");
    app.handle_key(key(KeyCode::End), &store);
    typed(&mut app, "key=key_1");
    app.handle_key(key(KeyCode::Left), &store);
    app.handle_key(key(KeyCode::Backspace), &store);
    assert_eq!(text(&app), "not status=429 and key=key1");
    app.handle_key(key(KeyCode::Home), &store);
    app.handle_key(key(KeyCode::Delete), &store);
    app.handle_key(ctrl('e'), &store);
    assert_eq!(text(&app), "ot status=429 and key=key1");
    app.handle_key(ctrl('u'), &store);
    assert_eq!(text(&app), "", "Ctrl-U deletes to the start");
    typed(&mut app, "status=503");
    assert!(matches!(app.handle_key(key(KeyCode::Enter), &store), Action::SetFilter(Some(_))));
    // History: Up brings back the filter entered, Down returns to the line.
    app.handle_key(key(KeyCode::Char('/')), &store);
    app.handle_key(ctrl('u'), &store);
    typed(&mut app, "draft");
    app.handle_key(key(KeyCode::Up), &store);
    assert_eq!(text(&app), "status=503");
    app.handle_key(key(KeyCode::Down), &store);
    assert_eq!(text(&app), "draft");
    app.handle_key(ctrl('k'), &store);
    assert_eq!(text(&app), "draft", "Ctrl-K at the end deletes nothing");
    app.handle_key(key(KeyCode::Home), &store);
    app.handle_key(ctrl('k'), &store);
    assert_eq!(text(&app), "");
}

/// Issue 13, item 7: `n` on a noted request edits the note it has; `m` on a
/// noted request asks again before the note goes.
#[test]
fn notes_are_edited_and_kept_until_deleted_on_purpose() {
    let store = store_from(LOG);
    let mut app = App::new(true, None);
    app.marks = vec!["req_A2".into()];
    app.notes.insert("req_A2".into(), "first storm".into());
    app.handle_key(key(KeyCode::Enter), &store);
    assert_eq!(app.focus, Focus::Requests);
    app.handle_key(key(KeyCode::Char('n')), &store);
    assert_eq!(app.prompt.as_ref().map(|p| p.text.as_str()), Some("first storm"));
    for c in " again".chars() {
        app.handle_key(key(KeyCode::Char(c)), &store);
    }
    assert_eq!(
        app.handle_key(key(KeyCode::Enter), &store),
        Action::SetNote("req_A2".into(), "first storm again".into())
    );
    assert_eq!(app.handle_key(key(KeyCode::Char('m')), &store), Action::None, "asks first");
    assert!(app.status.as_deref().is_some_and(|s| s.contains("press m again")), "{:?}", app.status);
    assert_eq!(app.handle_key(key(KeyCode::Char('m')), &store), Action::ToggleMark("req_A2".into()));
    // Another key in between cancels the question.
    app.handle_key(key(KeyCode::Char('m')), &store);
    app.handle_key(key(KeyCode::Down), &store);
    app.handle_key(key(KeyCode::Up), &store);
    assert_eq!(app.handle_key(key(KeyCode::Char('m')), &store), Action::None);
}

#[test]
fn a_line_dated_far_in_the_future_does_not_move_the_chart() {
    let log =
        format!("{LOG}{}\n", r#"{"ts":"2262-04-10T00:00:00Z","status":503,"code":"service_unavailable"}"#);
    let store = store_from(&log);
    let app = App::new(true, None);
    let (_, to, _) = app.chart_range(&store).expect("a range");
    assert_eq!(to, 1_795_525_203, "the window ends at the newest time that is not in the future");
    let c = app.counts(&store);
    assert_eq!((c.future, c.summary.totals.server_errors), (1, 2), "still counted, and flagged");
}

/// Issue 12, item 10: ages between times at the two ends of the range do
/// not overflow.
#[test]
fn ages_at_the_ends_of_the_time_range() {
    assert_eq!(age(i64::MIN + 5, i64::MAX - 5), format!("{}d", i64::MAX / 1_000_000_000 / 86_400));
    assert_eq!(age(i64::MAX, i64::MIN), "0s");
}
