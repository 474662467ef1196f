"""A link worker's cases: one person's episode of support, the referrals made for it and
their status history, wellbeing scores before and after, the private links to the person's
plan, and who looked at a case.

The person is never named: a case has a local reference the link worker types, an age or
age band and a postcode district. "What matters to me" is optional and marked sensitive.
After the retention period the personal fields are cleared (`personal_cleared_at`) and the
rows stay, so that the counts reports need survive.
"""

import enum
import uuid
from datetime import date, datetime

from sqlmodel import Field, SQLModel

from directory.models.base import JSON_VALUE, Tracked, enum_column, id_field, utcnow


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Case(Tracked, table=True):
    """One person's episode with a link worker (table `support_case`: CASE is an SQL word)."""

    __tablename__ = "support_case"

    id: uuid.UUID = id_field()
    # the link worker whose caseload holds it; a manager may hand it to another
    owner_id: uuid.UUID = Field(foreign_key="user_account.id", index=True)
    reference: str = Field(max_length=40)  # the link worker's local reference, never a name
    age: int | None = None
    age_band: str | None = Field(default=None, max_length=10)  # "16-17", "65+"
    postcode_district: str | None = Field(default=None, max_length=4)  # "LS6"
    needs: list[str] = Field(default_factory=list, sa_type=JSON_VALUE)  # need codes
    what_matters: str = Field(default="", max_length=1000)  # sensitive, optional
    consent_to_share: bool = False
    consent_on: date | None = None
    opened_on: date = Field(default_factory=lambda: utcnow().date(), index=True)
    status: CaseStatus = Field(default=CaseStatus.OPEN, sa_type=enum_column(CaseStatus))
    closed_on: date | None = Field(default=None, index=True)
    closed_reason: str = Field(default="", max_length=200)
    wellbeing_due_on: date | None = None  # the next wellbeing check
    personal_cleared_at: datetime | None = None  # set by purge-expired
    # Already known to a specialist mental health team (rapid access back when things get
    # worse): the team's name, its listing if it has one, and its duty contact (phone, hours).
    # Never a clinician's name or an NHS number; cleared by purge-expired.
    known_team: str = Field(default="", max_length=120, sa_column_kwargs={"server_default": ""})
    known_team_service_id: uuid.UUID | None = Field(
        default=None, foreign_key="service.id", ondelete="SET NULL"
    )
    known_team_contact: str = Field(
        default="", max_length=200, sa_column_kwargs={"server_default": ""}
    )


class ReferralRoute(enum.StrEnum):
    SELF_SUPPORTED = "self_supported"  # the person refers themselves, the link worker helps
    PROFESSIONAL = "professional"  # the link worker refers


class ReferralKind(enum.StrEnum):
    COMMUNITY = "community"  # to a listed service
    STEP_UP = "step_up"  # back to the GP, the PCN's mental health practitioner, a specialist


class ReferralStatus(enum.StrEnum):
    SENT = "sent"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ATTENDED = "attended"
    DID_NOT_ATTEND = "did_not_attend"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class StatusSetBy(enum.StrEnum):
    LINK_WORKER = "link_worker"
    PROVIDER = "provider"
    PERSON = "person"  # the person, as the link worker recorded it


class Referral(Tracked, table=True):
    """A case's referral to a service, with its current status (the history is in
    ReferralStatusChange). The organisation is kept so that its side sees the referral even
    if the service is later archived or merged."""

    __tablename__ = "referral"

    id: uuid.UUID = id_field()
    case_id: uuid.UUID = Field(foreign_key="support_case.id", index=True, ondelete="CASCADE")
    service_id: uuid.UUID | None = Field(
        default=None, foreign_key="service.id", index=True, ondelete="SET NULL"
    )
    organization_id: uuid.UUID | None = Field(
        default=None, foreign_key="organization.id", index=True, ondelete="SET NULL"
    )
    service_name: str = Field(default="", max_length=300)  # as it was when referred
    kind: ReferralKind = Field(default=ReferralKind.COMMUNITY, sa_type=enum_column(ReferralKind))
    route: ReferralRoute = Field(sa_type=enum_column(ReferralRoute))
    urgency: str = Field(default="", max_length=20)  # for a step-up: "routine", "urgent"
    # a step-up to someone with no listing: "gp" (the GP practice) or "mhp" (the PCN's mental
    # health practitioner); "" for a referral to a listed service
    step_up_to: str = Field(default="", max_length=20, sa_column_kwargs={"server_default": ""})
    # why the person is stepped up, in the link worker's words: sensitive, cleared by purge
    reason: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    note: str = Field(default="", max_length=1000)  # for the provider; sensitive
    shared: list[str] = Field(default_factory=list, sa_type=JSON_VALUE)  # fields shared
    status: ReferralStatus = Field(
        default=ReferralStatus.SENT, sa_type=enum_column(ReferralStatus), index=True
    )
    created_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    follow_up_on: date | None = Field(default=None, index=True)
    first_reply_at: datetime | None = None  # the provider's first status change
    # when the provider's signed link was last emailed (links themselves are signed, not kept)
    provider_emailed_at: datetime | None = None


class ReferralStatusChange(SQLModel, table=True):
    """One step in a referral's history: append-only."""

    __tablename__ = "referral_status_change"

    id: uuid.UUID = id_field()
    referral_id: uuid.UUID = Field(foreign_key="referral.id", index=True, ondelete="CASCADE")
    status: ReferralStatus = Field(sa_type=enum_column(ReferralStatus))
    set_by: StatusSetBy = Field(sa_type=enum_column(StatusSetBy))
    user_id: uuid.UUID | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    at: datetime = Field(default_factory=utcnow, index=True)
    reason_code: str = Field(default="", max_length=32)  # "not_eligible", "no_capacity", ...
    reason: str = Field(default="", max_length=500)


class WellbeingWhen(enum.StrEnum):
    START = "start"
    FOLLOW_UP = "follow_up"


class WellbeingRecord(SQLModel, table=True):
    """One measure's scores for a case on a date: ONS4 (four items, 0-10) or a measure a PCN
    added (its total score). The items are keyed by the measure's item codes."""

    __tablename__ = "wellbeing_record"

    id: uuid.UUID = id_field()
    case_id: uuid.UUID = Field(foreign_key="support_case.id", index=True, ondelete="CASCADE")
    measure: str = Field(default="ons4", max_length=40)
    when: WellbeingWhen = Field(sa_type=enum_column(WellbeingWhen))
    recorded_on: date = Field(default_factory=lambda: utcnow().date())
    scores: dict[str, int] = Field(default_factory=dict, sa_type=JSON_VALUE)
    recorded_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow)


class PlanLink(SQLModel, table=True):
    """A private link to a case's plan that works without sign-in until it expires or is
    revoked. Only a hash of the link's secret is kept."""

    __tablename__ = "plan_link"

    id: uuid.UUID = id_field()
    case_id: uuid.UUID = Field(foreign_key="support_case.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    created_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class CaseAccess(SQLModel, table=True):
    """Who looked at or changed a case, and when: never what they saw. Kept after a purge
    (the case id then names a case with no personal fields)."""

    __tablename__ = "case_access"

    id: uuid.UUID = id_field()
    case_id: uuid.UUID = Field(foreign_key="support_case.id", index=True, ondelete="CASCADE")
    user_id: uuid.UUID | None = Field(
        default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL"
    )
    action: str = Field(max_length=20)  # "viewed", "changed", "reassigned", "exported"
    at: datetime = Field(default_factory=utcnow, index=True)
