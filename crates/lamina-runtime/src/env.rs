//! The dev Python environment: `<root>/.lamina/dev/venv`, made and kept in sync with uv.
//!
//! It holds exactly the versions the build ships: every pin of the project's hash-pinned locks
//! (the layers' and the domains'), plus the project's dev tools (a uv project's `dev` group,
//! `requirements-dev.txt` files), resolved with the locks' pins as constraints. A sync removes
//! whatever else is installed, so what is declared stays and nothing else does.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// What the environment is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvSpec {
    /// The project root (where `.lamina/` lives).
    pub root: PathBuf,
    /// Where the venv goes: normally `<root>/.lamina/dev/venv`.
    pub venv: PathBuf,
    /// `3.11`.
    pub python: String,
    /// Hash-pinned locks the build ships (layers' and domains'): each pin is installed at its
    /// locked version.
    pub locks: Vec<PathBuf>,
    /// Requirements files of dev tools (`requirements-dev.txt`); `-r` includes are followed for
    /// the hash. Resolved within the locks' pins.
    pub requirements: Vec<PathBuf>,
    /// uv projects (`pyproject.toml` + `uv.lock`) whose `dev` dependency group is installed too.
    pub dev_projects: Vec<PathBuf>,
    /// Extra requirement specifiers (`uvicorn==0.40.0`).
    pub extra: Vec<String>,
    /// uv to use; `None` looks it up with [`find_uv`].
    pub uv: Option<PathBuf>,
}

/// A ready environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonEnv {
    pub venv: PathBuf,
    /// `<venv>/bin/python`.
    pub python: PathBuf,
    /// `<venv>/lib/pythonX.Y/site-packages`.
    pub site_packages: PathBuf,
    /// uv ran (the inputs changed or the venv was missing).
    pub updated: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    #[error(
        "uv not found: set LAMINA_UV, put `uv` on PATH, or place it at {0}/.lamina/tools/uv (install: `pip install uv` or see https://docs.astral.sh/uv/)"
    )]
    NoUv(PathBuf),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("`{command}` failed ({status}):\n{stderr}")]
    Uv {
        command: String,
        status: std::process::ExitStatus,
        stderr: String,
    },
}

pub use lamina_toolchain::find_uv;

/// The hash of everything the env is made from: Python version, extras, and every requirements file
/// with the files it includes (`-r`/`-c`), by content.
fn inputs_hash(spec: &EnvSpec) -> Result<String, EnvError> {
    let mut h = Sha256::new();
    h.update(b"lamina-env-v2\0");
    h.update(spec.python.as_bytes());
    h.update(b"\0");
    let project_files = spec
        .dev_projects
        .iter()
        .flat_map(|d| [d.join("pyproject.toml"), d.join("uv.lock")]);
    for path in spec.locks.iter().cloned().chain(project_files) {
        h.update(path.to_string_lossy().as_bytes());
        h.update(b"\0");
        h.update(std::fs::read(&path).unwrap_or_default());
        h.update(b"\0");
    }
    for e in &spec.extra {
        h.update(e.as_bytes());
        h.update(b"\0");
    }
    let mut seen = Vec::new();
    let mut todo: Vec<PathBuf> = spec.requirements.clone();
    while let Some(p) = todo.pop() {
        if seen.contains(&p) {
            continue;
        }
        let text = std::fs::read_to_string(&p).map_err(|source| EnvError::Read {
            path: p.clone(),
            source,
        })?;
        h.update(p.to_string_lossy().as_bytes());
        h.update(b"\0");
        h.update(text.as_bytes());
        h.update(b"\0");
        for line in text.lines() {
            let line = line.trim();
            let inc = ["-r ", "-c ", "--requirement ", "--constraint "]
                .iter()
                .find_map(|p| line.strip_prefix(p))
                .or_else(|| line.strip_prefix("-r").filter(|r| !r.is_empty()));
            if let Some(inc) = inc {
                if let Some(dir) = p.parent() {
                    todo.push(dir.join(inc.trim()));
                }
            }
        }
        seen.push(p);
    }
    Ok(format!("{:x}", h.finalize()))
}

fn site_packages(venv: &Path, python: &str) -> PathBuf {
    let lib = venv.join("lib");
    let want = lib.join(format!("python{python}/site-packages"));
    if want.is_dir() {
        return want;
    }
    std::fs::read_dir(&lib)
        .ok()
        .and_then(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path().join("site-packages"))
                .find(|p| p.is_dir())
        })
        .unwrap_or(want)
}

async fn run(cmd: &mut tokio::process::Command) -> Result<(), EnvError> {
    let shown = format!("{:?}", cmd.as_std());
    let out = cmd
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await?;
    if out.status.success() {
        Ok(())
    } else {
        Err(EnvError::Uv {
            command: shown,
            status: out.status,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }
}

/// Creates or updates the venv when its inputs changed (hash stored in `<venv>/.lamina-inputs`):
/// `uv venv`, then `uv pip compile` of all requirements into `<venv>/.lamina-lock.txt`, then
/// `uv pip sync` of that lock (so removed packages go too). A no-op costs one hash of the inputs.
pub async fn ensure_env(spec: &EnvSpec) -> Result<PythonEnv, EnvError> {
    let hash = inputs_hash(spec)?;
    let python = spec.venv.join("bin/python");
    let stamp = spec.venv.join(".lamina-inputs");
    if python.exists() && std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == hash) {
        return Ok(PythonEnv {
            site_packages: site_packages(&spec.venv, &spec.python),
            venv: spec.venv.clone(),
            python,
            updated: false,
        });
    }
    let uv = spec
        .uv
        .clone()
        .or_else(|| find_uv(&spec.root))
        .ok_or_else(|| EnvError::NoUv(spec.root.clone()))?;
    if !python.exists() {
        if let Some(parent) = spec.venv.parent() {
            std::fs::create_dir_all(parent)?;
        }
        run(tokio::process::Command::new(&uv)
            .args(["venv", "--quiet", "--allow-existing", "--python"])
            .arg(&spec.python)
            .arg(&spec.venv))
        .await?;
    }
    let _ = std::fs::remove_file(&stamp);
    // The locked versions, without hashes (the dev venv is for this machine, whose wheels the
    // Lambda locks' hashes may not cover), one line per package.
    let mut pinned =
        String::from("# The versions `lamina build` ships, from the project's locks.\n");
    let mut seen = std::collections::BTreeSet::new();
    for lock in &spec.locks {
        let text = std::fs::read_to_string(lock).map_err(|source| EnvError::Read {
            path: lock.clone(),
            source,
        })?;
        for line in text.lines() {
            if line.starts_with([' ', '\t', '#']) || line.trim().is_empty() {
                continue;
            }
            let requirement = line.trim_end_matches('\\').trim();
            let name = requirement
                .split(|c: char| "=<>!~;[ ".contains(c))
                .next()
                .unwrap_or(requirement)
                .to_ascii_lowercase()
                .replace(['_', '.'], "-");
            if seen.insert(name) {
                pinned.push_str(requirement);
                pinned.push('\n');
            }
        }
    }
    let pinned_path = spec.venv.join(".lamina-pinned.txt");
    std::fs::write(&pinned_path, &pinned)?;
    let lock = spec.venv.join(".lamina-lock.txt");
    let mut compile = tokio::process::Command::new(&uv);
    compile
        .args(["pip", "compile", "--quiet", "--no-header", "--python"])
        .arg(&python)
        .arg("-o")
        .arg(&lock)
        .arg(&pinned_path)
        .arg("--constraint")
        .arg(&pinned_path);
    for r in &spec.requirements {
        compile.arg(r);
    }
    // A uv project's dev group, pinned by its uv.lock.
    for (i, dir) in spec.dev_projects.iter().enumerate() {
        let out = tokio::process::Command::new(&uv)
            .args([
                "export",
                "--quiet",
                "--frozen",
                "--only-dev",
                "--no-hashes",
                "--no-emit-project",
                "--no-emit-workspace",
                "--no-header",
                "--format",
                "requirements-txt",
            ])
            .current_dir(dir)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output()
            .await?;
        if !out.status.success() {
            return Err(EnvError::Uv {
                command: format!("uv export --only-dev (in {})", dir.display()),
                status: out.status,
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            });
        }
        let group = spec.venv.join(format!(".lamina-dev-group-{i}.txt"));
        std::fs::write(&group, &out.stdout)?;
        compile.arg(group);
    }
    let extra = spec.venv.join(".lamina-extra.txt");
    std::fs::write(&extra, spec.extra.join("\n") + "\n")?;
    compile.arg(&extra);
    compile.current_dir(&spec.root);
    run(&mut compile).await?;
    run(tokio::process::Command::new(&uv)
        .args(["pip", "sync", "--quiet", "--python"])
        .arg(&python)
        .arg(&lock)
        .current_dir(&spec.root))
    .await?;
    std::fs::write(&stamp, &hash)?;
    Ok(PythonEnv {
        site_packages: site_packages(&spec.venv, &spec.python),
        venv: spec.venv.clone(),
        python,
        updated: true,
    })
}
