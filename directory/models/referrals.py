"""What link workers keep: shortlists for a person, and feedback on suggested services.

Nothing here names the person a link worker helps: a shortlist has a label the link worker
chooses (a local reference), and feedback is about a service, not a person.
"""

import enum
import uuid
from datetime import datetime

from sqlmodel import Field, Relationship, SQLModel

from directory.models.base import enum_column, id_field, utcnow
from directory.models.catalogue import Service


class Shortlist(SQLModel, table=True):
    """Services a link worker has picked out for someone, under a label of their choosing."""

    __tablename__ = "shortlist"

    id: uuid.UUID = id_field()
    owner_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    label: str = Field(max_length=60)
    # the case it was made for, when matching started from one (the shortlist belongs to it)
    case_id: uuid.UUID | None = Field(
        default=None, foreign_key="support_case.id", index=True, ondelete="CASCADE"
    )
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, sa_column_kwargs={"onupdate": utcnow})

    items: list["ShortlistItem"] = Relationship(
        cascade_delete=True, sa_relationship_kwargs={"order_by": "ShortlistItem.added_at"}
    )


class ShortlistItem(SQLModel, table=True):
    __tablename__ = "shortlist_item"

    shortlist_id: uuid.UUID = Field(
        foreign_key="shortlist.id", primary_key=True, ondelete="CASCADE"
    )
    service_id: uuid.UUID = Field(foreign_key="service.id", primary_key=True, ondelete="CASCADE")
    added_at: datetime = Field(default_factory=utcnow)

    service: Service = Relationship()


class FeedbackOutcome(enum.StrEnum):
    USED = "used"
    UNSUITABLE = "unsuitable"
    NO_REPLY = "no_reply"


class MatchFeedback(SQLModel, table=True):
    """What happened when a link worker suggested a service: used, unsuitable (why), or
    no reply. Counted per service, to flag listings that may need a review."""

    __tablename__ = "match_feedback"

    id: uuid.UUID = id_field()
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    user_id: uuid.UUID | None = Field(
        default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL"
    )
    outcome: FeedbackOutcome = Field(sa_type=enum_column(FeedbackOutcome))
    reason: str = Field(default="", max_length=40)
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, index=True)
