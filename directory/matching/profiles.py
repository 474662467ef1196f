"""A person's details, as a form, the CLI or the API gives them, as a `matcher.Profile`.

Bad input raises `MatchRequestError`, a ValueError whose message can be shown to the user
as it is.

    profile = profile_from(age=78, postcode="LS5 3BT", needs=["bereavement", "lonely"])
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence

from rapidfuzz import fuzz, process, utils
from rapidfuzz.distance import OSA

import matcher
from directory.catalogue import needs as known_needs
from directory.catalogue import vocabulary
from directory.catalogue.needs import NeedsVocabulary
from directory.geo import postcodes

# How close plain words must be to a need's id, label or synonym to count as that need.
NEED_WORDS_CUTOFF = 86.0
MAX_MILES = 500.0
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


# A snapshot of the needs is held until they change: index its words once, keep a few.
@functools.lru_cache(maxsize=8)
def _need_choices(known: NeedsVocabulary) -> tuple[frozenset[str], dict[str, str]]:
    """Need ids, and every id, label and synonym (normalised) -> its need id."""
    choices: dict[str, str] = {}
    for need in known.needs:
        for words in (need.code.replace("_", " "), need.label, *need.synonyms):
            choices.setdefault(utils.default_process(words), need.code)
    return frozenset(n.code for n in known.needs), choices


def resolve_need(words: str, known: NeedsVocabulary) -> str:
    """A need id from an id ("low_mood") or plain words ("feeling low", "lonley")."""
    ids, choices = _need_choices(known)
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


def resolve_needs(items: Iterable[str], known: NeedsVocabulary) -> tuple[str, ...]:
    """Need ids for each item, each once, in the order given."""
    found = dict.fromkeys(resolve_need(item, known) for item in items)
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
    lookup: Callable[[str], postcodes.Place] = postcodes.lookup_place,
    needs_vocabulary: NeedsVocabulary | None = None,
) -> matcher.Profile:
    """A matcher profile from what a person (or their link worker) told us.

    postcode may be a full postcode or a district; registered_with_gp defaults to yes when
    a link worker (who works for the GP practices) refers, and no otherwise. Needs are
    resolved against needs_vocabulary, by default the current app's.
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
    known = needs_vocabulary if needs_vocabulary is not None else known_needs.current()
    try:
        return matcher.Profile(
            age=_age(age),
            needs=resolve_needs(needs, known),
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


def _place(
    postcode: str | None, lookup: Callable[[str], postcodes.Place]
) -> postcodes.Place | None:
    if postcode is None or not str(postcode).strip():
        return None
    try:
        return lookup(str(postcode))
    except postcodes.PostcodeError as error:
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
