"""Public pages: home, browse by need, service and organisation pages. No account needed."""

from directory.web.public import plan_views  # noqa: F401  (routes)
from directory.web.public.views import blueprint

__all__ = ["blueprint"]
