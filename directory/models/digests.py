"""The link workers' daily digest of what is due: one row per link worker per day it was
sent, so that running send-reminders twice in a day sends it once."""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from directory.models.base import id_field, utcnow


class LinkWorkerDigest(SQLModel, table=True):
    __tablename__ = "link_worker_digest"
    __table_args__ = (sa.UniqueConstraint("user_id", "sent_on", name="uq_digest_user_day"),)

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    sent_on: date  # London's date
    items: int = 0  # how many things were due (never what they were)
    sent_at: datetime = Field(default_factory=utcnow)
