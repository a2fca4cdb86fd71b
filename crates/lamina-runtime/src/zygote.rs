//! The fork server: one Python process per domain that pre-imports the requirements' (and the
//! stdlib's) modules the domain's handler used last time, then forks workers on request, so a new
//! worker (after an edit, a crash, a timeout) only imports the domain's own code.
//!
//! Lamina talks to it over a SEQPACKET socket pair (the zygote's stdin). A request is one JSON
//! message, `{"op":"spawn","id":N,"env":{...}}`, carrying the write ends of the worker's new
//! stdout/stderr pipes as SCM_RIGHTS; lamina keeps the read ends, so each worker's output is captured
//! exactly as a spawned worker's is. The zygote answers `{"op":"spawned","id":N,"pid":P}` and, when
//! it reaps the worker, `{"op":"exit","id":N,"status":S}` (the raw wait status). It also says
//! `ready` / `busy` around pre-imports; lamina only asks a ready zygote and spawns a plain worker
//! otherwise, so nobody waits for a pre-import.
//!
//! The zygote is tied to lamina with PR_SET_PDEATHSIG, each forked worker to the zygote: if lamina
//! dies, everything goes. A requirements change (a site-packages dir's mtime moves) drains the old
//! zygote (it exits once its last worker has) and starts a new one.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, IoSlice};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rustix::net::{
    AddressFamily, RecvFlags, SendAncillaryBuffer, SendAncillaryMessage, SendFlags, SocketFlags,
    SocketType,
};
use tokio::sync::oneshot;

use crate::{LogLine, LogSink, Stream};

/// How long lamina waits for a ready zygote's fork (it answers within milliseconds).
const FORK_TIMEOUT: Duration = Duration::from_secs(3);

pub(crate) struct Zygote {
    pub pid: u32,
    sock: OwnedFd,
    send_lock: Mutex<()>,
    ready: AtomicBool,
    dead: AtomicBool,
    reaped: AtomicBool,
    /// The site-packages dirs' mtimes when it started: a change means the requirements changed.
    fingerprint: Vec<Option<SystemTime>>,
    pending: Mutex<HashMap<u32, std::sync::mpsc::SyncSender<Option<u32>>>>,
    exits: Mutex<HashMap<u32, oneshot::Sender<i32>>>,
}

/// A forked worker, as lamina sees it.
pub(crate) struct Forked {
    pub pid: u32,
    pub stdout: tokio::net::unix::pipe::Receiver,
    pub stderr: tokio::net::unix::pipe::Receiver,
    /// The raw wait status, from the zygote; dropped (an error) if the zygote died first, in which
    /// case PR_SET_PDEATHSIG has killed the worker.
    pub exit: oneshot::Receiver<i32>,
}

pub(crate) fn fingerprint(site_packages: &[PathBuf]) -> Vec<Option<SystemTime>> {
    site_packages
        .iter()
        .map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .collect()
}

impl Zygote {
    /// Starts the zygote process (`cmd`: the interpreter, the bootstrap, the domain's environment).
    pub fn start(
        mut cmd: std::process::Command,
        site_packages: &[PathBuf],
        domain: String,
        sink: LogSink,
    ) -> std::io::Result<Arc<Self>> {
        let (ours, theirs) = rustix::net::socketpair(
            AddressFamily::UNIX,
            SocketType::SEQPACKET,
            SocketFlags::CLOEXEC,
            None,
        )?;
        cmd.env("LAMINA_ZYGOTE", "1")
            .stdin(Stdio::from(theirs))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child = cmd.spawn()?;
        // The Command holds the zygote's end: drop it so the zygote's death reads as EOF here.
        drop(cmd);
        let z = Arc::new(Self {
            pid: child.id(),
            sock: ours,
            send_lock: Mutex::new(()),
            ready: AtomicBool::new(false),
            dead: AtomicBool::new(false),
            reaped: AtomicBool::new(false),
            fingerprint: fingerprint(site_packages),
            pending: Mutex::new(HashMap::new()),
            exits: Mutex::new(HashMap::new()),
        });
        if let Some(err) = child.stderr.take() {
            let (sink, domain) = (sink.clone(), domain.clone());
            std::thread::Builder::new()
                .name(format!("zygote-log-{domain}"))
                .spawn(move || {
                    for line in BufReader::new(err).lines() {
                        let Ok(line) = line else { break };
                        sink(LogLine {
                            domain: &domain,
                            worker: 0,
                            stream: Stream::Runtime,
                            line: &format!("zygote: {line}"),
                        });
                    }
                })?;
        }
        let z2 = z.clone();
        std::thread::Builder::new()
            .name(format!("zygote-{domain}"))
            .spawn(move || {
                z2.read_events();
                z2.dead.store(true, Ordering::SeqCst);
                z2.ready.store(false, Ordering::SeqCst);
                // Waiters see a dropped sender: no pid / the worker died with the zygote.
                z2.pending.lock().expect("pending").clear();
                z2.exits.lock().expect("exits").clear();
                let _ = child.kill();
                let _ = child.wait();
                z2.reaped.store(true, Ordering::SeqCst);
            })?;
        Ok(z)
    }

    fn read_events(&self) {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match rustix::net::recv(&self.sock, &mut buf[..], RecvFlags::empty()) {
                Ok((n, _)) => n,
                Err(rustix::io::Errno::INTR) => continue,
                Err(_) => return,
            };
            if n == 0 {
                return;
            }
            let Ok(msg) = serde_json::from_slice::<serde_json::Value>(&buf[..n]) else {
                continue;
            };
            let id = msg["id"].as_u64().unwrap_or(0) as u32;
            match msg["op"].as_str() {
                Some("ready") => self.ready.store(true, Ordering::SeqCst),
                Some("busy") => self.ready.store(false, Ordering::SeqCst),
                Some("spawned") => {
                    let pid = msg["pid"].as_u64().unwrap_or(0) as u32;
                    let waiter = self.pending.lock().expect("pending").remove(&id);
                    match waiter {
                        Some(tx) if tx.send(Some(pid)).is_ok() => {}
                        // Lamina gave up on this fork (timeout): the worker must not live on.
                        _ => crate::worker::kill_groups([pid]),
                    }
                }
                Some("refused") => {
                    if let Some(tx) = self.pending.lock().expect("pending").remove(&id) {
                        let _ = tx.send(None);
                    }
                }
                Some("exit") => {
                    let status = msg["status"].as_i64().unwrap_or(9) as i32;
                    if let Some(tx) = self.exits.lock().expect("exits").remove(&id) {
                        let _ = tx.send(status);
                    }
                }
                _ => {}
            }
        }
    }

    /// Ready to fork, and started on the current requirements.
    pub fn usable(&self, site_packages: &[PathBuf]) -> bool {
        self.ready.load(Ordering::SeqCst) && self.current(site_packages)
    }

    /// The zygote process is gone and reaped.
    pub fn reaped(&self) -> bool {
        self.reaped.load(Ordering::SeqCst)
    }

    pub fn alive(&self) -> bool {
        !self.dead.load(Ordering::SeqCst)
    }

    /// False once a site-packages dir changed since the zygote started (a requirements change).
    pub fn current(&self, site_packages: &[PathBuf]) -> bool {
        fingerprint(site_packages) == self.fingerprint
    }

    /// Stops forking; the zygote exits once its last worker has (lamina dying still kills it).
    pub fn drain(&self) {
        self.ready.store(false, Ordering::SeqCst);
        let _ = self.send(br#"{"op":"drain"}"#, &[]);
    }

    fn send(&self, msg: &[u8], fds: &[std::os::fd::BorrowedFd<'_>]) -> std::io::Result<()> {
        let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(2))];
        let mut control = SendAncillaryBuffer::new(&mut space);
        if !fds.is_empty() && !control.push(SendAncillaryMessage::ScmRights(fds)) {
            return Err(std::io::Error::other("too many descriptors"));
        }
        let _g = self.send_lock.lock().expect("send");
        rustix::net::sendmsg(
            &self.sock,
            &[IoSlice::new(msg)],
            &mut control,
            SendFlags::NOSIGNAL,
        )?;
        Ok(())
    }

    /// Forks worker `id` with these per-worker variables.
    pub fn fork(&self, id: u32, env: &[(&str, &str)]) -> std::io::Result<Forked> {
        if !self.alive() {
            return Err(std::io::Error::other("the zygote is gone"));
        }
        let (out_r, out_w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
        let (err_r, err_w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let (exit_tx, exit_rx) = oneshot::channel();
        self.pending.lock().expect("pending").insert(id, tx);
        self.exits.lock().expect("exits").insert(id, exit_tx);
        let env: serde_json::Map<String, serde_json::Value> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
            .collect();
        let msg = serde_json::json!({"op": "spawn", "id": id, "env": env}).to_string();
        let sent = self.send(msg.as_bytes(), &[out_w.as_fd(), err_w.as_fd()]);
        drop((out_w, err_w));
        let pid = match sent.map(|()| rx.recv_timeout(FORK_TIMEOUT)) {
            Ok(Ok(Some(pid))) => pid,
            other => {
                self.pending.lock().expect("pending").remove(&id);
                self.exits.lock().expect("exits").remove(&id);
                return Err(match other {
                    Err(e) => e,
                    _ => std::io::Error::other("the zygote did not fork"),
                });
            }
        };
        let pipes = tokio::net::unix::pipe::Receiver::from_owned_fd(out_r)
            .and_then(|o| tokio::net::unix::pipe::Receiver::from_owned_fd(err_r).map(|e| (o, e)));
        match pipes {
            Ok((stdout, stderr)) => Ok(Forked {
                pid,
                stdout,
                stderr,
                exit: exit_rx,
            }),
            Err(e) => {
                crate::worker::kill_groups([pid]);
                Err(e)
            }
        }
    }
}
