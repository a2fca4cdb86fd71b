//! The two kinds of failure `lamina` reports, and how they print.

use crate::printer::Printer;

/// A failure of a command: the message, an optional hint, and whose fault it is.
#[derive(Debug)]
pub struct CliError {
    /// Already-rendered diagnostics (config errors) print as they are.
    pub rendered: Option<String>,
    pub message: String,
    pub hint: Option<String>,
    pub internal: bool,
    /// `lamina run`: exit with the command's own code, printing nothing.
    pub passthrough: Option<u8>,
}

impl CliError {
    /// Something the user can fix: exit code 1.
    pub fn user(message: impl Into<String>) -> Self {
        Self {
            rendered: None,
            message: message.into(),
            hint: None,
            internal: false,
            passthrough: None,
        }
    }

    /// Another program's exit code, passed on as it is (`lamina run`).
    pub fn exit(code: u8) -> Self {
        Self {
            passthrough: Some(code),
            ..Self::user("")
        }
    }

    /// Lamina's own fault, or a command that does not exist yet: exit code 2.
    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            internal: true,
            ..Self::user(message)
        }
    }

    /// A library's error: the user's to fix or Lamina's own, with its hint.
    pub fn classified(message: String, user_error: bool, hint: Option<String>) -> Self {
        let e = if user_error {
            Self::user(message)
        } else {
            Self::internal(message)
        };
        e.maybe_hint(hint)
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    #[must_use]
    pub fn maybe_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    pub fn exit_code(&self) -> u8 {
        match self.passthrough {
            Some(code) => code,
            None if self.internal => 2,
            None => 1,
        }
    }

    pub fn print(&self, printer: Printer) {
        if self.passthrough.is_some() {
            return;
        }
        let mut text = match &self.rendered {
            Some(rendered) => rendered.trim_end().to_owned(),
            None => format!("error: {}", self.message),
        };
        if let Some(hint) = &self.hint {
            text.push_str(&format!("\n\n  = hint: {hint}"));
        }
        printer.diagnostic(&text);
    }
}

impl From<lamina_config::ConfigError> for CliError {
    fn from(err: lamina_config::ConfigError) -> Self {
        let hint = err.hint().map(str::to_owned);
        match err {
            lamina_config::ConfigError::Invalid(diagnostics) => Self {
                rendered: Some(diagnostics.to_string()),
                ..Self::user("invalid lamina.toml")
            },
            lamina_config::ConfigError::Read(e) => Self::user(e.to_string()),
            other => Self::user(other.to_string()).maybe_hint(hint),
        }
    }
}

impl From<Box<lamina_config::Diagnostic>> for CliError {
    fn from(d: Box<lamina_config::Diagnostic>) -> Self {
        Self {
            rendered: Some(d.to_string()),
            ..Self::user(d.message.clone())
        }
    }
}

impl From<lamina_templates::ScaffoldError> for CliError {
    fn from(err: lamina_templates::ScaffoldError) -> Self {
        let hint = err.hint();
        let internal = !err.is_user_error();
        match err {
            lamina_templates::ScaffoldError::Config(e) => Self::from(e),
            other => Self {
                internal,
                ..Self::user(other.to_string()).maybe_hint(hint)
            },
        }
    }
}
