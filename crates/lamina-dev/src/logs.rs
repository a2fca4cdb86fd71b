//! Worker output made readable: Powertools' JSON log lines become one short line each, by the
//! renderer `lamina logs` uses for CloudWatch too (`lamina-logfmt`).

use lamina_logfmt::render_log_line;
use lamina_runtime::Stream;

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
