//! Follow mode: the same read again and again, each event shown once.
//!
//! CloudWatch may accept an event a few seconds after a later one was readable (ingestion is not
//! ordered across streams), so each read starts a little before the newest event seen, and
//! events already shown are recognised by their id.

use std::collections::HashMap;

use crate::event::LogEvent;

/// How far back each read of follow mode looks behind the newest event it has shown.
pub const OVERLAP_MS: i64 = 30_000;

#[derive(Debug, Default)]
pub struct Follower {
    /// (group's domain, event id) → timestamp, pruned once older than the overlap.
    seen: HashMap<(String, String), i64>,
    newest_ms: Option<i64>,
}

impl Follower {
    /// Where the next read starts, given where the first one started.
    pub fn next_start(&self, first_start_ms: i64) -> i64 {
        self.newest_ms
            .map_or(first_start_ms, |n| (n - OVERLAP_MS).max(first_start_ms))
    }

    /// The events of a read not shown before, oldest first; remembers them.
    pub fn fresh(&mut self, events: Vec<LogEvent>) -> Vec<LogEvent> {
        let mut out = Vec::new();
        for e in events {
            let key = (e.domain.clone(), e.id.clone());
            if self.seen.contains_key(&key) {
                continue;
            }
            self.seen.insert(key, e.timestamp_ms);
            self.newest_ms = Some(
                self.newest_ms
                    .map_or(e.timestamp_ms, |n| n.max(e.timestamp_ms)),
            );
            out.push(e);
        }
        if let Some(newest) = self.newest_ms {
            self.seen.retain(|_, t| *t >= newest - 2 * OVERLAP_MS);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(id: &str, t: i64) -> LogEvent {
        LogEvent {
            domain: "user".into(),
            timestamp_ms: t,
            stream: "s".into(),
            id: id.into(),
            message: id.into(),
        }
    }

    #[test]
    fn each_event_once_and_late_ones_still_found() {
        let mut f = Follower::default();
        assert_eq!(f.next_start(1_000), 1_000);
        assert_eq!(f.fresh(vec![e("a", 100_000), e("b", 101_000)]).len(), 2);
        assert_eq!(f.next_start(1_000), 71_000);
        // A repeat read, and a late event older than the newest one shown.
        let again = f.fresh(vec![e("a", 100_000), e("late", 99_000), e("b", 101_000)]);
        assert_eq!(again, vec![e("late", 99_000)]);
    }
}
