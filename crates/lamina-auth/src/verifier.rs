//! API Gateway's HTTP API JWT authorizer (spec §3), for the local gateway.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{Request, StatusCode, Uri};
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rsa::RsaPublicKey;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::claims::flatten_claims;
use crate::jwt::{self, Alg};
use crate::keys::Jwks;

/// How long API Gateway waits for the discovery document and for the JWKS (`limits.md`).
pub const FETCH_TIMEOUT: Duration = Duration::from_millis(1500);
/// The largest JWKS API Gateway accepts, in bytes (`limits.md`).
pub const MAX_JWKS_BYTES: usize = 150_000;
/// A token with an unknown `kid` refetches the keys at most this often.
pub const REFETCH_INTERVAL: Duration = Duration::from_secs(60);

/// A request the authorizer let through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorized {
    /// `requestContext.authorizer.jwt.claims`: every claim as a string (see [`flatten_claims`]).
    pub claims: Map<String, Value>,
    /// `requestContext.authorizer.jwt.scopes`: `None` when the route has no scopes (even if the
    /// token has some); on a scoped route, the token's whole scope list, not the intersection.
    pub scopes: Option<Vec<String>>,
}

/// Why the authorizer refused a request. The integration is never invoked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthFailure {
    /// No token, or one that is malformed, badly signed, expired, or for another issuer or
    /// audience.
    #[error("unauthorized: {reason}")]
    Unauthorized {
        /// The `www-authenticate` header of the 401.
        www_authenticate: String,
        /// What was wrong, for logs; never sent to the client.
        reason: String,
    },
    /// A valid token without any of the route's scopes.
    #[error("forbidden: {reason}")]
    Forbidden { reason: String },
}

impl AuthFailure {
    /// 401 or 403. (`StatusCode` compares equal to a `u16`.)
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
        }
    }

    /// The JSON body API Gateway sends, `application/json`.
    pub fn body(&self) -> &'static str {
        match self {
            Self::Unauthorized { .. } => r#"{"message":"Unauthorized"}"#,
            Self::Forbidden { .. } => r#"{"message":"Forbidden"}"#,
        }
    }

    /// The `www-authenticate` header value, on a 401.
    pub fn www_authenticate(&self) -> Option<&str> {
        match self {
            Self::Unauthorized {
                www_authenticate, ..
            } => Some(www_authenticate),
            Self::Forbidden { .. } => None,
        }
    }

    pub fn reason(&self) -> &str {
        match self {
            Self::Unauthorized { reason, .. } | Self::Forbidden { reason } => reason,
        }
    }
}

/// What the header says about a refused token. AWS documents only the audience text; the others
/// are ours until captured (spec §10, item 6).
#[derive(Debug, Clone, Copy)]
enum Problem {
    Missing,
    Invalid,
    Issuer,
    Audience,
    Expired,
    NotYetValid,
}

impl Problem {
    fn description(self) -> &'static str {
        match self {
            Self::Missing => "the token is missing",
            Self::Invalid => "the token is not valid",
            Self::Issuer => "the token does not have a valid issuer",
            Self::Audience => "the token does not have a valid audience",
            Self::Expired => "the token has expired",
            Self::NotYetValid => "the token is not valid yet",
        }
    }
}

fn unauthorized(problem: Problem, reason: impl Into<String>) -> AuthFailure {
    AuthFailure::Unauthorized {
        www_authenticate: format!(
            r#"Bearer scope="" error="invalid_token" error_description="{}""#,
            problem.description()
        ),
        reason: reason.into(),
    }
}

#[derive(Debug, Clone)]
struct VerifyKey {
    key: RsaPublicKey,
    /// The JWK's `alg`, when it names one: a token must then use exactly that algorithm.
    alg: Option<String>,
}

#[derive(Debug, Default)]
struct KeyCache {
    keys: HashMap<String, VerifyKey>,
    /// Whether a JWKS was ever fetched successfully. Until then every request tries again, so a
    /// gateway that starts before the local Cognito recovers by itself.
    loaded: bool,
    last_refetch: Option<Instant>,
}

enum KeySource {
    Static,
    Remote(Box<Client<HttpsConnector<HttpConnector>, Empty<Bytes>>>),
}

/// The JWT authorizer of one HTTP API authorizer: an issuer, its audiences and the issuer's keys.
pub struct JwtVerifier {
    issuer: String,
    audiences: Vec<String>,
    leeway: Duration,
    source: KeySource,
    cache: Mutex<KeyCache>,
    /// Claims of tokens whose signature verified, by the token's sha256.
    verified: std::sync::Mutex<HashMap<Vec<u8>, Map<String, Value>>>,
}

/// How many verified tokens [`JwtVerifier`] remembers before it starts over.
const MAX_VERIFIED: usize = 10_000;

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("issuer", &self.issuer)
            .field("audiences", &self.audiences)
            .field("leeway", &self.leeway)
            .finish_non_exhaustive()
    }
}

impl JwtVerifier {
    /// A verifier that finds the keys through `<issuer>/.well-known/openid-configuration` and its
    /// `jwks_uri`: HTTPS for a real Cognito pool, plain HTTP only for a loopback issuer (the local
    /// Cognito). The keys are
    /// fetched on the first request, kept, and fetched again when a token names an unknown `kid`,
    /// at most once a [`REFETCH_INTERVAL`]. `leeway` is the clock skew allowed on `exp`, `nbf`
    /// and `iat`; AWS documents none, so pass `Duration::ZERO` to behave like it.
    pub fn new(issuer: String, audiences: Vec<String>, leeway: Duration) -> Self {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(https);
        Self {
            issuer,
            audiences,
            leeway,
            source: KeySource::Remote(Box::new(client)),
            cache: Mutex::new(KeyCache::default()),
            verified: std::sync::Mutex::default(),
        }
    }

    /// A verifier with a fixed key set and no HTTP, for tests and for the in-process local pool.
    pub fn with_jwks(
        issuer: String,
        audiences: Vec<String>,
        leeway: Duration,
        jwks: &Jwks,
    ) -> Self {
        Self {
            issuer,
            audiences,
            leeway,
            source: KeySource::Static,
            cache: Mutex::new(KeyCache {
                keys: usable_keys(jwks),
                loaded: true,
                last_refetch: None,
            }),
            verified: std::sync::Mutex::default(),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }

    /// Decides a request as API Gateway would. `authorization` is the identity source (the
    /// `Authorization` header: the token, or `Bearer <token>`); `route_scopes` are the route's
    /// `authorizationScopes`, empty for a route without any.
    pub async fn authorize(
        &self,
        authorization: Option<&str>,
        route_scopes: &[String],
    ) -> Result<Authorized, AuthFailure> {
        let result = self.check(authorization, route_scopes).await;
        if let Err(failure) = &result {
            tracing::debug!(status = %failure.status(), reason = failure.reason(), "JWT authorizer refused a request");
        }
        result
    }

    async fn check(
        &self,
        authorization: Option<&str>,
        route_scopes: &[String],
    ) -> Result<Authorized, AuthFailure> {
        let token = authorization
            .map(strip_bearer)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                unauthorized(Problem::Missing, "no token in the Authorization header")
            })?;
        let claims = match self.verified_claims(token) {
            Some(claims) => claims,
            None => {
                let claims = self.verify_signature(token).await?;
                self.remember(token, &claims);
                claims
            }
        };

        match claims.get("iss").and_then(Value::as_str) {
            Some(iss) if iss == self.issuer => {}
            other => {
                return Err(unauthorized(
                    Problem::Issuer,
                    format!("issuer {other:?} is not `{}`", self.issuer),
                ));
            }
        }
        self.check_audience(&claims)?;
        self.check_times(&claims)?;

        let scopes = if route_scopes.is_empty() {
            None
        } else {
            let token_scopes = token_scopes(&claims);
            if !token_scopes.iter().any(|s| route_scopes.contains(s)) {
                return Err(AuthFailure::Forbidden {
                    reason: format!(
                        "the token's scopes [{}] include none of the route's [{}]",
                        token_scopes.join(" "),
                        route_scopes.join(" ")
                    ),
                });
            }
            Some(token_scopes)
        };
        Ok(Authorized {
            claims: flatten_claims(&claims),
            scopes,
        })
    }

    /// Parses the token and checks its algorithm, key and signature: the expensive part (an RSA
    /// verification), done once per token. Returns its claims.
    async fn verify_signature(&self, token: &str) -> Result<Map<String, Value>, AuthFailure> {
        let parsed = jwt::parse(token).map_err(|r| unauthorized(Problem::Invalid, r))?;

        // Only RSA: `none` and HMAC never get as far as a key.
        let alg = Alg::parse(&parsed.header.alg).ok_or_else(|| {
            unauthorized(
                Problem::Invalid,
                format!(
                    "the token's algorithm `{}` is not RS256, RS384 or RS512",
                    parsed.header.alg
                ),
            )
        })?;
        let kid = parsed
            .header
            .kid
            .as_deref()
            .ok_or_else(|| unauthorized(Problem::Invalid, "the token's header has no `kid`"))?;
        let key = self.key(kid).await.ok_or_else(|| {
            unauthorized(
                Problem::Invalid,
                format!("no key `{kid}` in the issuer's JWKS"),
            )
        })?;
        if key.alg.as_deref().is_some_and(|a| a != alg.name()) {
            return Err(unauthorized(
                Problem::Invalid,
                format!(
                    "key `{kid}` is for {}, the token says {}",
                    key.alg.unwrap_or_default(),
                    alg.name()
                ),
            ));
        }
        if !alg.verify(&key.key, parsed.signing_input.as_bytes(), &parsed.signature) {
            return Err(unauthorized(
                Problem::Invalid,
                "the token's signature does not verify",
            ));
        }
        Ok(parsed.claims)
    }

    /// Claims of a token whose signature was verified before. Every claim check (issuer,
    /// audience, times, scopes) still runs on each request; only the signature is not redone.
    fn verified_claims(&self, token: &str) -> Option<Map<String, Value>> {
        let digest = Sha256::digest(token.as_bytes());
        self.verified.lock().ok()?.get(digest.as_slice()).cloned()
    }

    fn remember(&self, token: &str, claims: &Map<String, Value>) {
        let digest = Sha256::digest(token.as_bytes());
        if let Ok(mut verified) = self.verified.lock() {
            // Bounded: a flood of distinct valid tokens costs a re-verification, never memory.
            if verified.len() >= MAX_VERIFIED {
                verified.clear();
            }
            verified.insert(digest.to_vec(), claims.clone());
        }
    }

    /// `aud` when the token has one (a string or a list), else `client_id` (Cognito access tokens).
    fn check_audience(&self, claims: &Map<String, Value>) -> Result<(), AuthFailure> {
        let (which, values): (&str, Vec<&str>) = match claims.get("aud") {
            Some(Value::String(aud)) => ("aud", vec![aud.as_str()]),
            Some(Value::Array(auds)) => ("aud", auds.iter().filter_map(Value::as_str).collect()),
            Some(_) => ("aud", Vec::new()),
            None => (
                "client_id",
                claims
                    .get("client_id")
                    .and_then(Value::as_str)
                    .into_iter()
                    .collect(),
            ),
        };
        if values.iter().any(|v| self.audiences.iter().any(|a| a == v)) {
            Ok(())
        } else {
            Err(unauthorized(
                Problem::Audience,
                format!(
                    "{which} {values:?} is none of the audiences {:?}",
                    self.audiences
                ),
            ))
        }
    }

    fn check_times(&self, claims: &Map<String, Value>) -> Result<(), AuthFailure> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        let leeway = self.leeway.as_secs_f64();
        let number = |name: &str| -> Result<Option<f64>, AuthFailure> {
            match claims.get(name) {
                None => Ok(None),
                Some(v) => v.as_f64().map(Some).ok_or_else(|| {
                    unauthorized(Problem::Invalid, format!("`{name}` is not a number"))
                }),
            }
        };
        match number("exp")? {
            None => return Err(unauthorized(Problem::Expired, "the token has no `exp`")),
            Some(exp) if exp <= now - leeway => {
                return Err(unauthorized(
                    Problem::Expired,
                    format!("`exp` {exp} is past"),
                ));
            }
            Some(_) => {}
        }
        if let Some(nbf) = number("nbf")?.filter(|nbf| *nbf > now + leeway) {
            return Err(unauthorized(
                Problem::NotYetValid,
                format!("`nbf` {nbf} is ahead"),
            ));
        }
        if let Some(iat) = number("iat")?.filter(|iat| *iat > now + leeway) {
            return Err(unauthorized(
                Problem::NotYetValid,
                format!("`iat` {iat} is ahead"),
            ));
        }
        Ok(())
    }

    /// Loads the issuer's keys now rather than on the first request, so that a slow first fetch
    /// (a busy machine, an issuer still starting) cannot turn the first requests into 401s.
    /// Returns how many usable keys the JWKS has.
    pub async fn prefetch(&self) -> Result<usize, String> {
        let mut cache = self.cache.lock().await;
        if let KeySource::Remote(client) = &self.source {
            let jwks = fetch_jwks(client, &self.issuer).await?;
            cache.keys = usable_keys(&jwks);
            cache.loaded = true;
        }
        Ok(cache.keys.len())
    }

    /// The key for `kid`: from the cache, or after a (rate-limited) fetch of the JWKS.
    async fn key(&self, kid: &str) -> Option<VerifyKey> {
        // Held across the fetch on purpose: concurrent requests wait for one fetch, not many.
        let mut cache = self.cache.lock().await;
        if let Some(key) = cache.keys.get(kid) {
            return Some(key.clone());
        }
        let KeySource::Remote(client) = &self.source else {
            return None;
        };
        if cache.loaded {
            let now = Instant::now();
            if cache
                .last_refetch
                .is_some_and(|last| now.duration_since(last) < REFETCH_INTERVAL)
            {
                tracing::debug!(
                    kid,
                    "unknown kid; the JWKS was refetched less than a minute ago"
                );
                return None;
            }
            cache.last_refetch = Some(now);
        }
        match fetch_jwks(client, &self.issuer).await {
            Ok(jwks) => {
                cache.keys = usable_keys(&jwks);
                cache.loaded = true;
                tracing::debug!(issuer = %self.issuer, keys = cache.keys.len(), "fetched the JWKS");
            }
            Err(e) => tracing::warn!(issuer = %self.issuer, "cannot fetch the issuer's JWKS: {e}"),
        }
        cache.keys.get(kid).cloned()
    }
}

/// The identity source may be the bare token or `Bearer <token>`.
fn strip_bearer(value: &str) -> &str {
    let value = value.trim();
    if value.eq_ignore_ascii_case("bearer") {
        return "";
    }
    match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => value,
    }
}

/// The token's scopes: `scp` (a list or a string) first, else `scope` split on whitespace.
fn token_scopes(claims: &Map<String, Value>) -> Vec<String> {
    let split = |s: &str| s.split_whitespace().map(str::to_owned).collect();
    match claims.get("scp") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) => split(s),
        _ => claims
            .get("scope")
            .and_then(Value::as_str)
            .map_or_else(Vec::new, split),
    }
}

fn usable_keys(jwks: &Jwks) -> HashMap<String, VerifyKey> {
    jwks.keys
        .iter()
        .filter_map(|jwk| {
            let key = jwk.rsa()?;
            Some((
                jwk.kid.clone()?,
                VerifyKey {
                    key,
                    alg: jwk.alg.clone(),
                },
            ))
        })
        .collect()
}

async fn fetch_jwks(
    client: &Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    issuer: &str,
) -> Result<Jwks, String> {
    let discovery_url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let discovery: Value = serde_json::from_slice(&get(client, &discovery_url).await?)
        .map_err(|e| format!("`{discovery_url}` is not JSON: {e}"))?;
    let jwks_uri = discovery
        .get("jwks_uri")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("`{discovery_url}` has no `jwks_uri`"))?;
    let body = get(client, jwks_uri).await?;
    serde_json::from_slice(&body).map_err(|e| format!("`{jwks_uri}` is not a JWKS: {e}"))
}

async fn get(
    client: &Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    url: &str,
) -> Result<Bytes, String> {
    let uri: Uri = url
        .parse()
        .map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    let loopback = matches!(
        uri.host(),
        Some("127.0.0.1" | "localhost" | "[::1]" | "::1")
    );
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if loopback => {}
        _ => {
            return Err(format!(
                "`{url}` must be https (plain http is only for a loopback issuer)"
            ));
        }
    }
    let request = Request::get(uri)
        .body(Empty::new())
        .map_err(|e| e.to_string())?;
    let exchange = async {
        let response = client
            .request(request)
            .await
            .map_err(|e| format!("GET `{url}`: {e}"))?;
        if response.status() != StatusCode::OK {
            return Err(format!("GET `{url}`: {}", response.status()));
        }
        let body = Limited::new(response.into_body(), MAX_JWKS_BYTES)
            .collect()
            .await
            .map_err(|e| format!("GET `{url}`: {e} (at most {MAX_JWKS_BYTES} bytes)"))?;
        Ok(body.to_bytes())
    };
    tokio::time::timeout(FETCH_TIMEOUT, exchange)
        .await
        .map_err(|_| {
            format!(
                "GET `{url}` took more than {} ms",
                FETCH_TIMEOUT.as_millis()
            )
        })?
}
