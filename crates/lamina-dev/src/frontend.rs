//! The frontend's Vite dev server, pointed at the local gateway and Cognito.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::{DevOutput, LogRecord};

pub(crate) struct Frontend {
    child: Child,
    /// Kills Vite's whole process group if `lamina dev` stops before [`Frontend::stop`] (a
    /// signal during start-up drops everything started so far).
    _group: GroupGuard,
}

/// SIGKILLs a process group when dropped, unless disarmed.
struct GroupGuard(Option<u32>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pgid) = self.0.take() {
            signal_group(pgid, "-KILL");
        }
    }
}

/// Installs the frontend's packages when `node_modules` is missing, then starts `vite`.
pub(crate) async fn start(
    dir: &Path,
    port: u16,
    env: Vec<(String, String)>,
    output: Arc<dyn DevOutput>,
) -> Result<Frontend, String> {
    if !dir.join("package.json").is_file() {
        return Err(format!("{} has no package.json", dir.display()));
    }
    if !dir.join("node_modules").is_dir() {
        output.info("installing the frontend's packages (npm ci)");
        let lock = dir.join("package-lock.json").is_file();
        // Its own process group, killed whole if lamina stops meanwhile.
        let mut npm = Command::new("npm")
            .args(if lock {
                ["ci", "--no-audit"]
            } else {
                ["install", "--no-audit"]
            })
            .arg("--no-fund")
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot run npm: {e}"))?;
        let guard = GroupGuard(npm.id());
        let status = npm
            .wait()
            .await
            .map_err(|e| format!("cannot run npm: {e}"))?;
        drop(guard);
        if !status.success() {
            return Err(format!("npm failed in {} ({status})", dir.display()));
        }
    }
    let mut child = Command::new("npx")
        .args([
            "--no-install",
            "vite",
            "--host",
            "127.0.0.1",
            "--strictPort",
            "--port",
            &port.to_string(),
        ])
        .current_dir(dir)
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so stopping it stops node and everything node started.
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start vite: {e}"))?;
    for stream in [
        child.stdout.take().map(Either::Out),
        child.stderr.take().map(Either::Err),
    ]
    .into_iter()
    .flatten()
    {
        let output = output.clone();
        tokio::spawn(async move {
            match stream {
                Either::Out(s) => forward(BufReader::new(s), output).await,
                Either::Err(s) => forward(BufReader::new(s), output).await,
            }
        });
    }
    let group = GroupGuard(child.id());
    Ok(Frontend {
        child,
        _group: group,
    })
}

enum Either {
    Out(tokio::process::ChildStdout),
    Err(tokio::process::ChildStderr),
}

async fn forward<R: tokio::io::AsyncRead + Unpin>(
    reader: BufReader<R>,
    output: Arc<dyn DevOutput>,
) {
    let mut lines = reader.lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if !line.trim().is_empty() {
            output.line("web", &LogRecord::plain(&line));
        }
    }
}

impl Frontend {
    /// SIGTERM to the whole group, then SIGKILL if it lingers.
    pub(crate) async fn stop(mut self) {
        self._group.0 = None;
        if let Some(pid) = self.child.id() {
            signal_group(pid, "-TERM");
            if tokio::time::timeout(Duration::from_secs(3), self.child.wait())
                .await
                .is_err()
            {
                signal_group(pid, "-KILL");
            }
        }
        let _ = self.child.wait().await;
    }
}

/// `kill` on a process group: `unsafe_code` is forbidden, so no libc call.
fn signal_group(pgid: u32, signal: &str) {
    let _ = std::process::Command::new("kill")
        .args([signal, "--", &format!("-{pgid}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}
