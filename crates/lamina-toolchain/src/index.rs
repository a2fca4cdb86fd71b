//! The user's Python package index: its simple API (PEP 691 JSON, or PEP 503 HTML), for the
//! files of a project.

use serde_json::Value;

/// The index uv would use: `UV_DEFAULT_INDEX`, `UV_INDEX_URL`, `PIP_INDEX_URL`, else PyPI.
pub fn index_url() -> String {
    ["UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_INDEX_URL"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "https://pypi.org/simple".to_owned())
        .trim_end_matches('/')
        .to_owned()
}

/// One file of a project on the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFile {
    pub filename: String,
    pub url: String,
    /// The sha256 the index states, when it does.
    pub sha256: Option<String>,
}

/// PEP 503 normalisation.
pub fn normalize(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Every file of `project` on the user's index ([`index_url`]).
pub fn project_files(project: &str) -> Result<Vec<IndexFile>, String> {
    project_files_at(&index_url(), project)
}

/// Every file of `project` on the index at `index` (a simple API root).
pub fn project_files_at(index: &str, project: &str) -> Result<Vec<IndexFile>, String> {
    let base = format!("{}/{}/", index.trim_end_matches('/'), normalize(project));
    let body = crate::http::get(
        &base,
        "application/vnd.pypi.simple.v1+json, text/html;q=0.1",
    )?;
    let uri: http::Uri = base.parse().map_err(|e| format!("{e}"))?;
    if let Ok(json) = serde_json::from_slice::<Value>(&body) {
        let files = json["files"].as_array().cloned().unwrap_or_default();
        return Ok(files
            .iter()
            .filter_map(|f| {
                Some(IndexFile {
                    filename: f["filename"].as_str()?.to_owned(),
                    url: crate::http::join(&uri, f["url"].as_str()?),
                    sha256: f["hashes"]["sha256"].as_str().map(str::to_owned),
                })
            })
            .collect());
    }
    // PEP 503: `<a href="url#sha256=...">filename</a>`.
    let html = String::from_utf8_lossy(&body);
    let mut out = Vec::new();
    for part in html.split("<a ").skip(1) {
        let Some(href_at) = part.find("href=\"") else {
            continue;
        };
        let rest = &part[href_at + 6..];
        let Some(end) = rest.find('"') else { continue };
        let href = rest[..end].replace("&amp;", "&");
        let Some(name_start) = part.find('>') else {
            continue;
        };
        let filename = part[name_start + 1..]
            .split('<')
            .next()
            .unwrap_or("")
            .trim()
            .to_owned();
        let (link, fragment) = href.split_once('#').unwrap_or((href.as_str(), ""));
        out.push(IndexFile {
            filename,
            url: crate::http::join(&uri, link),
            sha256: fragment.strip_prefix("sha256=").map(str::to_owned),
        });
    }
    Ok(out)
}

/// The wheels the index has for one version, as `platform (python)` items: what an error about a
/// missing wheel lists. `None` when the index cannot be read.
pub fn wheel_platforms(project: &str, version: &str) -> Option<Vec<String>> {
    let files = project_files(project).ok()?;
    let want = normalize(project);
    let mut out: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let stem = f.filename.strip_suffix(".whl")?;
            let mut fields = stem.split('-');
            let (name, v) = (fields.next()?, fields.next()?);
            if normalize(name) != want || v != version {
                return None;
            }
            let parts: Vec<&str> = stem.rsplitn(4, '-').collect();
            // platform, abi, python, rest
            Some(format!("{} ({})", parts.first()?, parts.get(2)?))
        })
        .collect();
    out.sort();
    out.dedup();
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_normalise() {
        assert_eq!(
            super::normalize("Argon2_CFFI.bindings"),
            "argon2-cffi-bindings"
        );
        assert_eq!(super::normalize("uv"), "uv");
    }
}
