//! The Lambda Runtime API (`/2018-06-01/runtime/...`), per worker under `/w/<token>`; and the same
//! calls as frames on a Unix socket for [`crate::Transport::Unix`].

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::worker::{Current, Job, Reply, Worker, epoch_ms, trace_id};
use crate::{Inner, MAX_RESPONSE_BYTES, Stream};

const TOO_LARGE_BODY: &str = r#"{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}"#;
/// Error documents are small; cap what we keep of one.
const MAX_ERROR_BYTES: usize = 1024 * 1024;

pub(crate) async fn serve_http(inner: Arc<Inner>, listener: tokio::net::TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let inner = inner.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| handle(inner.clone(), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

fn reply(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn error(status: StatusCode, error_type: &str, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({"errorMessage": message, "errorType": error_type}).to_string();
    reply(status, body)
}

/// A parsed Runtime API path.
enum Call<'a> {
    Next,
    Response(&'a str),
    Error(&'a str),
    InitError,
}

fn parse(path: &str) -> Option<(&str, Call<'_>)> {
    let rest = path.strip_prefix("/w/")?;
    let (token, rest) = rest.split_once('/')?;
    let rest = rest.strip_prefix("2018-06-01/runtime/")?;
    let call = match rest {
        "invocation/next" => Call::Next,
        "init/error" => Call::InitError,
        _ => {
            let inv = rest.strip_prefix("invocation/")?;
            if let Some(id) = inv.strip_suffix("/response") {
                Call::Response(id)
            } else if let Some(id) = inv.strip_suffix("/error") {
                Call::Error(id)
            } else {
                return None;
            }
        }
    };
    Some((token, call))
}

async fn handle(
    inner: Arc<Inner>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    let Some((token, call)) = parse(&path) else {
        return Ok(error(
            StatusCode::NOT_FOUND,
            "InvalidRequest",
            "unknown Runtime API path",
        ));
    };
    let worker = inner.workers.lock().expect("workers").get(token).cloned();
    let Some(w) = worker else {
        return Ok(error(
            StatusCode::FORBIDDEN,
            "Lamina.UnknownWorker",
            "this worker is not (or no longer) known",
        ));
    };
    let method = req.method().clone();
    let error_type = req
        .headers()
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("Unhandled")
        .to_owned();
    Ok(match (method, call) {
        (Method::GET, Call::Next) => {
            let Some(job) = next_job(&w).await else {
                return Ok(error(
                    StatusCode::GONE,
                    "Lamina.WorkerRetired",
                    "worker retired",
                ));
            };
            let deadline = Instant::now() + job.timeout;
            let mut r = reply(StatusCode::OK, job.event.clone());
            let h = r.headers_mut();
            let mut set = |name: &'static str, value: String| {
                if let Ok(v) = HeaderValue::from_str(&value) {
                    h.insert(name, v);
                }
            };
            set("lambda-runtime-aws-request-id", job.request_id.clone());
            set("lambda-runtime-deadline-ms", epoch_ms(deadline).to_string());
            set("lambda-runtime-invoked-function-arn", arn(&inner, &w));
            set("lambda-runtime-trace-id", trace_id());
            deliver(&w, job);
            r
        }
        (Method::POST, Call::Response(id)) => {
            let (body, len) = read_body(req.into_body(), MAX_RESPONSE_BYTES).await;
            if len > MAX_RESPONSE_BYTES {
                if finish(&w, id, Reply::TooLarge(len)).is_err() {
                    return Ok(invalid_id());
                }
                reply(StatusCode::PAYLOAD_TOO_LARGE, TOO_LARGE_BODY)
            } else {
                match finish(&w, id, Reply::Response(body)) {
                    Ok(()) => reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#),
                    Err(()) => invalid_id(),
                }
            }
        }
        (Method::POST, Call::Error(id)) => {
            let (body, _) = read_body(req.into_body(), MAX_ERROR_BYTES).await;
            match finish(&w, id, Reply::Error { error_type, body }) {
                Ok(()) => reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#),
                Err(()) => invalid_id(),
            }
        }
        (Method::POST, Call::InitError) => {
            let (body, _) = read_body(req.into_body(), MAX_ERROR_BYTES).await;
            init_error(&inner, &w, error_type, body);
            reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
        }
        _ => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "InvalidRequest",
            "method not allowed",
        ),
    })
}

fn invalid_id() -> Response<Full<Bytes>> {
    error(
        StatusCode::BAD_REQUEST,
        "InvalidRequestID",
        "Invalid request ID",
    )
}

fn arn(inner: &Inner, w: &Worker) -> String {
    let c = &inner.config;
    format!(
        "arn:aws:lambda:{}:{}:function:{}-{}",
        c.region, c.account_id, c.function_prefix, w.domain
    )
}

/// Waits for this worker's next job; the first call marks the end of its init.
async fn next_job(w: &Arc<Worker>) -> Option<Job> {
    let _ = w.init_duration.set(w.spawned.elapsed());
    let mut rx = w.jobs_rx.lock().await;
    rx.recv().await
}

fn deliver(w: &Worker, job: Job) {
    *w.current.lock().expect("current") = Some(Current {
        request_id: job.request_id,
        reply: job.reply,
    });
    let _ = job.delivered.send(Instant::now());
}

fn finish(w: &Worker, id: &str, r: Reply) -> Result<(), ()> {
    let mut cur = w.current.lock().expect("current");
    match cur.take() {
        Some(c) if c.request_id == id => {
            let _ = c.reply.send(r);
            Ok(())
        }
        other => {
            *cur = other;
            Err(())
        }
    }
}

fn init_error(inner: &Inner, w: &Worker, error_type: String, body: Bytes) {
    w.init_failed.store(true, Ordering::SeqCst);
    inner.log(
        &w.domain,
        w.id,
        Stream::Runtime,
        &format!("INIT failed ({error_type}): the worker exits; the next request starts a new one"),
    );
    w.function_error(error_type, body);
}

/// Reads a body whole, keeping at most `limit` bytes; returns what it kept and the full length.
async fn read_body(mut body: Incoming, limit: usize) -> (Bytes, usize) {
    let mut buf = Vec::new();
    let mut len = 0;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { break };
        if let Ok(data) = frame.into_data() {
            len += data.len();
            if len <= limit {
                buf.extend_from_slice(&data);
            }
        }
    }
    if len > limit {
        buf = Vec::new();
    }
    (Bytes::from(buf), len)
}

// ---- Unix socket transport -----------------------------------------------------------------------

pub(crate) async fn serve_unix(inner: Arc<Inner>, listener: tokio::net::UnixListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(unix_conn(inner.clone(), stream));
    }
}

async fn read_frame(s: &mut tokio::net::UnixStream) -> Option<(serde_json::Value, Bytes)> {
    let mut head = [0u8; 8];
    s.read_exact(&mut head).await.ok()?;
    let hlen = u32::from_be_bytes(head[..4].try_into().ok()?) as usize;
    let blen = u32::from_be_bytes(head[4..].try_into().ok()?) as usize;
    let mut h = vec![0; hlen];
    s.read_exact(&mut h).await.ok()?;
    let mut b = vec![0; blen];
    s.read_exact(&mut b).await.ok()?;
    Some((serde_json::from_slice(&h).ok()?, Bytes::from(b)))
}

async fn write_frame(
    s: &mut tokio::net::UnixStream,
    header: &serde_json::Value,
    body: &[u8],
) -> std::io::Result<()> {
    let h = serde_json::to_vec(header).map_err(std::io::Error::other)?;
    let mut out = Vec::with_capacity(8 + h.len() + body.len());
    out.extend_from_slice(&(h.len() as u32).to_be_bytes());
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(body);
    s.write_all(&out).await
}

async fn unix_conn(inner: Arc<Inner>, mut s: tokio::net::UnixStream) {
    let Some((hello, _)) = read_frame(&mut s).await else {
        return;
    };
    let token = hello
        .get("token")
        .and_then(|t| t.as_str())
        .unwrap_or_default()
        .to_owned();
    let Some(w) = inner.workers.lock().expect("workers").get(&token).cloned() else {
        return;
    };
    let ok = serde_json::json!({"status": 202});
    while let Some((h, body)) = read_frame(&mut s).await {
        let op = h.get("op").and_then(|v| v.as_str()).unwrap_or_default();
        let id = h.get("id").and_then(|v| v.as_str()).unwrap_or_default();
        let error_type = h
            .get("type")
            .and_then(|v| v.as_str())
            .unwrap_or("Unhandled")
            .to_owned();
        let res = match op {
            "next" => {
                let Some(job) = next_job(&w).await else {
                    return;
                };
                let header = serde_json::json!({
                    "id": job.request_id,
                    "deadline_ms": epoch_ms(Instant::now() + job.timeout),
                    "arn": arn(&inner, &w),
                    "trace": trace_id(),
                });
                let event = job.event.clone();
                deliver(&w, job);
                write_frame(&mut s, &header, &event).await
            }
            "response" if body.len() > MAX_RESPONSE_BYTES => {
                let status = if finish(&w, id, Reply::TooLarge(body.len())).is_ok() {
                    413
                } else {
                    400
                };
                write_frame(
                    &mut s,
                    &serde_json::json!({"status": status}),
                    TOO_LARGE_BODY.as_bytes(),
                )
                .await
            }
            "response" => {
                let status = if finish(&w, id, Reply::Response(body)).is_ok() {
                    202
                } else {
                    400
                };
                write_frame(&mut s, &serde_json::json!({"status": status}), b"").await
            }
            "error" => {
                let status = if finish(&w, id, Reply::Error { error_type, body }).is_ok() {
                    202
                } else {
                    400
                };
                write_frame(&mut s, &serde_json::json!({"status": status}), b"").await
            }
            "init_error" => {
                init_error(&inner, &w, error_type, body);
                write_frame(&mut s, &ok, b"").await
            }
            _ => return,
        };
        if res.is_err() {
            return;
        }
    }
}
