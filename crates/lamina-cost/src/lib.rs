//! `lamina cost`: what a stage costs a month on AWS, from lamina.toml (domains, memory,
//! architecture, log level and retention, network), the last build (artifact and site sizes,
//! and cold starts measured by `lamina build --profile`), and the traffic the user expects.
//!
//! Prices are data ([`prices`], `data/prices.toml`, with their date and region); the arithmetic
//! is in [`estimate`]; [`traffic`] reads `--requests 1M/month`.

mod error;
pub mod estimate;
pub mod prices;
pub mod traffic;

pub use error::CostError;
pub use estimate::{Estimate, Inputs, Measured, estimate};
pub use prices::Prices;
