"""Ride storage behind a Protocol: in memory by default, SQLAlchemy when a database is set.

`InMemoryRideRepository` lasts as long as one warm Lambda instance, which suits tests and demos.
`SqlAlchemyRideRepository` (`app/sql_repository.py`) works with any SQLAlchemy database (tested
on SQLite); set `LAMINA_DATABASE_URL` to use it. A DynamoDB version would implement the same
Protocol.
"""

import uuid
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol

from app.core.config import settings
from app.models import RideCreate, RidePublic, RideStatus


class RideRepository(Protocol):
    """Rides of one rider at a time: a rider never sees another's rides."""

    def add(self, rider: str, ride: RideCreate) -> RidePublic: ...

    def list(self, rider: str) -> list[RidePublic]: ...

    def get(self, rider: str, ride_id: uuid.UUID) -> RidePublic | None: ...


def new_ride(rider: str, ride: RideCreate) -> RidePublic:
    return RidePublic(
        **ride.model_dump(),
        id=uuid.uuid4(),
        rider=rider,
        status=RideStatus.requested,
        created_at=datetime.now(UTC),
    )


class InMemoryRideRepository:
    def __init__(self) -> None:
        self._rides: dict[uuid.UUID, RidePublic] = {}

    def add(self, rider: str, ride: RideCreate) -> RidePublic:
        stored = new_ride(rider, ride)
        self._rides[stored.id] = stored
        return stored

    def list(self, rider: str) -> list[RidePublic]:
        mine = (ride for ride in self._rides.values() if ride.rider == rider)
        return sorted(mine, key=lambda ride: ride.created_at, reverse=True)

    def get(self, rider: str, ride_id: uuid.UUID) -> RidePublic | None:
        ride = self._rides.get(ride_id)
        return ride if ride is not None and ride.rider == rider else None


@lru_cache
def get_ride_repository() -> RideRepository:
    """One repository (and connection pool) per process, reused across warm invocations."""
    if settings.database_url is None:
        return InMemoryRideRepository()
    # Imported here: SQLAlchemy's import cost is paid only by functions that use a database.
    from app.sql_repository import connect

    return connect(settings.database_url)
