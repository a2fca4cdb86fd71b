//! `lamina bootstrap`: the two buckets Terraform itself needs before it can run, made once per
//! account and region with the AWS SDK (Terraform cannot create the bucket that holds its own
//! state). Running it again re-applies every setting, so it also repairs a bucket someone changed.

use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketLocationConstraint,
    BucketVersioningStatus, CreateBucketConfiguration, ExpirationStatus, LifecycleRule,
    LifecycleRuleFilter, NoncurrentVersionExpiration, ObjectOwnership, OwnershipControls,
    OwnershipControlsRule, PublicAccessBlockConfiguration, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    Tag, Tagging,
};

use crate::aws::{Aws, error_status};
use crate::error::DeployError;
use crate::names;

/// The two buckets of an account and region.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Buckets {
    pub state: String,
    pub artifacts: String,
}

impl Buckets {
    pub fn of(aws: &Aws) -> Self {
        Self {
            state: names::state_bucket(&aws.identity.account, &aws.region),
            artifacts: names::artifact_bucket(&aws.identity.account, &aws.region),
        }
    }
}

/// What bootstrap found and did, per bucket.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BootstrapReport {
    pub buckets: Buckets,
    /// Buckets created by this run (the others existed and had their settings re-applied).
    pub created: Vec<String>,
}

/// Whether both buckets exist (and are reachable with these credentials).
pub async fn is_bootstrapped(aws: &Aws, buckets: &Buckets) -> Result<bool, DeployError> {
    Ok(bucket_exists(aws, &buckets.state).await? && bucket_exists(aws, &buckets.artifacts).await?)
}

/// Fails with [`DeployError::NotBootstrapped`] when a bucket is missing.
pub async fn require(aws: &Aws, buckets: &Buckets) -> Result<(), DeployError> {
    for bucket in [&buckets.state, &buckets.artifacts] {
        if !bucket_exists(aws, bucket).await? {
            return Err(DeployError::NotBootstrapped {
                account: aws.identity.account.clone(),
                region: aws.region.clone(),
                bucket: bucket.clone(),
            });
        }
    }
    Ok(())
}

/// Creates what is missing and (re-)applies the hardening of both buckets.
pub async fn bootstrap(aws: &Aws, buckets: &Buckets) -> Result<BootstrapReport, DeployError> {
    let mut created = Vec::new();
    for (bucket, noncurrent_days) in [(&buckets.state, 90), (&buckets.artifacts, 30)] {
        if !bucket_exists(aws, bucket).await? {
            create(aws, bucket).await?;
            created.push(bucket.clone());
        }
        harden(aws, bucket, noncurrent_days).await?;
    }
    Ok(BootstrapReport {
        buckets: buckets.clone(),
        created,
    })
}

async fn bucket_exists(aws: &Aws, bucket: &str) -> Result<bool, DeployError> {
    match aws.s3.head_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(true),
        Err(err) => match error_status(&err) {
            Some(404) => Ok(false),
            Some(403) => Err(DeployError::Aws {
                operation: format!("HeadBucket {bucket}"),
                message: "access denied: the bucket exists but belongs to another account, or these credentials may not read it".into(),
            }),
            _ => Err(DeployError::aws(format!("HeadBucket {bucket}"), err)),
        },
    }
}

async fn create(aws: &Aws, bucket: &str) -> Result<(), DeployError> {
    let mut request = aws.s3.create_bucket().bucket(bucket);
    // us-east-1 is the one region that refuses an explicit location constraint.
    if aws.region != "us-east-1" {
        request = request.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(aws.region.as_str()))
                .build(),
        );
    }
    request
        .send()
        .await
        .map_err(|e| DeployError::aws(format!("CreateBucket {bucket}"), e))?;
    Ok(())
}

/// Versioned, encrypted, private, TLS-only, owner-enforced, with old versions expiring.
async fn harden(aws: &Aws, bucket: &str, noncurrent_days: i32) -> Result<(), DeployError> {
    let op = |what: &str| format!("{what} {bucket}");
    aws.s3
        .put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .map_err(|e| DeployError::aws(op("PutPublicAccessBlock"), e))?;
    aws.s3
        .put_bucket_ownership_controls()
        .bucket(bucket)
        .ownership_controls(
            OwnershipControls::builder()
                .rules(
                    OwnershipControlsRule::builder()
                        .object_ownership(ObjectOwnership::BucketOwnerEnforced)
                        .build()
                        .map_err(|e| DeployError::aws(op("OwnershipControls"), e))?,
                )
                .build()
                .map_err(|e| DeployError::aws(op("OwnershipControls"), e))?,
        )
        .send()
        .await
        .map_err(|e| DeployError::aws(op("PutBucketOwnershipControls"), e))?;
    aws.s3
        .put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .map_err(|e| DeployError::aws(op("PutBucketVersioning"), e))?;
    aws.s3
        .put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(
                    ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(
                            ServerSideEncryptionByDefault::builder()
                                .sse_algorithm(ServerSideEncryption::Aes256)
                                .build()
                                .map_err(|e| DeployError::aws(op("Encryption"), e))?,
                        )
                        .build(),
                )
                .build()
                .map_err(|e| DeployError::aws(op("Encryption"), e))?,
        )
        .send()
        .await
        .map_err(|e| DeployError::aws(op("PutBucketEncryption"), e))?;
    aws.s3
        .put_bucket_policy()
        .bucket(bucket)
        .policy(tls_only_policy(bucket))
        .send()
        .await
        .map_err(|e| DeployError::aws(op("PutBucketPolicy"), e))?;
    aws.s3
        .put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(
            BucketLifecycleConfiguration::builder()
                .rules(
                    LifecycleRule::builder()
                        .id("lamina-old-versions")
                        .status(ExpirationStatus::Enabled)
                        .filter(LifecycleRuleFilter::builder().prefix("").build())
                        .noncurrent_version_expiration(
                            NoncurrentVersionExpiration::builder()
                                .noncurrent_days(noncurrent_days)
                                .build(),
                        )
                        .abort_incomplete_multipart_upload(
                            AbortIncompleteMultipartUpload::builder()
                                .days_after_initiation(7)
                                .build(),
                        )
                        .build()
                        .map_err(|e| DeployError::aws(op("Lifecycle"), e))?,
                )
                .build()
                .map_err(|e| DeployError::aws(op("Lifecycle"), e))?,
        )
        .send()
        .await
        .map_err(|e| DeployError::aws(op("PutBucketLifecycleConfiguration"), e))?;
    aws.s3
        .put_bucket_tagging()
        .bucket(bucket)
        .tagging(
            Tagging::builder()
                .tag_set(
                    Tag::builder()
                        .key("managed-by")
                        .value("lamina")
                        .build()
                        .map_err(|e| DeployError::aws(op("Tagging"), e))?,
                )
                .build()
                .map_err(|e| DeployError::aws(op("Tagging"), e))?,
        )
        .send()
        .await
        .map_err(|e| DeployError::aws(op("PutBucketTagging"), e))?;
    Ok(())
}

/// Denies every request that does not come over TLS.
pub fn tls_only_policy(bucket: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [
                format!("arn:aws:s3:::{bucket}"),
                format!("arn:aws:s3:::{bucket}/*"),
            ],
            "Condition": { "Bool": { "aws:SecureTransport": "false" } }
        }]
    })
    .to_string()
}
