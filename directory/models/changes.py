"""The catalogue's change log: one numbered entry per thing a transaction changed, written in
that transaction, which every host's search index follows (directory.catalogue.changes)."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from directory.models.base import utcnow

# A plain INTEGER on SQLite, where only that becomes the row id that AUTOINCREMENT never
# hands out twice; a BIGSERIAL on PostgreSQL.
SEQUENCE_NUMBER = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class CatalogueChange(SQLModel, table=True):
    """What one committed transaction changed: a service, all of an organisation's or a
    place's services, the services meeting a need, the vocabulary's phrases, or everything.
    Numbered in the order the transactions committed; old entries are pruned."""

    __tablename__ = "catalogue_change"
    __table_args__ = {"sqlite_autoincrement": True}

    seq: int | None = Field(default=None, primary_key=True, sa_type=SEQUENCE_NUMBER)
    changed_at: datetime = Field(default_factory=utcnow, nullable=False, index=True)
    # "service", "organisation", "location", "need", "vocabulary" or "everything"
    scope: str = Field(max_length=20)
    # the service's, organisation's, place's or need's id; none for the last two scopes
    subject_id: uuid.UUID | None = None
