// Real Python workers running the handlers in tests/fixtures: the fixture, included by runtime.rs
// (workers forked from zygotes) and runtime_spawn.rs (every worker spawned), which set `ZYGOTE`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use lamina_runtime::{
    DomainConfig, Invocation, Outcome, Runtime, RuntimeConfig, Stream, Transport,
};
use serde_json::{Value, json};

type Lines = Arc<Mutex<Vec<(String, u32, Stream, String)>>>;

struct Fixture {
    dir: tempfile::TempDir,
    lines: Lines,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        copy_dir(&src, dir.path());
        std::fs::create_dir_all(dir.path().join("site-packages")).unwrap();
        Self {
            dir,
            lines: Arc::default(),
        }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn domain(&self, name: &str, handler: &str) -> DomainConfig {
        let dir_name = if name == "other" { "other" } else { "fn" };
        DomainConfig {
            name: name.into(),
            dir: self.path(dir_name),
            handler: handler.into(),
            memory_mb: 256,
            timeout: Duration::from_secs(10),
            reserved_concurrency: None,
            env: BTreeMap::from([
                ("LAMINA_CUSTOM".to_owned(), "custom-value".to_owned()),
                ("AWS_REGION".to_owned(), "user-cannot-override".to_owned()),
            ]),
            code_layers: vec![self.path("layer")],
            python_env: None,
        }
    }

    fn config(&self) -> RuntimeConfig {
        let mut c = RuntimeConfig::new("proj-dev", "eu-west-1", python(), self.path(".lamina"));
        c.site_packages = vec![self.path("site-packages")];
        c.zygote = ZYGOTE;
        // Process counts here are exact: no background measurement of fresh imports.
        c.measure_fresh_init = false;
        let lines = self.lines.clone();
        c.log_sink = Arc::new(move |l| {
            lines.lock().unwrap().push((
                l.domain.to_owned(),
                l.worker,
                l.stream,
                l.line.to_owned(),
            ));
        });
        c
    }

    async fn start(&self, domains: Vec<DomainConfig>) -> Runtime {
        start_ready(self.config(), domains).await
    }

    fn logged(&self, needle: &str) -> bool {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .any(|(_, _, _, l)| l.contains(needle))
    }

    /// Worker output arrives asynchronously: poll for a line, for at most 5 s.
    async fn wait_logged(&self, needle: &str) -> bool {
        for _ in 0..250 {
            if self.logged(needle) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }
}

/// Starts a runtime; with zygotes, waits (at most 10 s) until every domain's zygote can fork, so
/// the tests run on forked workers rather than on the plain ones started while a zygote loads.
async fn start_ready(config: RuntimeConfig, domains: Vec<DomainConfig>) -> Runtime {
    let names: Vec<String> = domains
        .iter()
        .filter(|d| d.reserved_concurrency != Some(0))
        .map(|d| d.name.clone())
        .collect();
    let rt = Runtime::start(config, domains).await.unwrap();
    if ZYGOTE {
        for _ in 0..500 {
            if names.iter().all(|n| rt.zygote_ready(n)) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(names.iter().all(|n| rt.zygote_ready(n)), "zygotes not ready");
    }
    rt
}

/// The parent of `pid`, from /proc.
fn ppid(pid: u32) -> u32 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = stat.rsplit_once(") ").unwrap().1;
    rest.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// A worker's parent: a zygote when `ZYGOTE`, else this (the test) process.
fn assert_parent(rt: &Runtime, pid: u32) {
    let parent = ppid(pid);
    if ZYGOTE {
        assert!(rt.zygote_pids().contains(&parent), "{pid}'s parent {parent} is not a zygote");
    } else {
        assert_eq!(parent, std::process::id());
    }
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            if e.file_name() != "__pycache__" {
                copy_dir(&e.path(), &to);
            }
        } else {
            std::fs::copy(e.path(), to).unwrap();
        }
    }
}

/// The real interpreter behind `python3` (pyenv shims need variables the workers do not get).
fn python() -> PathBuf {
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 on PATH");
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

fn body(inv: &Invocation) -> Value {
    match &inv.outcome {
        Outcome::Response(b) => serde_json::from_slice(b).unwrap(),
        other => panic!("expected a response, got {other:?} ({inv:?})"),
    }
}

/// Running (not reaped and not a zombie). Lamina reaps its workers; a handler's own children are
/// reparented to PID 1 once killed, which in a container may never reap them.
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z')),
        Err(_) => false,
    }
}

/// Polls until `pid` is gone, for at most 5 s (a bound, not a timing assertion).
async fn gone(pid: u32) -> bool {
    for _ in 0..250 {
        if !alive(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// Processes whose command line mentions `needle` (the test's temp dir).
fn processes_mentioning(needle: &str) -> Vec<u32> {
    let me = std::process::id();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != me)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(needle))
                .unwrap_or(false)
        })
        .collect()
}

fn ev(v: Value) -> Bytes {
    Bytes::from(v.to_string())
}

