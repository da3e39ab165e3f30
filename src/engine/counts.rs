//! Counting's primitives: totals, what a time bucket holds, which fields
//! were recognised. Everything above (the summary, the live store, spikes)
//! builds on these; they import nothing of it.

use serde::Serialize;

use super::record::{is_server_error, Class};

/// Of the events counted, how many carried each field counting reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Recognized {
    pub time: u64,
    pub status: u64,
    pub code: u64,
}

impl Recognized {
    pub fn merge(&mut self, o: &Recognized) {
        self.time += o.time;
        self.status += o.status;
        self.code += o.code;
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub lines: u64,
    pub malformed: u64,
    pub events: u64,
    pub requests: u64,
    pub failures: u64,
    pub rate_limited: u64,
    pub server_errors: u64,
    pub untimed_requests: u64,
}

impl Totals {
    pub fn merge(&mut self, o: &Totals) {
        self.lines += o.lines;
        self.malformed += o.malformed;
        self.events += o.events;
        self.requests += o.requests;
        self.failures += o.failures;
        self.rate_limited += o.rate_limited;
        self.server_errors += o.server_errors;
        self.untimed_requests += o.untimed_requests;
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BucketCounts {
    pub requests: u64,
    pub failures: u64,
    pub rate_limited: u64,
    pub server_errors: u64,
}

impl BucketCounts {
    /// Counts one request with this status.
    pub fn add(&mut self, status: u16) {
        self.requests += 1;
        self.failures += u64::from(Class::of(Some(status)) == Class::Failure);
        self.rate_limited += u64::from(status == 429);
        self.server_errors += u64::from(is_server_error(status));
    }
    pub fn merge(&mut self, o: &BucketCounts) {
        self.requests += o.requests;
        self.failures += o.failures;
        self.rate_limited += o.rate_limited;
        self.server_errors += o.server_errors;
    }
}
