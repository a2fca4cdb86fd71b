//! A Terraform plan, summarised the way a reviewer reads it: per domain (and per part of the
//! stack), what is created, updated, replaced and destroyed; IAM changes apart; and every
//! data-bearing resource that would be replaced or destroyed, flagged.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// What happens to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Replace,
    Destroy,
}

impl Action {
    /// The `action` of a streamed `planned_change` event.
    fn from_stream(action: &str) -> Option<Self> {
        match action {
            "create" => Some(Self::Create),
            "update" => Some(Self::Update),
            "delete" | "forget" => Some(Self::Destroy),
            "replace" => Some(Self::Replace),
            _ => None, // noop, read, move, import, remove (from state only)
        }
    }

    fn from_actions(actions: &[&str]) -> Option<Self> {
        match actions {
            ["create"] => Some(Self::Create),
            ["update"] => Some(Self::Update),
            ["delete"] => Some(Self::Destroy),
            ["delete", "create"] | ["create", "delete"] => Some(Self::Replace),
            _ => None, // no-op, read
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Self::Create => "+",
            Self::Update => "~",
            Self::Replace => "-/+",
            Self::Destroy => "-",
        }
    }
}

/// One resource that changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub address: String,
    /// The domain (`user`), layer (`layer deps`) or part of the stack (`api`, `auth`...) it belongs to.
    pub group: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub action: Action,
    /// An IAM role, policy or resource policy: who may do what.
    pub iam: bool,
    /// Holds data that a replace or destroy loses (user pool, bucket, table, log group...).
    pub data: bool,
    /// Attributes that force the replacement, when Terraform says.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replace_because: Vec<String>,
}

impl Change {
    fn new(
        address: String,
        resource_type: String,
        action: Action,
        route_domains: &BTreeMap<String, String>,
    ) -> Self {
        Self {
            group: group_of(&address, route_domains),
            iam: is_iam(&resource_type),
            data: DATA_TYPES.contains(&resource_type.as_str()),
            address,
            resource_type,
            action,
            replace_because: Vec::new(),
        }
    }

    /// Data lost if this is applied.
    pub fn loses_data(&self) -> bool {
        self.data && matches!(self.action, Action::Replace | Action::Destroy)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub destroy: usize,
}

impl Counts {
    fn add(&mut self, action: Action) {
        match action {
            Action::Create => self.create += 1,
            Action::Update => self.update += 1,
            Action::Replace => self.replace += 1,
            Action::Destroy => self.destroy += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.create + self.update + self.replace + self.destroy
    }
}

/// A summarised plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PlanSummary {
    pub changes: Vec<Change>,
    pub groups: BTreeMap<String, Counts>,
    pub total: Counts,
    /// Whether any output value changes (outputs alone make an apply worthwhile).
    pub outputs_change: bool,
}

impl PlanSummary {
    fn push(&mut self, change: Change) {
        self.groups
            .entry(change.group.clone())
            .or_default()
            .add(change.action);
        self.total.add(change.action);
        self.changes.push(change);
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    pub fn iam(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.iam)
    }

    pub fn data_loss(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.loses_data())
    }
}

/// Resource types that hold data a replacement or destruction loses.
const DATA_TYPES: [&str; 14] = [
    "aws_cognito_user_pool",
    "aws_s3_bucket",
    "aws_dynamodb_table",
    "aws_cloudwatch_log_group",
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_efs_file_system",
    "aws_kms_key",
    "aws_ssm_parameter",
    "aws_secretsmanager_secret",
    "aws_sqs_queue",
    "aws_elasticache_cluster",
    "aws_opensearch_domain",
    "aws_backup_vault",
];

fn is_iam(resource_type: &str) -> bool {
    resource_type.starts_with("aws_iam_")
        || matches!(
            resource_type,
            "aws_lambda_permission"
                | "aws_s3_bucket_policy"
                | "aws_sns_topic_policy"
                | "aws_kms_key_policy"
                | "aws_lambda_layer_version_permission"
        )
}

/// Summarises `terraform show -json PLAN`. `route_domains` maps API route keys to their domain,
/// so that a route's change is shown under the domain it serves.
pub fn summarize(plan: &Value, route_domains: &BTreeMap<String, String>) -> PlanSummary {
    let mut summary = PlanSummary::default();
    for rc in plan["resource_changes"].as_array().into_iter().flatten() {
        if rc["mode"].as_str() == Some("data") {
            continue;
        }
        let actions: Vec<&str> = rc["change"]["actions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let Some(action) = Action::from_actions(&actions) else {
            continue;
        };
        let address = rc["address"].as_str().unwrap_or_default().to_owned();
        let resource_type = rc["type"].as_str().unwrap_or_default().to_owned();
        let replace_because = rc["change"]["replace_paths"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let parts: Vec<String> = p
                    .as_array()?
                    .iter()
                    .map(|s| match s {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect();
                Some(parts.join("."))
            })
            .collect();
        let mut change = Change::new(address, resource_type, action, route_domains);
        change.replace_because = replace_because;
        summary.push(change);
    }
    summary.outputs_change = plan["output_changes"]
        .as_object()
        .into_iter()
        .flatten()
        .any(|(_, c)| {
            c["actions"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x.as_str() != Some("no-op")))
        });
    summary
}

/// Summarises a plan from the events Terraform streamed while planning.
pub fn summarize_stream(
    changes: &[Value],
    outputs: &Value,
    route_domains: &BTreeMap<String, String>,
) -> PlanSummary {
    let mut summary = PlanSummary::default();
    for change in changes {
        let resource = &change["resource"];
        let address = resource["addr"].as_str().unwrap_or_default().to_owned();
        if resource["resource"]
            .as_str()
            .is_some_and(|r| r.starts_with("data."))
        {
            continue;
        }
        let Some(action) = change["action"].as_str().and_then(Action::from_stream) else {
            continue;
        };
        let resource_type = resource["resource_type"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        summary.push(Change::new(address, resource_type, action, route_domains));
    }
    summary.outputs_change = outputs
        .as_object()
        .into_iter()
        .flatten()
        .any(|(_, o)| o["action"].as_str().is_some_and(|a| a != "noop"));
    summary
}

/// Fills in which attributes force each replacement, from `terraform show -json PLAN`.
pub fn add_replace_reasons(summary: &mut PlanSummary, plan: &Value) {
    let full = summarize(plan, &BTreeMap::new());
    for change in &mut summary.changes {
        if let Some(c) = full.changes.iter().find(|c| c.address == change.address) {
            change.replace_because.clone_from(&c.replace_because);
        }
    }
}

/// `module.app.module.function["user"].aws_lambda_function.this[0]` → `user`;
/// `module.app.module.layer["deps"]...` → `layer deps`; an API route → its domain; else the
/// module's role (`api`, `auth`, `frontend`, `observability`, `network`, `secrets`).
fn group_of(address: &str, route_domains: &BTreeMap<String, String>) -> String {
    let segments = module_segments(address);
    for (name, key) in &segments {
        match (name.as_str(), key) {
            ("function", Some(domain)) => return domain.clone(),
            ("layer", Some(layer)) => return format!("layer {layer}"),
            _ => {}
        }
    }
    let Some((module, _)) = segments.last() else {
        return "stage".into();
    };
    let role = match module.as_str() {
        "http_api" => "api",
        "auth" => "auth",
        "static_site" => "frontend",
        "observability" => "observability",
        "network" => "network",
        "secrets" => "secrets",
        "app" => "stage",
        other => other,
    };
    if role == "api" {
        // aws_apigatewayv2_route.this["GET /user/health"], integration/permission ["user"].
        if let Some(key) = resource_key(address) {
            if let Some(domain) = route_domains.get(&key) {
                return domain.clone();
            }
            if route_domains.values().any(|d| *d == key) {
                return key;
            }
        }
    }
    role.to_owned()
}

/// The `module.NAME["KEY"]` segments of an address, in order.
fn module_segments(address: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = address;
    while let Some(after) = rest.strip_prefix("module.") {
        let name_end = after.find(['.', '[']).unwrap_or(after.len());
        let name = after[..name_end].to_owned();
        let mut tail = &after[name_end..];
        let mut key = None;
        if let Some(k) = tail.strip_prefix("[\"") {
            if let Some(end) = k.find("\"]") {
                key = Some(k[..end].to_owned());
                tail = &k[end + 2..];
            }
        }
        out.push((name, key));
        rest = tail.strip_prefix('.').unwrap_or(tail);
    }
    out
}

/// The `["KEY"]` of the resource itself (after the last module).
fn resource_key(address: &str) -> Option<String> {
    let start = address.rfind("[\"")?;
    let end = address[start..].find("\"]")? + start;
    Some(address[start + 2..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn routes() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("ANY /user/{proxy+}".to_owned(), "user".to_owned()),
            ("GET /user/health".to_owned(), "user".to_owned()),
        ])
    }

    #[test]
    fn groups_by_domain_layer_and_role() {
        let r = routes();
        assert_eq!(
            group_of(
                r#"module.app.module.function["user"].aws_lambda_alias.this[0]"#,
                &r
            ),
            "user"
        );
        assert_eq!(
            group_of(
                r#"module.app.module.layer["deps"].aws_lambda_layer_version.this[0]"#,
                &r
            ),
            "layer deps"
        );
        assert_eq!(
            group_of(
                r#"module.app.module.http_api.aws_apigatewayv2_route.this["GET /user/health"]"#,
                &r
            ),
            "user"
        );
        assert_eq!(
            group_of(
                r#"module.app.module.http_api.aws_lambda_permission.this["user"]"#,
                &r
            ),
            "user"
        );
        assert_eq!(
            group_of(
                "module.app.module.http_api.aws_apigatewayv2_api.this[0]",
                &r
            ),
            "api"
        );
        assert_eq!(
            group_of("module.app.module.auth.aws_cognito_user_pool.this", &r),
            "auth"
        );
        assert_eq!(group_of("aws_s3_bucket.extra", &r), "stage");
    }

    #[test]
    fn flags_iam_and_data_loss() {
        let plan = json!({
            "resource_changes": [
                {"address": "module.app.module.auth.aws_cognito_user_pool.this", "mode": "managed",
                 "type": "aws_cognito_user_pool", "change": {"actions": ["delete", "create"],
                 "replace_paths": [["name"]]}},
                {"address": "module.app.module.function[\"user\"].aws_iam_role_policy.this[0]",
                 "mode": "managed", "type": "aws_iam_role_policy", "change": {"actions": ["update"]}},
                {"address": "module.app.module.function[\"user\"].aws_cloudwatch_log_group.this[0]",
                 "mode": "managed", "type": "aws_cloudwatch_log_group", "change": {"actions": ["create"]}},
                {"address": "data.aws_region.current", "mode": "data", "type": "aws_region",
                 "change": {"actions": ["read"]}},
                {"address": "module.app.module.static_site.aws_s3_bucket.this[0]", "mode": "managed",
                 "type": "aws_s3_bucket", "change": {"actions": ["no-op"]}}
            ],
            "output_changes": {"api_url": {"actions": ["no-op"]}}
        });
        let s = summarize(&plan, &routes());
        assert_eq!(s.changes.len(), 3);
        assert_eq!(
            s.total,
            Counts {
                create: 1,
                update: 1,
                replace: 1,
                destroy: 0
            }
        );
        let lost: Vec<_> = s.data_loss().map(|c| c.address.as_str()).collect();
        assert_eq!(lost, ["module.app.module.auth.aws_cognito_user_pool.this"]);
        assert_eq!(s.changes[0].replace_because, ["name"]);
        assert_eq!(s.iam().count(), 1);
        assert_eq!(
            s.groups["user"],
            Counts {
                create: 1,
                update: 1,
                replace: 0,
                destroy: 0
            }
        );
        assert!(!s.outputs_change);
    }

    #[test]
    fn reads_the_streamed_plan() {
        let changes = [
            json!({"resource": {"addr": "module.app.module.function[\"user\"].aws_lambda_function.this[0]",
                   "resource": "aws_lambda_function.this[0]", "resource_type": "aws_lambda_function"},
                   "action": "update"}),
            json!({"resource": {"addr": "module.app.module.static_site.data.aws_iam_policy_document.bucket[0]",
                   "resource": "data.aws_iam_policy_document.bucket[0]", "resource_type": "aws_iam_policy_document"},
                   "action": "read"}),
            json!({"resource": {"addr": "module.app.module.auth.aws_cognito_user_pool.this[0]",
                   "resource": "aws_cognito_user_pool.this[0]", "resource_type": "aws_cognito_user_pool"},
                   "action": "replace", "reason": "cannot_update"}),
        ];
        let outputs =
            json!({"api_url": {"action": "noop"}, "function_versions": {"action": "update"}});
        let s = summarize_stream(&changes, &outputs, &routes());
        assert_eq!(
            s.total,
            Counts {
                create: 0,
                update: 1,
                replace: 1,
                destroy: 0
            }
        );
        assert_eq!(s.data_loss().count(), 1);
        assert!(s.outputs_change);
        assert_eq!(s.groups["user"].update, 1);
    }
}
