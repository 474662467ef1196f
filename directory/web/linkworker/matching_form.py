"""The matching form's choices (needs in groups, preferences) and the persona presets,
from the data files in seed/ (need_groups.yaml, personas.yaml)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from werkzeug.datastructures import MultiDict

from directory.catalogue import vocabulary
from directory.catalogue.seed_files import SEED, read_needs
from directory.matching.match_request import DAYS, FIELDS, LIST_FIELDS

NEED_GROUPS = SEED / "need_groups.yaml"
PERSONAS = SEED / "personas.yaml"


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


def need_groups(chosen: list[str] | None = None) -> list[NeedGroup]:
    """The needs as checkbox groups (the words each stands for, for the filter as you type)."""
    needs = {need.id: need for need in read_needs()}
    chosen = chosen or []
    placed: set[str] = set()
    groups = []
    for group in _groups():
        codes = [code for code in group["needs"] if code in needs]
        placed.update(codes)
        groups.append((group["label"], codes))
    rest = [code for code in needs if code not in placed]
    if rest:
        groups.append(("Other needs", rest))
    return [
        NeedGroup(
            label,
            [
                {
                    "value": code,
                    "text": needs[code].label,
                    "checked": code in chosen,
                    "attributes": {"data-words": " ".join(needs[code].synonyms).lower()},
                }
                for code in codes
            ],
        )
        for label, codes in groups
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


@functools.cache
def _groups() -> tuple[dict[str, Any], ...]:
    return tuple(_read_yaml(NEED_GROUPS))


@functools.cache
def personas() -> tuple[Persona, ...]:
    """The persona presets, in file order."""
    found = []
    for entry in _read_yaml(PERSONAS):
        details = {k: v for k, v in entry.items() if k in FIELDS}
        for name in LIST_FIELDS:
            if name in details and not isinstance(details[name], list):
                details[name] = [details[name]]
        found.append(Persona(entry["id"], entry["label"], entry.get("description", ""), details))
    return tuple(found)


def persona(persona_id: str) -> Persona | None:
    return next((p for p in personas() if p.id == persona_id), None)


def _read_yaml(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as file:
        return yaml.safe_load(file) or []
