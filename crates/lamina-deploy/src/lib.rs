//! `lamina bootstrap | plan | deploy | rollback | destroy | releases | secret`: a stage on AWS.
//!
//! Rust builds and uploads the artifacts before Terraform runs; Terraform only references them by
//! S3 key and content hash, so it never zips, never runs a provisioner and never sees a local
//! path. Every successful apply records a release beside the state, which makes a no-op deploy
//! free and a rollback a normal deploy of an earlier release.
//!
//! The orchestration is in [`deploy`] (plan, deploy, rollback) and [`destroy`]; the other modules
//! are its parts.

mod aws;
pub mod bootstrap;
mod context;
pub mod deploy;
pub mod destroy;
mod error;
mod fingerprint;
mod frontend;
mod interrupt;
pub mod lock;
pub mod names;
pub mod plan;
pub mod release;
pub mod report;
pub mod secrets;
pub mod site;
mod terraform;
pub mod tfvars;
pub mod upload;

pub use aws::{Aws, Identity, error_message as aws_error_message};
pub use context::{Session, Stage};
pub use error::DeployError;
pub use interrupt::Interrupt;
pub use terraform::Terraform;
