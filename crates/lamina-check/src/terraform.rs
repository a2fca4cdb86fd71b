//! `terraform fmt -check` over infra/terraform, `terraform validate` in each stage root (after
//! `init -backend=false`, which touches no state), and checkov when it is installed.

use std::path::Path;
use std::process::Command;

use lamina_config::LoadedConfig;
use serde_json::Value;

use crate::report::{Outcome, Problem};

fn output(cmd: &mut Command) -> Result<std::process::Output, String> {
    cmd.env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .map_err(|e| e.to_string())
}

pub(crate) fn check(config: &LoadedConfig, terraform: &Path, mut outcome: Outcome) -> Outcome {
    let infra = config.root.join("infra/terraform");
    if !infra.is_dir() {
        outcome.problems.push(
            Problem::new("there is no infra/terraform directory")
                .hint("`lamina new` writes one; copy it from a new project"),
        );
        return outcome;
    }
    let show = |p: &Path| {
        p.strip_prefix(&config.root)
            .unwrap_or(p)
            .display()
            .to_string()
    };
    let fmt = output(
        Command::new(terraform)
            .args(["fmt", "-check", "-recursive", "-list=true", "-no-color"])
            .current_dir(&infra),
    );
    let fmt = match fmt {
        Ok(out) => out,
        Err(e) => {
            outcome.problems.push(
                Problem::new(format!("cannot run `{}`: {e}", terraform.display())).hint(
                    "install Terraform >= 1.10 (or set LAMINA_TERRAFORM), or `--skip terraform`",
                ),
            );
            return outcome;
        }
    };
    for file in String::from_utf8_lossy(&fmt.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        outcome.problems.push(
            Problem::new("not formatted as `terraform fmt` writes it")
                .at(show(&infra.join(file.trim())))
                .hint("run `terraform fmt -recursive infra/terraform`"),
        );
    }
    if !fmt.status.success() && fmt.stdout.is_empty() {
        outcome.problems.push(
            Problem::new(format!(
                "terraform fmt failed: {}",
                String::from_utf8_lossy(&fmt.stderr).trim()
            ))
            .at("infra/terraform"),
        );
    }
    let mut stages = 0;
    // Every stage root, and the root of the CI roles when the project has one.
    let mut roots: Vec<&str> = config.stage_names().collect();
    if infra.join("ci/main.tf").is_file() && !roots.contains(&"ci") {
        roots.push("ci");
    }
    for stage in roots {
        let dir = infra.join(stage);
        if !dir.join("main.tf").is_file() {
            outcome.problems.push(
                Problem::new(format!("stage `{stage}` has no Terraform root"))
                    .at(show(&dir))
                    .hint(format!("copy infra/terraform/dev to infra/terraform/{stage} and set the key in its backend.tf")),
            );
            continue;
        }
        stages += 1;
        // Providers and modules go to .lamina, not the stage root's .terraform, so a check
        // never disturbs the backend `lamina deploy` initialised there.
        let data_dir = config.root.join(".lamina/check/terraform").join(stage);
        let init = output(
            Command::new(terraform)
                .args(["init", "-backend=false", "-input=false", "-no-color"])
                .current_dir(&dir)
                .env("TF_DATA_DIR", &data_dir),
        );
        match init {
            Ok(out) if out.status.success() => {}
            Ok(out) => {
                outcome.problems.push(
                    Problem::new(format!(
                        "terraform init failed in stage `{stage}`: {}",
                        last_error(&out)
                    ))
                    .at(show(&dir))
                    .hint("Terraform fetches hashicorp/aws from the registry on first use (or a mirror in TF_CLI_CONFIG_FILE)"),
                );
                continue;
            }
            Err(e) => {
                outcome
                    .problems
                    .push(Problem::new(format!("cannot run terraform: {e}")));
                continue;
            }
        }
        let validate = output(
            Command::new(terraform)
                .args(["validate", "-json", "-no-color"])
                .current_dir(&dir)
                .env("TF_DATA_DIR", &data_dir),
        );
        let Ok(out) = validate else { continue };
        let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        for d in report["diagnostics"].as_array().into_iter().flatten() {
            if d["severity"] != "error" {
                continue;
            }
            let file = d["range"]["filename"].as_str().unwrap_or("");
            let line = d["range"]["start"]["line"].as_u64().unwrap_or(0);
            let at = if file.is_empty() {
                show(&dir)
            } else {
                format!("{}:{line}", show(&dir.join(file)))
            };
            outcome.problems.push(
                Problem::new(format!(
                    "stage `{stage}`: {}{}",
                    d["summary"].as_str().unwrap_or("invalid"),
                    d["detail"]
                        .as_str()
                        .filter(|s| !s.is_empty())
                        .map(|s| format!(": {s}"))
                        .unwrap_or_default()
                ))
                .at(at)
                .hint("`terraform -chdir=infra/terraform/STAGE validate` shows it in context"),
            );
        }
        if !out.status.success() && report["diagnostics"].as_array().is_none_or(Vec::is_empty) {
            outcome.problems.push(
                Problem::new(format!(
                    "terraform validate failed in stage `{stage}`: {}",
                    last_error(&out)
                ))
                .at(show(&dir)),
            );
        }
    }
    outcome.detail = format!("fmt, and validate in {stages} roots");
    outcome
}

fn last_error(out: &std::process::Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr);
    let text = if text.trim().is_empty() {
        String::from_utf8_lossy(&out.stdout)
    } else {
        text
    };
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && (l.starts_with("Error") || l.contains("rror")))
        .unwrap_or_else(|| text.lines().last().unwrap_or("").trim())
        .to_owned()
}

pub(crate) fn checkov(
    config: &LoadedConfig,
    checkov: Option<&Path>,
    mut outcome: Outcome,
) -> Outcome {
    let Some(checkov) = checkov else {
        return outcome
            .skipped("checkov is not installed (`pipx install checkov`, or set LAMINA_CHECKOV)");
    };
    let infra = config.root.join("infra/terraform");
    let out = Command::new(checkov)
        .args([
            "-d",
            ".",
            "--framework",
            "terraform",
            "--quiet",
            "--compact",
            "--skip-download",
            "--skip-path",
            "_override\\.tf$",
            "-o",
            "json",
        ])
        .current_dir(&infra)
        .env("BC_SKIP_MAPPING", "TRUE")
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            outcome.problems.push(Problem::new(format!(
                "cannot run {}: {e}",
                checkov.display()
            )));
            return outcome;
        }
    };
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    // One framework gives an object; several a list of them; no resources at all gives a summary.
    let reports: Vec<&Value> = match &doc {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![&doc],
        _ => Vec::new(),
    };
    let mut failed = 0;
    for report in reports {
        for f in report["results"]["failed_checks"]
            .as_array()
            .into_iter()
            .flatten()
        {
            failed += 1;
            let file = f["file_path"]
                .as_str()
                .unwrap_or("")
                .trim_start_matches('/');
            let line = f["file_line_range"][0].as_u64().unwrap_or(0);
            outcome.problems.push(
                Problem::new(format!(
                    "{} {} ({})",
                    f["check_id"].as_str().unwrap_or("?"),
                    f["check_name"].as_str().unwrap_or(""),
                    f["resource"].as_str().unwrap_or("")
                ))
                .at(format!("infra/terraform/{file}:{line}"))
                .hint("fix it, or suppress it in the resource with `# checkov:skip=<id>:<reason>` (see infra/terraform/CHECKOV.md)"),
            );
        }
    }
    if failed == 0 && !out.status.success() {
        outcome.problems.push(Problem::new(format!(
            "checkov failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
                .trim()
        )));
    }
    outcome.detail = "infra/terraform".into();
    outcome
}
