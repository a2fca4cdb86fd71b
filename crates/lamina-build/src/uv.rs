//! Running uv (and, with `--docker`, pip inside the Lambda build image).
//!
//! uv is found by `lamina_toolchain` (see its `find_uv`): `LAMINA_UV`, `uv` on `PATH`, beside
//! lamina, `<project>/.lamina/tools/uv`, then a pinned, verified uv that lamina downloads once
//! per user.

use std::path::{Path, PathBuf};
use std::process::Command;

use lamina_config::{Architecture, PythonVersion, WheelPlatform};

use crate::error::BuildError;

/// What every artifact is built for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub python: PythonVersion,
    pub architecture: Architecture,
    /// The wheels the runtime loads (see `lamina_config::WheelPlatform`).
    pub wheels: WheelPlatform,
}

impl Target {
    /// uv's `--python-platform` for locks, `x86_64-manylinux_2_28`.
    pub fn platform(&self) -> &str {
        &self.wheels.lock
    }

    /// Platform of the Lambda build image, for `docker run --platform`.
    fn docker_platform(&self) -> &'static str {
        match self.architecture {
            Architecture::X86_64 => "linux/amd64",
            Architecture::Arm64 => "linux/arm64",
        }
    }

    /// The public Lambda build image for this runtime and architecture.
    pub fn build_image(&self) -> String {
        format!(
            "public.ecr.aws/sam/build-{}:latest-{}",
            self.python.runtime(),
            match self.architecture {
                Architecture::X86_64 => "x86_64",
                Architecture::Arm64 => "arm64",
            }
        )
    }
}

#[derive(Debug, Clone)]
pub struct Uv {
    pub path: PathBuf,
}

impl Uv {
    /// `LAMINA_UV`, then `uv` on `PATH`, then `<root>/.lamina/tools/uv`.
    pub fn find(root: &Path) -> Result<Self, BuildError> {
        lamina_toolchain::find_uv(root)
            .map(|path| Self { path })
            .ok_or(BuildError::UvNotFound)
    }

    /// [`Uv::find`], or else the pinned uv, downloaded and verified once per user (saying so on
    /// stderr through `notice`).
    pub fn obtain(root: &Path, notice: &dyn Fn(&str)) -> Result<Self, BuildError> {
        lamina_toolchain::ensure_uv(root, notice)
            .map(|path| Self { path })
            .map_err(|e| BuildError::UvUnavailable(e.to_string()))
    }

    fn command(&self, cwd: &Path) -> Command {
        let mut cmd = Command::new(&self.path);
        cmd.current_dir(cwd)
            .env("UV_NO_PROGRESS", "1")
            // A project's own uv settings must not send the Lambda build elsewhere.
            .env_remove("UV_SYSTEM_PYTHON")
            .env_remove("VIRTUAL_ENV");
        cmd
    }

    /// `uv pip compile` of `input` (relative to `cwd`) for the target platform, with hashes.
    /// `previous` (a former lock) keeps its pins unless they no longer fit.
    pub fn compile(
        &self,
        cwd: &Path,
        input: &Path,
        constraints: &[PathBuf],
        previous: Option<&Path>,
        target: &Target,
        wheels_only: bool,
    ) -> Result<String, BuildError> {
        let tmp = tempfile_in(cwd)?;
        if let Some(previous) = previous {
            // uv prefers the pins already in its output file.
            fs_err::copy(cwd.join(previous), &tmp)?;
        }
        let mut cmd = self.command(cwd);
        cmd.args([
            "pip",
            "compile",
            "--quiet",
            "--generate-hashes",
            "--no-header",
        ])
        .arg("--python-platform")
        .arg(target.platform())
        .arg("--python-version")
        .arg(target.python.as_str())
        .arg("--output-file")
        .arg(&tmp);
        if wheels_only {
            cmd.args(["--only-binary", ":all:"]);
        }
        for c in constraints {
            cmd.arg("--constraint").arg(c);
        }
        cmd.arg(input);
        let result = run(&mut cmd).map_err(|e| no_wheel(e, target));
        let text = fs_err::read_to_string(&tmp);
        let _ = fs_err::remove_file(&tmp);
        result?;
        Ok(text?)
    }

    /// The pinned, hashed dependencies of a uv project from its `uv.lock`, without the project
    /// itself, its workspace members or its dev dependencies.
    pub fn export(&self, project: &Path) -> Result<String, BuildError> {
        let mut cmd = self.command(project);
        cmd.args([
            "export",
            "--quiet",
            "--frozen",
            "--no-dev",
            "--no-emit-project",
            "--no-emit-workspace",
            "--no-header",
            "--format",
            "requirements-txt",
        ]);
        run(&mut cmd)
    }

    /// Installs exactly the lock's files into `dir` (`--target`), for the target platform.
    ///
    /// On Amazon Linux 2 this takes two passes (see `lamina_config::WheelPlatform`): every
    /// package with a `manylinux_2_17` wheel from that, the rest for `manylinux_2_28`; the wheels
    /// of the second pass must still load on glibc 2.26, or the build fails naming them.
    pub fn install(
        &self,
        cwd: &Path,
        lock: &Path,
        dir: &Path,
        target: &Target,
    ) -> Result<(), BuildError> {
        let text = fs_err::read_to_string(lock)?;
        let mut todo: Vec<crate::lock::Pin> = crate::lock::pins(&text);
        let passes = &target.wheels.install;
        for (i, platform) in passes.iter().enumerate() {
            if todo.is_empty() {
                break;
            }
            let last = i + 1 == passes.len();
            let mut deferred = Vec::new();
            // Packages without a wheel for this platform wait for the next pass.
            loop {
                let part = lock.with_extension(format!("pass{i}.lock"));
                fs_err::write(
                    &part,
                    todo.iter().map(|p| p.text.as_str()).collect::<String>(),
                )?;
                let result = self.install_pass(cwd, &part, dir, target, platform);
                let _ = fs_err::remove_file(&part);
                match result {
                    Ok(()) => break,
                    Err(e) if !last => {
                        let Some((package, _)) = no_wheel_in(&e) else {
                            return Err(e);
                        };
                        let name = crate::lock::normalize(&package);
                        let before = todo.len();
                        deferred.extend(todo.iter().filter(|p| p.name == name).cloned());
                        todo.retain(|p| p.name != name);
                        if todo.len() == before {
                            return Err(e);
                        }
                        if todo.is_empty() {
                            break;
                        }
                    }
                    Err(e) => return Err(self.explain_no_wheel(e, target)),
                }
            }
            if i > 0 {
                check_wheels(dir, &todo, target)?;
            }
            todo = deferred;
        }
        // uv leaves an empty `.lock` in the target: it must not ship (finding 6 of issue 8).
        let _ = fs_err::remove_file(dir.join(".lock"));
        Ok(())
    }

    fn install_pass(
        &self,
        cwd: &Path,
        lock: &Path,
        dir: &Path,
        target: &Target,
        platform: &str,
    ) -> Result<(), BuildError> {
        let mut cmd = self.command(cwd);
        cmd.args(["pip", "install", "--quiet", "--no-deps", "--require-hashes"])
            .args(["--only-binary", ":all:"])
            .arg("--python-platform")
            .arg(platform)
            .arg("--python-version")
            .arg(target.python.as_str())
            .arg("--target")
            .arg(dir)
            .arg("--requirement")
            .arg(lock);
        // Every file is pinned by hash, so the wheels uv already has will do: try without the
        // network first (it saves a round trip per package), then with it.
        cmd.arg("--offline");
        if run(&mut cmd).is_ok() {
            return Ok(());
        }
        let args: Vec<_> = cmd
            .get_args()
            .filter(|a| *a != "--offline")
            .map(ToOwned::to_owned)
            .collect();
        let mut online = self.command(cwd);
        online.args(args);
        run(&mut online).map(|_| ())
    }

    /// A "no wheel" failure, with the wheels the index has for that version.
    fn explain_no_wheel(&self, err: BuildError, target: &Target) -> BuildError {
        no_wheel(err, target)
    }
}

/// The wheels installed by a later pass must load on the runtime's glibc: their `WHEEL` files
/// name their tags.
fn check_wheels(dir: &Path, pins: &[crate::lock::Pin], target: &Target) -> Result<(), BuildError> {
    for entry in fs_err::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".dist-info") else {
            continue;
        };
        let (dist, version) = stem.rsplit_once('-').unwrap_or((stem, ""));
        if !pins.iter().any(|p| p.name == crate::lock::normalize(dist)) {
            continue;
        }
        let wheel = fs_err::read_to_string(entry.path().join("WHEEL")).unwrap_or_default();
        let platforms: Vec<&str> = wheel
            .lines()
            .filter_map(|l| l.strip_prefix("Tag:"))
            .filter_map(|t| t.trim().rsplit('-').next())
            .collect();
        if !platforms.is_empty() && !target.wheels.accepts(&platforms) {
            return Err(BuildError::WheelTooNew {
                package: dist.replace('_', "-"),
                version: version.to_owned(),
                tags: platforms.join(", "),
                runtime: format!(
                    "{} has ({})",
                    target.python.runtime(),
                    target.wheels.describe()
                ),
                available: crate::index::wheels_of(&dist.replace('_', "-"), version),
            });
        }
    }
    Ok(())
}

/// Installs the lock with pip inside the public Lambda build image, so packages without a
/// wheel for the platform are built from source as Lambda would.
pub fn docker_install(lock: &Path, dir: &Path, target: &Target) -> Result<(), BuildError> {
    fs_err::create_dir_all(dir)?;
    let lock_dir = lock.parent().unwrap_or(Path::new("."));
    let lock_name = lock
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (uid, gid) = owner(dir);
    let script = format!(
        "pip install --quiet --no-deps --require-hashes --target /out -r /lock/{lock_name} && \
         chown -R {uid}:{gid} /out"
    );
    let mut cmd =
        Command::new(std::env::var_os("LAMINA_DOCKER").unwrap_or_else(|| "docker".into()));
    cmd.args(["run", "--rm", "--platform", target.docker_platform()])
        .arg("-v")
        .arg(format!("{}:/lock:ro", lock_dir.display()))
        .arg("-v")
        .arg(format!("{}:/out", dir.display()))
        .arg(target.build_image())
        .args(["/bin/sh", "-c", &script]);
    run(&mut cmd)?;
    Ok(())
}

#[cfg(unix)]
fn owner(dir: &Path) -> (u32, u32) {
    use std::os::unix::fs::MetadataExt;
    fs_err::metadata(dir).map_or((0, 0), |m| (m.uid(), m.gid()))
}

#[cfg(not(unix))]
fn owner(_: &Path) -> (u32, u32) {
    (0, 0)
}

/// Runs a command and returns its stdout, or its stderr as the error.
pub(crate) fn run(cmd: &mut Command) -> Result<String, BuildError> {
    let shown = format!(
        "{} {}",
        Path::new(cmd.get_program())
            .file_name()
            .unwrap_or_default()
            .to_string_lossy(),
        cmd.get_args()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let out = cmd.output().map_err(|e| BuildError::Tool {
        command: shown.clone(),
        stderr: e.to_string(),
    })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(BuildError::Tool {
            command: shown,
            stderr: String::from_utf8_lossy(&out.stderr).trim_end().to_owned(),
        })
    }
}

/// Turns uv's "has no wheels with a matching platform tag" into [`BuildError::NoWheel`].
fn no_wheel(err: BuildError, target: &Target) -> BuildError {
    let BuildError::Tool { stderr, .. } = &err else {
        return err;
    };
    let Some((package, version)) = parse_no_wheel(stderr) else {
        return err;
    };
    // uv names the platforms it found only sometimes: ask the index for the files.
    let available = stderr
        .split_once("on the following platforms: ")
        .map(|(_, rest)| rest.lines().next().unwrap_or("").trim().to_owned())
        .or_else(|| crate::index::wheels_of(&package, &version));
    BuildError::NoWheel {
        package,
        version,
        platform: target.wheels.describe(),
        python: target.python.as_str().to_owned(),
        available,
    }
}

/// The package and version of a "no wheel" failure of uv.
fn no_wheel_in(err: &BuildError) -> Option<(String, String)> {
    match err {
        BuildError::Tool { stderr, .. } => parse_no_wheel(stderr),
        _ => None,
    }
}

/// `Because foo==1.2 has no wheels with a matching platform tag` → (`foo`, `1.2`).
pub(crate) fn parse_no_wheel(stderr: &str) -> Option<(String, String)> {
    for marker in [
        " has no wheels with a matching",
        " has no usable wheels",
        " has no wheels",
    ] {
        if let Some(at) = stderr.find(marker) {
            let spec = stderr[..at].rsplit([' ', '\n', '`']).next()?;
            let (name, version) = spec.split_once("==")?;
            return Some((name.to_owned(), version.to_owned()));
        }
    }
    None
}

pub(crate) use lamina_toolchain::which;

fn tempfile_in(dir: &Path) -> std::io::Result<PathBuf> {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let _ = dir;
    Ok(std::env::temp_dir().join(format!("lamina-lock-{}-{n}.txt", std::process::id())))
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_uv_no_wheel_messages() {
        let msg = "  cause: Because intel-openmp==2024.2.1 has no wheels with a matching platform tag (e.g., `manylinux_2_17_aarch64`) and you require";
        assert_eq!(
            super::parse_no_wheel(msg),
            Some(("intel-openmp".into(), "2024.2.1".into()))
        );
        let msg = "Because mysqlclient==2.2.4 has no usable wheels and you require";
        assert_eq!(
            super::parse_no_wheel(msg),
            Some(("mysqlclient".into(), "2.2.4".into()))
        );
    }
}
