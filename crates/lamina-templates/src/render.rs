//! The whole template language: `{{key}}` in `.tmpl` files, `__domain__` in paths.
//!
//! It is this small on purpose: templates stay ordinary files that ruff, tsc and terraform can
//! read, and a key that is not provided is an error rather than an empty string.

use std::collections::BTreeMap;

/// Values substituted into templates.
pub type Vars = BTreeMap<&'static str, String>;

#[derive(Debug, thiserror::Error)]
#[error("template `{file}` uses `{{{{{key}}}}}`, which has no value")]
pub struct UnknownKey {
    pub file: String,
    pub key: String,
}

/// Replaces every `{{key}}` (key: lowercase letters and `_`) with its value.
pub fn render(file: &str, text: &str, vars: &Vars) -> Result<String, UnknownKey> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after.find("}}");
        let key = end.map(|e| &after[..e]);
        match key {
            Some(key)
                if !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_') =>
            {
                let value = vars.get(key).ok_or_else(|| UnknownKey {
                    file: file.to_owned(),
                    key: key.to_owned(),
                })?;
                out.push_str(&rest[..start]);
                out.push_str(value);
                rest = &after[key.len() + 2..];
            }
            _ => {
                out.push_str(&rest[..start + 2]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        Vars::from([
            ("domain", "ride".to_owned()),
            ("prefix", "/ride".to_owned()),
        ])
    }

    #[test]
    fn substitutes_known_keys() {
        let out = render("f", "x {{domain}} at {{prefix}}/health", &vars()).unwrap();
        assert_eq!(out, "x ride at /ride/health");
    }

    #[test]
    fn leaves_other_braces_alone() {
        let text = "style={{ color: 'red' }} {{}} {{Domain}}";
        assert_eq!(render("f", text, &vars()).unwrap(), text);
    }

    #[test]
    fn unknown_key_is_an_error() {
        let err = render("a.py.tmpl", "{{nope}}", &vars()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "template `a.py.tmpl` uses `{{nope}}`, which has no value"
        );
    }
}
