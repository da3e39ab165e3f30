//! Routes: request paths with their identifiers folded, so failures group
//! by the endpoint that served them.

/// Writes `GET /v1/orders/52750` as `GET /v1/orders/{id}` into `out`:
/// path segments that look like identifiers are folded so routes group.
/// `scratch` is a reused buffer, so a known route allocates nothing.
pub fn write_route(method: Option<&str>, path: &str, scratch: &mut String, out: &mut String) {
    normalize_path(path, scratch);
    out.clear();
    if let Some(m) = method {
        out.push_str(m);
        out.push(' ');
    }
    out.push_str(scratch);
}

/// Writes `path` with its query dropped and id-like segments as `{id}`.
pub fn normalize_path(path: &str, out: &mut String) {
    out.clear();
    let end = path.bytes().position(|b| b == b'?' || b == b'#').unwrap_or(path.len());
    for (i, seg) in path[..end].split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if looks_like_id(seg) {
            out.push_str("{id}");
        } else {
            out.push_str(seg);
        }
    }
}

fn looks_like_id(seg: &str) -> bool {
    let digits = seg.bytes().filter(u8::is_ascii_digit).count();
    !seg.is_empty()
        && (digits == seg.len()
            || (seg.len() >= 8
                && digits >= 2
                && seg.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')))
}
