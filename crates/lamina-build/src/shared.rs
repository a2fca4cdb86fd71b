//! The per-user build cache, shared by every project and checkout of one user (and by CI runs
//! that keep it between jobs).
//!
//! ```text
//! ~/.cache/lamina/build/v1/      (LAMINA_CACHE_DIR/build/v1, or $XDG_CACHE_HOME/lamina/build/v1)
//!   packages/<ab>/<key>.zip      one distribution, installed, slimmed and compiled: its files as
//!                                compressed zip entries named relative to site-packages
//!   modules/<ab>/<key>.pyc       one module of the user's code compiled (`.err`: it does not compile)
//!   imports/<key>                the import check's verdict on a function and its layers
//!   runtime/<key>/               the stand-in for Lambda's boto3/botocore (import check, --profile)
//!   locks/<key>.lock             held while one build makes an entry, so another waits, then reuses it
//!   tmp/                         files and directories being written, renamed into place when whole
//!   .lock                        shared by every build using the cache, exclusive while pruning
//! ```
//!
//! Every key is the sha256 of all that the entry's bytes depend on (see [`package_key`] and
//! [`module_key`]), never of a path, so an entry made by one project serves any other. Entries
//! are written to `tmp/` and renamed: a reader sees a whole entry or none. A hit refreshes the
//! entry's mtime, which [`prune`] uses to drop the least recently used entries first.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crate::archive::{self, Entry};
use crate::hash::{InputsHasher, sha256_hex};

/// The layout version under `build/`: bump it when an entry's format changes.
const LAYOUT: &str = "v1";
/// Default size cap; `LAMINA_CACHE_MAX_SIZE` overrides it.
pub const DEFAULT_MAX_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// A hit older than this gets its mtime refreshed (so most hits write nothing).
const TOUCH_AFTER: Duration = Duration::from_secs(3600);

static NEXT: AtomicU64 = AtomicU64::new(0);

/// The default location: `<lamina cache dir>/build`, when there is a home to put it in.
pub fn default_dir() -> Option<PathBuf> {
    lamina_toolchain::cache_dir().map(|d| d.join("build"))
}

/// The size cap: `LAMINA_CACHE_MAX_SIZE` (`500M`, `2G`, bytes), else [`DEFAULT_MAX_SIZE`].
pub fn max_size_from_env() -> Result<u64, String> {
    match std::env::var("LAMINA_CACHE_MAX_SIZE") {
        Ok(v) if !v.trim().is_empty() => {
            parse_size(&v).map_err(|e| format!("LAMINA_CACHE_MAX_SIZE: {e}"))
        }
        _ => Ok(DEFAULT_MAX_SIZE),
    }
}

/// `1500`, `500K`, `200M`, `5G` (powers of 1024; a trailing `B` or `iB` is allowed).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(t);
    let (digits, unit) = match t
        .char_indices()
        .find(|(_, c)| !c.is_ascii_digit() && *c != '.')
    {
        Some((i, _)) => (&t[..i], &t[i..]),
        None => (t, ""),
    };
    let value: f64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size such as 500M or 5G"))?;
    let scale: u64 = match unit.to_ascii_uppercase().as_str() {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return Err(format!("`{text}` is not a size such as 500M or 5G")),
    };
    Ok((value * scale as f64) as u64)
}

/// The shared cache, open for one build: it holds a shared lock on `.lock` until dropped, so a
/// prune never deletes what a running build is about to read.
#[derive(Debug)]
pub struct SharedCache {
    dir: PathBuf,
    _guard: File,
    wrote: std::sync::atomic::AtomicBool,
}

impl SharedCache {
    /// Opens (creating) the cache under `root` (`~/.cache/lamina/build`).
    pub fn open(root: &Path) -> std::io::Result<Self> {
        let dir = root.join(LAYOUT);
        fs_err::create_dir_all(dir.join("tmp"))?;
        let guard = lock_file(&dir.join(".lock"))?;
        guard.lock_shared()?;
        Ok(Self {
            dir,
            _guard: guard,
            wrote: std::sync::atomic::AtomicBool::new(false),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn entry(&self, kind: &str, key: &str, ext: &str) -> PathBuf {
        self.dir
            .join(kind)
            .join(&key[..2])
            .join(format!("{key}{ext}"))
    }

    /// A cached package's entries (names relative to site-packages), if there is one.
    pub fn package(&self, key: &str) -> Option<Vec<Entry>> {
        let bytes = read_and_touch(&self.entry("packages", key, ".zip"))?;
        archive::read_entries(&bytes).ok()
    }

    /// Stores a package's entries under `key`.
    pub fn put_package(&self, key: &str, entries: Vec<Entry>) -> std::io::Result<()> {
        let (bytes, _) = archive::write(entries).map_err(std::io::Error::other)?;
        self.write(&self.entry("packages", key, ".zip"), &bytes)
    }

    /// A compiled module: `Some(Some(pyc))`, `Some(None)` when the source does not compile (so
    /// no `.pyc` ships, as `compileall` would do), `None` when unknown.
    pub fn module(&self, key: &str) -> Option<Option<Vec<u8>>> {
        if let Some(bytes) = read_and_touch(&self.entry("modules", key, ".pyc")) {
            return Some(Some(bytes));
        }
        read_and_touch(&self.entry("modules", key, ".err")).map(|_| None)
    }

    pub fn put_module(&self, key: &str, pyc: Option<&[u8]>) -> std::io::Result<()> {
        match pyc {
            Some(bytes) => self.write(&self.entry("modules", key, ".pyc"), bytes),
            None => self.write(&self.entry("modules", key, ".err"), b""),
        }
    }

    /// Where the import check keeps its verdicts.
    pub fn imports_dir(&self) -> PathBuf {
        self.dir.join("imports")
    }

    /// Where runtime stand-ins live.
    pub fn runtime_dir(&self) -> PathBuf {
        self.dir.join("runtime")
    }

    /// A fresh directory under `tmp/`, to build in and then [`SharedCache::install_dir`].
    pub fn temp_dir(&self, name: &str) -> std::io::Result<PathBuf> {
        let dir = self.dir.join("tmp").join(unique(name));
        fs_err::create_dir_all(&dir)?;
        Ok(dir)
    }

    /// Renames a finished directory into place; when another build got there first, keeps
    /// theirs (same key, same content) and removes ours.
    pub fn install_dir(&self, built: &Path, target: &Path) -> std::io::Result<()> {
        self.wrote.store(true, Ordering::Relaxed);
        if let Some(parent) = target.parent() {
            fs_err::create_dir_all(parent)?;
        }
        if std::fs::rename(built, target).is_err() {
            let _ = std::fs::remove_dir_all(built);
            if !target.is_dir() {
                return Err(std::io::Error::other(format!(
                    "cannot move a finished entry to `{}`",
                    target.display()
                )));
            }
        }
        Ok(())
    }

    /// Blocks until no other build makes the entry `name`, then holds it until dropped.
    pub fn lock(&self, name: &str) -> std::io::Result<File> {
        let dir = self.dir.join("locks");
        fs_err::create_dir_all(&dir)?;
        let file = lock_file(&dir.join(format!("{name}.lock")))?;
        file.lock()?;
        Ok(file)
    }

    /// Whether this build added anything (so the size cap may need enforcing).
    pub fn grew(&self) -> bool {
        self.wrote.load(Ordering::Relaxed)
    }

    fn write(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        self.wrote.store(true, Ordering::Relaxed);
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent)?;
        }
        let tmp = self.dir.join("tmp").join(unique("entry"));
        fs_err::write(&tmp, bytes)?;
        fs_err::rename(&tmp, path)
    }
}

fn unique(name: &str) -> String {
    format!(
        "{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn lock_file(path: &Path) -> std::io::Result<File> {
    Ok(fs_err::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?
        .into_parts()
        .0)
}

/// Reads a whole entry, refreshing its mtime when it is old (the LRU clock of [`prune`]).
fn read_and_touch(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut file = File::open(path).ok()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    let now = SystemTime::now();
    let old = file
        .metadata()
        .and_then(|m| m.modified())
        .map_or(true, |m| {
            now.duration_since(m).unwrap_or_default() > TOUCH_AFTER
        });
    if old {
        let _ = file.set_modified(now);
    }
    Some(bytes)
}

/// The key of one locked distribution built for a target: its name, version and the hashes of
/// its wheels (from the lock), the Python version and platform it is installed for, the
/// slimming rules, whether `.pyc` are compiled, and the path the `.pyc` record.
pub fn package_key(pin_text: &str, target_and_rules: &str, pyc_prefix: &str) -> String {
    let (spec, hashes) = crate::lock::pin_identity(pin_text);
    let mut h = InputsHasher::default();
    h.field("package", "lamina-package/1")
        .field("spec", spec)
        .field("hashes", hashes.join(","))
        .field("target", target_and_rules)
        .field("pyc-prefix", pyc_prefix);
    h.finish()
}

/// The key of one source file compiled for a Python version, recording `dfile` as its name.
pub fn module_key(python: &str, dfile: &str, source: &[u8]) -> String {
    let mut h = InputsHasher::default();
    h.field("module", "lamina-module/1")
        .field("python", python)
        .field("dfile", dfile)
        .field("source", sha256_hex(source));
    h.finish()
}

/// What [`prune`] did.
#[derive(Debug, Clone, Default)]
pub struct PruneReport {
    pub before: u64,
    pub after: u64,
    pub removed: u64,
}

/// Deletes the least recently used entries until the cache holds at most `max_size` bytes
/// (everything with `max_size` 0), and what dead builds left in `tmp/`. Waits for running builds to
/// finish with the cache when `wait`; otherwise returns `None` if one is running.
pub fn prune(root: &Path, max_size: u64, wait: bool) -> std::io::Result<Option<PruneReport>> {
    let dir = root.join(LAYOUT);
    if !dir.is_dir() {
        return Ok(Some(PruneReport::default()));
    }
    let guard = lock_file(&dir.join(".lock"))?;
    if wait {
        guard.lock()?;
    } else if guard.try_lock().is_err() {
        return Ok(None);
    }
    let now = SystemTime::now();
    // Whole entries: files of packages/ modules/ imports/, directories of runtime/.
    let mut entries: Vec<(SystemTime, u64, PathBuf, bool)> = Vec::new();
    for kind in ["packages", "modules", "imports"] {
        collect_files(&dir.join(kind), &mut entries)?;
    }
    if let Ok(read) = fs_err::read_dir(dir.join("runtime")) {
        for e in read.flatten() {
            let path = e.path();
            let meta = fs_err::metadata(&path)?;
            entries.push((meta.modified().unwrap_or(now), tree_size(&path), path, true));
        }
    }
    // No build holds the cache now: whatever is in tmp/ belongs to a build that died.
    if let Ok(read) = fs_err::read_dir(dir.join("tmp")) {
        for e in read.flatten() {
            remove(&e.path());
        }
    }
    let before: u64 = entries.iter().map(|e| e.1).sum();
    let mut size = before;
    let mut removed = 0;
    entries.sort_by_key(|e| e.0);
    for (_, bytes, path, _) in &entries {
        if size <= max_size {
            break;
        }
        remove(path);
        size -= bytes;
        removed += 1;
    }
    Ok(Some(PruneReport {
        before,
        after: size,
        removed,
    }))
}

/// After a build that added entries: prunes to `max_size` when the cache is over it, unless
/// another build is using the cache (the next build will).
pub fn enforce_cap(root: &Path, max_size: u64) -> std::io::Result<Option<PruneReport>> {
    if size(root) <= max_size {
        return Ok(None);
    }
    prune(root, max_size, false)
}

/// The cache's size in bytes.
pub fn size(root: &Path) -> u64 {
    tree_size(&root.join(LAYOUT))
}

fn collect_files(
    dir: &Path,
    out: &mut Vec<(SystemTime, u64, PathBuf, bool)>,
) -> std::io::Result<()> {
    let Ok(read) = fs_err::read_dir(dir) else {
        return Ok(());
    };
    for e in read.flatten() {
        let meta = e.metadata()?;
        if meta.is_dir() {
            collect_files(&e.path(), out)?;
        } else {
            out.push((
                meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                meta.len(),
                e.path(),
                false,
            ));
        }
    }
    Ok(())
}

fn tree_size(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    std::fs::read_dir(path)
        .map(|read| read.flatten().map(|e| tree_size(&e.path())).sum())
        .unwrap_or(0)
}

fn remove(path: &Path) {
    if path.is_dir() {
        let _ = std::fs::remove_dir_all(path);
    } else {
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("1500"), Ok(1500));
        assert_eq!(parse_size("2K"), Ok(2048));
        assert_eq!(parse_size("500M"), Ok(500 << 20));
        assert_eq!(parse_size("5GiB"), Ok(5 << 30));
        assert_eq!(parse_size("1.5G"), Ok(3 << 29));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5X").is_err());
    }

    #[test]
    fn prune_drops_least_recently_used_first() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = SharedCache::open(tmp.path()).unwrap();
        let old = "aa".repeat(32);
        let new = "bb".repeat(32);
        cache.put_module(&old, Some(&[0; 1000])).unwrap();
        cache.put_module(&new, Some(&[1; 1000])).unwrap();
        let aged = SystemTime::now() - Duration::from_secs(86_400);
        File::options()
            .write(true)
            .open(cache.entry("modules", &old, ".pyc"))
            .unwrap()
            .set_modified(aged)
            .unwrap();
        // A running build holds the cache: an impatient prune leaves it alone.
        assert!(prune(tmp.path(), 1500, false).unwrap().is_none());
        drop(cache);
        let report = prune(tmp.path(), 1500, false).unwrap().unwrap();
        assert_eq!(
            (report.before, report.after, report.removed),
            (2000, 1000, 1)
        );
        let cache = SharedCache::open(tmp.path()).unwrap();
        assert_eq!(cache.module(&old), None);
        assert_eq!(cache.module(&new), Some(Some(vec![1; 1000])));
    }
}
