//! Every line that did not parse, with its file and line number, so
//! nothing is hidden from the operator.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table};
use ratatui::Frame;

use super::dashboard::{first_visible, table_rows};
use super::text::{clean, dim, selected_style, thousands, title_style};
use crate::engine::store::{read_line_at, Store};
use crate::tui::app::App;

pub fn render(frame: &mut Frame, area: Rect, app: &App, store: &Store) {
    let len = app.counts(store).malformed_len;
    let [table_area, footer] =
        ratatui::layout::Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
    let title = Line::from(vec![
        Span::styled(" Malformed lines ", title_style()),
        Span::styled(
            format!("({}: not JSON objects; counted, never dropped) ", thousands(len as u64)),
            dim(),
        ),
    ]);
    let block =
        Block::default().borders(Borders::TOP).title(title).border_style(Style::default().fg(Color::Cyan));
    if len == 0 {
        frame.render_widget(Paragraph::new("no malformed lines").style(dim()).block(block), table_area);
    } else {
        let rows_avail = table_rows(table_area);
        let first = first_visible(app.malformed_sel, rows_avail);
        let preview_width = usize::from(table_area.width.saturating_sub(40));
        let rows: Vec<Row> = store.malformed[..len]
            .iter()
            .enumerate()
            .skip(first)
            .take(usize::from(rows_avail))
            .map(|(i, m)| {
                let source = store.sources.get(usize::from(m.source));
                let name = source.map_or_else(|| "?".into(), |s| clean(&s.name).into_owned());
                let preview = source
                    .and_then(|s| s.path.as_deref())
                    .and_then(|p| read_line_at(p, m.offset, preview_width.max(16) * 4))
                    .map(|b| {
                        let text = String::from_utf8_lossy(&b);
                        let text = crate::engine::redact::redact_text(&text);
                        clean(&text).chars().take(preview_width).collect::<String>()
                    })
                    .unwrap_or_else(|| "(no longer readable)".into());
                let row = Row::new(vec![format!("{name}:{}", m.line), m.kind.as_str().to_owned(), preview]);
                if i == app.malformed_sel {
                    row.style(selected_style(true))
                } else {
                    row
                }
            })
            .collect();
        let widths = [Constraint::Length(22), Constraint::Length(17), Constraint::Fill(1)];
        frame.render_widget(
            Table::new(rows, widths).header(Row::new(["FILE:LINE", "WHY", "LINE"]).style(dim())).block(block),
            table_area,
        );
    }
    frame.render_widget(Paragraph::new(Line::styled("↑↓ move  Esc back  q quit", dim())), footer);
}
