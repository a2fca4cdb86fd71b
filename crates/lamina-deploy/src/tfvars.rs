//! `lamina.auto.tfvars.json`: lamina.toml and the build manifest, in the shape of the stage root's
//! variables (docs/contracts.md section 2). Terraform loads `*.auto.tfvars.json` by itself, so a
//! user running `terraform plan` by hand in the stage root sees what `lamina plan` saw.

use std::collections::BTreeMap;

use lamina_build::Manifest;
use lamina_config::{RouteAuth, StageView};
use serde_json::{Value, json};

use crate::error::DeployError;
use crate::names;

/// The file name Terraform picks up from the stage root.
pub const FILE_NAME: &str = "lamina.auto.tfvars.json";

/// The stage's variables. Object keys are sorted (serde_json's map is a BTreeMap), so the same
/// inputs always give the same bytes: a deploy compares them with the last release's.
pub fn tfvars(
    view: &StageView<'_>,
    manifest: &Manifest,
    artifact_bucket: &str,
) -> Result<Value, DeployError> {
    let loaded = view.config;
    let config = &loaded.config;
    let project = loaded.project_name();
    let stage = view.stage;

    let mut layers = serde_json::Map::new();
    for (name, artifact) in &manifest.layers {
        layers.insert(
            name.clone(),
            json!({
                "s3_key": names::artifact_key(project, &artifact.sha256),
                "sha256_b64": artifact.sha256_b64,
            }),
        );
    }

    let mut domains = serde_json::Map::new();
    for settings in view.domains() {
        let name = &settings.name;
        let artifact = manifest.functions.get(name).ok_or_else(|| {
            DeployError::Manifest(format!("the build manifest has no function `{name}`"))
        })?;
        let domain = &config.domains[name.as_str()];
        let mut env = view.user_env(name);
        // The prefix the app mounts its routers under: Terraform cannot derive a nested prefix
        // (`/api/v1`) from the route keys, so it is stated.
        env.insert("LAMINA_ROUTE_PREFIX".into(), settings.prefix.clone());
        let iam: Vec<Value> = domain
            .iam
            .iter()
            .map(|s| {
                json!({
                    "effect": format!("{:?}", s.effect),
                    "actions": s.actions,
                    "resources": s.resources,
                })
            })
            .collect();
        domains.insert(
            name.clone(),
            json!({
                "s3_key": names::artifact_key(project, &artifact.sha256),
                "sha256_b64": artifact.sha256_b64,
                "handler": artifact.handler.clone().unwrap_or_else(|| "handler.handler".into()),
                "memory": settings.memory,
                "timeout": settings.timeout,
                "layers": settings.layers,
                "env": env,
                "secrets": settings.secrets,
                "reserved_concurrency": settings.reserved_concurrency,
                "iam_statements": iam,
                "vpc": domain.vpc,
                "snap_start": domain.snap_start,
                "provisioned_concurrency": domain.provisioned_concurrency.as_ref().map_or(0, |p| *p.get_ref()),
            }),
        );
    }

    let mut routes = serde_json::Map::new();
    for route in loaded.routes() {
        routes.insert(
            route.key(),
            json!({
                "domain": route.domain,
                "auth": match route.auth { RouteAuth::None => "NONE", RouteAuth::Jwt => "JWT" },
                "scopes": route.scopes,
            }),
        );
    }

    let urls = config.auth.urls.get(view.name);
    let strings = |v: Option<&Vec<lamina_config::Spanned<String>>>| -> Vec<String> {
        v.map(|v| v.iter().map(|s| s.get_ref().clone()).collect())
            .unwrap_or_default()
    };
    let auth = json!({
        "groups": config.auth.groups,
        "scopes": config.auth.scopes,
        "callback_urls": strings(urls.map(|u| &u.callback)),
        "logout_urls": strings(urls.map(|u| &u.logout)),
        "access_token_minutes": config.auth.access_token_minutes,
        "id_token_minutes": config.auth.id_token_minutes,
        "refresh_token_days": config.auth.refresh_token_days,
        "refresh_token_rotation": config.auth.refresh_token_rotation,
    });

    Ok(json!({
        "project": project,
        "stage": view.name,
        "owner": config.project.owner,
        "region": config.project.region.get_ref(),
        "account_id": stage.account_id.as_ref().map(|a| a.get_ref().clone()),
        "python": config.project.python.runtime(),
        "architecture": config.project.architecture.as_str(),
        "log_level": stage.log_level.as_str(),
        "log_retention_days": stage.log_retention_days.get_ref(),
        "protected": stage.protected,
        "alarm_email": stage.alarm_email,
        "cors_origins": stage.cors_origins.iter().map(|o| o.get_ref().clone()).collect::<Vec<_>>(),
        "artifact_bucket": artifact_bucket,
        "layers": layers,
        "domains": domains,
        "routes": routes,
        "auth": auth,
        "network": network(view),
    }))
}

/// `[network]`, with the Terraform module's defaults left to the module.
fn network(view: &StageView<'_>) -> Value {
    let Some(n) = &view.config.config.network else {
        return json!({});
    };
    let mut out = BTreeMap::new();
    if let Some(vpc) = &n.vpc_id {
        out.insert("vpc_id", json!(vpc.get_ref()));
        out.insert("subnet_ids", json!(n.subnet_ids));
    }
    if let Some(cidr) = &n.cidr {
        out.insert("cidr", json!(cidr));
    }
    if let Some(az) = n.az_count {
        out.insert("az_count", json!(az));
    }
    if let Some(e) = &n.interface_endpoints {
        out.insert("interface_endpoints", json!(e));
    }
    if let Some(e) = &n.gateway_endpoints {
        out.insert("gateway_endpoints", json!(e));
    }
    json!(out)
}

/// The bytes written to the stage root: pretty, sorted, newline-terminated.
pub fn render(vars: &Value) -> String {
    let mut text = serde_json::to_string_pretty(vars).expect("JSON values serialise");
    text.push('\n');
    text
}

/// The artifacts a set of variables points at, by S3 key: what must exist before Terraform runs.
pub fn referenced_keys(vars: &Value) -> Vec<String> {
    let mut keys = Vec::new();
    for table in ["layers", "domains"] {
        if let Some(map) = vars.get(table).and_then(Value::as_object) {
            for v in map.values() {
                if let Some(k) = v.get("s3_key").and_then(Value::as_str) {
                    keys.push(k.to_owned());
                }
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys
}
