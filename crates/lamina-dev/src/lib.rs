//! `lamina dev`: the gateway, the Lambda workers, the local Cognito and the frontend, started,
//! watched and stopped together.
//!
//! Each piece lives in its own crate and knows nothing of the others; this crate adapts them:
//! the runtime's invocations become the gateway's `Invoker`, the auth crate's `JwtVerifier`
//! becomes its `Authorize`, and every line any of them prints goes to one [`DevOutput`].

mod adapters;
mod env;
mod frontend;
mod live;
mod logs;
mod openapi;

use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lamina_config::LoadedConfig;
use lamina_gateway::{AccessLogEntry, GatewayConfig};
use lamina_runtime::{LogLine, Runtime, RuntimeConfig};
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use env::{DomainPythons, prepare_env};
pub use lamina_logfmt::render_log_line;
pub use logs::LogRecord;

/// Where `lamina dev` listens and what it starts.
#[derive(Debug, Clone)]
pub struct DevOptions {
    pub stage: String,
    /// The API (gateway) port; 0 picks a free one.
    pub port: u16,
    /// The local Cognito's port; 0 picks a free one.
    pub auth_port: u16,
    /// Start the frontend's Vite dev server.
    pub frontend: bool,
    pub frontend_port: u16,
    /// Workers per domain when a domain sets no `reserved_concurrency`.
    pub default_concurrency: u32,
}

impl Default for DevOptions {
    fn default() -> Self {
        Self {
            stage: "dev".into(),
            port: 3000,
            auth_port: lamina_auth::DEFAULT_PORT,
            frontend: true,
            frontend_port: 5173,
            default_concurrency: 4,
        }
    }
}

/// Everything `lamina dev` says, for the terminal (or a test) to show.
pub trait DevOutput: Send + Sync + 'static {
    /// Lamina's own status lines: starting, ready, reloads, shutdown.
    fn info(&self, message: &str);
    fn warn(&self, message: &str);
    /// One line a process printed: a domain's worker, or `web` for the frontend.
    fn line(&self, source: &str, line: &LogRecord);
    /// One request through the gateway.
    fn access(&self, access: &Access);
}

/// One request: what the gateway saw and what the function's worker reported.
#[derive(Debug, Clone)]
pub struct Access {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub latency: Duration,
    pub domain: Option<String>,
    /// `Some(true)` for a cold start, `Some(false)` warm, `None` when no function ran.
    pub cold: Option<bool>,
    pub init_ms: Option<u64>,
    /// The cold worker was forked from the zygote: `init_ms` is not Lambda's cold start.
    pub forked: bool,
    /// What a fresh process takes to import this code (Lambda's cold start), once measured.
    pub fresh_init_ms: Option<u64>,
    pub error: Option<String>,
}

/// The addresses of a running stack.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub api: SocketAddr,
    pub issuer: String,
    pub client_id: String,
    pub frontend: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DevError {
    #[error(transparent)]
    Stage(Box<lamina_config::Diagnostic>),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot prepare the Python environment: {0}")]
    Env(#[from] lamina_runtime::EnvError),
    #[error("{0}")]
    Lock(String),
    #[error(transparent)]
    Runtime(#[from] lamina_runtime::RuntimeError),
    #[error("the local Cognito failed: {0}")]
    Auth(#[from] lamina_auth::AuthError),
    #[error("invalid gateway configuration: {0}")]
    Gateway(String),
    #[error("the frontend failed: {0}")]
    Frontend(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl DevError {
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Listen { addr, .. } => Some(format!(
                "is another `lamina dev` running? Choose other ports with `--port` and `--auth-port` (now {})",
                addr.port()
            )),
            Self::Env(_) => Some("Lamina makes `.lamina/dev/venv` with uv from the layers' and domains' requirements".into()),
            _ => None,
        }
    }
}

async fn listen(port: u16) -> Result<TcpListener, DevError> {
    // Loopback only: a development stack has test users and fixed keys.
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpListener::bind(addr)
        .await
        .map_err(|source| DevError::Listen { addr, source })
}

/// Runs the stack until `shutdown` resolves, then stops every child process.
/// `ready` is called once with the endpoints when everything listens.
///
/// `shutdown` is watched from the first moment: a stop during start-up (while the venv is made,
/// or before the frontend is up) drops what was started, and every child process goes with it
/// (workers and zygotes by the runtime's drop guard, Vite and npm by their process groups).
pub async fn run(
    config: LoadedConfig,
    options: DevOptions,
    output: Arc<dyn DevOutput>,
    ready: impl FnOnce(&Endpoints) + Send,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), DevError> {
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let started = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let serving = serve(
        config,
        options,
        output.clone(),
        ready,
        stop_rx.clone(),
        started.clone(),
    );
    tokio::pin!(serving);
    let mut early = stop_rx.clone();
    tokio::select! {
        result = &mut serving => return result,
        _ = early.wait_for(|s| *s) => {}
    }
    if started.load(std::sync::atomic::Ordering::SeqCst) {
        // Up and running: `serve` stops everything in order.
        return serving.await;
    }
    output.info("stopping (during start-up)");
    Ok(())
}

async fn serve(
    config: LoadedConfig,
    options: DevOptions,
    output: Arc<dyn DevOutput>,
    ready: impl FnOnce(&Endpoints) + Send,
    mut shutdown: watch::Receiver<bool>,
    started: Arc<std::sync::atomic::AtomicBool>,
) -> Result<(), DevError> {
    let view = config.stage(&options.stage).map_err(DevError::Stage)?;
    let project = config.project_name().to_owned();
    let root = config.root.clone();

    // The listeners first: a port in use is the most likely failure, and it should come before
    // any slow step.
    let api_listener = listen(options.port).await?;
    let auth_listener = match &config.config.auth.dev_issuer {
        Some(_) => None,
        None => Some(listen(options.auth_port).await?),
    };
    let api_addr = api_listener.local_addr()?;

    let envs = prepare_env(&config, &options.stage, output.clone()).await?;
    // Every domain names its own venv (`python_env`); this is only the runtime's default, and a
    // project without domains (yet: live config may add one) has none.
    let (default_python, default_site) = envs.first().map_or_else(
        || (PathBuf::from("python3"), Vec::new()),
        |(_, env)| (env.python.clone(), vec![env.site_packages.clone()]),
    );

    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };

    // Tokens come from the local Cognito, or from a real user pool when `auth.dev_issuer` says so;
    // the gateway verifies them the same way (discovery document, then JWKS) in both cases.
    let auth = &config.config.auth;
    let (issuer, audiences, client_id, auth_task) = match auth_listener {
        None => {
            let issuer = auth.dev_issuer.clone().unwrap_or_default();
            let audiences = auth.dev_audiences.clone();
            let client_id = audiences.first().cloned().unwrap_or_default();
            (issuer, audiences, client_id, None)
        }
        Some(listener) => {
            // Keys persist under .lamina/auth, so tokens survive a restart.
            let port = listener.local_addr()?.port();
            let settings = lamina_auth::CognitoSettings::from_config(&config, view.name, port);
            let pool = tokio::task::spawn_blocking(move || lamina_auth::LocalPool::open(settings))
                .await
                .map_err(|e| DevError::Io(std::io::Error::other(e)))??;
            let issuer = pool.issuer().to_owned();
            let audiences = vec![pool.client_id().to_owned(), pool.m2m_client_id().to_owned()];
            let client_id = pool.client_id().to_owned();
            let task = tokio::spawn(lamina_auth::serve_pool(
                pool,
                listener,
                stopped(stop_rx.clone()),
            ));
            (issuer, audiences, client_id, Some(task))
        }
    };
    let users: Vec<(String, String)> = if auth.dev_issuer.is_some() {
        Vec::new()
    } else {
        auth.test_users
            .iter()
            .map(|u| (u.username.get_ref().clone(), u.password.clone()))
            .collect()
    };

    // Workers: each domain with the issuer its shared code verifies tokens against.
    let domains = live::worker_domains(&config, &view, &issuer, &audiences, &envs, &*output)?;
    let sink_output = output.clone();
    let mut runtime_config = RuntimeConfig::new(
        format!("{project}-{}", view.name),
        config.config.project.region.get_ref().clone(),
        default_python.clone(),
        root.join(".lamina"),
    );
    runtime_config.python_version = config.config.project.python.as_str().to_owned();
    runtime_config.site_packages = default_site;
    runtime_config.default_concurrency = options.default_concurrency;
    // Lambda gives init 10 s, then retries a timed-out init inside the first invocation
    // ("suppressed init"), bounded by the function's timeout: so a cold start fails only after
    // both. A busy laptop needs that slack more than Lambda does.
    let longest = domains.iter().map(|d| d.timeout).max().unwrap_or_default();
    runtime_config.init_timeout = Duration::from_secs(10) + longest;
    if let Some(account) = &view.stage.account_id {
        runtime_config.account_id = account.get_ref().clone();
    }
    runtime_config.log_sink = Arc::new(move |l: LogLine<'_>| {
        sink_output.line(
            l.domain,
            &LogRecord::from_worker(l.worker, l.stream, l.line),
        );
    });
    let runtime = Runtime::start(runtime_config, domains).await?;

    // Gateway: its access log is joined with the runtime's cold/warm report by request id.
    let reports: Arc<Mutex<HashMap<String, adapters::Report>>> = Arc::default();
    let mut gateway = GatewayConfig::from_config(&config, view.name)
        .map_err(|e| DevError::Gateway(e.to_string()))?;
    gateway.forwarded_port = Some(api_addr.port());
    for warning in gateway.warnings() {
        output.warn(&warning);
    }
    let access_output = output.clone();
    let access_reports = reports.clone();
    gateway.access_log = Some(Arc::new(move |e: &AccessLogEntry| {
        let report = access_reports
            .lock()
            .expect("reports")
            .remove(&e.request_id);
        access_output.access(&Access {
            method: e.method.clone(),
            path: e.path.clone(),
            status: e.status,
            latency: e.latency,
            domain: e.domain.clone(),
            cold: report.as_ref().map(|r| r.cold),
            init_ms: report.as_ref().and_then(|r| r.init_ms),
            forked: report.as_ref().is_some_and(|r| r.forked),
            fresh_init_ms: report.and_then(|r| r.fresh_init_ms),
            error: e.error.map(|g| g.as_str().to_owned()),
        });
    }));
    let invoker = Arc::new(adapters::RuntimeInvoker::new(runtime.clone(), reports));
    // The frontend's typed client follows the domains' routes (see openapi.rs), each domain
    // imported in its own dev venv.
    let pythons = DomainPythons::of(&envs);
    let regenerator = options
        .frontend
        .then(|| {
            let jwt_env = BTreeMap::from([
                ("LAMINA_JWT_ISSUER".to_owned(), issuer.clone()),
                ("LAMINA_JWT_AUDIENCE".to_owned(), audiences.join(",")),
            ]);
            openapi::start(
                config.clone(),
                view.name.to_owned(),
                pythons.default.clone(),
                pythons.by_domain.clone(),
                jwt_env,
                output.clone(),
            )
        })
        .flatten();
    let verifier = lamina_auth::JwtVerifier::new(issuer.clone(), audiences.clone(), Duration::ZERO);
    prefetch_keys(&verifier, output.as_ref()).await;
    let authorizer = Arc::new(adapters::VerifierAuthorizer(verifier));
    let (gateway_tx, gateway_rx) = watch::channel(gateway.clone());
    let gateway_task = tokio::spawn(lamina_gateway::serve_live(
        gateway_rx,
        invoker,
        authorizer,
        api_listener,
        stopped(stop_rx.clone()),
    ));

    // Hot reload: a change under a domain or a code layer recycles only the workers that use it.
    let hot_reload = live::hot_reload(
        &runtime,
        envs.iter().map(|(g, _)| g.clone()).collect(),
        output.clone(),
        regenerator.as_ref().map(|(r, _)| r.clone()),
    )?;
    // Live config: an edit of lamina.toml (routes, public routes, env, domains, layers) applies
    // without a restart; a bad edit keeps the running config.
    let live_task = live::watch_config(live::Live {
        config_path: config.source.path.clone(),
        root: root.clone(),
        stage: view.name.to_owned(),
        running: config.clone(),
        issuer: issuer.clone(),
        audiences: audiences.clone(),
        runtime: runtime.clone(),
        gateway: gateway_tx,
        gateway_base: gateway,
        hot_reload,
        output: output.clone(),
        client: regenerator.as_ref().map(|(r, _)| r.clone()),
    })?;

    let api_url = format!("http://{api_addr}");
    let mut web = None;
    let mut frontend_url = None;
    if let (true, Some(fe)) = (options.frontend, config.config.frontend.as_ref()) {
        // The same variables, in the same shape, as `lamina deploy` builds the stage with. The
        // local Cognito serves its hosted UI (/login, /logout) on the issuer's origin.
        let cognito_domain = issuer_origin(&issuer);
        let env: Vec<(String, String)> = lamina_config::frontend_env(
            &config,
            view.name,
            &lamina_config::FrontendEndpoints {
                api_url: api_url.clone(),
                authority: issuer.clone(),
                client_id: client_id.clone(),
                cognito_domain,
                region: config.config.project.region.get_ref().clone(),
            },
        )
        .into_iter()
        .collect();
        let dir = root.join(fe.path.get_ref());
        match frontend::start(&dir, options.frontend_port, env, output.clone()).await {
            Ok(process) => {
                frontend_url = Some(format!("http://127.0.0.1:{}", options.frontend_port));
                web = Some(process);
            }
            Err(e) => output.warn(&format!("the frontend did not start: {e}")),
        }
    }

    let endpoints = Endpoints {
        api: api_addr,
        issuer: issuer.clone(),
        client_id,
        frontend: frontend_url,
    };
    started.store(true, std::sync::atomic::Ordering::SeqCst);
    ready(&endpoints);
    output.info(&banner(&endpoints, &users, &config));

    let _ = shutdown.wait_for(|s| *s).await;
    live_task.abort();
    output.info("stopping");
    let _ = stop_tx.send(true);
    if let Some((_, task)) = regenerator {
        // Its Python and node processes are killed with it (kill_on_drop).
        task.abort();
    }
    if let Some(web) = web {
        web.stop().await;
    }
    runtime.shutdown().await;
    let _ = gateway_task.await;
    if let Some(task) = auth_task {
        let _ = task.await;
    }
    Ok(())
}

/// The issuer's keys, before the first request: a few tries, since the local Cognito was only
/// just spawned. Failing here is not fatal: the verifier fetches again on the next token.
async fn prefetch_keys(verifier: &lamina_auth::JwtVerifier, output: &dyn DevOutput) {
    let mut last = String::new();
    for attempt in 0..5 {
        match verifier.prefetch().await {
            Ok(_) => return,
            Err(e) => last = e,
        }
        tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
    }
    output.warn(&format!(
        "cannot fetch the issuer's keys yet ({last}); tokens are refused until it answers"
    ));
}

fn banner(endpoints: &Endpoints, users: &[(String, String)], config: &LoadedConfig) -> String {
    let mut out = String::from("ready\n");
    out.push_str(&format!("  API        http://{}\n", endpoints.api));
    if let Some(web) = &endpoints.frontend {
        out.push_str(&format!("  Frontend   {web}\n"));
    }
    out.push_str(&format!(
        "  Cognito    {}  (client id {})\n",
        endpoints.issuer, endpoints.client_id
    ));
    if let Some(domain) = config.config.domains.keys().next() {
        let prefix = config.prefix(domain.get_ref());
        out.push_str(&format!(
            "  try        curl http://{}{prefix}/health\n",
            endpoints.api
        ));
    }
    if let Some((user, password)) = users.first() {
        out.push_str(&format!(
            "  sign in    {user} / {password}   (token for curl: lamina token --user {user})\n"
        ));
    }
    out.push_str("  Ctrl-C stops everything");
    out
}

/// Where `lamina dev` keeps its state.
pub fn state_dir(config: &LoadedConfig) -> PathBuf {
    config.root.join(".lamina")
}

/// `http://127.0.0.1:3001/local_pool` → `http://127.0.0.1:3001`; a real Cognito issuer
/// (`auth.dev_issuer`) has its hosted UI elsewhere, which it names only in its own settings, so
/// the issuer's origin is the best local answer.
fn issuer_origin(issuer: &str) -> String {
    let after_scheme = issuer.find("://").map_or(0, |i| i + 3);
    match issuer[after_scheme..].find('/') {
        Some(i) => issuer[..after_scheme + i].to_owned(),
        None => issuer.to_owned(),
    }
}
