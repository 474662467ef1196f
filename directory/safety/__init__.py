"""Urgent help that cannot be missed: whether someone's words or needs say they may be in
danger now, and which help to show them.

detect.py        detect(text) -> "self" | "abuse" | None, is_danger_word, kind_for_needs;
                 the words are data (lexicon.yaml, documented there)
urgent_help.py   the panel of contacts for each kind (urgent_help.yaml, each number with its
                 source and the date it was checked): CrisisPanel, CrisisContact, panel(kind)
english.py       English words by frequency (wordfreq), held once: which words are real (a
                 real word is never "corrected"), also search's spelling vocabulary

Below search and matching, which both read it; it knows no feature and no database.
"""

from directory.safety.detect import (
    ABUSE,
    NEEDS_OF_KIND,
    SELF,
    SERVICES_OF_KIND,
    detect,
    is_danger_word,
    kind_for_needs,
)
from directory.safety.urgent_help import CrisisContact, CrisisPanel, as_json, panel, panels

__all__ = [
    "ABUSE",
    "SELF",
    "as_json",
    "NEEDS_OF_KIND",
    "SERVICES_OF_KIND",
    "CrisisContact",
    "CrisisPanel",
    "detect",
    "is_danger_word",
    "kind_for_needs",
    "panel",
    "panels",
]
