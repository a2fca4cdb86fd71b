//! Lambda's size limits are errors at build time, with a warning at 80 %.

mod common;

use std::path::Path;

use common::*;
use lamina_build::{BuildError, Kind, Reporter, Silent};

/// Incompressible bytes (xorshift), so the zipped size is the file size.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// A project without dependencies (no uv needed): one domain `big` with a shared-code layer.
fn project(root: &Path) {
    write(
        root,
        "lamina.toml",
        r#"[project]
name = "limits"
owner = "tests"
region = "us-east-1"
python = "3.11"

[stages.dev]

[auth]

[layers.shared]
path = "shared"

[domains.big]
path = "big"
layers = ["shared"]
"#,
    );
    write(root, "shared/shared/__init__.py", "");
    write(
        root,
        "big/handler.py",
        "def handler(event, context):\n    return {}\n",
    );
}

const MB: usize = 1024 * 1024;

fn no_compile() -> lamina_build::BuildOptions {
    let mut o = options();
    o.slim.compile = false;
    o
}

#[derive(Default)]
struct Warnings(std::sync::Mutex<Vec<String>>);
impl Reporter for Warnings {
    fn on_warning(&self, message: &str) {
        self.0.lock().unwrap().push(message.to_owned());
    }
}

#[test]
fn over_50_mb_zipped_needs_s3() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    project(root);
    std::fs::write(root.join("big/model.bin"), noise(51 * MB)).unwrap();
    let err = lamina_build::build(&load(root), &no_compile(), &Silent).unwrap_err();
    let BuildError::Limits(message) = &err else {
        panic!("{err}")
    };
    assert!(
        message.starts_with("function big is 51.0 MB zipped, over Lambda's 50.0 MB limit for direct upload; above it the deploy must go through S3"),
        "{message}"
    );
    assert!(
        !root.join(".lamina/build/dev/manifest.json").exists(),
        "no manifest for a failed build"
    );

    // Allowed with `--s3-upload`, and the manifest says so.
    let s3 = lamina_build::BuildOptions {
        s3_upload: true,
        ..no_compile()
    };
    let outcome = lamina_build::build(&load(root), &s3, &Silent).unwrap();
    assert_eq!(outcome.manifest.functions["big"].upload, "s3");
    assert_eq!(outcome.manifest.layers["shared"].upload, "direct");
}

#[test]
fn over_80_percent_is_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    project(root);
    std::fs::write(root.join("big/model.bin"), noise(42 * MB)).unwrap();
    let warnings = Warnings::default();
    let outcome = lamina_build::build(&load(root), &no_compile(), &warnings).unwrap();
    assert_eq!(outcome.manifest.functions["big"].upload, "direct");
    let warnings = warnings.0.into_inner().unwrap();
    assert_eq!(
        warnings,
        ["function big is 42.0 MB zipped, 84 % of Lambda's 50.0 MB limit for direct upload"]
    );
}

#[test]
fn over_250_mb_unzipped_with_layers() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    project(root);
    // Zeros compress to almost nothing: only the unzipped limit is crossed. 200 MB in the
    // layer plus 60 MB in the function: each is under 250 MB, together they are not.
    let zeros = vec![0u8; 20 * MB];
    for i in 0..10 {
        std::fs::write(root.join(format!("shared/shared/blob{i}.bin")), &zeros).unwrap();
    }
    for i in 0..3 {
        std::fs::write(root.join(format!("big/blob{i}.bin")), &zeros).unwrap();
    }
    let err = lamina_build::build(&load(root), &no_compile(), &Silent).unwrap_err();
    let BuildError::Limits(message) = &err else {
        panic!("{err}")
    };
    assert_eq!(
        message,
        "function big is 260.0 MB unzipped with its layers (code 60.0 MB, shared 200.0 MB), over Lambda's 250.0 MB limit"
    );
    // The artifacts themselves were built and cached: the next try only hashes.
    let again = lamina_build::build(
        &load(root),
        &lamina_build::BuildOptions {
            s3_upload: true,
            ..no_compile()
        },
        &Silent,
    );
    assert!(matches!(again, Err(BuildError::Limits(_))));
    let _ = Kind::Function;
}

#[test]
fn more_than_5_layers_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    project(root);
    let mut toml = std::fs::read_to_string(root.join("lamina.toml")).unwrap();
    for i in 1..=5 {
        toml.push_str(&format!("\n[layers.l{i}]\npath = \"shared\"\n"));
    }
    toml = toml.replace(
        "layers = [\"shared\"]",
        "layers = [\"shared\", \"l1\", \"l2\", \"l3\", \"l4\", \"l5\"]",
    );
    std::fs::write(root.join("lamina.toml"), toml).unwrap();
    // lamina.toml's own validation catches it before anything is built.
    let err = lamina_config::LoadedConfig::load(&root.join("lamina.toml")).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("domain `big` uses 6 layers"), "{text}");
    assert!(
        text.contains("Lambda allows at most 5 layers per function"),
        "{text}"
    );
}
