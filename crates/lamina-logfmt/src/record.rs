//! One Powertools log line, parsed: its level, message, correlation and request ids, and the
//! extra keys the app logged (`logger.info("paid", extra={"ride_id": 7})`).

use serde::Serialize;
use serde_json::{Map, Value};

/// Keys shown by their place in the line (or not at all) rather than as `key=value`.
const SHOWN: [&str; 8] = [
    "level",
    "message",
    "timestamp",
    "service",
    "location",
    "xray_trace_id",
    "sampling_rate",
    "correlation_id",
];
/// Keys that repeat what is shown otherwise: Powertools' `stack_trace` is the `exception`
/// traceback again as JSON frames (printing both showed every traceback twice), and the
/// traceback itself is shown on lines of its own.
const REPEATS: [&str; 3] = ["stack_trace", "exception_name", "exception"];
/// Keys of Powertools' Lambda context that repeat on every line and say nothing new.
const NOISE: [&str; 6] = [
    "function_name",
    "function_memory_size",
    "function_arn",
    "function_request_id",
    "cold_start",
    "function_version",
];

/// A structured log line: Powertools' Logger output, or its embedded metrics (EMF).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// `DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`; `METRIC` for embedded metrics.
    pub level: String,
    pub message: String,
    /// Powertools' own timestamp (`2026-11-27 10:00:00,000+0000`), as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// `service`: the domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The request's correlation id (the templates set API Gateway's `requestContext.requestId`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Lambda's request id (`function_request_id`), present once the Lambda context is injected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// `source:line` of the logging call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Every other key the line carries, in name order, values as text.
    pub fields: Vec<(String, String)>,
    /// The exception's traceback (`exception`), shown once, as Python prints it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traceback: Option<String>,
}

impl Record {
    /// Parses a Powertools JSON line; `None` for anything else (plain text, other JSON).
    pub fn parse(line: &str) -> Option<Self> {
        let trimmed = line.trim_start();
        if !trimmed.starts_with('{') {
            return None;
        }
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(trimmed) else {
            return None;
        };
        if let Some(metrics) = map.get("_aws").and_then(|a| a.get("CloudWatchMetrics")) {
            return Some(Self::metric(&map, metrics));
        }
        let level = map.get("level").and_then(Value::as_str)?;
        let message = map.get("message")?;
        let text = |key: &str| map.get(key).map(as_text).filter(|s| !s.is_empty());
        Some(Self {
            level: level.to_owned(),
            message: as_text(message),
            timestamp: text("timestamp"),
            service: text("service"),
            correlation_id: text("correlation_id"),
            request_id: text("function_request_id"),
            location: text("location"),
            fields: map
                .iter()
                .filter(|(k, _)| {
                    let k = k.as_str();
                    !SHOWN.contains(&k) && !NOISE.contains(&k) && !REPEATS.contains(&k)
                })
                .map(|(k, v)| (k.clone(), as_text(v)))
                .collect(),
            traceback: text("exception").map(|t| t.trim_end().to_owned()),
        })
    }

    /// Embedded metrics: the values, not CloudWatch's envelope.
    fn metric(map: &Map<String, Value>, metrics: &Value) -> Self {
        let values: Vec<String> = metrics
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m.get("Metrics").and_then(Value::as_array))
            .flatten()
            .filter_map(|m| m.get("Name").and_then(Value::as_str))
            .map(|n| {
                format!(
                    "{n}={}",
                    map.get(n).map(Value::to_string).unwrap_or_default()
                )
            })
            .collect();
        Self {
            level: "METRIC".into(),
            message: values.join("  "),
            timestamp: None,
            service: map.get("service").map(as_text),
            correlation_id: None,
            request_id: map.get("function_request_id").map(as_text),
            location: None,
            fields: Vec::new(),
            traceback: None,
        }
    }

    /// `message  key=value ...`. With `with_correlation`, the correlation id is one of the keys
    /// (where nothing else shows it, as in `lamina dev`'s stream).
    pub fn body(&self, with_correlation: bool) -> String {
        let mut text = self.message.clone();
        let correlation = self
            .correlation_id
            .as_ref()
            .filter(|_| with_correlation)
            .map(|id| ("correlation_id".to_owned(), id.clone()));
        let mut fields: Vec<&(String, String)> =
            self.fields.iter().chain(correlation.iter()).collect();
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        for (key, value) in fields {
            text.push_str(&format!("  {key}={value}"));
        }
        if let Some(traceback) = &self.traceback {
            text.push('\n');
            text.push_str(traceback);
        }
        text
    }

    /// The id a request is known by: the correlation id, else Lambda's request id.
    pub fn request_key(&self) -> Option<&str> {
        self.correlation_id
            .as_deref()
            .or(self.request_id.as_deref())
    }
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `lamina dev`'s form: the level, and `message  key=value ...`; any other line as it is.
pub fn render_log_line(line: &str) -> (Option<String>, String) {
    match Record::parse(line) {
        Some(record) => {
            let body = record.body(true);
            (Some(record.level), body)
        }
        None => (None, line.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"level":"INFO","location":"get:12","message":"ride requested","timestamp":"2026-11-27 10:00:00,000+0000","service":"ride","cold_start":true,"function_name":"x","function_request_id":"req-1","correlation_id":"abc","ride_id":7}"#;

    #[test]
    fn powertools_json_becomes_one_readable_line() {
        let (level, text) = render_log_line(LINE);
        assert_eq!(level.as_deref(), Some("INFO"));
        assert_eq!(text, "ride requested  correlation_id=abc  ride_id=7");
    }

    #[test]
    fn the_record_keeps_what_the_cloud_view_shows_apart() {
        let r = Record::parse(LINE).unwrap();
        assert_eq!(r.correlation_id.as_deref(), Some("abc"));
        assert_eq!(r.request_id.as_deref(), Some("req-1"));
        assert_eq!(r.service.as_deref(), Some("ride"));
        assert_eq!(r.location.as_deref(), Some("get:12"));
        assert_eq!(r.body(false), "ride requested  ride_id=7");
        assert_eq!(r.request_key(), Some("abc"));
    }

    #[test]
    fn embedded_metrics_show_their_values() {
        let line = r#"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"rides","Dimensions":[["service"]],"Metrics":[{"Name":"ColdStart","Unit":"Count"}]}]},"service":"ride","ColdStart":[1.0]}"#;
        assert_eq!(
            render_log_line(line),
            (Some("METRIC".to_owned()), "ColdStart=[1.0]".to_owned())
        );
    }

    #[test]
    fn other_lines_pass_through() {
        assert_eq!(
            render_log_line("plain text"),
            (None, "plain text".to_owned())
        );
        assert_eq!(render_log_line("{not json"), (None, "{not json".to_owned()));
        assert_eq!(
            render_log_line(r#"{"a":1}"#),
            (None, r#"{"a":1}"#.to_owned())
        );
    }

    /// Powertools logs an exception as `exception` (the traceback) and `stack_trace` (the same
    /// frames as JSON): the traceback is shown once.
    #[test]
    fn a_traceback_is_shown_once() {
        let line = r#"{"level":"ERROR","message":"An error occurred running the application.","exception":"Traceback (most recent call last):\n  File \"x.py\", line 1, in f\nRuntimeError: boom","exception_name":"RuntimeError","stack_trace":{"frames":[{"file":"x.py","line":1}],"type":"RuntimeError","value":"boom"},"name":"mangum.http"}"#;
        let record = Record::parse(line).unwrap();
        let text = record.body(false);
        assert_eq!(text.matches("RuntimeError").count(), 1, "{text}");
        assert_eq!(
            text,
            "An error occurred running the application.  name=mangum.http\nTraceback (most recent call last):\n  File \"x.py\", line 1, in f\nRuntimeError: boom"
        );
    }
}
