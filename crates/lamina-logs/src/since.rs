//! `--since`: a duration back from now (`10m`), or a point in time (RFC 3339).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::LogsError;

/// Milliseconds since the epoch of `--since VALUE`, counted back from `now`.
pub fn start_ms(value: &str, now: SystemTime) -> Result<i64, LogsError> {
    let value = value.trim();
    let at = if let Ok(d) = humantime::parse_duration(value) {
        now.checked_sub(d).unwrap_or(UNIX_EPOCH)
    } else if let Ok(t) = humantime::parse_rfc3339_weak(value) {
        t
    } else {
        return Err(LogsError::BadSince(value.to_owned()));
    };
    Ok(epoch_ms(at))
}

pub fn epoch_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis()
        .try_into()
        .unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_times() {
        let now = UNIX_EPOCH + Duration::from_secs(10_000);
        assert_eq!(start_ms("10m", now).unwrap(), 9_400_000);
        assert_eq!(start_ms("1h 30s", now).unwrap(), 6_370_000);
        assert_eq!(start_ms("1970-01-01T00:00:05Z", now).unwrap(), 5_000);
        assert!(matches!(
            start_ms("yesterday", now),
            Err(LogsError::BadSince(_))
        ));
    }
}
