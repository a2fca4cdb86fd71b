//! Values that exist on the developer's machine only: a domain's `env_file`, and the local
//! values of its declared secrets in `lamina.local.toml`. `lamina dev` and `lamina run` read
//! them; `lamina deploy` never does (a deployed stage reads its secrets from SSM, set with
//! `lamina secret set`). Both files belong in `.gitignore`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::diagnostic::{Diagnostic, Source};
use crate::{LoadedConfig, validate};

/// The git-ignored file of local secret values, next to lamina.toml.
pub const LOCAL_FILE: &str = "lamina.local.toml";

/// `lamina.local.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LocalFile {
    /// Local values of declared secrets, by secret name (`db-password = "postgres"`).
    #[serde(default)]
    secrets: BTreeMap<String, String>,
}

/// What a domain gets locally on top of its deployed environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalEnv {
    /// Variables to add (they win over the deployed ones).
    pub vars: BTreeMap<String, String>,
    /// Things to tell the developer (a missing env file, a secret without a local value).
    pub warnings: Vec<String>,
}

/// The local additions to `domain`'s environment in `stage`: its `env_file` (the domain's, then
/// the stage's), then `LAMINA_SECRET_<NAME>_VALUE` for each declared secret with a value in
/// `lamina.local.toml`. An unreadable or invalid file is an error, rendered as a diagnostic.
pub fn local_env(config: &LoadedConfig, stage: &str, domain: &str) -> Result<LocalEnv, String> {
    let mut out = LocalEnv::default();
    let Some(d) = config.config.domains.get(domain) else {
        return Ok(out);
    };
    let files = d
        .env_file
        .iter()
        .chain(d.stages.get(stage).and_then(|s| s.env_file.as_ref()));
    for file in files {
        let path = config.root.join(file.get_ref());
        match fs_err::read_to_string(&path) {
            Ok(text) => {
                let vars = parse_dotenv(&text)
                    .map_err(|(line, why)| format!("{}:{line}: {why}", file.get_ref()))?;
                out.vars.extend(vars);
            }
            Err(_) => out.warnings.push(format!(
                "domain `{domain}`: env_file `{}` does not exist; its values are not set",
                file.get_ref()
            )),
        }
    }
    if d.secrets.is_empty() {
        return Ok(out);
    }
    let local = read_local_file(&config.root)?;
    for secret in &d.secrets {
        let name = secret.get_ref();
        match local.secrets.get(name) {
            Some(value) => {
                out.vars.insert(
                    format!("LAMINA_SECRET_{}_VALUE", crate::env_suffix(name)),
                    value.clone(),
                );
            }
            None => out.warnings.push(format!(
                "domain `{domain}`: secret `{name}` has no local value (add `{name} = \"...\"` under `[secrets]` in {LOCAL_FILE})"
            )),
        }
    }
    Ok(out)
}

fn read_local_file(root: &Path) -> Result<LocalFile, String> {
    let path = root.join(LOCAL_FILE);
    let Ok(text) = fs_err::read_to_string(&path) else {
        return Ok(LocalFile::default());
    };
    toml::from_str(&text).map_err(|e| {
        let source = Source::new(LOCAL_FILE, text.as_str());
        let d: Diagnostic = validate::from_toml_error(&source, &e);
        d.to_string()
    })
}

/// Parses a dotenv file: `KEY=value` lines, `export KEY=value`, `#` comments, blank lines, and
/// values in single quotes (kept as written) or double quotes (with `\n`, `\"` and `\\`).
/// Returns the 1-based line and the reason of the first bad line.
pub fn parse_dotenv(text: &str) -> Result<BTreeMap<String, String>, (usize, String)> {
    let mut out = BTreeMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            return Err((i + 1, "expected `KEY=value`".into()));
        };
        let key = key.trim();
        if key.is_empty()
            || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            || key.starts_with(|c: char| c.is_ascii_digit())
        {
            return Err((i + 1, format!("`{key}` is not a variable name")));
        }
        let value = value.trim();
        let value = if let Some(inner) = value.strip_prefix('\'') {
            inner
                .strip_suffix('\'')
                .ok_or((i + 1, "unclosed `'`".to_owned()))?
                .to_owned()
        } else if let Some(inner) = value.strip_prefix('"') {
            let inner = inner
                .strip_suffix('"')
                .ok_or((i + 1, "unclosed `\"`".to_owned()))?;
            inner
                .replace("\\n", "\n")
                .replace("\\\"", "\"")
                .replace("\\\\", "\\")
        } else {
            // An unquoted value ends at ` #`.
            value
                .split(" #")
                .next()
                .unwrap_or(value)
                .trim_end()
                .to_owned()
        };
        out.insert(key.to_owned(), value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_lines() {
        let vars = parse_dotenv(
            "# local\nDATABASE_URL=postgresql://u:p@127.0.0.1/db # a comment\nexport A='x # y'\nB=\"l1\\nl2\"\n\n",
        )
        .unwrap();
        assert_eq!(vars["DATABASE_URL"], "postgresql://u:p@127.0.0.1/db");
        assert_eq!(vars["A"], "x # y");
        assert_eq!(vars["B"], "l1\nl2");
        assert_eq!(parse_dotenv("A=1\nnot a line\n").unwrap_err().0, 2);
        assert!(parse_dotenv("1A=x").is_err());
    }
}
