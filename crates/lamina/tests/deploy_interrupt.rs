//! Ctrl-C in the middle of `terraform apply`: Lamina forwards one SIGINT, Terraform saves the
//! state and releases the lock, no process is left, and the next deploy just works.

mod common;
mod deploy_support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{poll, send_signal};
use deploy_support::{Moto, project};
use serde_json::json;

#[test]
#[ignore = "needs moto, terraform and uv: run by scripts/test"]
fn sigint_during_an_apply_releases_the_lock_and_the_next_deploy_succeeds() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    let root = project(tmp.path(), "intr");
    let log_path = tmp.path().join("deploy.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut cmd = common::lamina(&root);
    moto.env(&mut cmd)
        .args(["deploy", "--stage", "dev", "--yes", "--no-frontend"])
        .stdout(Stdio::null())
        .stderr(log);
    let mut child = cmd.spawn().unwrap();
    let read = || std::fs::read_to_string(&log_path).unwrap_or_default();

    // Mid-apply: some resources created, others not yet. Not while the functions' IAM roles are
    // being created: an interrupt during a provider's CreateRole can leave the role in AWS and not
    // in the state (Terraform's limit, docs/deploy.md), which is not what this test is about.
    let mid = poll(Duration::from_secs(600), || {
        let text = read();
        let roles = text
            .lines()
            .filter(|l| {
                l.contains("module.function[")
                    && l.contains("aws_iam_role.this[0]: Creation complete")
            })
            .count();
        (roles == 3).then_some(())
    });
    assert!(mid.is_some(), "the apply never started:\n{}", read());
    send_signal(child.id(), "INT");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "lamina did not stop:\n{}",
            read()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let text = read();
    assert_eq!(status.code(), Some(1), "{text}");
    assert!(
        text.contains("interrupted: Terraform is stopping cleanly"),
        "{text}"
    );
    assert!(
        text.contains("error: interrupted: Terraform stopped cleanly and released the state lock"),
        "{text}"
    );

    // No lock, no Terraform left running for this project.
    let lock = moto.call(
        "s3",
        "list_objects_v2",
        json!({"Bucket": "lamina-state-123456789012-eu-west-1", "Prefix": "intr/dev/terraform.tfstate.tflock"}),
    );
    assert!(lock.get("Contents").is_none(), "the lock was left: {lock}");
    let stage_root = root.join("infra/terraform/dev").display().to_string();
    assert_eq!(
        common::project_processes(&root),
        Vec::<u32>::new(),
        "processes of {stage_root} were left"
    );

    // The next deploy needs no manual unlock and converges.
    let r = moto.lamina_ok(
        &root,
        &["deploy", "--stage", "dev", "--yes", "--no-frontend"],
    );
    assert!(
        r.stderr.contains("Deployed stage dev as release #1"),
        "{}",
        r.stderr
    );
    let plan = moto.terraform(
        &root.join("infra/terraform/dev"),
        &["plan", "-detailed-exitcode", "-input=false", "-no-color"],
    );
    assert_eq!(
        plan.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&plan.stdout)
    );
}
