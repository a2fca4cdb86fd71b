//! A stage and an authenticated session for it: the paths every command works in, the AWS
//! account it is allowed to touch, and Terraform initialised against the stage's state.

use std::path::{Path, PathBuf};

use lamina_config::{LoadedConfig, StageView};

use crate::aws::Aws;
use crate::bootstrap::Buckets;
use crate::error::DeployError;
use crate::fingerprint::{self, sha256_hex};
use crate::frontend::write_atomic;
use crate::interrupt::Interrupt;
use crate::terraform::Terraform;

/// A stage of a project, and where its files are.
#[derive(Debug, Clone)]
pub struct Stage<'a> {
    pub config: &'a LoadedConfig,
    pub view: StageView<'a>,
    /// `infra/terraform/<stage>`.
    pub stage_root: PathBuf,
    /// `infra/terraform/modules`.
    pub modules: PathBuf,
    /// `.lamina/deploy/<stage>`: backend settings, plan file, Terraform's log.
    pub work: PathBuf,
}

impl<'a> Stage<'a> {
    pub fn new(config: &'a LoadedConfig, name: &str) -> Result<Self, DeployError> {
        let view = config
            .stage(name)
            .map_err(|d| DeployError::Manifest(d.to_string()))?;
        let infra = config.root.join("infra/terraform");
        let stage_root = infra.join(view.name);
        if !stage_root.join("main.tf").is_file() {
            return Err(DeployError::Manifest(format!(
                "stage `{}` has no Terraform root: {} is missing (lamina writes one from its template when `infra/terraform/modules` exists)",
                view.name,
                stage_root.display()
            )));
        }
        Ok(Self {
            work: config.root.join(".lamina/deploy").join(view.name),
            modules: infra.join("modules"),
            stage_root,
            view,
            config,
        })
    }

    pub fn name(&self) -> &str {
        self.view.name
    }

    pub fn project(&self) -> &str {
        self.config.project_name()
    }

    pub fn region(&self) -> &str {
        self.config.config.project.region.get_ref()
    }

    pub fn protected(&self) -> bool {
        self.view.stage.protected
    }

    pub fn log_path(&self) -> PathBuf {
        self.work.join("terraform.log")
    }

    pub fn plan_path(&self) -> PathBuf {
        self.work.join("tfplan")
    }

    pub fn terraform(&self) -> Result<Terraform, DeployError> {
        Terraform::new(&self.stage_root, &self.log_path())
    }

    /// Hash of every Terraform file the stage applies.
    pub fn terraform_fingerprint(&self) -> Result<String, DeployError> {
        fingerprint::terraform_files(&self.stage_root, &self.modules)
    }
}

/// Credentials checked against the stage's account, and the account's buckets.
#[derive(Debug, Clone)]
pub struct Session {
    pub aws: Aws,
    pub buckets: Buckets,
}

impl Session {
    /// Connects and refuses an account other than the stage's `account_id`.
    pub async fn connect(stage: &Stage<'_>) -> Result<Self, DeployError> {
        let aws = Aws::connect(stage.region()).await?;
        if let Some(expected) = &stage.view.stage.account_id {
            if *expected.get_ref() != aws.identity.account {
                return Err(DeployError::WrongAccount {
                    stage: stage.name().to_owned(),
                    expected: expected.get_ref().clone(),
                    actual: aws.identity.account.clone(),
                    arn: aws.identity.arn.clone(),
                });
            }
        }
        let buckets = Buckets::of(&aws);
        Ok(Self { aws, buckets })
    }

    /// The S3 backend's settings for `terraform init -backend-config=FILE`. With an endpoint
    /// override in the environment (moto, LocalStack, MinIO), the backend is pointed at it too:
    /// unlike the provider, it does not read `AWS_ENDPOINT_URL` by itself.
    pub fn backend_config(&self, stage: &Stage<'_>) -> String {
        let mut text = format!(
            "# Written by lamina for `terraform init`; do not edit.\nbucket = \"{}\"\nregion = \"{}\"\n",
            self.buckets.state,
            stage.region()
        );
        if let Some(url) = &self.aws.endpoint_url {
            let s3 = std::env::var("AWS_ENDPOINT_URL_S3").unwrap_or_else(|_| url.clone());
            let sts = std::env::var("AWS_ENDPOINT_URL_STS").unwrap_or_else(|_| url.clone());
            text.push_str(&format!(
                "endpoints = {{\n  s3  = \"{s3}\"\n  sts = \"{sts}\"\n}}\nuse_path_style = true\n"
            ));
        }
        text
    }

    /// `terraform init` when the backend settings or any Terraform file changed since the last
    /// one (or it never ran): Terraform needs it for a new module or provider, and a skipped init
    /// saves a second or more on every deploy.
    pub async fn init(
        &self,
        stage: &Stage<'_>,
        terraform: &Terraform,
        interrupt: &Interrupt,
    ) -> Result<bool, DeployError> {
        let backend = self.backend_config(stage);
        let backend_file = stage.work.join("backend.hcl");
        let stamp_file = stage.work.join("init.sha256");
        let stamp = sha256_hex(
            format!(
                "{backend}\n{}\n{}",
                stage.terraform_fingerprint()?,
                std::env::var("TF_CLI_CONFIG_FILE").unwrap_or_default()
            )
            .as_bytes(),
        );
        let initialised = stage
            .stage_root
            .join(".terraform/terraform.tfstate")
            .is_file();
        if initialised && fs_err::read_to_string(&stamp_file).is_ok_and(|s| s.trim() == stamp) {
            return Ok(false);
        }
        write_atomic(&backend_file, backend.as_bytes())?;
        terraform.init(&backend_file, interrupt).await?;
        write_atomic(&stamp_file, stamp.as_bytes())?;
        Ok(true)
    }
}

/// Checks that every key is in the artifact bucket (before Terraform points Lambda at it).
pub(crate) async fn require_artifacts(
    session: &Session,
    keys: &[String],
) -> Result<Vec<String>, DeployError> {
    let mut missing = Vec::new();
    for key in keys {
        if !crate::upload::object_exists(&session.aws, &session.buckets.artifacts, key).await? {
            missing.push(key.clone());
        }
    }
    Ok(missing)
}

/// Restricts a file to its owner (plans hold every variable and attribute in clear text).
pub(crate) fn owner_only(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    let _ = fs_err::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}
