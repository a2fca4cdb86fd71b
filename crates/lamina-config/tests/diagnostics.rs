//! Every kind of config error, rendered as the user sees it.

use std::path::Path;

use lamina_config::{ConfigError, LoadedConfig};

const BASE: &str = r#"[project]
name = "rides"
owner = "team"
region = "eu-west-1"
python = "3.12"

[stages.dev]
log_level = "DEBUG"
log_retention_days = 7
cors_origins = ["http://localhost:5173"]

[stages.prod]
protected = true

[layers.deps]
requirements = "requirements.txt"

[layers.shared]
path = "backend/shared"

[domains.user]
path = "backend/user"
layers = ["deps", "shared"]
public = ["GET /user/health"]

[domains.ride]
path = "backend/ride"
layers = ["deps"]
public = ["GET /ride/health"]
[domains.ride.scopes]
"POST /ride/rides" = ["write"]

[auth]
groups = ["admin", "rider"]
[auth.scopes]
write = "Change things"

[[auth.test_users]]
username = "alice"
email = "alice@example.com"
groups = ["rider"]
password = "x"
"#;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for d in ["backend/user", "backend/ride", "backend/shared"] {
        std::fs::create_dir_all(dir.path().join(d)).unwrap();
    }
    std::fs::write(dir.path().join("requirements.txt"), "fastapi==0.115.0\n").unwrap();
    std::fs::write(
        dir.path().join("backend/ride/requirements.txt"),
        "six==1.17.0\n",
    )
    .unwrap();
    dir
}

/// The rendered error for `text`, which must fail.
fn error_for(text: &str) -> String {
    let dir = project();
    match LoadedConfig::parse(text, Path::new("lamina.toml"), dir.path()) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(ConfigError::Invalid(d)) => d.to_string(),
        Err(other) => panic!("unexpected error {other}"),
    }
}

fn edit(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "BASE has no `{from}`");
    BASE.replacen(from, to, 1)
}

#[test]
fn base_config_is_valid() {
    let dir = project();
    let loaded = LoadedConfig::parse(BASE, Path::new("lamina.toml"), dir.path()).unwrap();
    assert!(loaded.warnings.is_empty());
    let stage = loaded.stage("dev").unwrap();
    let ride = stage.domain("ride").unwrap();
    assert_eq!(ride.memory, 512);
    assert_eq!(ride.env["LAMINA_ROUTE_PREFIX"], "/ride");
    assert_eq!(ride.env["POWERTOOLS_LOG_LEVEL"], "DEBUG");
    insta::assert_json_snapshot!("routes", loaded.routes());
}

macro_rules! error_snapshot {
    ($name:ident, $text:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(stringify!($name), error_for(&$text));
        }
    };
}

error_snapshot!(
    unknown_key_suggests,
    edit(
        "layers = [\"deps\"]\n",
        "layers = [\"deps\"]\nmemroy = 256\n"
    )
);
error_snapshot!(unknown_table, edit("[auth]\n", "[auht]\n"));
error_snapshot!(
    wrong_type,
    edit("log_retention_days = 7", "log_retention_days = \"7\"")
);
error_snapshot!(
    unknown_python,
    edit("python = \"3.12\"", "python = \"3.10\"")
);
error_snapshot!(missing_field, edit("region = \"eu-west-1\"\n", ""));
error_snapshot!(
    invalid_project_name,
    edit("name = \"rides\"", "name = \"Rides_App\"")
);
error_snapshot!(
    invalid_region,
    edit("region = \"eu-west-1\"", "region = \"europe\"")
);
error_snapshot!(
    invalid_domain_name,
    BASE.replace("[domains.ride", "[domains.ride-share")
);
error_snapshot!(
    duplicate_prefix,
    edit(
        "path = \"backend/ride\"\n",
        "path = \"backend/ride\"\nprefix = \"/user\"\n"
    )
);
error_snapshot!(
    nested_prefix,
    edit(
        "path = \"backend/ride\"\n",
        "path = \"backend/ride\"\nprefix = \"/user/rides\"\n"
    )
);
error_snapshot!(
    missing_domain_path,
    edit("path = \"backend/ride\"", "path = \"backend/rides\"")
);
error_snapshot!(
    unused_layer,
    edit("layers = [\"deps\", \"shared\"]", "layers = [\"deps\"]")
);
error_snapshot!(
    unknown_layer,
    edit(
        "layers = [\"deps\"]\npublic = [\"GET /ride",
        "layers = [\"deps\", \"sharde\"]\npublic = [\"GET /ride"
    )
);
error_snapshot!(
    missing_layer_file,
    edit(
        "requirements = \"requirements.txt\"",
        "requirements = \"reqs.txt\""
    )
);
error_snapshot!(
    too_many_layers,
    edit(
        "layers = [\"deps\", \"shared\"]",
        "layers = [\"deps\", \"shared\", \"a\", \"b\", \"c\", \"d\"]"
    )
);
error_snapshot!(
    route_outside_prefix,
    edit(
        "public = [\"GET /user/health\"]",
        "public = [\"GET /users/health\"]"
    )
);
error_snapshot!(
    invalid_route,
    edit(
        "public = [\"GET /user/health\"]",
        "public = [\"FETCH /user/health\"]"
    )
);
error_snapshot!(
    unknown_scope,
    edit(
        "\"POST /ride/rides\" = [\"write\"]",
        "\"POST /ride/rides\" = [\"wirte\"]"
    )
);
error_snapshot!(
    public_and_scoped,
    edit(
        "public = [\"GET /ride/health\"]",
        "public = [\"GET /ride/health\", \"POST /ride/rides\"]"
    )
);
error_snapshot!(
    bad_retention,
    edit("log_retention_days = 7", "log_retention_days = 10")
);
error_snapshot!(
    memory_out_of_range,
    edit(
        "path = \"backend/user\"\n",
        "path = \"backend/user\"\nmemory = 64\n"
    )
);
error_snapshot!(
    bad_cors_origin,
    edit(
        "cors_origins = [\"http://localhost:5173\"]",
        "cors_origins = [\"localhost:5173/app\"]"
    )
);
error_snapshot!(
    reserved_env,
    edit(
        "[domains.ride.scopes]",
        "[domains.ride.env]\nAWS_REGION = \"x\"\n\n[domains.ride.scopes]"
    )
);
error_snapshot!(
    unknown_test_user_group,
    edit(
        "groups = [\"rider\"]\npassword",
        "groups = [\"riders\"]\npassword"
    )
);
error_snapshot!(
    auth_urls_unknown_stage,
    format!("{BASE}\n[auth.urls.staging]\ncallback = [\"https://x.example.com/cb\"]\n")
);
error_snapshot!(
    insecure_callback,
    format!("{BASE}\n[auth.urls.dev]\ncallback = [\"http://app.example.com/cb\"]\n")
);
error_snapshot!(
    bad_account_id,
    edit(
        "protected = true",
        "protected = true\naccount_id = \"12345\""
    )
);
error_snapshot!(
    several_errors,
    edit("name = \"rides\"", "name = \"R\"")
        .replace("log_retention_days = 7", "log_retention_days = 8")
);

#[test]
fn unknown_stage() {
    let dir = project();
    let loaded = LoadedConfig::parse(BASE, Path::new("lamina.toml"), dir.path()).unwrap();
    insta::assert_snapshot!(loaded.stage("prd").unwrap_err().to_string());
}

#[test]
fn long_timeout_is_a_warning() {
    let dir = project();
    let text = edit(
        "path = \"backend/user\"\n",
        "path = \"backend/user\"\ntimeout = 60\n",
    );
    let loaded = LoadedConfig::parse(&text, Path::new("lamina.toml"), dir.path()).unwrap();
    insta::assert_snapshot!(loaded.warnings[0].to_string());
}

error_snapshot!(
    dev_issuer_needs_https_and_audiences,
    BASE.replace(
        "[auth]\n",
        "[auth]\ndev_issuer = \"http://cognito.example.com/pool\"\n"
    )
);

#[test]
fn a_public_catch_all_replaces_the_protected_one() {
    let dir = project();
    let text = edit(
        "public = [\"GET /user/health\"]",
        "public = [\"GET /user/health\", \"ANY /user/{proxy+}\"]",
    );
    let loaded = LoadedConfig::parse(&text, Path::new("lamina.toml"), dir.path()).unwrap();
    let routes = loaded.routes();
    let catch_all: Vec<_> = routes
        .iter()
        .filter(|r| r.key() == "ANY /user/{proxy+}")
        .collect();
    assert_eq!(catch_all.len(), 1, "{routes:?}");
    assert_eq!(catch_all[0].auth, lamina_config::RouteAuth::None);
}

#[test]
fn a_file_without_auth_gets_the_defaults() {
    let dir = project();
    // Without `[auth.scopes]`, the scoped route names its scope in full.
    let text = BASE[..BASE.find("[auth]").unwrap()].replace("[\"write\"]", "[\"rides/write\"]");
    let loaded = LoadedConfig::parse(&text, Path::new("lamina.toml"), dir.path()).unwrap();
    assert_eq!(loaded.config.auth.access_token_minutes, 60);
    assert_eq!(loaded.config.auth.id_token_minutes, 60);
    assert_eq!(loaded.config.auth.refresh_token_days, 30);
    assert!(loaded.config.auth.refresh_token_rotation);
}

// Deployment settings of a function: SnapStart, provisioned concurrency, VPC.
error_snapshot!(
    snap_start_needs_python_312,
    edit("python = \"3.12\"", "python = \"3.11\"").replace(
        "layers = [\"deps\", \"shared\"]\n",
        "layers = [\"deps\", \"shared\"]\nsnap_start = true\n"
    )
);
error_snapshot!(
    provisioned_above_reserved,
    edit(
        "layers = [\"deps\", \"shared\"]\n",
        "layers = [\"deps\", \"shared\"]\nreserved_concurrency = 2\nprovisioned_concurrency = 5\n"
    )
);
error_snapshot!(
    existing_vpc_needs_subnets,
    format!(
        "{}\n[network]\nvpc_id = \"vpc-0abc1234\"\n",
        edit(
            "layers = [\"deps\", \"shared\"]\n",
            "layers = [\"deps\", \"shared\"]\nvpc = true\n"
        )
    )
);

// ---- Adoption of existing apps (issue 8) ---------------------------------------------------------

// Finding 1: a requirements layer inside a domain's directory would lock to the domain's own
// lock path; each would overwrite the other.
error_snapshot!(
    layer_and_domain_lock_collide,
    edit(
        "requirements = \"requirements.txt\"",
        "requirements = \"backend/ride/requirements.txt\""
    )
);
error_snapshot!(
    platform_uv_cannot_target,
    edit(
        "python = \"3.12\"",
        "python = \"3.12\"\nplatform = \"manylinux_2_26\""
    )
);
error_snapshot!(
    scopes_on_a_public_domain,
    edit(
        "layers = [\"deps\"]\npublic = [\"GET /ride",
        "layers = [\"deps\"]\nauth = \"none\"\npublic = [\"GET /ride"
    )
);
error_snapshot!(
    stage_env_unknown_stage,
    format!("{BASE}\n[domains.user.stages.prd.env]\nDATABASE_HOST = \"db\"\n")
);
error_snapshot!(
    probe_path_outside_prefix,
    edit(
        "path = \"backend/user\"\n",
        "path = \"backend/user\"\nprobe_path = \"/health\"\n"
    )
);
error_snapshot!(
    exclude_on_a_code_layer,
    edit(
        "path = \"backend/shared\"",
        "path = \"backend/shared\"\nexclude = [\"uvloop\"]"
    )
);

#[test]
fn a_vpc_domain_without_network_warns_that_one_is_created() {
    let dir = project();
    let text = edit(
        "layers = [\"deps\", \"shared\"]\n",
        "layers = [\"deps\", \"shared\"]\nvpc = true\n",
    );
    let loaded = LoadedConfig::parse(&text, Path::new("lamina.toml"), dir.path()).unwrap();
    let warnings: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("runs in a VPC that Lamina creates"),
        "{}",
        warnings[0]
    );
}

#[test]
fn a_public_domain_opens_its_catch_all_routes() {
    let dir = project();
    let text = edit(
        "layers = [\"deps\"]\npublic = [\"GET /ride",
        "layers = [\"deps\"]\nauth = \"none\"\npublic = [\"GET /ride",
    )
    .replace(
        "[domains.ride.scopes]\n\"POST /ride/rides\" = [\"write\"]\n",
        "",
    );
    let loaded = LoadedConfig::parse(&text, Path::new("lamina.toml"), dir.path()).unwrap();
    let ride: Vec<_> = loaded
        .routes()
        .into_iter()
        .filter(|r| r.domain == "ride")
        .collect();
    assert!(
        ride.iter()
            .all(|r| r.auth == lamina_config::RouteAuth::None),
        "{ride:?}"
    );
    assert!(
        ride.iter().any(|r| r.key() == "ANY /ride/{proxy+}"),
        "{ride:?}"
    );
    // `public` is now redundant: a warning, not an error.
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
}

/// Finding 9: values per stage, over the domain's.
#[test]
fn stage_env_values_win_in_their_stage_only() {
    let dir = project();
    let text = format!(
        "{BASE}\n[domains.user.env]\nDATABASE_HOST = \"localhost\"\nLOG_FORMAT = \"text\"\n\n[domains.user.stages.prod.env]\nDATABASE_HOST = \"db.internal\"\n"
    );
    let loaded = LoadedConfig::parse(&text, Path::new("lamina.toml"), dir.path()).unwrap();
    let dev = loaded.stage("dev").unwrap().domain("user").unwrap();
    let prod = loaded.stage("prod").unwrap().domain("user").unwrap();
    assert_eq!(dev.env["DATABASE_HOST"], "localhost");
    assert_eq!(prod.env["DATABASE_HOST"], "db.internal");
    assert_eq!(prod.env["LOG_FORMAT"], "text");
}

/// Finding 9: `env_file` and local secret values reach the local env only, never the stage's.
#[test]
fn env_file_and_local_secrets_are_local_only() {
    let dir = project();
    std::fs::write(
        dir.path().join("backend/user/.env"),
        "DATABASE_URL=postgresql://app:pw@127.0.0.1/app\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join(lamina_config::LOCAL_FILE),
        "[secrets]\ndb-password = \"local-pw\"\n",
    )
    .unwrap();
    let text = edit(
        "path = \"backend/user\"\n",
        "path = \"backend/user\"\nenv_file = \"backend/user/.env\"\nsecrets = [\"db-password\", \"stripe-key\"]\n",
    );
    let loaded = LoadedConfig::parse(&text, Path::new("lamina.toml"), dir.path()).unwrap();
    let deployed = loaded.stage("dev").unwrap().domain("user").unwrap();
    assert!(!deployed.env.contains_key("DATABASE_URL"));
    assert!(!deployed.env.values().any(|v| v.contains("local-pw")));
    let local = lamina_config::local_env(&loaded, "dev", "user").unwrap();
    assert_eq!(
        local.vars["DATABASE_URL"],
        "postgresql://app:pw@127.0.0.1/app"
    );
    assert_eq!(local.vars["LAMINA_SECRET_DB_PASSWORD_VALUE"], "local-pw");
    assert_eq!(local.warnings.len(), 1, "{:?}", local.warnings);
    assert!(local.warnings[0].contains("stripe-key"));
}

/// Finding 4: the probe path is the domain's, `<prefix>/health` only by default.
#[test]
fn probe_path_defaults_to_health() {
    let dir = project();
    let text = edit(
        "path = \"backend/user\"\n",
        "path = \"backend/user\"\nprobe_path = \"/user/docs\"\n",
    );
    let loaded = LoadedConfig::parse(&text, Path::new("lamina.toml"), dir.path()).unwrap();
    assert_eq!(loaded.probe_path("user"), "/user/docs");
    assert_eq!(loaded.probe_path("ride"), "/ride/health");
}
