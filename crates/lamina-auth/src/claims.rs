//! Claims as API Gateway passes them to Lambda in `requestContext.authorizer.jwt.claims` (spec §3):
//! every value a string.

use serde_json::{Map, Value};

/// Flattens a token's claims the way the HTTP API JWT authorizer does:
///
/// * strings stay as they are; numbers and booleans become their text (`"exp":"1787996002"`,
///   `"email_verified":"true"`);
/// * arrays become a Go-style `[a b]`, the elements formatted the same way and joined by one space
///   (`"cognito:groups":"[admin poweruser]"`): neither JSON nor comma-separated;
/// * null claims are left out; objects become their compact JSON text.
pub fn flatten_claims(claims: &Map<String, Value>) -> Map<String, Value> {
    claims
        .iter()
        .filter_map(|(name, value)| flatten(value).map(|text| (name.clone(), Value::String(text))))
        .collect()
}

fn flatten(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(items) => {
            let items: Vec<String> = items
                .iter()
                .map(|item| flatten(item).unwrap_or_default())
                .collect();
            Some(format!("[{}]", items.join(" ")))
        }
        Value::Object(_) => Some(value.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_kind_of_value() {
        let claims = json!({
            "sub": "abc", "exp": 1787996002, "ratio": 0.5, "email_verified": true,
            "cognito:groups": ["admin", "poweruser"], "empty": [], "gone": null,
            "address": {"country": "NL"},
        });
        let flat = flatten_claims(claims.as_object().unwrap());
        assert_eq!(
            Value::Object(flat),
            json!({
                "sub": "abc", "exp": "1787996002", "ratio": "0.5", "email_verified": "true",
                "cognito:groups": "[admin poweruser]", "empty": "[]",
                "address": "{\"country\":\"NL\"}",
            })
        );
    }
}
