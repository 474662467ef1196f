"""SQLModel tables, shaped on Open Referral UK (HSDS 3.0).

Table and column names follow HSDS where the standard has the thing
(`organization`, `service`, `service_at_location`, `cost_option`, ...), so that
the API can emit standard objects without renaming. Python class names use the
users' words (Organisation). What a directory needs beyond the standard
(listing status, capacity, referral routes, last verified, version) sits on the
tables beside the standard fields.

Ids are UUIDs. Seeded and imported records get stable ids (uuid5 of a key),
so that loading the same data twice updates rather than duplicates.

One module per feature; every table is re-exported here, so `from directory.models import
Service` works wherever a table is needed, and Alembic sees every table.
"""

from directory.models.accounts import ApiToken, Role, User
from directory.models.base import JSON_VALUE, NAMESPACE, Tracked, id_or_none, stable_id, utcnow
from directory.models.cases import (
    Case,
    CaseAccess,
    CaseStatus,
    PlanLink,
    Referral,
    ReferralKind,
    ReferralRoute,
    ReferralStatus,
    ReferralStatusChange,
    StatusSetBy,
    WellbeingRecord,
    WellbeingWhen,
)
from directory.models.catalogue import (
    NEEDS_TAXONOMY_ID,
    REFERRAL_ROUTE_CODES,
    Accessibility,
    AreaType,
    Capacity,
    CareLevel,
    Closure,
    Contact,
    CostOption,
    Language,
    ListingStatus,
    Location,
    Neighbourhood,
    Organisation,
    Phone,
    Schedule,
    SearchPhrase,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceForeignTerm,
    ServiceTaxonomyTerm,
    Taxonomy,
    TaxonomyMapping,
    TaxonomyTerm,
    VocabularyChange,
)
from directory.models.changes import CatalogueChange
from directory.models.digests import LinkWorkerDigest
from directory.models.feeds import Feed, FeedListing, FeedSync
from directory.models.listings import (
    EntityType,
    ListingChange,
    ListingReport,
    ListingRevision,
    OrganisationRequest,
    ReportKind,
    RequestKind,
    RequestStatus,
    RevisionStatus,
    TaskStatus,
    VerificationReminder,
)
from directory.models.notes import ServiceNote
from directory.models.referrals import FeedbackOutcome, MatchFeedback, Shortlist, ShortlistItem
from directory.models.search import SearchLog
from directory.models.security import (
    RecoveryCode,
    SecurityEvent,
    SecurityEventKind,
    TwoFactor,
)

__all__ = [
    "JSON_VALUE",
    "NAMESPACE",
    "NEEDS_TAXONOMY_ID",
    "REFERRAL_ROUTE_CODES",
    "Accessibility",
    "ApiToken",
    "AreaType",
    "Capacity",
    "CareLevel",
    "Case",
    "CaseAccess",
    "CaseStatus",
    "CatalogueChange",
    "Closure",
    "Contact",
    "CostOption",
    "EntityType",
    "Feed",
    "FeedListing",
    "FeedSync",
    "FeedbackOutcome",
    "Language",
    "LinkWorkerDigest",
    "ListingChange",
    "ListingReport",
    "ListingRevision",
    "ListingStatus",
    "Location",
    "MatchFeedback",
    "Neighbourhood",
    "Organisation",
    "OrganisationRequest",
    "Phone",
    "PlanLink",
    "Referral",
    "ReferralKind",
    "ReferralRoute",
    "ReferralStatus",
    "ReferralStatusChange",
    "RecoveryCode",
    "ReportKind",
    "RequestKind",
    "RequestStatus",
    "RevisionStatus",
    "Role",
    "Schedule",
    "SearchLog",
    "SearchPhrase",
    "SecurityEvent",
    "SecurityEventKind",
    "Service",
    "ServiceNote",
    "ServiceArea",
    "ServiceAtLocation",
    "ServiceForeignTerm",
    "ServiceTaxonomyTerm",
    "Shortlist",
    "StatusSetBy",
    "ShortlistItem",
    "TaskStatus",
    "Taxonomy",
    "TaxonomyMapping",
    "TaxonomyTerm",
    "VocabularyChange",
    "Tracked",
    "TwoFactor",
    "User",
    "VerificationReminder",
    "WellbeingRecord",
    "WellbeingWhen",
    "id_or_none",
    "stable_id",
    "utcnow",
]
