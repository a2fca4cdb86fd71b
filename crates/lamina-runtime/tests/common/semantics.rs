#[tokio::test]
async fn context_env_sys_path_and_warm_reuse() {
    let fx = Fixture::new();
    let rt = fx.start(vec![fx.domain("fn", "handler.echo")]).await;

    let first = rt.invoke("fn", ev(json!({"hello": "world"}))).await;
    let b = body(&first);
    assert!(first.cold);
    assert!(first.init_ms.is_some());
    assert_eq!(b["event"], json!({"hello": "world"}));
    assert_eq!(b["count"], 1);
    assert_eq!(b["layer"], "shared-layer");

    let c = &b["context"];
    assert_eq!(c["function_name"], "proj-dev-fn");
    assert_eq!(c["function_version"], "$LATEST");
    assert_eq!(
        c["memory_limit_in_mb"], "256",
        "a string, as in awslambdaric"
    );
    assert_eq!(
        c["invoked_function_arn"],
        "arn:aws:lambda:eu-west-1:123456789012:function:proj-dev-fn"
    );
    assert_eq!(c["aws_request_id"], first.request_id.as_str());
    assert_eq!(c["log_group_name"], "/aws/lambda/proj-dev-fn");
    assert!(
        c["log_stream_name"]
            .as_str()
            .unwrap()
            .contains("/[$LATEST]")
    );
    assert_eq!(c["identity"], json!([null, null]));
    assert_eq!(c["client_context"], Value::Null);
    let remaining = c["remaining"].as_i64().unwrap();
    assert!(
        remaining > 0 && remaining <= 10_000,
        "remaining {remaining}"
    );

    let env = &b["env"];
    assert_eq!(env["AWS_LAMBDA_FUNCTION_NAME"], "proj-dev-fn");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
    assert_eq!(
        env["AWS_REGION"], "eu-west-1",
        "reserved variables win over the function's"
    );
    assert_eq!(env["AWS_DEFAULT_REGION"], "eu-west-1");
    assert_eq!(env["_HANDLER"], "handler.echo");
    assert_eq!(env["AWS_EXECUTION_ENV"], "AWS_Lambda_python3.11");
    assert_eq!(env["AWS_LAMBDA_INITIALIZATION_TYPE"], "on-demand");
    assert_eq!(env["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/proj-dev-fn");
    assert_eq!(env["TZ"], "UTC");
    assert_eq!(env["LANG"], "en_US.UTF-8");
    assert_eq!(env["POWERTOOLS_TRACE_DISABLED"], "1");
    assert_eq!(env["AWS_EC2_METADATA_DISABLED"], "true");
    assert_eq!(env["AWS_ACCESS_KEY_ID"], "ASIALAMINALOCALDUMMY");
    assert!(env.get("AWS_PROFILE").is_none());
    assert_eq!(env["LAMINA_CUSTOM"], "custom-value");
    assert!(
        env["_X_AMZN_TRACE_ID"]
            .as_str()
            .unwrap()
            .starts_with("Root=1-")
    );
    let api = env["AWS_LAMBDA_RUNTIME_API"].as_str().unwrap();
    assert!(
        api.starts_with(&format!("{}/w/", rt.runtime_api_addr())),
        "{api}"
    );
    let task_root = fx.path("fn");
    assert_eq!(env["LAMBDA_TASK_ROOT"], task_root.to_str().unwrap());
    assert_eq!(b["cwd"], task_root.to_str().unwrap());

    // Lambda's order: function dir, then requirements (site-packages), then code layers.
    let sys_path: Vec<String> = serde_json::from_value(b["sys_path"].clone()).unwrap();
    let want = [fx.path("fn"), fx.path("site-packages"), fx.path("layer")];
    assert_eq!(
        sys_path[..3],
        want.iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
    );

    assert_parent(&rt, b["pid"].as_u64().unwrap() as u32);
    // Its own process group (killed as one).
    let pid = b["pid"].as_u64().unwrap() as u32;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let pgrp: u32 = stat.rsplit_once(") ").unwrap().1.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert_eq!(pgrp, pid, "the worker leads its own process group");

    let second = rt.invoke("fn", ev(json!({"n": 2}))).await;
    let b2 = body(&second);
    assert!(!second.cold);
    assert_eq!(second.init_ms, None);
    assert_eq!(second.worker, first.worker);
    assert_eq!(b2["count"], 2, "module state survives between invocations");
    assert_eq!(b2["pid"], b["pid"]);
    assert_ne!(second.request_id, first.request_id);
    rt.shutdown().await;
}

#[tokio::test]
async fn output_lines_reach_the_log_sink() {
    let fx = Fixture::new();
    let rt = fx.start(vec![fx.domain("fn", "handler.counter")]).await;
    let inv = rt.invoke("fn", ev(json!({}))).await;
    assert_eq!(body(&inv)["count"], 1);
    rt.shutdown().await;
    let lines = fx.lines.lock().unwrap().clone();
    assert!(
        lines.contains(&(
            "fn".into(),
            inv.worker,
            Stream::Stdout,
            "counter is 1".into()
        )),
        "{lines:?}"
    );
    assert!(
        lines.contains(&("fn".into(), inv.worker, Stream::Stderr, "to stderr".into())),
        "{lines:?}"
    );
}

#[tokio::test]
async fn timeout_kills_and_replaces_the_worker() {
    let fx = Fixture::new();
    let mut d = fx.domain("fn", "handler.sleep");
    d.timeout = Duration::from_secs(1);
    let rt = fx.start(vec![d]).await;
    let warm = rt.invoke("fn", ev(json!({"seconds": 0}))).await;
    let old_pid = body(&warm)["pid"].as_u64().unwrap() as u32;
    let inv = rt.invoke("fn", ev(json!({"seconds": 30}))).await;
    assert_eq!(inv.outcome, Outcome::Timeout);
    assert_eq!(inv.worker, warm.worker);
    assert!(fx.logged("Task timed out after 1.00 seconds"));
    assert!(gone(old_pid).await, "the timed-out worker was killed");
    let next = rt.invoke("fn", ev(json!({"seconds": 0}))).await;
    assert_eq!(body(&next)["slept"], true);
    assert!(next.cold, "the replacement is a new worker");
    assert_ne!(next.worker, inv.worker);
    assert_ne!(body(&next)["pid"].as_u64().unwrap() as u32, old_pid);
    rt.shutdown().await;
}

#[tokio::test]
async fn unhandled_exception_is_a_function_error_and_the_worker_stays() {
    let fx = Fixture::new();
    let rt = fx.start(vec![fx.domain("fn", "handler.raise_")]).await;
    let inv = rt.invoke("fn", ev(json!({}))).await;
    assert_eq!(inv.outcome, Outcome::FunctionError);
    let err = inv.error.clone().unwrap();
    assert_eq!(err.error_type, "Unhandled");
    let doc: Value = serde_json::from_slice(&err.body).unwrap();
    assert_eq!(doc["errorType"], "ValueError");
    assert_eq!(doc["errorMessage"], "boom from the handler");
    assert_eq!(doc["requestId"], inv.request_id.as_str());
    let stack = doc["stackTrace"].as_array().unwrap();
    assert!(
        stack
            .iter()
            .any(|s| s.as_str().unwrap().contains("raise ValueError")),
        "{stack:?}"
    );
    assert!(
        !stack
            .iter()
            .any(|s| s.as_str().unwrap().contains("lamina_bootstrap")),
        "{stack:?}"
    );
    assert!(
        fx.wait_logged("[ERROR] ValueError: boom from the handler")
            .await
    );
    let again = rt.invoke("fn", ev(json!({}))).await;
    assert_eq!(again.outcome, Outcome::FunctionError);
    assert!(!again.cold);
    assert_eq!(again.worker, inv.worker);
    rt.shutdown().await;
}

#[tokio::test]
async fn sys_exit_and_segfault_are_function_errors_and_spare_other_domains() {
    let fx = Fixture::new();
    let rt = fx
        .start(vec![
            fx.domain("exit", "handler.exit_"),
            fx.domain("segv", "handler.segv"),
            fx.domain("other", "handler.handler"),
        ])
        .await;
    let o1 = rt.invoke("other", ev(json!({}))).await;
    assert_eq!(body(&o1)["count"], 1);

    let e = rt.invoke("exit", ev(json!({}))).await;
    assert_eq!(e.outcome, Outcome::FunctionError);
    assert_eq!(e.error.unwrap().error_type, "Runtime.ExitError");
    let s = rt.invoke("segv", ev(json!({}))).await;
    assert_eq!(s.outcome, Outcome::FunctionError);
    assert_eq!(s.error.unwrap().error_type, "Runtime.ExitError");

    assert!(
        fx.wait_logged("Runtime exited with error: exit status 3 Runtime.ExitError")
            .await
    );
    assert!(
        fx.wait_logged("Runtime exited with error: signal: segmentation fault")
            .await
    );

    let o2 = rt.invoke("other", ev(json!({}))).await;
    assert_eq!(
        body(&o2)["count"],
        2,
        "the other domain's warm worker is untouched"
    );
    assert_eq!(o2.worker, o1.worker);

    // A fresh worker replaces the crashed one.
    let s2 = rt.invoke("segv", ev(json!({}))).await;
    assert_eq!(s2.outcome, Outcome::FunctionError);
    assert!(s2.cold);
    assert_ne!(s2.worker, s.worker);
    rt.shutdown().await;
}

#[tokio::test]
async fn import_error_is_an_init_error() {
    let fx = Fixture::new();
    let rt = fx.start(vec![fx.domain("fn", "broken.handler")]).await;
    let inv = rt.invoke("fn", ev(json!({}))).await;
    assert_eq!(inv.outcome, Outcome::FunctionError);
    assert!(inv.cold);
    let err = inv.error.unwrap();
    assert_eq!(err.error_type, "Runtime.ImportModuleError");
    let doc: Value = serde_json::from_slice(&err.body).unwrap();
    assert_eq!(doc["errorType"], "Runtime.ImportModuleError");
    assert_eq!(
        doc["errorMessage"],
        "Unable to import module 'broken': No module named 'module_that_does_not_exist'"
    );
    assert_eq!(doc["requestId"], "");
    assert!(
        fx.wait_logged("[ERROR] Runtime.ImportModuleError: Unable to import module 'broken'")
            .await
    );
    assert!(fx.logged("INIT failed (Runtime.ImportModuleError)"));
    // Not restarted in a loop: nothing runs until the next request.
    let again = rt.invoke("fn", ev(json!({}))).await;
    assert_eq!(again.outcome, Outcome::FunctionError);
    assert!(again.cold);
    rt.shutdown().await;
    assert_eq!(rt.live_workers("fn"), 0);
}

#[tokio::test]
async fn memory_over_the_limit_kills_the_worker() {
    let fx = Fixture::new();
    let mut d = fx.domain("fn", "handler.oom");
    d.memory_mb = 128;
    d.timeout = Duration::from_secs(60);
    let rt = fx.start(vec![d]).await;
    let inv = rt.invoke("fn", ev(json!({}))).await;
    assert_eq!(inv.outcome, Outcome::FunctionError, "{inv:?}");
    assert_eq!(inv.error.unwrap().error_type, "Runtime.OutOfMemory");
    assert!(fx.logged("the function's 128 MB: killing the worker"));
    rt.shutdown().await;
}

#[tokio::test]
async fn response_over_6mb_is_too_large_and_the_worker_stays() {
    let fx = Fixture::new();
    let rt = fx.start(vec![fx.domain("fn", "handler.big")]).await;
    let inv = rt.invoke("fn", ev(json!({"bytes": 7_000_000}))).await;
    assert_eq!(inv.outcome, Outcome::ResponseTooLarge);
    assert!(fx.logged("exceeded maximum allowed payload size (6291556 bytes)"));
    assert!(
        fx.wait_logged("refused the response (413)").await,
        "the runtime saw Lambda's 413"
    );
    // 6291554 characters + 2 quotes = exactly the limit: allowed.
    let ok = rt.invoke("fn", ev(json!({"bytes": 6_291_554}))).await;
    match &ok.outcome {
        Outcome::Response(b) => assert_eq!(b.len(), 6_291_556),
        other => panic!("{other:?}"),
    }
    assert_eq!(ok.worker, inv.worker);
    assert!(!ok.cold);
    rt.shutdown().await;
}

#[tokio::test]
async fn pool_grows_to_its_cap_then_throttles() {
    let fx = Fixture::new();
    let mut d = fx.domain("fn", "handler.sleep");
    d.reserved_concurrency = Some(2);
    let rt = fx.start(vec![d]).await;
    let e = || ev(json!({"seconds": 1}));
    let (a, b, c) = tokio::join!(
        rt.invoke("fn", e()),
        rt.invoke("fn", e()),
        rt.invoke("fn", e())
    );
    let outcomes = [&a, &b, &c];
    let served: Vec<_> = outcomes
        .iter()
        .filter(|i| matches!(i.outcome, Outcome::Response(_)))
        .collect();
    let throttled = outcomes
        .iter()
        .filter(|i| i.outcome == Outcome::Throttled)
        .count();
    assert_eq!(served.len(), 2);
    assert_eq!(throttled, 1);
    assert_ne!(
        served[0].worker, served[1].worker,
        "two workers ran in parallel"
    );
    assert_eq!(rt.live_workers("fn"), 2);
    rt.shutdown().await;
}

#[tokio::test]
async fn without_reserved_concurrency_a_full_pool_queues() {
    let fx = Fixture::new();
    let mut cfg = fx.config();
    cfg.default_concurrency = 1;
    let rt = start_ready(cfg, vec![fx.domain("fn", "handler.sleep")]).await;
    let e = || ev(json!({"seconds": 0.5}));
    let (a, b, c) = tokio::join!(
        rt.invoke("fn", e()),
        rt.invoke("fn", e()),
        rt.invoke("fn", e())
    );
    for i in [&a, &b, &c] {
        assert_eq!(body(i)["slept"], true, "{i:?}");
    }
    assert_eq!(a.worker, b.worker);
    assert_eq!(b.worker, c.worker);
    assert_eq!(rt.live_workers("fn"), 1);
    rt.shutdown().await;
}

#[tokio::test]
async fn reserved_concurrency_zero_always_throttles() {
    let fx = Fixture::new();
    let mut d = fx.domain("fn", "handler.echo");
    d.reserved_concurrency = Some(0);
    let rt = fx.start(vec![d]).await;
    assert_eq!(
        rt.invoke("fn", ev(json!({}))).await.outcome,
        Outcome::Throttled
    );
    assert!(rt.worker_pids().is_empty());
}

#[tokio::test]
async fn reload_recycles_only_that_domain() {
    let fx = Fixture::new();
    let rt = fx
        .start(vec![
            fx.domain("fn", "handler.counter"),
            fx.domain("other", "handler.handler"),
        ])
        .await;
    assert_eq!(body(&rt.invoke("fn", ev(json!({}))).await)["count"], 1);
    assert_eq!(body(&rt.invoke("fn", ev(json!({}))).await)["count"], 2);
    let other = rt.invoke("other", ev(json!({}))).await;
    rt.reload("fn");
    let after = rt.invoke("fn", ev(json!({}))).await;
    assert!(
        after.cold,
        "the first request after a reload is a cold start"
    );
    assert!(after.init_ms.is_some());
    assert_eq!(body(&after)["count"], 1);
    let other2 = rt.invoke("other", ev(json!({}))).await;
    assert!(!other2.cold);
    assert_eq!(other2.worker, other.worker);
    rt.shutdown().await;
}

#[tokio::test]
async fn shutdown_leaves_no_process_behind() {
    let fx = Fixture::new();
    let mut d = fx.domain("fn", "handler.child");
    d.reserved_concurrency = Some(3);
    let rt = fx
        .start(vec![d, fx.domain("other", "handler.handler")])
        .await;
    let e = || ev(json!({}));
    let (a, b) = tokio::join!(rt.invoke("fn", e()), rt.invoke("fn", e()));
    let _ = rt.invoke("other", e()).await;
    let grandchildren: Vec<u32> = [&a, &b]
        .iter()
        .map(|i| body(i)["child"].as_u64().unwrap() as u32)
        .collect();
    let workers = rt.worker_pids();
    assert_eq!(workers.len(), 3);
    let needle = fx.path(".lamina").to_string_lossy().into_owned();
    // The workers, and (with zygotes) one zygote per domain: nothing else.
    let zygotes = rt.zygote_pids();
    assert_eq!(zygotes.len(), if ZYGOTE { 2 } else { 0 });
    let mut expected: Vec<u32> = workers.iter().chain(&zygotes).copied().collect();
    let mut found = processes_mentioning(&needle);
    expected.sort_unstable();
    found.sort_unstable();
    assert_eq!(found, expected);
    assert!(grandchildren.iter().all(|p| alive(*p)));

    rt.shutdown().await;
    for p in &workers {
        assert!(!alive(*p), "worker {p} survived shutdown");
    }
    for p in &grandchildren {
        assert!(gone(*p).await, "the handler's child {p} survived shutdown");
    }
    assert!(processes_mentioning(&needle).is_empty());
    assert!(rt.worker_pids().is_empty());
    assert!(rt.zygote_pids().is_empty());
}

#[tokio::test]
async fn dropping_the_runtime_kills_its_workers() {
    let fx = Fixture::new();
    let rt = fx.start(vec![fx.domain("other", "handler.handler")]).await;
    let _ = rt.invoke("other", ev(json!({}))).await;
    let pids = rt.worker_pids();
    assert_eq!(pids.len(), 1);
    let zygotes = rt.zygote_pids();
    drop(rt);
    assert!(gone(pids[0]).await);
    for z in zygotes {
        assert!(gone(z).await, "zygote {z} survived the runtime");
    }
}

#[tokio::test]
async fn unix_transport_has_the_same_semantics() {
    let fx = Fixture::new();
    let mut cfg = fx.config();
    cfg.transport = Transport::Unix;
    let rt = start_ready(
        cfg,
        vec![
            fx.domain("fn", "handler.echo"),
            fx.domain("err", "handler.raise_"),
            fx.domain("big", "handler.big"),
        ],
    )
    .await;
    let inv = rt.invoke("fn", ev(json!({"x": 1}))).await;
    let b = body(&inv);
    assert_eq!(b["event"], json!({"x": 1}));
    assert_eq!(b["context"]["aws_request_id"], inv.request_id.as_str());
    assert!(
        b["env"]["_X_AMZN_TRACE_ID"]
            .as_str()
            .unwrap()
            .starts_with("Root=1-")
    );
    assert_eq!(body(&rt.invoke("fn", ev(json!({}))).await)["count"], 2);
    let err = rt.invoke("err", ev(json!({}))).await;
    assert_eq!(err.outcome, Outcome::FunctionError);
    let doc: Value = serde_json::from_slice(&err.error.unwrap().body).unwrap();
    assert_eq!(doc["errorType"], "ValueError");
    assert_eq!(
        rt.invoke("big", ev(json!({"bytes": 7_000_000})))
            .await
            .outcome,
        Outcome::ResponseTooLarge
    );
    rt.shutdown().await;
}

#[tokio::test]
async fn editing_a_file_reloads_only_the_affected_domain() {
    let fx = Fixture::new();
    let rt = fx
        .start(vec![
            fx.domain("other", "handler.handler"),
            fx.domain("fn", "handler.counter"),
        ])
        .await;
    let events = Arc::new(Mutex::new(Vec::new()));
    let ev2 = events.clone();
    let _hot =
        lamina_runtime::watch(rt.clone(), Vec::new(), move |e| ev2.lock().unwrap().push(e)).unwrap();
    let before_fn = rt.invoke("fn", ev(json!({}))).await;
    let _ = rt.invoke("other", ev(json!({}))).await;
    assert_eq!(body(&rt.invoke("other", ev(json!({}))).await)["count"], 2);

    let file = fx.path("other/handler.py");
    let src = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        src.replace("\"count\": COUNT", "\"count\": COUNT, \"edited\": True"),
    )
    .unwrap();
    let mut edited = None;
    for _ in 0..200 {
        let inv = rt.invoke("other", ev(json!({}))).await;
        if body(&inv)["edited"] == true {
            edited = Some(inv);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let edited = edited.expect("the edit was never served");
    assert_eq!(
        body(&edited)["count"],
        1,
        "a new worker: module state starts over"
    );
    let events = events.lock().unwrap().clone();
    assert!(
        events.iter().any(|e| matches!(e, lamina_runtime::WatchEvent::Reloaded { domains, .. } if domains == &["other".to_owned()])),
        "{events:?}"
    );
    let after_fn = rt.invoke("fn", ev(json!({}))).await;
    assert_eq!(
        after_fn.worker, before_fn.worker,
        "the untouched domain kept its worker"
    );
    assert_eq!(body(&after_fn)["count"], 2);
    rt.shutdown().await;
}

/// Finding 10 of issue 8: a worker forked from the zygote is marked as such (its init skipped the
/// libraries' imports), and a fresh process measures, once per code version, the cold start
/// Lambda will pay. A spawned worker's own init is the real one: nothing is measured.
#[tokio::test]
async fn forked_starts_are_marked_and_a_fresh_start_is_measured() {
    let fx = Fixture::new();
    let mut config = fx.config();
    config.measure_fresh_init = true;
    let rt = start_ready(config, vec![fx.domain("fn", "handler.echo")]).await;
    let inv = rt.invoke("fn", ev(json!({}))).await;
    assert!(inv.cold && inv.init_ms.is_some(), "{inv:?}");
    assert_eq!(inv.forked, ZYGOTE, "{inv:?}");
    if ZYGOTE {
        assert!(
            fx.wait_logged("a fresh cold start of this code takes").await,
            "no measurement"
        );
        assert!(rt.fresh_init_ms("fn").is_some_and(|ms| ms > 0));
    } else {
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!fx.logged("a fresh cold start"));
        assert_eq!(rt.fresh_init_ms("fn"), None);
    }
    rt.shutdown().await;
}
