//! One module per command; each takes resolved arguments and the printer.

mod add;
mod build;
mod check;
mod ci;
mod cost;
mod deploy;
mod dev;
mod logs;
mod new;
mod openapi;
mod routes;
mod run;
mod token;

use std::path::PathBuf;

use clap::CommandFactory;
use lamina_config::LoadedConfig;

use crate::cli::{AddCommand, CiCommand, Cli, Command};
use crate::error::CliError;
use crate::printer::Printer;

pub(crate) fn run(cli: Cli, printer: Printer) -> Result<(), CliError> {
    let config = cli.global.config.clone();
    match cli.command {
        Command::New(args) => new::run(&args, printer),
        Command::Add(AddCommand::Domain(args)) => {
            add::domain(&config_path(config)?, &args, printer)
        }
        Command::Routes(args) => routes::run(&load(config, printer)?, &args, printer),
        Command::Completions(args) => {
            let mut stdout = std::io::stdout();
            clap_complete::generate(args.shell, &mut Cli::command(), "lamina", &mut stdout);
            Ok(())
        }
        Command::Build(args) => build::run(&load(config, printer)?, &args, printer),
        Command::Lock(args) => build::lock(&load(config, printer)?, &args, printer),
        Command::Cache(command) => build::cache(&command, printer),
        // Signal handlers go in before anything else (even reading lamina.toml), so a SIGINT
        // at any moment stops `lamina dev` cleanly, also when a script started it in the
        // background (where SIGINT starts out ignored).
        Command::Dev(args) => dev::run(config, &args, printer),
        Command::Run(args) => run::run(config, &args, printer),
        Command::Bootstrap(args) => deploy::bootstrap(&load(config, printer)?, &args, printer),
        Command::Plan(args) => deploy::plan(&load(config, printer)?, &args, printer),
        Command::Deploy(args) => deploy::deploy(&load(config, printer)?, &args, printer),
        Command::Rollback(args) => deploy::rollback(&load(config, printer)?, &args, printer),
        Command::Releases(args) => deploy::releases(&load(config, printer)?, &args, printer),
        Command::Destroy(args) => deploy::destroy(&load(config, printer)?, &args, printer),
        Command::Unlock(args) => deploy::unlock(&load(config, printer)?, &args, printer),
        Command::Logs(args) => logs::run(&load(config, printer)?, &args, printer),
        Command::Token(args) => token::run(&load(config, printer)?, &args, printer),
        Command::Secret(command) => deploy::secret(&load(config, printer)?, command, printer),
        Command::Check(args) => check::run(&config_path(config)?, &args, printer),
        Command::Openapi(args) => openapi::run(&load(config, printer)?, &args, printer),
        Command::Ci(CiCommand::Github(args)) => ci::github(&load(config, printer)?, &args, printer),
        Command::Cost(args) => cost::run(&load(config, printer)?, &args, printer),
    }
}

/// `--config`, or `lamina.toml` found from the current directory upwards.
fn config_path(explicit: Option<PathBuf>) -> Result<PathBuf, CliError> {
    if let Some(path) = explicit {
        return Ok(path);
    }
    let cwd = std::env::current_dir()
        .map_err(|e| CliError::internal(format!("cannot read the current directory: {e}")))?;
    Ok(LoadedConfig::find(&cwd)?)
}

/// Loads and validates the config, printing its warnings.
pub(crate) fn load(explicit: Option<PathBuf>, printer: Printer) -> Result<LoadedConfig, CliError> {
    let path = config_path(explicit)?;
    let loaded = LoadedConfig::load(&path)?;
    for warning in &loaded.warnings {
        printer.diagnostic(&warning.to_string());
    }
    Ok(loaded)
}

/// SIGINT and SIGTERM, caught from now on (not from the first poll): call it first thing.
/// Must run inside a tokio runtime's context.
pub(crate) fn stop_signals()
-> Result<(tokio::signal::unix::Signal, tokio::signal::unix::Signal), CliError> {
    use tokio::signal::unix::{SignalKind, signal};
    let install = |kind: SignalKind| {
        signal(kind).map_err(|e| CliError::internal(format!("cannot handle signals: {e}")))
    };
    Ok((
        install(SignalKind::interrupt())?,
        install(SignalKind::terminate())?,
    ))
}
