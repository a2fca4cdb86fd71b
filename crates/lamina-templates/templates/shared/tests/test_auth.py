import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from mangum import Mangum

from shared.auth import AuthSettings, TokenVerifier, User, parse_gateway_claims
from tests.conftest import (
    CLIENT_ID,
    ISSUER,
    KID,
    FakeJwksEndpoint,
    TokenFactory,
    access_claims,
    bearer,
    build_app,
    id_claims,
    make_verifier,
    new_rsa_key,
    public_jwk,
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_token(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"


def assert_unauthorized(response: Any, caplog: pytest.LogCaptureFixture, reason: str) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401
    messages = [r.getMessage() for r in caplog.records if r.name == "shared.auth"]
    assert any(reason in message for message in messages), messages


def test_valid_access_token(client: TestClient, make_token: TokenFactory) -> None:
    response = client.get("/me", headers=bearer(make_token(access_claims())))

    assert response.status_code == 200
    assert response.json() == {
        "username": "alice",
        "email": None,
        "groups": ["rider"],
        "scopes": ["rides/read", "rides/write"],
    }


def test_valid_id_token(jwks: FakeJwksEndpoint, make_token: TokenFactory) -> None:
    client = TestClient(build_app(make_verifier(jwks, token_use="id")))

    response = client.get("/me", headers=bearer(make_token(id_claims())))

    assert response.status_code == 200
    assert response.json()["username"] == "alice"
    assert response.json()["email"] == "alice@example.com"


def test_id_token_with_list_audience(jwks: FakeJwksEndpoint, make_token: TokenFactory) -> None:
    client = TestClient(build_app(make_verifier(jwks, token_use="id")))

    ours = make_token(id_claims(aud=["not-ours", CLIENT_ID]))
    theirs = make_token(id_claims(aud=["not-ours"]))

    assert client.get("/me", headers=bearer(ours)).status_code == 200
    assert client.get("/me", headers=bearer(theirs)).status_code == 401


def test_expired_within_leeway_is_accepted(client: TestClient, make_token: TokenFactory) -> None:
    claims = access_claims()
    claims["exp"] = claims["iat"] - 30

    assert client.get("/me", headers=bearer(make_token(claims))).status_code == 200


def test_issued_in_future_within_leeway_is_accepted(
    client: TestClient, make_token: TokenFactory
) -> None:
    claims = access_claims()
    claims["iat"] += 30
    claims["nbf"] = claims["iat"]

    assert client.get("/me", headers=bearer(make_token(claims))).status_code == 200


def _claims_shifted(**shift: int) -> dict[str, Any]:
    claims = access_claims()
    for name, seconds in shift.items():
        claims[name] = claims["iat"] + seconds
    return claims


HOSTILE_CLAIMS = {
    "expired": (_claims_shifted(exp=-120), "Signature has expired"),
    "not yet valid": (_claims_shifted(nbf=120), "not yet valid (nbf)"),
    "issued in the future": (_claims_shifted(iat=120, nbf=0), "not yet valid (iat)"),
    "wrong issuer": (access_claims(iss=ISSUER + "x"), "Invalid issuer"),
    "wrong client": (access_claims(client_id="evil-client"), "'evil-client' is not an allowed"),
    "id token for access": (id_claims(), "token_use 'id' is not 'access'"),
    "missing token_use": (access_claims(token_use=None), "token_use None"),
    "missing exp": (
        {k: v for k, v in access_claims().items() if k != "exp"},
        'missing the "exp" claim',
    ),
}


@pytest.mark.parametrize(("claims", "reason"), HOSTILE_CLAIMS.values(), ids=HOSTILE_CLAIMS.keys())
def test_hostile_claims_are_401(
    client: TestClient,
    make_token: TokenFactory,
    caplog: pytest.LogCaptureFixture,
    claims: dict[str, Any],
    reason: str,
) -> None:
    response = client.get("/me", headers=bearer(make_token(claims)))

    assert_unauthorized(response, caplog, reason)


def test_tampered_payload(
    client: TestClient, make_token: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    header, _, signature = make_token(access_claims()).split(".")
    forged = b64url(json.dumps(access_claims(**{"cognito:groups": ["admin"]})).encode())

    response = client.get("/me", headers=bearer(f"{header}.{forged}.{signature}"))

    assert_unauthorized(response, caplog, "Signature verification failed")


def test_alg_none(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    token = unsigned_token({"alg": "none", "kid": KID}, access_claims()) + "."

    response = client.get("/me", headers=bearer(token))

    assert_unauthorized(response, caplog, "algorithm 'none' is not allowed")


def test_hs256_signed_with_the_public_key(
    client: TestClient, signing_key: rsa.RSAPrivateKey, caplog: pytest.LogCaptureFixture
) -> None:
    pem = signing_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = unsigned_token({"alg": "HS256", "kid": KID, "typ": "JWT"}, access_claims())
    mac = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()

    response = client.get("/me", headers=bearer(f"{signing_input}.{b64url(mac)}"))

    assert_unauthorized(response, caplog, "algorithm 'HS256' is not allowed")


def test_token_signed_by_another_key_with_our_kid(
    client: TestClient, make_token: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    token = make_token(access_claims(), key=new_rsa_key())

    assert_unauthorized(client.get("/me", headers=bearer(token)), caplog, "Signature verification")


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        (None, "no bearer token"),
        ("Basic YWxpY2U6cHc=", "no bearer token"),
        ("Bearer not-a-jwt", "malformed token"),
    ],
)
def test_missing_or_malformed_header(
    client: TestClient,
    caplog: pytest.LogCaptureFixture,
    authorization: str | None,
    reason: str,
) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    assert_unauthorized(client.get("/me", headers=headers), caplog, reason)


def test_unknown_kid_refetches_at_most_once_a_minute(
    jwks: FakeJwksEndpoint, make_token: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(build_app(make_verifier(jwks)))
    rotated = new_rsa_key()
    rotated_token = make_token(access_claims(), key=rotated, kid="key-2")
    assert client.get("/me", headers=bearer(make_token(access_claims()))).status_code == 200
    assert jwks.fetches == 1

    # Cognito publishes the new key; within the minute the cache does not look again.
    jwks.keys.append(public_jwk(rotated, "key-2"))
    jwks.now = 30
    assert_unauthorized(
        client.get("/me", headers=bearer(rotated_token)), caplog, "unknown signing key id 'key-2'"
    )
    assert jwks.fetches == 1

    jwks.now = 61
    assert client.get("/me", headers=bearer(rotated_token)).status_code == 200
    assert jwks.fetches == 2

    bogus = make_token(access_claims(), key=rotated, kid="made-up")
    for _ in range(5):
        assert client.get("/me", headers=bearer(bogus)).status_code == 401
    assert jwks.fetches == 2


def test_unreachable_jwks_is_401(
    jwks: FakeJwksEndpoint, make_token: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    def fail(url: str) -> dict[str, Any]:
        raise OSError("connection refused")

    jwks.fetch = fail  # type: ignore[method-assign]
    client = TestClient(build_app(make_verifier(jwks)))

    response = client.get("/me", headers=bearer(make_token(access_claims())))

    assert_unauthorized(response, caplog, "unknown signing key id")
    assert any("could not fetch JWKS" in r.getMessage() for r in caplog.records)


def test_unset_issuer_is_401(make_token: TokenFactory, caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(build_app(TokenVerifier(AuthSettings(issuer="", audiences=frozenset()))))

    response = client.get("/me", headers=bearer(make_token(access_claims())))

    assert_unauthorized(response, caplog, "LAMINA_JWT_ISSUER is not set")


@pytest.fixture
def jwks_server(signing_key: rsa.RSAPrivateKey) -> Iterator[str]:
    """A real JWKS endpoint on 127.0.0.1, so the urllib fetch path is exercised too."""
    body = json.dumps({"keys": [public_jwk(signing_key, KID)]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path == "/pool/.well-known/jwks.json"
            self.send_response(200 if found else 404)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body if found else b"{}")

        def log_message(self, *args: Any) -> None:
            """Keep test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/pool"
    server.shutdown()
    server.server_close()


def test_jwks_fetched_over_http(
    jwks_server: str, make_token: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAMINA_JWT_ISSUER", jwks_server)
    monkeypatch.setenv("LAMINA_JWT_AUDIENCE", f" other , {CLIENT_ID}")
    client = TestClient(build_app(TokenVerifier(AuthSettings.from_env())))

    token = make_token(access_claims(iss=jwks_server))

    assert client.get("/me", headers=bearer(token)).json()["username"] == "alice"


def test_scope_required(client: TestClient, make_token: TokenFactory) -> None:
    read_only = make_token(access_claims(scope="rides/read"))

    assert client.get("/write", headers=bearer(make_token(access_claims()))).status_code == 200
    response = client.get("/write", headers=bearer(read_only))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


def test_group_required(client: TestClient, make_token: TokenFactory) -> None:
    admin = make_token(access_claims(**{"cognito:groups": ["admin", "rider"]}))

    assert client.get("/admin", headers=bearer(admin)).json() == {"ok": "alice"}
    assert client.get("/admin", headers=bearer(make_token(access_claims()))).status_code == 403


def test_parse_gateway_claims() -> None:
    claims = parse_gateway_claims(
        {
            "cognito:groups": "[admin rider]",
            "exp": "1787996002",
            "email_verified": "true",
            "username": "12345",
            "scope": "rides/read rides/write",
            "empty": "[]",
        }
    )

    assert claims == {
        "cognito:groups": ["admin", "rider"],
        "exp": 1787996002,
        "email_verified": True,
        "username": "12345",
        "scope": "rides/read rides/write",
        "empty": [],
    }


def gateway_event(claims: dict[str, str] | None, authorization: str | None = None) -> dict:
    """A minimal payload-2.0 event as API Gateway sends it to the function."""
    request_context: dict[str, Any] = {
        "requestId": "req-1",
        "stage": "$default",
        "http": {"method": "GET", "path": "/me", "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1"},
        "timeEpoch": 1583348638390,
    }
    if claims is not None:
        request_context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    headers = {"host": "api.example.com"}
    if authorization:
        headers["authorization"] = authorization
    return {
        "version": "2.0",
        "routeKey": "ANY /{proxy+}",
        "rawPath": "/me",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": request_context,
        "isBase64Encoded": False,
    }


@pytest.fixture
def lambda_handler(jwks: FakeJwksEndpoint) -> Mangum:
    return Mangum(build_app(make_verifier(jwks)), lifespan="off")


def test_gateway_claims_are_trusted(lambda_handler: Mangum, jwks: FakeJwksEndpoint) -> None:
    claims = {
        "sub": "aaaaaaaa",
        "username": "bob",
        "token_use": "access",
        "cognito:groups": "[admin driver]",
        "scope": "rides/read",
        "exp": "1787996002",
    }

    response = lambda_handler(gateway_event(claims), None)

    assert response["statusCode"] == 200
    assert json.loads(response["body"])["groups"] == ["admin", "driver"]
    assert jwks.fetches == 0


def test_gateway_id_token_claims_are_refused(
    lambda_handler: Mangum, caplog: pytest.LogCaptureFixture
) -> None:
    claims = {"sub": "aaaaaaaa", "cognito:username": "bob", "token_use": "id", "aud": CLIENT_ID}

    response = lambda_handler(gateway_event(claims), None)

    assert response["statusCode"] == 401
    assert response["headers"]["content-type"] == "application/problem+json"
    assert any("token_use 'id'" in r.getMessage() for r in caplog.records)


def test_event_without_claims_verifies_the_bearer_token(
    lambda_handler: Mangum, make_token: TokenFactory
) -> None:
    response = lambda_handler(gateway_event(None, f"Bearer {make_token(access_claims())}"), None)

    assert response["statusCode"] == 200


def test_username_falls_back_to_sub() -> None:
    assert User.from_claims({"sub": "s-1"}).username == "s-1"
