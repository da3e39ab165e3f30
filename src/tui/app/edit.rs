//! The prompts' line editing, as a shell line edits: a cursor, Ctrl-U /
//! Ctrl-K / Ctrl-W, Ctrl-A / Ctrl-E, arrows, Home / End, Delete.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A prompt's text longer than this is refused: a filter is short.
const MAX_CHARS: usize = 200;

/// Applies an editing key to `text` with its cursor (a char index).
/// Returns whether the key was one.
pub fn edit(text: &mut String, cursor: &mut usize, key: KeyEvent) -> bool {
    let len = text.chars().count();
    *cursor = (*cursor).min(len);
    let byte = |t: &str, i: usize| t.char_indices().nth(i).map_or(t.len(), |(b, _)| b);
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('u') if ctrl => {
            text.replace_range(..byte(text, *cursor), "");
            *cursor = 0;
        }
        KeyCode::Char('k') if ctrl => text.truncate(byte(text, *cursor)),
        KeyCode::Char('w') if ctrl => {
            let chars: Vec<char> = text.chars().collect();
            let mut start = *cursor;
            while start > 0 && chars[start - 1].is_whitespace() {
                start -= 1;
            }
            while start > 0 && !chars[start - 1].is_whitespace() {
                start -= 1;
            }
            let (from, to) = (byte(text, start), byte(text, *cursor));
            text.replace_range(from..to, "");
            *cursor = start;
        }
        KeyCode::Char('a') if ctrl => *cursor = 0,
        KeyCode::Home => *cursor = 0,
        KeyCode::Char('e') if ctrl => *cursor = len,
        KeyCode::End => *cursor = len,
        KeyCode::Left => *cursor = cursor.saturating_sub(1),
        KeyCode::Right => *cursor = (*cursor + 1).min(len),
        KeyCode::Backspace if *cursor > 0 => {
            let at = byte(text, *cursor - 1);
            text.remove(at);
            *cursor -= 1;
        }
        KeyCode::Delete if *cursor < len => {
            let at = byte(text, *cursor);
            text.remove(at);
        }
        KeyCode::Char(c) if !ctrl && !c.is_control() && len < MAX_CHARS => {
            let at = byte(text, *cursor);
            text.insert(at, c);
            *cursor += 1;
        }
        KeyCode::Backspace | KeyCode::Delete | KeyCode::Char(_) => {}
        _ => return false,
    }
    true
}
