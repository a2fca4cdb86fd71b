"""Riders pay for rides. Retries with the same `Idempotency-Key` never charge twice."""

from fastapi import APIRouter, HTTPException, Response, status

from app.api.deps import CurrentUser, IdempotencyKey, PaymentRepositoryDep
from app.models import PaymentCreate, PaymentPublic, PaymentsPublic
from app.repository import IdempotencyConflict

router = APIRouter(prefix="/payments", tags=["payments"])


@router.post("", status_code=status.HTTP_201_CREATED)
def pay_for_ride(
    payment_in: PaymentCreate,
    idempotency_key: IdempotencyKey,
    user: CurrentUser,
    repository: PaymentRepositoryDep,
    response: Response,
) -> PaymentPublic:
    try:
        payment, created = repository.pay(user.username, idempotency_key, payment_in)
    except IdempotencyConflict:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "This Idempotency-Key was already used for a different payment.",
        ) from None
    if not created:
        # A retry: answer as the first time did, and say so.
        response.headers["Idempotent-Replayed"] = "true"
    return payment


@router.get("")
def read_my_payments(user: CurrentUser, repository: PaymentRepositoryDep) -> PaymentsPublic:
    payments = repository.list(user.username)
    return PaymentsPublic(data=payments, count=len(payments))
