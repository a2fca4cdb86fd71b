"""API models of the example items: what clients send and what they get back."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


# Fields shared by what clients send and what they receive.
class ItemBase(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)


# Body of `POST /items`.
class ItemCreate(ItemBase):
    pass


# One item as returned by the API.
class ItemPublic(ItemBase):
    id: uuid.UUID
    owner: str
    created_at: datetime


# A page of items.
class ItemsPublic(BaseModel):
    data: list[ItemPublic]
    count: int
