//! `lamina dev` under faults and load, loopback only and bounded: 200 concurrent connections for
//! `LAMINA_LOAD_SECS` (default 30) mixing valid, unauthorized, oversized and malformed requests
//! with routes that crash or time out. The gateway must stay up, answer each request with its
//! right status, leak no worker or process, and keep its memory flat.
//!
//! Needs uv and PyPI (the stack makes `.lamina/dev/venv`): run by scripts/test.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Dev, descendants, dev_project, http, poll, raw_request, rss_kib, send_raw};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CONNECTIONS: usize = 200;

/// Answers by kind of request and status (`None`: no response, `Some(0)`: transport error).
type Tally = BTreeMap<(Kind, Option<u16>), u64>;
/// Workers per domain without `reserved_concurrency` (`lamina dev --concurrency`, default 4).
const POOL: usize = 4;
/// The faults domain's `reserved_concurrency` in this test.
const FAULTS_POOL: usize = 2;

/// What one request of the mix is, and which answers are right for it. A function route may
/// always be throttled (429): 200 connections against pools of 4 and 2 workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    PublicEcho,
    AuthorizedEcho,
    BadJsonBody,
    FastApiHealth,
    NoToken,
    GarbageToken,
    Oversized,
    NoRoute,
    BadChunked,
    PartialHead,
    Crash,
    Raise,
    Timeout,
}

const MIX: [Kind; 13] = [
    Kind::PublicEcho,
    Kind::AuthorizedEcho,
    Kind::BadJsonBody,
    Kind::FastApiHealth,
    Kind::NoToken,
    Kind::GarbageToken,
    Kind::Oversized,
    Kind::NoRoute,
    Kind::BadChunked,
    Kind::PartialHead,
    Kind::Crash,
    Kind::Raise,
    Kind::Timeout,
];

impl Kind {
    /// The right answers; `None` stands for "no response" (the connection closed or was held).
    fn allowed(self) -> &'static [Option<u16>] {
        match self {
            Kind::PublicEcho | Kind::AuthorizedEcho | Kind::BadJsonBody | Kind::FastApiHealth => {
                &[Some(200), Some(429)]
            }
            Kind::NoToken | Kind::GarbageToken => &[Some(401)],
            Kind::Oversized => &[Some(413)],
            Kind::NoRoute => &[Some(404)],
            // hyper refuses a bad chunk size: a 400 from the gateway, or the connection closed.
            Kind::BadChunked => &[Some(400), None],
            // We hang up first (after 2 s); the gateway may also close it on its header timeout.
            Kind::PartialHead => &[None, Some(408)],
            Kind::Crash | Kind::Raise | Kind::Timeout => &[Some(500), Some(429)],
        }
    }
}

/// One request of `kind`; `Ok(None)` when no response came (expected for some kinds).
async fn one(api: SocketAddr, kind: Kind, bearer: &str) -> Result<Option<u16>, String> {
    let plain = |r: Vec<u8>| async move {
        send_raw(api, &r)
            .await
            .map(|r| Some(r.status))
            .map_err(|e| e.to_string())
    };
    match kind {
        Kind::PublicEcho => plain(raw_request("GET", "/echo/public/load?x=1", &[], None)).await,
        Kind::AuthorizedEcho => {
            plain(raw_request(
                "GET",
                "/echo/private",
                &[("authorization", bearer)],
                None,
            ))
            .await
        }
        Kind::BadJsonBody => {
            let body: &[u8] = b"{\"unterminated\": [1, 2,";
            plain(raw_request(
                "POST",
                "/echo/public/json",
                &[("content-type", "application/json")],
                Some(body),
            ))
            .await
        }
        Kind::FastApiHealth => plain(raw_request("GET", "/user/health", &[], None)).await,
        Kind::NoToken => plain(raw_request("GET", "/echo/private", &[], None)).await,
        Kind::GarbageToken => {
            plain(raw_request(
                "GET",
                "/echo/private",
                &[("authorization", "Bearer a.b.c")],
                None,
            ))
            .await
        }
        Kind::Oversized => {
            let head = format!(
                "POST /echo/public/big HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
                10 * 1024 * 1024 + 1
            );
            plain(head.into_bytes()).await
        }
        Kind::NoRoute => plain(raw_request("GET", "/nowhere/at/all", &[], None)).await,
        Kind::BadChunked => {
            let r = b"POST /echo/public/chunked HTTP/1.1\r\nhost: x\r\nconnection: close\r\ntransfer-encoding: chunked\r\ncontent-type: text/plain\r\n\r\nzz\r\nnot hex\r\n0\r\n\r\n";
            match send_raw(api, r).await {
                Ok(r) => Ok(Some(r.status)),
                // Closed without a response (or reset): refused, which is right here.
                Err(e) if e.kind() != std::io::ErrorKind::Other => Ok(None),
                Err(e) => Err(e.to_string()),
            }
        }
        Kind::PartialHead => {
            let mut s = tokio::net::TcpStream::connect(api)
                .await
                .map_err(|e| e.to_string())?;
            s.write_all(b"GET /echo/public/partial HTTP/1.1\r\nhost: x\r\nx-partial: ")
                .await
                .map_err(|e| e.to_string())?;
            let mut buf = Vec::new();
            match tokio::time::timeout(Duration::from_secs(2), s.read_to_end(&mut buf)).await {
                // Held open for 2 s with no answer: right. We hang up.
                Err(_) => Ok(None),
                Ok(_) if buf.is_empty() => Ok(None),
                Ok(_) => common::parse_response(&buf)
                    .map(|r| Some(r.status))
                    .map_err(|e| e.to_string()),
            }
        }
        Kind::Crash => plain(raw_request("GET", "/faults/segv", &[], None)).await,
        Kind::Raise => plain(raw_request("GET", "/faults/raise", &[], None)).await,
        Kind::Timeout => plain(raw_request("GET", "/faults/sleep", &[], None)).await,
    }
}

/// Workers by domain directory, and every descendant of lamina that is not a worker.
fn census(dev: &Dev) -> (BTreeMap<String, usize>, Vec<(u32, String)>) {
    let backend: PathBuf = dev.root.join("backend");
    let mut workers = BTreeMap::new();
    let mut others = Vec::new();
    for (pid, cmd) in descendants(dev.pid()) {
        let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).ok();
        match cwd.as_deref().and_then(|c| c.strip_prefix(&backend).ok()) {
            Some(domain) => *workers.entry(domain.display().to_string()).or_insert(0) += 1,
            None => others.push((pid, cmd)),
        }
    }
    (workers, others)
}

fn zombies(parent: u32) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/stat")).ok())
        .filter(|s| {
            let after = &s[s.rfind(')').map_or(0, |i| i + 2)..];
            let mut f = after.split_whitespace();
            f.next() == Some("Z") && f.next() == Some(parent.to_string().as_str())
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs uv and PyPI: run by scripts/test"]
async fn gateway_survives_faults_under_load() {
    let secs: u64 = std::env::var("LAMINA_LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let duration = Duration::from_secs(secs);
    let (_tmp, root) = dev_project(FAULTS_POOL as u32);
    let dev = tokio::task::block_in_place(|| Dev::start(&root, &["--no-frontend"]));
    let api = dev.api;
    let pid = dev.pid();
    let bearer = format!(
        "Bearer {}",
        tokio::task::block_in_place(|| dev.token("alice", None))
    );

    let (workers_before, others_before) = census(&dev);
    let rss_start = rss_kib(pid).unwrap_or(0);

    // The load, with RSS and process samples every 250 ms.
    let tally: Arc<Mutex<Tally>> = Arc::default();
    let errors: Arc<Mutex<Vec<String>>> = Arc::default();
    let started = Instant::now();
    let deadline = started + duration;
    let sampler = {
        let root_pid = pid;
        tokio::spawn(async move {
            let mut samples = Vec::new();
            while Instant::now() < deadline {
                let rss = rss_kib(root_pid);
                let procs = descendants(root_pid).len();
                samples.push((started.elapsed(), rss, procs));
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            samples
        })
    };
    let mut tasks = Vec::new();
    for conn in 0..CONNECTIONS {
        let tally = tally.clone();
        let errors = errors.clone();
        let bearer = bearer.clone();
        tasks.push(tokio::spawn(async move {
            let mut i = conn;
            while Instant::now() < deadline {
                let kind = MIX[i % MIX.len()];
                i += 1;
                match one(api, kind, &bearer).await {
                    Ok(status) => *tally.lock().unwrap().entry((kind, status)).or_insert(0) += 1,
                    Err(e) => {
                        let mut errors = errors.lock().unwrap();
                        if errors.len() < 50 {
                            errors.push(format!("{kind:?}: {e}"));
                        }
                        *tally.lock().unwrap().entry((kind, Some(0))).or_insert(0) += 1;
                    }
                }
            }
        }));
    }
    for t in tasks {
        tokio::time::timeout(duration + Duration::from_secs(120), t)
            .await
            .expect("a load connection hung")
            .unwrap();
    }
    let load_time = started.elapsed();
    let samples = sampler.await.unwrap();
    let tally = tally.lock().unwrap().clone();
    let errors = errors.lock().unwrap().clone();

    // Still up: lamina runs and answers.
    let alive = dev_alive(&dev);
    let after = http(api, "GET", "/echo/public/after-load", &[], None).await;
    let health = http(api, "GET", "/user/health", &[], None).await;

    // Once idle, processes come back to the pools: per domain at most its cap of workers plus
    // one zygote (the runtime may fork workers from a pre-imported Python process per domain),
    // and nothing else but what ran before the load.
    let caps = |d: &str| {
        if d == "faults" {
            FAULTS_POOL + 1
        } else {
            POOL + 1
        }
    };
    let settled = tokio::task::block_in_place(|| {
        poll(Duration::from_secs(90), || {
            let (workers, others) = census(&dev);
            let ok = workers.iter().all(|(d, n)| *n <= caps(d))
                && others.len() <= others_before.len()
                && zombies(pid) == 0;
            ok.then_some((workers, others))
        })
    });
    let (workers_after, others_after) = census(&dev);
    let zombies_after = zombies(pid);

    // Memory: compare the highest RSS of the first third (warm-up: every connection and pool
    // is at full size within it) with the highest of the last third.
    let third = duration / 3;
    let max_in = |from: Duration, to: Duration| {
        samples
            .iter()
            .filter(|(t, _, _)| *t >= from && *t < to)
            .filter_map(|(_, rss, _)| *rss)
            .max()
            .unwrap_or(0)
    };
    let warm = max_in(Duration::ZERO, third);
    let late = max_in(third * 2, duration + Duration::from_secs(60));
    let max_procs = samples.iter().map(|s| s.2).max().unwrap_or(0);
    let total: u64 = tally.values().sum();

    let mut report = format!(
        "load: {CONNECTIONS} connections for {load_time:.1?} (LAMINA_LOAD_SECS={secs}), {total} requests\n"
    );
    for ((kind, status), n) in &tally {
        let status = match status {
            Some(0) => "transport error".to_owned(),
            Some(s) => s.to_string(),
            None => "no response".to_owned(),
        };
        report.push_str(&format!("  {kind:?} → {status}: {n}\n"));
    }
    report.push_str(&format!(
        "transport errors (first 50): {errors:?}\nRSS KiB: start {rss_start}, warm-up max {warm}, last-third max {late}\n\
         processes: before {workers_before:?} + {others_before:?}; max during load {max_procs}; \
         after {workers_after:?} + {others_after:?}; zombies {zombies_after}\n\
         after the load: lamina alive {alive}, echo {} user/health {}\nsamples (t, rss KiB, procs): {:?}\nlog tail:\n{}",
        after.status,
        health.status,
        samples.iter().step_by(4).map(|(t, r, p)| (t.as_secs(), r.unwrap_or(0), *p)).collect::<Vec<_>>(),
        dev.tail(30)
    ));
    // What the user domain said about any request that was not a 200 or a 429: a wrong answer
    // there is worth its reason in the report.
    let user_lines: Vec<String> = dev
        .log()
        .lines()
        .filter(|l| l.contains("user │") && !l.contains(" 200 ") && !l.contains(" 429 "))
        .take(40)
        .map(str::to_owned)
        .collect();
    let report = format!(
        "{report}\nuser lines other than 200/429:\n{}",
        user_lines.join("\n")
    );
    // The measurements, on success too (CI logs keep them).
    #[allow(clippy::print_stderr)]
    {
        eprintln!("{report}");
    }

    assert!(alive, "lamina died\n{report}");
    assert_eq!(after.status, 200, "echo after the load\n{report}");
    assert_eq!(health.status, 200, "user/health after the load\n{report}");
    let wrong: Vec<_> = tally
        .iter()
        .filter(|((kind, status), _)| !kind.allowed().contains(status))
        .collect();
    assert!(wrong.is_empty(), "wrong answers {wrong:?}\n{report}");
    for kind in MIX {
        assert!(
            tally.keys().any(|(k, _)| *k == kind),
            "no {kind:?} request completed\n{report}"
        );
    }
    // The functions did run: some successes, and real crashes and timeouts (not only 429s).
    for (kind, status) in [
        (Kind::PublicEcho, Some(200)),
        (Kind::FastApiHealth, Some(200)),
        (Kind::Crash, Some(500)),
        (Kind::Timeout, Some(500)),
    ] {
        assert!(
            tally.get(&(kind, status)).is_some_and(|n| *n > 0),
            "no {kind:?} answered {status:?}\n{report}"
        );
    }
    assert!(
        settled.is_some(),
        "processes did not settle back to the pools\n{report}"
    );
    // Bound: 32 MiB over the warm-up peak (measured: under 1 MiB). Everything that scales with load (200 connections'
    // buffers, up to 64 KiB each = 12.5 MiB, pools at full size, tokio's task slabs) is in
    // place within the first third; what is left is allocator noise. A leak of even 1 KiB per
    // request would show as tens of MiB over the thousands of requests of the last two thirds.
    assert!(
        late <= warm + 32 * 1024,
        "RSS grew after warm-up: {warm} → {late} KiB\n{report}"
    );
}

fn dev_alive(dev: &Dev) -> bool {
    std::fs::read_to_string(format!("/proc/{}/stat", dev.pid()))
        .is_ok_and(|s| !s[s.rfind(')').map_or(0, |i| i + 2)..].starts_with('Z'))
}
