use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CiError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("{}: the block `{block}` is opened but never closed", .path.display())]
    Unclosed { path: PathBuf, block: String },
    #[error("out of date with lamina.toml: {}", .0.join(", "))]
    Stale(Vec<String>),
}

impl CiError {
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Unclosed { .. } => Some(
                "restore the `# <<< lamina:NAME` line, or delete the file and run `lamina ci github` again".into(),
            ),
            Self::Stale(_) => Some("run `lamina ci github` and commit the result".into()),
            Self::Io(_) => None,
        }
    }

    pub fn is_user_error(&self) -> bool {
        !matches!(self, Self::Io(_))
    }
}
