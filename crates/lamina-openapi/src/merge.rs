//! One OpenAPI document from every domain's: paths under each domain's route prefix, operation ids
//! that cannot collide, components shared when equal and renamed when not, and the security of
//! API Gateway's JWT authorizer on the operations the route table protects.
//!
//! The rules, so a client generated from the result stays stable as domains are added:
//! * Paths: a domain's server path (`root_path`) is joined in, and a path not under the domain's
//!   prefix gets it prepended (an app mounted at `/` behind Mangum's `api_gateway_base_path`).
//! * Operations the route table does not send to their domain are left out, with a warning: a
//!   client must not offer calls that API Gateway would route elsewhere.
//! * `operationId` is always `<domain>-<the app's id>`: unique across domains, and adding a domain
//!   never renames another's.
//! * Components (schemas, responses, ...) with one name and one definition are shared; a name
//!   that two domains define differently (or whose definition refers to such a name) becomes
//!   `<Domain><Name>` in every domain that defines it.
//! * A route behind the JWT authorizer carries `security: [{"cognito": [<route scopes>]}]` and a
//!   `401` (and `403` with scopes) response, as API Gateway answers them; a public route keeps
//!   whatever security its app declares.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use lamina_config::{Route, RouteAuth};
use serde_json::{Map, Value, json};

use crate::OpenApiError;
use crate::extract::DomainDocument;

/// The security scheme of API Gateway's JWT authorizer in the merged document.
pub const SECURITY_SCHEME: &str = "cognito";

const COMPONENT_KINDS: [&str; 10] = [
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "pathItems",
];

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The merged document and what was noticed on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub document: Value,
    pub operations: usize,
    pub warnings: Vec<String>,
}

/// Who defines a component: a domain (by index) or Lamina itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Owner {
    Lamina,
    Domain(usize),
}

type Key = (&'static str, String);

/// Merges `domains` (in lamina.toml's order) into one document for `project`.
pub fn merge(
    project: &str,
    domains: &[DomainDocument],
    routes: &[Route],
) -> Result<Merged, OpenApiError> {
    let mut warnings = Vec::new();
    let mut version: Option<String> = None;
    for d in domains {
        let openapi = d
            .document
            .get("openapi")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(d, "it has no `openapi` version field"))?;
        if !openapi.starts_with("3.") {
            return Err(bad(d, &format!("OpenAPI {openapi} is not 3.x")));
        }
        if !d.document.is_object() || d.document.get("paths").is_some_and(|p| !p.is_object()) {
            return Err(bad(d, "`paths` is not an object"));
        }
        match &version {
            None => version = Some(openapi.to_owned()),
            Some(v) if v != openapi => warnings.push(format!(
                "domain `{}` uses OpenAPI {openapi}, others {v}; the merged document says {v}",
                d.name
            )),
            Some(_) => {}
        }
    }

    let renames = component_renames(domains);
    let mut components = merged_components(domains, &renames);

    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut operation_ids: HashSet<String> = HashSet::new();
    let mut operations = 0;
    for (index, d) in domains.iter().enumerate() {
        let rename = &renames[index];
        let base = server_path(&d.document);
        let Some(doc_paths) = d.document.get("paths").and_then(Value::as_object) else {
            continue;
        };
        for (path, item) in doc_paths {
            let Some(item) = item.as_object() else {
                return Err(bad(d, &format!("path `{path}` is not an object")));
            };
            let full = under_prefix(&d.prefix, &format!("{base}{path}"));
            for (key, value) in item {
                let method = key.as_str();
                if !METHODS.contains(&method) {
                    // Path-level fields (`parameters`, `summary`, ...) travel with the path.
                    let entry = paths.entry(full.clone()).or_default();
                    entry
                        .entry(key.clone())
                        .or_insert_with(|| rewrite_refs(value, rename));
                    continue;
                }
                let upper = method.to_ascii_uppercase();
                let route = lamina_gateway::select_route(routes, &upper, &full);
                let Some(route) = route.filter(|r| r.domain == d.name) else {
                    warnings.push(match route {
                        Some(r) => format!(
                            "`{upper} {full}` of domain `{}` is left out: API Gateway routes it to domain `{}` (route `{}`)",
                            d.name,
                            r.domain,
                            r.key()
                        ),
                        None => format!(
                            "`{upper} {full}` of domain `{}` is left out: no route of lamina.toml reaches it",
                            d.name
                        ),
                    });
                    continue;
                };
                let mut operation = rewrite_refs(value, rename);
                let Some(op) = operation.as_object_mut() else {
                    return Err(bad(d, &format!("`{upper} {path}` is not an object")));
                };
                let id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map_or_else(|| fallback_id(method, path), str::to_owned);
                let mut unique = format!("{}-{id}", d.name);
                if operation_ids.contains(&unique) {
                    let mut n = 2;
                    while operation_ids.contains(&format!("{unique}-{n}")) {
                        n += 1;
                    }
                    warnings.push(format!(
                        "domain `{}` uses operation id `{id}` twice; `{upper} {full}` is `{unique}-{n}`",
                        d.name
                    ));
                    unique = format!("{unique}-{n}");
                }
                operation_ids.insert(unique.clone());
                op.insert("operationId".into(), json!(unique));
                if route.auth == RouteAuth::Jwt {
                    protect(op, route);
                }
                paths
                    .entry(full.clone())
                    .or_default()
                    .insert(key.clone(), operation);
                operations += 1;
            }
        }
    }
    // A path whose every operation was left out keeps nothing worth a client.
    paths.retain(|_, item| item.keys().any(|k| METHODS.contains(&k.as_str())));

    // Only the schemes some operation asks for: an app's own bearer scheme is replaced by the
    // authorizer's on protected routes and would otherwise linger, unused.
    let used: BTreeSet<String> = paths
        .values()
        .flat_map(|item| item.values())
        .filter_map(|op| op.get("security").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|req| req.keys().cloned())
        .collect();
    let schemes = components.entry("securitySchemes".to_owned()).or_default();
    schemes.insert(SECURITY_SCHEME.to_owned(), security_scheme());
    schemes.retain(|name, _| used.contains(name));
    components.retain(|_, v| !v.is_empty());

    let mut document = Map::new();
    document.insert(
        "openapi".into(),
        json!(version.unwrap_or_else(|| "3.1.0".into())),
    );
    document.insert("info".into(), info(project, domains));
    document.insert(
        "paths".into(),
        Value::Object(
            paths
                .into_iter()
                .map(|(k, v)| (k, Value::Object(v)))
                .collect(),
        ),
    );
    if !components.is_empty() {
        document.insert(
            "components".into(),
            Value::Object(
                components
                    .into_iter()
                    .map(|(k, v)| (k, Value::Object(v.into_iter().collect())))
                    .collect(),
            ),
        );
    }
    let tags = tags(domains);
    if !tags.is_empty() {
        document.insert("tags".into(), Value::Array(tags));
    }
    Ok(Merged {
        document: sorted(Value::Object(document)),
        operations,
        warnings,
    })
}

fn bad(d: &DomainDocument, why: &str) -> OpenApiError {
    OpenApiError::BadDocument {
        domain: d.name.clone(),
        why: why.to_owned(),
    }
}

fn security_scheme() -> Value {
    json!({
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An access token of the project's Cognito user pool, checked by API Gateway's JWT authorizer before the domain runs. The requirement lists the route's OAuth scopes (empty: any valid token).",
    })
}

fn info(project: &str, domains: &[DomainDocument]) -> Value {
    let versions: BTreeSet<&str> = domains
        .iter()
        .filter_map(|d| d.document.pointer("/info/version").and_then(Value::as_str))
        .collect();
    let version = match versions.len() {
        1 => versions.into_iter().next().unwrap_or("0.1.0"),
        _ => "0.1.0",
    };
    let names: Vec<String> = domains
        .iter()
        .map(|d| format!("`{}` ({})", d.name, d.prefix))
        .collect();
    json!({
        "title": project,
        "version": version,
        "description": format!(
            "Every domain of `{project}` behind one HTTP API: {}. Written by `lamina openapi` from the domains' FastAPI apps; do not edit.",
            names.join(", ")
        ),
    })
}

/// A relative server URL (FastAPI's `root_path`) is part of every path.
fn server_path(document: &Value) -> String {
    document
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .filter(|u| u.starts_with('/'))
        .map(|u| u.trim_end_matches('/').to_owned())
        .unwrap_or_default()
}

fn under_prefix(prefix: &str, path: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() || path == prefix || path.starts_with(&format!("{prefix}/")) {
        return path.to_owned();
    }
    if path == "/" {
        return prefix.to_owned();
    }
    format!("{prefix}{path}")
}

/// FastAPI always names operations; another framework might not.
fn fallback_id(method: &str, path: &str) -> String {
    let cleaned: String = path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{method}{}", cleaned.trim_end_matches('_'))
}

/// The JWT authorizer's requirement, and the answers it gives before the domain runs.
fn protect(op: &mut Map<String, Value>, route: &Route) {
    op.insert(
        "security".into(),
        json!([{ SECURITY_SCHEME: route.scopes }]),
    );
    let responses = op
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    if let Some(responses) = responses {
        responses.entry("401").or_insert_with(|| {
            json!({"description": "No valid access token: API Gateway's JWT authorizer refused the request."})
        });
        if !route.scopes.is_empty() {
            responses.entry("403").or_insert_with(|| {
                json!({"description": format!("The access token lacks a required scope: {}.", route.scopes.join(", "))})
            });
        }
    }
}

fn tags(domains: &[DomainDocument]) -> Vec<Value> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for d in domains {
        for tag in d
            .document
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = tag.get("name").and_then(Value::as_str) {
                if seen.insert(name.to_owned()) {
                    out.push(tag.clone());
                }
            }
        }
    }
    out
}

/// Every component definition, by kind and name, with who defines it.
fn definitions(domains: &[DomainDocument]) -> BTreeMap<Key, Vec<(Owner, Value)>> {
    let mut defs: BTreeMap<Key, Vec<(Owner, Value)>> = BTreeMap::new();
    defs.insert(
        ("securitySchemes", SECURITY_SCHEME.to_owned()),
        vec![(Owner::Lamina, security_scheme())],
    );
    for (index, d) in domains.iter().enumerate() {
        for kind in COMPONENT_KINDS {
            let Some(map) = d
                .document
                .pointer(&format!("/components/{kind}"))
                .and_then(Value::as_object)
            else {
                continue;
            };
            for (name, value) in map {
                defs.entry((kind, name.clone()))
                    .or_default()
                    .push((Owner::Domain(index), value.clone()));
            }
        }
    }
    defs
}

/// Per domain, the components it must rename: `(kind, name) → new name`.
fn component_renames(domains: &[DomainDocument]) -> Vec<BTreeMap<Key, String>> {
    let defs = definitions(domains);
    // A name defined differently by two owners conflicts; so does one whose definitions refer to
    // a conflicting name, since after renaming they would point at different components.
    let mut conflicted: BTreeSet<Key> = defs
        .iter()
        .filter(|(_, owners)| owners.windows(2).any(|w| w[0].1 != w[1].1))
        .map(|(k, _)| k.clone())
        .collect();
    loop {
        let more: Vec<Key> = defs
            .iter()
            .filter(|(k, owners)| owners.len() > 1 && !conflicted.contains(*k))
            .filter(|(_, owners)| {
                owners
                    .iter()
                    .any(|(_, v)| references(v).iter().any(|r| conflicted.contains(r)))
            })
            .map(|(k, _)| k.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        conflicted.extend(more);
    }
    let mut taken: BTreeSet<Key> = defs
        .keys()
        .filter(|k| !conflicted.contains(*k))
        .cloned()
        .collect();
    let mut renames = vec![BTreeMap::new(); domains.len()];
    for key in &conflicted {
        for (owner, _) in &defs[key] {
            let Owner::Domain(index) = owner else {
                // Lamina's own scheme keeps its name; the domain's is renamed.
                taken.insert(key.clone());
                continue;
            };
            let base = format!("{}{}", pascal(&domains[*index].name), key.1);
            let mut name = base.clone();
            let mut n = 2;
            while taken.contains(&(key.0, name.clone())) {
                name = format!("{base}{n}");
                n += 1;
            }
            taken.insert((key.0, name.clone()));
            renames[*index].insert(key.clone(), name);
        }
    }
    renames
}

fn merged_components(
    domains: &[DomainDocument],
    renames: &[BTreeMap<Key, String>],
) -> BTreeMap<String, BTreeMap<String, Value>> {
    let mut out: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for (key, owners) in definitions(domains) {
        for (owner, value) in owners {
            let Owner::Domain(index) = owner else {
                continue;
            };
            let name = renames[index].get(&key).unwrap_or(&key.1).clone();
            out.entry(key.0.to_owned())
                .or_default()
                .entry(name)
                .or_insert_with(|| rewrite_refs(&value, &renames[index]));
        }
    }
    out
}

/// `#/components/<kind>/<name>` → the key it names.
fn parse_ref(reference: &str) -> Option<Key> {
    let rest = reference.strip_prefix("#/components/")?;
    let (kind, name) = rest.split_once('/')?;
    let kind = COMPONENT_KINDS.into_iter().find(|k| *k == kind)?;
    Some((kind, name.replace("~1", "/").replace("~0", "~")))
}

fn references(value: &Value) -> Vec<Key> {
    let mut out = Vec::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let Some(key) = map.get("$ref").and_then(Value::as_str).and_then(parse_ref) {
                    out.push(key);
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    out
}

fn rewrite_refs(value: &Value, rename: &BTreeMap<Key, String>) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let new = match (k.as_str(), v.as_str().and_then(parse_ref)) {
                        ("$ref", Some(key)) => match rename.get(&key) {
                            Some(name) => json!(format!(
                                "#/components/{}/{}",
                                key.0,
                                name.replace('~', "~0").replace('/', "~1")
                            )),
                            None => v.clone(),
                        },
                        // Security requirements name schemes by key, not by `$ref`.
                        ("security", _) if v.is_array() => rename_security(v, rename),
                        _ => rewrite_refs(v, rename),
                    };
                    (k.clone(), new)
                })
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| rewrite_refs(v, rename)).collect())
        }
        other => other.clone(),
    }
}

fn rename_security(value: &Value, rename: &BTreeMap<Key, String>) -> Value {
    let Some(requirements) = value.as_array() else {
        return value.clone();
    };
    Value::Array(
        requirements
            .iter()
            .map(|req| match req.as_object() {
                Some(map) => Value::Object(
                    map.iter()
                        .map(|(scheme, scopes)| {
                            let name = rename
                                .get(&("securitySchemes", scheme.clone()))
                                .unwrap_or(scheme);
                            (name.clone(), scopes.clone())
                        })
                        .collect(),
                ),
                None => req.clone(),
            })
            .collect(),
    )
}

/// `ride` → `Ride`.
fn pascal(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut chars = p.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// Keys in sorted order at every level, whatever map type serde_json was built with: the
/// document's bytes must not depend on a Cargo feature.
pub(crate) fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let ordered: BTreeMap<String, Value> =
                map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(ordered.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}
