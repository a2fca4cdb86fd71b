"""Both ride repositories honour the same contract; SQLAlchemy runs on in-memory SQLite."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from app.models import Location, RideCreate, RideStatus
from app.repository import InMemoryRideRepository, RideRepository
from app.sql_repository import Base, SqlAlchemyRideRepository

TRIP = RideCreate(pickup=Location(lat=52.37, lng=4.89), dropoff=Location(lat=52.31, lng=4.76))


@pytest.fixture(params=["memory", "sqlalchemy"])
def repository(request: pytest.FixtureRequest) -> Iterator[RideRepository]:
    if request.param == "memory":
        yield InMemoryRideRepository()
        return
    # One shared connection, or every session would see its own empty in-memory database.
    engine = create_engine("sqlite://", poolclass=StaticPool)
    Base.metadata.create_all(engine)
    yield SqlAlchemyRideRepository(engine)
    engine.dispose()


def test_add_then_get(repository: RideRepository) -> None:
    ride = repository.add("alice", TRIP)

    assert ride.status is RideStatus.requested
    assert repository.get("alice", ride.id) == ride


def test_rides_are_private(repository: RideRepository) -> None:
    ride = repository.add("alice", TRIP)

    assert repository.get("bob", ride.id) is None
    assert repository.list("bob") == []
    assert repository.get("alice", uuid.uuid4()) is None


def test_list_is_newest_first(repository: RideRepository) -> None:
    first = repository.add("alice", TRIP)
    second = repository.add("alice", TRIP.model_copy(update={"passengers": 3}))

    assert [ride.id for ride in repository.list("alice")] == [second.id, first.id]


def test_the_in_memory_repository_does_not_import_sqlalchemy() -> None:
    # A fresh interpreter: this test module itself has imported SQLAlchemy.
    code = (
        "import sys; from app.main import app; from app.repository import get_ride_repository; "
        "get_ride_repository(); print(sorted(m for m in sys.modules if m.startswith('sqlalchemy')))"
    )
    env = {k: v for k, v in os.environ.items() if k != "LAMINA_DATABASE_URL"}
    out = subprocess.run(  # noqa: S603 - the test's own interpreter and code
        [sys.executable, "-c", code],
        env={**env, "PYTHONPATH": os.pathsep.join(sys.path)},
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.strip() == "[]"
