//! The rides example in a real browser: `lamina dev` of a freshly scaffolded example, started and
//! stopped by this test, driven in headless Chromium by playwright-core (tests/e2e/rides.mjs):
//! sign-in through the local Cognito, /user/me, a ride requested and paid for, silent renewal of
//! an expired access token, a revoked refresh token back to sign-in, sign-out. Then, with the
//! stack still running, a new route reaches the frontend's typed client by itself.
//!
//! Needs Chromium (`CHROMIUM`, else `chromium` on PATH; `.ci/run` installs Debian's), Node with
//! npm, and uv. On failure the driver saves a screenshot, the page and the browser console under
//! `target/tmp/e2e-rides/` and prints their paths.

#![allow(clippy::print_stderr)] // the driver's steps and timings are the report

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Dev, add_greeting_route, check, example, poll};

/// A port free right now (the OS picks it), for the frontend: its callback URL must be known
/// before `lamina dev` starts, since lamina.toml lists it.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| lamina_toolchain::which("chromium"))
        .expect("Chromium is needed: `apt-get install chromium` (.ci/run does), or set CHROMIUM")
}

/// The driver, copied out of the source tree and installed from its lock file.
fn driver(tmp: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e");
    let dir = tmp.join("e2e");
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["package.json", "package-lock.json", "rides.mjs"] {
        std::fs::copy(src.join(file), dir.join(file)).unwrap();
    }
    check(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir),
        "npm ci (e2e driver)",
    );
    dir
}

/// Serves the lamina.toml of the example on another frontend port: the dev stage's CORS origins
/// and callback / sign-out URLs name the Vite origin.
fn use_frontend_port(root: &Path, port: u16) {
    let path = root.join("lamina.toml");
    let toml = std::fs::read_to_string(&path).unwrap();
    assert!(
        toml.contains("http://127.0.0.1:5173/auth/callback"),
        "{toml}"
    );
    std::fs::write(&path, toml.replace(":5173", &format!(":{port}"))).unwrap();
}

fn http_ok(url: &str) -> bool {
    Command::new("node")
        .args([
            "-e",
            "fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
            url,
        ])
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
#[ignore = "needs Chromium, npm and uv: run by scripts/test"]
fn the_rides_example_works_in_a_browser() {
    let chromium = chromium();
    let (tmp, root) = example();
    let web_port = free_port();
    use_frontend_port(&root, web_port);
    let driver = driver(tmp.path());
    check(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(root.join("frontend")),
        "npm ci (frontend)",
    );

    let port = web_port.to_string();
    let dev = Dev::start(&root, &["--frontend-port", &port]);
    let app = format!("http://127.0.0.1:{web_port}");
    let auth_origin = format!("http://127.0.0.1:{}", dev.auth_port);
    assert!(
        poll(Duration::from_secs(120), || http_ok(&app).then_some(())).is_some(),
        "Vite did not answer at {app}:\n{}",
        dev.tail(40)
    );
    // The first regeneration of the client (at start) has finished: nothing changed, so it
    // wrote nothing, and it must not have failed.
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-rides");
    let _ = std::fs::remove_dir_all(&artifacts);

    let started = Instant::now();
    let out = Command::new("node")
        .arg(driver.join("rides.mjs"))
        .current_dir(&driver)
        .env("APP_URL", &app)
        .env("AUTH_ORIGIN", &auth_origin)
        .env("CLIENT_ID", lamina_auth::local_client_id("rides"))
        .env("CHROMIUM", &chromium)
        .env("ARTIFACTS", &artifacts)
        .env("USERNAME", "alice")
        .env("PASSWORD", "Alice-local-1!")
        .env("ACCESS_MINUTES", "60")
        .output()
        .expect("node runs the driver");
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}{stderr}");
    assert!(
        out.status.success(),
        "the browser test failed after {:.1} s (screenshot and console under {}):\n{stderr}\n--- lamina dev ---\n{}",
        elapsed.as_secs_f64(),
        artifacts.display(),
        dev.tail(60)
    );
    eprintln!("browser test passed in {:.1} s", elapsed.as_secs_f64());
    assert!(
        !dev.log()
            .contains("the frontend's client was not regenerated"),
        "{}",
        dev.tail(40)
    );

    // A route added while `lamina dev` runs reaches the typed client, debounced and by itself.
    let schema = root.join("frontend/src/api/schema.d.ts");
    add_greeting_route(&root);
    let regenerated = poll(Duration::from_secs(90), || {
        std::fs::read_to_string(&schema)
            .ok()
            .filter(|s| s.contains("\"/user/me/greeting\""))
    });
    assert!(
        regenerated.is_some(),
        "the client did not follow the new route:\n{}",
        dev.tail(40)
    );
    assert!(dev.log().contains("openapi: wrote"), "{}", dev.tail(20));
    drop(dev);
}
