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

/// The same bytes whichever way a build gets its packages and `.pyc`: three checkouts at other
/// paths, with other mtimes and umasks; the first with an empty shared cache (every package
/// installed, slimmed and compiled on its own), the second from that cache (without uv or Python:
/// nothing may be installed or compiled), the third without the shared cache (the whole lock
/// installed into one directory and compiled by `compileall`, as before the cache existed).
#[test]
fn two_checkouts_build_identical_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("checkout-with-a-longer-path/b");
    let c = tmp.path().join("c");
    tiny(&a, "x86_64");
    // The locks are committed: lock once, then "check out" twice.
    lamina_build::lock(&load(&a), &options(), false, &Silent).unwrap();
    for other in [&b, &c] {
        std::fs::create_dir_all(other).unwrap();
        copy_tree(&a, other);
    }
    scramble(
        &a,
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000),
        0o664,
    );
    scramble(&b, SystemTime::now(), 0o600);

    let shared = Some(tmp.path().join("shared"));
    let build_with = |root: &Path, options: lamina_build::BuildOptions| {
        lamina_build::build(&load(root), &options, &Silent).expect("the build succeeds")
    };
    let one = build_with(
        &a,
        lamina_build::BuildOptions {
            shared_cache: shared.clone(),
            ..options()
        },
    );
    let missing = tmp.path().join("not-installed");
    let two = build_with(
        &b,
        lamina_build::BuildOptions {
            shared_cache: shared.clone(),
            uv: Some(missing.join("uv")),
            python: Some(missing.join("python3.11")),
            ..options()
        },
    );
    let three = build_with(
        &c,
        lamina_build::BuildOptions {
            shared_cache: None,
            ..options()
        },
    );
    assert!(one.pyc.is_ok(), "python3.11 compiles .pyc: {:?}", one.pyc);
    assert_eq!(one.artifacts.len(), 4);
    for other in [&two, &three] {
        assert_same_bytes(&one, other);
        assert_eq!(one.manifest, other.manifest);
    }
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

/// Two builds at once on an empty shared cache: one makes each package while the other waits for
/// it (never reading half an entry), and both get the same bytes. A build that grows the cache
/// past its cap prunes it; pruning never breaks the next build.
#[test]
fn concurrent_builds_share_the_cache_and_it_stays_under_its_cap() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    tiny(&a, "x86_64");
    lamina_build::lock(&load(&a), &options(), false, &Silent).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    copy_tree(&a, &b);
    let shared = tmp.path().join("shared");
    let with_shared = || lamina_build::BuildOptions {
        shared_cache: Some(shared.clone()),
        ..options()
    };
    let (one, two) = std::thread::scope(|s| {
        let x = s.spawn(|| lamina_build::build(&load(&a), &with_shared(), &Silent).unwrap());
        let y = s.spawn(|| lamina_build::build(&load(&b), &with_shared(), &Silent).unwrap());
        (x.join().unwrap(), y.join().unwrap())
    });
    assert_same_bytes(&one, &two);
    assert!(lamina_build::shared::size(&shared) > 100_000);

    // Over its cap, the cache is pruned by the build that grew it.
    std::fs::remove_dir_all(a.join(".lamina")).unwrap();
    lamina_build::shared::prune(&shared, 0, true).unwrap();
    let capped = lamina_build::build(
        &load(&a),
        &lamina_build::BuildOptions {
            shared_cache_max: 1,
            ..with_shared()
        },
        &Silent,
    )
    .unwrap();
    assert_eq!(lamina_build::shared::size(&shared), 0);
    assert_same_bytes(&one, &capped);
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
    assert!(deps_lock.contains("# platform: x86_64-manylinux_2_28"));

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
    assert!(deps_lock.contains("# platform: aarch64-manylinux_2_28"));
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
    assert_eq!(platform, "aarch64, glibc 2.26 (Amazon Linux 2)");
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
        "`intel-openmp` 2024.2.1 has no wheel for Lambda's python3.11 on aarch64, glibc 2.26 (Amazon Linux 2)"
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

// ---- Issue 8: wheels for the runtime's glibc, locks that cover the handler, no stray files ----

/// The `Tag:` lines of a package's `WHEEL` file inside a layer zip.
fn wheel_tags(zip: &[u8], dist_prefix: &str) -> String {
    let entries = lamina_build::archive::read_entries(zip).unwrap();
    let names: Vec<String> = entries.iter().map(|e| e.name.clone()).collect();
    let wheel = names
        .iter()
        .find(|n| {
            n.starts_with(&format!("python/{dist_prefix}")) && n.ends_with(".dist-info/WHEEL")
        })
        .unwrap_or_else(|| panic!("no {dist_prefix} WHEEL in {names:?}"));
    let dir = tempfile::tempdir().unwrap();
    lamina_build::archive::extract(zip, dir.path()).unwrap();
    std::fs::read_to_string(dir.path().join(wheel)).unwrap()
}

/// Finding 2: greenlet 3.3.0 ships only `manylinux_2_24`/`_2_28` wheels, which Lambda runs
/// (python3.11: glibc 2.26; python3.12: glibc 2.34). cryptography ships `manylinux2014`,
/// `_2_28` and `_2_34` wheels: Amazon Linux 2 must get the 2014 one, which loads on glibc 2.26.
#[test]
fn manylinux_2_24_only_wheels_build_for_both_amazon_linuxes() {
    for (python, cryptography_tag) in [
        ("3.11", "manylinux2014_x86_64"),
        ("3.12", "manylinux_2_34_x86_64"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        tiny(root, "x86_64");
        let toml = std::fs::read_to_string(root.join("lamina.toml"))
            .unwrap()
            .replace("python = \"3.11\"", &format!("python = \"{python}\""));
        write(root, "lamina.toml", &toml);
        write(
            root,
            "layers/deps/requirements.txt",
            "mangum==0.19.0\nmarkupsafe==3.0.2\ngreenlet==3.3.0\ncryptography==50.0.2\n",
        );
        let mut opts = options();
        opts.slim.compile = false;
        let out = lamina_build::build(&load(root), &opts, &Silent)
            .unwrap_or_else(|e| panic!("python {python}: {e}\n{:?}", e.hint()));
        let zip = std::fs::read(root.join(&find(&out, Kind::Layer, "deps").path)).unwrap();
        let greenlet = wheel_tags(&zip, "greenlet-3.3.0");
        assert!(greenlet.contains("manylinux_2_24_x86_64"), "{greenlet}");
        let crypto = wheel_tags(&zip, "cryptography-50.0.2");
        assert!(
            crypto.contains(cryptography_tag),
            "python {python}: {crypto}"
        );
        // Finding 6: uv's empty `.lock` never ships.
        let names = zip_names(&root.join(&find(&out, Kind::Layer, "deps").path));
        assert!(!names.iter().any(|n| n.ends_with(".lock")), "{names:?}");
        let manifest = &out.manifest;
        let glibc = if python == "3.11" { "2.26" } else { "2.34" };
        assert_eq!(manifest.glibc, glibc);
    }
}

/// Finding 1: a lock that no longer pins a package the requirements ask for (as when two locks
/// overwrote each other) fails the build instead of shipping a layer without it.
#[test]
fn a_lock_missing_a_requirement_fails_the_build() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    tiny(root, "x86_64");
    build(root);
    let path = root.join("layers/deps/requirements.lock");
    let lock = std::fs::read_to_string(&path).unwrap();
    let body = lamina_build::lock::body(&lock);
    let header = &lock[..lock.len() - body.len()];
    let kept: String = lamina_build::lock::pins(&lock)
        .into_iter()
        .filter(|p| p.name != "markupsafe")
        .map(|p| p.text)
        .collect();
    let broken = format!("{header}{kept}");
    assert!(!broken.contains("markupsafe=="), "{broken}");
    std::fs::write(&path, broken).unwrap();
    let err = lamina_build::build(&load(root), &options(), &Silent).unwrap_err();
    assert!(
        matches!(err, BuildError::Coverage(_)) && err.to_string().contains("`markupsafe`"),
        "{err}"
    );
}

/// A handler that imports a module no lock provides fails the build (exit 1), naming it; once
/// a build passed, the next one imports nothing again, and needs no uv.
#[test]
fn a_handler_that_cannot_import_fails_the_build() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    tiny(root, "x86_64");
    let good = build(root);
    assert!(good.warnings.is_empty(), "{:?}", good.warnings);
    let mut no_uv = options();
    no_uv.uv = Some("/nonexistent/uv".into());
    let again =
        lamina_build::build(&load(root), &no_uv, &Silent).expect("a no-op build needs no uv");
    assert!(again.noop);

    write(
        root,
        "alpha/handler.py",
        "import yaml\n\n\ndef handler(event, context):\n    return {}\n",
    );
    let err = lamina_build::build(&load(root), &options(), &Silent).unwrap_err();
    assert!(matches!(err, BuildError::ImportCheck(_)), "{err}");
    assert!(
        err.to_string()
            .contains("function alpha cannot import its handler"),
        "{err}"
    );
    assert!(err.to_string().contains("`yaml`"), "{err}");
    assert!(err.is_user_error());

    // An exception other than a missing module may need the cloud: a warning, not an error.
    write(
        root,
        "alpha/handler.py",
        "import os\nos.environ['DATABASE_URL']\n\n\ndef handler(event, context):\n    return {}\n",
    );
    let warned = build(root);
    assert!(
        warned
            .warnings
            .iter()
            .any(|w| w.contains("KeyError") && w.contains("function alpha")),
        "{:?}",
        warned.warnings
    );
}

/// A layer's `exclude` leaves packages (and what only they need) out of the layer: the lock
/// still pins them, the zip does not ship them.
#[test]
fn a_layer_excludes_what_the_app_never_imports() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    tiny(root, "x86_64");
    let toml = std::fs::read_to_string(root.join("lamina.toml"))
        .unwrap()
        .replace(
            "requirements = \"layers/deps/requirements.txt\"",
            "requirements = \"layers/deps/requirements.txt\"\nexclude = [\"mangum\"]",
        );
    write(root, "lamina.toml", &toml);
    let out = build(root);
    let lock = std::fs::read_to_string(root.join("layers/deps/requirements.lock")).unwrap();
    assert!(
        lock.contains("mangum==") && lock.contains("typing-extensions=="),
        "{lock}"
    );
    let names = zip_names(&root.join(&find(&out, Kind::Layer, "deps").path));
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("python/mangum") || n.starts_with("python/typing_extensions")),
        "{names:?}"
    );
    assert!(names.iter().any(|n| n.starts_with("python/markupsafe/")));
}
