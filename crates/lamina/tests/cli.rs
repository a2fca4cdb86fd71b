//! The `lamina` binary as a user runs it: exit codes, messages, and what lands on disk.

mod common;

use common::{example, lamina, run, tree};

#[test]
fn help_lists_every_command() {
    let r = run(lamina(std::env::temp_dir().as_path()).arg("--help"));
    assert_eq!(r.code, 0);
    insta::assert_snapshot!(r.stdout);
}

#[test]
fn every_subcommand_has_help() {
    let dir = std::env::temp_dir();
    for cmd in [
        "new",
        "add",
        "routes",
        "build",
        "dev",
        "bootstrap",
        "plan",
        "deploy",
        "rollback",
        "releases",
        "destroy",
        "unlock",
        "logs",
        "token",
        "secret",
        "check",
        "openapi",
        "ci",
        "completions",
    ] {
        let r = run(lamina(&dir).args([cmd, "--help"]));
        assert_eq!(r.code, 0, "{cmd} --help: {}", r.stderr);
        assert!(
            r.stdout.contains("Usage: lamina"),
            "{cmd} --help has no usage line"
        );
    }
}

#[test]
fn a_bad_flag_is_a_user_error() {
    let r = run(lamina(std::env::temp_dir().as_path()).args(["routes", "--bogus"]));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("error: unexpected argument '--bogus'"),
        "{}",
        r.stderr
    );
    let r = run(lamina(std::env::temp_dir().as_path()).args(["completions", "tcsh"]));
    assert_eq!(r.code, 1);
}

#[test]
fn version_is_the_crate_version() {
    let r = run(lamina(std::env::temp_dir().as_path()).arg("--version"));
    assert_eq!(
        r.stdout.trim(),
        format!("lamina {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn operations_commands_work_on_a_fresh_example() {
    let (_tmp, root) = example();
    // The cost of a stage, from lamina.toml alone (no build, no profile yet): every line says
    // what it assumed.
    let r = run(lamina(&root).args(["cost", "--stage", "prod"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("example_cost_prod", r.stdout);
    assert!(
        r.stderr.contains("lamina build --stage prod --profile"),
        "{}",
        r.stderr
    );
    let r = run(lamina(&root).args(["cost", "--stage", "dev", "--requests", "3M/month", "--json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let est: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(est["requests"], 3_000_000.0);
    assert_eq!(est["users"], 6_000.0);
    let r = run(lamina(&root).args(["cost", "--requests", "lots"]));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("`lots` is not a number of requests"),
        "{}",
        r.stderr
    );

    // The checks that need no tool pass on a new project; the workflows are current.
    let r = run(lamina(&root).args([
        "check",
        "--only",
        "config,log-level,auth-urls,secrets",
        "--json",
    ]));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["ok"], true);
    let r = run(lamina(&root).args(["ci", "github", "--check"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let r = run(lamina(std::env::temp_dir().as_path()).args(["completions", shell]));
        assert_eq!(r.code, 0);
        assert!(
            r.stdout.contains("lamina") && r.stdout.contains("routes"),
            "{shell}"
        );
    }
}

#[test]
fn new_generates_the_example_tree() {
    let (_tmp, root) = example();
    let files: Vec<String> = tree(&root).into_iter().map(|(p, _)| p).collect();
    insta::assert_snapshot!("example_tree", files.join("\n"));
    insta::assert_snapshot!(
        "example_lamina_toml",
        std::fs::read_to_string(root.join("lamina.toml")).unwrap()
    );
    insta::assert_snapshot!(
        "example_user_handler",
        std::fs::read_to_string(root.join("backend/user/handler.py")).unwrap()
    );
    insta::assert_snapshot!(
        "example_dev_main_tf",
        std::fs::read_to_string(root.join("infra/terraform/dev/main.tf")).unwrap()
    );
}

#[test]
fn new_is_deterministic() {
    let (_a, root_a) = example();
    let (_b, root_b) = example();
    assert!(
        tree(&root_a) == tree(&root_b),
        "two `lamina new` runs differ"
    );
}

#[test]
fn new_refuses_a_non_empty_directory_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("rides")).unwrap();
    std::fs::write(tmp.path().join("rides/keep.txt"), "mine").unwrap();
    let r = run(lamina(tmp.path()).args(["new", "rides"]));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("already exists and is not empty"),
        "{}",
        r.stderr
    );
    assert_eq!(
        tree(&tmp.path().join("rides")),
        vec![("keep.txt".to_owned(), b"mine".to_vec())]
    );
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "a temporary directory was left behind");
}

#[test]
fn new_rejects_bad_names() {
    let tmp = tempfile::tempdir().unwrap();
    for (args, needle) in [
        (vec!["new", "Rides"], "invalid project name `Rides`"),
        (
            vec!["new", "rides", "--domains", "user,ride-share"],
            "invalid domain name `ride-share`",
        ),
        (
            vec!["new", "rides", "--domains", "user,user"],
            "domain `user` is listed twice",
        ),
        (
            vec!["new", "rides", "--python", "3.9"],
            "Lambda has no Python `3.9` runtime",
        ),
    ] {
        let r = run(lamina(tmp.path()).args(&args));
        assert_eq!(r.code, 1, "{args:?}");
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
    }
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "a failed `new` wrote files"
    );
}

#[test]
fn routes_prints_the_table_and_json() {
    let (_tmp, root) = example();
    let r = run(lamina(&root).arg("routes"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("example_routes", r.stdout);
    let r = run(lamina(&root).args(["routes", "--json", "--stage", "prod"]));
    let routes: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let keys: Vec<String> = routes
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["method"].as_str().unwrap(),
                r["path"].as_str().unwrap()
            )
        })
        .collect();
    assert!(keys.contains(&"GET /user/health".to_owned()));
    assert!(keys.contains(&"ANY /ride/{proxy+}".to_owned()));
}

#[test]
fn routes_finds_the_config_from_a_subdirectory() {
    let (_tmp, root) = example();
    let r = run(lamina(&root.join("backend/user")).arg("routes"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("/user/health"));
}

#[test]
fn unknown_stage_is_a_user_error_with_a_suggestion() {
    let (_tmp, root) = example();
    let r = run(lamina(&root).args(["routes", "--stage", "prd"]));
    assert_eq!(r.code, 1);
    insta::assert_snapshot!(r.stderr);
}

#[test]
fn no_config_is_a_user_error_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let r = run(lamina(tmp.path()).arg("routes"));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("error: no `lamina.toml`"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("hint: create a project with `lamina new NAME`"),
        "{}",
        r.stderr
    );
}

#[test]
fn invalid_config_points_at_the_line() {
    let (_tmp, root) = example();
    let path = root.join("lamina.toml");
    let text = std::fs::read_to_string(&path).unwrap().replacen(
        "layers = [\"deps\", \"shared\"]",
        "layers = [\"deps\", \"sharde\"]",
        1,
    );
    std::fs::write(&path, text).unwrap();
    let r = run(lamina(&root).arg("routes"));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("error: unknown layer `sharde`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--> lamina.toml:"), "{}", r.stderr);
    assert!(
        r.stderr.contains("hint: did you mean `shared`?"),
        "{}",
        r.stderr
    );
}

#[test]
fn add_domain_writes_files_and_keeps_the_config_formatting() {
    let (_tmp, root) = example();
    let before = std::fs::read_to_string(root.join("lamina.toml")).unwrap();
    let r = run(lamina(&root).args(["add", "domain", "orders"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let after = std::fs::read_to_string(root.join("lamina.toml")).unwrap();
    // Everything that was there is still there, comments included, and only the new table was added.
    let added: Vec<&str> = diff_lines(&before, &after);
    insta::assert_snapshot!("add_domain_toml_diff", added.join("\n"));
    assert!(root.join("backend/orders/handler.py").is_file());
    assert!(root.join("backend/orders/tests").is_dir());
    let r = run(lamina(&root).arg("routes"));
    assert!(r.stdout.contains("GET     /orders/health"), "{}", r.stdout);
}

#[test]
fn add_domain_with_a_custom_prefix() {
    let (_tmp, root) = example();
    let r = run(lamina(&root).args(["add", "domain", "orders", "--prefix", "/shop/orders"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(lamina(&root).arg("routes"));
    assert!(r.stdout.contains("/shop/orders/health"), "{}", r.stdout);
}

#[test]
fn add_domain_refuses_and_writes_nothing() {
    let (_tmp, root) = example();
    let before = tree(&root);
    for (args, needle) in [
        (
            vec!["add", "domain", "ride"],
            "domain `ride` already exists in lamina.toml",
        ),
        (
            vec!["add", "domain", "ride-share"],
            "invalid domain name `ride-share`",
        ),
        (
            vec!["add", "domain", "ride_share"],
            "invalid domain name `ride_share`",
        ),
        (
            vec!["add", "domain", "Orders"],
            "invalid domain name `Orders`",
        ),
        (
            vec!["add", "domain", "shared"],
            "invalid domain name `shared`",
        ),
        (
            vec!["add", "domain", "orders", "--prefix", "/user"],
            "both claim `/user`",
        ),
    ] {
        let r = run(lamina(&root).args(&args));
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
        assert!(tree(&root) == before, "{args:?} changed the project");
    }
}

#[test]
fn add_domain_refuses_an_existing_directory() {
    let (_tmp, root) = example();
    std::fs::create_dir(root.join("backend/orders")).unwrap();
    let r = run(lamina(&root).args(["add", "domain", "orders"]));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
}

/// The block of lines inserted into `before` to make `after`, checking that nothing else changed.
fn diff_lines<'a>(before: &str, after: &'a str) -> Vec<&'a str> {
    let old: Vec<&str> = before.lines().collect();
    let new: Vec<&'a str> = after.lines().collect();
    assert!(new.len() > old.len(), "nothing was added");
    let first = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let added = new.len() - old.len();
    assert_eq!(
        &new[first + added..],
        &old[first..],
        "lines of the original lamina.toml changed"
    );
    new[first..first + added].to_vec()
}

/// The frontend `lamina dev` prints (`http://127.0.0.1:5173`) may call the API: its origin is
/// allowed by the dev stage's CORS, and its callback is a registered Cognito redirect.
#[test]
fn the_dev_frontend_origin_is_allowed() {
    let (_tmp, root) = example();
    let config = lamina_config::LoadedConfig::load(&root.join("lamina.toml")).unwrap();
    let dev = config.stage("dev").unwrap();
    let origins: Vec<&str> = dev
        .stage
        .cors_origins
        .iter()
        .map(|o| o.get_ref().as_str())
        .collect();
    assert!(origins.contains(&"http://127.0.0.1:5173"), "{origins:?}");
    let callbacks: Vec<&str> = config.config.auth.urls["dev"]
        .callback
        .iter()
        .map(|c| c.get_ref().as_str())
        .collect();
    assert!(
        callbacks.contains(&"http://127.0.0.1:5173/auth/callback"),
        "{callbacks:?}"
    );
}

#[test]
fn a_stage_added_to_lamina_toml_gets_its_terraform_root() {
    let (tmp, root) = example();
    let toml = std::fs::read_to_string(root.join("lamina.toml")).unwrap();
    std::fs::write(
        root.join("lamina.toml"),
        toml.replacen(
            "[stages.dev]",
            "[stages.qa]\nlog_level = \"INFO\"\n\n[stages.dev]",
            1,
        ),
    )
    .unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    // It fails later (no credentials here), but the stage's root is written first.
    let r = run(lamina(&root)
        .args(["plan", "--stage", "qa"])
        .env("HOME", &home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_PROFILE"));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("Created infra/terraform/qa"),
        "{}",
        r.stderr
    );
    let backend = std::fs::read_to_string(root.join("infra/terraform/qa/backend.tf")).unwrap();
    assert!(
        backend.contains("key          = \"rides/qa/terraform.tfstate\""),
        "{backend}"
    );
    let dev: Vec<String> = std::fs::read_dir(root.join("infra/terraform/dev"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for file in dev {
        assert!(
            root.join("infra/terraform/qa").join(&file).exists(),
            "qa lacks {file}"
        );
    }
}
