//! Drawing. Every function here takes the frame, an area and read-only
//! state; none does I/O except re-reading a shown line from its file.

pub mod dashboard;
pub mod detail;
pub mod help;
pub mod insights;
pub mod layout;
pub mod malformed;
pub mod text;

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, Screen};
use crate::engine::store::Store;

/// Below this the layout cannot hold; a plain message is drawn instead.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

pub fn render(frame: &mut Frame, app: &App, store: &Store) {
    render_views(frame, app, store);
    if app.no_color {
        without_color(frame.buffer_mut());
    }
}

/// `NO_COLOR`: every colour goes; what a background marked (the selection,
/// the prompt) is shown in reverse video instead.
fn without_color(buf: &mut ratatui::buffer::Buffer) {
    for cell in &mut buf.content {
        if cell.bg != Color::Reset {
            cell.modifier.insert(Modifier::REVERSED);
        }
        cell.fg = Color::Reset;
        cell.bg = Color::Reset;
    }
}

fn render_views(frame: &mut Frame, app: &App, store: &Store) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        render_too_small(frame, area);
        return;
    }
    match app.screen() {
        Screen::Dashboard => dashboard::render(frame, area, app, store),
        Screen::Detail => detail::render(frame, area, app, store),
        Screen::Malformed => malformed::render(frame, area, app, store),
        Screen::Insights => insights::render(frame, area, app, store),
    }
    if let Some(prompt) = &app.prompt {
        let y = area.bottom().saturating_sub(1);
        let line = Rect::new(area.x, y, area.width, 1);
        frame.render_widget(Clear, line);
        if let Some(err) = &prompt.error {
            let above = Rect::new(area.x, y.saturating_sub(1), area.width, 1);
            frame.render_widget(Clear, above);
            frame.render_widget(
                Paragraph::new(Line::styled(
                    text::clean(err).into_owned(),
                    Style::default().fg(Color::White).bg(Color::Red),
                )),
                above,
            );
        }
        let lead = if prompt.note_for.is_some() { "note: " } else { "/" };
        let at = prompt.text.char_indices().nth(prompt.cursor).map_or(prompt.text.len(), |(b, _)| b);
        let (before, after) = prompt.text.split_at(at);
        let mut rest = after.chars();
        // The cursor: the character under it in reverse video, or a block at the end.
        let under = rest.next().map_or_else(|| "█".to_owned(), |c| text::clean(&c.to_string()).into_owned());
        let style = Style::default().fg(Color::Black).bg(Color::Yellow);
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(format!("{lead}{}", text::clean(before)), style),
                Span::styled(under, style.add_modifier(Modifier::REVERSED)),
                Span::styled(text::clean(rest.as_str()).into_owned(), style),
            ]))
            .style(style),
            line,
        );
    }
    if app.help {
        help::render(frame, area);
    }
}

fn render_too_small(frame: &mut Frame, area: Rect) {
    let msg = format!(
        "terminal too small: {}x{}, wontopos-logs needs at least {MIN_WIDTH}x{MIN_HEIGHT}",
        area.width, area.height
    );
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
}
