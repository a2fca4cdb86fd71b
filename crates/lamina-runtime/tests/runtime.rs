//! The runtime's semantics with workers forked from per-domain zygotes (the default), and what is
//! particular to zygotes. `runtime_spawn.rs` runs the same semantics with plain spawned workers.

const ZYGOTE: bool = true;

include!("common/fixture.rs");
include!("common/semantics.rs");

/// A domain whose handler imports `slowlib` from site-packages and `layer_helper` from a code layer.
fn lib_domain(fx: &Fixture) -> DomainConfig {
    std::fs::write(
        fx.path("site-packages/slowlib.py"),
        "import os\nLOADED_IN = os.getpid()\n",
    )
    .unwrap();
    std::fs::write(
        fx.path("fn/uses_lib.py"),
        "import os\nimport layer_helper\nimport slowlib\n\nLOADED_IN = os.getpid()\n\n\n\
         def handler(event, context):\n    return {\"pid\": os.getpid(), \"lib\": slowlib.LOADED_IN, \
         \"own\": LOADED_IN, \"layer\": layer_helper.NAME}\n",
    )
    .unwrap();
    fx.domain("fn", "uses_lib.handler")
}

/// Reloads and invokes until the new worker found `slowlib` already imported by its zygote.
async fn until_preloaded(rt: &Runtime) -> Option<Value> {
    for _ in 0..100 {
        rt.reload("fn");
        let b = body(&rt.invoke("fn", ev(json!({}))).await);
        let pid = b["pid"].as_u64().unwrap() as u32;
        if b["lib"].as_u64().unwrap() as u32 == ppid(pid) {
            return Some(b);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

#[tokio::test]
async fn zygote_preimports_requirements_never_the_domain_code() {
    let fx = Fixture::new();
    let rt = fx.start(vec![lib_domain(&fx)]).await;
    // No module list yet: the first forked worker imports everything itself, then records it.
    let first = body(&rt.invoke("fn", ev(json!({}))).await);
    let pid = first["pid"].as_u64().unwrap() as u32;
    assert_parent(&rt, pid);
    assert_eq!(first["lib"], first["pid"]);
    let list = std::fs::read_to_string(fx.path(".lamina/zygote/fn.modules")).unwrap();
    let names: Vec<&str> = list.lines().collect();
    assert!(names.contains(&"slowlib"), "{names:?}");
    assert!(
        names.contains(&"json"),
        "stdlib modules are pre-imported too"
    );
    for own in [
        "uses_lib",
        "layer_helper",
        "handler",
        "__main__",
        "lamina_bootstrap",
    ] {
        assert!(
            !names.contains(&own),
            "{own} must not be pre-imported: {names:?}"
        );
    }
    // The zygote picks the list up while idle; later workers start with slowlib in memory, while the
    // domain's own module and the code layer are imported fresh by each worker.
    let b = until_preloaded(&rt)
        .await
        .expect("slowlib was never pre-imported");
    let pid = b["pid"].as_u64().unwrap() as u32;
    assert_eq!(b["own"].as_u64().unwrap() as u32, pid);
    assert_eq!(b["layer"], "shared-layer");
    assert!(
        !fx.logged("zygote:"),
        "no zygote complaints: {:?}",
        fx.lines.lock().unwrap()
    );
    rt.shutdown().await;
}

#[tokio::test]
async fn a_requirements_change_restarts_the_zygote() {
    let fx = Fixture::new();
    let rt = fx.start(vec![lib_domain(&fx)]).await;
    let _ = rt.invoke("fn", ev(json!({}))).await;
    let old = rt.zygote_pids();
    assert_eq!(old.len(), 1);
    // A package appears in site-packages (what `uv pip sync` does to the dir).
    std::fs::write(fx.path("site-packages/newlib.py"), "VALUE = 42\n").unwrap();
    std::fs::write(
        fx.path("fn/uses_lib.py"),
        "import os\nimport newlib\n\n\ndef handler(event, context):\n    return {\"pid\": os.getpid(), \"new\": newlib.VALUE}\n",
    )
    .unwrap();
    rt.reload("fn");
    let mut served = None;
    for _ in 0..250 {
        if rt.zygote_ready("fn") {
            rt.reload("fn");
            let inv = rt.invoke("fn", ev(json!({}))).await;
            served = Some(body(&inv));
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let b = served.expect("no new zygote");
    assert_eq!(b["new"], 42);
    let parent = ppid(b["pid"].as_u64().unwrap() as u32);
    assert!(!old.contains(&parent), "forked by the new zygote");
    assert!(rt.zygote_pids().contains(&parent));
    assert!(
        gone(old[0]).await,
        "the old zygote exits once its workers have"
    );
    rt.shutdown().await;
}

#[tokio::test]
async fn a_dead_zygote_takes_its_workers_and_is_replaced() {
    let fx = Fixture::new();
    let rt = fx.start(vec![fx.domain("fn", "handler.counter")]).await;
    let first = rt.invoke("fn", ev(json!({}))).await;
    let worker = body(&first)["pid"].as_u64().unwrap() as u32;
    let zygote = ppid(worker);
    std::process::Command::new("kill")
        .args(["-KILL", &zygote.to_string()])
        .status()
        .unwrap();
    assert!(gone(zygote).await);
    assert!(
        gone(worker).await,
        "PR_SET_PDEATHSIG: the worker dies with its zygote"
    );
    // The next request gets a new worker (plain while the new zygote starts).
    let mut next = rt.invoke("fn", ev(json!({}))).await;
    if next.outcome == Outcome::FunctionError {
        // The invocation raced the worker's death.
        next = rt.invoke("fn", ev(json!({}))).await;
    }
    assert_eq!(body(&next)["count"], 1);
    assert!(next.cold);
    for _ in 0..250 {
        if rt.zygote_ready("fn") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(rt.zygote_ready("fn"), "a new zygote");
    assert!(!rt.zygote_pids().contains(&zygote));
    rt.shutdown().await;
}
