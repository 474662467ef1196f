"""Whether someone's words say they may be in danger now, and of which kind.

    detect("i wanna kms")           -> "self"
    detect("my step dad hits me")   -> "abuse"
    detect("dying my hair")         -> None

The lexicon is data (lexicon.yaml beside this module, documented there): danger words,
phrases and patterns with gaps by kind, shorthand, everyday controls. This module only
reads text the way the lexicon's header describes.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from rapidfuzz.distance import OSA

from directory.safety import english

LEXICON_FILE = Path(__file__).with_name("lexicon.yaml")
SELF, ABUSE = "self", "abuse"
# The needs of the vocabulary that are urgent help of a kind (seed/needs.csv marks them crisis).
NEEDS_OF_KIND = {SELF: ("urgent_mental_health_crisis",), ABUSE: ("domestic_abuse",)}
# The services to show first under urgent help of a kind, in this order: its crisis services,
# then the support services for it.
SERVICES_OF_KIND = {SELF: ("urgent_mental_health_crisis", "low_mood"), ABUSE: ("domestic_abuse",)}
# Typos are forgiven only on words this long: shorter ones have too many real neighbours.
FUZZY_FROM = 6
# A word at least this common in English (wordfreq's Zipf scale: 3 is once per million
# words) is a word, not a slip: "vaping" and "racing" are never read as "raping".
REAL_WORD_ZIPF = 3.0
GAP = r"(?:[^\s|]+ ){0,3}"
APOSTROPHES = "'\u2019\u2018`\u00b4"
NOT_WORD = re.compile(r"[^a-z0-9]+")
REPEATS = re.compile(r"(.)\1+")


@dataclass(frozen=True)
class Kind:
    """The danger of one kind: words, phrases (word tuples) and compiled patterns."""

    name: str
    words: frozenset[str]
    phrases: tuple[tuple[str, ...], ...]
    patterns: tuple[re.Pattern[str], ...]

    @functools.cached_property
    def phrase_sizes(self) -> tuple[tuple[int, frozenset[tuple[str, ...]]], ...]:
        """The phrases by length, each length once: a window of words is looked up, not
        compared with every phrase."""
        sizes = sorted({len(p) for p in self.phrases})
        return tuple((n, frozenset(p for p in self.phrases if len(p) == n)) for n in sizes)

    @functools.cached_property
    def any_pattern(self) -> re.Pattern[str] | None:
        """Every pattern as one expression: one search finds whether any matches."""
        if not self.patterns:
            return None
        return re.compile("|".join(f"(?:{p.pattern})" for p in self.patterns))


@dataclass(frozen=True)
class Lexicon:
    kinds: tuple[Kind, ...]  # in the order of the risk to life they signal first
    shorthand: re.Pattern[str]
    replacements: dict[str, str]
    controls: tuple[re.Pattern[str], ...]
    vocabulary: frozenset[str]  # every word the lexicon names: spelling leaves them alone
    fuzzy: frozenset[str]  # the words a typo may stand for
    not_typos: frozenset[str]


@functools.lru_cache(maxsize=8192)  # the same words come back search after search
def detect(text: str) -> str | None:
    """ "self" (suicide, self-harm) or "abuse" when the words may mean someone is in danger
    now, else None.

    When a text carries both, "self" wins: a wish to die or to self-harm is the most
    immediate risk to life a search box hears, and its panel opens with 999 as the abuse
    panel does; the abuse contacts remain one search away ("my dad hits me").
    """
    lexicon = load()
    tokens = _without_controls(normalise(text), lexicon)
    if not tokens:
        return None
    for kind in lexicon.kinds:
        if _carries(tokens, kind, lexicon):
            return kind.name
    return None


def kind_for_needs(need_codes: Iterable[str]) -> str | None:
    """The urgent help a list of needs calls for ("urgent_mental_health_crisis" -> "self",
    "domestic_abuse" -> "abuse"), "self" first as in detect()."""
    codes = set(need_codes)
    for kind in (SELF, ABUSE):
        if codes.intersection(NEEDS_OF_KIND[kind]):
            return kind
    return None


def is_danger_word(word: str) -> bool:
    """Whether a word belongs to the lexicon, or is a typo of one of its longer danger words:
    spelling correction must leave such a word as typed ("hits" is never "sits")."""
    lexicon = load()
    words = normalise(word).split()
    if not words:
        return False
    return all(w in lexicon.vocabulary or _typo_of(w, lexicon) is not None for w in words)


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped, punctuation a space, letters typed three times or
    more shortened, text speak and contractions written out ("im" -> "i am")."""
    lexicon = load()
    text = unicodedata.normalize("NFKC", text).lower()
    for mark in APOSTROPHES:
        text = text.replace(mark, "")
    tokens = [_unrepeated(t, lexicon.vocabulary) for t in NOT_WORD.sub(" ", text).split()]
    joined = lexicon.shorthand.sub(lambda m: lexicon.replacements[m.group(1)], " ".join(tokens))
    return " ".join(joined.split())


def _unrepeated(token: str, vocabulary: frozenset[str]) -> str:
    """ "sooo" -> "so", "diieee" -> "die": a run of a letter kept once or twice, the first
    reading the lexicon knows, else every run of three or more kept once."""
    if token in vocabulary or not re.search(r"(.)\1", token):
        return token
    runs = [m.group(0) for m in REPEATS.finditer(token)]
    if len(runs) <= 4:
        parts = REPEATS.split(token)  # [before, letter, between, letter, ..., after]
        for counts in itertools.product((1, 2), repeat=len(runs)):
            built = parts[0]
            for n, count in enumerate(counts):
                built += parts[1 + 2 * n] * count + parts[2 + 2 * n]
            if built in vocabulary:
                return built
    return re.sub(r"(.)\1{2,}", r"\1", token)


def _without_controls(text: str, lexicon: Lexicon) -> list[str]:
    padded = f" {text} "
    for control in lexicon.controls:
        # a control becomes a break in the text, so no danger phrase spans it
        padded = control.sub(" | ", padded)
    return padded.split()


def _carries(tokens: list[str], kind: Kind, lexicon: Lexicon) -> bool:
    read = [_reading(t, lexicon) for t in tokens]
    if any(t in kind.words for t in read):
        return True
    # two words typed apart or with a slip: "self harn", "slef harm", "sewer slid"
    for a, b in itertools.pairwise(tokens):
        if "|" not in (a, b) and _joined(a, b, lexicon) in kind.words:
            return True
    for size, phrases in kind.phrase_sizes:
        if any(tuple(read[i : i + size]) in phrases for i in range(len(read) - size + 1)):
            return True
    pattern = kind.any_pattern
    return pattern is not None and pattern.search(f" {' '.join(read)} ") is not None


def _joined(a: str, b: str, lexicon: Lexicon) -> str:
    """Two tokens read as one lexicon word ("self harm", "self harn", "sewer slide"); a slip
    only where one of them is not an everyday word, so that two real words side by side
    ("man living") are never read as a slip for one ("unaliving")."""
    joined = a + b
    if joined in lexicon.vocabulary:
        return joined
    if all(english.zipf(t) >= REAL_WORD_ZIPF for t in (a, b)):
        return joined
    return _reading(joined, lexicon)


def _reading(token: str, lexicon: Lexicon) -> str:
    """The token, or the lexicon word it is a slip for."""
    if token in lexicon.vocabulary:
        return token
    return _typo_of(token, lexicon) or token


def _typo_of(token: str, lexicon: Lexicon) -> str | None:
    """The longer danger word a token is a slip for, if any (the lexicon is the installed one:
    load() is cached too, so the answer for a token never changes in a process)."""
    return _typo_of_word(token) if lexicon is load() else _slip(token, lexicon)


@functools.lru_cache(maxsize=8192)  # the same words come back search after search
def _typo_of_word(token: str) -> str | None:
    return _slip(token, load())


def _slip(token: str, lexicon: Lexicon) -> str | None:
    if len(token) < FUZZY_FROM - 1 or token in lexicon.not_typos or token.isdigit():
        return None
    if english.zipf(token) >= REAL_WORD_ZIPF:
        return None
    best: tuple[int, str] | None = None
    for word in lexicon.fuzzy:
        allowed = 1 if len(word) < 9 else 2
        if abs(len(word) - len(token)) > allowed:
            continue
        distance = OSA.distance(token, word, score_cutoff=allowed)
        if distance <= allowed and (best is None or (distance, word) < best):
            best = (distance, word)
    return best[1] if best else None


# --- reading lexicon.yaml --------------------------------------------------------------


@functools.cache  # part of the installed code: it changes only with a new release
def load() -> Lexicon:
    """The lexicon, compiled."""
    data = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))
    classes = {name: [_plain(w) for w in words] for name, words in data["classes"].items()}
    replacements = {_plain(k): _plain(v or "") for k, v in data["shorthand"].items()}
    keys = sorted(replacements, key=len, reverse=True)
    shorthand = re.compile(r"(?<!\S)(" + "|".join(map(re.escape, keys)) + r")(?!\S)")
    kinds = []
    vocabulary: set[str] = set()
    fuzzy: set[str] = set()
    for name in data["kinds"]:
        entry = data["kind"][name]
        words = frozenset(_plain(w) for w in entry["words"])
        phrases = tuple(tuple(_plain(p).split()) for p in entry["phrases"])
        patterns = tuple(_compile(p, classes) for p in entry.get("patterns", []))
        kinds.append(Kind(name, words, phrases, patterns))
        vocabulary |= words | {w for p in phrases for w in p}
        fuzzy |= {w for w in words | {w for p in phrases for w in p} if len(w) >= FUZZY_FROM}
        vocabulary |= {w for p in entry.get("patterns", []) for w in _literal_words(p)}
    vocabulary |= {w for words in classes.values() for phrase in words for w in phrase.split()}
    return Lexicon(
        kinds=tuple(kinds),
        shorthand=shorthand,
        replacements=replacements,
        controls=tuple(_compile(c, classes) for c in data["controls"]),
        vocabulary=frozenset(vocabulary) - {"", "|"},
        fuzzy=frozenset(fuzzy),
        not_typos=frozenset(_plain(w) for w in data.get("not_typos", [])),
    )


def _plain(text: str) -> str:
    """A lexicon entry in the form normalise() gives text (without the shorthand)."""
    text = str(text).lower()
    for mark in APOSTROPHES:
        text = text.replace(mark, "")
    return " ".join(NOT_WORD.sub(" ", text).split())


PART = re.compile(r"\{(\w+)\}|\(([^)]*)\)(\?)?|(\.\.\.)|([a-z0-9]+)(\?)?")


def _compile(pattern: str, classes: dict[str, list[str]]) -> re.Pattern[str]:
    """A pattern of the lexicon ("{person} ... {hurt} me") as a regular expression over
    normalised text padded with spaces."""
    regex = "(?<= )"
    for found in PART.finditer(pattern):
        name, choices, optional_group, gap, word, optional_word = found.groups()
        if gap:
            regex += GAP
            continue
        if name:
            options = classes[name]
        elif choices is not None:
            options = _choices(choices, classes)
        else:
            options = [word]
        options = sorted(options, key=len, reverse=True)
        part = "(?:" + "|".join(re.escape(o) + " " for o in options) + ")"
        regex += part + ("?" if optional_group or optional_word else "")
    return re.compile(regex)


def _choices(choices: str, classes: dict[str, list[str]]) -> list[str]:
    """The words of "(a|b|{name})": each choice, a class standing for all its words."""
    found: list[str] = []
    for choice in choices.split("|"):
        name = re.fullmatch(r"\{(\w+)\}", choice.strip())
        found += classes[name.group(1)] if name else [_plain(choice)]
    return found


def _literal_words(pattern: str) -> set[str]:
    words: set[str] = set()
    for found in PART.finditer(pattern):
        _name, choices, _opt, _gap, word, _optw = found.groups()
        if choices is not None and "{" not in choices:
            words |= {w for c in choices.split("|") for w in _plain(c).split()}
        elif word:
            words.add(word)
    return words
