//! Small text helpers for the views; every string from a log line passes
//! through `clean` before it becomes a span.

use std::borrow::Cow;

use ratatui::style::{Color, Modifier, Style};

pub use crate::engine::format::{percent, thousands};
use crate::engine::sanitize::sanitize;
use crate::engine::time::Nanos;

pub fn clean(s: &str) -> Cow<'_, str> {
    sanitize(s)
}

/// Cuts `s` to `width` characters, marking the cut with `…`.
pub fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// `HH:MM:SS` in UTC.
pub fn clock(ts: Nanos) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_nanos(ts).format("%H:%M:%S").to_string()
}

pub fn clock_secs(secs: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp(secs, 0)
        .map_or_else(String::new, |t| t.format("%H:%M").to_string())
}

pub fn date_secs(secs: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp(secs, 0)
        .map_or_else(String::new, |t| t.format("%Y-%m-%d %H:%M").to_string())
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A one-line sparkline of `values`; zero is a space.
pub fn sparkline(values: &[u64]) -> String {
    let max = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|&v| {
            if v == 0 || max == 0 {
                ' '
            } else {
                let i = usize::try_from(v * 7 / max).unwrap_or(7).min(7);
                BARS[i]
            }
        })
        .collect()
}

pub fn status_style(status: u16) -> Style {
    match status {
        429 => Style::default().fg(Color::Yellow),
        500.. => Style::default().fg(Color::Red),
        400.. => Style::default().fg(Color::Magenta),
        _ => Style::default().fg(Color::Green),
    }
}

pub fn undocumented_style() -> Style {
    Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
}

pub fn title_style() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

pub fn dim() -> Style {
    Style::default().fg(Color::DarkGray)
}

pub fn selected_style(focused: bool) -> Style {
    if focused {
        Style::default().bg(Color::Blue).fg(Color::White).add_modifier(Modifier::BOLD)
    } else {
        Style::default().add_modifier(Modifier::REVERSED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales() {
        assert_eq!(sparkline(&[0, 1, 2, 4]), " ▂▄█");
        assert_eq!(sparkline(&[0, 0]), "  ");
    }
}
