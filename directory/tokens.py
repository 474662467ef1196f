"""Signed, expiring tokens for links sent by email: reset a password, join, check a listing."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlmodel import Session

T = TypeVar("T")


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    # One salt per purpose, so a token made for one job never works for another.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"signpost.{purpose}")


def make(purpose: str, data: dict[str, Any]) -> str:
    """A token carrying data, signed with the app's secret."""
    return _serializer(purpose).dumps(data)


def read(purpose: str, token: str, max_age_seconds: int) -> dict[str, Any] | None:
    """The data of a good token, or None if it is forged, garbled, or too old."""
    if len(token) > 2000:
        return None
    try:
        data = _serializer(purpose).loads(token, max_age=max_age_seconds)
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    return data if isinstance(data, dict) else None


def row(session: Session, model: type[T], data: dict[str, Any], key: str) -> T | None:
    """The row of model whose id a token's data holds under key, or None if there is none."""
    try:
        return session.get(model, uuid.UUID(str(data.get(key))))
    except ValueError:  # a signed token from an older release may hold something else
        return None
