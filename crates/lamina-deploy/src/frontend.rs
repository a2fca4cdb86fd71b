//! The frontend's build for a stage: dependencies installed when the lock file changed, the stage's
//! env written where Vite reads it and passed to the build, and the build command run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::error::DeployError;
use crate::fingerprint::sha256_hex;

/// A frontend directory and how it builds.
#[derive(Debug, Clone)]
pub struct Frontend {
    pub dir: PathBuf,
    pub build: String,
    pub out_dir: PathBuf,
}

impl Frontend {
    pub fn from_config(config: &lamina_config::LoadedConfig) -> Option<Self> {
        let fe = config.config.frontend.as_ref()?;
        let dir = config.root.join(fe.path.get_ref());
        Some(Self {
            out_dir: dir.join(&fe.out_dir),
            build: fe.build.clone(),
            dir,
        })
    }

    /// `npm ci` when `node_modules` is missing or the lock file changed since the last install
    /// (a stamp inside `node_modules` records its hash): a fresh clone deploys without a manual
    /// step, and an unchanged one spends no time here.
    pub async fn install_dependencies(&self) -> Result<bool, DeployError> {
        let lock = self.dir.join("package-lock.json");
        if !self.dir.join("package.json").is_file() {
            return Ok(false);
        }
        let lock_hash = match fs_err::read(&lock) {
            Ok(bytes) => sha256_hex(&bytes),
            Err(_) => String::new(),
        };
        let stamp = self.dir.join("node_modules/.lamina-lock-sha256");
        if fs_err::read_to_string(&stamp).is_ok_and(|s| s.trim() == lock_hash) {
            return Ok(false);
        }
        let args: &[&str] = if lock_hash.is_empty() {
            &["install", "--no-audit", "--no-fund", "--loglevel=error"]
        } else {
            &["ci", "--no-audit", "--no-fund", "--loglevel=error"]
        };
        let output = tokio::process::Command::new("npm")
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|e| DeployError::FrontendBuild {
                command: format!("npm {}", args.join(" ")),
                dir: self.dir.clone(),
                output: format!("cannot run npm: {e}"),
            })?;
        if !output.status.success() {
            return Err(DeployError::FrontendBuild {
                command: format!("npm {}", args.join(" ")),
                dir: self.dir.clone(),
                output: tail(&output),
            });
        }
        fs_err::write(&stamp, &lock_hash)?;
        Ok(true)
    }

    /// Writes `.env.<stage>.local` (git-ignored; for `vite --mode <stage>` and for reading), then
    /// runs the build command with the same variables in its environment, where Vite gives them
    /// precedence over every `.env` file.
    pub async fn build(
        &self,
        stage: &str,
        env: &BTreeMap<String, String>,
    ) -> Result<(), DeployError> {
        let env_file = self.dir.join(lamina_config::frontend_env_file(stage));
        write_atomic(&env_file, lamina_config::render_dotenv(env).as_bytes())?;
        let output = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(&self.build)
            .current_dir(&self.dir)
            .envs(env)
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|e| DeployError::FrontendBuild {
                command: self.build.clone(),
                dir: self.dir.clone(),
                output: e.to_string(),
            })?;
        if !output.status.success() {
            return Err(DeployError::FrontendBuild {
                command: self.build.clone(),
                dir: self.dir.clone(),
                output: tail(&output),
            });
        }
        if !self.out_dir.join("index.html").is_file() {
            return Err(DeployError::FrontendBuild {
                command: self.build.clone(),
                dir: self.dir.clone(),
                output: format!(
                    "it wrote no {}: check `out_dir` of [frontend] in lamina.toml",
                    self.out_dir.join("index.html").display()
                ),
            });
        }
        Ok(())
    }
}

/// The last lines of a failed command's output.
fn tail(output: &std::process::Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// Writes through a temporary sibling and a rename.
pub(crate) fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), DeployError> {
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent)?;
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = path.with_file_name(format!(".{name}.lamina-tmp-{}", std::process::id()));
    fs_err::write(&tmp, contents)?;
    fs_err::rename(&tmp, path).map_err(|e| {
        let _ = fs_err::remove_file(&tmp);
        DeployError::from(e)
    })
}
