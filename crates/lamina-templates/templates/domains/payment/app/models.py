"""API models of the payment domain."""

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field


class PaymentStatus(StrEnum):
    succeeded = "succeeded"
    failed = "failed"


# Fields shared by what payers send and what they get back. Money is a Decimal with at most
# two places, sent as a JSON string so no client rounds it through a float.
class PaymentBase(BaseModel):
    ride_id: uuid.UUID
    amount: Decimal = Field(gt=0, le=10_000, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR")


# Body of `POST /payments`.
class PaymentCreate(PaymentBase):
    pass


# One payment as returned by the API.
class PaymentPublic(PaymentBase):
    id: uuid.UUID
    payer: str
    status: PaymentStatus
    created_at: datetime


# The caller's payments, newest first.
class PaymentsPublic(BaseModel):
    data: list[PaymentPublic]
    count: int
