"""The search form's fields and options, as the NHS.UK form macros take them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from directory.catalogue import vocabulary
from directory.catalogue.needs import Need
from directory.search.request import ACCESS_FILTERS, DISTANCES

Items = list[dict[str, str]]

# The fields in page order: the error summary lists problems in this order.
FIELDS = (
    "q",
    "postcode",
    "need",
    "age",
    "distance",
    "free",
    "self_referral",
    "mode",
    "open_now",
    "evening",
    "weekend",
    "day",
    "language",
    "access",
    "sort",
    "band",
    "page",
)
SORTS = {"best": "Best match", "distance": "Nearest first", "relevance": "Most relevant"}


def in_page_order(problems: Mapping[str, str]) -> dict[str, str]:
    place = {name: n for n, name in enumerate(FIELDS)}
    return dict(sorted(problems.items(), key=lambda item: place.get(item[0], len(place))))


def choices(needs: Iterable[Need]) -> dict[str, Items]:
    """The options of each list in the filters."""
    miles = [(str(d), f"Within {d} mile" + ("s" if d > 1 else "")) for d in DISTANCES]
    languages = sorted(vocabulary.LANGUAGES.items(), key=lambda item: item[1])
    return {
        "needs": _items(((n.code, n.label) for n in needs), "Any type of help"),
        "distances": _items([*miles, ("any", "Any distance")]),
        "days": _items(((code.lower(), day) for code, day in vocabulary.DAYS.items()), "Any day"),
        "languages": _items(languages, "Any language"),
        "access": _items((code, vocabulary.ACCESSIBILITY[code]) for code in ACCESS_FILTERS),
        "modes": _items(vocabulary.DELIVERY.items()),
        "sorts": _items(SORTS.items()),
    }


def _items(pairs: Iterable[tuple[str, str]], anything: str | None = None) -> Items:
    first = [{"value": "", "text": anything}] if anything else []
    return first + [{"value": value, "text": text} for value, text in pairs]
