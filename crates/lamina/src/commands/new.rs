//! `lamina new`: a whole project from the embedded templates.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use lamina_config::{Architecture, PythonVersion};
use lamina_templates::NewProject;

use crate::cli::NewArgs;
use crate::error::CliError;
use crate::printer::Printer;

pub(crate) fn run(args: &NewArgs, printer: Printer) -> Result<(), CliError> {
    let started = Instant::now();
    let python = match &args.python {
        Some(v) => PythonVersion::parse(v).ok_or_else(|| {
            CliError::user(format!("Lambda has no Python `{v}` runtime"))
                .hint("use 3.11, 3.12 or 3.13")
        })?,
        None => local_python().unwrap_or_default(),
    };
    let architecture =
        Architecture::parse(&args.arch).expect("clap only accepts known architectures");
    let region = args
        .region
        .clone()
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "us-east-1".to_owned());
    let domains: Vec<String> = args
        .domains
        .iter()
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
        .collect();
    if domains.is_empty() {
        return Err(CliError::user("a project needs at least one domain")
            .hint("for example `--domains user`"));
    }
    let opts = NewProject {
        name: args.name.clone(),
        dir: args
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from(&args.name)),
        domains,
        owner: args.owner.clone().unwrap_or_else(default_owner),
        region,
        python,
        architecture,
    };
    let written = lamina_templates::new_project(&opts)?;
    // The CI workflows come from lamina.toml, as `lamina ci github` writes them.
    let config = lamina_config::LoadedConfig::load(&written.root.join(lamina_config::FILE_NAME))?;
    let workflows = crate::commands::ci::write(&config, lamina_ci::Mode::Write)?;
    for file in &written.files {
        printer.debug(&format!("  {}", file.display()));
    }
    printer.status(
        "Created",
        &format!(
            "project `{}` in {} ({} files, {} domains: {}) in {} ms",
            opts.name,
            written.root.display(),
            written.files.len() + workflows.len(),
            opts.domains.len(),
            opts.domains.join(", "),
            started.elapsed().as_millis()
        ),
    );
    printer.info(&format!(
        "\nNext:\n  cd {}\n  lamina routes          # the API it defines\n  lamina dev             # run it locally (it keeps frontend/src/api, the typed client, current)\n  see README.md for tests and deploys",
        written.root.display()
    ));
    Ok(())
}

/// The local `python3`'s version, when Lambda runs it: that keeps local tests and the Lambda
/// runtime on one version, and lets `lamina build` precompile bytecode for it.
fn local_python() -> Option<PythonVersion> {
    let out = Command::new("python3")
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .output()
        .ok()?;
    PythonVersion::parse(String::from_utf8_lossy(&out.stdout).trim())
}

fn default_owner() -> String {
    Command::new("git")
        .args(["config", "user.email"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "unknown".to_owned())
}
