//! Measures lamina-runtime against uvicorn on the generated example (see bench/dev/RESULTS.md).
//!
//! cargo run --release -p lamina-runtime --example bench -- [PROJECT_DIR] [REQUESTS]
//!
//! PROJECT_DIR is created with the example template when missing; its venv is made with uv
//! (`LAMINA_UV`, PATH, or the repo's `.tools/uv-pkg/bin/uv`).
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use lamina_runtime::{Outcome, Runtime, RuntimeConfig, Transport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = stat.rsplit_once(") ").unwrap().1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of stat; `rest` starts at field 3.
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

/// CPU µs per request from clock ticks (100 Hz).
fn us_per(ticks: u64, n: usize) -> f64 {
    ticks as f64 * 10_000.0 / n as f64
}

fn v2_event(path: &str) -> Bytes {
    Bytes::from(format!(
        r#"{{"version":"2.0","routeKey":"$default","rawPath":"{path}","rawQueryString":"","headers":{{"host":"127.0.0.1:3000","user-agent":"bench","x-forwarded-proto":"http","x-forwarded-port":"3000"}},"requestContext":{{"accountId":"123456789012","apiId":"local","domainName":"127.0.0.1:3000","domainPrefix":"127","http":{{"method":"GET","path":"{path}","protocol":"HTTP/1.1","sourceIp":"127.0.0.1","userAgent":"bench"}},"requestId":"abc123=","routeKey":"$default","stage":"$default","time":"27/Nov/2026:10:00:00 +0000","timeEpoch":1795000000000}},"isBase64Encoded":false}}"#
    ))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

async fn runtime_run(rt: &Runtime, domain: &str, event: &Bytes, n: usize) -> (f64, f64, f64) {
    for _ in 0..200 {
        assert!(matches!(
            rt.invoke(domain, event.clone()).await.outcome,
            Outcome::Response(_)
        ));
    }
    let pids = rt.domain_worker_pids(domain);
    assert_eq!(pids.len(), 1);
    let (w0, s0, t0) = (
        cpu_ticks(pids[0]),
        cpu_ticks(std::process::id()),
        Instant::now(),
    );
    for _ in 0..n {
        let inv = rt.invoke(domain, event.clone()).await;
        assert!(matches!(inv.outcome, Outcome::Response(_)), "{inv:?}");
    }
    let wall = t0.elapsed().as_secs_f64() * 1e6 / n as f64;
    (
        us_per(cpu_ticks(pids[0]) - w0, n),
        us_per(cpu_ticks(std::process::id()) - s0, n),
        wall,
    )
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let root = PathBuf::from(
        args.get(1)
            .cloned()
            .unwrap_or_else(|| "/tmp/lamina-bench/rides".into()),
    );
    let n: usize = args.get(2).map_or(3000, |s| s.parse().unwrap());
    if !root.join("lamina.toml").exists() {
        lamina_templates::new_project(&lamina_templates::NewProject {
            name: "rides".into(),
            dir: root.clone(),
            domains: vec!["user".into(), "ride".into(), "payment".into()],
            owner: "bench@example.com".into(),
            region: "us-east-1".into(),
            python: lamina_config::PythonVersion::Py311,
            architecture: lamina_config::Architecture::X86_64,
        })
        .unwrap();
    }
    let loaded = lamina_config::LoadedConfig::load(&root.join("lamina.toml")).unwrap();
    let stage = loaded.stage("dev").unwrap();
    let repo_uv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/uv-pkg/bin/uv");
    let locks = lamina_build::ensure_locks(
        &loaded,
        &lamina_build::BuildOptions {
            uv: repo_uv.is_file().then(|| repo_uv.clone()),
            ..lamina_build::BuildOptions::default()
        },
        &lamina_build::Silent,
    )
    .unwrap();
    let mut spec = lamina_runtime::env_groups_for_stage(&stage, &locks)
        .remove(0)
        .spec;
    spec.extra = vec!["uvicorn".into()];
    if repo_uv.is_file() {
        spec.uv = Some(repo_uv);
    }
    let t = Instant::now();
    let env = lamina_runtime::ensure_env(&spec).await.unwrap();
    println!(
        "ensure_env: {:.2} s (updated: {})",
        t.elapsed().as_secs_f64(),
        env.updated
    );
    let t = Instant::now();
    let again = lamina_runtime::ensure_env(&spec).await.unwrap();
    println!(
        "ensure_env no-op: {:.1} ms (updated: {})",
        t.elapsed().as_secs_f64() * 1e3,
        again.updated
    );

    // A do-nothing handler: what the runtime loop itself costs.
    let noop = root.join(".lamina/bench-noop");
    std::fs::create_dir_all(&noop).unwrap();
    std::fs::write(
        noop.join("handler.py"),
        "def handler(event, context):\n    return {\"statusCode\": 200, \"body\": \"ok\"}\n",
    )
    .unwrap();

    let mut domains = lamina_runtime::domains_for_stage(&stage);
    let mut noop_domain = domains[0].clone();
    noop_domain.name = "noop".into();
    noop_domain.dir = noop.clone();
    noop_domain.code_layers.clear();
    domains.push(noop_domain);
    let user_env = domains
        .iter()
        .find(|d| d.name == "user")
        .unwrap()
        .env
        .clone();

    println!("\n| transport | handler | worker CPU µs/req | lamina CPU µs/req | wall µs/req |");
    println!("|---|---|---:|---:|---:|");
    for transport in [Transport::Http, Transport::Unix] {
        let mut cfg = RuntimeConfig::new(
            "rides-dev",
            "us-east-1",
            env.python.clone(),
            root.join(".lamina"),
        );
        cfg.site_packages = vec![env.site_packages.clone()];
        cfg.transport = transport;
        cfg.log_sink = Arc::new(|_| {});
        let rt = Runtime::start(cfg, domains.clone()).await.unwrap();
        for (domain, path) in [("noop", "/noop"), ("user", "/user/health")] {
            let (w, s, wall) = runtime_run(&rt, domain, &v2_event(path), n).await;
            println!("| {transport:?} | {domain} {path} | {w:.0} | {s:.0} | {wall:.0} |");
        }
        rt.shutdown().await;
    }

    // uvicorn serving the same app (user), one worker, keep-alive client.
    let port = 18_000 + (std::process::id() % 1000) as u16;
    let user_dir = root.join("backend/user");
    let mut child = tokio::process::Command::new(&env.python)
        .args([
            "-m",
            "uvicorn",
            "app.main:app",
            "--port",
            &port.to_string(),
            "--log-level",
            "warning",
            "--no-access-log",
        ])
        .current_dir(&user_dir)
        .env(
            "PYTHONPATH",
            format!(
                "{}:{}",
                user_dir.display(),
                root.join("backend/shared").display()
            ),
        )
        .envs(&user_env)
        .env("POWERTOOLS_TRACE_DISABLED", "1")
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    let mut conn = loop {
        if let Ok(c) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            break c;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    conn.set_nodelay(true).unwrap();
    let req = format!("GET /user/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    let mut buf = vec![0u8; 65536];
    let mut get = async |conn: &mut tokio::net::TcpStream| {
        conn.write_all(req.as_bytes()).await.unwrap();
        let mut have = Vec::new();
        loop {
            let k = conn.read(&mut buf).await.unwrap();
            assert!(k > 0);
            have.extend_from_slice(&buf[..k]);
            if let Some(end) = have.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&have[..end]).to_ascii_lowercase();
                assert!(head.starts_with("http/1.1 200"), "{head}");
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse().unwrap());
                if have.len() >= end + 4 + len {
                    return;
                }
            }
        }
    };
    for _ in 0..200 {
        get(&mut conn).await;
    }
    let (c0, t0) = (cpu_ticks(pid), Instant::now());
    for _ in 0..n {
        get(&mut conn).await;
    }
    let wall = t0.elapsed().as_secs_f64() * 1e6 / n as f64;
    println!(
        "| uvicorn (HTTP) | user /user/health | {:.0} | - | {wall:.0} |",
        us_per(cpu_ticks(pid) - c0, n)
    );
    child.kill().await.unwrap();

    // Cold start (a fresh runtime per round, so nothing is pre-started), HTTP transport: a plain
    // spawned worker, and a worker forked from a ready zygote.
    let make_cfg = |zygote: bool| {
        let mut cfg = RuntimeConfig::new(
            "rides-dev",
            "us-east-1",
            env.python.clone(),
            root.join(".lamina"),
        );
        cfg.site_packages = vec![env.site_packages.clone()];
        cfg.zygote = zygote;
        cfg
    };
    async fn wait_ready(rt: &Runtime, domain: &str) {
        for _ in 0..1000 {
            if rt.zygote_ready(domain) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the zygote of {domain} never got ready");
    }
    println!(
        "\n| worker | domain | init ms (median of 5) | cold request total ms | warm request ms |"
    );
    println!("|---|---|---:|---:|---:|");
    for zygote in [false, true] {
        let mode = if zygote { "forked (zygote)" } else { "spawned" };
        for domain in ["user", "ride", "payment"] {
            let ev = v2_event(&format!("/{domain}/health"));
            let (mut inits, mut totals, mut warms) = (vec![], vec![], vec![]);
            for _ in 0..5 {
                let rt = Runtime::start(make_cfg(zygote), domains.clone())
                    .await
                    .unwrap();
                if zygote {
                    wait_ready(&rt, domain).await;
                }
                let t = Instant::now();
                let inv = rt.invoke(domain, ev.clone()).await;
                totals.push(t.elapsed().as_secs_f64() * 1e3);
                assert!(inv.cold, "{inv:?}");
                inits.push(inv.init_ms.unwrap() as f64);
                let t = Instant::now();
                let _ = rt.invoke(domain, ev.clone()).await;
                warms.push(t.elapsed().as_secs_f64() * 1e3);
                rt.shutdown().await;
            }
            println!(
                "| {mode} | {domain} | {:.0} | {:.0} | {:.1} |",
                median(inits),
                median(totals),
                median(warms)
            );
        }
    }

    for zygote in [false, true] {
        let rt = Runtime::start(make_cfg(zygote), domains.clone())
            .await
            .unwrap();
        if zygote {
            wait_ready(&rt, "user").await;
        }
        let _hot = lamina_runtime::watch(rt.clone(), Vec::new(), |_| {}).unwrap();
        let ev = v2_event("/user/health");
        let file = root.join("backend/user/app/main.py");
        let original = std::fs::read_to_string(&file).unwrap();
        let mut edits = vec![];
        for i in 0..7 {
            let _ = rt.invoke("user", ev.clone()).await;
            let t = Instant::now();
            std::fs::write(&file, format!("{original}# bench edit {i}\n")).unwrap();
            loop {
                let inv = rt.invoke("user", ev.clone()).await;
                if inv.cold {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            edits.push(t.elapsed().as_secs_f64() * 1e3);
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        std::fs::write(&file, &original).unwrap();
        println!(
            "\nedit-to-new-code (save -> first response from a worker on the new code), user, {}: median {:.0} ms of {:?}",
            if zygote {
                "forked from the zygote"
            } else {
                "spawned"
            },
            median(edits.clone()),
            edits.iter().map(|e| e.round()).collect::<Vec<_>>()
        );
        rt.shutdown().await;
    }
}
