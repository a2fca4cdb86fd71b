//! `lamina ci github`: the workflows, written or updated in their marked blocks, and what to set
//! up on GitHub and AWS for them.

use lamina_ci::{CiError, CiProject, FileChange, Mode, State, write_github};
use lamina_config::LoadedConfig;

use crate::cli::CiGithubArgs;
use crate::error::CliError;
use crate::printer::Printer;

impl From<CiError> for CliError {
    fn from(err: CiError) -> Self {
        Self::classified(err.to_string(), err.is_user_error(), err.hint())
    }
}

/// Writes the workflows of a project (also for `lamina new` and `lamina add domain`).
pub(crate) fn write(config: &LoadedConfig, mode: Mode) -> Result<Vec<FileChange>, CliError> {
    let extra = lamina_templates::ci_infra_files(
        config.project_name(),
        config.config.project.region.get_ref(),
    )?;
    Ok(write_github(config, &extra, mode)?)
}

pub(crate) fn github(
    config: &LoadedConfig,
    args: &CiGithubArgs,
    printer: Printer,
) -> Result<(), CliError> {
    let mode = if args.check {
        Mode::Check
    } else if args.dry_run {
        Mode::DryRun
    } else {
        Mode::Write
    };
    let changes = write(config, mode)?;
    report(&changes, mode, printer);
    if mode == Mode::Write {
        next_steps(config, printer);
    }
    Ok(())
}

pub(crate) fn report(changes: &[FileChange], mode: Mode, printer: Printer) {
    for c in changes {
        let path = c.path.display();
        let verb = match (&c.state, mode) {
            (State::Created, Mode::Write) => "Created",
            (State::Updated, Mode::Write) => "Updated",
            (State::Created, _) => "Would create",
            (State::Updated, _) => "Would update",
            (State::Unchanged, _) => "Unchanged",
            (State::Unmanaged, _) => {
                printer.diagnostic(&format!(
                    "warning: {path} has no `# >>> lamina:` blocks, so it was left as it is\n  = hint: move it away and run `lamina ci github` to get Lamina's, then copy your changes outside its blocks"
                ));
                continue;
            }
        };
        printer.status(verb, &path.to_string());
        for block in &c.missing {
            printer.diagnostic(&format!(
                "warning: {path} no longer has the `lamina:{block}` block; it is not put back (delete the file to start over)"
            ));
        }
    }
}

fn next_steps(config: &LoadedConfig, printer: Printer) {
    let project = CiProject::from_config(config);
    let protected: Vec<&str> = project
        .stages
        .iter()
        .filter(|s| s.protected)
        .map(|s| s.name.as_str())
        .collect();
    let all: Vec<&str> = project.stages.iter().map(|s| s.name.as_str()).collect();
    printer.info(&format!(
        "\nOnce per account, as an administrator (docs/operations.md has the details):\n  terraform -chdir=infra/terraform/ci init -backend-config=\"bucket=lamina-state-<account>-{region}\"\n  terraform -chdir=infra/terraform/ci apply -var github_repository=OWNER/REPO\n  then each stage's function_permissions_boundaries output into infra/terraform/<stage>/ci.auto.tfvars\nOn GitHub: environments {envs}{reviewers}, and the repository variable AWS_ACCOUNT_ID\n(unless lamina.toml gives each stage's account_id). Require the `ci-ok` check on main.",
        region = project.region,
        envs = all.join(", "),
        reviewers = if protected.is_empty() {
            String::new()
        } else {
            format!(" (with required reviewers on {})", protected.join(", "))
        },
    ));
}
