"""Lambda inputs shaped like the real thing: payload-2.0 events and a LambdaContext.

Modelled on the golden HTTP API events: lowercased headers, `rawPath` equal to
`requestContext.http.path` on the `$default` stage, and authorizer claims flattened to strings
the way API Gateway's JWT authorizer passes them.
"""

import base64
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode


@dataclass
class FakeLambdaContext:
    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:test-function"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


def gateway_claims(
    username: str = "alice",
    email: str | None = "alice@example.com",
    groups: tuple[str, ...] = ("admin", "rider"),
    scope: str = "project/read project/write",
) -> dict[str, str]:
    """Access-token claims as `requestContext.authorizer.jwt.claims` carries them: all strings."""
    now = int(time.time())
    claims = {
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "username": username,
        "token_use": "access",
        "client_id": "test-client-id",
        "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test",
        "scope": scope,
        "cognito:groups": f"[{' '.join(groups)}]",
        "auth_time": str(now),
        "iat": str(now),
        "exp": str(now + 3600),
    }
    if email is not None:
        claims["email"] = email
    return claims


def http_event(
    method: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    json_body: Any = None,
    claims: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A payload-2.0 event for `method path`, authorized when `claims` are given."""
    all_headers = {
        "accept": "application/json",
        "host": "abcdef123.execute-api.eu-west-1.amazonaws.com",
        "user-agent": "pytest",
        "x-amzn-trace-id": "Root=1-5e6a8f4a-1b2c3d4e5f6a7b8c9d0e1f2a",
        "x-forwarded-for": "192.0.2.1",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    all_headers.update({name.lower(): value for name, value in (headers or {}).items()})
    request_context: dict[str, Any] = {
        "accountId": "123456789012",
        "apiId": "abcdef123",
        "domainName": "abcdef123.execute-api.eu-west-1.amazonaws.com",
        "domainPrefix": "abcdef123",
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": "192.0.2.1",
            "userAgent": "pytest",
        },
        "requestId": "JKJaXmPLvHcESHA=",
        "routeKey": f"ANY {path}",
        "stage": "$default",
        "time": "12/Mar/2020:19:03:58 +0000",
        "timeEpoch": 1583348638390,
    }
    if claims is not None:
        request_context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"ANY {path}",
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "headers": all_headers,
        "requestContext": request_context,
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = query
    if json_body is not None:
        all_headers["content-type"] = "application/json"
        event["body"] = json.dumps(json_body)
    return event


def response_json(response: dict[str, Any]) -> Any:
    """The JSON body of a Lambda proxy response, decoding base64 if Mangum chose it."""
    body = response["body"]
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body)
    return json.loads(body)
