//! `GatewayConfig::from_config`: what a `lamina.toml` stage turns into.

use std::path::Path;
use std::time::Duration;

use lamina_config::LoadedConfig;
use lamina_gateway::{Cors, GatewayConfig, GatewayConfigError, MAX_BODY, MAX_EVENT};

const TOML: &str = r#"[project]
name = "rides"
owner = "team"
region = "eu-west-1"

[stages.dev]
cors_origins = ["http://localhost:5173"]
timeout = 20

[stages.prod]
account_id = "210987654321"
domain_names = { api = "api.rides.example" }

[domains.user]
path = "backend/user"
public = ["GET /user/health"]

[domains.ride]
path = "backend/ride"
timeout = 60
[domains.ride.scopes]
"POST /ride/rides" = ["write"]

[auth.scopes]
write = "Change things"
"#;

fn load() -> (tempfile::TempDir, LoadedConfig) {
    let dir = tempfile::tempdir().unwrap();
    for d in ["backend/user", "backend/ride"] {
        std::fs::create_dir_all(dir.path().join(d)).unwrap();
    }
    let loaded = LoadedConfig::parse(TOML, Path::new("lamina.toml"), dir.path()).unwrap();
    (dir, loaded)
}

#[test]
fn a_stage_becomes_a_gateway() {
    let (_dir, loaded) = load();
    let dev = GatewayConfig::from_config(&loaded, "dev").unwrap();
    assert_eq!(dev.routes, loaded.routes());
    let keys: Vec<String> = dev.routes.iter().map(|r| r.key()).collect();
    for key in [
        "ANY /user",
        "ANY /user/{proxy+}",
        "GET /user/health",
        "POST /ride/rides",
    ] {
        assert!(keys.iter().any(|k| k == key), "{key} in {keys:?}");
    }
    assert_eq!(
        dev.cors,
        Some(Cors::new(vec!["http://localhost:5173".into()]))
    );
    assert_eq!(dev.stage, "$default");
    assert_eq!(dev.region, "eu-west-1");
    assert_eq!(dev.account_id, "123456789012");
    assert_eq!(dev.api_id.len(), 10);
    assert_eq!(
        dev.domain_name,
        format!("{}.execute-api.eu-west-1.amazonaws.com", dev.api_id)
    );
    assert_eq!(dev.max_body, MAX_BODY);
    assert_eq!(dev.max_event, MAX_EVENT);
    assert_eq!(dev.integration_timeout, Duration::from_secs(30));
    assert_eq!(dev.domain_timeouts["user"], Duration::from_secs(20));
    assert_eq!(dev.domain_timeouts["ride"], Duration::from_secs(60));
    let warnings = dev.warnings();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("`ride`"), "{warnings:?}");

    let prod = GatewayConfig::from_config(&loaded, "prod").unwrap();
    assert_eq!(prod.cors, None);
    assert_eq!(prod.account_id, "210987654321");
    assert_eq!(prod.domain_name, "api.rides.example");
    assert_ne!(prod.api_id, dev.api_id);
    assert_eq!(
        GatewayConfig::from_config(&loaded, "dev").unwrap().api_id,
        dev.api_id,
        "the API id is stable across runs"
    );
}

#[test]
fn an_unknown_stage_is_an_error() {
    let (_dir, loaded) = load();
    let err = GatewayConfig::from_config(&loaded, "dve").unwrap_err();
    assert!(matches!(err, GatewayConfigError::UnknownStage(_)));
    assert!(err.to_string().contains("unknown stage `dve`"), "{err}");
}
