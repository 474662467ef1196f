"""The public search as the search page and the JSON API both run it.

Read the parameters (every problem at once), search, then load the rows for the
page of results in one go, keeping the engine's order: search returns ranked
ids, the caller loads rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

import matcher
from directory import safety, search
from directory.catalogue import published
from directory.matching import pathways
from directory.models import Service
from directory.search import SearchIndex, SearchInputError, SearchRequest, SearchResults
from directory.search.request import MAX_QUERY, NEED_MESSAGE
from directory.search.results import Alternative, Band, Hit


@dataclass(frozen=True)
class Found:
    """What a search found, with the listing of each hit on this page, in ranked order."""

    results: SearchResults
    local: list[tuple[Hit, Service]] = field(default_factory=list)
    online: list[tuple[Hit, Service]] = field(default_factory=list)
    alternatives: list[Alternative] = field(default_factory=list)
    # More support: the NHS mental health options the searcher can refer themselves to,
    # when their words were understood as needs such options meet (matching.pathways)
    pathways: tuple[matcher.PathwayOption, ...] = ()


def read_request(session: Session, args: Mapping[str, Any]) -> SearchRequest:
    """The search someone asked for; SearchInputError lists every parameter that cannot be used."""
    problems: dict[str, str] = {}
    wanted: SearchRequest | None = None
    try:
        wanted = search.parse_request(args)
    except SearchInputError as error:
        problems.update(error.problems)
    need = str(args.get("need") or "").strip().lower()
    if "need" not in problems and need and published.need(session, need) is None:
        problems["need"] = NEED_MESSAGE
    if problems or wanted is None:
        raise SearchInputError(problems)
    return wanted


def run(session: Session, index: SearchIndex, wanted: SearchRequest, *, channel: str) -> Found:
    """Search (the search is logged), then load the listings of this page's hits."""
    results = search.search(session, index, wanted, channel=channel)
    rows = published.cards_by_id(
        session, [hit.service_id for hit in results.local.hits + results.online.hits]
    )
    return Found(
        results=results,
        local=_with_rows(results.local.hits, rows),
        online=_with_rows(results.online.hits, rows),
        alternatives=_distinct(results.alternatives),
        pathways=more_support(session, results),
    )


def more_support(session: Session, results: SearchResults) -> tuple[matcher.PathwayOption, ...]:
    """The self-referral NHS options for the needs the search understood (or chose), on the
    first page of a search (turning pages is not a new search)."""
    wanted = results.request
    if wanted.page != 1 or wanted.band != "all":
        return ()
    needs = [*results.needs_understood, *([wanted.need] if wanted.need else [])]
    where = results.place
    return pathways.for_searcher(
        session,
        needs,
        age=wanted.age,
        place=None
        if where is None
        else (where.latitude, where.longitude, where.local_authority, where.postcode_district),
        # crisis mental health care first when the words speak of suicide or self-harm
        urgent=results.crisis is not None and results.crisis.kind == safety.SELF,
    )


def signals_crisis(args: Mapping[str, Any]) -> str | None:
    """The kind of urgent help the words call for ("self", "abuse" or None), known without a
    search: a form sent back with a problem in it still shows the panel. The danger words are
    safety's own, so no vocabulary from the database is needed."""
    return safety.detect(str(args.get("q") or "")[: 2 * MAX_QUERY])


def nothing_asked(wanted: SearchRequest) -> Found:
    """An empty search: nothing searched, nothing logged."""
    empty = Band([], 0, 1, wanted.per_page)
    return Found(SearchResults(request=wanted, local=empty, online=empty))


def _with_rows(hits: list[Hit], rows: Mapping[Any, Service]) -> list[tuple[Hit, Service]]:
    # A listing unpublished since the index last heard of it is simply left out.
    return [(hit, rows[hit.service_id]) for hit in hits if hit.service_id in rows]


def _distinct(offers: list[Alternative]) -> list[Alternative]:
    """Alternatives that lead to different searches (two offers can relax to the same one)."""
    seen: list[dict[str, str | list[str]]] = []
    kept = []
    for offer in offers:
        params = offer.request.to_params()
        if params not in seen:
            seen.append(params)
            kept.append(offer)
    return kept
