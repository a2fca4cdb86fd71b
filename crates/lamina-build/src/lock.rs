//! Hash-pinned locks, one per dependency layer and one per domain with requirements of its own.
//!
//! A lock is uv's `pip compile --generate-hashes` output for the Lambda platform, under a header
//! that records what it was made from:
//!
//! ```text
//! # Written by `lamina lock`: do not edit. Lamina checks it against its inputs.
//! # lamina-lock-version: 1
//! # for: layer deps
//! # python: 3.12
//! # platform: x86_64-manylinux_2_28
//! # wheels-only: true
//! # inputs-sha256: 3f5c...
//! fastapi==0.165.0 \
//!     --hash=sha256:...
//! ```
//!
//! The lock is stale when any header line no longer matches: the requirements (or `uv.lock`)
//! changed, a layer lock that constrains a domain lock changed, or the project's Python version
//! or architecture changed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::error::BuildError;
use crate::hash::sha256_hex;
use crate::uv::{Target, Uv};

pub const LOCK_VERSION: u32 = 1;

/// Where a lock's requirements come from.
#[derive(Debug, Clone)]
pub enum LockInput {
    /// A requirements file, compiled with uv (project-relative path).
    Requirements(PathBuf),
    /// A uv project directory with `pyproject.toml` and `uv.lock`, exported with uv.
    Project(PathBuf),
}

/// A lock to make or check.
#[derive(Debug, Clone)]
pub struct LockSpec {
    /// `layer deps`, `domain ride`.
    pub what: String,
    pub input: LockInput,
    /// Project-relative locks whose pins constrain this one (a domain's layers).
    pub constraints: Vec<PathBuf>,
    /// Project-relative path of the lock.
    pub path: PathBuf,
    pub wheels_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockState {
    Fresh,
    Missing,
    Stale(String),
}

impl LockSpec {
    /// The hash of everything the lock is made from.
    pub fn inputs_hash(&self, root: &Path) -> Result<String, BuildError> {
        let mut text = Vec::new();
        match &self.input {
            LockInput::Requirements(p) => {
                text.extend_from_slice(b"requirements\0");
                text.extend(fs_err::read(root.join(p))?);
            }
            LockInput::Project(dir) => {
                text.extend_from_slice(b"uv-project\0");
                text.extend(fs_err::read(root.join(dir).join("pyproject.toml"))?);
                text.push(0);
                text.extend(fs_err::read(root.join(dir).join("uv.lock"))?);
            }
        }
        for c in &self.constraints {
            text.extend_from_slice(b"\0constraint\0");
            // A constraint's own header is part of its content: hash its pins only.
            let content = fs_err::read_to_string(root.join(c)).unwrap_or_default();
            text.extend(body(&content).as_bytes());
        }
        Ok(sha256_hex(&text))
    }

    fn header(&self, root: &Path, target: &Target) -> Result<Vec<(String, String)>, BuildError> {
        Ok(vec![
            ("lamina-lock-version".into(), LOCK_VERSION.to_string()),
            ("for".into(), self.what.clone()),
            ("python".into(), target.python.as_str().into()),
            ("platform".into(), target.platform().into()),
            ("wheels-only".into(), self.wheels_only.to_string()),
            ("inputs-sha256".into(), self.inputs_hash(root)?),
        ])
    }

    /// Whether the lock on disk was made from the current inputs.
    pub fn state(&self, root: &Path, target: &Target) -> Result<LockState, BuildError> {
        let path = root.join(&self.path);
        let Ok(text) = fs_err::read_to_string(&path) else {
            return Ok(LockState::Missing);
        };
        let found = parse_header(&text);
        for (key, want) in self.header(root, target)? {
            // A wheels-only lock also serves a Docker build.
            if key == "wheels-only" && !self.wheels_only {
                continue;
            }
            match found.get(&key) {
                Some(have) if *have == want => {}
                Some(have) => {
                    let why = if key == "inputs-sha256" {
                        match &self.input {
                            LockInput::Requirements(p) if self.constraints.is_empty() => {
                                format!("`{}` changed", p.display())
                            }
                            LockInput::Requirements(p) => {
                                format!("`{}` or a layer's lock changed", p.display())
                            }
                            LockInput::Project(d) => format!("`{}/uv.lock` changed", d.display()),
                        }
                    } else {
                        format!("{key} is {have}, the project wants {want}")
                    };
                    return Ok(LockState::Stale(why));
                }
                None => return Ok(LockState::Stale(format!("no `{key}` in its header"))),
            }
        }
        Ok(LockState::Fresh)
    }

    /// Makes the lock with uv and writes it.
    pub fn write(&self, uv: &Uv, root: &Path, target: &Target) -> Result<(), BuildError> {
        let path = root.join(&self.path);
        let previous = path.is_file().then_some(self.path.as_path());
        let body = match &self.input {
            LockInput::Requirements(p) => uv.compile(
                root,
                p,
                &self.constraints,
                previous,
                target,
                self.wheels_only,
            )?,
            LockInput::Project(dir) => uv.export(&root.join(dir))?,
        };
        let mut text = String::from(
            "# Written by `lamina lock`: do not edit. Lamina checks it against its inputs.\n",
        );
        for (k, v) in self.header(root, target)? {
            text.push_str(&format!("# {k}: {v}\n"));
        }
        text.push_str(body.trim_start_matches('\n'));
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent)?;
        }
        fs_err::write(&path, text)?;
        Ok(())
    }
}

fn parse_header(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .filter_map(|l| {
            let (k, v) = l.trim_start_matches('#').trim().split_once(": ")?;
            Some((k.to_owned(), v.to_owned()))
        })
        .collect()
}

/// The lock without its header.
pub fn body(text: &str) -> &str {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with('#') {
            at += line.len();
        } else {
            break;
        }
    }
    &text[at..]
}

/// One pinned package of a lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    /// Normalised name: lowercase, `-` for `_` and `.`.
    pub name: String,
    /// The requirement block as written, with its hashes.
    pub text: String,
    /// Normalised names of the packages that need it; `-r ...` means the user asked for it.
    pub via: Vec<String>,
}

/// Parses uv's requirements output: `name==version \` then `--hash` lines, then `# via` lines.
pub fn pins(text: &str) -> Vec<Pin> {
    let mut out: Vec<Pin> = Vec::new();
    let mut in_via = false;
    for line in body(text).lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if !line.starts_with([' ', '\t', '#']) {
            let spec = trimmed.trim_end_matches('\\').trim();
            let name = spec
                .split(|c: char| "=<>!~;[ ".contains(c))
                .next()
                .unwrap_or(spec);
            out.push(Pin {
                name: normalize(name),
                text: format!("{line}\n"),
                via: Vec::new(),
            });
            in_via = false;
            continue;
        }
        let Some(pin) = out.last_mut() else { continue };
        if let Some(rest) = trimmed.strip_prefix("# via") {
            in_via = true;
            let rest = rest.trim();
            if !rest.is_empty() {
                pin.via.push(via_name(rest));
            }
        } else if in_via && trimmed.starts_with('#') {
            pin.via
                .push(via_name(trimmed.trim_start_matches('#').trim()));
        } else if !trimmed.starts_with('#') {
            pin.text.push_str(line);
            pin.text.push('\n');
        }
    }
    out
}

fn via_name(s: &str) -> String {
    if s.starts_with("-r") || s.starts_with("-c") {
        s.split_whitespace().next().unwrap_or(s).to_owned()
    } else {
        normalize(s.split_whitespace().next().unwrap_or(s))
    }
}

/// What identifies a pin's files whatever the lock's formatting: its requirement with the name
/// normalised (`name==version`, extras and markers as written), and its wheel hashes, sorted.
pub fn pin_identity(pin_text: &str) -> (String, Vec<String>) {
    let mut words = pin_text
        .split_whitespace()
        .filter(|w| *w != "\\")
        .peekable();
    let mut spec = String::new();
    while let Some(w) = words.next_if(|w| !w.starts_with("--")) {
        if !spec.is_empty() {
            spec.push(' ');
        }
        spec.push_str(w.trim_end_matches('\\'));
    }
    let cut = spec
        .find(|c: char| "=<>!~;[ @".contains(c))
        .unwrap_or(spec.len());
    let spec = format!("{}{}", normalize(&spec[..cut]), &spec[cut..]);
    let mut hashes: Vec<String> = words
        .filter_map(|w| w.strip_prefix("--hash="))
        .map(str::to_owned)
        .collect();
    hashes.sort();
    (spec, hashes)
}

/// PEP 503 normalisation.
pub fn normalize(name: &str) -> String {
    name.to_ascii_lowercase().replace(['_', '.'], "-")
}

/// Packages the Lambda Python runtime already provides.
pub const RUNTIME_PROVIDED: [&str; 3] = ["boto3", "botocore", "s3transfer"];

/// The pins to install, without the AWS SDK (when `drop_sdk`) unless the user asked for it, and
/// without packages that only the dropped ones need.
pub fn without_runtime_provided(pins: &[Pin], drop_sdk: bool) -> (Vec<Pin>, BTreeSet<String>) {
    if !drop_sdk {
        return (pins.to_vec(), BTreeSet::new());
    }
    let seed = pins
        .iter()
        .filter(|p| RUNTIME_PROVIDED.contains(&p.name.as_str()) && !p.via.iter().any(|v| v == "-r"))
        .map(|p| p.name.clone())
        .collect();
    without(pins, seed)
}

/// The pins without `seed` (normalised names) and the packages that only they need (a layer's
/// `exclude`).
pub fn without(pins: &[Pin], seed: BTreeSet<String>) -> (Vec<Pin>, BTreeSet<String>) {
    let mut dropped = seed;
    // Then anything whose every dependent was dropped, until nothing changes.
    loop {
        let before = dropped.len();
        for p in pins {
            if !p.via.is_empty()
                && !dropped.contains(&p.name)
                && p.via.iter().all(|v| dropped.contains(v))
            {
                dropped.insert(p.name.clone());
            }
        }
        if dropped.len() == before {
            break;
        }
    }
    let kept = pins
        .iter()
        .filter(|p| !dropped.contains(&p.name))
        .cloned()
        .collect();
    (kept, dropped)
}

/// The names a requirements file asks for (normalised), leaving out options, includes and
/// requirements with environment markers (which may not apply to Lambda).
pub fn requested_names(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split(" #").next().unwrap_or(l).trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('-') && !l.contains(';'))
        .filter_map(|l| {
            let name = l
                .split(|c: char| "=<>!~[ @(".contains(c))
                .next()
                .unwrap_or("")
                .trim();
            (!name.is_empty() && !name.contains('/')).then(|| normalize(name))
        })
        .collect()
}

/// The names `[project] dependencies` of a `pyproject.toml` asks for (normalised).
pub fn pyproject_names(text: &str) -> Vec<String> {
    let Ok(doc) = toml::from_str::<toml::Table>(text) else {
        return Vec::new();
    };
    doc.get("project")
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_array())
        .map(|deps| {
            let lines: Vec<&str> = deps.iter().filter_map(|d| d.as_str()).collect();
            requested_names(&lines.join("\n"))
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_is_identified_by_its_requirement_and_hashes_only() {
        let a = "PyJWT[crypto]==2.15.1 \\\n    --hash=sha256:bb \\\n    --hash=sha256:aa\n";
        let b = "pyjwt[crypto]==2.15.1 --hash=sha256:aa --hash=sha256:bb\n";
        let (spec, hashes) = pin_identity(a);
        assert_eq!(spec, "pyjwt[crypto]==2.15.1");
        assert_eq!(hashes, ["sha256:aa", "sha256:bb"]);
        assert_eq!(pin_identity(a), pin_identity(b));
        assert_ne!(
            pin_identity(a),
            pin_identity("pyjwt[crypto]==2.15.2 --hash=sha256:aa\n")
        );
        let marked =
            pin_identity("greenlet==3.3.0 ; python_version < \"3.14\" \\\n    --hash=sha256:cc\n");
        assert_eq!(marked.0, "greenlet==3.3.0 ; python_version < \"3.14\"");
    }

    #[test]
    fn requested_names_skip_options_and_markers() {
        let names = requested_names(
            "# c\n-r other.txt\nFastAPI[standard]>=0.110 # web\nSQLAlchemy==2.0.36\npywin32; sys_platform == 'win32'\npsycopg[binary] @ https://x/y.whl\n",
        );
        assert_eq!(names, ["fastapi", "sqlalchemy", "psycopg"]);
        assert_eq!(
            pyproject_names(
                "[project]\nname = \"a\"\ndependencies = [\"alembic>=1.13\", \"PyJWT==2.9\"]\n"
            ),
            ["alembic", "pyjwt"]
        );
    }

    const LOCK: &str = "# header: x\naws-xray-sdk==2.15.0 \\\n    --hash=sha256:aa\n    # via aws-lambda-powertools\nbotocore==1.44.8 \\\n    --hash=sha256:bb\n    # via aws-xray-sdk\njmespath==1.1.0 \\\n    --hash=sha256:cc\n    # via\n    #   aws-lambda-powertools\n    #   botocore\nurllib3==2.8.0 \\\n    --hash=sha256:dd\n    # via botocore\n";

    #[test]
    fn drops_the_sdk_and_what_only_it_needs() {
        let pins = pins(LOCK);
        assert_eq!(pins.len(), 4);
        assert_eq!(pins[2].via, ["aws-lambda-powertools", "botocore"]);
        let (kept, dropped) = without_runtime_provided(&pins, true);
        assert_eq!(
            dropped.into_iter().collect::<Vec<_>>(),
            ["botocore", "urllib3"]
        );
        assert_eq!(kept.len(), 2);
        assert!(kept[0].text.contains("--hash=sha256:aa"));
    }

    #[test]
    fn keeps_a_pinned_sdk() {
        let pins = pins("boto3==1.0 \\\n    --hash=sha256:aa\n    # via -r requirements.txt\n");
        assert_eq!(pins[0].via, ["-r"]);
        let (kept, _) = without_runtime_provided(&pins, true);
        assert_eq!(kept.len(), 1);
    }
}
