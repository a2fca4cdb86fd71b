//! A machine with nothing but `lamina` (and Python): `lamina new`, `build` and `dev` work with a
//! PATH that holds no uv, whether lamina came from `cargo install` (it downloads the pinned uv
//! once, verified, into the per-user cache) or from its wheel (`pipx`/`uv tool install`: it
//! uses the uv installed beside it, and downloads nothing).
//!
//! Needs PyPI (and, for the wheel, maturin from PyPI and the Rust toolchain): run by
//! scripts/test.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Dev, http, run};

/// A directory for PATH holding `lamina` (a symlink to `exe`) and this machine's Python 3.11,
/// and nothing else; PATH is it, then `/usr/bin:/bin`, which must hold no uv.
fn bare_path(dir: &Path, exe: &Path) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(exe, bin.join("lamina")).unwrap();
    let python = Command::new("python3.11")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("these tests need python3.11 on PATH");
    let python = PathBuf::from(String::from_utf8_lossy(&python.stdout).trim());
    for name in ["python3.11", "python3"] {
        std::os::unix::fs::symlink(&python, bin.join(name)).unwrap();
    }
    let path = format!("{}:/usr/bin:/bin", bin.display());
    for dir in std::env::split_paths(&path) {
        assert!(
            !dir.join("uv").exists(),
            "{} holds a uv: this test needs a PATH without one",
            dir.display()
        );
    }
    path
}

/// `lamina` as a user runs it: their PATH, their cache, no LAMINA_UV.
fn user_lamina(exe: &Path, cwd: &Path, path: &str, cache: &Path) -> Command {
    let mut cmd = Command::new(exe);
    cmd.current_dir(cwd)
        .env("PATH", path)
        .env("LAMINA_CACHE_DIR", cache)
        .env("NO_COLOR", "1")
        .env_remove("LAMINA_UV")
        .env_remove("LAMINA_PYTHON")
        .env_remove("LAMINA_CONFIG")
        .env_remove("VIRTUAL_ENV")
        .stdin(std::process::Stdio::null());
    cmd
}

/// new + build (+ a no-op build) + dev, answering through the gateway. Returns the first
/// build's stderr.
async fn new_build_dev(exe: &Path, tmp: &Path, path: &str, cache: &Path) -> String {
    let r = run(user_lamina(exe, tmp, path, cache).args([
        "new",
        "shop",
        "--owner",
        "me",
        "--python",
        "3.11",
        "--domains",
        "user",
    ]));
    assert_eq!(r.code, 0, "lamina new: {}", r.stderr);
    let root = tmp.join("shop");
    let built = run(user_lamina(exe, &root, path, cache).args(["build", "--no-compile"]));
    assert_eq!(built.code, 0, "lamina build: {}", built.stderr);
    let again = run(user_lamina(exe, &root, path, cache).args(["build", "--no-compile"]));
    assert_eq!(again.code, 0, "second build: {}", again.stderr);
    assert!(
        !again.stderr.contains("downloading"),
        "uv is downloaded once: {}",
        again.stderr
    );
    let dev = tokio::task::block_in_place(|| {
        Dev::start_with(
            user_lamina(exe, &root, path, cache),
            &root,
            &["--no-frontend"],
        )
    });
    let r = http(dev.api, "GET", "/user/health", &[], None).await;
    assert_eq!(r.status, 200, "{}\n{}", r.text(), dev.tail(30));
    built.stderr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PyPI: run by scripts/test"]
async fn cargo_installed_lamina_obtains_uv_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_lamina"));
    let path = bare_path(tmp.path(), &exe);
    let stderr = new_build_dev(&exe, tmp.path(), &path, &cache).await;
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("downloading the pinned uv"))
        .collect();
    assert_eq!(lines.len(), 1, "one line says so:\n{stderr}");
    assert!(
        lines[0].contains(lamina_toolchain::UV_VERSION),
        "{}",
        lines[0]
    );
    let uv = cache
        .join("uv")
        .join(lamina_toolchain::UV_VERSION)
        .join("uv");
    assert!(lamina_toolchain::is_executable(&uv), "{}", uv.display());
    let version = Command::new(&uv).arg("--version").output().unwrap();
    assert!(
        String::from_utf8_lossy(&version.stdout).contains(lamina_toolchain::UV_VERSION),
        "{version:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs maturin, the Rust toolchain and PyPI: run by scripts/test"]
async fn the_wheel_installs_a_lamina_that_uses_its_own_uv() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let uv = lamina_toolchain::find_uv(Path::new("/nonexistent")).expect("the test's own uv");
    // The wheel, as a release would build it (here with the dev profile, for time).
    let out = tmp.path().join("wheels");
    let status = Command::new(&uv)
        .args([
            "tool",
            "run",
            "--from",
            "maturin>=1.7,<2",
            "maturin",
            "build",
            "--quiet",
        ])
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "maturin build failed");
    let wheel = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .expect("a wheel");
    // A clean venv, as `pipx install` or `uv tool install` makes one.
    let venv = tmp.path().join("tool-venv");
    assert!(
        Command::new(&uv)
            .args(["venv", "--quiet", "--python", "3.11"])
            .arg(&venv)
            .status()
            .unwrap()
            .success()
    );
    let installed = Command::new(&uv)
        .args(["pip", "install", "--quiet", "--python"])
        .arg(venv.join("bin/python"))
        .arg(&wheel)
        .output()
        .unwrap();
    assert!(installed.status.success(), "{installed:?}");
    assert!(venv.join("bin/uv").is_file(), "the wheel depends on uv");
    let exe = venv.join("bin/lamina");
    let path = bare_path(tmp.path(), &exe);
    let cache = tmp.path().join("cache");
    let stderr = new_build_dev(&exe, tmp.path(), &path, &cache).await;
    assert!(
        !stderr.contains("downloading"),
        "the uv beside lamina is used: {stderr}"
    );
    assert!(!cache.join("uv").exists(), "nothing was downloaded");
}
