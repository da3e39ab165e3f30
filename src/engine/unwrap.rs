//! Lines that carry an event inside something else: `docker compose logs`
//! prints `service-1  | {json}` (with `-t`, a timestamp after the bar).
//! The event is read as if the prefix were not there; a line that only
//! looks like one stays as it is, and malformed if it is not JSON.

/// The event of a prefixed line; any other line as it is.
#[inline]
pub fn strip_prefix(line: &[u8]) -> &[u8] {
    match line.first() {
        // The common case, and every JSON line: nothing to strip.
        Some(b'{' | b'[' | b' ' | b'\t') | None => line,
        Some(_) => compose_event(line).unwrap_or(line),
    }
}

/// `NAME<spaces>| [TIMESTAMP ]{...}`: a service name of letters, digits,
/// `_`, `-` and `.`, padding, a bar, a space.
fn compose_event(line: &[u8]) -> Option<&[u8]> {
    let head = &line[..line.len().min(256)];
    let bar = memchr::memchr(b'|', head)?;
    let (name, rest) = (&line[..bar], &line[bar + 1..]);
    let name = name.strip_suffix(b" ").unwrap_or(name);
    let name_end = name.iter().rposition(|&b| b != b' ')? + 1;
    let valid_name =
        name[..name_end].iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if !valid_name || !name[..name_end].first()?.is_ascii_alphanumeric() {
        return None;
    }
    let rest = rest.strip_prefix(b" ")?;
    if rest.first() == Some(&b'{') {
        return Some(rest);
    }
    // `docker compose logs -t`: an RFC 3339 time, a space, the event.
    let sp = memchr::memchr(b' ', &rest[..rest.len().min(64)])?;
    let (stamp, event) = (&rest[..sp], &rest[sp + 1..]);
    let looks_like_time = stamp.len() >= 20 && stamp[..4].iter().all(u8::is_ascii_digit) && stamp[4] == b'-';
    (looks_like_time && event.first() == Some(&b'{')).then_some(event)
}

#[cfg(test)]
mod tests {
    use super::strip_prefix;

    #[test]
    fn compose_prefixes_are_stripped() {
        let ev = br#"{"status":503}"#;
        for prefix in
            ["api-1  | ", "api-1 | ", "web.app_2-1      | ", "api-1  | 2026-12-01T13:05:10.123456789Z "]
        {
            let line = [prefix.as_bytes(), ev].concat();
            assert_eq!(strip_prefix(&line), ev, "{prefix}");
        }
    }

    #[test]
    fn other_lines_stay() {
        for line in [
            &br#"{"a":"x | {y}"}"#[..],
            b"plain text | {not an event",
            b"a|{\"status\":1}",
            b"-x  | {\"status\":1}",
            b"panic: boom",
            b"",
        ] {
            assert_eq!(strip_prefix(line), line, "{}", String::from_utf8_lossy(line));
        }
    }
}
