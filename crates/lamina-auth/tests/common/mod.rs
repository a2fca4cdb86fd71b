//! Helpers shared by the integration tests: a project's pool settings, pre-made keys, a running
//! server on a loopback port and a plain HTTP client that does not follow redirects.
#![allow(dead_code)]

use std::path::Path;
use std::sync::OnceLock;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use lamina_auth::{CognitoSettings, LocalUser, local_issuer};
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const PROJECT: &str = "rides";
pub const CALLBACK: &str = "http://localhost:5173/callback";
pub const LOGOUT: &str = "http://localhost:5173/";

pub fn settings(keys_dir: &Path, issuer: &str) -> CognitoSettings {
    CognitoSettings {
        project: PROJECT.into(),
        issuer: issuer.into(),
        keys_dir: keys_dir.to_path_buf(),
        groups: vec!["admin".into(), "poweruser".into()],
        scopes: vec!["read".into(), "write".into()],
        access_token_minutes: 60,
        id_token_minutes: 60,
        refresh_token_days: 30,
        refresh_token_rotation: true,
        users: vec![
            LocalUser {
                username: "alice".into(),
                email: "alice@example.com".into(),
                groups: vec!["admin".into(), "poweruser".into()],
                password: "alice-password".into(),
            },
            LocalUser {
                username: "bob".into(),
                email: "bob@example.com".into(),
                groups: vec![],
                password: "bob-password".into(),
            },
        ],
        callback_urls: vec![CALLBACK.into()],
        logout_urls: vec![LOGOUT.into()],
    }
}

/// A temporary keys dir holding copies of one pair of keys made once per test binary: RSA key
/// generation is the slow part, and only the persistence test needs to watch it happen.
pub fn keys_dir() -> TempDir {
    static TEMPLATE: OnceLock<TempDir> = OnceLock::new();
    let template = TEMPLATE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        lamina_auth::LocalPool::open(settings(dir.path(), "http://127.0.0.1:1/x")).unwrap();
        dir
    });
    let dir = tempfile::tempdir().unwrap();
    for name in ["id.pem", "access.pem"] {
        std::fs::copy(template.path().join(name), dir.path().join(name)).unwrap();
    }
    dir
}

pub struct Server {
    pub issuer: String,
    pub origin: String,
    pub port: u16,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), lamina_auth::AuthError>>>,
}

impl Server {
    /// Starts the pool on a free port (or `port`), with `edit` applied to the settings.
    pub async fn start_on(keys: &Path, port: u16, edit: impl FnOnce(&mut CognitoSettings)) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let issuer = local_issuer(port, PROJECT);
        let mut settings = settings(keys, &issuer);
        edit(&mut settings);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(lamina_auth::serve(settings, listener, async move {
            let _ = stopped.await;
        }));
        Self {
            origin: format!("http://127.0.0.1:{port}"),
            issuer,
            port,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub async fn start(keys: &Path) -> Self {
        Self::start_on(keys, 0, |_| {}).await
    }

    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap().unwrap();
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn location(&self) -> &str {
        self.header("location").expect("a Location header")
    }
}

/// One request; redirects are returned, not followed. The server is retried briefly while it
/// starts up (it makes or loads its keys before it accepts).
pub async fn send(
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> Response {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut attempt = 0;
    loop {
        let mut request = Request::builder().method(method.clone()).uri(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if body.is_some() {
            request = request.header("content-type", "application/x-www-form-urlencoded");
        }
        let request = request
            .body(Full::new(Bytes::from(body.clone().unwrap_or_default())))
            .unwrap();
        match client.request(request).await {
            Ok(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                let body = response.into_body().collect().await.unwrap().to_bytes();
                return Response {
                    status,
                    headers,
                    body: String::from_utf8_lossy(&body).into_owned(),
                };
            }
            Err(e) if attempt < 100 => {
                attempt += 1;
                let _ = e;
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(e) => panic!("{method} {url}: {e}"),
        }
    }
}

pub async fn get(url: &str, headers: &[(&str, &str)]) -> Response {
    send(Method::GET, url, headers, None).await
}

pub async fn post_form(url: &str, headers: &[(&str, &str)], form: &[(&str, &str)]) -> Response {
    send(
        Method::POST,
        url,
        headers,
        Some(serde_urlencoded::to_string(form).unwrap()),
    )
    .await
}

/// Query parameters of a redirect's Location (`?…`, or `#…` for the implicit grant).
pub fn location_params(location: &str) -> std::collections::HashMap<String, String> {
    let query = location.split_once(['?', '#']).map_or("", |(_, q)| q);
    serde_urlencoded::from_str(query).unwrap()
}

/// The payload of a JWT, decoded but not verified.
pub fn payload(token: &str) -> serde_json::Value {
    use base64::Engine as _;
    let part = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

pub fn header(token: &str) -> serde_json::Value {
    use base64::Engine as _;
    let part = token.split('.').next().unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}
