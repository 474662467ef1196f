"""SQLModel tables, shaped on Open Referral UK (HSDS 3.0).

Table and column names follow HSDS where the standard has the thing
(`organization`, `service`, `service_at_location`, `cost_option`, ...), so that
the API can emit standard objects without renaming. Python class names use the
users' words (Organisation). What a directory needs beyond the standard
(listing status, capacity, referral routes, last verified, version) sits on the
tables beside the standard fields.

Ids are UUIDs. Seeded and imported records get stable ids (uuid5 of a key),
so that loading the same data twice updates rather than duplicates.
"""

import enum
import uuid
from datetime import UTC, date, datetime
from typing import Optional

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, Relationship, SQLModel

NAMESPACE = uuid.UUID("6f1d3c52-2b8a-4d0e-9a57-2f6c4b1e8d90")
# JSON values: JSONB on PostgreSQL, so that later filters can use its operators and indexes.
JSON_VALUE = sa.JSON().with_variant(JSONB(), "postgresql")


def stable_id(kind: str, key: str) -> uuid.UUID:
    """The same UUID for the same kind and key, on every machine."""
    return uuid.uuid5(NAMESPACE, f"{kind}:{key}")


NEEDS_TAXONOMY_ID = stable_id("taxonomy", "signpost-needs")


def utcnow() -> datetime:
    return datetime.now(UTC)


class ListingStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Capacity(enum.StrEnum):
    OPEN = "open"
    WAITING_LIST = "waiting_list"
    NOT_TAKING_REFERRALS = "not_taking_referrals"


class AreaType(enum.StrEnum):
    LOCAL_AUTHORITY = "local_authority"
    DISTRICTS = "districts"
    RADIUS = "radius"
    NATIONAL = "national"


class Role(enum.StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    LINK_WORKER = "linkworker"
    EDITOR = "editor"


def _enum(cls: type[enum.StrEnum]) -> sa.Enum:
    # Stored as plain strings with a CHECK, so adding a value later is a small migration.
    return sa.Enum(
        cls,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        name=f"{cls.__name__.lower()}_values",
    )


def _id_field() -> uuid.UUID:
    return Field(default_factory=uuid.uuid4, primary_key=True)


class Tracked(SQLModel):
    """Columns every editable record carries: a version for safe concurrent edits, timestamps."""

    version: int = Field(default=1, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    updated_at: datetime = Field(
        default_factory=utcnow, nullable=False, sa_column_kwargs={"onupdate": utcnow}
    )


# --- taxonomy ---------------------------------------------------------------


class Taxonomy(SQLModel, table=True):
    __tablename__ = "taxonomy"

    id: uuid.UUID = _id_field()
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_type=sa.Text)
    uri: str | None = Field(default=None, max_length=500)
    version: str | None = Field(default=None, max_length=50)

    terms: list["TaxonomyTerm"] = Relationship(back_populates="taxonomy")


class TaxonomyTerm(SQLModel, table=True):
    """A need in plain words (loneliness, money worries), or a term of another taxonomy."""

    __tablename__ = "taxonomy_term"
    __table_args__ = (sa.UniqueConstraint("taxonomy_id", "code"),)

    id: uuid.UUID = _id_field()
    taxonomy_id: uuid.UUID = Field(foreign_key="taxonomy.id", index=True)
    code: str = Field(max_length=100)
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_type=sa.Text)
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="taxonomy_term.id")
    term_uri: str | None = Field(default=None, max_length=500)
    # Words people use for this need; search and matching read them.
    synonyms: list[str] = Field(default_factory=list, sa_type=JSON_VALUE)
    # Cross-walk to Open Eligibility, where a term fits: its service ids ("1303") and its
    # situation ids ("20078"), which are two facets of that taxonomy.
    open_eligibility_services: list[str] = Field(default_factory=list, sa_type=JSON_VALUE)
    open_eligibility_situations: list[str] = Field(default_factory=list, sa_type=JSON_VALUE)
    # A need that calls for crisis help to be shown first.
    crisis: bool = Field(default=False)
    position: int = Field(default=0)

    taxonomy: "Taxonomy" = Relationship(back_populates="terms")


class ServiceTaxonomyTerm(SQLModel, table=True):
    """Links a service to the needs it meets (HSDS `attribute` with link_type service)."""

    __tablename__ = "service_taxonomy_term"

    service_id: uuid.UUID = Field(foreign_key="service.id", primary_key=True, ondelete="CASCADE")
    taxonomy_term_id: uuid.UUID = Field(foreign_key="taxonomy_term.id", primary_key=True)
    # 0 is the need the service is mainly for.
    rank: int = Field(default=0)

    term: "TaxonomyTerm" = Relationship()


# --- organisations and places ----------------------------------------------


class Organisation(Tracked, table=True):
    __tablename__ = "organization"

    id: uuid.UUID = _id_field()
    name: str = Field(max_length=200, index=True)
    description: str = Field(default="", sa_type=sa.Text)
    email: str | None = Field(default=None, max_length=254)
    website: str | None = Field(default=None, max_length=500)
    charity_number: str | None = Field(default=None, max_length=20)
    # A new organisation waits for a manager's approval before it is public.
    status: ListingStatus = Field(
        default=ListingStatus.PENDING_REVIEW, sa_type=_enum(ListingStatus), index=True
    )
    last_verified: date | None = None

    services: list["Service"] = Relationship(back_populates="organisation")
    locations: list["Location"] = Relationship(back_populates="organisation")
    phones: list["Phone"] = Relationship(back_populates="organisation", cascade_delete=True)


class Location(Tracked, table=True):
    """A physical place where services are offered, with its address."""

    __tablename__ = "location"

    id: uuid.UUID = _id_field()
    organization_id: uuid.UUID | None = Field(default=None, foreign_key="organization.id")
    location_type: str = Field(default="physical", max_length=20)
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_type=sa.Text)
    address_1: str = Field(default="", max_length=200)
    address_2: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=100)
    postal_code: str = Field(default="", max_length=10, index=True)
    country: str = Field(default="GB", max_length=2)
    latitude: float | None = None
    longitude: float | None = None
    local_authority_code: str | None = Field(default=None, max_length=9)
    transport: str = Field(default="", sa_type=sa.Text)

    organisation: Optional["Organisation"] = Relationship(back_populates="locations")
    accessibility: list["Accessibility"] = Relationship(
        back_populates="location", cascade_delete=True
    )
    service_links: list["ServiceAtLocation"] = Relationship(back_populates="location")

    @property
    def one_line_address(self) -> str:
        parts = [self.address_1, self.address_2, self.city, self.postal_code]
        return ", ".join(p for p in parts if p)


class Accessibility(SQLModel, table=True):
    __tablename__ = "accessibility"

    id: uuid.UUID = _id_field()
    location_id: uuid.UUID = Field(foreign_key="location.id", index=True, ondelete="CASCADE")
    # A feature code from directory.vocabulary.ACCESSIBILITY (step_free, hearing_loop, ...).
    feature: str = Field(max_length=50)
    description: str = Field(default="", max_length=300)
    details: str = Field(default="", sa_type=sa.Text)

    location: "Location" = Relationship(back_populates="accessibility")


# --- services ---------------------------------------------------------------


class Service(Tracked, table=True):
    """A service or community asset, with its eligibility and what a directory needs."""

    __tablename__ = "service"

    id: uuid.UUID = _id_field()
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True)
    name: str = Field(max_length=200, index=True)
    alternate_name: str | None = Field(default=None, max_length=200)
    summary: str = Field(default="", max_length=300)
    description: str = Field(default="", sa_type=sa.Text)
    url: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=254)
    keywords: list[str] = Field(default_factory=list, sa_type=JSON_VALUE)

    # How it is delivered.
    in_person: bool = False
    online: bool = False
    by_phone: bool = False

    # Eligibility (HSDS keeps ages and the description on the service).
    minimum_age: int | None = None
    maximum_age: int | None = None
    eligibility_description: str = Field(default="", sa_type=sa.Text)
    # Stated restrictions from directory.vocabulary.RESTRICTIONS (women_only, carers_only, ...).
    restrictions: list[str] = Field(default_factory=list, sa_type=JSON_VALUE)

    # Cost: free or not; the amounts are cost options.
    is_free: bool = True
    fees_description: str = Field(default="", sa_type=sa.Text)

    # Referral routes, and how to get in (HSDS application_process).
    self_referral: bool = False
    professional_referral: bool = False
    gp_referral: bool = False
    application_process: str = Field(default="", sa_type=sa.Text)

    # Beyond the standard: listing status, capacity, freshness.
    status: ListingStatus = Field(
        default=ListingStatus.DRAFT, sa_type=_enum(ListingStatus), index=True
    )
    capacity: Capacity = Field(default=Capacity.OPEN, sa_type=_enum(Capacity))
    waiting_weeks: int | None = None
    last_verified: date | None = None
    # Exceptions to the weekly times, in words: "Closed on bank holidays".
    opening_exceptions: str = Field(default="", max_length=300)

    organisation: "Organisation" = Relationship(back_populates="services")
    location_links: list["ServiceAtLocation"] = Relationship(
        back_populates="service", cascade_delete=True
    )
    schedules: list["Schedule"] = Relationship(back_populates="service", cascade_delete=True)
    cost_options: list["CostOption"] = Relationship(back_populates="service", cascade_delete=True)
    areas: list["ServiceArea"] = Relationship(back_populates="service", cascade_delete=True)
    languages: list["Language"] = Relationship(back_populates="service", cascade_delete=True)
    contacts: list["Contact"] = Relationship(back_populates="service", cascade_delete=True)
    need_links: list["ServiceTaxonomyTerm"] = Relationship(
        cascade_delete=True,
        sa_relationship_kwargs={"order_by": "ServiceTaxonomyTerm.rank"},
    )

    @property
    def needs(self) -> list[TaxonomyTerm]:
        return [link.term for link in self.need_links]

    @property
    def locations(self) -> list[Location]:
        return [link.location for link in self.location_links]

    @property
    def referral_routes(self) -> list[str]:
        routes = [
            ("self", self.self_referral),
            ("professional", self.professional_referral),
            ("gp", self.gp_referral),
        ]
        return [name for name, on in routes if on]

    @property
    def delivery(self) -> list[str]:
        modes = [("in_person", self.in_person), ("online", self.online), ("phone", self.by_phone)]
        return [name for name, on in modes if on]


class ServiceAtLocation(SQLModel, table=True):
    __tablename__ = "service_at_location"
    __table_args__ = (sa.UniqueConstraint("service_id", "location_id"),)

    id: uuid.UUID = _id_field()
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    location_id: uuid.UUID = Field(foreign_key="location.id", index=True)

    service: "Service" = Relationship(back_populates="location_links")
    location: "Location" = Relationship(back_populates="service_links")


class Schedule(SQLModel, table=True):
    """A regular weekly opening: days, opening and closing time (RFC 5545 style, as HSDS)."""

    __tablename__ = "schedule"

    id: uuid.UUID = _id_field()
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    service_at_location_id: uuid.UUID | None = Field(
        default=None, foreign_key="service_at_location.id"
    )
    freq: str = Field(default="WEEKLY", max_length=10)
    # Comma-separated RFC 5545 days: "MO,WE".
    byday: str = Field(max_length=30)
    opens_at: str = Field(max_length=5)
    closes_at: str = Field(max_length=5)
    valid_from: date | None = None
    valid_to: date | None = None
    description: str = Field(default="", max_length=300)
    notes: str = Field(default="", max_length=300)

    service: "Service" = Relationship(back_populates="schedules")

    @property
    def days(self) -> list[str]:
        return [d for d in self.byday.split(",") if d]


class CostOption(SQLModel, table=True):
    __tablename__ = "cost_option"

    id: uuid.UUID = _id_field()
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    option: str = Field(default="", max_length=200)
    amount: float | None = None
    currency: str = Field(default="GBP", max_length=3)
    amount_description: str = Field(default="", max_length=500)

    service: "Service" = Relationship(back_populates="cost_options")


class ServiceArea(SQLModel, table=True):
    """Who a service serves: a local authority, postcode districts, a radius, or the nation."""

    __tablename__ = "service_area"

    id: uuid.UUID = _id_field()
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    extent_type: AreaType = Field(sa_type=_enum(AreaType))
    # Local authority codes or postcode districts, space-separated; empty otherwise.
    extent: str = Field(default="", max_length=500)
    radius_miles: float | None = None
    name: str = Field(default="", max_length=200)

    service: "Service" = Relationship(back_populates="areas")

    @property
    def codes(self) -> list[str]:
        return self.extent.split()


class Language(SQLModel, table=True):
    __tablename__ = "language"

    id: uuid.UUID = _id_field()
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    # ISO 639-1 code; the name comes from directory.vocabulary.LANGUAGES.
    code: str = Field(max_length=3)
    name: str = Field(max_length=100)
    note: str = Field(default="", max_length=300)

    service: "Service" = Relationship(back_populates="languages")


class Contact(SQLModel, table=True):
    __tablename__ = "contact"

    id: uuid.UUID = _id_field()
    service_id: uuid.UUID | None = Field(
        default=None, foreign_key="service.id", index=True, ondelete="CASCADE"
    )
    name: str = Field(default="", max_length=200)
    title: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=254)

    service: Optional["Service"] = Relationship(back_populates="contacts")
    phones: list["Phone"] = Relationship(back_populates="contact", cascade_delete=True)


class Phone(SQLModel, table=True):
    __tablename__ = "phone"

    id: uuid.UUID = _id_field()
    contact_id: uuid.UUID | None = Field(
        default=None, foreign_key="contact.id", index=True, ondelete="CASCADE"
    )
    organization_id: uuid.UUID | None = Field(
        default=None, foreign_key="organization.id", index=True
    )
    number: str = Field(max_length=30)
    description: str = Field(default="", max_length=300)

    contact: Optional["Contact"] = Relationship(back_populates="phones")
    organisation: Optional["Organisation"] = Relationship(back_populates="phones")


class Neighbourhood(SQLModel, table=True):
    """A place name people use (Headingley, Chapeltown), so they can search by it."""

    __tablename__ = "neighbourhood"

    id: uuid.UUID = _id_field()
    name: str = Field(max_length=100, sa_column_kwargs={"unique": True})
    postcode: str = Field(max_length=10)
    latitude: float
    longitude: float
    local_authority_code: str = Field(max_length=9)
    # Postcode districts it spans, space-separated: "LS6 LS4".
    districts: str = Field(default="", max_length=100)


class SearchLog(SQLModel, table=True):
    """One public search, kept to learn about unmet need. Nothing that identifies anyone:
    no IP address, no cookie, no full postcode (only its district), the hour not the minute."""

    __tablename__ = "search_log"

    id: uuid.UUID = _id_field()
    searched_at: datetime = Field(index=True)
    query: str = Field(default="", max_length=200)
    filters: dict[str, object] = Field(default_factory=dict, sa_type=JSON_VALUE)
    place: str = Field(default="", max_length=10)
    results: int = Field(index=True)
    crisis: bool = False
    channel: str = Field(default="web", max_length=10)


# --- people who sign in -----------------------------------------------------


class User(UserMixin, SQLModel, table=True):
    """Someone who signs in: a manager, link worker or organisation editor."""

    __tablename__ = "user_account"

    id: uuid.UUID = _id_field()
    email: str = Field(max_length=254, sa_column_kwargs={"unique": True})
    password_hash: str = Field(max_length=300)
    role: Role = Field(sa_type=_enum(Role))
    organization_id: uuid.UUID | None = Field(default=None, foreign_key="organization.id")
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    # Part of the id Flask-Login keeps in the session and remember cookie: raising it
    # ("sign out everywhere", a password change) makes every older session invalid.
    session_version: int = Field(default=1, nullable=False)

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active


# --- link workers: API tokens, shortlists, feedback on suggestions (issue 4) ----------
# Nothing here names the person a link worker helps: a shortlist has a label the link
# worker chooses (a local reference), and feedback is about a service, not a person.


class ApiToken(SQLModel, table=True):
    """A token that lets a program use the link workers' API as its owner. Only a hash of
    the token is kept: it is shown once, when made."""

    __tablename__ = "api_token"

    id: uuid.UUID = _id_field()
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    label: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked: bool = False


class Shortlist(SQLModel, table=True):
    """Services a link worker has picked out for someone, under a label of their choosing."""

    __tablename__ = "shortlist"

    id: uuid.UUID = _id_field()
    owner_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    label: str = Field(max_length=60)
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

    id: uuid.UUID = _id_field()
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    user_id: uuid.UUID | None = Field(
        default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL"
    )
    outcome: FeedbackOutcome = Field(sa_type=_enum(FeedbackOutcome))
    reason: str = Field(default="", max_length=40)
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, index=True)


# --- keeping listings true: history, revisions, reports, requests, reminders ---------
# Tables of issue 5 (accounts and listings), all made by migration 0004_accounts_listings.


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

    id: uuid.UUID = _id_field()
    changed_at: datetime = Field(default_factory=utcnow, nullable=False, index=True)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    # Who, in words that stay true if the account goes: an email, or "the emailed link".
    actor: str = Field(max_length=254)
    entity_type: EntityType = Field(sa_type=_enum(EntityType))
    entity_id: uuid.UUID = Field(index=True)
    action: str = Field(max_length=40)
    # The listing's version after this change (None when the change left it alone).
    version: int | None = None
    before: dict[str, object] = Field(default_factory=dict, sa_type=JSON_VALUE)
    after: dict[str, object] = Field(default_factory=dict, sa_type=JSON_VALUE)
    note: str = Field(default="", sa_type=sa.Text)


class ListingRevision(SQLModel, table=True):
    """An editor's proposed change to a published listing, waiting for a manager."""

    __tablename__ = "listing_revision"

    id: uuid.UUID = _id_field()
    entity_type: EntityType = Field(sa_type=_enum(EntityType))
    entity_id: uuid.UUID = Field(index=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True)
    base_version: int
    # Only the fields the editor changed: the values they propose, and those they started from.
    proposed: dict[str, object] = Field(default_factory=dict, sa_type=JSON_VALUE)
    before: dict[str, object] = Field(default_factory=dict, sa_type=JSON_VALUE)
    author_id: uuid.UUID = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    status: RevisionStatus = Field(
        default=RevisionStatus.PENDING, sa_type=_enum(RevisionStatus), index=True
    )
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = None
    comment: str = Field(default="", sa_type=sa.Text)


class ListingReport(SQLModel, table=True):
    """A problem with a listing reported by anyone, a task for its editors and the managers."""

    __tablename__ = "listing_report"

    id: uuid.UUID = _id_field()
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    kind: ReportKind = Field(sa_type=_enum(ReportKind))
    details: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    status: TaskStatus = Field(default=TaskStatus.OPEN, sa_type=_enum(TaskStatus), index=True)
    resolved_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    resolved_at: datetime | None = None

    service: "Service" = Relationship()


class OrganisationRequest(SQLModel, table=True):
    """Someone asks to register a new organisation, or to claim one that has no editor."""

    __tablename__ = "organisation_request"

    id: uuid.UUID = _id_field()
    kind: RequestKind = Field(sa_type=_enum(RequestKind))
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True)
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    role_in_organisation: str = Field(default="", max_length=200)
    message: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    status: RequestStatus = Field(
        default=RequestStatus.PENDING, sa_type=_enum(RequestStatus), index=True
    )
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = None


class VerificationReminder(SQLModel, table=True):
    """A reminder email asking an organisation to confirm a listing is still right."""

    __tablename__ = "verification_reminder"

    id: uuid.UUID = _id_field()
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    # 1, 2 or 3: each reminder is firmer than the last; counting restarts once confirmed.
    number: int
    sent_at: datetime = Field(nullable=False)
    recipients: int = 0
