//! What can go wrong reading logs, and whose fault it is.

#[derive(Debug, thiserror::Error)]
pub enum LogsError {
    #[error("no log group `{group}` for domain `{domain}` in stage `{stage}`")]
    NoLogGroup {
        domain: String,
        stage: String,
        group: String,
    },
    #[error(
        "`--since {0}` is neither a duration (`30s`, `10m`, `2h`, `1d`) nor a time (`2026-12-01T10:00:00Z`)"
    )]
    BadSince(String),
    #[error("CloudWatch Logs refused `{action}` on `{group}`: {message}")]
    Service {
        action: &'static str,
        group: String,
        message: String,
    },
}

impl LogsError {
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::NoLogGroup { stage, .. } => Some(format!(
                "the group is made when the stage is deployed (`lamina deploy --stage {stage}`); check the stage and the AWS account"
            )),
            Self::BadSince(_) => Some("for example `--since 10m` or `--since 2026-12-01T10:00:00Z`".into()),
            Self::Service { .. } => Some(
                "the caller needs logs:FilterLogEvents on the stage's log groups (the CI roles of `lamina ci github` have it)".into(),
            ),
        }
    }

    /// Every variant is something the user can fix (deploy, flags, permissions).
    pub fn is_user_error(&self) -> bool {
        true
    }
}
