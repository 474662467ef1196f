"""Keeping listings true: history, revisions, reports, requests, reminders."""

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from directory.models.base import JSON_VALUE, enum_column, id_field, utcnow
from directory.models.catalogue import Service


class EntityType(enum.StrEnum):
    ORGANISATION = "organisation"
    SERVICE = "service"


class RevisionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


class ReportKind(enum.StrEnum):
    CLOSED = "closed"
    WRONG_DETAILS = "wrong_details"
    WRONG_AREA = "wrong_area"
    OTHER = "other"


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"


class RequestKind(enum.StrEnum):
    REGISTER = "register"
    CLAIM = "claim"


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class ListingChange(SQLModel, table=True):
    """One change to a listing, kept for good: who, when, and the changed fields before and after.

    entity_id has no foreign key on purpose: the history outlives the listing.
    """

    __tablename__ = "listing_change"

    id: uuid.UUID = id_field()
    changed_at: datetime = Field(default_factory=utcnow, nullable=False, index=True)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    # Who, in words that stay true if the account goes: an email, or "the emailed link".
    actor: str = Field(max_length=254)
    entity_type: EntityType = Field(sa_type=enum_column(EntityType))
    entity_id: uuid.UUID = Field(index=True)
    action: str = Field(max_length=40)
    # The listing's version after this change (None when the change left it alone).
    version: int | None = None
    before: dict[str, object] = Field(default_factory=dict, sa_type=JSON_VALUE)
    after: dict[str, object] = Field(default_factory=dict, sa_type=JSON_VALUE)
    note: str = Field(default="", sa_type=sa.Text)


class ListingRevision(SQLModel, table=True):
    """An editor's proposed change to a published listing, waiting for a manager; or a
    followed feed's change to a listing changed here (feed_id set, no author)."""

    __tablename__ = "listing_revision"

    id: uuid.UUID = id_field()
    entity_type: EntityType = Field(sa_type=enum_column(EntityType))
    entity_id: uuid.UUID = Field(index=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True)
    base_version: int
    # Only the fields the editor changed: the values they propose, and those they started from.
    proposed: dict[str, object] = Field(default_factory=dict, sa_type=JSON_VALUE)
    before: dict[str, object] = Field(default_factory=dict, sa_type=JSON_VALUE)
    author_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    feed_id: uuid.UUID | None = Field(default=None, foreign_key="feed.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    status: RevisionStatus = Field(
        default=RevisionStatus.PENDING, sa_type=enum_column(RevisionStatus), index=True
    )
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = None
    comment: str = Field(default="", sa_type=sa.Text)


class ListingReport(SQLModel, table=True):
    """A problem with a listing reported by anyone, a task for its editors and the managers."""

    __tablename__ = "listing_report"

    id: uuid.UUID = id_field()
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    kind: ReportKind = Field(sa_type=enum_column(ReportKind))
    details: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    status: TaskStatus = Field(default=TaskStatus.OPEN, sa_type=enum_column(TaskStatus), index=True)
    resolved_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    resolved_at: datetime | None = None

    service: Service = Relationship()


class OrganisationRequest(SQLModel, table=True):
    """Someone asks to register a new organisation, or to claim one that has no editor."""

    __tablename__ = "organisation_request"

    id: uuid.UUID = id_field()
    kind: RequestKind = Field(sa_type=enum_column(RequestKind))
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True)
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    role_in_organisation: str = Field(default="", max_length=200)
    message: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    status: RequestStatus = Field(
        default=RequestStatus.PENDING, sa_type=enum_column(RequestStatus), index=True
    )
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = None


class VerificationReminder(SQLModel, table=True):
    """A reminder email asking an organisation to confirm a listing is still right."""

    __tablename__ = "verification_reminder"

    id: uuid.UUID = id_field()
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    # 1, 2 or 3: each reminder is firmer than the last; counting restarts once confirmed.
    number: int
    sent_at: datetime = Field(nullable=False)
    recipients: int = 0
