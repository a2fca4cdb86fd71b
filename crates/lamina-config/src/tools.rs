//! Where the external programs a project needs are found. One rule for every command, so
//! `lamina build` and `lamina dev` cannot pick different uv binaries.

use std::path::{Path, PathBuf};

/// uv: `$LAMINA_UV`, then `uv` on `PATH`, then `<project root>/.lamina/tools/uv`.
pub fn find_uv(root: &Path) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("LAMINA_UV").filter(|p| !p.is_empty()) {
        return Some(path.into());
    }
    which("uv").or_else(|| Some(root.join(".lamina/tools/uv")).filter(|p| is_executable(p)))
}

/// An executable named `name` on `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}
