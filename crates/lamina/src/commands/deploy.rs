//! `bootstrap`, `plan`, `deploy`, `rollback`, `releases`, `destroy`, `unlock` and `secret`: the
//! commands of `lamina-deploy`, with their prompts, summaries and progress display.

use std::io::{IsTerminal, Read as _, Write as _};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lamina_config::LoadedConfig;
use lamina_deploy::deploy::{self, Options, Prepared};
use lamina_deploy::plan::{Action, PlanSummary};
use lamina_deploy::report::{Event, Reporter};
use lamina_deploy::{DeployError, Interrupt, Session, Stage, bootstrap, destroy, release, secrets};
use serde_json::json;

use crate::cli::{
    BootstrapArgs, DeployArgs, DestroyArgs, PlanArgs, ReleasesArgs, RollbackArgs, SecretCommand,
    UnlockArgs,
};
use crate::commands::build::build_for_deploy;
use crate::error::CliError;
use crate::printer::{BOLD, ERROR, Printer, Verbosity, WARNING};

impl From<DeployError> for CliError {
    fn from(err: DeployError) -> Self {
        let hint = err.hint();
        let e = match err {
            DeployError::Build(b) => return Self::from(*b),
            ref other if other.is_user_error() => Self::user(other.to_string()),
            other => Self::internal(other.to_string()),
        };
        e.maybe_hint(hint)
    }
}

/// The stage, with lamina.toml's own diagnostic (and "did you mean") for an unknown name. A stage
/// added to lamina.toml after `lamina new` gets its Terraform root here, from the template.
pub(crate) fn stage<'a>(
    config: &'a LoadedConfig,
    name: &str,
    printer: Printer,
) -> Result<Stage<'a>, CliError> {
    let view = config.stage(name)?;
    let root = config.root.join("infra/terraform").join(view.name);
    if !root.exists() && config.root.join("infra/terraform/modules").is_dir() {
        lamina_templates::add_stage_root(config, view.name)?;
        printer.status(
            "Created",
            &format!(
                "infra/terraform/{} (the Terraform root of a new stage; commit it)",
                view.name
            ),
        );
    }
    Ok(Stage::new(config, name)?)
}

/// The AWS SDK is asynchronous; each command runs on one runtime.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::internal(format!("cannot start the async runtime: {e}")))
}

/// Signal handlers first, before any step: a Ctrl-C must never kill Lamina while Terraform holds
/// the state lock.
fn interrupt() -> Result<Interrupt, CliError> {
    Interrupt::install().map_err(|e| CliError::internal(format!("cannot handle signals: {e}")))
}

pub(crate) fn bootstrap(
    config: &LoadedConfig,
    args: &BootstrapArgs,
    printer: Printer,
) -> Result<(), CliError> {
    let stage = stage(config, &args.stage, printer)?;
    runtime()?.block_on(async {
        let session = Session::connect(&stage).await?;
        let report = bootstrap::bootstrap(&session.aws, &session.buckets).await?;
        if args.json {
            printer.data(&serde_json::to_string_pretty(&report).expect("serialises"));
        } else {
            for bucket in [&report.buckets.state, &report.buckets.artifacts] {
                let verb = if report.created.contains(bucket) {
                    "Created"
                } else {
                    "Checked"
                };
                printer.status(
                    verb,
                    &format!("s3://{bucket} (versioned, encrypted, private, TLS only)"),
                );
            }
            printer.status(
                "Bootstrapped",
                &format!(
                    "account {} in {} ({})",
                    session.aws.identity.account, session.aws.region, session.aws.identity.arn
                ),
            );
        }
        Ok(())
    })
}

pub(crate) fn plan(
    config: &LoadedConfig,
    args: &PlanArgs,
    printer: Printer,
) -> Result<(), CliError> {
    let stage = stage(config, &args.stage, printer)?;
    stage.terraform()?;
    let rt = runtime()?;
    // Credentials and the account are checked before the build: they fail in a second.
    let session = rt.block_on(async {
        let session = Session::connect(&stage).await?;
        bootstrap::require(&session.aws, &session.buckets).await?;
        Ok::<_, DeployError>(session)
    })?;
    let manifest = build_for_deploy(config, &args.stage, args.locked, printer)?;
    let options = Options {
        force: args.force,
        bootstrap: false,
        ..Options::default()
    };
    rt.block_on(async {
        let interrupt = interrupt()?;
        let reporter = ProgressReporter::new(printer);
        let prepared =
            deploy::prepare(&stage, &session, &manifest, &options, &interrupt, &reporter).await;
        reporter.clear();
        match prepared? {
            Prepared::NoOp { current } => {
                if args.json {
                    printer.data(
                        &json!({"stage": stage.name(), "noop": true, "release": current.id})
                            .to_string(),
                    );
                } else {
                    printer.status(
                        "Up to date",
                        &format!(
                            "stage {} is at release {}: nothing to deploy",
                            stage.name(),
                            current.label()
                        ),
                    );
                }
            }
            Prepared::Work(planned) => {
                if args.json {
                    printer.data(&plan_json(&stage, &session, &planned).to_string());
                } else {
                    print_plan(&stage, &session, &planned, printer);
                }
            }
        }
        Ok(())
    })
}

pub(crate) fn deploy(
    config: &LoadedConfig,
    args: &DeployArgs,
    printer: Printer,
) -> Result<(), CliError> {
    let started = Instant::now();
    let stage = stage(config, &args.stage, printer)?;
    stage.terraform()?;
    let rt = runtime()?;
    let session = rt.block_on(Session::connect(&stage))?;
    let manifest = build_for_deploy(config, &args.stage, args.locked, printer)?;
    let options = Options {
        force: args.force,
        bootstrap: true,
        allow_destroy: args.allow_destroy,
        wait: args.wait,
        invalidate_all: args.invalidate_all,
        skip_frontend: args.no_frontend,
    };
    rt.block_on(async {
        let interrupt = interrupt()?;
        let reporter = ProgressReporter::new(printer);
        let prepared =
            deploy::prepare(&stage, &session, &manifest, &options, &interrupt, &reporter).await;
        reporter.clear();
        let planned = match prepared? {
            Prepared::NoOp { current } => {
                if args.json {
                    printer.data(
                        &json!({"stage": stage.name(), "noop": true, "release": current.id})
                            .to_string(),
                    );
                }
                printer.status(
                    "Up to date",
                    &format!(
                        "stage {} is at release {}: nothing uploaded, Terraform not run ({:.2} s)",
                        stage.name(),
                        current.label(),
                        started.elapsed().as_secs_f64()
                    ),
                );
                return Ok(());
            }
            Prepared::Work(planned) => planned,
        };
        let run = Review {
            stage: &stage,
            session: &session,
            options: &options,
            yes: args.yes,
            json: args.json,
            started,
        };
        run.apply(*planned, &interrupt, &reporter, printer).await
    })
}

/// What `deploy` and `rollback` do once they have a plan: show it, guard it, ask, apply it,
/// say where the stage is.
struct Review<'a> {
    stage: &'a Stage<'a>,
    session: &'a Session,
    options: &'a Options,
    yes: bool,
    json: bool,
    started: Instant,
}

impl Review<'_> {
    async fn apply(
        &self,
        planned: deploy::Planned,
        interrupt: &Interrupt,
        reporter: &ProgressReporter,
        printer: Printer,
    ) -> Result<(), CliError> {
        print_plan(self.stage, self.session, &planned, printer);
        deploy::guard(self.stage, &planned, self.options)?;
        if planned.has_changes() {
            confirm_apply(self.stage, planned.summary.as_ref(), self.yes, printer)?;
        }
        let outcome = deploy::apply(
            self.stage,
            self.session,
            planned,
            self.options,
            interrupt,
            reporter,
        )
        .await;
        reporter.clear();
        finish(self.stage, &outcome?, self.started, self.json, printer);
        Ok(())
    }
}

pub(crate) fn rollback(
    config: &LoadedConfig,
    args: &RollbackArgs,
    printer: Printer,
) -> Result<(), CliError> {
    let started = Instant::now();
    let stage = stage(config, &args.stage, printer)?;
    stage.terraform()?;
    let to = match &args.to {
        Some(id) => Some(id.trim_start_matches('#').parse::<u64>().map_err(|_| {
            CliError::user(format!("`--to {id}` is not a release number"))
                .hint("`lamina releases` lists them")
        })?),
        None => None,
    };
    let options = Options {
        allow_destroy: args.allow_destroy,
        wait: args.wait,
        ..Options::default()
    };
    runtime()?.block_on(async {
        let interrupt = interrupt()?;
        let reporter = ProgressReporter::new(printer);
        let session = Session::connect(&stage).await?;
        let planned = deploy::prepare_rollback(&stage, &session, to, &interrupt, &reporter).await;
        reporter.clear();
        let planned = planned?;
        if let Some(target) = &planned.rollback_of {
            printer.status(
                "Rollback",
                &format!("stage {} to release {}", stage.name(), target.label()),
            );
        }
        let run = Review {
            stage: &stage,
            session: &session,
            options: &options,
            yes: args.yes,
            json: args.json,
            started,
        };
        run.apply(planned, &interrupt, &reporter, printer).await
    })
}

pub(crate) fn releases(
    config: &LoadedConfig,
    args: &ReleasesArgs,
    printer: Printer,
) -> Result<(), CliError> {
    let stage = stage(config, &args.stage, printer)?;
    runtime()?.block_on(async {
        let session = Session::connect(&stage).await?;
        bootstrap::require(&session.aws, &session.buckets).await?;
        let all = release::list(
            &session.aws,
            &session.buckets.state,
            stage.project(),
            stage.name(),
        )
        .await?;
        let current = release::current(
            &session.aws,
            &session.buckets.state,
            stage.project(),
            stage.name(),
        )
        .await?
        .map(|r| r.id);
        if args.json {
            let rows: Vec<_> = all
                .iter()
                .map(|r| {
                    json!({
                        "id": r.id, "time": r.time, "kind": r.kind, "rollback_of": r.rollback_of,
                        "commit": r.commit, "dirty": r.dirty, "deployer": r.deployer,
                        "current": Some(r.id) == current,
                        "functions": r.functions, "layers": r.layers, "frontend": r.frontend,
                    })
                })
                .collect();
            printer.data(&serde_json::to_string_pretty(&rows).expect("serialises"));
            return Ok(());
        }
        if all.is_empty() {
            printer.info(&format!(
                "stage {} has no releases yet: `lamina deploy --stage {}`",
                stage.name(),
                stage.name()
            ));
            return Ok(());
        }
        printer.data(&format!(
            "{:<4} {:<21} {:<9} {:<17} {:<34} {}",
            "", "time", "kind", "commit", "changed", "deployer"
        ));
        let mut prev: Option<&release::Release> = None;
        for r in &all {
            let marker = if Some(r.id) == current { "*" } else { " " };
            let commit = r.commit.as_deref().map_or_else(
                || "-".into(),
                |c| {
                    format!(
                        "{}{}",
                        &c[..c.len().min(10)],
                        if r.dirty { "+dirty" } else { "" }
                    )
                },
            );
            let kind = match r.rollback_of {
                Some(of) => format!("to #{of}"),
                None => r.kind.clone(),
            };
            printer.data(&format!(
                "{marker}#{:<3} {:<21} {:<9} {:<17} {:<34} {}",
                r.id,
                r.time,
                kind,
                commit,
                changed(prev, r),
                r.deployer
            ));
            prev = Some(r);
        }
        Ok(())
    })
}

/// What a release changed against the one before it: functions, layers, frontend.
fn changed(prev: Option<&release::Release>, r: &release::Release) -> String {
    let Some(prev) = prev else {
        return "first release".into();
    };
    let mut parts: Vec<String> = r
        .functions
        .iter()
        .filter(|(n, a)| prev.functions.get(*n).is_none_or(|p| p.sha256 != a.sha256))
        .map(|(n, _)| n.clone())
        .collect();
    parts.extend(
        r.layers
            .iter()
            .filter(|(n, a)| prev.layers.get(*n).is_none_or(|p| p.sha256 != a.sha256))
            .map(|(n, _)| format!("layer {n}")),
    );
    if r.frontend.as_ref().map(|f| &f.bundle_sha256)
        != prev.frontend.as_ref().map(|f| &f.bundle_sha256)
    {
        parts.push("frontend".into());
    }
    if parts.is_empty() {
        if r.fingerprint.tfvars != prev.fingerprint.tfvars
            || r.fingerprint.terraform != prev.fingerprint.terraform
        {
            "settings".into()
        } else {
            "-".into()
        }
    } else {
        parts.join(", ")
    }
}

pub(crate) fn destroy(
    config: &LoadedConfig,
    args: &DestroyArgs,
    printer: Printer,
) -> Result<(), CliError> {
    let stage = stage(config, &args.stage, printer)?;
    if stage.protected() && !args.force {
        return Err(DeployError::Protected(stage.name().to_owned()).into());
    }
    if let Some(name) = &args.confirm {
        if name != stage.name() {
            return Err(CliError::user(format!(
                "`--confirm {name}` does not name the stage being destroyed (`{}`)",
                stage.name()
            )));
        }
    }
    stage.terraform()?;
    let rt = runtime()?;
    let session = rt.block_on(Session::connect(&stage))?;
    let manifest = build_for_deploy(config, &args.stage, false, printer)?;
    rt.block_on(async {
        let interrupt = interrupt()?;
        let reporter = ProgressReporter::new(printer);
        let current = release::current(
            &session.aws,
            &session.buckets.state,
            stage.project(),
            stage.name(),
        )
        .await;
        // The variables of what is deployed; a fresh build's when no release is recorded.
        let vars = match current {
            Ok(Some(r)) => r.tfvars,
            _ => lamina_deploy::tfvars::tfvars(&stage.view, &manifest, &session.buckets.artifacts)?,
        };
        let summary = destroy::prepare(&stage, &session, &vars, &interrupt, &reporter).await;
        reporter.clear();
        let summary = summary?;
        print_summary(&stage, &session, &summary, None, printer);
        if summary.is_empty() {
            printer.status(
                "Nothing",
                &format!("stage {} has no resources", stage.name()),
            );
        }
        if stage.protected() {
            let typed = match &args.confirm {
                Some(name) => name.clone(),
                None => prompt_line(&format!(
                    "Stage `{}` is protected. Type its name to destroy it: ",
                    stage.name()
                ))?,
            };
            if typed.trim() != stage.name() {
                return Err(CliError::user("not confirmed: nothing was destroyed"));
            }
        } else if !args.yes && !summary.is_empty() {
            ask(&format!(
                "Destroy stage `{}` ({} resources)?",
                stage.name(),
                summary.total.total()
            ))?;
        }
        let options = destroy::DestroyOptions { purge: args.purge };
        let outcome =
            destroy::apply(&stage, &session, &vars, &options, &interrupt, &reporter).await;
        reporter.clear();
        let outcome = outcome?;
        if args.json {
            printer.data(&serde_json::to_string_pretty(&outcome).expect("serialises"));
        }
        if !outcome.layer_versions.is_empty() {
            printer.status(
                "Deleted",
                &format!("layer versions {}", outcome.layer_versions.join(", ")),
            );
        }
        printer.status(
            "Destroyed",
            &format!(
                "stage {}{}",
                stage.name(),
                if args.purge {
                    ""
                } else {
                    " (state and artifact buckets kept; `--purge` removes this stage's objects)"
                }
            ),
        );
        Ok(())
    })
}

pub(crate) fn unlock(
    config: &LoadedConfig,
    args: &UnlockArgs,
    printer: Printer,
) -> Result<(), CliError> {
    let stage = stage(config, &args.stage, printer)?;
    runtime()?.block_on(async {
        let interrupt = interrupt()?;
        let session = Session::connect(&stage).await?;
        let Some(info) = lamina_deploy::lock::read(
            &session.aws,
            &session.buckets.state,
            stage.project(),
            stage.name(),
        )
        .await?
        else {
            printer.status("Unlocked", &format!("stage {} holds no lock", stage.name()));
            return Ok(());
        };
        printer.diagnostic(&format!(
            "warning: {}",
            lamina_deploy::lock::locked_error(stage.name(), &info)
        ));
        if !args.yes {
            ask("Release it? Only if no other deploy of this stage is running.")?;
        }
        let terraform = stage.terraform()?;
        session.init(&stage, &terraform, &interrupt).await?;
        terraform.force_unlock(&info.id, &interrupt).await?;
        printer.status(
            "Unlocked",
            &format!("stage {} (lock {})", stage.name(), info.id),
        );
        Ok(())
    })
}

pub(crate) fn secret(
    config: &LoadedConfig,
    command: SecretCommand,
    printer: Printer,
) -> Result<(), CliError> {
    let stage_name = match &command {
        SecretCommand::Set(a) => &a.stage,
        SecretCommand::List(a) => &a.stage,
        SecretCommand::Rm(a) => &a.stage,
    };
    let stage = stage(config, stage_name, printer)?;
    let project = stage.project().to_owned();
    // Which domains read which secret (lamina.toml's `secrets`).
    let mut declared: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (name, domain) in &config.config.domains {
        for s in &domain.secrets {
            declared
                .entry(s.get_ref().clone())
                .or_default()
                .push(name.get_ref().clone());
        }
    }
    let parameter =
        |name: &str| lamina_deploy::names::secret_parameter(&project, stage.name(), name);
    runtime()?.block_on(async {
        match command {
            SecretCommand::Set(args) => {
                check_secret_name(&args.name)?;
                if !declared.contains_key(&args.name) {
                    printer.diagnostic(&format!(
                        "warning: no domain declares the secret `{}`: no function will read it\n\n  = hint: add it to a domain's `secrets` in lamina.toml{}",
                        args.name,
                        if declared.is_empty() { String::new() } else { format!(" (declared: {})", declared.keys().cloned().collect::<Vec<_>>().join(", ")) }
                    ));
                }
                let value = read_secret(&args.name, stage.name())?;
                let session = Session::connect(&stage).await?;
                let name = parameter(&args.name);
                let version = secrets::set(
                    &session.aws,
                    &name,
                    &value,
                    args.kms_key.as_deref(),
                    &[("project", &project), ("stage", stage.name()), ("managed-by", "lamina")],
                )
                .await?;
                printer.status("Set", &format!("{name} (version {version}, SecureString)"));
            }
            SecretCommand::List(args) => {
                let session = Session::connect(&stage).await?;
                let path = format!("/{project}/{}/", stage.name());
                let found = secrets::list(&session.aws, &path).await?;
                let mut rows = Vec::new();
                for (full, version, modified, by) in &found {
                    let short = full.strip_prefix(&path).unwrap_or(full).to_owned();
                    rows.push(secrets::SecretInfo {
                        declared: declared.contains_key(&short),
                        domains: declared.get(&short).cloned().unwrap_or_default(),
                        name: short,
                        parameter: full.clone(),
                        version: *version,
                        last_modified: modified.clone(),
                        last_modified_by: by.clone(),
                    });
                }
                let missing: Vec<&String> = declared.keys().filter(|d| !rows.iter().any(|r| &r.name == *d)).collect();
                if args.json {
                    printer.data(&serde_json::to_string_pretty(&json!({"secrets": rows, "missing": missing})).expect("serialises"));
                    return Ok(());
                }
                printer.data(&format!("{:<28} {:>7}  {:<21} {:<20} {}", "name", "version", "last change", "domains", "by"));
                for r in &rows {
                    printer.data(&format!(
                        "{:<28} {:>7}  {:<21} {:<20} {}",
                        r.name,
                        r.version,
                        r.last_modified.as_deref().unwrap_or("-"),
                        if r.declared { r.domains.join(",") } else { "(not declared)".into() },
                        r.last_modified_by.as_deref().unwrap_or("-"),
                    ));
                }
                for m in missing {
                    printer.data(&format!("{m:<28} {:>7}  {:<21} {:<20} -", "-", "not set", declared[m].join(",")));
                }
            }
            SecretCommand::Rm(args) => {
                check_secret_name(&args.name)?;
                let session = Session::connect(&stage).await?;
                let name = parameter(&args.name);
                if secrets::remove(&session.aws, &name).await? {
                    printer.status("Removed", &name);
                } else {
                    return Err(CliError::user(format!("no secret {name}")).hint(format!("`lamina secret list --stage {}` lists them", stage.name())));
                }
            }
        }
        Ok(())
    })
}

fn check_secret_name(name: &str) -> Result<(), CliError> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(CliError::user(format!("invalid secret name `{name}`"))
            .hint("letters, digits, `-`, `_` and `.`, as in a domain's `secrets`"));
    }
    Ok(())
}

/// The value, from stdin: typed without echo on a terminal, else read whole (one trailing
/// newline dropped, as `echo VALUE |` adds it).
fn read_secret(name: &str, stage: &str) -> Result<String, CliError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint_flush(&format!(
            "Value of `{name}` for stage {stage} (not shown): "
        ));
        let value = read_hidden_line()
            .map_err(|e| CliError::internal(format!("cannot read the terminal: {e}")))?;
        eprint_flush("\n");
        return Ok(value);
    }
    let mut buf = String::new();
    stdin
        .lock()
        .read_to_string(&mut buf)
        .map_err(|e| CliError::user(format!("cannot read the value from stdin: {e}")))?;
    if let Some(v) = buf.strip_suffix('\n') {
        buf = v.strip_suffix('\r').unwrap_or(v).to_owned();
    }
    Ok(buf)
}

/// One line from the terminal with echo off, restored even when reading fails.
fn read_hidden_line() -> std::io::Result<String> {
    use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    let saved = tcgetattr(&stdin)?;
    let mut quiet = saved.clone();
    quiet.local_modes.remove(LocalModes::ECHO);
    tcsetattr(&stdin, OptionalActions::Now, &quiet)?;
    let mut line = String::new();
    let result = stdin.read_line(&mut line);
    tcsetattr(&stdin, OptionalActions::Now, &saved)?;
    result?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

#[allow(clippy::print_stderr)]
fn eprint_flush(text: &str) {
    eprint!("{text}");
    let _ = std::io::stderr().flush();
}

fn prompt_line(question: &str) -> Result<String, CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::user("no terminal to confirm on").hint("pass `--confirm STAGE`"));
    }
    eprint_flush(question);
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| CliError::internal(format!("cannot read the terminal: {e}")))?;
    Ok(line)
}

/// y/N on the terminal; without one, a refusal that says to pass `--yes`.
fn ask(question: &str) -> Result<(), CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(
            CliError::user("no terminal to confirm on: nothing was changed")
                .hint("pass `--yes` to apply without asking (as CI does)"),
        );
    }
    let answer = prompt_line(&format!("{question} [y/N] "))?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(CliError::user("not confirmed: nothing was changed"))
    }
}

fn confirm_apply(
    stage: &Stage<'_>,
    summary: Option<&PlanSummary>,
    yes: bool,
    printer: Printer,
) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    let lost = summary.map_or(0, |s| s.data_loss().count());
    if lost > 0 {
        printer.diagnostic(&format!(
            "warning: {lost} data-bearing resources would be replaced or destroyed (listed above)"
        ));
    }
    ask(&format!("Apply these changes to stage `{}`?", stage.name()))
}

fn finish(
    stage: &Stage<'_>,
    outcome: &deploy::Outcome,
    started: Instant,
    json: bool,
    printer: Printer,
) {
    if json {
        printer.data(&serde_json::to_string_pretty(outcome).expect("serialises"));
    }
    let o = &outcome.outputs;
    let s = |k: &str| o[k].as_str().unwrap_or("-").to_owned();
    printer.info("");
    printer.info(&format!("  API       {}", s("api_url")));
    printer.info(&format!("  Frontend  {}", s("cloudfront_url")));
    printer.info(&format!(
        "  Sign-in   {} (client {})",
        s("issuer"),
        s("user_pool_client_id")
    ));
    printer.status(
        "Deployed",
        &format!(
            "stage {} as release #{} in {:.1} s{}",
            stage.name(),
            outcome.release,
            started.elapsed().as_secs_f64(),
            if outcome.frontend_built {
                "; CloudFront may take a few minutes to serve a new distribution"
            } else {
                ""
            }
        ),
    );
}

fn plan_json(stage: &Stage<'_>, session: &Session, planned: &deploy::Planned) -> serde_json::Value {
    let summary = planned.summary.clone().unwrap_or_default();
    json!({
        "stage": stage.name(),
        "project": stage.project(),
        "account": session.aws.identity.account,
        "region": session.aws.region,
        "noop": false,
        "terraform": planned.summary.is_some(),
        "changes": summary.changes,
        "groups": summary.groups,
        "total": summary.total,
        "outputs_change": summary.outputs_change,
        "iam": summary.iam().collect::<Vec<_>>(),
        "data_loss": summary.data_loss().collect::<Vec<_>>(),
        "uploads": planned.uploads,
        "current_release": planned.previous.as_ref().map(|r| r.id),
        "targeted": planned.targeted,
        "log": stage.log_path(),
    })
}

fn print_plan(stage: &Stage<'_>, session: &Session, planned: &deploy::Planned, printer: Printer) {
    match &planned.summary {
        Some(summary) => {
            print_summary(stage, session, summary, planned.previous.as_ref(), printer);
            if !planned.targeted.is_empty() {
                printer.info(&format!(
                    "  Only the code of {} changed: only its function was planned and refreshed (`--force` plans the whole stage).",
                    planned.targeted.join(", ")
                ));
            }
        }
        None => printer.status(
            "Plan",
            &format!(
                "stage {}: infrastructure unchanged; the frontend changed and will be published",
                stage.name()
            ),
        ),
    }
}

fn print_summary(
    stage: &Stage<'_>,
    session: &Session,
    summary: &PlanSummary,
    previous: Option<&release::Release>,
    printer: Printer,
) {
    let header = format!(
        "stage {} ({}, account {}, {}){}",
        stage.name(),
        stage.project(),
        session.aws.identity.account,
        session.aws.region,
        previous.map_or_else(String::new, |p| format!(", current release #{}", p.id))
    );
    if summary.is_empty() {
        printer.status("Plan", &format!("{header}: no infrastructure changes"));
        return;
    }
    printer.status("Plan", &header);
    for (group, counts) in &summary.groups {
        let mut parts = Vec::new();
        for (n, label) in [
            (counts.create, "to create"),
            (counts.update, "to update"),
            (counts.replace, "to replace"),
            (counts.destroy, "to destroy"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {label}"));
            }
        }
        printer.info(&format!("    {group:<18} {}", parts.join(", ")));
    }
    if printer.verbosity >= Verbosity::Verbose {
        for c in &summary.changes {
            printer.info(&format!("      {:>3} {}", c.action.symbol(), c.address));
        }
    }
    let iam: Vec<_> = summary.iam().collect();
    if !iam.is_empty() {
        printer.info(&format!(
            "  {WARNING}IAM changes{WARNING:#} (who may do what):"
        ));
        for c in iam {
            printer.info(&format!(
                "    {:>3} {} ({})",
                c.action.symbol(),
                c.address,
                c.resource_type
            ));
        }
    }
    let lost: Vec<_> = summary.data_loss().collect();
    if !lost.is_empty() {
        printer.info(&format!(
            "  {ERROR}Data at risk{ERROR:#}: these hold data and would be lost:"
        ));
        for c in lost {
            let why = if c.replace_because.is_empty() {
                String::new()
            } else {
                format!(", because of {}", c.replace_because.join(", "))
            };
            let verb = if c.action == Action::Replace {
                "replaced"
            } else {
                "destroyed"
            };
            printer.info(&format!(
                "    {BOLD}{}{BOLD:#} ({}) {verb}{why}",
                c.address, c.resource_type
            ));
        }
    }
    let t = &summary.total;
    printer.info(&format!(
        "  {} to create, {} to update, {} to replace, {} to destroy. Terraform's output: {}",
        t.create,
        t.update,
        t.replace,
        t.destroy,
        stage
            .log_path()
            .strip_prefix(&stage.config.root)
            .unwrap_or(&stage.log_path())
            .display()
    ));
}

/// Progress: a spinner for Terraform and a byte bar for uploads on a terminal; plain lines
/// otherwise (or with `LAMINA_NO_PROGRESS`).
struct ProgressReporter {
    printer: Printer,
    fancy: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl ProgressReporter {
    fn new(printer: Printer) -> Self {
        Self {
            printer,
            fancy: printer.progress_bars(),
            bar: Mutex::new(None),
        }
    }

    fn clear(&self) {
        if let Some(bar) = self.bar.lock().expect("progress lock").take() {
            bar.finish_and_clear();
        }
    }

    fn with_bar(&self, make: impl FnOnce() -> ProgressBar, f: impl FnOnce(&ProgressBar)) {
        let mut slot = self.bar.lock().expect("progress lock");
        let bar = slot.get_or_insert_with(make);
        f(bar);
    }

    fn println(&self, line: String) {
        match self.bar.lock().expect("progress lock").as_ref() {
            Some(bar) => bar.suspend(|| self.printer.stream_line(&line)),
            None => self.printer.stream_line(&line),
        }
    }
}

fn spinner() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner:.green} {msg} {elapsed:.dim}")
            .expect("a valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

impl Reporter for ProgressReporter {
    fn event(&self, event: Event) {
        match event {
            Event::Step { verb, message } => {
                if self.printer.verbosity >= Verbosity::Normal {
                    self.clear();
                    self.printer.status(verb, &message);
                }
            }
            Event::Warning(message) => {
                let _ = self
                    .bar
                    .lock()
                    .map(|b| b.as_ref().map(ProgressBar::finish_and_clear));
                self.printer.diagnostic(&format!("warning: {message}"));
            }
            Event::UploadsStarting { count, bytes } => {
                if self.fancy {
                    self.clear();
                    self.with_bar(
                        || {
                            let bar = ProgressBar::with_draw_target(Some(bytes), ProgressDrawTarget::stderr());
                            bar.set_style(
                                ProgressStyle::with_template("{prefix:>12.green.bold} [{bar:30}] {bytes}/{total_bytes} {msg}")
                                    .expect("a valid template")
                                    .progress_chars("=> "),
                            );
                            bar.set_prefix("Uploading");
                            bar
                        },
                        |_| {},
                    );
                } else {
                    self.printer.status(
                        "Uploading",
                        &format!("{count} objects ({:.1} MB)", bytes as f64 / 1e6),
                    );
                }
            }
            Event::Uploaded {
                name,
                bytes,
                skipped,
            } => {
                if skipped {
                    self.printer
                        .debug(&format!("{:>12} {name} (already uploaded)", "Skipped"));
                } else if self.fancy {
                    self.with_bar(spinner, |bar| {
                        bar.inc(bytes);
                        bar.set_message(name);
                    });
                } else if self.printer.verbosity >= Verbosity::Normal {
                    self.printer.stream_line(&format!(
                        "{:>12} {name} ({:.1} KB)",
                        "Uploaded",
                        bytes as f64 / 1e3
                    ));
                }
            }
            Event::Terraform(line) => {
                if self.fancy {
                    self.with_bar(spinner, |bar| bar.set_message(format!("terraform: {line}")));
                } else if self.printer.verbosity >= Verbosity::Normal {
                    self.println(format!("{:>12} {line}", "terraform"));
                }
            }
        }
    }
}
