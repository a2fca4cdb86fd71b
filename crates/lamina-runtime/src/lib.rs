//! Runs each domain's handler in Python worker processes with Lambda's runtime semantics.
//!
//! * A Lambda Runtime API server on `127.0.0.1:<ephemeral>` serves every worker; each worker's
//!   `AWS_LAMBDA_RUNTIME_API` carries its own path token (`127.0.0.1:PORT/w/<token>`), so the server
//!   knows which worker polls.
//! * `python/lamina_bootstrap.py` (embedded, written to `<state_dir>/lamina_bootstrap.py`) is the
//!   runtime client: awslambdaric's loop, context object and error shapes.
//! * One pool per domain: one invocation at a time per worker, growing up to the domain's reserved
//!   concurrency (or [`RuntimeConfig::default_concurrency`]). Beyond a reserved concurrency an
//!   invocation is throttled, as in Lambda; beyond the default one (a local resource limit, not a
//!   Lambda setting) it waits for a free worker, for at most the function's timeout.
//! * Every worker is its own process group, tied to lamina with `PR_SET_PDEATHSIG` (set by the
//!   bootstrap), and killed as a group: timeouts, crashes, reloads and shutdown leave no process behind.
//! * By default workers are forked from a per-domain zygote that has pre-imported the requirements'
//!   modules (see `zygote.rs`; [`RuntimeConfig::zygote`], `LAMINA_ZYGOTE=0` to spawn each worker).

mod env;
mod server;
mod watch;
mod worker;
mod zygote;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::oneshot;

pub use env::{EnvError, EnvSpec, PythonEnv, ensure_env, find_uv};
pub use watch::{HotReload, WatchEvent, watch};

use worker::{Job, Reply, Worker};

/// The largest response a function may return (bytes posted to `/response`).
pub const MAX_RESPONSE_BYTES: usize = 6_291_556;
/// The bootstrap, written to `<state_dir>/lamina_bootstrap.py` by [`Runtime::start`].
pub const BOOTSTRAP_PY: &str = include_str!("../python/lamina_bootstrap.py");

/// What an invocation came to; maps 1:1 onto the gateway's `InvokeOutcome`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// What the function returned (the JSON it posted to `/response`).
    Response(Bytes),
    /// Unhandled exception, `/error`, init error, crash (signal, `sys.exit`, memory).
    FunctionError,
    /// The function ran past its timeout; the worker was killed and replaced.
    Timeout,
    /// Every worker allowed by the domain's concurrency was busy.
    Throttled,
    /// More than [`MAX_RESPONSE_BYTES`] were posted to `/response`.
    ResponseTooLarge,
}

/// One invocation's outcome and its Lambda `REPORT` figures.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub outcome: Outcome,
    /// The worker served its first invocation: Lambda's cold start.
    pub cold: bool,
    /// On a cold start: from spawning the worker to its first `/next` (interpreter start + handler import).
    pub init_ms: Option<u64>,
    /// The worker was forked from the domain's zygote, with the libraries already imported: its
    /// `init_ms` is much less than Lambda's cold start.
    pub forked: bool,
    /// What a fresh process takes to import this code version's handler (Lambda's cold start),
    /// once measured: see [`Runtime::fresh_init_ms`].
    pub fresh_init_ms: Option<u64>,
    /// From handing the event to the worker to its answer (0 when it never got the event).
    pub duration_ms: u64,
    /// `Lambda-Runtime-Aws-Request-Id` (empty when throttled or unknown domain).
    pub request_id: String,
    /// The worker that ran it (0 when none did).
    pub worker: u32,
    /// For a function error: `Lambda-Runtime-Function-Error-Type` (`Unhandled`, `Runtime.ImportModuleError`,
    /// `Runtime.ExitError`, `Runtime.OutOfMemory`) and the error JSON when the runtime posted one.
    pub error: Option<FunctionError>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionError {
    pub error_type: String,
    /// awslambdaric's `{"errorMessage","errorType","requestId","stackTrace"}`, or empty for a crash.
    pub body: Bytes,
}

/// Which stream a worker's log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
    /// Lines lamina itself writes about a worker: crashes, timeouts, memory, init failures.
    Runtime,
}

/// One line of a worker's output.
#[derive(Debug, Clone, Copy)]
pub struct LogLine<'a> {
    pub domain: &'a str,
    pub worker: u32,
    pub stream: Stream,
    pub line: &'a str,
}

/// Receives every worker output line, and lamina's own lines about workers.
pub type LogSink = Arc<dyn Fn(LogLine<'_>) + Send + Sync>;

/// How workers talk to the runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transport {
    /// The Lambda Runtime API over HTTP (the default, and what real runtimes use).
    #[default]
    Http,
    /// The same calls as length-prefixed frames on a Unix socket (`LAMINA_TRANSPORT=unix`).
    Unix,
}

/// Settings shared by every domain.
#[derive(Clone)]
pub struct RuntimeConfig {
    /// `<project>-<stage>`: function names are `<prefix>-<domain>`.
    pub function_prefix: String,
    pub region: String,
    /// The interpreter: the dev venv's `bin/python`.
    pub python: PathBuf,
    /// `3.11`: for `AWS_EXECUTION_ENV=AWS_Lambda_python3.11`.
    pub python_version: String,
    /// Where the bootstrap (and the Unix socket) go: the project's `.lamina/`.
    pub state_dir: PathBuf,
    /// Requirements layers: the dev venv's site-packages, after the function dir on sys.path.
    pub site_packages: Vec<PathBuf>,
    /// Workers per domain when the domain sets no `reserved_concurrency`.
    pub default_concurrency: u32,
    /// For `invoked_function_arn`.
    pub account_id: String,
    /// How long a worker may take from spawn to its first `/next` (Lambda: 10 s).
    pub init_timeout: Duration,
    pub transport: Transport,
    /// Fork workers from a per-domain zygote that has pre-imported the requirements (default: on;
    /// `LAMINA_ZYGOTE=0` turns it off). A worker is spawned plainly while the zygote is not ready.
    pub zygote: bool,
    /// Measure, once per code version, what a fresh process takes to import a domain's handler
    /// when its workers are forked (their own init time is not Lambda's cold start).
    pub measure_fresh_init: bool,
    pub log_sink: LogSink,
}

impl RuntimeConfig {
    pub fn new(
        function_prefix: impl Into<String>,
        region: impl Into<String>,
        python: PathBuf,
        state_dir: PathBuf,
    ) -> Self {
        Self {
            function_prefix: function_prefix.into(),
            region: region.into(),
            python,
            python_version: "3.11".into(),
            state_dir,
            site_packages: Vec::new(),
            default_concurrency: 4,
            account_id: "123456789012".into(),
            init_timeout: Duration::from_secs(10),
            transport: Transport::Http,
            zygote: std::env::var_os("LAMINA_ZYGOTE").is_none_or(|v| v != "0"),
            measure_fresh_init: true,
            log_sink: Arc::new(|_| {}),
        }
    }
}

impl std::fmt::Debug for RuntimeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeConfig")
            .field("function_prefix", &self.function_prefix)
            .field("python", &self.python)
            .field("state_dir", &self.state_dir)
            .field("site_packages", &self.site_packages)
            .field("default_concurrency", &self.default_concurrency)
            .field("transport", &self.transport)
            .field("zygote", &self.zygote)
            .finish_non_exhaustive()
    }
}

/// One domain's function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainConfig {
    pub name: String,
    /// The function dir: `LAMBDA_TASK_ROOT`, first on sys.path.
    pub dir: PathBuf,
    /// `_HANDLER`: `handler.handler`.
    pub handler: String,
    pub memory_mb: u32,
    pub timeout: Duration,
    pub reserved_concurrency: Option<u32>,
    pub env: BTreeMap<String, String>,
    /// Code layers (`backend/shared`): on sys.path after site-packages, as `/opt/python` is in Lambda.
    pub code_layers: Vec<PathBuf>,
    /// The domain's own environment (interpreter and site-packages), when its layers' locks
    /// differ from other domains'; `None` uses [`RuntimeConfig::python`] and `site_packages`.
    pub python_env: Option<DomainEnv>,
}

/// An interpreter and the site-packages it imports from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainEnv {
    pub python: PathBuf,
    pub site_packages: Vec<PathBuf>,
}

impl DomainConfig {
    pub fn from_settings(s: &lamina_config::DomainSettings, code_layers: Vec<PathBuf>) -> Self {
        Self {
            name: s.name.clone(),
            dir: s.path.clone(),
            handler: "handler.handler".into(),
            memory_mb: s.memory,
            timeout: Duration::from_secs(u64::from(s.timeout)),
            reserved_concurrency: s.reserved_concurrency,
            env: s.env.clone(),
            code_layers,
            python_env: None,
        }
    }
}

/// Every domain of a stage, with its code layers (`[layers.X] path = ...`) resolved to directories.
pub fn domains_for_stage(view: &lamina_config::StageView<'_>) -> Vec<DomainConfig> {
    let root = &view.config.root;
    view.domains()
        .iter()
        .map(|d| {
            let code_layers = d
                .layers
                .iter()
                .filter_map(|name| view.config.config.layers.get(name.as_str()))
                .filter_map(|l| l.path.as_ref().map(|p| root.join(p.get_ref())))
                .collect();
            DomainConfig::from_settings(d, code_layers)
        })
        .collect()
}

/// Domains that can share one venv: the same locks (their layers' and their own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvGroup {
    pub domains: Vec<String>,
    pub spec: EnvSpec,
}

/// The Python environments of a stage: one per set of locks, since two domains whose layers pin
/// different versions cannot share a venv and stay true to what each function ships. Each holds
/// its locks' pins (`domain_locks`: every domain's locks, from `lamina_build`), its domains' dev
/// tools (their `requirements-dev.txt` and the `dev` group of their uv project layers), or, when
/// they declare none, the project's (`requirements-dev.txt` at the root or in `backend/`). The largest group (the only one, usually) gets
/// `<root>/.lamina/dev/venv`; the others `.lamina/dev/venv-<first domain>`.
pub fn env_groups_for_stage(
    view: &lamina_config::StageView<'_>,
    domain_locks: &BTreeMap<String, Vec<PathBuf>>,
) -> Vec<EnvGroup> {
    let root = view.config.root.clone();
    let mut groups: Vec<(Vec<PathBuf>, Vec<lamina_config::DomainSettings>)> = Vec::new();
    for d in view.domains() {
        let locks = domain_locks.get(&d.name).cloned().unwrap_or_default();
        match groups.iter_mut().find(|(l, _)| *l == locks) {
            Some((_, members)) => members.push(d),
            None => groups.push((locks, vec![d])),
        }
    }
    groups.sort_by_key(|(_, members)| std::cmp::Reverse(members.len()));
    groups
        .into_iter()
        .enumerate()
        .map(|(i, (locks, members))| {
            let mut requirements: Vec<PathBuf> = Vec::new();
            for d in &members {
                let c = d.path.join("requirements-dev.txt");
                if c.is_file() && !requirements.contains(&c) {
                    requirements.push(c);
                }
            }
            let mut dev_projects: Vec<PathBuf> = Vec::new();
            for d in &members {
                for layer in &d.layers {
                    let dir = view
                        .config
                        .config
                        .layers
                        .get(layer.as_str())
                        .and_then(|l| l.project.as_ref())
                        .map(|p| root.join(p.get_ref()));
                    if let Some(dir) = dir.filter(|d| d.join("uv.lock").is_file()) {
                        if !dev_projects.contains(&dir) {
                            dev_projects.push(dir);
                        }
                    }
                }
            }
            // The project-wide dev tools go to environments whose domains declare none of
            // their own (they may pin the project's other layers, as the template's do).
            if requirements.is_empty() && dev_projects.is_empty() {
                for c in [
                    root.join("requirements-dev.txt"),
                    root.join("backend/requirements-dev.txt"),
                ] {
                    if c.is_file() {
                        requirements.push(c);
                    }
                }
            }
            let venv = if i == 0 {
                root.join(".lamina/dev/venv")
            } else {
                root.join(format!(".lamina/dev/venv-{}", members[0].name))
            };
            EnvGroup {
                domains: members.iter().map(|d| d.name.clone()).collect(),
                spec: EnvSpec {
                    venv,
                    root: root.clone(),
                    python: view.config.config.project.python.as_str().to_owned(),
                    locks,
                    requirements,
                    dev_projects,
                    extra: Vec::new(),
                    uv: None,
                },
            }
        })
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("cannot write the bootstrap to {path}: {source}")]
    Bootstrap {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot start the Lambda Runtime API server: {0}")]
    Server(std::io::Error),
    #[error("domain `{0}` is configured twice")]
    DuplicateDomain(String),
}

/// The worker pools of every domain and the Runtime API they poll. Cheap to clone.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
    _guard: Arc<DropGuard>,
}

struct DropGuard(Arc<Inner>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.kill_all_workers();
        worker::kill_groups(self.0.take_zygotes().iter().map(|z| z.pid));
        for t in self.0.tasks.lock().expect("tasks").drain(..) {
            t.abort();
        }
    }
}

pub(crate) struct Inner {
    config: RuntimeConfig,
    /// The pools by domain; replaced whole when `lamina dev` applies a config edit.
    domains: std::sync::RwLock<BTreeMap<String, Arc<Pool>>>,
    /// Live workers by their Runtime API token.
    workers: Mutex<HashMap<String, Arc<Worker>>>,
    addr: SocketAddr,
    socket_path: Option<PathBuf>,
    bootstrap: PathBuf,
    shutting_down: AtomicBool,
    next_worker: AtomicU32,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// Zygotes replaced after a requirements change, draining until their last worker exits.
    old_zygotes: Mutex<Vec<Arc<zygote::Zygote>>>,
    /// Processes measuring a fresh import (see [`Inner::measure_import`]).
    measuring: Mutex<Vec<u32>>,
}

pub(crate) struct Pool {
    cfg: DomainConfig,
    function_name: String,
    cap: u32,
    state: Mutex<PoolState>,
    zygote: Mutex<ZygoteSlot>,
    /// Told when a worker goes idle or leaves the pool (room to start one).
    freed: tokio::sync::Notify,
    /// A fresh process's import of the handler, per code version (pool generation): `None` while
    /// it is being measured.
    fresh_init: Mutex<Option<(u64, Option<u64>)>>,
    /// Replaced or removed by a config edit: starts no worker; its workers finish and go.
    closed: AtomicBool,
}

/// What [`Runtime::update_domains`] did, by domain name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainChanges {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

impl DomainChanges {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

impl Pool {
    fn new(cfg: DomainConfig, config: &RuntimeConfig) -> Self {
        Self {
            cap: cfg
                .reserved_concurrency
                .unwrap_or(config.default_concurrency),
            function_name: format!("{}-{}", config.function_prefix, cfg.name),
            cfg,
            state: Mutex::new(PoolState::default()),
            zygote: Mutex::new(ZygoteSlot::default()),
            freed: tokio::sync::Notify::new(),
            fresh_init: Mutex::new(None),
            closed: AtomicBool::new(false),
        }
    }

    /// The interpreter of this domain's workers.
    pub(crate) fn python<'a>(&'a self, config: &'a RuntimeConfig) -> &'a Path {
        self.cfg
            .python_env
            .as_ref()
            .map_or(&config.python, |e| &e.python)
    }

    /// The site-packages of this domain's workers.
    pub(crate) fn site_packages<'a>(&'a self, config: &'a RuntimeConfig) -> &'a [PathBuf] {
        self.cfg
            .python_env
            .as_ref()
            .map_or(&config.site_packages, |e| &e.site_packages)
    }

    fn fresh_init_ms(&self, generation: u64) -> Option<u64> {
        match *self.fresh_init.lock().expect("fresh init") {
            Some((g, ms)) if g == generation => ms,
            _ => None,
        }
    }
}

#[derive(Default)]
struct ZygoteSlot {
    current: Option<Arc<zygote::Zygote>>,
    /// Zygotes that died unasked; after three, this domain spawns plain workers.
    deaths: u32,
}

#[derive(Default)]
struct PoolState {
    idle: Vec<Arc<Worker>>,
    /// Workers counted against the cap: initializing, idle and busy.
    live: u32,
    /// Bumped by reload: workers of an older generation are retired instead of reused.
    generation: u64,
}

enum Acquired {
    Worker(Arc<Worker>),
    Throttled,
    Failed,
}

impl Runtime {
    /// Writes the bootstrap, starts the Runtime API server; workers start on demand.
    pub async fn start(
        config: RuntimeConfig,
        domains: Vec<DomainConfig>,
    ) -> Result<Self, RuntimeError> {
        let bootstrap = config.state_dir.join("lamina_bootstrap.py");
        std::fs::create_dir_all(&config.state_dir)
            .and_then(|()| write_if_changed(&bootstrap, BOOTSTRAP_PY.as_bytes()))
            .map_err(|source| RuntimeError::Bootstrap {
                path: bootstrap.clone(),
                source,
            })?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(RuntimeError::Server)?;
        let addr = listener.local_addr().map_err(RuntimeError::Server)?;
        let (unix_listener, socket_path) = if config.transport == Transport::Unix {
            let path = config.state_dir.join(format!(
                "runtime-{}-{}.sock",
                std::process::id(),
                addr.port()
            ));
            let _ = std::fs::remove_file(&path);
            let l = tokio::net::UnixListener::bind(&path).map_err(RuntimeError::Server)?;
            (Some(l), Some(path))
        } else {
            (None, None)
        };
        let mut pools = BTreeMap::new();
        for d in domains {
            let name = d.name.clone();
            if pools
                .insert(name.clone(), Arc::new(Pool::new(d, &config)))
                .is_some()
            {
                return Err(RuntimeError::DuplicateDomain(name));
            }
        }
        let inner = Arc::new(Inner {
            config,
            domains: std::sync::RwLock::new(pools),
            workers: Mutex::new(HashMap::new()),
            addr,
            socket_path,
            bootstrap,
            shutting_down: AtomicBool::new(false),
            next_worker: AtomicU32::new(1),
            tasks: Mutex::new(Vec::new()),
            old_zygotes: Mutex::new(Vec::new()),
            measuring: Mutex::new(Vec::new()),
        });
        // Zygotes start now: they pre-import while lamina waits for the first request.
        for pool in inner.pools() {
            let _ = inner.zygote(&pool);
        }
        let mut tasks = vec![tokio::spawn(server::serve_http(inner.clone(), listener))];
        if let Some(l) = unix_listener {
            tasks.push(tokio::spawn(server::serve_unix(inner.clone(), l)));
        }
        inner.tasks.lock().expect("tasks").extend(tasks);
        Ok(Self {
            _guard: Arc::new(DropGuard(inner.clone())),
            inner,
        })
    }

    /// Runs `domain`'s handler with `event` (a JSON document) on a free worker, starting one if the
    /// pool may grow.
    pub async fn invoke(&self, domain: &str, event: Bytes) -> Invocation {
        let inner = &self.inner;
        let mut inv = Invocation {
            outcome: Outcome::FunctionError,
            cold: false,
            init_ms: None,
            forked: false,
            fresh_init_ms: None,
            duration_ms: 0,
            request_id: String::new(),
            worker: 0,
            error: None,
        };
        let Some(pool) = inner.pool(domain) else {
            inner.log(
                domain,
                0,
                Stream::Runtime,
                &format!("no domain `{domain}` in this runtime"),
            );
            return inv;
        };
        let pool = &pool;
        // Without a reserved concurrency, a full pool queues (Lambda would scale further).
        let queue_until = pool
            .cfg
            .reserved_concurrency
            .is_none()
            .then(|| tokio::time::Instant::now() + pool.cfg.timeout);
        let w = loop {
            let freed = pool.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            match inner.acquire(pool) {
                Acquired::Worker(w) => break w,
                Acquired::Throttled => match queue_until {
                    Some(until) if tokio::time::Instant::now() < until => {
                        tokio::select! {
                            () = &mut freed => {}
                            () = tokio::time::sleep_until(until) => {}
                        }
                    }
                    _ => {
                        inv.outcome = Outcome::Throttled;
                        return inv;
                    }
                },
                Acquired::Failed => return inv,
            }
        };
        inv.worker = w.id;
        inv.cold = w.invocations.fetch_add(1, Ordering::SeqCst) == 0;
        inv.request_id = worker::request_id();
        let (reply_tx, reply_rx) = oneshot::channel();
        let (delivered_tx, delivered_rx) = oneshot::channel();
        let job = Job {
            request_id: inv.request_id.clone(),
            event,
            timeout: pool.cfg.timeout,
            delivered: delivered_tx,
            reply: reply_tx,
        };
        let mut dead = w.dead.subscribe();
        if w.jobs_tx.try_send(job).is_err() {
            // Cannot happen: a worker gets a job only when idle. Treat it as broken.
            inner.log(
                domain,
                w.id,
                Stream::Runtime,
                "internal error: the worker already had a job",
            );
            inner.retire(pool, &w, true);
            return inv;
        }
        let wait_limit = if inv.cold {
            inner.config.init_timeout
        } else {
            pool.cfg.timeout.max(Duration::from_secs(1))
        };
        let delivered: Instant = tokio::select! {
            d = delivered_rx => match d {
                Ok(t) => t,
                Err(_) => return inner.died(pool, &w, inv),
            },
            _ = dead.wait_for(|d| *d) => return inner.died(pool, &w, inv),
            () = tokio::time::sleep(wait_limit) => {
                inner.log(domain, w.id, Stream::Runtime, &format!(
                    "INIT timed out after {:.2} seconds: the worker was killed", wait_limit.as_secs_f64()));
                inner.retire(pool, &w, true);
                inv.outcome = Outcome::Timeout;
                return inv;
            }
        };
        if inv.cold {
            inv.init_ms = w.init_duration.get().map(|d| d.as_millis() as u64);
            inv.forked = w.forked;
            inv.fresh_init_ms = pool.fresh_init_ms(w.generation);
        }
        let deadline = tokio::time::Instant::from_std(delivered + pool.cfg.timeout);
        let reply = tokio::select! {
            r = reply_rx => r.ok(),
            _ = dead.wait_for(|d| *d) => None,
            () = tokio::time::sleep_until(deadline) => {
                inv.duration_ms = delivered.elapsed().as_millis() as u64;
                inner.log(domain, w.id, Stream::Runtime, &format!(
                    "{} Task timed out after {:.2} seconds", inv.request_id, pool.cfg.timeout.as_secs_f64()));
                inner.retire(pool, &w, true);
                inner.prewarm(pool);
                inv.outcome = Outcome::Timeout;
                return inv;
            }
        };
        inv.duration_ms = delivered.elapsed().as_millis() as u64;
        match reply {
            Some(Reply::Response(body)) => inv.outcome = Outcome::Response(body),
            Some(Reply::TooLarge(len)) => {
                inner.log(domain, w.id, Stream::Runtime, &format!(
                    "{} Response payload size ({len} bytes) exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes).",
                    inv.request_id));
                inv.outcome = Outcome::ResponseTooLarge;
            }
            Some(Reply::Error { error_type, body }) => {
                inv.outcome = Outcome::FunctionError;
                inv.error = Some(FunctionError { error_type, body });
            }
            None => return inner.died(pool, &w, inv),
        }
        inner.release(pool, w);
        inv
    }

    /// Recycles `domain`'s workers: idle ones now, busy ones when they finish. The next invocation is
    /// a cold start on the new code (one worker is started right away if the domain had any).
    pub fn reload(&self, domain: &str) {
        if let Some(pool) = self.inner.pool(domain) {
            self.inner.reload(&pool);
        }
    }

    /// [`Runtime::reload`] for every domain.
    pub fn reload_all(&self) {
        for pool in self.inner.pools() {
            self.inner.reload(&pool);
        }
    }

    /// Kills every worker (process groups) and waits until they are reaped; stops the Runtime API.
    pub async fn shutdown(&self) {
        let inner = &self.inner;
        let workers = inner.kill_all_workers();
        for w in &workers {
            let mut dead = w.dead.subscribe();
            let _ = tokio::time::timeout(Duration::from_secs(5), dead.wait_for(|d| *d)).await;
        }
        for pool in inner.pools() {
            pool.state.lock().expect("pool").idle.clear();
        }
        let zygotes = inner.take_zygotes();
        worker::kill_groups(zygotes.iter().map(|z| z.pid));
        for z in &zygotes {
            for _ in 0..250 {
                if z.reaped() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        for t in inner.tasks.lock().expect("tasks").drain(..) {
            t.abort();
        }
        if let Some(p) = &inner.socket_path {
            let _ = std::fs::remove_file(p);
        }
    }

    /// `127.0.0.1:PORT` of the Runtime API (each worker adds its own `/w/<token>` path).
    pub fn runtime_api_addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// Process ids of the live workers (each is also its process group id).
    pub fn worker_pids(&self) -> Vec<u32> {
        self.inner
            .workers
            .lock()
            .expect("workers")
            .values()
            .map(|w| w.pid)
            .collect()
    }

    /// Process ids of the zygotes (forked workers' parents), current and draining.
    pub fn zygote_pids(&self) -> Vec<u32> {
        let inner = &self.inner;
        let mut pids: Vec<u32> = inner
            .pools()
            .iter()
            .filter_map(|p| {
                p.zygote
                    .lock()
                    .expect("zygote")
                    .current
                    .as_ref()
                    .map(|z| z.pid)
            })
            .collect();
        pids.extend(
            inner
                .old_zygotes
                .lock()
                .expect("zygotes")
                .iter()
                .map(|z| z.pid),
        );
        pids
    }

    /// Whether `domain`'s zygote has pre-imported and can fork (for tests and benchmarks).
    pub fn zygote_ready(&self, domain: &str) -> bool {
        self.inner.pool(domain).is_some_and(|p| {
            p.zygote
                .lock()
                .expect("zygote")
                .current
                .as_ref()
                .is_some_and(|z| z.usable(p.site_packages(&self.inner.config)))
        })
    }

    /// Process ids of one domain's live workers.
    pub fn domain_worker_pids(&self, domain: &str) -> Vec<u32> {
        self.inner
            .workers
            .lock()
            .expect("workers")
            .values()
            .filter(|w| w.domain == domain)
            .map(|w| w.pid)
            .collect()
    }

    /// The live workers of a domain (initializing, idle or busy).
    pub fn live_workers(&self, domain: &str) -> u32 {
        self.inner
            .pool(domain)
            .map_or(0, |p| p.state.lock().expect("pool").live)
    }

    /// What a fresh process took to import `domain`'s handler as its code is now (Lambda's cold
    /// start), once measured; only measured when its workers are forked from a zygote.
    pub fn fresh_init_ms(&self, domain: &str) -> Option<u64> {
        let pool = self.inner.pool(domain)?;
        let generation = pool.state.lock().expect("pool").generation;
        pool.fresh_init_ms(generation)
    }

    /// Every domain's configuration, in name order.
    pub fn domain_configs(&self) -> Vec<DomainConfig> {
        self.inner.pools().iter().map(|p| p.cfg.clone()).collect()
    }

    /// Applies a new set of domains (an edit of lamina.toml under `lamina dev`): new domains get
    /// a pool, removed ones are drained, and a domain whose settings changed (env, memory,
    /// timeout, layers, environment) gets a new pool while its old workers finish what they
    /// have. Unchanged domains keep their warm workers.
    pub fn update_domains(&self, domains: Vec<DomainConfig>) -> DomainChanges {
        let inner = &self.inner;
        let mut changes = DomainChanges::default();
        let mut retired = Vec::new();
        let mut started = Vec::new();
        {
            let mut map = inner.domains.write().expect("domains");
            let names: Vec<String> = domains.iter().map(|d| d.name.clone()).collect();
            for (name, pool) in map.iter() {
                if !names.contains(name) {
                    changes.removed.push(name.clone());
                    retired.push(pool.clone());
                }
            }
            map.retain(|name, _| names.contains(name));
            for d in domains {
                match map.get(&d.name) {
                    Some(pool) if pool.cfg == d => {}
                    Some(pool) => {
                        changes.changed.push(d.name.clone());
                        retired.push(pool.clone());
                        let new = Arc::new(Pool::new(d, &inner.config));
                        map.insert(new.cfg.name.clone(), new.clone());
                        started.push(new);
                    }
                    None => {
                        changes.added.push(d.name.clone());
                        let new = Arc::new(Pool::new(d, &inner.config));
                        map.insert(new.cfg.name.clone(), new.clone());
                        started.push(new);
                    }
                }
            }
        }
        for pool in &retired {
            inner.drain_pool(pool);
        }
        for pool in &started {
            let _ = inner.zygote(pool);
        }
        changes
    }

    pub fn config(&self) -> &RuntimeConfig {
        &self.inner.config
    }
}

impl Inner {
    pub(crate) fn pool(&self, domain: &str) -> Option<Arc<Pool>> {
        self.domains.read().expect("domains").get(domain).cloned()
    }

    pub(crate) fn pools(&self) -> Vec<Arc<Pool>> {
        self.domains
            .read()
            .expect("domains")
            .values()
            .cloned()
            .collect()
    }

    /// A pool a config edit replaced or removed: its idle workers go now, busy ones when they
    /// answer, and its zygote drains.
    fn drain_pool(&self, pool: &Arc<Pool>) {
        pool.closed.store(true, Ordering::SeqCst);
        let idle = {
            let mut st = pool.state.lock().expect("pool");
            st.generation += 1;
            std::mem::take(&mut st.idle)
        };
        for w in &idle {
            self.retire(pool, w, true);
        }
        if let Some(z) = pool.zygote.lock().expect("zygote").current.take() {
            z.drain();
            self.old_zygotes.lock().expect("zygotes").push(z);
        }
        pool.freed.notify_waiters();
    }

    /// Marks the runtime as stopping and SIGKILLs every worker's process group; returns the
    /// workers so a caller can wait for them to be reaped.
    fn kill_all_workers(&self) -> Vec<Arc<Worker>> {
        self.shutting_down.store(true, Ordering::SeqCst);
        let workers: Vec<Arc<Worker>> = self
            .workers
            .lock()
            .expect("workers")
            .values()
            .cloned()
            .collect();
        for w in &workers {
            w.expected_exit.store(true, Ordering::SeqCst);
        }
        worker::kill_groups(workers.iter().map(|w| w.pid));
        worker::kill_groups(std::mem::take(
            &mut *self.measuring.lock().expect("measuring"),
        ));
        workers
    }

    /// The domain's zygote if it can fork now. Starts one when there is none, or the requirements
    /// changed since it started (the old one drains); a worker is spawned plainly meanwhile.
    pub(crate) fn zygote(&self, pool: &Pool) -> Option<Arc<zygote::Zygote>> {
        if !self.config.zygote
            || pool.cap == 0
            || self.shutting_down.load(Ordering::SeqCst)
            || pool.closed.load(Ordering::SeqCst)
        {
            return None;
        }
        let site = pool.site_packages(&self.config);
        let mut slot = pool.zygote.lock().expect("zygote");
        if let Some(z) = &slot.current {
            if z.alive() && z.current(site) {
                return z.usable(site).then(|| z.clone());
            }
            let old = slot.current.take().expect("zygote");
            if old.alive() {
                old.drain();
                let mut olds = self.old_zygotes.lock().expect("zygotes");
                olds.retain(|z| z.alive());
                olds.push(old);
            } else {
                slot.deaths += 1;
                self.log(
                    &pool.cfg.name,
                    0,
                    Stream::Runtime,
                    "the zygote exited: starting a new one",
                );
            }
        }
        if slot.deaths >= 3 {
            return None;
        }
        match worker::start_zygote(self, pool) {
            Ok(z) => slot.current = Some(z),
            Err(e) => {
                slot.deaths += 1;
                self.log(
                    &pool.cfg.name,
                    0,
                    Stream::Runtime,
                    &format!("cannot start the zygote: {e}"),
                );
            }
        }
        None
    }

    /// Measures, in the background, what a fresh interpreter takes to start and import the
    /// handler of `generation` (the code as it is now): Lambda's cold start, which a forked
    /// worker does not show. Once per code version; its output is discarded.
    pub(crate) fn measure_import(self: &Arc<Self>, pool: &Arc<Pool>, generation: u64) {
        if !self.config.measure_fresh_init || self.shutting_down.load(Ordering::SeqCst) {
            return;
        }
        {
            let mut slot = pool.fresh_init.lock().expect("fresh init");
            if matches!(*slot, Some((g, _)) if g >= generation) {
                return;
            }
            *slot = Some((generation, None));
        }
        let Ok(cmd) = worker::python_command(self, pool) else {
            return;
        };
        let mut cmd = tokio::process::Command::from(cmd);
        cmd.env("LAMINA_MEASURE_IMPORT", "1")
            .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9/unused")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .process_group(0)
            .kill_on_drop(true);
        let (inner, pool) = (self.clone(), pool.clone());
        let task = tokio::spawn(async move {
            let started = Instant::now();
            let Ok(mut child) = cmd.spawn() else { return };
            let pid = child.id().unwrap_or(0);
            inner.measuring.lock().expect("measuring").push(pid);
            let status = tokio::time::timeout(inner.config.init_timeout, child.wait()).await;
            inner
                .measuring
                .lock()
                .expect("measuring")
                .retain(|p| *p != pid);
            let ms = started.elapsed().as_millis() as u64;
            if let Ok(Ok(status)) = status {
                let mut slot = pool.fresh_init.lock().expect("fresh init");
                if status.success() && matches!(*slot, Some((g, None)) if g == generation) {
                    *slot = Some((generation, Some(ms)));
                    drop(slot);
                    inner.log(
                        &pool.cfg.name,
                        0,
                        Stream::Runtime,
                        &format!(
                            "a fresh cold start of this code takes {ms} ms (interpreter and imports, as Lambda's init); workers forked from the zygote skip most of it"
                        ),
                    );
                }
            }
        });
        self.tasks.lock().expect("tasks").push(task);
    }

    fn take_zygotes(&self) -> Vec<Arc<zygote::Zygote>> {
        let mut all: Vec<Arc<zygote::Zygote>> =
            std::mem::take(&mut *self.old_zygotes.lock().expect("zygotes"));
        for pool in self.pools() {
            all.extend(pool.zygote.lock().expect("zygote").current.take());
        }
        all
    }

    pub(crate) fn log(&self, domain: &str, worker: u32, stream: Stream, line: &str) {
        (self.config.log_sink)(LogLine {
            domain,
            worker,
            stream,
            line,
        });
    }

    fn acquire(self: &Arc<Self>, pool: &Arc<Pool>) -> Acquired {
        if self.shutting_down.load(Ordering::SeqCst) || pool.closed.load(Ordering::SeqCst) {
            return Acquired::Failed;
        }
        let mut st = pool.state.lock().expect("pool");
        while let Some(w) = st.idle.pop() {
            if !w.retired.load(Ordering::SeqCst) {
                return Acquired::Worker(w);
            }
        }
        if st.live >= pool.cap {
            return Acquired::Throttled;
        }
        st.live += 1;
        let generation = st.generation;
        drop(st);
        match worker::spawn(self, pool, generation) {
            Ok(w) => Acquired::Worker(w),
            Err(e) => {
                pool.state.lock().expect("pool").live -= 1;
                self.log(
                    &pool.cfg.name,
                    0,
                    Stream::Runtime,
                    &format!(
                        "cannot start a worker ({}): {e}",
                        pool.python(&self.config).display()
                    ),
                );
                Acquired::Failed
            }
        }
    }

    /// Starts a worker ahead of demand (after a reload, timeout or crash) if the pool has room.
    fn prewarm(self: &Arc<Self>, pool: &Arc<Pool>) {
        if self.shutting_down.load(Ordering::SeqCst) || pool.closed.load(Ordering::SeqCst) {
            return;
        }
        let mut st = pool.state.lock().expect("pool");
        if st.live >= pool.cap || !st.idle.is_empty() {
            return;
        }
        st.live += 1;
        let generation = st.generation;
        drop(st);
        match worker::spawn(self, pool, generation) {
            Ok(w) => {
                let mut st = pool.state.lock().expect("pool");
                if st.generation == generation && !w.retired.load(Ordering::SeqCst) {
                    st.idle.push(w);
                    drop(st);
                    pool.freed.notify_one();
                } else {
                    drop(st);
                    self.retire(pool, &w, true);
                }
            }
            Err(_) => pool.state.lock().expect("pool").live -= 1,
        }
    }

    fn release(self: &Arc<Self>, pool: &Arc<Pool>, w: Arc<Worker>) {
        let mut st = pool.state.lock().expect("pool");
        if w.retired.load(Ordering::SeqCst) {
            return;
        }
        if w.generation != st.generation || self.shutting_down.load(Ordering::SeqCst) {
            drop(st);
            self.retire(pool, &w, true);
            return;
        }
        st.idle.push(w);
        drop(st);
        pool.freed.notify_one();
    }

    /// Takes a worker out of its pool (once); with `kill`, kills its process group.
    pub(crate) fn retire(&self, pool: &Pool, w: &Arc<Worker>, kill: bool) {
        if !w.retired.swap(true, Ordering::SeqCst) {
            let mut st = pool.state.lock().expect("pool");
            st.live -= 1;
            st.idle.retain(|x| !Arc::ptr_eq(x, w));
            drop(st);
            pool.freed.notify_one();
        }
        if kill && !w.exited.load(Ordering::SeqCst) {
            w.expected_exit.store(true, Ordering::SeqCst);
            worker::kill_groups([w.pid]);
        }
    }

    /// The worker died (crash, `sys.exit`, memory, init error) while it had our invocation.
    fn died(
        self: &Arc<Self>,
        pool: &Arc<Pool>,
        w: &Arc<Worker>,
        mut inv: Invocation,
    ) -> Invocation {
        self.retire(pool, w, true);
        let error = w.last_error.lock().expect("error").take();
        inv.error = Some(error.unwrap_or_else(|| {
            FunctionError {
                error_type: if w.oom.load(Ordering::SeqCst) {
                    "Runtime.OutOfMemory"
                } else {
                    "Runtime.ExitError"
                }
                .into(),
                body: Bytes::new(),
            }
        }));
        if w.init_duration.get().is_some() {
            // It had initialized: replace it. (A worker that dies in init is not restarted eagerly, so
            // a broken import does not loop; the next request tries again.)
            self.prewarm(pool);
        }
        inv.outcome = Outcome::FunctionError;
        inv
    }

    fn reload(self: &Arc<Self>, pool: &Arc<Pool>) {
        let (idle, had_workers) = {
            let mut st = pool.state.lock().expect("pool");
            st.generation += 1;
            (std::mem::take(&mut st.idle), st.live > 0)
        };
        for w in &idle {
            self.retire(pool, w, true);
        }
        if had_workers {
            self.prewarm(pool);
        }
    }
}

fn write_if_changed(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, contents)?;
    std::fs::rename(&tmp, path)
}
