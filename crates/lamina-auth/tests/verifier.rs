//! `JwtVerifier` against really signed tokens: API Gateway's JWT authorizer (spec §3).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac as _};
use lamina_auth::{AuthFailure, Authorized, Jwk, Jwks, JwtVerifier, flatten_claims};
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{EncodePublicKey as _, LineEnding};
use rsa::signature::{SignatureEncoding as _, Signer as _};
use serde_json::{Value, json};
use sha2::{Sha256, Sha384, Sha512};

use common::now;

const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example";
const CLIENT: &str = "57cbishk4j24pabc1234567890";

/// Two RSA keys, made once for the whole file.
fn keys() -> &'static [RsaPrivateKey; 2] {
    static KEYS: OnceLock<[RsaPrivateKey; 2]> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = rsa::rand_core::OsRng;
        [
            RsaPrivateKey::new(&mut rng, 2048).unwrap(),
            RsaPrivateKey::new(&mut rng, 2048).unwrap(),
        ]
    })
}

fn jwk(kid: &str, key: &RsaPrivateKey) -> Jwk {
    Jwk::from_rsa(kid, &key.to_public_key())
}

fn jwks_of(kids: &[(&str, usize)]) -> Jwks {
    Jwks {
        keys: kids.iter().map(|(kid, i)| jwk(kid, &keys()[*i])).collect(),
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn sign(key: &RsaPrivateKey, header: &Value, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = match header["alg"].as_str().unwrap() {
        "RS384" => SigningKey::<Sha384>::new(key.clone())
            .sign(input.as_bytes())
            .to_vec(),
        "RS512" => SigningKey::<Sha512>::new(key.clone())
            .sign(input.as_bytes())
            .to_vec(),
        _ => SigningKey::<Sha256>::new(key.clone())
            .sign(input.as_bytes())
            .to_vec(),
    };
    format!("{input}.{}", b64(&signature))
}

/// A Cognito-like access token signed by key 0 as `kid-0`.
fn access_claims() -> Value {
    let now = now();
    json!({
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "cognito:groups": ["admin", "poweruser"],
        "token_use": "access",
        "scope": "openid rides/read rides/write",
        "auth_time": now,
        "iss": ISSUER,
        "exp": now + 3600,
        "iat": now,
        "jti": "11111111-2222-3333-4444-555555555555",
        "client_id": CLIENT,
        "username": "alice",
    })
}

fn token(claims: &Value) -> String {
    sign(&keys()[0], &json!({"kid": "kid-0", "alg": "RS256"}), claims)
}

fn verifier() -> JwtVerifier {
    JwtVerifier::with_jwks(
        ISSUER.into(),
        vec![CLIENT.into()],
        Duration::ZERO,
        &jwks_of(&[("kid-0", 0)]),
    )
}

fn with(mut claims: Value, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    edit(claims.as_object_mut().unwrap());
    claims
}

async fn authorize(token: &str, scopes: &[&str]) -> Result<Authorized, AuthFailure> {
    let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
    verifier()
        .authorize(Some(&format!("Bearer {token}")), &scopes)
        .await
}

#[track_caller]
fn assert_unauthorized(result: Result<Authorized, AuthFailure>, description: &str) {
    let failure = result.expect_err("the token should be refused");
    assert_eq!(failure.status(), 401, "{failure:?}");
    assert_eq!(failure.body(), r#"{"message":"Unauthorized"}"#);
    assert_eq!(failure.body().len(), 26);
    assert_eq!(
        failure.www_authenticate().unwrap(),
        format!(r#"Bearer scope="" error="invalid_token" error_description="{description}""#)
    );
}

#[tokio::test]
async fn a_valid_access_token_passes_with_claims_as_strings() {
    let authorized = authorize(&token(&access_claims()), &[]).await.unwrap();
    let claims = Value::Object(authorized.claims);
    assert_eq!(claims["cognito:groups"], "[admin poweruser]");
    assert_eq!(claims["exp"], (now_of(&claims, "iat") + 3600).to_string());
    assert_eq!(claims["client_id"], CLIENT);
    assert_eq!(claims["scope"], "openid rides/read rides/write");
    assert!(claims.as_object().unwrap().values().all(Value::is_string));
    // No route scopes: `scopes` is null even though the token has a `scope` claim.
    assert_eq!(authorized.scopes, None);
}

fn now_of(claims: &Value, name: &str) -> u64 {
    claims[name].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_bare_token_is_accepted_too() {
    let bare = token(&access_claims());
    assert!(verifier().authorize(Some(&bare), &[]).await.is_ok());
    assert!(
        verifier()
            .authorize(Some(&format!("bearer  {bare}")), &[])
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn no_token_is_401() {
    assert_unauthorized(
        verifier().authorize(None, &[]).await,
        "the token is missing",
    );
    assert_unauthorized(
        verifier().authorize(Some("Bearer "), &[]).await,
        "the token is missing",
    );
    assert_unauthorized(
        verifier().authorize(Some("Bearer x.y"), &[]).await,
        "the token is not valid",
    );
}

#[tokio::test]
async fn an_expired_token_is_401_unless_within_the_leeway() {
    let expired = token(&with(access_claims(), |c| {
        c.insert("exp".into(), json!(now() - 30));
    }));
    assert_unauthorized(authorize(&expired, &[]).await, "the token has expired");
    let lenient = JwtVerifier::with_jwks(
        ISSUER.into(),
        vec![CLIENT.into()],
        Duration::from_secs(300),
        &jwks_of(&[("kid-0", 0)]),
    );
    assert!(lenient.authorize(Some(&expired), &[]).await.is_ok());
}

#[tokio::test]
async fn a_token_without_exp_is_401() {
    let t = token(&with(access_claims(), |c| {
        c.remove("exp");
    }));
    assert_unauthorized(authorize(&t, &[]).await, "the token has expired");
}

#[tokio::test]
async fn nbf_or_iat_in_the_future_is_401() {
    let t = token(&with(access_claims(), |c| {
        c.insert("nbf".into(), json!(now() + 600));
    }));
    assert_unauthorized(authorize(&t, &[]).await, "the token is not valid yet");
    let t = token(&with(access_claims(), |c| {
        c.insert("iat".into(), json!(now() + 600));
    }));
    assert_unauthorized(authorize(&t, &[]).await, "the token is not valid yet");
    let t = token(&with(access_claims(), |c| {
        c.insert("nbf".into(), json!(now() - 5));
    }));
    assert!(authorize(&t, &[]).await.is_ok());
}

#[tokio::test]
async fn the_issuer_must_match_exactly() {
    for iss in [
        format!("{ISSUER}/"),
        ISSUER.to_uppercase(),
        "http://127.0.0.1:3001/x".into(),
    ] {
        let t = token(&with(access_claims(), |c| {
            c.insert("iss".into(), json!(iss));
        }));
        assert_unauthorized(
            authorize(&t, &[]).await,
            "the token does not have a valid issuer",
        );
    }
}

#[tokio::test]
async fn aud_or_else_client_id_must_be_an_audience() {
    let wrong_client = token(&with(access_claims(), |c| {
        c.insert("client_id".into(), json!("someoneelse"));
    }));
    assert_unauthorized(
        authorize(&wrong_client, &[]).await,
        "the token does not have a valid audience",
    );

    // `aud` is evaluated when present, even if `client_id` would match.
    let wrong_aud = token(&with(access_claims(), |c| {
        c.insert("aud".into(), json!("someoneelse"));
    }));
    assert_unauthorized(
        authorize(&wrong_aud, &[]).await,
        "the token does not have a valid audience",
    );

    let aud_list = token(&with(access_claims(), |c| {
        c.remove("client_id");
        c.insert("aud".into(), json!(["other", CLIENT]));
    }));
    assert!(authorize(&aud_list, &[]).await.is_ok());

    let neither = token(&with(access_claims(), |c| {
        c.remove("client_id");
    }));
    assert_unauthorized(
        authorize(&neither, &[]).await,
        "the token does not have a valid audience",
    );
}

#[tokio::test]
async fn a_tampered_payload_is_401() {
    let t = token(&access_claims());
    let parts: Vec<&str> = t.split('.').collect();
    let forged = with(access_claims(), |c| {
        c.insert("cognito:groups".into(), json!(["admin", "root"]));
    });
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(forged.to_string().as_bytes()),
        parts[2]
    );
    assert_unauthorized(authorize(&tampered, &[]).await, "the token is not valid");
    // A signature made by another key under the same kid.
    let other = sign(
        &keys()[1],
        &json!({"kid": "kid-0", "alg": "RS256"}),
        &access_claims(),
    );
    assert_unauthorized(authorize(&other, &[]).await, "the token is not valid");
}

#[tokio::test]
async fn alg_none_is_401() {
    let unsigned = format!(
        "{}.{}.",
        b64(br#"{"kid":"kid-0","alg":"none"}"#),
        b64(access_claims().to_string().as_bytes())
    );
    assert_unauthorized(authorize(&unsigned, &[]).await, "the token is not valid");
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_401() {
    // Key confusion: a verifier that fed the RSA public key to HMAC would accept this.
    let public = keys()[0].to_public_key();
    let pem = public.to_public_key_pem(LineEnding::LF).unwrap();
    let jwk = jwk("kid-0", &keys()[0]);
    for secret in [pem.as_bytes().to_vec(), jwk.n.clone().unwrap().into_bytes()] {
        let input = format!(
            "{}.{}",
            b64(br#"{"kid":"kid-0","alg":"HS256"}"#),
            b64(access_claims().to_string().as_bytes())
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(&secret).unwrap();
        mac.update(input.as_bytes());
        let forged = format!("{input}.{}", b64(&mac.finalize().into_bytes()));
        assert_unauthorized(authorize(&forged, &[]).await, "the token is not valid");
    }
}

#[tokio::test]
async fn the_algorithm_must_match_the_keys_alg() {
    // The JWK says RS256; a valid RS384 signature by the same key is still refused.
    let t = sign(
        &keys()[0],
        &json!({"kid": "kid-0", "alg": "RS384"}),
        &access_claims(),
    );
    assert_unauthorized(authorize(&t, &[]).await, "the token is not valid");
    // A JWK without `alg` takes any RSA algorithm.
    let mut loose = jwk("kid-0", &keys()[0]);
    loose.alg = None;
    let verifier = JwtVerifier::with_jwks(
        ISSUER.into(),
        vec![CLIENT.into()],
        Duration::ZERO,
        &Jwks { keys: vec![loose] },
    );
    let t = sign(
        &keys()[0],
        &json!({"kid": "kid-0", "alg": "RS512"}),
        &access_claims(),
    );
    assert!(verifier.authorize(Some(&t), &[]).await.is_ok());
}

#[tokio::test]
async fn route_scopes_need_one_match_else_403() {
    let t = token(&access_claims());
    let failure = authorize(&t, &["rides/admin", "other/x"])
        .await
        .unwrap_err();
    assert_eq!(failure.status(), 403);
    assert_eq!(failure.body(), r#"{"message":"Forbidden"}"#);
    assert_eq!(failure.www_authenticate(), None);

    // One match is enough, and `scopes` is the token's whole list, not the intersection.
    let authorized = authorize(&t, &["rides/write", "rides/admin"])
        .await
        .unwrap();
    assert_eq!(
        authorized.scopes.unwrap(),
        ["openid", "rides/read", "rides/write"]
    );

    // `scp` (a list) wins over `scope`.
    let scp = token(&with(access_claims(), |c| {
        c.insert("scp".into(), json!(["rides/admin"]));
    }));
    assert_eq!(
        authorize(&scp, &["rides/admin"])
            .await
            .unwrap()
            .scopes
            .unwrap(),
        ["rides/admin"]
    );
    assert_eq!(
        authorize(&scp, &["rides/read"]).await.unwrap_err().status(),
        403
    );
}

#[tokio::test]
async fn a_401_reason_beats_a_403() {
    let expired = token(&with(access_claims(), |c| {
        c.insert("exp".into(), json!(now() - 1));
    }));
    assert_eq!(
        authorize(&expired, &["nope"]).await.unwrap_err().status(),
        401
    );
}

#[tokio::test]
async fn an_id_token_passes_an_audience_only_route_as_on_aws() {
    // ID tokens have `aud` = the client id and no `scope`; `token_use` is not checked.
    let id = with(
        serde_json::from_str(include_str!("fixtures/awsdocs__id-token-payload.json")).unwrap(),
        |c| {
            c.insert("iss".into(), json!(ISSUER));
            c.insert("aud".into(), json!(CLIENT));
            c.insert("exp".into(), json!(now() + 3600));
            c.insert("iat".into(), json!(now()));
            c.insert("cognito:groups".into(), json!(["admin", "poweruser"]));
        },
    );
    let authorized = authorize(&token(&id), &[]).await.unwrap();
    let claims = Value::Object(authorized.claims);
    assert_eq!(claims["token_use"], "id");
    assert_eq!(claims["email_verified"], "true");
    assert_eq!(claims["auth_time"], "1500009400");
    assert_eq!(claims["cognito:groups"], "[admin poweruser]");
    // Scopes keep it out of a scoped route.
    assert_eq!(
        authorize(&token(&id), &["rides/read"])
            .await
            .unwrap_err()
            .status(),
        403
    );
}

#[test]
fn claims_are_flattened_like_the_golden_event() {
    let event: Value = serde_json::from_str(include_str!(
        "fixtures/aws-lambda-go__apigw-v2-request-jwt-authorizer.json"
    ))
    .unwrap();
    let jwt = &event["requestContext"]["authorizer"]["jwt"];
    // Strings pass through unchanged.
    let flat = flatten_claims(jwt["claims"].as_object().unwrap());
    assert_eq!(Value::Object(flat), jwt["claims"]);

    // The Cognito access-token golden, as the authorizer would pass it.
    let access: Value =
        serde_json::from_str(include_str!("fixtures/awsdocs__access-token-payload.json")).unwrap();
    let flat = Value::Object(flatten_claims(access.as_object().unwrap()));
    assert_eq!(
        flat,
        json!({
            "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "device_key": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "cognito:groups": "[admin]",
            "token_use": "access",
            "scope": "aws.cognito.signin.user.admin",
            "auth_time": "1562190524",
            "iss": "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_example",
            "exp": "1562194124",
            "iat": "1562190524",
            "origin_jti": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "jti": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "client_id": "57cbishk4j24pabc1234567890",
            "username": "janedoe@example.com",
        })
    );
}

#[tokio::test]
async fn the_golden_events_scopes_come_out_as_in_the_event() {
    let event: Value = serde_json::from_str(include_str!(
        "fixtures/aws-lambda-go__apigw-v2-request-jwt-authorizer.json"
    ))
    .unwrap();
    let jwt = &event["requestContext"]["authorizer"]["jwt"];
    let claims = with(access_claims(), |c| {
        c.insert("scope".into(), json!("scope1 scope2"));
        c.insert("claim1".into(), json!("value1"));
        c.insert("claim2".into(), json!("value2"));
        c.insert("nothing".into(), Value::Null);
        c.insert("address".into(), json!({"country": "NL"}));
        c.insert("admin".into(), json!(false));
    });
    let authorized = authorize(&token(&claims), &["scope2"]).await.unwrap();
    assert_eq!(json!(authorized.scopes), jwt["scopes"]);
    for (name, value) in jwt["claims"].as_object().unwrap() {
        assert_eq!(&authorized.claims[name], value);
    }
    assert!(!authorized.claims.contains_key("nothing"));
    assert_eq!(authorized.claims["address"], r#"{"country":"NL"}"#);
    assert_eq!(authorized.claims["admin"], "false");
}

// ------------------------------------------------------------------------------------------------
// Keys over HTTP: discovery → jwks_uri, cache, refetch on an unknown kid at most once a minute.

#[derive(Clone)]
struct FakeIssuer {
    jwks: Arc<Mutex<Jwks>>,
    discovery_hits: Arc<AtomicUsize>,
    jwks_hits: Arc<AtomicUsize>,
    origin: String,
}

async fn fake_issuer(jwks: Jwks) -> (FakeIssuer, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let state = FakeIssuer {
        jwks: Arc::new(Mutex::new(jwks)),
        discovery_hits: Arc::default(),
        jwks_hits: Arc::default(),
        origin: origin.clone(),
    };
    let app = Router::new()
        .route(
            "/pool/.well-known/openid-configuration",
            get(|State(s): State<FakeIssuer>| async move {
                s.discovery_hits.fetch_add(1, Ordering::SeqCst);
                axum::Json(json!({ "issuer": format!("{}/pool", s.origin), "jwks_uri": format!("{}/keys", s.origin) }))
            }),
        )
        .route(
            "/keys",
            get(|State(s): State<FakeIssuer>| async move {
                s.jwks_hits.fetch_add(1, Ordering::SeqCst);
                axum::Json(s.jwks.lock().unwrap().clone())
            }),
        )
        .with_state(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (state, format!("{origin}/pool"))
}

fn signed_for(issuer: &str, kid: &str, key: usize) -> String {
    let claims = with(access_claims(), |c| {
        c.insert("iss".into(), json!(issuer));
    });
    sign(&keys()[key], &json!({"kid": kid, "alg": "RS256"}), &claims)
}

#[tokio::test]
async fn keys_are_fetched_once_then_refetched_for_an_unknown_kid_at_most_once_a_minute() {
    let (fake, issuer) = fake_issuer(jwks_of(&[("kid-0", 0)])).await;
    let verifier = JwtVerifier::new(issuer.clone(), vec![CLIENT.into()], Duration::ZERO);

    // First use: discovery, then the JWKS.
    verifier
        .authorize(Some(&signed_for(&issuer, "kid-0", 0)), &[])
        .await
        .unwrap();
    verifier
        .authorize(Some(&signed_for(&issuer, "kid-0", 0)), &[])
        .await
        .unwrap();
    assert_eq!(fake.discovery_hits.load(Ordering::SeqCst), 1);
    assert_eq!(
        fake.jwks_hits.load(Ordering::SeqCst),
        1,
        "cached after the first fetch"
    );

    // The issuer rotates in a second key; a token with its kid makes the verifier refetch.
    *fake.jwks.lock().unwrap() = jwks_of(&[("kid-0", 0), ("kid-1", 1)]);
    verifier
        .authorize(Some(&signed_for(&issuer, "kid-1", 1)), &[])
        .await
        .unwrap();
    assert_eq!(fake.jwks_hits.load(Ordering::SeqCst), 2);

    // Another unknown kid within the minute: no fetch, 401.
    *fake.jwks.lock().unwrap() = jwks_of(&[("kid-0", 0), ("kid-1", 1), ("kid-2", 1)]);
    let failure = verifier
        .authorize(Some(&signed_for(&issuer, "kid-2", 1)), &[])
        .await
        .unwrap_err();
    assert_eq!(failure.status(), 401);
    assert_eq!(fake.jwks_hits.load(Ordering::SeqCst), 2, "rate-limited");
    // Known kids still pass meanwhile.
    verifier
        .authorize(Some(&signed_for(&issuer, "kid-1", 1)), &[])
        .await
        .unwrap();
}

#[tokio::test]
async fn an_unreachable_issuer_is_401_and_retried_on_the_next_request() {
    // Bind then drop: nothing listens on the port.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let issuer = format!("http://127.0.0.1:{port}/pool");
    let verifier = JwtVerifier::new(issuer.clone(), vec![CLIENT.into()], Duration::ZERO);
    let t = signed_for(&issuer, "kid-0", 0);
    assert_unauthorized(
        verifier.authorize(Some(&t), &[]).await,
        "the token is not valid",
    );
    // Nothing was ever loaded, so the next request tries again rather than waiting a minute.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let origin = format!("http://127.0.0.1:{port}");
    let jwks = jwks_of(&[("kid-0", 0)]);
    let app = Router::new()
        .route(
            "/pool/.well-known/openid-configuration",
            get(move || async move { axum::Json(json!({ "jwks_uri": format!("{origin}/keys") })) }),
        )
        .route("/keys", get(move || async move { axum::Json(jwks) }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    verifier.authorize(Some(&t), &[]).await.unwrap();
}

#[tokio::test]
async fn an_oversized_jwks_is_refused() {
    let mut big = jwks_of(&[("kid-0", 0)]);
    for i in 0..400 {
        big.keys.push(jwk(&format!("padding-{i}"), &keys()[1]));
    }
    assert!(serde_json::to_vec(&big).unwrap().len() > 150_000);
    let (_fake, issuer) = fake_issuer(big).await;
    let verifier = JwtVerifier::new(issuer.clone(), vec![CLIENT.into()], Duration::ZERO);
    assert_eq!(
        verifier
            .authorize(Some(&signed_for(&issuer, "kid-0", 0)), &[])
            .await
            .unwrap_err()
            .status(),
        401
    );
}

#[tokio::test]
async fn prefetch_loads_the_keys_before_the_first_token() {
    let (fake, issuer) = fake_issuer(jwks_of(&[("kid-0", 0), ("kid-1", 1)])).await;
    let verifier = JwtVerifier::new(issuer.clone(), vec![CLIENT.into()], Duration::ZERO);
    assert_eq!(verifier.prefetch().await, Ok(2));
    assert_eq!(fake.jwks_hits.load(Ordering::SeqCst), 1);
    verifier
        .authorize(Some(&signed_for(&issuer, "kid-1", 1)), &[])
        .await
        .unwrap();
    assert_eq!(
        fake.jwks_hits.load(Ordering::SeqCst),
        1,
        "the token used the prefetched keys"
    );

    let unreachable = JwtVerifier::new(
        "http://127.0.0.1:9/pool".into(),
        vec![CLIENT.into()],
        Duration::ZERO,
    );
    assert!(unreachable.prefetch().await.is_err());
}

#[tokio::test]
async fn a_token_verified_once_is_still_checked_on_every_request() {
    let verifier = verifier();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = with(access_claims(), |c| {
        c.insert("exp".into(), json!(now + 1));
    });
    let token = sign(
        &keys()[0],
        &json!({"kid": "kid-0", "alg": "RS256"}),
        &claims,
    );
    let header = format!("Bearer {token}");
    verifier.authorize(Some(&header), &[]).await.unwrap();
    // The signature is remembered, the scopes and the clock are not.
    let failure = verifier
        .authorize(Some(&header), &["rides/admin".to_owned()])
        .await
        .unwrap_err();
    assert_eq!(failure.status(), 403);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let failure = verifier.authorize(Some(&header), &[]).await.unwrap_err();
    assert_eq!(failure.status(), 401, "{failure:?}");
    // A token that differs in one byte is verified afresh, and fails.
    let mut tampered = token.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let failure = verifier
        .authorize(Some(&format!("Bearer {tampered}")), &[])
        .await
        .unwrap_err();
    assert_eq!(failure.status(), 401);
}
