//! `lamina build --profile`: each built function's cold start, measured before any deploy.
//!
//! The function zip and its layers are extracted as Lambda lays them out (`/var/task` first,
//! then each layer's `python/`, then a stand-in for the runtime's own boto3/botocore), and the
//! handler is imported in a fresh `python -I -S -B` process: isolated from the user's
//! environment and site-packages (so nothing from a build venv leaks in), and unable to write
//! `.pyc`, like Lambda's read-only file system. The reserved Lambda environment variables and
//! the function's own are set. One HTTP API (payload 2.0) event for `GET <prefix>/health` goes
//! through the handler.

use std::path::{Path, PathBuf};
use std::process::Command;

use lamina_config::LoadedConfig;
use serde::{Deserialize, Serialize};

use crate::error::BuildError;
use crate::manifest::Manifest;
use crate::slim::Interpreter;
use crate::{archive, hash};

/// The measured cold start of one function.
#[derive(Debug, Clone, Serialize)]
pub struct FunctionProfile {
    pub domain: String,
    /// Median time to import the handler module, in ms.
    pub init_ms: f64,
    /// Median time of the first event through the handler, in ms.
    pub first_invoke_ms: f64,
    /// Status code of the first event's response.
    pub status: Option<u16>,
    /// The path of that event: the domain's `probe_path`, or `<prefix>/health`.
    pub probe: String,
    /// Slowest imports: top-level package and the sum of its modules' own import times, in ms.
    pub slowest: Vec<(String, f64)>,
    pub budget_ms: Option<u32>,
    pub runs: usize,
}

impl FunctionProfile {
    pub fn over_budget(&self) -> bool {
        self.budget_ms.is_some_and(|b| self.init_ms > f64::from(b))
    }
}

#[derive(Debug, Deserialize)]
struct RunResult {
    init_ms: f64,
    invoke_ms: f64,
    status: Option<u16>,
}

const SCRIPT: &str = r#"
import json, sys, time
out, paths, event = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
sys.path[:0] = paths
t0 = time.perf_counter()
import handler
t1 = time.perf_counter()
class Context:
    function_name = "profile"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:profile"
    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/profile"
    log_stream_name = "profile"
    @staticmethod
    def get_remaining_time_in_millis():
        return 10_000
response = handler.handler(event, Context())
t2 = time.perf_counter()
status = response.get("statusCode") if isinstance(response, dict) else None
with open(out, "w") as f:
    json.dump({"init_ms": (t1 - t0) * 1000, "invoke_ms": (t2 - t1) * 1000, "status": status}, f)
"#;

/// A payload-2.0 HTTP API event for `GET path`.
pub fn http_event(path: &str) -> serde_json::Value {
    serde_json::json!({
        "version": "2.0",
        "routeKey": format!("GET {path}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"accept": "application/json", "host": "profile.execute-api.us-east-1.amazonaws.com", "user-agent": "lamina-profile"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "profile",
            "domainName": "profile.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "profile",
            "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "lamina-profile"},
            "requestId": "profile-request",
            "routeKey": format!("GET {path}"),
            "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000",
            "timeEpoch": 1_767_225_600_000_u64
        },
        "isBase64Encoded": false
    })
}

/// The function's layout on disk: the paths to put first on `sys.path`.
pub struct Layout {
    pub paths: Vec<PathBuf>,
}

impl Layout {
    /// The paths as a JSON list, for the scripts that put them on `sys.path`.
    pub fn paths_json(&self) -> String {
        let paths: Vec<String> = self.paths.iter().map(|p| p.display().to_string()).collect();
        serde_json::to_string(&paths).expect("paths serialise")
    }
}

/// Extracts a function and its layers into `.lamina/profile/<stage>/`, as Lambda would.
pub fn layout(
    root: &Path,
    manifest: &Manifest,
    domain: &str,
    runtime_stand_in: Option<&Path>,
) -> Result<Layout, BuildError> {
    let function = manifest
        .functions
        .get(domain)
        .ok_or_else(|| BuildError::Manifest {
            path: root.join(".lamina/build"),
            message: format!("no function `{domain}`"),
        })?;
    let base = root.join(".lamina/profile").join(&manifest.stage);
    let extract = |zip_rel: &str, sha: &str| -> Result<PathBuf, BuildError> {
        let dir = base.join(&sha[..16]);
        if !dir.join(".complete").is_file() {
            if dir.exists() {
                fs_err::remove_dir_all(&dir)?;
            }
            let bytes = fs_err::read(root.join(zip_rel))?;
            archive::extract(&bytes, &dir)?;
            fs_err::write(dir.join(".complete"), sha)?;
        }
        Ok(dir)
    };
    let mut paths = vec![extract(&function.path, &function.sha256)?];
    for layer in function.layers.iter().flatten() {
        let artifact = &manifest.layers[&layer.name];
        paths.push(extract(&artifact.path, &artifact.sha256)?.join("python"));
    }
    paths.extend(runtime_stand_in.map(Path::to_path_buf));
    Ok(Layout { paths })
}

/// The environment Lambda gives the function, plus the function's own.
pub fn lambda_env(
    config: &LoadedConfig,
    stage: &str,
    domain: &str,
    task_root: &Path,
) -> Vec<(String, String)> {
    let view = config.stage(stage).ok();
    let settings = view.and_then(|v| v.domain(domain));
    let project = config.project_name();
    let region = config.config.project.region.get_ref().clone();
    let runtime = config.config.project.python.runtime();
    let name = format!("{project}-{stage}-{domain}");
    let memory = settings.as_ref().map_or(512, |s| s.memory);
    let mut env = vec![
        ("AWS_LAMBDA_FUNCTION_NAME".into(), name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION".into(), "$LATEST".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(), memory.to_string()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME".into(),
            format!("/aws/lambda/{name}"),
        ),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME".into(),
            "2026/01/01/[$LATEST]profile".into(),
        ),
        ("AWS_LAMBDA_INITIALIZATION_TYPE".into(), "on-demand".into()),
        ("AWS_REGION".into(), region.clone()),
        ("AWS_DEFAULT_REGION".into(), region),
        ("AWS_EXECUTION_ENV".into(), format!("AWS_Lambda_{runtime}")),
        ("AWS_XRAY_CONTEXT_MISSING".into(), "LOG_ERROR".into()),
        ("AWS_XRAY_DAEMON_ADDRESS".into(), "127.0.0.1:2000".into()),
        (
            "_X_AMZN_TRACE_ID".into(),
            "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0".into(),
        ),
        ("_HANDLER".into(), crate::HANDLER.into()),
        ("LAMBDA_TASK_ROOT".into(), task_root.display().to_string()),
        ("LAMBDA_RUNTIME_DIR".into(), "/var/runtime".into()),
        ("LANG".into(), "en_US.UTF-8".into()),
        ("TZ".into(), ":UTC".into()),
        ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
    ];
    if let Some(s) = settings {
        env.extend(s.env);
    }
    env
}

/// Runs the handler of `domain` in fresh interpreters: `runs` timed ones, and one under
/// `-X importtime`.
pub fn profile_function(
    config: &LoadedConfig,
    stage: &str,
    domain: &str,
    layout: &Layout,
    python: &Interpreter,
    runs: usize,
) -> Result<FunctionProfile, BuildError> {
    let probe = config.probe_path(domain);
    let event = http_event(&probe).to_string();
    let paths = layout.paths_json();
    let env = lambda_env(config, stage, domain, &layout.paths[0]);
    let out_file = std::env::temp_dir().join(format!(
        "lamina-profile-{}-{domain}.json",
        std::process::id()
    ));
    let run = |importtime: bool| -> Result<(RunResult, String), BuildError> {
        let mut cmd = Command::new(&python.path);
        cmd.arg("-I").arg("-S").arg("-B");
        if importtime {
            cmd.args(["-X", "importtime"]);
        }
        cmd.args(["-c", SCRIPT])
            .arg(&out_file)
            .arg(&paths)
            .arg(&event);
        cmd.env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(&layout.paths[0]);
        let out = cmd.output()?;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if !out.status.success() {
            let tail: Vec<&str> = stderr
                .lines()
                .filter(|l| !l.starts_with("import time:"))
                .collect();
            let tail = tail[tail.len().saturating_sub(25)..].join("\n");
            return Err(BuildError::Profile {
                domain: domain.into(),
                stderr: tail,
            });
        }
        let text = fs_err::read_to_string(&out_file)?;
        let result: RunResult = serde_json::from_str(&text).map_err(|e| BuildError::Profile {
            domain: domain.into(),
            stderr: e.to_string(),
        })?;
        Ok((result, stderr))
    };
    let mut inits = Vec::new();
    let mut invokes = Vec::new();
    let mut status = None;
    for _ in 0..runs.max(1) {
        let (r, _) = run(false)?;
        inits.push(r.init_ms);
        invokes.push(r.invoke_ms);
        status = r.status;
    }
    let (_, stderr) = run(true)?;
    let _ = fs_err::remove_file(&out_file);
    let budget = config
        .config
        .domains
        .get(domain)
        .and_then(|d| d.init_budget_ms);
    Ok(FunctionProfile {
        domain: domain.into(),
        init_ms: median(&mut inits),
        first_invoke_ms: median(&mut invokes),
        status,
        probe,
        slowest: slowest_imports(&stderr, 10),
        budget_ms: budget,
        runs: runs.max(1),
    })
}

pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Sums `-X importtime` self times by top-level package and returns the `n` largest, in ms.
pub fn slowest_imports(stderr: &str, n: usize) -> Vec<(String, f64)> {
    let mut by_package: std::collections::BTreeMap<String, f64> = std::collections::BTreeMap::new();
    for line in stderr.lines() {
        let Some(rest) = line.strip_prefix("import time:") else {
            continue;
        };
        let mut fields = rest.split('|');
        let (Some(own), Some(_), Some(name)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        let Ok(us) = own.trim().parse::<f64>() else {
            continue;
        };
        let top = name.trim().split('.').next().unwrap_or("").to_owned();
        *by_package.entry(top).or_default() += us / 1000.0;
    }
    let mut list: Vec<(String, f64)> = by_package.into_iter().collect();
    list.sort_by(|a, b| b.1.total_cmp(&a.1));
    list.truncate(n);
    list
}

/// What the layers dropped as runtime-provided (boto3, botocore, ...) at their locked versions,
/// as lock text, with the key of the stand-in that installs them; `None` when nothing was.
pub fn stand_in_pins(
    target: &crate::Target,
    locks: &[PathBuf],
) -> Result<Option<(String, String)>, BuildError> {
    let mut text = String::new();
    for lock in locks {
        let content = fs_err::read_to_string(lock)?;
        let pins = crate::lock::pins(&content);
        let (_, dropped) = crate::lock::without_runtime_provided(&pins, true);
        for p in pins.iter().filter(|p| dropped.contains(&p.name)) {
            if !text.contains(&p.text) {
                text.push_str(&p.text);
            }
        }
    }
    if text.is_empty() {
        return Ok(None);
    }
    let key = hash::sha256_hex(
        format!("{}{}{text}", target.platform(), target.python.as_str()).as_bytes(),
    );
    Ok(Some((key[..16].to_owned(), text)))
}

/// Installs `text` (the stand-in's pins) into the directory `site` and compiles it, as Lambda's
/// own boto3 ships compiled (or it would dominate the profile); marks it complete last.
pub fn install_stand_in(
    site: &Path,
    root: &Path,
    uv: &crate::Uv,
    target: &crate::Target,
    text: &str,
    workers: usize,
) -> Result<(), BuildError> {
    fs_err::create_dir_all(site)?;
    let lock = site.with_extension("lock");
    fs_err::write(&lock, text)?;
    let installed = uv.install(root, &lock, site, target);
    let _ = fs_err::remove_file(&lock);
    installed?;
    if let Some(python) = Interpreter::find(target.python.as_str()) {
        python.compile(site, "/var/runtime", workers)?;
    }
    fs_err::write(site.join(".complete"), "")?;
    Ok(())
}
