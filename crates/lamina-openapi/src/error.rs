use std::path::PathBuf;

/// Why `lamina openapi` could not produce the document or the client.
#[derive(Debug, thiserror::Error)]
pub enum OpenApiError {
    /// The domain's handler module raised while being imported, or holds no FastAPI app.
    #[error("domain `{domain}` failed to import: {last_line}")]
    DomainImport {
        domain: String,
        /// The traceback's last line: `ModuleNotFoundError: No module named 'stripe'`.
        last_line: String,
        /// Everything the import wrote to stderr, for `-v`.
        traceback: String,
    },
    #[error("domain `{domain}` did not answer within {seconds} s while being imported")]
    DomainTimeout { domain: String, seconds: u64 },
    #[error("domain `{domain}`'s OpenAPI document is not usable: {why}")]
    BadDocument { domain: String, why: String },
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("`node` is not on PATH: the TypeScript client generator runs on Node.js")]
    NoNode,
    #[error("installing the client generator (npm ci in {}) failed:\n{output}", dir.display())]
    GeneratorInstall { dir: PathBuf, output: String },
    #[error("the client generator (openapi-typescript) failed:\n{output}")]
    Generator { output: String },
    #[error(
        "lamina.toml has no [frontend] table, so there is no frontend to write the client into"
    )]
    NoFrontend,
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl OpenApiError {
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::DomainImport { domain, .. } => Some(format!(
                "`lamina openapi -v` prints the whole traceback; `lamina dev` would fail the same way on `{domain}`'s first request"
            )),
            Self::NoNode => Some("install Node.js 20 or newer (it also runs the frontend)".into()),
            Self::NoFrontend => Some(
                "add a [frontend] table, or write only the document with `--out DIR --no-client`"
                    .into(),
            ),
            Self::GeneratorInstall { .. } => {
                Some("npm needs the registry once; later runs use .lamina/tools".into())
            }
            _ => None,
        }
    }

    /// The user can fix it (their code, config or machine): exit 1. Otherwise Lamina's fault.
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Self::Generator { .. })
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}
