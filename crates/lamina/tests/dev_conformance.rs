//! `lamina dev` end to end against the behavioural spec (/work/shared/spec/emulation.md): the
//! real binary, real Python workers, raw HTTP. The gateway crate's own tests check the same rules
//! against a fake invoker; these prove the pieces together keep them.
//!
//! Needs uv and PyPI (the stack makes `.lamina/dev/venv`): run by scripts/test.

mod common;

use std::time::{Duration, Instant};

use common::{Dev, Resp, b64, descendants, dev_project, expired_token, http, poll};
use serde_json::Value;

/// Collects failed checks so one run reports every broken rule, with what was measured.
#[derive(Default)]
struct Checks {
    failures: Vec<String>,
    passed: usize,
}

impl Checks {
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if ok {
            self.passed += 1;
        } else {
            self.failures.push(what());
        }
    }

    fn eq<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, got: T, want: T) {
        let ok = got == want;
        self.check(ok, || format!("{what}: got {got:?}, want {want:?}"));
    }

    fn finish(self, dev: &Dev) {
        assert!(
            self.failures.is_empty(),
            "{} of {} checks failed:\n  - {}\n\nlamina dev log (tail):\n{}",
            self.failures.len(),
            self.failures.len() + self.passed,
            self.failures.join("\n  - "),
            dev.tail(80)
        );
    }
}

fn event(r: &Resp) -> Value {
    assert_eq!(r.status, 200, "echo answered {}: {}", r.status, r.text());
    r.json()
}

fn gateway_error(c: &mut Checks, what: &str, r: &Resp, status: u16, message: &str) {
    c.eq(&format!("{what}: status"), r.status, status);
    c.eq(
        &format!("{what}: body"),
        r.text(),
        format!(r#"{{"message":"{message}"}}"#),
    );
    c.eq(
        &format!("{what}: content-type"),
        r.header("content-type"),
        Some("application/json"),
    );
    c.check(r.header("apigw-requestid").is_some(), || {
        format!("{what}: no apigw-requestid header: {:?}", r.headers)
    });
}

/// The faults domain's counter and worker pid.
async fn count(dev: &Dev) -> (u64, u64) {
    let r = http(dev.api, "GET", "/faults/count", &[], None).await;
    assert_eq!(r.status, 200, "/faults/count: {} {}", r.status, r.text());
    let v = r.json();
    (v["count"].as_u64().unwrap(), v["pid"].as_u64().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs uv and PyPI: run by scripts/test"]
async fn dev_follows_the_spec_end_to_end() {
    let (_tmp, root) = dev_project(1);
    let dev = tokio::task::block_in_place(|| Dev::start(&root, &["--no-frontend"]));
    let api = dev.api;
    let (token, read_only, expired) = tokio::task::block_in_place(|| {
        (
            dev.token("alice", None),
            dev.token("alice", Some("read")),
            expired_token(&root, dev.auth_port, "alice"),
        )
    });
    let bearer = format!("Bearer {token}");
    let mut c = Checks::default();

    // ---- §1.1/§1.2: the event of a rich GET on an authorized greedy route -----------------------
    let r = http(
        api,
        "GET",
        "/echo/a%20b/c/?x=1&x=2&y=a+b&z=%2B&e=",
        &[
            ("authorization", &bearer),
            ("X-Repeat", "first"),
            ("x-repeat", "second"),
            ("Cookie", "session=abc123; theme=dark"),
            ("User-Agent", "conformance/1"),
        ],
        None,
    )
    .await;
    let e = event(&r);
    c.eq("version", &e["version"], &Value::from("2.0"));
    c.eq(
        "routeKey",
        &e["routeKey"],
        &Value::from("ANY /echo/{proxy+}"),
    );
    c.eq(
        "rawPath decoded, slash kept",
        &e["rawPath"],
        &Value::from("/echo/a b/c/"),
    );
    c.eq(
        "rawQueryString raw",
        &e["rawQueryString"],
        &Value::from("x=1&x=2&y=a+b&z=%2B&e="),
    );
    let q = &e["queryStringParameters"];
    c.eq(
        "query repeated keys comma-joined",
        &q["x"],
        &Value::from("1,2"),
    );
    c.eq("query + is a space", &q["y"], &Value::from("a b"));
    c.eq("query decoded", &q["z"], &Value::from("+"));
    c.eq("query empty value", &q["e"], &Value::from(""));
    let h = &e["headers"];
    c.eq(
        "repeated headers comma-joined, lowercased",
        &h["x-repeat"],
        &Value::from("first,second"),
    );
    c.check(h.get("X-Repeat").is_none(), || {
        format!("header names not lowercased: {h}")
    });
    c.check(h.get("cookie").is_none(), || {
        format!("cookie header not removed: {h}")
    });
    c.eq(
        "cookies split",
        &e["cookies"],
        &serde_json::json!(["session=abc123", "theme=dark"]),
    );
    c.eq(
        "content-length 0 on a bodiless GET",
        &h["content-length"],
        &Value::from("0"),
    );
    c.eq(
        "x-forwarded-for",
        &h["x-forwarded-for"],
        &Value::from("127.0.0.1"),
    );
    c.eq(
        "x-forwarded-port",
        &h["x-forwarded-port"],
        &Value::from(api.port().to_string()),
    );
    c.check(
        matches!(h["x-forwarded-proto"].as_str(), Some("http" | "https")),
        || format!("x-forwarded-proto: {}", h["x-forwarded-proto"]),
    );
    c.check(
        h["x-amzn-trace-id"]
            .as_str()
            .is_some_and(|t| t.starts_with("Root=1-") && t.len() == "Root=1-".len() + 8 + 1 + 24),
        || format!("x-amzn-trace-id: {}", h["x-amzn-trace-id"]),
    );
    c.check(h.get("host").is_some(), || format!("no host header: {h}"));
    c.eq(
        "pathParameters proxy",
        &e["pathParameters"],
        &serde_json::json!({"proxy": "a b/c/"}),
    );
    c.check(e.get("body").is_none(), || {
        format!("body present on a bodiless GET: {}", e["body"])
    });
    c.eq(
        "isBase64Encoded",
        &e["isBase64Encoded"],
        &Value::from(false),
    );
    c.check(e.get("stageVariables").is_none(), || {
        "stageVariables present".into()
    });
    let rc = &e["requestContext"];
    c.eq("requestContext.routeKey", &rc["routeKey"], &e["routeKey"]);
    c.eq(
        "requestContext.stage",
        &rc["stage"],
        &Value::from("$default"),
    );
    c.eq("http.method", &rc["http"]["method"], &Value::from("GET"));
    c.eq("http.path = rawPath", &rc["http"]["path"], &e["rawPath"]);
    c.eq(
        "http.protocol",
        &rc["http"]["protocol"],
        &Value::from("HTTP/1.1"),
    );
    c.eq(
        "http.sourceIp",
        &rc["http"]["sourceIp"],
        &Value::from("127.0.0.1"),
    );
    c.eq(
        "http.userAgent",
        &rc["http"]["userAgent"],
        &Value::from("conformance/1"),
    );
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let epoch = rc["timeEpoch"].as_i64().unwrap_or(0);
    c.check((now_ms - epoch).abs() < 120_000, || {
        format!(
            "timeEpoch not in ms near now ({now_ms}): {}",
            rc["timeEpoch"]
        )
    });
    let rid = rc["requestId"].as_str().unwrap_or("");
    c.check(rid.len() == 16, || {
        format!("requestId not a 16-char id: {rid:?}")
    });
    c.eq(
        "requestId = apigw-requestid",
        r.header("apigw-requestid"),
        Some(rid),
    );
    c.check(
        rc["accountId"]
            .as_str()
            .is_some_and(|a| a.len() == 12 && a.chars().all(|ch| ch.is_ascii_digit())),
        || format!("accountId: {}", rc["accountId"]),
    );
    let api_id = rc["apiId"].as_str().unwrap_or("");
    c.check(
        api_id.len() == 10
            && api_id
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit()),
        || format!("apiId: {api_id:?}"),
    );
    c.check(
        rc["domainName"]
            .as_str()
            .is_some_and(|d| d.starts_with(&format!("{api_id}.execute-api."))),
        || format!("domainName: {}", rc["domainName"]),
    );
    c.eq("domainPrefix", &rc["domainPrefix"], &Value::from(api_id));
    c.check(
        rc["time"]
            .as_str()
            .is_some_and(|t| t.ends_with(" +0000") && t.len() == 26),
        || format!("time: {}", rc["time"]),
    );
    // §3: claims flattened to strings, arrays as "[a b]", scopes null on an unscoped route.
    let jwt = &rc["authorizer"]["jwt"];
    let claims = jwt["claims"].as_object().cloned().unwrap_or_default();
    c.check(!claims.is_empty(), || {
        format!("no authorizer.jwt.claims: {rc}")
    });
    c.check(claims.values().all(Value::is_string), || {
        format!("claims not all strings: {claims:?}")
    });
    c.eq(
        "cognito:groups as [a b]",
        claims.get("cognito:groups"),
        Some(&Value::from("[rider]")),
    );
    c.eq(
        "username claim",
        claims.get("username"),
        Some(&Value::from("alice")),
    );
    c.check(
        claims
            .get("exp")
            .and_then(Value::as_str)
            .is_some_and(|x| x.parse::<u64>().is_ok()),
        || format!("exp claim not a numeric string: {:?}", claims.get("exp")),
    );
    c.check(jwt.get("scopes") == Some(&Value::Null), || {
        format!("scopes on an unscoped route should be null: {jwt}")
    });

    // Absent, not null: no query, no cookies, no body, no path parameters, no authorizer.
    let e = event(&http(api, "GET", "/echo/public/x", &[], None).await);
    for field in ["queryStringParameters", "cookies", "body", "stageVariables"] {
        c.check(e.get(field).is_none(), || {
            format!("{field} should be absent: {}", e[field])
        });
    }
    c.eq(
        "rawQueryString empty",
        &e["rawQueryString"],
        &Value::from(""),
    );
    c.check(e["requestContext"].get("authorizer").is_none(), || {
        format!(
            "authorizer on a public route: {}",
            e["requestContext"]["authorizer"]
        )
    });
    c.eq(
        "public route key",
        &e["routeKey"],
        &Value::from("ANY /echo/public/{proxy+}"),
    );
    let r = http(api, "GET", "/echo", &[("authorization", &bearer)], None).await;
    let e = event(&r);
    c.eq("ANY /echo", &e["routeKey"], &Value::from("ANY /echo"));
    c.check(e.get("pathParameters").is_none(), || {
        format!(
            "pathParameters on a route without variables: {}",
            e["pathParameters"]
        )
    });
    // A bare token (no "Bearer ") also passes (§3 identity source).
    let r = http(api, "GET", "/echo/bare", &[("authorization", &token)], None).await;
    c.eq("bare token", r.status, 200);

    // Scoped route: the token's full scope list; 403 without the scope.
    let e = event(
        &http(
            api,
            "GET",
            "/echo/scoped",
            &[("authorization", &bearer)],
            None,
        )
        .await,
    );
    let scopes: Vec<String> = e["requestContext"]["authorizer"]["jwt"]["scopes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    c.check(
        scopes.contains(&"rides/write".to_owned()) && scopes.contains(&"rides/read".to_owned()),
        || format!("scopes on a scoped route should be the token's full list: {scopes:?}"),
    );
    let r = http(
        api,
        "GET",
        "/echo/scoped",
        &[("authorization", &format!("Bearer {read_only}"))],
        None,
    )
    .await;
    gateway_error(&mut c, "missing scope", &r, 403, "Forbidden");

    // 401: missing, garbage, expired; with www-authenticate.
    for (what, auth) in [
        ("missing token", None),
        ("garbage token", Some("Bearer not.a.jwt".to_owned())),
        ("expired token", Some(format!("Bearer {expired}"))),
    ] {
        let headers: Vec<(&str, &str)> =
            auth.iter().map(|a| ("authorization", a.as_str())).collect();
        let r = http(api, "GET", "/echo/private", &headers, None).await;
        gateway_error(&mut c, what, &r, 401, "Unauthorized");
        c.check(
            r.header("www-authenticate")
                .is_some_and(|w| w.starts_with("Bearer") && w.contains("invalid_token")),
            || {
                format!(
                    "{what}: www-authenticate: {:?}",
                    r.header("www-authenticate")
                )
            },
        );
    }

    // §1.3: request bodies, text or base64 by content type.
    let bin = [0u8, 1, 2, 255, 254];
    for (ct, text) in [
        (Some("application/json"), true),
        (Some("text/plain"), true),
        (Some("application/xml"), true),
        (Some("application/octet-stream"), false),
        (Some("application/x-www-form-urlencoded"), false),
        (None, false),
    ] {
        let body: &[u8] = if text { b"{\"hello\": \"w\"}" } else { &bin };
        let headers: Vec<(&str, &str)> = ct.iter().map(|ct| ("content-type", *ct)).collect();
        let e = event(&http(api, "POST", "/echo/public/body", &headers, Some(body)).await);
        let want = if text {
            String::from_utf8(body.to_vec()).unwrap()
        } else {
            b64(body)
        };
        c.eq(&format!("body for {ct:?}"), &e["body"], &Value::from(want));
        c.eq(
            &format!("isBase64Encoded for {ct:?}"),
            &e["isBase64Encoded"],
            &Value::from(!text),
        );
        c.eq(
            &format!("content-length header for {ct:?}"),
            &e["headers"]["content-length"],
            &Value::from(body.len().to_string()),
        );
    }

    // §1.4: the response rules.
    let r = http(api, "GET", "/faults/cookies", &[], None).await;
    c.eq("explicit statusCode", r.status, 201);
    let mut cookies = r.all("set-cookie");
    cookies.sort_unstable();
    c.eq(
        "cookies → Set-Cookie",
        cookies,
        vec!["a=1; Path=/", "b=2; HttpOnly"],
    );
    c.eq("custom header", r.header("x-custom"), Some("yes"));
    c.eq("body", r.text(), "with cookies".to_owned());
    c.check(
        r.headers
            .iter()
            .all(|(n, _)| !n.starts_with("access-control-")),
        || {
            format!(
                "integration CORS headers kept on a request without Origin: {:?}",
                r.headers
            )
        },
    );
    let r = http(api, "GET", "/faults/binary", &[], None).await;
    c.eq(
        "isBase64Encoded decoded",
        r.body.clone(),
        (0..=255u8).collect::<Vec<u8>>(),
    );
    c.eq(
        "binary content-type",
        r.header("content-type"),
        Some("application/octet-stream"),
    );
    for (route, want) in [
        ("infer-string", "Hello from Lambda!"),
        (
            "infer-object",
            r#"{"hello":"world","body":"not the body","headers":{"x":"y"}}"#,
        ),
        ("infer-list", r#"["hello",3,true]"#),
    ] {
        let r = http(api, "GET", &format!("/faults/{route}"), &[], None).await;
        c.eq(&format!("{route}: status"), r.status, 200);
        c.eq(
            &format!("{route}: content-type"),
            r.header("content-type"),
            Some("application/json"),
        );
        if route == "infer-object" {
            let got: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
            c.eq(
                "infer-object body",
                got,
                serde_json::from_str(want).unwrap(),
            );
        } else {
            c.eq(&format!("{route}: body"), r.text(), want.to_owned());
        }
    }

    // §4 CORS: preflights answered by the gateway, never reaching the function.
    let (before, _) = count(&dev).await;
    let r = http(
        api,
        "OPTIONS",
        "/faults/count",
        &[
            ("origin", "http://localhost:5173"),
            ("access-control-request-method", "POST"),
        ],
        None,
    )
    .await;
    c.eq("preflight status", r.status, 204);
    c.eq(
        "preflight allow-origin",
        r.header("access-control-allow-origin"),
        Some("http://localhost:5173"),
    );
    c.check(r.header("access-control-allow-methods").is_some(), || {
        format!("preflight without allow-methods: {:?}", r.headers)
    });
    let r = http(
        api,
        "OPTIONS",
        "/echo/private",
        &[
            ("origin", "http://localhost:5173"),
            ("access-control-request-method", "GET"),
        ],
        None,
    )
    .await;
    c.eq("preflight on a JWT route needs no token", r.status, 204);
    let r = http(
        api,
        "OPTIONS",
        "/faults/count",
        &[
            ("origin", "https://evil.example"),
            ("access-control-request-method", "POST"),
        ],
        None,
    )
    .await;
    c.check(
        r.headers
            .iter()
            .all(|(n, _)| !n.starts_with("access-control-")),
        || {
            format!(
                "preflight from a disallowed origin got CORS headers: {} {:?}",
                r.status, r.headers
            )
        },
    );
    let (after, _) = count(&dev).await;
    c.eq(
        "preflights never invoke the function (counter)",
        after,
        before + 1,
    );
    let r = http(
        api,
        "GET",
        "/faults/cookies",
        &[("origin", "http://localhost:5173")],
        None,
    )
    .await;
    c.eq(
        "gateway CORS overrides the integration's",
        r.header("access-control-allow-origin"),
        Some("http://localhost:5173"),
    );
    c.check(r.header("access-control-allow-methods").is_none(), || {
        format!("integration's allow-methods kept: {:?}", r.headers)
    });
    let r = http(
        api,
        "GET",
        "/faults/cookies",
        &[("origin", "https://evil.example")],
        None,
    )
    .await;
    c.check(r.header("access-control-allow-origin").is_none(), || {
        format!("disallowed origin got allow-origin: {:?}", r.headers)
    });

    // §2/§5: gateway errors.
    let r = http(api, "GET", "/nowhere", &[], None).await;
    gateway_error(&mut c, "no route", &r, 404, "Not Found");
    let r = http(api, "GET", "/echox", &[], None).await;
    gateway_error(&mut c, "prefix lookalike", &r, 404, "Not Found");
    // > 10 MB, declared: answered without reading the body.
    let head = format!(
        "POST /echo/public/big HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n",
        10 * 1024 * 1024 + 1
    );
    let r = common::send_raw(api, head.as_bytes())
        .await
        .expect("413 response");
    gateway_error(
        &mut c,
        "request > 10 MB",
        &r,
        413,
        "Request Entity Too Large",
    );
    // Under 10 MB but an event over 6 MB: Lambda's invoke limit, 500.
    let big = vec![b'a'; 9 * 1024 * 1024 + 512 * 1024];
    let r = http(
        api,
        "POST",
        "/echo/public/big",
        &[("content-type", "text/plain")],
        Some(&big),
    )
    .await;
    gateway_error(&mut c, "event > 6 MB", &r, 500, "Internal Server Error");
    // Just under 6 MB of event still reaches the function.
    let fits = vec![b'a'; 5 * 1024 * 1024];
    let r = http(
        api,
        "POST",
        "/echo/public/fits",
        &[("content-type", "text/plain")],
        Some(&fits),
    )
    .await;
    c.eq("5 MB body reaches the function", r.status, 200);

    // Function failures: 500, and the domain keeps serving.
    let (_, pid_before) = count(&dev).await;
    for route in ["raise", "exit", "segv", "malformed", "big"] {
        let r = http(api, "GET", &format!("/faults/{route}"), &[], None).await;
        gateway_error(
            &mut c,
            &format!("function {route}"),
            &r,
            500,
            "Internal Server Error",
        );
        let r = poll(Duration::from_secs(60), || {
            let r = tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(http(
                    api,
                    "GET",
                    "/faults/count",
                    &[],
                    None,
                ))
            });
            (r.status != 429).then_some(r)
        });
        c.check(r.as_ref().is_some_and(|r| r.status == 200), || {
            format!(
                "after {route}: /faults/count did not recover: {:?}",
                r.map(|r| (r.status, r.text()))
            )
        });
    }
    // Warm reuse: a module-level counter grows within one worker.
    let (n1, p1) = count(&dev).await;
    let (n2, p2) = count(&dev).await;
    c.check(p1 == p2 && n2 == n1 + 1, || {
        format!(
            "warm reuse: (count, pid) went {:?} → {:?}",
            (n1, p1),
            (n2, p2)
        )
    });
    // A crash: the next request is served by a fresh worker (new pid, counter restarted).
    let r = http(api, "GET", "/faults/segv", &[], None).await;
    c.eq("segv status", r.status, 500);
    let (n3, p3) = count(&dev).await;
    c.check(p3 != p2 && p3 != pid_before && n3 == 1, || {
        format!(
            "after a crash: (count, pid) = {:?}, before {:?}",
            (n3, p3),
            (n2, p2)
        )
    });
    c.check(
        std::fs::metadata(format!("/proc/{p2}")).is_err()
            || descendants(dev.pid())
                .iter()
                .all(|(p, _)| u64::from(*p) != p2),
        || format!("crashed worker {p2} still a live child"),
    );
    let r = http(api, "GET", "/echo/public/other", &[], None).await;
    c.eq("other domains keep working after a crash", r.status, 200);
    let r = http(api, "GET", "/user/health", &[], None).await;
    c.eq("user domain (FastAPI + Mangum) health", r.status, 200);

    // Function timeout (2 s): 500 well before the gateway's 30 s 503; the worker is replaced.
    let started = Instant::now();
    let r = http(api, "GET", "/faults/sleep", &[], None).await;
    let took = started.elapsed();
    gateway_error(&mut c, "function timeout", &r, 500, "Internal Server Error");
    c.check(took < Duration::from_secs(29), || {
        format!("timeout took {took:?}: the gateway's 503 path?")
    });
    let (n4, p4) = count(&dev).await;
    c.check(p4 != p3 && n4 == 1, || {
        format!("after a timeout: (count, pid) = {:?}", (n4, p4))
    });
    let live = descendants(dev.pid());
    c.check(live.iter().all(|(p, _)| u64::from(*p) != p3), || {
        format!("timed-out worker {p3} still alive: {live:?}")
    });

    // Throttling: reserved_concurrency = 1, one slow request held, the next is refused with 429.
    let mut throttled = None;
    let mut attempts = Vec::new();
    for _ in 0..5 {
        let slow = tokio::spawn(http(api, "GET", "/faults/hold?s=1.5", &[], None));
        tokio::time::sleep(Duration::from_millis(500)).await;
        let second = http(api, "GET", "/faults/count", &[], None).await;
        let first = slow.await.unwrap();
        let statuses = (first.status, second.status);
        if statuses == (200, 429) {
            throttled = Some(second);
            break;
        }
        attempts.push(statuses);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    match throttled {
        Some(r) => gateway_error(&mut c, "throttled", &r, 429, "Too Many Requests"),
        None => c.check(false, || {
            format!("never saw 429 with one slow request holding the only worker: (slow, second) statuses per attempt {attempts:?}")
        }),
    }

    c.finish(&dev);
}

/// An edit to one domain's file recycles only that domain: its next request is a cold start
/// (the access line says `cold`) served by the new code, while the others stay warm.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs uv and PyPI: run by scripts/test"]
async fn an_edit_recycles_only_its_domain() {
    let (_tmp, root) = dev_project(1);
    let dev = tokio::task::block_in_place(|| Dev::start(&root, &["--no-frontend"]));
    let api = dev.api;
    // Warm both domains.
    let r = http(api, "GET", "/echo/public/warm", &[], None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("x-echo-version"), Some("1"));
    let (_, faults_pid) = count(&dev).await;
    let access = |dev: &Dev, path: &str| -> Vec<String> {
        dev.log()
            .lines()
            .filter(|l| l.contains(&format!("GET {path} ")))
            .map(str::to_owned)
            .collect()
    };
    let warm_lines = tokio::task::block_in_place(|| {
        dev.wait_log(Duration::from_secs(10), |l| {
            l.contains("GET /echo/public/warm 200")
        })
    });
    assert!(warm_lines, "no access line:\n{}", dev.tail(30));

    let path = root.join("backend/echo/handler.py");
    let code =
        common::ECHO_HANDLER.replace("\"x-echo-version\": \"1\"", "\"x-echo-version\": \"2\"");
    std::fs::write(&path, code).unwrap();
    let reloaded = tokio::task::block_in_place(|| {
        dev.wait_log(Duration::from_secs(60), |l| l.contains("reloaded echo"))
    });
    assert!(reloaded, "no reload announced:\n{}", dev.tail(30));
    let log = dev.log();
    let reload_line = log
        .lines()
        .find(|l| l.contains("reloaded "))
        .unwrap_or("")
        .to_owned();

    let r = http(api, "GET", "/echo/public/after", &[], None).await;
    let (_, faults_pid_after) = count(&dev).await;
    let seen = tokio::task::block_in_place(|| {
        dev.wait_log(Duration::from_secs(10), |l| {
            l.contains("GET /echo/public/after ") && l.matches("GET /faults/count ").count() >= 2
        })
    });
    let echo_after = access(&dev, "/echo/public/after");
    let faults_lines = access(&dev, "/faults/count");
    let failure = format!(
        "reload line: {reload_line:?}\necho after: {echo_after:?} (status {}, version {:?})\nfaults: {faults_lines:?} pids {faults_pid} → {faults_pid_after}\nlog:\n{}",
        r.status,
        r.header("x-echo-version"),
        dev.tail(40)
    );
    assert!(seen, "access lines missing\n{failure}");
    assert!(
        !reload_line.contains("faults"),
        "faults reloaded too\n{failure}"
    );
    assert_eq!(r.status, 200, "{failure}");
    assert_eq!(
        r.header("x-echo-version"),
        Some("2"),
        "old code answered\n{failure}"
    );
    assert!(
        echo_after.iter().any(|l| l.contains(" cold")),
        "not a cold start\n{failure}"
    );
    assert!(
        faults_lines.last().is_some_and(|l| l.contains(" warm")),
        "faults not warm\n{failure}"
    );
    assert_eq!(
        faults_pid, faults_pid_after,
        "faults worker replaced\n{failure}"
    );
}
