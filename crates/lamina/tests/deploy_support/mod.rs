//! Deploy tests against AWS as a user tests offline: moto in server mode, reached over TLS (with a
//! CA made for the test) through the standard `AWS_ENDPOINT_URL`, real Terraform with the AWS
//! provider from the machine's mirror, and boto3 to look at what was made.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Run, lamina, run};

/// The repository's root (tests run in `crates/lamina`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A moto server on a free loopback port, stopped when dropped.
pub struct Moto {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Moto {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        make_certificates(dir.path());
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let python = std::env::var("LAMINA_MOTO_PYTHON").unwrap_or_else(|_| "python3".into());
        let log = std::fs::File::create(dir.path().join("moto.log")).unwrap();
        let child = Command::new(&python)
            .arg(repo_root().join("scripts/moto_server.py"))
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .arg("--ssl-cert")
            .arg(dir.path().join("cert.pem"))
            .arg("--ssl-key")
            .arg(dir.path().join("key.pem"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start moto with {python}: {e} (scripts/env.sh sets LAMINA_MOTO_PYTHON)"
                )
            });
        let moto = Self { child, port, dir };
        let started = Instant::now();
        while moto.curl_status("/moto-api/") != Some(200) {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto did not start:\n{}",
                moto.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        moto
    }

    pub fn endpoint(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("moto.log")).unwrap_or_default()
    }

    fn curl_status(&self, path: &str) -> Option<u16> {
        let out = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert"])
            .arg(self.dir.path().join("ca.pem"))
            .arg(format!("{}{path}", self.endpoint()))
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    }

    /// Points a command at moto: the same variables a user would set to test offline.
    pub fn env<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        for var in [
            "AWS_PROFILE",
            "AWS_SESSION_TOKEN",
            "AWS_DEFAULT_PROFILE",
            "AWS_ROLE_ARN",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("AWS_ENDPOINT_URL", self.endpoint())
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "eu-west-1")
            .env("AWS_DEFAULT_REGION", "eu-west-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_S3_USE_PATH_STYLE", "true")
            // The test's CA, beside the system's (uv and npm still reach their registries).
            .env("SSL_CERT_FILE", self.dir.path().join("bundle.pem"))
            .env("AWS_CA_BUNDLE", self.dir.path().join("bundle.pem"))
            .env("LAMINA_NO_PROGRESS", "1");
        if let Some(rc) = terraform_mirror_config(self.dir.path()) {
            cmd.env("TF_CLI_CONFIG_FILE", rc);
        }
        cmd
    }

    /// `lamina ARGS` in `root`, against moto.
    pub fn lamina(&self, root: &Path, args: &[&str]) -> Run {
        run(self.env(&mut lamina(root)).args(args))
    }

    /// Like [`Moto::lamina`], failing the test unless it succeeds.
    pub fn lamina_ok(&self, root: &Path, args: &[&str]) -> Run {
        let r = self.lamina(root, args);
        assert_eq!(
            r.code, 0,
            "lamina {args:?} failed:\n{}\n{}",
            r.stdout, r.stderr
        );
        r
    }

    fn aws_py(&self, args: &[&str]) -> std::process::Output {
        let python = std::env::var("LAMINA_MOTO_PYTHON").unwrap_or_else(|_| "python3".into());
        let mut cmd = Command::new(python);
        cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/deploy_support/aws.py"))
            .args(args);
        let out = self.env(&mut cmd).output().unwrap();
        assert!(
            out.status.success(),
            "aws.py {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// One boto3 call (`service`, snake_case `method`, JSON `params`), as JSON.
    pub fn call(&self, service: &str, method: &str, params: Value) -> Value {
        let out = self.aws_py(&["call", service, method, &params.to_string()]);
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Every resource whose name contains `prefix`, by kind.
    pub fn inventory(&self, prefix: &str) -> Value {
        let out = self.aws_py(&["inventory", prefix]);
        serde_json::from_slice(&out.stdout).unwrap()
    }

    pub fn get_object(&self, bucket: &str, key: &str) -> Vec<u8> {
        self.aws_py(&["get-object", bucket, key]).stdout
    }

    /// `terraform ARGS` in `dir`, with moto's environment.
    pub fn terraform(&self, dir: &Path, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new("terraform");
        cmd.current_dir(dir).args(args);
        self.env(&mut cmd).output().unwrap()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A CA, a certificate for 127.0.0.1 signed by it, and a bundle of the system's CAs plus it.
fn make_certificates(dir: &Path) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=lamina-test-ca",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "key.pem",
        "-out",
        "req.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "req.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "cert.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    let system = std::env::var("SSL_CERT_FILE")
        .ok()
        .filter(|p| Path::new(p).is_file())
        .unwrap_or_else(|| "/etc/ssl/certs/ca-certificates.crt".into());
    let mut bundle = std::fs::read(system).unwrap_or_default();
    bundle.extend(std::fs::read(dir.join("ca.pem")).unwrap());
    std::fs::write(dir.join("bundle.pem"), bundle).unwrap();
}

/// A Terraform CLI config taking the AWS provider from the machine's mirror (`LAMINA_TF_MIRROR`,
/// default `/opt/tf-plugins`); `None` lets Terraform use the registry.
pub fn terraform_mirror_config(dir: &Path) -> Option<PathBuf> {
    let mirror = std::env::var("LAMINA_TF_MIRROR").unwrap_or_else(|_| "/opt/tf-plugins".into());
    if !Path::new(&mirror).is_dir() {
        return None;
    }
    let rc = dir.join("terraform.rc");
    if !rc.is_file() {
        std::fs::write(
            &rc,
            format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{mirror}\"\n    include = [\"registry.terraform.io/hashicorp/*\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/hashicorp/*\"]\n  }}\n}}\n"
            ),
        )
        .unwrap();
    }
    Some(rc)
}

/// What moto lacks, switched off in a test-only override next to each stage root (Terraform
/// merges `*_override.tf`; checkov and users' deploys never see it).
pub const MOTO_OVERRIDE: &str = r#"# Test only: what moto lacks (scripts/moto_server.py lists its other gaps).
module "app" {
  create_response_headers_policy = false # not implemented in moto
}
"#;

/// `lamina new NAME` (user, ride, payment) in a git repository with one commit, each stage root
/// with the moto override.
pub fn project(tmp: &Path, name: &str) -> PathBuf {
    let r = run(lamina(tmp).args([
        "new",
        name,
        "--owner",
        "team",
        "--python",
        "3.11",
        "--region",
        "eu-west-1",
    ]));
    assert_eq!(r.code, 0, "lamina new failed: {}", r.stderr);
    let root = tmp.join(name);
    for stage in ["dev", "staging", "prod"] {
        std::fs::write(
            root.join("infra/terraform")
                .join(stage)
                .join("moto_override.tf"),
            MOTO_OVERRIDE,
        )
        .unwrap();
    }
    git(&root, &["init", "-q", "-b", "main"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "initial"]);
    root
}

pub fn git(root: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(root)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A `terraform` that logs each invocation to `log` before running the real one: proves whether
/// a command started Terraform at all.
pub fn terraform_spy(dir: &Path) -> (PathBuf, PathBuf) {
    let real = Command::new("sh")
        .args(["-c", "command -v terraform"])
        .output()
        .unwrap();
    let real = String::from_utf8_lossy(&real.stdout).trim().to_owned();
    assert!(!real.is_empty(), "terraform is not on PATH");
    let log = dir.join("terraform-calls.log");
    let spy = dir.join("terraform-spy");
    std::fs::write(
        &spy,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{real}' \"$@\"\n",
            log.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&spy, std::fs::Permissions::from_mode(0o755)).unwrap();
    (spy, log)
}

/// The lines `log` gained since `before`.
pub fn new_lines(log: &Path, before: usize) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .skip(before)
        .map(str::to_owned)
        .collect()
}

pub fn line_count(log: &Path) -> usize {
    std::fs::read_to_string(log).map_or(0, |t| t.lines().count())
}

/// The build manifest of a stage.
pub fn manifest(root: &Path, stage: &str) -> Value {
    serde_json::from_slice(
        &std::fs::read(root.join(".lamina/build").join(stage).join("manifest.json")).unwrap(),
    )
    .unwrap()
}
