//! `lamina check`: the one command to run before pushing. Each check is a module that turns one
//! kind of mistake into [`report::Problem`]s with a place and a hint; [`run::run`] runs them in
//! order and collects a [`report::Report`] that prints as a list or as JSON.

mod auth_urls;
mod build;
mod log_level;
mod openapi;
pub mod report;
pub mod run;
mod secrets;
mod terraform;

pub use report::{Outcome, Problem, Report, Status};
pub use run::{CHECKS, Options, run};
