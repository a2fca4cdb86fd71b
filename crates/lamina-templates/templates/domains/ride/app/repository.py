"""Ride storage behind a Protocol: in memory by default, SQLAlchemy when a database is set.

`InMemoryRideRepository` lasts as long as one warm Lambda instance, which suits tests and demos.
`SqlAlchemyRideRepository` works with any SQLAlchemy database (tested on SQLite); set
`LAMINA_DATABASE_URL` to use it. A DynamoDB version would implement the same Protocol.
"""

import uuid
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import JSON, DateTime, Engine, Integer, String, Uuid, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from app.core.config import settings
from app.models import RideCreate, RidePublic, RideStatus


class RideRepository(Protocol):
    """Rides of one rider at a time: a rider never sees another's rides."""

    def add(self, rider: str, ride: RideCreate) -> RidePublic: ...

    def list(self, rider: str) -> list[RidePublic]: ...

    def get(self, rider: str, ride_id: uuid.UUID) -> RidePublic | None: ...


def _new_ride(rider: str, ride: RideCreate) -> RidePublic:
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
        stored = _new_ride(rider, ride)
        self._rides[stored.id] = stored
        return stored

    def list(self, rider: str) -> list[RidePublic]:
        mine = (ride for ride in self._rides.values() if ride.rider == rider)
        return sorted(mine, key=lambda ride: ride.created_at, reverse=True)

    def get(self, rider: str, ride_id: uuid.UUID) -> RidePublic | None:
        ride = self._rides.get(ride_id)
        return ride if ride is not None and ride.rider == rider else None


class Base(DeclarativeBase):
    pass


class RideRow(Base):
    __tablename__ = "rides"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    rider: Mapped[str] = mapped_column(String(128), index=True)
    pickup: Mapped[dict[str, Any]] = mapped_column(JSON)
    dropoff: Mapped[dict[str, Any]] = mapped_column(JSON)
    passengers: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    @classmethod
    def from_public(cls, ride: RidePublic) -> "RideRow":
        return cls(
            id=ride.id,
            rider=ride.rider,
            pickup=ride.pickup.model_dump(),
            dropoff=ride.dropoff.model_dump(),
            passengers=ride.passengers,
            status=ride.status.value,
            created_at=ride.created_at,
        )

    def to_public(self) -> RidePublic:
        # SQLite drops the UTC offset that PostgreSQL keeps; values are always written in UTC.
        created_at = self.created_at
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=UTC)
        return RidePublic(
            id=self.id,
            rider=self.rider,
            pickup=self.pickup,
            dropoff=self.dropoff,
            passengers=self.passengers,
            status=RideStatus(self.status),
            created_at=created_at,
        )


class SqlAlchemyRideRepository:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, rider: str, ride: RideCreate) -> RidePublic:
        public = _new_ride(rider, ride)
        with Session(self._engine) as session, session.begin():
            session.add(RideRow.from_public(public))
        return public

    def list(self, rider: str) -> list[RidePublic]:
        query = select(RideRow).where(RideRow.rider == rider).order_by(RideRow.created_at.desc())
        with Session(self._engine) as session:
            return [row.to_public() for row in session.scalars(query)]

    def get(self, rider: str, ride_id: uuid.UUID) -> RidePublic | None:
        with Session(self._engine) as session:
            row = session.get(RideRow, ride_id)
            return row.to_public() if row is not None and row.rider == rider else None


@lru_cache
def get_ride_repository() -> RideRepository:
    """One repository (and connection pool) per process, reused across warm invocations."""
    if settings.database_url is None:
        return InMemoryRideRepository()
    engine = create_engine(settings.database_url, pool_pre_ping=True)
    # Enough for a first table; switch to Alembic migrations once the schema changes.
    Base.metadata.create_all(engine)
    return SqlAlchemyRideRepository(engine)
