"""API models of the user domain."""

from pydantic import BaseModel


# The caller as the token describes them. Access tokens carry no email: it is null unless the
# app is configured for ID tokens (`LAMINA_JWT_TOKEN_USE=id`).
class UserPublic(BaseModel):
    username: str
    email: str | None
    groups: list[str]
