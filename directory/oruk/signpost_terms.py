"""Signpost's own fields in Open Referral UK, both ways.

HSDS has no place for a listing's referral routes, delivery modes, stated restrictions,
keywords, card summary, whether it is free, its exceptions to the opening times, or when
an organisation was last checked. They travel as HSDS `attributes` that link terms of
Signpost's own taxonomies (each with a stable id and a URN), the way the standard links a
service to any classification; a free value (a summary, a date) goes in the attribute's
`value`, as HSDS 3.0 has it. So an export still passes the Open Referral UK checks, and
another Signpost that imports it keeps every field.

A record from a Signpost always says whether the service is free: its terms then say all
there is (a route without a term is off, a summary without one is empty), and they win
over anything inferred from its words. A record that names only some kinds of these terms
(another directory that borrows them) sets those kinds only; a record without any (another
directory's feed) is left to that inference. These terms are never needs: the import
neither maps them nor reports them as unmapped.
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from directory.catalogue.vocabulary import (
    CARE_LEVELS,
    DELIVERY,
    NHS_PATHWAYS,
    REFERRAL_ROUTES,
    RESTRICTIONS,
    settle_care_level,
)
from directory.models import REFERRAL_ROUTE_CODES, CareLevel, Organisation, Service, stable_id

Json = dict[str, Any]
YES, NO = "yes", "no"


@dataclass(frozen=True)
class Taxonomy:
    """One of Signpost's own taxonomies, with its stable id and URN."""

    key: str
    name: str
    description: str

    @functools.cached_property
    def id(self) -> uuid.UUID:
        return stable_id("taxonomy", f"signpost-{self.key}")

    @property
    def uri(self) -> str:
        return f"urn:signpost:{self.key}"

    def term_id(self, code: str) -> uuid.UUID:
        return _term_id(self.key, code)

    @functools.cached_property
    def detail(self) -> Json:
        """The taxonomy as HSDS 3.0 nests it in a term (`taxonomy_detail`)."""
        return {
            "id": str(self.id),
            "name": self.name,
            "description": self.description,
            "uri": self.uri,
            "version": "1",
        }

    def term(self, code: str, name: str, description: str = "") -> Json:
        return {
            "id": str(self.term_id(code)),
            "code": code,
            "name": name,
            "description": description,
            "taxonomy": self.name,
            "taxonomy_id": str(self.id),
            "taxonomy_detail": self.detail,
            "term_uri": f"{self.uri}:{quote(code, safe='')}",
        }


@functools.lru_cache(maxsize=4096)
def _term_id(taxonomy: str, code: str) -> uuid.UUID:
    # cached: an export makes the same few terms for every listing
    return stable_id("taxonomy_term", f"signpost-{taxonomy}/{code}")


ROUTES = Taxonomy(
    "referral-routes", "Signpost referral routes", "Who can refer a person to the service."
)
DELIVERY_MODES = Taxonomy("delivery", "Signpost delivery", "How the service is delivered.")
RESTRICTIONS_STATED = Taxonomy(
    "restrictions", "Signpost restrictions", "Who alone the service is for, as it states."
)
KEYWORDS = Taxonomy("keywords", "Signpost keywords", "More words people search for it by.")
DETAILS = Taxonomy(
    "listing-details",
    "Signpost listing details",
    "Facts of a listing HSDS has no field for; each attribute's value holds the fact.",
)
PATHWAYS = Taxonomy(
    "mental-health-pathways",
    "Signpost mental health pathways",
    "The NHS mental health pathway a service is, such as NHS Talking Therapies.",
)
LEVELS = Taxonomy(
    "levels-of-care",
    "Signpost levels of care",
    "Where a mental health service sits: community, primary care, specialist or crisis.",
)
TAXONOMIES = (ROUTES, DELIVERY_MODES, RESTRICTIONS_STATED, KEYWORDS, DETAILS, PATHWAYS, LEVELS)
BY_ID = {str(t.id): t for t in TAXONOMIES}

# term code -> the Service column it sets
ROUTE_FIELDS = {code: f"{code}_referral" for code in REFERRAL_ROUTE_CODES}
PATHWAY_NAMES = {code: name for code, (name, _level) in NHS_PATHWAYS.items()}
DELIVERY_FIELDS = {"in_person": "in_person", "online": "online", "phone": "by_phone"}
# Text a listing keeps that HSDS has no field for: term code -> (the Service column, the
# term's name and description). A new text field of a listing is one more line here.
TEXT_DETAILS = {
    "summary": ("summary", "Card summary", "The listing's one-line summary, as cards show it."),
    "opening_exceptions": (
        "opening_exceptions",
        "Exceptions to the opening times",
        "In words: 'Closed on bank holidays'.",
    ),
    "checked_source": (
        "checked_source",
        "Where the last-checked date came from",
        "In words: 'from Leeds Directory, updated'.",
    ),
    "out_of_hours": (
        "out_of_hours",
        "Out of hours",
        "In words: how to get help when a mental health service is closed.",
    ),
}
FREE, LAST_CHECKED = "free", "last_checked"
# A listing whose referral routes nobody has said (an import from words that name none).
ROUTES_UNKNOWN = "unknown"
# details: term code -> (name, description)
DETAIL_TERMS = {
    **{code: (name, description) for code, (_c, name, description) in TEXT_DETAILS.items()},
    FREE: ("Free of charge", "yes or no."),
    LAST_CHECKED: ("Last checked", "The day the organisation's details were last checked."),
}
# Every fixed term, by id, so a term given by id alone is still known.
FIXED_TERMS = {
    str(taxonomy.term_id(code)): (taxonomy, code)
    for taxonomy, codes in (
        (ROUTES, {**ROUTE_FIELDS, ROUTES_UNKNOWN: ""}),
        (DELIVERY_MODES, DELIVERY_FIELDS),
        (RESTRICTIONS_STATED, RESTRICTIONS),
        (DETAILS, DETAIL_TERMS),
        (PATHWAYS, PATHWAY_NAMES),
        (LEVELS, CARE_LEVELS),
    )
    for code in codes
}


# --- writing ------------------------------------------------------------------------


def _attribute(link_id: uuid.UUID, link_type: str, term: Json, value: str | None = None) -> Json:
    found = {
        "id": str(stable_id("attribute", f"{link_id}/{term['id']}")),
        "link_id": str(link_id),
        "link_type": link_type,
        "link_entity": link_type,
        "taxonomy_term_id": term["id"],
        "taxonomy_term": term,
    }
    if value is not None:
        found["value"] = value
    return found


def _detail(code: str) -> Json:
    name, description = DETAIL_TERMS[code]
    return DETAILS.term(code, name, description)


def service_attributes(service: Service) -> list[Json]:
    """The service's Signpost fields as attributes (always at least whether it is free)."""
    terms: list[tuple[Json, str | None]] = []
    terms += [(ROUTES.term(c, REFERRAL_ROUTES[c]), None) for c in service.referral_routes]
    if not service.routes_known:
        unknown = ROUTES.term(ROUTES_UNKNOWN, "Not known: ask the service how to get in")
        terms.append((unknown, None))
    terms += [(DELIVERY_MODES.term(c, DELIVERY[c]), None) for c in service.delivery]
    terms += [
        (RESTRICTIONS_STATED.term(c, RESTRICTIONS.get(c, c)), None)
        for c in dict.fromkeys(service.restrictions)
    ]
    terms += [(KEYWORDS.term(word, word), None) for word in dict.fromkeys(service.keywords)]
    if service.pathway in PATHWAY_NAMES:
        terms.append((PATHWAYS.term(service.pathway, PATHWAY_NAMES[service.pathway]), None))
    if service.care_level:
        level = service.care_level.value
        terms.append((LEVELS.term(level, CARE_LEVELS[level]), None))
    terms.append((_detail(FREE), YES if service.is_free else NO))
    for code, (column, _name, _description) in TEXT_DETAILS.items():
        if getattr(service, column):
            terms.append((_detail(code), getattr(service, column)))
    if service.last_verified:
        # assured_date is given only when someone vouched for it (serialise.assured_on)
        terms.append((_detail(LAST_CHECKED), service.last_verified.isoformat()))
    return [_attribute(service.id, "service", term, value) for term, value in terms]


def organisation_attributes(org: Organisation) -> list[Json]:
    """The organisation's Signpost fields as attributes (none when it was never checked)."""
    if org.last_verified is None:
        return []
    return [
        _attribute(org.id, "organization", _detail(LAST_CHECKED), org.last_verified.isoformat())
    ]


# --- reading ------------------------------------------------------------------------


def _taxonomy_and_code(item: Any) -> tuple[Taxonomy, str] | None:
    """Which of Signpost's taxonomies an attribute's term belongs to, and its code."""
    if not isinstance(item, dict):
        return None
    term = item.get("taxonomy_term")
    term = term if isinstance(term, dict) else {}
    term_id = str(term.get("id") or item.get("taxonomy_term_id") or "")
    if term_id in FIXED_TERMS:
        return FIXED_TERMS[term_id]
    taxonomy = BY_ID.get(str(term.get("taxonomy_id") or ""))
    code = term.get("code") or term.get("name")
    if taxonomy is None or not isinstance(code, str) or not code.strip():
        return None
    # A keyword's id is made from its words: one that does not match them is not ours.
    return (taxonomy, code) if term_id == str(taxonomy.term_id(code)) else None


def is_signpost_term(term: Json) -> bool:
    """Whether a taxonomy term (as an attribute nests it) is one of Signpost's own."""
    return (
        _taxonomy_and_code({"taxonomy_term": term, "taxonomy_term_id": term.get("id")}) is not None
    )


def _ours(data: Json) -> list[tuple[Taxonomy, str, Any]]:
    found = []
    for item in data.get("attributes") or []:
        known = _taxonomy_and_code(item)
        if known:
            found.append((*known, item.get("value")))
    return found


def _text(value: Any, limit: int | None = None) -> str:
    return ("" if value is None else str(value).strip())[:limit]


def apply_to_service(service: Service, data: Json) -> bool:
    """Set the service's Signpost fields from the record's terms, when it has any (True);
    a record without them leaves the service as it is (False)."""
    found = _ours(data)
    if not found:
        return False
    details = {c: v for t, c, v in found if t is DETAILS}
    # Every Signpost record says whether it is free: one that does says all there is;
    # another (a directory that borrows some of these terms) sets only the kinds it names.
    complete = FREE in details
    named = {t for t, _c, _v in found}
    codes = {(t.key, c) for t, c, _v in found}
    for taxonomy, fields in ((ROUTES, ROUTE_FIELDS), (DELIVERY_MODES, DELIVERY_FIELDS)):
        if complete or taxonomy in named:
            for code, name in fields.items():
                setattr(service, name, (taxonomy.key, code) in codes)
    if complete or ROUTES in named:
        service.routes_known = (ROUTES.key, ROUTES_UNKNOWN) not in codes
    if LAST_CHECKED in details:
        # a date that does not read leaves the feed's own dates (importing._checked)
        with contextlib.suppress(ValueError):
            service.last_verified = date.fromisoformat(_text(details[LAST_CHECKED]))
    if complete or RESTRICTIONS_STATED in named:
        service.restrictions = list(
            dict.fromkeys(c for t, c, _ in found if t is RESTRICTIONS_STATED)
        )
    if complete or KEYWORDS in named:
        service.keywords = list(dict.fromkeys(c for t, c, _v in found if t is KEYWORDS))
    _apply_pathway(service, found, complete, named)
    if FREE in details:
        service.is_free = _text(details[FREE]).lower() != NO
    for code, (column, _name, _description) in TEXT_DETAILS.items():
        if complete or code in details:
            length = getattr(Service.__table__.c[column].type, "length", None)  # type: ignore[attr-defined]
            setattr(service, column, _text(details.get(code), length))
    return True


def _apply_pathway(
    service: Service, found: list[tuple[Taxonomy, str, Any]], complete: bool, named: set[Taxonomy]
) -> None:
    """The pathway and level of care the terms name (a record from a Signpost without them
    is a community listing); a pathway named without a level takes the pathway's usual one."""
    if complete or PATHWAYS in named:
        pathways = [c for t, c, _v in found if t is PATHWAYS and c in PATHWAY_NAMES]
        service.pathway = pathways[0] if pathways else ""
    if complete or LEVELS in named:
        levels = [c for t, c, _v in found if t is LEVELS and c in CARE_LEVELS]
        service.care_level = CareLevel(levels[0]) if levels else None
    settle_care_level(service)


def apply_to_organisation(org: Organisation, data: Json) -> None:
    """Set when the organisation was last checked, when its record says (else as it was)."""
    details = {c: v for t, c, v in _ours(data) if t is DETAILS}
    if LAST_CHECKED in details:
        try:
            org.last_verified = date.fromisoformat(_text(details[LAST_CHECKED]))
        except ValueError:
            org.last_verified = None
