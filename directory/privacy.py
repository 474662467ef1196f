"""Keep what people search for, and who searched, out of the server's own logs.

Search words and postcodes travel in the query string, and the development
server logs every request line with the client's address. The privacy notice
promises neither is kept, so both are cut before a log line is written.
(In production, run gunicorn without an access log, or with a format that
leaves out %(h)s and %(q)s.)
"""

from __future__ import annotations

import logging
import re

QUERY_STRING = re.compile(r"(/[^?\s]*)\?\S*")
CLIENT_ADDRESS = re.compile(r"^\S+ - - ")


class ForgetSearches(logging.Filter):
    """Drops the query string and the client's address from logged requests."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = CLIENT_ADDRESS.sub("- - ", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                QUERY_STRING.sub(r"\1", a) if isinstance(a, str) else a for a in record.args
            )
        return True


def register() -> None:
    """Attach the filter to werkzeug's request log, once per process."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, ForgetSearches) for f in logger.filters):
        logger.addFilter(ForgetSearches())
