//! Releases: one record per successful apply, kept in the state bucket beside the state, so that
//! every machine (a laptop, CI) sees the same history. A record holds what a rollback needs to
//! redeploy it through Terraform (the variables, which name the artifacts by S3 key) and what a
//! no-op deploy compares (the fingerprints).

use std::collections::BTreeMap;

use aws_sdk_s3::primitives::ByteStream;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::aws::Aws;
use crate::error::DeployError;
use crate::names;

/// Version of the record's format; a reader refuses a newer one.
pub const RELEASE_FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Release {
    pub format: u32,
    /// 1, 2, 3... per stage.
    pub id: u64,
    pub project: String,
    pub stage: String,
    /// RFC 3339, UTC.
    pub time: String,
    /// `deploy` or `rollback`.
    pub kind: String,
    /// For a rollback: the release it went back to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_of: Option<u64>,
    /// The git commit deployed, and whether the work tree had uncommitted changes.
    pub commit: Option<String>,
    pub dirty: bool,
    /// Who deployed: the caller's ARN.
    pub deployer: String,
    pub account: String,
    pub lamina_version: String,
    /// Functions by domain: artifact and the version Lambda published for it.
    pub functions: BTreeMap<String, ReleasedArtifact>,
    /// Layers by name: artifact and layer version ARN.
    pub layers: BTreeMap<String, ReleasedArtifact>,
    pub fingerprint: Fingerprint,
    /// The Terraform variables applied (`lamina.auto.tfvars.json`): no secret is ever in them.
    pub tfvars: Value,
    /// Non-sensitive outputs after the apply (API URL, ids): the frontend's env comes from them.
    pub outputs: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frontend: Option<FrontendRelease>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleasedArtifact {
    pub sha256: String,
    pub s3_key: String,
    /// A function's published version number, a layer's version ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// What decides that a deploy has nothing to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// sha256 of the variables' bytes.
    pub tfvars: String,
    /// sha256 of every Terraform file of the stage root and its modules, and the lock file.
    pub terraform: String,
    /// sha256 of the frontend's sources and env; `None` without a frontend.
    pub frontend: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontendRelease {
    /// The built site as a zip in the artifact bucket: what a rollback puts back.
    pub bundle_key: String,
    pub bundle_sha256: String,
    pub files: usize,
    /// The `VITE_*` variables it was built with.
    pub env: BTreeMap<String, String>,
}

impl Release {
    pub fn label(&self) -> String {
        let commit = self
            .commit
            .as_deref()
            .map(|c| {
                format!(
                    "{}{}",
                    &c[..c.len().min(10)],
                    if self.dirty { "+dirty" } else { "" }
                )
            })
            .unwrap_or_else(|| "no commit".into());
        format!("#{} ({commit}, {})", self.id, self.time)
    }
}

/// The stage's current release, if any.
pub async fn current(
    aws: &Aws,
    state_bucket: &str,
    project: &str,
    stage: &str,
) -> Result<Option<Release>, DeployError> {
    get(
        aws,
        state_bucket,
        &names::current_release_key(project, stage),
    )
    .await
}

/// One release by id.
pub async fn by_id(
    aws: &Aws,
    state_bucket: &str,
    project: &str,
    stage: &str,
    id: u64,
) -> Result<Option<Release>, DeployError> {
    get(aws, state_bucket, &names::release_key(project, stage, id)).await
}

/// Every release of the stage, oldest first.
pub async fn list(
    aws: &Aws,
    state_bucket: &str,
    project: &str,
    stage: &str,
) -> Result<Vec<Release>, DeployError> {
    let prefix = names::releases_prefix(project, stage);
    let mut keys = Vec::new();
    let mut token = None;
    loop {
        let out = aws
            .s3
            .list_objects_v2()
            .bucket(state_bucket)
            .prefix(&prefix)
            .set_continuation_token(token)
            .send()
            .await
            .map_err(|e| {
                DeployError::aws(format!("ListObjectsV2 s3://{state_bucket}/{prefix}"), e)
            })?;
        keys.extend(
            out.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_owned)),
        );
        token = out.next_continuation_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    keys.sort();
    let mut releases = Vec::new();
    for key in keys {
        if let Some(r) = get(aws, state_bucket, &key).await? {
            releases.push(r);
        }
    }
    Ok(releases)
}

/// Writes the record, then makes it the stage's current release.
pub async fn record(aws: &Aws, state_bucket: &str, release: &Release) -> Result<(), DeployError> {
    let mut body = serde_json::to_vec_pretty(release).expect("a release serialises");
    body.push(b'\n');
    for key in [
        names::release_key(&release.project, &release.stage, release.id),
        names::current_release_key(&release.project, &release.stage),
    ] {
        aws.s3
            .put_object()
            .bucket(state_bucket)
            .key(&key)
            .content_type("application/json")
            .body(ByteStream::from(body.clone()))
            .send()
            .await
            .map_err(|e| DeployError::aws(format!("PutObject s3://{state_bucket}/{key}"), e))?;
    }
    Ok(())
}

/// Forgets the current release (after a destroy), so the next deploy runs Terraform.
pub async fn clear_current(
    aws: &Aws,
    state_bucket: &str,
    project: &str,
    stage: &str,
) -> Result<(), DeployError> {
    let key = names::current_release_key(project, stage);
    aws.s3
        .delete_object()
        .bucket(state_bucket)
        .key(&key)
        .send()
        .await
        .map_err(|e| DeployError::aws(format!("DeleteObject s3://{state_bucket}/{key}"), e))?;
    Ok(())
}

async fn get(aws: &Aws, bucket: &str, key: &str) -> Result<Option<Release>, DeployError> {
    let Some(bytes) = aws.get_object(bucket, key).await? else {
        return Ok(None);
    };
    let release: Release = serde_json::from_slice(&bytes).map_err(|e| DeployError::Aws {
        operation: format!("reading s3://{bucket}/{key}"),
        message: format!("not a release record: {e}"),
    })?;
    if release.format > RELEASE_FORMAT {
        return Err(DeployError::Aws {
            operation: format!("reading s3://{bucket}/{key}"),
            message: format!(
                "release format {} is newer than this lamina understands ({RELEASE_FORMAT}): upgrade lamina",
                release.format
            ),
        });
    }
    Ok(Some(release))
}

/// The git commit of `dir` and whether its tree is dirty; `None` outside a repository.
pub fn git_state(dir: &std::path::Path) -> (Option<String>, bool) {
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let Some(commit) = run(&["rev-parse", "HEAD"]) else {
        return (None, false);
    };
    let dirty =
        run(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    (Some(commit), dirty)
}

/// Now, as RFC 3339 in UTC.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}
