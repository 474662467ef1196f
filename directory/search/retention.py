"""The search log keeps the words people typed for SEARCH_LOG_WORDS_DAYS (90 by default),
then only what they were understood as: the words can hold personal details; the needs,
district, hour and count of results are what reports of unmet need read."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

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


def purge_step(
    session: Session, config: Mapping[str, object], today: date, dry_run: bool
) -> tuple[int, str]:
    """purge-expired's step for the search log (directory/privacy.py)."""
    days = int(str(config["SEARCH_LOG_WORDS_DAYS"]))
    now = datetime.combine(today, time.min, tzinfo=UTC)
    if dry_run:
        older = col(SearchLog.searched_at) < now - timedelta(days=days)
        waiting = col(SearchLog.words_dropped).is_(False)
        count = session.exec(
            select(func.count()).select_from(SearchLog).where(older, waiting)
        ).one()
        return count, f"would drop the words of {count} searches older than {days} days"
    count = drop_old_words(session, days, now)
    return count, f"dropped the words of {count} searches older than {days} days"
