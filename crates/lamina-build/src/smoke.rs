//! After a build, each function's handler is imported as Lambda would import it: from its zip
//! and its layers, extracted, in a fresh `python -I -S -B` with the function's environment.
//! A missing module fails the build (a layer that lacks a package would otherwise exit 0 and
//! fail on the first request in the cloud); any other exception at import is a warning, since it
//! may need what only the cloud has (a secret, a database).
//!
//! The result is kept in the shared cache's `imports/<key>` (or `.lamina/cache/v1/imports/<key>`
//! without it), the key being the hash of the function's and its layers' zips and of its
//! environment: an unchanged build imports nothing, and spawns nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::manifest::Manifest;
use crate::{BuildError, Project, Reporter, hash, profile};

const SCRIPT: &str = r#"
import json, sys, traceback
out, paths = sys.argv[1], json.loads(sys.argv[2])
sys.path[:0] = paths
result = {"ok": True}
try:
    import importlib
    module = importlib.import_module("handler")
    if not callable(getattr(module, "handler", None)):
        result = {"ok": False, "kind": "handler", "message": "handler.py has no callable `handler`"}
except ModuleNotFoundError as e:
    result = {"ok": False, "kind": "missing", "module": e.name, "message": str(e), "trace": traceback.format_exc(limit=-3)}
except BaseException as e:
    result = {"ok": False, "kind": "other", "message": f"{type(e).__name__}: {e}", "trace": traceback.format_exc(limit=-3)}
with open(out, "w") as f:
    json.dump(result, f)
"#;

/// Imports every function's handler whose artifacts have no recorded result; returns warnings.
/// `stand_in` is the runtime's boto3 stand-in, or why there is none; it only matters when a
/// handler has to be imported.
pub(crate) fn check_imports(
    project: &Project<'_>,
    manifest: &Manifest,
    stand_in: Result<Option<PathBuf>, BuildError>,
    reporter: &dyn Reporter,
) -> Result<Vec<String>, BuildError> {
    // Verdicts are keyed by the artifacts' hashes, so any project's check of the same bytes counts.
    let dir = project.shared().map_or_else(
        || project.root.join(".lamina/cache/v1/imports"),
        crate::shared::SharedCache::imports_dir,
    );
    let mut todo = Vec::new();
    for (name, function) in &manifest.functions {
        let mut key = format!(
            "import-check/1\0{}\0{}\0{}",
            project.target.python.as_str(),
            function.sha256,
            project.config.probe_path(name)
        );
        for layer in function.layers.iter().flatten() {
            key.push('\0');
            key.push_str(&layer.sha256);
        }
        // The function's environment is part of what its import sees.
        for (k, v) in profile::lambda_env(project.config, &manifest.stage, name, Path::new("")) {
            key.push_str(&format!("\0{k}={v}"));
        }
        let marker = dir.join(hash::sha256_hex(key.as_bytes()));
        todo.push((name.clone(), marker));
    }
    let mut warnings = Vec::new();
    let pending: Vec<&(String, PathBuf)> = todo
        .iter()
        .filter(|(_, marker)| {
            match fs_err::read_to_string(marker) {
                Ok(text) if text.is_empty() => false,
                Ok(text) => {
                    // A warning stays a warning on every build until the code changes.
                    warnings.push(text);
                    false
                }
                Err(_) => true,
            }
        })
        .collect();
    if pending.is_empty() {
        return Ok(warnings);
    }
    let Some(python) = project
        .resolved_compiler()
        .cloned()
        .or_else(|| crate::slim::Interpreter::find(project.target.python.as_str()))
    else {
        warnings.push(format!(
            "handlers were not test-imported: no Python {} here (`python{}` on PATH or `LAMINA_PYTHON`)",
            project.target.python.as_str(),
            project.target.python.as_str()
        ));
        return Ok(warnings);
    };
    let stand_in = stand_in?;
    // Extracted one after the other (functions share their layers' directories), then one
    // fresh interpreter per function, all at once.
    let mut layouts = Vec::new();
    for (name, _) in &pending {
        reporter.on_step(&format!("function {name}"), "import check");
        layouts.push(profile::layout(
            &project.root,
            manifest,
            name,
            stand_in.as_deref(),
        )?);
    }
    let outcomes: Vec<Result<Outcome, BuildError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = pending
            .iter()
            .zip(&layouts)
            .map(|((name, _), layout)| {
                let python = &python;
                scope.spawn(move || import_handler(project, &manifest.stage, name, layout, python))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("an import check thread panicked"))
            .collect()
    });
    let mut failures = Vec::new();
    for ((_, marker), outcome) in pending.into_iter().zip(outcomes) {
        match outcome? {
            Outcome::Ok => crate::cache::write_atomic(marker, b"")?,
            Outcome::Warning(text) => {
                crate::cache::write_atomic(marker, text.as_bytes())?;
                warnings.push(text);
            }
            Outcome::Failed(text) => failures.push(text),
        }
    }
    if failures.is_empty() {
        Ok(warnings)
    } else {
        Err(BuildError::ImportCheck(failures.join("\n")))
    }
}

enum Outcome {
    Ok,
    Warning(String),
    Failed(String),
}

fn import_handler(
    project: &Project<'_>,
    stage: &str,
    domain: &str,
    layout: &profile::Layout,
    python: &crate::slim::Interpreter,
) -> Result<Outcome, BuildError> {
    let paths = layout.paths_json();
    let out_file = std::env::temp_dir().join(format!(
        "lamina-import-{}-{domain}.json",
        std::process::id()
    ));
    let env = profile::lambda_env(project.config, stage, domain, &layout.paths[0]);
    let out = Command::new(&python.path)
        .args(["-I", "-S", "-B", "-c", SCRIPT])
        .arg(&out_file)
        .arg(&paths)
        .env_clear()
        .envs(env)
        .current_dir(&layout.paths[0])
        .output()?;
    let result: serde_json::Value = fs_err::read_to_string(&out_file)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| {
            serde_json::json!({
                "ok": false,
                "kind": "other",
                "message": format!("the interpreter exited with {}", out.status),
                "trace": String::from_utf8_lossy(&out.stderr),
            })
        });
    let _ = fs_err::remove_file(&out_file);
    if result["ok"].as_bool() == Some(true) {
        return Ok(Outcome::Ok);
    }
    let message = result["message"].as_str().unwrap_or("").to_owned();
    let trace = result["trace"].as_str().unwrap_or("").trim_end().to_owned();
    Ok(match result["kind"].as_str() {
        Some("missing") => Outcome::Failed(format!(
            "function {domain} cannot import its handler on Lambda: {message} (module `{}` is in neither its zip nor its layers)\n{trace}",
            result["module"].as_str().unwrap_or("?")
        )),
        Some("handler") => Outcome::Failed(format!("function {domain}: {message}")),
        _ => Outcome::Warning(format!(
            "function {domain}: importing its handler raised {message}; it may need something only its stage has (a secret, a database)"
        )),
    })
}
