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
/// One pass over the bytes, no calls per segment: it runs for every
/// failure while history loads, on paths of a few short segments.
pub fn normalize_path(path: &str, out: &mut String) {
    out.clear();
    let bytes = path.as_bytes();
    let (mut start, mut digits, mut id_chars) = (0, 0, 0);
    let mut i = 0;
    loop {
        let b = bytes.get(i).copied();
        if matches!(b, None | Some(b'/' | b'?' | b'#')) {
            let seg = &path[start..i];
            let len = seg.len();
            let id_like = len > 0 && (digits == len || (len >= 8 && digits >= 2 && id_chars == len));
            out.push_str(if id_like { "{id}" } else { seg });
            if b != Some(b'/') {
                return;
            }
            out.push('/');
            (start, digits, id_chars) = (i + 1, 0, 0);
        } else if let Some(b) = b {
            digits += usize::from(b.is_ascii_digit());
            id_chars += usize::from(b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition, written for reading rather than speed.
    fn normalize_reference(path: &str) -> String {
        let end = path.find(['?', '#']).unwrap_or(path.len());
        let id_like = |seg: &str| {
            let digits = seg.bytes().filter(u8::is_ascii_digit).count();
            !seg.is_empty()
                && (digits == seg.len()
                    || (seg.len() >= 8
                        && digits >= 2
                        && seg.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')))
        };
        let segs: Vec<&str> =
            path[..end].split('/').map(|seg| if id_like(seg) { "{id}" } else { seg }).collect();
        segs.join("/")
    }

    proptest! {
        #[test]
        fn one_pass_matches_the_definition(path in "[/a-z0-9_?#é-]{0,40}") {
            let mut out = String::new();
            normalize_path(&path, &mut out);
            prop_assert_eq!(out, normalize_reference(&path));
        }
    }

    #[test]
    fn folds_ids_keeps_names() {
        let mut out = String::new();
        for (path, want) in [
            ("/v1/orders/52750", "/v1/orders/{id}"),
            ("/v1/customers/cus_8f3k2j9d?x=1", "/v1/customers/{id}"),
            ("/v1/products", "/v1/products"),
            ("", ""),
            ("//", "//"),
            ("/v1/a-b-c-d-e/12ab#frag", "/v1/a-b-c-d-e/12ab"),
        ] {
            normalize_path(path, &mut out);
            assert_eq!(out, want, "{path}");
        }
    }
}
