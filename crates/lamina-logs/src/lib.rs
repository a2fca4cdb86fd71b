//! `lamina logs`: reads a stage's CloudWatch Logs (the log group of each domain's function,
//! `/aws/lambda/<project>-<stage>-<domain>`) through the AWS SDK for Rust, and hands back events
//! whose Powertools JSON is parsed by the same renderer `lamina dev` uses locally.
//!
//! [`source::Source`] reads; [`follow::Follower`] turns repeated reads into a stream without
//! repeats; [`request`] finds one request across every domain; [`since`] parses `--since`.

mod error;
pub mod event;
pub mod follow;
pub mod request;
pub mod since;
pub mod source;

pub use error::LogsError;
pub use event::LogEvent;
pub use source::Source;
