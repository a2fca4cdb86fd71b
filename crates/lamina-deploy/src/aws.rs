//! The AWS SDK, set up once per command: region from lamina.toml, credentials from the standard
//! chain, endpoint overrides from the environment (`AWS_ENDPOINT_URL`, as every AWS tool reads it,
//! which is how a deploy is tested offline against moto), and TLS through rustls with ring.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::{Builder, tls};

use crate::error::DeployError;

/// Clients of one account and region, and who is calling.
#[derive(Debug, Clone)]
pub struct Aws {
    pub config: SdkConfig,
    pub region: String,
    pub identity: Identity,
    pub s3: aws_sdk_s3::Client,
    /// The endpoint override in effect, if any (tests, LocalStack-like setups).
    pub endpoint_url: Option<String>,
}

/// The caller, as STS sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    pub account: String,
    pub arn: String,
}

impl Aws {
    /// Loads the SDK configuration for `region` and asks STS who the caller is, so that missing
    /// or expired credentials fail here, once, with the chain that was tried.
    pub async fn connect(region: &str) -> Result<Self, DeployError> {
        if region.is_empty() {
            return Err(DeployError::NoRegion);
        }
        let http = Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let config = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .http_client(http)
            .load()
            .await;
        let sts = aws_sdk_sts::Client::new(&config);
        let identity = match sts.get_caller_identity().send().await {
            Ok(out) => Identity {
                account: out.account().unwrap_or_default().to_owned(),
                arn: out.arn().unwrap_or_default().to_owned(),
            },
            Err(err) => return Err(credentials_error(&err)),
        };
        let endpoint_url = config.endpoint_url().map(str::to_owned).or_else(|| {
            std::env::var("AWS_ENDPOINT_URL_S3")
                .ok()
                .filter(|v| !v.is_empty())
        });
        let s3 = s3_client(&config, endpoint_url.is_some());
        Ok(Self {
            region: region.to_owned(),
            identity,
            s3,
            endpoint_url,
            config,
        })
    }

    /// An object's bytes, or `None` when the key does not exist.
    pub async fn get_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<Vec<u8>>, DeployError> {
        let out = match self.s3.get_object().bucket(bucket).key(key).send().await {
            Ok(out) => out,
            Err(err)
                if error_status(&err) == Some(404)
                    || error_code(&err).as_deref() == Some("NoSuchKey") =>
            {
                return Ok(None);
            }
            Err(err) => {
                return Err(DeployError::aws(
                    format!("GetObject s3://{bucket}/{key}"),
                    err,
                ));
            }
        };
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| DeployError::aws(format!("GetObject s3://{bucket}/{key}"), e))?;
        Ok(Some(bytes.to_vec()))
    }

    /// Deletes objects (a version each when given), a thousand per request; returns how many.
    pub async fn delete_objects(
        &self,
        bucket: &str,
        objects: &[(String, Option<String>)],
    ) -> Result<usize, DeployError> {
        use aws_sdk_s3::types::{Delete, ObjectIdentifier};
        for chunk in objects.chunks(1000) {
            let ids = chunk
                .iter()
                .map(|(key, version)| {
                    ObjectIdentifier::builder()
                        .key(key)
                        .set_version_id(version.clone())
                        .build()
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| DeployError::aws("DeleteObjects", e))?;
            let delete = Delete::builder()
                .set_objects(Some(ids))
                .quiet(true)
                .build()
                .map_err(|e| DeployError::aws("DeleteObjects", e))?;
            self.s3
                .delete_objects()
                .bucket(bucket)
                .delete(delete)
                .send()
                .await
                .map_err(|e| DeployError::aws(format!("DeleteObjects s3://{bucket}"), e))?;
        }
        Ok(objects.len())
    }

    pub fn ssm(&self) -> aws_sdk_ssm::Client {
        aws_sdk_ssm::Client::new(&self.config)
    }

    pub fn lambda(&self) -> aws_sdk_lambda::Client {
        aws_sdk_lambda::Client::new(&self.config)
    }

    pub fn cloudfront(&self) -> aws_sdk_cloudfront::Client {
        aws_sdk_cloudfront::Client::new(&self.config)
    }
}

/// Path-style addressing when an endpoint override is set (moto, MinIO, LocalStack serve one
/// host), or when asked for as the AWS CLI's `AWS_S3_USE_PATH_STYLE` does.
fn s3_client(config: &SdkConfig, overridden: bool) -> aws_sdk_s3::Client {
    let path_style = overridden
        || std::env::var("AWS_S3_USE_PATH_STYLE").is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    let conf = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(path_style)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// Turns STS's failure into "no credentials" (with the providers tried) or "refused".
fn credentials_error<E: std::error::Error + 'static>(err: &E) -> DeployError {
    let text = format!(
        "{}",
        aws_smithy_types::error::display::DisplayErrorContext(err)
    );
    if let Some(i) = text.find("no credentials found in chain") {
        // "...Attempted:\n  Environment: ...\n  Profile: ...", up to the Debug dump.
        let tried: Vec<String> = text[i..]
            .lines()
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .map(|l| {
                let l = l.trim();
                let cut = l.find(" (DispatchFailure").unwrap_or(l.len());
                let l = &l[..cut];
                let (name, why) = l.split_once(": ").unwrap_or((l, ""));
                let why = why
                    .trim_start_matches("the credential provider was not enabled")
                    .trim_start_matches(": ");
                format!(
                    "  - {}{}",
                    provider_label(name),
                    if why.is_empty() {
                        String::new()
                    } else {
                        format!(": {why}")
                    }
                )
            })
            .collect();
        let tried = if tried.is_empty() {
            "  - the default chain (environment, profile, web identity, ECS, EC2 metadata)".into()
        } else {
            tried.join("\n")
        };
        return DeployError::NoCredentials(tried);
    }
    DeployError::BadCredentials(error_message(err))
}

fn provider_label(name: &str) -> String {
    match name {
        "Environment" => "environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)".into(),
        "Profile" => format!(
            "shared config and credentials files (~/.aws/config, ~/.aws/credentials; profile `{}`)",
            std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".into())
        ),
        "WebIdentityToken" => {
            "web identity token (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)".into()
        }
        "EcsContainer" => "ECS container credentials".into(),
        "Ec2InstanceMetadata" => "EC2 instance metadata (IMDS)".into(),
        other => other.into(),
    }
}

/// A one-line message of an SDK error: the service's code and message when there is one, else
/// the error chain without the SDK's Debug dumps.
pub fn error_message(err: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    let joined = parts.join(": ");
    // "service error: unhandled error (NoSuchBucket)" says less than the code itself.
    joined.replace("service error: ", "")
}

/// The service error code of an SDK error (`NoSuchKey`, `ParameterNotFound`...), when it has one.
pub fn error_code<E, R>(err: &aws_sdk_s3::error::SdkError<E, R>) -> Option<String>
where
    E: aws_sdk_s3::error::ProvideErrorMetadata,
{
    match err {
        aws_sdk_s3::error::SdkError::ServiceError(e) => e.err().code().map(str::to_owned),
        _ => None,
    }
}

/// The HTTP status of an SDK error's response, when there was one.
pub fn error_status<E>(
    err: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> Option<u16> {
    err.raw_response().map(|r| r.status().as_u16())
}
