//! `lamina secret set | list | rm`: SSM Parameter Store SecureStrings under `/<project>/<stage>/`.
//! Values go from stdin straight to SSM; they never enter Terraform (its modules only turn names
//! into ARNs and env vars), tfvars, plans, logs or Lamina's output.

use aws_sdk_ssm::types::{ParameterStringFilter, ParameterType, Tag};

use crate::aws::Aws;
use crate::error::DeployError;

/// A parameter as `list` shows it: never its value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SecretInfo {
    /// Short name (`stripe-api-key`).
    pub name: String,
    /// Full SSM name (`/rides/dev/stripe-api-key`).
    pub parameter: String,
    pub version: i64,
    /// RFC 3339, UTC.
    pub last_modified: Option<String>,
    pub last_modified_by: Option<String>,
    /// Declared by a domain of lamina.toml (an undeclared one is read by no function).
    pub declared: bool,
    /// Domains that read it.
    pub domains: Vec<String>,
}

/// Writes `value` as a new version of the SecureString `parameter` (KMS key: SSM's AWS managed
/// key unless `kms_key_id` is given).
pub async fn set(
    aws: &Aws,
    parameter: &str,
    value: &str,
    kms_key_id: Option<&str>,
    tags: &[(&str, &str)],
) -> Result<i64, DeployError> {
    if value.is_empty() {
        return Err(DeployError::Secret(
            "the value is empty: nothing was read from stdin".into(),
        ));
    }
    let ssm = aws.ssm();
    let out = ssm
        .put_parameter()
        .name(parameter)
        .value(value)
        .r#type(ParameterType::SecureString)
        .set_key_id(kms_key_id.map(str::to_owned))
        .overwrite(true)
        .send()
        .await
        .map_err(|e| DeployError::aws(format!("PutParameter {parameter}"), e))?;
    let tags: Vec<Tag> = tags
        .iter()
        .filter_map(|(k, v)| Tag::builder().key(*k).value(*v).build().ok())
        .collect();
    ssm.add_tags_to_resource()
        .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Parameter)
        .resource_id(parameter)
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(|e| DeployError::aws(format!("AddTagsToResource {parameter}"), e))?;
    Ok(out.version())
}

/// Parameters under `/<project>/<stage>/`, with names, versions and dates.
pub async fn list(
    aws: &Aws,
    path: &str,
) -> Result<Vec<(String, i64, Option<String>, Option<String>)>, DeployError> {
    let ssm = aws.ssm();
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = ssm
            .describe_parameters()
            .parameter_filters(
                ParameterStringFilter::builder()
                    .key("Path")
                    .option("Recursive")
                    .values(path.trim_end_matches('/'))
                    .build()
                    .map_err(|e| DeployError::aws("DescribeParameters", e))?,
            )
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| DeployError::aws(format!("DescribeParameters {path}"), e))?;
        for p in page.parameters() {
            let modified = p.last_modified_date().map(|d| {
                humantime::format_rfc3339_seconds(
                    std::time::UNIX_EPOCH + std::time::Duration::from_secs(d.secs().max(0) as u64),
                )
                .to_string()
            });
            out.push((
                p.name().unwrap_or_default().to_owned(),
                p.version(),
                modified,
                p.last_modified_user().map(str::to_owned),
            ));
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    out.sort();
    Ok(out)
}

/// Deletes a parameter; false when it did not exist.
pub async fn remove(aws: &Aws, parameter: &str) -> Result<bool, DeployError> {
    match aws.ssm().delete_parameter().name(parameter).send().await {
        Ok(_) => Ok(true),
        Err(err) => {
            let not_found = err
                .as_service_error()
                .is_some_and(|e| e.is_parameter_not_found());
            if not_found {
                Ok(false)
            } else {
                Err(DeployError::aws(
                    format!("DeleteParameter {parameter}"),
                    err,
                ))
            }
        }
    }
}
