"""Map another directory's taxonomy terms to Signpost's needs (the needs vocabulary,
directory.catalogue.needs): by id, by code, by Open Eligibility cross-walk, by name or
synonym, then by a close spelling (rapidfuzz)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process, utils

from directory.catalogue.needs import Need, NeedsVocabulary

FUZZY_CUTOFF = 90


@dataclass(frozen=True)
class Mapping:
    need: Need | None
    how: str  # "id", "code", "open eligibility", "name", "fuzzy" or "" when unmapped


class NeedsMap:
    """Our needs, indexed for the ways a foreign term can match them."""

    def __init__(self, known: NeedsVocabulary) -> None:
        self.needs = list(known.needs)
        self.by_id = {str(n.term_id): n for n in self.needs}
        self.by_code = {n.code.lower(): n for n in self.needs}
        self.by_words: dict[str, Need] = {}
        self.by_open_eligibility: dict[str, Need] = {}
        for need in self.needs:
            for word in [need.label, *need.synonyms]:
                self.by_words.setdefault(word.lower().strip(), need)
            for code in [*need.open_eligibility_services, *need.open_eligibility_situations]:
                self.by_open_eligibility.setdefault(code, need)
        self.choices = list(self.by_words)
        self.cache: dict[tuple[str, str, str], Mapping] = {}

    def find(self, term: dict[str, Any]) -> Mapping:
        """The need a foreign term stands for, and how it was found."""
        key = (str(term.get("id", "")), str(term.get("code") or ""), str(term.get("name") or ""))
        if key not in self.cache:
            self.cache[key] = self._find(*key, str(term.get("taxonomy") or ""))
        return self.cache[key]

    def _find(self, term_id: str, code: str, name: str, taxonomy: str) -> Mapping:
        if term_id in self.by_id:
            return Mapping(self.by_id[term_id], "id")
        if code.lower() in self.by_code:
            return Mapping(self.by_code[code.lower()], "code")
        if code in self.by_open_eligibility and (
            code.isdigit() or "eligibility" in taxonomy.lower()
        ):
            return Mapping(self.by_open_eligibility[code], "open eligibility")
        words = name.lower().strip()
        if words in self.by_words:
            return Mapping(self.by_words[words], "name")
        if words:
            best = process.extractOne(
                words,
                self.choices,
                scorer=fuzz.WRatio,
                processor=utils.default_process,
                score_cutoff=FUZZY_CUTOFF,
            )
            if best:
                return Mapping(self.by_words[best[0]], "fuzzy")
        return Mapping(None, "")
