//! The `lamina` command. `main` parses, sets up output, runs one command and turns its result
//! into an exit code: 0 on success, 1 for errors the user can fix, 2 for Lamina's own.

mod cli;
mod commands;
mod error;
mod printer;

use std::process::ExitCode;

use clap::Parser;

pub use cli::Cli;
use printer::{Printer, Verbosity};

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // `--help` and `--version` are not errors; a bad flag is the user's to fix (exit 1,
            // where clap would say 2, which Lamina keeps for its own failures).
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let choice = match cli.global.color {
        cli::ColorChoice::Always => anstream::ColorChoice::Always,
        cli::ColorChoice::Never => anstream::ColorChoice::Never,
        // anstream already honours NO_COLOR and CLICOLOR_FORCE, and drops colour without a TTY.
        cli::ColorChoice::Auto => anstream::ColorChoice::Auto,
    };
    choice.write_global();
    let verbosity = if cli.global.quiet {
        Verbosity::Quiet
    } else if cli.global.verbose > 0 {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let printer = Printer { verbosity };
    init_tracing(cli.global.quiet, cli.global.verbose);
    match commands::run(cli, printer) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            err.print(printer);
            ExitCode::from(err.exit_code())
        }
    }
}

/// Libraries report through `tracing`: warnings by default, more with `-v`, errors only with `-q`.
fn init_tracing(quiet: bool, verbose: u8) {
    let level = match (quiet, verbose) {
        (true, _) => tracing_subscriber::filter::LevelFilter::ERROR,
        (false, 0) => tracing_subscriber::filter::LevelFilter::WARN,
        (false, 1) => tracing_subscriber::filter::LevelFilter::INFO,
        (false, _) => tracing_subscriber::filter::LevelFilter::DEBUG,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(anstream::ColorChoice::global() != anstream::ColorChoice::Never)
        .without_time()
        .with_target(false)
        .try_init();
}
