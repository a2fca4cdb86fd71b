//! The locks `lamina dev` installs: the very files `lamina build` ships, made or refreshed first
//! when their inputs changed (as `lamina build` would), so the local venv and the cloud run the
//! same versions.

use std::path::PathBuf;
use std::sync::Arc;

use lamina_config::LoadedConfig;

use crate::{DevError, DevOutput};

struct LockReporter(Arc<dyn DevOutput>);

impl lamina_build::Reporter for LockReporter {
    fn on_lock(&self, what: &str, path: &std::path::Path, state: &lamina_build::LockState) {
        let why = match state {
            lamina_build::LockState::Missing => "it was missing".to_owned(),
            lamina_build::LockState::Stale(why) => why.clone(),
            lamina_build::LockState::Fresh => "asked for".to_owned(),
        };
        self.0
            .info(&format!("locked {what} → {} ({why})", path.display()));
    }
}

/// Every domain's locks, made or refreshed when stale (uv is obtained if needed).
pub(crate) async fn ensure_locks(
    config: &LoadedConfig,
    output: Arc<dyn DevOutput>,
) -> Result<std::collections::BTreeMap<String, Vec<PathBuf>>, DevError> {
    let config = config.clone();
    tokio::task::spawn_blocking(move || {
        let notice_output = output.clone();
        let options = lamina_build::BuildOptions {
            notice: Some(lamina_build::Notice(Arc::new(move |line: &str| {
                notice_output.info(line);
            }))),
            ..lamina_build::BuildOptions::default()
        };
        lamina_build::ensure_locks(&config, &options, &LockReporter(output)).map_err(|e| {
            DevError::Lock(match e.hint() {
                Some(hint) => format!("{e}\n  = hint: {hint}"),
                None => e.to_string(),
            })
        })
    })
    .await
    .map_err(|e| DevError::Io(std::io::Error::other(e)))?
}

/// uv as `lamina build` finds it, downloading the pinned one (and saying so) when there is none.
pub(crate) async fn obtain_uv(
    root: &std::path::Path,
    output: Arc<dyn DevOutput>,
) -> Result<PathBuf, DevError> {
    let root = root.to_path_buf();
    tokio::task::spawn_blocking(move || {
        lamina_toolchain::ensure_uv(&root, &|line| output.info(line))
            .map_err(|e| DevError::Lock(e.to_string()))
    })
    .await
    .map_err(|e| DevError::Io(std::io::Error::other(e)))?
}

/// A stage's dev environments, made or brought up to date: the build's locks (refreshed first
/// when stale), plus the project's dev tools; one venv per set of locks (see
/// `lamina_runtime::env_groups_for_stage`). Shared by `lamina dev` and `lamina run`.
pub async fn prepare_env(
    config: &LoadedConfig,
    stage: &str,
    output: Arc<dyn DevOutput>,
) -> Result<Vec<(lamina_runtime::EnvGroup, lamina_runtime::PythonEnv)>, DevError> {
    let view = config.stage(stage).map_err(DevError::Stage)?;
    output.info("preparing the Python environment (.lamina/dev/venv)");
    let locks = ensure_locks(config, output.clone()).await?;
    let uv = obtain_uv(&config.root, output.clone()).await?;
    let mut out = Vec::new();
    let mut updated = false;
    for mut group in lamina_runtime::env_groups_for_stage(&view, &locks) {
        group.spec.uv = Some(uv.clone());
        let env = lamina_runtime::ensure_env(&group.spec).await?;
        updated |= env.updated;
        out.push((group, env));
    }
    output.info(if updated {
        "Python environment updated"
    } else {
        "Python environment is current"
    });
    Ok(out)
}

/// The interpreter each domain's code is imported with: its own dev venv's (one per set of
/// locks), and the first venv's for anything else. What `lamina openapi`, `lamina check` and the
/// client regenerator of `lamina dev` import the apps with.
#[derive(Debug, Clone)]
pub struct DomainPythons {
    pub default: PathBuf,
    pub by_domain: std::collections::BTreeMap<String, PathBuf>,
}

impl DomainPythons {
    pub fn of(envs: &[(lamina_runtime::EnvGroup, lamina_runtime::PythonEnv)]) -> Self {
        Self {
            default: envs
                .first()
                .map_or_else(|| PathBuf::from("python3"), |(_, env)| env.python.clone()),
            by_domain: envs
                .iter()
                .flat_map(|(group, env)| {
                    group
                        .domains
                        .iter()
                        .map(|d| (d.clone(), env.python.clone()))
                })
                .collect(),
        }
    }

    /// Prepares the stage's dev environments (as `lamina dev` would) and names their pythons.
    pub async fn prepare(
        config: &LoadedConfig,
        stage: &str,
        output: Arc<dyn DevOutput>,
    ) -> Result<Self, DevError> {
        Ok(Self::of(&prepare_env(config, stage, output).await?))
    }
}
