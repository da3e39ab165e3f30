//! `wontopos-logs`: triage for Wontopos API logs.

pub mod engine;
