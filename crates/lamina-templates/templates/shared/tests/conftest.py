"""Real RSA keys, really signed tokens, and a small app that uses the auth dependencies."""

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from shared.auth import (
    AuthSettings,
    CurrentUser,
    JwksCache,
    TokenUse,
    TokenVerifier,
    User,
    get_verifier,
    require_group,
    require_scopes,
)
from shared.errors import install_error_handlers

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test"
CLIENT_ID = "test-client-id"
KID = "key-1"

TokenFactory = Callable[..., str]


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


class FakeJwksEndpoint:
    """Stands in for `<issuer>/.well-known/jwks.json`, counting fetches."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        self.keys = keys
        self.fetches = 0
        self.now = 0.0

    def fetch(self, url: str) -> Mapping[str, Any]:
        assert url == f"{ISSUER}/.well-known/jwks.json"
        self.fetches += 1
        return {"keys": self.keys}

    def clock(self) -> float:
        return self.now


@pytest.fixture(scope="session")
def signing_key() -> rsa.RSAPrivateKey:
    return new_rsa_key()


@pytest.fixture
def jwks(signing_key: rsa.RSAPrivateKey) -> FakeJwksEndpoint:
    return FakeJwksEndpoint([public_jwk(signing_key, KID)])


def access_claims(**overrides: Any) -> dict[str, Any]:
    """An access token payload shaped like Cognito's (golden `awsdocs__access-token-payload`)."""
    now = int(time.time())
    claims = {
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "cognito:groups": ["rider"],
        "token_use": "access",
        "scope": "rides/read rides/write",
        "auth_time": now,
        "iss": ISSUER,
        "exp": now + 3600,
        "iat": now,
        "jti": "jti-1",
        "client_id": CLIENT_ID,
        "username": "alice",
    }
    claims.update(overrides)
    return claims


def id_claims(**overrides: Any) -> dict[str, Any]:
    """An ID token payload shaped like Cognito's (golden `awsdocs__id-token-payload`)."""
    now = int(time.time())
    claims = {
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "aud": CLIENT_ID,
        "email_verified": True,
        "token_use": "id",
        "auth_time": now,
        "iss": ISSUER,
        "cognito:username": "alice",
        "exp": now + 3600,
        "iat": now,
        "email": "alice@example.com",
    }
    claims.update(overrides)
    return claims


@pytest.fixture
def make_token(signing_key: rsa.RSAPrivateKey) -> TokenFactory:
    def make(
        claims: dict[str, Any], *, key: rsa.RSAPrivateKey = signing_key, kid: str = KID
    ) -> str:
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})

    return make


def build_app(verifier: TokenVerifier) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.dependency_overrides[get_verifier] = lambda: verifier

    @app.get("/me")
    def me(user: CurrentUser) -> dict[str, Any]:
        return {
            "username": user.username,
            "email": user.email,
            "groups": list(user.groups),
            "scopes": sorted(user.scopes),
        }

    @app.get("/write", dependencies=[Depends(require_scopes("rides/write"))])
    def write() -> dict[str, str]:
        return {"ok": "write"}

    @app.get("/admin")
    def admin(user: Annotated[User, Depends(require_group("admin"))]) -> dict[str, str]:
        return {"ok": user.username}

    return app


def make_verifier(jwks: FakeJwksEndpoint, token_use: TokenUse = "access") -> TokenVerifier:
    settings = AuthSettings(
        issuer=ISSUER,
        audiences=frozenset({CLIENT_ID, "other-client"}),
        token_use=token_use,
        leeway_seconds=60,
    )
    cache = JwksCache(settings.issuer + "/.well-known/jwks.json", jwks.fetch, clock=jwks.clock)
    return TokenVerifier(settings, cache)


@pytest.fixture
def client(jwks: FakeJwksEndpoint) -> Iterator[TestClient]:
    with TestClient(build_app(make_verifier(jwks))) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
