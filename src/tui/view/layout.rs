//! Where each pane of the dashboard goes, computed the same way for drawing
//! and for mapping mouse clicks back to rows.

use ratatui::layout::{Constraint, Layout, Rect};

#[derive(Debug, Clone, Copy)]
pub struct DashboardLayout {
    pub header: Rect,
    pub groups: Rect,
    pub chart: Rect,
    pub requests: Rect,
    pub footer: Rect,
}

impl DashboardLayout {
    pub fn new(area: Rect) -> Self {
        let [header, middle, footer] =
            Layout::vertical([Constraint::Length(3), Constraint::Min(5), Constraint::Length(1)]).areas(area);
        if area.width >= 110 {
            let [top, requests] =
                Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(middle);
            let [groups, chart] =
                Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(top);
            DashboardLayout { header, groups, chart, requests, footer }
        } else {
            let [groups, chart, requests] = Layout::vertical([
                Constraint::Percentage(36),
                Constraint::Percentage(28),
                Constraint::Percentage(36),
            ])
            .areas(middle);
            DashboardLayout { header, groups, chart, requests, footer }
        }
    }
}
