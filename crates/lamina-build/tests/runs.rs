//! The built artifacts of the real project template run: extracted as Lambda lays them out and
//! imported by a clean interpreter, a real HTTP API event gets a 200.

mod common;

use std::path::Path;

use common::*;
use lamina_build::{Kind, Silent};
use lamina_config::{Architecture, PythonVersion};

/// Extracts with Python's own `zipfile`, not with Lamina's reader, and runs the handler in
/// `python -I -S -B`: no site-packages, no PYTHONPATH, no writing `.pyc`, so only the zips (and
/// a stand-in for the runtime's boto3) are importable.
const RUN: &str = r#"
import json, subprocess, sys, zipfile, os
task, layers, runtime, event_file, out = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
zipfile.ZipFile(task).extractall(out + "/task")
paths = [out + "/task"]
for i, layer in enumerate(layers):
    zipfile.ZipFile(layer).extractall(out + f"/opt{i}")
    paths.append(out + f"/opt{i}/python")
if runtime:
    paths.append(runtime)
code = (
    "import json, sys; sys.path[:0] = json.loads(sys.argv[1]); import handler\n"
    "class C:\n"
    "    function_name='rides-dev-x'; function_version='$LATEST'; memory_limit_in_mb=512\n"
    "    invoked_function_arn='arn:aws:lambda:us-east-1:123456789012:function:x'\n"
    "    aws_request_id='00000000-0000-4000-8000-000000000000'\n"
    "    def get_remaining_time_in_millis(self): return 10000\n"
    "r = handler.handler(json.load(open(sys.argv[2])), C())\n"
    "print('RESULT ' + json.dumps({'status': r['statusCode'], 'body': r['body'], 'numpy_free': 'fastapi' in sys.modules, 'files': [m.__file__ for m in [sys.modules['fastapi'], sys.modules['handler']]]}))\n"
)
env = {"AWS_LAMBDA_FUNCTION_NAME": "rides-dev-x", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
       "LAMINA_PROJECT": "rides", "LAMINA_STAGE": "dev", "LAMINA_ROUTE_PREFIX": sys.argv[6],
       "POWERTOOLS_SERVICE_NAME": "x", "POWERTOOLS_METRICS_NAMESPACE": "rides", "POWERTOOLS_TRACE_DISABLED": "true",
       "_X_AMZN_TRACE_ID": "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0"}
p = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", code, json.dumps(paths), event_file],
                   env=env, cwd=out, capture_output=True, text=True)
if p.returncode:
    sys.exit(p.stderr)
print([l for l in p.stdout.splitlines() if l.startswith("RESULT ")][-1][7:])
"#;

#[test]
fn the_template_project_builds_and_answers_200() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("rides");
    lamina_templates::new_project(&lamina_templates::NewProject {
        name: "rides".into(),
        dir: root.clone(),
        domains: vec!["user".into(), "ride".into(), "payment".into()],
        owner: "tests".into(),
        region: "us-east-1".into(),
        python: PythonVersion::Py311,
        architecture: Architecture::X86_64,
    })
    .unwrap();
    let config = load(&root);
    let options = options();
    let outcome = lamina_build::build(&config, &options, &Silent).unwrap();
    let m = &outcome.manifest;
    assert_eq!(m.version, 1);
    assert_eq!(m.runtime, "python3.11");
    assert_eq!(m.functions.len(), 3);
    assert_eq!(m.functions["ride"].layers.as_ref().unwrap().len(), 2);
    // sqlalchemy goes with ride only; the AWS SDK goes nowhere.
    let names = |kind, name| -> Vec<String> {
        let zip = std::fs::read(root.join(&find(&outcome, kind, name).path)).unwrap();
        lamina_build::archive::read_entries(&zip)
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect()
    };
    assert!(
        names(Kind::Function, "ride")
            .iter()
            .any(|n| n.starts_with("sqlalchemy/"))
    );
    assert!(
        !names(Kind::Function, "user")
            .iter()
            .any(|n| n.starts_with("sqlalchemy/"))
    );
    let deps = names(Kind::Layer, "deps");
    assert!(deps.iter().any(|n| n.starts_with("python/fastapi/")));
    assert!(
        !deps
            .iter()
            .any(|n| n.starts_with("python/botocore/") || n.starts_with("python/boto3/"))
    );
    assert!(names(Kind::Layer, "shared").contains(&"python/shared/__init__.py".to_owned()));

    // The runtime's boto3/botocore, at the locked versions (as Lambda's /var/runtime).
    let runtime = lamina_build::runtime_stand_in(&config, &options).unwrap();
    assert!(
        runtime
            .as_ref()
            .is_some_and(|r| r.join("botocore/__init__.py").is_file()),
        "{runtime:?}"
    );
    for domain in ["user", "ride", "payment"] {
        let f = &m.functions[domain];
        let layers: Vec<String> = f
            .layers
            .as_ref()
            .unwrap()
            .iter()
            .map(|l| root.join(&m.layers[&l.name].path).display().to_string())
            .collect();
        let event = root.join(format!("{domain}-event.json"));
        std::fs::write(
            &event,
            lamina_build::profile::http_event(&format!("/{domain}/health")).to_string(),
        )
        .unwrap();
        let out = tmp.path().join(format!("run-{domain}"));
        std::fs::create_dir_all(&out).unwrap();
        let stdout = run_python(
            &[
                "-c",
                RUN,
                root.join(&f.path).to_str().unwrap(),
                &serde_json::to_string(&layers).unwrap(),
                runtime.as_deref().and_then(Path::to_str).unwrap_or(""),
                event.to_str().unwrap(),
                out.to_str().unwrap(),
                &format!("/{domain}"),
            ],
            tmp.path(),
        );
        let result: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
        assert_eq!(result["status"], 200, "{domain}: {result}");
        let files = result["files"].as_array().unwrap();
        // fastapi came from the extracted layer, handler from the extracted function.
        assert!(
            files[0].as_str().unwrap().contains("/opt0/python/fastapi/"),
            "{files:?}"
        );
        assert!(
            files[1]
                .as_str()
                .unwrap()
                .starts_with(out.join("task").to_str().unwrap()),
            "{files:?}"
        );
    }
}
