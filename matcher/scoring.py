"""How well a service suits a person, once the hard rules allow it: the parts of the score,
and the reasons a link worker can read aloud. The numbers are all in `weights.Weights`."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from matcher.facts import (
    DAYS,
    WEEKDAYS,
    WEEKEND,
    OpeningSession,
    Profile,
    Reason,
    ServiceFacts,
    Vocabulary,
    minutes,
    parse_range,
)
from matcher.opening import closure_on, in_season
from matcher.rules import RESTRICTIONS
from matcher.weights import Weights
from matcher.words import (
    ages,
    day_month,
    first_lower,
    join,
    miles,
    month_year,
    plural_days,
)

# Parts of the day, in minutes since midnight.
WINDOWS = {"morning": (360, 720), "afternoon": (720, 1020), "evening": (1020, 1440)}
WHOLE_DAY = (0, 1440)
MODE_WORDS = {"in_person": "in person", "online": "online", "phone": "by phone"}


@dataclass(slots=True)
class Candidate:
    """A service the rules allow, and what the matcher has worked out about it so far."""

    index: int
    service: ServiceFacts
    strengths: dict[str, float]  # person's need -> how well the service meets it
    synonyms: dict[str, str] = field(default_factory=dict)  # need -> synonym its words say
    distance_miles: float | None = None
    fit: float = 0.0  # distance, preferences, listing: everything but needs and words
    similarity: float = 0.0  # rapidfuzz 0-100 of the person's words to its text

    def need_total(self) -> float:
        return sum(self.strengths.values())


def text_score(similarity: float, weights: Weights) -> float:
    """From nothing at the cutoff to the whole text weight at 100."""
    above = (similarity - weights.text_cutoff) / (100 - weights.text_cutoff)
    return weights.text * above if above > 0 else 0.0


def fit(
    person: Profile, c: Candidate, weights: Weights, vocabulary: Vocabulary, today: date
) -> float:
    """Everything in the score but the needs and the words."""
    s = c.service
    prefs = person.preferences
    total = distance_score(person, s, c.distance_miles, weights)
    if prefs.free_only and s.free:  # a charge with free_only is a broken rule, not a score
        total += weights.free
    if prefs.modes and s.modes:
        total += weights.mode if set(prefs.modes) & set(s.modes) else weights.mode_mismatch
    if prefs.days or prefs.times:
        fits = fitting_sessions(person, s, today) is not None
        total += weights.times if fits else weights.times_mismatch
    total += language_score(person, s, weights)
    if prefs.access:
        total += weights.access * access_share(person, s)
    if welcoming(person, s):
        total += weights.group
    if s.needs and s.needs[0] not in person.needs:
        total += weights.off_focus
    if for_other_ages(person, s, vocabulary):
        total += weights.other_ages
    total += age_band_score(s, weights) + freshness(s, weights, today) + waiting(s, weights)
    if not s.routes_known:
        total += weights.routes_unknown
    return total


def distance_score(
    person: Profile, s: ServiceFacts, distance: float | None, weights: Weights
) -> float:
    """Nearer is better; online and phone services count as remote_as_miles away."""
    if not person.located:
        return 0.0
    half_life = weights.distance_half_life_miles
    remote = weights.distance * math.pow(0.5, weights.remote_as_miles / half_life)
    offered_in_person = "in_person" in s.modes or not s.modes
    if distance is None or not offered_in_person:
        return remote
    near = weights.distance * math.pow(0.5, distance / half_life)
    return max(near, remote) if s.remote else near


def language_score(person: Profile, s: ServiceFacts, weights: Weights) -> float:
    """Their own language first; English when they did not say (or as a fallback)."""
    language = person.preferences.language or "en"
    if not s.languages or language in s.languages:
        return weights.language if language != "en" and s.languages else 0.0
    return weights.language_missing if "en" in s.languages else weights.no_common_language


def for_other_ages(person: Profile, s: ServiceFacts, vocabulary: Vocabulary) -> list[str]:
    """The service's age-group needs whose ages the person is outside."""
    if person.age is None:
        return []
    age = person.age
    return [
        code
        for code in s.needs
        if (ages := vocabulary.need_ages.get(code)) is not None
        if (ages[0] is not None and age < ages[0]) or (ages[1] is not None and age > ages[1])
    ]


def age_band_score(s: ServiceFacts, weights: Weights) -> float:
    """A service for a narrow age band the person is in is meant for people like them."""
    if s.min_age is None and s.max_age is None:
        return 0.0
    span = (100 if s.max_age is None else s.max_age) - (s.min_age or 0)
    return weights.age_band * max(0.0, 1 - span / weights.age_band_span)


def freshness(s: ServiceFacts, weights: Weights, today: date) -> float:
    if s.last_verified is None:
        return 0.0
    age = (today - s.last_verified).days
    if age <= weights.fresh_days:
        return weights.fresh
    fading = (age - weights.fresh_days) / max(1, weights.review_days - weights.fresh_days)
    return weights.fresh * max(0.0, 1 - fading)


def waiting(s: ServiceFacts, weights: Weights) -> float:
    if s.capacity != "waiting_list":
        return 0.0
    weeks = s.waiting_weeks if s.waiting_weeks is not None else weights.waiting_weeks_unknown
    return max(weights.waiting_cap, weights.waiting_per_week * weeks)


def welcoming(person: Profile, s: ServiceFacts) -> list[str]:
    """The service's restrictions that single out a group the person belongs to."""
    return [
        RESTRICTIONS[code].welcome
        for code in s.restrictions
        if code in RESTRICTIONS and RESTRICTIONS[code].suits_members
        if RESTRICTIONS[code].qualifies(person)
    ]


def access_share(person: Profile, s: ServiceFacts) -> float:
    """The share of the person's access needs met at the service's best venue; 1 for a
    service they can use without going anywhere."""
    wanted = person.preferences.access
    if not wanted or not s.bound_to_sites:
        return 1.0
    return max(sum(f in site.access for f in wanted) / len(wanted) for site in s.sites)


def fitting_sessions(person: Profile, s: ServiceFacts, today: date) -> dict[str, list[str]] | None:
    """When the service runs at times the person is free, as part of day -> days; an empty
    dict for a service with no fixed times; None when it runs only when they are busy, or
    only in a season other than today's (a summer holiday club in December)."""
    if not s.sessions:
        return {}
    prefs = person.preferences
    days = set(prefs.days or DAYS)
    windows = [_window(t) for t in prefs.times] or [WHOLE_DAY]
    found: dict[str, list[str]] = defaultdict(list)
    for session in in_season(s.sessions, today):
        span = _span(session)
        if span is None or not any(_fits(span, w) for w in windows):
            continue
        part = _part_of_day(span[0])
        found[part].extend(d for d in session.days if d in days and d not in found[part])
    found = {part: ds for part, ds in found.items() if ds}
    return found or None


def _window(time: str) -> tuple[int, int]:
    return WINDOWS.get(time) or parse_range(time) or WHOLE_DAY


def _span(session: OpeningSession) -> tuple[int, int] | None:
    opens, closes = minutes(session.opens), minutes(session.closes)
    if opens is None or closes is None or opens >= closes:
        return None
    return opens, closes


def _fits(span: tuple[int, int], window: tuple[int, int]) -> bool:
    """At least an hour of the session (or half of a short one) falls in the window."""
    overlap = min(span[1], window[1]) - max(span[0], window[0])
    return overlap > 0 and overlap >= min(60, (span[1] - span[0]) / 2)


def _part_of_day(start: int) -> str:
    if start < WINDOWS["afternoon"][0]:
        return "morning"
    return "afternoon" if start < WINDOWS["evening"][0] else "evening"


# --- reasons --------------------------------------------------------------------------


def reasons(
    person: Profile,
    c: Candidate,
    words_found: list[str],
    weights: Weights,
    vocabulary: Vocabulary,
    today: date,
) -> tuple[Reason, ...]:
    """Why the service suits the person, then what to know before going."""
    s = c.service
    found: list[Reason | None] = [
        _need_reason(person, c, vocabulary),
        _synonym_reason(c, vocabulary),
        _words_reason(c, words_found, weights),
        _age_reason(person, s),
        *[Reason("group", text) for text in welcoming(person, s)],
        _place_reason(s, c.distance_miles),
        _times_reason(person, s, today),
        Reason("cost", "free") if s.free else None,
        _language_reason(person, s, vocabulary),
        _access_reason(person, s, vocabulary),
        _referral_reason(person, s, weights),
        *_caveats(person, s, weights, vocabulary, today),
    ]
    return tuple(r for r in found if r is not None)


def _need_reason(person: Profile, c: Candidate, vocabulary: Vocabulary) -> Reason | None:
    met = [n for n in person.needs if n in c.strengths and n not in c.synonyms]
    if not met:
        return None
    return Reason("need", "meets: " + ", ".join(first_lower(vocabulary.need(n)) for n in met))


def _synonym_reason(c: Candidate, vocabulary: Vocabulary) -> Reason | None:
    if not c.synonyms:
        return None
    said = [f"{first_lower(vocabulary.need(n))} (it says “{w}”)" for n, w in c.synonyms.items()]
    return Reason("need_words", "also about: " + ", ".join(said))


def _words_reason(c: Candidate, words_found: list[str], weights: Weights) -> Reason | None:
    if not words_found or c.similarity < weights.text_cutoff:
        return None
    return Reason("what_matters", "matches what they said: " + ", ".join(words_found))


def _age_reason(person: Profile, s: ServiceFacts) -> Reason | None:
    if s.min_age is None and s.max_age is None:
        return None
    return Reason("age", f"for {ages(s.min_age, s.max_age)}, they are {person.age}")


def _place_reason(s: ServiceFacts, distance: float | None) -> Reason | None:
    remote = [MODE_WORDS[m] for m in s.modes if m != "in_person" and m in MODE_WORDS]
    if distance is not None and "in_person" in s.modes:
        also = f", or {join(remote, last='or')}" if remote else ""
        return Reason("distance", f"{miles(distance)} away{also}")
    if remote:
        return Reason("mode", f"{join(remote, last='or')}: no travel needed")
    return None


def _times_reason(person: Profile, s: ServiceFacts, today: date) -> Reason | None:
    prefs = person.preferences
    if not (prefs.days or prefs.times):
        return None
    sessions = fitting_sessions(person, s, today)
    if sessions is None:
        return None
    if not sessions:
        return Reason("times", "no fixed times: whenever suits them")
    parts = [f"{_days_words(days)} {part}s" for part, days in _in_day_order(sessions)]
    return Reason("times", "open " + join(parts))


def _in_day_order(sessions: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    order = list(WINDOWS)
    return sorted(sessions.items(), key=lambda item: order.index(item[0]))


def _days_words(days: list[str]) -> str:
    held = set(days)
    if held == set(DAYS):
        return "every day"
    if held == set(WEEKDAYS):
        return "weekday"
    if held == set(WEEKEND):
        return "weekend"
    return plural_days(days)


def _language_reason(person: Profile, s: ServiceFacts, vocabulary: Vocabulary) -> Reason | None:
    language = person.preferences.language
    if language and language != "en" and language in s.languages:
        return Reason("language", f"offered in {vocabulary.language(language)}")
    return None


def _access_reason(person: Profile, s: ServiceFacts, vocabulary: Vocabulary) -> Reason | None:
    wanted = person.preferences.access
    if not wanted or not s.bound_to_sites:
        return None
    best = max(s.sites, key=lambda site: sum(f in site.access for f in wanted))
    met = [first_lower(vocabulary.feature(f)) for f in wanted if f in best.access]
    return Reason("access", "the venue has " + join(met)) if met else None


def _referral_reason(person: Profile, s: ServiceFacts, weights: Weights) -> Reason | None:
    if not s.routes_known:
        return Reason("referral_caveat", "check with the service how to get in")
    routes = set(s.referral_routes) & set(weights.routes_for(person.referrer))
    if person.referrer == "professional" and "professional" in routes:
        text = "they can refer themselves, or you can refer them" if "self" in routes else None
        return Reason("referral", text or "you can refer them")
    if "self" in routes:
        return Reason("referral", "they can refer themselves")
    return None


def _out_of_season(s: ServiceFacts, today: date) -> str:
    """'not running now: next runs from 20 July' for a service whose sessions are all out of
    season today; '' otherwise."""
    if not s.sessions or in_season(s.sessions, today):
        return ""
    starts = [x.valid_from for x in s.sessions if x.valid_from and x.valid_from > today]
    if not starts:
        return "not running now: its season has ended"
    return f"not running now: next runs from {day_month(min(starts))}"


def _caveats(
    person: Profile, s: ServiceFacts, weights: Weights, vocabulary: Vocabulary, today: date
) -> list[Reason | None]:
    prefs = person.preferences
    found: list[Reason | None] = []
    if s.capacity == "waiting_list":
        weeks = f": about {s.waiting_weeks} weeks" if s.waiting_weeks else ""
        found.append(Reason("waiting_caveat", f"waiting list{weeks}"))
    if not s.free:
        found.append(Reason("cost_caveat", "there is a charge"))
    if prefs.modes and s.modes and not set(prefs.modes) & set(s.modes):
        ways = join([MODE_WORDS.get(m, m) for m in s.modes], last="or")
        found.append(Reason("mode_caveat", f"only {ways}"))
    season = _out_of_season(s, today)
    if season:
        found.append(Reason("season_caveat", season))
    elif (prefs.days or prefs.times) and fitting_sessions(person, s, today) is None:
        found.append(Reason("times_caveat", "runs only at times they said they are busy"))
    closure = closure_on(s.closures, today)
    if closure is not None:
        why = f" ({closure.reason})" if closure.reason else ""
        found.append(Reason("closed_caveat", f"closed until {day_month(closure.ends)}{why}"))
    language = prefs.language or "en"
    if s.languages and language not in s.languages:
        offered = join([vocabulary.language(code) for code in s.languages], last="or")
        found.append(Reason("language_caveat", f"offered in {offered}"))
    for code in for_other_ages(person, s, vocabulary):
        found.append(Reason("audience_caveat", f"meant for {first_lower(vocabulary.need(code))}"))
    if prefs.access and s.bound_to_sites and access_share(person, s) < 1:
        best = max(s.sites, key=lambda site: sum(f in site.access for f in prefs.access))
        missing = [first_lower(vocabulary.feature(f)) for f in prefs.access if f not in best.access]
        found.append(Reason("access_caveat", "the venue does not list " + join(missing, "or")))
    if s.last_verified is not None and (today - s.last_verified).days > weights.review_days:
        found.append(
            Reason(
                "review_caveat",
                f"details last checked in {month_year(s.last_verified)}: check before going",
            )
        )
    return found
