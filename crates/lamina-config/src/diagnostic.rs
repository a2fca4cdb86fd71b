//! Diagnostics that point at a place in `lamina.toml`.
//!
//! Rendering is done here rather than with a reporting crate so that the output is plain text,
//! stable in snapshots, and readable without colour.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How bad a diagnostic is: errors stop the command, warnings are printed and the command goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// The text of a config file, shared by all the diagnostics that point into it.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    pub text: Arc<str>,
}

impl Source {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Self {
        Self {
            path: path.into(),
            text: text.into(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = self.text[line_start..offset].chars().count() + 1;
        (line, col)
    }
}

/// One problem found in a config file, with where it is and how to fix it.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub source: Option<Source>,
    pub span: Option<Range<usize>>,
    pub label: Option<String>,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            source: None,
            span: None,
            label: None,
            hint: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(message)
        }
    }

    #[must_use]
    pub fn at(mut self, source: &Source, span: Range<usize>) -> Self {
        self.source = Some(source.clone());
        self.span = Some(span);
        self
    }

    #[must_use]
    pub fn in_file(mut self, source: &Source) -> Self {
        self.source = Some(source.clone());
        self
    }

    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sets the label in place, for diagnostics already pushed to a list.
    pub fn set_label(&mut self, label: impl Into<String>) -> &mut Self {
        self.label = Some(label.into());
        self
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    #[must_use]
    pub fn maybe_hint(self, hint: Option<String>) -> Self {
        match hint {
            Some(h) => self.hint(h),
            None => self,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `lamina.toml:12:3`, the place a user's editor can jump to.
    pub fn location(&self) -> Option<String> {
        let source = self.source.as_ref()?;
        let path = display_path(&source.path);
        match &self.span {
            Some(span) => {
                let (line, col) = source.line_col(span.start);
                Some(format!("{path}:{line}:{col}"))
            }
            None => Some(path),
        }
    }
}

fn display_path(path: &Path) -> String {
    path.display().to_string()
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{kind}: {}", self.message)?;
        if let Some(location) = self.location() {
            match (&self.source, &self.span) {
                (Some(source), Some(span)) => {
                    write_snippet(f, source, span, &location, self.label.as_deref())?;
                }
                _ => writeln!(f, "  --> {location}")?,
            }
        } else if let Some(label) = &self.label {
            writeln!(f, "  {label}")?;
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "  = hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

fn write_snippet(
    f: &mut fmt::Formatter<'_>,
    source: &Source,
    span: &Range<usize>,
    location: &str,
    label: Option<&str>,
) -> fmt::Result {
    let (line, col) = source.line_col(span.start);
    let text = &*source.text;
    let line_start = text[..span.start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let line_text = text[line_start..line_end].trim_end_matches('\r');
    // A span that runs past the line (a whole table) is underlined up to the end of its first line.
    let end = span.end.min(line_end).max(span.start);
    let width = text[span.start.min(line_end)..end].chars().count().max(1);
    let gutter = line.to_string().len();
    let pad = " ".repeat(gutter);
    writeln!(f, "{pad}--> {location}")?;
    writeln!(f, "{pad} |")?;
    writeln!(f, "{line} | {line_text}")?;
    write!(f, "{pad} | {}{}", " ".repeat(col - 1), "^".repeat(width))?;
    match label {
        Some(label) => writeln!(f, " {label}")?,
        None => writeln!(f)?,
    }
    writeln!(f, "{pad} |")
}

/// The closest candidate to `input`, for "did you mean" hints.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(input, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let source = Source::new("lamina.toml", "a = \"é\"\nbb = 1\n");
        assert_eq!(source.line_col(0), (1, 1));
        assert_eq!(source.line_col(9), (2, 1));
        assert_eq!(source.line_col(12), (2, 4));
        assert_eq!(source.line_col(7), (1, 7));
    }

    #[test]
    fn suggestion_needs_a_close_match() {
        assert_eq!(
            did_you_mean("memroy", ["memory", "timeout"]),
            Some("memory")
        );
        assert_eq!(did_you_mean("zzz", ["memory", "timeout"]), None);
    }
}
