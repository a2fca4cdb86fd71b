//! An existing FastAPI service (tests/fixtures/shopapi: its own JWT login, SQLAlchemy with
//! alembic migrations, pyproject + uv.lock, dependencies that ship only manylinux_2_24/_2_26
//! wheels, its own pytest suite), adopted as docs/adopt.md says: `add domain --from`, then
//! `lamina run -- alembic upgrade head`, `lamina build` (and `--profile`), `lamina dev` with
//! requests through the gateway, live config edits, and `lamina run -- pytest`. Against SQLite.
//!
//! Each numbered finding of issue 8 is checked on the way (see the comments `finding N`).
//!
//! Needs uv and PyPI: run by scripts/test.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{Dev, http, lamina, project_processes, run};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shopapi")
}

/// `lamina new shop` (python 3.11, one template domain `user`) in `dir`.
fn new_project(dir: &Path) -> PathBuf {
    let r = run(lamina(dir).args([
        "new",
        "shop",
        "--owner",
        "me",
        "--python",
        "3.11",
        "--domains",
        "user",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    dir.join("shop")
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.contains(from),
        "{} has no `{from}`:\n{text}",
        path.display()
    );
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Through the gateway, with the app's own auth: register, log in, add an item. Returns the
/// `Bearer` header value.
async fn sign_up_and_add_an_item(dev: &Dev, email: &str, item: &str) -> String {
    let api = dev.api;
    let json = [("content-type", "application/json")];
    let creds = format!(r#"{{"email":"{email}","password":"correct-horse-1"}}"#);
    let r = http(
        api,
        "POST",
        "/api/auth/register",
        &json,
        Some(creds.as_bytes()),
    )
    .await;
    assert_eq!(r.status, 201, "{}\n{}", r.text(), dev.tail(40));
    let r = http(
        api,
        "POST",
        "/api/auth/login",
        &json,
        Some(creds.as_bytes()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let bearer = format!("Bearer {}", r.json()["access_token"].as_str().unwrap());
    let auth = [
        ("authorization", bearer.as_str()),
        ("content-type", "application/json"),
    ];
    let body = format!(r#"{{"name":"{item}"}}"#);
    let r = http(api, "POST", "/api/items", &auth, Some(body.as_bytes())).await;
    assert_eq!(r.status, 201, "{}", r.text());
    bearer
}

/// A handler that answers with its `GREETING` variable: what live config edits are seen by.
const GREETER: &str = r#"import json
import os


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"greeting": os.environ.get("GREETING")})}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs uv and PyPI: run by scripts/test"]
async fn an_existing_fastapi_app_is_adopted_built_served_and_tested() {
    let tmp = tempfile::tempdir().unwrap();
    let root = new_project(tmp.path());
    let toml_path = root.join("lamina.toml");

    // Adopt: copy, handler, layer, table, and what is left to decide.
    let from = fixture();
    let r = run(lamina(&root)
        .args(["add", "domain", "api", "--from"])
        .arg(&from));
    assert_eq!(r.code, 0, "{}", r.stderr);
    for note in [
        "auth:",
        "env:",
        "`DATABASE_URL`",
        "database:",
        "alembic upgrade head",
    ] {
        assert!(r.stderr.contains(note), "no `{note}` in:\n{}", r.stderr);
    }
    let toml = std::fs::read_to_string(&toml_path).unwrap();
    for line in [
        "[layers.api-deps]",
        "project = \"backend/api\"",
        "auth = \"none\"",
        "probe_path = \"/api/health\"",
    ] {
        assert!(toml.contains(line), "no `{line}` in:\n{toml}");
    }
    assert!(root.join("backend/api/handler.py").is_file());
    assert!(!root.join("backend/api/.venv").exists());

    // Local-only values: the database URL in the env file, a secret in lamina.local.toml.
    let db = tmp.path().join("shop.db");
    std::fs::write(
        root.join("backend/api/.env"),
        format!(
            "DATABASE_URL=sqlite:///{}\nJWT_SECRET=local-secret-local-secret-local-secret\n",
            db.display()
        ),
    )
    .unwrap();
    edit(
        &toml_path,
        "probe_path = \"/api/health\"\n",
        "probe_path = \"/api/health\"\nenv_file = \"backend/api/.env\"\nsecrets = [\"payments-key\"]\n",
    );
    std::fs::write(
        root.join("lamina.local.toml"),
        "[secrets]\npayments-key = \"sk-local\"\n",
    )
    .unwrap();
    let gitignore = std::fs::read_to_string(root.join(".gitignore")).unwrap();
    assert!(
        gitignore.contains("/backend/api/.env") && gitignore.contains("lamina.local.toml"),
        "{gitignore}"
    );

    // Finding 8: a command with the domain's environment and the dev venv.
    let r = run(lamina(&root).args(["run", "-d", "api", "--", "alembic", "upgrade", "head"]));
    assert_eq!(r.code, 0, "alembic: {}\n{}", r.stdout, r.stderr);
    assert!(db.is_file(), "the migration made {}", db.display());
    let r = run(lamina(&root).args([
        "run",
        "-d",
        "api",
        "--",
        "python",
        "-c",
        "import os; print(os.environ['LAMINA_SECRET_PAYMENTS_KEY_VALUE'], os.environ['LAMINA_ROUTE_PREFIX'])",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.trim(), "sk-local /api");
    // Its exit code is the command's.
    let r = run(lamina(&root).args([
        "run",
        "-d",
        "api",
        "--",
        "python",
        "-c",
        "raise SystemExit(7)",
    ]));
    assert_eq!(r.code, 7, "{}", r.stderr);

    // Finding 2: greenlet 3.3 and argon2-cffi-bindings 25.1 (manylinux_2_24/_2_26 wheels only)
    // build for python3.11's Amazon Linux 2. Finding 1: the project layer and the domain lock
    // to different files, and the build (with its import check) succeeds.
    let r = run(lamina(&root).args(["build"]));
    assert_eq!(r.code, 0, "build: {}\n{}", r.stdout, r.stderr);
    assert!(root.join("backend/api/layer-api-deps.lock").is_file());
    assert!(root.join("backend/api/requirements.lock").is_file());
    let r = run(lamina(&root).args(["lock", "--check"]));
    assert_eq!(r.code, 0, "lock --check after a build: {}", r.stderr);
    // A no-op build only hashes: it spawns no uv.
    let r = run(lamina(&root)
        .args(["build"])
        .env("LAMINA_UV", "/nonexistent/uv"));
    assert_eq!(r.code, 0, "no-op build: {}", r.stderr);
    assert!(r.stderr.contains("Fresh"), "{}", r.stderr);
    // Finding 6: no uv `.lock` in any zip.
    let manifest = lamina_build::read_manifest(&root, "dev").unwrap();
    for artifact in manifest.layers.values().chain(manifest.functions.values()) {
        let zip = std::fs::read(root.join(&artifact.path)).unwrap();
        let names: Vec<String> = lamina_build::archive::read_entries(&zip)
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert!(
            !names.iter().any(|n| n.rsplit('/').next() == Some(".lock")),
            "{} ships a .lock",
            artifact.name
        );
        if artifact.name == "api" {
            // The function ships the app's code, not its locks or project files.
            for skipped in [
                "layer-api-deps.lock",
                "requirements.lock",
                "uv.lock",
                "pyproject.toml",
            ] {
                assert!(
                    !names.iter().any(|n| n == skipped),
                    "the api zip has {skipped}"
                );
            }
            assert!(names.iter().any(|n| n == "app/main.py"));
        }
        if artifact.name == "api-deps" {
            for package in [
                "python/greenlet/",
                "python/_argon2_cffi_bindings/",
                "python/sqlalchemy/",
            ] {
                assert!(names.iter().any(|n| n.starts_with(package)), "no {package}");
            }
        }
    }

    // Finding 4: the profile probes the domain's own path.
    let r = run(lamina(&root).args(["build", "--profile", "--profile-runs", "1"]));
    assert_eq!(r.code, 0, "profile: {}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("GET /api/health → 200"), "{}", r.stdout);
    // A probe path the app does not serve: the path and the status, and how to choose another.
    edit(
        &toml_path,
        "probe_path = \"/api/health\"",
        "probe_path = \"/api/nope\"",
    );
    let r = run(lamina(&root).args(["build", "--profile", "--profile-runs", "1"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("answered `GET /api/nope` with status 404")
            && r.stderr.contains("probe_path")
            && !r.stderr.contains("Some(")
            && !r.stderr.contains("budget"),
        "{}",
        r.stderr
    );
    edit(
        &toml_path,
        "probe_path = \"/api/nope\"",
        "probe_path = \"/api/health\"",
    );

    // lamina dev: the app's own login, an authenticated call, its docs under the prefix.
    let mut dev = tokio::task::block_in_place(|| Dev::start(&root, &["--no-frontend"]));
    let api = dev.api;
    let bearer = sign_up_and_add_an_item(&dev, "ada@example.com", "kettle").await;
    let auth = [("authorization", bearer.as_str())];
    let r = http(api, "GET", "/api/items", &auth, None).await;
    assert_eq!(r.json()[0]["name"], "kettle");
    let r = http(api, "GET", "/api/items", &[], None).await;
    assert_eq!(r.status, 401, "the app's own auth refuses: {}", r.text());
    let r = http(api, "GET", "/api/docs", &[], None).await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("'/api/openapi.json'"), "{}", r.text());
    let r = http(api, "GET", "/api/openapi.json", &[], None).await;
    assert_eq!(r.status, 200);
    assert!(r.json()["paths"]["/auth/login"].is_object());
    // The template's domain stays behind Cognito's JWT authorizer.
    let r = http(api, "GET", "/user/me", &[], None).await;
    assert_eq!(r.status, 401);

    // Finding 10: a traceback is printed once.
    let r = http(api, "GET", "/api/boom", &[], None).await;
    assert_eq!(r.status, 500);
    let printed = tokio::task::block_in_place(|| {
        dev.wait_log(Duration::from_secs(10), |l| l.contains("GET /api/boom 500"))
    });
    assert!(printed, "{}", dev.tail(30));
    assert_eq!(
        dev.log().matches("RuntimeError: boom from shopapi").count(),
        1,
        "{}",
        dev.tail(80)
    );

    // Finding 5: a new domain, public, with env values, without a restart; then an env change;
    // then a bad edit that keeps the running config.
    std::fs::create_dir_all(root.join("backend/greeter")).unwrap();
    std::fs::write(root.join("backend/greeter/handler.py"), GREETER).unwrap();
    let mut toml = std::fs::read_to_string(&toml_path).unwrap();
    toml.push_str("\n[domains.greeter]\npath = \"backend/greeter\"\nauth = \"none\"\n\n[domains.greeter.env]\nGREETING = \"hi\"\n");
    std::fs::write(&toml_path, &toml).unwrap();
    let greeting = |want: &'static str| async move {
        for _ in 0..100 {
            let r = http(api, "GET", "/greeter/x", &[], None).await;
            if r.status == 200 && r.json()["greeting"] == want {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        false
    };
    assert!(
        greeting("hi").await,
        "the new domain never answered\n{}",
        dev.tail(40)
    );
    edit(&toml_path, "GREETING = \"hi\"", "GREETING = \"hello\"");
    assert!(
        greeting("hello").await,
        "the env edit was not applied\n{}",
        dev.tail(40)
    );
    edit(
        &toml_path,
        "auth = \"none\"\n\n[domains.greeter.env]",
        "auth = \"nobody\"\n\n[domains.greeter.env]",
    );
    let warned = tokio::task::block_in_place(|| {
        dev.wait_log(Duration::from_secs(20), |l| {
            l.contains("the running config stays")
        })
    });
    assert!(warned, "{}", dev.tail(30));
    let log = dev.log();
    assert!(
        log.contains("auth = \"nobody\"") && log.contains("^^^^^^^^"),
        "{}",
        dev.tail(30)
    );
    assert!(
        greeting("hello").await,
        "a bad edit keeps the running config"
    );
    edit(&toml_path, "auth = \"nobody\"", "auth = \"none\"");

    // Finding 10: after an edit, the next request is a cold start; a worker forked from the
    // zygote says so, and what a fresh process takes is measured and printed. (Whether it forks
    // depends on the zygote being ready; a plain start shows its own, real, init time.)
    std::fs::write(root.join("backend/api/app/extra.py"), "EXTRA = 1\n").unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let before = dev.log().len();
    let r = http(api, "GET", "/api/health", &[], None).await;
    assert_eq!(r.status, 200);
    let logged = tokio::task::block_in_place(|| {
        dev.wait_log(Duration::from_secs(10), |l| {
            l[before..].contains("GET /api/health 200")
        })
    });
    assert!(logged, "{}", dev.tail(30));
    let log = dev.log();
    let line = log[before..]
        .lines()
        .find(|l| l.contains("GET /api/health 200"))
        .unwrap()
        .to_owned();
    assert!(line.contains(" cold"), "a cold start after an edit: {line}");
    if line.contains("forked") {
        let measured = tokio::task::block_in_place(|| {
            dev.wait_log(Duration::from_secs(60), |l| {
                l.contains("a fresh cold start of this code takes")
            })
        });
        assert!(measured, "{}", dev.tail(30));
    } else {
        assert!(line.contains(" cold (init "), "{line}");
    }

    // Stopping leaves nothing behind.
    dev.signal("INT");
    let status = tokio::task::block_in_place(|| dev.wait_exit(Duration::from_secs(60)));
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?}\n{}",
        dev.tail(20)
    );
    let left = tokio::task::block_in_place(|| {
        common::poll(Duration::from_secs(20), || {
            project_processes(&root).is_empty().then_some(())
        })
    });
    assert!(left.is_some(), "{:?}", project_processes(&root));

    // Finding 8: the app's own test suite, with its dev group (pytest, httpx) in the dev venv.
    let r = run(lamina(&root).args([
        "run",
        "-d",
        "api",
        "--",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
    ]));
    assert_eq!(r.code, 0, "pytest: {}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("3 passed"), "{}", r.stdout);

    // Finding 3: the dev venv has exactly the versions the build ships.
    let lock = std::fs::read_to_string(root.join("backend/api/layer-api-deps.lock")).unwrap();
    let pinned = |name: &str| {
        lock.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}==")))
            .map(|v| v.trim_end_matches(" \\").trim().to_owned())
            .unwrap_or_else(|| panic!("no {name} in the lock"))
    };
    let r = run(lamina(&root).args([
        "run",
        "-d",
        "api",
        "--",
        "python",
        "-c",
        "import importlib.metadata as m; print(m.version('sqlalchemy'), m.version('greenlet'))",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout.trim(),
        format!("{} {}", pinned("sqlalchemy"), pinned("greenlet"))
    );
}

/// A PostgreSQL server in a temporary directory on a loopback port, stopped when dropped. As
/// root (CI), it runs as `nobody`: PostgreSQL refuses to run as root.
struct Postgres {
    data: PathBuf,
    as_nobody: bool,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Postgres {
    /// `None` when PostgreSQL's binaries are not installed.
    fn start() -> Option<Postgres> {
        let initdb = lamina_toolchain::which("initdb")?;
        let pg_ctl = lamina_toolchain::which("pg_ctl")?;
        let dir = tempfile::Builder::new()
            .prefix("lamina-pg-")
            .tempdir_in("/tmp")
            .unwrap();
        let data = dir.path().join("data");
        let as_nobody = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if as_nobody {
            let ok = std::process::Command::new("chown")
                .args(["-R", "nobody"])
                .arg(dir.path())
                .status()
                .unwrap()
                .success();
            assert!(ok, "chown failed");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let run = |program: &Path, args: &[String]| {
            let mut cmd = if as_nobody {
                let mut c = std::process::Command::new("runuser");
                c.args(["-u", "nobody", "--"]).arg(program);
                c
            } else {
                std::process::Command::new(program)
            };
            let out = cmd.args(args).current_dir(dir.path()).output().unwrap();
            assert!(
                out.status.success(),
                "{} failed: {out:?}",
                program.display()
            );
        };
        let d = data.display().to_string();
        run(
            &initdb,
            &[
                "-D".into(),
                d.clone(),
                "-U".into(),
                "postgres".into(),
                "--auth=trust".into(),
                "-E".into(),
                "UTF8".into(),
            ],
        );
        run(
            &pg_ctl,
            &[
                "-D".into(),
                d,
                "-l".into(),
                dir.path().join("log").display().to_string(),
                "-o".into(),
                format!("-p {port} -h 127.0.0.1 -k {}", dir.path().display()),
                "-w".into(),
                "start".into(),
            ],
        );
        Some(Postgres {
            data,
            as_nobody,
            port,
            _dir: dir,
        })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let Some(pg_ctl) = lamina_toolchain::which("pg_ctl") else {
            return;
        };
        let mut cmd = if self.as_nobody {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "nobody", "--"]).arg(pg_ctl);
            c
        } else {
            std::process::Command::new(pg_ctl)
        };
        let _ = cmd
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "fast", "-w", "stop"])
            .output();
    }
}

/// The same app on PostgreSQL (pg8000), when PostgreSQL is installed: migrations with
/// `lamina run`, then its own login and authenticated calls through `lamina dev`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs uv, PyPI and PostgreSQL: run by scripts/test"]
#[allow(clippy::print_stderr)] // says why it did nothing
async fn the_adopted_app_runs_on_postgres() {
    let Some(pg) = Postgres::start() else {
        eprintln!(
            "PostgreSQL is not installed (no initdb/pg_ctl on PATH): the SQLite test covers the rest"
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let root = new_project(tmp.path());
    let r = run(lamina(&root)
        .args(["add", "domain", "api", "--from"])
        .arg(fixture()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    std::fs::write(
        root.join("backend/api/.env"),
        format!(
            "DATABASE_URL=postgresql+pg8000://postgres@127.0.0.1:{}/postgres\nJWT_SECRET=local-secret-local-secret-local-secret\n",
            pg.port
        ),
    )
    .unwrap();
    edit(
        &root.join("lamina.toml"),
        "probe_path = \"/api/health\"\n",
        "probe_path = \"/api/health\"\nenv_file = \"backend/api/.env\"\n",
    );
    let r = run(lamina(&root).args(["run", "-d", "api", "--", "alembic", "upgrade", "head"]));
    assert_eq!(
        r.code, 0,
        "alembic on PostgreSQL: {}\n{}",
        r.stdout, r.stderr
    );
    assert!(r.stderr.contains("PostgresqlImpl"), "{}", r.stderr);

    let dev = tokio::task::block_in_place(|| Dev::start(&root, &["--no-frontend"]));
    let api = dev.api;
    let bearer = sign_up_and_add_an_item(&dev, "pg@example.com", "teapot").await;
    let auth = [("authorization", bearer.as_str())];
    let r = http(api, "GET", "/api/me", &auth, None).await;
    assert_eq!(r.json()["email"], "pg@example.com");
    drop(dev);
    drop(pg);
}
