//! Each way a deploy can be refused or fail says so once, clearly, with a hint and exit code 1,
//! and leaves nothing half-written: no Terraform, no credentials, another account, an account
//! never bootstrapped, a Terraform error, a stale state lock, no terminal to confirm on.

mod common;
mod deploy_support;

use std::path::Path;

use deploy_support::{Moto, project};
use serde_json::json;

/// A PATH with the tools a user has, minus `terraform`.
fn path_without_terraform(tmp: &Path) -> String {
    let bin = tmp.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in ["git", "python3", "uv", "npm", "node", "sh", "curl"] {
        if let Some(p) = lamina_toolchain::which(tool) {
            let _ = std::os::unix::fs::symlink(p, bin.join(tool));
        }
    }
    bin.display().to_string()
}

#[test]
#[ignore = "needs moto and terraform: run by scripts/test"]
fn refusals_and_failures_are_one_clear_message() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    let root = project(tmp.path(), "errs");

    // No terraform anywhere: said before anything else happens.
    let mut cmd = common::lamina(&root);
    moto.env(&mut cmd)
        .env("PATH", path_without_terraform(tmp.path()))
        .env_remove("LAMINA_TERRAFORM")
        .args(["deploy", "--stage", "dev", "--yes"]);
    let r = common::run(&mut cmd);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("`terraform` was not found on PATH"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("hint: install Terraform"), "{}", r.stderr);
    assert!(!root.join(".lamina/build").exists(), "nothing was built");

    // No credentials: the chain that was tried, named.
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut cmd = common::lamina(&root);
    moto.env(&mut cmd)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("HOME", &home)
        .env("AWS_CONFIG_FILE", home.join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("none"))
        .args(["plan", "--stage", "dev"]);
    let r = common::run(&mut cmd);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("no AWS credentials were found. Tried, in order:"),
        "{}",
        r.stderr
    );
    for provider in [
        "environment variables (AWS_ACCESS_KEY_ID",
        "shared config and credentials files",
        "web identity token",
        "EC2 instance metadata",
    ] {
        assert!(r.stderr.contains(provider), "{provider}: {}", r.stderr);
    }
    assert!(r.stderr.contains("hint: sign in first"), "{}", r.stderr);

    // An account that is not the stage's.
    let toml = std::fs::read_to_string(root.join("lamina.toml")).unwrap();
    let pinned = toml.replacen(
        "[stages.dev]\n",
        "[stages.dev]\naccount_id = \"111111111111\"\n",
        1,
    );
    std::fs::write(root.join("lamina.toml"), &pinned).unwrap();
    let r = moto.lamina(&root, &["deploy", "--stage", "dev", "--yes"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("may only be deployed to AWS account 111111111111, but the credentials are for account 123456789012"),
        "{}",
        r.stderr
    );
    std::fs::write(root.join("lamina.toml"), &toml).unwrap();

    // Never bootstrapped: `plan` only reads, and says how to bootstrap.
    let r = moto.lamina(&root, &["plan", "--stage", "dev"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("account 123456789012 is not bootstrapped in eu-west-1"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("lamina bootstrap --stage STAGE"),
        "{}",
        r.stderr
    );
    let buckets = moto.call("s3", "list_buckets", json!({}));
    assert_eq!(buckets["Buckets"], json!([]), "plan created nothing");

    // Bootstrap: hardened buckets.
    moto.lamina_ok(&root, &["bootstrap", "--stage", "dev"]);
    for bucket in [
        "lamina-state-123456789012-eu-west-1",
        "lamina-artifacts-123456789012-eu-west-1",
    ] {
        let versioning = moto.call("s3", "get_bucket_versioning", json!({"Bucket": bucket}));
        assert_eq!(versioning["Status"], "Enabled", "{bucket}");
        let block = moto.call("s3", "get_public_access_block", json!({"Bucket": bucket}));
        assert_eq!(
            block["PublicAccessBlockConfiguration"],
            json!({"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}),
            "{bucket}"
        );
        let encryption = moto.call("s3", "get_bucket_encryption", json!({"Bucket": bucket}));
        assert_eq!(
            encryption["ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]
                ["SSEAlgorithm"],
            "AES256",
            "{bucket}"
        );
        let policy = moto.call("s3", "get_bucket_policy", json!({"Bucket": bucket}));
        let policy: serde_json::Value =
            serde_json::from_str(policy["Policy"].as_str().unwrap()).unwrap();
        assert_eq!(policy["Statement"][0]["Effect"], "Deny");
        assert_eq!(
            policy["Statement"][0]["Condition"]["Bool"]["aws:SecureTransport"],
            "false"
        );
        let lifecycle = moto.call(
            "s3",
            "get_bucket_lifecycle_configuration",
            json!({"Bucket": bucket}),
        );
        assert!(
            lifecycle["Rules"][0]["NoncurrentVersionExpiration"]["NoncurrentDays"]
                .as_i64()
                .unwrap()
                > 0
        );
    }

    // A lock left by a crashed run: holder and age, and how to release it.
    let lock = json!({"ID": "5e1c3b3a-dead-beef-0000-000000000001", "Operation": "OperationTypeApply", "Info": "", "Who": "ci@runner-7", "Version": "1.11.4", "Created": "2026-01-01T00:00:00.000000Z", "Path": "lamina-state-123456789012-eu-west-1/errs/dev/terraform.tfstate"});
    moto.call(
        "s3",
        "put_object",
        json!({"Bucket": "lamina-state-123456789012-eu-west-1", "Key": "errs/dev/terraform.tfstate.tflock", "Body": lock.to_string()}),
    );
    let r = moto.lamina(&root, &["plan", "--stage", "dev"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("is locked by ci@runner-7 (apply, since 2026-01-01T00:00:00.000000Z"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("lamina unlock --stage dev"),
        "{}",
        r.stderr
    );
    let r = moto.lamina(&root, &["unlock", "--stage", "dev"]);
    assert_eq!(r.code, 1, "no terminal, no --yes: {}", r.stderr);
    moto.lamina_ok(&root, &["unlock", "--stage", "dev", "--yes"]);
    let gone = moto.call("s3", "list_objects_v2", json!({"Bucket": "lamina-state-123456789012-eu-west-1", "Prefix": "errs/dev/terraform.tfstate.tflock"}));
    assert!(
        gone.get("Contents").is_none(),
        "the lock is released: {gone}"
    );

    // Without a terminal and without --yes, nothing is applied.
    let r = moto.lamina(&root, &["deploy", "--stage", "dev"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("no terminal to confirm on: nothing was changed"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("pass `--yes`"), "{}", r.stderr);
    let functions = moto.call("lambda", "list_functions", json!({}));
    assert_eq!(functions["Functions"], json!([]), "nothing was applied");

    // A Terraform error: Terraform's own message, not a trace.
    std::fs::write(
        root.join("infra/terraform/dev/broken.tf"),
        "resource \"aws_s3_bucket\" {\n",
    )
    .unwrap();
    let r = moto.lamina(&root, &["plan", "--stage", "dev"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("error: Terraform failed (terraform init"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("broken.tf"),
        "Terraform's message names the file: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains(".lamina/deploy/dev/terraform.log"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("panicked") && !r.stderr.contains("backtrace"),
        "{}",
        r.stderr
    );

    // A protected stage is not destroyed without --force and its name.
    std::fs::remove_file(root.join("infra/terraform/dev/broken.tf")).unwrap();
    let r = moto.lamina(&root, &["destroy", "--stage", "prod", "--yes"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("stage `prod` is protected"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--force --confirm prod"), "{}", r.stderr);
    let r = moto.lamina(
        &root,
        &["destroy", "--stage", "prod", "--force", "--confirm", "dev"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("does not name the stage being destroyed"),
        "{}",
        r.stderr
    );
}
