//! One CloudWatch log event of a domain, and what it says once parsed.

use std::time::{Duration, UNIX_EPOCH};

use lamina_logfmt::Record;
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    pub domain: String,
    /// When the function wrote it, ms since the epoch.
    pub timestamp_ms: i64,
    pub stream: String,
    /// CloudWatch's id of the event: unique within the group.
    pub id: String,
    /// The line as the function wrote it.
    pub message: String,
}

/// What a reader shows of an event: its parts, for the terminal to lay out and colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// `2026-12-01T10:00:00.123Z`.
    pub time: String,
    pub domain: String,
    /// The Powertools level, `REPORT`/`START`/`END` for Lambda's own lines, `None` for plain text.
    pub level: Option<String>,
    /// The correlation id (or Lambda's request id) the line belongs to.
    pub request: Option<String>,
    pub text: String,
}

impl LogEvent {
    pub fn record(&self) -> Option<Record> {
        Record::parse(&self.message)
    }

    pub fn time(&self) -> String {
        let at = UNIX_EPOCH + Duration::from_millis(self.timestamp_ms.max(0).unsigned_abs());
        humantime::format_rfc3339_millis(at).to_string()
    }

    /// Lambda's platform lines (`START RequestId: ...`, `END`, `REPORT`) and the runtime's
    /// `[ERROR]` lines name the request; Powertools lines carry it as keys.
    pub fn shown(&self) -> Shown {
        let message = self.message.trim_end();
        if let Some(record) = self.record() {
            return Shown {
                time: self.time(),
                domain: self.domain.clone(),
                level: Some(record.level.clone()),
                request: record.request_key().map(str::to_owned),
                text: record.body(false),
            };
        }
        for word in ["START", "END", "REPORT", "INIT_START"] {
            if let Some(rest) = message.strip_prefix(word).and_then(|r| r.strip_prefix(' ')) {
                let request = rest
                    .strip_prefix("RequestId: ")
                    .and_then(|r| r.split_whitespace().next())
                    .map(str::to_owned);
                let text = match &request {
                    Some(id) => rest
                        .trim_start_matches("RequestId: ")
                        .trim_start_matches(id.as_str())
                        .trim()
                        .replace('\t', "  "),
                    None => rest.trim().replace('\t', "  "),
                };
                return Shown {
                    time: self.time(),
                    domain: self.domain.clone(),
                    level: Some(word.to_owned()),
                    request,
                    text,
                };
            }
        }
        Shown {
            time: self.time(),
            domain: self.domain.clone(),
            level: None,
            request: None,
            text: message.to_owned(),
        }
    }

    /// One JSON object per event (`--json`): the raw line, and its parsed record when it has one.
    pub fn to_json(&self) -> Value {
        let shown = self.shown();
        let mut out = json!({
            "time": shown.time,
            "timestamp_ms": self.timestamp_ms,
            "domain": self.domain,
            "stream": self.stream,
            "id": self.id,
            "level": shown.level,
            "request": shown.request,
            "text": shown.text,
            "message": self.message.trim_end(),
        });
        if let Some(record) = self.record() {
            out["record"] = serde_json::to_value(record).unwrap_or(Value::Null);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(message: &str) -> LogEvent {
        LogEvent {
            domain: "ride".into(),
            timestamp_ms: 1_764_583_200_123,
            stream: "s".into(),
            id: "1".into(),
            message: message.into(),
        }
    }

    #[test]
    fn powertools_lines_show_level_request_and_keys() {
        let e = event(
            r#"{"level":"INFO","message":"ride requested","service":"ride","correlation_id":"c-1","function_request_id":"r-1","ride_id":7}"#,
        );
        let s = e.shown();
        assert_eq!(s.time, "2025-12-01T10:00:00.123Z");
        assert_eq!(s.level.as_deref(), Some("INFO"));
        assert_eq!(s.request.as_deref(), Some("c-1"));
        assert_eq!(s.text, "ride requested  ride_id=7");
        assert_eq!(e.to_json()["record"]["fields"][0][0], "ride_id");
    }

    #[test]
    fn lambda_platform_lines_name_their_request() {
        let s =
            event("REPORT RequestId: r-9\tDuration: 12.34 ms\tBilled Duration: 13 ms\n").shown();
        assert_eq!(s.level.as_deref(), Some("REPORT"));
        assert_eq!(s.request.as_deref(), Some("r-9"));
        assert_eq!(s.text, "Duration: 12.34 ms  Billed Duration: 13 ms");
        let plain = event("hello from print()").shown();
        assert_eq!(
            (plain.level, plain.text.as_str()),
            (None, "hello from print()")
        );
    }
}
