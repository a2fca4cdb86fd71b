//! `--requests` and `--users`: `250000`, `250_000`, `250k`, `1.5M`, `1M/month`, `2m/mo`.

use crate::error::CostError;

pub fn parse_count(text: &str) -> Result<f64, CostError> {
    let bad = || CostError::BadNumber(text.to_owned());
    let lower = text.trim().to_ascii_lowercase().replace(['_', ','], "");
    let number = ["/month", "/mo", "/m", " per month"]
        .iter()
        .find_map(|s| lower.strip_suffix(s))
        .unwrap_or(&lower)
        .trim();
    let (digits, factor) = match number.chars().last() {
        Some('k') => (&number[..number.len() - 1], 1e3),
        Some('m') => (&number[..number.len() - 1], 1e6),
        Some('b' | 'g') => (&number[..number.len() - 1], 1e9),
        _ => (number, 1.0),
    };
    let value: f64 = digits.trim().parse().map_err(|_| bad())?;
    if !value.is_finite() || value < 0.0 {
        return Err(bad());
    }
    Ok((value * factor).round())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(parse_count("250000").unwrap(), 250_000.0);
        assert_eq!(parse_count("250_000").unwrap(), 250_000.0);
        assert_eq!(parse_count("250k").unwrap(), 250_000.0);
        assert_eq!(parse_count("1.5M").unwrap(), 1_500_000.0);
        assert_eq!(parse_count("1M/month").unwrap(), 1_000_000.0);
        assert_eq!(parse_count("3m/mo").unwrap(), 3_000_000.0);
        for bad in ["lots", "-5", "1x", ""] {
            assert!(parse_count(bad).is_err(), "{bad}");
        }
    }
}
