#[derive(Debug, thiserror::Error)]
pub enum CostError {
    #[error("`{0}` is not a number of requests or users (`250000`, `250k`, `1.5M`, `1M/month`)")]
    BadNumber(String),
    #[error("cannot read the price list {path}: {message}")]
    Prices { path: String, message: String },
}

impl CostError {
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::BadNumber(_) => Some("for example `--requests 2M/month`".into()),
            Self::Prices { .. } => Some(
                "LAMINA_PRICES names a price list in the format of Lamina's own (crates/lamina-cost/data/prices.toml)".into(),
            ),
        }
    }
}
