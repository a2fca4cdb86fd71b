"""Item storage behind a Protocol, so routes do not care where items live.

`InMemoryItemRepository` lasts as long as one warm Lambda instance: fine for tests and demos.
Replace it with a DynamoDB or SQLAlchemy implementation of `ItemRepository` and return that
from `get_item_repository`.
"""

import uuid
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol

from app.models import ItemCreate, ItemPublic


class ItemRepository(Protocol):
    """Items of one owner at a time: an owner never sees another's items."""

    def add(self, owner: str, item: ItemCreate) -> ItemPublic: ...

    def list(self, owner: str, *, offset: int, limit: int) -> list[ItemPublic]: ...

    def get(self, owner: str, item_id: uuid.UUID) -> ItemPublic | None: ...

    def delete(self, owner: str, item_id: uuid.UUID) -> bool: ...


class InMemoryItemRepository:
    def __init__(self) -> None:
        self._items: dict[uuid.UUID, ItemPublic] = {}

    def add(self, owner: str, item: ItemCreate) -> ItemPublic:
        stored = ItemPublic(
            **item.model_dump(), id=uuid.uuid4(), owner=owner, created_at=datetime.now(UTC)
        )
        self._items[stored.id] = stored
        return stored

    def list(self, owner: str, *, offset: int, limit: int) -> list[ItemPublic]:
        mine = [item for item in self._items.values() if item.owner == owner]
        return mine[offset : offset + limit]

    def get(self, owner: str, item_id: uuid.UUID) -> ItemPublic | None:
        item = self._items.get(item_id)
        return item if item is not None and item.owner == owner else None

    def delete(self, owner: str, item_id: uuid.UUID) -> bool:
        if self.get(owner, item_id) is None:
            return False
        del self._items[item_id]
        return True


@lru_cache
def get_item_repository() -> ItemRepository:
    """One repository per process, reused across warm invocations."""
    return InMemoryItemRepository()
