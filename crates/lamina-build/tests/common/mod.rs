//! Fixtures: small projects written by hand, the real template, and the tools the builds need.
#![allow(dead_code, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

use lamina_build::{ArtifactReport, BuildOptions, Kind, Silent, Status};
use lamina_config::LoadedConfig;

/// uv: `LAMINA_UV`, then `uv` on PATH, then the repository's `.tools/uv-pkg/bin/uv`. Tests that
/// need it fail (rather than skip) without it: CI puts it on PATH.
pub fn uv() -> PathBuf {
    if let Some(p) = std::env::var_os("LAMINA_UV") {
        return p.into();
    }
    if let Ok(p) = lamina_build::uv::Uv::find(Path::new("/nonexistent")) {
        return p.path;
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/uv-pkg/bin/uv");
    assert!(
        local.is_file(),
        "these tests need uv: put it on PATH or set LAMINA_UV"
    );
    local
}

/// Options for a test build: the shared cache is one for all these tests (never the user's), so
/// a package is built once per machine; tests about the cache itself pass their own.
pub fn options() -> BuildOptions {
    BuildOptions {
        uv: Some(uv()),
        shared_cache: Some(std::env::temp_dir().join("lamina-build-tests-shared")),
        ..BuildOptions::default()
    }
}

pub fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A small project: a `deps` layer with one pure and one native package, a shared-code layer,
/// and two domains, `beta` with a requirement of its own.
pub fn tiny(root: &Path, arch: &str) {
    write(
        root,
        "lamina.toml",
        &format!(
            r#"[project]
name = "tiny"
owner = "tests"
region = "us-east-1"
python = "3.11"
architecture = "{arch}"

[stages.dev]

# Written out: without an [auth] table lamina-config's `Auth::default()` gives 0-minute tokens.
[auth]

[layers.deps]
requirements = "layers/deps/requirements.txt"

[layers.shared]
path = "shared"

[domains.alpha]
path = "alpha"
layers = ["deps", "shared"]

[domains.beta]
path = "beta"
layers = ["deps", "shared"]
"#
        ),
    );
    write(
        root,
        "layers/deps/requirements.txt",
        "mangum==0.19.0\nmarkupsafe==3.0.2\n",
    );
    write(
        root,
        "shared/pyproject.toml",
        "[project]\nname = \"shared\"\nversion = \"0\"\n",
    );
    write(root, "shared/shared/__init__.py", "");
    write(
        root,
        "shared/shared/greet.py",
        "def greet(name):\n    return f'hello {name}'\n",
    );
    write(
        root,
        "shared/tests/test_greet.py",
        "def test_x():\n    pass\n",
    );
    for d in ["alpha", "beta"] {
        write(
            root,
            &format!("{d}/handler.py"),
            "import json\nimport markupsafe\nfrom shared.greet import greet\n\n\ndef handler(event, context):\n    return {'statusCode': 200, 'body': json.dumps(greet(str(markupsafe.escape('<x>'))))}\n",
        );
        write(root, &format!("{d}/app/__init__.py"), "");
        write(
            root,
            &format!("{d}/tests/test_handler.py"),
            "def test_x():\n    pass\n",
        );
    }
    write(root, "beta/requirements.txt", "# beta only\nsix==1.17.0\n");
}

pub fn load(root: &Path) -> LoadedConfig {
    LoadedConfig::load(&root.join("lamina.toml")).expect("a valid lamina.toml")
}

pub fn build(root: &Path) -> lamina_build::BuildOutcome {
    lamina_build::build(&load(root), &options(), &Silent).expect("the build succeeds")
}

pub fn status(outcome: &lamina_build::BuildOutcome, kind: Kind, name: &str) -> Status {
    find(outcome, kind, name).status
}

pub fn find<'a>(
    outcome: &'a lamina_build::BuildOutcome,
    kind: Kind,
    name: &str,
) -> &'a ArtifactReport {
    outcome
        .artifacts
        .iter()
        .find(|a| a.kind == kind && a.name == name)
        .unwrap_or_else(|| panic!("no {} {name}", kind.as_str()))
}

/// Every artifact of `one` has the same bytes in `other`.
pub fn assert_same_bytes(one: &lamina_build::BuildOutcome, other: &lamina_build::BuildOutcome) {
    for x in &one.artifacts {
        let y = find(other, x.kind, &x.name);
        assert_eq!(x.sha256, y.sha256, "{} differs", x.label());
        assert_eq!(x.zipped, y.zipped);
    }
    assert_eq!(one.manifest.layers.len(), other.manifest.layers.len());
    assert_eq!(one.manifest.functions.len(), other.manifest.functions.len());
}

/// The names of the artifacts that were built (not cached), sorted.
pub fn built(outcome: &lamina_build::BuildOutcome) -> Vec<String> {
    let mut v: Vec<String> = outcome
        .artifacts
        .iter()
        .filter(|a| a.status == Status::Built)
        .map(ArtifactReport::label)
        .collect();
    v.sort();
    v
}

/// Copies a tree, skipping `.lamina/`.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == ".lamina" {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A Python 3.11 interpreter (the tests' projects use 3.11).
pub fn python311() -> PathBuf {
    lamina_build::slim::Interpreter::find("3.11")
        .expect("these tests need python3.11 on PATH")
        .path
}

pub fn run_python(args: &[&str], cwd: &Path) -> String {
    let out = Command::new(python311())
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The entry names of a zip.
pub fn zip_names(path: &Path) -> Vec<String> {
    let zip = std::fs::read(path).unwrap();
    lamina_build::archive::read_entries(&zip)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect()
}
