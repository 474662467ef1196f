"""What another directory's taxonomy terms mean in Signpost's needs (the one needs vocabulary,
directory.catalogue.needs). A term is mapped only where it says so itself, in this order:

1. by id: the term is one of our needs (a Signpost export read back);
2. by a manager's mapping (TaxonomyMapping, kept on /manage/taxonomy): a need, or "not a
   need", for that term of that taxonomy (matched by the term's id, else code, else name);
3. by code: the term's code is one of our needs' codes;
4. by the Open Eligibility cross-walk: a code that a need lists among its Open Eligibility
   ids, when the term is of Open Eligibility (its taxonomy says so, or it has no taxonomy
   and a numeric code);
5. by exact name or synonym: the term's name and our needs' labels and synonyms compared in
   one normalised form (term_key), when that form names one need only, and unless the kinds
   clash: a delivery term maps to no need, a population-group term only to a population group.

Nothing is mapped by likeness. A close spelling is a suggestion (`NeedsMap.suggestions`),
offered to a manager among needs of the same kind, never applied.

Kinds. Each need is a "population group" when it sits under the "Groups of people" heading
of the matching form (seed/need_groups.yaml), otherwise a "need". A foreign term's kind is
read, first that answers, from:
- its taxonomy's name: words for delivery (delivery, channel, mode), for people
  (circumstance, audience, client, population) or for activities (activity);
- Open Eligibility's facet: a "human situation" (five-digit codes from 20000) is a
  population group, a "human service" a need;
- its own words (term_key's): only words of delivery (telephone, online, face to face, home
  visit, drop in, ...) make a delivery term; a first or last word naming people (adults,
  people, children, women, veterans, elderly, youth, ...) a population group; a last word
  for a session (club, class, group, course, workshop) an activity;
- otherwise it is a need.
Suggestions for a need or an activity are needs (Signpost names activities as needs: getting
active, nature, arts); for a population group, population groups; for delivery, none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process, utils
from sqlmodel import Session, select

from directory.catalogue.needs import Need, NeedsVocabulary, normalise
from directory.models import NEEDS_TAXONOMY_ID, ServiceForeignTerm, TaxonomyMapping, stable_id

SUGGEST_CUTOFF = 88
SUGGESTED = 3
# A suggestion must also share a real word with the term, or a word spelt close to one
# (WRatio alone finds "men" in "memory" and offered "Men -> Older people"). These words
# say nothing of what a term means, so sharing them is not enough.
PLAIN_WORDS = frozenset(
    [
        "and",
        "the",
        "for",
        "with",
        "from",
        "people",
        "person",
        "support",
        "services",
        "service",
        "group",
        "groups",
        "help",
    ]
)
CLOSE_WORD = 80  # fuzz.ratio of two words of 4 letters or more: "oldr" and "older"

NEED = "need"
POPULATION = "population group"
DELIVERY = "delivery"
ACTIVITY = "activity"
KINDS = (NEED, POPULATION, DELIVERY, ACTIVITY)
POPULATION_HEADING = "Groups of people"

# How a term came to mean a need (Mapping.how); NOT_A_NEED: a manager said it is none.
BY_ID, BY_MANAGER, BY_CODE, BY_OPEN_ELIGIBILITY, BY_NAME = (
    "id",
    "manager",
    "code",
    "open eligibility",
    "name",
)
NOT_A_NEED = "not a need"

# The kinds of need a term of each kind may be suggested, or named by its exact words.
SUGGESTED_AMONG = {NEED: {NEED}, ACTIVITY: {NEED}, POPULATION: {POPULATION}, DELIVERY: set()}
NAMED_AMONG = {
    NEED: {NEED, POPULATION},
    ACTIVITY: {NEED, POPULATION},
    POPULATION: {POPULATION},
    DELIVERY: set(),
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words at either end of a term that do not change what it is about ("Debt advice").
FILLER = frozenset({"service", "support", "advice", "help", "information", "and", "for", "with"})
TAXONOMY_WORDS = (
    ({"delivery", "channel", "mode"}, DELIVERY),
    ({"circumstance", "audience", "client", "population"}, POPULATION),
    ({"activity"}, ACTIVITY),
)
DELIVERY_WORDS = _words(
    "telephone phone online virtual remote video webchat web chat text email helpline line call "
    "face to in person home visit visiting outreach drop one 1 by via or and based"
)
PEOPLE_WORDS = _words(
    "adult people person child children men man women woman boy girl senior elderly pensioner "
    "veteran refugee teenager teen youth resident lgbt lgbtq lgbtqi"
)
ACTIVITY_WORDS = _words("club class group session course workshop lesson")
_KEEP_S = ("ss", "us", "is")
OPEN_ELIGIBILITY = re.compile(r"open\s*eligibility", re.I)


def _singular(word: str) -> str:
    word = word.removesuffix("'s")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(_KEEP_S):
        return word[:-1]
    return word


def term_key(text: str) -> str:
    """The one form in which a term's name is compared with our needs' labels and synonyms:
    normalised words (case, punctuation), "&" as "and", each word singular, and the words
    "services", "support", "advice", "help", "information" (with a loose "and", "for",
    "with") left off either end: "Carers' Support" and "carer" are the same."""
    words = [_singular(w) for w in normalise(text.replace("&", " and ")).split()]
    core = list(words)
    while core and core[0] in FILLER:
        core.pop(0)
    while core and core[-1] in FILLER:
        core.pop()
    return " ".join(core or words)


@dataclass(frozen=True)
class ForeignTerm:
    """A term of another directory's taxonomy, as a feed gave it."""

    taxonomy: str = ""
    taxonomy_id: str = ""
    term_id: str = ""
    code: str = ""
    name: str = ""

    @classmethod
    def read(cls, term: dict[str, Any]) -> ForeignTerm:
        """From an HSDS taxonomy_term object (or {"id": ...} when only the id is known)."""

        def text(name: str, limit: int) -> str:
            value = term.get(name)
            return "" if value is None else str(value).strip()[:limit]

        return cls(
            taxonomy=text("taxonomy", 200),
            taxonomy_id=text("taxonomy_id", 100),
            term_id=text("id", 100),
            code=text("code", 100),
            name=text("name", 200),
        )

    @classmethod
    def of(cls, row: ServiceForeignTerm | TaxonomyMapping) -> ForeignTerm:
        return cls(
            taxonomy=row.taxonomy,
            taxonomy_id=getattr(row, "taxonomy_id", ""),
            term_id=row.term_id,
            code=row.code,
            name=row.name,
        )

    @property
    def identity(self) -> tuple[str, str, str, str]:
        """What tells one term from another (a taxonomy's id may be given or not)."""
        return (self.taxonomy, self.term_id, self.code, self.name)

    @property
    def shown(self) -> str:
        """The term in words: its name (else code, else id), and its taxonomy."""
        words = self.name or self.code or self.term_id
        return f"{words} ({self.taxonomy})" if self.taxonomy else words

    def row(self, service_id: Any, position: int) -> ServiceForeignTerm:
        return ServiceForeignTerm(**self.values(service_id, position))

    def values(self, service_id: Any, position: int) -> dict[str, Any]:
        """The columns of the row that keeps this term on a service."""
        return {
            # the same term on the same service keeps its id through a re-import or a copy
            "id": stable_id(
                "service_foreign_term",
                f"{service_id}/{self.taxonomy_id or self.taxonomy}/{self.term_id}/"
                f"{self.code}/{self.name}",
            ),
            "service_id": service_id,
            "taxonomy": self.taxonomy,
            "taxonomy_id": self.taxonomy_id,
            "term_id": self.term_id,
            "code": self.code,
            "name": self.name,
            "position": position,
        }


@dataclass(frozen=True)
class Mapping:
    """What a foreign term means (need None: no need), and how that was found."""

    need: Need | None
    how: str  # BY_ID, BY_MANAGER, BY_CODE, BY_OPEN_ELIGIBILITY, BY_NAME, NOT_A_NEED or ""


def is_open_eligibility(term: ForeignTerm) -> bool:
    if term.taxonomy:
        return bool(OPEN_ELIGIBILITY.search(term.taxonomy))
    return term.code.isdigit()


def kind_of(term: ForeignTerm) -> str:
    """A foreign term's kind (see the module's docstring)."""
    taxonomy_words = {_singular(w) for w in normalise(term.taxonomy).split()}
    for words, kind in TAXONOMY_WORDS:
        if taxonomy_words & words:
            return kind
    if is_open_eligibility(term) and term.code.isdigit():
        return POPULATION if len(term.code) == 5 and term.code.startswith("2") else NEED
    said = term_key(term.name).split()
    if not said:
        return NEED
    if set(said) <= DELIVERY_WORDS:
        return DELIVERY
    if said[0] in PEOPLE_WORDS or said[-1] in PEOPLE_WORDS:
        return POPULATION
    if said[-1] in ACTIVITY_WORDS:
        return ACTIVITY
    return NEED


def kind_of_need(need: Need) -> str:
    return POPULATION if need.group == POPULATION_HEADING else NEED


class StoredMappings:
    """Managers' mappings, found for a term by its taxonomy (any case) and its id, else its
    code, else its name (in term_key's form)."""

    def __init__(self, rows: Iterable[TaxonomyMapping]) -> None:
        self.by_id: dict[tuple[str, str], TaxonomyMapping] = {}
        self.by_code: dict[tuple[str, str], TaxonomyMapping] = {}
        self.by_name: dict[tuple[str, str], TaxonomyMapping] = {}
        for row in rows:
            taxonomy = row.taxonomy.lower()
            if row.term_id:
                self.by_id[(taxonomy, row.term_id)] = row
            if row.code:
                self.by_code[(taxonomy, row.code.lower())] = row
            if row.name:
                self.by_name.setdefault((taxonomy, term_key(row.name)), row)

    def find(self, term: ForeignTerm) -> TaxonomyMapping | None:
        taxonomy = term.taxonomy.lower()
        return (
            (term.term_id and self.by_id.get((taxonomy, term.term_id)))
            or (term.code and self.by_code.get((taxonomy, term.code.lower())))
            or (term.name and self.by_name.get((taxonomy, term_key(term.name))))
            or None
        )


def read_mappings(session: Session) -> StoredMappings:
    return StoredMappings(session.exec(select(TaxonomyMapping)).all())


class NeedsMap:
    """Our needs, indexed for the ways a foreign term can say which it means."""

    def __init__(self, known: NeedsVocabulary, stored: StoredMappings | None = None) -> None:
        self.needs = list(known.needs)
        self.stored = stored
        self.by_id = {str(n.term_id): n for n in self.needs}
        self.by_code = {n.code.lower(): n for n in self.needs}
        self.by_open_eligibility: dict[str, Need] = {}
        self.words: list[tuple[str, Need]] = []
        named: dict[str, dict[str, Need]] = {}
        for need in self.needs:
            for said in dict.fromkeys([need.label, *need.synonyms]):
                key = term_key(said)
                if key:
                    self.words.append((key, need))
                    named.setdefault(key, {})[need.code] = need
            for code in [*need.open_eligibility_services, *need.open_eligibility_situations]:
                self.by_open_eligibility.setdefault(code, need)
        # Words that name two needs ("teenager") map neither: a manager chooses.
        self.by_key = {key: next(iter(found.values())) for key, found in named.items()}
        self.ambiguous = {key for key, found in named.items() if len(found) > 1}
        self.cache: dict[ForeignTerm, Mapping] = {}

    def read_mappings(self, session: Session) -> None:
        """Read the managers' mappings, once (an import reads them before its first term)."""
        if self.stored is None:
            self.stored = read_mappings(session)
            self.cache.clear()

    def find(self, term: ForeignTerm | dict[str, Any]) -> Mapping:
        """The need a foreign term stands for (None if none), and how that was found."""
        if not isinstance(term, ForeignTerm):
            term = ForeignTerm.read(term)
        if term not in self.cache:
            self.cache[term] = self._find(term)
        return self.cache[term]

    def is_ours(self, term: ForeignTerm) -> bool:
        """A term of Signpost's own, never kept as a foreign term: one of our needs, or a term
        of a Signpost taxonomy (named "Signpost ...", as our needs' taxonomy is), which a
        Signpost export carries for what HSDS has no field for."""
        return (
            term.term_id in self.by_id
            or term.taxonomy_id == str(NEEDS_TAXONOMY_ID)
            or term.taxonomy.lower().startswith("signpost")
        )

    def _find(self, term: ForeignTerm) -> Mapping:
        if term.term_id in self.by_id:
            return Mapping(self.by_id[term.term_id], BY_ID)
        decided = self.stored.find(term) if self.stored else None
        if decided is not None:
            if decided.need_code is None:
                return Mapping(None, NOT_A_NEED)
            if decided.need_code.lower() in self.by_code:
                return Mapping(self.by_code[decided.need_code.lower()], BY_MANAGER)
        if term.code.lower() in self.by_code:
            return Mapping(self.by_code[term.code.lower()], BY_CODE)
        if term.code in self.by_open_eligibility and is_open_eligibility(term):
            return Mapping(self.by_open_eligibility[term.code], BY_OPEN_ELIGIBILITY)
        key = term_key(term.name)
        need = self.by_key.get(key) if key not in self.ambiguous else None
        if need is not None and kind_of_need(need) in NAMED_AMONG[kind_of(term)]:
            return Mapping(need, BY_NAME)
        return Mapping(None, "")

    def suggestions(self, term: ForeignTerm, limit: int = SUGGESTED) -> list[Need]:
        """Needs of the same kind whose words are spelt close to the term's name, best first:
        for a manager to choose from, never applied by themselves."""
        kinds = SUGGESTED_AMONG[kind_of(term)]
        words = [(key, need) for key, need in self.words if kind_of_need(need) in kinds]
        key = term_key(term.name)
        if not key or not words:
            return []
        found = process.extract(
            key,
            [w for w, _ in words],
            scorer=fuzz.WRatio,
            processor=utils.default_process,
            score_cutoff=SUGGEST_CUTOFF,
            limit=None,
        )
        best: dict[str, Need] = {}
        own = _real_words(key)
        for said, _, index in found:
            need = words[index][1]
            if _shares_a_word(own, _real_words(said)):
                best.setdefault(need.code, need)
        return list(best.values())[:limit]


def _real_words(key: str) -> set[str]:
    """The words of a term_key (already singular: "families" is "family") that say something."""
    return {w for w in key.split() if len(w) >= 3 and w not in PLAIN_WORDS}


def _shares_a_word(mine: set[str], theirs: set[str]) -> bool:
    """The same word, or words of 4 letters or more spelt close to each other."""
    return bool(mine & theirs) or any(
        len(a) >= 4 and len(b) >= 4 and fuzz.ratio(a, b) >= CLOSE_WORD for a in mine for b in theirs
    )
