//! All terminal output goes through here: data to stdout, messages to stderr, colour when wanted.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use anstyle::{AnsiColor, Style};

/// How much to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

#[derive(Debug, Clone, Copy)]
pub struct Printer {
    pub verbosity: Verbosity,
}

pub const ERROR: Style = AnsiColor::Red.on_default().bold();
pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();
pub const HINT: Style = AnsiColor::Cyan.on_default().bold();
pub const GOOD: Style = AnsiColor::Green.on_default().bold();
pub const BOLD: Style = Style::new().bold();

impl Printer {
    /// Progress bars on a terminal at normal verbosity; plain lines otherwise (or when
    /// `LAMINA_NO_PROGRESS` or `NO_COLOR` is set).
    pub fn progress_bars(&self) -> bool {
        use std::io::IsTerminal as _;
        self.verbosity == Verbosity::Normal
            && std::io::stderr().is_terminal()
            && std::env::var_os("LAMINA_NO_PROGRESS").is_none()
            && std::env::var_os("NO_COLOR").is_none()
    }

    /// A line of data: always printed, even with `--quiet`.
    pub fn data(&self, line: &str) {
        anstream::println!("{line}");
    }

    /// A status line for people, on stderr.
    pub fn status(&self, verb: &str, rest: &str) {
        if self.verbosity >= Verbosity::Normal {
            anstream::eprintln!("{GOOD}{verb:>12}{GOOD:#} {rest}");
        }
    }

    /// A line of a long-running command's log stream (`lamina dev`): stderr, never suppressed.
    pub fn stream_line(&self, line: &str) {
        anstream::eprintln!("{line}");
    }

    pub fn info(&self, line: &str) {
        if self.verbosity >= Verbosity::Normal {
            anstream::eprintln!("{line}");
        }
    }

    pub fn debug(&self, line: &str) {
        if self.verbosity >= Verbosity::Verbose {
            anstream::eprintln!("{line}");
        }
    }

    /// Prints a rendered diagnostic, colouring its `error:`/`warning:`/`hint:` words.
    pub fn diagnostic(&self, text: &str) {
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("error:") {
                anstream::eprintln!("{ERROR}error{ERROR:#}{BOLD}:{rest}{BOLD:#}");
            } else if let Some(rest) = line.strip_prefix("warning:") {
                if self.verbosity > Verbosity::Quiet {
                    anstream::eprintln!("{WARNING}warning{WARNING:#}{BOLD}:{rest}{BOLD:#}");
                }
            } else if let Some(rest) = line.strip_prefix("  = hint:") {
                anstream::eprintln!("  = {HINT}hint{HINT:#}:{rest}");
            } else {
                anstream::eprintln!("{line}");
            }
        }
    }
}
