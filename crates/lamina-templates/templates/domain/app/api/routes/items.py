"""Example CRUD on the caller's own items: every query is scoped to the token's username."""

import uuid
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from app.api.deps import CurrentUser, ItemRepositoryDep
from app.models import ItemCreate, ItemPublic, ItemsPublic

router = APIRouter(prefix="/items", tags=["items"])


def _not_found(item_id: uuid.UUID) -> HTTPException:
    # Another user's item is reported as missing, not forbidden, so ids cannot be probed.
    return HTTPException(status.HTTP_404_NOT_FOUND, f"Item {item_id} not found.")


@router.get("")
def read_items(
    user: CurrentUser,
    repository: ItemRepositoryDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> ItemsPublic:
    items = repository.list(user.username, offset=offset, limit=limit)
    return ItemsPublic(data=items, count=len(items))


@router.post("", status_code=status.HTTP_201_CREATED)
def create_item(
    item_in: ItemCreate, user: CurrentUser, repository: ItemRepositoryDep
) -> ItemPublic:
    return repository.add(user.username, item_in)


@router.get("/{item_id}")
def read_item(item_id: uuid.UUID, user: CurrentUser, repository: ItemRepositoryDep) -> ItemPublic:
    item = repository.get(user.username, item_id)
    if item is None:
        raise _not_found(item_id)
    return item


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_item(item_id: uuid.UUID, user: CurrentUser, repository: ItemRepositoryDep) -> None:
    if not repository.delete(user.username, item_id):
        raise _not_found(item_id)
