"""Keeping listings true: editors' and managers' pages, and the public's reports and claims."""

from directory.web.manage import import_views, merge_views, public_views  # noqa: F401  (routes)
from directory.web.manage.views import blueprint

__all__ = ["blueprint"]
