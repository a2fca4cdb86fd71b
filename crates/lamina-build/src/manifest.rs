//! The build manifest: what a stage deploys, for Terraform, `lamina dev`, `lamina check` and CI.
//!
//! Written to `.lamina/build/<stage>/manifest.json`. Its format is documented in `docs/build.md`
//! and versioned: a reader must refuse a `version` it does not know. Fields are only ever added
//! within a version; renaming or removing one means `version: 2`. Maps are keyed by name and
//! written in name order, and the file holds no timestamps, so the same build writes the same
//! bytes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const MANIFEST_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub project: String,
    pub stage: String,
    /// `python3.12`.
    pub runtime: String,
    /// `x86_64` or `arm64`.
    pub architecture: String,
    /// uv's platform the locks are resolved for, `x86_64-manylinux_2_28`.
    pub python_platform: String,
    /// The runtime's glibc (`2.26` on Amazon Linux 2, `2.34` on Amazon Linux 2023): no wheel
    /// shipped needs a newer one.
    #[serde(default)]
    pub glibc: String,
    pub layers: BTreeMap<String, Artifact>,
    pub functions: BTreeMap<String, Artifact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// `function` or `layer`.
    pub kind: String,
    pub name: String,
    pub stage: String,
    /// The zip, relative to the directory of `lamina.toml`, with `/` separators.
    pub path: String,
    /// Hex sha256 of the zip.
    pub sha256: String,
    /// Base64 sha256 of the zip: Terraform's `source_code_hash`.
    pub sha256_b64: String,
    pub files: u64,
    pub size_zipped: u64,
    pub size_unzipped: u64,
    /// Hash of everything the zip was built from (the cache key).
    pub inputs_sha256: String,
    /// `direct`, or `s3` when the zip is over Lambda's 50 MB direct-upload limit.
    pub upload: String,
    pub runtime: String,
    pub architecture: String,
    /// Functions only: `handler.handler`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub handler: Option<String>,
    /// Functions only: the layers in order, by name and content hash.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub layers: Option<Vec<LayerRef>>,
    /// Functions only: the function's unzipped size plus all its layers'.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub size_unzipped_with_layers: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRef {
    pub name: String,
    pub sha256: String,
}

impl Manifest {
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a manifest serialises");
        s.push('\n');
        s
    }
}
