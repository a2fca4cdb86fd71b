//! The payload 2.0 request event (spec §1.1–1.3).
//!
//! Optional fields are omitted, never `null`, `{}` or `[]`: that is what AWS sends and what
//! Powertools' strict validators expect (spec §1.1).

use std::borrow::Cow;
use std::collections::BTreeMap;

use base64::Engine;
use http::HeaderMap;
use serde::Serialize;
use serde::ser::SerializeMap;

use crate::Authorized;
use crate::config::GatewayConfig;
use crate::util::{format_time, percent_decode, trace_id};

/// Everything the event is made of, gathered by the server.
pub(crate) struct EventInput<'a> {
    pub(crate) config: &'a GatewayConfig,
    pub(crate) method: &'a str,
    /// The request path as sent, percent-encoded, stage included.
    pub(crate) raw_path: &'a str,
    /// The query as sent; `None` when the URL has no `?`.
    pub(crate) raw_query: Option<&'a str>,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) route_key: &'a str,
    /// `Some` only when the route has `{variables}`.
    pub(crate) path_parameters: Option<&'a [(String, String)]>,
    pub(crate) authorizer: Option<&'a Authorized>,
    pub(crate) body: &'a [u8],
    pub(crate) source_ip: &'a str,
    /// The port the client connected to, for `x-forwarded-port` and a missing `host`.
    pub(crate) local_port: u16,
    pub(crate) request_id: &'a str,
    pub(crate) epoch_millis: u64,
}

/// A map serialized from pairs, in their order.
struct Pairs<'a, K: AsRef<str>, V: AsRef<str>>(&'a [(K, V)]);

impl<K: AsRef<str>, V: AsRef<str>> Serialize for Pairs<'_, K, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k.as_ref(), v.as_ref())?;
        }
        map.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Event<'a> {
    version: &'static str,
    route_key: &'a str,
    raw_path: &'a str,
    raw_query_string: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    cookies: Option<Vec<&'a str>>,
    headers: Pairs<'a, Cow<'a, str>, Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    query_string_parameters: Option<Pairs<'a, Cow<'a, str>, String>>,
    request_context: RequestContext<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_parameters: Option<Pairs<'a, String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stage_variables: Option<&'a BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<Cow<'a, str>>,
    is_base64_encoded: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestContext<'a> {
    account_id: &'a str,
    api_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    authorizer: Option<AuthorizerContext<'a>>,
    domain_name: &'a str,
    domain_prefix: &'a str,
    http: Http<'a>,
    request_id: &'a str,
    route_key: &'a str,
    stage: &'a str,
    time: String,
    time_epoch: u64,
}

#[derive(Serialize)]
struct AuthorizerContext<'a> {
    jwt: Jwt<'a>,
}

#[derive(Serialize)]
struct Jwt<'a> {
    claims: &'a serde_json::Map<String, serde_json::Value>,
    scopes: &'a Option<Vec<String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Http<'a> {
    method: &'a str,
    path: &'a str,
    protocol: &'static str,
    source_ip: &'a str,
    user_agent: Cow<'a, str>,
}

/// Headers that describe one hop and that API Gateway does not forward.
const HOP_BY_HOP: [&str; 7] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The event's JSON.
pub(crate) fn build(input: &EventInput<'_>) -> Vec<u8> {
    let config = input.config;

    // HTTP API decodes the path, and a decoded `?` ends it (spec §1.1).
    let decoded_path = percent_decode(input.raw_path, false);
    let path = match decoded_path.find('?') {
        Some(end) => &decoded_path[..end],
        None => &decoded_path[..],
    };

    let raw_query = input.raw_query.unwrap_or("");
    let query = query_parameters(raw_query);

    // Cookies leave the headers for their own field, split on "; " (spec §1.1).
    let mut cookies = Vec::new();
    for value in input.headers.get_all(http::header::COOKIE) {
        if let Ok(value) = value.to_str() {
            cookies.extend(value.split("; ").filter(|c| !c.is_empty()));
        }
    }

    let mut headers: Vec<(Cow<'_, str>, Cow<'_, str>)> =
        Vec::with_capacity(input.headers.keys_len() + 5);
    let mut forwarded_for = None;
    let mut has_trace = false;
    let mut has_host = false;
    for name in input.headers.keys() {
        let name_str = name.as_str();
        match name_str {
            "cookie" | "content-length" | "x-forwarded-port" | "x-forwarded-proto" => continue,
            "x-forwarded-for" => {
                forwarded_for = Some(joined(input.headers, name));
                continue;
            }
            "x-amzn-trace-id" => has_trace = true,
            "host" => has_host = true,
            _ if HOP_BY_HOP.contains(&name_str) => continue,
            _ => {}
        }
        headers.push((Cow::Borrowed(name_str), joined(input.headers, name)));
    }
    if !has_host {
        headers.push((
            Cow::Borrowed("host"),
            Cow::Owned(format!("127.0.0.1:{}", input.local_port)),
        ));
    }
    headers.push((
        Cow::Borrowed("content-length"),
        Cow::Owned(input.body.len().to_string()),
    ));
    if !has_trace {
        headers.push((
            Cow::Borrowed("x-amzn-trace-id"),
            Cow::Owned(trace_id(input.epoch_millis / 1000)),
        ));
    }
    // A client's own x-forwarded-for is kept, and the client's address appended, like a proxy.
    let forwarded_for = match forwarded_for {
        Some(previous) => Cow::Owned(format!("{previous}, {}", input.source_ip)),
        None => Cow::Borrowed(input.source_ip),
    };
    headers.push((Cow::Borrowed("x-forwarded-for"), forwarded_for));
    let port = config.forwarded_port.unwrap_or(input.local_port);
    headers.push((
        Cow::Borrowed("x-forwarded-port"),
        Cow::Owned(port.to_string()),
    ));
    headers.push((
        Cow::Borrowed("x-forwarded-proto"),
        Cow::Borrowed(config.forwarded_proto.as_str()),
    ));

    let user_agent = input
        .headers
        .get(http::header::USER_AGENT)
        .map_or(Cow::Borrowed(""), |v| String::from_utf8_lossy(v.as_bytes()));

    let (body, is_base64_encoded) = body(input.headers, input.body);

    let event = Event {
        version: "2.0",
        route_key: input.route_key,
        raw_path: path,
        raw_query_string: raw_query,
        cookies: (!cookies.is_empty()).then_some(cookies),
        headers: Pairs(&headers),
        query_string_parameters: (!query.is_empty()).then_some(Pairs(&query)),
        request_context: RequestContext {
            account_id: &config.account_id,
            api_id: &config.api_id,
            authorizer: input.authorizer.map(|a| AuthorizerContext {
                jwt: Jwt {
                    claims: &a.claims,
                    scopes: &a.scopes,
                },
            }),
            domain_name: &config.domain_name,
            domain_prefix: config
                .domain_name
                .split('.')
                .next()
                .unwrap_or(&config.domain_name),
            http: Http {
                method: input.method,
                path,
                protocol: "HTTP/1.1",
                source_ip: input.source_ip,
                user_agent,
            },
            request_id: input.request_id,
            route_key: input.route_key,
            stage: &config.stage,
            time: format_time(input.epoch_millis),
            time_epoch: input.epoch_millis,
        },
        path_parameters: input.path_parameters.map(Pairs),
        stage_variables: (!config.stage_variables.is_empty()).then_some(&config.stage_variables),
        body,
        is_base64_encoded,
    };
    // Serializing strings and maps of strings cannot fail.
    serde_json::to_vec(&event).unwrap_or_default()
}

/// A header's values joined with `,` and no space (spec §1.1).
fn joined<'h>(headers: &'h HeaderMap, name: &http::HeaderName) -> Cow<'h, str> {
    let mut values = headers.get_all(name).iter();
    let first = values
        .next()
        .map_or(Cow::Borrowed(""), |v| String::from_utf8_lossy(v.as_bytes()));
    let mut rest = values.peekable();
    if rest.peek().is_none() {
        return first;
    }
    let mut out = first.into_owned();
    for v in rest {
        out.push(',');
        out.push_str(&String::from_utf8_lossy(v.as_bytes()));
    }
    Cow::Owned(out)
}

/// `queryStringParameters`: decoded, `+` as space, repeats joined with `,` (spec §1.1).
fn query_parameters(raw: &str) -> Vec<(Cow<'_, str>, String)> {
    let mut params: Vec<(Cow<'_, str>, String)> = Vec::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(key, true);
        let value = percent_decode(value, true);
        match params.iter_mut().find(|(k, _)| *k == key) {
            Some((_, existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            None => params.push((key, value.into_owned())),
        }
    }
    params
}

/// Whether HTTP API passes a body of this content type as text (spec §1.3): `text/*`,
/// `application/json`, `application/xml` and `application/javascript`, parameters ignored.
/// Everything else, a missing content type included, is base64.
pub(crate) fn is_text_media_type(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else {
        return false;
    };
    let media = content_type.split(';').next().unwrap_or("").trim();
    let media = media.to_ascii_lowercase();
    media.starts_with("text/")
        || matches!(
            media.as_str(),
            "application/json" | "application/xml" | "application/javascript"
        )
}

/// `body` and `isBase64Encoded`. A text body that is not UTF-8 is sent as base64 rather than
/// mangled.
fn body<'b>(headers: &HeaderMap, body: &'b [u8]) -> (Option<Cow<'b, str>>, bool) {
    if body.is_empty() {
        return (None, false);
    }
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if is_text_media_type(content_type)
        && let Ok(text) = std::str::from_utf8(body)
    {
        return (Some(Cow::Borrowed(text)), false);
    }
    (
        Some(Cow::Owned(
            base64::engine::general_purpose::STANDARD.encode(body),
        )),
        true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types() {
        for text in [
            "text/plain",
            "text/csv; charset=latin1",
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/xml",
            "application/javascript",
        ] {
            assert!(is_text_media_type(Some(text)), "{text}");
        }
        for binary in [
            "application/x-www-form-urlencoded",
            "application/octet-stream",
            "multipart/form-data; boundary=x",
            "application/vnd.api+json",
            "image/png",
        ] {
            assert!(!is_text_media_type(Some(binary)), "{binary}");
        }
        assert!(!is_text_media_type(None));
    }

    #[test]
    fn query_parameters_are_decoded_and_joined() {
        let q = query_parameters("a=1&a=2&b=x+y&c=x%2By&flag&=v&&e=");
        let q: Vec<(&str, &str)> = q.iter().map(|(k, v)| (k.as_ref(), v.as_str())).collect();
        assert_eq!(
            q,
            [
                ("a", "1,2"),
                ("b", "x y"),
                ("c", "x+y"),
                ("flag", ""),
                ("", "v"),
                ("e", "")
            ]
        );
    }
}
