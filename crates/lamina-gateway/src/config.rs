//! What the gateway emulates: routes, CORS, the stage, limits and timeouts.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use lamina_config::{Diagnostic, LoadedConfig, Route};

use crate::AccessLog;

/// API Gateway's request payload limit: 10 MB (spec §5).
pub const MAX_BODY: usize = 10 * 1024 * 1024;
/// Lambda's synchronous invoke payload limit: an event above it is rejected (spec §5).
pub const MAX_EVENT: usize = 6_291_556;
/// API Gateway's quota on the request line plus header values (spec §2.7).
pub const MAX_HEADER_BYTES: usize = 10_240;
/// The account id in `requestContext.accountId` when the stage names none.
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";

/// The gateway's configuration. Build it with [`GatewayConfig::from_config`], then adjust fields.
#[derive(Clone)]
pub struct GatewayConfig {
    /// The route table, [`LoadedConfig::routes`]. A route whose path is `$default` is the
    /// `$default` route (its method is ignored).
    pub routes: Vec<Route>,
    /// The API's `corsConfiguration`; `None` turns CORS off (no preflight answers, integration
    /// CORS headers pass through).
    pub cors: Option<Cors>,
    /// `$default` serves from the URL root; a named stage is the first path segment (spec §2.1).
    pub stage: String,
    /// `stageVariables`; absent from events when empty.
    pub stage_variables: BTreeMap<String, String>,
    /// `requestContext.apiId`: 10 lowercase alphanumerics.
    pub api_id: String,
    /// `requestContext.accountId`: 12 digits.
    pub account_id: String,
    pub region: String,
    /// `requestContext.domainName`: `<apiId>.execute-api.<region>.amazonaws.com` or the stage's
    /// custom API domain.
    pub domain_name: String,
    /// Larger request bodies get 413 (API Gateway: 10 MB).
    pub max_body: usize,
    /// Larger events get 500 without an invocation (Lambda: 6291556 bytes).
    pub max_event: usize,
    /// Request line plus header values above this get 431. API Gateway's quota is 10240 bytes.
    pub max_header_bytes: usize,
    /// How long the gateway waits for a function: 30 s on API Gateway, then 503.
    pub integration_timeout: Duration,
    /// Each domain's function timeout. The runtime enforces it (and reports
    /// [`InvokeOutcome::Timeout`](crate::InvokeOutcome::Timeout)); the gateway only uses it for
    /// [`GatewayConfig::warnings`].
    pub domain_timeouts: BTreeMap<String, Duration>,
    /// A client that has not sent its whole request head by then is disconnected.
    pub header_read_timeout: Duration,
    /// A client that has not sent its whole body by then gets 408.
    pub body_read_timeout: Duration,
    /// `x-forwarded-proto` in events. API Gateway sends `https`; locally the default is `http`,
    /// so that URLs the app builds from its request (redirects, `url_for`) work in the browser.
    pub forwarded_proto: String,
    /// `x-forwarded-port` in events; `None` is the port the client connected to (API Gateway: 443).
    pub forwarded_port: Option<u16>,
    /// Receives one entry per request.
    pub access_log: Option<AccessLog>,
}

/// An HTTP API `corsConfiguration` (spec §4). The defaults are those of Lamina's Terraform
/// module (`infra/modules/http_api/variables.tf`), so local and cloud answer alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cors {
    /// `allowOrigins`: exact origins (`http://localhost:5173`), or `*`.
    pub allow_origins: Vec<String>,
    /// `allowMethods`; default `GET, POST, PUT, PATCH, DELETE, OPTIONS`.
    pub allow_methods: Vec<String>,
    /// `allowHeaders`; default `authorization, content-type, idempotency-key, x-request-id`
    /// (`Idempotency-Key` makes retried payments safe; see the payment domain).
    pub allow_headers: Vec<String>,
    /// `exposeHeaders`; default `x-request-id`.
    pub expose_headers: Vec<String>,
    /// `allowCredentials`; default `false` (bearer tokens do not need it). Cannot be combined
    /// with an `*` origin.
    pub allow_credentials: bool,
    /// `maxAge` in seconds; default 3600.
    pub max_age: Option<u32>,
    /// Whether the gateway's own errors (401, 403, 404, 413, 5xx) carry CORS headers. On by
    /// default so the browser shows the real status rather than a CORS error; AWS's behaviour
    /// here is unverified (spec §5).
    pub on_gateway_errors: bool,
}

impl Cors {
    /// A configuration with Lamina's defaults for these origins.
    pub fn new(allow_origins: Vec<String>) -> Self {
        let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
        Self {
            allow_origins,
            allow_methods: strings(&["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
            allow_headers: strings(&[
                "authorization",
                "content-type",
                "idempotency-key",
                "x-request-id",
            ]),
            expose_headers: strings(&["x-request-id"]),
            allow_credentials: false,
            max_age: Some(3600),
            on_gateway_errors: true,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GatewayConfigError {
    #[error("{0}")]
    UnknownStage(Box<Diagnostic>),
    /// What API Gateway answers to such a `corsConfiguration` (spec §4).
    #[error("allow-credentials is not supported if 'allow-origin' is *")]
    CredentialsWithWildcardOrigin,
    #[error("invalid route `{route}`: {reason}")]
    InvalidRoute { route: String, reason: String },
}

impl GatewayConfig {
    /// The gateway of `stage` for a project: its routes, CORS origins, account, region and
    /// domain timeouts. The API id is derived from the project and stage names, so it is the
    /// same on every run.
    pub fn from_config(loaded: &LoadedConfig, stage: &str) -> Result<Self, GatewayConfigError> {
        let view = loaded
            .stage(stage)
            .map_err(GatewayConfigError::UnknownStage)?;
        let api_id = api_id(loaded.project_name(), view.name);
        let region = loaded.config.project.region.get_ref().clone();
        let origins: Vec<String> = view
            .stage
            .cors_origins
            .iter()
            .map(|o| o.get_ref().clone())
            .collect();
        let domain_name = view
            .stage
            .domain_names
            .as_ref()
            .and_then(|d| d.api.clone())
            .unwrap_or_else(|| format!("{api_id}.execute-api.{region}.amazonaws.com"));
        let config = Self {
            routes: loaded.routes(),
            cors: (!origins.is_empty()).then(|| Cors::new(origins)),
            account_id: view
                .stage
                .account_id
                .as_ref()
                .map_or_else(|| DEFAULT_ACCOUNT_ID.to_owned(), |a| a.get_ref().clone()),
            domain_timeouts: view
                .domains()
                .into_iter()
                .map(|d| (d.name, Duration::from_secs(u64::from(d.timeout))))
                .collect(),
            domain_name,
            region,
            api_id,
            ..Self::default()
        };
        config.validate()?;
        Ok(config)
    }

    /// Refuses what API Gateway refuses at deploy time.
    pub fn validate(&self) -> Result<(), GatewayConfigError> {
        if let Some(cors) = &self.cors
            && cors.allow_credentials
            && cors.allow_origins.iter().any(|o| o == "*")
        {
            return Err(GatewayConfigError::CredentialsWithWildcardOrigin);
        }
        for route in &self.routes {
            if route.path != "$default" {
                lamina_config::check_route_path(&route.path).map_err(|reason| {
                    GatewayConfigError::InvalidRoute {
                        route: route.key(),
                        reason,
                    }
                })?;
            }
        }
        Ok(())
    }

    /// Things that will behave differently from what the developer may expect, to print at start.
    pub fn warnings(&self) -> Vec<String> {
        self.domain_timeouts
            .iter()
            .filter(|(_, t)| **t > self.integration_timeout)
            .map(|(domain, t)| {
                format!(
                    "domain `{domain}` has a timeout of {} s, but API Gateway answers 503 after {} s while the function keeps running",
                    t.as_secs(),
                    self.integration_timeout.as_secs()
                )
            })
            .collect()
    }
}

impl Default for GatewayConfig {
    /// No routes, no CORS, the `$default` stage and API Gateway's limits.
    fn default() -> Self {
        let api_id = "lamina0dev".to_owned();
        Self {
            routes: Vec::new(),
            cors: None,
            stage: "$default".to_owned(),
            stage_variables: BTreeMap::new(),
            domain_name: format!("{api_id}.execute-api.us-east-1.amazonaws.com"),
            api_id,
            account_id: DEFAULT_ACCOUNT_ID.to_owned(),
            region: "us-east-1".to_owned(),
            max_body: MAX_BODY,
            max_event: MAX_EVENT,
            max_header_bytes: MAX_HEADER_BYTES,
            integration_timeout: Duration::from_secs(30),
            domain_timeouts: BTreeMap::new(),
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            forwarded_proto: "http".to_owned(),
            forwarded_port: None,
            access_log: None,
        }
    }
}

impl fmt::Debug for GatewayConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayConfig")
            .field("routes", &self.routes)
            .field("cors", &self.cors)
            .field("stage", &self.stage)
            .field("stage_variables", &self.stage_variables)
            .field("api_id", &self.api_id)
            .field("account_id", &self.account_id)
            .field("region", &self.region)
            .field("domain_name", &self.domain_name)
            .field("max_body", &self.max_body)
            .field("max_event", &self.max_event)
            .field("max_header_bytes", &self.max_header_bytes)
            .field("integration_timeout", &self.integration_timeout)
            .field("domain_timeouts", &self.domain_timeouts)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("body_read_timeout", &self.body_read_timeout)
            .field("forwarded_proto", &self.forwarded_proto)
            .field("forwarded_port", &self.forwarded_port)
            .field("access_log", &self.access_log.is_some())
            .finish()
    }
}

/// 10 lowercase alphanumerics from the project and stage names (FNV-1a), stable across runs.
fn api_id(project: &str, stage: &str) -> String {
    const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in project.bytes().chain([0]).chain(stage.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (0..10)
        .map(|_| {
            let c = ALPHABET[(hash % 36) as usize];
            hash /= 36;
            c as char
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The local gateway and the deployed API answer preflights alike only while these agree.
    #[test]
    fn cors_defaults_are_the_terraform_modules() {
        let tf =
            include_str!("../../lamina-templates/templates/infra/modules/http_api/variables.tf");
        let default_of = |variable: &str| -> Vec<String> {
            let block = tf
                .split(&format!("variable \"{variable}\""))
                .nth(1)
                .unwrap_or_else(|| panic!("no variable {variable}"));
            let line = block
                .lines()
                .find(|l| l.trim_start().starts_with("default"))
                .unwrap();
            let list = line.split_once('=').unwrap().1.trim();
            serde_json::from_str(list).unwrap_or_else(|e| panic!("{variable}: {list}: {e}"))
        };
        let cors = Cors::new(Vec::new());
        assert_eq!(cors.allow_methods, default_of("cors_allow_methods"));
        assert_eq!(cors.allow_headers, default_of("cors_allow_headers"));
        assert_eq!(cors.expose_headers, default_of("cors_expose_headers"));
    }

    #[test]
    fn api_ids_look_like_aws_ones() {
        let id = api_id("rides", "dev");
        assert_eq!(id.len(), 10);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
        assert_eq!(id, api_id("rides", "dev"));
        assert_ne!(id, api_id("rides", "prod"));
    }
}
