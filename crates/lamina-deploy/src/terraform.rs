//! Terraform as a child process: `init`, `plan -out`, `show -json`, `apply PLAN`, `output -json`.
//!
//! Plans and applies run with `-json` (Terraform's machine-readable UI): progress comes as events,
//! errors as structured diagnostics, so the user sees Terraform's own message rather than a wall of
//! text, and everything Terraform said goes to a log file that the summary names.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::error::DeployError;
use crate::interrupt::Interrupt;
use crate::report::{Event, Reporter};

/// One stage root and the log every command appends to.
#[derive(Debug, Clone)]
pub struct Terraform {
    bin: PathBuf,
    dir: PathBuf,
    log: PathBuf,
}

/// What a finished command printed.
#[derive(Debug, Default)]
struct Captured {
    stdout: String,
    /// `-json` events worth keeping: planned changes and outputs.
    events: Vec<Value>,
    /// Error diagnostics (`-json`) or stderr, ready to show.
    errors: String,
    success: bool,
}

impl Terraform {
    /// `terraform` from `LAMINA_TERRAFORM` or PATH, run in `dir`, logging to `log`.
    pub fn new(dir: &Path, log: &Path) -> Result<Self, DeployError> {
        let bin = std::env::var_os("LAMINA_TERRAFORM")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .or_else(|| lamina_toolchain::which("terraform"))
            .ok_or(DeployError::TerraformMissing)?;
        Ok(Self {
            bin,
            dir: dir.to_path_buf(),
            log: log.to_path_buf(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// `init` with the backend settings of `backend_file` (`-backend-config=FILE`).
    pub async fn init(
        &self,
        backend_file: &Path,
        interrupt: &Interrupt,
    ) -> Result<(), DeployError> {
        let backend = format!("-backend-config={}", backend_file.display());
        let out = self
            .run(
                &[
                    "init",
                    "-input=false",
                    "-reconfigure",
                    "-no-color",
                    &backend,
                ],
                false,
                interrupt,
                None,
            )
            .await?;
        self.check("terraform init", out).map(drop)
    }

    /// `plan -out=PLAN` (or `-destroy`): the planned changes and the outputs' actions, as
    /// Terraform streamed them (`show -json` would load the provider once more for the same).
    pub async fn plan(
        &self,
        out: &Path,
        destroy: bool,
        extra: &[String],
        interrupt: &Interrupt,
        reporter: &dyn Reporter,
    ) -> Result<PlanStream, DeployError> {
        let out_arg = format!("-out={}", out.display());
        let mut args = vec![
            "plan",
            "-input=false",
            "-json",
            "-lock-timeout=0s",
            &out_arg,
        ];
        if destroy {
            args.push("-destroy");
        }
        args.extend(extra.iter().map(String::as_str));
        let captured = self.run(&args, true, interrupt, Some(reporter)).await?;
        let captured = self.check("terraform plan", captured)?;
        let mut stream = PlanStream::default();
        for event in captured.events {
            match event["type"].as_str() {
                Some("planned_change") => stream.changes.push(event["change"].clone()),
                Some("outputs") => stream.outputs = event["outputs"].clone(),
                _ => {}
            }
        }
        Ok(stream)
    }

    /// The saved plan as JSON (resource changes, prior state, configuration). Kept in memory only:
    /// plan JSON holds sensitive values in clear text.
    pub async fn show(&self, plan: &Path, interrupt: &Interrupt) -> Result<Value, DeployError> {
        let plan = plan.display().to_string();
        let captured = self
            .run(
                &["show", "-json", "-no-color", &plan],
                false,
                interrupt,
                None,
            )
            .await?;
        let captured = self.check("terraform show", captured)?;
        serde_json::from_str(&captured.stdout).map_err(|e| DeployError::Terraform {
            command: "terraform show -json".into(),
            message: format!("unreadable JSON: {e}"),
            log: self.log.clone(),
        })
    }

    /// `apply PLAN`: exactly the plan that was shown. Returns the outputs' values, which the
    /// apply streams at its end.
    pub async fn apply(
        &self,
        plan: &Path,
        interrupt: &Interrupt,
        reporter: &dyn Reporter,
    ) -> Result<Option<Value>, DeployError> {
        let plan = plan.display().to_string();
        let captured = self
            .run(
                &["apply", "-input=false", "-json", "-lock-timeout=0s", &plan],
                true,
                interrupt,
                Some(reporter),
            )
            .await?;
        let captured = self.check("terraform apply", captured)?;
        Ok(captured
            .events
            .iter()
            .rev()
            .find(|e| e["type"] == "outputs")
            .map(|e| output_values(&e["outputs"])))
    }

    /// `output -json`, as `{ name: value }`.
    pub async fn outputs(&self, interrupt: &Interrupt) -> Result<Value, DeployError> {
        let captured = self
            .run(&["output", "-json", "-no-color"], false, interrupt, None)
            .await?;
        let captured = self.check("terraform output", captured)?;
        let raw: Value =
            serde_json::from_str(&captured.stdout).map_err(|e| DeployError::Terraform {
                command: "terraform output -json".into(),
                message: format!("unreadable JSON: {e}"),
                log: self.log.clone(),
            })?;
        Ok(output_values(&raw))
    }

    /// `force-unlock -force ID`.
    pub async fn force_unlock(&self, id: &str, interrupt: &Interrupt) -> Result<(), DeployError> {
        let captured = self
            .run(
                &["force-unlock", "-force", "-no-color", id],
                false,
                interrupt,
                None,
            )
            .await?;
        self.check("terraform force-unlock", captured).map(drop)
    }

    fn check(&self, command: &str, captured: Captured) -> Result<Captured, DeployError> {
        if captured.success {
            return Ok(captured);
        }
        let message = if captured.errors.trim().is_empty() {
            format!("(no message; see {})", self.log.display())
        } else {
            captured.errors.trim_end().to_owned()
        };
        Err(DeployError::Terraform {
            command: command.into(),
            message,
            log: self.log.clone(),
        })
    }

    /// Runs one command, logging all it says; forwards one SIGINT on interrupt and waits for it.
    async fn run(
        &self,
        args: &[&str],
        json: bool,
        interrupt: &Interrupt,
        reporter: Option<&dyn Reporter>,
    ) -> Result<Captured, DeployError> {
        interrupt.check()?;
        let mut log = self.open_log()?;
        let _ = writeln!(log, "\n$ terraform {}", args.join(" "));
        let mut cmd = tokio::process::Command::new(&self.bin);
        cmd.arg(format!("-chdir={}", self.dir.display()))
            .args(args)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group: see the module comment of `interrupt`.
            .process_group(0);
        let mut child = cmd.spawn().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => DeployError::TerraformMissing,
            _ => DeployError::Io(e),
        })?;
        let pid = child.id();
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let stderr_task = tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            let mut text = String::new();
            while let Ok(Some(line)) = lines.next_line().await {
                text.push_str(&line);
                text.push('\n');
            }
            text
        });

        let mut captured = Captured::default();
        let mut lines = BufReader::new(stdout).lines();
        let mut forwarded = false;
        loop {
            tokio::select! {
                line = lines.next_line() => match line {
                    Ok(Some(line)) => self.take_line(&line, json, &mut captured, &mut log, reporter),
                    _ => break,
                },
                () = interrupt.wait(), if !forwarded => {
                    forwarded = true;
                    if let Some(pid) = pid {
                        send_sigint(pid);
                    }
                    if let Some(r) = reporter {
                        r.event(Event::Warning(
                            "interrupted: Terraform is stopping cleanly (it saves the state and releases the lock); waiting for it".into(),
                        ));
                    }
                }
            }
        }
        let status = child.wait().await?;
        let stderr_text = stderr_task.await.unwrap_or_default();
        let _ = log.write_all(stderr_text.as_bytes());
        if !json || captured.errors.is_empty() {
            captured.errors.push_str(&stderr_text);
        }
        captured.success = status.success();
        if forwarded {
            return Err(DeployError::Interrupted);
        }
        Ok(captured)
    }

    fn take_line(
        &self,
        line: &str,
        json: bool,
        captured: &mut Captured,
        log: &mut fs_err::File,
        reporter: Option<&dyn Reporter>,
    ) {
        if !json {
            let _ = writeln!(log, "{line}");
            captured.stdout.push_str(line);
            captured.stdout.push('\n');
            return;
        }
        let Ok(event) = serde_json::from_str::<Value>(line) else {
            let _ = writeln!(log, "{line}");
            return;
        };
        let message = event
            .get("@message")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let _ = writeln!(log, "{message}");
        match event.get("type").and_then(Value::as_str) {
            Some("diagnostic") => {
                let d = &event["diagnostic"];
                let severity = d["severity"].as_str().unwrap_or("error");
                let summary = d["summary"].as_str().unwrap_or_default();
                let detail = d["detail"].as_str().unwrap_or_default();
                let address = d["address"].as_str();
                let _ = writeln!(log, "  {detail}");
                if severity == "error" {
                    if let Some(a) = address {
                        captured.errors.push_str(&format!("{a}: "));
                    }
                    captured.errors.push_str(summary);
                    captured.errors.push('\n');
                    for l in detail.lines().filter(|l| !l.trim().is_empty()) {
                        captured.errors.push_str(&format!("  {l}\n"));
                    }
                } else if let Some(r) = reporter.filter(|_| !deliberate(summary)) {
                    r.event(Event::Warning(format!("Terraform: {summary}")));
                }
            }
            Some("planned_change" | "outputs") => captured.events.push(event),
            Some("apply_start" | "apply_complete" | "apply_errored") => {
                if let Some(r) = reporter {
                    r.event(Event::Terraform(message.to_owned()));
                }
            }
            _ => {}
        }
    }

    fn open_log(&self) -> Result<fs_err::File, DeployError> {
        if let Some(parent) = self.log.parent() {
            fs_err::create_dir_all(parent)?;
        }
        Ok(fs_err::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?)
    }
}

/// Warnings about what Lamina does on purpose (it targets only the functions whose code alone
/// changed, and says so itself).
fn deliberate(summary: &str) -> bool {
    summary.starts_with("Resource targeting is in effect")
        || summary.starts_with("Applied changes may be incomplete")
}

/// The changes a plan streamed (`planned_change` events' `change`) and its `outputs` event.
#[derive(Debug, Clone, Default)]
pub struct PlanStream {
    pub changes: Vec<Value>,
    pub outputs: Value,
}

/// `{ name: { value, type, sensitive } }` → `{ name: value }`.
fn output_values(raw: &Value) -> Value {
    let mut values = serde_json::Map::new();
    if let Some(map) = raw.as_object() {
        for (name, output) in map {
            values.insert(
                name.clone(),
                output.get("value").cloned().unwrap_or(Value::Null),
            );
        }
    }
    Value::Object(values)
}

fn send_sigint(pid: u32) {
    if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::INT);
    }
}
