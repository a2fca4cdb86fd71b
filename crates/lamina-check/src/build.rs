//! The build (cached: a hash check when nothing changed) must fit Lambda's limits, and each
//! domain with an `init_budget_ms` must initialise within it, measured as `lamina build
//! --profile` measures it.

use lamina_build::{BuildError, BuildOptions, Silent};
use lamina_config::LoadedConfig;

use crate::report::{Outcome, Problem};

pub(crate) fn check(config: &LoadedConfig, mut outcome: Outcome) -> Outcome {
    if config.config.domains.is_empty() && config.config.layers.is_empty() {
        return outcome.skipped("nothing to build");
    }
    let stage = if config.config.stages.contains_key("dev") {
        "dev".to_owned()
    } else {
        config.stage_names().next().unwrap_or("dev").to_owned()
    };
    let options = BuildOptions {
        stage: stage.clone(),
        s3_upload: true,
        ..BuildOptions::default()
    };
    let built = match lamina_build::build(config, &options, &Silent) {
        Ok(b) => b,
        Err(BuildError::Limits(lines)) => {
            for line in lines.lines() {
                outcome.problems.push(Problem::new(line.to_owned()).hint(
                    "slim the layer (docs/build.md: slimming rules), move packages to another layer, or drop one",
                ));
            }
            return outcome;
        }
        Err(e) => {
            let hint = e.hint();
            outcome.problems.push(Problem {
                message: format!("the build failed: {e}"),
                location: None,
                hint,
            });
            return outcome;
        }
    };
    let budgets: Vec<(String, u32)> = config
        .config
        .domains
        .iter()
        .filter_map(|(k, d)| d.init_budget_ms.map(|b| (k.get_ref().clone(), b)))
        .collect();
    let mut detail = format!("{} artifacts", built.artifacts.len());
    if !budgets.is_empty() {
        match lamina_build::profile_functions(config, &options, None, 3, &Silent) {
            Ok(profiles) => {
                for p in profiles.iter().filter(|p| p.over_budget()) {
                    let slowest = p
                        .slowest
                        .iter()
                        .take(3)
                        .map(|(n, ms)| format!("{n} {ms:.0} ms"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    outcome.problems.push(
                        Problem::new(format!(
                            "domain `{}` takes {:.0} ms to initialise, over its init_budget_ms of {} ms",
                            p.domain,
                            p.init_ms,
                            p.budget_ms.unwrap_or(0)
                        ))
                        .at(crate::log_level::key_location(config, &format!("domains.{}", p.domain), "init_budget_ms"))
                        .hint(format!(
                            "slowest imports: {slowest}; import them lazily, or raise the budget (`lamina build --profile` for details)"
                        )),
                    );
                }
                detail.push_str(&format!(", {} cold starts within budget", profiles.len()));
            }
            Err(e) => {
                let hint = e.hint();
                outcome.problems.push(Problem {
                    message: format!("cannot measure the cold starts: {e}"),
                    location: None,
                    hint,
                });
            }
        }
    }
    outcome.detail = detail;
    outcome
}
