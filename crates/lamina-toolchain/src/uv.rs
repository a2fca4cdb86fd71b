//! uv: where Lamina finds it, and how it obtains the pinned one.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{index, is_executable, which};

/// The uv Lamina downloads when the machine has none. Bump it together with [`PINNED`].
pub const UV_VERSION: &str = "0.13.9";

/// The sha256 of each uv wheel Lamina may download, by the wheel's platform tag: a file the
/// index serves with another hash is refused.
const PINNED: [(&str, &str, &str); 4] = [
    (
        "linux-x86_64",
        "manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "d7f459fe4fd247d830351c75686d3996ace3c6f3f728eb0e85a30b7ada0cef19",
    ),
    (
        "linux-aarch64",
        "manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64.whl",
        "5435c5ce14a56431208ca0996416d310f1598e8c2c8ba707688985a16bb82dbe",
    ),
    (
        "macos-x86_64",
        "macosx_10_12_x86_64.whl",
        "c16ed11e013557536b3e60065f1b912f6407bd6518e041b961e23ef9e6b4fbf5",
    ),
    (
        "macos-aarch64",
        "macosx_11_0_arm64.whl",
        "66c512266d633bef48384a1f53003f41f2a8e7b36fe6e7fbfd3e0fd52d96fa63",
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum ToolchainError {
    #[error(
        "uv was not found, and Lamina has no uv {UV_VERSION} to download for {0} (it has one for Linux and macOS on x86_64 and arm64)"
    )]
    Unsupported(String),
    #[error("cannot download uv {UV_VERSION} from {index}: {message}")]
    Download { index: String, message: String },
    #[error(
        "the uv wheel `{file}` from {index} has sha256 {found}, not the {expected} Lamina pins: refusing it"
    )]
    Hash {
        file: String,
        index: String,
        found: String,
        expected: String,
    },
    #[error("cannot install uv into `{}`: {message}", path.display())]
    Install { path: PathBuf, message: String },
}

/// Lamina's per-user cache: `LAMINA_CACHE_DIR`, else `$XDG_CACHE_HOME/lamina`, else
/// `~/.cache/lamina`.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("LAMINA_CACHE_DIR").filter(|v| !v.is_empty()) {
        return Some(dir.into());
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir).join("lamina"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/lamina"))
}

/// Where the pinned uv lives once downloaded: `<cache>/uv/<version>/uv`.
pub fn pinned_uv_path() -> Option<PathBuf> {
    Some(cache_dir()?.join("uv").join(UV_VERSION).join("uv"))
}

/// uv, in this order: `LAMINA_UV`; `uv` on `PATH`; `uv` beside the `lamina` executable (a
/// `pipx`/`uv tool` install puts the `uv` wheel's binary there); `<root>/.lamina/tools/uv`; the
/// pinned uv already downloaded into the per-user cache. `None` when there is none.
pub fn find_uv(root: &Path) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("LAMINA_UV").filter(|p| !p.is_empty()) {
        return Some(path.into());
    }
    which("uv")
        .or_else(beside_lamina)
        .or_else(|| Some(root.join(".lamina/tools/uv")).filter(|p| is_executable(p)))
        .or_else(|| pinned_uv_path().filter(|p| is_executable(p)))
}

/// `uv` in the directory of the running executable, when that is `lamina` (not a test binary).
fn beside_lamina() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let stem = exe.file_stem()?.to_str()?;
    if stem != "lamina" {
        return None;
    }
    let candidate = exe.parent()?.join("uv");
    is_executable(&candidate).then_some(candidate)
}

/// [`find_uv`], or else downloads the pinned uv from the user's index into the per-user cache,
/// verifies it, and says so with one line through `notice`.
pub fn ensure_uv(root: &Path, notice: &dyn Fn(&str)) -> Result<PathBuf, ToolchainError> {
    if let Some(found) = find_uv(root) {
        return Ok(found);
    }
    let platform = format!(
        "{}-{}",
        match std::env::consts::OS {
            "macos" => "macos",
            other => other,
        },
        std::env::consts::ARCH
    );
    let (_, tag, expected) = PINNED
        .iter()
        .find(|(p, _, _)| *p == platform)
        .ok_or_else(|| ToolchainError::Unsupported(platform.clone()))?;
    let target = pinned_uv_path().ok_or_else(|| ToolchainError::Install {
        path: PathBuf::from("~/.cache/lamina"),
        message: "no HOME, XDG_CACHE_HOME or LAMINA_CACHE_DIR to cache it in".into(),
    })?;
    let index = index::index_url();
    notice(&format!(
        "uv not found: downloading the pinned uv {UV_VERSION} from {index} into {} (once for this user; sha256-verified)",
        target.parent().unwrap_or(&target).display()
    ));
    download_uv(&index, tag, expected, &target)?;
    Ok(target)
}

/// Downloads the pinned uv wheel `uv-<version>-py3-none-<tag>` from the index at `index`,
/// refuses it unless its sha256 is `expected`, and installs its `uv` binary at `target`.
pub fn download_uv(
    index: &str,
    tag: &str,
    expected: &str,
    target: &Path,
) -> Result<(), ToolchainError> {
    let download = |message: String| ToolchainError::Download {
        index: index.to_owned(),
        message,
    };
    let filename = format!("uv-{UV_VERSION}-py3-none-{tag}");
    let files = index::project_files_at(index, "uv").map_err(download)?;
    let file = files
        .iter()
        .find(|f| f.filename == filename)
        .ok_or_else(|| download(format!("the index has no `{filename}`")))?;
    let bytes = crate::http::get(&file.url, "*/*").map_err(download)?;
    let found = format!("{:x}", Sha256::digest(&bytes));
    if found != expected {
        return Err(ToolchainError::Hash {
            file: filename,
            index: index.to_owned(),
            found,
            expected: expected.to_owned(),
        });
    }
    let binary = crate::zip::read_entry(&bytes, &format!("uv-{UV_VERSION}.data/scripts/uv"))
        .ok_or_else(|| ToolchainError::Install {
            path: target.to_path_buf(),
            message: format!("`{filename}` has no `uv` binary"),
        })?;
    install(target, &binary).map_err(|e| ToolchainError::Install {
        path: target.to_path_buf(),
        message: e.to_string(),
    })
}

/// Writes the binary through a temporary file and a rename, so a concurrent `lamina` never runs
/// half a uv.
fn install(target: &Path, binary: &[u8]) -> std::io::Result<()> {
    let dir = target.parent().unwrap_or(Path::new("."));
    fs_err::create_dir_all(dir)?;
    let tmp = dir.join(format!(".uv-{}.tmp", std::process::id()));
    fs_err::write(&tmp, binary)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs_err::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))?;
    }
    fs_err::rename(&tmp, target)
}
