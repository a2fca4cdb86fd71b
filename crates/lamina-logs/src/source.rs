//! Reading the log groups of a stage's domains with `FilterLogEvents`, every page, merged in
//! time order.

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata;
use lamina_deploy::Aws;
use lamina_deploy::names::stage_prefix;

use crate::error::LogsError;
use crate::event::LogEvent;

/// The log group of a domain's function (modules/domain_function: `/aws/lambda/<function>`).
pub fn log_group(project: &str, stage: &str, domain: &str) -> String {
    format!("/aws/lambda/{}-{domain}", stage_prefix(project, stage))
}

/// One read: from `start_ms` (inclusive) to `end_ms`, the events matching a CloudWatch filter
/// pattern (`ERROR`, `"exact phrase"`, `{ $.level = "ERROR" }`), when given.
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub pattern: Option<String>,
}

/// The log groups of some domains of a stage.
#[derive(Debug, Clone)]
pub struct Source {
    client: Client,
    stage: String,
    /// (domain, log group).
    groups: Vec<(String, String)>,
}

impl Source {
    pub fn new(aws: &Aws, project: &str, stage: &str, domains: &[String]) -> Self {
        Self {
            client: Client::new(&aws.config),
            stage: stage.to_owned(),
            groups: domains
                .iter()
                .map(|d| (d.clone(), log_group(project, stage, d)))
                .collect(),
        }
    }

    pub fn groups(&self) -> &[(String, String)] {
        &self.groups
    }

    /// The same stage, reading only `domains`.
    pub fn only(&self, domains: &[String]) -> Self {
        Self {
            client: self.client.clone(),
            stage: self.stage.clone(),
            groups: self
                .groups
                .iter()
                .filter(|(d, _)| domains.contains(d))
                .cloned()
                .collect(),
        }
    }

    /// Every matching event of every group, oldest first. A group that does not exist is an
    /// error when `require_all`, and skipped otherwise (a domain never deployed, or without a
    /// single invocation, when looking for a request everywhere).
    pub async fn fetch(
        &self,
        window: &Window,
        require_all: bool,
    ) -> Result<Vec<LogEvent>, LogsError> {
        let mut events = Vec::new();
        let mut missing = Vec::new();
        for (domain, group) in &self.groups {
            match self.fetch_group(domain, group, window).await {
                Ok(mut found) => events.append(&mut found),
                Err(LogsError::NoLogGroup { .. }) if !require_all => missing.push(domain),
                Err(e) => return Err(e),
            }
        }
        if !self.groups.is_empty() && missing.len() == self.groups.len() {
            let (domain, group) = &self.groups[0];
            return Err(LogsError::NoLogGroup {
                domain: domain.clone(),
                stage: self.stage.clone(),
                group: group.clone(),
            });
        }
        // Stable: within one millisecond, CloudWatch's order (the order of writing) stays.
        events.sort_by_key(|e| e.timestamp_ms);
        Ok(events)
    }

    async fn fetch_group(
        &self,
        domain: &str,
        group: &str,
        window: &Window,
    ) -> Result<Vec<LogEvent>, LogsError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let request = self
                .client
                .filter_log_events()
                .log_group_name(group)
                .start_time(window.start_ms)
                .set_end_time(window.end_ms)
                .set_filter_pattern(window.pattern.clone())
                .set_next_token(token.clone());
            let page = request.send().await.map_err(|err| {
                if err.code() == Some("ResourceNotFoundException") {
                    LogsError::NoLogGroup {
                        domain: domain.to_owned(),
                        stage: self.stage.clone(),
                        group: group.to_owned(),
                    }
                } else {
                    LogsError::Service {
                        action: "FilterLogEvents",
                        group: group.to_owned(),
                        message: lamina_deploy::aws_error_message(&err),
                    }
                }
            })?;
            for e in page.events() {
                out.push(LogEvent {
                    domain: domain.to_owned(),
                    timestamp_ms: e.timestamp().unwrap_or_default(),
                    stream: e.log_stream_name().unwrap_or_default().to_owned(),
                    id: e.event_id().unwrap_or_default().to_owned(),
                    message: e.message().unwrap_or_default().to_owned(),
                });
            }
            match page.next_token() {
                // An empty page with a token means "more may come later" (AWS): stop here.
                Some(t) if !t.is_empty() && !page.events().is_empty() => token = Some(t.to_owned()),
                _ => break,
            }
        }
        Ok(out)
    }
}
