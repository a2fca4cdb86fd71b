//! A generated project passes its own ecosystems' checks: ruff and pytest for every domain and
//! the shared package, `terraform fmt` and `validate` for every stage, and the frontend build.
//! Also after `lamina add domain`. Needs uv, terraform and npm (scripts/test provides them).

#![allow(clippy::print_stderr)] // it reports the frontend's size

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{check, lamina, run};

fn tool(env: &str, name: &str) -> PathBuf {
    std::env::var_os(env).map_or_else(|| PathBuf::from(name), PathBuf::from)
}

/// A Terraform CLI config that takes the AWS provider from a local mirror, when the machine has
/// one (`LAMINA_TF_MIRROR`, default `/opt/tf-plugins`); otherwise Terraform uses the registry.
fn terraform(dir: &Path, tmp: &Path) -> Command {
    let mut cmd = Command::new("terraform");
    cmd.current_dir(dir)
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1");
    let mirror = std::env::var("LAMINA_TF_MIRROR").unwrap_or_else(|_| "/opt/tf-plugins".into());
    if Path::new(&mirror).is_dir() {
        let rc = tmp.join("terraform.rc");
        std::fs::write(
            &rc,
            format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{mirror}\"\n    include = [\"registry.terraform.io/hashicorp/*\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/hashicorp/*\"]\n  }}\n}}\n"
            ),
        )
        .unwrap();
        cmd.env("TF_CLI_CONFIG_FILE", rc);
    }
    cmd
}

fn domains(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root.join("backend"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("tests").is_dir())
        .collect();
    out.sort();
    out
}

#[test]
#[ignore = "needs uv, terraform and npm: run by scripts/test"]
fn generated_project_passes_its_own_checks() {
    let tmp = tempfile::tempdir().unwrap();
    let r = run(lamina(tmp.path()).args(["new", "rides", "--owner", "team"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let root = tmp.path().join("rides");
    let r = run(lamina(&root).args(["add", "domain", "orders"]));
    assert_eq!(r.code, 0, "{}", r.stderr);

    // Python: one venv with the dev requirements and every domain's own requirements.
    let uv = tool("LAMINA_UV", "uv");
    let venv = tmp.path().join("venv");
    check(
        Command::new(&uv)
            .args(["venv", "-q", "--python", "3.11"])
            .arg(&venv),
        "uv venv",
    );
    let mut install = Command::new(&uv);
    install
        .args(["pip", "install", "-q", "--python"])
        .arg(venv.join("bin/python"));
    install
        .arg("-r")
        .arg(root.join("backend/requirements-dev.txt"));
    for d in domains(&root) {
        let req = d.join("requirements.txt");
        if req.is_file() {
            install.arg("-r").arg(req);
        }
    }
    check(&mut install, "uv pip install");
    let bin = venv.join("bin");
    check(
        Command::new(bin.join("ruff"))
            .args(["check", "backend"])
            .current_dir(&root),
        "ruff check",
    );
    check(
        Command::new(bin.join("ruff"))
            .args(["format", "--check", "backend"])
            .current_dir(&root),
        "ruff format --check",
    );
    let all = domains(&root);
    for name in ["shared", "user", "ride", "payment", "orders"] {
        assert!(
            all.contains(&root.join("backend").join(name)),
            "backend/{name} has no tests"
        );
    }
    for dir in all {
        check(
            Command::new(bin.join("pytest"))
                .args(["-q", "-p", "no:cacheprovider"])
                .current_dir(&dir),
            &format!("pytest in {}", dir.display()),
        );
    }

    // Terraform: formatted, and every stage root validates against the real AWS provider.
    let infra = root.join("infra/terraform");
    check(
        terraform(&infra, tmp.path()).args(["fmt", "-check", "-recursive"]),
        "terraform fmt -check",
    );
    for stage in ["dev", "staging", "prod"] {
        let dir = infra.join(stage);
        check(
            terraform(&dir, tmp.path()).args([
                "init",
                "-backend=false",
                "-input=false",
                "-no-color",
            ]),
            &format!("terraform init ({stage})"),
        );
        check(
            terraform(&dir, tmp.path()).args(["validate", "-no-color"]),
            &format!("terraform validate ({stage})"),
        );
    }

    // checkov, offline, finds nothing: every finding is fixed or skipped inline with a reason.
    let checkov = std::env::var_os("LAMINA_CHECKOV")
        .expect("set LAMINA_CHECKOV to a checkov binary (scripts/test installs one)");
    check(
        Command::new(&checkov)
            .args([
                "-d",
                ".",
                "--framework",
                "terraform",
                "--compact",
                "--quiet",
                "--skip-download",
            ])
            .current_dir(&infra)
            .env("BC_SKIP_MAPPING", "TRUE"),
        "checkov",
    );

    // Frontend: installs from its lock file and builds.
    let frontend = root.join("frontend");
    check(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&frontend),
        "npm ci",
    );
    check(
        Command::new("npm").args(["test"]).current_dir(&frontend),
        "npm test (vitest)",
    );
    check(
        Command::new("npm")
            .args(["run", "build"])
            .current_dir(&frontend),
        "npm run build",
    );
    assert!(frontend.join("dist/index.html").is_file());

    // The first page's JavaScript, gzipped: the entry, what it imports, and the home page's chunk.
    let (total, files) = initial_js_gzip(&frontend.join("dist"), "home");
    eprintln!("initial JS, gzipped: {total} bytes");
    for (name, size) in &files {
        eprintln!("  {size:>7}  {name}");
    }
    assert!(
        total < 150_000,
        "the first page needs {total} bytes of gzipped JS (budget: 150 KB): {files:?}"
    );

    // pre-commit: every generated hook is local and passes offline on the project as it is (the
    // typed client refreshed for the added domain first), `lamina check` before a push included.
    check(
        lamina(&root).args(["openapi"]),
        "lamina openapi (for the added domain)",
    );
    let git = |args: &[&str]| {
        check(
            Command::new("git")
                .args(args)
                .current_dir(&root)
                .env("GIT_AUTHOR_NAME", "t")
                .env("GIT_AUTHOR_EMAIL", "t@example.com")
                .env("GIT_COMMITTER_NAME", "t")
                .env("GIT_COMMITTER_EMAIL", "t@example.com"),
            &format!("git {args:?}"),
        );
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    let cilint = PathBuf::from(
        std::env::var_os("LAMINA_CILINT").expect("scripts/env.sh sets LAMINA_CILINT"),
    );
    let lamina_bin = PathBuf::from(env!("CARGO_BIN_EXE_lamina"));
    let mut path = vec![bin.clone(), lamina_bin.parent().unwrap().to_path_buf()];
    path.push(PathBuf::from(&checkov).parent().unwrap().to_path_buf());
    path.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap()));
    let pre_commit = |stage: &str| {
        let mut cmd = Command::new(cilint.join("pre-commit"));
        cmd.args([
            "run",
            "--all-files",
            "--show-diff-on-failure",
            "--hook-stage",
            stage,
        ])
        .current_dir(&root)
        .env("PATH", std::env::join_paths(&path).unwrap())
        .env("PRE_COMMIT_HOME", tmp.path().join("pre-commit-home"));
        if let Some(rc) = terraform(&root, tmp.path())
            .get_envs()
            .find(|(k, _)| *k == "TF_CLI_CONFIG_FILE")
            .and_then(|(_, v)| v)
        {
            cmd.env("TF_CLI_CONFIG_FILE", rc);
        }
        cmd
    };
    check(
        &mut pre_commit("pre-commit"),
        "pre-commit run (commit hooks)",
    );
    check(
        &mut pre_commit("pre-push"),
        "pre-commit run (lamina check before a push)",
    );
}

/// `import … from"./x.js"` and `import"./x.js"` of a built chunk.
fn static_imports(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in ["from\"./", "import\"./"] {
        let mut rest = code;
        while let Some(i) = rest.find(marker) {
            rest = &rest[i + marker.len()..];
            if let Some(end) = rest.find('"') {
                out.push(rest[..end].to_owned());
            }
        }
    }
    out
}

/// Gzipped bytes of the JS a browser loads to show `/`: the entry and modulepreloads of
/// index.html, plus the lazy chunk of the route module `page` (`home`), with every static import.
fn initial_js_gzip(dist: &Path, page: &str) -> (usize, Vec<(String, usize)>) {
    use std::io::Write as _;

    let assets = dist.join("assets");
    let html = std::fs::read_to_string(dist.join("index.html")).unwrap();
    let mut todo: Vec<String> = html
        .split('"')
        .filter_map(|s| s.strip_prefix("/assets/"))
        .filter(|s| s.ends_with(".js"))
        .map(str::to_owned)
        .collect();
    let page_chunk = std::fs::read_dir(&assets)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with(&format!("{page}-")) && n.ends_with(".js"))
        .unwrap_or_else(|| panic!("no {page}-*.js chunk in {}", assets.display()));
    todo.push(page_chunk);
    let mut seen: Vec<(String, usize)> = Vec::new();
    while let Some(name) = todo.pop() {
        if seen.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let code = std::fs::read_to_string(assets.join(&name)).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(code.as_bytes()).unwrap();
        seen.push((name, gz.finish().unwrap().len()));
        todo.extend(static_imports(&code));
    }
    seen.sort();
    (seen.iter().map(|(_, n)| n).sum(), seen)
}
