//! The function's payload 2.0 response, mapped to HTTP (spec §1.4).

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::Value;

use crate::util::minify_json;

/// A response the function returned, ready to send.
#[derive(Debug)]
pub(crate) struct FunctionResponse {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// Why a function's output is not a response API Gateway accepts (→ 500).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Malformed(pub(crate) &'static str);

/// Headers the gateway sets itself from the body it sends.
const FRAMING: [&str; 3] = ["content-length", "transfer-encoding", "connection"];

pub(crate) fn parse(output: &[u8]) -> Result<FunctionResponse, Malformed> {
    let value: Value =
        serde_json::from_slice(output).map_err(|_| Malformed("the output is not JSON"))?;
    let mut object = match value {
        Value::Object(object) if object.contains_key("statusCode") => object,
        // Inference: valid JSON without `statusCode` is the body of a 200 (spec §1.4).
        Value::String(text) => return Ok(inferred(Bytes::from(text))),
        _ => return Ok(inferred(Bytes::from(minify_json(output)))),
    };

    let status = object
        .get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .filter(|s| s.as_u16() >= 100)
        .ok_or(Malformed("`statusCode` is not an HTTP status code"))?;

    let mut headers = HeaderMap::new();
    match object.remove("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (name, value) in map {
                let value = match value {
                    Value::String(s) => s,
                    Value::Null => continue,
                    Value::Bool(_) | Value::Number(_) => value.to_string(),
                    _ => return Err(Malformed("a header value is not a string")),
                };
                let name = HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| Malformed("a header name is not valid HTTP"))?;
                if FRAMING.contains(&name.as_str()) {
                    continue;
                }
                let value = HeaderValue::from_str(&value)
                    .map_err(|_| Malformed("a header value is not valid HTTP"))?;
                // Names are case-insensitive; a later duplicate replaces the earlier one.
                headers.insert(name, value);
            }
        }
        Some(_) => return Err(Malformed("`headers` is not an object")),
    }

    match object.remove("cookies") {
        None | Some(Value::Null) => {}
        Some(Value::Array(cookies)) => {
            // `cookies` wins over a Set-Cookie in `headers` (spec §1.4).
            headers.remove(http::header::SET_COOKIE);
            for cookie in cookies {
                let Value::String(cookie) = cookie else {
                    return Err(Malformed("a cookie is not a string"));
                };
                let value = HeaderValue::from_str(&cookie)
                    .map_err(|_| Malformed("a cookie is not a valid header value"))?;
                headers.append(http::header::SET_COOKIE, value);
            }
        }
        Some(_) => return Err(Malformed("`cookies` is not an array")),
    }

    if !headers.contains_key(http::header::CONTENT_TYPE) {
        headers.insert(http::header::CONTENT_TYPE, json_content_type());
    }

    let base64 = match object.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(Malformed("`isBase64Encoded` is not a boolean")),
    };
    let body = match object.remove("body") {
        None | Some(Value::Null) => Bytes::new(),
        Some(Value::String(body)) if base64 => base64::engine::general_purpose::STANDARD
            .decode(body.trim_end())
            .map(Bytes::from)
            .map_err(|_| Malformed("`body` is not valid base64"))?,
        Some(Value::String(body)) => Bytes::from(body),
        Some(_) => return Err(Malformed("`body` is not a string")),
    };

    Ok(FunctionResponse {
        status,
        headers,
        body,
    })
}

fn json_content_type() -> HeaderValue {
    HeaderValue::from_static("application/json")
}

fn inferred(body: Bytes) -> FunctionResponse {
    let mut headers = HeaderMap::new();
    headers.insert(http::header::CONTENT_TYPE, json_content_type());
    FunctionResponse {
        status: StatusCode::OK,
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inference_follows_the_function_url_snapshot() {
        // localstack lambda-url-v2-response-inference (AWS-validated; same 2.0 rules).
        for (output, body) in [
            (r#""hello""#, "hello"),
            ("3", "3"),
            ("3.1", "3.1"),
            ("true", "true"),
            (r#"["hello", 3, true]"#, r#"["hello",3,true]"#),
            (r#"{"hello": "world"}"#, r#"{"hello":"world"}"#),
            (
                r#"{"body": "x", "headers": {}}"#,
                r#"{"body":"x","headers":{}}"#,
            ),
        ] {
            let r = parse(output.as_bytes()).unwrap();
            assert_eq!(r.status, 200);
            assert_eq!(r.body, body, "{output}");
            assert_eq!(r.headers["content-type"], "application/json");
        }
    }

    #[test]
    fn malformed_outputs() {
        for output in [
            "not json",
            r#"{"statusCode":"200"}"#,
            r#"{"statusCode":2000}"#,
            r#"{"statusCode":20}"#,
            r#"{"statusCode":200.5}"#,
            r#"{"statusCode":200,"headers":[]}"#,
            r#"{"statusCode":200,"headers":{"a b":"c"}}"#,
            r#"{"statusCode":200,"body":{"a":1}}"#,
            r#"{"statusCode":200,"body":"!!","isBase64Encoded":true}"#,
            r#"{"statusCode":200,"cookies":"a=b"}"#,
        ] {
            assert!(parse(output.as_bytes()).is_err(), "{output}");
        }
    }
}
