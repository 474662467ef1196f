"""The matching form's choices (needs in groups, from the needs vocabulary in the database;
preferences) and the persona presets (demo examples, seed/personas.yaml, read through
directory.catalogue.seed_files)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from directory.catalogue import vocabulary
from directory.catalogue.needs import NeedsVocabulary
from directory.catalogue.seed_files import read_personas
from directory.matching.match_request import DAYS, FIELDS, LIST_FIELDS

OTHER_NEEDS = "Other needs"


@dataclass(frozen=True)
class NeedGroup:
    label: str
    items: list[dict[str, Any]]  # checkbox items, as the NHS.UK macro takes them


@dataclass(frozen=True)
class Persona:
    id: str
    label: str
    description: str
    details: dict[str, Any]  # the fields of a match request

    def as_form(self) -> MultiDict[str, str]:
        """The persona as the form's fields would send it."""
        form: MultiDict[str, str] = MultiDict()
        for name, value in self.details.items():
            for one in value if isinstance(value, list) else [value]:
                form.add(name, "1" if one is True else str(one))
        return form


def need_groups(known: NeedsVocabulary, chosen: list[str] | None = None) -> list[NeedGroup]:
    """The needs as checkbox groups under their headings, then any other needs (the words
    each stands for, for the filter as you type)."""
    chosen = chosen or []
    groups = known.groups()
    rest = known.ungrouped()
    if rest:
        groups.append((OTHER_NEEDS, rest))
    return [
        NeedGroup(
            label,
            [
                {
                    "value": need.code,
                    "text": need.label,
                    "checked": need.code in chosen,
                    "attributes": {"data-words": " ".join(need.synonyms).lower()},
                }
                for need in needs
            ],
        )
        for label, needs in groups
    ]


def choices() -> dict[str, list[dict[str, str]]]:
    """The options of the preference fields."""
    languages = sorted(vocabulary.LANGUAGES.items(), key=lambda item: item[1])
    return {
        "modes": [{"value": v, "text": t} for v, t in vocabulary.DELIVERY.items()],
        "days": [{"value": v, "text": t} for v, t in DAYS.items()],
        "languages": [{"value": "", "text": "No preference"}]
        + [{"value": v, "text": t} for v, t in languages],
        "access": [{"value": v, "text": t} for v, t in vocabulary.ACCESSIBILITY.items()],
    }


@functools.cache  # demo examples that ship with the code, not data a directory edits
def personas() -> tuple[Persona, ...]:
    """The persona presets, in file order."""
    found = []
    for entry in read_personas():
        details = {k: v for k, v in entry.items() if k in FIELDS}
        for name in LIST_FIELDS:
            if name in details and not isinstance(details[name], list):
                details[name] = [details[name]]
        found.append(Persona(entry["id"], entry["label"], entry.get("description", ""), details))
    return tuple(found)


def persona(persona_id: str) -> Persona | None:
    return next((p for p in personas() if p.id == persona_id), None)
