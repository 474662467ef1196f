"""A request for a match, as the CLI, the API and the link worker's form give it, and the
answer every one of them shares.

    wanted = read_request({"age": 78, "postcode": "LS5 3BT", "needs": ["bereavement"]})
    answer(run(session, wanted), wanted)
    # {"needs": ["bereavement"],
    #  "suggestions": [{"service_id", "name", "score", "distance_miles", "needs_met",
    #                   "reasons"}], "excluded": [{"service_id", "name", "reasons"}],
    #  "crisis": {"kind", "heading", "intro", "contacts"} or None,
    #  "pathways": [{"service_id", "name", "level", "routes", "how", "known"}]}

Bad input raises `MatchRequestError` with a sentence for each field that is wrong.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, ValidationError
from sqlmodel import Session
from werkzeug.datastructures import MultiDict

import matcher
from directory import clock, safety
from directory.catalogue import vocabulary
from directory.inputs import Says, problems_of
from directory.matching import held_catalogue, profiles, suggestions
from directory.matching.profiles import MatchRequestError

# Who the person is, asked only because some services are only for some people (women only,
# carers only, ...). Not given: the needs decide for carer and lgbtq (someone asking for help
# with caring is a carer), and no for the rest, so such services are excluded with a reason.
WHO_FIELDS = ("carer", "veteran", "lgbtq")
NEED_SAYS = {"carer": "carers", "lgbtq": "lgbtq"}
LIST_FIELDS = ("needs", "mode", "day", "access")
# The choices of the fields that have few, as the CLI and the form offer them ("mon": "Monday").
MODES = tuple(vocabulary.DELIVERY)
DAYS = {name[:3].lower(): name for name in vocabulary.DAYS.values()}
GENDERS = matcher.facts.GENDERS
DEFAULT_LIMIT = matcher.DEFAULT_WEIGHTS.limit
MAX_LIMIT = 20


class MatchRequest(profiles.PersonDetails):
    """A request for a match: who the person is, what they need, and how many suggestions."""

    age: profiles.Age
    postcode: profiles.Postcode
    limit: Annotated[
        int,
        Field(ge=1, le=MAX_LIMIT, description="How many suggestions at most."),
        Says(
            f"The limit should be a whole number from 1 to {MAX_LIMIT}.",
            out_of_range=f"The limit should be from 1 to {MAX_LIMIT}.",
        ),
    ] = DEFAULT_LIMIT
    known_service_id: Annotated[
        uuid.UUID | None,
        Field(
            strict=False,  # an id is text in JSON and in a form
            description="The specialist team's listing (an NHS pathway listing) the person "
            "is already known to: offered first in more support, for quick access back.",
        ),
        Says("The known team should be the id of a listed service."),
    ] = None

    @classmethod
    def unknown_field(cls, name: str) -> str:
        return f"“{name[:30]}” is not a field we know: use {', '.join(cls.model_fields)}."

    @property
    def profile(self) -> matcher.Profile:
        """The matcher's profile, a carer or LGBTQ+ need saying so where the person did not."""
        said = {
            name: need in self.needs
            for name, need in NEED_SAYS.items()
            if getattr(self, name) is None
        }
        profile = self.model_copy(update=said).as_profile()
        if self.known_service_id is None:
            return profile
        return dataclasses.replace(profile, known_service_id=str(self.known_service_id))


# The fields a request may carry, in the order a form shows them.
FIELDS = tuple(MatchRequest.model_fields)


def read_request(data: Mapping[str, Any]) -> MatchRequest:
    """A match request from JSON-shaped data (numbers as numbers, lists as lists)."""
    if not isinstance(data, Mapping):
        raise MatchRequestError("body", 'Send a JSON object, such as {"age": 34, ...}.')
    try:
        return MatchRequest.model_validate(dict(data))
    except ValidationError as error:
        raise MatchRequestError.about(problems_of(error, MatchRequest)) from None


def read_form(form: MultiDict[str, str], known_team: Any = None) -> MatchRequest:
    """A match request from a form's text fields (the link worker's matching page); the
    team the person is known to (`known_team`, from their case) unless the form names one."""
    data: dict[str, Any] = {}
    if known_team:
        data["known_service_id"] = str(known_team)
    for name in FIELDS:
        if name in LIST_FIELDS:
            values = [v for v in form.getlist(name) if v.strip()]
            if values:
                data[name] = values
            continue
        value = (form.get(name) or "").strip()
        if not value:
            continue
        # A number that does not read as one stays text: read_request says what is wrong.
        if name in ("age", "limit"):
            whole = value.isascii() and value.isdigit() and len(value) <= 4
            data[name] = int(value) if whole else value
        elif name == "max_miles":
            try:
                data[name] = float(value)
            except ValueError:
                data[name] = value
        elif name in ("free_only", *WHO_FIELDS):
            # a ticked box says yes; an unticked one says nothing (the needs may say it)
            if value in ("1", "true", "yes", "on"):
                data[name] = True
        else:
            data[name] = form.get(name) if name == "text" else value
    return read_request(data)


def run(session: Session, wanted: MatchRequest) -> matcher.MatchResult:
    """Match the request against the directory, as of London's today; with the NHS crisis
    options first in more support when the request calls for urgent help of the suicide and
    self-harm kind (abuse's urgent help is its own helplines)."""
    crisis = urgent_help(wanted.text, wanted.needs)
    return suggestions.suggest(
        session,
        wanted.profile,
        today=clock.today(),
        limit=wanted.limit,
        catalogue=held_catalogue.held(session),
        urgent=crisis is not None and crisis.kind == safety.SELF,
    )


def urgent_help(text: str, needs: list[str]) -> safety.CrisisPanel | None:
    """The urgent help a person's words ("what matters") or needs call for, if any: suicide
    and self-harm's before abuse's when both do, as in safety.detect."""
    kinds = {safety.detect(text), safety.kind_for_needs(needs)}
    for kind in (safety.SELF, safety.ABUSE):
        if kind in kinds:
            return safety.panel(kind)
    return None


def answer(result: matcher.MatchResult, wanted: MatchRequest) -> dict[str, Any]:
    """The answer the CLI and the API share: the needs the request's words were read as
    (need codes, as search understands the same words), the suggestions and exclusions, and
    `crisis`, the urgent help the request's words or needs call for (with the contacts for
    the person's age), or None; and `pathways`, more support: the NHS mental health options
    that fit, each with its level, routes in and what to tell the person (`how`)."""
    crisis = urgent_help(wanted.text, wanted.needs)
    return {
        "needs": list(wanted.needs),
        "suggestions": [
            {
                "service_id": s.service_id,
                "name": s.name,
                "score": s.score,
                "distance_miles": s.distance_miles,
                "needs_met": list(s.needs_met),
                "reasons": [r.text for r in s.reasons],
            }
            for s in result.suggestions
        ],
        "excluded": [
            {"service_id": e.service_id, "name": e.name, "reasons": [r.text for r in e.reasons]}
            for e in result.excluded
        ],
        "crisis": safety.as_json(crisis, wanted.age) if crisis else None,
        "pathways": [pathway_json(p) for p in result.pathways],
    }


def pathway_json(option: matcher.PathwayOption) -> dict[str, Any]:
    """One option of more support as the answer carries it (the API, the CLI, search)."""
    return {
        "service_id": option.service_id,
        "name": option.name,
        "level": option.level,
        "routes": list(option.routes),
        "how": option.how,
        "known": option.known,
    }
