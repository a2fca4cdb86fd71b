//! `lamina ci github`: the workflows of a new project validate against GitHub's workflow schema
//! (check-jsonschema's vendored copy, offline) and pass zizmor's audit; they test only what a
//! pull request changed, plan each stage, and deploy main stage by stage after every test, each
//! stage through OIDC with its own role, protected stages behind their environment; every action
//! is pinned by SHA. Run again, it rewrites only its marked blocks: the user's edits outside stay.
//! The Terraform of the OIDC provider and roles validates.

mod common;
mod deploy_support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{lamina, run};
use serde_json::Value;

fn cilint(tool: &str) -> PathBuf {
    let dir = std::env::var_os("LAMINA_CILINT").expect("scripts/env.sh sets LAMINA_CILINT");
    Path::new(&dir).join(tool)
}

fn ok(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{what} failed:\n{text}");
    text
}

/// Validates against the workflow schema and audits with zizmor (offline).
fn validate(root: &Path) {
    let flows = root.join(".github/workflows");
    ok(
        Command::new(cilint("check-jsonschema"))
            .args(["--builtin-schema", "vendor.github-workflows"])
            .arg(flows.join("ci.yml"))
            .arg(flows.join("deploy.yml")),
        "check-jsonschema",
    );
    let audit = ok(
        Command::new(cilint("zizmor"))
            .args(["--offline", "--no-progress", "--persona", "pedantic"])
            .arg(&flows),
        "zizmor",
    );
    assert!(audit.contains("No findings"), "{audit}");
}

/// A workflow as JSON (YAML 1.2, so `on` stays a string).
fn yaml(path: &Path) -> Value {
    let out = Command::new(cilint("python"))
        .args([
            "-c",
            "import json, sys\nfrom ruamel.yaml import YAML\nprint(json.dumps(YAML(typ='safe').load(open(sys.argv[1]))))",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn uses(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                if k == "uses" {
                    out.push(v.as_str().unwrap().to_owned());
                }
                uses(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| uses(v, out)),
        _ => {}
    }
}

fn needs(job: &Value) -> Vec<String> {
    match &job["needs"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().map(|v| v.as_str().unwrap().to_owned()).collect(),
        _ => Vec::new(),
    }
}

/// Every job a job waits for, directly or not.
fn ancestors(jobs: &Value, name: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut todo = needs(&jobs[name]);
    while let Some(n) = todo.pop() {
        if out.insert(n.clone()) {
            todo.extend(needs(&jobs[n.as_str()]));
        }
    }
    out
}

#[test]
#[ignore = "needs check-jsonschema, zizmor and terraform: run by scripts/test"]
fn workflows_validate_and_updates_keep_the_users_edits() {
    let (tmp, root) = common::example();
    let flows = root.join(".github/workflows");
    validate(&root);

    // Pull requests: a path filter per domain (with the shared paths), plans per stage.
    let text = std::fs::read_to_string(flows.join("ci.yml")).unwrap();
    let ci = yaml(&flows.join("ci.yml"));
    assert_eq!(ci["on"], serde_json::json!({"pull_request": null}));
    let filters = ci["jobs"]["changes"]["steps"][1]["with"]["filters"]
        .as_str()
        .unwrap();
    for d in ["user", "ride", "payment", "shared"] {
        assert!(
            filters.contains(&format!("unit-{d}:\n  - *shared\n  - 'backend/{d}/**'")),
            "{filters}"
        );
    }
    for shared in [
        "'lamina.toml'",
        "'backend/layers/deps/requirements.txt'",
        "'backend/shared/**'",
    ] {
        assert!(filters.contains(shared), "{filters}");
    }
    let frontend: Vec<&str> = ci["jobs"]["frontend"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect();
    assert_eq!(
        frontend,
        [
            "npm ci --no-audit --no-fund",
            "npm run typecheck",
            "npm test",
            "npm run build"
        ]
    );
    let plans: Vec<&str> = ci["jobs"]["plan"]["strategy"]["matrix"]["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["stage"].as_str().unwrap())
        .collect();
    assert_eq!(plans, ["dev", "staging", "prod"]);
    assert!(
        text.contains("lamina plan --stage \"$STAGE\" --locked")
            && text.contains("$GITHUB_STEP_SUMMARY")
    );
    assert!(text.contains("role/rides-staging-github-plan"));
    assert_eq!(ci["jobs"]["plan"]["permissions"]["id-token"], "write");
    let all: BTreeSet<String> = ci["jobs"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| *k != "ci-ok")
        .cloned()
        .collect();
    assert_eq!(
        needs(&ci["jobs"]["ci-ok"])
            .into_iter()
            .collect::<BTreeSet<_>>(),
        all
    );

    // Main: tests before any deploy; dev, then staging, then prod behind its environment.
    let deploy = yaml(&flows.join("deploy.yml"));
    let jobs = &deploy["jobs"];
    assert_eq!(
        needs(&jobs["deploy-dev"]),
        ["backend", "frontend", "terraform"]
    );
    assert_eq!(needs(&jobs["deploy-staging"]), ["deploy-dev"]);
    assert_eq!(needs(&jobs["deploy-prod"]), ["deploy-staging"]);
    for stage in ["dev", "staging", "prod"] {
        let job = format!("deploy-{stage}");
        let before = ancestors(jobs, &job);
        for test in ["backend", "frontend", "terraform"] {
            assert!(
                before.contains(test),
                "{job} runs before {test}: {before:?}"
            );
        }
        assert_eq!(jobs[&job]["environment"], stage);
        assert_eq!(jobs[&job]["permissions"]["id-token"], "write");
        let text = jobs[&job].to_string();
        assert!(
            text.contains(&format!("role/rides-{stage}-github-deploy")),
            "{text}"
        );
    }
    let units: Vec<&str> = jobs["backend"]["strategy"]["matrix"]["unit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(units, ["payment", "ride", "user", "shared"]);
    // No job but the deploys and plans may ask for an OIDC token; no long-lived keys anywhere.
    for (name, job) in jobs
        .as_object()
        .unwrap()
        .iter()
        .chain(ci["jobs"].as_object().unwrap())
    {
        let oidc = job["permissions"]["id-token"] == "write";
        assert_eq!(
            oidc,
            name.starts_with("deploy-") || name == "plan",
            "{name}"
        );
    }
    let both = format!(
        "{text}{}",
        std::fs::read_to_string(flows.join("deploy.yml")).unwrap()
    );
    assert!(!both.contains("secrets.") && !both.contains("aws-access-key-id"));
    // Caches: uv, npm, Lamina's build caches (the project's and the per-user one).
    assert!(
        both.contains("enable-cache: true")
            && both.contains("cache: npm")
            && both.contains(
                "path: |\n            .lamina/cache\n            ~/.cache/lamina/build\n"
            )
    );
    // Every action pinned by a full commit SHA.
    let mut all_uses = Vec::new();
    uses(&ci, &mut all_uses);
    uses(&deploy, &mut all_uses);
    assert!(all_uses.len() > 20);
    for u in &all_uses {
        let sha = u.split_once('@').unwrap().1;
        assert!(
            sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
            "{u}"
        );
    }

    // The user's edits outside the blocks survive an update; inside, Lamina's text wins.
    let edited = text
        .replace("on:\n  pull_request:\n", "on:\n  pull_request:\n  workflow_dispatch: # mine\n")
        .replace("  # <<< lamina:jobs\n", "  # <<< lamina:jobs\n\n  my-audit:\n    name: my-audit\n    runs-on: ubuntu-latest\n    permissions: {}\n    steps:\n      - run: echo mine\n")
        .replace("      - name: ruff check\n", "      - name: ruff check (edited)\n");
    std::fs::write(flows.join("ci.yml"), &edited).unwrap();
    let r = run(lamina(&root).args(["ci", "github", "--check"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("out of date with lamina.toml: .github/workflows/ci.yml"),
        "{}",
        r.stderr
    );
    let r = run(lamina(&root).args(["add", "domain", "orders"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("Updated .github/workflows/ci.yml"),
        "{}",
        r.stderr
    );
    let updated = std::fs::read_to_string(flows.join("ci.yml")).unwrap();
    assert!(
        updated.contains("  workflow_dispatch: # mine\n") && updated.contains("  my-audit:\n"),
        "{updated}"
    );
    assert!(!updated.contains("(edited)"), "{updated}");
    assert!(
        updated
            .contains("unit-orders:\n              - *shared\n              - 'backend/orders/**'"),
        "{updated}"
    );
    assert!(
        std::fs::read_to_string(flows.join("deploy.yml"))
            .unwrap()
            .contains("name: orders")
    );
    validate(&root);
    let r = run(lamina(&root).args(["ci", "github"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("Unchanged .github/workflows/ci.yml"),
        "{}",
        r.stderr
    );
    let r = run(lamina(&root).args(["ci", "github", "--check"]));
    assert_eq!(r.code, 0, "{}", r.stderr);

    // A block the user deleted is not put back; a file without blocks is left alone.
    let no_env = updated
        .split_inclusive('\n')
        .scan(false, |skip, line| {
            if line.starts_with("# >>> lamina:env") {
                *skip = true;
            }
            let keep = !*skip;
            if line.starts_with("# <<< lamina:env") {
                *skip = false;
            }
            Some(if keep { line } else { "" })
        })
        .collect::<String>();
    std::fs::write(flows.join("ci.yml"), &no_env).unwrap();
    let r = run(lamina(&root).args(["ci", "github"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("no longer has the `lamina:env` block"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read_to_string(flows.join("ci.yml")).unwrap(),
        no_env
    );
    std::fs::write(flows.join("deploy.yml"), "name: mine\non: push\njobs: {}\n").unwrap();
    let r = run(lamina(&root).args(["ci", "github"]));
    assert!(
        r.stderr
            .contains("deploy.yml has no `# >>> lamina:` blocks"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read_to_string(flows.join("deploy.yml")).unwrap(),
        "name: mine\non: push\njobs: {}\n"
    );

    // A project from before `lamina ci github`: the workflows and the CI Terraform are added.
    std::fs::remove_dir_all(root.join(".github")).unwrap();
    std::fs::remove_dir_all(root.join("infra/terraform/ci")).unwrap();
    let r = run(lamina(&root).args(["ci", "github"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    for f in [
        ".github/workflows/ci.yml",
        ".github/workflows/deploy.yml",
        "infra/terraform/ci/main.tf",
    ] {
        assert!(
            r.stderr.contains(&format!("Created {f}")),
            "{f}: {}",
            r.stderr
        );
    }
    assert!(
        r.stderr.contains("required reviewers on prod"),
        "{}",
        r.stderr
    );
    validate(&root);

    // The OIDC provider and roles: formatted, valid.
    let tf = |dir: &Path, args: &[&str]| {
        let mut cmd = Command::new("terraform");
        cmd.current_dir(dir).args(args).env("TF_IN_AUTOMATION", "1");
        if let Some(rc) = deploy_support::terraform_mirror_config(tmp.path()) {
            cmd.env("TF_CLI_CONFIG_FILE", rc);
        }
        ok(&mut cmd, &format!("terraform {args:?}"))
    };
    tf(
        &root.join("infra/terraform"),
        &["fmt", "-check", "-recursive"],
    );
    let ci_root = root.join("infra/terraform/ci");
    tf(
        &ci_root,
        &["init", "-backend=false", "-input=false", "-no-color"],
    );
    tf(&ci_root, &["validate", "-no-color"]);
}
