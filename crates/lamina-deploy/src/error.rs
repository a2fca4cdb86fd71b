//! What can go wrong in a deploy, each with the hint that gets the user past it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("`terraform` was not found on PATH")]
    TerraformMissing,

    #[error("no AWS credentials were found. Tried, in order:\n{0}")]
    NoCredentials(String),

    #[error("the AWS credentials were refused: {0}")]
    BadCredentials(String),

    #[error(
        "stage `{stage}` may only be deployed to AWS account {expected}, but the credentials are for account {actual} ({arn})"
    )]
    WrongAccount {
        stage: String,
        expected: String,
        actual: String,
        arn: String,
    },

    #[error("no AWS region: lamina.toml's `[project] region` is empty")]
    NoRegion,

    #[error("account {account} is not bootstrapped in {region}: bucket `{bucket}` does not exist")]
    NotBootstrapped {
        account: String,
        region: String,
        bucket: String,
    },

    #[error("{operation} failed: {message}")]
    Aws { operation: String, message: String },

    #[error("Terraform failed ({command}; its whole output is in {}):\n{message}", .log.display())]
    Terraform {
        command: String,
        message: String,
        log: PathBuf,
    },

    #[error(
        "the state of stage `{}` is locked by {} ({}, since {}, {} ago; lock id {})",
        .0.stage, .0.who, .0.operation, .0.created, .0.age, .0.id
    )]
    Locked(Box<HeldLock>),

    #[error("interrupted: Terraform stopped cleanly and released the state lock")]
    Interrupted,

    #[error("the plan {what} data-bearing resources in protected stage `{stage}`:\n{resources}")]
    DataLoss {
        stage: String,
        what: &'static str,
        resources: String,
    },

    #[error("stage `{0}` is protected: `lamina destroy` refuses it")]
    Protected(String),

    #[error("no release `{0}` in this stage's history")]
    NoRelease(String),

    #[error("{0}")]
    Rollback(String),

    #[error("the frontend build failed (`{command}` in {}):\n{output}", .dir.display())]
    FrontendBuild {
        command: String,
        dir: PathBuf,
        output: String,
    },

    #[error("{0}")]
    Secret(String),

    #[error("{0}")]
    Manifest(String),

    #[error("{}: {source}", .path.display())]
    File {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(transparent)]
    Io(#[from] std::io::Error),

    #[error(transparent)]
    Build(Box<lamina_build::BuildError>),
}

impl From<lamina_build::BuildError> for DeployError {
    fn from(err: lamina_build::BuildError) -> Self {
        Self::Build(Box::new(err))
    }
}

/// Who holds a stage's state lock, since when.
#[derive(Debug)]
pub struct HeldLock {
    pub stage: String,
    pub who: String,
    pub operation: String,
    pub created: String,
    pub age: String,
    pub id: String,
}

impl DeployError {
    pub(crate) fn aws(operation: impl Into<String>, err: impl std::error::Error) -> Self {
        Self::Aws {
            operation: operation.into(),
            message: crate::aws::error_message(&err),
        }
    }

    pub(crate) fn file(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::File {
            path: path.into(),
            source,
        }
    }

    /// Whether the user can fix it (exit 1) rather than Lamina (exit 2).
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Self::Io(_))
    }

    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Self::TerraformMissing => {
                "install Terraform >= 1.10 (https://developer.hashicorp.com/terraform/install) and make sure `terraform` is on PATH".into()
            }
            Self::NoCredentials(_) => "sign in first: `aws sso login --profile NAME` and `export AWS_PROFILE=NAME`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (in CI, assume a role through OIDC)".into(),
            Self::BadCredentials(_) => "the credentials may have expired: sign in again (`aws sso login`), or check AWS_PROFILE".into(),
            Self::WrongAccount { .. } => "switch to the stage's account (AWS_PROFILE), or change `account_id` of the stage in lamina.toml".into(),
            Self::NoRegion => "set `region` in the `[project]` table of lamina.toml".into(),
            Self::NotBootstrapped { .. } => "run `lamina bootstrap --stage STAGE` once per account and region (`lamina deploy` does it by itself)".into(),
            Self::Locked(held) => format!(
                "if no other deploy of `{}` is running (CI, a colleague), release the lock with `lamina unlock --stage {}` (it runs `terraform force-unlock {}`)",
                held.stage, held.stage, held.id
            ),
            Self::Interrupted => "run the command again: the next run picks up where this one stopped".into(),
            Self::DataLoss { .. } => "if that is intended, pass `--allow-destroy` and confirm; otherwise change lamina.toml so the resources are kept".into(),
            Self::Protected(stage) => format!(
                "to destroy it anyway, pass `--force --confirm {stage}`, or set `protected = false` for the stage first"
            ),
            Self::NoRelease(_) => "`lamina releases --stage STAGE` lists them".into(),
            Self::Manifest(_) => "run `lamina build --stage STAGE` (deploy builds by itself)".into(),
            Self::FrontendBuild { .. } => "run the build in the frontend directory to see the error in full".into(),
            _ => return None,
        })
    }
}
