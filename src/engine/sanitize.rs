//! Making untrusted log text safe to show on a terminal.
//!
//! Control characters (C0, DEL, C1), bidirectional overrides and isolates,
//! zero-width and other invisible format characters are replaced by a
//! visible escape such as `\u{1b}` or `<U+202E>`, so an escape sequence in
//! a log line can neither move the cursor, set the title, write the
//! clipboard, nor reorder what the operator reads.

use std::borrow::Cow;

/// True for characters that must never reach a terminal as they are.
pub fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}'   // zero-width, LRM/RLM
            | '\u{2028}' | '\u{2029}' // line/paragraph separators
            | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{206A}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}' // tag characters
        )
}

/// Returns `s` with every dangerous character made visible. Tabs become a
/// space so column layouts hold.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_dangerous) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '\t' => out.push(' '),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c if is_dangerous(c) => out.push_str(&format!("<U+{:04X}>", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi() {
        assert_eq!(sanitize("plain /v1/orders"), "plain /v1/orders");
        assert_eq!(sanitize("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(sanitize("\u{1b}]52;c;aGk=\u{7}"), "\\u{1b}]52;c;aGk=\\u{7}");
        assert_eq!(sanitize("x\u{202e}gnp.exe"), "x<U+202E>gnp.exe");
        assert_eq!(sanitize("c1 \u{9b}31m"), "c1 \\u{9b}31m");
        assert_eq!(sanitize("line\nbreak\r"), "line\\u{a}break\\u{d}");
        assert_eq!(sanitize("tab\there"), "tab here");
    }

    proptest::proptest! {
        #[test]
        fn output_has_no_dangerous_chars(s in "\\PC*|[\\x00-\\x1f\\x7f-\\x9f\u{202a}-\u{202e}a]*") {
            proptest::prop_assert!(!sanitize(&s).chars().any(is_dangerous));
        }
    }
}
