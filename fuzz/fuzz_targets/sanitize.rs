//! `engine::sanitize::sanitize`, whose promise (the module's doc) is: control
//! characters (C0, DEL, C1), bidirectional overrides and isolates,
//! zero-width and other invisible format characters are replaced by a
//! visible escape (`\u{1b}`, `<U+202E>`), and tabs become a space. So:
//!
//! * the output holds none of those characters, by a list written here from
//!   the doc (not by calling `is_dangerous`), and nothing `is_dangerous`
//!   flags either; in particular no ESC, so no escape sequence;
//! * text with none of them comes back as it was, borrowed;
//! * every other character of the input is kept, in order;
//! * sanitizing the output changes nothing.
//!
//! The input is read as UTF-8 (invalid bytes decoded lossily, as the
//! reader decodes log lines).
#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use wontopos_logs::engine::sanitize::{is_dangerous, sanitize};

/// What the module's doc says never reaches the terminal as it is.
fn forbidden(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'          // C0, ESC and TAB included
        | '\u{7f}'                  // DEL
        | '\u{80}'..='\u{9f}'       // C1 (CSI U+009B, OSC U+009D, ...)
        | '\u{200b}'..='\u{200f}'   // zero-width, LRM, RLM
        | '\u{2028}' | '\u{2029}'   // line and paragraph separators
        | '\u{202a}'..='\u{202e}'   // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}'   // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}'   // bidi isolates
        | '\u{206a}'..='\u{206f}'
        | '\u{feff}'                // zero-width no-break space (BOM)
        | '\u{fff9}'..='\u{fffb}'   // interlinear annotation
        | '\u{e0000}'..='\u{e007f}' // tags
    )
}

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let out = sanitize(&input);
    if let Some((i, c)) = out.char_indices().find(|&(_, c)| forbidden(c) || is_dangerous(c)) {
        panic!("{c:?} at byte {i} of the output {out:?} (input {input:?})");
    }
    let risky = input.chars().any(|c| forbidden(c) || is_dangerous(c));
    if !risky {
        assert!(matches!(out, Cow::Borrowed(_)), "harmless text was copied: {input:?}");
        assert_eq!(out, input);
    }
    // Every harmless character of the input is in the output, in order
    // (escapes add only ASCII around them).
    let mut rest = out.chars();
    for c in input.chars().filter(|&c| !forbidden(c) && !is_dangerous(c)) {
        assert!(rest.any(|o| o == c), "{c:?} of the input was lost: {input:?} -> {out:?}");
    }
    assert!(matches!(sanitize(&out), Cow::Borrowed(_)), "sanitizing twice changed {out:?}");
});
