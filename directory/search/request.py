"""What someone asked for: the search words, the place and the filters, checked.

The public page and the JSON API read the same query parameters through
`parse_request`, so a search can be bookmarked, shared and repeated anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from directory.catalogue import vocabulary

MAX_QUERY = 200
MAX_PLACE = 60
# Letters of any alphabet, digits, spaces and the punctuation of place names
# ("St Mary's", "Burley-in-Wharfedale", "Leeds, LS6"); anything else is a slip.
PLACE_TEXT = re.compile(r"(?:[^\W_]|[\s'’.,&()-])+")
PLACE_MESSAGE = (
    "Enter a postcode such as LS6 1AA, a postcode area such as LS6, or the name of a "
    "neighbourhood, using only letters, numbers and spaces."
)
DISTANCES = (1, 3, 5, 10)
SORTS = ("best", "relevance", "distance")
BANDS = ("all", "local", "online")
DELIVERY_MODES = tuple(vocabulary.DELIVERY)
DAYS = tuple(vocabulary.DAYS)
# Only these filters can be chosen; other accessibility features still show on pages.
ACCESS_FILTERS = ("step_free", "hearing_loop", "bsl", "accessible_toilet", "quiet_space")


class SearchInputError(ValueError):
    """One or more parameters that cannot be used, each with a message for the person."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""
    place: str = ""
    miles: int | None = None
    need: str | None = None
    age: int | None = None
    free_only: bool = False
    modes: tuple[str, ...] = ()
    open_now: bool = False
    day: str | None = None
    evening: bool = False
    weekend: bool = False
    self_referral: bool = False
    language: str | None = None
    access: tuple[str, ...] = ()
    sort: str = "best"
    band: str = "all"
    page: int = 1
    per_page: int = 10

    @property
    def has_filters(self) -> bool:
        return any(
            [
                self.need,
                self.age is not None,
                self.free_only,
                self.modes,
                self.open_now,
                self.day,
                self.evening,
                self.weekend,
                self.self_referral,
                self.language,
                self.access,
                self.miles,
            ]
        )

    @property
    def is_empty(self) -> bool:
        """Nothing to search for: no words, no place, no filter."""
        return not self.text and not self.place and not self.has_filters

    def with_changes(self, **changes: Any) -> SearchRequest:
        return replace(self, **changes)

    def to_params(self) -> dict[str, str | list[str]]:
        """The query parameters that make this request again (for links and bookmarks)."""
        params: dict[str, str | list[str]] = {}
        pairs: list[tuple[str, object]] = [
            ("q", self.text),
            ("postcode", self.place),
            ("distance", self.miles),
            ("need", self.need),
            ("age", self.age),
            ("free", "1" if self.free_only else None),
            ("open_now", "1" if self.open_now else None),
            ("day", self.day.lower() if self.day else None),
            ("evening", "1" if self.evening else None),
            ("weekend", "1" if self.weekend else None),
            ("self_referral", "1" if self.self_referral else None),
            ("language", self.language),
            ("sort", self.sort if self.sort != "best" else None),
            ("band", self.band if self.band != "all" else None),
            ("page", self.page if self.page != 1 else None),
        ]
        for name, value in pairs:
            if value not in (None, ""):
                params[name] = str(value)
        if self.modes:
            params["mode"] = list(self.modes)
        if self.access:
            params["access"] = list(self.access)
        return params


def parse_request(args: Mapping[str, Any], *, per_page: int = 10) -> SearchRequest:
    """Read query parameters; SearchInputError lists every one that cannot be used."""
    problems: dict[str, str] = {}
    text = " ".join(_one(args, "q").split())
    if len(text) > MAX_QUERY:
        problems["q"] = f"Search words must be {MAX_QUERY} characters or fewer."
    place = " ".join(_one(args, "postcode").split())
    if len(place) > MAX_PLACE:
        problems["postcode"] = "Enter a postcode, or the name of a town or area."
    elif place and not PLACE_TEXT.fullmatch(place):
        problems["postcode"] = PLACE_MESSAGE
    request = SearchRequest(
        text=text,
        place=place,
        miles=_choice_int(
            args, "distance", DISTANCES, problems, "Choose a distance of 1, 3, 5 or 10 miles."
        ),
        need=_need(args, problems),
        age=_age(args, problems),
        free_only=_flag(args, "free", problems),
        modes=_many(
            args, "mode", DELIVERY_MODES, problems, "Choose in person, online or by phone."
        ),
        open_now=_flag(args, "open_now", problems),
        day=_day(args, problems),
        evening=_flag(args, "evening", problems),
        weekend=_flag(args, "weekend", problems),
        self_referral=_flag(args, "self_referral", problems),
        language=_language(args, problems),
        access=_many(
            args, "access", ACCESS_FILTERS, problems, "Choose access needs from the list."
        ),
        sort=_choice(args, "sort", SORTS, "best", problems),
        band=_choice(args, "band", BANDS, "all", problems),
        page=_page(args, problems),
        per_page=per_page,
    )
    if problems:
        raise SearchInputError(problems)
    return request


def _values(args: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(args, "getlist", None)
    if getlist is not None:
        values = getlist(name)
    else:
        raw = args.get(name)
        values = raw if isinstance(raw, Sequence) and not isinstance(raw, str) else [raw]
    return [str(v) for v in values if v is not None]


def _one(args: Mapping[str, Any], name: str) -> str:
    values = _values(args, name)
    return values[0].strip() if values else ""


def _whole_number(text: str) -> int | None:
    # isdigit() accepts "²" and Arabic-Indic digits, which int() then refuses.
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else None


def _choice_int(
    args: Mapping[str, Any],
    name: str,
    allowed: tuple[int, ...],
    problems: dict[str, str],
    message: str,
) -> int | None:
    raw = _one(args, name)
    if raw in ("", "any"):
        return None
    value = _whole_number(raw)
    if value not in allowed:
        problems[name] = message
        return None
    return value


def _age(args: Mapping[str, Any], problems: dict[str, str]) -> int | None:
    raw = _one(args, "age")
    if not raw:
        return None
    value = _whole_number(raw)
    if value is None or not 0 <= value <= 120:
        problems["age"] = "Enter an age as a whole number, such as 15."
        return None
    return value


def _flag(args: Mapping[str, Any], name: str, problems: dict[str, str]) -> bool:
    raw = _one(args, name).lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on", "y"):
        return True
    problems[name] = "Tick the box or leave it empty."
    return False


def _many(
    args: Mapping[str, Any],
    name: str,
    allowed: tuple[str, ...],
    problems: dict[str, str],
    message: str,
) -> tuple[str, ...]:
    values = [v.strip().lower() for v in _values(args, name) if v.strip()]
    if any(v not in allowed for v in values):
        problems[name] = message
        return ()
    return tuple(dict.fromkeys(values))


def _choice(
    args: Mapping[str, Any],
    name: str,
    allowed: tuple[str, ...],
    default: str,
    problems: dict[str, str],
) -> str:
    raw = _one(args, name).lower() or default
    if raw not in allowed:
        problems[name] = f"Choose one of: {', '.join(allowed)}."
        return default
    return raw


def _need(args: Mapping[str, Any], problems: dict[str, str]) -> str | None:
    raw = _one(args, "need").lower()
    if not raw:
        return None
    if len(raw) > 100 or not raw.replace("_", "").isalnum() or not raw.isascii():
        problems["need"] = "Choose a need from the list."
        return None
    return raw


def _day(args: Mapping[str, Any], problems: dict[str, str]) -> str | None:
    raw = _one(args, "day").upper()
    if not raw:
        return None
    by_name = {name.upper(): code for code, name in vocabulary.DAYS.items()}
    code = raw if raw in vocabulary.DAYS else by_name.get(raw)
    if code is None:
        problems["day"] = "Choose a day of the week."
    return code


def _language(args: Mapping[str, Any], problems: dict[str, str]) -> str | None:
    raw = _one(args, "language").lower()
    if not raw:
        return None
    if raw not in vocabulary.LANGUAGES:
        problems["language"] = "Choose a language from the list."
        return None
    return raw


def _page(args: Mapping[str, Any], problems: dict[str, str]) -> int:
    raw = _one(args, "page")
    if not raw:
        return 1
    value = _whole_number(raw)
    if value is None or not 1 <= value <= 1000:
        problems["page"] = "The page number should be a whole number, 1 or more."
        return 1
    return value
