//! `lamina logs` against moto's CloudWatch Logs: Powertools JSON events put with boto3, as Lambda
//! would write them, read back through the AWS SDK and rendered as `lamina dev` renders them;
//! `--since`, `--filter`, `--request` across domains, `--json`, and follow mode.

mod common;
mod deploy_support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use deploy_support::{Moto, project};
use serde_json::{Value, json};

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A Powertools Logger line of `domain` in request `correlation` (Lambda request `rid`).
fn powertools(
    domain: &str,
    level: &str,
    message: &str,
    correlation: &str,
    rid: &str,
    extra: Value,
) -> String {
    let mut line = json!({
        "level": level,
        "location": "handler:12",
        "message": message,
        "timestamp": "2026-12-01 10:00:00,000+0000",
        "service": domain,
        "cold_start": false,
        "function_name": format!("logs-dev-{domain}"),
        "function_memory_size": "512",
        "function_arn": format!("arn:aws:lambda:eu-west-1:123456789012:function:logs-dev-{domain}"),
        "function_request_id": rid,
        "correlation_id": correlation,
        "xray_trace_id": "1-abc-def",
    });
    for (k, v) in extra.as_object().unwrap() {
        line[k] = v.clone();
    }
    line.to_string()
}

fn put(moto: &Moto, domain: &str, stream: &str, events: &[(i64, String)]) {
    let group = format!("/aws/lambda/logs-dev-{domain}");
    let events: Vec<Value> = events
        .iter()
        .map(|(t, m)| json!({"timestamp": t, "message": m}))
        .collect();
    moto.call(
        "logs",
        "put_log_events",
        json!({"logGroupName": group, "logStreamName": stream, "logEvents": events}),
    );
}

fn group(moto: &Moto, domain: &str, stream: &str) {
    let group = format!("/aws/lambda/logs-dev-{domain}");
    moto.call("logs", "create_log_group", json!({"logGroupName": group}));
    moto.call(
        "logs",
        "create_log_stream",
        json!({"logGroupName": group, "logStreamName": stream}),
    );
}

#[test]
#[ignore = "needs moto: run by scripts/test"]
fn logs_of_a_stage_read_from_cloudwatch() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    let root = project(tmp.path(), "logs");
    let now = now_ms();
    let stream = "2026/12/01/[live]abc";
    for d in ["user", "ride"] {
        group(&moto, d, stream);
    }
    put(
        &moto,
        "user",
        stream,
        &[
            // An hour ago: outside the default 10 minutes.
            (now - 3_600_000, powertools("user", "INFO", "old news", "c-old", "r-old", json!({}))),
            (now - 60_000, "START RequestId: r-1 Version: 7".into()),
            (now - 59_990, powertools("user", "INFO", "profile read", "c-123", "r-1", json!({"user_id": "alice"}))),
            (now - 59_980, "END RequestId: r-1".into()),
            (now - 59_970, "REPORT RequestId: r-1\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 512 MB\tMax Memory Used: 80 MB".into()),
            (now - 30_000, powertools("user", "ERROR", "db timeout", "c-999", "r-2", json!({"attempt": 3}))),
            (now - 20_000, "a print() line".into()),
        ],
    );
    put(
        &moto,
        "ride",
        stream,
        &[
            (now - 59_000, "START RequestId: r-7 Version: 3".into()),
            (
                now - 58_990,
                powertools(
                    "ride",
                    "INFO",
                    "ride requested",
                    "c-123",
                    "r-7",
                    json!({"ride_id": 7}),
                ),
            ),
            (
                now - 58_980,
                "REPORT RequestId: r-7\tDuration: 40.00 ms\tBilled Duration: 40 ms".into(),
            ),
            (
                now - 10_000,
                powertools("ride", "INFO", "other request", "c-555", "r-8", json!({})),
            ),
        ],
    );

    // One domain, the last 10 minutes: time, domain, level, correlation id, message, keys.
    let r = moto.lamina_ok(&root, &["logs", "user", "--stage", "dev"]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{}", r.stdout);
    assert!(!r.stdout.contains("old news"), "{}", r.stdout);
    let profile = lines.iter().find(|l| l.contains("profile read")).unwrap();
    assert!(
        profile.ends_with("user INFO    [c-123] profile read  user_id=alice"),
        "{profile}"
    );
    assert!(
        profile.starts_with("20") && profile.contains('T') && profile.contains("Z user"),
        "{profile}"
    );
    // Powertools' repeated context keys are not shown.
    assert!(
        !r.stdout.contains("function_arn") && !r.stdout.contains("xray"),
        "{}",
        r.stdout
    );
    assert!(lines.iter().any(|l| l.ends_with("REPORT  [r-1] Duration: 12.34 ms  Billed Duration: 13 ms  Memory Size: 512 MB  Max Memory Used: 80 MB")), "{}", r.stdout);
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with("ERROR   [c-999] db timeout  attempt=3")),
        "{}",
        r.stdout
    );
    assert!(
        lines
            .last()
            .unwrap()
            .ends_with("user         a print() line"),
        "{}",
        r.stdout
    );

    // --since reaches back further.
    let r = moto.lamina_ok(&root, &["logs", "user", "--stage", "dev", "--since", "2h"]);
    assert!(
        r.stdout.lines().next().unwrap().contains("old news"),
        "{}",
        r.stdout
    );
    // An absolute time: 45 s before the events were written, however long this test has run.
    let at = std::process::Command::new("date")
        .args([
            "-u",
            "-d",
            &format!("@{}", (now - 45_000) / 1000),
            "+%Y-%m-%dT%H:%M:%SZ",
        ])
        .output()
        .unwrap();
    let at = String::from_utf8(at.stdout).unwrap();
    let r = moto.lamina_ok(
        &root,
        &["logs", "user", "--stage", "dev", "--since", at.trim()],
    );
    assert_eq!(r.stdout.lines().count(), 2, "{}", r.stdout);

    // --filter: CloudWatch's pattern, applied by the service.
    let r = moto.lamina_ok(
        &root,
        &["logs", "user", "--stage", "dev", "--filter", "ERROR"],
    );
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(r.stdout.contains("db timeout"), "{}", r.stdout);

    // Every domain, interleaved in time order, the domain column aligned.
    let r = moto.lamina_ok(&root, &["logs", "--stage", "dev"]);
    let order: Vec<&str> = r
        .stdout
        .lines()
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "user", "user", "user", "user", "ride", "ride", "ride", "user", "user", "ride"
        ],
        "{}",
        r.stdout
    );

    // --request: one request across domains, with Lambda's own lines for it, nothing else.
    let r = moto.lamina_ok(&root, &["logs", "--stage", "dev", "--request", "c-123"]);
    let got: Vec<String> = r
        .stdout
        .lines()
        .map(|l| {
            l.split_whitespace()
                .skip(1)
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert_eq!(
        got,
        [
            "user START [r-1]",
            "user INFO [c-123]",
            "user END [r-1]",
            "user REPORT [r-1]",
            "ride START [r-7]",
            "ride INFO [c-123]",
            "ride REPORT [r-7]",
        ],
        "{}",
        r.stdout
    );

    // --json: one object per line, the parsed record beside the raw line.
    let r = moto.lamina_ok(&root, &["logs", "ride", "--stage", "dev", "--json"]);
    let events: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 4);
    assert_eq!(events[1]["domain"], "ride");
    assert_eq!(events[1]["level"], "INFO");
    assert_eq!(events[1]["request"], "c-123");
    assert_eq!(events[1]["record"]["request_id"], "r-7");
    assert_eq!(events[1]["record"]["fields"], json!([["ride_id", "7"]]));
    assert_eq!(events[2]["level"], "REPORT");

    // Mistakes: an unknown domain, a domain never deployed, a bad --since.
    let r = moto.lamina(&root, &["logs", "rid", "--stage", "dev"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("unknown domain `rid`") && r.stderr.contains("did you mean `ride`"),
        "{}",
        r.stderr
    );
    let r = moto.lamina(&root, &["logs", "payment", "--stage", "dev"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("no log group `/aws/lambda/logs-dev-payment`")
            && r.stderr.contains("lamina deploy --stage dev"),
        "{}",
        r.stderr
    );
    let r = moto.lamina(
        &root,
        &["logs", "user", "--stage", "dev", "--since", "yesterday"],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("--since yesterday"), "{}", r.stderr);

    // Follow mode: what was there, then each new event once, as it arrives.
    let mut cmd = common::lamina(&root);
    moto.env(&mut cmd)
        .args([
            "logs",
            "ride",
            "--stage",
            "dev",
            "--follow",
            "--poll-ms",
            "300",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let out = Arc::new(Mutex::new(Vec::<String>::new()));
    let reader = {
        let out = out.clone();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                out.lock().unwrap().push(line);
            }
        })
    };
    let wait_for = |n: usize| {
        let started = Instant::now();
        while out.lock().unwrap().len() < n && started.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(100));
        }
        out.lock().unwrap().clone()
    };
    assert_eq!(wait_for(4).len(), 4);
    put(
        &moto,
        "ride",
        stream,
        &[(
            now_ms(),
            powertools(
                "ride",
                "WARNING",
                "surge pricing",
                "c-777",
                "r-9",
                json!({"factor": 1.5}),
            ),
        )],
    );
    let seen = wait_for(5);
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert!(
        seen[4].ends_with("WARNING [c-777] surge pricing  factor=1.5"),
        "{seen:?}"
    );
    // Several more reads: nothing is shown twice.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(out.lock().unwrap().len(), 5, "{:?}", out.lock().unwrap());
    common::send_signal(child.id(), "INT");
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "follow mode ends cleanly on Ctrl-C: {status}"
    );
    reader.join().unwrap();
}
