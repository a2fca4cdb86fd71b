"""Payment storage behind a Protocol, keyed by payer and idempotency key.

`InMemoryPaymentRepository` lasts as long as one warm Lambda instance, which suits tests and
demos only: with several instances, the same key could be charged once per instance. A real
implementation stores the key with a uniqueness constraint (a DynamoDB conditional put, or a
unique index) in the same write as the payment.
"""

import uuid
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol

from app.models import PaymentCreate, PaymentPublic, PaymentStatus


class IdempotencyConflict(Exception):
    """The key was already used for a different payment request."""


class PaymentRepository(Protocol):
    def pay(self, payer: str, key: str, payment: PaymentCreate) -> tuple[PaymentPublic, bool]:
        """Record a payment once per `(payer, key)`; the flag says it was created just now."""
        ...

    def list(self, payer: str) -> list[PaymentPublic]: ...


class InMemoryPaymentRepository:
    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], tuple[PaymentCreate, PaymentPublic]] = {}

    def pay(self, payer: str, key: str, payment: PaymentCreate) -> tuple[PaymentPublic, bool]:
        existing = self._by_key.get((payer, key))
        if existing is not None:
            request, stored = existing
            if request != payment:
                raise IdempotencyConflict(key)
            return stored, False
        stored = PaymentPublic(
            **payment.model_dump(),
            id=uuid.uuid4(),
            payer=payer,
            status=PaymentStatus.succeeded,
            created_at=datetime.now(UTC),
        )
        self._by_key[(payer, key)] = (payment, stored)
        return stored, True

    def list(self, payer: str) -> list[PaymentPublic]:
        mine = (stored for owner_key, (_, stored) in self._by_key.items() if owner_key[0] == payer)
        return sorted(mine, key=lambda payment: payment.created_at, reverse=True)


@lru_cache
def get_payment_repository() -> PaymentRepository:
    """One repository per process, reused across warm invocations."""
    return InMemoryPaymentRepository()
