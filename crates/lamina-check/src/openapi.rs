//! The frontend's typed client (`frontend/src/api`) must be what `lamina openapi` writes from
//! the domains' routes today: the same logic as `lamina openapi --check`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use lamina_config::LoadedConfig;
use lamina_openapi::{FileState, Mode, Options};

use crate::report::{Outcome, Problem};

pub(crate) fn check(
    config: &LoadedConfig,
    env: &BTreeMap<String, String>,
    mut outcome: Outcome,
) -> Outcome {
    let Some(out_dir) = lamina_openapi::default_out_dir(config) else {
        return outcome.skipped("no [frontend] in lamina.toml");
    };
    let Some(stage) = config.stage_names().next().map(str::to_owned) else {
        return outcome.skipped("no stage in lamina.toml");
    };
    let stage = if config.config.stages.contains_key("dev") {
        "dev".to_owned()
    } else {
        stage
    };
    let view = match config.stage(&stage) {
        Ok(v) => v,
        Err(d) => {
            outcome.problems.push(Problem::from_diagnostic(&d));
            return outcome;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            outcome
                .problems
                .push(Problem::new(format!("cannot start the async runtime: {e}")));
            return outcome;
        }
    };
    let result = runtime.block_on(async {
        let pythons = lamina_dev::DomainPythons::prepare(config, view.name, Arc::new(Silent))
            .await
            .map_err(|e| {
                (
                    format!("cannot prepare the Python environment: {e}"),
                    e.hint(),
                )
            })?;
        let options = Options {
            python: pythons.default,
            python_by_domain: pythons.by_domain,
            out_dir: out_dir.clone(),
            client: true,
            mode: Mode::Check,
            extra_env: env.clone(),
            import_timeout: Duration::from_secs(60),
        };
        lamina_openapi::run(&view, &options)
            .await
            .map_err(|e| (e.to_string(), e.hint()))
    });
    match result {
        Ok(outcome_files) => {
            for (path, state) in &outcome_files.files {
                if *state == FileState::Stale {
                    outcome.problems.push(
                        Problem::new("out of date with the domains' routes")
                            .at(path.strip_prefix(&config.root).unwrap_or(path).display().to_string())
                            .hint("run `lamina openapi` (or keep `lamina dev` running) and commit the result"),
                    );
                }
            }
            outcome.detail = format!(
                "{} domains, {} operations",
                outcome_files.domains, outcome_files.operations
            );
        }
        Err((message, hint)) => outcome.problems.push(Problem {
            message,
            location: None,
            hint,
        }),
    }
    outcome
}

/// The dev environment is prepared without a word: `lamina check` reports only its findings.
struct Silent;

impl lamina_dev::DevOutput for Silent {
    fn info(&self, _: &str) {}
    fn warn(&self, _: &str) {}
    fn line(&self, _: &str, _: &lamina_dev::LogRecord) {}
    fn access(&self, _: &lamina_dev::Access) {}
}
