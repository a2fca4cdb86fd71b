//! An API Gateway HTTP API (payload 2.0) emulator for `lamina dev`.
//!
//! [`serve`] accepts HTTP/1.1 on a listener and does what an HTTP API with Lambda proxy
//! integrations does (see `spec/emulation.md`):
//!
//! * routes by API Gateway's rules: exact and `{param}` routes, then greedy `{name+}` routes, then
//!   `$default`; an explicit method beats `ANY`; no match is 404 `{"message":"Not Found"}` (§2);
//! * answers CORS preflights itself and replaces the integration's CORS headers (§4);
//! * runs the JWT authorizer of a route through [`Authorize`] before invoking (§3);
//! * builds the payload 2.0 event (§1.1–1.3), hands it to an [`Invoker`], and maps the function's
//!   answer (§1.4) or failure (§5) to the HTTP response, with `apigw-requestid` on every response.
//!
//! The gateway knows nothing about processes or tokens: `lamina-dev` adapts the runtime's worker
//! pools to [`Invoker`] and `lamina-auth`'s verifier to [`Authorize`].
//!
//! Where it knowingly differs from AWS, or picks a side of an unverified rule (spec §10):
//!
//! * `host`, `x-forwarded-proto` and `x-forwarded-port` describe the local connection (`http`,
//!   the listener's port), not `https`/`443`, so URLs the app builds from its request work in the
//!   browser ([`GatewayConfig::forwarded_proto`]). `requestContext.domainName` keeps AWS's shape.
//! * A CORS preflight is answered by the gateway unless an explicit `OPTIONS` route or `$default`
//!   matches it; an `ANY` route does not take preflights (as Lamina's Terraform comment says).
//!   Answer: 204, the single matching origin echoed, no CORS headers for other origins.
//! * Gateway errors carry CORS headers for an allowed origin ([`Cors::on_gateway_errors`]).
//! * `{proxy+}` matches an empty rest after a slash: `/x/` reaches `/x/{proxy+}` with
//!   `proxy = ""`, and `/` reaches `/{proxy+}`. `/x/` never matches `/x`.
//! * Text bodies: media-type parameters are ignored (`application/json; charset=utf-8` is text);
//!   a text body that is not UTF-8 is sent as base64.
//! * Statuses AWS does not document here: 431 for heads over 10240 bytes, 400 for a bad chunked
//!   body, 408 for a body not received within [`GatewayConfig::body_read_timeout`].
//! * HTTP/1.1 only (no HTTP/2), and no mTLS `authentication` or Lambda/IAM authorizers.

mod config;
mod cors;
mod event;
mod response;
mod router;
mod server;
mod util;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub use config::{
    Cors, DEFAULT_ACCOUNT_ID, GatewayConfig, GatewayConfigError, MAX_BODY, MAX_EVENT,
    MAX_HEADER_BYTES,
};
pub use router::select_route;
pub use server::{serve, serve_live};

/// Runs a domain's function. Implemented by `lamina-dev` over `lamina-runtime`'s worker pools.
pub trait Invoker: Send + Sync + 'static {
    /// Runs `domain`'s function with a payload-2.0 event (JSON bytes).
    fn invoke(
        &self,
        domain: &str,
        event: bytes::Bytes,
    ) -> Pin<Box<dyn Future<Output = InvokeOutcome> + Send + 'static>>;
}

/// What became of an invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvokeOutcome {
    /// What the function returned; the gateway parses and maps it (spec §1.4).
    Response(bytes::Bytes),
    /// Unhandled exception, `/error`, init error, crash → 500.
    FunctionError,
    /// Function timeout: the worker is killed and replaced → 500.
    Timeout,
    /// Reserved concurrency exhausted → 429.
    Throttled,
    /// More than 6291556 bytes posted to `/response` → 500.
    ResponseTooLarge,
}

/// A JWT authorizer with API Gateway's semantics (spec §3).
///
/// It mirrors `lamina_auth::JwtVerifier::authorize`; `lamina-dev` adapts one to the other, so this
/// crate does not depend on `lamina-auth`.
pub trait Authorize: Send + Sync + 'static {
    /// `authorization` is the request's `Authorization` header (bare token or `Bearer <token>`),
    /// `None` when the request has none. `route_scopes` are the route's `authorizationScopes`.
    fn authorize<'a>(
        &'a self,
        authorization: Option<&'a str>,
        route_scopes: &'a [String],
    ) -> Pin<Box<dyn Future<Output = Result<Authorized, AuthFailure>> + Send + 'a>>;
}

/// A token the authorizer accepted: what goes to `requestContext.authorizer.jwt`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Authorized {
    /// The claims as AWS passes them: already flattened to strings.
    pub claims: serde_json::Map<String, serde_json::Value>,
    /// `None` (JSON `null`) when the route has no scopes, else the token's full scope list.
    pub scopes: Option<Vec<String>>,
}

/// A rejected request: the gateway answers it as is and never invokes the function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFailure {
    /// 401 or 403.
    pub status: u16,
    /// The JSON body, `{"message":"Unauthorized"}` or `{"message":"Forbidden"}`.
    pub body: String,
    /// The `www-authenticate` header, on 401.
    pub www_authenticate: Option<String>,
}

impl AuthFailure {
    /// 401 `{"message":"Unauthorized"}` with a `www-authenticate` header.
    pub fn unauthorized(www_authenticate: impl Into<String>) -> Self {
        Self {
            status: 401,
            body: r#"{"message":"Unauthorized"}"#.to_owned(),
            www_authenticate: Some(www_authenticate.into()),
        }
    }

    /// 403 `{"message":"Forbidden"}`: a valid token without a route scope.
    pub fn forbidden() -> Self {
        Self {
            status: 403,
            body: r#"{"message":"Forbidden"}"#.to_owned(),
            www_authenticate: None,
        }
    }
}

/// One line of the access log, reported after the response head is ready.
#[derive(Debug, Clone)]
pub struct AccessLogEntry {
    /// The id of `apigw-requestid` and `requestContext.requestId`.
    pub request_id: String,
    pub method: String,
    /// The request path as the client sent it (still percent-encoded), without the query.
    pub path: String,
    pub status: u16,
    /// From the end of the request head to the response head.
    pub latency: Duration,
    /// The domain whose route matched, if one did.
    pub domain: Option<String>,
    /// The matched route key (`ANY /user/{proxy+}`), if one matched.
    pub route_key: Option<String>,
    /// Why the gateway answered by itself instead of the function, if it did.
    pub error: Option<GatewayError>,
    /// Something the developer should know about this request, e.g. a trailing slash that
    /// missed a route.
    pub note: Option<String>,
}

/// Why a response came from the gateway rather than the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayError {
    NotFound,
    Unauthorized,
    Forbidden,
    RequestTooLarge,
    EventTooLarge,
    HeadersTooLarge,
    BadRequest,
    RequestTimeout,
    FunctionError,
    FunctionTimeout,
    ResponseTooLarge,
    MalformedResponse,
    Throttled,
    IntegrationTimeout,
    Internal,
}

impl GatewayError {
    /// A short phrase for log lines: `function error`, `integration timeout`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "no route",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::RequestTooLarge => "request body over the limit",
            Self::EventTooLarge => "event over Lambda's 6 MB invoke limit",
            Self::HeadersTooLarge => "request headers over the limit",
            Self::BadRequest => "malformed request",
            Self::RequestTimeout => "request body not received in time",
            Self::FunctionError => "function error",
            Self::FunctionTimeout => "function timeout",
            Self::ResponseTooLarge => "function response over 6 MB",
            Self::MalformedResponse => "malformed function response",
            Self::Throttled => "throttled",
            Self::IntegrationTimeout => "integration timeout",
            Self::Internal => "gateway bug",
        }
    }
}

/// Receives every [`AccessLogEntry`]. Called on the request's task: keep it cheap (send it to a
/// channel if it does I/O).
pub type AccessLog = Arc<dyn Fn(&AccessLogEntry) + Send + Sync>;
