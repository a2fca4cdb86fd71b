//! The checks in order, cheapest first, each timed. A check that needs a valid lamina.toml is
//! skipped when it is not (the config check lists why).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use lamina_config::{ConfigError, LoadedConfig};

use crate::report::{Outcome, Problem, Report, Status};
use crate::{auth_urls, build, log_level, openapi, secrets, terraform};

/// Every check by name, in the order they run, with what each proves.
pub const CHECKS: [(&str, &str); 8] = [
    ("config", "lamina.toml is valid"),
    ("log-level", "no protected stage logs at DEBUG"),
    (
        "auth-urls",
        "Cognito callback and logout URLs match each stage's frontend",
    ),
    (
        "secrets",
        "no secret-looking value in tfvars, env files or lamina.toml",
    ),
    (
        "terraform",
        "terraform fmt and validate pass for every stage",
    ),
    ("checkov", "checkov passes on infra/terraform"),
    (
        "build",
        "the build is within Lambda's limits and each domain's init_budget_ms",
    ),
    ("openapi", "the frontend's typed client is current"),
];

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub skip: Vec<String>,
    pub only: Vec<String>,
    /// The environment the domains are imported with for the OpenAPI check (the JWT issuer and
    /// audiences `lamina dev` would give them).
    pub openapi_env: BTreeMap<String, String>,
    /// `terraform`, or `LAMINA_TERRAFORM`.
    pub terraform: PathBuf,
    /// checkov, when installed (`LAMINA_CHECKOV`, or on PATH).
    pub checkov: Option<PathBuf>,
}

impl Options {
    fn wants(&self, name: &str) -> bool {
        (self.only.is_empty() || self.only.iter().any(|o| o == name))
            && !self.skip.iter().any(|s| s == name)
    }
}

/// Names given to `--skip`/`--only` that are not checks.
pub fn unknown_names(options: &Options) -> Vec<String> {
    options
        .skip
        .iter()
        .chain(&options.only)
        .filter(|n| !CHECKS.iter().any(|(c, _)| c == n))
        .cloned()
        .collect()
}

fn title(name: &str) -> &'static str {
    CHECKS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, t)| t)
}

pub fn run(config_path: &Path, options: &Options, on_start: &dyn Fn(&str)) -> Report {
    let mut checks = Vec::new();
    let started = Instant::now();
    on_start("config");
    let loaded = LoadedConfig::load(config_path);
    let mut config_outcome = Outcome::new("config", title("config"));
    let config = match loaded {
        Ok(c) => {
            config_outcome = config_outcome.finish(
                format!(
                    "{} domains, {} stages, {} warnings",
                    c.config.domains.len(),
                    c.config.stages.len(),
                    c.warnings.len()
                ),
                started.elapsed(),
            );
            Some(c)
        }
        Err(ConfigError::Invalid(diagnostics)) => {
            config_outcome.problems = diagnostics.0.iter().map(Problem::from_diagnostic).collect();
            config_outcome = config_outcome.finish("", started.elapsed());
            None
        }
        Err(other) => {
            config_outcome
                .problems
                .push(Problem::new(other.to_string()).at(config_path.display().to_string()));
            config_outcome = config_outcome.finish("", started.elapsed());
            None
        }
    };
    checks.push(config_outcome);
    for (name, _) in CHECKS.iter().skip(1) {
        let outcome = Outcome::new(name, title(name));
        if !options.wants(name) {
            checks.push(outcome.skipped("skipped (--skip/--only)"));
            continue;
        }
        let Some(config) = &config else {
            checks.push(outcome.skipped("needs a valid lamina.toml"));
            continue;
        };
        on_start(name);
        let started = Instant::now();
        let result = match *name {
            "log-level" => log_level::check(config, outcome),
            "auth-urls" => auth_urls::check(config, outcome),
            "secrets" => secrets::check(config, outcome),
            "terraform" => terraform::check(config, &options.terraform, outcome),
            "checkov" => terraform::checkov(config, options.checkov.as_deref(), outcome),
            "build" => build::check(config, outcome),
            "openapi" => openapi::check(config, &options.openapi_env, outcome),
            _ => unreachable!("every check has a module"),
        };
        let result = if result.status == Status::Skip {
            result
        } else {
            let detail = result.detail.clone();
            result.finish(detail, started.elapsed())
        };
        checks.push(result);
    }
    Report {
        ok: checks.iter().all(|c| c.status != Status::Fail),
        checks,
    }
}
