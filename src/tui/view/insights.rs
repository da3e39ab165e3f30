//! "Who is behind it": for the selected group, all 429s and all 5xx, the top
//! API keys, routes, client IPs and upstreams; the keys that ignore
//! Retry-After; and the spikes.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use rustc_hash::FxHashMap;

use super::text::{clean, dim, thousands, title_style, undocumented_style};
use crate::engine::insights::{Ranked, TopReport};
use crate::engine::spikes;
use crate::engine::store::Store;
use crate::tui::app::App;

const N: usize = 5;

/// Top values of the selected group, from its failure records.
pub fn group_top(app: &App, store: &Store, g: u32) -> TopReport {
    let mut keys: FxHashMap<u32, u64> = FxHashMap::default();
    let mut routes: FxHashMap<u32, u64> = FxHashMap::default();
    let mut ips: FxHashMap<u32, u64> = FxHashMap::default();
    let mut ups: FxHashMap<&str, u64> = FxHashMap::default();
    for i in app.requests_of(store, g) {
        let f = &store.failures[i as usize];
        *keys.entry(f.key).or_default() += 1;
        *routes.entry(f.route).or_default() += 1;
        *ips.entry(f.client_ip).or_default() += 1;
        if f.status >= 500 {
            if let Some(up) = f.request_id.as_deref().and_then(|id| store.insights.upstream_for(id)) {
                *ups.entry(up).or_default() += 1;
            }
        }
    }
    let rank = |m: FxHashMap<u32, u64>, names: &crate::engine::store::Interner| -> Vec<Ranked> {
        let mut v: Vec<Ranked> = m
            .into_iter()
            .filter_map(|(id, count)| names.name(id).map(|n| Ranked { value: n.to_owned(), count }))
            .collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        v.truncate(N);
        v
    };
    let mut upstreams: Vec<Ranked> =
        ups.into_iter().map(|(v, count)| Ranked { value: v.to_owned(), count }).collect();
    upstreams.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    upstreams.truncate(N);
    TopReport {
        api_keys: rank(keys, &store.keys),
        paths: rank(routes, &store.routes),
        client_ips: rank(ips, &store.ips),
        upstreams: (!upstreams.is_empty()).then_some(upstreams),
    }
}

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
            (format!(" Who is behind {code} {} ", info.status), top_lines(&group_top(app, store, g)))
        }
        None => (" Who is behind it ".to_owned(), vec![Line::styled("no failure group selected", dim())]),
    };
    frame.render_widget(Paragraph::new(lines).block(block(title)), a);
    let upstreams = store.insights.upstreams();
    let rl = TopReport::of(&store.insights.rate_limited, None, N);
    frame.render_widget(Paragraph::new(top_lines(&rl)).block(block(" All 429s ".into())), b);
    let se = TopReport::of(&store.insights.server_errors, Some(&upstreams), N);
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
