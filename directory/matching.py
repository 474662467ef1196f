"""Matching on the directory's data.

The one place that turns database rows into `matcher.ServiceFacts`, and a person's details
(as a form, the CLI or the API gives them) into a `matcher.Profile`. Bad input raises
`MatchRequestError`, a ValueError whose message can be shown to the user as it is.

    profile = profile_from(age=78, postcode="LS5 3BT", needs=["bereavement", "lonely"])
    result = suggest(session, profile)
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date

from flask import current_app, has_app_context
from rapidfuzz import fuzz, process, utils
from rapidfuzz.distance import OSA
from sqlmodel import Session, select

import matcher
from directory import catalogue, clock, geo, vocabulary
from directory.models import (
    ListingStatus,
    Location,
    Service,
    ServiceAtLocation,
)
from seed.catalogue import read_needs

# How close plain words must be to a need's id, label or synonym to count as that need.
NEED_WORDS_CUTOFF = 86.0
# Drafts are an editor's work in progress: a link worker never sees them, not even as
# excluded. Listings waiting for review or archived are shown as excluded, with the reason.
MATCHABLE_STATUSES = (
    ListingStatus.PUBLISHED,
    ListingStatus.PENDING_REVIEW,
    ListingStatus.ARCHIVED,
)
MAX_MILES = 500.0
# Needs that name who a service is for by age, from their descriptions in seed/needs.csv.
NEED_AGES: dict[str, tuple[int | None, int | None]] = {
    "young_people": (11, 25),
    "older_people": (50, None),
}

DAY_WORDS = {
    **{code.lower(): (code,) for code in vocabulary.DAYS},
    **{name.lower(): (code,) for code, name in vocabulary.DAYS.items()},
    **{name[:3].lower(): (code,) for code, name in vocabulary.DAYS.items()},
    "weekdays": ("MO", "TU", "WE", "TH", "FR"),
    "weekend": ("SA", "SU"),
    "weekends": ("SA", "SU"),
}
MODE_WORDS = {
    "in_person": "in_person",
    "in person": "in_person",
    "face to face": "in_person",
    "online": "online",
    "phone": "phone",
    "by phone": "phone",
    "telephone": "phone",
}
GENDER_WORDS = {
    "woman": "woman",
    "female": "woman",
    "f": "woman",
    "man": "man",
    "male": "man",
    "m": "man",
    "non_binary": "non_binary",
    "non-binary": "non_binary",
    "nonbinary": "non_binary",
    "other": "other",
}
REFERRER_WORDS = {
    "self": "self",
    "professional": "professional",
    "linkworker": "professional",
    "link_worker": "professional",
    "link worker": "professional",
}
_TIME_RANGE = re.compile(r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}$")


class MatchRequestError(matcher.InvalidProfile):
    """Input the matcher cannot use; `field` names it and `str(error)` says what to do."""


# --- database rows -> matcher facts ------------------------------------------------------


def facts_from_service(service: Service) -> matcher.ServiceFacts:
    """A service row, loaded with its relations (see `matchable_services`), as matcher facts."""
    terms = service.needs
    return matcher.ServiceFacts(
        id=str(service.id),
        name=service.name,
        organisation=service.organisation.name,
        needs=tuple(t.code for t in terms),
        need_words=" ".join([t.name for t in terms] + [w for t in terms for w in t.synonyms]),
        keywords=tuple(service.keywords),
        description=" ".join(
            part
            for part in (service.summary, service.description, service.eligibility_description)
            if part
        ),
        min_age=service.minimum_age,
        max_age=service.maximum_age,
        restrictions=tuple(service.restrictions),
        referral_routes=tuple(service.referral_routes),
        capacity=service.capacity.value,
        waiting_weeks=service.waiting_weeks,
        status=service.status.value,
        last_verified=service.last_verified,
        modes=tuple(service.delivery),
        areas=tuple(
            matcher.Area(
                kind=area.extent_type.value,
                codes=tuple(area.codes),
                miles=area.radius_miles,
                name=area.name,
            )
            for area in service.areas
        ),
        sites=tuple(_site(link.location) for link in service.location_links if _located(link)),
        sessions=tuple(
            matcher.OpeningSession(days=tuple(s.days), opens=s.opens_at, closes=s.closes_at)
            for s in service.schedules
        ),
        free=service.is_free,
        languages=tuple(language.code for language in service.languages),
    )


def _located(link: ServiceAtLocation) -> bool:
    return link.location.latitude is not None and link.location.longitude is not None


def _site(location: Location) -> matcher.Site:
    assert location.latitude is not None and location.longitude is not None
    return matcher.Site(
        latitude=location.latitude,
        longitude=location.longitude,
        postcode_district=location.postal_code.split(" ")[0] if location.postal_code else "",
        local_authority=location.local_authority_code or "",
        access=tuple(a.feature for a in location.accessibility),
    )


def matchable_services(session: Session, batch: int = 1000) -> Iterator[matcher.ServiceFacts]:
    """Facts of every service of a published organisation, drafts aside, in batches."""
    statement = (
        select(Service)
        .where(
            Service.status.in_(MATCHABLE_STATUSES),  # type: ignore[attr-defined]
            Service.organization_id.in_(catalogue.published_organisation_ids()),  # type: ignore[attr-defined]
        )
        .options(*catalogue.facts_options())
        .order_by(Service.id)  # type: ignore[arg-type]
    )
    yield from (facts_from_service(s) for s in catalogue.in_batches(session, statement, batch))


def load_catalogue(session: Session) -> matcher.Catalogue:
    """Every matchable service, indexed for matching."""
    return matcher.Catalogue(matchable_services(session))


@functools.cache
def match_vocabulary() -> matcher.Vocabulary:
    """Need labels and synonyms (seed/needs.csv), language and access words
    (directory.vocabulary). The search's slang file is left out on purpose: it widens a
    search ("refugee" finds legal advice), but a service whose keywords say "refugee" is
    not thereby a legal service."""
    needs = read_needs()
    return matcher.Vocabulary(
        need_labels={n.id: n.label for n in needs},
        need_synonyms={n.id: tuple(n.synonyms) for n in needs},
        need_ages=NEED_AGES,
        languages=dict(vocabulary.LANGUAGES),
        access=dict(vocabulary.ACCESSIBILITY),
    )


def suggest(
    session: Session,
    profile: matcher.Profile,
    *,
    today: date | None = None,
    weights: matcher.Weights | None = None,
    limit: int | None = None,
    catalogue: matcher.Catalogue | None = None,
) -> matcher.MatchResult:
    """Match a person against the whole directory (London's today unless told otherwise);
    pass a catalogue already built (directory.match_catalogue holds one) to skip building it.

    Without weights, the app's settings say how long a listing may go unchecked.
    """
    return matcher.match(
        profile,
        catalogue if catalogue is not None else load_catalogue(session),
        weights or configured_weights(),
        today=today or clock.today(),
        vocabulary=match_vocabulary(),
        limit=limit,
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


# --- a person's details -> matcher profile ---------------------------------------------


@functools.cache
def _need_choices() -> tuple[frozenset[str], dict[str, str]]:
    """Need ids, and every id, label and synonym (normalised) -> its need id."""
    choices: dict[str, str] = {}
    needs = read_needs()
    for need in needs:
        for words in (need.id.replace("_", " "), need.label, *need.synonyms):
            choices.setdefault(utils.default_process(words), need.id)
    return frozenset(n.id for n in needs), choices


def resolve_need(words: str) -> str:
    """A need id from an id ("low_mood") or plain words ("feeling low", "lonley")."""
    ids, choices = _need_choices()
    typed = " ".join(str(words).split())
    if not typed:
        raise MatchRequestError("needs", "A need cannot be blank.")
    if typed.lower() in ids:
        return typed.lower()
    if len(typed) > 100:
        raise MatchRequestError("needs", "A need should be a few words, not a paragraph.")
    best = _nearest_need_words(typed, list(choices))
    if best is None:
        raise MatchRequestError(
            "needs",
            f"We don't know the need “{typed[:40]}”. Use a need such as loneliness, "
            "low_mood or money_debt, or plain words such as “lonely” or “debt”.",
        )
    return choices[best[0]]


def _nearest_need_words(typed: str, choices: list[str]) -> tuple[str, float, int] | None:
    """The need words the typed words mean: the same, a typo away ("lonley"), or, for four
    letters or more, close by rapidfuzz's WRatio ("feeling low" -> "low")."""
    processed = utils.default_process(typed)
    if processed in choices:
        return processed, 100.0, choices.index(processed)
    typo = process.extractOne(
        typed,
        choices,
        scorer=OSA.distance,
        processor=utils.default_process,
        score_cutoff=1 if len(processed) < 8 else 2,
    )
    if typo is not None and len(processed) >= 4:
        return typo
    if len(processed) < 4:  # "car" is in "carer": too short to match a part of something
        return None
    return process.extractOne(
        typed,
        choices,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        score_cutoff=NEED_WORDS_CUTOFF,
    )


def resolve_needs(items: Iterable[str]) -> tuple[str, ...]:
    """Need ids for each item, each once, in the order given."""
    found = dict.fromkeys(resolve_need(item) for item in items)
    if not found:
        raise MatchRequestError("needs", "Choose at least one need.")
    return tuple(found)


def profile_from(
    *,
    age: int | None,
    postcode: str | None,
    needs: Sequence[str],
    what_matters: str = "",
    free_only: bool = False,
    modes: Iterable[str] = (),
    days: Iterable[str] = (),
    times: Iterable[str] = (),
    max_miles: float | None = None,
    language: str | None = None,
    access: Iterable[str] = (),
    gender: str | None = None,
    is_carer: bool = False,
    is_veteran: bool = False,
    lgbtq: bool = False,
    registered_with_gp: bool | None = None,
    referrer: str = "professional",
    lookup: Callable[[str], geo.Place] = geo.lookup_place,
) -> matcher.Profile:
    """A matcher profile from what a person (or their link worker) told us.

    postcode may be a full postcode or a district; registered_with_gp defaults to yes when
    a link worker (who works for the GP practices) refers, and no otherwise.
    """
    who = _choice("referrer", referrer, REFERRER_WORDS)
    place = _place(postcode, lookup)
    text = (what_matters or "").strip()
    if len(text) > matcher.facts.MAX_TEXT:
        raise MatchRequestError(
            "what_matters",
            f"“What matters” is {len(text):,} characters; keep it under "
            f"{matcher.facts.MAX_TEXT:,}.",
        )
    try:
        return matcher.Profile(
            age=_age(age),
            needs=resolve_needs(needs),
            latitude=place.latitude if place else None,
            longitude=place.longitude if place else None,
            postcode_district=place.postcode.split(" ")[0] if place else None,
            local_authority=(place.local_authority_code or None) if place else None,
            what_matters=text,
            preferences=matcher.Preferences(
                free_only=bool(free_only),
                modes=tuple(dict.fromkeys(_choice("modes", m, MODE_WORDS) for m in modes)),
                days=_days(days),
                times=tuple(dict.fromkeys(_time(t) for t in times)),
                max_miles=_miles(max_miles),
                language=_language(language),
                access=tuple(dict.fromkeys(_access(a) for a in access)),
            ),
            gender=_choice("gender", gender, GENDER_WORDS) if gender else None,
            is_carer=bool(is_carer),
            is_veteran=bool(is_veteran),
            lgbtq=bool(lgbtq),
            registered_with_gp=(
                who == "professional" if registered_with_gp is None else bool(registered_with_gp)
            ),
            referrer=who,
        )
    except MatchRequestError:
        raise
    except matcher.InvalidProfile as error:
        raise MatchRequestError(error.field, error.message) from error


def _age(age: object) -> int | None:
    if age is None:
        return None
    if isinstance(age, bool) or not isinstance(age, int):
        raise MatchRequestError("age", "Age should be a whole number, such as 34.")
    if not 0 <= age <= matcher.facts.MAX_AGE:
        raise MatchRequestError(
            "age", f"Age should be a whole number from 0 to {matcher.facts.MAX_AGE}."
        )
    return age


def _place(postcode: str | None, lookup: Callable[[str], geo.Place]) -> geo.Place | None:
    if postcode is None or not str(postcode).strip():
        return None
    try:
        return lookup(str(postcode))
    except geo.PostcodeError as error:
        raise MatchRequestError("postcode", error.message) from error


def _choice(name: str, value: str, words: dict[str, str]) -> str:
    found = words.get(" ".join(str(value).lower().split()))
    if found is None:
        allowed = ", ".join(sorted(set(words.values())))
        raise MatchRequestError(name, f"“{str(value)[:40]}” is not one of {allowed}.")
    return found


def _days(days: Iterable[str]) -> tuple[str, ...]:
    found: list[str] = []
    for day in days:
        codes = DAY_WORDS.get(str(day).strip().lower())
        if codes is None:
            raise MatchRequestError(
                "days", f"“{str(day)[:20]}” is not a day: use mon, tue, ... sun, or weekend."
            )
        found += codes
    return tuple(code for code in vocabulary.DAYS if code in found)


def _time(time: str) -> str:
    text = str(time).strip().lower().replace(" ", "")
    if text in ("morning", "afternoon", "evening") or _TIME_RANGE.match(text):
        return text
    raise MatchRequestError(
        "times", f"“{str(time)[:20]}” is not morning, afternoon, evening or 09:00-12:00."
    )


def _miles(max_miles: float | None) -> float | None:
    if max_miles is None:
        return None
    if isinstance(max_miles, bool) or not isinstance(max_miles, (int, float)):
        raise MatchRequestError("max_miles", "The travel distance should be a number of miles.")
    if not 0 < max_miles <= MAX_MILES:
        raise MatchRequestError(
            "max_miles", f"The travel distance should be more than 0 and at most {MAX_MILES:g}."
        )
    return float(max_miles)


def _language(language: str | None) -> str | None:
    if language is None or not str(language).strip():
        return None
    text = str(language).strip().lower()
    if text in vocabulary.LANGUAGES:
        return text
    by_name = {name.lower(): code for code, name in vocabulary.LANGUAGES.items()}
    by_name.update(
        {name.split(" (")[0].lower(): code for code, name in vocabulary.LANGUAGES.items()}
    )
    if text in by_name:
        return by_name[text]
    raise MatchRequestError(
        "language", f"“{text[:20]}” is not a language we list: use a code such as pl or ur."
    )


def _access(feature: str) -> str:
    text = str(feature).strip().lower().replace(" ", "_").replace("-", "_")
    if text in vocabulary.ACCESSIBILITY:
        return text
    raise MatchRequestError(
        "access",
        f"“{str(feature)[:30]}” is not an access feature: use one of "
        f"{', '.join(vocabulary.ACCESSIBILITY)}.",
    )
