//! The frontend's typed client (`frontend/src/api`) must be what `lamina openapi` writes from
//! the domains' routes today: the same logic as `lamina openapi --check`.

use std::collections::BTreeMap;
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
        let spec = lamina_runtime::env_spec_for_stage(&view, Vec::new());
        let python_env = lamina_runtime::ensure_env(&spec)
            .await
            .map_err(|e| (format!("cannot prepare the Python environment: {e}"), None))?;
        let options = Options {
            python: python_env.python,
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
