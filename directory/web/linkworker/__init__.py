"""Pages for link workers (signed in): match a person to services, shortlists, feedback,
and their caseload (case_views.py: the cases, each case's page, matching from a case)."""

from directory.web.linkworker import case_views, plan_views, referral_views  # noqa: F401  (routes)
from directory.web.linkworker.views import blueprint

__all__ = ["blueprint"]
