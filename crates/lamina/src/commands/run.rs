//! `lamina run`: a command with a domain's environment and the dev venv, for migrations, seed
//! scripts and the app's own tests, with the same variables its `lamina dev` workers get.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lamina_config::LoadedConfig;
use lamina_dev::{Access, DevOutput, LogRecord};

use crate::cli::RunArgs;
use crate::error::CliError;
use crate::printer::Printer;

/// Says what changes the environment, and warnings; nothing of the stack's own output.
pub(crate) struct Quiet(pub(crate) Printer);

impl DevOutput for Quiet {
    fn info(&self, message: &str) {
        // Only what changes something is worth a line before the command's own output.
        if !message.starts_with("preparing") && !message.ends_with("is current") {
            self.0.info(message);
        }
    }
    fn warn(&self, message: &str) {
        self.0.diagnostic(&format!("warning: {message}"));
    }
    fn line(&self, _: &str, _: &LogRecord) {}
    fn access(&self, _: &Access) {}
}

pub(crate) fn run(
    config: Option<PathBuf>,
    args: &RunArgs,
    printer: Printer,
) -> Result<(), CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::internal(format!("cannot start the async runtime: {e}")))?;
    // Installed first: a Ctrl-C or SIGTERM is passed on to the command, and lamina waits for
    // it to finish rather than leaving it behind.
    let (mut int, mut term) = {
        let _entered = runtime.enter();
        super::stop_signals()?
    };
    let config = super::load(config, printer)?;
    let view = config.stage(&args.stage)?;
    let cwd = std::env::current_dir()
        .map_err(|e| CliError::internal(format!("cannot read the current directory: {e}")))?;
    let domain = pick_domain(&config, args.domain.as_deref(), &cwd)?;
    let settings = view
        .domain(&domain)
        .ok_or_else(|| CliError::internal(format!("domain `{domain}` has no settings")))?;
    let local = lamina_config::local_env(&config, view.name, &domain).map_err(CliError::user)?;
    for warning in &local.warnings {
        printer.diagnostic(&format!("warning: {warning}"));
    }
    let output: Arc<dyn DevOutput> = Arc::new(Quiet(printer));
    let envs = runtime
        .block_on(lamina_dev::prepare_env(&config, view.name, output))
        .map_err(|e| {
            let hint = e.hint();
            CliError::user(e.to_string()).maybe_hint(hint)
        })?;
    let (_, env) = envs
        .into_iter()
        .find(|(group, _)| group.domains.contains(&domain))
        .ok_or_else(|| CliError::internal(format!("no environment for domain `{domain}`")))?;

    // The domain's variables as its workers get them, then the local-only values.
    let mut vars: BTreeMap<String, String> = settings.env.clone();
    vars.extend(local.vars);
    let code_layers: Vec<PathBuf> = settings
        .layers
        .iter()
        .filter_map(|l| config.config.layers.get(l.as_str()))
        .filter_map(|l| l.path.as_ref().map(|p| config.root.join(p.get_ref())))
        .collect();
    let dir = absolute(&settings.path);
    let workdir = if cwd.starts_with(&dir) {
        cwd
    } else {
        dir.clone()
    };
    // The function dir, then code layers, as on Lambda (site-packages come with the venv).
    let mut python_path = vec![dir.clone()];
    python_path.extend(code_layers.iter().map(|p| absolute(p)));
    if let Some(old) = std::env::var_os("PYTHONPATH") {
        python_path.extend(std::env::split_paths(&old));
    }
    let venv_bin = absolute(&env.venv).join("bin");
    let mut path = vec![venv_bin.clone()];
    if let Some(old) = std::env::var_os("PATH") {
        path.extend(std::env::split_paths(&old));
    }
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| CliError::user("no command to run: `lamina run -- CMD ARGS...`"))?;
    // `python`, `pytest`, `alembic`... from the venv first.
    let program_path = if program.contains('/') {
        PathBuf::from(program)
    } else if venv_bin.join(program).is_file() {
        venv_bin.join(program)
    } else {
        PathBuf::from(program)
    };
    let mut cmd = tokio::process::Command::new(&program_path);
    cmd.args(rest)
        .current_dir(&workdir)
        .envs(&vars)
        .env("VIRTUAL_ENV", absolute(&env.venv))
        .env(
            "PATH",
            std::env::join_paths(path).map_err(|e| CliError::internal(e.to_string()))?,
        )
        .env(
            "PYTHONPATH",
            std::env::join_paths(python_path).map_err(|e| CliError::internal(e.to_string()))?,
        )
        .env_remove("PYTHONHOME");
    printer.debug(&format!(
        "running `{}` in {} with domain `{domain}`'s environment ({})",
        args.command.join(" "),
        workdir.display(),
        view.name
    ));
    let status = runtime.block_on(async {
        let mut child = cmd.spawn().map_err(|e| {
            CliError::user(format!("cannot run `{program}`: {e}")).hint(
                "add the tool to the project's dev dependencies (a `dev` group in pyproject.toml, or `requirements-dev.txt`)",
            )
        })?;
        let pid = child.id();
        loop {
            tokio::select! {
                status = child.wait() => {
                    return status.map_err(|e| CliError::internal(e.to_string()));
                }
                _ = int.recv() => {
                    // A terminal's Ctrl-C reaches the command too (one foreground group): pass
                    // it on only when the command is still running a moment later, as it is
                    // when a script signalled lamina alone.
                    match tokio::time::timeout(std::time::Duration::from_secs(1), child.wait()).await {
                        Ok(status) => return status.map_err(|e| CliError::internal(e.to_string())),
                        Err(_) => forward(pid, "INT"),
                    }
                }
                _ = term.recv() => forward(pid, "TERM"),
            }
        }
    })?;
    match exit_code(status) {
        0 => Ok(()),
        code => Err(CliError::exit(code)),
    }
}

/// Passes a signal on to the command.
fn forward(pid: Option<u32>, signal: &str) {
    if let Some(pid) = pid {
        let _ = std::process::Command::new("kill")
            .args(["-s", signal, &pid.to_string()])
            .status();
    }
}

fn exit_code(status: std::process::ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code.clamp(0, 255) as u8,
        (None, Some(sig)) => (128 + sig).clamp(0, 255) as u8,
        _ => 1,
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `--domain`, else the domain whose directory holds `cwd`, else the only domain.
fn pick_domain(config: &LoadedConfig, asked: Option<&str>, cwd: &Path) -> Result<String, CliError> {
    let names: Vec<&str> = config
        .config
        .domains
        .keys()
        .map(|k| k.get_ref().as_str())
        .collect();
    if let Some(name) = asked {
        if names.contains(&name) {
            return Ok(name.to_owned());
        }
        let hint = match lamina_config::did_you_mean(name, names.iter().copied()) {
            Some(close) => format!("did you mean `{close}`? Domains: {}", names.join(", ")),
            None => format!("domains in lamina.toml: {}", names.join(", ")),
        };
        return Err(CliError::user(format!("unknown domain `{name}`")).hint(hint));
    }
    for (name, domain) in &config.config.domains {
        let dir = absolute(&config.root.join(domain.path.get_ref()));
        if cwd.starts_with(&dir) {
            return Ok(name.get_ref().clone());
        }
    }
    match names.as_slice() {
        [only] => Ok((*only).to_owned()),
        _ => Err(
            CliError::user("which domain? This project has several").hint(format!(
                "pass `--domain NAME` ({}), or run it from the domain's directory",
                names.join(", ")
            )),
        ),
    }
}
