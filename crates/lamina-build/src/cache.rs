//! The content-addressed cache under `.lamina/cache/`.
//!
//! ```text
//! .lamina/cache/v1/
//!   store/<sha256>.zip        every artifact ever built, named by the hash of its bytes
//!   index/<inputs>.json       inputs hash → the artifact they produce (sha256, files, sizes)
//!   tmp/                      staging directories of builds in progress
//! .lamina/build/<stage>/
//!   manifest.json             what the stage deploys (see `manifest.rs`)
//!   layers/<name>.zip         hard links (or copies) of store entries
//!   functions/<name>.zip
//! ```
//!
//! An artifact's inputs hash covers everything its bytes depend on: [`FORMAT`], the target
//! Python version and platform, the slimming options, and the lock or the files. A build looks
//! the inputs up in `index/`; a hit whose zip is still in `store/` is reused without unzipping,
//! reinstalling or recompressing anything. Deleting `.lamina/cache` is always safe.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::archive::ZipStats;
use crate::hash::{sha256_b64, sha256_hex};

/// The version of the artifact format: bump it when the same inputs would give other bytes
/// (zip writer, deflate level, slimming rules), so older cache entries are not reused.
pub const FORMAT: &str = "lamina-build/1";

/// A built artifact, as the index records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub sha256: String,
    pub sha256_b64: String,
    pub files: u64,
    pub unzipped: u64,
    pub zipped: u64,
}

#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

impl Cache {
    pub fn new(project_root: &Path) -> Self {
        Self {
            dir: project_root.join(".lamina/cache/v1"),
        }
    }

    pub fn zip_path(&self, sha256: &str) -> PathBuf {
        self.dir.join("store").join(format!("{sha256}.zip"))
    }

    /// The artifact these inputs produced before, if its zip is still there.
    pub fn lookup(&self, inputs: &str) -> Option<Record> {
        let text =
            fs_err::read_to_string(self.dir.join("index").join(format!("{inputs}.json"))).ok()?;
        let record: Record = serde_json::from_str(&text).ok()?;
        let meta = std::fs::metadata(self.zip_path(&record.sha256)).ok()?;
        (meta.len() == record.zipped).then_some(record)
    }

    /// Stores zip bytes under their hash and records that `inputs` produce them.
    pub fn store(&self, inputs: &str, zip: &[u8], stats: ZipStats) -> std::io::Result<Record> {
        let record = Record {
            sha256: sha256_hex(zip),
            sha256_b64: sha256_b64(zip),
            files: stats.files,
            unzipped: stats.unzipped,
            zipped: stats.zipped,
        };
        let path = self.zip_path(&record.sha256);
        if !path.is_file() {
            write_atomic(&path, zip)?;
        }
        let json = serde_json::to_vec_pretty(&record).map_err(std::io::Error::other)?;
        write_atomic(
            &self.dir.join("index").join(format!("{inputs}.json")),
            &json,
        )?;
        Ok(record)
    }

    /// A fresh, empty staging directory; removed when the guard drops.
    pub fn staging(&self, name: &str) -> std::io::Result<Staging> {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = self
            .dir
            .join("tmp")
            .join(format!("{name}-{}-{n}", std::process::id()));
        if dir.exists() {
            fs_err::remove_dir_all(&dir)?;
        }
        fs_err::create_dir_all(&dir)?;
        Ok(Staging(dir))
    }
}

/// A staging directory, deleted on drop.
#[derive(Debug)]
pub struct Staging(pub PathBuf);

impl Staging {
    /// The directory, no longer deleted on drop.
    pub fn keep(self) -> PathBuf {
        let dir = self.0.clone();
        std::mem::forget(self);
        dir
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes through a temporary file and a rename, so readers never see half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent)?;
    }
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp-{}-{n}", std::process::id()));
    fs_err::write(&tmp, bytes)?;
    fs_err::rename(&tmp, path)
}

/// Points `link` at `target`: a hard link when possible, else a copy. Does nothing when it
/// already is one.
pub fn link(target: &Path, link: &Path) -> std::io::Result<()> {
    if same_file(target, link) {
        return Ok(());
    }
    if let Some(parent) = link.parent() {
        fs_err::create_dir_all(parent)?;
    }
    let _ = std::fs::remove_file(link);
    if std::fs::hard_link(target, link).is_err() {
        fs_err::copy(target, link)?;
    }
    Ok(())
}

#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &Path, _: &Path) -> bool {
    false
}
