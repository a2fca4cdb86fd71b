"""API models of the ride domain."""

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator


class RideStatus(StrEnum):
    requested = "requested"
    accepted = "accepted"
    completed = "completed"
    cancelled = "cancelled"


# A point on the map, in WGS 84 degrees.
class Location(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)


# Fields shared by what riders send and what they get back.
class RideBase(BaseModel):
    pickup: Location
    dropoff: Location
    passengers: int = Field(default=1, ge=1, le=6)


# Body of `POST /rides`.
class RideCreate(RideBase):
    @model_validator(mode="after")
    def _distinct_ends(self) -> "RideCreate":
        if self.pickup == self.dropoff:
            raise ValueError("pickup and dropoff must differ")
        return self


# One ride as returned by the API.
class RidePublic(RideBase):
    id: uuid.UUID
    rider: str
    status: RideStatus
    created_at: datetime


# The caller's rides, newest first.
class RidesPublic(BaseModel):
    data: list[RidePublic]
    count: int
