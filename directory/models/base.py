"""What every table shares: stable ids, JSON columns, enums stored as checked strings,
and the version and timestamps of an editable record."""

import enum
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

NAMESPACE = uuid.UUID("6f1d3c52-2b8a-4d0e-9a57-2f6c4b1e8d90")
# JSON values: JSONB on PostgreSQL, so that later filters can use its operators and indexes.
JSON_VALUE = sa.JSON().with_variant(JSONB(), "postgresql")


def stable_id(kind: str, key: str) -> uuid.UUID:
    """The same UUID for the same kind and key, on every machine."""
    return uuid.uuid5(NAMESPACE, f"{kind}:{key}")


def id_or_none(value: object) -> uuid.UUID | None:
    """A record's id as given (a UUID, or its text from a form, a URL or JSON); None for
    anything that is not one."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def utcnow() -> datetime:
    return datetime.now(UTC)


def enum_column(cls: type[enum.StrEnum]) -> sa.Enum:
    # Stored as plain strings with a CHECK, so adding a value later is a small migration.
    return sa.Enum(
        cls,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        name=f"{cls.__name__.lower()}_values",
    )


def id_field() -> uuid.UUID:
    return Field(default_factory=uuid.uuid4, primary_key=True)


class Tracked(SQLModel):
    """Columns every editable record carries: a version for safe concurrent edits, timestamps."""

    version: int = Field(default=1, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    # Indexed: the latest change of a table is part of every held value's generation (the
    # matcher's catalogue, asked on each match), and without an index it reads every row.
    updated_at: datetime = Field(
        default_factory=utcnow, nullable=False, index=True, sa_column_kwargs={"onupdate": utcnow}
    )
