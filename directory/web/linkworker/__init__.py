"""Pages for link workers (signed in): match a person to services, shortlists, feedback."""

from directory.web.linkworker import plan_views  # noqa: F401  (routes)
from directory.web.linkworker.views import blueprint

__all__ = ["blueprint"]
