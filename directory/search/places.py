"""Where someone is: a full postcode, a postcode district, or a neighbourhood we know."""

from __future__ import annotations

from rapidfuzz import process, utils
from sqlmodel import Session, select

from directory.geo import postcodes
from directory.models import Neighbourhood
from directory.search.results import ResolvedPlace


class PlaceNotFound(ValueError):
    """An honest message, and the nearest names we do know."""

    def __init__(self, message: str, suggestions: list[str]) -> None:
        self.message = message
        self.suggestions = suggestions
        super().__init__(message)


def resolve(session: Session, text: str) -> ResolvedPlace:
    """Turn what someone typed into a point on the map, or raise PlaceNotFound."""
    cleaned = " ".join(text.split())
    if postcodes.is_postcode(cleaned) or postcodes.is_district(cleaned):
        try:
            found = postcodes.lookup_place(cleaned)
        except postcodes.PostcodeError as error:
            raise PlaceNotFound(str(error), []) from None
        kind = "postcode" if postcodes.is_postcode(cleaned) else "district"
        return ResolvedPlace(
            found.postcode,
            found.latitude,
            found.longitude,
            kind,
            # a district's is the local authority most of its postcodes are in
            local_authority=found.local_authority_code or None,
            districts=(found.postcode.split()[0],),
        )
    hoods = session.exec(select(Neighbourhood)).all()
    by_name = {h.name.lower(): h for h in hoods}
    match = by_name.get(cleaned.lower())
    if match is None:
        near = process.extractOne(
            cleaned, list(by_name), processor=utils.default_process, score_cutoff=88
        )
        match = by_name[near[0]] if near else None
    if match is not None:
        return ResolvedPlace(
            match.name,
            match.latitude,
            match.longitude,
            "neighbourhood",
            local_authority=match.local_authority_code or None,
            districts=tuple(match.districts.split()),
        )
    suggestions = [
        by_name[name].name
        for name, _score, _i in process.extract(
            cleaned, list(by_name), processor=utils.default_process, limit=3, score_cutoff=50
        )
    ]
    shown = cleaned[:40]
    raise PlaceNotFound(
        f"We could not find “{shown}”. Enter a postcode such as LS6 1AA, a postcode area "
        "such as LS6, or the name of a neighbourhood.",
        suggestions,
    )
