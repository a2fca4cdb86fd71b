//! `lamina check`: every check, one line each, the problems of those that failed with their
//! place and hint; `--json` for CI. Exit 1 when any failed.

use std::path::PathBuf;

use lamina_check::{Options, Report, Status};

use crate::cli::CheckArgs;
use crate::commands::openapi::jwt_env;
use crate::error::CliError;
use crate::printer::{BOLD, ERROR, GOOD, HINT, Printer, WARNING};

pub(crate) fn run(
    config_path: &std::path::Path,
    args: &CheckArgs,
    printer: Printer,
) -> Result<(), CliError> {
    let terraform = std::env::var_os("LAMINA_TERRAFORM")
        .map_or_else(|| PathBuf::from("terraform"), PathBuf::from);
    let checkov = std::env::var_os("LAMINA_CHECKOV")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| lamina_toolchain::which("checkov"));
    let mut options = Options {
        skip: args.skip.clone(),
        only: args.only.clone(),
        terraform,
        checkov,
        ..Options::default()
    };
    let unknown = lamina_check::run::unknown_names(&options);
    if !unknown.is_empty() {
        let names: Vec<&str> = lamina_check::CHECKS.iter().map(|(n, _)| *n).collect();
        return Err(
            CliError::user(format!("no check named {}", unknown.join(", ")))
                .hint(format!("checks: {}", names.join(", "))),
        );
    }
    // The OpenAPI check imports the domains as `lamina dev` would; the issuer needs lamina.toml.
    if let Ok(config) = lamina_config::LoadedConfig::load(config_path) {
        options.openapi_env = jwt_env(&config);
    }
    let report = lamina_check::run(config_path, &options, &|name| {
        printer.debug(&format!("checking {name}"))
    });
    if args.json {
        printer.data(&serde_json::to_string_pretty(&report).expect("serialises"));
    } else {
        print(&report, printer);
    }
    let failed: Vec<&str> = report.failed().iter().map(|c| c.name).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError {
            rendered: Some(String::new()),
            ..CliError::user(format!("{} failed", failed.join(", ")))
        })
    }
}

fn print(report: &Report, printer: Printer) {
    for c in &report.checks {
        let (style, word) = match c.status {
            Status::Pass => (GOOD, "pass"),
            Status::Fail => (ERROR, "FAIL"),
            Status::Skip => (WARNING, "skip"),
        };
        let detail = if c.detail.is_empty() {
            String::new()
        } else {
            format!(" ({})", c.detail)
        };
        printer.data(&format!(
            "{style}{word:>4}{style:#}  {BOLD}{:<9}{BOLD:#} {}{detail}",
            c.name, c.title
        ));
        for p in &c.problems {
            let at = p
                .location
                .as_deref()
                .map(|l| format!("{l}: "))
                .unwrap_or_default();
            printer.data(&format!("        {at}{}", p.message));
            if let Some(hint) = &p.hint {
                printer.data(&format!("          {HINT}hint{HINT:#}: {hint}"));
            }
        }
    }
    let failed = report.failed();
    if failed.is_empty() {
        printer.data(&format!("{GOOD}all checks passed{GOOD:#}"));
    } else {
        let problems: usize = failed.iter().map(|c| c.problems.len()).sum();
        printer.data(&format!(
            "{ERROR}{} of {} checks failed{ERROR:#} ({problems} problems): {}",
            failed.len(),
            report.checks.len(),
            failed.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
        ));
    }
}
