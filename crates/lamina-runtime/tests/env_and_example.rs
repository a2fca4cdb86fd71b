//! The uv environment, and the generated example project's real handler (FastAPI + Mangum).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use lamina_runtime::{EnvSpec, Outcome, Runtime, RuntimeConfig, ensure_env};
use serde_json::{Value, json};

/// The repo's uv (`.tools/uv-pkg/bin/uv`) when it is there, else [`lamina_runtime::find_uv`]'s search.
fn uv() -> Option<PathBuf> {
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/uv-pkg/bin/uv");
    if local.is_file() {
        Some(local)
    } else {
        lamina_runtime::find_uv(Path::new(env!("CARGO_MANIFEST_DIR")))
    }
}

#[tokio::test]
async fn env_is_made_once_and_remade_when_an_input_changes() {
    let Some(uv) = uv() else {
        panic!("uv not found: set LAMINA_UV or put uv on PATH");
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("requirements.txt"), "-r base.txt\n").unwrap();
    std::fs::write(root.join("base.txt"), "# nothing yet\n").unwrap();
    let spec = EnvSpec {
        root: root.to_path_buf(),
        venv: root.join(".lamina/dev/venv"),
        python: "3.11".into(),
        locks: vec![],
        requirements: vec![root.join("requirements.txt")],
        dev_projects: vec![],
        extra: vec![],
        uv: Some(uv),
    };
    let first = ensure_env(&spec).await.unwrap();
    assert!(first.updated);
    assert!(first.python.is_file());
    assert!(
        first
            .site_packages
            .ends_with("lib/python3.11/site-packages"),
        "{:?}",
        first.site_packages
    );
    assert!(first.site_packages.is_dir());
    let second = ensure_env(&spec).await.unwrap();
    assert!(!second.updated, "same inputs: nothing to do");
    // A change in an included file counts.
    std::fs::write(root.join("base.txt"), "# still nothing, but different\n").unwrap();
    assert!(ensure_env(&spec).await.unwrap().updated);
    assert!(!ensure_env(&spec).await.unwrap().updated);
}

fn v2_event(path: &str) -> Bytes {
    Bytes::from(
        json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": "",
            "headers": {"host": "127.0.0.1:3000", "user-agent": "curl/8", "x-forwarded-proto": "http", "x-forwarded-port": "3000"},
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "local",
                "domainName": "127.0.0.1:3000",
                "domainPrefix": "127",
                "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "curl/8"},
                "requestId": "abc123=",
                "routeKey": "$default",
                "stage": "$default",
                "time": "27/Nov/2026:10:00:00 +0000",
                "timeEpoch": 1_795_000_000_000_u64
            },
            "isBase64Encoded": false
        })
        .to_string(),
    )
}

#[tokio::test]
#[ignore = "needs uv and PyPI: run by scripts/test"]
async fn generated_example_runs_through_mangum() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rides");
    lamina_templates::new_project(&lamina_templates::NewProject {
        name: "rides".into(),
        dir: root.clone(),
        domains: vec!["user".into(), "ride".into(), "payment".into()],
        owner: "test@example.com".into(),
        region: "us-east-1".into(),
        python: lamina_config::PythonVersion::Py311,
        architecture: lamina_config::Architecture::X86_64,
    })
    .unwrap();
    let loaded = lamina_config::LoadedConfig::load(&root.join("lamina.toml")).unwrap();
    let stage = loaded.stage("dev").unwrap();
    let locks = lamina_build::ensure_locks(
        &loaded,
        &lamina_build::BuildOptions {
            uv: uv(),
            ..lamina_build::BuildOptions::default()
        },
        &lamina_build::Silent,
    )
    .unwrap();
    // `ride` ships sqlalchemy of its own: it gets a venv of its own, the others share one.
    let groups = lamina_runtime::env_groups_for_stage(&stage, &locks);
    let members: Vec<Vec<String>> = groups.iter().map(|g| g.domains.clone()).collect();
    assert_eq!(members, [vec!["payment", "user"], vec!["ride"]]);
    let mut envs = Vec::new();
    for g in &groups {
        let mut spec = g.spec.clone();
        spec.uv = uv();
        envs.push(ensure_env(&spec).await.unwrap());
    }
    let env = envs[0].clone();
    let mut domains = lamina_runtime::domains_for_stage(&stage);
    assert_eq!(
        domains.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        ["payment", "ride", "user"]
    );
    assert_eq!(domains[2].code_layers, vec![root.join("backend/shared")]);
    domains[1].python_env = Some(lamina_runtime::DomainEnv {
        python: envs[1].python.clone(),
        site_packages: vec![envs[1].site_packages.clone()],
    });

    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let l2 = lines.clone();
    let mut cfg = RuntimeConfig::new(
        "rides-dev",
        "us-east-1",
        env.python.clone(),
        root.join(".lamina"),
    );
    cfg.site_packages = vec![env.site_packages.clone()];
    cfg.log_sink = Arc::new(move |l| l2.lock().unwrap().push(format!("{} {}", l.domain, l.line)));
    let rt = Runtime::start(cfg, domains).await.unwrap();
    for domain in ["user", "ride", "payment"] {
        let inv = rt
            .invoke(domain, v2_event(&format!("/{domain}/health")))
            .await;
        let Outcome::Response(body) = &inv.outcome else {
            panic!("{domain}: {inv:?}\n{}", lines.lock().unwrap().join("\n"));
        };
        let resp: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(resp["statusCode"], 200, "{domain}: {resp}");
        assert!(inv.cold && inv.init_ms.is_some());
        let again = rt
            .invoke(domain, v2_event(&format!("/{domain}/health")))
            .await;
        assert!(!again.cold);
        assert!(matches!(again.outcome, Outcome::Response(_)));
    }
    // Powertools' logger writes JSON lines with the Lambda context in them.
    let logged = lines.lock().unwrap().clone();
    assert!(
        logged
            .iter()
            .any(|l| l.contains("\"function_name\":\"rides-dev-user\"")),
        "{}",
        logged.join("\n")
    );
    rt.shutdown().await;
}
