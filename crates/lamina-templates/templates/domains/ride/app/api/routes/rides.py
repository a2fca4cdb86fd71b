"""Riders request rides and see their own; nobody sees another rider's rides."""

import uuid

from fastapi import APIRouter, HTTPException, status

from app.api.deps import CurrentUser, RideRepositoryDep
from app.models import RideCreate, RidePublic, RidesPublic

router = APIRouter(prefix="/rides", tags=["rides"])


@router.post("", status_code=status.HTTP_201_CREATED)
def request_ride(
    ride_in: RideCreate, user: CurrentUser, repository: RideRepositoryDep
) -> RidePublic:
    return repository.add(user.username, ride_in)


@router.get("")
def read_my_rides(user: CurrentUser, repository: RideRepositoryDep) -> RidesPublic:
    rides = repository.list(user.username)
    return RidesPublic(data=rides, count=len(rides))


@router.get("/{ride_id}")
def read_ride(ride_id: uuid.UUID, user: CurrentUser, repository: RideRepositoryDep) -> RidePublic:
    ride = repository.get(user.username, ride_id)
    if ride is None:
        # Another rider's ride is reported as missing, so ids cannot be probed.
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Ride {ride_id} not found.")
    return ride
