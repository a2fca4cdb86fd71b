"""Who is calling: Cognito JWT verification and the FastAPI dependencies built on it.

Behind API Gateway the JWT authorizer has already verified the token, and Mangum exposes the
event as `request.scope["aws.event"]`: the claims are taken from there. Anywhere else (tests,
`uvicorn`, a route without the authorizer) the `Authorization: Bearer` token is verified here
against the user pool's JWKS, with issuer and app clients from `LAMINA_JWT_*`.

Every authentication failure is a 401 with `www-authenticate: Bearer` and a logged reason; a
missing scope or group is a 403. A bad token must never become a 500.

PyJWT (with `cryptography`) and `urllib.request` are imported when a token is first verified
here, not at import: behind the gateway's authorizer that never happens, and every cold start
would pay for them.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import Depends, HTTPException, Request, status

if TYPE_CHECKING:
    import jwt

logger = logging.getLogger(__name__)

Claims = dict[str, Any]
TokenUse = Literal["access", "id"]
JwksFetcher = Callable[[str], Mapping[str, Any]]

# API Gateway's own limits for the JWKS request (1500 ms, 150000 bytes).
JWKS_TIMEOUT_SECONDS = 1.5
JWKS_MAX_BYTES = 150_000
# Claims that API Gateway stringifies but that are numbers or booleans in the token.
_NUMERIC_CLAIMS = frozenset({"exp", "iat", "nbf", "auth_time"})
_BOOLEAN_CLAIMS = frozenset({"email_verified", "phone_number_verified"})
# Cognito names the app client in `client_id` in access tokens and in `aud` in ID tokens.
_CLIENT_CLAIM: dict[TokenUse, str] = {"access": "client_id", "id": "aud"}


class AuthenticationError(Exception):
    """The caller is not authenticated; the message is the reason, logged but never sent."""


@dataclass(frozen=True)
class AuthSettings:
    """What a token must satisfy. `audiences` are the app client ids allowed to call."""

    issuer: str
    audiences: frozenset[str]
    token_use: TokenUse = "access"  # noqa: S105 - a claim value, not a secret
    leeway_seconds: int = 60

    @classmethod
    def from_env(cls) -> AuthSettings:
        """Read the `LAMINA_JWT_*` variables that `lamina` sets on every function."""
        token_use = os.environ.get("LAMINA_JWT_TOKEN_USE", "access")
        if token_use not in ("access", "id"):
            raise ValueError(f"LAMINA_JWT_TOKEN_USE must be `access` or `id`, not `{token_use}`")
        audiences = os.environ.get("LAMINA_JWT_AUDIENCE", "")
        return cls(
            issuer=os.environ.get("LAMINA_JWT_ISSUER", ""),
            audiences=frozenset(a.strip() for a in audiences.split(",") if a.strip()),
            token_use=token_use,
            leeway_seconds=int(os.environ.get("LAMINA_JWT_LEEWAY_SECONDS", "60")),
        )


def fetch_jwks(url: str) -> Mapping[str, Any]:
    """GET a JWKS document with API Gateway's timeout and size limits."""
    from urllib.request import urlopen

    if urllib.parse.urlsplit(url).scheme not in ("https", "http"):
        raise AuthenticationError(f"refusing to fetch JWKS from {url!r}")
    # The scheme is checked above; plain http is allowed for the local Cognito of `lamina dev`.
    with urlopen(url, timeout=JWKS_TIMEOUT_SECONDS) as response:  # noqa: S310
        document = json.loads(response.read(JWKS_MAX_BYTES + 1)[:JWKS_MAX_BYTES])
    if not isinstance(document, dict):
        raise ValueError("JWKS document is not a JSON object")
    return document


@dataclass
class JwksCache:
    """Signing keys by `kid`, fetched on first use and kept for the life of the process.

    Cognito rotates keys by adding one, so an unknown `kid` triggers a refetch, at most once per
    `min_refetch_seconds`: a flood of tokens with made-up `kid`s cannot hammer the endpoint.
    """

    url: str
    fetcher: JwksFetcher = fetch_jwks
    min_refetch_seconds: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _keys: dict[str, jwt.PyJWK] = field(default_factory=dict, init=False)
    _fetched_at: float | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def get(self, kid: str) -> jwt.PyJWK:
        key = self._keys.get(kid)
        if key is not None:
            return key
        with self._lock:
            now = self.clock()
            if self._fetched_at is None or now - self._fetched_at >= self.min_refetch_seconds:
                # Failed attempts count too, so an unreachable endpoint is not retried per request.
                self._fetched_at = now
                self._keys = self._fetch()
        key = self._keys.get(kid)
        if key is None:
            raise AuthenticationError(f"unknown signing key id {kid!r}")
        return key

    def _fetch(self) -> dict[str, jwt.PyJWK]:
        import jwt

        try:
            document = self.fetcher(self.url)
        except (OSError, ValueError) as exc:
            # Keep the keys we had: a failed refresh must not break tokens that verified before.
            logger.warning("could not fetch JWKS from %s: %s", self.url, exc)
            return self._keys
        entries = document.get("keys")
        if not isinstance(entries, list):
            logger.warning("JWKS from %s has no `keys` list", self.url)
            return self._keys
        keys: dict[str, jwt.PyJWK] = {}
        for entry in entries:
            if (
                not isinstance(entry, dict)
                or entry.get("kty") != "RSA"
                or entry.get("use", "sig") != "sig"
                or "kid" not in entry
            ):
                continue
            try:
                keys[entry["kid"]] = jwt.PyJWK(entry, algorithm="RS256")
            except jwt.PyJWKError as exc:
                logger.warning("skipping unusable JWKS key %s: %s", entry["kid"], exc)
        return keys


class TokenVerifier:
    """Verifies Cognito access or ID tokens the way API Gateway does, plus `token_use`."""

    def __init__(self, settings: AuthSettings, jwks: JwksCache | None = None) -> None:
        self.settings = settings
        self._jwks = jwks or JwksCache(f"{settings.issuer}/.well-known/jwks.json")

    def verify(self, token: str) -> Claims:
        """Return the claims of a valid token, or raise `AuthenticationError` with the reason."""
        import jwt

        if not self.settings.issuer:
            raise AuthenticationError("LAMINA_JWT_ISSUER is not set")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"malformed token: {exc}") from None
        # Only RS256 is accepted: `none` and HS256 (signed with the public key) are forgeries.
        if header.get("alg") != "RS256":
            raise AuthenticationError(f"algorithm {header.get('alg')!r} is not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise AuthenticationError("token has no key id")
        key = self._jwks.get(kid)
        try:
            claims: Claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=self.settings.issuer,
                leeway=self.settings.leeway_seconds,
                # Audience is checked below: access tokens carry `client_id`, ID tokens `aud`.
                options={"require": ["exp", "iat", "iss"], "verify_aud": False},
            )
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"invalid token: {exc}") from None
        check_token_use(claims, self.settings.token_use)
        client = claims.get(_CLIENT_CLAIM[self.settings.token_use])
        candidates = client if isinstance(client, list) else [client]
        if not any(isinstance(c, str) and c in self.settings.audiences for c in candidates):
            raise AuthenticationError(f"client {client!r} is not an allowed audience")
        return claims


def check_token_use(claims: Claims, expected: TokenUse) -> None:
    """API Gateway lets an ID token through wherever its client may call, so check it here."""
    if claims.get("token_use") != expected:
        raise AuthenticationError(f"token_use {claims.get('token_use')!r} is not {expected!r}")


def parse_gateway_claims(raw: Mapping[str, str]) -> Claims:
    """Undo API Gateway's stringification: `"[a b]"` arrays, numbers and booleans as strings."""
    claims: Claims = {}
    for name, value in raw.items():
        if not isinstance(value, str):
            claims[name] = value
        elif value.startswith("[") and value.endswith("]"):
            claims[name] = value[1:-1].split()
        elif name in _NUMERIC_CLAIMS and value.isdigit():
            claims[name] = int(value)
        elif name in _BOOLEAN_CLAIMS:
            claims[name] = value == "true"
        else:
            claims[name] = value
    return claims


@dataclass(frozen=True)
class User:
    """The authenticated caller. `email` is only in ID tokens; `scopes` only in access tokens."""

    username: str
    email: str | None
    groups: tuple[str, ...]
    scopes: frozenset[str]
    claims: Mapping[str, Any]

    @classmethod
    def from_claims(cls, claims: Claims) -> User:
        username = claims.get("username") or claims.get("cognito:username") or claims.get("sub")
        if not username:
            raise AuthenticationError("token names no user")
        groups = claims.get("cognito:groups", [])
        return cls(
            username=username,
            email=claims.get("email"),
            groups=tuple(groups if isinstance(groups, list) else [groups]),
            scopes=frozenset(str(claims.get("scope", "")).split()),
            claims=claims,
        )


@lru_cache
def get_verifier() -> TokenVerifier:
    """One verifier per process, so the JWKS is fetched once per cold start."""
    return TokenVerifier(AuthSettings.from_env())


def _unauthorized(reason: str, *, invalid: bool = True) -> HTTPException:
    logger.warning("authentication failed: %s", reason)
    challenge = 'Bearer error="invalid_token"' if invalid else "Bearer"
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "Missing or invalid bearer token.",
        headers={"WWW-Authenticate": challenge},
    )


def get_current_user(
    request: Request, verifier: Annotated[TokenVerifier, Depends(get_verifier)]
) -> User:
    """FastAPI dependency: the caller, from the gateway's claims or a verified bearer token."""
    event = request.scope.get("aws.event") or {}
    raw_claims = event.get("requestContext", {}).get("authorizer", {}).get("jwt", {}).get("claims")
    try:
        if raw_claims:
            claims = parse_gateway_claims(raw_claims)
            check_token_use(claims, verifier.settings.token_use)
        else:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise _unauthorized("no bearer token", invalid=False)
            claims = verifier.verify(token.strip())
        return User.from_claims(claims)
    except AuthenticationError as exc:
        raise _unauthorized(str(exc)) from None


CurrentUser = Annotated[User, Depends(get_current_user)]


def _forbidden(reason: str, challenge: str) -> HTTPException:
    logger.warning("authorization failed: %s", reason)
    return HTTPException(status.HTTP_403_FORBIDDEN, reason, headers={"WWW-Authenticate": challenge})


def require_scopes(*scopes: str) -> Callable[[User], User]:
    """Dependency factory: the caller must hold every scope, e.g. `require_scopes("p/write")`."""

    def dependency(user: CurrentUser) -> User:
        missing = sorted(set(scopes) - user.scopes)
        if missing:
            raise _forbidden(
                f"missing scope {' '.join(missing)}",
                f'Bearer error="insufficient_scope", scope="{" ".join(scopes)}"',
            )
        return user

    return dependency


def require_group(group: str) -> Callable[[User], User]:
    """Dependency factory: the caller must be in a Cognito group, e.g. `require_group("admin")`."""

    def dependency(user: CurrentUser) -> User:
        if group not in user.groups:
            raise _forbidden(f"not in group {group}", "Bearer")
        return user

    return dependency
