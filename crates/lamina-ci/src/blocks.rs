//! Marked blocks: the parts of a file Lamina owns. Between
//!
//! ```text
//! # >>> lamina:jobs (written by `lamina ci github` from lamina.toml: edits here are replaced)
//! # <<< lamina:jobs
//! ```
//!
//! the text is regenerated on every run; everything outside is the user's and is kept byte for
//! byte (extra jobs after the block, more triggers, comments). A block the user deleted stays
//! deleted, and is reported.

use std::path::Path;

use crate::error::CiError;

const OPEN: &str = "# >>> lamina:";
const CLOSE: &str = "# <<< lamina:";

/// The line that opens block `name`, at `indent` spaces.
pub fn open_line(indent: usize, name: &str) -> String {
    format!(
        "{:indent$}{OPEN}{name} (written by `lamina ci github` from lamina.toml: edits inside are replaced)",
        ""
    )
}

pub fn close_line(indent: usize, name: &str) -> String {
    format!("{:indent$}{CLOSE}{name}", "")
}

/// A block: its name and the byte range of its inner lines (after the opening line, before the
/// closing one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub name: String,
    pub inner: std::ops::Range<usize>,
}

/// The blocks of `text`, in order.
pub fn find(text: &str, path: &Path) -> Result<Vec<Block>, CiError> {
    let mut out = Vec::new();
    let mut open: Option<(String, usize)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix(OPEN) {
            if let Some((name, _)) = &open {
                return Err(CiError::Unclosed {
                    path: path.to_owned(),
                    block: name.clone(),
                });
            }
            let name = rest.split_whitespace().next().unwrap_or("").to_owned();
            open = Some((name, offset + line.len()));
        } else if let Some(rest) = trimmed.strip_prefix(CLOSE) {
            match open.take() {
                Some((name, start)) if name == rest.trim() => out.push(Block {
                    name,
                    inner: start..offset,
                }),
                Some((name, _)) => {
                    return Err(CiError::Unclosed {
                        path: path.to_owned(),
                        block: name,
                    });
                }
                None => {}
            }
        }
        offset += line.len();
    }
    if let Some((name, _)) = open {
        return Err(CiError::Unclosed {
            path: path.to_owned(),
            block: name,
        });
    }
    Ok(out)
}

/// The outcome of merging a fresh rendering into a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub text: String,
    /// Blocks of the rendering that the file no longer has (deleted by the user: not re-added).
    pub missing: Vec<String>,
    /// Whether the file had any block at all.
    pub managed: bool,
}

/// `existing` with each of its blocks' contents replaced by the same block of `rendered`.
pub fn merge(existing: &str, rendered: &str, path: &Path) -> Result<Merged, CiError> {
    let fresh = find(rendered, Path::new("(rendered)"))?;
    let old = find(existing, path)?;
    let mut text = String::with_capacity(existing.len());
    let mut cursor = 0;
    for block in &old {
        text.push_str(&existing[cursor..block.inner.start]);
        match fresh.iter().find(|b| b.name == block.name) {
            Some(new) => text.push_str(&rendered[new.inner.clone()]),
            None => text.push_str(&existing[block.inner.clone()]),
        }
        cursor = block.inner.end;
    }
    text.push_str(&existing[cursor..]);
    let missing = fresh
        .iter()
        .filter(|b| !old.iter().any(|o| o.name == b.name))
        .map(|b| b.name.clone())
        .collect();
    Ok(Merged {
        text,
        missing,
        managed: !old.is_empty(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(inner: &str) -> String {
        format!(
            "name: ci\njobs:\n{}\n{inner}{}\n",
            open_line(2, "jobs"),
            close_line(2, "jobs")
        )
    }

    #[test]
    fn only_the_blocks_change() {
        let v1 = render("  a:\n    runs-on: x\n");
        let mut user = v1.replace("name: ci", "name: ci # mine");
        user.push_str("  mine:\n    runs-on: y\n");
        let m = merge(
            &user,
            &render("  b:\n    runs-on: z\n"),
            Path::new("ci.yml"),
        )
        .unwrap();
        assert_eq!(
            m.text,
            format!(
                "name: ci # mine\njobs:\n{}\n  b:\n    runs-on: z\n{}\n  mine:\n    runs-on: y\n",
                open_line(2, "jobs"),
                close_line(2, "jobs")
            )
        );
        assert!(m.missing.is_empty() && m.managed);
        // Idempotent.
        let again = merge(
            &m.text,
            &render("  b:\n    runs-on: z\n"),
            Path::new("ci.yml"),
        )
        .unwrap();
        assert_eq!(again.text, m.text);
    }

    #[test]
    fn deleted_blocks_stay_deleted_and_broken_ones_are_refused() {
        let m = merge("name: mine\n", &render("  a: {}\n"), Path::new("ci.yml")).unwrap();
        assert_eq!(m.text, "name: mine\n");
        assert_eq!(m.missing, ["jobs"]);
        assert!(!m.managed);
        let broken = format!("{}\n  a: {{}}\n", open_line(0, "jobs"));
        assert!(matches!(
            merge(&broken, &render(""), Path::new("ci.yml")),
            Err(CiError::Unclosed { .. })
        ));
    }
}
