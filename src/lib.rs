//! `wontopos-logs`: triage for Wontopos API logs.
//!
//! `engine` reads, parses, counts, follows and looks up; it has no terminal
//! code. `tui` is the dashboard, a thin layer that draws the engine's store.

pub mod engine;
pub mod tui;
