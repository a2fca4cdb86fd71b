//! What a check found: pass, fail (with problems) or skipped (with the reason).

use std::time::Duration;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Skip,
}

/// One failure: what, where (`file:line`), and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Problem {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            location: None,
            hint: None,
        }
    }

    #[must_use]
    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// A config diagnostic, with its `lamina.toml:line:col`.
    pub fn from_diagnostic(d: &lamina_config::Diagnostic) -> Self {
        Self {
            message: d.message.clone(),
            location: d.location(),
            hint: d.hint.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub name: &'static str,
    /// What the check proves, in a few words.
    pub title: &'static str,
    pub status: Status,
    /// For a pass: what was checked; for a skip: why.
    pub detail: String,
    pub problems: Vec<Problem>,
    pub elapsed_ms: u128,
}

impl Outcome {
    pub(crate) fn new(name: &'static str, title: &'static str) -> Self {
        Self {
            name,
            title,
            status: Status::Pass,
            detail: String::new(),
            problems: Vec::new(),
            elapsed_ms: 0,
        }
    }

    pub(crate) fn finish(mut self, detail: impl Into<String>, elapsed: Duration) -> Self {
        if !self.problems.is_empty() {
            self.status = Status::Fail;
        }
        self.detail = detail.into();
        self.elapsed_ms = elapsed.as_millis();
        self
    }

    pub(crate) fn skipped(mut self, why: impl Into<String>) -> Self {
        self.status = Status::Skip;
        self.detail = why.into();
        self
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub ok: bool,
    pub checks: Vec<Outcome>,
}

impl Report {
    pub fn failed(&self) -> Vec<&Outcome> {
        self.checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .collect()
    }
}
