//! `lamina build` and `lamina lock`, and their progress display: a spinner per artifact on a
//! terminal, plain lines otherwise.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use lamina_build::{
    ArtifactReport, BuildError, BuildOptions, LockState, Reporter, Rule, SlimOptions, Status,
};
use lamina_config::LoadedConfig;

use crate::cli::{BuildArgs, CacheCommand, LockArgs};
use crate::error::CliError;
use crate::printer::Printer;

impl From<BuildError> for CliError {
    fn from(err: BuildError) -> Self {
        let hint = err.hint();
        let internal = !err.is_user_error();
        let message = match &err {
            BuildError::Limits(lines) => format!(
                "the build is over Lambda's limits:\n{}",
                lines
                    .lines()
                    .map(|l| format!("  - {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            other => other.to_string(),
        };
        let e = if internal {
            Self::internal(message)
        } else {
            Self::user(message)
        };
        e.maybe_hint(hint)
    }
}

/// Where the one line about downloading uv goes.
fn notice(printer: Printer) -> Option<lamina_build::Notice> {
    Some(lamina_build::Notice(std::sync::Arc::new(
        move |line: &str| {
            printer.status("Toolchain", line);
        },
    )))
}

fn options(args: &BuildArgs, printer: Printer) -> Result<BuildOptions, CliError> {
    let mut slim = SlimOptions::default();
    for keep in &args.keep {
        if let Some(rule) = Rule::parse(keep) {
            slim.rules.remove(&rule);
        }
    }
    slim.compile = !args.no_compile;
    let defaults = shared_cache_options()?;
    Ok(BuildOptions {
        stage: args.stage.clone(),
        locked: args.locked,
        slim,
        docker: args.docker,
        s3_upload: !args.direct_upload,
        python: args.python.clone(),
        notice: notice(printer),
        shared_cache: if args.no_cache {
            None
        } else {
            defaults.shared_cache
        },
        ..defaults
    })
}

/// Build options with the shared cache's size cap from `LAMINA_CACHE_MAX_SIZE`.
fn shared_cache_options() -> Result<BuildOptions, CliError> {
    Ok(BuildOptions {
        shared_cache_max: lamina_build::shared::max_size_from_env().map_err(CliError::user)?,
        ..BuildOptions::default()
    })
}

/// `lamina cache dir|prune|clean`.
pub(crate) fn cache(command: &CacheCommand, printer: Printer) -> Result<(), CliError> {
    let dir = lamina_build::shared::default_dir().ok_or_else(|| {
        CliError::user("there is no per-user cache directory: set `LAMINA_CACHE_DIR` (or HOME)")
    })?;
    let max = match command {
        CacheCommand::Dir => {
            printer.data(&dir.display().to_string());
            return Ok(());
        }
        CacheCommand::Clean => 0,
        CacheCommand::Prune(args) => match &args.max_size {
            Some(text) => lamina_build::shared::parse_size(text)
                .map_err(|e| CliError::user(format!("--max-size: {e}")))?,
            None => lamina_build::shared::max_size_from_env().map_err(CliError::user)?,
        },
    };
    let failed =
        |e: std::io::Error| CliError::internal(format!("cannot prune `{}`: {e}", dir.display()));
    let report = match lamina_build::shared::prune(&dir, max, false).map_err(failed)? {
        Some(report) => report,
        None => {
            printer.status("Waiting", "for the builds using the cache to finish");
            lamina_build::shared::prune(&dir, max, true)
                .map_err(failed)?
                .unwrap_or_default()
        }
    };
    printer.status(
        if max == 0 { "Cleaned" } else { "Pruned" },
        &format!(
            "{} entries removed, {} → {} in {}",
            report.removed,
            size(report.before),
            size(report.after),
            dir.display()
        ),
    );
    Ok(())
}

pub(crate) fn run(
    config: &LoadedConfig,
    args: &BuildArgs,
    printer: Printer,
) -> Result<(), CliError> {
    config.stage(&args.stage)?;
    let options = options(args, printer)?;
    let reporter = ProgressReporter::new(printer);
    let started = std::time::Instant::now();
    let result = lamina_build::build(config, &options, &reporter);
    reporter.clear();
    let outcome = result?;
    if let Err(why) = &outcome.pyc {
        printer.diagnostic(&format!("warning: no `.pyc` precompiled: {why}"));
    }
    if args.json {
        printer.data(outcome.manifest.to_json().trim_end());
    } else {
        print_table(&outcome.artifacts, printer);
    }
    let shown = outcome
        .manifest_path
        .strip_prefix(&config.root)
        .unwrap_or(&outcome.manifest_path);
    if outcome.noop {
        printer.status(
            "Fresh",
            &format!(
                "nothing changed, only hashed ({} artifacts, {:.0} ms); manifest {}",
                outcome.artifacts.len(),
                started.elapsed().as_secs_f64() * 1000.0,
                shown.display()
            ),
        );
    } else {
        let built = outcome
            .artifacts
            .iter()
            .filter(|a| a.status == Status::Built)
            .count();
        printer.status(
            "Finished",
            &format!(
                "{built} built, {} cached in {:.2} s; manifest {}",
                outcome.artifacts.len() - built,
                started.elapsed().as_secs_f64(),
                shown.display()
            ),
        );
    }
    if args.profile {
        profile(config, &options, args, printer)?;
    }
    Ok(())
}

fn profile(
    config: &LoadedConfig,
    options: &BuildOptions,
    args: &BuildArgs,
    printer: Printer,
) -> Result<(), CliError> {
    let reporter = ProgressReporter::new(printer);
    let result = lamina_build::profile_functions(
        config,
        options,
        args.python.clone(),
        args.profile_runs,
        &reporter,
    );
    reporter.clear();
    let profiles = result?;
    save_profile(config, &options.stage, &profiles, printer);
    let mut over = Vec::new();
    let mut bad_probe = Vec::new();
    for p in &profiles {
        let budget = p
            .budget_ms
            .map(|b| {
                format!(
                    ", budget {b} ms{}",
                    if p.over_budget() { " EXCEEDED" } else { "" }
                )
            })
            .unwrap_or_default();
        printer.data(&format!(
            "function {}: init {:.0} ms, first invoke {:.0} ms (GET {} → {}){budget} (median of {})",
            p.domain,
            p.init_ms,
            p.first_invoke_ms,
            p.probe,
            p.status.map_or_else(|| "no status".into(), |s| s.to_string()),
            p.runs,
        ));
        for (package, ms) in &p.slowest {
            printer.data(&format!("    {ms:>8.1} ms  {package}"));
        }
        if p.over_budget() {
            over.push(format!(
                "function {} takes {:.0} ms to initialise, over its `init_budget_ms` of {} ms",
                p.domain,
                p.init_ms,
                p.budget_ms.unwrap_or(0)
            ));
        }
        if p.status != Some(200) {
            bad_probe.push(format!(
                "function {} answered `GET {}` with {}",
                p.domain,
                p.probe,
                p.status
                    .map_or_else(|| "no HTTP status".into(), |s| format!("status {s}"))
            ));
        }
    }
    if !bad_probe.is_empty() {
        return Err(CliError::user(bad_probe.join("\n")).hint(
            "the profile sends one GET to each domain's `probe_path` (`<prefix>/health` by default): set `probe_path` in its `[domains.NAME]` table to a route that answers 200 without a token, such as `/api/docs`",
        ));
    }
    if !over.is_empty() {
        return Err(CliError::user(over.join("\n")).hint(
            "the slowest imports are listed above: import heavy packages lazily, or raise the budget in lamina.toml",
        ));
    }
    Ok(())
}

/// `.lamina/build/<stage>/profile.json`: the last measured cold starts, which `lamina cost` prices.
fn save_profile(
    config: &LoadedConfig,
    stage: &str,
    profiles: &[lamina_build::profile::FunctionProfile],
    printer: Printer,
) {
    let path = config
        .root
        .join(".lamina/build")
        .join(stage)
        .join("profile.json");
    let text = serde_json::to_string_pretty(profiles).expect("profiles serialise");
    let tmp = path.with_extension("json.tmp");
    if let Err(e) = std::fs::write(&tmp, text + "\n").and_then(|()| std::fs::rename(&tmp, &path)) {
        printer.diagnostic(&format!("warning: cannot write {}: {e}", path.display()));
    }
}

pub(crate) fn lock(
    config: &LoadedConfig,
    args: &LockArgs,
    printer: Printer,
) -> Result<(), CliError> {
    let options = BuildOptions {
        locked: args.check,
        docker: args.docker,
        notice: notice(printer),
        ..BuildOptions::default()
    };
    let reporter = ProgressReporter::new(printer);
    let result = lamina_build::lock(config, &options, args.force, &reporter);
    reporter.clear();
    let states = result?;
    for (what, path, state) in states {
        if state == LockState::Fresh && !args.force {
            printer.status("Fresh", &format!("{what} ({})", path.display()));
        }
    }
    Ok(())
}

fn print_table(rows: &[ArtifactReport], printer: Printer) {
    let header = [
        "ARTIFACT", "FILES", "UNZIPPED", "ZIPPED", "SHA256", "STATUS", "TIME",
    ]
    .map(str::to_owned);
    let body: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                r.label(),
                r.files.to_string(),
                size(r.unzipped),
                size(r.zipped),
                r.sha256[..12].to_owned(),
                match r.status {
                    Status::Built => "built".to_owned(),
                    Status::Cached => "cached".to_owned(),
                },
                format!("{:.2} s", r.elapsed.as_secs_f64()),
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| h.len());
    for row in &body {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    for row in std::iter::once(&header).chain(&body) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                if (1..=3).contains(&i) || i == 6 {
                    format!("{cell:>w$}")
                } else {
                    format!("{cell:<w$}")
                }
            })
            .collect();
        printer.data(line.join("  ").trim_end());
    }
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    }
}

/// Shows progress: a spinner per artifact on a terminal, plain status lines otherwise (or when
/// `LAMINA_NO_PROGRESS` or `NO_COLOR` is set).
struct ProgressReporter {
    printer: Printer,
    multi: Option<MultiProgress>,
    bars: Mutex<BTreeMap<String, ProgressBar>>,
}

impl ProgressReporter {
    fn new(printer: Printer) -> Self {
        Self {
            printer,
            multi: printer
                .progress_bars()
                .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
            bars: Mutex::new(BTreeMap::new()),
        }
    }

    fn clear(&self) {
        if let Some(multi) = &self.multi {
            let _ = multi.clear();
        }
    }

    fn bar(&self, label: &str) -> Option<ProgressBar> {
        let multi = self.multi.as_ref()?;
        let mut bars = self.bars.lock().expect("progress lock");
        Some(
            bars.entry(label.to_owned())
                .or_insert_with(|| {
                    let bar = multi.add(ProgressBar::new_spinner());
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{spinner:.green} {prefix:<20} {msg} {elapsed:.dim}",
                        )
                        .expect("a valid template"),
                    );
                    bar.set_prefix(label.to_owned());
                    bar.enable_steady_tick(Duration::from_millis(100));
                    bar
                })
                .clone(),
        )
    }
}

impl Reporter for ProgressReporter {
    fn on_start(&self, label: &str) {
        if let Some(bar) = self.bar(label) {
            bar.set_message("hashing");
        }
    }

    fn on_step(&self, label: &str, step: &str) {
        match self.bar(label) {
            Some(bar) => bar.set_message(step.to_owned()),
            None => self.printer.debug(&format!("{label}: {step}")),
        }
    }

    fn on_done(&self, report: &ArtifactReport) {
        let verb = match report.status {
            Status::Built => "Built",
            Status::Cached => "Cached",
        };
        let line = format!(
            "{} in {:.2} s",
            report.label(),
            report.elapsed.as_secs_f64()
        );
        match self.bar(&report.label()) {
            Some(bar) => {
                bar.finish_and_clear();
                if let Some(multi) = &self.multi {
                    let _ = multi.println(format!("{verb:>12} {line}"));
                }
            }
            None if report.status == Status::Built => self.printer.status(verb, &line),
            None => self.printer.debug(&format!("{verb:>12} {line}")),
        }
    }

    fn on_lock(&self, what: &str, path: &Path, state: &LockState) {
        let why = match state {
            LockState::Missing => "was missing".to_owned(),
            LockState::Stale(why) => format!("was out of date: {why}"),
            LockState::Fresh => "was current".to_owned(),
        };
        let line = format!("{what} → {} ({why})", path.display());
        match &self.multi {
            Some(multi) => {
                let _ = multi.println(format!("{:>12} {line}", "Locked"));
            }
            None => self.printer.status("Locked", &line),
        }
    }

    fn on_warning(&self, message: &str) {
        self.printer.diagnostic(&format!("warning: {message}"));
    }
}

/// The build `plan`, `deploy` and `destroy` start with: cached, so it costs a hash when nothing
/// changed. Zips over Lambda's 50 MB direct-upload limit are fine: deploys go through S3.
pub(crate) fn build_for_deploy(
    config: &LoadedConfig,
    stage: &str,
    locked: bool,
    printer: Printer,
) -> Result<lamina_build::Manifest, CliError> {
    let options = BuildOptions {
        stage: stage.to_owned(),
        locked,
        s3_upload: true,
        ..shared_cache_options()?
    };
    let reporter = ProgressReporter::new(printer);
    let started = std::time::Instant::now();
    let result = lamina_build::build(config, &options, &reporter);
    reporter.clear();
    let outcome = result?;
    if let Err(why) = &outcome.pyc {
        printer.diagnostic(&format!("warning: no `.pyc` precompiled: {why}"));
    }
    let built = outcome
        .artifacts
        .iter()
        .filter(|a| a.status == Status::Built)
        .count();
    printer.status(
        if outcome.noop { "Fresh" } else { "Built" },
        &format!(
            "{} artifacts ({built} built) in {:.2} s",
            outcome.artifacts.len(),
            started.elapsed().as_secs_f64()
        ),
    );
    Ok(outcome.manifest)
}
