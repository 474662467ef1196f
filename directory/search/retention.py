"""The search log keeps the words people typed for SEARCH_LOG_WORDS_DAYS (90 by default),
then only what they were understood as: the words can hold personal details; the needs,
district, hour and count of results are what reports of unmet need read."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col

from directory.models import SearchLog


def drop_old_words(session: Session, keep_days: int, now: datetime) -> int:
    """Blank the words of searches made more than `keep_days` ago; how many were blanked."""
    before = now - timedelta(days=keep_days)
    done = session.execute(
        sa.update(SearchLog)
        .where(col(SearchLog.searched_at) < before, col(SearchLog.words_dropped).is_(False))
        .values(query="", words_dropped=True)
    )
    session.commit()
    return int(done.rowcount or 0)  # type: ignore[attr-defined]
