"""Spelling correction never turns a real word into another: only a non-word (not English,
not in the catalogue, not in the needs vocabulary) is replaced; a rare real word that looks
like a slip is searched as typed, with the catalogue word only offered."""

from __future__ import annotations

from pathlib import Path

import pytest
import wordfreq

from directory import safety, search
from directory.safety import english
from directory.search import engine
from directory.search.request import SearchRequest
from directory.search.understanding import (
    _nearest,
    english_words,
    is_english,
    load_lexicon,
    spelling,
    understand,
)
from tests.conftest import demo_needs

COMMON_WORDS = Path(__file__).parent / "spelling" / "common_words.txt"


def common_words() -> list[str]:
    lines = COMMON_WORDS.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon(demo_needs())


@pytest.fixture(scope="module")
def catalogue_words(demo_search) -> dict[str, int]:
    """The demo catalogue's words (word -> listings), as a search reads them."""
    index = demo_search.extensions[search.EXTENSION]
    with index.searcher() as searcher:
        generation = (index.live_build(), searcher.reader().generation())
        return dict(engine._views_for(index).view(searcher, generation).vocabulary)


def test_the_list_holds_500_everyday_english_words():
    words = common_words()
    assert len(words) >= 500 and len(set(words)) == len(words)
    assert [w for w in words if not is_english(w)] == []


def test_the_list_tries_correction_hard(catalogue_words):
    """Many of the words are a letter or two from a catalogue word and not in it: the
    rule that only measured the distance rewrote them ("hits" became "sits")."""
    near = {
        w: _nearest(w, catalogue_words, 1 if len(w) < 8 else 2)
        for w in common_words()
        if len(w) >= 4 and w.isalpha() and w not in catalogue_words
    }
    near = {w: n for w, n in near.items() if n is not None}
    assert len(near) >= 100
    assert near["hits"] == "sits" and near["scared"] == "shared"


def test_no_everyday_word_is_rewritten_or_offered_another(catalogue_words, lexicon):
    changed = {
        word: spelling(word, catalogue_words, lexicon)
        for word in common_words()
        if spelling(word, catalogue_words, lexicon) != (word, word)
    }
    assert changed == {}


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("my boyfriend hits me", ["boyfriend", "hits"]),
        ("scared of my partner", ["scared", "partner"]),
        ("my dad hurts me", ["dad", "hurts"]),
        ("cant pay my bills", ["cant", "pay", "bills"]),
        ("being bullied at school", ["being", "bullied", "school"]),
    ],
)
def test_sentences_search_their_own_words(demo_search, lexicon, typed, words):
    index = demo_search.extensions[search.EXTENSION]
    results = engine.run(index, SearchRequest(text=typed), lexicon)
    assert results.corrected is None and results.suggestion is None
    with index.searcher() as searcher:
        generation = (index.live_build(), searcher.reader().generation())
        vocabulary = engine._views_for(index).view(searcher, generation).vocabulary
    assert understand(typed, vocabulary, lexicon).words == words


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("councelling", "counselling"),
        ("bereavment", "bereavement"),
        ("anxeity", "anxiety"),
        ("benifits", "benefits"),
        ("homeles", "homeless"),
        ("depresion", "depression"),
        ("gardning", "gardening"),
        ("imigration", "immigration"),
        ("walkng", "walking"),
        ("nieghbour", "neighbour"),
        ("diabeties", "diabetes"),
        ("arthritus", "arthritis"),
        ("dementa", "dementia"),
    ],
)
def test_non_words_are_still_corrected(catalogue_words, lexicon, typed, meant):
    assert spelling(typed, catalogue_words, lexicon) == (meant, meant)
    understood = understand(f"{typed} near me", catalogue_words, lexicon)
    assert understood.corrected == f"{meant} near me" and understood.suggestion is None


def test_slang_and_misspellings_the_needs_vocabulary_knows_are_understood_as_they_are(
    catalogue_words, lexicon
):
    understood = understand("so lonley", catalogue_words, lexicon)
    assert understood.corrected is None and "loneliness" in understood.named_needs


@pytest.mark.parametrize(
    ("typed", "offered"),
    [("excercise", "exercise"), ("accomodation", "accommodation")],
)
def test_a_rare_real_word_is_searched_and_the_catalogue_word_offered(
    catalogue_words, lexicon, typed, offered
):
    assert is_english(typed)  # common misspellings are in wordfreq's list too
    assert spelling(typed, catalogue_words, lexicon) == (typed, offered)


@pytest.mark.parametrize("typed", ["overdose", "sucide", "selfharm", "suicdal", "self harn"])
def test_words_that_may_signal_danger_are_never_touched(catalogue_words, lexicon, typed):
    understood = understand(typed, catalogue_words, lexicon)
    assert understood.corrected is None and understood.suggestion is None
    assert understood.crisis


def test_the_english_words_are_read_once():
    words = english_words()
    assert english_words() is words
    assert 50_000 < len(words) < 150_000
    assert {"hits", "scared", "grandad", "kilt"} <= words.keys()
    assert not {"councelling", "bereavment", "lonley"} & words.keys()
    assert words["hits"] == pytest.approx(4.65)


def test_search_and_the_urgent_help_check_hold_one_english_list():
    """wordfreq's own lookups hold its whole list (some 400,000 words, about 35 MB) besides
    ours in every web process: the urgent help check reads ours, with the same answers."""
    wordfreq.get_frequency_dict.cache_clear()
    assert safety.detect("i want to self harn") == "self"  # two tokens read as one slip
    assert safety.detect("my mum is vaping again") is None  # an everyday word, not a slip
    assert wordfreq.get_frequency_dict.cache_info().currsize == 0
    tokens = [*sorted(english_words())[::97], "k1ll", "5elf", "2", "10", "2024", "123456", "ww2"]
    tokens += ["lonley", "councelling", "xqzv", "5pm", "h8"]
    for token in tokens:
        said = wordfreq.zipf_frequency(token, "en")
        assert english.zipf(token) == (said if said >= english.ENGLISH_ZIPF else 0.0), token
