//! Live config for `lamina dev`: an edit of lamina.toml (or lamina.local.toml, a domain's env
//! file, a layer's requirements) applies to the running stack without a restart.
//!
//! On a change the file is read and validated again. An invalid file is reported with its spans
//! and the running config stays. A valid one is applied in place: the gateway's routes, public
//! routes and CORS (new requests see them, requests in flight finish as they started), the
//! domains' environments (a domain whose settings changed gets fresh workers; the others stay
//! warm), new and removed domains, and the layers' locks and venvs (re-locked and synced first,
//! as `lamina build` would). Changes to `[auth]` and `[frontend]` need a restart, and it says so.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lamina_config::LoadedConfig;
use lamina_gateway::GatewayConfig;
use lamina_runtime::{DomainConfig, EnvGroup, HotReload, PythonEnv, Runtime, WatchEvent};
use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::watch;

use crate::{DevError, DevOutput};

/// Every domain's worker settings: the stage's values, the issuer the app's shared code checks
/// tokens against, the local-only values, and the venv of the domain's locks.
pub(crate) fn worker_domains(
    config: &LoadedConfig,
    view: &lamina_config::StageView<'_>,
    issuer: &str,
    audiences: &[String],
    envs: &[(EnvGroup, PythonEnv)],
    output: &dyn DevOutput,
) -> Result<Vec<DomainConfig>, DevError> {
    let mut domains = lamina_runtime::domains_for_stage(view);
    for d in &mut domains {
        d.env.insert("LAMINA_JWT_ISSUER".into(), issuer.to_owned());
        d.env
            .insert("LAMINA_JWT_AUDIENCE".into(), audiences.join(","));
        // Local-only values: the domain's env_file, its secrets' values in lamina.local.toml.
        let local = lamina_config::local_env(config, view.name, &d.name).map_err(DevError::Lock)?;
        for warning in &local.warnings {
            output.warn(warning);
        }
        d.env.extend(local.vars);
        if let Some((_, env)) = envs.iter().find(|(g, _)| g.domains.contains(&d.name)) {
            d.python_env = Some(lamina_runtime::DomainEnv {
                python: env.python.clone(),
                site_packages: vec![env.site_packages.clone()],
            });
        }
    }
    Ok(domains)
}

/// The code watcher of the runtime, printing what it does.
pub(crate) fn hot_reload(
    runtime: &Runtime,
    envs: Vec<EnvGroup>,
    output: Arc<dyn DevOutput>,
    client: Option<crate::openapi::ClientRegenerator>,
) -> Result<HotReload, DevError> {
    // New code or new packages may change the routes: the typed client follows (debounced).
    let regenerate = move || {
        client
            .iter()
            .for_each(crate::openapi::ClientRegenerator::changed)
    };
    lamina_runtime::watch(runtime.clone(), envs, move |event| match event {
        WatchEvent::Reloaded { domains, .. } => {
            output.info(&format!(
                "reloaded {} (next request is a cold start)",
                domains.join(", ")
            ));
            regenerate();
        }
        WatchEvent::EnvUpdating { .. } => {
            output.info("requirements changed: updating the Python environment");
        }
        WatchEvent::EnvUpdated => {
            output.info("Python environment updated");
            regenerate();
        }
        WatchEvent::EnvFailed(e) => {
            output.warn(&format!("the Python environment update failed: {e}"));
        }
    })
    .map_err(|e| DevError::Io(std::io::Error::other(e)))
}

/// What the config watcher needs to apply an edit.
pub(crate) struct Live {
    /// lamina.toml as diagnostics name it.
    pub config_path: PathBuf,
    pub root: PathBuf,
    pub stage: String,
    /// The config in force.
    pub running: LoadedConfig,
    pub issuer: String,
    pub audiences: Vec<String>,
    pub runtime: Runtime,
    pub gateway: watch::Sender<GatewayConfig>,
    /// The running gateway config: its access log and port are kept across edits.
    pub gateway_base: GatewayConfig,
    pub hot_reload: HotReload,
    pub output: Arc<dyn DevOutput>,
    /// The typed client's regenerator, told when domains or routes change.
    pub client: Option<crate::openapi::ClientRegenerator>,
}

/// The files whose edits the watcher applies: lamina.toml, lamina.local.toml, env files, and
/// every lock's inputs.
fn inputs(config: &LoadedConfig, config_file: &Path) -> Vec<PathBuf> {
    let root = &config.root;
    let mut out = vec![
        config_file.to_path_buf(),
        root.join(lamina_config::LOCAL_FILE),
    ];
    for d in config.config.domains.values() {
        let files = d
            .env_file
            .iter()
            .chain(d.stages.values().filter_map(|s| s.env_file.as_ref()));
        out.extend(files.map(|f| root.join(f.get_ref())));
    }
    for lock in config.lock_paths() {
        match lock.kind {
            lamina_config::LockKind::LayerRequirements(p) | lamina_config::LockKind::Domain(p) => {
                out.push(root.join(p));
            }
            lamina_config::LockKind::LayerProject(dir) => {
                out.push(root.join(&dir).join("pyproject.toml"));
                out.push(root.join(dir).join("uv.lock"));
            }
        }
    }
    out.iter()
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
        .collect()
}

/// Starts watching; edits are collected for 200 ms, then applied in order.
pub(crate) fn watch_config(live: Live) -> Result<tokio::task::JoinHandle<()>, DevError> {
    let config_file = std::path::absolute(
        live.root.join(
            live.config_path
                .file_name()
                .unwrap_or(std::ffi::OsStr::new(lamina_config::FILE_NAME)),
        ),
    )?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<PathBuf>();
    let watched = Arc::new(Mutex::new(inputs(&live.running, &config_file)));
    let filter = watched.clone();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(ev) = res else { return };
        if matches!(ev.kind, EventKind::Access(_) | EventKind::Other) {
            return;
        }
        let files = filter.lock().expect("watched files");
        for p in ev.paths {
            if files.contains(&p) {
                let _ = tx.send(p);
            }
        }
    })
    .map_err(|e| DevError::Io(std::io::Error::other(e)))?;
    let mut dirs: Vec<PathBuf> = Vec::new();
    watch_dirs(
        &mut watcher,
        &mut dirs,
        &watched.lock().expect("watched files"),
    );
    let mut live = live;
    Ok(tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut changed = vec![first];
            tokio::time::sleep(Duration::from_millis(200)).await;
            while let Ok(p) = rx.try_recv() {
                if !changed.contains(&p) {
                    changed.push(p);
                }
            }
            if let Some(new) = apply(&mut live, &config_file, &changed).await {
                // New domains and env files are watched from now on.
                let files = inputs(&new, &config_file);
                watch_dirs(&mut watcher, &mut dirs, &files);
                *watched.lock().expect("watched files") = files;
                live.running = new;
            }
        }
    }))
}

/// Watches (non-recursively) the directories of `files` not watched yet.
fn watch_dirs(
    watcher: &mut notify::RecommendedWatcher,
    dirs: &mut Vec<PathBuf>,
    files: &[PathBuf],
) {
    for dir in files.iter().filter_map(|f| f.parent()) {
        if dir.is_dir() && !dirs.iter().any(|d| d == dir) {
            let _ = watcher.watch(dir, RecursiveMode::NonRecursive);
            dirs.push(dir.to_path_buf());
        }
    }
}

/// Applies an edit; the new config when it was valid.
async fn apply(live: &mut Live, config_file: &Path, changed: &[PathBuf]) -> Option<LoadedConfig> {
    let output = live.output.clone();
    let names: Vec<String> = changed
        .iter()
        .map(|p| {
            p.strip_prefix(std::path::absolute(&live.root).unwrap_or_default())
                .unwrap_or(p)
                .display()
                .to_string()
        })
        .collect();
    let config = match LoadedConfig::load(config_file) {
        Ok(c) => c,
        Err(e) => {
            let rendered = match &e {
                lamina_config::ConfigError::Invalid(d) => d.to_string(),
                other => other.to_string(),
            };
            output.warn(&format!(
                "{} changed, but it is not valid: the running config stays\n{}",
                names.join(", "),
                rendered.trim_end()
            ));
            return None;
        }
    };
    let view = match config.stage(&live.stage) {
        Ok(v) => v,
        Err(d) => {
            output.warn(&format!(
                "the edit removed the stage `{}`: the running config stays\n{d}",
                live.stage
            ));
            return None;
        }
    };
    for w in &config.warnings {
        output.warn(w.to_string().trim_end());
    }
    // Locks and venvs first: a new layer or requirement must be installed before a worker
    // imports it.
    let envs = match crate::env::prepare_env(&config, &live.stage, output.clone()).await {
        Ok(envs) => envs,
        Err(e) => {
            output.warn(&format!(
                "the edit needs a Python environment that cannot be made: the running config stays\n{e}"
            ));
            return None;
        }
    };
    let domains = match worker_domains(
        &config,
        &view,
        &live.issuer,
        &live.audiences,
        &envs,
        &*output,
    ) {
        Ok(d) => d,
        Err(e) => {
            output.warn(&format!("{e}: the running config stays"));
            return None;
        }
    };
    let mut gateway = match GatewayConfig::from_config(&config, &live.stage) {
        Ok(g) => g,
        Err(e) => {
            output.warn(&format!("{e}: the running config stays"));
            return None;
        }
    };
    gateway.forwarded_port = live.gateway_base.forwarded_port;
    gateway.access_log = live.gateway_base.access_log.clone();
    let routes_before = live.gateway_base.routes.clone();
    let route_change = routes_before != gateway.routes || live.gateway_base.cors != gateway.cors;
    let _ = live.gateway.send(gateway.clone());
    live.gateway_base = gateway;
    let changes = live.runtime.update_domains(domains);
    // The code watcher follows the new domains and environments.
    if route_change || !changes.added.is_empty() || !changes.removed.is_empty() {
        live.client
            .iter()
            .for_each(crate::openapi::ClientRegenerator::changed);
    }
    match hot_reload(
        &live.runtime,
        envs.into_iter().map(|(g, _)| g).collect(),
        output.clone(),
        live.client.clone(),
    ) {
        Ok(h) => live.hot_reload = h,
        Err(e) => output.warn(&format!("cannot watch the new domains' code: {e}")),
    }
    let mut said = Vec::new();
    if route_change {
        said.push(format!(
            "routes: {} (were {})",
            live.gateway_base.routes.len(),
            routes_before.len()
        ));
    }
    for (what, list) in [
        ("added", &changes.added),
        ("restarted with the new settings", &changes.changed),
        ("removed", &changes.removed),
    ] {
        if !list.is_empty() {
            said.push(format!("{what}: {}", list.join(", ")));
        }
    }
    if said.is_empty() {
        said.push("nothing to change in the running stack".into());
    }
    output.info(&format!(
        "{} applied: {}",
        names.join(", "),
        said.join("; ")
    ));
    let restart = [
        (
            "[auth]",
            without_spans(&format!("{:?}", live.running.config.auth))
                != without_spans(&format!("{:?}", config.config.auth)),
        ),
        (
            "[frontend]",
            without_spans(&format!("{:?}", live.running.config.frontend))
                != without_spans(&format!("{:?}", config.config.frontend)),
        ),
    ];
    for (table, differs) in restart {
        if differs {
            output.warn(&format!(
                "changes to {table} apply when `lamina dev` restarts"
            ));
        }
    }
    Some(config)
}

/// A `Debug` rendering without `span: 12..34`, so moving a table in the file is no change.
fn without_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(at) = rest.find("span: ") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 6..];
        let end = after
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(after.len());
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn spans_do_not_count() {
        assert_eq!(
            super::without_spans("Spanned { span: 10..20, value: \"a\" }"),
            super::without_spans("Spanned { span: 110..120, value: \"a\" }")
        );
    }
}
