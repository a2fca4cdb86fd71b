"""Both ride repositories honour the same contract; SQLAlchemy runs on in-memory SQLite."""

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from app.models import Location, RideCreate, RideStatus
from app.repository import (
    Base,
    InMemoryRideRepository,
    RideRepository,
    SqlAlchemyRideRepository,
)

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
