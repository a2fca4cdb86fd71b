//! `plan`, `deploy` and `rollback`: the orchestration.
//!
//! [`prepare`] does everything up to a saved plan and its summary (bootstrap, uploads, variables,
//! init, plan); the caller shows the summary and asks; [`apply`] then applies exactly that plan,
//! publishes the frontend and records the release. A deploy whose variables, Terraform files and
//! frontend equal the current release's stops in `prepare` without starting Terraform.

use std::collections::BTreeMap;

use lamina_build::Manifest;
use serde_json::Value;

use crate::bootstrap;
use crate::context::{Session, Stage, owner_only, require_artifacts};
use crate::error::DeployError;
use crate::fingerprint::{self, sha256_hex};
use crate::frontend::{Frontend, write_atomic};
use crate::interrupt::Interrupt;
use crate::lock;
use crate::names;
use crate::plan::{self, PlanSummary};
use crate::release::{self, Fingerprint, FrontendRelease, Release, ReleasedArtifact};
use crate::report::{Event, Reporter};
use crate::site;
use crate::tfvars;
use crate::upload::{self, Upload};

/// Switches of `plan`, `deploy` and `rollback`.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Run Terraform even when nothing changed since the current release (to repair drift).
    pub force: bool,
    /// Create the state and artifact buckets when missing (`deploy`); `plan` only reads.
    pub bootstrap: bool,
    /// Let a protected stage's plan replace or destroy data-bearing resources.
    pub allow_destroy: bool,
    /// Wait for CloudFront's invalidation to complete.
    pub wait: bool,
    /// Invalidate `/*` instead of only the changed paths.
    pub invalidate_all: bool,
    /// Leave the frontend alone.
    pub skip_frontend: bool,
}

/// What [`prepare`] found.
#[derive(Debug)]
pub enum Prepared {
    /// Nothing changed since the current release: nothing was uploaded, Terraform did not run.
    NoOp { current: Box<Release> },
    /// There is work: a Terraform plan (possibly empty) and/or a frontend to publish.
    Work(Box<Planned>),
}

/// A saved plan and what goes with it.
#[derive(Debug)]
pub struct Planned {
    /// None when the infrastructure is unchanged and only the frontend is published.
    pub summary: Option<PlanSummary>,
    pub tfvars: Value,
    pub fingerprint: Fingerprint,
    pub previous: Option<Release>,
    /// Artifacts by kind/name: sha256 and S3 key, from the manifest (or the rolled-back release).
    pub functions: BTreeMap<String, ReleasedArtifact>,
    pub layers: BTreeMap<String, ReleasedArtifact>,
    pub uploads: upload::UploadReport,
    /// For a rollback: the release gone back to.
    pub rollback_of: Option<Release>,
    /// Whether the Terraform run initialised the working directory.
    pub initialised: bool,
    /// Domains whose functions alone were planned (only their code changed); empty: the whole
    /// stage was.
    pub targeted: Vec<String>,
}

impl Planned {
    /// Whether Terraform has changes to apply.
    pub fn has_changes(&self) -> bool {
        self.summary
            .as_ref()
            .is_some_and(|s| !s.is_empty() || s.outputs_change)
    }
}

/// What [`apply`] did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
    pub release: u64,
    pub applied: bool,
    pub outputs: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<site::SyncReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invalidation: Option<String>,
    pub frontend_built: bool,
}

/// Route key → domain, to show API changes under the domain they serve.
fn route_domains(stage: &Stage<'_>) -> BTreeMap<String, String> {
    stage
        .config
        .routes()
        .into_iter()
        .map(|r| (r.key(), r.domain))
        .collect()
}

/// Everything up to the plan, for a build `manifest`.
pub async fn prepare(
    stage: &Stage<'_>,
    session: &Session,
    manifest: &Manifest,
    options: &Options,
    interrupt: &Interrupt,
    reporter: &dyn Reporter,
) -> Result<Prepared, DeployError> {
    ensure_buckets(session, options, reporter).await?;
    let project = stage.project();
    let vars = tfvars::tfvars(&stage.view, manifest, &session.buckets.artifacts)?;
    let fingerprint = Fingerprint {
        tfvars: sha256_hex(tfvars::render(&vars).as_bytes()),
        terraform: stage.terraform_fingerprint()?,
        frontend: None,
    };
    let previous =
        release::current(&session.aws, &session.buckets.state, project, stage.name()).await?;

    let functions = manifest
        .functions
        .iter()
        .map(|(n, a)| (n.clone(), artifact(project, &a.sha256)))
        .collect();
    let layers = manifest
        .layers
        .iter()
        .map(|(n, a)| (n.clone(), artifact(project, &a.sha256)))
        .collect();

    if let Some(prev) = &previous {
        let infra_same = prev.fingerprint.tfvars == fingerprint.tfvars
            && prev.fingerprint.terraform == fingerprint.terraform;
        if infra_same && !options.force {
            let frontend_same = options.skip_frontend
                || frontend_fingerprint(stage, &prev.outputs)? == prev.fingerprint.frontend;
            if frontend_same {
                return Ok(Prepared::NoOp {
                    current: Box::new(prev.clone()),
                });
            }
            // Only the frontend changed: no upload of artifacts, no Terraform.
            return Ok(Prepared::Work(Box::new(Planned {
                summary: None,
                tfvars: vars,
                fingerprint,
                previous,
                functions,
                layers,
                uploads: upload::UploadReport::default(),
                rollback_of: None,
                initialised: false,
                targeted: Vec::new(),
            })));
        }
    }

    let uploads = upload_artifacts(stage, session, manifest, interrupt, reporter).await?;
    // Only function code changed since the current release, under the same Terraform files:
    // plan (and refresh) only those functions' resources, as a hotswap would, but through
    // Terraform, so the state stays the truth. `--force` plans the whole stage.
    let targeted = match &previous {
        Some(prev) if !options.force && prev.fingerprint.terraform == fingerprint.terraform => {
            code_only_change(&prev.tfvars, &vars).unwrap_or_default()
        }
        _ => Vec::new(),
    };
    let (summary, initialised) = plan_terraform(
        stage,
        session,
        &vars,
        &Plan::targeting(&targeted),
        interrupt,
        reporter,
    )
    .await?;
    Ok(Prepared::Work(Box::new(Planned {
        summary: Some(summary),
        tfvars: vars,
        fingerprint,
        previous,
        functions,
        layers,
        uploads,
        rollback_of: None,
        initialised,
        targeted,
    })))
}

/// The domains whose code alone differs between two sets of variables, when nothing else does.
pub fn code_only_change(before: &Value, after: &Value) -> Option<Vec<String>> {
    let without_code = |vars: &Value| {
        let mut vars = vars.clone();
        if let Some(domains) = vars["domains"].as_object_mut() {
            for d in domains.values_mut().filter_map(Value::as_object_mut) {
                d.remove("s3_key");
                d.remove("sha256_b64");
            }
        }
        vars
    };
    if without_code(before) != without_code(after) {
        return None;
    }
    let changed: Vec<String> = after["domains"]
        .as_object()?
        .iter()
        .filter(|(name, d)| before["domains"][name.as_str()]["sha256_b64"] != d["sha256_b64"])
        .map(|(name, _)| name.clone())
        .collect();
    (!changed.is_empty()).then_some(changed)
}

/// What a plan covers.
pub(crate) struct Plan {
    pub destroy: bool,
    /// `-target` addresses; empty: the whole stage.
    pub targets: Vec<String>,
}

impl Plan {
    pub const WHOLE: Plan = Plan {
        destroy: false,
        targets: Vec::new(),
    };
    pub const DESTROY: Plan = Plan {
        destroy: true,
        targets: Vec::new(),
    };

    /// The functions (module instances) of `domains`; the whole stage when empty.
    fn targeting(domains: &[String]) -> Plan {
        Plan {
            destroy: false,
            targets: domains
                .iter()
                .map(|d| format!("-target=module.app.module.function[\"{d}\"]"))
                .collect(),
        }
    }
}

/// The release a rollback goes back to, and its plan.
pub async fn prepare_rollback(
    stage: &Stage<'_>,
    session: &Session,
    to: Option<u64>,
    interrupt: &Interrupt,
    reporter: &dyn Reporter,
) -> Result<Planned, DeployError> {
    bootstrap::require(&session.aws, &session.buckets).await?;
    let (project, name) = (stage.project(), stage.name());
    let previous = release::current(&session.aws, &session.buckets.state, project, name).await?;
    let target = match to {
        Some(id) => release::by_id(&session.aws, &session.buckets.state, project, name, id)
            .await?
            .ok_or_else(|| DeployError::NoRelease(id.to_string()))?,
        None => {
            let current = previous.as_ref().ok_or_else(|| {
                DeployError::Rollback(format!(
                    "stage `{name}` has no current release to roll back from"
                ))
            })?;
            let all = release::list(&session.aws, &session.buckets.state, project, name).await?;
            all.into_iter()
                .rfind(|r| r.id < current.id)
                .ok_or_else(|| {
                    DeployError::Rollback(format!(
                        "release #{} is the first of stage `{name}`: there is nothing before it",
                        current.id
                    ))
                })?
        }
    };
    let mut keys = tfvars::referenced_keys(&target.tfvars);
    if let Some(fe) = &target.frontend {
        keys.push(fe.bundle_key.clone());
    }
    let missing = require_artifacts(session, &keys).await?;
    if !missing.is_empty() {
        return Err(DeployError::Rollback(format!(
            "release #{} cannot be restored: its artifacts are gone from s3://{}:\n  {}",
            target.id,
            session.buckets.artifacts,
            missing.join("\n  ")
        )));
    }
    let vars = target.tfvars.clone();
    let fingerprint = Fingerprint {
        tfvars: sha256_hex(tfvars::render(&vars).as_bytes()),
        terraform: stage.terraform_fingerprint()?,
        frontend: target.fingerprint.frontend.clone(),
    };
    let (summary, initialised) =
        plan_terraform(stage, session, &vars, &Plan::WHOLE, interrupt, reporter).await?;
    Ok(Planned {
        summary: Some(summary),
        tfvars: vars,
        fingerprint,
        previous,
        functions: target.functions.clone(),
        layers: target.layers.clone(),
        uploads: upload::UploadReport::default(),
        rollback_of: Some(target),
        initialised,
        targeted: Vec::new(),
    })
}

/// Refuses a plan that loses data in a protected stage unless allowed.
pub fn guard(stage: &Stage<'_>, planned: &Planned, options: &Options) -> Result<(), DeployError> {
    let Some(summary) = &planned.summary else {
        return Ok(());
    };
    let lost: Vec<String> = summary
        .data_loss()
        .map(|c| {
            format!(
                "  {} {} ({})",
                c.action.symbol(),
                c.address,
                c.resource_type
            )
        })
        .collect();
    if stage.protected() && !lost.is_empty() && !options.allow_destroy {
        return Err(DeployError::DataLoss {
            stage: stage.name().to_owned(),
            what: "replaces or destroys",
            resources: lost.join("\n"),
        });
    }
    Ok(())
}

/// Applies the plan `prepare` saved, publishes the frontend and records the release.
pub async fn apply(
    stage: &Stage<'_>,
    session: &Session,
    mut planned: Planned,
    options: &Options,
    interrupt: &Interrupt,
    reporter: &dyn Reporter,
) -> Result<Outcome, DeployError> {
    guard(stage, &planned, options)?;
    let terraform_ran = planned.summary.is_some();
    let applied = planned.has_changes();
    let outputs = if terraform_ran {
        let terraform = stage.terraform()?;
        let streamed = if applied {
            let plan_path = stage.plan_path();
            let outputs = terraform.apply(&plan_path, interrupt, reporter).await?;
            let _ = fs_err::remove_file(&plan_path);
            reporter.event(Event::Step {
                verb: "Applied",
                message: format!("stage {}", stage.name()),
            });
            outputs
        } else {
            let _ = fs_err::remove_file(stage.plan_path());
            None
        };
        match streamed {
            Some(outputs) => outputs,
            None => terraform.outputs(interrupt).await?,
        }
    } else {
        planned
            .previous
            .as_ref()
            .map(|p| p.outputs.clone())
            .unwrap_or(Value::Null)
    };

    // The frontend: a rollback restores the release's bundle; a deploy builds when its sources
    // or env changed.
    let mut site_report = None;
    let mut invalidation = None;
    let mut frontend_built = false;
    let mut frontend_release = planned.previous.as_ref().and_then(|p| p.frontend.clone());
    if !options.skip_frontend {
        let published = match &planned.rollback_of {
            Some(target) => match &target.frontend {
                Some(fe) => Some((restore_bundle(session, fe).await?, fe.clone())),
                None => None,
            },
            None => {
                let fp = frontend_fingerprint(stage, &outputs)?;
                planned.fingerprint.frontend = fp.clone();
                let unchanged = fp.is_some()
                    && planned
                        .previous
                        .as_ref()
                        .is_some_and(|p| p.fingerprint.frontend == fp)
                    && !options.force;
                match Frontend::from_config(stage.config) {
                    Some(fe) if !unchanged => {
                        frontend_built = true;
                        let (dir, release) =
                            build_frontend(stage, session, &fe, &outputs, interrupt, reporter)
                                .await?;
                        Some((dir, release))
                    }
                    _ => None,
                }
            }
        };
        if let Some((dir, fe_release)) = published {
            let bucket = outputs["site_bucket"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if bucket.is_empty() {
                return Err(DeployError::Manifest(
                    "the stage has no `site_bucket` output: is infra/terraform up to date?".into(),
                ));
            }
            let files = site::collect(dir.path())?;
            let report = interrupt
                .race(site::sync(&session.aws, &bucket, &files, reporter))
                .await?;
            let paths = if options.invalidate_all {
                vec!["/*".to_owned()]
            } else {
                report.invalidate.clone()
            };
            let distribution = outputs["cloudfront_distribution_id"]
                .as_str()
                .unwrap_or_default();
            if !paths.is_empty() && !distribution.is_empty() {
                invalidation =
                    Some(site::invalidate(&session.aws, distribution, &paths, options.wait).await?);
            }
            reporter.event(Event::Step {
                verb: "Published",
                message: format!(
                    "frontend: {} uploaded, {} unchanged, {} deleted{}",
                    report.uploaded.len(),
                    report.unchanged,
                    report.deleted.len(),
                    match &invalidation {
                        Some(id) => format!("; invalidated {} ({id})", paths.join(" ")),
                        None => String::new(),
                    }
                ),
            });
            site_report = Some(report);
            frontend_release = Some(fe_release);
        }
    }

    let release = record(stage, session, &planned, &outputs, frontend_release).await?;
    Ok(Outcome {
        release: release.id,
        applied,
        outputs,
        site: site_report,
        invalidation,
        frontend_built,
    })
}

/// The frontend's fingerprint: its sources and the env the stage's outputs give it.
fn frontend_fingerprint(stage: &Stage<'_>, outputs: &Value) -> Result<Option<String>, DeployError> {
    let Some(fe) = Frontend::from_config(stage.config) else {
        return Ok(None);
    };
    let sources = fingerprint::frontend_sources(&fe.dir, &out_dir_name(stage))?;
    let env = frontend_env(stage, outputs);
    Ok(Some(sha256_hex(
        format!("{sources}\n{env:?}\n{}", fe.build).as_bytes(),
    )))
}

fn out_dir_name(stage: &Stage<'_>) -> String {
    stage
        .config
        .config
        .frontend
        .as_ref()
        .map_or_else(|| "dist".into(), |f| f.out_dir.clone())
}

/// The `VITE_*` env of the stage, from Terraform's outputs (the same function `lamina dev` uses).
pub fn frontend_env(stage: &Stage<'_>, outputs: &Value) -> BTreeMap<String, String> {
    let s = |k: &str| outputs[k].as_str().unwrap_or_default().to_owned();
    lamina_config::frontend_env(
        stage.config,
        stage.name(),
        &lamina_config::FrontendEndpoints {
            api_url: s("api_url"),
            authority: s("issuer"),
            client_id: s("user_pool_client_id"),
            cognito_domain: s("cognito_domain_url"),
            region: stage.region().to_owned(),
        },
    )
}

/// Builds the frontend for the stage and stores its bundle; returns the built directory.
async fn build_frontend(
    stage: &Stage<'_>,
    session: &Session,
    fe: &Frontend,
    outputs: &Value,
    interrupt: &Interrupt,
    reporter: &dyn Reporter,
) -> Result<(SiteDir, FrontendRelease), DeployError> {
    if interrupt.race(fe.install_dependencies()).await? {
        reporter.event(Event::Step {
            verb: "Installed",
            message: "frontend dependencies (npm ci)".into(),
        });
    }
    let env = frontend_env(stage, outputs);
    interrupt.race(fe.build(stage.name(), &env)).await?;
    let files = site::collect(&fe.out_dir)?;
    let (zip, sha) = site::bundle(&files)?;
    let key = names::site_bundle_key(stage.project(), &sha);
    if !upload::object_exists(&session.aws, &session.buckets.artifacts, &key).await? {
        session
            .aws
            .s3
            .put_object()
            .bucket(&session.buckets.artifacts)
            .key(&key)
            .content_type("application/zip")
            .body(zip.into())
            .send()
            .await
            .map_err(|e| {
                DeployError::aws(
                    format!("PutObject s3://{}/{key}", session.buckets.artifacts),
                    e,
                )
            })?;
    }
    reporter.event(Event::Step {
        verb: "Built",
        message: format!("frontend: {} files", files.len()),
    });
    Ok((
        SiteDir::Built(fe.out_dir.clone()),
        FrontendRelease {
            bundle_key: key,
            bundle_sha256: sha,
            files: files.len(),
            env,
        },
    ))
}

/// A site to publish: the frontend's own build output, or a bundle extracted for a rollback.
enum SiteDir {
    Built(std::path::PathBuf),
    Restored(tempfile::TempDir),
}

impl SiteDir {
    fn path(&self) -> &std::path::Path {
        match self {
            Self::Built(p) => p,
            Self::Restored(t) => t.path(),
        }
    }
}

async fn restore_bundle(session: &Session, fe: &FrontendRelease) -> Result<SiteDir, DeployError> {
    let bucket = &session.buckets.artifacts;
    let out = session
        .aws
        .s3
        .get_object()
        .bucket(bucket)
        .key(&fe.bundle_key)
        .send()
        .await
        .map_err(|e| DeployError::aws(format!("GetObject s3://{bucket}/{}", fe.bundle_key), e))?;
    let bytes = out
        .body
        .collect()
        .await
        .map_err(|e| DeployError::aws("GetObject", e))?
        .into_bytes();
    if sha256_hex(&bytes) != fe.bundle_sha256 {
        return Err(DeployError::Rollback(format!(
            "s3://{bucket}/{} does not hold the bytes its release recorded",
            fe.bundle_key
        )));
    }
    let dir = tempfile::tempdir()?;
    lamina_build::archive::extract(&bytes, dir.path())?;
    Ok(SiteDir::Restored(dir))
}

async fn record(
    stage: &Stage<'_>,
    session: &Session,
    planned: &Planned,
    outputs: &Value,
    frontend: Option<FrontendRelease>,
) -> Result<Release, DeployError> {
    let (commit, dirty) = release::git_state(&stage.config.root);
    let versions = &outputs["function_versions"];
    let layer_arns = &outputs["layer_version_arns"];
    let mut functions = planned.functions.clone();
    for (name, a) in &mut functions {
        a.version = versions[name.as_str()].as_str().map(str::to_owned);
    }
    let mut layers = planned.layers.clone();
    for (name, a) in &mut layers {
        a.version = layer_arns[name.as_str()].as_str().map(str::to_owned);
    }
    let id = planned.previous.as_ref().map_or(0, |p| p.id) + 1;
    // A destroy clears the current pointer but keeps the history: never reuse an id.
    let id = match &planned.previous {
        Some(_) => id,
        None => release::list(
            &session.aws,
            &session.buckets.state,
            stage.project(),
            stage.name(),
        )
        .await?
        .last()
        .map_or(1, |r| r.id + 1),
    };
    let release = Release {
        format: release::RELEASE_FORMAT,
        id,
        project: stage.project().to_owned(),
        stage: stage.name().to_owned(),
        time: release::now_rfc3339(),
        kind: if planned.rollback_of.is_some() {
            "rollback"
        } else {
            "deploy"
        }
        .into(),
        rollback_of: planned.rollback_of.as_ref().map(|r| r.id),
        commit,
        dirty,
        deployer: session.aws.identity.arn.clone(),
        account: session.aws.identity.account.clone(),
        lamina_version: env!("CARGO_PKG_VERSION").into(),
        functions,
        layers,
        // Terraform files as they are now: the first init writes `.terraform.lock.hcl`.
        fingerprint: Fingerprint {
            terraform: stage.terraform_fingerprint()?,
            ..planned.fingerprint.clone()
        },
        tfvars: planned.tfvars.clone(),
        outputs: outputs.clone(),
        frontend,
    };
    release::record(&session.aws, &session.buckets.state, &release).await?;
    Ok(release)
}

fn artifact(project: &str, sha256: &str) -> ReleasedArtifact {
    ReleasedArtifact {
        sha256: sha256.to_owned(),
        s3_key: names::artifact_key(project, sha256),
        version: None,
    }
}

async fn ensure_buckets(
    session: &Session,
    options: &Options,
    reporter: &dyn Reporter,
) -> Result<(), DeployError> {
    if options.bootstrap {
        if !bootstrap::is_bootstrapped(&session.aws, &session.buckets).await? {
            let report = bootstrap::bootstrap(&session.aws, &session.buckets).await?;
            reporter.event(Event::Step {
                verb: "Bootstrapped",
                message: format!(
                    "account {} in {}: state bucket {}, artifact bucket {} (first deploy here)",
                    session.aws.identity.account,
                    session.aws.region,
                    report.buckets.state,
                    report.buckets.artifacts
                ),
            });
        }
        Ok(())
    } else {
        bootstrap::require(&session.aws, &session.buckets).await
    }
}

async fn upload_artifacts(
    stage: &Stage<'_>,
    session: &Session,
    manifest: &Manifest,
    interrupt: &Interrupt,
    reporter: &dyn Reporter,
) -> Result<upload::UploadReport, DeployError> {
    let project = stage.project();
    let items: Vec<Upload> = manifest
        .layers
        .iter()
        .map(|(n, a)| (format!("layer {n}"), a))
        .chain(
            manifest
                .functions
                .iter()
                .map(|(n, a)| (format!("function {n}"), a)),
        )
        .map(|(name, a)| Upload {
            name,
            path: stage.config.root.join(&a.path),
            key: names::artifact_key(project, &a.sha256),
            sha256_hex: a.sha256.clone(),
            size: a.size_zipped,
        })
        .collect();
    let report = interrupt
        .race(upload::upload_all(
            &session.aws,
            &session.buckets.artifacts,
            items,
            reporter,
        ))
        .await?;
    reporter.event(Event::Step {
        verb: "Uploaded",
        message: if report.uploaded.is_empty() {
            format!(
                "nothing: all {} artifacts are in s3://{}",
                report.skipped.len(),
                session.buckets.artifacts
            )
        } else {
            format!(
                "{} artifacts ({:.1} MB), {} already there",
                report.uploaded.len(),
                report.bytes_uploaded as f64 / 1e6,
                report.skipped.len()
            )
        },
    });
    Ok(report)
}

/// Writes the variables, initialises when needed, checks the lock, plans and summarises.
pub(crate) async fn plan_terraform(
    stage: &Stage<'_>,
    session: &Session,
    vars: &Value,
    plan: &Plan,
    interrupt: &Interrupt,
    reporter: &dyn Reporter,
) -> Result<(PlanSummary, bool), DeployError> {
    let terraform = stage.terraform()?;
    write_atomic(
        &stage.stage_root.join(tfvars::FILE_NAME),
        tfvars::render(vars).as_bytes(),
    )?;
    let initialised = session.init(stage, &terraform, interrupt).await?;
    let (bucket, project, name) = (&session.buckets.state, stage.project(), stage.name());
    lock::ensure_unlocked(&session.aws, bucket, project, name).await?;
    let plan_path = stage.plan_path();
    let planned = terraform
        .plan(&plan_path, plan.destroy, &plan.targets, interrupt, reporter)
        .await;
    if let Err(DeployError::Terraform { message, .. }) = &planned {
        if message.contains("acquiring the state lock") {
            // Taken between our look and Terraform's: say who holds it.
            lock::ensure_unlocked(&session.aws, bucket, project, name).await?;
        }
    }
    let stream = planned?;
    owner_only(&plan_path);
    let mut summary =
        plan::summarize_stream(&stream.changes, &stream.outputs, &route_domains(stage));
    if summary
        .changes
        .iter()
        .any(|c| c.loses_data() && c.action == plan::Action::Replace)
    {
        // Which attribute forces the replacement is only in the full plan: worth the cost then.
        let json = terraform.show(&plan_path, interrupt).await?;
        plan::add_replace_reasons(&mut summary, &json);
    }
    Ok((summary, initialised))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::code_only_change;

    fn vars(user: &str, ride: &str, memory: u32) -> serde_json::Value {
        json!({
            "project": "p",
            "domains": {
                "user": {"s3_key": format!("p/artifacts/{user}.zip"), "sha256_b64": user, "memory": memory},
                "ride": {"s3_key": format!("p/artifacts/{ride}.zip"), "sha256_b64": ride, "memory": 512},
            },
            "layers": {"deps": {"s3_key": "p/artifacts/d.zip", "sha256_b64": "d"}},
        })
    }

    #[test]
    fn only_code_changes_take_the_fast_path() {
        let before = vars("a", "b", 512);
        assert_eq!(
            code_only_change(&before, &vars("a2", "b", 512)),
            Some(vec!["user".to_owned()])
        );
        assert_eq!(
            code_only_change(&before, &vars("a2", "b2", 512)),
            Some(vec!["ride".to_owned(), "user".to_owned()])
        );
        // A setting changed too, or nothing changed, or a layer changed: the whole stage.
        assert_eq!(code_only_change(&before, &vars("a2", "b", 1024)), None);
        assert_eq!(code_only_change(&before, &before), None);
        let mut layer = vars("a", "b", 512);
        layer["layers"]["deps"]["sha256_b64"] = json!("d2");
        assert_eq!(code_only_change(&before, &layer), None);
    }
}
