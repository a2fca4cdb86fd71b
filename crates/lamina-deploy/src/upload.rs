//! Artifacts to S3 by content hash: a key that exists already holds these bytes, so it is never
//! uploaded again, and every earlier release's code stays where its release record points.

use std::path::PathBuf;

use aws_sdk_s3::primitives::ByteStream;
use base64::Engine as _;
use tokio::task::JoinSet;

use crate::aws::{Aws, error_status};
use crate::error::DeployError;
use crate::report::{Event, Reporter};

/// One object to put.
#[derive(Debug, Clone)]
pub struct Upload {
    /// What the user calls it (`function user`, `layer deps`).
    pub name: String,
    pub path: PathBuf,
    pub key: String,
    pub sha256_hex: String,
    pub size: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct UploadReport {
    pub uploaded: Vec<String>,
    pub skipped: Vec<String>,
    pub bytes_uploaded: u64,
}

/// At most this many uploads at once: enough to fill a home uplink, few enough for S3's
/// per-prefix rates and a laptop's memory.
const PARALLEL: usize = 4;

/// Puts every object whose key is missing from `bucket`; skips the others.
pub async fn upload_all(
    aws: &Aws,
    bucket: &str,
    items: Vec<Upload>,
    reporter: &dyn Reporter,
) -> Result<UploadReport, DeployError> {
    let mut report = UploadReport::default();
    let mut missing = Vec::new();
    for item in items {
        if object_exists(aws, bucket, &item.key).await? {
            reporter.event(Event::Uploaded {
                name: item.name.clone(),
                bytes: item.size,
                skipped: true,
            });
            report.skipped.push(item.name);
        } else {
            missing.push(item);
        }
    }
    if missing.is_empty() {
        return Ok(report);
    }
    reporter.event(Event::UploadsStarting {
        count: missing.len(),
        bytes: missing.iter().map(|u| u.size).sum(),
    });
    let mut queue = missing.into_iter();
    let mut running = JoinSet::new();
    loop {
        while running.len() < PARALLEL {
            let Some(item) = queue.next() else { break };
            let s3 = aws.s3.clone();
            let bucket = bucket.to_owned();
            running.spawn(async move { put(&s3, &bucket, &item).await.map(|()| item) });
        }
        let Some(done) = running.join_next().await else {
            break;
        };
        let item = done.map_err(|e| DeployError::Io(std::io::Error::other(e)))??;
        reporter.event(Event::Uploaded {
            name: item.name.clone(),
            bytes: item.size,
            skipped: false,
        });
        report.bytes_uploaded += item.size;
        report.uploaded.push(item.name);
    }
    Ok(report)
}

/// One PutObject, with S3 checking the bytes against their sha256 on arrival.
async fn put(s3: &aws_sdk_s3::Client, bucket: &str, item: &Upload) -> Result<(), DeployError> {
    let body = ByteStream::from_path(&item.path)
        .await
        .map_err(|e| DeployError::file(&item.path, std::io::Error::other(e)))?;
    let checksum = hex_to_base64(&item.sha256_hex);
    s3.put_object()
        .bucket(bucket)
        .key(&item.key)
        .body(body)
        .content_type("application/zip")
        .checksum_sha256(checksum)
        .metadata("sha256", &item.sha256_hex)
        .send()
        .await
        .map_err(|e| DeployError::aws(format!("PutObject s3://{bucket}/{}", item.key), e))?;
    Ok(())
}

pub async fn object_exists(aws: &Aws, bucket: &str, key: &str) -> Result<bool, DeployError> {
    match aws.s3.head_object().bucket(bucket).key(key).send().await {
        Ok(_) => Ok(true),
        Err(err) if error_status(&err) == Some(404) => Ok(false),
        Err(err) => Err(DeployError::aws(
            format!("HeadObject s3://{bucket}/{key}"),
            err,
        )),
    }
}

fn hex_to_base64(hex: &str) -> String {
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn checksum_is_base64_of_the_digest() {
        // sha256("") in hex and in base64, as S3's x-amz-checksum-sha256 wants it.
        assert_eq!(
            super::hex_to_base64(
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }
}
