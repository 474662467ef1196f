"""English words: wordfreq's large English list, the words used at least ENGLISH_ZIPF often,
read once per process and held once, for search's spelling and safety's reading of slips.

wordfreq's own lookups (zipf_frequency) hold its whole list for good, some 400,000 words:
about 35 MB in every web process besides this one (measured at 20,000 services).
"""

from __future__ import annotations

import functools
import math

import wordfreq
from wordfreq.numbers import digit_freq, smash_numbers

# A word is English when wordfreq's English list has it at least this often, on its Zipf
# scale (log10 of uses per billion words: 2.0 is once in ten million words). Below 2.0 the
# list is mostly names, fragments and misspellings ("lonley" 1.4, "benifit" 1.7); above it
# are rare but real words ("kilt" 2.9, "grandad" 3.0, "skint" 2.4), which must never be
# replaced. Some common misspellings sit above it ("accomodation" 2.4, "recieve" 2.8).
ENGLISH_ZIPF = 2.0


@functools.cache
def words() -> dict[str, float]:
    """The words of wordfreq's large English list used at least ENGLISH_ZIPF often, with
    how often (Zipf): about 90,000, read once per process (a fifth of a second)."""
    buckets = wordfreq.read_cBpack(wordfreq.available_languages("large")["en"])
    # bucket i holds the words at -i centibels; Zipf is (centibels + 900) / 100
    last = round(900 - ENGLISH_ZIPF * 100)
    return {
        word: (900 - centibels) / 100
        for centibels, bucket in enumerate(buckets[: last + 1])
        for word in bucket
    }


def zipf(token: str) -> float:
    """How often English uses a lower-case token, on the Zipf scale (0 below ENGLISH_ZIPF),
    as wordfreq.zipf_frequency says it: a run of digits ("2024") is looked up as zeros
    ("0000") and weighed by how often such a number is written."""
    smashed = smash_numbers(token)
    found = words().get(smashed, 0.0)
    if found and smashed != token:
        found = round(found + math.log10(digit_freq(token)), 2)
    return found if found >= ENGLISH_ZIPF else 0.0
