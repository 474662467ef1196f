"""The matching engine: pure Python, no Flask, no database.

It works on plain dataclasses (a person's `Profile`, the `ServiceFacts` of each service)
so that it can be tested and benchmarked alone; `directory/matching/facts.py` turns database
rows into those facts.

    result = match(profile, Catalogue(facts), Weights(), today=date(2026, 11, 23))
    for s in result.suggestions:
        print(s.name, s.score, [r.text for r in s.reasons])
    for e in result.excluded:
        print(e.name, "excluded because", [r.text for r in e.reasons])
"""

from matcher.catalogue import Catalogue
from matcher.engine import match
from matcher.facts import (
    Area,
    Closure,
    Exclusion,
    InvalidProfile,
    MatchResult,
    OpeningSession,
    Pathway,
    PathwayOption,
    Preferences,
    Profile,
    Reason,
    ServiceFacts,
    Site,
    Suggestion,
    Vocabulary,
)
from matcher.rules import RESTRICTIONS, RULES, Situation
from matcher.weights import DEFAULT_WEIGHTS, Weights
from matcher.words import telling_words

__all__ = [
    "DEFAULT_WEIGHTS",
    "RESTRICTIONS",
    "RULES",
    "Area",
    "Catalogue",
    "Closure",
    "Exclusion",
    "InvalidProfile",
    "MatchResult",
    "OpeningSession",
    "Pathway",
    "PathwayOption",
    "Preferences",
    "Profile",
    "Reason",
    "ServiceFacts",
    "Site",
    "Situation",
    "Suggestion",
    "Vocabulary",
    "Weights",
    "match",
    "telling_words",
]
