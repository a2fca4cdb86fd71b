"""The caller's own identity, read from the token: Cognito is the store, so no database."""

from fastapi import APIRouter

from app.api.deps import CurrentUser
from app.models import UserPublic

router = APIRouter(tags=["user"])


@router.get("/me")
def read_me(user: CurrentUser) -> UserPublic:
    return UserPublic(username=user.username, email=user.email, groups=list(user.groups))
