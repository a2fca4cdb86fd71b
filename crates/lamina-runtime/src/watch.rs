//! Hot reload: a change under a domain's dir recycles that domain's workers; a change under a code
//! layer recycles the domains using it; a requirements change updates the venv first, then recycles all.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};

use crate::{EnvGroup, Runtime, ensure_env};

/// What the watcher did, for the glue to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    /// These domains' workers were recycled because these files changed.
    Reloaded {
        domains: Vec<String>,
        paths: Vec<PathBuf>,
    },
    /// A requirements file changed: the venv is being updated.
    EnvUpdating {
        paths: Vec<PathBuf>,
    },
    EnvUpdated,
    /// The venv update failed; the workers keep the old environment.
    EnvFailed(String),
}

/// Stops watching when dropped.
pub struct HotReload {
    _watcher: notify::RecommendedWatcher,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for HotReload {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts watching every domain dir and code layer of `runtime` (and `env`'s requirements files).
/// Changes are collected for 50 ms, then acted on.
pub fn watch(
    runtime: Runtime,
    envs: Vec<EnvGroup>,
    on_event: impl Fn(WatchEvent) + Send + Sync + 'static,
) -> notify::Result<HotReload> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(ev) = res else { return };
        if matches!(ev.kind, EventKind::Access(_) | EventKind::Other) {
            return;
        }
        for p in ev.paths {
            if relevant(&p) {
                let _ = tx.send(p);
            }
        }
    })?;
    let domains: Vec<(String, PathBuf, Vec<PathBuf>)> = runtime
        .domain_configs()
        .iter()
        .map(|d| {
            (
                d.name.clone(),
                canon(&d.dir),
                d.code_layers.iter().map(|p| canon(p)).collect(),
            )
        })
        .collect();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for (_, dir, layers) in &domains {
        for d in std::iter::once(dir).chain(layers) {
            if !dirs.contains(d) {
                dirs.push(d.clone());
            }
        }
    }
    // Each environment's inputs: its locks, dev requirements and uv projects.
    let env_inputs: Vec<Vec<PathBuf>> = envs
        .iter()
        .map(|g| {
            let e = &g.spec;
            let projects = e
                .dev_projects
                .iter()
                .flat_map(|d| [d.join("pyproject.toml"), d.join("uv.lock")]);
            e.locks
                .iter()
                .chain(&e.requirements)
                .cloned()
                .chain(projects)
                .map(|p| canon(&p))
                .collect()
        })
        .collect();
    let requirements: Vec<PathBuf> = env_inputs.iter().flatten().cloned().collect();
    for r in &requirements {
        if let Some(parent) = r.parent() {
            if !dirs.iter().any(|d| parent.starts_with(d)) && !dirs.contains(&parent.to_path_buf())
            {
                dirs.push(parent.to_path_buf());
            }
        }
    }
    for d in &dirs {
        watcher.watch(d, RecursiveMode::Recursive)?;
    }
    let on_event = Arc::new(on_event);
    let task = tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut paths = vec![first];
            tokio::time::sleep(Duration::from_millis(50)).await;
            while let Ok(p) = rx.try_recv() {
                if !paths.contains(&p) {
                    paths.push(p);
                }
            }
            let mut affected: Vec<String> = Vec::new();
            for (group, inputs) in envs.iter().zip(&env_inputs) {
                let changed: Vec<PathBuf> = paths
                    .iter()
                    .filter(|p| inputs.contains(p))
                    .cloned()
                    .collect();
                if changed.is_empty() {
                    continue;
                }
                on_event(WatchEvent::EnvUpdating { paths: changed });
                match ensure_env(&group.spec).await {
                    Ok(_) => on_event(WatchEvent::EnvUpdated),
                    Err(e) => on_event(WatchEvent::EnvFailed(e.to_string())),
                }
                affected.extend(group.domains.iter().cloned());
            }
            for (name, dir, layers) in &domains {
                if !affected.contains(name)
                    && paths
                        .iter()
                        .any(|p| p.starts_with(dir) || layers.iter().any(|l| p.starts_with(l)))
                {
                    affected.push(name.clone());
                }
            }
            if affected.is_empty() {
                continue;
            }
            for d in &affected {
                runtime.reload(d);
            }
            on_event(WatchEvent::Reloaded {
                domains: affected,
                paths,
            });
        }
    });
    Ok(HotReload {
        _watcher: watcher,
        task,
    })
}

fn canon(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// Source changes only: not bytecode, caches, editor swap files or VCS internals.
fn relevant(p: &Path) -> bool {
    const SKIP_DIRS: [&str; 9] = [
        "__pycache__",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".git",
        ".lamina",
        ".venv",
        "node_modules",
        ".hypothesis",
    ];
    if p.components()
        .any(|c| SKIP_DIRS.iter().any(|s| c.as_os_str() == *s))
    {
        return false;
    }
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    !(name.ends_with(".pyc")
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with('~')
        || name.starts_with(".#")
        || name == "4913")
}
