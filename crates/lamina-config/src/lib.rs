//! Reads, validates and resolves `lamina.toml`, with errors that point at the line.
//!
//! `lamina.toml` is the only place a user states a fact about the project. Every other part of
//! Lamina (scaffold, build, dev, deploy) reads it through [`LoadedConfig`], and the route table
//! that both the local gateway and Terraform use comes from [`LoadedConfig::routes`].

mod diagnostic;
mod frontend;
mod local;
mod locks;
mod model;
mod names;
mod platform;
mod routes;
pub mod schema;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};

pub use diagnostic::{Diagnostic, Severity, Source, did_you_mean};
pub use frontend::{
    FrontendEndpoints, frontend_env, frontend_env_file, frontend_scopes, render_dotenv,
};
pub use local::{LOCAL_FILE, LocalEnv, local_env, parse_dotenv};
pub use locks::{LockKind, LockPath};
pub use model::*;
pub use names::{check_domain_name, check_project_name};
pub use platform::{WheelPlatform, check_platform_override, manylinux_glibc};
pub use routes::{METHODS, Route, RouteAuth, check_route_path, full_scope, parse_route_key};
pub use toml::Spanned;

/// The name of the config file.
pub const FILE_NAME: &str = "lamina.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no `{FILE_NAME}` in `{}` or any parent directory", .0.display())]
    NotFound(PathBuf),
    #[error(transparent)]
    Read(#[from] std::io::Error),
    #[error("{0}")]
    Invalid(Diagnostics),
}

impl ConfigError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::NotFound(_) => {
                Some("create a project with `lamina new NAME`, or pass `--config PATH`")
            }
            _ => None,
        }
    }
}

/// A list of diagnostics that prints one after the other.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        let errors = self.0.iter().filter(|d| d.is_error()).count();
        if errors > 1 {
            write!(f, "\n{errors} errors in {FILE_NAME}")?;
        }
        Ok(())
    }
}

/// A parsed and validated `lamina.toml`, with the directory it lives in.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub source: Source,
    /// Directory of `lamina.toml`: every path in it is relative to this.
    pub root: PathBuf,
    pub config: Config,
    /// Problems worth saying that do not stop a command.
    pub warnings: Vec<Diagnostic>,
}

impl LoadedConfig {
    /// Finds `lamina.toml` in `start` or the nearest parent directory, like cargo finds `Cargo.toml`.
    pub fn find(start: &Path) -> Result<PathBuf, ConfigError> {
        start
            .ancestors()
            .map(|dir| dir.join(FILE_NAME))
            .find(|candidate| candidate.is_file())
            .ok_or_else(|| ConfigError::NotFound(start.to_path_buf()))
    }

    /// Reads, parses and validates a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = fs_err::read_to_string(path)?;
        let root = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        // Diagnostics name the file as the user would: relative to where they stand when possible.
        let shown = std::env::current_dir()
            .ok()
            .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
            .unwrap_or_else(|| path.to_path_buf());
        Self::parse(&text, &shown, &root)
    }

    /// Parses and validates config text; `path` is only used in diagnostics and `root` to check paths.
    pub fn parse(text: &str, path: &Path, root: &Path) -> Result<Self, ConfigError> {
        let source = Source::new(path, text);
        let config: Config = toml::from_str(text).map_err(|e| {
            ConfigError::Invalid(Diagnostics(vec![validate::from_toml_error(&source, &e)]))
        })?;
        let mut loaded = Self {
            source,
            root: root.to_path_buf(),
            config,
            warnings: Vec::new(),
        };
        let (errors, warnings): (Vec<_>, Vec<_>) = validate::validate(&loaded)
            .into_iter()
            .partition(Diagnostic::is_error);
        if !errors.is_empty() {
            return Err(ConfigError::Invalid(Diagnostics(errors)));
        }
        loaded.warnings = warnings;
        Ok(loaded)
    }

    pub fn project_name(&self) -> &str {
        self.config.project.name.get_ref()
    }

    /// The wheels this project's functions load: from the runtime, or `[project] platform`.
    pub fn wheel_platform(&self) -> WheelPlatform {
        let project = &self.config.project;
        WheelPlatform::new(
            project.python,
            project.architecture,
            project.platform.as_ref().map(|p| p.get_ref().as_str()),
        )
    }

    /// The path `lamina build --profile` probes: the domain's `probe_path`, or `<prefix>/health`.
    pub fn probe_path(&self, domain: &str) -> String {
        self.config
            .domains
            .get(domain)
            .and_then(|d| d.probe_path.as_ref())
            .map_or_else(
                || format!("{}/health", self.prefix(domain)),
                |p| p.get_ref().clone(),
            )
    }

    /// The route prefix of a domain: its `prefix`, or `/<name>`.
    pub fn prefix(&self, domain: &str) -> String {
        self.config
            .domains
            .get(domain)
            .and_then(|d| d.prefix.as_ref())
            .map_or_else(|| format!("/{domain}"), |p| p.get_ref().clone())
    }

    pub fn stage_names(&self) -> impl Iterator<Item = &str> {
        self.config.stages.keys().map(|k| k.get_ref().as_str())
    }

    /// Resolves `--stage NAME`, with a "did you mean" when it is not in the file.
    pub fn stage(&self, name: &str) -> Result<StageView<'_>, Box<Diagnostic>> {
        match self.config.stages.get_key_value(name) {
            Some((key, stage)) => Ok(StageView {
                name: key.get_ref(),
                stage,
                config: self,
            }),
            None => {
                let names: Vec<&str> = self.stage_names().collect();
                let hint = match did_you_mean(name, names.iter().copied()) {
                    Some(close) => format!(
                        "did you mean `{close}`? Stages in this file: {}",
                        names.join(", ")
                    ),
                    None => format!("stages in this file: {}", names.join(", ")),
                };
                Err(Box::new(
                    Diagnostic::error(format!("unknown stage `{name}`"))
                        .in_file(&self.source)
                        .hint(hint),
                ))
            }
        }
    }
}

/// A stage and the values its domains resolve to.
#[derive(Debug, Clone, Copy)]
pub struct StageView<'a> {
    pub name: &'a str,
    pub stage: &'a Stage,
    pub config: &'a LoadedConfig,
}

/// A domain's settings for one stage, with stage defaults applied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DomainSettings {
    pub name: String,
    pub path: PathBuf,
    pub prefix: String,
    pub memory: u32,
    pub timeout: u32,
    pub reserved_concurrency: Option<u32>,
    pub layers: Vec<String>,
    /// The function's environment: Lamina's own variables, then the user's.
    pub env: std::collections::BTreeMap<String, String>,
    /// Full SSM parameter names (`/rides/dev/stripe-api-key`).
    pub secrets: Vec<String>,
}

/// Lambda's defaults when neither the domain nor the stage says.
pub const DEFAULT_MEMORY: u32 = 512;
pub const DEFAULT_TIMEOUT: u32 = 10;

impl StageView<'_> {
    pub fn domain(&self, name: &str) -> Option<DomainSettings> {
        let (key, domain) = self.config.config.domains.get_key_value(name)?;
        let project = self.config.project_name();
        let name = key.get_ref().clone();
        let prefix = self.config.prefix(&name);
        let secrets: Vec<String> = domain
            .secrets
            .iter()
            .map(|s| format!("/{project}/{}/{}", self.name, s.get_ref()))
            .collect();
        let mut env = std::collections::BTreeMap::new();
        env.insert("POWERTOOLS_SERVICE_NAME".into(), name.clone());
        env.insert("POWERTOOLS_METRICS_NAMESPACE".into(), project.to_owned());
        env.insert(
            "POWERTOOLS_LOG_LEVEL".into(),
            self.stage.log_level.as_str().into(),
        );
        env.insert("LAMINA_PROJECT".into(), project.to_owned());
        env.insert("LAMINA_STAGE".into(), self.name.to_owned());
        env.insert("LAMINA_ROUTE_PREFIX".into(), prefix.clone());
        for (secret, full) in domain.secrets.iter().zip(&secrets) {
            env.insert(
                format!("LAMINA_SECRET_{}", env_suffix(secret.get_ref())),
                full.clone(),
            );
        }
        // The domain's values, then the stage's own. (Local-only values, `env_file` and
        // `lamina.local.toml`, are not here: see [`local_env`].)
        env.extend(self.user_env(&name));
        Some(DomainSettings {
            path: self.config.root.join(domain.path.get_ref()),
            prefix,
            memory: domain
                .memory
                .as_ref()
                .or(self.stage.memory.as_ref())
                .map_or(DEFAULT_MEMORY, |m| *m.get_ref()),
            timeout: domain
                .timeout
                .as_ref()
                .or(self.stage.timeout.as_ref())
                .map_or(DEFAULT_TIMEOUT, |t| *t.get_ref()),
            reserved_concurrency: domain.reserved_concurrency.as_ref().map(|c| *c.get_ref()),
            layers: domain.layers.iter().map(|l| l.get_ref().clone()).collect(),
            env,
            secrets,
            name,
        })
    }

    /// The environment a domain's `env` table gives it in this stage (`{stage}` replaced): what
    /// Terraform adds to Lamina's own variables, which it computes itself.
    pub fn user_env(&self, domain: &str) -> std::collections::BTreeMap<String, String> {
        let Some(d) = self.config.config.domains.get(domain) else {
            return std::collections::BTreeMap::new();
        };
        let stage_env = d.stages.get(self.name).map(|s| &s.env);
        d.env
            .iter()
            .chain(stage_env.into_iter().flatten())
            .map(|(k, v)| (k.get_ref().clone(), v.replace("{stage}", self.name)))
            .collect()
    }

    /// Every domain of the project, resolved for this stage, in name order.
    pub fn domains(&self) -> Vec<DomainSettings> {
        self.config
            .config
            .domains
            .keys()
            .filter_map(|k| self.domain(k.get_ref()))
            .collect()
    }
}

/// `stripe-api-key` → `STRIPE_API_KEY`.
pub(crate) fn env_suffix(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}
