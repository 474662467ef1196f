"""Public pages: home, browse by need, service and organisation pages. No account needed."""

from directory.web.public.views import blueprint

__all__ = ["blueprint"]
