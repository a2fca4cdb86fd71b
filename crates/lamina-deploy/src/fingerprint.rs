//! Content hashes of what a deploy depends on besides the artifacts: the Terraform files and the
//! frontend's sources. Equal hashes (and equal variables) mean that Terraform would find nothing
//! to do, so a no-op deploy can skip it without starting a process.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::DeployError;

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Files of the stage root and of the shared modules, minus what Terraform and Lamina write there
/// (`.terraform/`, state, plans, the variables file, which is hashed on its own).
pub fn terraform_files(stage_root: &Path, modules: &Path) -> Result<String, DeployError> {
    let mut files = Vec::new();
    for (base, label) in [(stage_root, "stage"), (modules, "modules")] {
        if base.is_dir() {
            collect(base, base, label, &mut files, &|rel: &Path| {
                let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                !(rel.starts_with(".terraform")
                    || name.ends_with(".tfstate")
                    || name.ends_with(".tfstate.backup")
                    || name == crate::tfvars::FILE_NAME
                    || name.starts_with(".") && name != ".terraform.lock.hcl")
            })?;
        }
    }
    Ok(hash_files(&files))
}

/// The frontend's sources: every file git would track (`.gitignore` rules apply, so
/// `node_modules/`, `dist/` and `*.local` env files are out), plus the lock file.
pub fn frontend_sources(dir: &Path, out_dir: &str) -> Result<String, DeployError> {
    let mut files = Vec::new();
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(false)
        .git_ignore(true)
        .git_exclude(false)
        .git_global(false)
        .require_git(false)
        .filter_entry(|e| !matches!(e.file_name().to_str(), Some("node_modules" | ".git")))
        .build();
    let out = dir.join(out_dir);
    for entry in walker {
        let entry = entry.map_err(|e| DeployError::Io(std::io::Error::other(e)))?;
        let path = entry.path();
        if !entry.file_type().is_some_and(|t| t.is_file()) || path.starts_with(&out) {
            continue;
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with(".env") && name.ends_with(".local") {
            continue;
        }
        let rel = path.strip_prefix(dir).unwrap_or(path).to_path_buf();
        files.push((PathBuf::from("frontend").join(rel), path.to_path_buf()));
    }
    Ok(hash_files(&files))
}

fn collect(
    base: &Path,
    dir: &Path,
    label: &str,
    out: &mut Vec<(PathBuf, PathBuf)>,
    keep: &dyn Fn(&Path) -> bool,
) -> Result<(), DeployError> {
    for entry in fs_err::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let rel = path.strip_prefix(base).unwrap_or(&path).to_path_buf();
        if !keep(&rel) {
            continue;
        }
        if entry.file_type()?.is_dir() {
            collect(base, &path, label, out, keep)?;
        } else {
            out.push((Path::new(label).join(rel), path));
        }
    }
    Ok(())
}

/// sha256 over (relative path, length, content) of each file, in path order.
fn hash_files(files: &[(PathBuf, PathBuf)]) -> String {
    let mut sorted: Vec<&(PathBuf, PathBuf)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut hasher = Sha256::new();
    for (rel, path) in sorted {
        let content = fs_err::read(path).unwrap_or_default();
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update((content.len() as u64).to_le_bytes());
        hasher.update(&content);
    }
    hex(&hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terraform_hash_ignores_state_and_caches_but_not_code() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("dev");
        let modules = tmp.path().join("modules");
        fs_err::create_dir_all(root.join(".terraform/providers")).unwrap();
        fs_err::create_dir_all(modules.join("app")).unwrap();
        fs_err::write(root.join("main.tf"), "module \"app\" {}\n").unwrap();
        fs_err::write(modules.join("app/main.tf"), "locals {}\n").unwrap();
        let before = terraform_files(&root, &modules).unwrap();
        fs_err::write(root.join(".terraform/providers/x"), "cache").unwrap();
        fs_err::write(root.join("terraform.tfstate"), "{}").unwrap();
        fs_err::write(root.join(crate::tfvars::FILE_NAME), "{}").unwrap();
        assert_eq!(terraform_files(&root, &modules).unwrap(), before);
        fs_err::write(modules.join("app/main.tf"), "locals { a = 1 }\n").unwrap();
        assert_ne!(terraform_files(&root, &modules).unwrap(), before);
    }

    #[test]
    fn frontend_hash_follows_gitignore() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        fs_err::create_dir_all(dir.join("src")).unwrap();
        fs_err::create_dir_all(dir.join("node_modules/x")).unwrap();
        fs_err::create_dir_all(dir.join("dist")).unwrap();
        fs_err::write(dir.join(".gitignore"), "coverage/\n").unwrap();
        fs_err::write(dir.join("src/main.tsx"), "a").unwrap();
        let before = frontend_sources(dir, "dist").unwrap();
        fs_err::write(dir.join("node_modules/x/i.js"), "b").unwrap();
        fs_err::write(dir.join("dist/index.html"), "c").unwrap();
        fs_err::write(dir.join(".env.dev.local"), "VITE_X=1").unwrap();
        fs_err::create_dir_all(dir.join("coverage")).unwrap();
        fs_err::write(dir.join("coverage/lcov"), "d").unwrap();
        assert_eq!(frontend_sources(dir, "dist").unwrap(), before);
        fs_err::write(dir.join("src/main.tsx"), "changed").unwrap();
        assert_ne!(frontend_sources(dir, "dist").unwrap(), before);
    }
}
