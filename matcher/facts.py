"""The plain data the matcher works on: a person's profile, the facts of a service, the answer.

Everything is a frozen dataclass of strings, numbers and tuples, so the matcher can be
tested and benchmarked without Flask or a database. `directory/matching/facts.py` is the one
place that turns database rows into these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

MODES = ("in_person", "online", "phone")
# The one list of days: RFC 5545 day codes, as HSDS schedules use, in week order, and their
# names. Search, matching, the forms and the imports all read these.
DAY_NAMES: dict[str, str] = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
DAYS = tuple(DAY_NAMES)
WEEKDAYS = DAYS[:5]
WEEKEND = DAYS[5:]
PARTS_OF_DAY = ("morning", "afternoon", "evening")
REFERRERS = ("self", "professional")
# The routes into a service: self-referral, a professional (a link worker), the GP, the
# mental health practitioner at the GP practice, and urgent (same-day) referrals.
ROUTES = ("self", "professional", "gp", "mhp", "urgent")
# Levels of mental health care, in the order of stepped care (shown, never decided).
LEVELS = ("community", "primary_care", "specialist", "crisis")
GENDERS = ("woman", "man", "non_binary", "other")
AREA_KINDS = ("local_authority", "districts", "radius", "national")
MAX_AGE = 120
MAX_TEXT = 2_000
MAX_NEEDS = 10


class InvalidProfile(ValueError):
    """A profile the matcher cannot use; `str(error)` is a sentence to show the user."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


# --- the person -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Preferences:
    """What the person would like: these rank services, they never exclude one,
    except max_miles, the distance the person can travel to something in person, and
    free_only ("Free services only": a service with a charge is excluded, as it says)."""

    free_only: bool = False
    modes: tuple[str, ...] = ()  # in_person, online, phone; empty: any
    days: tuple[str, ...] = ()  # MO..SU; empty: any day
    times: tuple[str, ...] = ()  # morning, afternoon, evening or "HH:MM-HH:MM"; empty: any time
    max_miles: float | None = None
    language: str | None = None  # ISO 639-1 code of the language they would rather use
    access: tuple[str, ...] = ()  # access features they need at a venue (step_free, ...)

    def __post_init__(self) -> None:
        _check_subset("modes", self.modes, MODES)
        _check_subset("days", self.days, DAYS)
        for time in self.times:
            if time not in PARTS_OF_DAY and parse_range(time) is None:
                raise InvalidProfile(
                    "times",
                    f"“{time}” is not morning, afternoon, evening or a range like 09:00-12:00.",
                )
        if self.max_miles is not None and not 0 < self.max_miles <= 500:
            raise InvalidProfile("max_miles", "The travel distance should be 0.1 to 500 miles.")


@dataclass(frozen=True, slots=True)
class Profile:
    """A person, as a link worker (or the person) describes them for matching."""

    age: int | None
    needs: tuple[str, ...]  # need codes, most important first
    latitude: float | None = None
    longitude: float | None = None
    postcode_district: str | None = None  # "LS6"
    local_authority: str | None = None  # ONS code, "E08000035"
    what_matters: str = ""  # free text from the "what matters to me" conversation
    preferences: Preferences = field(default_factory=Preferences)
    gender: str | None = None  # woman, man, non_binary, other; None when not given
    is_carer: bool = False
    is_veteran: bool = False
    lgbtq: bool = False
    registered_with_gp: bool = False
    referrer: str = "self"  # self (the person) or professional (a link worker)
    # The specialist team (a pathway listing's id) the person is already known to: offered
    # first in more support, for rapid access back, whatever its routes.
    known_service_id: str | None = None

    def __post_init__(self) -> None:
        if self.age is not None and not 0 <= self.age <= MAX_AGE:
            raise InvalidProfile("age", f"Age should be a whole number from 0 to {MAX_AGE}.")
        if not self.needs:
            raise InvalidProfile("needs", "Choose at least one need.")
        if len(self.needs) > MAX_NEEDS:
            raise InvalidProfile("needs", f"Choose at most {MAX_NEEDS} needs.")
        if len(self.what_matters) > MAX_TEXT:
            raise InvalidProfile(
                "what_matters",
                f"“What matters” is {len(self.what_matters):,} characters; "
                f"keep it under {MAX_TEXT:,}.",
            )
        if (self.latitude is None) != (self.longitude is None):
            raise InvalidProfile("location", "Give both latitude and longitude, or neither.")
        if self.gender is not None and self.gender not in GENDERS:
            raise InvalidProfile("gender", f"Gender should be one of {', '.join(GENDERS)}.")
        if self.referrer not in REFERRERS:
            raise InvalidProfile("referrer", f"Referrer should be one of {', '.join(REFERRERS)}.")

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def _check_subset(name: str, values: tuple[str, ...], allowed: tuple[str, ...]) -> None:
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise InvalidProfile(name, f"“{wrong[0]}” is not one of {', '.join(allowed)}.")


def parse_range(text: str) -> tuple[int, int] | None:
    """ "09:30-12:00" as minutes since midnight (570, 720); None if it is not such a range."""
    parts = text.split("-")
    if len(parts) != 2:
        return None
    start, end = minutes(parts[0].strip()), minutes(parts[1].strip())
    if start is None or end is None or start >= end:
        return None
    return start, end


def minutes(clock: str) -> int | None:
    """ "09:30" as 570; None if it is not a 24-hour time."""
    hours, _, mins = clock.partition(":")
    if not (hours.isdigit() and mins.isdigit() and len(mins) == 2 and len(hours) <= 2):
        return None
    h, m = int(hours), int(mins)
    return h * 60 + m if h < 24 and m < 60 else None


# --- the service ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Site:
    """A venue where the service runs."""

    latitude: float
    longitude: float
    postcode_district: str = ""
    local_authority: str = ""
    access: tuple[str, ...] = ()  # access features of this venue


@dataclass(frozen=True, slots=True)
class Area:
    """Who a service serves: a local authority, postcode districts, a radius of its sites,
    or anyone (national)."""

    kind: str  # local_authority, districts, radius, national
    codes: tuple[str, ...] = ()  # ONS local authority codes or postcode districts
    miles: float | None = None  # for radius
    name: str = ""  # in words: "Leeds", "Postcode districts LS7, LS8"


@dataclass(frozen=True, slots=True)
class OpeningSession:
    """A regular weekly session: days (MO..SU), opening and closing time ("HH:MM"), and
    for a seasonal one the first and last day it runs (HSDS valid_from, valid_to)."""

    days: tuple[str, ...]
    opens: str
    closes: str
    valid_from: date | None = None
    valid_to: date | None = None

    def runs_on(self, day: date) -> bool:
        """Whether the session is in its season on this day (every day when it has none)."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass(frozen=True, slots=True)
class Closure:
    """Closed from one day to another, both included, and why ("Christmas break")."""

    starts: date
    ends: date
    reason: str = ""

    def covers(self, day: date) -> bool:
        return self.starts <= day <= self.ends


@dataclass(frozen=True, slots=True)
class Pathway:
    """What makes a service an NHS mental health pathway listing (Talking Therapies, the
    practice's mental health practitioner, a crisis team, ...): its pathway, the level of
    care it sits at, and how to reach it. The matcher shows such a service as an option, in
    a section of its own; it never decides which level a person needs."""

    code: str  # the directory's pathway code (talking_therapies, ...)
    level: str  # LEVELS: community, primary_care, specialist, crisis
    website: str = ""
    phone: str = ""
    out_of_hours: str = ""  # how to reach help out of hours, in the service's words


@dataclass(frozen=True, slots=True)
class ServiceFacts:
    """What the matcher knows of one service."""

    id: str
    name: str
    organisation: str = ""
    needs: tuple[str, ...] = ()  # need codes, the main one first
    need_words: str = ""  # the labels and synonyms of its needs
    keywords: tuple[str, ...] = ()
    # the telling words of its summary, description and eligibility (words.telling_words)
    description: str = ""
    min_age: int | None = None
    max_age: int | None = None
    restrictions: tuple[str, ...] = ()  # women_only, men_only, carers_only, ...
    referral_routes: tuple[str, ...] = ()  # ROUTES: self, professional, gp, mhp, urgent
    # False when nobody has said how to get in (an imported listing whose words say no
    # route): unknown is not "no", so the referral rule allows it and the reasons say so.
    routes_known: bool = True
    capacity: str = "open"  # open, waiting_list, not_taking_referrals
    waiting_weeks: int | None = None
    status: str = "published"  # draft, pending_review, published, archived
    last_verified: date | None = None
    modes: tuple[str, ...] = ()  # in_person, online, phone
    areas: tuple[Area, ...] = ()  # serves anyone inside any of them; none: no stated area
    sites: tuple[Site, ...] = ()
    sessions: tuple[OpeningSession, ...] = ()  # none: on demand, by arrangement or 24/7
    # days it is shut whatever its sessions say, bank holidays already among them
    closures: tuple[Closure, ...] = ()
    free: bool = True
    languages: tuple[str, ...] = ()
    # An NHS mental health pathway listing: never among the suggestions, shown as an option
    # of "more support" (pathways.py); None for an ordinary community listing.
    pathway: Pathway | None = None

    @property
    def remote(self) -> bool:
        """Can be used without travelling: online or by phone."""
        return "online" in self.modes or "phone" in self.modes

    @property
    def bound_to_sites(self) -> bool:
        """Only in person, at its venues: distance decides whether the person can go."""
        return bool(self.sites) and not self.remote


# --- words for needs, languages and access ---------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    """Words for codes, and the synonyms of each need, from the directory's data files.
    Without one, codes are shown as words ("low_mood" -> "low mood") and no synonyms match."""

    need_labels: Mapping[str, str] = field(default_factory=dict)
    need_synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Needs that name who a service is for by age (older_people: 50 and over): a service
    # tagged with one suits people of other ages less, though it does not exclude them.
    need_ages: Mapping[str, tuple[int | None, int | None]] = field(default_factory=dict)
    languages: Mapping[str, str] = field(default_factory=dict)
    access: Mapping[str, str] = field(default_factory=dict)

    def need(self, code: str) -> str:
        return self.need_labels.get(code) or code.replace("_", " ")

    def language(self, code: str) -> str:
        return self.languages.get(code) or code

    def feature(self, code: str) -> str:
        return self.access.get(code) or code.replace("_", " ")


# --- the answer -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a service is suggested or excluded, in words a link worker reads: about the
    person ("they are 72"), never to them, and "you" is the link worker ("you can refer them").
    `kind` names what it is about (need, age, distance, ...); a kind ending in `_caveat`
    is something to know before going (a waiting list, a charge)."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    service_id: str
    name: str
    organisation: str
    score: float
    needs_met: tuple[str, ...]
    distance_miles: float | None
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Exclusion:
    service_id: str
    name: str
    organisation: str
    reasons: tuple[Reason, ...]  # every hard rule it fails


@dataclass(frozen=True, slots=True)
class PathwayOption:
    """An NHS mental health option that fits the person's needs, age and place, with what
    to tell them about getting in (`how`, words to the person: "You can refer yourself")."""

    service_id: str
    name: str
    organisation: str
    level: str  # LEVELS
    routes: tuple[str, ...]  # the service's routes in (ROUTES)
    how: str
    needs_met: tuple[str, ...]
    distance_miles: float | None
    youth: bool  # for young people (an upper age limit of 25 or under)
    ages: str = ""  # its age limits in words ("ages 18 and over"); "" for none
    known: bool = False  # the team the person is already known to (Profile.known_service_id)


@dataclass(frozen=True, slots=True)
class MatchResult:
    suggestions: tuple[Suggestion, ...]
    excluded: tuple[Exclusion, ...]  # the most relevant, up to Weights.excluded_limit
    excluded_total: int  # how many of the services weighed the hard rules excluded
    considered: int  # how many services addressed any of the needs or the words
    # How many were checked against the rules: all of them in a catalogue of a few hundred;
    # in a large one, the most promising until each need has Weights.shortlist allowed.
    weighed: int
    # "More support": the NHS mental health options that fit (pathways.py), apart from the
    # community suggestions; crisis options first when urgent help was called for.
    pathways: tuple[PathwayOption, ...] = ()
