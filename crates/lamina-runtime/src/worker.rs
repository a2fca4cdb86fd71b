//! One Python worker process: spawn, environment, output capture, memory watch, exit, kill.

use std::ffi::OsString;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tokio::io::AsyncBufReadExt;
use tokio::sync::{mpsc, oneshot, watch};

use crate::zygote::Zygote;
use crate::{FunctionError, Inner, Pool, Stream, Transport};

pub(crate) struct Job {
    pub request_id: String,
    pub event: Bytes,
    pub timeout: Duration,
    /// Told when the worker takes the event (its `/next` returns): the function timeout starts then.
    pub delivered: oneshot::Sender<Instant>,
    pub reply: oneshot::Sender<Reply>,
}

pub(crate) enum Reply {
    Response(Bytes),
    TooLarge(usize),
    Error { error_type: String, body: Bytes },
}

pub(crate) struct Current {
    pub request_id: String,
    pub reply: oneshot::Sender<Reply>,
}

pub(crate) struct Worker {
    pub id: u32,
    pub domain: String,
    pub generation: u64,
    pub pid: u32,
    /// Forked from the domain's zygote (its libraries already imported): its init time is not
    /// Lambda's cold start.
    pub forked: bool,
    pub spawned: Instant,
    pub jobs_tx: mpsc::Sender<Job>,
    pub jobs_rx: tokio::sync::Mutex<mpsc::Receiver<Job>>,
    pub current: Mutex<Option<Current>>,
    /// Spawn to first `/next`.
    pub init_duration: OnceLock<Duration>,
    pub invocations: AtomicU64,
    pub dead: watch::Sender<bool>,
    pub exited: AtomicBool,
    /// Out of the pool's count (set once).
    pub retired: AtomicBool,
    /// Lamina killed it: its exit is not news.
    pub expected_exit: AtomicBool,
    pub init_failed: AtomicBool,
    pub oom: AtomicBool,
    /// The error the runtime posted to `/init/error` (or `/error` just before dying).
    pub last_error: Mutex<Option<FunctionError>>,
}

impl Worker {
    pub fn function_error(&self, error_type: String, body: Bytes) {
        *self.last_error.lock().expect("error") = Some(FunctionError { error_type, body });
    }
}

pub(crate) fn request_id() -> String {
    let v: u128 = rand::random::<u128>() & !(0xF000 << 64) & !(0xC000 << 48)
        | (0x4000 << 64)
        | (0x8000 << 48);
    let h = format!("{v:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

pub(crate) fn trace_id() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let root: u128 = rand::random::<u128>() >> 32;
    let parent: u64 = rand::random();
    format!("Root=1-{secs:08x}-{root:024x};Parent={parent:016x};Sampled=0")
}

pub(crate) fn epoch_ms(at: Instant) -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let delta = at.saturating_duration_since(Instant::now());
    (now + delta).as_millis() as u64
}

/// `2026/11/27/[$LATEST]<32 hex>`, Lambda's log stream name.
fn log_stream_name() -> String {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        / 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}/{m:02}/{d:02}/[$LATEST]{:032x}",
        rand::random::<u128>()
    )
}

/// Howard Hinnant's `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Dummy credentials: boto3 finds these first and never the developer's real ones.
const DUMMY_KEY: &str = "ASIALAMINALOCALDUMMY";
const DUMMY_SECRET: &str = "lamina-local-dummy-secret-not-a-real-key";
const DUMMY_TOKEN: &str = "lamina-local-dummy-session-token";

/// The variables every worker of the domain shares, in order (later ones win): the few kept from
/// lamina's own environment, the function's, then Lambda's reserved ones. The zygote is started with
/// them; [`worker_env`] adds the per-worker ones.
pub(crate) fn domain_env(inner: &Inner, pool: &Pool) -> std::io::Result<Vec<(OsString, OsString)>> {
    let cfg = &inner.config;
    let d = &pool.cfg;
    let fname = &pool.function_name;
    let log_group = format!("/aws/lambda/{fname}");
    let mut env: Vec<(OsString, OsString)> = Vec::new();
    for keep in ["PATH", "HOME", "TMPDIR", "SYSTEMROOT"] {
        if let Some(v) = std::env::var_os(keep) {
            env.push((keep.into(), v));
        }
    }
    // The function's own variables first: Lambda's reserved ones below cannot be overridden.
    env.extend(
        d.env
            .iter()
            .filter(|(k, _)| k.as_str() != "AWS_PROFILE")
            .map(|(k, v)| (k.into(), v.into())),
    );
    let sys_path = std::env::join_paths(
        std::iter::once(d.dir.as_path())
            .chain(pool.site_packages(cfg).iter().map(|p| p.as_path()))
            .chain(d.code_layers.iter().map(|p| p.as_path())),
    )
    .map_err(std::io::Error::other)?;
    let site =
        std::env::join_paths(pool.site_packages(cfg).iter()).map_err(std::io::Error::other)?;
    let memory = d.memory_mb.to_string();
    let reserved: [(&str, &str); 20] = [
        ("_HANDLER", &d.handler),
        ("AWS_REGION", &cfg.region),
        ("AWS_DEFAULT_REGION", &cfg.region),
        (
            "AWS_EXECUTION_ENV",
            &format!("AWS_Lambda_python{}", cfg.python_version),
        ),
        ("AWS_LAMBDA_FUNCTION_NAME", fname),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", &memory),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", &log_group),
        ("AWS_ACCESS_KEY_ID", DUMMY_KEY),
        ("AWS_SECRET_ACCESS_KEY", DUMMY_SECRET),
        ("AWS_SESSION_TOKEN", DUMMY_TOKEN),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR"),
        ("LAMBDA_TASK_ROOT", &d.dir.to_string_lossy()),
        ("LAMBDA_RUNTIME_DIR", &cfg.state_dir.to_string_lossy()),
        ("LANG", "en_US.UTF-8"),
        ("TZ", "UTC"),
        ("POWERTOOLS_TRACE_DISABLED", "1"),
        ("PYTHONUNBUFFERED", "1"),
    ];
    env.extend(reserved.iter().map(|(k, v)| (k.into(), v.into())));
    // No shared config/credentials files either: nothing real can be picked up.
    env.push(("AWS_CONFIG_FILE".into(), "/dev/null".into()));
    env.push(("AWS_SHARED_CREDENTIALS_FILE".into(), "/dev/null".into()));
    env.push(("LAMINA_SYS_PATH".into(), sys_path));
    env.push(("LAMINA_SITE_PACKAGES".into(), site));
    env.push((
        "LAMINA_MODULES_FILE".into(),
        modules_file(inner, pool).into_os_string(),
    ));
    env.push((
        "LAMINA_PARENT_PID".into(),
        std::process::id().to_string().into(),
    ));
    if cfg.transport == Transport::Unix {
        if let Some(sock) = &inner.socket_path {
            env.push(("LAMINA_TRANSPORT".into(), "unix".into()));
            env.push(("LAMINA_SOCKET".into(), sock.into()));
        }
    }
    Ok(env)
}

/// Where a domain's workers record the modules its zygote pre-imports.
fn modules_file(inner: &Inner, pool: &Pool) -> PathBuf {
    inner
        .config
        .state_dir
        .join("zygote")
        .join(format!("{}.modules", pool.cfg.name))
}

/// The variables that differ between two workers of a domain.
fn worker_env(inner: &Inner, token: &str) -> Vec<(&'static str, String)> {
    let mut env = vec![
        (
            "AWS_LAMBDA_RUNTIME_API",
            format!("{}/w/{token}", inner.addr),
        ),
        ("AWS_LAMBDA_LOG_STREAM_NAME", log_stream_name()),
    ];
    if inner.config.transport == Transport::Unix && inner.socket_path.is_some() {
        env.push(("LAMINA_TOKEN", token.to_owned()));
    }
    env
}

pub(crate) fn python_command(inner: &Inner, pool: &Pool) -> std::io::Result<std::process::Command> {
    let mut cmd = std::process::Command::new(pool.python(&inner.config));
    cmd.arg("-s").arg(&inner.bootstrap);
    cmd.env_clear();
    cmd.envs(domain_env(inner, pool)?);
    cmd.current_dir(&pool.cfg.dir);
    Ok(cmd)
}

/// Starts a domain's zygote (see `zygote.rs`); it is ready once it has pre-imported.
pub(crate) fn start_zygote(inner: &Inner, pool: &Pool) -> std::io::Result<Arc<Zygote>> {
    let cmd = python_command(inner, pool)?;
    Zygote::start(
        cmd,
        pool.site_packages(&inner.config),
        pool.cfg.name.clone(),
        inner.config.log_sink.clone(),
    )
}

enum Proc {
    Spawned(tokio::process::Child),
    Forked(oneshot::Receiver<i32>),
}

pub(crate) fn spawn(
    inner: &Arc<Inner>,
    pool: &Arc<Pool>,
    generation: u64,
) -> std::io::Result<Arc<Worker>> {
    let d = &pool.cfg;
    let id = inner.next_worker.fetch_add(1, Ordering::SeqCst);
    let token = format!("{id}-{:016x}", rand::random::<u64>());
    let env = worker_env(inner, &token);
    let spawned = Instant::now();

    let mut forked = None;
    if let Some(z) = inner.zygote(pool) {
        let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        match z.fork(id, &vars) {
            Ok(f) => forked = Some(f),
            Err(e) => inner.log(
                &d.name,
                id,
                Stream::Runtime,
                &format!("the zygote could not fork a worker ({e}): starting a plain one"),
            ),
        }
    }
    let (pid, proc_, out, err): (u32, Proc, Option<Output>, Option<Output>) = match forked {
        Some(f) => (
            f.pid,
            Proc::Forked(f.exit),
            Some(Output::Pipe(f.stdout)),
            Some(Output::Pipe(f.stderr)),
        ),
        None => {
            let mut cmd = tokio::process::Command::from(python_command(inner, pool)?);
            cmd.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
            cmd.stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .process_group(0)
                .kill_on_drop(true);
            let mut child = cmd.spawn()?;
            let pid = child.id().unwrap_or(0);
            let out = child.stdout.take().map(Output::Stdout);
            let err = child.stderr.take().map(Output::Stderr);
            (pid, Proc::Spawned(child), out, err)
        }
    };
    let was_forked = matches!(proc_, Proc::Forked(_));
    if was_forked {
        // What a real cold start of this code costs, measured once per code version.
        inner.measure_import(pool, generation);
    }
    let (jobs_tx, jobs_rx) = mpsc::channel(1);
    let w = Arc::new(Worker {
        id,
        domain: d.name.clone(),
        generation,
        pid,
        forked: was_forked,
        spawned,
        jobs_tx,
        jobs_rx: tokio::sync::Mutex::new(jobs_rx),
        current: Mutex::new(None),
        init_duration: OnceLock::new(),
        invocations: AtomicU64::new(0),
        dead: watch::Sender::new(false),
        exited: AtomicBool::new(false),
        retired: AtomicBool::new(false),
        expected_exit: AtomicBool::new(false),
        init_failed: AtomicBool::new(false),
        oom: AtomicBool::new(false),
        last_error: Mutex::new(None),
    });
    inner
        .workers
        .lock()
        .expect("workers")
        .insert(token, w.clone());

    let mut readers = Vec::new();
    for (o, stream) in [(out, Stream::Stdout), (err, Stream::Stderr)] {
        let (inner, w) = (inner.clone(), w.clone());
        match o {
            Some(Output::Stdout(r)) => readers.push(tokio::spawn(pipe_lines(inner, w, r, stream))),
            Some(Output::Stderr(r)) => readers.push(tokio::spawn(pipe_lines(inner, w, r, stream))),
            Some(Output::Pipe(r)) => readers.push(tokio::spawn(pipe_lines(inner, w, r, stream))),
            None => {}
        }
    }
    let memory_task = tokio::spawn(watch_memory(
        inner.clone(),
        pool.clone(),
        w.clone(),
        u64::from(d.memory_mb),
    ));
    let (inner2, pool2, w2) = (inner.clone(), pool.clone(), w.clone());
    tokio::spawn(async move {
        let status: Result<std::process::ExitStatus, String> = match proc_ {
            Proc::Spawned(mut child) => child.wait().await.map_err(|e| e.to_string()),
            Proc::Forked(exit) => exit
                .await
                .map(std::process::ExitStatus::from_raw)
                .map_err(|_| "signal: killed (its zygote died)".to_owned()),
        };
        memory_task.abort();
        w2.exited.store(true, Ordering::SeqCst);
        // Anything the handler started in the worker's group goes with it.
        kill_groups([w2.pid]);
        // Let the last output lines through before saying why it ended.
        for r in readers {
            let _ = tokio::time::timeout(Duration::from_millis(200), r).await;
        }
        if !w2.expected_exit.load(Ordering::SeqCst) && !w2.init_failed.load(Ordering::SeqCst) {
            let why = match &status {
                Ok(s) => describe(*s),
                Err(e) => e.clone(),
            };
            let line = if w2.oom.load(Ordering::SeqCst) {
                format!(
                    "Runtime exited with error: {why} (memory limit {} MB exceeded) Runtime.OutOfMemory",
                    pool2.cfg.memory_mb
                )
            } else {
                format!("Runtime exited with error: {why} Runtime.ExitError")
            };
            inner2.log(&w2.domain, w2.id, Stream::Runtime, &line);
        }
        inner2
            .workers
            .lock()
            .expect("workers")
            .retain(|_, x| !Arc::ptr_eq(x, &w2));
        inner2.retire(&pool2, &w2, false);
        w2.current.lock().expect("current").take();
        w2.dead.send_replace(true);
    });
    Ok(w)
}

enum Output {
    Stdout(tokio::process::ChildStdout),
    Stderr(tokio::process::ChildStderr),
    Pipe(tokio::net::unix::pipe::Receiver),
}

async fn pipe_lines<R: tokio::io::AsyncRead + Unpin>(
    inner: Arc<Inner>,
    w: Arc<Worker>,
    r: R,
    stream: Stream,
) {
    let mut reader = tokio::io::BufReader::with_capacity(64 * 1024, r);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                while matches!(buf.last(), Some(b'\n' | b'\r')) {
                    buf.pop();
                }
                inner.log(&w.domain, w.id, stream, &String::from_utf8_lossy(&buf));
            }
        }
    }
}

/// Lambda kills a function that uses more than its memory: poll the worker's RSS.
async fn watch_memory(inner: Arc<Inner>, pool: Arc<Pool>, w: Arc<Worker>, limit_mb: u64) {
    let path = format!("/proc/{}/status", w.pid);
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let Some(kb) = rss_kb(Path::new(&path)) else {
            return;
        };
        if kb / 1024 > limit_mb {
            w.oom.store(true, Ordering::SeqCst);
            inner.log(
                &w.domain,
                w.id,
                Stream::Runtime,
                &format!(
                    "memory {} MB > the function's {limit_mb} MB: killing the worker",
                    kb / 1024
                ),
            );
            kill_groups([w.pid]);
            inner.retire(&pool, &w, false);
            return;
        }
    }
}

fn rss_kb(path: &Path) -> Option<u64> {
    let s = std::fs::read_to_string(path).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn describe(s: std::process::ExitStatus) -> String {
    if let Some(sig) = s.signal() {
        let name = match sig {
            4 => "illegal instruction",
            6 => "aborted",
            7 => "bus error",
            8 => "floating point exception",
            9 => "killed",
            11 => "segmentation fault",
            15 => "terminated",
            _ => "",
        };
        let core = if s.core_dumped() {
            " (core dumped)"
        } else {
            ""
        };
        if name.is_empty() {
            format!("signal: {sig}{core}")
        } else {
            format!("signal: {name}{core}")
        }
    } else {
        format!("exit status {}", s.code().unwrap_or(-1))
    }
}

/// SIGKILLs whole process groups (each worker leads its own). `unsafe_code` is forbidden, so this
/// runs `kill(1)` rather than calling `killpg` directly; it only runs on timeouts, crashes, reloads
/// and shutdown, never per request.
pub(crate) fn kill_groups(pgids: impl IntoIterator<Item = u32>) {
    let args: Vec<String> = pgids
        .into_iter()
        .filter(|p| *p > 1)
        .map(|p| format!("-{p}"))
        .collect();
    if args.is_empty() {
        return;
    }
    let _ = std::process::Command::new("kill")
        .arg("-KILL")
        .arg("--")
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}
