//! The merge rules, on documents shaped like FastAPI's.

use lamina_config::{Route, RouteAuth};
use lamina_openapi::{DomainDocument, merge};
use serde_json::{Value, json};

fn route(key: &str, domain: &str, auth: RouteAuth, scopes: &[&str]) -> Route {
    let (method, path) = key.split_once(' ').unwrap();
    Route {
        method: method.into(),
        path: path.into(),
        domain: domain.into(),
        auth,
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// What `lamina routes` gives a domain: its prefix and catch-all behind the authorizer.
fn domain_routes(domain: &str) -> Vec<Route> {
    vec![
        route(&format!("ANY /{domain}"), domain, RouteAuth::Jwt, &[]),
        route(
            &format!("ANY /{domain}/{{proxy+}}"),
            domain,
            RouteAuth::Jwt,
            &[],
        ),
    ]
}

fn doc(paths: Value, schemas: Value) -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": "x", "version": "0.1.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

fn op(id: &str, response_ref: Option<&str>) -> Value {
    let mut responses = json!({"200": {"description": "Successful Response"}});
    if let Some(r) = response_ref {
        responses["200"]["content"] =
            json!({"application/json": {"schema": {"$ref": format!("#/components/schemas/{r}")}}});
    }
    json!({"operationId": id, "tags": [id.split('-').next().unwrap()], "responses": responses})
}

fn health_schema() -> Value {
    json!({"properties": {"status": {"const": "ok", "type": "string"}}, "required": ["status"], "title": "Health", "type": "object"})
}

fn domain(name: &str, document: Value) -> DomainDocument {
    DomainDocument {
        name: name.into(),
        prefix: format!("/{name}"),
        document,
    }
}

fn example() -> (Vec<DomainDocument>, Vec<Route>) {
    let user = doc(
        json!({
            "/user/health": {"get": op("health-read_health", Some("Health"))},
            "/user/me": {"get": op("user-read_me", Some("UserPublic"))},
        }),
        json!({
            "Health": health_schema(),
            "UserPublic": {"properties": {"username": {"type": "string"}}, "type": "object"},
        }),
    );
    // Mounted at `/` (Mangum strips the base path): its paths get the prefix.
    let ride = doc(
        json!({
            "/health": {"get": op("health-read_health", Some("Health"))},
            "/rides": {
                "get": op("rides-read_my_rides", Some("Page")),
                "post": op("rides-request_ride", Some("Item")),
            },
        }),
        json!({
            "Health": health_schema(),
            "Item": {"properties": {"pickup": {"type": "string"}}, "type": "object"},
            "Page": {"properties": {"data": {"items": {"$ref": "#/components/schemas/Item"}, "type": "array"}}, "type": "object"},
        }),
    );
    let payment = doc(
        json!({
            "/payment/health": {"get": op("health-read_health", Some("Health"))},
            "/payment/payments": {"post": op("payments-pay_for_ride", Some("Item"))},
            "/payment/refunds": {"post": op("payments-refund", Some("Page"))},
        }),
        json!({
            "Health": health_schema(),
            "Item": {"properties": {"amount": {"type": "string"}}, "type": "object"},
            "Page": {"properties": {"data": {"items": {"$ref": "#/components/schemas/Item"}, "type": "array"}}, "type": "object"},
        }),
    );
    let mut routes = Vec::new();
    for d in ["user", "ride", "payment"] {
        routes.extend(domain_routes(d));
        routes.push(route(&format!("GET /{d}/health"), d, RouteAuth::None, &[]));
    }
    routes.push(route(
        "POST /payment/refunds",
        "payment",
        RouteAuth::Jwt,
        &["rides/admin"],
    ));
    (
        vec![
            domain("user", user),
            domain("ride", ride),
            domain("payment", payment),
        ],
        routes,
    )
}

#[test]
fn the_merged_document() {
    let (domains, routes) = example();
    let merged = merge("rides", &domains, &routes).unwrap();
    assert_eq!(merged.operations, 8);
    assert!(merged.warnings.is_empty(), "{:?}", merged.warnings);
    insta::assert_json_snapshot!(merged.document);
}

#[test]
fn operation_ids_are_unique_across_domains() {
    let (domains, routes) = example();
    let merged = merge("rides", &domains, &routes).unwrap();
    let mut ids: Vec<&str> = merged.document["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().unwrap())
        .collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "{ids:?}");
    assert!(ids.contains(&"user-health-read_health"));
    assert!(ids.contains(&"payment-health-read_health"));
}

#[test]
fn public_routes_have_no_security_and_protected_ones_the_authorizers() {
    let (domains, routes) = example();
    let doc = merge("rides", &domains, &routes).unwrap().document;
    let health = &doc["paths"]["/user/health"]["get"];
    assert!(health.get("security").is_none(), "{health}");
    assert!(health["responses"].get("401").is_none());
    let me = &doc["paths"]["/user/me"]["get"];
    assert_eq!(me["security"], json!([{"cognito": []}]));
    assert!(me["responses"].get("401").is_some());
    assert!(me["responses"].get("403").is_none());
    let refund = &doc["paths"]["/payment/refunds"]["post"];
    assert_eq!(refund["security"], json!([{"cognito": ["rides/admin"]}]));
    assert!(refund["responses"].get("403").is_some());
    assert_eq!(
        doc["components"]["securitySchemes"]["cognito"]["scheme"],
        "bearer"
    );
}

#[test]
fn equal_components_are_shared_and_different_ones_renamed_with_their_references() {
    let (domains, routes) = example();
    let doc = merge("rides", &domains, &routes).unwrap().document;
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut names: Vec<&str> = schemas.keys().map(String::as_str).collect();
    names.sort_unstable();
    // `Health` is the same everywhere; `Item` differs, and `Page`, equal as written, refers to it.
    assert_eq!(
        names,
        [
            "Health",
            "PaymentItem",
            "PaymentPage",
            "RideItem",
            "RidePage",
            "UserPublic"
        ]
    );
    assert_eq!(
        schemas["RidePage"]["properties"]["data"]["items"]["$ref"],
        "#/components/schemas/RideItem"
    );
    assert_eq!(
        doc["paths"]["/payment/payments"]["post"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["$ref"],
        "#/components/schemas/PaymentItem"
    );
}

#[test]
fn an_app_mounted_at_the_root_gets_its_prefix() {
    let (domains, routes) = example();
    let doc = merge("rides", &domains, &routes).unwrap().document;
    assert!(doc["paths"].get("/ride/rides").is_some());
    assert!(doc["paths"].get("/ride/health").is_some());
    assert!(doc["paths"].get("/rides").is_none());
}

#[test]
fn operations_no_route_reaches_are_left_out_with_a_warning() {
    let (mut domains, mut routes) = example();
    // `GET /user/admin` is sent to the payment domain by a more specific route.
    domains[0].document["paths"]["/user/admin"] = json!({"get": op("user-admin", None)});
    routes.push(route("GET /user/admin", "payment", RouteAuth::Jwt, &[]));
    let merged = merge("rides", &domains, &routes).unwrap();
    assert!(merged.document["paths"].get("/user/admin").is_none());
    assert_eq!(merged.warnings.len(), 1, "{:?}", merged.warnings);
    assert!(
        merged.warnings[0].contains("routes it to domain `payment`"),
        "{}",
        merged.warnings[0]
    );
}

#[test]
fn a_path_outside_the_prefix_is_put_under_it() {
    let (mut domains, routes) = example();
    // The ride app is mounted at `/`: its `/user/me` is `/ride/user/me` behind API Gateway, and
    // never the user domain's `/user/me`.
    domains[1].document["paths"]["/user/me"] = json!({"get": op("x-me", None)});
    let doc = merge("rides", &domains, &routes).unwrap().document;
    assert_eq!(
        doc["paths"]["/user/me"]["get"]["operationId"],
        "user-user-read_me"
    );
    assert_eq!(
        doc["paths"]["/ride/user/me"]["get"]["operationId"],
        "ride-x-me"
    );
}

#[test]
fn not_openapi_3_is_refused_naming_the_domain() {
    let (mut domains, routes) = example();
    domains[2].document["openapi"] = json!("2.0");
    let err = merge("rides", &domains, &routes).unwrap_err();
    assert_eq!(
        err.to_string(),
        "domain `payment`'s OpenAPI document is not usable: OpenAPI 2.0 is not 3.x"
    );
}

#[test]
fn merging_is_deterministic() {
    let (domains, routes) = example();
    let a = serde_json::to_string_pretty(&merge("rides", &domains, &routes).unwrap().document);
    let b = serde_json::to_string_pretty(&merge("rides", &domains, &routes).unwrap().document);
    assert_eq!(a.unwrap(), b.unwrap());
}
