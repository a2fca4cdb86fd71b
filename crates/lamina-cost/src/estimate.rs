//! The arithmetic: quantities a month, times the price list, service by service. Every number
//! that was assumed rather than read or measured says so in its line.

use std::collections::BTreeMap;
use std::path::Path;

use lamina_config::{Architecture, StageView};
use serde::Serialize;

use crate::prices::Prices;

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
const SECONDS_PER_MONTH: f64 = 30.0 * 24.0 * 3600.0;

/// What the user expects.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub requests: f64,
    pub users: Option<f64>,
    /// A warm request's duration in ms, instead of the assumed one.
    pub duration_ms: Option<f64>,
}

/// What the project's own files say: cold starts measured by `lamina build --profile`, the
/// build's artifact sizes, the built frontend's size.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    pub init_ms: BTreeMap<String, f64>,
    pub artifact_bytes: Option<f64>,
    pub site_bytes: Option<f64>,
}

impl Measured {
    /// Reads `.lamina/build/<stage>/profile.json` and `manifest.json`, and the frontend's
    /// build output; each is optional.
    pub fn read(view: &StageView<'_>) -> Self {
        let root = &view.config.root;
        let build = root.join(".lamina/build").join(view.name);
        let mut init_ms = BTreeMap::new();
        if let Ok(text) = std::fs::read_to_string(build.join("profile.json")) {
            if let Ok(serde_json::Value::Array(rows)) = serde_json::from_str(&text) {
                for row in rows {
                    if let (Some(d), Some(ms)) = (row["domain"].as_str(), row["init_ms"].as_f64()) {
                        init_ms.insert(d.to_owned(), ms);
                    }
                }
            }
        }
        let artifact_bytes = lamina_build::read_manifest(root, view.name).ok().map(|m| {
            m.layers
                .values()
                .chain(m.functions.values())
                .map(|a| a.size_zipped as f64)
                .sum()
        });
        let site_bytes = view.config.config.frontend.as_ref().and_then(|f| {
            let dist = root.join(f.path.get_ref()).join(&f.out_dir);
            let bytes = dir_size(&dist);
            (bytes > 0).then_some(bytes as f64)
        });
        Self {
            init_ms,
            artifact_bytes,
            site_bytes,
        }
    }
}

fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| {
            let path = e.path();
            if path.is_dir() {
                dir_size(&path)
            } else {
                e.metadata().map_or(0, |m| m.len())
            }
        })
        .sum()
}

/// One priced quantity.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub item: String,
    pub quantity: f64,
    pub unit: String,
    /// `$0.20 / 1M requests`.
    pub price: String,
    pub monthly: f64,
    /// Where the quantity comes from: `lamina.toml`, `measured`, `assumed`, `--requests`...
    pub basis: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub name: String,
    pub lines: Vec<Line>,
    pub monthly: f64,
    /// After the always-free tier of the account (shared by every stage and app in it).
    pub after_free_tier: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    pub stage: String,
    pub region: String,
    pub prices_region: String,
    pub prices_as_of: String,
    pub currency: String,
    pub requests: f64,
    pub users: f64,
    pub services: Vec<Service>,
    pub monthly: f64,
    pub after_free_tier: f64,
}

struct Builder {
    lines: Vec<Line>,
}

impl Builder {
    fn new() -> Self {
        Self { lines: Vec::new() }
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        item: impl Into<String>,
        quantity: f64,
        unit: &str,
        price: f64,
        per: f64,
        per_label: &str,
        basis: &str,
    ) {
        self.lines.push(Line {
            item: item.into(),
            quantity,
            unit: unit.to_owned(),
            price: format!("${} / {per_label}", trim_price(price)),
            monthly: quantity / per * price,
            basis: basis.to_owned(),
        });
    }

    fn done(self, name: &str, free: impl FnOnce(f64) -> f64) -> Service {
        let monthly: f64 = self.lines.iter().map(|l| l.monthly).sum();
        Service {
            name: name.to_owned(),
            after_free_tier: free(monthly).clamp(0.0, monthly),
            monthly,
            lines: self.lines,
        }
    }
}

fn trim_price(p: f64) -> String {
    let s = format!("{p:.10}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_owned()
}

pub fn estimate(
    view: &StageView<'_>,
    prices: &Prices,
    inputs: &Inputs,
    measured: &Measured,
) -> Estimate {
    let a = &prices.assumptions;
    let config = view.config;
    let domains = view.domains();
    let requests = inputs.requests;
    let users = inputs
        .users
        .unwrap_or((requests / a.requests_per_user).round());
    let per_domain = if domains.is_empty() {
        0.0
    } else {
        requests / domains.len() as f64
    };
    let arch = config.config.project.architecture;
    let gb_second = match arch {
        Architecture::Arm64 => prices.lambda.gb_second_arm64,
        Architecture::X86_64 => prices.lambda.gb_second_x86_64,
    };
    let mut services = Vec::new();

    // Lambda: requests, warm duration, and cold starts (billed since 2025-08-01).
    let mut lambda = Builder::new();
    lambda.add(
        "requests",
        requests,
        "requests",
        prices.lambda.request_per_million,
        1e6,
        "1M",
        "--requests",
    );
    let (warm_ms, warm_basis) = match inputs.duration_ms {
        Some(ms) => (ms, "--duration-ms"),
        None => (a.warm_duration_ms, "assumed"),
    };
    let mut gb_seconds = 0.0;
    for d in &domains {
        let gb = f64::from(d.memory) / 1024.0;
        let warm = per_domain * (1.0 - a.cold_start_share) * warm_ms / 1000.0 * gb;
        let (init_ms, init_basis) = match measured.init_ms.get(&d.name) {
            Some(ms) => (*ms, "measured (lamina build --profile)"),
            None => (a.init_duration_ms, "assumed"),
        };
        let cold = per_domain * a.cold_start_share * (init_ms + warm_ms) / 1000.0 * gb;
        gb_seconds += warm + cold;
        lambda.add(
            format!(
                "{} warm: {:.0}k req x {warm_ms:.0} ms x {} MB",
                d.name,
                per_domain * (1.0 - a.cold_start_share) / 1e3,
                d.memory
            ),
            warm,
            "GB-s",
            gb_second,
            1.0,
            "GB-s",
            warm_basis,
        );
        lambda.add(
            format!(
                "{} cold: {:.0}% x (init {init_ms:.0} ms + {warm_ms:.0} ms)",
                d.name,
                a.cold_start_share * 100.0
            ),
            cold,
            "GB-s",
            gb_second,
            1.0,
            "GB-s",
            init_basis,
        );
    }
    let free_lambda = prices.lambda.free_requests.min(requests) / 1e6
        * prices.lambda.request_per_million
        + prices.lambda.free_gb_seconds.min(gb_seconds) * gb_second;
    services.push(lambda.done("Lambda", |m| m - free_lambda));

    // API Gateway HTTP API.
    let mut api = Builder::new();
    api.add(
        "HTTP API requests",
        requests,
        "requests",
        prices.api_gateway.request_per_million,
        1e6,
        "1M",
        "--requests",
    );
    let free_api = prices.api_gateway.free_requests.min(requests) / 1e6
        * prices.api_gateway.request_per_million;
    services.push(api.done("API Gateway", |m| m - free_api));

    // CloudWatch: logs at the stage's level, their storage over the retention, alarms, dashboard.
    let level = view.stage.log_level.as_str();
    let app_bytes = a.app_log_bytes.get(level).copied().unwrap_or(0.0);
    let app_events = a.app_log_events.get(level).copied().unwrap_or(0.0);
    let overhead = a.log_event_overhead_bytes;
    let per_request = a.lambda_platform_bytes
        + 3.0 * overhead
        + app_bytes
        + app_events * overhead
        + a.access_log_bytes
        + overhead;
    let ingested_gb = requests * per_request / GIB;
    let retention = f64::from(*view.stage.log_retention_days.get_ref());
    let stored_gb = ingested_gb * retention / 30.0;
    let alarms = 2.0 * domains.len() as f64 + 1.0;
    let mut cw = Builder::new();
    cw.add(
        format!("logs ingested at {level}: {per_request:.0} B/request"),
        ingested_gb,
        "GB",
        prices.cloudwatch.logs_ingestion_per_gb,
        1.0,
        "GB",
        "log_level + assumed bytes",
    );
    cw.add(
        format!("logs stored ({retention:.0} days retention)"),
        stored_gb,
        "GB-month",
        prices.cloudwatch.logs_storage_per_gb_month,
        1.0,
        "GB-month",
        "log_retention_days",
    );
    cw.add(
        "alarms (errors, throttles per domain; API 5xx)",
        alarms,
        "alarms",
        prices.cloudwatch.alarm_per_month,
        1.0,
        "alarm",
        "lamina.toml",
    );
    cw.add(
        "dashboard",
        1.0,
        "dashboards",
        prices.cloudwatch.dashboard_per_month,
        1.0,
        "dashboard",
        "lamina.toml",
    );
    let free_cw = prices.cloudwatch.free_logs_gb.min(ingested_gb)
        * prices.cloudwatch.logs_ingestion_per_gb
        + prices.cloudwatch.free_alarms.min(alarms) * prices.cloudwatch.alarm_per_month
        + prices.cloudwatch.free_dashboards.min(1.0) * prices.cloudwatch.dashboard_per_month;
    services.push(cw.done("CloudWatch", |m| m - free_cw));

    // X-Ray: Lambda's Active tracing samples the first request each second and 5% of the rest.
    let reservoir = a.xray_reservoir_per_second * SECONDS_PER_MONTH;
    let traces = requests.min(reservoir) + a.xray_rate * (requests - reservoir).max(0.0);
    let mut xray = Builder::new();
    xray.add(
        "traces recorded (1/s + 5%, even traffic)",
        traces,
        "traces",
        prices.xray.traces_recorded_per_million,
        1e6,
        "1M",
        "assumed sampling",
    );
    let free_xray =
        prices.xray.free_traces.min(traces) / 1e6 * prices.xray.traces_recorded_per_million;
    services.push(xray.done("X-Ray", |m| m - free_xray));

    // Cognito.
    let mut cognito = Builder::new();
    let users_basis = if inputs.users.is_some() {
        "--users"
    } else {
        "assumed: requests / 500"
    };
    cognito.add(
        "monthly active users",
        users,
        "MAU",
        prices.cognito.mau,
        1.0,
        "MAU",
        users_basis,
    );
    let free_mau = prices.cognito.free_mau.min(users) * prices.cognito.mau;
    services.push(cognito.done("Cognito", |m| m - free_mau));

    // The frontend: CloudFront in front of S3.
    let (site, site_basis) = match measured.site_bytes {
        Some(b) => (b, "measured (frontend build)"),
        None => (a.site_bytes, "assumed"),
    };
    let has_frontend = config.config.frontend.is_some();
    let visits = if has_frontend {
        users * a.visits_per_user
    } else {
        0.0
    };
    let cf_requests = visits * a.site_requests_per_visit;
    let transfer_gb = visits * site / GIB;
    let mut cf = Builder::new();
    cf.add(
        format!("transfer out: {visits:.0} visits x {:.0} KB", site / 1000.0),
        transfer_gb,
        "GB",
        prices.cloudfront.transfer_out_per_gb,
        1.0,
        "GB",
        site_basis,
    );
    cf.add(
        "HTTPS requests",
        cf_requests,
        "requests",
        prices.cloudfront.https_requests_per_10k,
        1e4,
        "10k",
        "assumed visits",
    );
    let free_cf = prices.cloudfront.free_transfer_gb.min(transfer_gb)
        * prices.cloudfront.transfer_out_per_gb
        + prices.cloudfront.free_requests.min(cf_requests) / 1e4
            * prices.cloudfront.https_requests_per_10k;
    services.push(cf.done("CloudFront", |m| m - free_cf));

    let (artifacts, artifacts_basis) = match measured.artifact_bytes {
        Some(b) => (b, "measured (build manifest)"),
        None => (0.0, "no build yet"),
    };
    let mut s3 = Builder::new();
    s3.add(
        format!(
            "artifacts: {:.1} MB x {:.0} releases kept",
            artifacts / 1e6,
            a.releases_kept
        ),
        artifacts * a.releases_kept / GIB,
        "GB-month",
        prices.s3.storage_per_gb_month,
        1.0,
        "GB-month",
        artifacts_basis,
    );
    s3.add(
        "site bucket (current + previous)",
        if has_frontend { 2.0 * site / GIB } else { 0.0 },
        "GB-month",
        prices.s3.storage_per_gb_month,
        1.0,
        "GB-month",
        site_basis,
    );
    s3.add(
        "GET from CloudFront (cache misses)",
        cf_requests * a.origin_miss_share,
        "requests",
        prices.s3.get_per_thousand,
        1e3,
        "1k",
        "assumed",
    );
    services.push(s3.done("S3", |m| m));

    let mut kms = Builder::new();
    kms.add(
        "customer managed key (alarm topic)",
        1.0,
        "keys",
        prices.kms.key_per_month,
        1.0,
        "key-month",
        "lamina.toml",
    );
    services.push(kms.done("KMS", |m| m));

    // VPC endpoints, only when some domain runs in a VPC.
    if domains.iter().any(|d| {
        config
            .config
            .domains
            .get(d.name.as_str())
            .is_some_and(|c| c.vpc)
    }) {
        let network = config.config.network.clone().unwrap_or_default();
        let endpoints = network.interface_endpoints.map_or(1, |e| e.len()) as f64;
        let azs = f64::from(network.az_count.unwrap_or(2));
        let mut vpc = Builder::new();
        vpc.add(
            format!("{endpoints:.0} interface endpoint(s) x {azs:.0} AZ"),
            endpoints * azs * prices.vpc.hours_per_month,
            "endpoint-hours",
            prices.vpc.interface_endpoint_hour_per_az,
            1.0,
            "hour",
            "[network]",
        );
        services.push(vpc.done("VPC", |m| m));
    }

    let monthly = services.iter().map(|s| s.monthly).sum();
    let after_free_tier = services.iter().map(|s| s.after_free_tier).sum();
    Estimate {
        stage: view.name.to_owned(),
        region: config.config.project.region.get_ref().clone(),
        prices_region: prices.region.clone(),
        prices_as_of: prices.as_of.clone(),
        currency: prices.currency.clone(),
        requests,
        users,
        services,
        monthly,
        after_free_tier,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use lamina_config::LoadedConfig;

    use super::*;

    const TOML: &str = r#"
[project]
name = "shop"
owner = "team"
region = "eu-west-1"

[stages.dev]
log_level = "DEBUG"
log_retention_days = 7

[stages.prod]
protected = true
log_level = "WARNING"
log_retention_days = 30
memory = 1024

[domains.cart]
path = "backend/cart"

[domains.pay]
path = "backend/pay"
memory = 256
"#;

    fn config(text: &str) -> LoadedConfig {
        let dir = tempfile::tempdir().unwrap();
        for d in ["cart", "pay"] {
            std::fs::create_dir_all(dir.path().join("backend").join(d)).unwrap();
            std::fs::write(dir.path().join("backend").join(d).join("handler.py"), "").unwrap();
        }
        let root = dir.keep();
        LoadedConfig::parse(text, Path::new("lamina.toml"), &root).unwrap()
    }

    fn service<'a>(e: &'a Estimate, name: &str) -> &'a Service {
        e.services.iter().find(|s| s.name == name).unwrap()
    }

    #[test]
    fn the_estimate_follows_config_traffic_and_measures() {
        let c = config(TOML);
        let prices = Prices::built_in();
        let inputs = Inputs {
            requests: 1e6,
            ..Inputs::default()
        };
        let dev = estimate(
            &c.stage("dev").unwrap(),
            &prices,
            &inputs,
            &Measured::default(),
        );
        let prod = estimate(
            &c.stage("prod").unwrap(),
            &prices,
            &inputs,
            &Measured::default(),
        );
        // Memory: cart gets the stage's 1024 MB in prod, pay keeps its own 256 MB.
        let lambda = service(&prod, "Lambda");
        assert!(
            lambda
                .lines
                .iter()
                .any(|l| l.item.starts_with("cart warm") && l.item.ends_with("1024 MB"))
        );
        assert!(
            lambda
                .lines
                .iter()
                .any(|l| l.item.starts_with("pay warm") && l.item.ends_with("256 MB"))
        );
        // DEBUG logs cost more than WARNING ones; requests cost the same.
        assert!(
            service(&dev, "CloudWatch").lines[0].monthly
                > 4.0 * service(&prod, "CloudWatch").lines[0].monthly
        );
        assert_eq!(service(&dev, "API Gateway").monthly, 1.0);
        // Twice the traffic: twice the request costs.
        let double = estimate(
            &c.stage("prod").unwrap(),
            &prices,
            &Inputs {
                requests: 2e6,
                ..inputs.clone()
            },
            &Measured::default(),
        );
        assert!((service(&double, "API Gateway").monthly - 2.0).abs() < 1e-9);
        // The free tier only lowers; Lambda's covers a small app.
        assert!(prod.after_free_tier < prod.monthly);
        assert!(service(&prod, "Lambda").after_free_tier < 0.01);
        // A measured cold start replaces the assumed one, and says so.
        let measured = Measured {
            init_ms: [("cart".to_owned(), 3000.0)].into(),
            ..Measured::default()
        };
        let m = estimate(&c.stage("prod").unwrap(), &prices, &inputs, &measured);
        let cold = service(&m, "Lambda")
            .lines
            .iter()
            .find(|l| l.item.starts_with("cart cold"))
            .unwrap();
        assert!(
            cold.item.contains("init 3000 ms") && cold.basis.starts_with("measured"),
            "{cold:?}"
        );
        assert!(service(&m, "Lambda").monthly > lambda.monthly);
        // No VPC domain, no VPC line; one VPC domain, its endpoints.
        assert!(!prod.services.iter().any(|s| s.name == "VPC"));
        let vpc = config(&TOML.replace(
            "path = \"backend/cart\"",
            "path = \"backend/cart\"\nvpc = true",
        ));
        let with_vpc = estimate(
            &vpc.stage("prod").unwrap(),
            &prices,
            &inputs,
            &Measured::default(),
        );
        let endpoints = service(&with_vpc, "VPC");
        assert!(
            endpoints.lines[0]
                .item
                .starts_with("1 interface endpoint(s) x 2 AZ"),
            "{endpoints:?}"
        );
        assert!(
            (endpoints.monthly - 14.6).abs() < 0.01,
            "{}",
            endpoints.monthly
        );
        let total: f64 = prod.services.iter().map(|s| s.monthly).sum();
        assert!((total - prod.monthly).abs() < 1e-9);
    }
}
