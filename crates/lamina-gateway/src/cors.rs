//! CORS as HTTP API does it (spec §4): preflights answered by the gateway, the integration's
//! CORS headers replaced by the configured ones.

use http::{HeaderMap, HeaderValue};

use crate::config::Cors;

/// Whether a request is a CORS preflight.
pub(crate) fn is_preflight(method: &http::Method, headers: &HeaderMap) -> bool {
    method == http::Method::OPTIONS
        && headers.contains_key(http::header::ORIGIN)
        && headers.contains_key(http::header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// The `access-control-allow-origin` value for a request's `Origin`, if it is allowed: `*` when
/// configured, else the single matching origin echoed.
fn allow_origin(cors: &Cors, origin: Option<&HeaderValue>) -> Option<HeaderValue> {
    let origin = origin?;
    if cors.allow_origins.iter().any(|o| o == "*") {
        return Some(HeaderValue::from_static("*"));
    }
    let text = origin.to_str().ok()?;
    cors.allow_origins
        .iter()
        .any(|o| o.eq_ignore_ascii_case(text))
        .then(|| origin.clone())
}

fn list(items: &[String]) -> Option<HeaderValue> {
    if items.is_empty() {
        return None;
    }
    HeaderValue::from_str(&items.join(",")).ok()
}

/// The headers of the gateway's own answer to a preflight (sent as 204 with no body). Empty
/// when the origin is not allowed.
pub(crate) fn preflight_headers(cors: &Cors, request: &HeaderMap) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let Some(origin) = allow_origin(cors, request.get(http::header::ORIGIN)) else {
        return headers;
    };
    headers.insert(http::header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    if cors.allow_credentials {
        headers.insert(
            http::header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    if let Some(methods) = list(&cors.allow_methods) {
        headers.insert(http::header::ACCESS_CONTROL_ALLOW_METHODS, methods);
    }
    if let Some(allowed) = list(&cors.allow_headers) {
        headers.insert(http::header::ACCESS_CONTROL_ALLOW_HEADERS, allowed);
    }
    if let Some(expose) = list(&cors.expose_headers) {
        headers.insert(http::header::ACCESS_CONTROL_EXPOSE_HEADERS, expose);
    }
    if let Some(max_age) = cors.max_age {
        headers.insert(http::header::ACCESS_CONTROL_MAX_AGE, max_age.into());
    }
    headers
}

/// Replaces a response's CORS headers by the configured ones for this request's origin.
pub(crate) fn apply(cors: &Cors, request: &HeaderMap, response: &mut HeaderMap) {
    let theirs: Vec<_> = response
        .keys()
        .filter(|name| name.as_str().starts_with("access-control-"))
        .cloned()
        .collect();
    for name in theirs {
        response.remove(name);
    }
    let Some(origin) = allow_origin(cors, request.get(http::header::ORIGIN)) else {
        return;
    };
    response.insert(http::header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    if cors.allow_credentials {
        response.insert(
            http::header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    if let Some(expose) = list(&cors.expose_headers) {
        response.insert(http::header::ACCESS_CONTROL_EXPOSE_HEADERS, expose);
    }
}
