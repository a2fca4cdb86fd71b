//! Measures the gateway's CPU time per request (target: at most 100 µs).
//!
//! The gateway runs alone on one thread with a function that answers at once, so the thread's
//! CPU time is the gateway's: HTTP parsing, routing, the authorizer seam, the event, the
//! response mapping. Load comes from 16 keep-alive connections on another thread.
//!
//! `cargo run --release -p lamina-gateway --example cpu_per_request [REQUESTS]` (Linux only).

#![allow(clippy::print_stdout)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use lamina_config::{Route, RouteAuth};
use lamina_gateway::{
    AuthFailure, Authorize, Authorized, Cors, GatewayConfig, InvokeOutcome, Invoker, serve,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Answer;

impl Invoker for Answer {
    fn invoke(&self, _: &str, event: Bytes) -> Pin<Box<dyn Future<Output = InvokeOutcome> + Send>> {
        // Touch the event like a runtime would (it sends it on), then answer like FastAPI.
        assert!(event.len() > 100);
        Box::pin(async {
            InvokeOutcome::Response(Bytes::from_static(
                br#"{"statusCode":200,"headers":{"content-type":"application/json","content-length":"15"},"body":"{\"status\":\"ok\"}","isBase64Encoded":false}"#,
            ))
        })
    }
}

struct Pass;

impl Authorize for Pass {
    fn authorize<'a>(
        &'a self,
        _: Option<&'a str>,
        _: &'a [String],
    ) -> Pin<Box<dyn Future<Output = Result<Authorized, AuthFailure>> + Send + 'a>> {
        Box::pin(async {
            let mut claims = serde_json::Map::new();
            claims.insert("sub".into(), "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0".into());
            claims.insert("scope".into(), "openid email".into());
            Ok(Authorized {
                claims,
                scopes: None,
            })
        })
    }
}

/// utime + stime of a thread, in clock ticks (1/100 s).
fn thread_ticks(tid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn main() {
    let requests: usize = std::env::args()
        .nth(1)
        .map_or(100_000, |n| n.parse().unwrap());
    let connections = 16;
    let route = |method: &str, path: &str, auth| Route {
        method: method.into(),
        path: path.into(),
        domain: "user".into(),
        auth,
        scopes: Vec::new(),
    };
    let config = GatewayConfig {
        routes: vec![
            route("ANY", "/user", RouteAuth::Jwt),
            route("ANY", "/user/{proxy+}", RouteAuth::Jwt),
            route("GET", "/user/health", RouteAuth::None),
        ],
        cors: Some(Cors::new(vec!["http://localhost:5173".into()])),
        ..GatewayConfig::default()
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let (tid_tx, tid_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let tid = std::fs::read_link("/proc/thread-self").unwrap();
        tid_tx
            .send(tid.file_name().unwrap().to_string_lossy().into_owned())
            .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            serve(
                config,
                Arc::new(Answer),
                Arc::new(Pass),
                listener,
                std::future::pending(),
            )
            .await
            .unwrap();
        });
    });
    let tid = tid_rx.recv().unwrap();

    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for (label, path) in [
        ("public GET /user/health", "/user/health"),
        ("JWT GET /user/items/42?page=2", "/user/items/42?page=2"),
    ] {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0\r\nAccept: application/json\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\nOrigin: http://localhost:5173\r\nReferer: http://localhost:5173/\r\nAuthorization: Bearer eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl\r\nCookie: theme=dark; session=abc123\r\nConnection: keep-alive\r\n\r\n"
        );
        let per_connection = requests / connections;
        let before = thread_ticks(&tid);
        let started = Instant::now();
        client.block_on(async {
            let mut tasks = Vec::new();
            for _ in 0..connections {
                let request = request.clone();
                tasks.push(tokio::spawn(async move {
                    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
                    stream.set_nodelay(true).unwrap();
                    let mut buf = vec![0u8; 16 * 1024];
                    for _ in 0..per_connection {
                        stream.write_all(request.as_bytes()).await.unwrap();
                        // One small response per request: read until its body is in.
                        let mut got = Vec::new();
                        loop {
                            let n = stream.read(&mut buf).await.unwrap();
                            assert!(n > 0, "server closed");
                            got.extend_from_slice(&buf[..n]);
                            if got.ends_with(br#"{"status":"ok"}"#) {
                                break;
                            }
                        }
                        assert!(
                            got.starts_with(b"HTTP/1.1 200"),
                            "{}",
                            String::from_utf8_lossy(&got)
                        );
                    }
                }));
            }
            for task in tasks {
                task.await.unwrap();
            }
        });
        let elapsed = started.elapsed();
        let ticks = thread_ticks(&tid) - before;
        let total = per_connection * connections;
        println!(
            "{label}: {total} requests in {:.2} s ({:.0} req/s); gateway thread CPU {:.1} µs per request",
            elapsed.as_secs_f64(),
            total as f64 / elapsed.as_secs_f64(),
            ticks as f64 * 10_000.0 / total as f64
        );
    }
}
