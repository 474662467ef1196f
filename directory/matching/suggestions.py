"""Suggestions for a person from the whole directory, with the app's weights.

profile = profiles.profile_from(age=78, postcode="LS5 3BT", needs=["bereavement"])
result = suggest(session, profile)
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date

from flask import current_app, has_app_context
from sqlmodel import Session, col, select

import matcher
from directory import clock
from directory.catalogue import needs
from directory.matching.facts import load_catalogue, match_vocabulary
from directory.models import Service


def suggest(
    session: Session,
    profile: matcher.Profile,
    *,
    today: date | None = None,
    weights: matcher.Weights | None = None,
    limit: int | None = None,
    catalogue: matcher.Catalogue | None = None,
    urgent: bool = False,
) -> matcher.MatchResult:
    """Match a person against the whole directory (London's today unless told otherwise);
    pass a catalogue already built (held_catalogue holds one) to skip building it.
    `urgent`: the person's words or needs call for urgent help (match_request.urgent_help),
    so the NHS crisis options come first in the more support the answer offers.

    Without weights, the app's settings say how long a listing may go unchecked.
    """
    return matcher.match(
        profile,
        catalogue if catalogue is not None else load_catalogue(session),
        weights or configured_weights(),
        today=today or clock.today(),
        vocabulary=match_vocabulary(needs.held(session)),
        limit=limit,
        urgent=urgent,
    )


def configured_weights() -> matcher.Weights:
    """The default weights with the app's review period (STALE_AFTER_DAYS) and grace period.

    A listing not confirmed for STALE_AFTER_DAYS is flagged as stale; MATCHING_GRACE_DAYS
    later it drops out of matching. Outside an app, the matcher's own defaults hold.
    """
    if not has_app_context():
        return matcher.DEFAULT_WEIGHTS
    return dataclasses.replace(
        matcher.DEFAULT_WEIGHTS,
        review_days=current_app.config["STALE_AFTER_DAYS"],
        grace_days=current_app.config["MATCHING_GRACE_DAYS"],
    )


def imported_unchecked(session: Session, service_ids: list[uuid.UUID]) -> dict[str, Service]:
    """Of these services, those whose "last checked" is an imported feed's date (nobody
    here has checked them), by id: the results say where the date came from."""
    if not service_ids:
        return {}
    statement = select(Service).where(
        col(Service.id).in_(service_ids), col(Service.checked_source) != ""
    )
    return {str(service.id): service for service in session.exec(statement).all()}
