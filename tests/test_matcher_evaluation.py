"""The matcher's evaluation: link workers' vignettes over the whole demo catalogue.

For each vignette in tests/vignettes.yaml the test matches the person against the seeded
demo catalogue (SQLite, and PostgreSQL where TEST_DATABASE_URL is set) and measures:

- precision at 5: the share of the top five that the vignette lists as must or good;
- must found: the share of the must services that are in the top five;
- need coverage: the share of the person's needs that the top five meet between them;
- must-not hits: services the vignette rules out that appear in the top five;
- rule violations: suggestions that break a hard rule, checked by an oracle written here,
  against the database rows, without the matcher's rule functions.

It fails on any rule violation, when precision at 5 or the share of must services found
falls below its floor, or when must-not hits rise above their ceiling (floors and ceiling
set from the first honest measurement; see PRECISION_FLOOR). To see the figures:

    .venv/bin/python -m pytest -q -s tests/test_matcher_evaluation.py
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

import matcher
from directory.catalogue import needs
from directory.geo import postcodes
from directory.matching import facts, profiles
from directory.models import (
    Capacity,
    ListingStatus,
    Service,
    ServiceAtLocation,
    stable_id,
)
from matcher.distance import miles_between
from tests.conftest import demo_needs

VIGNETTES = Path(__file__).parent / "vignettes.yaml"
# The catalogue's review dates were set against this day: a fixed day keeps the figures
# from drifting as listings age past their review date.
EVALUATION_DAY = date(2026, 11, 23)
TOP = 5
# Floors from the first honest measurement, before any weight was tuned on these vignettes:
# precision at 5 0.618, must found 0.933, need coverage 1.000, 2 must-not hits, 0 rule
# violations. After the general fixes of the first review (no bonus for gender-only groups,
# services mainly for something else, age-group needs, the default language, telling words
# rather than every word): precision at 5 0.760, must found 0.956, coverage 1.000, the
# same 2 must-not hits (the words cannot tell a suicide-bereavement group from others for
# a widower, nor a new mums' group from a baby-loss circle), 0 violations.
# Raise the floors as the matcher improves; never lower them to make a change pass.
PRECISION_FLOOR = 0.60
MUST_FOUND_FLOOR = 0.90
MUST_NOT_CEILING = 2
PROFILE_FIELDS = (
    "age",
    "postcode",
    "needs",
    "what_matters",
    "free_only",
    "modes",
    "days",
    "times",
    "max_miles",
    "language",
    "access",
    "gender",
    "is_carer",
    "is_veteran",
    "lgbtq",
    "referrer",
)


@dataclass(frozen=True)
class Vignette:
    id: str
    story: str
    details: dict[str, Any]
    must: tuple[str, ...]
    good: tuple[str, ...]
    must_not: tuple[str, ...]


@dataclass
class Outcome:
    vignette: Vignette
    top: list[str]  # yaml ids of the suggestions, best first
    precision: float
    must_found: float
    coverage: float
    must_not_hits: list[str]
    violations: list[str]


@dataclass
class Evaluation:
    outcomes: list[Outcome] = field(default_factory=list)

    def mean(self, name: str) -> float:
        return sum(getattr(o, name) for o in self.outcomes) / len(self.outcomes)

    @property
    def violations(self) -> list[str]:
        return [f"{o.vignette.id}: {v}" for o in self.outcomes for v in o.violations]

    @property
    def must_not_hits(self) -> list[str]:
        return [f"{o.vignette.id}: {s}" for o in self.outcomes for s in o.must_not_hits]


def load_vignettes(path: Path = VIGNETTES) -> list[Vignette]:
    """The vignettes, checked for unknown fields."""
    found = []
    for data in yaml.safe_load(path.read_text(encoding="utf-8")):
        extra = set(data) - {"id", "story", "must", "good", "must_not", *PROFILE_FIELDS}
        assert not extra, f"{data['id']}: unknown fields {sorted(extra)}"
        found.append(
            Vignette(
                id=data["id"],
                story=" ".join(data["story"].split()),
                details={k: v for k, v in data.items() if k in PROFILE_FIELDS},
                must=tuple(data.get("must", ())),
                good=tuple(data.get("good", ())),
                must_not=tuple(data.get("must_not", ())),
            )
        )
    return found


def profile_of(vignette: Vignette) -> matcher.Profile:
    details = dict(vignette.details)
    details["postcode"] = str(details["postcode"])
    return profiles.profile_from(**details, needs_vocabulary=demo_needs())


def evaluate(
    session: Session, vignettes: list[Vignette], today: date = EVALUATION_DAY
) -> Evaluation:
    """Match every vignette against the catalogue in the database and measure the results."""
    catalogue = facts.load_catalogue(session)
    vocabulary = facts.match_vocabulary(needs.held(session))
    yaml_ids = _yaml_ids()
    evaluation = Evaluation()
    for vignette in vignettes:
        profile = profile_of(vignette)
        result = matcher.match(profile, catalogue, today=today, vocabulary=vocabulary, limit=TOP)
        top_ids = [s.service_id for s in result.suggestions]
        top = [yaml_ids.get(i, i) for i in top_ids]
        relevant = set(vignette.must) | set(vignette.good)
        met = {n for s in result.suggestions for n in s.needs_met}
        evaluation.outcomes.append(
            Outcome(
                vignette=vignette,
                top=top,
                precision=sum(t in relevant for t in top) / TOP,
                must_found=(
                    sum(m in top for m in vignette.must) / len(vignette.must)
                    if vignette.must
                    else 1.0
                ),
                coverage=len(met & set(profile.needs)) / len(profile.needs),
                must_not_hits=[t for t in top if t in vignette.must_not],
                violations=[
                    f"{yaml_ids.get(i, i)} {problem}"
                    for i in top_ids
                    for problem in oracle(session, uuid.UUID(i), vignette, today)
                ],
            )
        )
    return evaluation


def _yaml_ids() -> dict[str, str]:
    """Database id -> yaml id, for every service of the catalogue."""
    from directory.catalogue.seed_files import read_catalogue

    return {str(stable_id("service", s.id)): s.id for s in read_catalogue().services}


# --- the oracle: the hard rules, checked again from the database rows -------------------


def oracle(session: Session, service_id: uuid.UUID, vignette: Vignette, today: date) -> list[str]:
    """Every hard rule the service breaks for the person in the vignette, worked out from the
    database rows and the vignette's own words, without the matcher."""
    service = session.exec(
        select(Service)
        .where(Service.id == service_id)
        .options(
            selectinload(Service.organisation),  # type: ignore[arg-type]
            selectinload(Service.areas),  # type: ignore[arg-type]
            selectinload(Service.location_links).selectinload(ServiceAtLocation.location),  # type: ignore[arg-type]
        )
    ).one()
    person = vignette.details
    place = postcodes.lookup_place(str(person["postcode"]))
    age = person["age"]
    problems = []
    if service.status != ListingStatus.PUBLISHED:
        problems.append(f"is {service.status.value}")
    if service.organisation.status != ListingStatus.PUBLISHED:
        problems.append("belongs to an unpublished organisation")
    if service.last_verified is None or (today - service.last_verified).days > 365 + 90:
        problems.append(f"was last checked {service.last_verified}")
    if service.capacity == Capacity.NOT_TAKING_REFERRALS:
        problems.append("is not taking referrals")
    if service.minimum_age is not None and age < service.minimum_age:
        problems.append(f"is for {service.minimum_age} and over; the person is {age}")
    if service.maximum_age is not None and age > service.maximum_age:
        problems.append(f"is for up to {service.maximum_age}; the person is {age}")
    problems += _restriction_problems(service, person)
    referrer = person.get("referrer", "professional")
    if referrer == "self" and not service.self_referral:
        problems.append("takes no self-referrals, and the person searched for themselves")
    if referrer == "professional" and not (service.self_referral or service.professional_referral):
        problems.append("takes referrals from GPs only")
    problems += _area_problems(service, place, person.get("max_miles"))
    return problems


def _restriction_problems(service: Service, person: dict[str, Any]) -> list[str]:
    gender = person.get("gender")
    qualifies = {
        "women_only": gender == "woman",
        "men_only": gender == "man",
        "carers_only": bool(person.get("is_carer")),
        "lgbtq_only": bool(person.get("lgbtq")),
        "veterans_only": bool(person.get("is_veteran")),
        # Link workers refer the patients of the practices they work for.
        "registered_with_gp": person.get("referrer", "professional") == "professional",
    }
    return [f"is {r} and the person is not" for r in service.restrictions if not qualifies.get(r)]


def _area_problems(service: Service, place: postcodes.Place, max_miles: float | None) -> list[str]:
    sites = [link.location for link in service.location_links]
    distances = [
        miles_between(place.latitude, place.longitude, s.latitude, s.longitude)
        for s in sites
        if s.latitude is not None and s.longitude is not None
    ]
    nearest = min(distances) if distances else None
    district = place.postcode.split()[0]
    inside = not service.areas
    for area in service.areas:
        kind = area.extent_type.value
        inside |= (
            kind == "national"
            or (kind == "local_authority" and place.local_authority_code in area.extent.split())
            or (kind == "districts" and district in area.extent.split())
            or (kind == "radius" and nearest is not None and nearest <= (area.radius_miles or 0))
        )
    problems = [] if inside else ["serves an area the person lives outside"]
    only_in_person = service.in_person and not (service.online or service.by_phone)
    if max_miles is not None and only_in_person and nearest is not None and nearest > max_miles:
        problems.append(f"is only in person, {nearest:.1f} miles away (limit {max_miles})")
    return problems


# --- the report ---------------------------------------------------------------------------


def report(evaluation: Evaluation) -> str:
    """The figures, then each vignette's top five, marked: * must, + good, ! must not."""
    lines = [
        f"{len(evaluation.outcomes)} vignettes, top {TOP}, on {EVALUATION_DAY}",
        f"precision at {TOP}: {evaluation.mean('precision'):.3f}",
        f"must found:       {evaluation.mean('must_found'):.3f}",
        f"need coverage:    {evaluation.mean('coverage'):.3f}",
        f"must-not hits:    {len(evaluation.must_not_hits)}",
        f"rule violations:  {len(evaluation.violations)}",
    ]
    for o in evaluation.outcomes:
        v = o.vignette
        marks = [
            ("*" if t in v.must else "+" if t in v.good else "!" if t in v.must_not else " ") + t
            for t in o.top
        ]
        missing = [m for m in v.must if m not in o.top]
        lines.append(
            f"{v.id:32} p={o.precision:.1f} cov={o.coverage:.2f}  {' '.join(marks)}"
            + (f"  MISSING {' '.join(missing)}" if missing else "")
        )
    return "\n".join(lines)


# --- the tests ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vignettes() -> list[Vignette]:
    return load_vignettes()


def test_there_are_at_least_forty_vignettes_with_known_services(vignettes):
    from directory.catalogue.seed_files import read_catalogue

    known = {s.id for s in read_catalogue().services}
    assert len(vignettes) >= 40
    assert len({v.id for v in vignettes}) == len(vignettes)
    for v in vignettes:
        named = set(v.must) | set(v.good) | set(v.must_not)
        assert named <= known, f"{v.id}: unknown services {sorted(named - known)}"
        assert not set(v.must_not) & (set(v.must) | set(v.good)), v.id
        assert v.must, f"{v.id} names no service that must appear"


def test_every_vignette_makes_a_valid_profile(vignettes):
    for v in vignettes:
        assert profile_of(v).needs


def test_the_matcher_meets_the_evaluation_floors(demo_app, session_for, vignettes):
    evaluation = evaluate(session_for(demo_app), vignettes)
    print("\n" + report(evaluation))
    assert evaluation.violations == []
    assert len(evaluation.must_not_hits) <= MUST_NOT_CEILING, evaluation.must_not_hits
    assert evaluation.mean("precision") >= PRECISION_FLOOR
    assert evaluation.mean("must_found") >= MUST_FOUND_FLOOR
    assert all(o.top for o in evaluation.outcomes), "every vignette gets suggestions"


def test_the_oracle_itself_catches_broken_rules(demo_app, session_for, vignettes):
    # Without this, an oracle that never finds anything would pass the test above.
    session = session_for(demo_app)
    teen = next(v for v in vignettes if v.id == "exam-stress-15")
    for yaml_id in ("steadyline-listening-line", "rainbow-corner-youth-night", "keel-tai-chi"):
        assert oracle(session, stable_id("service", yaml_id), teen, EVALUATION_DAY)
    assert oracle(session, stable_id("service", "skyward-exam-stress"), teen, EVALUATION_DAY) == []


if __name__ == "__main__":  # pragma: no cover - a way to print the figures on a local database
    import sys

    from directory import create_app, db

    app = create_app({"DATABASE_URL": sys.argv[1]})
    with Session(app.extensions[db.ENGINE_KEY]) as s:
        print(report(evaluate(s, load_vignettes())))
