//! `lamina dev`: the local stack, with one coloured, prefixed stream of everything it prints.

use std::sync::Arc;

use anstyle::{AnsiColor, Style};
use lamina_dev::{Access, DevOptions, DevOutput, LogRecord};

use crate::cli::DevArgs;
use crate::error::CliError;
use crate::printer::{self, Printer, Verbosity};

pub(crate) fn run(
    config: Option<std::path::PathBuf>,
    args: &DevArgs,
    printer: Printer,
) -> Result<(), CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::internal(format!("cannot start the async runtime: {e}")))?;
    // First thing: the stop handlers. Everything after, config included, can be interrupted.
    let stop = {
        let _entered = runtime.enter();
        stop_signal()?
    };
    let config = super::load(config, printer)?;
    let options = DevOptions {
        stage: args.stage.clone(),
        port: args.port,
        auth_port: args.auth_port,
        frontend: !args.no_frontend,
        frontend_port: args.frontend_port,
        default_concurrency: args.concurrency.max(1),
    };
    let domains: Vec<String> = config
        .config
        .domains
        .keys()
        .map(|k| k.get_ref().clone())
        .collect();
    let output = Arc::new(Terminal { printer, domains });
    let result = runtime
        .block_on(lamina_dev::run(config, options, output, |_| {}, stop))
        .map_err(|e| {
            let hint = e.hint();
            match e {
                lamina_dev::DevError::Stage(d) => CliError::from(d),
                other => CliError::user(other.to_string()).maybe_hint(hint),
            }
        });
    // Work left on blocking threads (a uv resolution) must not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    result
}

/// Ctrl-C (SIGINT) or SIGTERM. The handlers are installed when this is called, not when the
/// future is first polled: a signal that comes during start-up is not lost.
pub(crate) fn stop_signal()
-> Result<impl std::future::Future<Output = ()> + Send + 'static, CliError> {
    let (mut int, mut term) = super::stop_signals()?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    })
}

/// Colours that read on dark and light terminals, one per domain in config order.
const PALETTE: [AnsiColor; 6] = [
    AnsiColor::Cyan,
    AnsiColor::Magenta,
    AnsiColor::Blue,
    AnsiColor::Yellow,
    AnsiColor::Green,
    AnsiColor::BrightBlue,
];

struct Terminal {
    printer: Printer,
    domains: Vec<String>,
}

impl Terminal {
    fn style(&self, source: &str) -> Style {
        match self.domains.iter().position(|d| d == source) {
            Some(i) => PALETTE[i % PALETTE.len()].on_default(),
            None => Style::new().dimmed(),
        }
    }

    /// One prefixed line per line of `text` (a traceback keeps its shape).
    fn emit(&self, source: &str, text: &str) {
        let style = self.style(source);
        for line in text.lines() {
            self.printer
                .stream_line(&format!("{style}{source:>8} │{style:#} {line}"));
        }
    }
}

impl DevOutput for Terminal {
    fn info(&self, message: &str) {
        if self.printer.verbosity >= Verbosity::Normal {
            for line in message.lines() {
                self.printer.stream_line(&format!(
                    "{}  lamina │{:#} {line}",
                    printer::BOLD,
                    printer::BOLD
                ));
            }
        }
    }

    fn warn(&self, message: &str) {
        self.printer.stream_line(&format!(
            "{}  lamina │ warning:{:#} {message}",
            printer::WARNING,
            printer::WARNING
        ));
    }

    fn line(&self, source: &str, record: &LogRecord) {
        let text = match record.level.as_deref() {
            Some(level @ ("ERROR" | "CRITICAL")) => format!(
                "{}{level:<5}{:#} {}",
                printer::ERROR,
                printer::ERROR,
                record.text
            ),
            Some("WARNING") => format!(
                "{}WARN {:#} {}",
                printer::WARNING,
                printer::WARNING,
                record.text
            ),
            Some("DEBUG") if self.printer.verbosity < Verbosity::Normal => return,
            Some(level) => format!("{level:<5} {}", record.text),
            None if record.runtime => {
                format!("{}{}{:#}", printer::WARNING, record.text, printer::WARNING)
            }
            None => record.text.clone(),
        };
        self.emit(source, &text);
    }

    fn access(&self, a: &Access) {
        let status = if a.status >= 500 {
            printer::ERROR
        } else if a.status >= 400 {
            printer::WARNING
        } else {
            printer::GOOD
        };
        let start = start_label(a);
        let error = a
            .error
            .as_deref()
            .map(|e| format!("  [{e}]"))
            .unwrap_or_default();
        let text = format!(
            "{} {} {status}{}{status:#} {:.1} ms{start}{error}",
            a.method,
            a.path,
            a.status,
            a.latency.as_secs_f64() * 1000.0
        );
        self.emit(a.domain.as_deref().unwrap_or("gateway"), &text);
    }
}

/// `cold (init 980 ms)`, `warm`, or for a worker forked from the zygote, whose init skipped
/// the libraries' imports: `cold, forked (init 12 ms; a fresh cold start: 1012 ms)`.
fn start_label(a: &Access) -> String {
    match (a.cold, a.init_ms) {
        (Some(true), Some(ms)) if a.forked => match a.fresh_init_ms {
            Some(fresh) => format!(" cold, forked (init {ms} ms; a fresh cold start: {fresh} ms)"),
            None => format!(" cold, forked (init {ms} ms; a fresh cold start is longer)"),
        },
        (Some(true), Some(ms)) => format!(" cold (init {ms} ms)"),
        (Some(true), None) => " cold".to_owned(),
        (Some(false), _) => " warm".to_owned(),
        (None, _) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(forked: bool, fresh: Option<u64>) -> Access {
        Access {
            method: "GET".into(),
            path: "/api/x".into(),
            status: 200,
            latency: std::time::Duration::from_millis(20),
            domain: Some("api".into()),
            cold: Some(true),
            init_ms: Some(173),
            forked,
            fresh_init_ms: fresh,
            error: None,
        }
    }

    /// Finding 10: a forked start says so, and shows the real cold start once measured.
    #[test]
    fn forked_starts_are_labelled() {
        assert_eq!(start_label(&access(false, None)), " cold (init 173 ms)");
        assert_eq!(
            start_label(&access(true, None)),
            " cold, forked (init 173 ms; a fresh cold start is longer)"
        );
        assert_eq!(
            start_label(&access(true, Some(1012))),
            " cold, forked (init 173 ms; a fresh cold start: 1012 ms)"
        );
    }
}
