"""Annotated dependency aliases, so route signatures read `user: CurrentUser`."""

from shared.auth import CurrentUser as CurrentUser
