"""A person's details, as a form, the CLI or the API gives them, as a `matcher.Profile`.

`PersonDetails` is what a person (or their link worker) tells us, checked all at once: each
field says what it takes, and each problem is a sentence that can be shown to the user as
it is. Bad input raises `MatchRequestError`, a ValueError with a sentence for each field.

    profile = profile_from(age=78, postcode="LS5 3BT", needs=["bereavement", "lonely"])
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from rapidfuzz import fuzz, process, utils
from rapidfuzz.distance import OSA

import matcher
from directory.catalogue import needs as known_needs
from directory.catalogue import vocabulary
from directory.catalogue.needs import Meaning, NeedsVocabulary, meant_by, normalise
from directory.geo import postcodes
from directory.inputs import Says, problems_of
from matcher.facts import WEEKDAYS, WEEKEND

# How close plain words must be to a need's id, label, synonym or search phrase to count.
NEED_WORDS_CUTOFF = 86.0
MAX_MILES = 500.0
DAY_WORDS = {
    **{code.lower(): (code,) for code in vocabulary.DAYS},
    **{name.lower(): (code,) for code, name in vocabulary.DAYS.items()},
    **{name[:3].lower(): (code,) for code, name in vocabulary.DAYS.items()},
    "weekdays": WEEKDAYS,
    "weekend": WEEKEND,
    "weekends": WEEKEND,
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
    """Input a match cannot use: `problems` maps each field to a sentence saying what to do;
    `field` names the first, and `str(error)` says them all."""

    def __init__(
        self, field_name: str, message: str, problems: Mapping[str, str] | None = None
    ) -> None:
        self.problems = dict(problems or {field_name: message})
        super().__init__(field_name, "; ".join(self.problems.values()))

    @classmethod
    def about(cls, problems: Mapping[str, str]) -> MatchRequestError:
        """One error for every problem found."""
        first = next(iter(problems))
        return cls(first, problems[first], problems)


@dataclass(frozen=True)
class NeedWords:
    """A snapshot's words, indexed for reading what a person typed as needs."""

    ids: frozenset[str]  # need codes
    names: dict[str, str]  # a need's code in words ("low mood") or label -> its code
    meanings: dict[str, Meaning]  # every synonym and search phrase, as search reads them
    choices: tuple[str, ...]  # every name and phrase, for typos
    words: tuple[str, ...]  # every word of those, for a typo in one word of several


# A snapshot of the needs is held until they change: index its words once, keep a few.
@functools.lru_cache(maxsize=8)
def _need_words(known: NeedsVocabulary) -> NeedWords:
    names: dict[str, str] = {}
    for need in known.needs:
        for name in (need.code.replace("_", " "), need.label):
            names.setdefault(normalise(name), need.code)
    choices = tuple(dict.fromkeys([*names, *known.meanings]))
    words = dict.fromkeys(word for phrase in choices for word in phrase.split())
    return NeedWords(
        ids=frozenset(n.code for n in known.needs),
        names=names,
        meanings=known.meanings,
        choices=choices,
        words=tuple(words),
    )


def resolve_need(words: str, known: NeedsVocabulary) -> tuple[str, ...]:
    """The needs a person's words name, as search understands them: a need's id
    ("low_mood") or label gives that need; other words, every need their synonyms and search
    phrases point to ("skint": money_debt and benefits); failing those, a typo of them
    ("lonley", "feeling lonly"), or for four letters or more close words by WRatio."""
    typed = " ".join(str(words).split())
    if not typed:
        raise MatchRequestError("needs", "A need cannot be blank.")
    index = _need_words(known)
    if typed.lower() in index.ids:
        return (typed.lower(),)
    if len(typed) > 100:
        raise MatchRequestError("needs", "A need should be a few words, not a paragraph.")
    text = normalise(typed)
    if text in index.names:
        return (index.names[text],)
    if text in index.meanings:  # said exactly: all it means, as search reads it
        return meant_by(text, index.meanings).needs
    found = _nearest_needs(text, index)
    if not found:
        raise MatchRequestError(
            "needs",
            f"We don't know the need “{typed[:40]}”. Use a need such as loneliness, "
            "low_mood or money_debt, or plain words such as “lonely” or “debt”.",
        )
    return found


def _nearest_needs(text: str, index: NeedWords) -> tuple[str, ...]:
    """The needs of the need words in or near the typed words: the whole a typo away from
    a name or phrase ("yonug carer", "nofriends"); the phrases in the words ("stressed about
    money"); the phrases once a typo in one word is mended ("feeling lonly"); or close words
    by rapidfuzz's WRatio ("bereaved" -> "bereavement")."""
    if len(text) >= 4:  # "car" is in "carer": too short to be a typo of something
        typo = process.extractOne(
            text, index.choices, scorer=OSA.distance, score_cutoff=_typos_allowed(text)
        )
        if typo is not None:
            return _needs_of(typo[0], index)
    found = meant_by(text, index.meanings).needs
    if found or len(text) < 4:
        return found
    corrected = " ".join(_nearest_word(word, index.words) for word in text.split())
    found = meant_by(corrected, index.meanings).needs
    if found:
        return found
    close = process.extractOne(
        text,
        index.choices,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        score_cutoff=NEED_WORDS_CUTOFF,
    )
    return _needs_of(close[0], index) if close else ()


def _needs_of(choice: str, index: NeedWords) -> tuple[str, ...]:
    """The needs of a name or phrase, as if typed right: a name's need, or all that the
    phrase and the phrases in it mean ("young carer": carers, young_people)."""
    if choice in index.names:
        return (index.names[choice],)
    return meant_by(choice, index.meanings).needs


def _typos_allowed(text: str) -> int:
    """One typo in a short word, two from eight letters (a swap of two letters is one)."""
    return 1 if len(text) < 8 else 2


def _nearest_word(word: str, words: tuple[str, ...]) -> str:
    """The vocabulary's word a typo away from this one (of four letters or more), or itself."""
    if len(word) < 4 or word in words:
        return word
    near = process.extractOne(word, words, scorer=OSA.distance, score_cutoff=_typos_allowed(word))
    return str(near[0]) if near else word


def resolve_needs(items: Iterable[str], known: NeedsVocabulary) -> tuple[str, ...]:
    """The needs each item names, each once, in the order given."""
    found = dict.fromkeys(need for item in items for need in resolve_need(item, known))
    if not found:
        raise MatchRequestError("needs", "Choose at least one need.")
    return tuple(found)


# --- checks: each turns what was given into what the matcher takes, or says what is wrong ---


def _place(postcode: object, info: ValidationInfo) -> object:
    """The place of a postcode or district; a value that is not text is left for `Says`."""
    if not isinstance(postcode, str):
        return postcode
    lookup = (info.context or {}).get("lookup", postcodes.lookup_place)
    try:
        return lookup(postcode)
    except postcodes.PostcodeError as error:
        raise ValueError(error.message) from None


def _needs(items: list[str], info: ValidationInfo) -> list[str]:
    """Need codes for the needs given, against the vocabulary in the context (or the app's)."""
    known = (info.context or {}).get("needs")
    if known is None:
        known = known_needs.current()
    found = resolve_needs(items, known)
    if len(found) > matcher.facts.MAX_NEEDS:
        meant = f" (the words given mean {len(found)})" if len(found) > len(items) else ""
        raise ValueError(f"Choose at most {matcher.facts.MAX_NEEDS} needs{meant}.")
    return list(found)


def _what_matters(text: str) -> str:
    text = text.strip()
    if len(text) > matcher.facts.MAX_TEXT:
        raise ValueError(
            f"“What matters” is {len(text):,} characters; keep it under {matcher.facts.MAX_TEXT:,}."
        )
    return text


def _one_or_many(value: object) -> object:
    return [value] if isinstance(value, str) else value


def _choice(value: str, words: dict[str, str]) -> str:
    found = words.get(" ".join(value.lower().split()))
    if found is None:
        allowed = ", ".join(sorted(set(words.values())))
        raise ValueError(f"“{value[:40]}” is not one of {allowed}.")
    return found


def _modes(values: list[str]) -> list[str]:
    return list(dict.fromkeys(_choice(value, MODE_WORDS) for value in values))


def _days(days: list[str]) -> list[str]:
    found: list[str] = []
    for day in days:
        codes = DAY_WORDS.get(day.strip().lower())
        if codes is None:
            raise ValueError(f"“{day[:20]}” is not a day: use mon, tue, ... sun, or weekend.")
        found += codes
    return [code for code in vocabulary.DAYS if code in found]


def _times(times: list[str]) -> list[str]:
    found: list[str] = []
    for time in times:
        text = time.strip().lower().replace(" ", "")
        ranged = _TIME_RANGE.match(text) and matcher.facts.parse_range(text)
        if text not in matcher.facts.PARTS_OF_DAY and not ranged:
            raise ValueError(f"“{time[:20]}” is not morning, afternoon, evening or 09:00-12:00.")
        found.append(text)
    return list(dict.fromkeys(found))


def _language(language: str) -> str | None:
    text = language.strip().lower()
    if not text or text in vocabulary.LANGUAGES:
        return text or None
    by_name = {name.lower(): code for code, name in vocabulary.LANGUAGES.items()}
    by_name.update(
        {name.split(" (")[0].lower(): code for code, name in vocabulary.LANGUAGES.items()}
    )
    if text in by_name:
        return by_name[text]
    raise ValueError(f"“{text[:20]}” is not a language we list: use a code such as pl or ur.")


def _access(features: list[str]) -> list[str]:
    found: list[str] = []
    for feature in features:
        text = feature.strip().lower().replace(" ", "_").replace("-", "_")
        if text not in vocabulary.ACCESSIBILITY:
            raise ValueError(
                f"“{feature[:30]}” is not an access feature: use one of "
                f"{', '.join(vocabulary.ACCESSIBILITY)}."
            )
        found.append(text)
    return list(dict.fromkeys(found))


def _gender(gender: str) -> str | None:
    return _choice(gender, GENDER_WORDS) if gender else None


def _referrer(referrer: str) -> str:
    return _choice(referrer, REFERRER_WORDS)


# --- what each detail takes, and the sentence for each problem -----------------------------

Age = Annotated[
    int,
    Field(ge=0, le=matcher.facts.MAX_AGE, description="The person's age in years."),
    Says(
        "Age should be a whole number, such as 34.",
        out_of_range=f"Age should be a whole number from 0 to {matcher.facts.MAX_AGE}.",
        missing="Give the person's age, a whole number such as 34.",
    ),
]
Postcode = Annotated[
    postcodes.Place,
    Says(
        'The postcode should be text, such as "LS6 1BD".',
        missing="Give the person's postcode, such as LS6 1BD, or a district (LS6).",
    ),
    BeforeValidator(_place, json_schema_input_type=str),
    Field(
        description="Their postcode, or its district (LS6).",
        json_schema_extra={"example": "LS6 1AA"},
    ),
]
YesNo = Annotated[bool, Says("{name} should be true or false.")]
# Where a list is expected, one value may be sent alone, as text.
Listed = Annotated[list[str], BeforeValidator(_one_or_many)]
Needs = Annotated[
    list[str],
    Says('Needs should be a list of needs, such as ["loneliness"].'),
    AfterValidator(_needs),
    Field(
        description="Need codes, as /taxonomy_terms gives them (code), or plain words "
        "(lonely, skint)."
    ),
]
Text = Annotated[
    str,
    Says("What matters should be text."),
    AfterValidator(_what_matters),
    Field(description="What matters to the person, in their words."),
]
Miles = Annotated[
    float,
    Field(gt=0, le=MAX_MILES, description="How far the person can travel to go in person."),
    Says(
        "The travel distance should be a number of miles, such as 3.",
        out_of_range=f"The travel distance should be more than 0 and at most {MAX_MILES:g}.",
    ),
]
Modes = Annotated[
    Listed,
    Says("Mode should be text or a list of text."),
    AfterValidator(_modes),
    Field(
        description="How the person can take part: in_person, online or phone.",
        json_schema_extra={"items": {"type": "string", "enum": list(matcher.facts.MODES)}},
    ),
]
Days = Annotated[
    Listed,
    Says("Day should be text or a list of text."),
    AfterValidator(_days),
    Field(description="Days the person is free: mon ... sun (or Monday, MO), weekdays, weekend."),
]
Access = Annotated[
    Listed,
    Says("Access should be text or a list of text."),
    AfterValidator(_access),
    Field(description=f"Access needs at a venue: {', '.join(vocabulary.ACCESSIBILITY)}."),
]
Times = Annotated[
    Listed,
    Says("Times should be a list of text."),
    AfterValidator(_times),
    Field(description="Times the person is free: morning, afternoon, evening or 09:00-12:00."),
]
Language = Annotated[
    str,
    Says("Language should be text."),
    AfterValidator(_language),
    Field(description="A language they would rather use: an ISO 639-1 code (pl) or its name."),
]
Gender = Annotated[
    str,
    Says("Gender should be text: woman, man, non_binary or other."),
    AfterValidator(_gender),
    Field(
        description="Only where a service is for some people (women only, ...).",
        json_schema_extra={"enum": list(matcher.facts.GENDERS)},
    ),
]


class PersonDetails(BaseModel):
    """What a person (or their link worker) tells us, checked: every problem at once.

    Fields are named as requests name them; not given (null) is the same as left out."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    age: Age | None = None
    postcode: Postcode | None = None
    needs: Needs = Field(default_factory=list, validate_default=True)
    text: Text = ""
    free_only: YesNo = Field(False, description="Only free services.")
    mode: Modes = []
    max_miles: Miles | None = None
    day: Days = []
    language: Language | None = None
    access: Access = []
    gender: Gender | None = None
    carer: YesNo | None = Field(None, description="Counts for carers-only services.")
    veteran: YesNo | None = Field(None, description="Counts for veterans-only services.")
    lgbtq: YesNo | None = Field(None, description="Counts for LGBTQ+-only services.")

    @model_validator(mode="before")
    @classmethod
    def _given(cls, data: Any) -> Any:
        """Null, a blank postcode or needs of empty text count as not given."""
        if not isinstance(data, Mapping):
            return data
        return {name: value for name, value in data.items() if not _blank(name, value)}

    def as_profile(
        self,
        *,
        times: Sequence[str] = (),
        referrer: str = "professional",
        registered_with_gp: bool | None = None,
    ) -> matcher.Profile:
        """The matcher's profile of this person.

        registered_with_gp defaults to yes when a link worker (who works for the GP
        practices) refers, and no otherwise."""
        place = self.postcode
        return matcher.Profile(
            age=self.age,
            needs=tuple(self.needs),
            latitude=place.latitude if place else None,
            longitude=place.longitude if place else None,
            postcode_district=place.postcode.split(" ")[0] if place else None,
            local_authority=(place.local_authority_code or None) if place else None,
            what_matters=self.text,
            preferences=matcher.Preferences(
                free_only=self.free_only,
                modes=tuple(self.mode),
                days=tuple(self.day),
                times=tuple(times),
                max_miles=self.max_miles,
                language=self.language,
                access=tuple(self.access),
            ),
            gender=self.gender,
            is_carer=bool(self.carer),
            is_veteran=bool(self.veteran),
            lgbtq=bool(self.lgbtq),
            registered_with_gp=(
                referrer == "professional" if registered_with_gp is None else registered_with_gp
            ),
            referrer=referrer,
        )


def _blank(name: str, value: object) -> bool:
    if name == "postcode" and isinstance(value, str):
        return not value.strip()
    return value is None or (name == "needs" and value == "")


class ProfileDetails(PersonDetails):
    """A person's details with what only profile_from is told: times, who refers them, and
    whether they are registered with a GP."""

    times: Times = []
    referrer: Annotated[str, Says("Referrer should be text."), AfterValidator(_referrer)] = (
        "professional"
    )
    registered_with_gp: YesNo | None = None

    @property
    def profile(self) -> matcher.Profile:
        return self.as_profile(
            times=self.times,
            referrer=self.referrer,
            registered_with_gp=self.registered_with_gp,
        )


# profile_from names some details as the matcher does; requests name them as people do.
REQUEST_NAMES = {
    "what_matters": "text",
    "modes": "mode",
    "days": "day",
    "is_carer": "carer",
    "is_veteran": "veteran",
}
PROFILE_NAMES = {request: profile for profile, request in REQUEST_NAMES.items()}


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
    """A matcher profile from what a person (or their link worker) told us; postcode may be
    a full postcode or a district; needs are resolved against needs_vocabulary, by default
    the current app's. MatchRequestError names every detail that is wrong."""
    given = dict(locals())  # every detail above, by its name here
    del given["lookup"], given["needs_vocabulary"]
    lists = ("needs", "modes", "days", "times", "access")
    given.update({name: list(given[name]) for name in lists})
    details = {REQUEST_NAMES.get(name, name): value for name, value in given.items()}
    try:
        context = {"lookup": lookup, "needs": needs_vocabulary}
        return ProfileDetails.model_validate(details, context=context).profile
    except ValidationError as error:
        problems = problems_of(error, ProfileDetails)
        named = {PROFILE_NAMES.get(name, name): problem for name, problem in problems.items()}
        raise MatchRequestError.about(named) from None
