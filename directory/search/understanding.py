"""Query understanding: crisis words, slang and synonyms, and typos.

The words come from the needs vocabulary in the database (directory/catalogue/needs.py):
each need's synonyms, and the phrases people search with (slang, common misspellings:
phrase -> more words and needs), which a directory manager can extend. Whether the words
call for urgent help, and of which kind, is directory/safety's to say. Typos are
corrected against the words of the catalogue itself, so the search only ever suggests
words that will find something.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from directory import safety
from directory.catalogue.needs import Meaning, NeedsVocabulary, meant_by, normalise

# "I am 15", "i'm 17", "aged 80", "15 year old", "16yo": an age said in the search words.
AGE = re.compile(
    r"\b(?:i am|i'm|im|aged?)\s+(\d{1,2})\b(?!\s*(?:miles?|mins?|minutes?|pounds?))"
    r"|\b(\d{1,2})\s*(?:yo|y/o|yrs? old|years? old|year olds?)\b"
)
# Words too common to carry meaning in a search for help.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "at",
        "be",
        "for",
        "from",
        "have",
        "i",
        "im",
        "i'm",
        "in",
        "is",
        "it",
        "me",
        "my",
        "need",
        "of",
        "on",
        "or",
        "some",
        "the",
        "to",
        "with",
        "want",
        "help",
        "near",
    ]
)


@dataclass(frozen=True)
class Understood:
    """What the search made of someone's words."""

    words: list[str]  # the words to search for, typos corrected
    needs: list[str]  # need codes the words point to
    expansions: list[str]  # extra words from synonyms and slang
    corrected: str | None  # the whole query with typos corrected, when any were
    crisis_kind: str | None  # the urgent help the words call for: "self", "abuse" or None
    age: int | None = None  # an age said in the words ("I am 15")

    @property
    def crisis(self) -> bool:
        return self.crisis_kind is not None


@dataclass(frozen=True)
class Lexicon:
    """Phrases and their meanings, built once for each snapshot of the needs vocabulary."""

    phrases: dict[str, Meaning]  # phrase -> (words, needs), from the needs vocabulary
    need_labels: dict[str, str] = field(default_factory=dict)


# A snapshot is held until the vocabulary changes: build its lexicon once, keep a few.
@functools.lru_cache(maxsize=8)
def load_lexicon(known: NeedsVocabulary) -> Lexicon:
    """The needs' synonyms and the search phrases of the vocabulary."""
    return Lexicon(
        phrases=known.meanings,
        need_labels=known.labels,
    )


def understand(text: str, vocabulary: Mapping[str, int], lexicon: Lexicon) -> Understood:
    """Correct typos against the vocabulary (word -> how many listings use it), then
    find crisis words, slang and synonyms."""
    tokens = normalise(text).split()
    corrected_tokens = [correct(t, vocabulary, lexicon) for t in tokens]
    corrected = " ".join(corrected_tokens)
    crisis_kind = safety.detect(text) or safety.detect(corrected)
    # the same reading of words as the matcher's (directory.catalogue.needs.meant_by)
    meant = meant_by(corrected, lexicon.phrases)
    expansions = list(meant.words)
    needs = list(meant.needs)
    age_said = age_in(text)
    if crisis_kind:
        needs += safety.NEEDS_OF_KIND[crisis_kind]
    words = [t for t in corrected_tokens if t not in STOPWORDS and not _is_age_word(t, age_said)]
    return Understood(
        words=list(dict.fromkeys(words)),
        needs=list(dict.fromkeys(needs)),
        expansions=[w for w in dict.fromkeys(expansions) if w not in words],
        corrected=corrected if corrected_tokens != tokens else None,
        crisis_kind=crisis_kind,
        age=age_said,
    )


def age_in(text: str) -> int | None:
    """An age someone wrote in their search ("I am 15"), if they did."""
    found = AGE.search(text.lower().replace("\u2019", "'"))
    if not found:
        return None
    return int(found.group(1) or found.group(2))


def _is_age_word(token: str, age: int | None) -> bool:
    return age is not None and token in {str(age), "yo", "old", "year", "years", "aged", "age"}


def correct(word: str, vocabulary: Mapping[str, int], lexicon: Lexicon) -> str:
    """The catalogue word nearest to a misspelt one, or the word itself.

    Short words are left alone (too many near neighbours); longer ones may be one
    edit away (two from eight letters), with a swap of two letters counting as one.
    Among equally near words, the one more listings use wins.
    """
    if len(word) < 4 or word in vocabulary or word in STOPWORDS or word.isdigit():
        return word
    if any(word in phrase.split() for phrase in lexicon.phrases):
        return word
    # never turn a word that may signal danger ("overdose", "hits") into another ("overdue")
    if safety.is_danger_word(word):
        return word
    allowed = 1 if len(word) < 8 else 2
    candidates = process.extract(
        word, vocabulary.keys(), scorer=OSA.distance, score_cutoff=allowed, limit=20
    )
    if not candidates:
        return word
    best = min(candidates, key=lambda c: (c[1], -vocabulary[c[0]], c[0]))
    return str(best[0])
