//! Where each lock lives. One rule for `lamina lock`, `lamina build`, `lamina dev` and the
//! config check, so no two locks can share a path (each would overwrite the other, and every
//! build would re-lock).

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::LoadedConfig;

/// What a lock is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockKind {
    /// `[layers.X] requirements = "dir/name.txt"` → `dir/name.lock`.
    LayerRequirements(PathBuf),
    /// `[layers.X] project = "dir"` (a uv project) → `dir/layer-X.lock`.
    LayerProject(PathBuf),
    /// A domain's own `requirements.txt` → `<domain dir>/requirements.lock`.
    Domain(PathBuf),
}

/// One lock of the project, with the place in lamina.toml that asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockPath {
    /// `layer deps`, `domain ride`.
    pub what: String,
    /// The layer's or domain's name.
    pub name: String,
    pub kind: LockKind,
    /// Relative to lamina.toml.
    pub path: PathBuf,
    pub span: Range<usize>,
}

impl LoadedConfig {
    /// Every lock the project may have: one per dependency layer, and one per domain (used
    /// only when its `requirements.txt` has requirements). Layers first, in name order.
    pub fn lock_paths(&self) -> Vec<LockPath> {
        let mut out = Vec::new();
        for (name, layer) in &self.config.layers {
            let n = name.get_ref();
            if let Some(req) = &layer.requirements {
                let req = PathBuf::from(req.get_ref());
                out.push(LockPath {
                    what: format!("layer {n}"),
                    name: n.clone(),
                    path: req.with_extension("lock"),
                    kind: LockKind::LayerRequirements(req),
                    span: layer
                        .requirements
                        .as_ref()
                        .map_or(name.span(), |r| r.span()),
                });
            } else if let Some(dir) = &layer.project {
                let d = PathBuf::from(dir.get_ref());
                out.push(LockPath {
                    what: format!("layer {n}"),
                    name: n.clone(),
                    path: d.join(format!("layer-{n}.lock")),
                    kind: LockKind::LayerProject(d),
                    span: dir.span(),
                });
            }
        }
        for (name, domain) in &self.config.domains {
            let dir = PathBuf::from(domain.path.get_ref());
            out.push(LockPath {
                what: format!("domain {}", name.get_ref()),
                name: name.get_ref().clone(),
                path: dir.join("requirements.lock"),
                kind: LockKind::Domain(dir.join("requirements.txt")),
                span: domain.path.span(),
            });
        }
        out
    }
}

/// `a/./b/../c` → `a/c`, for comparing paths that may be written differently.
pub(crate) fn normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}
