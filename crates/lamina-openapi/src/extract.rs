//! Each domain's own OpenAPI document, from its FastAPI app, imported in Python the way Lambda
//! imports the handler: the dev venv of `lamina dev`, the domain's environment, its sys.path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::OpenApiError;

/// The script run once per domain; see its docstring.
const DUMP_SCRIPT: &str = include_str!("../python/dump_openapi.py");

/// One domain, as the runtime would start it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainSource {
    pub name: String,
    /// `/ride`: every path of the domain is served under it.
    pub prefix: String,
    /// The function dir (`LAMBDA_TASK_ROOT`), first on sys.path.
    pub dir: PathBuf,
    /// `handler.handler`: the module part is imported.
    pub handler: String,
    /// The function's environment for the stage (`StageView::domain`).
    pub env: BTreeMap<String, String>,
    /// Code layers, after the requirements on sys.path.
    pub code_layers: Vec<PathBuf>,
}

impl DomainSource {
    /// Every domain of a stage, with its code layers resolved.
    pub fn for_stage(view: &lamina_config::StageView<'_>) -> Vec<Self> {
        let prefixes: BTreeMap<String, String> = view
            .domains()
            .into_iter()
            .map(|d| (d.name, d.prefix))
            .collect();
        lamina_runtime::domains_for_stage(view)
            .into_iter()
            .map(|d| Self {
                prefix: prefixes.get(&d.name).cloned().unwrap_or_default(),
                name: d.name,
                dir: d.dir,
                handler: d.handler,
                env: d.env,
                code_layers: d.code_layers,
            })
            .collect()
    }
}

/// A domain's document, as its app produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainDocument {
    pub name: String,
    pub prefix: String,
    pub document: Value,
}

/// How to run the imports.
#[derive(Debug, Clone)]
pub struct Interpreter {
    /// The dev venv's `bin/python`: its site-packages come after the function dir on sys.path,
    /// as the requirements layers do in Lambda.
    pub python: PathBuf,
    /// A domain's own dev venv, when its locks differ from the others' (one venv per set of
    /// locks); `python` otherwise.
    pub python_by_domain: BTreeMap<String, PathBuf>,
    pub region: String,
    /// Scratch files (the script, the documents) go here: the project's `.lamina/openapi`.
    pub scratch: PathBuf,
    /// Added to every domain's environment (`LAMINA_JWT_ISSUER`, ...).
    pub extra_env: BTreeMap<String, String>,
    /// How long one import may take.
    pub timeout: Duration,
}

/// Dummy credentials, as the dev workers get: an import that builds an AWS client works, and
/// nothing real can be reached or picked up.
const DUMMY_CREDENTIALS: [(&str, &str); 3] = [
    ("AWS_ACCESS_KEY_ID", "ASIALAMINALOCALDUMMY"),
    (
        "AWS_SECRET_ACCESS_KEY",
        "lamina-local-dummy-secret-not-a-real-key",
    ),
    ("AWS_SESSION_TOKEN", "lamina-local-dummy-session-token"),
];

/// Imports every domain (in parallel, one process each: domains share module names such as
/// `app`) and returns their documents in `domains`' order.
pub async fn extract(
    interpreter: &Interpreter,
    domains: &[DomainSource],
) -> Result<Vec<DomainDocument>, OpenApiError> {
    fs_err::create_dir_all(&interpreter.scratch).map_err(OpenApiError::io(&interpreter.scratch))?;
    let script = scratch_file(&interpreter.scratch, "dump_openapi", "py");
    fs_err::write(&script, DUMP_SCRIPT).map_err(OpenApiError::io(&script))?;
    // One task per domain: each import is its own process, so they run in parallel.
    let tasks: Vec<_> = domains
        .iter()
        .map(|d| {
            let (interpreter, script, domain) = (interpreter.clone(), script.clone(), d.clone());
            tokio::spawn(async move { extract_one(&interpreter, &script, &domain).await })
        })
        .collect();
    let mut documents = Vec::with_capacity(tasks.len());
    let mut first_error = None;
    for task in tasks {
        match task.await {
            Ok(Ok(document)) => documents.push(document),
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(e) => {
                first_error.get_or_insert(OpenApiError::Spawn {
                    program: interpreter.python.display().to_string(),
                    source: std::io::Error::other(e),
                });
            }
        }
    }
    let _ = fs_err::remove_file(&script);
    match first_error {
        Some(e) => Err(e),
        None => Ok(documents),
    }
}

/// A per-call file name, so a `lamina dev` regeneration and a `lamina openapi` never share one.
pub(crate) fn scratch_file(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    dir.join(format!("{stem}-{}-{n}.{ext}", std::process::id()))
}

impl Interpreter {
    fn python_for(&self, domain: &str) -> &std::path::Path {
        self.python_by_domain.get(domain).unwrap_or(&self.python)
    }
}

async fn extract_one(
    interpreter: &Interpreter,
    script: &Path,
    domain: &DomainSource,
) -> Result<DomainDocument, OpenApiError> {
    let out = scratch_file(&interpreter.scratch, &domain.name, "json");
    let sys_path: Vec<String> = std::iter::once(&domain.dir)
        .chain(&domain.code_layers)
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let python = interpreter.python_for(&domain.name);
    let mut cmd = tokio::process::Command::new(python);
    cmd.arg("-s")
        .arg("-B")
        .arg(script)
        .arg(&out)
        .arg(&domain.handler)
        .current_dir(&domain.dir)
        .env_clear();
    for keep in ["PATH", "HOME", "TMPDIR", "SYSTEMROOT"] {
        if let Some(v) = std::env::var_os(keep) {
            cmd.env(keep, v);
        }
    }
    cmd.envs(&domain.env)
        .envs(&interpreter.extra_env)
        .envs(DUMMY_CREDENTIALS)
        .env("AWS_REGION", &interpreter.region)
        .env("AWS_DEFAULT_REGION", &interpreter.region)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("LAMBDA_TASK_ROOT", &domain.dir)
        .env("POWERTOOLS_TRACE_DISABLED", "1")
        .env("LANG", "en_US.UTF-8")
        .env("TZ", "UTC")
        .env(
            "LAMINA_OPENAPI_SYS_PATH",
            serde_json::to_string(&sys_path).unwrap_or_default(),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = cmd.spawn().map_err(|source| OpenApiError::Spawn {
        program: python.display().to_string(),
        source,
    })?;
    let output = tokio::time::timeout(interpreter.timeout, child.wait_with_output())
        .await
        .map_err(|_| OpenApiError::DomainTimeout {
            domain: domain.name.clone(),
            seconds: interpreter.timeout.as_secs(),
        })?
        .map_err(|source| OpenApiError::Spawn {
            program: python.display().to_string(),
            source,
        })?;
    let result = if output.status.success() {
        read_document(&out, domain)
    } else {
        let traceback = String::from_utf8_lossy(&output.stderr).into_owned();
        let last_line = traceback
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map_or_else(
                || format!("the interpreter exited with {}", output.status),
                str::to_owned,
            );
        Err(OpenApiError::DomainImport {
            domain: domain.name.clone(),
            last_line,
            traceback,
        })
    };
    let _ = fs_err::remove_file(&out);
    result
}

fn read_document(path: &Path, domain: &DomainSource) -> Result<DomainDocument, OpenApiError> {
    let text = fs_err::read_to_string(path).map_err(OpenApiError::io(path))?;
    let document: Value = serde_json::from_str(&text).map_err(|e| OpenApiError::BadDocument {
        domain: domain.name.clone(),
        why: format!("not JSON: {e}"),
    })?;
    Ok(DomainDocument {
        name: domain.name.clone(),
        prefix: domain.prefix.clone(),
        document,
    })
}
