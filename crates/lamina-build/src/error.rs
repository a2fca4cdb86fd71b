//! What can go wrong in a build, each with the hint that helps.

use std::path::PathBuf;

use crate::archive::ArchiveError;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("cannot write `{}`: {source}", path.display())]
    Archive {
        path: PathBuf,
        #[source]
        source: ArchiveError,
    },
    #[error("uv was not found")]
    UvNotFound,
    #[error("{0}")]
    UvUnavailable(String),
    #[error(
        "`{package}` {version} was installed from a wheel for {tags}, which needs a newer glibc than Lambda's {runtime}"
    )]
    WheelTooNew {
        package: String,
        version: String,
        tags: String,
        /// `python3.11 has (x86_64, glibc 2.26 (Amazon Linux 2))`.
        runtime: String,
        available: Option<String>,
    },
    #[error("{0}")]
    Coverage(String),
    #[error("{0}")]
    ImportCheck(String),
    #[error("`{command}` failed:\n{stderr}")]
    Tool { command: String, stderr: String },
    #[error("`{package}` {version} has no wheel for Lambda's python{python} on {platform}")]
    NoWheel {
        package: String,
        version: String,
        platform: String,
        python: String,
        /// Platforms uv says the version has wheels for.
        available: Option<String>,
    },
    #[error("the lock of {what} is {state}: `{}`", path.display())]
    LockNotCurrent {
        what: String,
        path: PathBuf,
        /// `missing` or `out of date (...)`.
        state: String,
    },
    #[error("layer `{layer}`: no Python package in `{}`", path.display())]
    NoPackage { layer: String, path: PathBuf },
    #[error("{0}")]
    Limits(String),
    #[error("unknown stage `{0}`")]
    UnknownStage(String),
    #[error("`{0}`: profiling needs a Python {1} interpreter, and none was found")]
    NoInterpreter(String, String),
    #[error("profiling `{domain}` failed:\n{stderr}")]
    Profile { domain: String, stderr: String },
    #[error("{0}")]
    Budget(String),
    #[error("the manifest `{}` is unreadable: {message}", path.display())]
    Manifest { path: PathBuf, message: String },
}

impl BuildError {
    /// A line that tells the user what to do next.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::UvNotFound => Some(
                "install uv (https://docs.astral.sh/uv/), or point `LAMINA_UV` at it, or put it at \
                 `.lamina/tools/uv` in the project"
                    .into(),
            ),
            Self::NoWheel { package, available, .. } => Some(format!(
                "pin a version of `{package}` that publishes manylinux wheels for this platform{}, \
                 or build this layer in the Lambda build image with `lamina build --docker`",
                available
                    .as_ref()
                    .map(|a| format!(" (this one has wheels for {a})"))
                    .unwrap_or_default()
            )),
            Self::WheelTooNew { package, available, .. } => Some(format!(
                "pin a version of `{package}` with a wheel for an older glibc{}, or move the project to python 3.12 (Amazon Linux 2023, glibc 2.34)",
                available
                    .as_ref()
                    .map(|a| format!(" (this one has wheels for {a})"))
                    .unwrap_or_default()
            )),
            Self::UvUnavailable(_) => Some(
                "install uv (https://docs.astral.sh/uv/), or point `LAMINA_UV` at it".into(),
            ),
            Self::Coverage(_) => Some(
                "run `lamina lock --force`, and check that no two layers or domains share a lock file".into(),
            ),
            Self::ImportCheck(_) => Some(
                "a package the handler imports is missing from its locks: add it to the domain's or a layer's requirements".into(),
            ),
            Self::LockNotCurrent { .. } => {
                Some("run `lamina lock` and commit the lock files".into())
            }
            Self::NoPackage { .. } => Some(
                "a shared-code layer ships each directory with an `__init__.py` (except tests) \
                 as `python/<package>`"
                    .into(),
            ),
            Self::NoInterpreter(_, version) => Some(format!(
                "install Python {version} (`python{version}` on PATH), or pass `--python PATH`"
            )),
            _ => None,
        }
    }

    /// Errors the user can fix exit with 1; the others are Lamina's or the machine's (2).
    pub fn is_user_error(&self) -> bool {
        !matches!(
            self,
            Self::Io(_) | Self::Archive { .. } | Self::UvUnavailable(_)
        )
    }
}
