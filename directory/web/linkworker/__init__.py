"""Pages for link workers (signed in): match a person to services, shortlists, feedback,
and their caseload (case_views.py: the cases, each case's page, matching from a case)."""

from directory.web.linkworker import (  # noqa: F401  (routes)
    case_views,
    note_views,
    plan_views,
    referral_views,
)
from directory.web.linkworker.views import blueprint

__all__ = ["blueprint"]
