//! Safe slimming of installed dependencies, and `.pyc` precompilation.
//!
//! Every rule is on by default and has a name that `lamina build --keep NAME` turns off. Rules
//! go by file type, not by folder name, except for test suites: deleting `docs/` folders broke
//! botocore, which imports `botocore.docs` at run time. `*.dist-info` directories are never
//! touched except for their `RECORD`, which is rewritten to list only the files that remain, so
//! `importlib.metadata` (versions, entry points) keeps working.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::BuildError;
use crate::hash::{FileEntry, walk};

/// A slimming rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// `__pycache__/`, `*.pyc`, `*.pyo` that the installer or a wheel left, and tool caches
    /// (`.pytest_cache/`, `.mypy_cache/`, `.ruff_cache/`).
    Pycache,
    /// Dependencies' test suites: directories named `tests` or `test`.
    Tests,
    /// Documentation files: `*.md`, `*.rst`, `*.markdown` outside `*.dist-info`.
    Docs,
    /// Type stubs (`*.pyi`): type checkers need them, the runtime does not.
    Stubs,
    /// C and Cython sources and headers shipped in wheels: `*.c`, `*.h`, `*.cpp`, `*.hpp`,
    /// `*.pyx`, `*.pxd`, `*.pxi`.
    CSources,
    /// Console scripts in `bin/`: Lambda can't run them, and their first line names the build
    /// machine's interpreter, which would make the layer differ from machine to machine.
    Scripts,
    /// boto3, botocore and s3transfer, which the Lambda runtime provides, unless a requirements
    /// file names them itself; and packages that only they need.
    AwsSdk,
}

impl Rule {
    pub const ALL: [Self; 7] = [
        Self::Pycache,
        Self::Tests,
        Self::Docs,
        Self::Stubs,
        Self::CSources,
        Self::Scripts,
        Self::AwsSdk,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Pycache => "pycache",
            Self::Tests => "tests",
            Self::Docs => "docs",
            Self::Stubs => "stubs",
            Self::CSources => "c-sources",
            Self::Scripts => "scripts",
            Self::AwsSdk => "aws-sdk",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == s)
    }
}

/// The slimming rules in force and whether to precompile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlimOptions {
    pub rules: BTreeSet<Rule>,
    /// Precompile unchecked-hash `.pyc`; only done when an interpreter of the target version exists.
    pub compile: bool,
}

impl Default for SlimOptions {
    fn default() -> Self {
        Self {
            rules: Rule::ALL.into_iter().collect(),
            compile: true,
        }
    }
}

impl SlimOptions {
    pub fn has(&self, rule: Rule) -> bool {
        self.rules.contains(&rule)
    }

    /// A stable description, part of every artifact's inputs.
    pub fn key(&self, compiling: bool) -> String {
        let rules: Vec<&str> = self.rules.iter().map(|r| r.name()).collect();
        format!("rules={};pyc={compiling}", rules.join(","))
    }
}

const DOC_EXT: [&str; 3] = ["md", "rst", "markdown"];
const C_EXT: [&str; 7] = ["c", "h", "cpp", "hpp", "pyx", "pxd", "pxi"];
const CACHE_DIRS: [&str; 4] = ["__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"];

/// Whether a dependency file (relative to `python/`) is dropped. `dir` paths end with `/`.
pub fn drops(options: &SlimOptions, rel: &str, dir: bool) -> bool {
    let parts: Vec<&str> = rel.trim_end_matches('/').split('/').collect();
    if parts.first().is_some_and(|p| p.ends_with(".dist-info")) {
        return false;
    }
    if options.has(Rule::Scripts) && parts.first() == Some(&"bin") {
        return true;
    }
    if options.has(Rule::Pycache) && parts.iter().any(|p| CACHE_DIRS.contains(p)) {
        return true;
    }
    if options.has(Rule::Tests)
        && parts.iter().any(|p| *p == "tests" || *p == "test")
        && (dir || parts.len() > 1)
    {
        return true;
    }
    if dir {
        return false;
    }
    let ext = rel.rsplit_once('.').map_or("", |(_, e)| e);
    (options.has(Rule::Pycache) && (ext == "pyc" || ext == "pyo"))
        || (options.has(Rule::Docs) && DOC_EXT.contains(&ext))
        || (options.has(Rule::Stubs) && ext == "pyi")
        || (options.has(Rule::CSources) && C_EXT.contains(&ext))
}

/// Deletes what the rules drop from an installed tree, rewrites each `RECORD` to match, and
/// returns the remaining files.
pub fn slim_tree(dir: &Path, options: &SlimOptions) -> Result<Vec<FileEntry>, BuildError> {
    let all = walk(dir, &|_, _| false)?;
    let mut kept = BTreeSet::new();
    for f in &all {
        if drops(options, &f.rel, false) || ancestors_dropped(options, &f.rel) {
            fs_err::remove_file(&f.path)?;
        } else {
            kept.insert(f.rel.clone());
        }
    }
    for rel in kept.iter().filter(|r| r.ends_with(".dist-info/RECORD")) {
        let path = dir.join(rel);
        let text = fs_err::read_to_string(&path)?;
        let lines: Vec<&str> = text
            .lines()
            .filter(|line| {
                let file = record_path(line);
                normalize_rel(file).is_some_and(|f| kept.contains(&f))
            })
            .collect();
        fs_err::write(&path, lines.join("\n") + "\n")?;
    }
    remove_empty_dirs(dir)?;
    Ok(walk(dir, &|_, _| false)?)
}

fn ancestors_dropped(options: &SlimOptions, rel: &str) -> bool {
    let mut at = 0;
    while let Some(i) = rel[at..].find('/') {
        at += i + 1;
        if drops(options, &rel[..at], true) {
            return true;
        }
    }
    false
}

/// The path field of a `RECORD` line (CSV; paths with commas are quoted).
pub(crate) fn record_path(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix('"') {
        rest.split('"').next().unwrap_or("")
    } else {
        line.split(',').next().unwrap_or("")
    }
}

/// `a/../b` → `b`; paths that leave the root → `None`.
pub(crate) fn normalize_rel(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn remove_empty_dirs(dir: &Path) -> std::io::Result<bool> {
    let mut empty = true;
    for entry in fs_err::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            if remove_empty_dirs(&entry.path())? {
                fs_err::remove_dir(entry.path())?;
            } else {
                empty = false;
            }
        } else {
            empty = false;
        }
    }
    Ok(empty)
}

/// A Python interpreter of the target version, for `.pyc` and `--profile`.
#[derive(Debug, Clone)]
pub struct Interpreter {
    pub path: PathBuf,
}

impl Interpreter {
    /// `LAMINA_PYTHON`, then `python3.X` on `PATH`, then `python3` when it is 3.X. A
    /// `python3.X` found by name is trusted without running it, so a no-op build spawns nothing.
    pub fn find(version: &str) -> Option<Self> {
        let explicit = std::env::var_os("LAMINA_PYTHON").map(PathBuf::from);
        if explicit.is_none()
            && let Some(path) = crate::uv::which(&format!("python{version}"))
        {
            return Some(Self { path });
        }
        let candidates = explicit.into_iter().chain(crate::uv::which("python3"));
        for path in candidates {
            let out = Command::new(&path)
                .args([
                    "-I",
                    "-c",
                    "import sys; print('%d.%d' % sys.version_info[:2])",
                ])
                .output();
            let matches = out.is_ok_and(|out| {
                out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == version
            });
            if matches {
                return Some(Self { path });
            }
        }
        None
    }

    /// Compiles every `.py` under `dir` to unchecked-hash `.pyc` in `__pycache__`, recording
    /// `prefix/<relative path>` as the source file name (what tracebacks show on Lambda).
    ///
    /// Unchecked-hash `.pyc` are valid whatever the files' mtimes, which Lambda's extraction
    /// changes; timestamp `.pyc` would all be stale there and Python would recompile every module
    /// on every cold start, since it can't write to `/var/task` or `/opt`.
    /// The interpreter itself rather than a launcher (a pyenv shim costs 100 ms per start).
    pub fn resolved(&self) -> Self {
        let out = Command::new(&self.path)
            .args(["-I", "-c", "import sys; print(sys.executable)"])
            .output();
        match out {
            Ok(out) if out.status.success() => {
                let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
                if path.is_file() {
                    Self { path }
                } else {
                    self.clone()
                }
            }
            _ => self.clone(),
        }
    }

    /// Compiles each `(source, pyc, name recorded in the pyc)` to an unchecked-hash `.pyc`, as
    /// `compileall` does for each file of a directory (the same `py_compile` call, so the same
    /// bytes), on `workers` processes. Returns whether each one compiled: a source that does not
    /// (Python 2 files in some wheels) gets no `.pyc`, as with `compileall`.
    pub fn compile_files(
        &self,
        jobs: &[(PathBuf, PathBuf, String)],
        scratch: &Path,
        workers: usize,
    ) -> Result<Vec<bool>, BuildError> {
        const SCRIPT: &str = r#"
import json, py_compile, sys
MODE = py_compile.PycInvalidationMode.UNCHECKED_HASH
def one(job):
    try:
        py_compile.compile(job[0], cfile=job[1], dfile=job[2], doraise=True, invalidation_mode=MODE)
        return True
    except Exception:
        return False
if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    workers = int(sys.argv[2])
    if workers > 1 and len(jobs) > 1:
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(workers) as pool:
            done = list(pool.map(one, jobs, chunksize=max(1, len(jobs) // (workers * 8))))
    else:
        done = [one(job) for job in jobs]
    with open(sys.argv[3], "w") as f:
        json.dump(done, f)
"#;
        if jobs.is_empty() {
            return Ok(Vec::new());
        }
        fs_err::create_dir_all(scratch)?;
        let input = scratch.join("compile-jobs.json");
        let output = scratch.join("compile-done.json");
        let list: Vec<(String, String, &str)> = jobs
            .iter()
            .map(|(s, c, d)| {
                (
                    s.to_string_lossy().into_owned(),
                    c.to_string_lossy().into_owned(),
                    d.as_str(),
                )
            })
            .collect();
        fs_err::write(
            &input,
            serde_json::to_vec(&list).map_err(std::io::Error::other)?,
        )?;
        let script = scratch.join("lamina_compile.py");
        fs_err::write(&script, SCRIPT)?;
        let mut cmd = Command::new(&self.path);
        cmd.arg("-I")
            .arg(&script)
            .arg(&input)
            .arg(workers.max(1).min(jobs.len()).to_string())
            .arg(&output)
            .env("PYTHONHASHSEED", "0")
            .env_remove("SOURCE_DATE_EPOCH");
        crate::uv::run(&mut cmd)?;
        let done: Vec<bool> =
            serde_json::from_slice(&fs_err::read(&output)?).map_err(std::io::Error::other)?;
        if done.len() != jobs.len() {
            return Err(std::io::Error::other("the compiler answered for too few files").into());
        }
        Ok(done)
    }

    pub fn compile(&self, dir: &Path, prefix: &str, workers: usize) -> Result<(), BuildError> {
        const SCRIPT: &str = "import compileall, py_compile, sys\n\
            compileall.compile_dir(sys.argv[1], quiet=2, stripdir=sys.argv[1], prependdir=sys.argv[2],\n\
            \x20   workers=int(sys.argv[3]), invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)\n";
        let mut cmd = Command::new(&self.path);
        cmd.args(["-I", "-c", SCRIPT])
            .arg(dir)
            .arg(prefix)
            .arg(workers.to_string())
            .env("PYTHONHASHSEED", "0")
            .env_remove("SOURCE_DATE_EPOCH");
        crate::uv::run(&mut cmd)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_go_by_file_type() {
        let o = SlimOptions::default();
        assert!(drops(&o, "pkg/__pycache__/", true));
        assert!(drops(&o, "pkg/tests/", true));
        assert!(drops(&o, "pkg/README.md", false));
        assert!(drops(&o, "pkg/x.pyi", false));
        assert!(drops(&o, "bin/", true));
        // Folders named docs are code in some packages (botocore.docs).
        assert!(!drops(&o, "botocore/docs/", true));
        assert!(!drops(&o, "botocore/docs/method.py", false));
        assert!(!drops(&o, "pkg-1.0.dist-info/licenses/LICENSE.md", false));
        assert!(!drops(&o, "pkg/py.typed", false));
        let none = SlimOptions {
            rules: BTreeSet::new(),
            compile: false,
        };
        assert!(!drops(&none, "pkg/tests/", true));
    }

    #[test]
    fn record_paths() {
        assert_eq!(normalize_rel("../../bin/x"), None);
        assert_eq!(normalize_rel("a/./b"), Some("a/b".into()));
        assert_eq!(record_path("\"a,b.py\",sha256=x,1"), "a,b.py");
    }
}
