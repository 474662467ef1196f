"""Text in and out: normalising words for comparison, and phrasing reasons in plain English."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

from matcher.distance import rounded
from matcher.facts import DAY_NAMES

_WORD = re.compile(r"[a-z0-9]+")

# Words too common to say anything about what matters to someone.
_STOPWORDS = """a about after all also am an and any are as at be been but by can could do does
    for from get go going got had has have he her him his how i if im in into is it its
    just like me more most much my no not of on or our out really she so some than that
    the their them then there they this to too up us very was we were what when where
    which who will with you your wants want likes loves something anything everything
thing things lot lots since even still now feel feels feeling felt used cannot cant dont
doesnt didnt wont isnt wasnt never always every keep kept know think make made take took
come came told tell say says said way ways well good bad back stop stopped start started
need needs needed help try tried gets getting one two three four five six seven eight nine
ten"""
STOPWORDS = frozenset(_STOPWORDS.split())

ROUTE_WORDS = {
    "self": "the person themselves",
    "professional": "a professional",
    "gp": "a GP",
    "mhp": "the mental health practitioner at a GP practice",
    "urgent": "urgent referrals",
}
STATUS_WORDS = {
    "draft": "a draft",
    "pending_review": "waiting for review",
    "archived": "archived (no longer running)",
}


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped ("can't" -> "cant"), anything else not a letter or
    digit turned into a space, and spaces squeezed."""
    text = text.lower().replace("\u2019", "").replace("'", "")
    return " ".join(_WORD.findall(text))


def content_words(text: str) -> list[str]:
    """The words that carry meaning, in order, each once."""
    seen: dict[str, None] = {}
    for word in normalise(text).split():
        if len(word) > 2 and word not in STOPWORDS:
            seen.setdefault(word, None)
    return list(seen)


def telling_words(text: str) -> str:
    """The words of a text that carry meaning, each once, in order: all the matcher reads
    of a service's description (content_words of it and of the text give the same words),
    in about half the memory (held for every service, at 100,000 services that counts)."""
    return " ".join(content_words(text))


def join(items: Sequence[str], last: str = "and") -> str:
    """["a", "b", "c"] -> "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def ages(min_age: int | None, max_age: int | None) -> str:
    if min_age is not None and max_age is not None:
        return f"ages {min_age}-{max_age}"
    if min_age is not None:
        return f"ages {min_age} and over"
    return f"ages up to {max_age}"


def miles(distance: float) -> str:
    """How far, in the words search shows too (web/presenters.py distance_away):
    "less than 0.1 miles", "1 mile", "2.5 miles", to the tenth both show."""
    shown = rounded(distance)
    if shown < 0.1:
        return "less than 0.1 miles"
    if shown == 1:
        return "1 mile"
    return f"{shown:.1f} miles"


def mile_count(limit: float) -> str:
    """A limit or radius as given: "1 mile", "0.5 miles", "3 miles" (not rounded)."""
    return f"{limit:g} mile{'' if limit == 1 else 's'}"


def plural_days(days: Iterable[str]) -> str:
    """("SA", "SU") -> "Saturday and Sunday" (in week order)."""
    ordered = [DAY_NAMES[d] for d in DAY_NAMES if d in set(days)]
    return join(ordered)


def month_year(day: date) -> str:
    return day.strftime("%B %Y")


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from one day to a later one (15 August to 14 September: 0)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (later.day < earlier.day)


def ago(day: date, today: date) -> str:
    """How long ago a day was, in whole months: "less than a month ago", "1 month ago",
    "13 months ago", and from two years "2 years ago"."""
    months = months_between(day, today)
    if months < 1:
        return "less than a month ago"
    if months >= 24:
        return f"{months // 12} years ago"
    return f"{months} month{'s' if months != 1 else ''} ago"


def day_month(day: date, with_year: bool = False) -> str:
    """'5 January', or with the year '5 January 2027'."""
    return f"{day.day} {day:%B %Y}" if with_year else f"{day.day} {day:%B}"


def first_lower(text: str) -> str:
    """ "Loneliness and isolation" -> "loneliness and isolation" (keeps "LGBTQ+" as it is)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


_SUFFIXES = ("ings", "ing", "ies", "ied", "ers", "ed", "er", "es", "s")


def stem(word: str) -> str:
    """A rough English stem, enough to match "walks" and "walking" to "walk", "gardening"
    to "garden": longer words lose one common ending, keeping a stem of four letters."""
    if len(word) <= 4 or word.endswith("ss"):
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            base = word[: -len(suffix)]
            return base + "y" if suffix in ("ies", "ied") else base
    return word
