//! The price list: `data/prices.toml`, embedded, or the file `LAMINA_PRICES` names.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::CostError;

/// Lamina's own list, compiled in.
pub const BUILT_IN: &str = include_str!("../data/prices.toml");

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Prices {
    pub as_of: String,
    pub region: String,
    pub currency: String,
    pub lambda: Lambda,
    pub api_gateway: ApiGateway,
    pub cloudwatch: CloudWatch,
    pub cognito: Cognito,
    pub s3: S3,
    pub cloudfront: CloudFront,
    pub kms: Kms,
    pub xray: XRay,
    pub vpc: Vpc,
    pub assumptions: Assumptions,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Lambda {
    pub request_per_million: f64,
    pub gb_second_x86_64: f64,
    pub gb_second_arm64: f64,
    pub free_requests: f64,
    pub free_gb_seconds: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ApiGateway {
    pub request_per_million: f64,
    pub free_requests: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CloudWatch {
    pub logs_ingestion_per_gb: f64,
    pub logs_storage_per_gb_month: f64,
    pub free_logs_gb: f64,
    pub alarm_per_month: f64,
    pub free_alarms: f64,
    pub dashboard_per_month: f64,
    pub free_dashboards: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Cognito {
    pub mau: f64,
    pub free_mau: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct S3 {
    pub storage_per_gb_month: f64,
    pub put_per_thousand: f64,
    pub get_per_thousand: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CloudFront {
    pub transfer_out_per_gb: f64,
    pub https_requests_per_10k: f64,
    pub free_transfer_gb: f64,
    pub free_requests: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Kms {
    pub key_per_month: f64,
    pub requests_per_10k: f64,
    pub free_requests: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct XRay {
    pub traces_recorded_per_million: f64,
    pub free_traces: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    pub interface_endpoint_hour_per_az: f64,
    pub hours_per_month: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Assumptions {
    pub warm_duration_ms: f64,
    pub init_duration_ms: f64,
    pub cold_start_share: f64,
    pub requests_per_user: f64,
    pub log_event_overhead_bytes: f64,
    pub lambda_platform_bytes: f64,
    pub access_log_bytes: f64,
    pub app_log_bytes: BTreeMap<String, f64>,
    pub app_log_events: BTreeMap<String, f64>,
    pub visits_per_user: f64,
    pub site_bytes: f64,
    pub site_requests_per_visit: f64,
    pub origin_miss_share: f64,
    pub releases_kept: f64,
    pub xray_reservoir_per_second: f64,
    pub xray_rate: f64,
}

impl Prices {
    pub fn built_in() -> Self {
        toml::from_str(BUILT_IN).expect("the built-in price list parses (tested)")
    }

    /// `LAMINA_PRICES` when set, else the built-in list.
    pub fn load() -> Result<Self, CostError> {
        match std::env::var("LAMINA_PRICES")
            .ok()
            .filter(|p| !p.is_empty())
        {
            None => Ok(Self::built_in()),
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| CostError::Prices {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                toml::from_str(&text).map_err(|e| CostError::Prices {
                    path,
                    message: e.to_string(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_built_in_list_parses_and_has_every_level() {
        let p = super::Prices::built_in();
        assert_eq!(p.region, "us-east-1");
        for level in ["DEBUG", "INFO", "WARNING", "ERROR"] {
            assert!(p.assumptions.app_log_bytes.contains_key(level), "{level}");
            assert!(p.assumptions.app_log_events.contains_key(level), "{level}");
        }
    }
}
