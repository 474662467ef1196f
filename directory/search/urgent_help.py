"""Urgent help: the words that may mean someone is in danger now, and the panel of
helplines shown for them (urgent_help.yaml, beside this module).

Safety data ships with the code rather than the database, so that it works on every
directory, whether or not anyone seeded the demo catalogue or loaded a vocabulary.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from directory.search.results import CrisisContact, CrisisPanel

URGENT_HELP_FILE = Path(__file__).with_name("urgent_help.yaml")


@dataclass(frozen=True)
class UrgentHelp:
    phrases: tuple[str, ...]  # as people type them; understanding.py normalises them
    panel: CrisisPanel


@functools.cache  # part of the installed code: it changes only with a new release
def urgent_help() -> UrgentHelp:
    """The crisis phrases and the urgent help panel."""
    data = yaml.safe_load(URGENT_HELP_FILE.read_text(encoding="utf-8"))
    return UrgentHelp(
        phrases=tuple(data["phrases"]),
        panel=CrisisPanel(
            heading=data["heading"],
            intro=data["intro"],
            contacts=[CrisisContact(**c) for c in data["contacts"]],
        ),
    )
