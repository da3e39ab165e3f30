//! The TUI's state and how keys and the mouse change it. No drawing and no
//! I/O here: `handle_key` and `handle_mouse` take the store read-only and
//! return what the event loop should do, so state can be tested directly.

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};

use crate::engine::store::{Counts, Store};
use crate::engine::time::Nanos;

use super::view::layout::DashboardLayout;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Dashboard,
    Detail,
    Malformed,
    Insights,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Groups,
    Requests,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    M15,
    H1,
    H6,
    H24,
    All,
}

impl Window {
    pub fn label(self) -> &'static str {
        match self {
            Window::M15 => "15m",
            Window::H1 => "1h",
            Window::H6 => "6h",
            Window::H24 => "24h",
            Window::All => "all",
        }
    }
    pub fn secs(self) -> Option<i64> {
        match self {
            Window::M15 => Some(900),
            Window::H1 => Some(3600),
            Window::H6 => Some(6 * 3600),
            Window::H24 => Some(86_400),
            Window::All => None,
        }
    }
    fn next(self) -> Self {
        match self {
            Window::M15 => Window::H1,
            Window::H1 => Window::H6,
            Window::H6 => Window::H24,
            Window::H24 => Window::All,
            Window::All => Window::M15,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Count,
    Recency,
}

/// A request opened in the detail view; its lines are looked up in the
/// background and arrive in `entries`.
#[derive(Debug, Clone)]
pub struct DetailState {
    pub request_id: String,
    pub entries: Option<Result<Vec<crate::engine::lookup::Entry>, String>>,
    pub scroll: u16,
}

/// What the event loop must do after an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    None,
    Quit,
    /// Look up every line of this request (in the background).
    OpenRequest(String),
    /// Put this text on the clipboard (OSC 52).
    Copy(String),
    TogglePause,
    /// Write the Markdown incident report.
    WriteReport,
    /// Mark or unmark this request in the session.
    ToggleMark(String),
    /// Read everything again with this filter (or none).
    SetFilter(Option<crate::engine::filter::Filter>),
    /// Keep a note on a request (marking it).
    SetNote(String, String),
}

#[derive(Debug, Clone)]
pub struct Prompt {
    pub text: String,
    /// Where the cursor is, in characters.
    pub cursor: usize,
    /// Which entry of the history is shown (Up/Down), if any; what was
    /// typed before is kept to come back to.
    pub history_at: Option<(usize, String)>,
    pub error: Option<String>,
    /// `None`: a filter or request id; `Some(id)`: a note on that request.
    pub note_for: Option<String>,
}

#[derive(Debug)]
pub struct App {
    pub stack: Vec<Screen>,
    pub focus: Focus,
    pub window: Window,
    pub sort: SortBy,
    pub group_sel: usize,
    pub request_sel: usize,
    pub malformed_sel: usize,
    pub filter: Option<String>,
    pub prompt: Option<Prompt>,
    pub help: bool,
    pub detail: Option<DetailState>,
    /// Frozen counts while paused; the store keeps reading underneath.
    pub paused: Option<Counts>,
    pub following: bool,
    pub status: Option<String>,
    /// Chart bucket chosen with --bucket; otherwise it follows the window.
    pub bucket_override: Option<i64>,
    pub size: Rect,
    /// Request ids marked in the session, shown with a `*`.
    pub marks: Vec<String>,
    /// A panned or zoomed chart range (epoch seconds), instead of the window.
    pub view_range: Option<(i64, i64)>,
    /// Seconds added to UTC when showing times (0: UTC; `t` toggles local).
    pub utc_offset: i64,
    /// What the field profiles could not read (see `engine::hints`): shown
    /// in the header for as long as it holds.
    pub field_warnings: Vec<String>,
    /// The filters entered at the `/` prompt, oldest first (Up/Down).
    pub prompt_history: Vec<String>,
    /// The session's notes, by request id: `n` edits the one there is.
    pub notes: std::collections::HashMap<String, String>,
    /// A noted request `m` was pressed on once: a second `m` unmarks it
    /// and deletes its note.
    pub confirm_unmark: Option<String>,
    /// `NO_COLOR` is set: frames are drawn without colour (see `view`).
    pub no_color: bool,
}

impl Prompt {
    fn new(text: String, note_for: Option<String>) -> Self {
        let cursor = text.chars().count();
        Prompt { text, cursor, history_at: None, error: None, note_for }
    }
}

impl App {
    pub fn new(following: bool, bucket_override: Option<i64>) -> Self {
        App {
            stack: vec![Screen::Dashboard],
            focus: Focus::Groups,
            window: Window::All,
            sort: SortBy::Count,
            group_sel: 0,
            request_sel: 0,
            malformed_sel: 0,
            filter: None,
            prompt: None,
            help: false,
            detail: None,
            paused: None,
            following,
            status: None,
            bucket_override,
            size: Rect::new(0, 0, 80, 24),
            marks: Vec::new(),
            view_range: None,
            utc_offset: 0,
            field_warnings: Vec::new(),
            prompt_history: Vec::new(),
            notes: std::collections::HashMap::new(),
            confirm_unmark: None,
            no_color: false,
        }
    }

    pub fn screen(&self) -> Screen {
        *self.stack.last().unwrap_or(&Screen::Dashboard)
    }

    /// The counts the view shows: frozen while paused, live otherwise.
    pub fn counts<'a>(&'a self, store: &'a Store) -> &'a Counts {
        self.paused.as_ref().unwrap_or(&store.counts)
    }

    /// Group ids in display order, after sorting and filtering.
    pub fn visible_groups(&self, store: &Store) -> Vec<u32> {
        let counts = self.counts(store);
        let mut ids: Vec<u32> = (0..counts.groups.len())
            .filter_map(|i| u32::try_from(i).ok())
            .filter(|&g| self.group_matches(store, g))
            .collect();
        ids.sort_by(|&a, &b| {
            let (ga, gb) = (&counts.groups[a as usize], &counts.groups[b as usize]);
            let by_count = gb.count.cmp(&ga.count);
            let by_recency = gb.last_seen.cmp(&ga.last_seen);
            match self.sort {
                SortBy::Count => by_count.then(by_recency),
                SortBy::Recency => by_recency.then(by_count),
            }
            .then_with(|| ga.code.cmp(&gb.code))
            .then(ga.status.cmp(&gb.status))
        });
        ids
    }

    /// The store itself is filtered (a filter reads everything again), so
    /// every group with a failure counted is shown, whether or not its
    /// failures' records are read yet (a large history counts first).
    fn group_matches(&self, store: &Store, g: u32) -> bool {
        self.counts(store).groups.get(g as usize).is_some_and(|info| info.count > 0)
    }

    pub fn selected_group(&self, store: &Store) -> Option<u32> {
        let groups = self.visible_groups(store);
        groups.get(self.group_sel.min(groups.len().saturating_sub(1))).copied()
    }

    /// Failure indices of group `g`, newest first, honouring the filter and pause.
    pub fn requests_of<'a>(&'a self, store: &'a Store, g: u32) -> impl Iterator<Item = u32> + 'a {
        let limit = self.counts(store).failures_len;
        let list = store.by_group.get(g as usize).map_or(&[][..], Vec::as_slice);
        let visible = &list[..list.partition_point(|&i| (i as usize) < limit)];
        visible.iter().rev().copied()
    }

    pub fn selected_request(&self, store: &Store) -> Option<u32> {
        let g = self.selected_group(store)?;
        self.requests_of(store, g).nth(self.request_sel)
    }

    pub fn handle_key(&mut self, key: KeyEvent, store: &Store) -> Action {
        if key.kind != KeyEventKind::Press {
            return Action::None;
        }
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            return Action::Quit;
        }
        if self.prompt.is_some() {
            return self.handle_prompt_key(key);
        }
        if self.help {
            // Any key closes the help; q still quits.
            self.help = false;
            return if key.code == KeyCode::Char('q') { Action::Quit } else { Action::None };
        }
        self.status = None;
        // Only an `m` right after the question confirms it.
        if key.code != KeyCode::Char('m') {
            self.confirm_unmark = None;
        }
        match key.code {
            KeyCode::Char('q') => return Action::Quit,
            KeyCode::Char('?') => self.help = true,
            KeyCode::Char('/') => {
                let text = self.filter.clone().unwrap_or_default();
                self.prompt = Some(Prompt::new(text, None));
            }
            KeyCode::Char('p') => return Action::TogglePause,
            KeyCode::Char('w') => {
                self.window = self.window.next();
                self.view_range = None;
            }
            KeyCode::Char('[') => self.pan(store, -1),
            KeyCode::Char(']') => self.pan(store, 1),
            KeyCode::Char('+' | '=') => self.zoom(store, 0.5),
            KeyCode::Char('-') => self.zoom(store, 2.0),
            KeyCode::Char('0') => {
                self.view_range = None;
                self.window = Window::All;
            }
            KeyCode::Char('t') => {
                self.utc_offset =
                    if self.utc_offset == 0 && self.local_offset() != 0 { self.local_offset() } else { 0 };
                self.status = Some(format!("times shown in {}", self.zone_label()));
            }
            KeyCode::Char('s') => {
                self.sort = if self.sort == SortBy::Count { SortBy::Recency } else { SortBy::Count };
                self.group_sel = 0;
                self.request_sel = 0;
            }
            KeyCode::Char('u') if self.screen() != Screen::Malformed => self.stack.push(Screen::Malformed),
            KeyCode::Char('i') if self.screen() != Screen::Insights => self.stack.push(Screen::Insights),
            KeyCode::Char('e') => return Action::WriteReport,
            KeyCode::Char('n') => match self.current_request_id(store) {
                Some(id) => {
                    let note = self.notes.get(&id).cloned().unwrap_or_default();
                    self.prompt = Some(Prompt::new(note, Some(id)));
                }
                None => self.status = Some("select a request to note (Tab to the requests)".into()),
            },
            KeyCode::Char('m') => {
                let id = match self.screen() {
                    Screen::Detail => self.detail.as_ref().map(|d| d.request_id.clone()),
                    _ if self.focus == Focus::Requests => self
                        .selected_request(store)
                        .and_then(|i| store.request_id(&store.failures[i as usize]).map(str::to_owned)),
                    _ => None,
                };
                match id {
                    Some(id) if self.notes.contains_key(&id) && self.confirm_unmark.as_ref() != Some(&id) => {
                        self.status = Some(format!(
                            "{} has a note: press m again to unmark it and delete the note",
                            crate::engine::sanitize::sanitize(&id)
                        ));
                        self.confirm_unmark = Some(id);
                        return Action::None;
                    }
                    Some(id) => {
                        self.confirm_unmark = None;
                        return Action::ToggleMark(id);
                    }
                    None => self.status = Some("select a request to mark (Tab to the requests)".into()),
                }
            }
            KeyCode::Char('y') => {
                let id = match self.screen() {
                    Screen::Detail => self.detail.as_ref().map(|d| d.request_id.clone()),
                    _ => self
                        .selected_request(store)
                        .and_then(|i| store.request_id(&store.failures[i as usize]).map(str::to_owned)),
                };
                if let Some(id) = id {
                    return Action::Copy(id);
                }
                self.status = Some("no request selected to copy".into());
            }
            KeyCode::Esc | KeyCode::Backspace => return self.back(),
            KeyCode::Tab => self.cycle_focus(),
            KeyCode::BackTab => self.cycle_focus(),
            KeyCode::Enter => return self.enter(store),
            KeyCode::Up | KeyCode::Char('k') => self.move_by(-1, store),
            KeyCode::Down | KeyCode::Char('j') => self.move_by(1, store),
            KeyCode::PageUp => self.move_by(-10, store),
            KeyCode::PageDown => self.move_by(10, store),
            KeyCode::Home | KeyCode::Char('g') => self.move_by(i64::MIN / 2, store),
            KeyCode::End | KeyCode::Char('G') => self.move_by(i64::MAX / 2, store),
            _ => {}
        }
        Action::None
    }

    fn handle_prompt_key(&mut self, key: KeyEvent) -> Action {
        let Some(prompt) = self.prompt.as_mut() else { return Action::None };
        if edit::edit(&mut prompt.text, &mut prompt.cursor, key) {
            return Action::None;
        }
        match key.code {
            KeyCode::Esc => self.prompt = None,
            KeyCode::Up | KeyCode::Down if prompt.note_for.is_none() => {
                let history = &self.prompt_history;
                let at = match (key.code, &prompt.history_at) {
                    (KeyCode::Up, None) => history.len().checked_sub(1),
                    (KeyCode::Up, Some((i, _))) => Some(i.saturating_sub(1)),
                    (_, Some((i, _))) if i + 1 < history.len() => Some(i + 1),
                    _ => None,
                };
                match at {
                    Some(i) => {
                        let typed = match prompt.history_at.take() {
                            Some((_, typed)) => typed,
                            None => prompt.text.clone(),
                        };
                        prompt.text.clone_from(&history[i]);
                        prompt.history_at = Some((i, typed));
                    }
                    None => {
                        if let Some((_, typed)) = prompt.history_at.take() {
                            prompt.text = typed;
                        }
                    }
                }
                prompt.cursor = prompt.text.chars().count();
            }
            KeyCode::Enter if prompt.note_for.is_some() => {
                let text = prompt.text.trim().to_owned();
                let id = prompt.note_for.take().unwrap_or_default();
                self.prompt = None;
                return Action::SetNote(id, text);
            }
            KeyCode::Enter => {
                let text = prompt.text.trim().to_owned();
                if text.starts_with("req_") && !text.contains(char::is_whitespace) {
                    self.prompt = None;
                    return self.open_request(text);
                }
                let parsed = if text.is_empty() {
                    Ok(None)
                } else {
                    crate::engine::filter::Filter::parse(&text).map(Some)
                };
                match parsed {
                    // The views keep the last good filter; the prompt says what is wrong.
                    Err(e) => prompt.error = Some(e.to_string()),
                    Ok(f) => {
                        self.prompt = None;
                        if !text.is_empty() && self.prompt_history.last() != Some(&text) {
                            self.prompt_history.push(text.clone());
                        }
                        self.filter = f.as_ref().map(|_| text);
                        self.group_sel = 0;
                        self.request_sel = 0;
                        return Action::SetFilter(f);
                    }
                }
            }
            _ => {}
        }
        Action::None
    }

    /// The request the operator is looking at: the open detail, or the
    /// selected row of the requests list.
    fn current_request_id(&self, store: &Store) -> Option<String> {
        match self.screen() {
            Screen::Detail => self.detail.as_ref().map(|d| d.request_id.clone()),
            _ if self.focus == Focus::Requests => self
                .selected_request(store)
                .and_then(|i| store.request_id(&store.failures[i as usize]).map(str::to_owned)),
            _ => None,
        }
    }

    fn open_request(&mut self, id: String) -> Action {
        self.detail = Some(DetailState { request_id: id.clone(), entries: None, scroll: 0 });
        if self.screen() != Screen::Detail {
            self.stack.push(Screen::Detail);
        }
        Action::OpenRequest(id)
    }

    fn back(&mut self) -> Action {
        if self.stack.len() > 1 {
            if self.stack.pop() == Some(Screen::Detail) {
                self.detail = None;
            }
        } else if self.focus == Focus::Requests {
            self.focus = Focus::Groups;
        } else if self.filter.is_some() {
            self.filter = None;
            self.group_sel = 0;
            self.request_sel = 0;
            return Action::SetFilter(None);
        }
        Action::None
    }

    fn cycle_focus(&mut self) {
        if self.screen() == Screen::Dashboard {
            self.focus = if self.focus == Focus::Groups { Focus::Requests } else { Focus::Groups };
        }
    }

    fn enter(&mut self, store: &Store) -> Action {
        match (self.screen(), self.focus) {
            (Screen::Dashboard, Focus::Groups) => {
                if self.selected_group(store).is_some() {
                    self.focus = Focus::Requests;
                    self.request_sel = 0;
                }
                Action::None
            }
            (Screen::Dashboard, Focus::Requests) => {
                match self.selected_request(store).and_then(|i| store.request_id(&store.failures[i as usize]))
                {
                    Some(id) => self.open_request(id.into()),
                    None => {
                        self.status = Some("this failure carries no request id".into());
                        Action::None
                    }
                }
            }
            _ => Action::None,
        }
    }

    fn move_by(&mut self, delta: i64, store: &Store) {
        let step = |sel: usize, len: usize| -> usize {
            if len == 0 {
                return 0;
            }
            let max = i64::try_from(len - 1).unwrap_or(i64::MAX);
            usize::try_from((i64::try_from(sel).unwrap_or(0).saturating_add(delta)).clamp(0, max))
                .unwrap_or(0)
        };
        match self.screen() {
            Screen::Insights => {
                let len = self.visible_groups(store).len();
                self.group_sel = step(self.group_sel, len);
                self.request_sel = 0;
            }
            Screen::Dashboard => match self.focus {
                Focus::Groups => {
                    let len = self.visible_groups(store).len();
                    let new = step(self.group_sel, len);
                    if new != self.group_sel {
                        self.request_sel = 0;
                    }
                    self.group_sel = new;
                }
                Focus::Requests => {
                    let len = self.selected_group(store).map_or(0, |g| self.requests_of(store, g).count());
                    self.request_sel = step(self.request_sel, len);
                }
            },
            Screen::Malformed => {
                self.malformed_sel = step(self.malformed_sel, self.counts(store).malformed_len);
            }
            Screen::Detail => {
                if let Some(d) = self.detail.as_mut() {
                    let s = i64::from(d.scroll).saturating_add(delta).clamp(0, i64::from(u16::MAX));
                    d.scroll = u16::try_from(s).unwrap_or(0);
                }
            }
        }
    }

    pub fn handle_mouse(&mut self, ev: MouseEvent, store: &Store) -> Action {
        match ev.kind {
            MouseEventKind::ScrollDown => self.move_by(3, store),
            MouseEventKind::ScrollUp => self.move_by(-3, store),
            MouseEventKind::Down(MouseButton::Left) if self.screen() == Screen::Dashboard && !self.help => {
                let at = Position::new(ev.column, ev.row);
                let l = DashboardLayout::new(self.size);
                // Rows start below the block's top border and the header row.
                let row_in = |r: Rect| usize::from(ev.row.saturating_sub(r.y + 2));
                if l.groups.contains(at) && ev.row >= l.groups.y + 2 {
                    let first = super::view::dashboard::first_visible(
                        self.group_sel,
                        super::view::dashboard::table_rows(l.groups),
                    );
                    let idx = first + row_in(l.groups);
                    if idx < self.visible_groups(store).len() {
                        let same = self.focus == Focus::Groups && idx == self.group_sel;
                        self.focus = Focus::Groups;
                        if idx != self.group_sel {
                            self.request_sel = 0;
                        }
                        self.group_sel = idx;
                        if same {
                            return self.enter(store);
                        }
                    }
                } else if l.requests.contains(at) && ev.row >= l.requests.y + 2 {
                    let first = super::view::dashboard::first_visible(
                        self.request_sel,
                        super::view::dashboard::table_rows(l.requests),
                    );
                    let idx = first + row_in(l.requests);
                    let len = self.selected_group(store).map_or(0, |g| self.requests_of(store, g).count());
                    if idx < len {
                        let same = self.focus == Focus::Requests && idx == self.request_sel;
                        self.focus = Focus::Requests;
                        self.request_sel = idx;
                        if same {
                            return self.enter(store);
                        }
                    }
                }
            }
            _ => {}
        }
        Action::None
    }

    fn local_offset(&self) -> i64 {
        i64::from(chrono::Local::now().offset().local_minus_utc())
    }

    pub fn zone_label(&self) -> String {
        if self.utc_offset == 0 {
            "UTC".into()
        } else {
            let (sign, off) =
                if self.utc_offset < 0 { ('-', -self.utc_offset) } else { ('+', self.utc_offset) };
            format!("UTC{sign}{:02}:{:02}", off / 3600, off % 3600 / 60)
        }
    }

    /// Moves the chart by half its span (`dir` -1 earlier, +1 later).
    fn pan(&mut self, store: &Store, dir: i64) {
        if let Some((from, to, _)) = self.chart_range(store) {
            let shift = ((to - from) / 2).max(10) * dir;
            self.view_range = Some((from + shift, to + shift));
        }
    }

    /// Zooms the chart around its middle: `factor` 0.5 in, 2.0 out.
    fn zoom(&mut self, store: &Store, factor: f64) {
        if let Some((from, to, _)) = self.chart_range(store) {
            let mid = from + (to - from) / 2;
            #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
            let half = (((to - from) as f64 * factor / 2.0) as i64).clamp(30, 366 * 86_400);
            self.view_range = Some((mid - half, mid + half));
        }
    }

    /// The chart's time range (epoch seconds) and bucket size.
    pub fn chart_range(&self, store: &Store) -> Option<(i64, i64, i64)> {
        if let Some((from, to)) = self.view_range {
            let bucket = self.bucket_override.unwrap_or_else(|| nice_bucket((to - from).max(1)));
            return Some((from, to, bucket));
        }
        let c = self.counts(store);
        let latest = c.latest.or(c.future_latest)? / 1_000_000_000;
        let earliest = c.earliest? / 1_000_000_000;
        let from =
            self.window.secs().map_or(earliest, |w| (latest - w + 1).max(earliest.min(latest - w + 1)));
        let span = (latest - from).max(1);
        let bucket = self.bucket_override.unwrap_or_else(|| nice_bucket(span));
        Some((from, latest, bucket))
    }
}

/// A bucket size giving at most about 100 bars over `span` seconds.
pub fn nice_bucket(span: i64) -> i64 {
    const NICE: [i64; 12] = [10, 30, 60, 300, 600, 900, 1800, 3600, 10_800, 21_600, 43_200, 86_400];
    NICE.iter().copied().find(|b| span / b <= 100).unwrap_or(86_400)
}

/// Minutes-ago style age of `ts` relative to `now` (both log time).
pub fn age(ts: Nanos, now: Nanos) -> String {
    let s = now.saturating_sub(ts).max(0) / 1_000_000_000;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

mod edit;

#[cfg(test)]
mod tests;
