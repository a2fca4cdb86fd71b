//! The HTTP server: accept loop, per-request pipeline, gateway errors.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::config::GatewayConfig;
use crate::event::{self, EventInput};
use crate::response::{self, FunctionResponse};
use crate::router::Router;
use crate::util::{now_millis, request_id};
use crate::{
    AccessLogEntry, AuthFailure, Authorize, Authorized, GatewayError, InvokeOutcome, Invoker, cors,
};

/// How long in-flight requests may finish after `shutdown` resolves.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
/// Read buffer per connection: request heads larger than this are refused by hyper with 431.
const MAX_BUF: usize = 64 * 1024;
/// At most this many request headers (hyper answers 431 above it).
const MAX_HEADERS: usize = 200;

/// Serves the gateway on `listener` until `shutdown` resolves, then lets in-flight requests
/// finish for a few seconds.
///
/// Returns an error only for a configuration API Gateway would refuse
/// ([`GatewayConfig::validate`]) or a listener without an address. Bad clients (malformed HTTP,
/// bad chunked bodies, slow or huge heads) lose their connection or get a 4xx; they never stop
/// the server.
pub async fn serve(
    config: GatewayConfig,
    invoker: Arc<dyn Invoker>,
    authorizer: Arc<dyn Authorize>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let (_keep, configs) = tokio::sync::watch::channel(config);
    serve_live(configs, invoker, authorizer, listener, shutdown).await
}

/// [`serve`], taking each new configuration from `configs` (`lamina dev` applies an edit of
/// lamina.toml this way): requests already in flight finish with the configuration they started
/// with, new ones get the new routes, CORS and limits. A configuration that
/// [`GatewayConfig::validate`] refuses is ignored, and the running one stays.
pub async fn serve_live(
    mut configs: tokio::sync::watch::Receiver<GatewayConfig>,
    invoker: Arc<dyn Invoker>,
    authorizer: Arc<dyn Authorize>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let config = configs.borrow_and_update().clone();
    config
        .validate()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
    let local_port = listener.local_addr()?.port();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        .max_buf_size(MAX_BUF)
        .max_headers(MAX_HEADERS);
    let current = Arc::new(std::sync::RwLock::new(Arc::new(Gateway {
        router: Router::new(&config.routes),
        config,
        invoker: invoker.clone(),
        authorizer: authorizer.clone(),
        local_port,
    })));
    let updater = {
        let current = current.clone();
        tokio::spawn(async move {
            while configs.changed().await.is_ok() {
                let config = configs.borrow_and_update().clone();
                if config.validate().is_err() {
                    continue;
                }
                let next = Arc::new(Gateway {
                    router: Router::new(&config.routes),
                    config,
                    invoker: invoker.clone(),
                    authorizer: authorizer.clone(),
                    local_port,
                });
                *current.write().expect("gateway config") = next;
            }
        })
    };
    let result = accept_loop(current, http, listener, shutdown).await;
    updater.abort();
    result
}

async fn accept_loop(
    current: Arc<std::sync::RwLock<Arc<Gateway>>>,
    http: hyper::server::conn::http1::Builder,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning. A reset
                    // before accept is the client's problem.
                    if !matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
                    ) {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let current = current.clone();
        let service = service_fn(move |request: Request<Incoming>| {
            // The configuration in force when the request arrives.
            let gateway = current.read().expect("gateway config").clone();
            async move {
                let started = Instant::now();
                let id = request_id();
                // Each request runs on its own task, so a panic becomes a 500, not a dead
                // connection, and a client that hangs up does not cancel the invocation (the
                // function runs to completion on AWS too).
                let (method, path) = (request.method().clone(), request.uri().path().to_owned());
                let task = tokio::spawn(gateway.clone().handle(request, peer, id.clone(), started));
                let response = match task.await {
                    Ok(response) => response,
                    Err(_) => {
                        let response = gateway.finish(
                            Reply::error(GatewayError::Internal),
                            &HeaderMap::new(),
                            &id,
                        );
                        if let Some(log) = &gateway.config.access_log {
                            log(&AccessLogEntry {
                                request_id: id,
                                method: method.as_str().to_owned(),
                                path,
                                status: response.status().as_u16(),
                                latency: started.elapsed(),
                                domain: None,
                                route_key: None,
                                error: Some(GatewayError::Internal),
                                note: Some("the gateway panicked; this is a bug".to_owned()),
                            });
                        }
                        response
                    }
                };
                Ok::<_, Infallible>(response)
            }
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // Errors here are the client's: malformed HTTP, resets, header timeouts.
            let _ = connection.await;
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {}
    }
    Ok(())
}

struct Gateway {
    config: GatewayConfig,
    router: Router,
    invoker: Arc<dyn Invoker>,
    authorizer: Arc<dyn Authorize>,
    local_port: u16,
}

/// What to answer, before CORS and `apigw-requestid` are added.
enum Reply {
    Function(FunctionResponse),
    Error(GatewayError),
    Auth(AuthFailure),
    Preflight(HeaderMap),
}

impl Reply {
    fn error(error: GatewayError) -> Self {
        Self::Error(error)
    }
}

impl GatewayError {
    fn status_and_body(self) -> (StatusCode, &'static str) {
        match self {
            Self::NotFound => (StatusCode::NOT_FOUND, r#"{"message":"Not Found"}"#),
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, r#"{"message":"Unauthorized"}"#),
            Self::Forbidden => (StatusCode::FORBIDDEN, r#"{"message":"Forbidden"}"#),
            Self::RequestTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                r#"{"message":"Request Entity Too Large"}"#,
            ),
            Self::HeadersTooLarge => (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                r#"{"message":"Request Header Fields Too Large"}"#,
            ),
            Self::BadRequest => (StatusCode::BAD_REQUEST, r#"{"message":"Bad Request"}"#),
            Self::RequestTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                r#"{"message":"Request Timeout"}"#,
            ),
            Self::EventTooLarge
            | Self::FunctionError
            | Self::FunctionTimeout
            | Self::ResponseTooLarge
            | Self::MalformedResponse
            | Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"message":"Internal Server Error"}"#,
            ),
            Self::Throttled => (
                StatusCode::TOO_MANY_REQUESTS,
                r#"{"message":"Too Many Requests"}"#,
            ),
            Self::IntegrationTimeout => (
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"message":"Service Unavailable"}"#,
            ),
        }
    }
}

/// What the access log learns while a request is handled.
#[derive(Default)]
struct Trace {
    domain: Option<String>,
    route_key: Option<String>,
    note: Option<String>,
}

impl Gateway {
    async fn handle(
        self: Arc<Self>,
        request: Request<Incoming>,
        peer: SocketAddr,
        request_id: String,
        started: Instant,
    ) -> Response<Full<Bytes>> {
        let (parts, body) = request.into_parts();
        let mut trace = Trace::default();
        let reply = self
            .reply(&parts, body, peer, &request_id, &mut trace)
            .await;
        let error = match &reply {
            Reply::Error(error) => Some(*error),
            Reply::Auth(failure) if failure.status == 403 => Some(GatewayError::Forbidden),
            Reply::Auth(_) => Some(GatewayError::Unauthorized),
            _ => None,
        };
        let response = self.finish(reply, &parts.headers, &request_id);
        if let Some(log) = &self.config.access_log {
            log(&AccessLogEntry {
                request_id,
                method: parts.method.as_str().to_owned(),
                path: parts.uri.path().to_owned(),
                status: response.status().as_u16(),
                latency: started.elapsed(),
                domain: trace.domain,
                route_key: trace.route_key,
                error,
                note: trace.note,
            });
        }
        response
    }

    async fn reply(
        &self,
        parts: &Parts,
        body: Incoming,
        peer: SocketAddr,
        request_id: &str,
        trace: &mut Trace,
    ) -> Reply {
        let config = &self.config;
        if head_size(parts) > config.max_header_bytes {
            return Reply::error(GatewayError::HeadersTooLarge);
        }

        // Stage selection (spec §2.1): `$default` serves from the root.
        let path = parts.uri.path();
        let route_path = if config.stage == "$default" {
            path
        } else {
            match path
                .strip_prefix('/')
                .and_then(|p| p.strip_prefix(config.stage.as_str()))
            {
                Some("") => "/",
                Some(rest) if rest.starts_with('/') => rest,
                _ => return Reply::error(GatewayError::NotFound),
            }
        };

        // Route selection (spec §2.2), with CORS preflights answered by the gateway unless an
        // explicit OPTIONS route or `$default` takes them (spec §4).
        let method = parts.method.as_str();
        let preflight = config
            .cors
            .as_ref()
            .filter(|_| cors::is_preflight(&parts.method, &parts.headers));
        let mut matched = self.router.find(method, route_path, |_| true);
        if let Some(cors) = preflight {
            let route = matched.as_ref().map(|m| m.route);
            let routed = match route {
                None => false,
                Some(route) if route.key == "$default" || route.method_is("OPTIONS") => true,
                Some(_) => {
                    matched = self
                        .router
                        .find(method, route_path, |r| !r.is_any())
                        .filter(|m| m.route.key != "$default");
                    matched.is_some()
                }
            };
            if !routed {
                return Reply::Preflight(cors::preflight_headers(cors, &parts.headers));
            }
        }
        if path.len() > 1 && path.ends_with('/') {
            trace.note = self.router.trailing_slash_note(method, route_path);
        }
        let Some(matched) = matched else {
            return Reply::error(GatewayError::NotFound);
        };
        let route = matched.route;
        trace.domain = Some(route.domain.clone());
        trace.route_key = Some(route.key.clone());

        // The whole body, within the payload limit (spec §5).
        let declared = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > config.max_body as u64) {
            return Reply::error(GatewayError::RequestTooLarge);
        }
        let collected = tokio::time::timeout(
            config.body_read_timeout,
            Limited::new(body, config.max_body).collect(),
        )
        .await;
        let body = match collected {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
                return Reply::error(GatewayError::RequestTooLarge);
            }
            Ok(Err(_)) => return Reply::error(GatewayError::BadRequest),
            Err(_) => return Reply::error(GatewayError::RequestTimeout),
        };

        // The JWT authorizer (spec §3): on failure its answer goes back as is.
        let authorized: Option<Authorized> = if route.jwt {
            let authorization = parts
                .headers
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok());
            match self
                .authorizer
                .authorize(authorization, &route.scopes)
                .await
            {
                Ok(authorized) => Some(authorized),
                Err(failure) => return Reply::Auth(failure),
            }
        } else {
            None
        };

        let source_ip = peer.ip().to_canonical().to_string();
        let event = event::build(&EventInput {
            config,
            method,
            raw_path: path,
            raw_query: parts.uri.query(),
            headers: &parts.headers,
            route_key: &route.key,
            path_parameters: matched.has_params.then_some(matched.params.as_slice()),
            authorizer: authorized.as_ref(),
            body: &body,
            source_ip: &source_ip,
            local_port: self.local_port,
            request_id,
            epoch_millis: now_millis(),
        });
        if event.len() > config.max_event {
            return Reply::error(GatewayError::EventTooLarge);
        }

        let invocation = self.invoker.invoke(&route.domain, Bytes::from(event));
        match tokio::time::timeout(config.integration_timeout, invocation).await {
            Err(_) => Reply::error(GatewayError::IntegrationTimeout),
            Ok(InvokeOutcome::Response(output)) => match response::parse(&output) {
                Ok(response) => Reply::Function(response),
                Err(malformed) => {
                    trace.note = Some(format!("malformed function response: {}", malformed.0));
                    Reply::error(GatewayError::MalformedResponse)
                }
            },
            Ok(InvokeOutcome::FunctionError) => Reply::error(GatewayError::FunctionError),
            Ok(InvokeOutcome::Timeout) => Reply::error(GatewayError::FunctionTimeout),
            Ok(InvokeOutcome::Throttled) => Reply::error(GatewayError::Throttled),
            Ok(InvokeOutcome::ResponseTooLarge) => Reply::error(GatewayError::ResponseTooLarge),
        }
    }

    /// The HTTP response: CORS headers (spec §4) and `apigw-requestid` (spec §5) added.
    fn finish(&self, reply: Reply, request: &HeaderMap, request_id: &str) -> Response<Full<Bytes>> {
        let cors = self.config.cors.as_ref();
        let (status, mut headers, body) = match reply {
            Reply::Function(response) => {
                let mut headers = response.headers;
                if let Some(cors) = cors {
                    cors::apply(cors, request, &mut headers);
                }
                (response.status, headers, response.body)
            }
            Reply::Preflight(headers) => (StatusCode::NO_CONTENT, headers, Bytes::new()),
            Reply::Error(error) => {
                let (status, body) = error.status_and_body();
                (
                    status,
                    self.error_headers(request),
                    Bytes::from_static(body.as_bytes()),
                )
            }
            Reply::Auth(failure) => {
                let mut headers = self.error_headers(request);
                if let Some(value) = failure
                    .www_authenticate
                    .as_deref()
                    .and_then(|v| HeaderValue::from_str(v).ok())
                {
                    headers.insert(http::header::WWW_AUTHENTICATE, value);
                }
                let status =
                    StatusCode::from_u16(failure.status).unwrap_or(StatusCode::UNAUTHORIZED);
                (status, headers, Bytes::from(failure.body))
            }
        };
        if let Ok(id) = HeaderValue::from_str(request_id) {
            headers.insert("apigw-requestid", id);
        }
        let mut response = Response::new(Full::new(body));
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        response
    }

    fn error_headers(&self, request: &HeaderMap) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(cors) = self.config.cors.as_ref().filter(|c| c.on_gateway_errors) {
            cors::apply(cors, request, &mut headers);
        }
        headers
    }
}

/// The request line plus header values, as API Gateway counts them against its 10240-byte quota.
fn head_size(parts: &Parts) -> usize {
    let line = parts.method.as_str().len()
        + parts.uri.path_and_query().map_or(1, |p| p.as_str().len())
        + " HTTP/1.1".len()
        + 1;
    line + parts.headers.values().map(HeaderValue::len).sum::<usize>()
}
