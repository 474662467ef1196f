"""What a search found: ranked service ids in two bands, and what the search understood."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from directory.safety import CrisisPanel
from directory.search.request import SearchRequest


@dataclass(frozen=True)
class Hit:
    service_id: uuid.UUID
    score: float
    distance_miles: float | None = None
    open_now: bool | None = None


@dataclass(frozen=True)
class Band:
    """One list of results: services near a place, or services online and by phone."""

    hits: list[Hit]
    total: int
    page: int = 1
    per_page: int = 10

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class ResolvedPlace:
    """Where distances are measured from, and who lives there for the areas services serve:
    a postcode, a district or a neighbourhood."""

    label: str
    latitude: float
    longitude: float
    kind: str  # postcode, district or neighbourhood
    local_authority: str | None = None  # ONS code ("E08000035"); None: not known
    # The postcode districts the place is in: one for a postcode or a district, those a
    # neighbourhood spans ("LS6", "LS2" for Woodhouse); none: not known.
    districts: tuple[str, ...] = ()

    @property
    def postcode_district(self) -> str | None:
        """The place's one postcode district, when it has one."""
        return self.districts[0] if len(self.districts) == 1 else None


@dataclass(frozen=True)
class Alternative:
    """Another search worth trying when this one found little or nothing."""

    label: str
    request: SearchRequest


@dataclass
class SearchResults:
    request: SearchRequest
    local: Band
    online: Band
    # the words searched instead of theirs, when a non-word in them was replaced
    # ("Showing results for ...", with a link to search their words as typed)
    corrected: str | None = None
    # a search offered, not run: "Did you mean ...?" (a rare word a letter from a catalogue one)
    suggestion: str | None = None
    crisis: CrisisPanel | None = None  # urgent help of the kind the words call for
    place: ResolvedPlace | None = None
    place_problem: str | None = None
    place_suggestions: list[str] = field(default_factory=list)
    needs_understood: list[str] = field(default_factory=list)
    alternatives: list[Alternative] = field(default_factory=list)
    # Matches left out because they serve only other areas than the place's (0 without one)
    other_areas: int = 0

    @property
    def total(self) -> int:
        return self.local.total + self.online.total
