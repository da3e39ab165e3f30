//! "Who is behind it": for the selected group, all 429s and all 5xx, the top
//! API keys, routes, client IPs and upstreams; the keys that ignore
//! Retry-After; and the spikes.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::text::{clean, dim, thousands, title_style, undocumented_style};
use crate::engine::insights::{Ranked, TopReport};
use crate::engine::spikes;
use crate::engine::store::Store;
use crate::tui::app::App;

const N: usize = 5;

fn ranked_line(label: &str, list: &[Ranked]) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("{label:<10}"), dim())];
    if list.is_empty() {
        spans.push(Span::styled("-", dim()));
    }
    for (i, r) in list.iter().take(N).enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        let style = if i == 0 { Style::default().fg(Color::Yellow) } else { Style::default() };
        spans.push(Span::styled(clean(&r.value).into_owned(), style));
        spans.push(Span::styled(format!(" {}", thousands(r.count)), dim()));
    }
    Line::from(spans)
}

fn top_lines(t: &TopReport) -> Vec<Line<'static>> {
    let mut v = vec![
        ranked_line("API keys", &t.api_keys),
        ranked_line("routes", &t.paths),
        ranked_line("clients", &t.client_ips),
    ];
    if let Some(up) = &t.upstreams {
        v.push(ranked_line("upstreams", up));
    }
    v
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, store: &Store) {
    let [a, b, c, d, footer] = Layout::vertical([
        Constraint::Length(5),
        Constraint::Length(4),
        Constraint::Length(5),
        Constraint::Min(4),
        Constraint::Length(1),
    ])
    .areas(area);
    let block = |t: String| Block::default().borders(Borders::TOP).title(Line::styled(t, title_style()));

    let group = app.selected_group(store);
    let (title, lines) = match group {
        Some(g) => {
            let info = &app.counts(store).groups[g as usize];
            let code = info.code.as_deref().map_or_else(|| "(no code)".to_owned(), |c| clean(c).into_owned());
            (
                format!(" Who is behind {code} {} ", info.status),
                top_lines(&store.top_of(app.requests_of(store, g), N)),
            )
        }
        None => (" Who is behind it ".to_owned(), vec![Line::styled("no failure group selected", dim())]),
    };
    frame.render_widget(Paragraph::new(lines).block(block(title)), a);
    let limit = app.counts(store).failures_len;
    let mut rl = store.top_of(store.failures_where(limit, |s| s == 429), N);
    rl.upstreams = None;
    frame.render_widget(Paragraph::new(top_lines(&rl)).block(block(" All 429s ".into())), b);
    let se = store.top_of(store.failures_where(limit, |s| s >= 500), N);
    frame.render_widget(
        Paragraph::new(top_lines(&se)).block(block(" All 5xx (upstreams from correlated lines) ".into())),
        c,
    );

    let mut lines = Vec::new();
    let offenders = store.insights.retry_offenders();
    if offenders.is_empty() {
        lines.push(Line::styled("no API key came back before its Retry-After had passed", dim()));
    }
    for o in offenders.iter().take(usize::from(d.height.saturating_sub(4)).clamp(1, 8)) {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<14}", clean(&o.api_key)), undocumented_style()),
            Span::raw(format!(
                "{} early requests after {} waits; {:.1} s early on average (max {:.1} s), first {}",
                thousands(o.early_requests),
                thousands(o.told),
                o.mean_seconds_early,
                o.max_seconds_early,
                o.first_seen.as_deref().map_or("-", |s| s.get(11..19).unwrap_or(s)),
            )),
        ]));
    }
    let summary = &app.counts(store).summary;
    let spikes = spikes::find(&summary.buckets.sorted(), summary.buckets.secs());
    lines.push(Line::raw(""));
    if spikes.is_empty() {
        lines.push(Line::styled("no spikes: no 429 or 5xx bucket rose to 4x its trailing baseline", dim()));
    }
    for s in spikes.iter().rev().take(3) {
        lines.push(Line::styled(
            format!("spike: {}", s.describe(false, super::text::clock_secs)),
            Style::default().fg(Color::Red),
        ));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block(" Ignoring Retry-After (early requests by key), and spikes ".into())),
        d,
    );
    frame.render_widget(
        Paragraph::new(Line::styled("↑↓ change group  e write report  Esc back  q quit", dim())),
        footer,
    );
}
