//! The gateway over real HTTP on loopback: every event field, response rule, limit, CORS and
//! authorizer case of `spec/emulation.md` §1, §2, §4 and §5.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use lamina_config::{Route, RouteAuth};
use lamina_gateway::{
    AccessLogEntry, AuthFailure, Authorize, Authorized, Cors, GatewayConfig, GatewayError,
    InvokeOutcome, Invoker, serve,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

// ------------------------------------------------------------------------------------------------
// Harness

/// An invoker from a closure, counting its invocations.
struct FnInvoker<F> {
    f: F,
    calls: Arc<AtomicUsize>,
}

impl<F> Invoker for FnInvoker<F>
where
    F: Fn(&str, Bytes) -> InvokeOutcome + Send + Sync + 'static,
{
    fn invoke(
        &self,
        domain: &str,
        event: Bytes,
    ) -> Pin<Box<dyn Future<Output = InvokeOutcome> + Send + 'static>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let outcome = (self.f)(domain, event);
        Box::pin(async move { outcome })
    }
}

/// Echoes the event as the body, and the domain in `x-domain`.
fn echo(domain: &str, event: Bytes) -> InvokeOutcome {
    let response = json!({
        "statusCode": 200,
        "headers": {"content-type": "application/json", "x-domain": domain},
        "body": String::from_utf8(event.to_vec()).unwrap(),
    });
    InvokeOutcome::Response(Bytes::from(response.to_string()))
}

/// Never answers.
struct Sleeper;

impl Invoker for Sleeper {
    fn invoke(&self, _: &str, _: Bytes) -> Pin<Box<dyn Future<Output = InvokeOutcome> + Send>> {
        Box::pin(std::future::pending())
    }
}

/// `Bearer good` passes; `Bearer noscope` passes only on routes without scopes.
struct FakeAuth;

const WWW_AUTHENTICATE: &str = r#"Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience""#;

impl Authorize for FakeAuth {
    fn authorize<'a>(
        &'a self,
        authorization: Option<&'a str>,
        route_scopes: &'a [String],
    ) -> Pin<Box<dyn Future<Output = Result<Authorized, AuthFailure>> + Send + 'a>> {
        Box::pin(async move {
            let token = authorization.map(|a| a.strip_prefix("Bearer ").unwrap_or(a));
            let token_scopes = match token {
                Some("good") => vec!["rides/write".to_owned(), "openid".to_owned()],
                Some("noscope") => vec!["openid".to_owned()],
                _ => return Err(AuthFailure::unauthorized(WWW_AUTHENTICATE)),
            };
            if !route_scopes.is_empty() && !route_scopes.iter().any(|s| token_scopes.contains(s)) {
                return Err(AuthFailure::forbidden());
            }
            let mut claims = serde_json::Map::new();
            claims.insert("sub".into(), json!("user-1"));
            claims.insert("exp".into(), json!("1787996002"));
            claims.insert("cognito:groups".into(), json!("[admin rider]"));
            claims.insert("scope".into(), json!(token_scopes.join(" ")));
            Ok(Authorized {
                claims,
                scopes: (!route_scopes.is_empty()).then_some(token_scopes),
            })
        })
    }
}

fn route(method: &str, path: &str, domain: &str, auth: RouteAuth, scopes: &[&str]) -> Route {
    Route {
        method: method.into(),
        path: path.into(),
        domain: domain.into(),
        auth,
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// Lamina's shape: per domain `ANY /<prefix>` and `ANY /<prefix>/{proxy+}` behind JWT, plus
/// public and scoped routes.
fn routes() -> Vec<Route> {
    use RouteAuth::{Jwt, None};
    vec![
        route("ANY", "/user", "user", Jwt, &[]),
        route("ANY", "/user/{proxy+}", "user", Jwt, &[]),
        route("GET", "/user/health", "user", None, &[]),
        route("GET", "/user/items/{id}", "user", None, &[]),
        route("ANY", "/ride", "ride", Jwt, &[]),
        route("ANY", "/ride/{proxy+}", "ride", Jwt, &[]),
        route("POST", "/ride/rides", "ride", Jwt, &["rides/write"]),
        route("ANY", "/pub/{proxy+}", "pub", None, &[]),
        route("OPTIONS", "/pub/options-route", "pub", None, &[]),
    ]
}

fn config() -> GatewayConfig {
    GatewayConfig {
        routes: routes(),
        ..GatewayConfig::default()
    }
}

fn cors_config() -> GatewayConfig {
    GatewayConfig {
        cors: Some(Cors::new(vec!["http://localhost:5173".into()])),
        ..config()
    }
}

struct Server {
    addr: SocketAddr,
    calls: Arc<AtomicUsize>,
    log: Arc<Mutex<Vec<AccessLogEntry>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start<F>(config: GatewayConfig, f: F) -> Self
    where
        F: Fn(&str, Bytes) -> InvokeOutcome + Send + Sync + 'static,
    {
        let calls = Arc::new(AtomicUsize::new(0));
        let invoker = Arc::new(FnInvoker {
            f,
            calls: calls.clone(),
        });
        Self::with_invoker(config, invoker, calls).await
    }

    async fn with_invoker(
        mut config: GatewayConfig,
        invoker: Arc<dyn Invoker>,
        calls: Arc<AtomicUsize>,
    ) -> Self {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        config.access_log = Some(Arc::new(move |entry: &AccessLogEntry| {
            sink.lock().unwrap().push(entry.clone());
        }));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(serve(
            config,
            invoker,
            Arc::new(FakeAuth),
            listener,
            async {
                let _ = stopped.await;
            },
        ));
        Self {
            addr,
            calls,
            log,
            stop: Some(stop),
            task,
        }
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    async fn send(&self, raw: &[u8]) -> Resp {
        send(self.addr, raw).await
    }

    async fn get(&self, target: &str, headers: &[(&str, &str)]) -> Resp {
        self.send(&request("GET", target, headers, b"")).await
    }

    async fn event(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Value {
        let resp = self.send(&request(method, target, headers, body)).await;
        assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
        resp.json()
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("serve returns after shutdown")
            .unwrap()
            .unwrap();
    }
}

/// A request with `Host`, `Connection: close` and, with a body, `Content-Length`.
fn request(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out =
        format!("{method} {target} HTTP/1.1\r\nHost: localhost:3000\r\nConnection: close\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }

    /// A gateway error: JSON body, `application/json`, `apigw-requestid`.
    fn assert_gateway_error(&self, status: u16, message: &str) {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.json(), json!({ "message": message }));
        assert_eq!(self.header("content-type"), Some("application/json"));
        assert_request_id(self.header("apigw-requestid").unwrap());
    }
}

fn assert_request_id(id: &str) {
    assert_eq!(id.len(), 16, "{id}");
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_=".contains(&b)),
        "{id}"
    );
}

/// Writes `raw` while reading until the server closes, and parses one response. The server may
/// answer (413) and close before it has read everything, so write errors are ignored.
async fn send(addr: SocketAddr, raw: &[u8]) -> Resp {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let raw = raw.to_vec();
    let writing = tokio::spawn(async move {
        let _ = writer.write_all(&raw).await;
        writer
    });
    let mut buf = Vec::new();
    let reading = async {
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            match reader.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), reading)
        .await
        .expect("the server answers and closes");
    drop(writing.await);
    parse_response(&buf)
}

fn parse_response(buf: &[u8]) -> Resp {
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(buf)));
    let head = std::str::from_utf8(&buf[..end]).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.to_ascii_lowercase(), v.trim().to_owned())
        })
        .collect();
    let mut body = buf[end + 4..].to_vec();
    if let Some((_, len)) = headers.iter().find(|(n, _)| n == "content-length") {
        body.truncate(len.parse().unwrap());
    }
    Resp {
        status,
        headers,
        body,
    }
}

/// The event a request produced, echoed back.
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

fn canned(output: &'static str) -> impl Fn(&str, Bytes) -> InvokeOutcome + Send + Sync + 'static {
    move |_, _| InvokeOutcome::Response(Bytes::from_static(output.as_bytes()))
}

// ------------------------------------------------------------------------------------------------
// §1.1 / §1.2: the request event

#[tokio::test]
async fn every_event_field_of_a_get() {
    let server = Server::start(config(), echo).await;
    let resp = server
        .send(&request(
            "GET",
            "/user/health?redirect=https%3A%2F%2Fexample.com%2Fa%2Fb&literalPlus=a+b&encodedPlus=a%2Bb&empty=&repeat=one&repeat=two",
            &[
                ("X-Voker-Probe", "first"),
                ("X-Voker-Probe", "second"),
                ("Cookie", "session=abc123; theme=dark"),
                ("User-Agent", "probe/1.0"),
                ("Accept", "*/*"),
            ],
            b"",
        ))
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("x-domain"), Some("user"));
    let event = resp.json();

    assert_eq!(
        keys(&event),
        [
            "cookies",
            "headers",
            "isBase64Encoded",
            "queryStringParameters",
            "rawPath",
            "rawQueryString",
            "requestContext",
            "routeKey",
            "version"
        ]
    );
    assert_eq!(event["version"], "2.0");
    assert_eq!(event["routeKey"], "GET /user/health");
    assert_eq!(event["rawPath"], "/user/health");
    assert_eq!(
        event["rawQueryString"],
        "redirect=https%3A%2F%2Fexample.com%2Fa%2Fb&literalPlus=a+b&encodedPlus=a%2Bb&empty=&repeat=one&repeat=two"
    );
    assert_eq!(
        event["queryStringParameters"],
        json!({
            "redirect": "https://example.com/a/b",
            "literalPlus": "a b",
            "encodedPlus": "a+b",
            "empty": "",
            "repeat": "one,two",
        })
    );
    assert_eq!(event["cookies"], json!(["session=abc123", "theme=dark"]));
    assert_eq!(event["isBase64Encoded"], false);

    let headers = event["headers"].as_object().unwrap();
    assert!(
        headers.keys().all(|k| *k == k.to_ascii_lowercase()),
        "{headers:?}"
    );
    assert!(!headers.contains_key("cookie"));
    assert!(!headers.contains_key("connection"));
    assert_eq!(headers["x-voker-probe"], "first,second");
    assert_eq!(headers["user-agent"], "probe/1.0");
    assert_eq!(headers["accept"], "*/*");
    assert_eq!(headers["host"], "localhost:3000");
    assert_eq!(headers["content-length"], "0");
    assert_eq!(headers["x-forwarded-for"], "127.0.0.1");
    assert_eq!(headers["x-forwarded-port"], server.addr.port().to_string());
    assert_eq!(headers["x-forwarded-proto"], "http");
    let trace = headers["x-amzn-trace-id"].as_str().unwrap();
    let parts: Vec<&str> = trace.strip_prefix("Root=1-").unwrap().split('-').collect();
    assert_eq!(
        parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
        [8, 24],
        "{trace}"
    );
    assert!(
        parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
    );

    let context = &event["requestContext"];
    assert_eq!(
        keys(context),
        [
            "accountId",
            "apiId",
            "domainName",
            "domainPrefix",
            "http",
            "requestId",
            "routeKey",
            "stage",
            "time",
            "timeEpoch"
        ]
    );
    let account = context["accountId"].as_str().unwrap();
    assert!(account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
    let api_id = context["apiId"].as_str().unwrap();
    assert_eq!(api_id.len(), 10);
    assert!(
        api_id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    assert_eq!(
        context["domainName"],
        format!("{api_id}.execute-api.us-east-1.amazonaws.com")
    );
    assert_eq!(context["domainPrefix"], api_id);
    assert_eq!(
        context["http"],
        json!({
            "method": "GET",
            "path": "/user/health",
            "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": "probe/1.0",
        })
    );
    let request_id = context["requestId"].as_str().unwrap();
    assert_request_id(request_id);
    assert_eq!(resp.header("apigw-requestid"), Some(request_id));
    assert_eq!(context["routeKey"], "GET /user/health");
    assert_eq!(context["stage"], "$default");
    // timeEpoch is milliseconds (SAM sends seconds), and `time` is the same instant.
    let epoch = context["timeEpoch"].as_u64().unwrap();
    assert!(epoch > 1_600_000_000_000, "{epoch}");
    let time = context["time"].as_str().unwrap();
    assert_eq!(time.len(), "10/Jul/2026:19:19:05 +0000".len(), "{time}");
    assert!(time.ends_with(" +0000"));
    assert_eq!(&time[2..3], "/");
    assert_eq!(&time[6..7], "/");
    assert_eq!(&time[11..12], ":");
    server.stop().await;
}

#[tokio::test]
async fn optional_fields_are_absent_not_null() {
    let server = Server::start(config(), echo).await;
    for target in ["/user/health", "/user/health?"] {
        let event = server.event("GET", target, &[], b"").await;
        let object = event.as_object().unwrap();
        for absent in [
            "cookies",
            "queryStringParameters",
            "pathParameters",
            "stageVariables",
            "body",
        ] {
            assert!(!object.contains_key(absent), "{absent} in {event}");
        }
        assert!(
            !event["requestContext"]
                .as_object()
                .unwrap()
                .contains_key("authorizer")
        );
        assert_eq!(event["rawQueryString"], "");
        assert_eq!(event["isBase64Encoded"], false);
        // A request without User-Agent still has the field.
        assert_eq!(event["requestContext"]["http"]["userAgent"], "");
        assert_no_nulls(&event);
    }
    server.stop().await;
}

fn assert_no_nulls(value: &Value) {
    match value {
        Value::Null => panic!("null in the event"),
        Value::Object(map) => {
            for (key, v) in map {
                // `authorizer.jwt.scopes` is the one field AWS sends as null.
                if key != "scopes" {
                    assert_no_nulls(v);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(assert_no_nulls),
        _ => {}
    }
}

#[tokio::test]
async fn paths_are_decoded_and_keep_trailing_slashes() {
    let server = Server::start(config(), echo).await;

    let event = server
        .event("GET", "/pub/space%20value/a%2Fb", &[], b"")
        .await;
    assert_eq!(event["rawPath"], "/pub/space value/a/b");
    assert_eq!(
        event["requestContext"]["http"]["path"],
        "/pub/space value/a/b"
    );
    assert_eq!(event["routeKey"], "ANY /pub/{proxy+}");
    assert_eq!(event["pathParameters"], json!({"proxy": "space value/a/b"}));

    let event = server.event("GET", "/pub/hello/world/", &[], b"").await;
    assert_eq!(event["rawPath"], "/pub/hello/world/");
    assert_eq!(event["pathParameters"], json!({"proxy": "hello/world/"}));

    // A decoded `?` ends rawPath (hotsock/voker#8).
    let event = server.event("GET", "/pub/a%3Fb", &[], b"").await;
    assert_eq!(event["rawPath"], "/pub/a");
    assert_eq!(event["pathParameters"], json!({"proxy": "a?b"}));

    let event = server.event("GET", "/user/items/x%20y", &[], b"").await;
    assert_eq!(event["routeKey"], "GET /user/items/{id}");
    assert_eq!(event["pathParameters"], json!({"id": "x y"}));
    server.stop().await;
}

#[tokio::test]
async fn client_forwarding_headers_are_extended_not_trusted() {
    let server = Server::start(config(), echo).await;
    let event = server
        .event(
            "GET",
            "/user/health",
            &[
                ("X-Forwarded-For", "203.0.113.9"),
                ("X-Forwarded-Proto", "gopher"),
                (
                    "X-Amzn-Trace-Id",
                    "Root=1-00000000-000000000000000000000000",
                ),
            ],
            b"",
        )
        .await;
    let headers = &event["headers"];
    assert_eq!(headers["x-forwarded-for"], "203.0.113.9, 127.0.0.1");
    assert_eq!(headers["x-forwarded-proto"], "http");
    assert_eq!(
        headers["x-amzn-trace-id"],
        "Root=1-00000000-000000000000000000000000"
    );
    assert_eq!(event["requestContext"]["http"]["sourceIp"], "127.0.0.1");
    server.stop().await;
}

// §1.3: text or base64

#[tokio::test]
async fn bodies_are_text_or_base64_by_content_type() {
    let server = Server::start(config(), echo).await;
    let cases: [(Option<&str>, &[u8], &str, bool); 8] = [
        (Some("application/json"), br#"{"a":1}"#, r#"{"a":1}"#, false),
        (
            Some("application/json; charset=utf-8"),
            b"[1]",
            "[1]",
            false,
        ),
        (Some("text/plain"), b"hello world", "hello world", false),
        (Some("application/xml"), b"<a/>", "<a/>", false),
        (Some("application/javascript"), b"x()", "x()", false),
        (
            Some("application/x-www-form-urlencoded"),
            b"a=1&b=2",
            "YT0xJmI9Mg==",
            true,
        ),
        (
            Some("application/octet-stream"),
            b"hello world",
            "aGVsbG8gd29ybGQ=",
            true,
        ),
        (None, b"hello world", "aGVsbG8gd29ybGQ=", true),
    ];
    for (content_type, body, expected, base64) in cases {
        let headers: Vec<(&str, &str)> = content_type
            .map(|c| ("Content-Type", c))
            .into_iter()
            .collect();
        let event = server.event("POST", "/pub/upload", &headers, body).await;
        assert_eq!(event["body"], expected, "{content_type:?}");
        assert_eq!(event["isBase64Encoded"], base64, "{content_type:?}");
        assert_eq!(event["headers"]["content-length"], body.len().to_string());
    }
    // Text that is not UTF-8 is passed as base64 rather than mangled.
    let event = server
        .event(
            "POST",
            "/pub/upload",
            &[("Content-Type", "text/plain")],
            &[0xff, 0xfe],
        )
        .await;
    assert_eq!(event["isBase64Encoded"], true);
    assert_eq!(event["body"], "//4=");
    server.stop().await;
}

#[tokio::test]
async fn chunked_bodies_are_collected() {
    let server = Server::start(config(), echo).await;
    let raw = b"POST /pub/x HTTP/1.1\r\nHost: h\r\nConnection: close\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    let resp = server.send(raw).await;
    assert_eq!(resp.status, 200);
    let event = resp.json();
    assert_eq!(event["body"], "hello world");
    assert_eq!(event["headers"]["content-length"], "11");
    assert!(event["headers"].get("transfer-encoding").is_none());
    server.stop().await;
}

// ------------------------------------------------------------------------------------------------
// §2: routing

#[tokio::test]
async fn routes_are_picked_most_specific_first() {
    let server = Server::start(config(), echo).await;
    let good = [("Authorization", "Bearer good")];
    for (method, target, key) in [
        ("GET", "/user/health", "GET /user/health"),
        ("POST", "/user/health", "ANY /user/{proxy+}"),
        ("GET", "/user/items/7", "GET /user/items/{id}"),
        ("GET", "/user/items/7/more", "ANY /user/{proxy+}"),
        ("GET", "/user", "ANY /user"),
        ("DELETE", "/user/x/y", "ANY /user/{proxy+}"),
        ("POST", "/ride/rides", "POST /ride/rides"),
        ("GET", "/ride/rides", "ANY /ride/{proxy+}"),
        // `/x/` does not match `GET /x`: it falls to the greedy route.
        ("GET", "/user/health/", "ANY /user/{proxy+}"),
    ] {
        let event = server.event(method, target, &good, b"").await;
        assert_eq!(event["routeKey"], key, "{method} {target}");
        assert_eq!(event["requestContext"]["routeKey"], key);
    }
    let log = server.log.lock().unwrap().clone();
    let slash = log.iter().find(|e| e.path == "/user/health/").unwrap();
    assert!(
        slash.note.as_deref().unwrap().contains("trailing slash"),
        "{slash:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn no_route_is_404_without_invoking() {
    let server = Server::start(config(), echo).await;
    for target in ["/", "/nope", "/userx", "/pub", "/user/items/"] {
        let resp = server
            .get(target, &[("Authorization", "Bearer good")])
            .await;
        // `/user/items/` is caught by the greedy route; everything else is unrouted.
        if target == "/user/items/" {
            assert_eq!(resp.status, 200);
            continue;
        }
        resp.assert_gateway_error(404, "Not Found");
    }
    assert_eq!(server.calls(), 1);
    let log = server.log.lock().unwrap().clone();
    assert_eq!(log[0].error, Some(GatewayError::NotFound));
    assert_eq!(log[0].domain, None);
    server.stop().await;
}

#[tokio::test]
async fn default_route_catches_the_rest() {
    let mut config = config();
    config
        .routes
        .push(route("ANY", "$default", "fallback", RouteAuth::None, &[]));
    let server = Server::start(config, echo).await;
    let event = server.event("PATCH", "/somewhere/else?x=1", &[], b"").await;
    assert_eq!(event["routeKey"], "$default");
    assert_eq!(event["rawPath"], "/somewhere/else");
    assert!(event.get("pathParameters").is_none());
    // Greedy routes still beat it.
    let event = server.event("GET", "/pub/a", &[], b"").await;
    assert_eq!(event["routeKey"], "ANY /pub/{proxy+}");
    server.stop().await;
}

#[tokio::test]
async fn a_named_stage_is_the_first_path_segment() {
    let config = GatewayConfig {
        stage: "dev".into(),
        ..config()
    };
    let server = Server::start(config, echo).await;
    let event = server.event("GET", "/dev/user/health", &[], b"").await;
    assert_eq!(event["rawPath"], "/dev/user/health");
    assert_eq!(event["requestContext"]["http"]["path"], "/dev/user/health");
    assert_eq!(event["routeKey"], "GET /user/health");
    assert_eq!(event["requestContext"]["stage"], "dev");
    server
        .get("/user/health", &[])
        .await
        .assert_gateway_error(404, "Not Found");
    server
        .get("/devx/user/health", &[])
        .await
        .assert_gateway_error(404, "Not Found");
    server.stop().await;
}

// ------------------------------------------------------------------------------------------------
// §3 seam: the JWT authorizer

#[tokio::test]
async fn jwt_routes_pass_claims_and_scopes() {
    let server = Server::start(config(), echo).await;
    let event = server
        .event("GET", "/user/me", &[("Authorization", "Bearer good")], b"")
        .await;
    let jwt = &event["requestContext"]["authorizer"]["jwt"];
    assert_eq!(keys(&event["requestContext"]["authorizer"]), ["jwt"]);
    assert_eq!(jwt["claims"]["sub"], "user-1");
    assert_eq!(jwt["claims"]["cognito:groups"], "[admin rider]");
    // No route scopes: `scopes` is null, not absent.
    assert!(jwt.as_object().unwrap().contains_key("scopes"));
    assert_eq!(jwt["scopes"], Value::Null);

    let event = server
        .event(
            "POST",
            "/ride/rides",
            &[("Authorization", "Bearer good")],
            b"",
        )
        .await;
    assert_eq!(
        event["requestContext"]["authorizer"]["jwt"]["scopes"],
        json!(["rides/write", "openid"])
    );
    server.stop().await;
}

#[tokio::test]
async fn authorizer_failures_are_answered_without_invoking() {
    let server = Server::start(config(), echo).await;
    for headers in [vec![], vec![("Authorization", "Bearer bad")]] {
        let resp = server.get("/user/me", &headers).await;
        resp.assert_gateway_error(401, "Unauthorized");
        assert_eq!(resp.header("www-authenticate"), Some(WWW_AUTHENTICATE));
        assert_eq!(resp.header("content-length"), Some("26"));
    }
    let resp = server
        .send(&request(
            "POST",
            "/ride/rides",
            &[("Authorization", "Bearer noscope")],
            b"{}",
        ))
        .await;
    resp.assert_gateway_error(403, "Forbidden");
    assert_eq!(resp.header("www-authenticate"), None);
    assert_eq!(server.calls(), 0);
    let log = server.log.lock().unwrap().clone();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].error, Some(GatewayError::Unauthorized));
    assert_eq!(log[2].error, Some(GatewayError::Forbidden));
    assert_eq!(log[2].domain.as_deref(), Some("ride"));

    // A public route never asks the authorizer, even with a bad token.
    let event = server
        .event(
            "GET",
            "/user/health",
            &[("Authorization", "Bearer bad")],
            b"",
        )
        .await;
    assert!(event["requestContext"].get("authorizer").is_none());
    assert_eq!(event["headers"]["authorization"], "Bearer bad");
    server.stop().await;
}

// ------------------------------------------------------------------------------------------------
// §1.4: responses

#[tokio::test]
async fn responses_without_status_code_are_inferred() {
    let table: Value = serde_json::from_str(include_str!(
        "goldens/awsdocs__v2-response-inference-table.json"
    ))
    .unwrap();
    for case in table["cases"].as_array().unwrap() {
        let output: &'static str =
            Box::leak(case["lambda_output_json"].to_string().into_boxed_str());
        let server = Server::start(config(), canned(output)).await;
        let resp = server.get("/user/health", &[]).await;
        let expected = &case["api_gateway_interpretation"];
        assert_eq!(resp.status, expected["statusCode"].as_u64().unwrap() as u16);
        assert_eq!(resp.header("content-type"), Some("application/json"));
        // Compare as JSON text when it is JSON: the docs print the object with spaces.
        let body = expected["body"].as_str().unwrap();
        match serde_json::from_str::<Value>(body) {
            Ok(json) => assert_eq!(resp.json(), json),
            Err(_) => assert_eq!(resp.text(), body),
        }
        server.stop().await;
    }
    // The Function URL snapshot: compact JSON, key order kept, strings unquoted.
    for (output, body) in [
        (r#""hello""#, "hello"),
        ("3.1", "3.1"),
        (r#"["hello", 3, true]"#, r#"["hello",3,true]"#),
        (
            r#"{"z": 1, "a": {"body": "x", "headers": {}}}"#,
            r#"{"z":1,"a":{"body":"x","headers":{}}}"#,
        ),
    ] {
        let server = Server::start(config(), canned(output)).await;
        let resp = server.get("/user/health", &[]).await;
        assert_eq!((resp.status, resp.text()), (200, body));
        server.stop().await;
    }
}

#[tokio::test]
async fn explicit_responses_map_to_http() {
    let output = r#"{
        "statusCode": 201,
        "headers": {"x-custom": "a,b", "Content-Type": "text/html", "set-cookie": "ignored=1"},
        "multiValueHeaders": {"x-multi": ["1", "2"]},
        "cookies": ["c1=v1; Path=/", "c2=v2; HttpOnly"],
        "body": "<p>hi</p>",
        "isBase64Encoded": false
    }"#;
    let server = Server::start(config(), canned(output)).await;
    let resp = server.get("/user/health", &[]).await;
    assert_eq!(resp.status, 201);
    assert_eq!(resp.text(), "<p>hi</p>");
    assert_eq!(resp.all("content-type"), ["text/html"]);
    assert_eq!(resp.header("x-custom"), Some("a,b"));
    assert_eq!(resp.header("x-multi"), None);
    // `cookies` wins over a Set-Cookie header, one header per cookie.
    assert_eq!(resp.all("set-cookie"), ["c1=v1; Path=/", "c2=v2; HttpOnly"]);
    assert_request_id(resp.header("apigw-requestid").unwrap());
    server.stop().await;

    let cases = [
        // No content type: application/json is assumed.
        (
            r#"{"statusCode":200,"body":"body123"}"#,
            200,
            "body123",
            Some("application/json"),
        ),
        (r#"{"statusCode":204}"#, 204, "", Some("application/json")),
        // Base64 is decoded unconditionally.
        (
            r#"{"statusCode":200,"body":"aGVsbG8=","isBase64Encoded":true,"headers":{"content-type":"image/png"}}"#,
            200,
            "hello",
            Some("image/png"),
        ),
        // A Set-Cookie header passes when there is no `cookies`.
        (
            r#"{"statusCode":302,"headers":{"Location":"/x","Set-Cookie":"a=b"}}"#,
            302,
            "",
            None,
        ),
    ];
    for (output, status, body, content_type) in cases {
        let server = Server::start(config(), canned(output)).await;
        let resp = server.get("/user/health", &[]).await;
        assert_eq!((resp.status, resp.text()), (status, body), "{output}");
        if let Some(ct) = content_type {
            assert_eq!(resp.all("content-type"), [ct]);
        } else {
            assert_eq!(resp.header("location"), Some("/x"));
            assert_eq!(resp.all("set-cookie"), ["a=b"]);
        }
        server.stop().await;
    }
}

#[tokio::test]
async fn malformed_responses_are_500() {
    for output in [
        "not json",
        "",
        r#"{"statusCode":"200","body":"x"}"#,
        r#"{"statusCode":99}"#,
        r#"{"statusCode":200,"body":{"a":1}}"#,
        r#"{"statusCode":200,"headers":{"bad header":"x"}}"#,
        r#"{"statusCode":200,"body":"***","isBase64Encoded":true}"#,
    ] {
        let server = Server::start(config(), canned(output)).await;
        let resp = server.get("/user/health", &[]).await;
        resp.assert_gateway_error(500, "Internal Server Error");
        let log = server.log.lock().unwrap().clone();
        assert_eq!(
            log[0].error,
            Some(GatewayError::MalformedResponse),
            "{output}"
        );
        server.stop().await;
    }
}

// §5: invocation outcomes

#[tokio::test]
async fn invocation_failures_map_to_gateway_errors() {
    for (outcome, status, message, error) in [
        (
            InvokeOutcome::FunctionError,
            500,
            "Internal Server Error",
            GatewayError::FunctionError,
        ),
        (
            InvokeOutcome::Timeout,
            500,
            "Internal Server Error",
            GatewayError::FunctionTimeout,
        ),
        (
            InvokeOutcome::ResponseTooLarge,
            500,
            "Internal Server Error",
            GatewayError::ResponseTooLarge,
        ),
        (
            InvokeOutcome::Throttled,
            429,
            "Too Many Requests",
            GatewayError::Throttled,
        ),
    ] {
        let server = Server::start(config(), move |_, _| outcome.clone()).await;
        server
            .get("/user/health", &[])
            .await
            .assert_gateway_error(status, message);
        assert_eq!(server.log.lock().unwrap()[0].error, Some(error));
        server.stop().await;
    }
}

#[tokio::test]
async fn a_function_that_never_answers_gets_503() {
    let config = GatewayConfig {
        integration_timeout: Duration::from_millis(200),
        ..config()
    };
    let server = Server::with_invoker(config, Arc::new(Sleeper), Arc::default()).await;
    let resp = server.get("/user/health", &[]).await;
    resp.assert_gateway_error(503, "Service Unavailable");
    assert_eq!(
        server.log.lock().unwrap()[0].error,
        Some(GatewayError::IntegrationTimeout)
    );
    server.stop().await;
}

#[tokio::test]
async fn a_panicking_invoker_is_a_500_and_the_server_lives_on() {
    let server = Server::start(config(), |domain, event| {
        if domain == "pub" {
            panic!("invoker bug");
        }
        echo(domain, event)
    })
    .await;
    server
        .get("/pub/x", &[])
        .await
        .assert_gateway_error(500, "Internal Server Error");
    assert_eq!(server.get("/user/health", &[]).await.status, 200);
    let log = server.log.lock().unwrap().clone();
    assert_eq!(log[0].error, Some(GatewayError::Internal));
    assert_eq!(log[0].path, "/pub/x");
    server.stop().await;
}

// §5: limits

#[tokio::test]
async fn bodies_over_10_mb_are_413_without_invoking() {
    let server = Server::start(config(), echo).await;
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    // Declared length: refused before reading.
    let resp = server
        .send(&request(
            "POST",
            "/pub/upload",
            &[("Content-Type", "text/plain")],
            &big,
        ))
        .await;
    resp.assert_gateway_error(413, "Request Entity Too Large");
    // Chunked, no declared length: refused while reading.
    let mut raw = b"POST /pub/upload HTTP/1.1\r\nHost: h\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    raw.extend_from_slice(format!("{:x}\r\n", big.len()).as_bytes());
    raw.extend_from_slice(&big);
    raw.extend_from_slice(b"\r\n0\r\n\r\n");
    let resp = server.send(&raw).await;
    resp.assert_gateway_error(413, "Request Entity Too Large");
    assert_eq!(server.calls(), 0);
    server.stop().await;
}

#[tokio::test]
async fn events_over_lambdas_6_mb_limit_are_500_without_invoking() {
    let server = Server::start(config(), echo).await;
    // 5 MB of binary becomes 6.7 MB of base64: under API Gateway's limit, over Lambda's.
    let body = vec![0u8; 5 * 1024 * 1024];
    let resp = server
        .send(&request(
            "POST",
            "/pub/upload",
            &[("Content-Type", "application/octet-stream")],
            &body,
        ))
        .await;
    resp.assert_gateway_error(500, "Internal Server Error");
    assert_eq!(server.calls(), 0);
    assert_eq!(
        server.log.lock().unwrap()[0].error,
        Some(GatewayError::EventTooLarge)
    );
    // Just under the limit is invoked.
    let body = vec![b'a'; 6_000_000];
    let resp = server
        .send(&request(
            "POST",
            "/pub/upload",
            &[("Content-Type", "text/plain")],
            &body,
        ))
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(server.calls(), 1);
    server.stop().await;
}

#[tokio::test]
async fn heads_over_api_gateways_quota_are_431() {
    let server = Server::start(config(), echo).await;
    let value = "x".repeat(11_000);
    let resp = server.get("/user/health", &[("X-Big", &value)]).await;
    resp.assert_gateway_error(431, "Request Header Fields Too Large");
    assert_eq!(server.calls(), 0);
    server.stop().await;
}

// ------------------------------------------------------------------------------------------------
// §4: CORS

#[tokio::test]
async fn preflights_are_answered_by_the_gateway() {
    let server = Server::start(cors_config(), echo).await;
    let preflight = [
        ("Origin", "http://localhost:5173"),
        ("Access-Control-Request-Method", "POST"),
        (
            "Access-Control-Request-Headers",
            "authorization,content-type",
        ),
    ];
    // Even on a JWT `ANY` route, without a token, and on a path no route has.
    for target in ["/user/me", "/ride/rides", "/nowhere"] {
        let resp = server
            .send(&request("OPTIONS", target, &preflight, b""))
            .await;
        assert_eq!(resp.status, 204, "{target}");
        assert!(resp.body.is_empty());
        assert_eq!(
            resp.header("access-control-allow-origin"),
            Some("http://localhost:5173")
        );
        assert_eq!(
            resp.header("access-control-allow-methods"),
            Some("GET,POST,PUT,PATCH,DELETE,OPTIONS")
        );
        assert_eq!(
            resp.header("access-control-allow-headers"),
            Some("authorization,content-type,idempotency-key,x-request-id")
        );
        assert_eq!(resp.header("access-control-max-age"), Some("3600"));
        assert_eq!(resp.header("access-control-allow-credentials"), None);
        assert_request_id(resp.header("apigw-requestid").unwrap());
    }
    // An origin that is not allowed gets no CORS headers.
    let other = [
        ("Origin", "http://evil.example"),
        ("Access-Control-Request-Method", "POST"),
    ];
    let resp = server
        .send(&request("OPTIONS", "/user/me", &other, b""))
        .await;
    assert_eq!(resp.status, 204);
    assert!(
        resp.headers
            .iter()
            .all(|(n, _)| !n.starts_with("access-control-"))
    );
    // An explicit OPTIONS route takes its preflights.
    let event = server
        .event("OPTIONS", "/pub/options-route", &preflight, b"")
        .await;
    assert_eq!(event["routeKey"], "OPTIONS /pub/options-route");
    assert_eq!(server.calls(), 1);
    // A plain OPTIONS (not a preflight) is routed like any method.
    let resp = server.send(&request("OPTIONS", "/user/me", &[], b"")).await;
    assert_eq!(resp.status, 401);
    server.stop().await;
}

#[tokio::test]
async fn the_integrations_cors_headers_are_replaced() {
    let output = r#"{"statusCode":200,"body":"ok","headers":{
        "Access-Control-Allow-Origin":"*",
        "access-control-allow-methods":"DELETE",
        "access-control-allow-credentials":"true",
        "x-other":"kept"}}"#;
    let server = Server::start(cors_config(), canned(output)).await;
    let resp = server
        .get("/user/health", &[("Origin", "http://localhost:5173")])
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.all("access-control-allow-origin"),
        ["http://localhost:5173"]
    );
    assert_eq!(
        resp.header("access-control-expose-headers"),
        Some("x-request-id")
    );
    assert_eq!(resp.header("access-control-allow-methods"), None);
    assert_eq!(resp.header("access-control-allow-credentials"), None);
    assert_eq!(resp.header("x-other"), Some("kept"));
    // Another origin: the integration's headers are still dropped, none are added.
    let resp = server
        .get("/user/health", &[("Origin", "http://evil.example")])
        .await;
    assert!(
        resp.headers
            .iter()
            .all(|(n, _)| !n.starts_with("access-control-"))
    );
    // Gateway errors carry them too, so the browser shows the 401.
    let resp = server
        .get("/user/me", &[("Origin", "http://localhost:5173")])
        .await;
    resp.assert_gateway_error(401, "Unauthorized");
    assert_eq!(
        resp.header("access-control-allow-origin"),
        Some("http://localhost:5173")
    );
    server.stop().await;

    // Without CORS the integration's headers pass through and preflights are routed.
    let server = Server::start(config(), canned(output)).await;
    let resp = server
        .get("/user/health", &[("Origin", "http://localhost:5173")])
        .await;
    assert_eq!(resp.header("access-control-allow-origin"), Some("*"));
    assert_eq!(resp.header("access-control-allow-methods"), Some("DELETE"));
    let resp = server
        .send(&request(
            "OPTIONS",
            "/user/me",
            &[
                ("Origin", "http://localhost:5173"),
                ("Access-Control-Request-Method", "GET"),
            ],
            b"",
        ))
        .await;
    assert_eq!(resp.status, 401);
    server.stop().await;
}

#[tokio::test]
async fn wildcard_origins_and_credentials() {
    let mut cors = Cors::new(vec!["*".into()]);
    let config = GatewayConfig {
        cors: Some(cors.clone()),
        ..config()
    };
    let server = Server::start(config, echo).await;
    let resp = server
        .get("/user/health", &[("Origin", "http://anything.example")])
        .await;
    assert_eq!(resp.header("access-control-allow-origin"), Some("*"));
    server.stop().await;

    // API Gateway refuses credentials with `*`; so does serve.
    cors.allow_credentials = true;
    let refused = GatewayConfig {
        cors: Some(cors),
        ..self::config()
    };
    assert!(refused.validate().is_err());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let invoker = Arc::new(FnInvoker {
        f: echo,
        calls: Arc::default(),
    });
    let err = serve(
        refused,
        invoker,
        Arc::new(FakeAuth),
        listener,
        std::future::pending(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("allow-credentials"), "{err}");

    let mut cors = Cors::new(vec!["http://localhost:5173".into()]);
    cors.allow_credentials = true;
    let server = Server::start(
        GatewayConfig {
            cors: Some(cors),
            ..self::config()
        },
        echo,
    )
    .await;
    let resp = server
        .get("/user/health", &[("Origin", "http://localhost:5173")])
        .await;
    assert_eq!(
        resp.header("access-control-allow-credentials"),
        Some("true")
    );
    server.stop().await;
}

// ------------------------------------------------------------------------------------------------
// Robustness: bad clients never stop the server.

#[tokio::test]
async fn bad_clients_do_not_hurt_the_server() {
    let config = GatewayConfig {
        header_read_timeout: Duration::from_millis(300),
        ..config()
    };
    let server = Server::start(config, echo).await;

    // Malformed request line and headers: hyper answers 400.
    for raw in [
        &b"NOT HTTP AT ALL\r\n\r\n"[..],
        b"GET /user/health HTTP/1.1\r\nHost: h\r\nBad Header\r\n\r\n",
        b"GET /user/health HTTP/9.9\r\n\r\n",
        b"\x00\x01\x02\x03\r\n\r\n",
    ] {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream.write_all(raw).await.unwrap();
        let mut buf = Vec::new();
        tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut buf))
            .await
            .unwrap()
            .ok();
        assert_eq!(parse_response(&buf).status, 400, "{raw:?}");
    }

    // A bad chunked body: 400 from the gateway, no invocation.
    let raw = b"POST /pub/x HTTP/1.1\r\nHost: h\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n";
    let resp = server.send(raw).await;
    assert!(resp.status == 400, "{resp:?}");

    // A head that never ends is cut off by the header read timeout.
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"GET /user/health HTTP/1.1\r\nHost: h\r\nX-Slow: ")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), slow.read_to_end(&mut buf)).await;
    assert!(
        read.is_ok(),
        "the server closes a connection whose head never completes"
    );

    // A head larger than the read buffer: hyper refuses it.
    let huge = "y".repeat(200_000);
    let raw = format!("GET /user/health HTTP/1.1\r\nHost: h\r\nX-Huge: {huge}\r\n\r\n");
    assert_eq!(server.send(raw.as_bytes()).await.status, 431);

    // A client that goes away mid-body.
    let mut gone = TcpStream::connect(server.addr).await.unwrap();
    gone.write_all(b"POST /pub/x HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nabc")
        .await
        .unwrap();
    drop(gone);

    // Too many headers.
    let mut many = String::from("GET /user/health HTTP/1.1\r\nHost: h\r\n");
    for i in 0..500 {
        many.push_str(&format!("X-{i}: 1\r\n"));
    }
    many.push_str("\r\n");
    assert_eq!(server.send(many.as_bytes()).await.status, 431);

    // Still serving, and keep-alive works: two requests on one connection.
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /user/health HTTP/1.1\r\nHost: h\r\n\r\nGET /user/health HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&buf);
    assert_eq!(text.matches("HTTP/1.1 200 OK").count(), 2, "{text}");
    server.stop().await;
}

// ------------------------------------------------------------------------------------------------
// Shape against the goldens (key sets and formats, not values)

#[tokio::test]
async fn events_have_the_shape_of_the_aws_examples() {
    let doc: Value = serde_json::from_str(include_str!(
        "goldens/awsdocs__payload-format-2.0-example.json"
    ))
    .unwrap();
    let jwt_golden: Value = serde_json::from_str(include_str!(
        "goldens/aws-lambda-go__apigw-v2-request-jwt-authorizer.json"
    ))
    .unwrap();
    let sam: Value = serde_json::from_str(include_str!(
        "goldens/rust-runtime__apigw_v2_sam_local.json"
    ))
    .unwrap();

    let mut config = config();
    config
        .stage_variables
        .insert("stageVariable1".into(), "value1".into());
    let server = Server::start(config, echo).await;
    let event = server
        .event(
            "POST",
            "/ride/my/path?parameter1=value1&parameter1=value2&parameter2=value",
            &[
                ("Authorization", "Bearer good"),
                ("Cookie", "cookie1; cookie2"),
                ("Content-Type", "text/plain"),
                ("User-Agent", "agent"),
            ],
            b"Hello from Lambda",
        )
        .await;

    // Every field of the docs' example, except mTLS's `authentication`.
    let mut expected = keys(&doc);
    expected.sort_unstable();
    assert_eq!(keys(&event), expected);
    let mut expected: Vec<&str> = keys(&doc["requestContext"])
        .into_iter()
        .filter(|k| *k != "authentication")
        .collect();
    expected.sort_unstable();
    assert_eq!(keys(&event["requestContext"]), expected);
    assert_eq!(
        keys(&event["requestContext"]["http"]),
        keys(&doc["requestContext"]["http"])
    );
    assert_eq!(
        keys(&event["requestContext"]["authorizer"]["jwt"]),
        keys(&jwt_golden["requestContext"]["authorizer"]["jwt"])
    );
    // Same JSON types, field by field.
    for key in keys(&doc) {
        assert_eq!(kind(&event[key]), kind(&doc[key]), "{key}");
    }
    for key in keys(&doc["requestContext"]) {
        if key != "authentication" {
            assert_eq!(
                kind(&event["requestContext"][key]),
                kind(&doc["requestContext"][key]),
                "{key}"
            );
        }
    }
    assert_eq!(event["queryStringParameters"], doc["queryStringParameters"]);
    assert_eq!(event["cookies"], doc["cookies"]);
    assert_eq!(
        event["requestContext"]["http"]["protocol"],
        doc["requestContext"]["http"]["protocol"]
    );

    // None of `sam local`'s mistakes.
    let context = &event["requestContext"];
    assert_ne!(context["domainName"], sam["requestContext"]["domainName"]);
    assert_ne!(
        context["http"]["userAgent"],
        sam["requestContext"]["http"]["userAgent"]
    );
    let sam_epoch = sam["requestContext"]["timeEpoch"].as_u64().unwrap();
    let epoch = context["timeEpoch"].as_u64().unwrap();
    assert!(epoch > sam_epoch * 100, "timeEpoch is in milliseconds");
    let sam_id = sam["requestContext"]["requestId"].as_str().unwrap();
    assert_ne!(context["requestId"].as_str().unwrap().len(), sam_id.len());
    assert!(
        event["headers"]
            .as_object()
            .unwrap()
            .keys()
            .all(|k| *k == k.to_lowercase())
    );
    server.stop().await;

    // And the absent fields SAM sends as null, [] or {}.
    let server = Server::start(
        GatewayConfig {
            routes: routes(),
            ..GatewayConfig::default()
        },
        echo,
    )
    .await;
    let event = server.event("GET", "/user/health", &[], b"").await;
    for key in [
        "cookies",
        "queryStringParameters",
        "body",
        "pathParameters",
        "stageVariables",
    ] {
        assert!(sam.get(key).is_some(), "{key} is one of SAM's");
        assert!(event.get(key).is_none(), "{key}");
    }
    server.stop().await;
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

// ------------------------------------------------------------------------------------------------
// The access log and shutdown

#[tokio::test]
async fn every_request_is_logged() {
    let server = Server::start(config(), echo).await;
    let ok = server.get("/user/items/3?x=1", &[]).await;
    let missing = server.get("/missing", &[]).await;
    let log = server.log.lock().unwrap().clone();
    assert_eq!(log.len(), 2);
    let first = &log[0];
    assert_eq!(first.method, "GET");
    assert_eq!(first.path, "/user/items/3");
    assert_eq!(first.status, 200);
    assert_eq!(first.domain.as_deref(), Some("user"));
    assert_eq!(first.route_key.as_deref(), Some("GET /user/items/{id}"));
    assert_eq!(first.error, None);
    assert_eq!(
        Some(first.request_id.as_str()),
        ok.header("apigw-requestid")
    );
    assert_eq!(log[1].status, 404);
    assert_eq!(
        Some(log[1].request_id.as_str()),
        missing.header("apigw-requestid")
    );
    assert_ne!(first.request_id, log[1].request_id);
    server.stop().await;
}

#[tokio::test]
async fn shutdown_lets_in_flight_requests_finish() {
    let server = Server::with_invoker(
        config(),
        Arc::new(SlowEcho(Duration::from_millis(300))),
        Arc::default(),
    )
    .await;
    let addr = server.addr;
    let in_flight =
        tokio::spawn(async move { send(addr, &request("GET", "/user/health", &[], b"")).await });
    // Wait until the request reached the invoker, then shut down.
    while server.log.lock().unwrap().is_empty() && SLOW_STARTED.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.stop().await;
    assert_eq!(in_flight.await.unwrap().status, 200);
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener is closed"
    );
}

static SLOW_STARTED: AtomicUsize = AtomicUsize::new(0);

struct SlowEcho(Duration);

impl Invoker for SlowEcho {
    fn invoke(
        &self,
        domain: &str,
        event: Bytes,
    ) -> Pin<Box<dyn Future<Output = InvokeOutcome> + Send>> {
        SLOW_STARTED.fetch_add(1, Ordering::SeqCst);
        let outcome = echo(domain, event);
        let delay = self.0;
        Box::pin(async move {
            tokio::time::sleep(delay).await;
            outcome
        })
    }
}
