//! The state lock (S3 native locking: `<state key>.tflock` beside the state). A deploy looks at it
//! before Terraform does, so that a lock left by a crashed run is reported with its holder and age
//! and how to release it, rather than as Terraform's bare "Error acquiring the state lock".

use serde::Deserialize;

use crate::aws::Aws;
use crate::error::DeployError;
use crate::names;

/// Terraform's lock info, as it writes it into the lock object.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LockInfo {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Operation", default)]
    pub operation: String,
    #[serde(rename = "Who", default)]
    pub who: String,
    #[serde(rename = "Created", default)]
    pub created: String,
}

/// The lock of a stage, if one is held.
pub async fn read(
    aws: &Aws,
    state_bucket: &str,
    project: &str,
    stage: &str,
) -> Result<Option<LockInfo>, DeployError> {
    let key = names::lock_key(project, stage);
    let Some(bytes) = aws.get_object(state_bucket, &key).await? else {
        return Ok(None);
    };
    Ok(serde_json::from_slice(&bytes).ok().or_else(|| {
        Some(LockInfo {
            id: String::new(),
            operation: "unknown".into(),
            who: "unknown".into(),
            created: String::new(),
        })
    }))
}

/// Fails with the holder and age of the stage's lock, if one is held.
pub async fn ensure_unlocked(
    aws: &Aws,
    state_bucket: &str,
    project: &str,
    stage: &str,
) -> Result<(), DeployError> {
    match read(aws, state_bucket, project, stage).await? {
        Some(info) => Err(locked_error(stage, &info)),
        None => Ok(()),
    }
}

/// The error for a held lock, with its age.
pub fn locked_error(stage: &str, info: &LockInfo) -> DeployError {
    let age = humantime::parse_rfc3339_weak(&info.created)
        .ok()
        .and_then(|t| std::time::SystemTime::now().duration_since(t).ok())
        .map_or_else(|| "unknown time".into(), |d| short_duration(d.as_secs()));
    DeployError::Locked(Box::new(crate::error::HeldLock {
        stage: stage.to_owned(),
        who: if info.who.is_empty() {
            "someone".into()
        } else {
            info.who.clone()
        },
        operation: info
            .operation
            .trim_start_matches("OperationType")
            .to_lowercase(),
        created: info.created.clone(),
        age,
        id: info.id.clone(),
    }))
}

/// `3h 12m`, `45s`.
pub fn short_duration(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m {}s", s / 60, s % 60),
        s if s < 86_400 => format!("{}h {}m", s / 3600, (s % 3600) / 60),
        s => format!("{}d {}h", s / 86_400, (s % 86_400) / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_error_names_holder_and_age() {
        let info: LockInfo = serde_json::from_str(
            r#"{"ID":"5e1c","Operation":"OperationTypeApply","Info":"","Who":"ci@runner","Version":"1.11.4","Created":"2020-01-01T00:00:00.123456Z","Path":"x"}"#,
        )
        .unwrap();
        let err = locked_error("dev", &info).to_string();
        assert!(err.contains("ci@runner"), "{err}");
        assert!(
            err.contains("(apply, since 2020-01-01T00:00:00.123456Z"),
            "{err}"
        );
        assert!(err.contains("d ") && err.contains("lock id 5e1c"), "{err}");
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(short_duration(42), "42s");
        assert_eq!(short_duration(3 * 3600 + 12 * 60), "3h 12m");
    }
}
