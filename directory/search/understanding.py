"""Query understanding: crisis words, slang and synonyms, and typos.

The words come from the needs vocabulary in the database (directory/catalogue/needs.py):
each need's synonyms, and the phrases people search with (slang, common misspellings:
phrase -> more words and needs), which a directory manager can extend. Whether the words
call for urgent help, and of which kind, is directory/safety's to say.

Spelling: a word is only ever replaced when it is no word at all: not English (wordfreq's
list), not in the catalogue, not in the needs vocabulary, and not a word that may signal
danger. "hits" is never searched as "sits", nor "scared" as "shared". A real but rare word
that is one letter away from a catalogue word is searched as typed, and the catalogue word
is offered as a "Did you mean" link. Replacements and offers are catalogue words, so the
search only ever suggests words that will find something.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from directory import safety
from directory.catalogue.needs import Meaning, NeedsVocabulary, meant_by, normalise, phrases_in
from directory.safety.english import words as english_words

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


# A word is English when wordfreq's English list has it at least ENGLISH_ZIPF often
# (directory/safety/english.py, the one list the app holds); rarer words may be replaced.
# A real word is offered a catalogue word one letter away ("Did you mean") only when it
# looks like a slip for it: the word is rare (under SUGGEST_BELOW_ZIPF: once in a million
# words), the catalogue word is at least SUGGEST_MORE_COMMON more common on the same scale
# (30 times), and both start with the same letter (slips seldom change the first one).
# "excercise" (2.3) is offered "exercise" (4.7); "hits", "scared", "bully" (common words)
# and "fright" ("right": another first letter) are offered nothing.
SUGGEST_BELOW_ZIPF = 3.0
SUGGEST_MORE_COMMON = 1.5


@dataclass(frozen=True)
class Understood:
    """What the search made of someone's words."""

    words: list[str]  # the words to search for: theirs, with only non-words replaced
    needs: list[str]  # need codes the words point to (each adds to the score)
    expansions: list[str]  # extra words from synonyms and slang (each adds to the score)
    corrected: str | None  # the query as searched, when a non-word in it was replaced
    crisis_kind: str | None  # the urgent help the words call for: "self", "abuse" or None
    age: int | None = None  # an age said in the words ("I am 15")
    # a search to offer as "Did you mean": their words with a rare word (or a non-word)
    # changed to the catalogue word a letter away; never searched unless they choose it
    suggestion: str | None = None
    # the needs the words name outright: a listing meeting one is a match on its own
    # (broad needs, such as low mood for "counselling", only add to the score)
    named_needs: list[str] = field(default_factory=list)
    # word -> the words of its slang or synonym phrase, which may match in its place
    # ("lonley" -> loneliness, befriending), when they are distinctive enough
    stand_ins: dict[str, list[str]] = field(default_factory=dict)

    @property
    def crisis(self) -> bool:
        return self.crisis_kind is not None


@dataclass(frozen=True)
class Lexicon:
    """Phrases and their meanings, built once for each snapshot of the needs vocabulary."""

    phrases: dict[str, Meaning]  # phrase -> (words, needs), from the needs vocabulary
    need_labels: dict[str, str] = field(default_factory=dict)
    # the needs' own synonyms ("debt", "mental health"): saying one names the need
    need_synonyms: frozenset[str] = frozenset()
    # every word of every phrase and synonym: never corrected
    phrase_words: frozenset[str] = frozenset()


def is_english(word: str) -> bool:
    return word in english_words()


def english_frequency(word: str) -> float:
    """How often English uses a word, on the Zipf scale (0 below ENGLISH_ZIPF)."""
    return english_words().get(word, 0.0)


# A snapshot is held until the vocabulary changes: build its lexicon once, keep a few.
@functools.lru_cache(maxsize=8)
def load_lexicon(known: NeedsVocabulary) -> Lexicon:
    """The needs' synonyms and the search phrases of the vocabulary."""
    return Lexicon(
        phrases=known.meanings,
        need_labels=known.labels,
        need_synonyms=frozenset(normalise(s) for n in known.needs for s in n.synonyms),
        phrase_words=frozenset(w for phrase in known.meanings for w in phrase.split()),
    )


def understand(
    text: str, vocabulary: Mapping[str, int], lexicon: Lexicon, *, as_typed: bool = False
) -> Understood:
    """Replace non-words by catalogue words (unless the words are wanted as typed), then
    find crisis words, slang and synonyms; vocabulary is the catalogue's words (word -> how
    many listings use it)."""
    tokens = normalise(text).split()
    fixes = [
        (t, t) if as_typed or _in_danger_words(tokens, i) else spelling(t, vocabulary, lexicon)
        for i, t in enumerate(tokens)
    ]
    corrected_tokens = [searched for searched, _offered in fixes]
    offered_tokens = [offered for _searched, offered in fixes]
    corrected = " ".join(corrected_tokens)
    crisis_kind = safety.detect(text) or safety.detect(corrected)
    # the same reading of words as the matcher's (directory.catalogue.needs.meant_by)
    meant = meant_by(corrected, lexicon.phrases)
    expansions = list(meant.words)
    needs = list(meant.needs)
    named: list[str] = []
    stand_ins: dict[str, list[str]] = {}
    for phrase in phrases_in(corrected, lexicon.phrases):
        meaning = lexicon.phrases[phrase]
        if _names_its_needs(phrase, vocabulary, lexicon):
            named += meaning.needs
        for word in phrase.split():
            stand_ins.setdefault(word, []).extend(w for w in meaning.words if w != word)
    age_said = age_in(text)
    if crisis_kind:
        needs += safety.NEEDS_OF_KIND[crisis_kind]
        named += safety.NEEDS_OF_KIND[crisis_kind]
    words = [t for t in corrected_tokens if t not in STOPWORDS and not _is_age_word(t, age_said)]
    return Understood(
        words=list(dict.fromkeys(words)),
        needs=list(dict.fromkeys(needs)),
        expansions=[w for w in dict.fromkeys(expansions) if w not in words],
        corrected=corrected if corrected_tokens != tokens else None,
        crisis_kind=crisis_kind,
        age=age_said,
        suggestion=" ".join(offered_tokens) if offered_tokens != corrected_tokens else None,
        named_needs=list(dict.fromkeys(named)),
        stand_ins={w: list(dict.fromkeys(s)) for w, s in stand_ins.items() if w in words and s},
    )


def _in_danger_words(tokens: list[str], at: int) -> bool:
    """Whether the word at a place may signal danger, alone or with the word before or after
    it ("harn" in "self harn"): such a word is never changed."""
    windows = (tokens[max(at - 1, 0) : at + 1], tokens[at : at + 2])
    return safety.is_danger_word(tokens[at]) or any(
        safety.detect(" ".join(window)) for window in windows
    )


def _names_its_needs(phrase: str, vocabulary: Mapping[str, int], lexicon: Lexicon) -> bool:
    """Whether saying a phrase names its needs outright: a need's own synonym ("debt"), a
    saying of several words ("feel rubbish", "sofa surfing"), or a word the catalogue never
    uses ("lonley"), which can only be understood through its needs. A single catalogue
    word from the search phrases ("counselling": low mood, stress) is a kind of service, not
    the need: its needs add to the score only."""
    parts = phrase.split()
    return (
        phrase in lexicon.need_synonyms
        or len(parts) > 1
        or not any(word in vocabulary for word in parts)
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
    """The word to search for: a non-word's nearest catalogue word, or the word itself."""
    return spelling(word, vocabulary, lexicon)[0]


def spelling(word: str, vocabulary: Mapping[str, int], lexicon: Lexicon) -> tuple[str, str]:
    """(the word to search for, the word to offer as "Did you mean").

    Only a non-word is replaced: one that is not English, not in the catalogue and not in
    the needs vocabulary. A real word is searched as typed; when it looks like a slip for a
    catalogue word one edit away (see SUGGEST_BELOW_ZIPF), that word is offered. Short
    words are left alone (too
    many near neighbours), and so is any word that may signal danger. A non-word may be
    one edit away from its replacement (two from eight letters), a swap of two letters
    counting as one; among equally near words, the one more listings use wins.
    """
    if (
        len(word) < 4
        or word in vocabulary
        or word in STOPWORDS
        or not word.isalpha()
        or word in lexicon.phrase_words
    ):
        return word, word
    # never turn a word that may signal danger ("overdose", "hits") into another ("overdue")
    if safety.is_danger_word(word):
        return word, word
    if is_english(word):
        nearest = _nearest(word, vocabulary, 1)
        if nearest is None or safety.is_danger_word(nearest):
            return word, word
        rarity = english_frequency(word)
        if (
            rarity < SUGGEST_BELOW_ZIPF
            and english_frequency(nearest) >= rarity + SUGGEST_MORE_COMMON
            and nearest[0] == word[0]
        ):
            return word, nearest
        return word, word
    nearest = _nearest(word, vocabulary, 1 if len(word) < 8 else 2)
    if nearest is None:
        return word, word
    return nearest, nearest


def _nearest(word: str, vocabulary: Mapping[str, int], allowed: int) -> str | None:
    """The catalogue word fewest edits away (at most `allowed`), the commonest of those."""
    candidates = process.extract(
        word, vocabulary.keys(), scorer=OSA.distance, score_cutoff=allowed, limit=20
    )
    if not candidates:
        return None
    best = min(candidates, key=lambda c: (c[1], -vocabulary[c[0]], c[0]))
    return str(best[0])
