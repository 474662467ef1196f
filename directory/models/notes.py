"""Shared learning between professionals: notes that link workers and mental health
practitioners keep on a service (what worked, waiting times, how to get a response).

A note is about a service, never a person: it has no field for anyone's details, and the form
says so. Its author is shown by role (the role they had when writing) and first name.
"""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from directory.models.base import id_field, utcnow


class ServiceNote(SQLModel, table=True):
    __tablename__ = "service_note"

    id: uuid.UUID = id_field()
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    author_id: uuid.UUID | None = Field(
        default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL"
    )
    author_role: str = Field(max_length=32)  # a Role's value, as it was when written
    text: str = Field(max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)
