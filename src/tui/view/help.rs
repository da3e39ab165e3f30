//! The `?` overlay: every key, in one place.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

pub const KEYS: [(&str, &str); 24] = [
    ("↑ ↓  j k", "move the selection (PgUp/PgDn, g/G: jump)"),
    ("Tab  Shift-Tab", "move focus between failure groups and requests"),
    ("Enter", "drill in: group → its requests → one request's detail"),
    ("Esc", "go back (and clear the filter)"),
    ("/", "filter by text; a request id (req_…) opens that request"),
    ("w", "cycle the chart window: 15m, 1h, 6h, 24h, all"),
    ("[ ]  + -  0", "pan earlier/later, zoom in/out, back to all"),
    ("t", "show times in UTC or local time (offset in the header)"),
    ("s", "sort failure groups by count or by recency"),
    ("p", "pause / resume the view (reading goes on underneath)"),
    ("u", "show the malformed lines, with file and line"),
    ("i", "who is behind it: top keys, routes, clients, upstreams; Retry-After"),
    ("m", "mark / unmark the selected request for the incident report"),
    ("n", "write a short note on the selected request (marks it)"),
    ("e", "write the Markdown incident report beside the log"),
    ("y", "copy the selected request id to the clipboard (OSC 52)"),
    ("?", "this help"),
    ("q  Ctrl-C", "quit"),
    ("mouse", "wheel scrolls; click selects; click again opens"),
    ("", ""),
    ("UNDOC", "a failure group the API documentation does not describe:"),
    ("", "unknown code, no code, or a status other than the documented one"),
    ("429 / 5xx", "yellow / red in the chart; window end is the newest log time"),
    ("LIVE", "following the files; PAUSED: view frozen, nothing is lost"),
];

pub fn render(frame: &mut Frame, area: Rect) {
    let width = area.width.min(86);
    let height = area.height.min(u16::try_from(KEYS.len()).unwrap_or(20) + 2);
    let [v] = Layout::vertical([Constraint::Length(height)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width)]).flex(Flex::Center).areas(v);
    let lines: Vec<Line> = KEYS
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(
                    format!("{k:>15}  "),
                    Style::default().fg(Color::Cyan).add_modifier(Modifier::BOLD),
                ),
                Span::raw(*what),
            ])
        })
        .collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Keys (any key closes) ")
                .border_style(Style::default().fg(Color::Cyan)),
        ),
        popup,
    );
}
