"""Keeping listings true: editors' and managers' pages, and the public's reports and claims."""

from directory.web.manage import (  # noqa: F401  (routes)
    caseload_views,
    feed_views,
    import_views,
    merge_views,
    public_views,
    referral_views,
    report_views,
    security_views,
    taxonomy_views,
    vocabulary_views,
)
from directory.web.manage.views import blueprint

__all__ = ["blueprint"]
