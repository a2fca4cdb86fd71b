//! What a plan would do, read from Terraform's own plan JSON: each domain's role reaches only its
//! own log group, its declared secrets and its declared statements (no `*` resource but X-Ray's);
//! dev and prod never share a state, a name or a tag; and a protected stage refuses a plan that
//! would replace its data unless told, and then still asks.

mod common;
mod deploy_support;

use std::collections::BTreeSet;
use std::path::Path;

use deploy_support::{Moto, project};
use serde_json::{Value, json};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "eu-west-1";

/// Why a policy statement is allowed, or `Err` naming how it widens a domain's role.
fn check_statement(
    project: &str,
    stage: &str,
    domain: &str,
    declared: &[Value],
    s: &Value,
) -> Result<&'static str, String> {
    let strings = |v: &Value| -> BTreeSet<String> {
        match v {
            Value::String(s) => BTreeSet::from([s.clone()]),
            Value::Array(a) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect(),
            _ => BTreeSet::new(),
        }
    };
    let actions = strings(&s["Action"]);
    let resources = strings(&s["Resource"]);
    if s["Effect"] != "Allow" && s["Effect"] != "Deny" {
        return Err(format!("no effect: {s}"));
    }
    if actions.iter().any(|a| a == "*" || a.ends_with(":*")) {
        return Err(format!("an action wildcard: {s}"));
    }
    let set = |items: &[&str]| {
        items
            .iter()
            .map(|x| (*x).to_owned())
            .collect::<BTreeSet<_>>()
    };
    let own_log_group = format!(
        "arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{project}-{stage}-{domain}:*"
    );
    if actions == set(&["logs:CreateLogStream", "logs:PutLogEvents"])
        && resources == BTreeSet::from([own_log_group])
    {
        return Ok("own log group");
    }
    if actions == set(&["xray:PutTraceSegments", "xray:PutTelemetryRecords"])
        && resources == set(&["*"])
    {
        return Ok("X-Ray (no resource-level permissions)");
    }
    let own_secret =
        format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{project}/{stage}/stripe-api-key");
    if domain == "payment"
        && actions == set(&["ssm:GetParameter"])
        && resources == BTreeSet::from([own_secret.clone()])
    {
        return Ok("declared secret");
    }
    if domain == "payment"
        && actions == set(&["kms:Decrypt"])
        && resources == BTreeSet::from([format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/*")])
        && s["Condition"]["StringEquals"]["kms:ViaService"] == format!("ssm.{REGION}.amazonaws.com")
        && strings(&s["Condition"]["StringEquals"]["kms:EncryptionContext:PARAMETER_ARN"])
            == BTreeSet::from([own_secret])
    {
        return Ok("decrypt the declared secret, through SSM only");
    }
    for d in declared {
        if actions == strings(&d["actions"]) && resources == strings(&d["resources"]) {
            return Ok("declared in lamina.toml");
        }
    }
    Err(format!("a statement {domain}'s role was never given: {s}"))
}

/// Every statement of every domain's inline policy in a plan, checked.
fn check_roles(plan: &Value, project: &str, stage: &str, declared: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for rc in plan["resource_changes"].as_array().unwrap() {
        if rc["type"] != "aws_iam_role_policy" {
            continue;
        }
        let address = rc["address"].as_str().unwrap();
        let domain = address
            .split("function[\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("{address}"));
        seen.insert(domain.to_owned());
        let policy: Value =
            serde_json::from_str(rc["change"]["after"]["policy"].as_str().unwrap()).unwrap();
        let none = Vec::new();
        let declared = declared[domain].as_array().unwrap_or(&none);
        for s in policy["Statement"].as_array().unwrap() {
            if let Err(e) = check_statement(project, stage, domain, declared, s) {
                problems.push(e);
            }
        }
    }
    assert_eq!(
        seen,
        BTreeSet::from(["payment".to_owned(), "ride".to_owned(), "user".to_owned()])
    );
    problems
}

#[test]
fn the_role_check_catches_a_widened_statement() {
    let declared = vec![
        json!({"actions": ["dynamodb:GetItem"], "resources": ["arn:aws:dynamodb:eu-west-1:123456789012:table/rides"]}),
    ];
    let ok = json!({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/rides"});
    assert!(check_statement("p", "dev", "ride", &declared, &ok).is_ok());
    for widened in [
        json!({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}),
        json!({"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/rides"}),
        json!({"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "arn:aws:logs:eu-west-1:123456789012:log-group:*"}),
        json!({"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "s3:GetObject"], "Resource": "*"}),
        json!({"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "arn:aws:ssm:eu-west-1:123456789012:parameter/p/dev/stripe-api-key"}),
    ] {
        assert!(
            check_statement("p", "dev", "ride", &declared, &widened).is_err(),
            "{widened}"
        );
    }
}

fn show(moto: &Moto, root: &Path, stage: &str) -> Value {
    let out = moto.terraform(
        &root.join("infra/terraform").join(stage),
        &[
            "show",
            "-json",
            &root
                .join(".lamina/deploy")
                .join(stage)
                .join("tfplan")
                .display()
                .to_string(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The account-wide names a plan creates (functions, roles, buckets, log groups...): names that
/// live inside another resource (an alias, a group of a pool, a stage of an API) are left out.
fn names(plan: &Value) -> BTreeSet<String> {
    const UNIQUE: [(&str, &str); 14] = [
        ("aws_lambda_function", "function_name"),
        ("aws_lambda_layer_version", "layer_name"),
        ("aws_iam_role", "name"),
        ("aws_cloudwatch_log_group", "name"),
        ("aws_s3_bucket", "bucket"),
        ("aws_apigatewayv2_api", "name"),
        ("aws_cognito_user_pool", "name"),
        ("aws_cognito_user_pool_domain", "domain"),
        ("aws_sns_topic", "name"),
        ("aws_kms_alias", "name"),
        ("aws_cloudwatch_metric_alarm", "alarm_name"),
        ("aws_cloudwatch_dashboard", "dashboard_name"),
        ("aws_cloudfront_origin_access_control", "name"),
        ("aws_security_group", "name"),
    ];
    let mut out = BTreeSet::new();
    for rc in plan["resource_changes"].as_array().unwrap() {
        for (kind, key) in UNIQUE {
            if rc["type"] == kind {
                if let Some(n) = rc["change"]["after"][key].as_str() {
                    out.insert(n.to_owned());
                }
            }
        }
    }
    out
}

#[test]
#[ignore = "needs moto, terraform and uv: run by scripts/test"]
fn least_privilege_stage_separation_and_protected_data() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    let root = project(tmp.path(), "sep");
    let toml = std::fs::read_to_string(root.join("lamina.toml")).unwrap();
    let toml = toml
        .replacen("[domains.payment]\n", "[domains.payment]\nsecrets = [\"stripe-api-key\"]\n", 1)
        .replacen(
            "[domains.ride]\n",
            "[domains.ride]\niam = [{ actions = [\"dynamodb:GetItem\", \"dynamodb:PutItem\"], resources = [\"arn:aws:dynamodb:eu-west-1:123456789012:table/rides\"] }]\n",
            1,
        );
    std::fs::write(root.join("lamina.toml"), toml).unwrap();
    let declared = json!({"ride": [{"actions": ["dynamodb:GetItem", "dynamodb:PutItem"], "resources": ["arn:aws:dynamodb:eu-west-1:123456789012:table/rides"]}]});
    moto.lamina_ok(&root, &["bootstrap", "--stage", "dev"]);

    let mut plans = Vec::new();
    for stage in ["dev", "prod"] {
        moto.lamina_ok(&root, &["plan", "--stage", stage]);
        let plan = show(&moto, &root, stage);
        let problems = check_roles(&plan, "sep", stage, &declared);
        assert!(
            problems.is_empty(),
            "{stage}: the roles are wider than declared:\n{}",
            problems.join("\n")
        );
        // Lambda may assume the roles, only on behalf of this account.
        for rc in plan["resource_changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|rc| rc["type"] == "aws_iam_role")
        {
            let trust: Value = serde_json::from_str(
                rc["change"]["after"]["assume_role_policy"]
                    .as_str()
                    .unwrap(),
            )
            .unwrap();
            let s = &trust["Statement"][0];
            assert_eq!(s["Principal"]["Service"], "lambda.amazonaws.com");
            assert_eq!(s["Condition"]["StringEquals"]["aws:SourceAccount"], ACCOUNT);
        }
        // Every function is tagged with its stage.
        for rc in plan["resource_changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|rc| rc["type"] == "aws_lambda_function")
        {
            assert_eq!(
                rc["change"]["after"]["tags_all"]["stage"], stage,
                "{}",
                rc["address"]
            );
            assert_eq!(rc["change"]["after"]["tags_all"]["managed-by"], "lamina");
        }
        // The state key of the stage, as initialised.
        let backend: Value = serde_json::from_slice(
            &std::fs::read(
                root.join("infra/terraform")
                    .join(stage)
                    .join(".terraform/terraform.tfstate"),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            backend["backend"]["config"]["key"],
            format!("sep/{stage}/terraform.tfstate")
        );
        assert_eq!(
            backend["backend"]["config"]["bucket"],
            "lamina-state-123456789012-eu-west-1"
        );
        plans.push(names(&plan));
    }
    let shared: Vec<&String> = plans[0].intersection(&plans[1]).collect();
    assert!(
        shared.is_empty(),
        "dev and prod would share resources: {shared:?}"
    );
    assert!(plans[0].contains("sep-dev-user") && plans[1].contains("sep-prod-user"));

    // A protected stage: a plan that replaces its data is refused without --allow-destroy...
    moto.lamina_ok(
        &root,
        &["deploy", "--stage", "prod", "--yes", "--no-frontend"],
    );
    let pools_before = moto.call("cognito-idp", "list_user_pools", json!({"MaxResults": 60}));
    let toml = std::fs::read_to_string(root.join("lamina.toml")).unwrap();
    std::fs::write(
        root.join("lamina.toml"),
        toml.replacen("name = \"sep\"", "name = \"sep2\"", 1),
    )
    .unwrap();
    let r = moto.lamina(
        &root,
        &["deploy", "--stage", "prod", "--yes", "--no-frontend"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("data-bearing resources in protected stage `prod`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("aws_cognito_user_pool"), "{}", r.stderr);
    assert!(r.stderr.contains("--allow-destroy"), "{}", r.stderr);
    // ...and with it, still needs a confirmation (no terminal here, no --yes).
    let r = moto.lamina(
        &root,
        &[
            "deploy",
            "--stage",
            "prod",
            "--allow-destroy",
            "--no-frontend",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("no terminal to confirm on: nothing was changed"),
        "{}",
        r.stderr
    );
    assert_eq!(
        moto.call("cognito-idp", "list_user_pools", json!({"MaxResults": 60})),
        pools_before,
        "the user pool was touched"
    );
}
