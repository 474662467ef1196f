"""Urgent help by kind: the panel of contacts shown when someone may be in danger now
(urgent_help.yaml, beside this module; each contact with its source and the date checked).

Safety data ships with the code rather than the database, so that it works on every
directory, whether or not anyone seeded the demo catalogue or loaded a vocabulary.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

URGENT_HELP_FILE = Path(__file__).with_name("urgent_help.yaml")


@dataclass(frozen=True)
class CrisisContact:
    name: str
    how: str
    link: str
    when: str
    max_age: int | None = None  # shown to people this age or younger, when an age is known
    min_age: int | None = None  # shown to people this age or older, when an age is known
    source: str = ""  # the page the number and hours were checked against
    checked: datetime.date | None = None

    def suits(self, age: int | None) -> bool:
        """Whether to show this contact to someone of this age (always, when not known)."""
        if age is None:
            return True
        return (self.max_age is None or age <= self.max_age) and (
            self.min_age is None or age >= self.min_age
        )


@dataclass(frozen=True)
class CrisisPanel:
    kind: str  # "self" (suicide and self-harm) or "abuse"
    heading: str
    intro: str
    contacts: list[CrisisContact]

    def contacts_for(self, age: int | None) -> list[CrisisContact]:
        """The contacts for someone of this age (all of them when the age is not known)."""
        return [c for c in self.contacts if c.suits(age)]


@functools.cache  # part of the installed code: it changes only with a new release
def panels() -> dict[str, CrisisPanel]:
    """Every kind's panel, by kind, in the order of the file."""
    data = yaml.safe_load(URGENT_HELP_FILE.read_text(encoding="utf-8"))
    return {
        kind: CrisisPanel(
            kind=kind,
            heading=entry["heading"],
            intro=entry["intro"],
            contacts=[CrisisContact(**contact) for contact in entry["contacts"]],
        )
        for kind, entry in data["kinds"].items()
    }


def panel(kind: str) -> CrisisPanel:
    """The panel for a kind ("self" or "abuse"); KeyError for any other."""
    return panels()[kind]


def as_json(panel: CrisisPanel, age: int | None = None) -> dict[str, Any]:
    """Urgent help as the JSON answers carry it (GET /api/v1/search, the match answer of the
    API and the CLI): the kind, its words, and the contacts for someone of this age."""
    return {
        "kind": panel.kind,
        "heading": panel.heading,
        "intro": panel.intro,
        "contacts": [
            {
                "name": c.name,
                "how": c.how,
                "link": c.link,
                "when": c.when,
                "max_age": c.max_age,
                "min_age": c.min_age,
            }
            for c in panel.contacts_for(age)
        ],
    }
