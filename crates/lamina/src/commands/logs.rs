//! `lamina logs`: a stage's CloudWatch Logs, rendered as `lamina dev` renders worker output.

use std::time::{Duration, SystemTime};

use anstyle::{AnsiColor, Style};
use lamina_config::{LoadedConfig, did_you_mean};
use lamina_deploy::{Session, Stage};
use lamina_logs::event::Shown;
use lamina_logs::follow::Follower;
use lamina_logs::source::Window;
use lamina_logs::{LogEvent, LogsError, Source, request, since};

use crate::cli::LogsArgs;
use crate::commands::deploy::runtime;
use crate::error::CliError;
use crate::printer::Printer;

impl From<LogsError> for CliError {
    fn from(err: LogsError) -> Self {
        Self::classified(err.to_string(), err.is_user_error(), err.hint())
    }
}

pub(crate) fn run(
    config: &LoadedConfig,
    args: &LogsArgs,
    printer: Printer,
) -> Result<(), CliError> {
    config.stage(&args.stage)?;
    let stage = Stage::new(config, &args.stage)?;
    let all: Vec<String> = config
        .config
        .domains
        .keys()
        .map(|k| k.get_ref().clone())
        .collect();
    let domains = match &args.domain {
        None => all.clone(),
        Some(d) if all.contains(d) => vec![d.clone()],
        Some(d) => {
            let hint = match did_you_mean(d, all.iter().map(String::as_str)) {
                Some(close) => format!("did you mean `{close}`? Domains: {}", all.join(", ")),
                None => format!("domains in lamina.toml: {}", all.join(", ")),
            };
            return Err(CliError::user(format!("unknown domain `{d}`")).hint(hint));
        }
    };
    let default_since = if args.request.is_some() { "24h" } else { "10m" };
    let start_ms = since::start_ms(
        args.since.as_deref().unwrap_or(default_since),
        SystemTime::now(),
    )?;
    let width = domains.iter().map(String::len).max().unwrap_or(0);
    let show = |e: &LogEvent| {
        if args.json {
            printer.data(&e.to_json().to_string());
        } else {
            printer.data(&line(&e.shown(), width));
        }
    };
    runtime()?.block_on(async {
        let session = Session::connect(&stage).await?;
        let source = Source::new(&session.aws, config.project_name(), stage.name(), &domains);
        // A named domain must exist; with every domain, one never invoked has no group yet.
        let require_all = args.domain.is_some();
        let fetch_once = |start: i64| {
            let source = &source;
            let pattern = args.filter.clone();
            let id = args.request.clone();
            async move {
                match id {
                    Some(id) => request::find(source, &id, start).await,
                    None => {
                        source
                            .fetch(
                                &Window {
                                    start_ms: start,
                                    end_ms: None,
                                    pattern,
                                },
                                require_all,
                            )
                            .await
                    }
                }
            }
        };
        let mut follower = Follower::default();
        let first = fetch_once(start_ms).await?;
        let first = follower.fresh(first);
        if first.is_empty() && !args.follow && !args.json {
            printer.info(&format!(
                "no events since {} in {} (stage {})",
                args.since.as_deref().unwrap_or(default_since),
                source_label(&domains, args.request.as_deref()),
                stage.name()
            ));
        }
        first.iter().for_each(show);
        if !args.follow {
            return Ok(());
        }
        printer.info("following; Ctrl-C stops");
        let interval = Duration::from_millis(args.poll_ms.max(100));
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => return Ok(()),
                () = tokio::time::sleep(interval) => {}
            }
            let events = fetch_once(follower.next_start(start_ms)).await?;
            follower.fresh(events).iter().for_each(show);
        }
    })
}

fn source_label(domains: &[String], request: Option<&str>) -> String {
    match (request, domains) {
        (Some(id), _) => format!("request {id}"),
        (None, [one]) => format!("domain {one}"),
        (None, _) => "any domain".into(),
    }
}

/// `2026-12-01T10:00:00.123Z ride  INFO  [c-1] ride requested  ride_id=7`, coloured by level.
fn line(s: &Shown, width: usize) -> String {
    const DIM: Style = Style::new().dimmed();
    const DOMAIN: Style = AnsiColor::Cyan.on_default();
    let level_style = match s.level.as_deref() {
        Some("ERROR" | "CRITICAL") => AnsiColor::Red.on_default().bold(),
        Some("WARNING" | "WARN") => AnsiColor::Yellow.on_default().bold(),
        Some("DEBUG") => DIM,
        Some("START" | "END" | "REPORT" | "INIT_START" | "METRIC") => {
            AnsiColor::Magenta.on_default()
        }
        _ => AnsiColor::Green.on_default(),
    };
    let level = s.level.as_deref().unwrap_or("");
    let request = s
        .request
        .as_deref()
        .map(|r| format!("{DIM}[{r}]{DIM:#} "))
        .unwrap_or_default();
    format!(
        "{DIM}{}{DIM:#} {DOMAIN}{:<width$}{DOMAIN:#} {level_style}{level:<7}{level_style:#} {request}{}",
        s.time, s.domain, s.text
    )
    .trim_end()
    .to_owned()
}
