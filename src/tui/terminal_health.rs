//! Whether the terminal is still there, judged from the errors it gives.
//! Under load a read or a size query can fail once (interrupted by a
//! signal, a resize racing the query); the dashboard must not take one such
//! failure for a closed terminal and quit without a word.

use std::io;

/// Failures in a row, of a kind that is not transient, before the terminal
/// counts as gone.
const GIVE_UP_AFTER: u32 = 3;

#[derive(Debug, Default)]
pub struct TerminalHealth {
    failures_in_a_row: u32,
}

impl TerminalHealth {
    pub fn ok(&mut self) {
        self.failures_in_a_row = 0;
    }

    /// Counts a failure; true when the terminal should be taken as gone.
    pub fn failed(&mut self, e: &io::Error) -> bool {
        if matches!(
            e.kind(),
            io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ) {
            return false;
        }
        self.failures_in_a_row += 1;
        self.failures_in_a_row >= GIVE_UP_AFTER
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_failure_is_not_a_terminal_gone() {
        let mut h = TerminalHealth::default();
        let bad = io::Error::other("no size");
        assert!(!h.failed(&bad));
        assert!(!h.failed(&bad));
        h.ok();
        assert!(!h.failed(&bad));
        assert!(!h.failed(&bad));
        assert!(h.failed(&bad), "three in a row");
    }

    #[test]
    fn interruptions_never_count() {
        let mut h = TerminalHealth::default();
        for _ in 0..100 {
            assert!(!h.failed(&io::Error::from(io::ErrorKind::Interrupted)));
        }
    }
}
