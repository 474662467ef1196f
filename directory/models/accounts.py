"""People who sign in, and the API tokens that act for them."""

import enum
import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlmodel import Field, SQLModel

from directory.models.base import enum_column, id_field, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    LINK_WORKER = "linkworker"
    MHP = "mhp"  # the PCN's mental health practitioner: a link worker's rights, plus notes
    EDITOR = "editor"


class User(UserMixin, SQLModel, table=True):
    """Someone who signs in: a manager, link worker or organisation editor."""

    __tablename__ = "user_account"

    id: uuid.UUID = id_field()
    email: str = Field(max_length=254, sa_column_kwargs={"unique": True})
    password_hash: str = Field(max_length=300)
    role: Role = Field(sa_type=enum_column(Role))
    organization_id: uuid.UUID | None = Field(default=None, foreign_key="organization.id")
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    # Part of the id Flask-Login keeps in the session and remember cookie: raising it
    # ("sign out everywhere", a password change) makes every older session invalid.
    session_version: int = Field(default=1, nullable=False)
    # What a person's plan says about their link worker: a first name and a work phone
    # (the plan shows the first word of display_name; never a personal number).
    display_name: str = Field(default="", max_length=60, sa_column_kwargs={"server_default": ""})
    work_phone: str = Field(default="", max_length=30, sa_column_kwargs={"server_default": ""})

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active


class ApiToken(SQLModel, table=True):
    """A token that lets a program use the link workers' API as its owner. Only a hash of
    the token is kept: it is shown once, when made."""

    __tablename__ = "api_token"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    label: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked: bool = False
