"""Annotated dependency aliases, so route signatures read `user: CurrentUser`."""

from typing import Annotated

from fastapi import Depends

from app.repository import RideRepository, get_ride_repository
from shared.auth import CurrentUser as CurrentUser

RideRepositoryDep = Annotated[RideRepository, Depends(get_ride_repository)]
