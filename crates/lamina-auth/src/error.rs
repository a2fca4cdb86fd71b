//! Errors of the local pool that reach the caller (the CLI or `lamina dev`).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot read or write the local Cognito's keys in `{}`", .path.display())]
    Keys {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not an RSA private key in PKCS#8 PEM: {message}", .path.display())]
    BadKey { path: PathBuf, message: String },
    #[error("cannot generate an RSA key: {0}")]
    KeyGeneration(String),
    #[error("unknown test user `{0}`")]
    UnknownUser(String),
    #[error("unknown scope `{0}`")]
    UnknownScope(String),
    #[error("the issuer `{0}` is not an `http://host:port/path` URL")]
    BadIssuer(String),
    #[error("the local Cognito stopped: {0}")]
    Serve(#[from] std::io::Error),
}

impl AuthError {
    /// A hint for people, where there is one worth giving.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::BadKey { path, .. } => Some(format!(
                "delete `{}` and a new key is made (tokens signed with the old one stop verifying)",
                path.display()
            )),
            _ => None,
        }
    }
}
