//! The engine: reading, parsing, counting and looking up Wontopos API logs.
//! No terminal code lives here; the CLI and the TUI are views over it.

pub mod catalog;
pub mod counts;
pub mod detect;
pub mod fields;
pub mod filter;
pub mod follow;
pub mod format;
pub mod generate;
pub mod hints;
pub mod input;
pub mod insights;
pub mod jsonout;
pub mod line;
pub mod load;
pub mod lookup;
pub mod observe;
pub mod record;
pub mod redact;
pub mod report;
pub mod route;
pub mod sanitize;
pub mod scan;
pub mod spikes;
pub mod stats;
pub mod store;
pub mod time;
pub mod unwrap;
