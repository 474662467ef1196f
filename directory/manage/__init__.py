"""Keeping listings true: editors' and managers' pages, and the public's reports and claims."""

from flask import Blueprint

blueprint = Blueprint("manage", __name__)

from directory.manage import (  # noqa: E402,F401  (the routes)
    import_views,
    merge_views,
    public_views,
    views,
)
