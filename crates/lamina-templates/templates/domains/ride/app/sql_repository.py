"""Ride storage in any SQLAlchemy database (tested on SQLite).

Imported by `get_ride_repository` only when `LAMINA_DATABASE_URL` is set: SQLAlchemy takes about
170 ms to import, which a function on the in-memory repository should not pay at each cold start.
"""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, Integer, String, Uuid, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from app.models import RideCreate, RidePublic, RideStatus
from app.repository import RideRepository, new_ride


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
        public = new_ride(rider, ride)
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


def connect(url: str) -> RideRepository:
    """A repository on the database at `url`, with its table created when missing."""
    engine = create_engine(url, pool_pre_ping=True)
    # Enough for a first table; switch to Alembic migrations once the schema changes.
    Base.metadata.create_all(engine)
    return SqlAlchemyRideRepository(engine)
