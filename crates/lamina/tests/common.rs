//! Helpers shared by the CLI tests: run the real binary in a temporary directory.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn lamina(cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lamina"));
    cmd.current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("LAMINA_CONFIG")
        .env("AWS_REGION", "eu-west-1")
        .stdin(std::process::Stdio::null());
    cmd
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(cmd: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("lamina runs");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// A fresh example project (`rides`: user, ride, payment) in a temporary directory.
pub fn example() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let r = run(lamina(tmp.path()).args(["new", "rides", "--owner", "team", "--python", "3.11"]));
    assert_eq!(r.code, 0, "lamina new failed: {}", r.stderr);
    let root = tmp.path().join("rides");
    (tmp, root)
}

/// Runs `cmd` and fails the test, with its output, unless it succeeds.
pub fn check(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Adds `GET /user/me/greeting` to the example's user domain; returns the file's old text.
pub fn add_greeting_route(root: &Path) -> (PathBuf, String) {
    let me = root.join("backend/user/app/api/routes/me.py");
    let original = std::fs::read_to_string(&me).unwrap();
    std::fs::write(
        &me,
        format!(
            "{original}\n\n@router.get(\"/me/greeting\")\ndef read_greeting(user: CurrentUser) -> str:\n    return user.username\n"
        ),
    )
    .unwrap();
    (me, original)
}

/// Every file under `root`, relative and sorted, with its contents: a fingerprint of a tree.
pub fn tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

// ------------------------------------------------------------------------------------------------
// `lamina dev` end to end: a project with an `echo` and a `faults` domain, the running stack, a
// raw HTTP/1.1 client and /proc probes. Used by dev_conformance.rs, dev_faults.rs, dev_shutdown.rs.
// ------------------------------------------------------------------------------------------------

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Returns the received event as JSON. `x-echo-version` tells which code answered (hot reload).
pub const ECHO_HANDLER: &str = r#"import json


def handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "x-echo-version": "1"},
        "body": json.dumps(event),
    }
"#;

/// One fault per last path segment; `count` proves warm reuse (a module-level counter and the pid).
pub const FAULTS_HANDLER: &str = r#"import base64
import json
import os
import signal
import sys
import time

COUNT = 0


def handler(event, context):
    global COUNT
    COUNT += 1
    route = event["rawPath"].rsplit("/", 1)[-1]
    query = event.get("queryStringParameters") or {}
    if route == "raise":
        raise RuntimeError("boom from the faults domain")
    if route == "sleep":
        time.sleep(60)
        return {"statusCode": 200, "body": "woke up"}
    if route == "hold":
        time.sleep(float(query.get("s", "1.5")))
        return {"statusCode": 200, "body": "held"}
    if route == "exit":
        sys.exit(3)
    if route == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
        time.sleep(5)
    if route == "malformed":
        return {"statusCode": "two hundred", "body": 5}
    if route == "big":
        return {"statusCode": 200, "body": "x" * (7 * 1024 * 1024)}
    if route == "cookies":
        return {
            "statusCode": 201,
            "cookies": ["a=1; Path=/", "b=2; HttpOnly"],
            "headers": {
                "content-type": "text/plain",
                "x-custom": "yes",
                "access-control-allow-origin": "https://evil.example",
                "access-control-allow-methods": "DELETE",
            },
            "body": "with cookies",
        }
    if route == "binary":
        return {
            "statusCode": 200,
            "isBase64Encoded": True,
            "headers": {"content-type": "application/octet-stream"},
            "body": base64.b64encode(bytes(range(256))).decode(),
        }
    if route == "infer-string":
        return "Hello from Lambda!"
    if route == "infer-object":
        return {"hello": "world", "body": "not the body", "headers": {"x": "y"}}
    if route == "infer-list":
        return ["hello", 3, True]
    if route == "count":
        return {
            "statusCode": 200,
            "headers": {"content-type": "application/json"},
            "body": json.dumps({"count": COUNT, "pid": os.getpid()}),
        }
    return {"statusCode": 418, "body": "no such fault: " + route}
"#;

/// The example project plus `echo` (a scoped and a public route) and `faults` (public, 2 s
/// timeout, `reserved_concurrency = faults_concurrency`).
pub fn dev_project(faults_concurrency: u32) -> (tempfile::TempDir, PathBuf) {
    let (tmp, root) = example();
    for domain in ["echo", "faults"] {
        let r = run(lamina(&root).args(["add", "domain", domain]));
        assert_eq!(r.code, 0, "lamina add domain {domain} failed: {}", r.stderr);
    }
    std::fs::write(root.join("backend/echo/handler.py"), ECHO_HANDLER).unwrap();
    std::fs::write(root.join("backend/faults/handler.py"), FAULTS_HANDLER).unwrap();
    let path = root.join("lamina.toml");
    let toml = std::fs::read_to_string(&path).unwrap();
    let echo = r#"public = ["GET /echo/health"]"#;
    let faults = r#"public = ["GET /faults/health"]"#;
    assert!(toml.contains(echo) && toml.contains(faults), "{toml}");
    let toml = toml
        .replace(
            echo,
            "public = [\"GET /echo/health\", \"ANY /echo/public/{proxy+}\"]\nscopes = { \"GET /echo/scoped\" = [\"write\"] }",
        )
        .replace(
            faults,
            &format!(
                "public = [\"ANY /faults/{{proxy+}}\"]\ntimeout = 2\nreserved_concurrency = {faults_concurrency}"
            ),
        );
    std::fs::write(&path, toml).unwrap();
    (tmp, root)
}

/// A running `lamina dev`, killed (with every process of the project) when dropped.
pub struct Dev {
    pub child: std::process::Child,
    pub api: SocketAddr,
    pub auth_port: u16,
    pub root: PathBuf,
    log: Arc<Mutex<String>>,
}

/// How long `lamina dev` may take to be ready: the first run makes a venv from PyPI.
pub const READY_TIMEOUT: Duration = Duration::from_secs(600);

impl Dev {
    /// Starts `lamina dev --port 0 --auth-port 0 <extra>` in `root` and waits for its banner.
    pub fn start(root: &Path, extra: &[&str]) -> Dev {
        Self::start_with(lamina(root), root, extra)
    }

    /// [`Dev::start`] with another `lamina` command (another binary, PATH or environment).
    pub fn start_with(mut cmd: Command, root: &Path, extra: &[&str]) -> Dev {
        cmd.args(["dev", "--port", "0", "--auth-port", "0"])
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("lamina dev starts");
        let log = Arc::new(Mutex::new(String::new()));
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        for stream in [
            Box::new(out) as Box<dyn std::io::Read + Send>,
            Box::new(err) as Box<dyn std::io::Read + Send>,
        ] {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    let mut log = log.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        let mut dev = Dev {
            child,
            api: SocketAddr::from(([127, 0, 0, 1], 0)),
            auth_port: 0,
            root: root.to_owned(),
            log,
        };
        let started = Instant::now();
        loop {
            let text = dev.log();
            if text.contains("Ctrl-C stops everything") {
                let port = |label: &str| -> u16 {
                    let line = text
                        .lines()
                        .find(|l| l.contains(label) && l.contains("http://127.0.0.1:"))
                        .unwrap_or_else(|| panic!("no {label} line in:\n{text}"));
                    let rest = &line[line.find("http://127.0.0.1:").unwrap() + 17..];
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    digits.parse().unwrap()
                };
                dev.api = SocketAddr::from(([127, 0, 0, 1], port("API ")));
                dev.auth_port = port("Cognito ");
                return dev;
            }
            if let Some(status) = dev.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(200));
                panic!(
                    "lamina dev exited ({status}) before it was ready:\n{}",
                    dev.log()
                );
            }
            assert!(
                started.elapsed() < READY_TIMEOUT,
                "lamina dev not ready after {READY_TIMEOUT:?}:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything it printed so far (stdout and stderr, in arrival order per stream).
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The last `n` lines of the log, for failure messages.
    pub fn tail(&self, n: usize) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// Waits until `pred` holds on the log; false on timeout.
    pub fn wait_log(&self, timeout: Duration, pred: impl Fn(&str) -> bool) -> bool {
        let started = Instant::now();
        while started.elapsed() < timeout {
            if pred(&self.log()) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        pred(&self.log())
    }

    /// An access token of a test user, as `lamina token` prints it for this stack's Cognito.
    pub fn token(&self, user: &str, scopes: Option<&str>) -> String {
        let port = self.auth_port.to_string();
        let mut cmd = lamina(&self.root);
        cmd.args(["token", "--user", user, "--port", &port]);
        if let Some(scopes) = scopes {
            cmd.args(["--scopes", scopes]);
        }
        let r = run(&mut cmd);
        assert_eq!(r.code, 0, "lamina token failed: {}", r.stderr);
        r.stdout.trim().to_owned()
    }

    /// Sends a signal with the `kill` command (no `unsafe` in this workspace).
    pub fn signal(&self, signal: &str) {
        send_signal(self.pid(), signal);
    }

    /// Waits for the process to exit; `None` on timeout.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < timeout {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.signal("TERM");
            if self.wait_exit(Duration::from_secs(15)).is_none() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
        // Whatever a failed test left behind: only processes of this temporary project.
        for pid in project_processes(&self.root) {
            send_signal(pid, "KILL");
        }
    }
}

pub fn send_signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .args(["-s", signal, &pid.to_string()])
        .status();
}

/// Polls `f` until it returns `Some`, or gives up after `timeout`.
pub fn poll<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let started = Instant::now();
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if started.elapsed() > timeout {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

// ---- /proc ---------------------------------------------------------------------------------------

fn proc_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// (pid, ppid, state) of a live process; zombies count as gone.
fn stat(pid: u32) -> Option<(u32, char)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &text[text.rfind(')')? + 2..];
    let mut fields = after.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((ppid, state))
}

/// Live (non-zombie) descendants of `root`, with their command lines.
pub fn descendants(root: u32) -> Vec<(u32, String)> {
    let table: Vec<(u32, u32, char)> = proc_pids()
        .into_iter()
        .filter_map(|p| stat(p).map(|(pp, s)| (p, pp, s)))
        .collect();
    let mut out = Vec::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for &(pid, ppid, state) in &table {
            if ppid == parent {
                frontier.push(pid);
                if state != 'Z' {
                    out.push((pid, cmdline(pid)));
                }
            }
        }
    }
    out
}

pub fn cmdline(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            String::from_utf8_lossy(&b)
                .replace('\0', " ")
                .trim()
                .to_owned()
        })
        .unwrap_or_default()
}

/// Live processes whose command line or working directory is inside `dir` (this test's own
/// process excluded).
pub fn project_processes(dir: &Path) -> Vec<u32> {
    let needle = dir.to_string_lossy().into_owned();
    let me = std::process::id();
    proc_pids()
        .into_iter()
        .filter(|&p| p != me)
        .filter(|&p| stat(p).is_some_and(|(_, s)| s != 'Z'))
        .filter(|&p| {
            cmdline(p).contains(&needle)
                || std::fs::read_link(format!("/proc/{p}/cwd"))
                    .is_ok_and(|cwd| cwd.starts_with(dir))
        })
        .collect()
}

/// VmRSS of a process in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

// ---- a raw HTTP/1.1 client -------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    /// Names lowercased, in order, repeats kept.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): status {} body {}",
                self.status,
                self.text().chars().take(500).collect::<String>()
            )
        })
    }
}

/// A request: `Host` and `Connection: close` are added, and `Content-Length` when there is a body.
pub fn raw_request(
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Vec<u8> {
    let mut out = format!("{method} {target} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n");
    for (n, v) in headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    if let Some(body) = body {
        out.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    if let Some(body) = body {
        out.extend_from_slice(body);
    }
    out
}

/// Sends raw bytes on a new connection and reads the response to EOF (60 s at most).
pub async fn send_raw(addr: SocketAddr, request: &[u8]) -> std::io::Result<Resp> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream.write_all(request).await?;
        let mut buf = Vec::new();
        stream.read_to_end(&mut buf).await?;
        parse_response(&buf)
    };
    tokio::time::timeout(Duration::from_secs(60), exchange)
        .await
        .unwrap_or_else(|_| Err(std::io::Error::other("no response within 60 s")))
}

/// `send_raw` of `raw_request`, panicking on a transport error.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    send_raw(addr, &raw_request(method, target, headers, body))
        .await
        .unwrap_or_else(|e| panic!("{method} {target}: {e}"))
}

pub fn parse_response(buf: &[u8]) -> std::io::Result<Resp> {
    let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_owned());
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no complete response head"))?;
    let head = String::from_utf8_lossy(&buf[..end]);
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("bad status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = buf[end + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
    {
        let mut decoded = Vec::new();
        let mut rest = &body[..];
        loop {
            let line_end = rest
                .windows(2)
                .position(|w| w == b"\r\n")
                .ok_or_else(|| bad("bad chunk"))?;
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&rest[..line_end])
                    .split(';')
                    .next()
                    .unwrap()
                    .trim(),
                16,
            )
            .map_err(|_| bad("bad chunk size"))?;
            rest = &rest[line_end + 2..];
            if size == 0 {
                break;
            }
            decoded.extend_from_slice(&rest[..size.min(rest.len())]);
            rest = &rest[(size + 2).min(rest.len())..];
        }
        body = decoded;
    } else if let Some(len) = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
    {
        if body.len() < len {
            return Err(bad("truncated body"));
        }
        body.truncate(len);
    }
    Ok(Resp {
        status,
        headers,
        body,
    })
}

/// An access token of `user` signed by the project's local pool with a lifetime of 0 minutes:
/// `exp == iat`, so it is expired from the next second on. (`lamina token` has no lifetime
/// option, so this goes through lamina-auth directly, with the keys `lamina dev` uses.)
pub fn expired_token(root: &Path, auth_port: u16, user: &str) -> String {
    let config = lamina_config::LoadedConfig::load(&root.join("lamina.toml")).expect("config");
    let mut settings = lamina_auth::CognitoSettings::from_config(&config, "dev", auth_port);
    settings.access_token_minutes = 0;
    let pool = lamina_auth::LocalPool::open(settings).expect("pool");
    let token = pool
        .token(user, &pool.default_scopes(), lamina_auth::TokenKind::Access)
        .expect("token");
    std::thread::sleep(Duration::from_millis(2100));
    token
}

pub fn b64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
