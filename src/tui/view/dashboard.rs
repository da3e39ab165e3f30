//! The main screen: header with totals, failure groups, the 429/5xx chart
//! and the requests of the selected group.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph, Row, Table};
use ratatui::Frame;

use super::layout::DashboardLayout;
use super::text::{
    clean, clock, clock_secs, cut, date_secs, dim, percent, selected_style, sparkline, status_style,
    thousands, title_style, undocumented_style,
};
use crate::engine::catalog;
use crate::engine::stats::BucketCounts;
use crate::engine::store::{rebucket, Counts, Interner, Store};
use crate::tui::app::{age, App, Focus, SortBy};

/// Rows a table can show in `area` (below its title border and header).
pub fn table_rows(area: Rect) -> u16 {
    area.height.saturating_sub(2)
}

/// First row to show so that `selected` stays in view.
pub fn first_visible(selected: usize, rows: u16) -> usize {
    let rows = usize::from(rows.max(1));
    selected.saturating_sub(rows - 1)
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, store: &Store) {
    let l = DashboardLayout::new(area);
    let spike = latest_spike(app.counts(store), app.utc_offset);
    render_header(frame, l.header, app, store, spike.as_deref());
    render_groups(frame, l.groups, app, store);
    render_chart(frame, l.chart, app, store, spike.as_deref());
    render_requests(frame, l.requests, app, store);
    render_footer(frame, l.footer, app);
}

/// A pane; the focused one is cyan and marked `▶`, which needs no colour.
fn pane(title: Line<'static>, focused: bool) -> Block<'static> {
    let style = if focused { Style::default().fg(Color::Cyan) } else { dim() };
    let mut spans = title.spans;
    if focused {
        spans.insert(0, Span::styled(" ▶", style));
    }
    Block::default().borders(Borders::TOP).border_style(style).title(Line::from(spans))
}

/// Requests per second over the last minute of log time.
fn current_rate(c: &Counts) -> f64 {
    let Some(latest) = c.latest else { return 0.0 };
    let end = latest / 1_000_000_000;
    let n: u64 = c.series().filter(|(t, _)| (end - 59..=end).contains(*t)).map(|(_, b)| b.requests).sum();
    #[allow(clippy::cast_precision_loss)]
    let rate = n as f64 / 60.0;
    rate
}

/// The newest spike, said the way an operator would: "5xx 8x baseline since 13:42".
fn latest_spike(c: &Counts, off: i64) -> Option<String> {
    let buckets = c.summary.buckets.sorted();
    let last = buckets.last()?.0;
    let spikes = crate::engine::spikes::find(&buckets, c.summary.buckets.secs());
    let s = spikes.iter().max_by_key(|s| (s.last_secs, s.start_secs))?;
    Some(s.describe(s.last_secs == last, |t| clock_secs(t + off)))
}

fn render_header(frame: &mut Frame, area: Rect, app: &App, store: &Store, spike: Option<&str>) {
    let c = app.counts(store);
    let t = &c.summary.totals;
    let names: Vec<String> = store
        .sources
        .iter()
        .map(|s| match s.profile.as_str() {
            "" => clean(&s.name).into_owned(),
            profile => format!("{} [{}]", clean(&s.name), clean(profile)),
        })
        .collect();
    let mode = if app.paused.is_some() {
        Span::styled(
            " PAUSED ",
            Style::default().bg(Color::Yellow).fg(Color::Black).add_modifier(Modifier::BOLD),
        )
    } else if app.following {
        Span::styled(
            " LIVE ",
            Style::default().bg(Color::Green).fg(Color::Black).add_modifier(Modifier::BOLD),
        )
    } else {
        Span::styled(" NOT FOLLOWING ", Style::default().bg(Color::DarkGray).fg(Color::White))
    };
    let window = |with_date: bool| match app.chart_range(store) {
        Some((from, to, _)) => {
            let from = from + app.utc_offset;
            format!(
                "window {}: {} – {} {}",
                if app.view_range.is_some() { "custom" } else { app.window.label() },
                if with_date { date_secs(from) } else { clock_secs(from) },
                clock_secs(to + app.utc_offset),
                app.zone_label()
            )
        }
        None => format!("window {}: no timed requests yet", app.window.label()),
    };
    let sources = cut(&names.join(", "), 40);
    // The date goes before anything is cut: the zone must stay readable.
    let fixed = "wontopos-logs ".len() + sources.chars().count() + 1 + mode.content.chars().count() + 2;
    let window = match window(true) {
        w if fixed + w.chars().count() <= usize::from(area.width) => w,
        _ => window(false),
    };
    let line1 = Line::from(vec![
        Span::styled("wontopos-logs ", title_style()),
        Span::raw(sources),
        Span::raw(" "),
        mode,
        Span::raw("  "),
        Span::styled(window, dim()),
    ]);
    let line2 = Line::from(vec![
        Span::raw("requests "),
        Span::styled(thousands(t.requests), title_style()),
        Span::raw("  failures "),
        Span::styled(
            format!("{} ({})", thousands(t.failures), percent(t.failures, t.requests)),
            title_style(),
        ),
        Span::raw("  429 "),
        Span::styled(
            thousands(t.rate_limited),
            Style::default().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ),
        Span::raw("  5xx "),
        Span::styled(
            thousands(t.server_errors),
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
        ),
        Span::raw("  malformed "),
        Span::styled(
            thousands(t.malformed),
            if t.malformed > 0 { Style::default().fg(Color::Magenta) } else { dim() },
        ),
        Span::raw(format!("  {:.1} req/s", current_rate(c))),
    ]);
    // Counts first, then the failures' details (request lists, rankings).
    let loading = store.progress().map(|p| ("loading ", p));
    let line3 = if let Some((what, p)) =
        loading.or_else(|| store.indexing().map(|p| ("indexing failures ", p)))
    {
        let width = usize::from(area.width.saturating_sub(20 + what.len() as u16)).min(50);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let done = ((p * width as f64) as usize).min(width);
        Line::from(vec![
            Span::styled(what, Style::default().fg(Color::Cyan)),
            Span::styled("█".repeat(done), Style::default().fg(Color::Cyan)),
            Span::styled("░".repeat(width - done), dim()),
            Span::raw(format!(" {:>3.0}%", p * 100.0)),
        ])
    } else if let Some(w) = app.field_warnings.first() {
        Line::styled(
            format!("⚠ {}", clean(w)),
            Style::default().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        )
    } else if c.future > 0 {
        let newest = c.future_latest.map(crate::engine::time::format_utc).unwrap_or_default();
        let (n, noun) = (thousands(c.future), if c.future == 1 { "request" } else { "requests" });
        Line::styled(
                format!("⚠ {n} {noun} dated in the future (newest {newest}); the window ends at the newest time before now"),
                Style::default().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            )
    } else if let Some(s) = &app.status {
        Line::styled(clean(s).into_owned(), Style::default().fg(Color::Cyan))
    } else if let Some(n) = store.notices.last() {
        Line::styled(format!("note: {}", clean(n)), Style::default().fg(Color::Yellow))
    } else if let Some(spike) = spike {
        Line::styled(spike, Style::default().fg(Color::Red).add_modifier(Modifier::BOLD))
    } else if let Some(f) = &app.filter {
        Line::styled(format!("filter: {}  (Esc clears)", clean(f)), Style::default().fg(Color::Cyan))
    } else {
        Line::styled(
            format!("{} failure groups; Enter opens one, then a request; ? for help", c.groups.len()),
            dim(),
        )
    };
    frame.render_widget(Paragraph::new(vec![line1, line2, line3]), area);
}

/// Columns of a group's TREND sparkline: one per bucket.
const TREND_WIDTH: usize = 12;

fn render_groups(frame: &mut Frame, area: Rect, app: &App, store: &Store) {
    let c = app.counts(store);
    let groups = app.visible_groups(store);
    let focused = app.focus == Focus::Groups;
    let sort = if app.sort == SortBy::Count { "by count" } else { "by recency" };
    let title = Line::from(vec![
        Span::styled(" Failure groups ", title_style()),
        Span::styled(format!("({}, {sort}; s sorts) ", groups.len()), dim()),
    ]);
    let block = pane(title, focused);
    let rows_avail = table_rows(area);
    let first = first_visible(app.group_sel, rows_avail);
    let spark_range = app.chart_range(store);
    let now = c.latest.unwrap_or(0);
    let rows: Vec<Row> = groups
        .iter()
        .enumerate()
        .skip(first)
        .take(usize::from(rows_avail))
        .map(|(i, &g)| {
            let info = &c.groups[g as usize];
            let documented = catalog::is_documented(info.code.as_deref(), info.status);
            let code = info.code.as_deref().map_or_else(|| "(no code)".to_owned(), |s| clean(s).into_owned());
            let mark = if documented {
                Span::styled("doc", dim())
            } else {
                Span::styled("UNDOC", undocumented_style())
            };
            let trend = spark_range.map_or_else(String::new, |(from, to, _)| {
                let bucket = ((to - from) / TREND_WIDTH as i64).max(10);
                let pts =
                    rebucket(info.series(), from, to, bucket, |a: &mut u64, v: &u32| *a += u64::from(*v));
                // The range, aligned to buckets, can span one more than the
                // column's twelve: the oldest goes, never the newest.
                let newest = &pts[pts.len().saturating_sub(TREND_WIDTH)..];
                sparkline(&newest.iter().map(|p| p.1).collect::<Vec<_>>())
            });
            // First seen after the history was read: new in this session.
            let new = store.history_failures.is_some_and(|h| info.first_index >= h);
            let mut code_spans = Vec::new();
            if new {
                code_spans.push(Span::styled("NEW ", Style::default().fg(Color::Black).bg(Color::Cyan)));
            }
            code_spans
                .push(Span::styled(code, if documented { Style::default() } else { undocumented_style() }));
            let cells: Vec<ratatui::widgets::Cell> = vec![
                Line::from(code_spans).into(),
                Span::styled(info.status.to_string(), status_style(info.status)).into(),
                mark.into(),
                Span::raw(format!("{:>6}", thousands(info.count))).into(),
                Span::raw(format!("{:>5}", percent(info.count, c.summary.totals.failures))).into(),
                Span::raw(info.last_seen.map_or_else(|| "-".into(), |t| format!("{} ago", age(t, now))))
                    .into(),
                Span::styled(trend, status_style(info.status)).into(),
            ];
            let row = Row::new(cells);
            if i == app.group_sel {
                row.style(selected_style(focused))
            } else {
                row
            }
        })
        .collect();
    let header = Row::new(["CODE", "STS", "DOC", "COUNT", "SHARE", "LAST", "TREND"]).style(dim());
    let widths = [
        Constraint::Min(14),
        Constraint::Length(3),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(5),
        Constraint::Length(7),
        Constraint::Length(TREND_WIDTH as u16),
    ];
    if groups.is_empty() {
        let msg = if app.filter.is_some() {
            "no failure group matches the filter"
        } else if c.summary.totals.requests == 0 && c.summary.totals.events > 0 {
            "no requests recognised, so no failures counted (see the warning above)"
        } else {
            "no failures yet"
        };
        frame.render_widget(Paragraph::new(msg).style(dim()).block(block), area);
        return;
    }
    frame.render_widget(Table::new(rows, widths).header(header).block(block).column_spacing(1), area);
}

fn render_chart(frame: &mut Frame, area: Rect, app: &App, store: &Store, spike: Option<&str>) {
    let c = app.counts(store);
    let Some((from, to, bucket)) = app.chart_range(store) else {
        frame.render_widget(
            Paragraph::new("no timed requests yet")
                .style(dim())
                .block(pane(Line::from(" 429 and 5xx "), false)),
            area,
        );
        return;
    };
    let points = rebucket(c.series(), from, to, bucket, |a: &mut BucketCounts, v| a.merge(v));
    let to_xy = |f: fn(&BucketCounts) -> u64| -> Vec<(f64, f64)> {
        #[allow(clippy::cast_precision_loss)]
        points.iter().map(|(t, b)| ((t - from) as f64, f(b) as f64)).collect()
    };
    let rl = to_xy(|b| b.rate_limited);
    let se = to_xy(|b| b.server_errors);
    let max = rl.iter().chain(se.iter()).map(|p| p.1).fold(1.0f64, f64::max);
    let peak_rl = points.iter().max_by_key(|(_, b)| b.rate_limited).filter(|(_, b)| b.rate_limited > 0);
    let title = Line::from(vec![
        Span::styled(" 429 / 5xx ", title_style()),
        Span::styled(
            spike.map(|s| format!("SPIKE {s} ")).unwrap_or_default(),
            Style::default().fg(Color::Red),
        ),
        Span::styled(format!("per {} ", crate::engine::format::duration(bucket)), dim()),
        Span::styled(
            peak_rl.map_or_else(String::new, |(t, b)| {
                format!("429 peak {} at {} ", b.rate_limited, clock_secs(*t + app.utc_offset))
            }),
            Style::default().fg(Color::Yellow),
        ),
    ]);
    let datasets = vec![
        Dataset::default()
            .name("429")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::default().fg(Color::Yellow))
            .data(&rl),
        Dataset::default()
            .name("5xx")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::default().fg(Color::Red))
            .data(&se),
    ];
    #[allow(clippy::cast_precision_loss)]
    let span = (to - from).max(1) as f64;
    let mid = from + (to - from) / 2;
    let chart = Chart::new(datasets)
        .block(pane(title, false))
        .x_axis(
            Axis::default()
                .bounds([0.0, span])
                .labels(vec![
                    Span::raw(clock_secs(from + app.utc_offset)),
                    Span::raw(clock_secs(mid + app.utc_offset)),
                    Span::raw(clock_secs(to + app.utc_offset)),
                ])
                .style(dim()),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, max])
                .labels(vec![Span::raw("0"), Span::raw(format!("{max:.0}"))])
                .style(dim()),
        )
        .legend_position(Some(ratatui::widgets::LegendPosition::TopLeft))
        .hidden_legend_constraints((Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)));
    frame.render_widget(chart, area);
}

fn name(i: &Interner, id: u32) -> String {
    i.name(id).map_or_else(|| "-".into(), |s| clean(s).into_owned())
}

fn render_requests(frame: &mut Frame, area: Rect, app: &App, store: &Store) {
    let focused = app.focus == Focus::Requests;
    let c = app.counts(store);
    let Some(g) = app.selected_group(store) else {
        frame.render_widget(Paragraph::new("").block(pane(Line::from(" Requests "), focused)), area);
        return;
    };
    let info = &c.groups[g as usize];
    let code = info.code.as_deref().map_or_else(|| "(no code)".to_owned(), |s| clean(s).into_owned());
    let rows_avail = usize::from(table_rows(area));
    let first = first_visible(app.request_sel, table_rows(area));
    // Counted, not collected: a storm's group holds hundreds of thousands.
    let shown = app.requests_of(store, g).count();
    let seen = match (info.first_seen, info.last_seen) {
        (Some(f), Some(l)) => {
            format!(
                "first {}, last {}; ",
                clock(f.saturating_add(app.utc_offset * 1_000_000_000)),
                clock(l.saturating_add(app.utc_offset * 1_000_000_000))
            )
        }
        _ => String::new(),
    };
    let title = Line::from(vec![
        Span::styled(format!(" Requests: {code} {} ", info.status), title_style()),
        Span::styled(
            format!(
                "({} of {}, newest first; {seen}Enter opens) ",
                thousands(shown as u64),
                thousands(info.count)
            ),
            dim(),
        ),
    ]);
    let wide = area.width >= 100;
    let rows: Vec<Row> = app
        .requests_of(store, g)
        .enumerate()
        .skip(first)
        .take(rows_avail)
        .map(|(i, fi)| {
            let r = &store.failures[fi as usize];
            let mut cells = vec![
                r.ts.map_or_else(
                    || "--:--:--".into(),
                    |t| clock(t.saturating_add(app.utc_offset * 1_000_000_000)),
                ),
                store.request_id(r).map_or_else(
                    || "-".into(),
                    |s| {
                        if app.marks.iter().any(|m| m == s) {
                            format!("*{}", clean(s))
                        } else {
                            clean(s).into_owned()
                        }
                    },
                ),
                name(&store.routes, r.route),
                r.status.to_string(),
            ];
            if wide {
                cells.push(code.clone());
            }
            cells.push(name(&store.keys, r.key));
            cells.push(r.latency_ms.map_or_else(|| "-".into(), |l| format!("{l:.0}ms")));
            let row = Row::new(cells).style(status_style(r.status));
            if i == app.request_sel {
                row.style(selected_style(focused))
            } else {
                row
            }
        })
        .collect();
    let mut header = vec!["TIME", "REQUEST ID", "ROUTE", "STS"];
    let mut widths =
        vec![Constraint::Length(8), Constraint::Length(28), Constraint::Fill(1), Constraint::Length(3)];
    if wide {
        header.push("CODE");
        widths.push(Constraint::Length(20));
    }
    header.extend(["API KEY", "LATENCY"]);
    widths.extend([Constraint::Length(10), Constraint::Length(8)]);
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(dim()))
            .block(pane(title, focused))
            .column_spacing(1),
        area,
    );
}

fn render_footer(frame: &mut Frame, area: Rect, app: &App) {
    let keys = [
        ("↑↓", "move"),
        ("Tab", "focus"),
        ("Enter", "open"),
        ("Esc", "back"),
        ("/", "filter or req_ id"),
        ("w", "window"),
        ("p", if app.paused.is_some() { "resume" } else { "pause" }),
        ("i", "who"),
        ("u", "malformed"),
        ("?", "help"),
        ("q", "quit"),
    ];
    let mut spans = Vec::new();
    for (k, what) in keys {
        spans.push(Span::styled(k, Style::default().fg(Color::Cyan).add_modifier(Modifier::BOLD)));
        spans.push(Span::styled(format!(" {what}  "), dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
