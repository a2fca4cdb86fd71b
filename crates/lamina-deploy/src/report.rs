//! What a deploy tells the person watching it. The library only emits events; the CLI turns them
//! into progress bars on a terminal and plain lines otherwise.

/// Receives progress events; called from several tasks at once.
pub trait Reporter: Send + Sync {
    fn event(&self, event: Event);
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A step begins or ends: `verb` is one word (`Bootstrap`, `Uploaded`, `Planned`...).
    Step { verb: &'static str, message: String },
    /// Something worth knowing that does not stop the command.
    Warning(String),
    /// Uploads are about to start: how many and how many bytes in all.
    UploadsStarting { count: usize, bytes: u64 },
    /// One object was uploaded, or skipped because its key already held it.
    Uploaded {
        name: String,
        bytes: u64,
        skipped: bool,
    },
    /// A line of Terraform's progress (a resource being created, modified or destroyed).
    Terraform(String),
}

/// Says nothing (tests, `--json`).
pub struct Silent;

impl Reporter for Silent {
    fn event(&self, _: Event) {}
}
