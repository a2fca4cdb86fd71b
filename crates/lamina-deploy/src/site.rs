//! The built frontend into its S3 bucket behind CloudFront, the way a careful person would do it by
//! hand: only files whose content changed, each with its right content type; hashed assets cached
//! for a year as immutable and `index.html` never cached; `index.html` uploaded last, so no page
//! ever names an asset that is not there yet; files that disappeared deleted only afterwards; and
//! an invalidation of just the changed paths that are not content-hashed (never `/*` unless asked).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};
use aws_sdk_s3::primitives::ByteStream;
use md5::{Digest as _, Md5};

use crate::aws::Aws;
use crate::error::DeployError;
use crate::fingerprint::{hex, sha256_hex};
use crate::report::{Event, Reporter};

/// Cache-Control of content-hashed files: their name changes with their content.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache-Control of everything else: always revalidated, so a deploy shows at once.
pub const REVALIDATE: &str = "no-cache";

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    /// Its key in the bucket and path on the site, without a leading `/`.
    pub key: String,
    pub path: PathBuf,
    /// Hex md5: S3's ETag of a single-part upload, to compare without downloading.
    pub md5: String,
    pub size: u64,
    pub content_type: &'static str,
    pub cache_control: &'static str,
}

impl SiteFile {
    pub fn immutable(&self) -> bool {
        self.cache_control == IMMUTABLE
    }
}

/// Every file under `out_dir`, sorted by key.
pub fn collect(out_dir: &Path) -> Result<Vec<SiteFile>, DeployError> {
    let mut files = Vec::new();
    walk(out_dir, out_dir, &mut files)?;
    files.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(files)
}

fn walk(base: &Path, dir: &Path, out: &mut Vec<SiteFile>) -> Result<(), DeployError> {
    for entry in fs_err::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(base, &path, out)?;
            continue;
        }
        let key = path
            .strip_prefix(base)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let bytes = fs_err::read(&path)?;
        out.push(SiteFile {
            md5: hex(&Md5::digest(&bytes)),
            size: bytes.len() as u64,
            content_type: content_type(&key),
            cache_control: if is_hashed(&key) {
                IMMUTABLE
            } else {
                REVALIDATE
            },
            key,
            path,
        });
    }
    Ok(())
}

/// Vite writes every content-hashed file, and only those, under `assets/`
/// (`assets/index-B3kd9aQ1.js`); files of `public/` keep their names at the root.
pub fn is_hashed(key: &str) -> bool {
    key.starts_with("assets/")
}

/// The content type S3 and CloudFront should serve a file with, by extension.
pub fn content_type(key: &str) -> &'static str {
    let ext = key
        .rsplit_once('.')
        .map_or("", |(_, e)| e)
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" | "cjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json; charset=utf-8",
        "webmanifest" => "application/manifest+json; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "wasm" => "application/wasm",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        _ => "application/octet-stream",
    }
}

/// The whole site as one reproducible zip (sorted names, fixed times): stored by content hash in
/// the artifact bucket, it is what a rollback restores.
pub fn bundle(files: &[SiteFile]) -> Result<(Vec<u8>, String), DeployError> {
    let sources: Vec<lamina_build::archive::Source> = files
        .iter()
        .map(|f| lamina_build::archive::Source {
            name: f.key.clone(),
            path: f.path.clone(),
            executable: false,
        })
        .collect();
    let entries = lamina_build::archive::compress_files(&sources)?;
    let (zip, _) = lamina_build::archive::write(entries)
        .map_err(|e| DeployError::Io(std::io::Error::other(e)))?;
    let sha = sha256_hex(&zip);
    Ok((zip, sha))
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    pub uploaded: Vec<String>,
    pub unchanged: usize,
    pub deleted: Vec<String>,
    /// Paths to invalidate: changed or deleted files that are not content-hashed.
    pub invalidate: Vec<String>,
}

/// Makes the bucket hold exactly `files`.
pub async fn sync(
    aws: &Aws,
    bucket: &str,
    files: &[SiteFile],
    reporter: &dyn Reporter,
) -> Result<SyncReport, DeployError> {
    let existing = list(aws, bucket).await?;
    let mut report = SyncReport::default();
    let changed: Vec<&SiteFile> = files
        .iter()
        .filter(|f| existing.get(&f.key).is_none_or(|etag| *etag != f.md5))
        .collect();
    report.unchanged = files.len() - changed.len();
    // HTML last, `index.html` very last: a page must never reference an asset not yet uploaded.
    let mut ordered = changed.clone();
    ordered.sort_by_key(|f| {
        (
            f.key.ends_with(".html"),
            f.key == "index.html",
            f.key.clone(),
        )
    });
    if !ordered.is_empty() {
        reporter.event(Event::UploadsStarting {
            count: ordered.len(),
            bytes: ordered.iter().map(|f| f.size).sum(),
        });
    }
    for f in ordered {
        let body = ByteStream::from_path(&f.path)
            .await
            .map_err(|e| DeployError::file(&f.path, std::io::Error::other(e)))?;
        aws.s3
            .put_object()
            .bucket(bucket)
            .key(&f.key)
            .body(body)
            .content_type(f.content_type)
            .cache_control(f.cache_control)
            .send()
            .await
            .map_err(|e| DeployError::aws(format!("PutObject s3://{bucket}/{}", f.key), e))?;
        reporter.event(Event::Uploaded {
            name: f.key.clone(),
            bytes: f.size,
            skipped: false,
        });
        report.uploaded.push(f.key.clone());
        if !f.immutable() {
            report.invalidate.push(format!("/{}", f.key));
            if f.key == "index.html" {
                // CloudFront's default root object: `/` is cached on its own.
                report.invalidate.push("/".into());
            }
        }
    }
    let wanted: std::collections::BTreeSet<&str> = files.iter().map(|f| f.key.as_str()).collect();
    let gone: Vec<String> = existing
        .keys()
        .filter(|k| !wanted.contains(k.as_str()))
        .cloned()
        .collect();
    let objects: Vec<(String, Option<String>)> = gone.iter().map(|k| (k.clone(), None)).collect();
    aws.delete_objects(bucket, &objects).await?;
    for key in &gone {
        if !is_hashed(key) {
            report.invalidate.push(format!("/{key}"));
        }
    }
    report.deleted = gone;
    report.invalidate.sort();
    report.invalidate.dedup();
    Ok(report)
}

/// Key → ETag (md5 hex for single-part uploads) of every object in the bucket.
async fn list(aws: &Aws, bucket: &str) -> Result<BTreeMap<String, String>, DeployError> {
    let mut out = BTreeMap::new();
    let mut token = None;
    loop {
        let page = aws
            .s3
            .list_objects_v2()
            .bucket(bucket)
            .set_continuation_token(token)
            .send()
            .await
            .map_err(|e| DeployError::aws(format!("ListObjectsV2 s3://{bucket}"), e))?;
        for o in page.contents() {
            if let Some(key) = o.key() {
                let etag = o.e_tag().unwrap_or_default().trim_matches('"').to_owned();
                out.insert(key.to_owned(), etag);
            }
        }
        token = page.next_continuation_token().map(str::to_owned);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Deletes every object and every version of a bucket (before Terraform destroys it).
pub async fn empty_bucket(aws: &Aws, bucket: &str) -> Result<usize, DeployError> {
    let mut deleted = 0;
    loop {
        let page = aws
            .s3
            .list_object_versions()
            .bucket(bucket)
            .send()
            .await
            .map_err(|e| DeployError::aws(format!("ListObjectVersions s3://{bucket}"), e))?;
        let mut ids = Vec::new();
        for v in page.versions() {
            if let Some(key) = v.key() {
                ids.push((key.to_owned(), v.version_id().map(str::to_owned)));
            }
        }
        for m in page.delete_markers() {
            if let Some(key) = m.key() {
                ids.push((key.to_owned(), m.version_id().map(str::to_owned)));
            }
        }
        if ids.is_empty() {
            return Ok(deleted);
        }
        // A "null" version is an object written before versioning: deleted by key alone.
        let objects: Vec<(String, Option<String>)> = ids
            .into_iter()
            .map(|(k, v)| (k, v.filter(|v| v != "null")))
            .collect();
        deleted += aws.delete_objects(bucket, &objects).await?;
    }
}

/// Creates an invalidation of `paths`; with `wait`, returns when CloudFront says it completed.
/// Returns the invalidation's id.
pub async fn invalidate(
    aws: &Aws,
    distribution_id: &str,
    paths: &[String],
    wait: bool,
) -> Result<String, DeployError> {
    let cf = aws.cloudfront();
    let reference = format!(
        "lamina-{}",
        &sha256_hex(format!("{paths:?}{:?}", std::time::SystemTime::now()).as_bytes())[..16]
    );
    let out = cf
        .create_invalidation()
        .distribution_id(distribution_id)
        .invalidation_batch(
            InvalidationBatch::builder()
                .caller_reference(reference)
                .paths(
                    Paths::builder()
                        .quantity(paths.len() as i32)
                        .set_items(Some(paths.to_vec()))
                        .build()
                        .map_err(|e| DeployError::aws("CreateInvalidation", e))?,
                )
                .build()
                .map_err(|e| DeployError::aws("CreateInvalidation", e))?,
        )
        .send()
        .await
        .map_err(|e| DeployError::aws(format!("CreateInvalidation {distribution_id}"), e))?;
    let id = out
        .invalidation()
        .map(|i| i.id().to_owned())
        .unwrap_or_default();
    if wait {
        loop {
            let status = cf
                .get_invalidation()
                .distribution_id(distribution_id)
                .id(&id)
                .send()
                .await
                .map_err(|e| DeployError::aws(format!("GetInvalidation {id}"), e))?
                .invalidation()
                .map(|i| i.status().to_owned())
                .unwrap_or_default();
            if status == "Completed" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        }
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_rules_follow_vite_layout() {
        assert!(is_hashed("assets/index-B3kd9aQ1.js"));
        assert!(!is_hashed("index.html"));
        assert!(!is_hashed("favicon.svg"));
        assert_eq!(
            content_type("assets/index-B3kd9aQ1.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("favicon.svg"), "image/svg+xml");
        assert_eq!(content_type("x.WOFF2"), "font/woff2");
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }

    #[test]
    fn collect_hashes_and_labels_files() {
        let tmp = tempfile::tempdir().unwrap();
        fs_err::create_dir_all(tmp.path().join("assets")).unwrap();
        fs_err::write(tmp.path().join("index.html"), "<html></html>").unwrap();
        fs_err::write(tmp.path().join("assets/app-abc12345.js"), "x").unwrap();
        let files = collect(tmp.path()).unwrap();
        let keys: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["assets/app-abc12345.js", "index.html"]);
        // md5("x"), as S3 reports it in the ETag of a single-part upload.
        assert_eq!(files[0].md5, "9dd4e461268c8034f5c8564e155c67a6");
        assert_eq!(files[0].cache_control, IMMUTABLE);
        assert_eq!(files[1].cache_control, REVALIDATE);
        let (zip, sha) = bundle(&files).unwrap();
        assert_eq!(sha, sha256_hex(&zip));
        assert_eq!(bundle(&files).unwrap().1, sha, "bundles are reproducible");
    }
}
