//! `--request ID`: one request across every domain.
//!
//! The id a user has is usually API Gateway's request id (the `apigw-requestid` response
//! header, the access log's `requestId`), which the templates log as Powertools'
//! `correlation_id`; or it is Lambda's own request id. The first read finds every line that
//! names it, in any domain; the Lambda request ids on those lines then find the lines that
//! name only them (Lambda's `START`/`END`/`REPORT`, the runtime's error lines).

use std::collections::BTreeSet;

use crate::error::LogsError;
use crate::event::LogEvent;
use crate::source::{Source, Window};

/// A CloudWatch pattern matching the exact text `id`.
pub fn term(id: &str) -> String {
    format!("\"{}\"", id.replace('"', ""))
}

pub async fn find(source: &Source, id: &str, start_ms: i64) -> Result<Vec<LogEvent>, LogsError> {
    let window = Window {
        start_ms,
        end_ms: None,
        pattern: Some(term(id)),
    };
    let mut events: Vec<LogEvent> = source
        .fetch(&window, false)
        .await?
        .into_iter()
        .filter(|e| e.message.contains(id))
        .collect();
    // Lambda request ids seen on those lines, by domain.
    let mut more: BTreeSet<(String, String)> = BTreeSet::new();
    for e in &events {
        if let Some(rid) = e.record().and_then(|r| r.request_id).filter(|r| r != id) {
            more.insert((e.domain.clone(), rid));
        }
    }
    for (domain, rid) in more {
        let window = Window {
            pattern: Some(term(&rid)),
            ..window.clone()
        };
        let found = source
            .only(std::slice::from_ref(&domain))
            .fetch(&window, false)
            .await?;
        for e in found.into_iter().filter(|e| e.message.contains(&rid)) {
            if !events.iter().any(|x| x.domain == e.domain && x.id == e.id) {
                events.push(e);
            }
        }
    }
    events.sort_by_key(|e| e.timestamp_ms);
    Ok(events)
}
