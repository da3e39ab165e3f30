//! One request: the documentation of its failure, hints, and every line it
//! wrote, pretty-printed.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;
use serde_json::Value;

use super::text::{clean, dim, title_style, undocumented_style};
use crate::engine::lookup::{failure_of, Entry, FailureDoc};
use crate::engine::store::Store;
use crate::engine::time::format_utc;
use crate::tui::app::App;

pub fn render(frame: &mut Frame, area: Rect, app: &App, _store: &Store) {
    let Some(d) = &app.detail else { return };
    let [doc_area, entries_area, footer] =
        Layout::vertical([Constraint::Length(8), Constraint::Min(3), Constraint::Length(1)]).areas(area);
    let mut title = vec![
        Span::styled(" Request ", title_style()),
        Span::raw(clean(&d.request_id).into_owned()),
        Span::raw(" "),
    ];
    if app.marks.contains(&d.request_id) {
        let mark = match app.notes.get(&d.request_id) {
            Some(note) => format!("marked: {} ", clean(note)),
            None => "marked ".to_owned(),
        };
        title.push(Span::styled(mark, Style::default().fg(Color::Black).bg(Color::Cyan)));
    }
    let title = Line::from(title);
    match &d.entries {
        None => {
            frame.render_widget(
                Paragraph::new("searching the logs for every line of this request…")
                    .block(Block::default().borders(Borders::ALL).title(title)),
                doc_area,
            );
        }
        Some(Err(e)) => {
            frame.render_widget(
                Paragraph::new(clean(e).into_owned())
                    .style(undocumented_style())
                    .block(Block::default().borders(Borders::ALL).title(title)),
                doc_area,
            );
        }
        Some(Ok(entries)) if entries.is_empty() => {
            frame.render_widget(
                Paragraph::new("no line carries this request id")
                    .style(undocumented_style())
                    .block(Block::default().borders(Borders::ALL).title(title)),
                doc_area,
            );
        }
        Some(Ok(entries)) => {
            let doc = doc_lines(failure_of(entries).as_ref(), entries.len());
            frame.render_widget(
                Paragraph::new(doc)
                    .wrap(Wrap { trim: false })
                    .block(Block::default().borders(Borders::ALL).title(title)),
                doc_area,
            );
            let mut lines = Vec::new();
            for e in entries {
                lines.extend(entry_lines(e));
                lines.push(Line::raw(""));
            }
            let block = Block::default().borders(Borders::TOP).title(Line::styled(
                format!(" {} log entries, in file order ", entries.len()),
                title_style(),
            ));
            frame.render_widget(Paragraph::new(lines).block(block).scroll((d.scroll, 0)), entries_area);
        }
    }
    let help = Line::from(vec![
        Span::styled("↑↓", Style::default().fg(Color::Cyan)),
        Span::styled(" scroll  ", dim()),
        Span::styled("y", Style::default().fg(Color::Cyan)),
        Span::styled(" copy id  ", dim()),
        Span::styled("Esc", Style::default().fg(Color::Cyan)),
        Span::styled(" back  ", dim()),
        Span::styled("q", Style::default().fg(Color::Cyan)),
        Span::styled(" quit", dim()),
    ]);
    let footer_line = match &app.status {
        Some(s) => Line::styled(clean(s).into_owned(), Style::default().fg(Color::Cyan)),
        None => help,
    };
    frame.render_widget(Paragraph::new(footer_line), footer);
}

fn doc_lines(f: Option<&FailureDoc>, n: usize) -> Vec<Line<'static>> {
    let Some(f) = f else {
        return vec![Line::styled(
            format!("No failure among these {n} entries."),
            Style::default().fg(Color::Green),
        )];
    };
    let code = f.code.as_deref().map_or_else(|| "(no code)".to_owned(), |c| clean(c).into_owned());
    let status_style =
        if f.status >= 500 { Style::default().fg(Color::Red) } else { Style::default().fg(Color::Yellow) };
    let mut lines = vec![Line::from(vec![
        Span::styled(code, status_style.add_modifier(Modifier::BOLD)),
        Span::styled(format!("  HTTP {}  ", f.status), status_style),
        if f.documented {
            Span::styled("documented", Style::default().fg(Color::Green))
        } else {
            Span::styled("UNDOCUMENTED", undocumented_style())
        },
    ])];
    match (f.description, f.resolution) {
        (Some(d), Some(r)) => {
            lines.push(Line::from(vec![Span::styled("Meaning:    ", title_style()), Span::raw(d)]));
            lines.push(Line::from(vec![
                Span::styled("Resolution: ", title_style()),
                Span::styled(r, Style::default().fg(Color::Green).add_modifier(Modifier::BOLD)),
            ]));
        }
        _ if f.code.is_none() => {
            lines.push(Line::styled(
                "Hint: the response carries no error code; nothing in the API documentation applies.",
                undocumented_style(),
            ));
        }
        _ => lines.push(Line::styled(
            "Hint: this code is not in the API's error documentation.",
            undocumented_style(),
        )),
    }
    if let Some(s) = f.documented_status {
        lines.push(Line::styled(
            format!("Hint: the documentation gives this code HTTP {s}, but this response was {}.", f.status),
            undocumented_style(),
        ));
    }
    if let Some(secs) = f.retry_after {
        lines.push(Line::styled(
            format!(
                "Hint: Retry-After {secs} s: the client was told to wait {secs} seconds before retrying."
            ),
            Style::default().fg(Color::Yellow),
        ));
    }
    lines
}

fn entry_lines(e: &Entry) -> Vec<Line<'static>> {
    let when = e.record.ts.map_or_else(|| "no timestamp".into(), format_utc);
    let mut out = vec![Line::from(vec![
        Span::styled(format!("{}:{}", clean(&e.source), e.line), Style::default().fg(Color::Cyan)),
        Span::styled(format!("  {when}"), dim()),
    ])];
    let mut current = vec![Span::raw("  ")];
    pretty(&e.value, 1, &mut current, &mut out);
    if !current.is_empty() {
        out.push(Line::from(current));
    }
    out
}

fn json_string(s: &str) -> String {
    // serde_json escapes quotes and C0 controls; clean() makes the rest visible.
    clean(&serde_json::to_string(s).unwrap_or_default()).into_owned()
}

/// Pretty-prints `v` as colored lines. `current` is the line being built.
fn pretty(v: &Value, depth: usize, current: &mut Vec<Span<'static>>, out: &mut Vec<Line<'static>>) {
    let indent = |d: usize| Span::raw("  ".repeat(d + 1));
    match v {
        Value::Object(map) if !map.is_empty() => {
            current.push(Span::raw("{"));
            out.push(Line::from(std::mem::take(current)));
            let n = map.len();
            for (i, (k, val)) in map.iter().enumerate() {
                current.push(indent(depth));
                current.push(Span::styled(json_string(k), Style::default().fg(Color::Blue)));
                current.push(Span::raw(": "));
                pretty(val, depth + 1, current, out);
                if i + 1 < n {
                    current.push(Span::raw(","));
                }
                out.push(Line::from(std::mem::take(current)));
            }
            current.push(indent(depth - 1));
            current.push(Span::raw("}"));
        }
        Value::Array(items) if !items.is_empty() => {
            current.push(Span::raw("["));
            out.push(Line::from(std::mem::take(current)));
            let n = items.len();
            for (i, val) in items.iter().enumerate() {
                current.push(indent(depth));
                pretty(val, depth + 1, current, out);
                if i + 1 < n {
                    current.push(Span::raw(","));
                }
                out.push(Line::from(std::mem::take(current)));
            }
            current.push(indent(depth - 1));
            current.push(Span::raw("]"));
        }
        Value::Object(_) => current.push(Span::raw("{}")),
        Value::Array(_) => current.push(Span::raw("[]")),
        Value::String(s) => {
            let shown = if s.chars().count() > 2000 {
                format!("{}…", s.chars().take(2000).collect::<String>())
            } else {
                s.clone()
            };
            current.push(Span::styled(json_string(&shown), Style::default().fg(Color::Green)));
        }
        Value::Number(n) => current.push(Span::styled(n.to_string(), Style::default().fg(Color::Yellow))),
        Value::Bool(b) => current.push(Span::styled(b.to_string(), Style::default().fg(Color::Magenta))),
        Value::Null => current.push(Span::styled("null", dim())),
    }
}
