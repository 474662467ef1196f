"""What someone asked for: the search words, the place and the filters, checked.

The public page and the JSON API read the same query parameters (`SearchParameters`)
through `parse_request`, so a search can be bookmarked, shared and repeated anywhere, and
both accept and refuse the same things.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from directory.catalogue import vocabulary
from directory.inputs import OneOf, Says, from_query, problems_of

MAX_QUERY = 200
MAX_PLACE = 60
# Letters of any alphabet, digits, spaces and the punctuation of place names
# ("St Mary's", "Burley-in-Wharfedale", "Leeds, LS6"); anything else is a slip.
PLACE_TEXT = re.compile(r"(?:[^\W_]|[\s'’.,&()-])+")
PLACE_MESSAGE = (
    "Enter a postcode such as LS6 1AA, a postcode area such as LS6, or the name of a "
    "neighbourhood, using only letters, numbers and spaces."
)
NEED_MESSAGE = "Choose a need from the list."
MAX_AGE = 120
MAX_PAGE = 1000
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
    as_typed: bool = False  # search the words as typed: no spelling correction

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
            ("as_typed", "1" if self.as_typed else None),
        ]
        for name, value in pairs:
            if value not in (None, ""):
                params[name] = str(value)
        if self.modes:
            params["mode"] = list(self.modes)
        if self.access:
            params["access"] = list(self.access)
        return params


# --- reading the query parameters, as text ----------------------------------------------


def _words(text: str) -> str:
    return " ".join(text.split())


def _lower(text: str) -> str:
    return text.lower()


def _whole_number(text: str) -> int | str:
    # isdigit() accepts "²" and Arabic-Indic digits, which int() then refuses.
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else text


def _distance(text: str) -> int | str | None:
    return None if text == "any" else _whole_number(text)


def _ticked(text: str) -> bool | str:
    word = text.lower()
    if word in ("0", "false", "no", "off"):
        return False
    return True if word in ("1", "true", "yes", "on", "y") else text


def _chosen(values: list[str]) -> list[str]:
    return list(dict.fromkeys(value.lower() for value in values))


def _day_code(text: str) -> str:
    by_name = {name.upper(): code for code, name in vocabulary.DAYS.items()}
    return by_name.get(text.upper(), text.upper())


def _place_text(place: str) -> str:
    if place and not PLACE_TEXT.fullmatch(place):
        raise ValueError(PLACE_MESSAGE)
    return place


def _need_code(need: str) -> str:
    if len(need) > 100 or not need.replace("_", "").isalnum() or not need.isascii():
        raise ValueError(NEED_MESSAGE)
    return need


Words = Annotated[
    str,
    Field(max_length=MAX_QUERY),
    Says(f"Search words must be {MAX_QUERY} characters or fewer."),
    BeforeValidator(_words),
]
PlaceText = Annotated[
    str,
    Field(max_length=MAX_PLACE),
    Says("Enter a postcode, or the name of a town or area."),
    AfterValidator(_place_text),
    BeforeValidator(_words),
]
Miles = Annotated[int, OneOf(DISTANCES), Says("Choose a distance of 1, 3, 5 or 10 miles.")]
Distance = Annotated[Miles | None, BeforeValidator(_distance)]  # "any" is no distance
Need = Annotated[str, AfterValidator(_need_code), BeforeValidator(_lower)]
Age = Annotated[
    int,
    Field(ge=0, le=MAX_AGE),
    Says("Enter an age as a whole number, such as 15."),
    BeforeValidator(_whole_number),
]
Tick = Annotated[bool, Says("Tick the box or leave it empty."), BeforeValidator(_ticked)]
Modes = Annotated[
    list[Annotated[str, OneOf(DELIVERY_MODES)]],
    Says("Choose in person, online or by phone."),
    BeforeValidator(_chosen),
]
Day = Annotated[str, OneOf(DAYS), Says("Choose a day of the week."), BeforeValidator(_day_code)]
Language = Annotated[
    str,
    OneOf(tuple(vocabulary.LANGUAGES)),
    Says("Choose a language from the list."),
    BeforeValidator(_lower),
]
Access = Annotated[
    list[Annotated[str, OneOf(ACCESS_FILTERS)]],
    Says("Choose access needs from the list."),
    BeforeValidator(_chosen),
]
Sort = Annotated[
    str, OneOf(SORTS), Says(f"Choose one of: {', '.join(SORTS)}."), BeforeValidator(_lower)
]
Band = Annotated[
    str, OneOf(BANDS), Says(f"Choose one of: {', '.join(BANDS)}."), BeforeValidator(_lower)
]
Page = Annotated[
    int,
    Field(ge=1, le=MAX_PAGE),
    Says("The page number should be a whole number, 1 or more."),
    BeforeValidator(_whole_number),
]


class SearchParameters(BaseModel):
    """A search as the search page's form and the JSON API send it: query parameters, each
    checked, every problem at once."""

    model_config = ConfigDict(strict=True, frozen=True)

    q: Words = Field("", description="What the person is looking for, in their words.")
    postcode: PlaceText = Field("", description="A postcode (LS6 1AA), a district or a place name.")
    distance: Distance = Field(None, description="Miles from the place; any by default.")
    need: Need | None = Field(None, description="A need's code, as /taxonomy_terms gives it.")
    age: Age | None = Field(None, description="The searcher's age: services for that age.")
    free: Tick = Field(False, description="Only free services.")
    mode: Modes = Field([], description="How the service is given: any of these.")
    open_now: Tick = Field(False, description="Only services open now.")
    day: Day | None = Field(None, description="Only services open on this day (or Monday, mo).")
    evening: Tick = Field(False, description="Only services open in the evening.")
    weekend: Tick = Field(False, description="Only services open at the weekend.")
    self_referral: Tick = Field(False, description="Only services people may refer themselves to.")
    language: Language | None = Field(None, description="Only services in this language.")
    access: Access = Field([], description="Access needs every venue must meet.")
    sort: Sort = Field("best", description="The order of the results.")
    band: Band = Field("all", description="Local results, online ones, or both.")
    page: Page = Field(1, description="Page number, from 1.")
    as_typed: Tick = Field(
        False, description="Search the words as typed, without correcting their spelling."
    )

    def request(self, *, per_page: int = 10) -> SearchRequest:
        """The search these parameters ask for."""
        return SearchRequest(
            text=self.q,
            place=self.postcode,
            miles=self.distance,
            need=self.need,
            age=self.age,
            free_only=self.free,
            modes=tuple(self.mode),
            open_now=self.open_now,
            day=self.day,
            evening=self.evening,
            weekend=self.weekend,
            self_referral=self.self_referral,
            language=self.language,
            access=tuple(self.access),
            sort=self.sort,
            band=self.band,
            page=self.page,
            per_page=per_page,
            as_typed=self.as_typed,
        )


def parse_request(args: Mapping[str, Any], *, per_page: int = 10) -> SearchRequest:
    """Read query parameters; SearchInputError lists every one that cannot be used."""
    given = from_query(args, SearchParameters.model_fields, many=("mode", "access"))
    try:
        return SearchParameters.model_validate(given).request(per_page=per_page)
    except ValidationError as error:
        raise SearchInputError(problems_of(error, SearchParameters)) from None
