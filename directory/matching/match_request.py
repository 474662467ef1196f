"""A request for a match, as the CLI, the API and the link worker's form give it, and the
answer every one of them shares.

    wanted = read_request({"age": 78, "postcode": "LS5 3BT", "needs": ["bereavement"]})
    answer(run(session, wanted))
    # {"suggestions": [{"service_id", "name", "score", "distance_miles", "needs_met",
    #                   "reasons"}], "excluded": [{"service_id", "name", "reasons"}]}

Bad input raises `MatchInputError` with a sentence for each field that is wrong.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session
from werkzeug.datastructures import MultiDict

import matcher
from directory import clock
from directory.catalogue import vocabulary
from directory.matching import held_catalogue, profiles, suggestions

# The fields a request may carry, in the order a form shows them.
FIELDS = (
    "age",
    "postcode",
    "needs",
    "text",
    "free_only",
    "mode",
    "max_miles",
    "day",
    "language",
    "access",
    "gender",
    "carer",
    "veteran",
    "lgbtq",
    "limit",
)
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
# profile_from names some fields as the matcher does; requests name them as people do.
PROFILE_FIELDS = {
    "what_matters": "text",
    "modes": "mode",
    "days": "day",
    "is_carer": "carer",
    "is_veteran": "veteran",
}


class MatchInputError(ValueError):
    """Input a match cannot use: `problems` maps each field to a sentence saying what to do."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = dict(problems)


@dataclass(frozen=True)
class MatchRequest:
    profile: matcher.Profile
    limit: int = DEFAULT_LIMIT


def read_request(data: Mapping[str, Any]) -> MatchRequest:
    """A match request from JSON-shaped data (numbers as numbers, lists as lists)."""
    if not isinstance(data, Mapping):
        raise MatchInputError({"body": 'Send a JSON object, such as {"age": 34, ...}.'})
    problems = {
        name: f"“{str(name)[:30]}” is not a field we know: use {', '.join(FIELDS)}."
        for name in data
        if name not in FIELDS
    }
    problems.update(_type_problems(data))
    limit = data.get("limit")
    if "limit" not in problems and limit is not None and not 1 <= limit <= MAX_LIMIT:
        problems["limit"] = f"The limit should be from 1 to {MAX_LIMIT}."
    details: dict[str, Any] = {
        "age": data.get("age"),
        "postcode": data.get("postcode"),
        "needs": _listed(data.get("needs")),
        "what_matters": data.get("text") or "",
        "free_only": bool(data.get("free_only")),
        "modes": _listed(data.get("mode")),
        "days": _listed(data.get("day")),
        "max_miles": data.get("max_miles"),
        "language": data.get("language"),
        "access": _listed(data.get("access")),
        "gender": data.get("gender") or None,
        "is_carer": bool(data.get("carer")),
        "is_veteran": bool(data.get("veteran")),
        "lgbtq": bool(data.get("lgbtq")),
    }
    for name in problems:
        details.update(_neutral(name))
    profile = _profile(details, problems)
    if problems or profile is None:
        raise MatchInputError(problems)
    said_by_needs = {
        ("is_carer" if name == "carer" else name): True
        for name, need in NEED_SAYS.items()
        if data.get(name) is None and need in profile.needs
    }
    profile = dataclasses.replace(profile, **said_by_needs)
    return MatchRequest(profile=profile, limit=DEFAULT_LIMIT if limit is None else limit)


# A stand-in for a field found wrong, so that the other fields are still checked and every
# problem is reported at once. The stand-ins never reach a match: a problem stops it.
NEUTRAL: dict[str, Any] = {
    "age": None,
    "postcode": None,
    "needs": ["loneliness"],
    "what_matters": "",
    "free_only": False,
    "modes": [],
    "days": [],
    "max_miles": None,
    "language": None,
    "access": [],
    "gender": None,
}
REQUEST_TO_PROFILE = {v: k for k, v in PROFILE_FIELDS.items()}


def _neutral(request_field: str) -> dict[str, Any]:
    name = REQUEST_TO_PROFILE.get(request_field, request_field)
    return {name: NEUTRAL[name]} if name in NEUTRAL else {}


def _profile(details: dict[str, Any], problems: dict[str, str]) -> matcher.Profile | None:
    """The profile, or None with a problem added for each field profile_from refuses."""
    for _ in range(len(NEUTRAL)):
        try:
            return profiles.profile_from(**details)
        except profiles.MatchRequestError as error:
            field = PROFILE_FIELDS.get(error.field, error.field)
            problems.setdefault(field, str(error))
            if error.field not in NEUTRAL or details[error.field] == NEUTRAL[error.field]:
                return None
            details[error.field] = NEUTRAL[error.field]
    return None


def _listed(value: object) -> list[str]:
    # Values of the wrong type are reported by _type_problems and replaced by a stand-in.
    if isinstance(value, str):
        return [value]
    return list(value) if isinstance(value, list) else []


def _type_problems(data: Mapping[str, Any]) -> dict[str, str]:
    """A sentence for each field of the wrong type (or missing when it must be there)."""
    problems: dict[str, str] = {}
    age = data.get("age")
    if age is None:
        problems["age"] = "Give the person's age, a whole number such as 34."
    elif isinstance(age, bool) or not isinstance(age, int):
        problems["age"] = "Age should be a whole number, such as 34."
    postcode = data.get("postcode")
    if postcode is None or (isinstance(postcode, str) and not postcode.strip()):
        problems["postcode"] = "Give the person's postcode, such as LS6 1BD, or a district (LS6)."
    elif not isinstance(postcode, str):
        problems["postcode"] = 'The postcode should be text, such as "LS6 1BD".'
    needs = data.get("needs")
    if needs is None or needs == [] or needs == "":
        problems["needs"] = "Choose at least one need."
    elif not _strings(needs, single=False):
        problems["needs"] = 'Needs should be a list of needs, such as ["loneliness"].'
    for name in ("mode", "day", "access"):
        if data.get(name) is not None and not _strings(data[name], single=True):
            problems[name] = f"{name.capitalize()} should be text or a list of text."
    for name in ("text", "language"):
        if data.get(name) is not None and not isinstance(data[name], str):
            problems[name] = f"{'What matters' if name == 'text' else 'Language'} should be text."
    for name in ("free_only", *WHO_FIELDS):
        if data.get(name) is not None and not isinstance(data[name], bool):
            problems[name] = f"{name} should be true or false."
    if data.get("gender") is not None and not isinstance(data["gender"], str):
        problems["gender"] = "Gender should be text: woman, man, non_binary or other."
    miles = data.get("max_miles")
    if miles is not None and (isinstance(miles, bool) or not isinstance(miles, (int, float))):
        problems["max_miles"] = "The travel distance should be a number of miles, such as 3."
    limit = data.get("limit")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
        problems["limit"] = f"The limit should be a whole number from 1 to {MAX_LIMIT}."
    return problems


def _strings(value: object, *, single: bool) -> bool:
    if isinstance(value, str):
        return single
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def read_form(form: MultiDict[str, str]) -> MatchRequest:
    """A match request from a form's text fields (the link worker's matching page)."""
    data: dict[str, Any] = {}
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
    """Match the request against the directory, as of London's today."""
    return suggestions.suggest(
        session,
        wanted.profile,
        today=clock.today(),
        limit=wanted.limit,
        catalogue=held_catalogue.held(session),
    )


def answer(result: matcher.MatchResult) -> dict[str, list[dict[str, Any]]]:
    """The answer the CLI and the API share."""
    return {
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
    }
