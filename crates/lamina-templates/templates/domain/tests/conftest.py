"""Test environment: no AWS credentials, no network, no X-Ray daemon."""

import os

# Set before `handler` or `app` are imported: Powertools and Settings read them at import time.
os.environ.update(
    {
        "POWERTOOLS_METRICS_NAMESPACE": "test-project",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "LAMINA_STAGE": "test",
        "LAMINA_JWT_ISSUER": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test",
        "LAMINA_JWT_AUDIENCE": "test-client-id",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
)

from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from app.core.config import settings  # noqa: E402
from app.main import app  # noqa: E402
from shared.auth import User, get_current_user  # noqa: E402
from tests.events import FakeLambdaContext  # noqa: E402

ALICE = User(
    username="alice",
    email="alice@example.com",
    groups=("rider",),
    scopes=frozenset({"project/read", "project/write"}),
    claims={"sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "username": "alice"},
)


@pytest.fixture
def prefix() -> str:
    return settings.route_prefix


@pytest.fixture
def anonymous_client() -> Iterator[TestClient]:
    """A client that sends no token: protected routes must answer 401."""
    with TestClient(app) as client:
        yield client


@pytest.fixture
def client() -> Iterator[TestClient]:
    """A client whose requests are made as ALICE, without signing tokens."""
    app.dependency_overrides[get_current_user] = lambda: ALICE
    with TestClient(app) as test_client:
        yield test_client
    app.dependency_overrides.pop(get_current_user)


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()
