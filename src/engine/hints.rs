//! Never silent: when the profiles read few statuses or times from lines
//! that are events, every output says so, with the keys that were seen
//! instead and the flag that would map them.

use super::detect::ProfiledSource;
use super::fields::{Field, Mapping};
use super::format::thousands;
use super::stats::{SummaryReport, Totals};

/// Fills in how each source was read, for `summary --json` and the report.
pub fn describe_sources(report: &mut SummaryReport, sources: &[ProfiledSource]) {
    report.sources = Some(sources.iter().map(ProfiledSource::report).collect());
    let mut sample: Vec<(String, u64)> = Vec::new();
    let mut events = 0;
    for s in sources {
        events += s.detection.sample_events as u64;
        for (name, n) in &s.detection.sample_recognized {
            match sample.iter_mut().find(|(k, _)| k == name) {
                Some((_, total)) => *total += *n as u64,
                None => sample.push(((*name).to_owned(), *n as u64)),
            }
        }
    }
    if events > 0 {
        report.recognized.sample.insert("events".to_owned(), events.into());
        for (name, n) in sample {
            report.recognized.sample.insert(name, n.into());
        }
    }
}

/// The warnings for these totals, one sentence each.
pub fn field_warnings(totals: &Totals, sources: &[ProfiledSource], mapping: &Mapping) -> Vec<String> {
    let mut out = Vec::new();
    if totals.events > 0 && totals.requests * 2 < totals.events {
        let head =
            format!("{} of {} events had a status", thousands(totals.requests), thousands(totals.events));
        out.push(with_seen(head, Field::Status, sources, |s| &s.detection.status_seen, mapping));
    }
    if totals.requests > 0 && totals.untimed_requests * 2 > totals.requests {
        let head = format!(
            "{} of {} requests had no usable time",
            thousands(totals.untimed_requests),
            thousands(totals.requests)
        );
        out.push(with_seen(head, Field::Time, sources, |s| &s.detection.time_seen, mapping));
    }
    out
}

fn with_seen(
    head: String,
    field: Field,
    sources: &[ProfiledSource],
    seen: impl Fn(&ProfiledSource) -> &Vec<(String, usize)>,
    mapping: &Mapping,
) -> String {
    let mut text = head;
    let mut suggested = false;
    for s in sources {
        let Some((path, _)) = seen(s).first() else { continue };
        let keys: Vec<String> = seen(s).iter().map(|(k, n)| format!("{k} ({n})")).collect();
        let profiles = super::detect::profiles_with(mapping, field, path);
        let better = profiles.iter().find(|p| **p != s.detection.profile);
        let path = super::sanitize::sanitize(path).into_owned();
        let keys = super::sanitize::sanitize(&keys.join(", ")).into_owned();
        let profile = super::sanitize::sanitize(&s.detection.profile).into_owned();
        if sources.len() > 1 {
            let name = super::sanitize::sanitize(&s.source.name()).into_owned();
            text.push_str(&format!("; {name} read as {profile}, seen: {keys}"));
        } else {
            text.push_str(&format!("; read as {profile}, seen: {keys}"));
        }
        match better {
            Some(p) => text.push_str(&format!(": try --profile {p} or --field {field}={path}")),
            None => text.push_str(&format!(": try --field {field}={path}")),
        }
        suggested = true;
    }
    if !suggested {
        text.push_str(&format!(
            "; no key in the first lines looked like one: map it with --field {field}=PATH (see `wontopos-logs profiles`)"
        ));
    }
    text
}
