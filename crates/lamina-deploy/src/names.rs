//! Where things live in AWS: bucket names, object keys and resource names, in one place so that
//! bootstrap, deploy, rollback, destroy and the Terraform templates agree.
//!
//! Both buckets are shared by every project and stage of one account and region (as CDK's and
//! SAM's bootstrap buckets are); inside them everything sits under `<project>/`.

/// The Terraform state bucket of an account and region. `LAMINA_STATE_BUCKET` overrides it, for
/// organisations that already keep state in a bucket of their own.
pub fn state_bucket(account: &str, region: &str) -> String {
    std::env::var("LAMINA_STATE_BUCKET")
        .ok()
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| format!("lamina-state-{account}-{region}"))
}

/// The bucket of built artifacts (zips, frontend bundles). `LAMINA_ARTIFACT_BUCKET` overrides it.
pub fn artifact_bucket(account: &str, region: &str) -> String {
    std::env::var("LAMINA_ARTIFACT_BUCKET")
        .ok()
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| format!("lamina-artifacts-{account}-{region}"))
}

/// A function or layer zip, by content: the same bytes always have the same key, so an artifact
/// is uploaded once, whichever stage or release needs it.
pub fn artifact_key(project: &str, sha256_hex: &str) -> String {
    format!("{project}/artifacts/{sha256_hex}.zip")
}

/// A frontend build (the whole `dist/` as a zip), by content: what a rollback puts back.
pub fn site_bundle_key(project: &str, sha256_hex: &str) -> String {
    format!("{project}/site/{sha256_hex}.zip")
}

/// Terraform's state object: must match `key` in the stage root's `backend.tf`.
pub fn state_key(project: &str, stage: &str) -> String {
    format!("{project}/{stage}/terraform.tfstate")
}

/// S3 native locking's lock object, beside the state.
pub fn lock_key(project: &str, stage: &str) -> String {
    format!("{}.tflock", state_key(project, stage))
}

/// Prefix of a stage's numbered release records.
pub fn releases_prefix(project: &str, stage: &str) -> String {
    format!("{project}/{stage}/releases/")
}

/// One release record; zero-padded so that listing order is release order.
pub fn release_key(project: &str, stage: &str, id: u64) -> String {
    format!("{}{id:06}.json", releases_prefix(project, stage))
}

/// The stage's current release: a copy of the last record that reached AWS, read by every deploy
/// to decide whether anything changed. Deleted by `destroy`.
pub fn current_release_key(project: &str, stage: &str) -> String {
    format!("{project}/{stage}/current-release.json")
}

/// `rides-dev`: the prefix of every resource of a stage (modules/app: `local.name`).
pub fn stage_prefix(project: &str, stage: &str) -> String {
    format!("{project}-{stage}")
}

/// A layer's name in Lambda (modules/app: `"${local.name}-${each.key}"`).
pub fn layer_name(project: &str, stage: &str, layer: &str) -> String {
    format!("{}-{layer}", stage_prefix(project, stage))
}

/// A secret's SSM parameter name (lamina-config resolves the same for the functions' env).
pub fn secret_parameter(project: &str, stage: &str, name: &str) -> String {
    format!("/{project}/{stage}/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_content_addressed_and_ordered() {
        assert_eq!(artifact_key("rides", "ab12"), "rides/artifacts/ab12.zip");
        assert_eq!(
            lock_key("rides", "dev"),
            "rides/dev/terraform.tfstate.tflock"
        );
        assert!(release_key("rides", "dev", 9) < release_key("rides", "dev", 10));
        assert_eq!(
            release_key("rides", "dev", 12),
            "rides/dev/releases/000012.json"
        );
    }

    #[test]
    fn bucket_names_fit_s3_rules() {
        // The longest region name and a 12-digit account still fit in 63 characters.
        let name = format!("lamina-artifacts-{}-{}", "123456789012", "ap-southeast-4");
        assert!(name.len() <= 63, "{name}");
    }
}
