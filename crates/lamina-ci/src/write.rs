//! Writing the workflows: a new file whole; an existing one only in its marked blocks, through
//! a temporary file and a rename, so nothing is ever half-written.

use std::path::{Path, PathBuf};

use lamina_config::LoadedConfig;

use crate::blocks::merge;
use crate::error::CiError;
use crate::github::{ci_workflow, deploy_workflow};
use crate::project::CiProject;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    /// Change nothing; report what would change.
    DryRun,
    /// Change nothing; fail when anything would change.
    Check,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Created,
    Updated,
    Unchanged,
    /// The file has no Lamina block (written by hand, or before `lamina ci github`): left alone.
    Unmanaged,
}

#[derive(Debug, Clone)]
pub struct FileChange {
    /// Relative to the project root.
    pub path: PathBuf,
    pub state: State,
    /// Blocks the user deleted from the file, which are not put back.
    pub missing: Vec<String>,
}

/// Extra files `lamina ci github` adds when they are missing (never overwritten): the
/// Terraform of the OIDC provider and roles. Given by the caller, rendered from the templates.
pub type ExtraFiles = Vec<(PathBuf, Vec<u8>)>;

pub fn write_github(
    config: &LoadedConfig,
    extra: &ExtraFiles,
    mode: Mode,
) -> Result<Vec<FileChange>, CiError> {
    let project = CiProject::from_config(config);
    let root = &config.root;
    let mut out = Vec::new();
    for (name, text) in [
        ("ci.yml", ci_workflow(&project)),
        ("deploy.yml", deploy_workflow(&project)),
    ] {
        let rel = Path::new(".github/workflows").join(name);
        out.push(write_one(root, &rel, &text, mode)?);
    }
    for (rel, contents) in extra {
        let full = root.join(rel);
        if full.exists() {
            continue;
        }
        if mode == Mode::Write {
            write_atomic(&full, contents)?;
        }
        out.push(FileChange {
            path: rel.clone(),
            state: State::Created,
            missing: Vec::new(),
        });
    }
    if mode == Mode::Check {
        let stale: Vec<String> = out
            .iter()
            .filter(|c| matches!(c.state, State::Created | State::Updated))
            .map(|c| c.path.display().to_string())
            .collect();
        if !stale.is_empty() {
            return Err(CiError::Stale(stale));
        }
    }
    Ok(out)
}

fn write_one(root: &Path, rel: &Path, rendered: &str, mode: Mode) -> Result<FileChange, CiError> {
    let full = root.join(rel);
    let (text, state, missing) = match fs_err::read_to_string(&full) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            (rendered.to_owned(), State::Created, Vec::new())
        }
        Err(e) => return Err(e.into()),
        Ok(existing) => {
            let merged = merge(&existing, rendered, &full)?;
            let state = if !merged.managed {
                State::Unmanaged
            } else if merged.text == existing {
                State::Unchanged
            } else {
                State::Updated
            };
            (merged.text, state, merged.missing)
        }
    };
    if mode == Mode::Write && matches!(state, State::Created | State::Updated) {
        write_atomic(&full, text.as_bytes())?;
    }
    Ok(FileChange {
        path: rel.to_owned(),
        state,
        missing: if state == State::Unmanaged {
            Vec::new()
        } else {
            missing
        },
    })
}

fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent)?;
    }
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("")
    ));
    fs_err::write(&tmp, contents)?;
    fs_err::rename(&tmp, path)
}
