"""Annotated dependency aliases, so route signatures read `user: CurrentUser`."""

from typing import Annotated

from fastapi import Depends, Header

from app.repository import PaymentRepository, get_payment_repository
from shared.auth import CurrentUser as CurrentUser

PaymentRepositoryDep = Annotated[PaymentRepository, Depends(get_payment_repository)]
# A client-chosen key (a UUID, say) that makes retrying a payment safe: the same key is never
# charged twice (draft-ietf-httpapi-idempotency-key-header).
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=255)]
