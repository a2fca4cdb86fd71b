//! End-to-end builds with real uv, real wheels from PyPI and real zips.

mod common;

use std::fs::{File, FileTimes, Permissions};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use common::*;
use lamina_build::{BuildError, Kind, Silent, Status};

/// Sets every file's mtime and mode, as a checkout elsewhere (another clock, another umask) would.
fn scramble(dir: &Path, mtime: SystemTime, mode: u32) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            scramble(&path, mtime, mode);
        } else {
            let f = File::options().write(true).open(&path).unwrap();
            f.set_times(FileTimes::new().set_modified(mtime).set_accessed(mtime))
                .unwrap();
            std::fs::set_permissions(&path, Permissions::from_mode(mode)).unwrap();
        }
    }
}

#[test]
fn two_checkouts_build_identical_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("checkout-with-a-longer-path/b");
    tiny(&a, "x86_64");
    // The locks are committed: lock once, then "check out" twice.
    lamina_build::lock(&load(&a), &options(), false, &Silent).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    copy_tree(&a, &b);
    scramble(
        &a,
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000),
        0o664,
    );
    scramble(&b, SystemTime::now(), 0o600);

    let one = build(&a);
    let two = build(&b);
    assert!(one.pyc.is_ok(), "python3.11 compiles .pyc: {:?}", one.pyc);
    assert_eq!(one.artifacts.len(), 4);
    for x in &one.artifacts {
        let y = find(&two, x.kind, &x.name);
        assert_eq!(
            x.sha256,
            y.sha256,
            "{} differs between checkouts",
            x.label()
        );
        assert_eq!(x.zipped, y.zipped);
    }
    assert_eq!(one.manifest, two.manifest);
    let bytes_a = std::fs::read(&one.manifest_path).unwrap();
    let bytes_b = std::fs::read(&two.manifest_path).unwrap();
    assert_eq!(bytes_a, bytes_b, "manifest.json differs");

    // The zip of a function holds its code and precompiled bytecode, not its tests, and every
    // entry has the fixed date and a normalised mode.
    let zip = std::fs::read(a.join(&find(&one, Kind::Function, "beta").path)).unwrap();
    let names: Vec<String> = lamina_build::archive::read_entries(&zip)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert!(names.contains(&"handler.py".to_owned()), "{names:?}");
    assert!(
        names.contains(&"__pycache__/handler.cpython-311.pyc".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"six.py".to_owned()),
        "beta's own requirement is in its zip: {names:?}"
    );
    assert!(!names.iter().any(|n| n.starts_with("tests/")), "{names:?}");
    assert!(
        !names.iter().any(|n| n.starts_with("markupsafe")),
        "the deps layer provides markupsafe: {names:?}"
    );
    let listing = run_python(
        &[
            "-c",
            "import sys, zipfile\nfor i in zipfile.ZipFile(sys.argv[1]).infolist():\n    print(i.filename, i.date_time, oct(i.external_attr >> 16), len(i.extra))",
            a.join(&find(&one, Kind::Layer, "deps").path)
                .to_str()
                .unwrap(),
        ],
        tmp.path(),
    );
    for line in listing.lines() {
        // Wheels mark their extension modules executable; that bit is kept, nothing else.
        let mode = if line.contains(".so ") {
            "0o100755"
        } else {
            "0o100644"
        };
        assert!(
            line.contains(&format!("(1980, 1, 1, 0, 0, 0) {mode} 0")),
            "{line}"
        );
    }
    assert!(listing.contains("python/markupsafe/__init__.py"));
    assert!(listing.contains("python/mangum-0.19.0.dist-info/METADATA"));
}

#[test]
fn the_cache_rebuilds_only_what_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    tiny(root, "x86_64");
    let first = build(root);
    assert_eq!(built(&first).len(), 4);
    let beta_lock = std::fs::read_to_string(root.join("beta/requirements.lock")).unwrap();

    let noop = build(root);
    assert!(noop.noop, "{:?}", built(&noop));

    // Only an mtime changes: nothing to do.
    let f = File::options()
        .write(true)
        .open(root.join("alpha/handler.py"))
        .unwrap();
    f.set_modified(SystemTime::now() + Duration::from_secs(60))
        .unwrap();
    assert!(build(root).noop);

    // A domain's file changes: only that domain.
    std::fs::write(root.join("alpha/app/extra.py"), "X = 1\n").unwrap();
    let touched = build(root);
    assert_eq!(built(&touched), ["function alpha"]);
    assert_ne!(
        find(&touched, Kind::Function, "alpha").sha256,
        find(&first, Kind::Function, "alpha").sha256
    );

    // A layer's lock changes: only that layer. (beta's lock is re-checked against the new layer
    // lock, but its pins and so its zip stay the same.)
    std::fs::write(
        root.join("layers/deps/requirements.txt"),
        "mangum==0.19.0\nmarkupsafe==3.0.2\nidna==3.10\n",
    )
    .unwrap();
    let relocked = build(root);
    assert_eq!(built(&relocked), ["layer deps"]);
    assert_eq!(
        lamina_build::lock::pins(
            &std::fs::read_to_string(root.join("beta/requirements.lock")).unwrap()
        ),
        lamina_build::lock::pins(&beta_lock)
    );
    let deps_lock = std::fs::read_to_string(root.join("layers/deps/requirements.lock")).unwrap();
    assert!(deps_lock.contains("idna==3.10"));
    assert!(deps_lock.contains("# platform: x86_64-manylinux2014"));

    // The architecture changes: everything.
    let toml = std::fs::read_to_string(root.join("lamina.toml")).unwrap();
    std::fs::write(
        root.join("lamina.toml"),
        toml.replace("\"x86_64\"", "\"arm64\""),
    )
    .unwrap();
    let arm = build(root);
    assert_eq!(built(&arm).len(), 4, "{:?}", built(&arm));
    assert_eq!(arm.manifest.architecture, "arm64");
    let deps_lock = std::fs::read_to_string(root.join("layers/deps/requirements.lock")).unwrap();
    assert!(deps_lock.contains("# platform: aarch64-manylinux2014"));
    // The native wheel is the aarch64 one.
    let zip = std::fs::read(root.join(&find(&arm, Kind::Layer, "deps").path)).unwrap();
    let entries = lamina_build::archive::read_entries(&zip).unwrap();
    let wheel = entries
        .iter()
        .find(|e| {
            e.name
                .to_lowercase()
                .ends_with("markupsafe-3.0.2.dist-info/wheel")
        })
        .expect("a WHEEL file");
    let wheel = String::from_utf8(wheel.content().unwrap()).unwrap();
    assert!(wheel.contains("aarch64"), "{wheel}");
}

#[test]
fn a_stale_lock_fails_with_locked() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    tiny(root, "x86_64");
    let locked = lamina_build::BuildOptions {
        locked: true,
        ..options()
    };
    let err = lamina_build::build(&load(root), &locked, &Silent).unwrap_err();
    assert!(
        matches!(&err, BuildError::LockNotCurrent { state, .. } if state == "missing"),
        "{err}"
    );
    lamina_build::lock(&load(root), &options(), false, &Silent).unwrap();
    write(root, "layers/deps/requirements.txt", "mangum==0.19.0\n");
    let err = lamina_build::build(&load(root), &locked, &Silent).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the lock of layer deps is out of date (`layers/deps/requirements.txt` changed): `layers/deps/requirements.lock`"
    );
    assert_eq!(
        err.hint().unwrap(),
        "run `lamina lock` and commit the lock files"
    );
}

#[test]
fn a_package_without_an_aarch64_wheel_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    tiny(root, "arm64");
    // intel-openmp publishes x86_64 and Windows wheels only.
    write(
        root,
        "layers/deps/requirements.txt",
        "mangum==0.19.0\nintel-openmp==2024.2.1\n",
    );
    let err = lamina_build::build(&load(root), &options(), &Silent).unwrap_err();
    let BuildError::NoWheel {
        package,
        version,
        platform,
        python,
        available,
    } = &err
    else {
        panic!("expected NoWheel, got {err}");
    };
    assert_eq!(
        (package.as_str(), version.as_str()),
        ("intel-openmp", "2024.2.1")
    );
    assert_eq!(platform, "aarch64-manylinux2014");
    assert_eq!(python, "3.11");
    assert!(
        available
            .as_deref()
            .unwrap_or("")
            .contains("manylinux1_x86_64"),
        "{available:?}"
    );
    assert_eq!(
        err.to_string(),
        "`intel-openmp` 2024.2.1 has no wheel for aarch64-manylinux2014 (Python 3.11)"
    );
    let hint = err.hint().unwrap();
    assert!(hint.contains("pin a version of `intel-openmp`"), "{hint}");
    assert!(hint.contains("lamina build --docker"), "{hint}");
}

#[test]
fn slimming_rules_can_be_turned_off() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    tiny(root, "x86_64");
    let slim = build(root);
    let mut keep = options();
    keep.slim.rules.clear();
    keep.slim.compile = false;
    let full = lamina_build::build(&load(root), &keep, &Silent).unwrap();
    let names = |o: &lamina_build::BuildOutcome, kind, name| -> Vec<String> {
        // Both builds link the same stage path: read each from the content-addressed store.
        let sha = &find(o, kind, name).sha256;
        let zip = std::fs::read(root.join(format!(".lamina/cache/v1/store/{sha}.zip"))).unwrap();
        lamina_build::archive::read_entries(&zip)
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect()
    };
    let slim_deps = names(&slim, Kind::Layer, "deps");
    let full_deps = names(&full, Kind::Layer, "deps");
    // markupsafe ships its C source and a stub file; slimming drops them, `--keep` keeps them.
    assert!(full_deps.iter().any(|n| n.ends_with(".c")), "{full_deps:?}");
    let dropped: Vec<&String> = slim_deps
        .iter()
        .filter(|n| n.ends_with(".c") || n.ends_with(".pyi"))
        .collect();
    assert!(dropped.is_empty(), "{dropped:?}");
    assert!(full_deps.iter().any(|n| n.ends_with(".pyi")));
    assert!(slim_deps.iter().any(|n| n.ends_with(".pyc")));
    assert!(!full_deps.iter().any(|n| n.ends_with(".pyc")));
    // RECORD lists only what is shipped.
    let sha = &find(&slim, Kind::Layer, "deps").sha256;
    let zip = std::fs::read(root.join(format!(".lamina/cache/v1/store/{sha}.zip"))).unwrap();
    let record = lamina_build::archive::read_entries(&zip)
        .unwrap()
        .into_iter()
        .find(|e| {
            e.name
                .to_lowercase()
                .ends_with("markupsafe-3.0.2.dist-info/record")
        })
        .expect("markupsafe's RECORD");
    let record = String::from_utf8(record.content().unwrap()).unwrap();
    assert!(!record.contains("_speedups.c,"), "{record}");
    assert!(!record.contains("_speedups.pyi,"), "{record}");
    assert!(record.contains("markupsafe/__init__.py"), "{record}");
    // The domain's tests stay out unless asked for.
    assert!(
        !names(&slim, Kind::Function, "alpha")
            .iter()
            .any(|n| n.starts_with("tests/"))
    );
    assert!(
        names(&full, Kind::Function, "alpha")
            .iter()
            .any(|n| n.starts_with("tests/"))
    );
    assert_eq!(find(&full, Kind::Function, "alpha").status, Status::Built);
}

#[test]
fn a_uv_project_layer_builds_from_its_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    tiny(root, "x86_64");
    // The same dependencies, declared the way many FastAPI projects now do: pyproject + uv.lock.
    let toml = std::fs::read_to_string(root.join("lamina.toml"))
        .unwrap()
        .replace(
            "requirements = \"layers/deps/requirements.txt\"",
            "project = \"layers/deps\"",
        );
    write(root, "lamina.toml", &toml);
    std::fs::remove_file(root.join("layers/deps/requirements.txt")).unwrap();
    write(
        root,
        "layers/deps/pyproject.toml",
        "[project]\nname = \"deps\"\nversion = \"0\"\nrequires-python = \">=3.11\"\ndependencies = [\"mangum==0.19.0\", \"markupsafe==3.0.2\"]\n",
    );
    let status = std::process::Command::new(uv())
        .args(["lock", "--quiet"])
        .current_dir(root.join("layers/deps"))
        .status()
        .unwrap();
    assert!(status.success(), "uv lock failed");

    let outcome = build(root);
    let zip = std::fs::read(root.join(&find(&outcome, Kind::Layer, "deps").path)).unwrap();
    let names: Vec<String> = lamina_build::archive::read_entries(&zip)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    for package in ["python/mangum/", "python/markupsafe/"] {
        assert!(
            names.iter().any(|n| n.starts_with(package)),
            "no {package} in {names:?}"
        );
    }
    // The project itself is not a dependency of its layer.
    assert!(
        !names.iter().any(|n| n.starts_with("python/deps")),
        "{names:?}"
    );
}
