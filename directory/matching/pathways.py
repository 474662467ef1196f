"""More support for someone searching on their own: the NHS mental health options they can
refer themselves to (Talking Therapies, the youth offer), with the words the matcher gives
(matcher.pathways), beside the community results of a public search.

The pathway listings are a few among thousands: their facts are read once per state of the
catalogue's change log (the key the search page's cards are held by: published.HeldListings)
and held by the app, so a search whose words were understood as needs pays one indexed query
(the log's newest entry) and a match over a handful of listings; a search understood as no
need pays nothing, and no held search page reads a listing's table.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlmodel import Session, col, select

import matcher
from directory import clock, db, safety
from directory.catalogue import changes
from directory.matching import facts, suggestions
from directory.models import Service
from matcher import pathways, rules

EXTENSION = "signpost.pathway_offer"


@dataclass(frozen=True)
class Offer:
    """The pathway listings as a small catalogue of their own, and the needs they meet."""

    catalogue: matcher.Catalogue
    needs: frozenset[str]


def read_offer(session: Session) -> Offer:
    """The pathway listings' facts (matchable ones: the rules leave out the unpublished)."""
    ids = session.exec(select(Service.id).where(col(Service.pathway) != "")).all()
    found = list(facts.matchable_services(session, ids)) if ids else []
    return Offer(matcher.Catalogue(found), frozenset(n for f in found for n in f.needs))


def offer(session: Session) -> Offer:
    """The app's offer, read again when the catalogue's change log moves on (any listing,
    organisation, need link or contact changed)."""
    if not has_app_context():
        return read_offer(session)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    holder: db.Held[Offer] = db.Held.of(app, EXTENSION)
    return holder.get((changes.latest(session),), lambda _previous: read_offer(session))


def for_searcher(
    session: Session,
    needs: list[str],
    *,
    age: int | None = None,
    place: tuple[float, float, str | None, str | None] | None = None,
    urgent: bool = False,
) -> tuple[matcher.PathwayOption, ...]:
    """The NHS options a public searcher can refer themselves to for these needs (as their
    words were understood), youth options first for a young searcher whose age is given,
    crisis ones first when the words call for urgent help. `place` is where they searched
    from: (latitude, longitude, local authority code, postcode district).

    As search does, an age or a place not given rules nothing out: their rules are applied
    only when given (a listing's ages and area still show on its page)."""
    if not needs and not urgent:
        return ()
    held = offer(session)
    if not held.catalogue.pathways or not (urgent or held.needs.intersection(needs)):
        return ()
    latitude, longitude, local_authority, district = place or (None, None, None, None)
    profile = matcher.Profile(
        age=age,
        # words that call for urgent help but were understood as no need: the crisis need
        needs=tuple(dict.fromkeys(needs))[: matcher.facts.MAX_NEEDS]
        or safety.NEEDS_OF_KIND[safety.SELF],
        latitude=latitude,
        longitude=longitude,
        local_authority=local_authority,
        postcode_district=district,
        referrer="self",
    )
    skipped: set[rules.Rule] = set()
    if age is None:
        skipped.add(rules.age_rule)
    if place is None:
        skipped |= {rules.area_rule, rules.reach_rule}
    weights = suggestions.configured_weights()
    return pathways.options(
        profile,
        held.catalogue,
        situation=rules.Situation(clock.today(), weights, None),
        urgent=urgent,
        rules=tuple(r for r in pathways.PATHWAY_RULES if r not in skipped),
    )
