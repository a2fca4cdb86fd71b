//! The local Cognito over real loopback HTTP (spec §6), and its tokens through `JwtVerifier`.

mod common;

use std::time::Duration;

use base64::Engine as _;
use http::StatusCode;
use lamina_auth::{JwtVerifier, LocalPool, TokenKind, local_client_id, local_m2m_client_id};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use common::{CALLBACK, LOGOUT, PROJECT, Server, get, location_params, payload, post_form};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-long-enough-verifier";

fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn client() -> String {
    local_client_id(PROJECT)
}

fn authorize_url(server: &Server, extra: &[(&str, &str)]) -> String {
    let client = client();
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", client.as_str()),
        ("redirect_uri", CALLBACK),
        ("state", "xyz 1"),
    ];
    pairs.extend_from_slice(extra);
    format!(
        "{}/oauth2/authorize?{}",
        server.origin,
        serde_urlencoded::to_string(&pairs).unwrap()
    )
}

/// GET the sign-in page, POST alice's password: returns the redirect.
async fn sign_in(server: &Server, extra: &[(&str, &str)]) -> common::Response {
    let page = get(&authorize_url(server, extra), &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("<form method=\"post\" action=\"/login\">"),
        "{}",
        page.body
    );
    let request = authorize_url(server, extra)
        .split_once('?')
        .unwrap()
        .1
        .to_owned();
    // The page carries the request through a hidden field; send what a browser would.
    assert!(page.body.contains("name=\"request\""));
    post_form(
        &format!("{}/login", server.origin),
        &[],
        &[
            ("request", &request),
            ("username", "alice"),
            ("password", "alice-password"),
        ],
    )
    .await
}

/// Signs in with PKCE and returns the code from the redirect.
async fn code(server: &Server) -> String {
    let c = challenge(VERIFIER);
    let redirect = sign_in(
        server,
        &[("code_challenge_method", "S256"), ("code_challenge", &c)],
    )
    .await;
    assert_eq!(redirect.status, StatusCode::FOUND, "{}", redirect.body);
    location_params(redirect.location())["code"].clone()
}

async fn exchange(server: &Server, code: &str, verifier: &str) -> common::Response {
    post_form(
        &format!("{}/oauth2/token", server.origin),
        &[],
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client()),
            ("code", code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", verifier),
        ],
    )
    .await
}

async fn tokens(server: &Server) -> Value {
    let c = code(server).await;
    let response = exchange(server, &c, VERIFIER).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()
}

fn gateway(server: &Server, audiences: &[String]) -> JwtVerifier {
    JwtVerifier::new(server.issuer.clone(), audiences.to_vec(), Duration::ZERO)
}

fn oauth_error(response: &common::Response) -> String {
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{}",
        response.body
    );
    response.json()["error"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn discovery_and_jwks() {
    let keys = common::keys_dir();
    let server = Server::start(keys.path()).await;
    let discovery = get(
        &format!("{}/.well-known/openid-configuration", server.issuer),
        &[],
    )
    .await;
    assert_eq!(discovery.status, StatusCode::OK);
    assert_eq!(
        discovery.header("content-type"),
        Some("application/json;charset=UTF-8")
    );
    let doc = discovery.json();
    assert_eq!(doc["issuer"], server.issuer.as_str());
    assert_eq!(
        doc["jwks_uri"],
        format!("{}/.well-known/jwks.json", server.issuer)
    );
    assert_eq!(
        doc["authorization_endpoint"],
        format!("{}/oauth2/authorize", server.origin)
    );
    assert_eq!(
        doc["token_endpoint"],
        format!("{}/oauth2/token", server.origin)
    );
    assert_eq!(
        doc["userinfo_endpoint"],
        format!("{}/oauth2/userInfo", server.origin)
    );
    assert_eq!(doc["response_types_supported"], json!(["code", "token"]));
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    // The issuer has the pool id as its path, like Cognito's.
    assert!(
        server
            .issuer
            .rsplit('/')
            .next()
            .unwrap()
            .starts_with("local_")
    );

    let jwks = get(doc["jwks_uri"].as_str().unwrap(), &[]).await.json();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0]["kid"], keys[1]["kid"]);
    for key in keys {
        assert_eq!(key["kty"], "RSA");
        assert_eq!(key["alg"], "RS256");
        assert_eq!(key["use"], "sig");
        assert_eq!(key["e"], "AQAB");
    }
    // Browsers fetch these cross-origin.
    assert_eq!(discovery.header("access-control-allow-origin"), Some("*"));
    server.stop().await;
}

#[tokio::test]
async fn code_flow_with_pkce() {
    let keys = common::keys_dir();
    let server = Server::start(keys.path()).await;

    // A wrong password shows the page again.
    let request = authorize_url(&server, &[])
        .split_once('?')
        .unwrap()
        .1
        .to_owned();
    let wrong = post_form(
        &format!("{}/login", server.origin),
        &[],
        &[
            ("request", &request),
            ("username", "alice"),
            ("password", "nope"),
        ],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert!(wrong.body.contains("Incorrect username or password."));

    let c = challenge(VERIFIER);
    let extra = [
        ("code_challenge_method", "S256"),
        ("code_challenge", c.as_str()),
        ("nonce", "n-0S6"),
    ];
    let redirect = sign_in(&server, &extra).await;
    assert_eq!(redirect.status, StatusCode::FOUND, "{}", redirect.body);
    let location = redirect.location();
    assert!(
        location.starts_with(&format!("{CALLBACK}?code=")),
        "{location}"
    );
    let params = location_params(location);
    assert_eq!(params["state"], "xyz 1");
    let cookie = redirect
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();

    // A wrong verifier is refused, and spends the code.
    assert_eq!(
        oauth_error(
            &exchange(
                &server,
                &params["code"],
                "wrong-verifier-wrong-verifier-wrong-verifier"
            )
            .await
        ),
        "invalid_grant"
    );
    assert_eq!(
        oauth_error(&exchange(&server, &params["code"], VERIFIER).await),
        "invalid_grant"
    );

    // The browser's session signs in again without the page.
    let again = get(&authorize_url(&server, &extra), &[("cookie", &cookie)]).await;
    assert_eq!(again.status, StatusCode::FOUND, "{}", again.body);
    let code = location_params(again.location())["code"].clone();

    // No verifier for a code with a challenge: refused.
    let no_verifier = post_form(
        &format!("{}/oauth2/token", server.origin),
        &[],
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client()),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ],
    )
    .await;
    assert_eq!(oauth_error(&no_verifier), "invalid_request");

    let code = location_params(
        get(&authorize_url(&server, &extra), &[("cookie", &cookie)])
            .await
            .location(),
    )["code"]
        .clone();
    let response = exchange(&server, &code, VERIFIER).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(
        response.header("content-type"),
        Some("application/json;charset=UTF-8")
    );
    let body = response.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body["refresh_token"].as_str().unwrap().split('.').count() == 5);
    // Single use.
    assert_eq!(
        oauth_error(&exchange(&server, &code, VERIFIER).await),
        "invalid_grant"
    );

    // Cognito's claims.
    let access = payload(body["access_token"].as_str().unwrap());
    let id = payload(body["id_token"].as_str().unwrap());
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["client_id"], client());
    assert!(access.get("aud").is_none());
    assert_eq!(access["username"], "alice");
    assert_eq!(access["cognito:groups"], json!(["admin", "poweruser"]));
    assert_eq!(
        access["scope"],
        "openid email profile rides/read rides/write"
    );
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["aud"], client());
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["nonce"], "n-0S6");
    assert_eq!(id["sub"], access["sub"]);
    assert_eq!(id["origin_jti"], access["origin_jti"]);
    assert_ne!(id["jti"], access["jti"]);
    assert_eq!(
        access["exp"].as_u64().unwrap() - access["iat"].as_u64().unwrap(),
        3600
    );
    for claim in ["auth_time", "event_id", "iss", "jti", "origin_jti"] {
        assert!(
            access.get(claim).is_some() && id.get(claim).is_some(),
            "{claim}"
        );
    }
    assert_ne!(
        common::header(body["access_token"].as_str().unwrap())["kid"],
        common::header(body["id_token"].as_str().unwrap())["kid"],
        "one key per token type"
    );

    // Both pass the gateway's authorizer, which fetched the keys from the server.
    let gateway = gateway(&server, &[client()]);
    let authorized = gateway
        .authorize(
            Some(&format!(
                "Bearer {}",
                body["access_token"].as_str().unwrap()
            )),
            &["rides/write".into()],
        )
        .await
        .unwrap();
    assert_eq!(authorized.claims["cognito:groups"], "[admin poweruser]");
    assert_eq!(
        authorized.scopes.unwrap(),
        ["openid", "email", "profile", "rides/read", "rides/write"]
    );
    gateway
        .authorize(body["id_token"].as_str(), &[])
        .await
        .unwrap();
    server.stop().await;
}

#[tokio::test]
async fn authorize_rejects_bad_requests() {
    let keys = common::keys_dir();
    let server = Server::start(keys.path()).await;

    // A redirect_uri that is not registered (even a prefix of one) gets a page, not a redirect.
    let client = client();
    for redirect_uri in [
        "http://localhost:5173/callback/evil",
        "http://evil.example/callback",
    ] {
        let url = format!(
            "{}/oauth2/authorize?{}",
            server.origin,
            serde_urlencoded::to_string([
                ("response_type", "code"),
                ("client_id", client.as_str()),
                ("redirect_uri", redirect_uri)
            ])
            .unwrap()
        );
        let page = get(&url, &[]).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        assert!(page.header("location").is_none());
    }
    let unknown_client = get(
        &format!(
            "{}/oauth2/authorize?response_type=code&client_id=nobody&redirect_uri={CALLBACK}",
            server.origin
        ),
        &[],
    )
    .await;
    assert_eq!(unknown_client.status, StatusCode::BAD_REQUEST);

    // Errors after the redirect_uri is trusted go back to the app.
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[
                ("code_challenge_method", "plain"),
                ("code_challenge", "abc"),
            ],
            "invalid_request",
        ),
        (&[("code_challenge", "abc")], "invalid_request"),
        (&[("code_challenge_method", "S256")], "invalid_request"),
        (&[("scope", "openid rides/delete")], "invalid_scope"),
        (&[("scope", "email")], "invalid_scope"),
    ];
    for (extra, error) in cases {
        let response = get(&authorize_url(&server, extra), &[]).await;
        assert_eq!(response.status, StatusCode::FOUND, "{extra:?}");
        let params = location_params(response.location());
        assert!(response.location().starts_with(CALLBACK));
        assert_eq!(params["error"], error, "{extra:?}");
        assert_eq!(params["state"], "xyz 1");
    }

    // A code is bound to its redirect_uri.
    let c = code(&server).await;
    let response = post_form(
        &format!("{}/oauth2/token", server.origin),
        &[],
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client),
            ("code", &c),
            ("redirect_uri", "http://localhost:5173/other"),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(oauth_error(&response), "invalid_grant");
    server.stop().await;
}

#[tokio::test]
async fn implicit_grant_puts_tokens_in_the_fragment() {
    let keys = common::keys_dir();
    let server = Server::start(keys.path()).await;
    let client = client();
    let pairs = [
        ("response_type", "token"),
        ("client_id", client.as_str()),
        ("redirect_uri", CALLBACK),
        ("state", "s"),
        ("scope", "openid rides/read"),
    ];
    let request = serde_urlencoded::to_string(pairs).unwrap();
    let response = post_form(
        &format!("{}/login", server.origin),
        &[],
        &[
            ("request", &request),
            ("username", "bob"),
            ("password", "bob-password"),
        ],
    )
    .await;
    assert_eq!(response.status, StatusCode::FOUND);
    let location = response.location();
    assert!(
        location.starts_with(&format!("{CALLBACK}#id_token=")),
        "{location}"
    );
    let params = location_params(location);
    assert_eq!(params["token_type"], "bearer");
    assert_eq!(params["expires_in"], "3600");
    assert_eq!(params["state"], "s");
    let access = payload(&params["access_token"]);
    assert_eq!(access["scope"], "openid rides/read");
    // bob is in no group: Cognito leaves the claim out.
    assert!(access.get("cognito:groups").is_none());
    server.stop().await;
}

#[tokio::test]
async fn refresh_with_rotation() {
    let keys = common::keys_dir();
    let server = Server::start(keys.path()).await;
    let first = tokens(&server).await;
    let old = first["refresh_token"].as_str().unwrap();
    let refresh = |token: String| {
        let url = format!("{}/oauth2/token", server.origin);
        async move {
            post_form(
                &url,
                &[],
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", &client()),
                    ("refresh_token", &token),
                ],
            )
            .await
        }
    };
    let response = refresh(old.to_owned()).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let second = response.json();
    let new = second["refresh_token"]
        .as_str()
        .expect("rotation returns a new refresh token");
    assert_ne!(new, old);
    // The old one is revoked at once.
    assert_eq!(oauth_error(&refresh(old.to_owned()).await), "invalid_grant");

    // Same sign-in: auth_time and origin_jti carry over; the token is new.
    let (a1, a2) = (
        payload(first["access_token"].as_str().unwrap()),
        payload(second["access_token"].as_str().unwrap()),
    );
    assert_eq!(a1["auth_time"], a2["auth_time"]);
    assert_eq!(a1["origin_jti"], a2["origin_jti"]);
    assert_ne!(a1["jti"], a2["jti"]);
    assert!(second["id_token"].is_string());
    gateway(&server, &[client()])
        .authorize(second["access_token"].as_str(), &[])
        .await
        .unwrap();

    let third = refresh(new.to_owned()).await;
    assert_eq!(third.status, StatusCode::OK);
    assert_eq!(
        oauth_error(&refresh("not-a-token".into()).await),
        "invalid_grant"
    );
    server.stop().await;
}

#[tokio::test]
async fn refresh_without_rotation_keeps_the_token() {
    let keys = common::keys_dir();
    let server = Server::start_on(keys.path(), 0, |s| s.refresh_token_rotation = false).await;
    let first = tokens(&server).await;
    let old = first["refresh_token"].as_str().unwrap();
    for _ in 0..2 {
        let response = post_form(
            &format!("{}/oauth2/token", server.origin),
            &[],
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &client()),
                ("refresh_token", old),
            ],
        )
        .await;
        assert_eq!(response.status, StatusCode::OK);
        let body = response.json();
        assert!(body.get("refresh_token").is_none());
        assert!(body["access_token"].is_string() && body["id_token"].is_string());
    }
    server.stop().await;
}

#[tokio::test]
async fn client_credentials() {
    let keys = common::keys_dir();
    let pool = LocalPool::open(common::settings(keys.path(), "http://unused")).unwrap();
    let secret = pool.m2m_client_secret().to_owned();
    let server = Server::start(keys.path()).await;
    let m2m = local_m2m_client_id(PROJECT);
    let url = format!("{}/oauth2/token", server.origin);
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{m2m}:{secret}"))
    );

    let response = post_form(
        &url,
        &[("authorization", &basic)],
        &[
            ("grant_type", "client_credentials"),
            ("scope", "rides/read"),
        ],
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let body = response.json();
    assert_eq!(body["token_type"], "Bearer");
    assert!(body.get("id_token").is_none() && body.get("refresh_token").is_none());
    let access = payload(body["access_token"].as_str().unwrap());
    assert_eq!(access["sub"], m2m.as_str());
    assert_eq!(access["client_id"], m2m.as_str());
    assert_eq!(access["scope"], "rides/read");
    assert_eq!(access["token_use"], "access");
    assert!(access.get("username").is_none());
    let authorized = gateway(&server, &[client(), m2m.clone()])
        .authorize(body["access_token"].as_str(), &["rides/read".into()])
        .await
        .unwrap();
    assert_eq!(authorized.scopes.unwrap(), ["rides/read"]);

    // client_secret_post, and no scope asks for all of the resource server's.
    let post = post_form(
        &url,
        &[],
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &m2m),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(
        payload(post.json()["access_token"].as_str().unwrap())["scope"],
        "rides/read rides/write"
    );

    let wrong_secret = post_form(
        &url,
        &[],
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &m2m),
            ("client_secret", "nope"),
        ],
    )
    .await;
    assert_eq!(oauth_error(&wrong_secret), "invalid_client");
    let openid = post_form(
        &url,
        &[("authorization", &basic)],
        &[("grant_type", "client_credentials"), ("scope", "openid")],
    )
    .await;
    assert_eq!(oauth_error(&openid), "invalid_scope");
    let public = post_form(
        &url,
        &[],
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client()),
        ],
    )
    .await;
    assert_eq!(oauth_error(&public), "unauthorized_client");
    let unsupported = post_form(
        &url,
        &[("authorization", &basic)],
        &[("grant_type", "password")],
    )
    .await;
    assert_eq!(oauth_error(&unsupported), "unsupported_grant_type");
    let missing = post_form(&url, &[("authorization", &basic)], &[]).await;
    assert_eq!(oauth_error(&missing), "invalid_request");
    server.stop().await;
}

#[tokio::test]
async fn userinfo_and_revoke() {
    let keys = common::keys_dir();
    let server = Server::start(keys.path()).await;
    let body = tokens(&server).await;
    let access = body["access_token"].as_str().unwrap();
    let url = format!("{}/oauth2/userInfo", server.origin);

    let info = get(&url, &[("authorization", &format!("Bearer {access}"))]).await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.body);
    assert_eq!(
        info.header("content-type"),
        Some("application/json;charset=UTF-8")
    );
    let info = info.json();
    assert_eq!(info["username"], "alice");
    assert_eq!(info["email"], "alice@example.com");
    assert_eq!(info["email_verified"], "true");
    assert_eq!(info["sub"], payload(access)["sub"]);

    let missing = get(&url, &[]).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        missing.header("www-authenticate"),
        Some(
            r#"error="invalid_request", error_description="Bad OAuth2 request at UserInfo Endpoint""#
        )
    );
    // An ID token is not an access token.
    let id = get(
        &url,
        &[(
            "authorization",
            &format!("Bearer {}", body["id_token"].as_str().unwrap()),
        )],
    )
    .await;
    assert_eq!(id.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        id.header("www-authenticate"),
        Some(
            r#"error="invalid_token", error_description="Access token is expired, disabled, or deleted, or the user has globally signed out.""#
        )
    );

    // Revoke the refresh token: it and its sign-in's access tokens stop working at Cognito...
    let revoke = format!("{}/oauth2/revoke", server.origin);
    let refresh = body["refresh_token"].as_str().unwrap();
    let wrong_client =
        post_form(&revoke, &[], &[("token", refresh), ("client_id", "nobody")]).await;
    assert_eq!(oauth_error(&wrong_client), "invalid_client");
    let not_refresh = post_form(&revoke, &[], &[("token", access), ("client_id", &client())]).await;
    assert_eq!(oauth_error(&not_refresh), "unsupported_token_type");
    let no_token = post_form(&revoke, &[], &[("client_id", &client())]).await;
    assert_eq!(oauth_error(&no_token), "invalid_request");
    let revoked = post_form(
        &revoke,
        &[],
        &[("token", refresh), ("client_id", &client())],
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK);
    assert!(revoked.body.is_empty());
    let again = post_form(
        &format!("{}/oauth2/token", server.origin),
        &[],
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &client()),
            ("refresh_token", refresh),
        ],
    )
    .await;
    assert_eq!(oauth_error(&again), "invalid_grant");
    assert_eq!(
        get(&url, &[("authorization", &format!("Bearer {access}"))])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // ...but still pass the gateway until they expire, as on AWS.
    gateway(&server, &[client()])
        .authorize(Some(access), &[])
        .await
        .unwrap();
    server.stop().await;
}

#[tokio::test]
async fn logout_checks_the_logout_uri() {
    let keys = common::keys_dir();
    let server = Server::start(keys.path()).await;
    let redirect = sign_in(&server, &[]).await;
    let cookie = redirect
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let client = client();

    let bad = get(
        &format!(
            "{}/logout?{}",
            server.origin,
            serde_urlencoded::to_string([
                ("client_id", client.as_str()),
                ("logout_uri", "http://evil.example/")
            ])
            .unwrap()
        ),
        &[("cookie", &cookie)],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.header("location").is_none());
    // The session survived the bad request.
    assert_eq!(
        get(&authorize_url(&server, &[]), &[("cookie", &cookie)])
            .await
            .status,
        StatusCode::FOUND
    );

    let out = get(
        &format!(
            "{}/logout?{}",
            server.origin,
            serde_urlencoded::to_string([("client_id", client.as_str()), ("logout_uri", LOGOUT)])
                .unwrap()
        ),
        &[("cookie", &cookie)],
    )
    .await;
    assert_eq!(out.status, StatusCode::FOUND);
    assert_eq!(out.location(), LOGOUT);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    // Signed out: the page again.
    assert_eq!(
        get(&authorize_url(&server, &[]), &[("cookie", &cookie)])
            .await
            .status,
        StatusCode::OK
    );

    // The re-authentication form of /logout goes to the sign-in page.
    let relogin = get(
        &format!(
            "{}/logout?{}",
            server.origin,
            serde_urlencoded::to_string([
                ("client_id", client.as_str()),
                ("response_type", "code"),
                ("redirect_uri", CALLBACK)
            ])
            .unwrap()
        ),
        &[],
    )
    .await;
    assert_eq!(relogin.status, StatusCode::FOUND);
    assert!(relogin.location().starts_with("/login?"));
    let neither = get(&format!("{}/logout?client_id={client}", server.origin), &[]).await;
    assert_eq!(neither.status, StatusCode::BAD_REQUEST);
    server.stop().await;
}

#[tokio::test]
async fn keys_persist_across_a_restart() {
    let keys = tempfile::tempdir().unwrap();
    let dir = keys.path().join(".lamina").join("auth");
    // A fresh project: the server makes its keys.
    let server = Server::start(&dir).await;
    let before = tokens(&server).await;
    let jwks_before = get(&format!("{}/.well-known/jwks.json", server.issuer), &[])
        .await
        .json();
    let (port, issuer) = (server.port, server.issuer.clone());
    server.stop().await;
    for name in ["id.pem", "access.pem"] {
        let path = dir.join(name);
        assert!(path.is_file());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }

    let server = Server::start_on(&dir, port, |_| {}).await;
    assert_eq!(server.issuer, issuer);
    let jwks_after = get(&format!("{}/.well-known/jwks.json", server.issuer), &[])
        .await
        .json();
    assert_eq!(jwks_before, jwks_after);
    // A token from before the restart still verifies, and its refresh token still works.
    gateway(&server, &[client()])
        .authorize(before["access_token"].as_str(), &[])
        .await
        .unwrap();
    let refreshed = post_form(
        &format!("{}/oauth2/token", server.origin),
        &[],
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &client()),
            ("refresh_token", before["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    server.stop().await;
}

#[tokio::test]
async fn a_printed_token_is_what_the_server_issues() {
    let keys = common::keys_dir();
    let server = Server::start(keys.path()).await;
    let pool = LocalPool::open(common::settings(keys.path(), &server.issuer)).unwrap();
    let scopes = pool
        .resolve_scopes(&["write".into(), "openid".into()])
        .unwrap();
    assert_eq!(scopes, ["rides/write", "openid"]);
    let access = pool.token("alice", &scopes, TokenKind::Access).unwrap();
    let id = pool.token("alice", &scopes, TokenKind::Id).unwrap();
    let served = tokens(&server).await;
    let claim_names = |token: &str| {
        let mut names: Vec<String> = payload(token)
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        claim_names(&access),
        claim_names(served["access_token"].as_str().unwrap())
    );
    let mut served_id = claim_names(served["id_token"].as_str().unwrap());
    served_id.retain(|n| n != "nonce");
    assert_eq!(claim_names(&id), served_id);
    assert_eq!(
        payload(&access)["sub"],
        payload(served["access_token"].as_str().unwrap())["sub"]
    );

    let gateway = gateway(&server, &[client()]);
    let authorized = gateway
        .authorize(Some(&access), &["rides/write".into()])
        .await
        .unwrap();
    assert_eq!(authorized.claims["username"], "alice");
    gateway.authorize(Some(&id), &[]).await.unwrap();
    // And the in-process verifier agrees, without HTTP.
    pool.verifier(Duration::ZERO)
        .authorize(Some(&access), &[])
        .await
        .unwrap();

    assert!(pool.resolve_scopes(&["delete".into()]).is_err());
    assert!(pool.token("mallory", &scopes, TokenKind::Access).is_err());
    server.stop().await;
}
