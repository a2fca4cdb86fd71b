//! `lamina destroy`: the stage's resources, gone. The site bucket is emptied first (a bucket with
//! objects cannot be deleted), layer versions that Terraform keeps on purpose (`skip_destroy`, for
//! rollbacks) are deleted afterwards, and the current release is forgotten so that the next deploy
//! starts from scratch. The state and artifact buckets stay: they may serve other stages and
//! projects. `--purge` also deletes this stage's state, release history and the artifacts that no
//! other stage's release uses.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::bootstrap;
use crate::context::{Session, Stage};
use crate::deploy::{Plan, plan_terraform};
use crate::error::DeployError;
use crate::interrupt::Interrupt;
use crate::names;
use crate::plan::PlanSummary;
use crate::release;
use crate::report::{Event, Reporter};
use crate::secrets;
use crate::site;

#[derive(Debug, Clone, Default)]
pub struct DestroyOptions {
    /// Delete this stage's objects from the state and artifact buckets too.
    pub purge: bool,
}

/// What destroy did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DestroyOutcome {
    pub resources: usize,
    pub site_objects: usize,
    pub layer_versions: Vec<String>,
    pub purged_objects: usize,
}

/// The destroy plan of a stage, for the caller to show and confirm. `vars` are the variables of
/// the current release (or of a fresh build): Terraform needs values for them even to destroy.
pub async fn prepare(
    stage: &Stage<'_>,
    session: &Session,
    vars: &Value,
    interrupt: &Interrupt,
    reporter: &dyn Reporter,
) -> Result<PlanSummary, DeployError> {
    bootstrap::require(&session.aws, &session.buckets).await?;
    let vars = unprotected(vars, stage.protected());
    let (summary, _) =
        plan_terraform(stage, session, &vars, &Plan::DESTROY, interrupt, reporter).await?;
    Ok(summary)
}

/// A protected stage's resources carry deletion protection (the user pool); it is turned off by
/// an apply with `protected = false` before the destroy. Only after the user confirmed.
fn unprotected(vars: &Value, protected: bool) -> Value {
    let mut vars = vars.clone();
    if protected {
        vars["protected"] = Value::Bool(false);
    }
    vars
}

/// Destroys what [`prepare`] planned.
pub async fn apply(
    stage: &Stage<'_>,
    session: &Session,
    vars: &Value,
    options: &DestroyOptions,
    interrupt: &Interrupt,
    reporter: &dyn Reporter,
) -> Result<DestroyOutcome, DeployError> {
    let terraform = stage.terraform()?;
    let mut outcome = DestroyOutcome::default();
    let outputs = terraform.outputs(interrupt).await.unwrap_or(Value::Null);

    if stage.protected() {
        // Lift deletion protection first: an apply of the same stage with `protected = false`.
        let (summary, _) = plan_terraform(
            stage,
            session,
            &unprotected(vars, true),
            &Plan::WHOLE,
            interrupt,
            reporter,
        )
        .await?;
        if !summary.is_empty() {
            terraform
                .apply(&stage.plan_path(), interrupt, reporter)
                .await?;
            reporter.event(Event::Step {
                verb: "Unprotected",
                message: format!("stage {} (deletion protection off)", stage.name()),
            });
        }
    }

    if let Some(bucket) = outputs["site_bucket"].as_str().filter(|b| !b.is_empty()) {
        outcome.site_objects = site::empty_bucket(&session.aws, bucket).await?;
        reporter.event(Event::Step {
            verb: "Emptied",
            message: format!("s3://{bucket} ({} objects)", outcome.site_objects),
        });
    }

    // Plan again: the state may have changed since the plan that was shown (the unprotect step).
    let (summary, _) = plan_terraform(
        stage,
        session,
        &unprotected(vars, stage.protected()),
        &Plan::DESTROY,
        interrupt,
        reporter,
    )
    .await?;
    outcome.resources = summary.total.total();
    if !summary.is_empty() {
        terraform
            .apply(&stage.plan_path(), interrupt, reporter)
            .await?;
    }
    let _ = fs_err::remove_file(stage.plan_path());
    reporter.event(Event::Step {
        verb: "Destroyed",
        message: format!("{} resources of stage {}", outcome.resources, stage.name()),
    });

    outcome.layer_versions = delete_layer_versions(stage, session, vars).await?;
    release::clear_current(
        &session.aws,
        &session.buckets.state,
        stage.project(),
        stage.name(),
    )
    .await?;
    if options.purge {
        outcome.purged_objects = purge(stage, session).await?;
        reporter.event(Event::Step {
            verb: "Purged",
            message: format!(
                "{} objects of stage {} from s3://{} and s3://{}",
                outcome.purged_objects,
                stage.name(),
                session.buckets.state,
                session.buckets.artifacts
            ),
        });
    }
    Ok(outcome)
}

/// Every version of the stage's layers: kept by Terraform (`skip_destroy`) so that rollbacks find
/// them, they are the stage's too and go with it.
async fn delete_layer_versions(
    stage: &Stage<'_>,
    session: &Session,
    vars: &Value,
) -> Result<Vec<String>, DeployError> {
    let mut names: BTreeSet<String> = stage
        .config
        .config
        .layers
        .keys()
        .map(|l| names::layer_name(stage.project(), stage.name(), l.get_ref()))
        .collect();
    if let Some(layers) = vars["layers"].as_object() {
        names.extend(
            layers
                .keys()
                .map(|l| names::layer_name(stage.project(), stage.name(), l)),
        );
    }
    let lambda = session.aws.lambda();
    let mut deleted = Vec::new();
    for name in names {
        let mut marker = None;
        let mut versions = Vec::new();
        loop {
            let page = match lambda
                .list_layer_versions()
                .layer_name(&name)
                .set_marker(marker)
                .send()
                .await
            {
                Ok(page) => page,
                Err(err)
                    if err
                        .as_service_error()
                        .is_some_and(|e| e.is_resource_not_found_exception()) =>
                {
                    break;
                }
                Err(err) => return Err(DeployError::aws(format!("ListLayerVersions {name}"), err)),
            };
            versions.extend(page.layer_versions().iter().map(|v| v.version()));
            marker = page.next_marker().map(str::to_owned);
            if marker.is_none() {
                break;
            }
        }
        for v in versions {
            lambda
                .delete_layer_version()
                .layer_name(&name)
                .version_number(v)
                .send()
                .await
                .map_err(|e| DeployError::aws(format!("DeleteLayerVersion {name}:{v}"), e))?;
            deleted.push(format!("{name}:{v}"));
        }
    }
    Ok(deleted)
}

/// The stage's state, lock, releases, secrets, and the artifacts and site bundles no other stage
/// uses.
async fn purge(stage: &Stage<'_>, session: &Session) -> Result<usize, DeployError> {
    let (project, name) = (stage.project(), stage.name());
    let mut count = 0;
    for (parameter, ..) in secrets::list(&session.aws, &format!("/{project}/{name}/")).await? {
        if secrets::remove(&session.aws, &parameter).await? {
            count += 1;
        }
    }
    let ours = release::list(&session.aws, &session.buckets.state, project, name).await?;
    let mut keep = BTreeSet::new();
    for other in other_stages(session, project, name).await? {
        for r in release::list(&session.aws, &session.buckets.state, project, &other).await? {
            keep.extend(release_keys(&r));
        }
    }
    let artifacts: BTreeSet<String> = ours
        .iter()
        .flat_map(release_keys)
        .filter(|k| !keep.contains(k))
        .collect();
    count += delete_versions(
        session,
        &session.buckets.state,
        &format!("{project}/{name}/"),
    )
    .await?;
    for key in artifacts {
        count += delete_versions(session, &session.buckets.artifacts, &key).await?;
    }
    Ok(count)
}

fn release_keys(r: &release::Release) -> Vec<String> {
    r.functions
        .values()
        .chain(r.layers.values())
        .map(|a| a.s3_key.clone())
        .chain(r.frontend.iter().map(|f| f.bundle_key.clone()))
        .collect()
}

/// Stages of the project that have a release history (other than `stage`).
async fn other_stages(
    session: &Session,
    project: &str,
    stage: &str,
) -> Result<Vec<String>, DeployError> {
    let out = session
        .aws
        .s3
        .list_objects_v2()
        .bucket(&session.buckets.state)
        .prefix(format!("{project}/"))
        .delimiter("/")
        .send()
        .await
        .map_err(|e| DeployError::aws("ListObjectsV2", e))?;
    Ok(out
        .common_prefixes()
        .iter()
        .filter_map(|p| p.prefix())
        .filter_map(|p| p.trim_end_matches('/').rsplit('/').next())
        .filter(|s| *s != stage && *s != "artifacts" && *s != "site")
        .map(str::to_owned)
        .collect())
}

/// Deletes every version of every object under `prefix` (the buckets are versioned).
async fn delete_versions(
    session: &Session,
    bucket: &str,
    prefix: &str,
) -> Result<usize, DeployError> {
    let s3 = &session.aws.s3;
    let page = s3
        .list_object_versions()
        .bucket(bucket)
        .prefix(prefix)
        .send()
        .await
        .map_err(|e| DeployError::aws(format!("ListObjectVersions s3://{bucket}/{prefix}"), e))?;
    let objects: Vec<(String, Option<String>)> = page
        .versions()
        .iter()
        .filter_map(|v| Some((v.key()?.to_owned(), v.version_id().map(str::to_owned))))
        .chain(
            page.delete_markers()
                .iter()
                .filter_map(|m| Some((m.key()?.to_owned(), m.version_id().map(str::to_owned)))),
        )
        .collect();
    session.aws.delete_objects(bucket, &objects).await
}
