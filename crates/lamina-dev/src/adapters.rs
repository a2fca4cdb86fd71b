//! The runtime as the gateway's `Invoker`, and the JWT verifier as its `Authorize`.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use lamina_gateway::{AuthFailure, Authorize, Authorized, InvokeOutcome, Invoker};
use lamina_runtime::{Outcome, Runtime};

/// What the runtime said about one invocation, kept until the gateway logs the request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Report {
    pub cold: bool,
    pub init_ms: Option<u64>,
    pub forked: bool,
    pub fresh_init_ms: Option<u64>,
}

pub(crate) struct RuntimeInvoker {
    runtime: Runtime,
    reports: Arc<Mutex<HashMap<String, Report>>>,
}

impl RuntimeInvoker {
    pub(crate) fn new(runtime: Runtime, reports: Arc<Mutex<HashMap<String, Report>>>) -> Self {
        Self { runtime, reports }
    }
}

impl Invoker for RuntimeInvoker {
    fn invoke(
        &self,
        domain: &str,
        event: Bytes,
    ) -> Pin<Box<dyn Future<Output = InvokeOutcome> + Send + 'static>> {
        let runtime = self.runtime.clone();
        let reports = self.reports.clone();
        let domain = domain.to_owned();
        Box::pin(async move {
            let request_id = request_id(&event);
            let invocation = runtime.invoke(&domain, event).await;
            if let Some(id) = request_id {
                let mut reports = reports.lock().expect("reports");
                // A request whose access line never comes (client gone) must not pile up.
                if reports.len() > 10_000 {
                    reports.clear();
                }
                reports.insert(
                    id,
                    Report {
                        cold: invocation.cold,
                        init_ms: invocation.init_ms,
                        forked: invocation.forked,
                        fresh_init_ms: invocation.fresh_init_ms,
                    },
                );
            }
            match invocation.outcome {
                Outcome::Response(body) => InvokeOutcome::Response(body),
                Outcome::FunctionError => InvokeOutcome::FunctionError,
                Outcome::Timeout => InvokeOutcome::Timeout,
                Outcome::Throttled => InvokeOutcome::Throttled,
                Outcome::ResponseTooLarge => InvokeOutcome::ResponseTooLarge,
            }
        })
    }
}

/// `requestContext.requestId` of an event, found without parsing the whole (possibly 6 MB) body:
/// the gateway writes `requestContext` before `body`, and the id has no characters to escape.
fn request_id(event: &[u8]) -> Option<String> {
    const KEY: &[u8] = b"\"requestId\":\"";
    let start = event.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let len = event[start..].iter().position(|&b| b == b'"')?;
    std::str::from_utf8(&event[start..start + len])
        .ok()
        .map(str::to_owned)
}

pub(crate) struct VerifierAuthorizer(pub lamina_auth::JwtVerifier);

impl Authorize for VerifierAuthorizer {
    fn authorize<'a>(
        &'a self,
        authorization: Option<&'a str>,
        route_scopes: &'a [String],
    ) -> Pin<Box<dyn Future<Output = Result<Authorized, AuthFailure>> + Send + 'a>> {
        Box::pin(async move {
            match self.0.authorize(authorization, route_scopes).await {
                Ok(ok) => Ok(Authorized {
                    claims: ok.claims,
                    scopes: ok.scopes,
                }),
                Err(failure) => Err(AuthFailure {
                    status: failure.status().as_u16(),
                    body: failure.body().to_owned(),
                    www_authenticate: failure.www_authenticate().map(str::to_owned),
                }),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_request_id_before_the_body() {
        let event = br#"{"version":"2.0","requestContext":{"accountId":"1","requestId":"JKJaXmPLvHcESHA="},"body":"{\"requestId\":\"evil\"}"}"#;
        assert_eq!(request_id(event).as_deref(), Some("JKJaXmPLvHcESHA="));
        assert_eq!(request_id(b"{}"), None);
    }
}
