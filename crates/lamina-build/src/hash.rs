//! Hashing, and walking a directory into a sorted list of files.

use std::path::{Path, PathBuf};

use base64::Engine;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn sha256_b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Accumulates the inputs of an artifact, field by field, without ambiguity.
#[derive(Default)]
pub struct InputsHasher(Sha256);

impl InputsHasher {
    pub fn field(&mut self, key: &str, value: impl AsRef<[u8]>) -> &mut Self {
        let value = value.as_ref();
        self.0.update(key.as_bytes());
        self.0.update([0]);
        self.0.update((value.len() as u64).to_le_bytes());
        self.0.update(value);
        self
    }

    pub fn finish(self) -> String {
        hex(&self.0.finalize())
    }
}

/// A file found by [`walk`]: its path relative to the walked root, with `/` separators.
#[derive(Debug, Clone)]
pub struct FileEntry {
    pub rel: String,
    pub path: PathBuf,
    pub executable: bool,
}

/// Every file under `root`, sorted by relative path, skipping what `skip` says (it sees relative
/// paths of directories with a trailing `/`, and of files). Symlinks are followed.
pub fn walk(root: &Path, skip: &dyn Fn(&str, bool) -> bool) -> std::io::Result<Vec<FileEntry>> {
    let mut out = Vec::new();
    walk_into(root, "", skip, &mut out)?;
    out.sort_unstable_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    Ok(out)
}

fn walk_into(
    dir: &Path,
    prefix: &str,
    skip: &dyn Fn(&str, bool) -> bool,
    out: &mut Vec<FileEntry>,
) -> std::io::Result<()> {
    for entry in fs_err::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return Err(std::io::Error::other(format!(
                "`{}` is not a UTF-8 file name",
                entry.path().display()
            )));
        };
        let rel = format!("{prefix}{name}");
        let meta = fs_err::metadata(entry.path())?;
        if meta.is_dir() {
            let rel_dir = format!("{rel}/");
            if !skip(&rel_dir, true) {
                walk_into(&entry.path(), &rel_dir, skip, out)?;
            }
        } else if meta.is_file() && !skip(&rel, false) {
            out.push(FileEntry {
                rel,
                path: entry.path(),
                executable: is_executable(&meta),
            });
        }
    }
    Ok(())
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &std::fs::Metadata) -> bool {
    false
}

/// Hashes the names, modes and contents of files (in parallel) into one digest. Only the
/// executable bit of the mode counts, as in git and in the zips.
pub fn tree_hash(files: &[FileEntry]) -> std::io::Result<String> {
    let hashes: Vec<[u8; 32]> = files
        .par_iter()
        .map(|f| Ok(Sha256::digest(fs_err::read(&f.path)?).into()))
        .collect::<std::io::Result<_>>()?;
    let mut h = Sha256::new();
    for (f, digest) in files.iter().zip(hashes) {
        h.update(f.rel.as_bytes());
        h.update([0, u8::from(f.executable)]);
        h.update(digest);
    }
    Ok(hex(&h.finalize()))
}
