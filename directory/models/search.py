"""What the public searched for, counted to learn about unmet need."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from directory.models.base import JSON_VALUE, id_field


class SearchLog(SQLModel, table=True):
    """One public search, kept to learn about unmet need. Nothing that identifies anyone:
    no IP address, no cookie, no full postcode (only its district), the hour not the minute."""

    __tablename__ = "search_log"
    # the demand and equity reports count searches in a period by week, needs, place,
    # results and urgent help: all read from this index, not the table
    __table_args__ = (
        sa.Index(
            "ix_search_log_covering", "searched_at", "needs", "place", "results", "urgent_kind"
        ),
    )

    id: uuid.UUID = id_field()
    searched_at: datetime = Field(index=True)
    query: str = Field(default="", max_length=200)
    filters: dict[str, object] = Field(default_factory=dict, sa_type=JSON_VALUE)
    place: str = Field(default="", max_length=10)
    results: int = Field(index=True)
    crisis: bool = False
    channel: str = Field(default="web", max_length=10)
    # the needs the words were understood as (need codes), kept after the words are dropped
    needs: list[str] = Field(default_factory=list, sa_type=JSON_VALUE)
    urgent_kind: str = Field(default="", max_length=10)  # the urgent help shown: "self", "abuse"
    # when the words (`query`) were dropped, after the search log's retention period
    words_dropped: bool = False
