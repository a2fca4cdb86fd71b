//! A stage's whole life against moto: the first deploy of a fresh project with no earlier step,
//! what it made (checked through the AWS API), a converged second plan, a one-domain change, a
//! no-op deploy that starts no Terraform, a frontend-only change, a rollback, secrets that never
//! leak, and a destroy that leaves nothing behind.

mod common;
mod deploy_support;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::Path;

use deploy_support::{Moto, git, line_count, manifest, new_lines, project, terraform_spy};
use serde_json::{Value, json};

const SECRET: &str = "sk_test_4f9a1c7e-never-anywhere-but-ssm";

fn lambda_config(moto: &Moto, name: &str) -> Value {
    moto.call(
        "lambda",
        "get_function_configuration",
        json!({"FunctionName": name}),
    )
}

/// Every function's live alias version and code hash.
fn live(moto: &Moto, stage: &str) -> Vec<(String, String, String)> {
    ["payment", "ride", "user"]
        .iter()
        .map(|d| {
            let name = format!("shop-{stage}-{d}");
            let alias = moto.call(
                "lambda",
                "get_alias",
                json!({"FunctionName": name, "Name": "live"}),
            );
            let version = alias["FunctionVersion"].as_str().unwrap().to_owned();
            let config = moto.call(
                "lambda",
                "get_function_configuration",
                json!({"FunctionName": name, "Qualifier": version}),
            );
            (
                d.to_string(),
                version,
                config["CodeSha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn tfstate(moto: &Moto) -> Value {
    let bytes = moto.get_object(
        "lamina-state-123456789012-eu-west-1",
        "shop/dev/terraform.tfstate",
    );
    serde_json::from_slice(&bytes).expect("the state is JSON")
}

/// Every resource instance of the state with its type and attributes.
fn state_resources(state: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for r in state["resources"].as_array().unwrap() {
        if r["mode"] != "managed" {
            continue;
        }
        for i in r["instances"].as_array().unwrap() {
            let address = format!(
                "{}{}.{}",
                r["module"]
                    .as_str()
                    .map(|m| format!("{m}."))
                    .unwrap_or_default(),
                r["type"].as_str().unwrap(),
                r["name"].as_str().unwrap()
            );
            out.push((
                address,
                r["type"].as_str().unwrap().to_owned(),
                i["attributes"].clone(),
            ));
        }
    }
    out
}

fn assert_nowhere(root: &Path, what: &str, haystack: &[u8]) {
    let needle = SECRET.as_bytes();
    assert!(
        !haystack.windows(needle.len()).any(|w| w == needle),
        "the secret's value is in {what} ({})",
        root.display()
    );
}

#[test]
#[ignore = "needs moto, terraform, uv and npm: run by scripts/test"]
fn a_stage_from_first_deploy_to_destroy() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    let root = project(tmp.path(), "shop");
    // A secret the payment domain reads, set before anything else exists.
    let toml = std::fs::read_to_string(root.join("lamina.toml")).unwrap();
    let toml = toml.replacen(
        "[domains.payment]\n",
        "[domains.payment]\nsecrets = [\"stripe-api-key\"]\n",
        1,
    );
    std::fs::write(root.join("lamina.toml"), toml).unwrap();
    git(&root, &["commit", "-q", "-am", "payment reads a secret"]);
    let (spy, calls) = terraform_spy(tmp.path());

    // `lamina secret set` reads the value from stdin.
    let mut cmd = common::lamina(&root);
    moto.env(&mut cmd)
        .args(["secret", "set", "--stage", "dev", "stripe-api-key"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{SECRET}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let param = moto.call(
        "ssm",
        "get_parameter",
        json!({"Name": "/shop/dev/stripe-api-key", "WithDecryption": true}),
    );
    assert_eq!(
        param["Parameter"]["Value"], SECRET,
        "the trailing newline of `echo` is dropped"
    );
    assert_eq!(param["Parameter"]["Type"], "SecureString");

    // 1. The first deploy: no bootstrap, build or init before it.
    let spy_env = spy.to_str().unwrap();
    let first = {
        let mut cmd = common::lamina(&root);
        moto.env(&mut cmd)
            .env("LAMINA_TERRAFORM", spy_env)
            .args(["deploy", "--stage", "dev", "--yes"]);
        common::run(&mut cmd)
    };
    assert_eq!(first.code, 0, "first deploy:\n{}", first.stderr);
    assert!(first.stderr.contains("Bootstrapped"), "{}", first.stderr);
    assert!(
        first.stderr.contains("Deployed stage dev as release #1"),
        "{}",
        first.stderr
    );

    // 2. What it made, through the AWS API.
    let built = manifest(&root, "dev");
    let state = tfstate(&moto);
    let resources = state_resources(&state);
    for d in ["user", "ride", "payment"] {
        let artifact = &built["functions"][d];
        let config = lambda_config(&moto, &format!("shop-dev-{d}"));
        assert_eq!(
            config["CodeSha256"], artifact["sha256_b64"],
            "{d}: code hash"
        );
        let function = resources
            .iter()
            .filter(|(_, t, _)| t == "aws_lambda_function")
            .map(|(_, _, attrs)| attrs)
            .find(|attrs| attrs["function_name"] == format!("shop-dev-{d}"))
            .expect("the function is in the state");
        assert_eq!(
            function["s3_bucket"], "lamina-artifacts-123456789012-eu-west-1",
            "{d}"
        );
        assert_eq!(
            function["s3_key"],
            format!(
                "shop/artifacts/{}.zip",
                artifact["sha256"].as_str().unwrap()
            ),
            "{d}: the function points at its artifact's key"
        );
        assert!(
            function["filename"].is_null(),
            "{d}: no local file in Terraform"
        );
        let alias = moto.call(
            "lambda",
            "get_alias",
            json!({"FunctionName": format!("shop-dev-{d}"), "Name": "live"}),
        );
        assert_ne!(
            alias["FunctionVersion"], "$LATEST",
            "{d}: the alias points at a published version"
        );
    }
    // Layers: a version per built zip.
    for (layer, artifact) in built["layers"].as_object().unwrap() {
        let versions = moto.call(
            "lambda",
            "list_layer_versions",
            json!({"LayerName": format!("shop-dev-{layer}")}),
        );
        assert!(
            !versions["LayerVersions"].as_array().unwrap().is_empty(),
            "{layer}: {artifact}"
        );
    }

    // Routes, integrations and the JWT authorizer match `lamina routes`.
    let routes: Value =
        serde_json::from_str(&moto.lamina_ok(&root, &["routes", "--json"]).stdout).unwrap();
    let apis = moto.call("apigatewayv2", "get_apis", json!({}));
    let api = apis["Items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == "shop-dev")
        .expect("the API exists");
    let api_id = api["ApiId"].as_str().unwrap();
    let made = moto.call("apigatewayv2", "get_routes", json!({"ApiId": api_id}));
    let integrations = moto.call("apigatewayv2", "get_integrations", json!({"ApiId": api_id}));
    let pools = moto.call("cognito-idp", "list_user_pools", json!({"MaxResults": 60}));
    let pool = pools["UserPools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["Name"] == "shop-dev")
        .expect("the user pool");
    let pool_id = pool["Id"].as_str().unwrap().to_owned();
    let client_ids: Vec<String> = moto.call(
        "cognito-idp",
        "list_user_pool_clients",
        json!({"UserPoolId": pool_id, "MaxResults": 60}),
    )["UserPoolClients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ClientId"].as_str().unwrap().to_owned())
        .collect();
    let made_keys: BTreeSet<String> = made["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["RouteKey"].as_str().unwrap().to_owned())
        .collect();
    let wanted: BTreeSet<String> = routes
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["method"].as_str().unwrap(),
                r["path"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(made_keys, wanted, "API routes = lamina routes");
    for route in made["Items"].as_array().unwrap() {
        let key = route["RouteKey"].as_str().unwrap();
        let spec = routes
            .as_array()
            .unwrap()
            .iter()
            .find(|r| {
                format!(
                    "{} {}",
                    r["method"].as_str().unwrap(),
                    r["path"].as_str().unwrap()
                ) == key
            })
            .unwrap();
        let expected_auth = if spec["auth"] == "NONE" {
            "NONE"
        } else {
            "JWT"
        };
        assert_eq!(route["AuthorizationType"], expected_auth, "{key}");
        if expected_auth == "JWT" {
            // The JWT authorizer trusts the stage's own pool and app client.
            let authorizer = moto.call(
                "apigatewayv2",
                "get_authorizer",
                json!({"ApiId": api_id, "AuthorizerId": route["AuthorizerId"]}),
            );
            assert_eq!(authorizer["AuthorizerType"], "JWT", "{key}");
            let jwt = &authorizer["JwtConfiguration"];
            assert!(
                jwt["Issuer"].as_str().unwrap().ends_with(&pool_id),
                "{key}: {jwt}"
            );
            let audience: Vec<String> = jwt["Audience"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_owned())
                .collect();
            assert!(
                !audience.is_empty() && audience.iter().all(|a| client_ids.contains(a)),
                "{key}: {jwt}"
            );
        }
        let target = route["Target"]
            .as_str()
            .unwrap()
            .trim_start_matches("integrations/");
        let integration = integrations["Items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["IntegrationId"] == target)
            .expect("the route's integration");
        let uri = integration["IntegrationUri"].as_str().unwrap();
        assert!(
            uri.contains(&format!(
                "function:shop-dev-{}",
                spec["domain"].as_str().unwrap()
            )) && uri.ends_with(":live"),
            "{key} → {uri}: the domain's live alias"
        );
    }

    // The site: the built frontend, with content types and cache rules.
    let outputs: Value = {
        let out = moto.terraform(&root.join("infra/terraform/dev"), &["output", "-json"]);
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let bucket = outputs["site_bucket"]["value"].as_str().unwrap().to_owned();
    let distribution = outputs["cloudfront_distribution_id"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let dist_dir = root.join("frontend/dist");
    let mut local = BTreeSet::new();
    for entry in walk(&dist_dir) {
        local.insert(
            entry
                .strip_prefix(&dist_dir)
                .unwrap()
                .to_string_lossy()
                .into_owned(),
        );
    }
    let listed = moto.call("s3", "list_objects_v2", json!({"Bucket": bucket}));
    let remote: BTreeSet<String> = listed["Contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["Key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(remote, local, "the bucket holds exactly the build");
    for key in &remote {
        let head = moto.call("s3", "head_object", json!({"Bucket": bucket, "Key": key}));
        let (ct, cc) = (
            head["ContentType"].as_str().unwrap(),
            head["CacheControl"].as_str().unwrap(),
        );
        if key.starts_with("assets/") {
            assert_eq!(cc, "public, max-age=31536000, immutable", "{key}");
        } else {
            assert_eq!(cc, "no-cache", "{key}");
        }
        if key.ends_with(".html") {
            assert_eq!(ct, "text/html; charset=utf-8", "{key}");
        } else if key.ends_with(".js") {
            assert_eq!(ct, "text/javascript; charset=utf-8", "{key}");
        } else if key.ends_with(".css") {
            assert_eq!(ct, "text/css; charset=utf-8", "{key}");
        }
    }
    let invalidations = moto.call(
        "cloudfront",
        "list_invalidations",
        json!({"DistributionId": distribution}),
    );
    let first_invalidation = invalidations["InvalidationList"]["Items"][0]["Id"]
        .as_str()
        .expect("an invalidation")
        .to_owned();
    let paths = invalidation_paths(&moto, &distribution, &first_invalidation);
    assert!(paths.contains(&"/index.html".to_owned()), "{paths:?}");
    assert!(
        !paths.iter().any(|p| p == "/*" || p.starts_with("/assets/")),
        "only non-hashed paths: {paths:?}"
    );
    // The frontend was built with the stage's outputs.
    let env = std::fs::read_to_string(root.join("frontend/.env.dev.local")).unwrap();
    assert!(
        env.contains(&format!(
            "VITE_API_URL={}",
            outputs["api_url"]["value"]
                .as_str()
                .unwrap()
                .trim_end_matches('/')
        )),
        "{env}"
    );
    assert!(
        env.contains(&format!(
            "VITE_COGNITO_CLIENT_ID={}",
            outputs["user_pool_client_id"]["value"].as_str().unwrap()
        )),
        "{env}"
    );

    // 3. Converged: a second plan of the same stage root is empty.
    let plan = moto.terraform(
        &root.join("infra/terraform/dev"),
        &["plan", "-detailed-exitcode", "-input=false", "-no-color"],
    );
    assert_eq!(
        plan.status.code(),
        Some(0),
        "a second plan is not empty:\n{}",
        String::from_utf8_lossy(&plan.stdout)
    );

    // 4. No change: no Terraform process, nothing uploaded.
    let before_calls = line_count(&calls);
    let artifacts_before = moto.call(
        "s3",
        "list_object_versions",
        json!({"Bucket": "lamina-artifacts-123456789012-eu-west-1"}),
    );
    let site_before = moto.call("s3", "list_object_versions", json!({"Bucket": bucket}));
    let noop = {
        let mut cmd = common::lamina(&root);
        moto.env(&mut cmd)
            .env("LAMINA_TERRAFORM", spy_env)
            .args(["deploy", "--stage", "dev", "--yes"]);
        common::run(&mut cmd)
    };
    assert_eq!(noop.code, 0, "{}", noop.stderr);
    assert!(noop.stderr.contains("Up to date"), "{}", noop.stderr);
    assert_eq!(
        new_lines(&calls, before_calls),
        Vec::<String>::new(),
        "a no-op deploy started Terraform"
    );
    assert_eq!(
        moto.call(
            "s3",
            "list_object_versions",
            json!({"Bucket": "lamina-artifacts-123456789012-eu-west-1"})
        )["Versions"],
        artifacts_before["Versions"]
    );
    assert_eq!(
        moto.call("s3", "list_object_versions", json!({"Bucket": bucket}))["Versions"],
        site_before["Versions"]
    );

    // 5. Frontend only: no Terraform, changed files uploaded, only their paths invalidated.
    std::fs::write(
        root.join("frontend/public/robots.txt"),
        "User-agent: *\nDisallow:\n",
    )
    .unwrap();
    let before_calls = line_count(&calls);
    let fe = {
        let mut cmd = common::lamina(&root);
        moto.env(&mut cmd)
            .env("LAMINA_TERRAFORM", spy_env)
            .args(["deploy", "--stage", "dev", "--yes"]);
        common::run(&mut cmd)
    };
    assert_eq!(fe.code, 0, "{}", fe.stderr);
    assert!(
        fe.stderr.contains("infrastructure unchanged"),
        "{}",
        fe.stderr
    );
    let tf_calls = new_lines(&calls, before_calls);
    assert!(
        tf_calls
            .iter()
            .all(|c| !c.starts_with("plan") && !c.starts_with("apply")),
        "{tf_calls:?}"
    );
    let invalidations = moto.call(
        "cloudfront",
        "list_invalidations",
        json!({"DistributionId": distribution}),
    );
    let newest = invalidations["InvalidationList"]["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["Id"].as_str().unwrap().to_owned())
        .find(|id| *id != first_invalidation)
        .expect("a second invalidation");
    assert_eq!(
        invalidation_paths(&moto, &distribution, &newest),
        vec!["/robots.txt".to_owned()]
    );

    // 6. One domain changed: only its function and alias change.
    let live_before = live(&moto, "dev");
    std::fs::OpenOptions::new()
        .append(true)
        .open(root.join("backend/user/app/main.py"))
        .unwrap()
        .write_all(b"\n# a change of the user domain only\n")
        .unwrap();
    let plan = moto.lamina_ok(&root, &["plan", "--stage", "dev", "--json"]);
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    let changes: Vec<(String, String, String)> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["group"].as_str().unwrap().to_owned(),
                c["type"].as_str().unwrap().to_owned(),
                c["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        changes
            .iter()
            .map(|(g, t, a)| format!("{g} {t} {a}"))
            .collect::<BTreeSet<_>>(),
        BTreeSet::from([
            "user aws_lambda_function update".to_owned(),
            "user aws_lambda_alias update".to_owned(),
        ]),
        "{plan}"
    );
    assert_eq!(
        plan["uploads"]["uploaded"],
        json!(["function user"]),
        "{plan}"
    );
    assert_eq!(
        plan["targeted"],
        json!(["user"]),
        "only the user function is planned: {plan}"
    );
    moto.lamina_ok(&root, &["deploy", "--stage", "dev", "--yes"]);
    // Planning only that function left nothing behind: the whole stage's plan is empty.
    let whole = moto.terraform(
        &root.join("infra/terraform/dev"),
        &["plan", "-detailed-exitcode", "-input=false", "-no-color"],
    );
    assert_eq!(
        whole.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&whole.stdout)
    );
    let live_after = live(&moto, "dev");
    for ((d, v0, h0), (_, v1, h1)) in live_before.iter().zip(&live_after) {
        if d == "user" {
            assert_ne!(v0, v1, "user: a new version");
            assert_ne!(h0, h1, "user: new code");
        } else {
            assert_eq!((v0, h0), (v1, h1), "{d} was touched");
        }
    }

    // 7. Rollback: the release before is live again, through Terraform.
    let rollback = moto.lamina_ok(&root, &["rollback", "--stage", "dev", "--yes"]);
    assert!(
        rollback.stderr.contains("to release #2"),
        "{}",
        rollback.stderr
    );
    let rolled = live(&moto, "dev");
    let user_before = live_before.iter().find(|l| l.0 == "user").unwrap();
    let user_now = rolled.iter().find(|l| l.0 == "user").unwrap();
    assert_eq!(
        user_now.2, user_before.2,
        "the previous code hash is live again"
    );
    let releases: Value = serde_json::from_str(
        &moto
            .lamina_ok(&root, &["releases", "--stage", "dev", "--json"])
            .stdout,
    )
    .unwrap();
    let last = releases.as_array().unwrap().last().unwrap();
    assert_eq!(last["kind"], "rollback");
    assert_eq!(last["current"], true);
    assert!(
        last["commit"].as_str().is_some_and(|c| c.len() == 40),
        "{last}"
    );
    assert_eq!(last["deployer"], "arn:aws:sts::123456789012:user/moto");

    // 8. The secret's value: in SSM only.
    moto.lamina_ok(&root, &["plan", "--stage", "dev", "--force"]);
    assert_nowhere(
        &root,
        "the Terraform state",
        &moto.get_object(
            "lamina-state-123456789012-eu-west-1",
            "shop/dev/terraform.tfstate",
        ),
    );
    assert_nowhere(
        &root,
        "the tfvars",
        &std::fs::read(root.join("infra/terraform/dev/lamina.auto.tfvars.json")).unwrap(),
    );
    assert_nowhere(
        &root,
        "Terraform's log",
        &std::fs::read(root.join(".lamina/deploy/dev/terraform.log")).unwrap(),
    );
    let plan_file = std::fs::read(root.join(".lamina/deploy/dev/tfplan")).unwrap();
    for entry in lamina_build::archive::read_entries(&plan_file).unwrap() {
        assert_nowhere(
            &root,
            &format!("the plan file's {}", entry.name),
            &entry.content().unwrap(),
        );
    }
    for r in releases.as_array().unwrap() {
        assert_nowhere(&root, "a release record", r.to_string().as_bytes());
    }
    let payment = lambda_config(&moto, "shop-dev-payment");
    assert_eq!(
        payment["Environment"]["Variables"]["LAMINA_SECRET_STRIPE_API_KEY"],
        "/shop/dev/stripe-api-key",
        "the function gets the name"
    );

    // 9. Destroy (with --purge): nothing of the stage is left.
    assert!(!moto.inventory("shop-dev").as_object().unwrap().is_empty());
    let destroyed = moto.lamina_ok(&root, &["destroy", "--stage", "dev", "--yes", "--purge"]);
    assert!(
        destroyed.stderr.contains("Destroyed"),
        "{}",
        destroyed.stderr
    );
    let left = moto.inventory("shop-dev");
    assert_eq!(left, json!({}), "left after destroy");
    assert_eq!(
        moto.inventory("/shop/dev/"),
        json!({}),
        "secrets left after destroy --purge"
    );
    let state_objects = moto.call(
        "s3",
        "list_object_versions",
        json!({"Bucket": "lamina-state-123456789012-eu-west-1", "Prefix": "shop/dev/"}),
    );
    assert!(
        state_objects
            .get("Versions")
            .is_none_or(|v| v.as_array().unwrap().is_empty()),
        "{state_objects}"
    );
}

fn invalidation_paths(moto: &Moto, distribution: &str, id: &str) -> Vec<String> {
    let inv = moto.call(
        "cloudfront",
        "get_invalidation",
        json!({"DistributionId": distribution, "Id": id}),
    );
    let mut paths: Vec<String> = inv["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    paths.sort();
    paths
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
