//! Finds the programs Lamina runs, and obtains uv when the machine has none.
//!
//! One rule for every command, so `lamina build`, `lamina dev` and `lamina run` cannot pick
//! different uv binaries ([`find_uv`]). When none is found, [`ensure_uv`] downloads the pinned
//! uv wheel ([`UV_VERSION`]) from the user's configured Python package index, checks its sha256
//! against the hash compiled into Lamina, and keeps its `uv` in a per-user cache, so a machine
//! with nothing but `lamina` works from the first command.

mod http;
pub mod index;
mod uv;
mod zip;

pub use uv::{
    ToolchainError, UV_VERSION, cache_dir, download_uv, ensure_uv, find_uv, pinned_uv_path,
};

use std::path::{Path, PathBuf};

/// An executable named `name` on `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
pub fn is_executable(path: &Path) -> bool {
    path.is_file()
}
