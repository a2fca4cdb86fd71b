//! The HTTP side of the local pool: the endpoints of `cognito-idp` (discovery, JWKS) and of the
//! hosted UI / OAuth domain (`/oauth2/*`, `/login`, `/logout`) on one loopback port.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tokio::net::TcpListener;

use super::page;
use super::store::{CODE_SECONDS, PendingCode, Store};
use super::{CognitoSettings, Grant, LocalPool, now};
use crate::error::AuthError;
use crate::ids;
use crate::jwt::b64;
use crate::verifier::JwtVerifier;

/// The hosted UI's session cookie. Cookies ignore ports, so the name keeps clear of the app's own.
const COOKIE: &str = "lamina-cognito";

/// Runs the local pool described by `settings` on `listener` until `shutdown` completes. The keys
/// are loaded (or made) from `settings.keys_dir` first.
pub async fn serve(
    settings: CognitoSettings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AuthError> {
    let pool = tokio::task::spawn_blocking(move || LocalPool::open(settings))
        .await
        .map_err(|e| AuthError::KeyGeneration(e.to_string()))??;
    serve_pool(pool, listener, shutdown).await
}

/// [`serve`] with a pool already opened (to show its client secret first, say).
pub async fn serve_pool(
    pool: LocalPool,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AuthError> {
    let (origin, path) = split_issuer(pool.issuer())?;
    let store = Store::open(pool.settings().keys_dir.join("refresh-tokens.json"));
    tracing::info!(
        issuer = pool.issuer(),
        client_id = pool.client_id(),
        m2m_client_id = pool.m2m_client_id(),
        m2m_client_secret = pool.m2m_client_secret(),
        "local Cognito listening on {}",
        listener.local_addr()?
    );
    let app = Arc::new(App {
        verifier: pool.verifier(Duration::ZERO),
        pool,
        store: Mutex::new(store),
        origin,
    });
    let router = Router::new()
        .route(
            &format!("{path}/.well-known/openid-configuration"),
            get(discovery),
        )
        .route(&format!("{path}/.well-known/jwks.json"), get(jwks))
        .route("/oauth2/authorize", get(authorize))
        .route("/login", get(authorize).post(login))
        .route("/oauth2/token", post(token))
        .route("/oauth2/userInfo", get(userinfo).post(userinfo))
        .route("/logout", get(logout))
        .route("/oauth2/revoke", post(revoke))
        .layer(middleware::from_fn(cors))
        .with_state(app);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

struct App {
    pool: LocalPool,
    /// Checks access tokens at `userInfo`: this pool's keys, issuer and clients.
    verifier: JwtVerifier,
    store: Mutex<Store>,
    /// `http://127.0.0.1:3001`: the OAuth endpoints live here, the issuer below it.
    origin: String,
}

type Shared = Arc<App>;

impl App {
    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `http://host:port/pool` → (`http://host:port`, `/pool`).
fn split_issuer(issuer: &str) -> Result<(String, String), AuthError> {
    let bad = || AuthError::BadIssuer(issuer.to_owned());
    let scheme = if issuer.starts_with("http://") {
        "http://"
    } else if issuer.starts_with("https://") {
        "https://"
    } else {
        return Err(bad());
    };
    let rest = &issuer[scheme.len()..];
    let (host, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    if host.is_empty() || path.contains(['{', '}', '?', '#']) {
        return Err(bad());
    }
    Ok((
        format!("{scheme}{host}"),
        path.trim_end_matches('/').to_owned(),
    ))
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

/// Query or form parameters; the first of a repeated name wins.
fn params(encoded: &[u8]) -> HashMap<String, String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(encoded).unwrap_or_default();
    let mut map = HashMap::new();
    for (k, v) in pairs {
        map.entry(k).or_insert(v);
    }
    map
}

fn param<'a>(map: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    map.get(name).map(String::as_str).filter(|v| !v.is_empty())
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Cognito's token-endpoint error: 400 `{"error":"…"}`.
fn oauth_error(code: &str) -> Response {
    tracing::debug!(error = code, "local Cognito refused a request");
    json_response(StatusCode::BAD_REQUEST, &json!({ "error": code }))
}

fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html;charset=UTF-8"),
    );
    response
}

fn redirect(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// `uri` with `pairs` added after `separator` (`?` for a query, `#` for a fragment).
fn with_params(uri: &str, separator: char, pairs: &[(&str, &str)]) -> String {
    let encoded = serde_urlencoded::to_string(pairs).unwrap_or_default();
    if separator == '?' && uri.contains('?') {
        format!("{uri}&{encoded}")
    } else {
        format!("{uri}{separator}{encoded}")
    }
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// The browser calls the token, userInfo and revoke endpoints from the app's origin (PKCE in a
/// SPA), and fetches discovery and JWKS; Cognito answers those cross-origin, so this does too.
async fn cors(request: Request, next: Next) -> Response {
    let allow_origin = HeaderValue::from_static("*");
    if request.method() == Method::OPTIONS {
        let allow_headers = request
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .cloned()
            .unwrap_or_else(|| HeaderValue::from_static("authorization, content-type"));
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, allow_headers);
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        return response;
    }
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
    response
}

// ---------------------------------------------------------------------------------------------
// cognito-idp: discovery and keys.

async fn discovery(State(app): State<Shared>) -> Response {
    let issuer = app.pool.issuer();
    let origin = &app.origin;
    json_response(
        StatusCode::OK,
        &json!({
            "authorization_endpoint": format!("{origin}/oauth2/authorize"),
            "id_token_signing_alg_values_supported": ["RS256"],
            "issuer": issuer,
            "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
            "response_types_supported": ["code", "token"],
            "scopes_supported": ["openid", "email", "phone", "profile"],
            "subject_types_supported": ["public"],
            "token_endpoint": format!("{origin}/oauth2/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "userinfo_endpoint": format!("{origin}/oauth2/userInfo"),
        }),
    )
}

async fn jwks(State(app): State<Shared>) -> Response {
    let value = serde_json::to_value(app.pool.jwks()).unwrap_or_default();
    json_response(StatusCode::OK, &value)
}

// ---------------------------------------------------------------------------------------------
// The hosted UI: /oauth2/authorize, /login.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResponseType {
    Code,
    Token,
}

#[derive(Debug)]
struct AuthorizeRequest {
    response_type: ResponseType,
    redirect_uri: String,
    state: Option<String>,
    scopes: Vec<String>,
    code_challenge: Option<String>,
    nonce: Option<String>,
}

/// A bad `/oauth2/authorize`: an error page when the redirect URI cannot be trusted, else a
/// redirect that carries `error=` back to the app.
enum Rejection {
    Page(String),
    Redirect {
        redirect_uri: String,
        error: &'static str,
        state: Option<String>,
    },
}

impl Rejection {
    fn response(self) -> Response {
        match self {
            Self::Page(message) => {
                tracing::debug!(message, "local Cognito refused an authorize request");
                html(StatusCode::BAD_REQUEST, page::error(&message))
            }
            Self::Redirect {
                redirect_uri,
                error,
                state,
            } => {
                tracing::debug!(error, "local Cognito refused an authorize request");
                let mut pairs = vec![("error", error)];
                if let Some(state) = &state {
                    pairs.push(("state", state));
                }
                redirect(&with_params(&redirect_uri, '?', &pairs))
            }
        }
    }
}

fn validate(app: &App, params: &HashMap<String, String>) -> Result<AuthorizeRequest, Rejection> {
    let pool = &app.pool;
    let client_id = param(params, "client_id").ok_or_else(|| {
        Rejection::Page("Required String parameter 'client_id' is not present".into())
    })?;
    if client_id != pool.client_id() && client_id != pool.m2m_client_id() {
        return Err(Rejection::Page(format!(
            "Client {client_id} does not exist"
        )));
    }
    let redirect_uri = param(params, "redirect_uri").unwrap_or_default();
    if !pool
        .settings()
        .callback_urls
        .iter()
        .any(|u| u == redirect_uri)
    {
        return Err(Rejection::Page(format!(
            "redirect_mismatch: `{redirect_uri}` is not a callback URL of the app client (auth.urls of the stage in lamina.toml)"
        )));
    }
    let state = param(params, "state").map(str::to_owned);
    let reject = |error| Rejection::Redirect {
        redirect_uri: redirect_uri.to_owned(),
        error,
        state: state.clone(),
    };
    let response_type = match param(params, "response_type") {
        Some("code") => ResponseType::Code,
        Some("token") => ResponseType::Token,
        _ => return Err(reject("invalid_request")),
    };
    if client_id != pool.client_id() {
        return Err(reject("unauthorized_client"));
    }
    // PKCE: S256 only, and a method and a challenge come together.
    let code_challenge = match (
        param(params, "code_challenge_method"),
        param(params, "code_challenge"),
    ) {
        (None, None) => None,
        (Some("S256"), Some(challenge)) => Some(challenge.to_owned()),
        _ => return Err(reject("invalid_request")),
    };
    let scopes: Vec<String> = match param(params, "scope") {
        None => pool.default_scopes(),
        Some(scope) => {
            let mut scopes: Vec<String> = Vec::new();
            for s in scope.split_whitespace() {
                if !scopes.iter().any(|x| x == s) {
                    scopes.push(s.to_owned());
                }
            }
            scopes
        }
    };
    let allowed = pool.allowed_scopes();
    let has_openid = scopes.iter().any(|s| s == "openid");
    let needs_openid = |s: &String| matches!(s.as_str(), "email" | "phone" | "profile");
    if scopes.is_empty()
        || scopes.iter().any(|s| !allowed.contains(s))
        || (!has_openid && scopes.iter().any(needs_openid))
    {
        return Err(reject("invalid_scope"));
    }
    Ok(AuthorizeRequest {
        response_type,
        redirect_uri: redirect_uri.to_owned(),
        state,
        scopes,
        code_challenge: if response_type == ResponseType::Code {
            code_challenge
        } else {
            None
        },
        nonce: param(params, "nonce").map(str::to_owned),
    })
}

/// `GET /oauth2/authorize` (and `GET /login`, where Cognito sends the browser): the sign-in page,
/// or straight back to the app when the browser has a live session.
async fn authorize(
    State(app): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let raw = query.unwrap_or_default();
    let request = match validate(&app, &params(raw.as_bytes())) {
        Ok(request) => request,
        Err(rejection) => return rejection.response(),
    };
    let session = cookie(&headers).and_then(|id| app.store().session(&id));
    if let Some(session) = session.filter(|s| app.pool.user(&s.username).is_some()) {
        return complete(&app, request, &session.username, session.auth_time);
    }
    html(
        StatusCode::OK,
        page::login(
            &app.pool.settings().project,
            &app.pool.settings().users,
            &raw,
            None,
        ),
    )
}

/// `POST /login`: checks a test user's password, starts a session, then back to the app.
async fn login(State(app): State<Shared>, body: Bytes) -> Response {
    let form = params(&body);
    let raw = form.get("request").cloned().unwrap_or_default();
    let request = match validate(&app, &params(raw.as_bytes())) {
        Ok(request) => request,
        Err(rejection) => return rejection.response(),
    };
    let username = param(&form, "username").unwrap_or_default();
    let password = form.get("password").map(String::as_str).unwrap_or_default();
    let settings = app.pool.settings();
    if !settings
        .users
        .iter()
        .any(|u| u.username == username && u.password == password)
    {
        return html(
            StatusCode::OK,
            page::login(
                &settings.project,
                &settings.users,
                &raw,
                Some("Incorrect username or password."),
            ),
        );
    }
    tracing::info!(user = username, "signed in to the local Cognito");
    let auth_time = now();
    let session = app.store().add_session(username, auth_time);
    let mut response = complete(&app, request, username, auth_time);
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
        super::store::SESSION_SECONDS
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// Back to the app with a code (code grant) or the tokens in the fragment (implicit grant).
fn complete(app: &App, request: AuthorizeRequest, username: &str, auth_time: u64) -> Response {
    let grant = Grant {
        client_id: app.pool.client_id().to_owned(),
        username: username.to_owned(),
        scopes: request.scopes,
        auth_time,
        origin_jti: ids::random_uuid(),
        event_id: ids::random_uuid(),
        nonce: request.nonce,
    };
    let state = request.state.as_deref();
    match request.response_type {
        ResponseType::Code => {
            let code = app.store().add_code(PendingCode {
                grant,
                redirect_uri: request.redirect_uri.clone(),
                code_challenge: request.code_challenge,
                expires_at: now() + CODE_SECONDS,
            });
            let mut pairs = vec![("code", code.as_str())];
            pairs.extend(state.map(|s| ("state", s)));
            redirect(&with_params(&request.redirect_uri, '?', &pairs))
        }
        ResponseType::Token => {
            let tokens = match app.pool.issue(&grant) {
                Ok(tokens) => tokens,
                Err(_) => {
                    return Rejection::Redirect {
                        redirect_uri: request.redirect_uri,
                        error: "server_error",
                        state: request.state,
                    }
                    .response();
                }
            };
            let expires_in = app.pool.access_seconds().to_string();
            let mut pairs = Vec::new();
            if let Some(id_token) = &tokens.id_token {
                pairs.push(("id_token", id_token.as_str()));
            }
            pairs.push(("access_token", &tokens.access_token));
            pairs.push(("token_type", "bearer"));
            pairs.push(("expires_in", &expires_in));
            pairs.extend(state.map(|s| ("state", s)));
            redirect(&with_params(&request.redirect_uri, '#', &pairs))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// /oauth2/token and /oauth2/revoke.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Client {
    /// The frontend's app client: no secret.
    Public,
    /// The confidential client of `client_credentials`.
    Machine,
}

/// `client_secret_basic` or `client_secret_post`, or a public client's bare `client_id`.
fn authenticate(
    app: &App,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<Client, &'static str> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        });
    let (id, secret) = match basic {
        Some(encoded) => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|d| String::from_utf8(d).ok())
                .ok_or("invalid_client")?;
            let (id, secret) = decoded.split_once(':').ok_or("invalid_client")?;
            (id.to_owned(), Some(secret.to_owned()))
        }
        None => (
            param(form, "client_id").ok_or("invalid_client")?.to_owned(),
            param(form, "client_secret").map(str::to_owned),
        ),
    };
    if id == app.pool.client_id() {
        // A client without a secret must not be sent one.
        return match secret.as_deref() {
            None | Some("") => Ok(Client::Public),
            Some(_) => Err("invalid_client"),
        };
    }
    if id == app.pool.m2m_client_id() && secret.as_deref() == Some(app.pool.m2m_client_secret()) {
        return Ok(Client::Machine);
    }
    Err("invalid_client")
}

async fn token(State(app): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let form = params(&body);
    let grant_type = param(&form, "grant_type").map(str::to_owned);
    let client = match authenticate(&app, &headers, &form) {
        Ok(client) => client,
        Err(error) => return oauth_error(error),
    };
    match grant_type.as_deref() {
        None => oauth_error("invalid_request"),
        Some("authorization_code") => code_grant(&app, client, &form),
        Some("refresh_token") => refresh_grant(&app, client, &form),
        Some("client_credentials") => client_credentials(&app, client, &form),
        Some(_) => oauth_error("unsupported_grant_type"),
    }
}

fn code_grant(app: &App, client: Client, form: &HashMap<String, String>) -> Response {
    if client != Client::Public {
        return oauth_error("unauthorized_client");
    }
    let (Some(code), Some(redirect_uri)) = (param(form, "code"), param(form, "redirect_uri"))
    else {
        return oauth_error("invalid_request");
    };
    // Taken out before any check: a code is spent by its first exchange, good or bad.
    let Some(pending) = app.store().take_code(code) else {
        return oauth_error("invalid_grant");
    };
    if pending.grant.client_id != app.pool.client_id() || pending.redirect_uri != redirect_uri {
        return oauth_error("invalid_grant");
    }
    if let Some(challenge) = &pending.code_challenge {
        let Some(verifier) = param(form, "code_verifier") else {
            return oauth_error("invalid_request");
        };
        if b64(&Sha256::digest(verifier.as_bytes())) != *challenge {
            return oauth_error("invalid_grant");
        }
    }
    let tokens = match app.pool.issue(&pending.grant) {
        Ok(tokens) => tokens,
        Err(_) => return oauth_error("invalid_grant"),
    };
    let refresh_token = app
        .store()
        .add_refresh(pending.grant, app.pool.settings().refresh_token_days);
    let mut body = json!({
        "access_token": tokens.access_token,
        "refresh_token": refresh_token,
        "token_type": "Bearer",
        "expires_in": app.pool.access_seconds(),
    });
    if let Some(id_token) = tokens.id_token {
        body["id_token"] = json!(id_token);
    }
    json_response(StatusCode::OK, &body)
}

fn refresh_grant(app: &App, client: Client, form: &HashMap<String, String>) -> Response {
    if client != Client::Public {
        return oauth_error("unauthorized_client");
    }
    let Some(old) = param(form, "refresh_token") else {
        return oauth_error("invalid_request");
    };
    let settings = app.pool.settings();
    // Looked up and rotated under one lock, so one refresh token cannot be rotated twice.
    let (grant, rotated) = {
        let mut store = app.store();
        let Some(grant) = store.refresh(old) else {
            return oauth_error("invalid_grant");
        };
        if grant.client_id != app.pool.client_id() || app.pool.user(&grant.username).is_none() {
            return oauth_error("invalid_grant");
        }
        let rotated = settings
            .refresh_token_rotation
            .then(|| store.rotate(old, grant.clone(), settings.refresh_token_days));
        (grant, rotated)
    };
    let tokens = match app.pool.issue(&grant) {
        Ok(tokens) => tokens,
        Err(_) => return oauth_error("invalid_grant"),
    };
    let mut body = json!({
        "access_token": tokens.access_token,
        "token_type": "Bearer",
        "expires_in": app.pool.access_seconds(),
    });
    if let Some(id_token) = tokens.id_token {
        body["id_token"] = json!(id_token);
    }
    if let Some(refresh_token) = rotated {
        body["refresh_token"] = json!(refresh_token);
    }
    json_response(StatusCode::OK, &body)
}

fn client_credentials(app: &App, client: Client, form: &HashMap<String, String>) -> Response {
    if client != Client::Machine {
        return oauth_error("unauthorized_client");
    }
    let custom = app.pool.custom_scopes();
    let scopes: Vec<String> = match param(form, "scope") {
        None => custom.clone(),
        Some(scope) => scope.split_whitespace().map(str::to_owned).collect(),
    };
    // Only the resource server's scopes: no `openid` for a machine.
    if scopes.is_empty() || scopes.iter().any(|s| !custom.contains(s)) {
        return oauth_error("invalid_scope");
    }
    json_response(
        StatusCode::OK,
        &json!({
            "access_token": app.pool.m2m_token(&scopes),
            "token_type": "Bearer",
            "expires_in": app.pool.access_seconds(),
        }),
    )
}

/// `POST /oauth2/revoke`: a refresh token, and with it the access tokens of its sign-in.
async fn revoke(State(app): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let form = params(&body);
    let Some(token) = param(&form, "token") else {
        return oauth_error("invalid_request");
    };
    let client_id = match authenticate(&app, &headers, &form) {
        Ok(Client::Public) => app.pool.client_id(),
        Ok(Client::Machine) => app.pool.m2m_client_id(),
        Err(error) => return oauth_error(error),
    };
    let mut store = app.store();
    match store.refresh(token) {
        Some(grant) if grant.client_id == client_id => {
            store.revoke(token);
            StatusCode::OK.into_response()
        }
        Some(_) => oauth_error("invalid_request"),
        // Access and ID tokens cannot be revoked, only refresh tokens.
        None if token.split('.').count() == 3 => oauth_error("unsupported_token_type"),
        // An unknown or already revoked token is not an error (RFC 7009 §2.2).
        None => StatusCode::OK.into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// /oauth2/userInfo and /logout.

fn userinfo_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = status.into_response();
    if let Ok(value) = HeaderValue::from_str(&format!(
        r#"error="{error}", error_description="{description}""#
    )) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

async fn userinfo(State(app): State<Shared>, headers: HeaderMap) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .map(|(_, token)| token.trim().to_owned());
    let Some(token) = bearer else {
        return userinfo_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Bad OAuth2 request at UserInfo Endpoint",
        );
    };
    let invalid = || {
        userinfo_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "Access token is expired, disabled, or deleted, or the user has globally signed out.",
        )
    };
    let Ok(authorized) = app.verifier.authorize(Some(&token), &[]).await else {
        return invalid();
    };
    let claim = |name: &str| {
        authorized
            .claims
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    let scopes: Vec<&str> = claim("scope").split_whitespace().collect();
    let revoked = app.store().is_revoked(claim("origin_jti"));
    let user = app.pool.user(claim("username"));
    let (Some(user), "access", true, false) = (
        user,
        claim("token_use"),
        scopes.contains(&"openid"),
        revoked,
    ) else {
        return invalid();
    };
    let mut body = json!({ "sub": claim("sub"), "username": user.username });
    // `openid` alone gives every attribute; with `email`/`phone`/`profile`, only what they name.
    let narrowed = scopes
        .iter()
        .any(|s| matches!(*s, "email" | "phone" | "profile"));
    if !narrowed || scopes.contains(&"email") {
        body["email"] = json!(user.email);
        body["email_verified"] = json!("true");
    }
    json_response(StatusCode::OK, &body)
}

/// `GET /logout`: ends the session, then to a registered sign-out URL, or back to sign-in.
async fn logout(
    State(app): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let raw = query.unwrap_or_default();
    let params = params(raw.as_bytes());
    let settings = app.pool.settings();
    if param(&params, "client_id") != Some(app.pool.client_id()) {
        return html(
            StatusCode::BAD_REQUEST,
            page::error("Required String parameter 'client_id' is missing or names no app client"),
        );
    }
    let mut response = if let Some(logout_uri) = param(&params, "logout_uri") {
        if !settings.logout_urls.iter().any(|u| u == logout_uri) {
            return html(
                StatusCode::BAD_REQUEST,
                page::error(&format!(
                    "`{logout_uri}` is not a sign-out URL of the app client (auth.urls of the stage in lamina.toml)"
                )),
            );
        }
        redirect(logout_uri)
    } else if param(&params, "redirect_uri").is_some() {
        if let Err(rejection) = validate(&app, &params) {
            return rejection.response();
        }
        redirect(&format!("/login?{raw}"))
    } else {
        return html(
            StatusCode::BAD_REQUEST,
            page::error("Required String parameter 'logout_uri' or 'redirect_uri' is not present"),
        );
    };
    if let Some(id) = cookie(&headers) {
        app.store().end_session(&id);
    }
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_split() {
        let (origin, path) = split_issuer("http://127.0.0.1:3001/local_abc").unwrap();
        assert_eq!(
            (origin.as_str(), path.as_str()),
            ("http://127.0.0.1:3001", "/local_abc")
        );
        let (origin, path) = split_issuer("http://localhost:9/").unwrap();
        assert_eq!((origin.as_str(), path.as_str()), ("http://localhost:9", ""));
        assert!(split_issuer("127.0.0.1:3001/x").is_err());
    }

    #[test]
    fn params_are_added_to_a_uri() {
        assert_eq!(
            with_params(
                "http://localhost:5173/cb",
                '?',
                &[("code", "a b"), ("state", "x&y")]
            ),
            "http://localhost:5173/cb?code=a+b&state=x%26y"
        );
        assert_eq!(
            with_params("http://h/cb?tab=1", '?', &[("code", "c")]),
            "http://h/cb?tab=1&code=c"
        );
        assert_eq!(
            with_params("http://h/cb", '#', &[("access_token", "t")]),
            "http://h/cb#access_token=t"
        );
    }
}
