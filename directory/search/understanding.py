"""Query understanding: crisis words, slang and synonyms, and typos.

The data lives in files the directory manager can extend: `seed/synonyms.csv`
(phrase -> words and needs), the synonyms of each need in `seed/needs.csv`, and
`seed/crisis.yaml` (phrases that mean someone may be in danger, and the help to
show). Typos are corrected against the words of the catalogue itself, so the
search only ever suggests words that will find something.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA

from directory.catalogue.seed_files import SEED, read_needs
from directory.search.results import CrisisContact, CrisisPanel

CRISIS_NEED = "urgent_mental_health_crisis"
SYNONYMS_FILE = SEED / "synonyms.csv"
CRISIS_FILE = SEED / "crisis.yaml"
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
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
    crisis: bool
    age: int | None = None  # an age said in the words ("I am 15")


@dataclass(frozen=True)
class Lexicon:
    """Phrases and their meanings, read once from the data files."""

    phrases: dict[str, tuple[list[str], list[str]]]  # phrase -> (words, needs)
    crisis_phrases: list[str]
    panel: CrisisPanel
    need_labels: dict[str, str] = field(default_factory=dict)


def normalise(text: str) -> str:
    """Lower case, curly quotes straightened, everything but words and spaces dropped."""
    text = text.lower().replace("\u2019", "'").replace("-", " ")
    return " ".join(WORD.findall(text))


@functools.cache
def load_lexicon(synonyms_file: Path = SYNONYMS_FILE, crisis_file: Path = CRISIS_FILE) -> Lexicon:
    """The synonym and crisis data (cached; restart or call cache_clear after editing)."""
    phrases: dict[str, tuple[list[str], list[str]]] = {}
    needs = read_needs()
    for need in needs:
        for synonym in need.synonyms:
            _add(phrases, normalise(synonym), [], [need.id])
    with synonyms_file.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            needs_of = [n.strip() for n in row["needs"].split(";") if n.strip()]
            _add(phrases, normalise(row["phrase"]), row["means"].split(), needs_of)
    crisis = yaml.safe_load(crisis_file.read_text(encoding="utf-8"))
    panel = CrisisPanel(
        heading=crisis["heading"],
        intro=crisis["intro"],
        contacts=[CrisisContact(**c) for c in crisis["contacts"]],
    )
    return Lexicon(
        phrases=phrases,
        crisis_phrases=[normalise(p) for p in crisis["phrases"]],
        panel=panel,
        need_labels={n.id: n.label for n in needs},
    )


def _add(
    phrases: dict[str, tuple[list[str], list[str]]], phrase: str, words: list[str], needs: list[str]
) -> None:
    if not phrase:
        return
    old_words, old_needs = phrases.get(phrase, ([], []))
    phrases[phrase] = (
        list(dict.fromkeys(old_words + words)),
        list(dict.fromkeys(old_needs + needs)),
    )


def understand(text: str, vocabulary: Mapping[str, int], lexicon: Lexicon) -> Understood:
    """Correct typos against the vocabulary (word -> how many listings use it), then
    find crisis words, slang and synonyms."""
    tokens = normalise(text).split()
    corrected_tokens = [correct(t, vocabulary, lexicon) for t in tokens]
    corrected = " ".join(corrected_tokens)
    crisis = is_crisis(tokens, lexicon) or is_crisis(corrected_tokens, lexicon)
    expansions: list[str] = []
    needs: list[str] = []
    padded = f" {corrected} "
    for phrase, (words, phrase_needs) in lexicon.phrases.items():
        if f" {phrase} " in padded:
            expansions += words
            needs += phrase_needs
    age_said = age_in(text)
    if crisis:
        needs.append(CRISIS_NEED)
    words = [t for t in corrected_tokens if t not in STOPWORDS and not _is_age_word(t, age_said)]
    return Understood(
        words=list(dict.fromkeys(words)),
        needs=list(dict.fromkeys(needs)),
        expansions=[w for w in dict.fromkeys(expansions) if w not in words],
        corrected=corrected if corrected_tokens != tokens else None,
        crisis=crisis,
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
    # never turn a word that may signal danger ("overdose") into an everyday one ("overdue")
    if is_crisis([word], lexicon):
        return word
    allowed = 1 if len(word) < 8 else 2
    candidates = process.extract(
        word, vocabulary.keys(), scorer=OSA.distance, score_cutoff=allowed, limit=20
    )
    if not candidates:
        return word
    best = min(candidates, key=lambda c: (c[1], -vocabulary[c[0]], c[0]))
    return str(best[0])


def is_crisis(tokens: list[str], lexicon: Lexicon) -> bool:
    """True when the words, or a near misspelling of them, mean someone may be in danger."""
    padded = f" {' '.join(tokens)} "
    for phrase in lexicon.crisis_phrases:
        if f" {phrase} " in padded:
            return True
    # forgive typos in the longer crisis words: "sucide", "suicdal", "self harn"
    for phrase in lexicon.crisis_phrases:
        parts = phrase.split()
        if len(phrase) < 6:
            continue
        for start in range(len(tokens) - len(parts) + 1):
            window = " ".join(tokens[start : start + len(parts)])
            if OSA.distance(window, phrase) <= (1 if len(phrase) < 9 else 2):
                return True
    return False
