"""The catalogue: needs, organisations, places and services (HSDS names for the tables)."""

import enum
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from directory.models.base import (
    JSON_VALUE,
    Tracked,
    enum_column,
    id_field,
    stable_id,
    utcnow,
)

NEEDS_TAXONOMY_ID = stable_id("taxonomy", "signpost-needs")

# The routes into a service, each a column `<code>_referral` of Service; their words are
# catalogue.vocabulary.REFERRAL_ROUTES (in this order).
REFERRAL_ROUTE_CODES = ("self", "professional", "gp", "mhp", "urgent")


class ListingStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Capacity(enum.StrEnum):
    OPEN = "open"
    WAITING_LIST = "waiting_list"
    NOT_TAKING_REFERRALS = "not_taking_referrals"


class CareLevel(enum.StrEnum):
    """Where a mental health service sits (catalogue.vocabulary.CARE_LEVELS has the words).
    Signpost shows the level; it never decides which level a person needs."""

    COMMUNITY = "community"
    PRIMARY_CARE = "primary_care"  # primary care mental health: Talking Therapies, the PCN's MHP
    SPECIALIST = "specialist"  # secondary care: community teams, psychosis, eating disorders
    CRISIS = "crisis"  # crisis lines, crisis and home treatment


class AreaType(enum.StrEnum):
    LOCAL_AUTHORITY = "local_authority"
    DISTRICTS = "districts"
    RADIUS = "radius"
    NATIONAL = "national"


# --- taxonomy ---------------------------------------------------------------


class Taxonomy(SQLModel, table=True):
    __tablename__ = "taxonomy"

    id: uuid.UUID = id_field()
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_type=sa.Text)
    uri: str | None = Field(default=None, max_length=500)
    version: str | None = Field(default=None, max_length=50)

    terms: list["TaxonomyTerm"] = Relationship(back_populates="taxonomy")


class TaxonomyTerm(SQLModel, table=True):
    """A need in plain words (loneliness, money worries), or a term of another taxonomy."""

    __tablename__ = "taxonomy_term"
    __table_args__ = (sa.UniqueConstraint("taxonomy_id", "code"),)

    id: uuid.UUID = id_field()
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
    # The heading the link worker's matching form shows this need under ("" for none), and
    # its place among the grouped needs (a heading comes where its first need does).
    group_name: str = Field(default="", max_length=100)
    group_position: int = Field(default=0)
    # The ages a need for a group of people names (young_people: 11 to 25): a service tagged
    # with it suits people of other ages less.
    minimum_age: int | None = None
    maximum_age: int | None = None
    # Moves on every change, so that each worker process sees an edited vocabulary at once.
    updated_at: datetime = Field(
        default_factory=utcnow, nullable=False, sa_column_kwargs={"onupdate": utcnow}
    )

    taxonomy: "Taxonomy" = Relationship(back_populates="terms")


class SearchPhrase(SQLModel, table=True):
    """Words people search with ("skint", "no friends", "lonley") and what they mean:
    more words to search for, and the needs they point to (need codes)."""

    __tablename__ = "search_phrase"

    id: uuid.UUID = id_field()
    phrase: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    means: list[str] = Field(default_factory=list, sa_type=JSON_VALUE)
    needs: list[str] = Field(default_factory=list, sa_type=JSON_VALUE)
    position: int = Field(default=0)
    # Moves on every change, so that each worker process sees an edited phrase at once.
    updated_at: datetime = Field(
        default_factory=utcnow, nullable=False, sa_column_kwargs={"onupdate": utcnow}
    )


class VocabularyChange(SQLModel, table=True):
    """One change a manager made to the needs vocabulary (a need's words, a search phrase),
    kept for good: who, when, and what it was before and after. `flask seed` leaves alone
    what a manager changed (directory.catalogue.vocabulary_editing)."""

    __tablename__ = "vocabulary_change"

    id: uuid.UUID = id_field()
    changed_at: datetime = Field(default_factory=utcnow, nullable=False, index=True)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    # Who, in words that stay true if the account goes: their email.
    actor: str = Field(max_length=254)
    kind: str = Field(max_length=20)  # "need" or "phrase"
    # The need's code, or the phrase (lower case) as it was before the change.
    key: str = Field(max_length=200, index=True)
    action: str = Field(max_length=40)  # "changed", "added" or "removed"
    before: dict[str, object] = Field(default_factory=dict, sa_type=JSON_VALUE)
    after: dict[str, object] = Field(default_factory=dict, sa_type=JSON_VALUE)


class ServiceTaxonomyTerm(SQLModel, table=True):
    """Links a service to the needs it meets (HSDS `attribute` with link_type service)."""

    __tablename__ = "service_taxonomy_term"

    service_id: uuid.UUID = Field(foreign_key="service.id", primary_key=True, ondelete="CASCADE")
    taxonomy_term_id: uuid.UUID = Field(foreign_key="taxonomy_term.id", primary_key=True)
    # 0 is the need the service is mainly for.
    rank: int = Field(default=0)

    term: "TaxonomyTerm" = Relationship()


class ServiceForeignTerm(SQLModel, table=True):
    """A term of another directory's taxonomy that an imported service carried, kept as the
    feed gave it: exported back out with its own taxonomy, and searched by its name. What it
    means in our needs is decided by directory.oruk.needs_map and TaxonomyMapping."""

    __tablename__ = "service_foreign_term"

    id: uuid.UUID = id_field()
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    # The taxonomy's name and id, and the term's id, code and name, as the feed gave them.
    taxonomy: str = Field(default="", max_length=200)
    taxonomy_id: str = Field(default="", max_length=100)
    term_id: str = Field(default="", max_length=100)
    code: str = Field(default="", max_length=100)
    name: str = Field(default="", max_length=200, index=True)
    position: int = Field(default=0)


class TaxonomyMapping(SQLModel, table=True):
    """A manager's decision on what a term of another directory's taxonomy means: one of our
    needs, or not a need (need_code None). Re-applied on every later import, and at once to
    the services already carrying the term (directory.oruk.taxonomy_mapping)."""

    __tablename__ = "taxonomy_mapping"
    __table_args__ = (sa.UniqueConstraint("taxonomy", "term_id", "code", "name"),)

    id: uuid.UUID = id_field()
    taxonomy: str = Field(default="", max_length=200)
    term_id: str = Field(default="", max_length=100)
    code: str = Field(default="", max_length=100)
    name: str = Field(default="", max_length=200)
    need_code: str | None = Field(default=None, max_length=100)
    decided_at: datetime = Field(default_factory=utcnow, nullable=False)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    # Who, in words that stay true if the account goes: their email.
    actor: str = Field(default="", max_length=254)


# --- organisations and places ----------------------------------------------


class Organisation(Tracked, table=True):
    __tablename__ = "organization"
    # The published organisations' ids straight from an index (is_published asks for them
    # on every public read).
    __table_args__ = (sa.Index("ix_organization_listed", "status", "id"),)

    id: uuid.UUID = id_field()
    name: str = Field(max_length=200, index=True)
    description: str = Field(default="", sa_type=sa.Text)
    email: str | None = Field(default=None, max_length=254)
    website: str | None = Field(default=None, max_length=500)
    charity_number: str | None = Field(default=None, max_length=20)
    # A new organisation waits for a manager's approval before it is public.
    status: ListingStatus = Field(
        default=ListingStatus.PENDING_REVIEW, sa_type=enum_column(ListingStatus), index=True
    )
    last_verified: date | None = None

    services: list["Service"] = Relationship(back_populates="organisation")
    locations: list["Location"] = Relationship(back_populates="organisation")
    phones: list["Phone"] = Relationship(back_populates="organisation", cascade_delete=True)


class Location(Tracked, table=True):
    """A physical place where services are offered, with its address."""

    __tablename__ = "location"

    id: uuid.UUID = id_field()
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

    id: uuid.UUID = id_field()
    location_id: uuid.UUID = Field(foreign_key="location.id", index=True, ondelete="CASCADE")
    # A feature code from catalogue.vocabulary.ACCESSIBILITY (step_free, hearing_loop, ...).
    feature: str = Field(max_length=50)
    description: str = Field(default="", max_length=300)
    details: str = Field(default="", sa_type=sa.Text)

    location: "Location" = Relationship(back_populates="accessibility")


# --- services ---------------------------------------------------------------


class Service(Tracked, table=True):
    """A service or community asset, with its eligibility and what a directory needs."""

    __tablename__ = "service"
    # Published services in name order with their organisation, from the index alone: a
    # page of a list (the Open Referral UK API's) reads its rows, not every listing, and
    # counting them reads no table.
    __table_args__ = (sa.Index("ix_service_listed", "status", "name", "id", "organization_id"),)

    id: uuid.UUID = id_field()
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
    # Stated restrictions from catalogue.vocabulary.RESTRICTIONS (women_only, carers_only, ...).
    restrictions: list[str] = Field(default_factory=list, sa_type=JSON_VALUE)

    # Cost: free or not; the amounts are cost options.
    is_free: bool = True
    fees_description: str = Field(default="", sa_type=sa.Text)

    # Referral routes, and how to get in (HSDS application_process).
    self_referral: bool = False
    professional_referral: bool = False
    gp_referral: bool = False
    # through the mental health practitioner at the GP practice; an urgent route (same day)
    mhp_referral: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    urgent_referral: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # False when nobody has said how to get in (an import that found no words for it): the
    # matcher then allows the listing and says to check with the service, as unknown is not no.
    routes_known: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    application_process: str = Field(default="", sa_type=sa.Text)

    # Beyond the standard: listing status, capacity, freshness.
    status: ListingStatus = Field(
        default=ListingStatus.DRAFT, sa_type=enum_column(ListingStatus), index=True
    )
    capacity: Capacity = Field(default=Capacity.OPEN, sa_type=enum_column(Capacity))
    waiting_weeks: int | None = None
    last_verified: date | None = None
    # Where an imported listing's last_verified came from, when nobody here has checked it:
    # "from Leeds Directory, updated" (then the date); "" once a manager or editor checks it.
    checked_source: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    # A note on the opening times, in words ("Ring first in school holidays"); the days it
    # is shut are closures (below) and closed_on_bank_holidays.
    opening_exceptions: str = Field(default="", max_length=300)
    # Shut on every bank holiday in England and Wales (matcher/bank_holidays.json).
    closed_on_bank_holidays: bool = False

    # Mental health pathways: an NHS (or NHS-commissioned) mental health service is a listing
    # of its own kind, named by its pathway (catalogue.vocabulary.NHS_PATHWAYS: "" for an
    # ordinary community listing), with its level of care and how to reach help out of hours.
    pathway: str = Field(default="", max_length=40, sa_column_kwargs={"server_default": ""})
    care_level: CareLevel | None = Field(default=None, sa_type=enum_column(CareLevel))
    out_of_hours: str = Field(default="", max_length=300, sa_column_kwargs={"server_default": ""})
    # Why the listing waits for a manager although its import said "publish at once" (it
    # looks like another listing); cleared when a manager publishes or archives it.
    hold_reason: str = Field(default="", max_length=500)

    organisation: "Organisation" = Relationship(back_populates="services")
    location_links: list["ServiceAtLocation"] = Relationship(
        back_populates="service", cascade_delete=True
    )
    schedules: list["Schedule"] = Relationship(back_populates="service", cascade_delete=True)
    closures: list["Closure"] = Relationship(
        back_populates="service",
        cascade_delete=True,
        sa_relationship_kwargs={"order_by": "Closure.starts"},
    )
    cost_options: list["CostOption"] = Relationship(back_populates="service", cascade_delete=True)
    areas: list["ServiceArea"] = Relationship(back_populates="service", cascade_delete=True)
    languages: list["Language"] = Relationship(back_populates="service", cascade_delete=True)
    contacts: list["Contact"] = Relationship(back_populates="service", cascade_delete=True)
    need_links: list["ServiceTaxonomyTerm"] = Relationship(
        cascade_delete=True,
        sa_relationship_kwargs={"order_by": "ServiceTaxonomyTerm.rank"},
    )
    foreign_terms: list["ServiceForeignTerm"] = Relationship(
        cascade_delete=True,
        sa_relationship_kwargs={"order_by": "ServiceForeignTerm.position"},
    )

    @property
    def needs(self) -> list[TaxonomyTerm]:
        return [link.term for link in self.need_links]

    @property
    def locations(self) -> list[Location]:
        return [link.location for link in self.location_links]

    @property
    def referral_routes(self) -> list[str]:
        """The routes in, in catalogue.vocabulary.REFERRAL_ROUTES's order."""
        return [route for route in REFERRAL_ROUTE_CODES if getattr(self, f"{route}_referral")]

    def set_referral_routes(self, routes: Iterable[str]) -> None:
        """Open exactly these routes in (codes of REFERRAL_ROUTE_CODES) and close the rest."""
        set_referral_routes(self, routes)

    @property
    def delivery(self) -> list[str]:
        modes = [("in_person", self.in_person), ("online", self.online), ("phone", self.by_phone)]
        return [name for name, on in modes if on]


def set_referral_routes(listing: object, routes: Iterable[str]) -> None:
    """Open exactly these routes into a service (codes of REFERRAL_ROUTE_CODES) and close the
    rest: on a Service, or on an import's row of one (which has its columns, not methods)."""
    wanted = set(routes)
    unknown = wanted - set(REFERRAL_ROUTE_CODES)
    if unknown:
        raise ValueError(f"not a referral route: {', '.join(sorted(unknown))}")
    for route in REFERRAL_ROUTE_CODES:
        setattr(listing, f"{route}_referral", route in wanted)


class ServiceAtLocation(SQLModel, table=True):
    __tablename__ = "service_at_location"
    __table_args__ = (sa.UniqueConstraint("service_id", "location_id"),)

    id: uuid.UUID = id_field()
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    location_id: uuid.UUID = Field(foreign_key="location.id", index=True)

    service: "Service" = Relationship(back_populates="location_links")
    location: "Location" = Relationship(back_populates="service_links")


class Schedule(SQLModel, table=True):
    """A regular weekly opening: days, opening and closing time (RFC 5545 style, as HSDS)."""

    __tablename__ = "schedule"

    id: uuid.UUID = id_field()
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
    # Declared so that a flush writes the place before the openings that name it.
    service_at_location: Optional["ServiceAtLocation"] = Relationship()

    @property
    def days(self) -> list[str]:
        return [d for d in self.byday.split(",") if d]


class Closure(SQLModel, table=True):
    """Closed from one day to another, both included, with the reason ("Christmas break").
    Beyond the standard: exported as an HSDS schedule with no opening times (see
    directory/oruk/serialise.py)."""

    __tablename__ = "closure"

    id: uuid.UUID = id_field()
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    starts: date
    ends: date
    reason: str = Field(default="", max_length=200)

    service: "Service" = Relationship(back_populates="closures")


class CostOption(SQLModel, table=True):
    __tablename__ = "cost_option"

    id: uuid.UUID = id_field()
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    option: str = Field(default="", max_length=200)
    amount: float | None = None
    currency: str = Field(default="GBP", max_length=3)
    amount_description: str = Field(default="", max_length=500)

    service: "Service" = Relationship(back_populates="cost_options")


class ServiceArea(SQLModel, table=True):
    """Who a service serves: a local authority, postcode districts, a radius, or the nation."""

    __tablename__ = "service_area"

    id: uuid.UUID = id_field()
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    extent_type: AreaType = Field(sa_type=enum_column(AreaType))
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

    id: uuid.UUID = id_field()
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    # ISO 639-1 code; the name comes from directory.catalogue.vocabulary.LANGUAGES.
    code: str = Field(max_length=3)
    name: str = Field(max_length=100)
    note: str = Field(default="", max_length=300)

    service: "Service" = Relationship(back_populates="languages")


class Contact(SQLModel, table=True):
    __tablename__ = "contact"

    id: uuid.UUID = id_field()
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

    id: uuid.UUID = id_field()
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

    id: uuid.UUID = id_field()
    name: str = Field(max_length=100, sa_column_kwargs={"unique": True})
    postcode: str = Field(max_length=10)
    latitude: float
    longitude: float
    local_authority_code: str = Field(max_length=9)
    # Postcode districts it spans, space-separated: "LS6 LS4".
    districts: str = Field(default="", max_length=100)
