"""Annotated dependency aliases, so route signatures read `user: CurrentUser`."""

from typing import Annotated

from fastapi import Depends

from app.repository import ItemRepository, get_item_repository
from shared.auth import CurrentUser as CurrentUser

ItemRepositoryDep = Annotated[ItemRepository, Depends(get_item_repository)]
