"""Following other directories: the Open Referral UK feeds a manager registered, each sync
of one, and which listings came from which feed (and what the feed last said of them)."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from directory.models.base import JSON_VALUE, enum_column, id_field, utcnow
from directory.models.listings import EntityType, ListingRevision


class Feed(SQLModel, table=True):
    """An upstream Open Referral UK API (its base URL) that this directory follows."""

    __tablename__ = "feed"

    id: uuid.UUID = id_field()
    name: str = Field(max_length=200, unique=True)
    url: str = Field(max_length=500)
    # A trusted feed's new listings are published at once; others wait for review.
    trusted: bool = False
    created_at: datetime = Field(default_factory=utcnow, nullable=False)

    # The changes it sent that wait for review; each revision reads its feed as `.feed`.
    revisions: list[ListingRevision] = Relationship(sa_relationship_kwargs={"backref": "feed"})


class FeedSync(SQLModel, table=True):
    """One run of a sync: when, what it did, and what went wrong (in words)."""

    __tablename__ = "feed_sync"

    id: uuid.UUID = id_field()
    feed_id: uuid.UUID = Field(foreign_key="feed.id", index=True, ondelete="CASCADE")
    started_at: datetime = Field(default_factory=utcnow, nullable=False, index=True)
    finished_at: datetime | None = None
    # Changes since this time only (the start of the last sync that imported every record it
    # read); None: the whole feed.
    modified_after: datetime | None = None
    succeeded: bool = False
    created: int = 0  # services
    updated: int = 0  # services
    organisations_created: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    organisations_updated: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    held: int = 0  # upstream changes to listings changed here: waiting for review
    gone: int = 0  # listings no longer in the feed, flagged for a manager
    # Records with errors, not imported: the next sync reads again from this one's start.
    skipped: int = 0
    problems: list[str] = Field(default_factory=list, sa_type=JSON_VALUE)


class FeedListing(SQLModel, table=True):
    """A listing that came from a feed: the feed's last word on it, and whether it has gone.

    entity_id has no foreign key, as in the history: the record says where a listing came
    from even after the listing is merged away.
    """

    __tablename__ = "feed_listing"
    __table_args__ = (sa.UniqueConstraint("entity_type", "entity_id"),)

    id: uuid.UUID = id_field()
    feed_id: uuid.UUID = Field(foreign_key="feed.id", index=True, ondelete="CASCADE")
    entity_type: EntityType = Field(sa_type=enum_column(EntityType))
    entity_id: uuid.UUID = Field(index=True)
    # The listing's snapshot as the feed last gave it: a listing that differs from it has
    # been changed here, so the feed's next change to it waits for review.
    synced: dict[str, object] = Field(default_factory=dict, sa_type=JSON_VALUE)
    synced_at: datetime = Field(default_factory=utcnow, nullable=False)
    # Set when a whole-feed sync no longer lists the service; cleared when it comes back.
    gone_since: datetime | None = None
