//! Worker output made readable: Powertools' JSON log lines become one short line each.

use lamina_runtime::Stream;
use serde_json::Value;

/// One line of a process's output, with the structure found in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    pub worker: u32,
    /// `INFO`, `ERROR`, ... for structured lines; `None` for plain text.
    pub level: Option<String>,
    pub text: String,
    /// Lamina's own line about a worker (crash, timeout, cold start).
    pub runtime: bool,
    pub stderr: bool,
}

impl LogRecord {
    pub fn from_worker(worker: u32, stream: Stream, line: &str) -> Self {
        let (level, text) = render_log_line(line);
        Self {
            worker,
            level,
            text,
            runtime: stream == Stream::Runtime,
            stderr: stream == Stream::Stderr,
        }
    }

    pub fn plain(text: &str) -> Self {
        Self {
            worker: 0,
            level: None,
            text: text.to_owned(),
            runtime: false,
            stderr: false,
        }
    }
}

/// Keys shown by their place in the line rather than as `key=value`.
const SHOWN: [&str; 7] = [
    "level",
    "message",
    "timestamp",
    "service",
    "location",
    "xray_trace_id",
    "sampling_rate",
];
/// Keys that repeat what is shown otherwise: Powertools' `stack_trace` is the `exception`
/// traceback again as JSON frames (printing both showed every traceback twice).
const REPEATS: [&str; 3] = ["stack_trace", "exception_name", "exception"];

/// Keys of Powertools' Lambda context that repeat on every line and add nothing locally.
const NOISE: [&str; 6] = [
    "function_name",
    "function_memory_size",
    "function_arn",
    "function_request_id",
    "cold_start",
    "function_version",
];

/// Renders a Powertools JSON line as `message  key=value ...` with its level; any other line is
/// returned as it is.
pub fn render_log_line(line: &str) -> (Option<String>, String) {
    let trimmed = line.trim_start();
    if !trimmed.starts_with('{') {
        return (None, line.to_owned());
    }
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(trimmed) else {
        return (None, line.to_owned());
    };
    // Powertools' embedded metrics (EMF): show the values, not CloudWatch's envelope.
    if let Some(aws) = map.get("_aws").and_then(|a| a.get("CloudWatchMetrics")) {
        let values: Vec<String> = aws
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
        return (Some("METRIC".into()), values.join("  "));
    }
    let (Some(level), Some(message)) =
        (map.get("level").and_then(Value::as_str), map.get("message"))
    else {
        return (None, line.to_owned());
    };
    let mut text = match message {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    for (key, value) in &map {
        if SHOWN.contains(&key.as_str())
            || NOISE.contains(&key.as_str())
            || REPEATS.contains(&key.as_str())
        {
            continue;
        }
        let value = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        text.push_str(&format!("  {key}={value}"));
    }
    // The traceback once, on lines of its own, as Python prints it.
    if let Some(exception) = map.get("exception").and_then(Value::as_str) {
        text.push('\n');
        text.push_str(exception.trim_end());
    }
    (Some(level.to_owned()), text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powertools_json_becomes_one_readable_line() {
        let line = r#"{"level":"INFO","location":"get:12","message":"ride requested","timestamp":"2026-11-27 10:00:00,000+0000","service":"ride","cold_start":true,"function_name":"x","correlation_id":"abc","ride_id":7}"#;
        let (level, text) = render_log_line(line);
        assert_eq!(level.as_deref(), Some("INFO"));
        assert_eq!(text, "ride requested  correlation_id=abc  ride_id=7");
    }

    /// Finding 10: Powertools logs an exception as `exception` (the traceback) and
    /// `stack_trace` (the same frames as JSON); the traceback is shown once.
    #[test]
    fn a_traceback_is_shown_once() {
        let line = r#"{"level":"ERROR","message":"An error occurred running the application.","exception":"Traceback (most recent call last):\n  File \"x.py\", line 1, in f\nRuntimeError: boom","exception_name":"RuntimeError","stack_trace":{"frames":[{"file":"x.py","line":1}],"type":"RuntimeError","value":"boom"},"name":"mangum.http"}"#;
        let (level, text) = render_log_line(line);
        assert_eq!(level.as_deref(), Some("ERROR"));
        assert_eq!(text.matches("RuntimeError").count(), 1, "{text}");
        assert_eq!(
            text,
            "An error occurred running the application.  name=mangum.http\nTraceback (most recent call last):\n  File \"x.py\", line 1, in f\nRuntimeError: boom"
        );
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
}
