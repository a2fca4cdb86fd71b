//! Secret-looking values where secrets must never be: Terraform variable files (they end up in
//! state and plans), env files (`VITE_*` ones end up in the public bundle) and lamina.toml's env
//! tables (they become plain Lambda environment variables and sit in git). Secrets belong in SSM
//! (`lamina secret set`), named by the domain's `secrets = [...]`.
//!
//! Two signals: the shape of well-known credentials (AWS access keys, private keys, GitHub,
//! Slack, Stripe, Google and npm tokens, JWTs), anywhere; and a secret-sounding name
//! (`PASSWORD`, `API_KEY`, `TOKEN`, ...) holding something that is not a placeholder or a
//! reference (an SSM path, an ARN, `${...}`).

use std::path::{Path, PathBuf};

use lamina_config::LoadedConfig;

use crate::report::{Outcome, Problem};

/// Directories never scanned: dependencies, build output, tool state.
const SKIP_DIRS: [&str; 8] = [
    ".git",
    "node_modules",
    ".venv",
    ".lamina",
    ".terraform",
    "dist",
    "__pycache__",
    ".tools",
];

const SECRET_WORDS: [&str; 10] = [
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
    "CLIENT_SECRET",
];

const PLACEHOLDERS: [&str; 12] = [
    "changeme",
    "change-me",
    "change_me",
    "example",
    "placeholder",
    "dummy",
    "your-",
    "your_",
    "xxx",
    "todo",
    "redacted",
    "replace",
];

/// Why `value` (under `key`) looks like a secret, if it does.
pub(crate) fn looks_secret(key: &str, value: &str) -> Option<&'static str> {
    let v = value.trim().trim_matches(['"', '\'']);
    if let Some(kind) = known_shape(v) {
        return Some(kind);
    }
    let upper = key.to_ascii_uppercase().replace('-', "_");
    if !SECRET_WORDS.iter().any(|w| upper.contains(w)) || v.len() < 8 {
        return None;
    }
    let lower = v.to_ascii_lowercase();
    let reference = v.starts_with('/')
        || lower.starts_with("arn:")
        || lower.starts_with("ssm:")
        || v.contains("${")
        || v.contains("{{")
        || v.starts_with('<')
        || v.starts_with('$');
    if reference || PLACEHOLDERS.iter().any(|p| lower.contains(p)) {
        return None;
    }
    Some("a secret-sounding name with a value")
}

fn known_shape(v: &str) -> Option<&'static str> {
    let alnum_run = |s: &str, n: usize| {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .count()
            >= n
    };
    for (prefix, len, kind) in [
        ("AKIA", 16, "an AWS access key id"),
        ("ASIA", 16, "an AWS access key id"),
        ("ghp_", 30, "a GitHub token"),
        ("gho_", 30, "a GitHub token"),
        ("ghs_", 30, "a GitHub token"),
        ("github_pat_", 30, "a GitHub token"),
        ("glpat-", 20, "a GitLab token"),
        ("xoxb-", 20, "a Slack token"),
        ("xoxp-", 20, "a Slack token"),
        ("sk_live_", 16, "a Stripe secret key"),
        ("sk_test_", 16, "a Stripe secret key"),
        ("rk_live_", 16, "a Stripe secret key"),
        ("AIza", 35, "a Google API key"),
        ("npm_", 36, "an npm token"),
    ] {
        if let Some(i) = v.find(prefix) {
            let rest = &v[i + prefix.len()..];
            let at_word_start = i == 0 || !v.as_bytes()[i - 1].is_ascii_alphanumeric();
            if at_word_start && alnum_run(rest, len) {
                return Some(kind);
            }
        }
    }
    if v.contains("-----BEGIN") && v.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    let parts: Vec<&str> = v.split('.').collect();
    if parts.len() == 3
        && parts[0].starts_with("eyJ")
        && parts[1].starts_with("eyJ")
        && parts[2].len() >= 16
    {
        return Some("a JSON Web Token");
    }
    None
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !SKIP_DIRS.contains(&name) {
                walk(&path, out);
            }
        } else if name == ".env"
            || name.starts_with(".env.")
            || name.ends_with(".tfvars")
            || (name.ends_with(".tfvars.json") && name != "lamina.auto.tfvars.json")
        {
            out.push(path);
        }
    }
}

/// `KEY=value`, `export KEY="value"`, `key = "value"` (HCL): the key and the value of a line.
fn assignment(line: &str) -> Option<(&str, &str)> {
    let line = line.trim();
    if line.starts_with('#') || line.starts_with("//") {
        return None;
    }
    let line = line.strip_prefix("export ").unwrap_or(line);
    let (key, value) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    if key.is_empty() || key.contains(' ') {
        return None;
    }
    Some((key, value.trim()))
}

/// Every string of a JSON document with its key.
fn json_strings<'a>(key: &str, value: &'a serde_json::Value, out: &mut Vec<(String, &'a str)>) {
    match value {
        serde_json::Value::String(s) => out.push((key.to_owned(), s)),
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_strings(key, v, out)),
        serde_json::Value::Object(map) => map.iter().for_each(|(k, v)| json_strings(k, v, out)),
        _ => {}
    }
}

fn problem(kind: &str, what: String, at: String, hint: &str) -> Problem {
    Problem::new(format!("{what} looks like {kind}"))
        .at(at)
        .hint(hint)
}

const HINT: &str = "keep secrets in SSM: `lamina secret set --stage STAGE NAME`, and list NAME in the domain's `secrets`; a secret that was ever committed must be rotated";
const VITE_HINT: &str = "every VITE_* value is compiled into the public JavaScript bundle: a secret there is readable by anyone; keep it on the server (SSM, `lamina secret set`)";

pub(crate) fn check(config: &LoadedConfig, mut outcome: Outcome) -> Outcome {
    let root = &config.root;
    let show = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
    let mut files = Vec::new();
    walk(root, &mut files);
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let is_json = file.extension().is_some_and(|e| e == "json");
        if is_json {
            let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            let mut strings = Vec::new();
            json_strings("", &doc, &mut strings);
            for (key, value) in strings {
                if let Some(kind) = looks_secret(&key, value) {
                    let line = text
                        .lines()
                        .position(|l| l.contains(value))
                        .map_or(1, |i| i + 1);
                    outcome.problems.push(problem(
                        kind,
                        format!("`{key}`"),
                        format!("{}:{line}", show(file)),
                        HINT,
                    ));
                }
            }
            continue;
        }
        for (i, line) in text.lines().enumerate() {
            let Some((key, value)) = assignment(line) else {
                continue;
            };
            if let Some(kind) = looks_secret(key, value) {
                let hint = if key.starts_with("VITE_") {
                    VITE_HINT
                } else {
                    HINT
                };
                outcome.problems.push(problem(
                    kind,
                    format!("`{key}`"),
                    format!("{}:{}", show(file), i + 1),
                    hint,
                ));
            }
        }
    }
    // lamina.toml: the domains' env (Lambda environment variables) and the frontend's (public).
    let at = |span: std::ops::Range<usize>| {
        let (line, col) = config.source.line_col(span.start);
        format!("{}:{line}:{col}", config.source.path.display())
    };
    let mut values = 0;
    for (domain, settings) in &config.config.domains {
        for (key, value) in &settings.env {
            values += 1;
            if let Some(kind) = looks_secret(key.get_ref(), value) {
                outcome.problems.push(problem(
                    kind,
                    format!("[domains.{}.env] `{}`", domain.get_ref(), key.get_ref()),
                    at(key.span()),
                    HINT,
                ));
            }
        }
    }
    if let Some(frontend) = &config.config.frontend {
        for (stage, env) in &frontend.env {
            for (key, value) in env {
                values += 1;
                if let Some(kind) = looks_secret(key.get_ref(), value) {
                    outcome.problems.push(problem(
                        kind,
                        format!("[frontend.env.{}] `{}`", stage.get_ref(), key.get_ref()),
                        at(key.span()),
                        VITE_HINT,
                    ));
                }
            }
        }
    }
    outcome.detail = format!("{} files, {values} lamina.toml values", files.len() + 1);
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_not_secrets() {
        assert_eq!(
            looks_secret("X", "AKIAIOSFODNN7EXAMPLE"),
            Some("an AWS access key id")
        );
        assert_eq!(
            looks_secret("STRIPE", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
            Some("a Stripe secret key")
        );
        assert!(looks_secret("DB_PASSWORD", "\"hunter2-but-longer\"").is_some());
        assert!(looks_secret("key", "-----BEGIN RSA PRIVATE KEY-----").is_some());
        // References and placeholders are fine, and so is a harmless name.
        assert_eq!(looks_secret("DB_PASSWORD", "/rides/dev/db-password"), None);
        assert_eq!(looks_secret("API_KEY", "${STRIPE_KEY}"), None);
        assert_eq!(looks_secret("API_KEY", "your-api-key-here"), None);
        assert_eq!(looks_secret("VITE_APP_TITLE", "rides (dev) and more"), None);
        assert_eq!(looks_secret("TOKEN_MINUTES", "60"), None);
        assert_eq!(looks_secret("X", "TASKAIA1234"), None);
    }

    #[test]
    fn assignments_of_env_and_tfvars() {
        assert_eq!(
            assignment("export A_TOKEN=\"abc\""),
            Some(("A_TOKEN", "\"abc\""))
        );
        assert_eq!(
            assignment("  db_password = \"x\""),
            Some(("db_password", "\"x\""))
        );
        assert_eq!(assignment("# SECRET=x"), None);
    }
}
