//! `lamina ci github`: the project's GitHub Actions workflows, derived from lamina.toml.
//!
//! [`project::CiProject`] reads what the workflows need from the config (domains and their
//! paths, layers, stages in order, versions); [`github`] renders `ci.yml` (pull requests) and
//! `deploy.yml` (main) as text; [`blocks`] merges a rendering into an existing file, replacing
//! only the marked blocks; [`write`] does that for each file. Every action is pinned by commit
//! SHA ([`pins`]).

pub mod blocks;
mod error;
pub mod github;
pub mod pins;
pub mod project;
pub mod write;

pub use error::CiError;
pub use project::CiProject;
pub use write::{ExtraFiles, FileChange, Mode, State, write_github};
