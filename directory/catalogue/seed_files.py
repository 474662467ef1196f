"""Read the files of seed/ and check every field: the needs vocabulary (needs.csv,
synonyms.csv, need_groups.yaml), a catalogue (YAML files, see seed/leeds/FORMAT.md) and the
matching form's demo personas (personas.yaml).

seed/ holds data only; this module is the one that reads it. The result is plain data:
the loader in directory/catalogue/seeding.py writes it to the database, which search,
matching and the import then read. A mistake names the file and the field, so a data
editor can fix it.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from directory.catalogue import vocabulary
from directory.models import AreaType, Capacity, CareLevel, ListingStatus

# seed/ sits beside directory/, in a checkout and in an installed wheel alike.
SEED = Path(__file__).resolve().parents[2] / "seed"
NEEDS_FILE = SEED / "needs.csv"
DEMO_PLACE = SEED / "leeds"
# The vocabulary's files, by their names in a folder (seed/ unless told otherwise).
NEEDS_NAME = NEEDS_FILE.name
PHRASES_NAME = "synonyms.csv"
GROUPS_NAME = "need_groups.yaml"
PERSONAS_FILE = SEED / "personas.yaml"
MAX_AGE = 120

# The allowed values live in one place: the directory's vocabulary and enums.
DELIVERY = set(vocabulary.DELIVERY)
REFERRAL = set(vocabulary.REFERRAL_ROUTES)
CAPACITY = {c.value for c in Capacity}
STATUS = {s.value for s in ListingStatus}
AREA_TYPES = {a.value for a in AreaType}
DAYS = tuple(day.lower() for day in vocabulary.DAYS)
RESTRICTIONS = set(vocabulary.RESTRICTIONS)
ACCESSIBILITY = set(vocabulary.ACCESSIBILITY)
PATHWAYS = set(vocabulary.NHS_PATHWAYS)
CARE_LEVELS = {level.value for level in CareLevel}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
LANGUAGE = re.compile(r"^[a-z]{2}$")
AUTHORITY = re.compile(r"^[ENSW]\d{8}$")
WEB_ADDRESS = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class CatalogueError(ValueError):
    """One or more problems in the catalogue files, each naming file and field."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Need:
    id: str
    label: str
    description: str
    synonyms: list[str]
    open_eligibility_services: list[str]
    open_eligibility_situations: list[str]
    crisis: bool
    min_age: int | None = None
    max_age: int | None = None


@dataclass(frozen=True)
class PhraseRecord:
    """A row of synonyms.csv: a phrase people search with, the words it means, its needs."""

    phrase: str
    means: list[str]
    needs: list[str]


@dataclass(frozen=True)
class GroupRecord:
    """A heading of the matching form and the needs under it, in order."""

    label: str
    needs: list[str]


@dataclass(frozen=True)
class VocabularyRecords:
    """The needs vocabulary as the files hold it: needs, search phrases, form groups."""

    needs: list[Need]
    phrases: list[PhraseRecord]
    groups: list[GroupRecord]

    @property
    def need_ids(self) -> set[str]:
        return {n.id for n in self.needs}


@dataclass
class OpeningTime:
    days: list[str]
    opens: str
    closes: str
    note: str = ""
    # a seasonal session's first and last day (HSDS valid_from, valid_to)
    starts: date | None = None
    ends: date | None = None


@dataclass
class ClosureRecord:
    """Closed from a day to a day (both included), and why."""

    starts: date
    ends: date
    reason: str = ""


@dataclass
class Area:
    type: str
    codes: list[str] = field(default_factory=list)
    miles: float | None = None


@dataclass
class ContactPerson:
    name: str = ""
    title: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class SiteRecord:
    id: str
    name: str
    address: str
    city: str
    postcode: str
    accessibility: list[str]
    transport: str = ""


@dataclass
class ServiceRecord:
    id: str
    name: str
    summary: str
    description: str
    needs: list[str]
    keywords: list[str]
    delivery: list[str]
    locations: list[str]
    area: Area
    min_age: int | None
    max_age: int | None
    eligibility: str
    restrictions: list[str]
    free: bool
    cost_amount: float | None
    cost_option: str
    cost_description: str
    referral: list[str]
    how_to_refer: str
    capacity: str
    waiting_weeks: int | None
    languages: list[str]
    schedule: list[OpeningTime]
    closures: list[ClosureRecord]
    closed_on_bank_holidays: bool
    contact: ContactPerson | None
    url: str
    status: str
    last_verified: date | None
    # an NHS mental health pathway listing: its pathway (vocabulary.NHS_PATHWAYS), level of
    # care (models.CareLevel) and how to reach help out of hours; "" and None for the rest
    pathway: str = ""
    care_level: str | None = None
    out_of_hours: str = ""


@dataclass
class OrganisationRecord:
    id: str
    name: str
    description: str
    email: str
    website: str
    phone: str
    charity_number: str
    locations: list[SiteRecord]
    services: list[ServiceRecord]


@dataclass
class Neighbourhood:
    name: str
    postcode: str
    districts: list[str]


@dataclass
class Place:
    name: str
    local_authority: str
    description: str
    neighbourhoods: list[Neighbourhood]


@dataclass
class Catalogue:
    place: Place
    organisations: list[OrganisationRecord]

    @property
    def services(self) -> list[ServiceRecord]:
        return [s for o in self.organisations for s in o.services]


def read_needs(path: Path = NEEDS_FILE) -> list[Need]:
    """The needs taxonomy, in the order of the file; CatalogueError names any bad age."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    problems: list[str] = []
    needs = [
        Need(
            id=row["id"],
            label=row["label"],
            description=row["description"],
            synonyms=_split(row["synonyms"]),
            open_eligibility_services=_split(row["open_eligibility_services"]),
            open_eligibility_situations=_split(row["open_eligibility_situations"]),
            crisis=row["crisis"].strip().lower() == "yes",
            min_age=_age(row, "min_age", f"{path.name}: line {line}", problems),
            max_age=_age(row, "max_age", f"{path.name}: line {line}", problems),
        )
        for line, row in enumerate(rows, start=2)
    ]
    if problems:
        raise CatalogueError(problems)
    return needs


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _age(row: dict[str, str], column: str, where: str, problems: list[str]) -> int | None:
    cell = (row.get(column) or "").strip()
    if not cell:
        return None
    if not cell.isdigit() or int(cell) > MAX_AGE:
        problems.append(f"{where}: {column}: {cell!r} should be a whole number 0-{MAX_AGE}")
        return None
    return int(cell)


def read_vocabulary(folder: Path | None = None) -> VocabularyRecords:
    """The needs, the search phrases and the form's groups from a folder's needs.csv,
    synonyms.csv and need_groups.yaml (seed/ unless told); CatalogueError lists every
    problem."""
    folder = folder or SEED
    needs = read_needs(folder / NEEDS_NAME)
    known = {n.id for n in needs}
    problems: list[str] = []
    phrases = _read_phrases(folder / PHRASES_NAME, known, problems)
    groups = _read_groups(folder / GROUPS_NAME, known, problems)
    if problems:
        raise CatalogueError(problems)
    return VocabularyRecords(needs=needs, phrases=phrases, groups=groups)


def _read_phrases(path: Path, known: set[str], problems: list[str]) -> list[PhraseRecord]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    phrases: list[PhraseRecord] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        where = f"{path.name}: line {line}"
        phrase = " ".join((row.get("phrase") or "").split())
        needs = _split(row.get("needs") or "")
        if not phrase or len(phrase) > 200:
            problems.append(f"{where}: phrase: give the words people type, up to 200 characters")
            continue
        if phrase.lower() in seen:
            problems.append(f"{where}: phrase: {phrase!r} is also on line {seen[phrase.lower()]}")
        seen.setdefault(phrase.lower(), line)
        for need in needs:
            if need not in known:
                problems.append(f"{where}: needs: {need!r} is not a need of needs.csv")
        phrases.append(PhraseRecord(phrase, (row.get("means") or "").split(), needs))
    return phrases


def _read_groups(path: Path, known: set[str], problems: list[str]) -> list[GroupRecord]:
    entries = _load_yaml_list(path, problems)
    groups: list[GroupRecord] = []
    placed: dict[str, str] = {}
    for i, entry in enumerate(entries):
        r = _Reader(path.name, problems)
        label = r.text(entry, "label", required=True, where=f"[{i}]", limit=100)
        needs = r.choices(entry, "needs", known, where=f"[{i}]")
        for need in needs:
            if need in placed:
                r.problem(f"[{i}].needs", f"{need!r} is already under {placed[need]!r}")
            placed.setdefault(need, label)
        groups.append(GroupRecord(label, [n for n in needs if placed[n] == label]))
    return groups


def read_personas(path: Path = PERSONAS_FILE) -> list[dict[str, Any]]:
    """The matching form's demo personas: invented people, each a mapping of form fields."""
    problems: list[str] = []
    entries = _load_yaml_list(path, problems)
    for i, entry in enumerate(entries):
        for key in ("id", "label"):
            if not isinstance(entry.get(key), str):
                problems.append(f"{path.name}: [{i}].{key}: is required")
    if problems:
        raise CatalogueError(problems)
    return entries


def _load_yaml_list(path: Path, problems: list[str]) -> list[dict[str, Any]]:
    try:
        with path.open(encoding="utf-8") as f:
            data = yaml.safe_load(f) or []
    except (OSError, yaml.YAMLError) as error:
        problems.append(f"{path.name}: cannot be read: {error}")
        return []
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        problems.append(f"{path.name}: should hold a list of mappings")
        return []
    return data


def read_catalogue(folder: Path | None = None, need_ids: set[str] | None = None) -> Catalogue:
    """Read place.yaml and organisations/*.yaml of a folder (the demo catalogue unless told);
    raise CatalogueError listing every problem."""
    folder = folder or DEMO_PLACE
    if need_ids is None:
        need_ids = {n.id for n in read_needs()}
    problems: list[str] = []
    place = _read_place(folder / "place.yaml", problems)
    organisations = []
    for path in sorted((folder / "organisations").glob("*.yaml")):
        reader = _Reader(path.name, problems)
        data = _load_yaml(path, problems)
        if data is not None:
            organisations.append(_organisation(reader, data, path.stem, need_ids))
    _check_unique_ids(organisations, problems)
    if problems:
        raise CatalogueError(problems)
    assert place is not None
    return Catalogue(place=place, organisations=organisations)


def _load_yaml(path: Path, problems: list[str]) -> Any:
    try:
        with path.open(encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as error:
        problems.append(f"{path.name}: cannot be read: {error}")
        return None
    if not isinstance(data, dict):
        problems.append(f"{path.name}: should hold a mapping of fields")
        return None
    return data


def _read_place(path: Path, problems: list[str]) -> Place | None:
    data = _load_yaml(path, problems)
    if data is None:
        return None
    r = _Reader(path.name, problems)
    hoods = [
        Neighbourhood(
            name=r.text(n, "name", required=True, where=f"neighbourhoods[{i}]"),
            postcode=r.text(n, "postcode", required=True, where=f"neighbourhoods[{i}]"),
            districts=r.words(n, "districts", where=f"neighbourhoods[{i}]"),
        )
        for i, n in enumerate(r.items(data, "neighbourhoods"))
    ]
    authority = r.text(data, "local_authority", required=True)
    if authority and not AUTHORITY.match(authority):
        r.problem("local_authority", f"{authority!r} is not a local authority code like E08000035")
    return Place(
        name=r.text(data, "name", required=True),
        local_authority=authority,
        description=r.text(data, "description"),
        neighbourhoods=hoods,
    )


def _organisation(
    r: _Reader, data: dict[str, Any], stem: str, need_ids: set[str]
) -> OrganisationRecord:
    org_id = r.slug(data, "id")
    if org_id and org_id != stem:
        r.problem("id", f"is {org_id!r} but the file is named {stem}.yaml; they must match")
    sites = [_site(r, s, f"locations[{i}]") for i, s in enumerate(r.items(data, "locations"))]
    site_ids = {s.id for s in sites}
    services = [
        _service(r, s, f"services[{i}]", need_ids, site_ids)
        for i, s in enumerate(r.items(data, "services"))
    ]
    if not services:
        r.problem("services", "an organisation needs at least one service")
    return OrganisationRecord(
        id=org_id,
        name=r.text(data, "name", required=True, limit=200),
        description=r.text(data, "description", required=True),
        email=r.email(data, "email"),
        website=r.web_address(data, "website"),
        phone=r.text(data, "phone", limit=30),
        charity_number=r.text(data, "charity_number", limit=20),
        locations=sites,
        services=services,
    )


def _site(r: _Reader, data: dict[str, Any], where: str) -> SiteRecord:
    return SiteRecord(
        id=r.slug(data, "id", where=where),
        name=r.text(data, "name", required=True, where=where, limit=200),
        address=r.text(data, "address", required=True, where=where, limit=200),
        city=r.text(data, "city", required=True, where=where, limit=100),
        postcode=r.text(data, "postcode", required=True, where=where, limit=20),
        accessibility=r.choices(data, "accessibility", ACCESSIBILITY, where=where),
        transport=r.text(data, "transport", where=where),
    )


def _service(
    r: _Reader, data: dict[str, Any], where: str, need_ids: set[str], site_ids: set[str]
) -> ServiceRecord:
    needs = r.choices(data, "needs", need_ids, where=where)
    if not needs:
        r.problem(f"{where}.needs", "list at least one need")
    delivery = r.choices(data, "delivery", DELIVERY, where=where)
    if not delivery:
        r.problem(f"{where}.delivery", "list at least one of in_person, online, phone")
    locations = r.words(data, "locations", where=where)
    r.no_repeats(locations, "locations", where)
    for site in locations:
        if site not in site_ids:
            r.problem(f"{where}.locations", f"{site!r} is not one of this organisation's locations")
    if "in_person" in delivery and not locations:
        r.problem(f"{where}.locations", "an in-person service needs at least one location")
    capacity = r.choice(data, "capacity", CAPACITY, default="open", where=where)
    waiting = r.integer(data, "waiting_weeks", 0, 104, where=where)
    if waiting is not None and capacity != "waiting_list":
        r.problem(f"{where}.waiting_weeks", "only a service with a waiting list has waiting weeks")
    min_age = r.integer(data, "min_age", 0, 120, where=where)
    max_age = r.integer(data, "max_age", 0, 120, where=where)
    if min_age is not None and max_age is not None and min_age > max_age:
        r.problem(f"{where}.max_age", f"is {max_age}, below min_age {min_age}")
    cost = data.get("cost", {"free": True})
    if not isinstance(cost, dict):
        r.problem(f"{where}.cost", "should be a mapping such as {free: true}")
        cost = {"free": True}
    free = cost.get("free", False)
    if not isinstance(free, bool):
        r.problem(f"{where}.cost.free", f"{free!r} should be true or false")
        free = True
    amount = r.number(cost, "amount", where=f"{where}.cost")
    if not free and amount is None and not cost.get("description"):
        r.problem(f"{where}.cost", "a service that is not free needs an amount or a description")
    contact = data.get("contact")
    return ServiceRecord(
        id=r.slug(data, "id", where=where),
        name=r.text(data, "name", required=True, where=where, limit=200),
        summary=r.text(data, "summary", required=True, where=where, limit=300),
        description=r.text(data, "description", required=True, where=where),
        needs=needs,
        keywords=r.words(data, "keywords", where=where),
        delivery=delivery,
        locations=locations,
        area=_area(r, data.get("area"), f"{where}.area"),
        min_age=min_age,
        max_age=max_age,
        eligibility=r.text(data, "eligibility", where=where),
        restrictions=r.choices(data, "restrictions", RESTRICTIONS, where=where),
        free=free,
        cost_amount=amount,
        cost_option=r.text(cost, "option", where=f"{where}.cost", limit=200),
        cost_description=r.text(cost, "description", where=f"{where}.cost", limit=500),
        referral=r.choices(data, "referral", REFERRAL, where=where) or ["self"],
        how_to_refer=r.text(data, "how_to_refer", where=where),
        capacity=capacity,
        waiting_weeks=waiting,
        languages=_languages(r, data, where),
        schedule=[
            _opening_time(r, s, f"{where}.schedule[{i}]")
            for i, s in enumerate(r.items(data, "schedule", where=where))
        ],
        closures=[
            c
            for i, item in enumerate(r.items(data, "closures", where=where))
            if (c := _closure(r, item, f"{where}.closures[{i}]")) is not None
        ],
        closed_on_bank_holidays=_yes_or_no(r, data, "closed_on_bank_holidays", where),
        contact=_contact(r, contact, f"{where}.contact") if isinstance(contact, dict) else None,
        url=r.web_address(data, "url", where=where),
        status=r.choice(data, "status", STATUS, default="published", where=where),
        last_verified=r.day(data, "last_verified", where=where),
        **_pathway(r, data, where),
    )


def _pathway(r: _Reader, data: dict[str, Any], where: str) -> dict[str, Any]:
    """An NHS pathway listing's pathway, level of care (the pathway's usual level unless the
    file says) and out-of-hours words; a level or out-of-hours words need a pathway."""
    pathway = r.code(data, "pathway", PATHWAYS, "an NHS mental health pathway", where=where)
    level = r.code(data, "care_level", CARE_LEVELS, "a level of care", where=where)
    out_of_hours = r.text(data, "out_of_hours", where=where, limit=300)
    if not pathway:
        for key, given in (("care_level", level), ("out_of_hours", out_of_hours)):
            if given:
                r.problem(f"{where}.{key}", "only an NHS pathway listing has one: add its pathway")
        return {}
    if not level:
        level = vocabulary.NHS_PATHWAYS[pathway][1]
    return {"pathway": pathway, "care_level": level, "out_of_hours": out_of_hours}


def _languages(r: _Reader, data: dict[str, Any], where: str) -> list[str]:
    codes = r.words(data, "languages", where=where) or ["en"]
    r.no_repeats(codes, "languages", where)
    for code in codes:
        if not LANGUAGE.match(code):
            r.problem(f"{where}.languages", f"{code!r} is not a two-letter ISO 639-1 code")
    return codes


def _area(r: _Reader, data: Any, where: str) -> Area:
    if not isinstance(data, dict):
        r.problem(where, "say who the service serves (type: local_authority, districts, ...)")
        return Area(type="national")
    kind = r.choice(data, "type", AREA_TYPES, default="", where=where)
    area = Area(type=kind)
    if kind == "districts":
        area.codes = [c.upper() for c in r.words(data, "districts", where=where)]
        if not area.codes:
            r.problem(f"{where}.districts", "list the postcode districts served, such as LS6")
    elif kind == "local_authority":
        # No codes: the place's own local authority.
        area.codes = r.words(data, "codes", where=where)
        for code in area.codes:
            if not AUTHORITY.match(code):
                r.problem(f"{where}.codes", f"{code!r} is not a local authority code")
    elif kind == "radius":
        area.miles = r.number(data, "miles", where=where)
        if area.miles is None or area.miles <= 0:
            r.problem(f"{where}.miles", "give the radius in miles, more than 0")
    return area


def _opening_time(r: _Reader, data: Any, where: str) -> OpeningTime:
    if not isinstance(data, dict):
        r.problem(where, "should be a mapping with days, opens and closes")
        return OpeningTime(days=[], opens="00:00", closes="00:00")
    days = r.choices(data, "days", set(DAYS), where=where)
    if not days:
        r.problem(f"{where}.days", "list at least one day (mo tu we th fr sa su)")
    opens = r.text(data, "opens", required=True, where=where)
    closes = r.text(data, "closes", required=True, where=where)
    for name, value in (("opens", opens), ("closes", closes)):
        if value and not TIME.match(value):
            r.problem(f"{where}.{name}", f"{value!r} is not a 24-hour time such as 09:30")
    if TIME.match(opens) and TIME.match(closes) and opens >= closes:
        r.problem(f"{where}.closes", f"{closes} is not after the opening time {opens}")
    days.sort(key=DAYS.index)
    starts, ends = r.day(data, "from", where=where), r.day(data, "until", where=where)
    if starts and ends and ends < starts:
        r.problem(f"{where}.until", f"{ends} is before the first day {starts}")
    return OpeningTime(
        days=days,
        opens=opens,
        closes=closes,
        note=r.text(data, "note", where=where, limit=300),
        starts=starts,
        ends=ends,
    )


def _yes_or_no(r: _Reader, data: dict[str, Any], key: str, where: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        r.problem(f"{where}.{key}", f"{value!r} is not true or false")
        return False
    return value


def _closure(r: _Reader, data: dict[str, Any], where: str) -> ClosureRecord | None:
    starts, ends = r.day(data, "from", where=where), r.day(data, "until", where=where)
    if starts is None:
        r.problem(f"{where}.from", "give the first day closed, such as 2026-12-24")
        return None
    if ends is not None and ends < starts:
        r.problem(f"{where}.until", f"{ends} is before the first day closed {starts}")
        return None
    reason = r.text(data, "reason", where=where, limit=200)
    return ClosureRecord(starts=starts, ends=ends or starts, reason=reason)


def _contact(r: _Reader, data: dict[str, Any], where: str) -> ContactPerson:
    return ContactPerson(
        name=r.text(data, "name", where=where, limit=200),
        title=r.text(data, "title", where=where, limit=200),
        phone=r.text(data, "phone", where=where, limit=30),
        email=r.email(data, "email", where=where),
    )


def _check_unique_ids(organisations: list[OrganisationRecord], problems: list[str]) -> None:
    seen: dict[str, str] = {}
    for org in organisations:
        ids = [("organisation", org.id)]
        ids += [("location", s.id) for s in org.locations]
        ids += [("service", s.id) for s in org.services]
        for kind, key in ids:
            label = f"{kind} {key}"
            if label in seen:
                problems.append(f"{org.id}.yaml: {label} is also used in {seen[label]}.yaml")
            seen[label] = org.id


class _Reader:
    """Reads typed fields from a YAML mapping, noting problems as 'file: field: message'."""

    def __init__(self, filename: str, problems: list[str]) -> None:
        self.filename = filename
        self.problems = problems

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{self.filename}: {where}: {message}")

    @staticmethod
    def _name(where: str, key: str) -> str:
        return f"{where}.{key}" if where else key

    def text(
        self,
        data: dict[str, Any],
        key: str,
        *,
        required: bool = False,
        where: str = "",
        limit: int = 5000,
    ) -> str:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.problem(self._name(where, key), "is required")
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(self._name(where, key), "should be text")
            return ""
        text = " ".join(str(value).split())
        if len(text) > limit:
            self.problem(self._name(where, key), f"is {len(text)} characters; the limit is {limit}")
        return text

    def slug(self, data: dict[str, Any], key: str, *, where: str = "") -> str:
        value = self.text(data, key, required=True, where=where)
        if value and not SLUG.match(value):
            self.problem(
                self._name(where, key), f"{value!r} should be lower-case-words-with-dashes"
            )
        return value

    def words(self, data: dict[str, Any], key: str, *, where: str = "") -> list[str]:
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            self.problem(self._name(where, key), "should be a list of words")
            return []
        return [str(v).strip() for v in value]

    def choices(
        self, data: dict[str, Any], key: str, allowed: set[str], *, where: str = ""
    ) -> list[str]:
        values = self.words(data, key, where=where)
        for value in values:
            if value not in allowed:
                self.problem(self._name(where, key), f"{value!r} is not one of {sorted(allowed)}")
        self.no_repeats(values, key, where)
        return [v for v in values if v in allowed]

    def no_repeats(self, values: list[str], key: str, where: str) -> None:
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            self.problem(self._name(where, key), f"lists {', '.join(repeated)} more than once")

    def choice(
        self, data: dict[str, Any], key: str, allowed: set[str], *, default: str, where: str = ""
    ) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or value not in allowed:
            self.problem(self._name(where, key), f"{value!r} is not one of {sorted(allowed)}")
            return default
        return str(value)

    def code(
        self, data: dict[str, Any], key: str, allowed: set[str], kind: str, *, where: str = ""
    ) -> str:
        """An optional code of a closed list ("" when absent), named as `kind` if wrong."""
        value = data.get(key)
        if value is None or value == "":
            return ""
        if not isinstance(value, str) or value not in allowed:
            self.problem(
                self._name(where, key),
                f"{value!r} is not {kind}: use one of {', '.join(sorted(allowed))}",
            )
            return ""
        return value

    def web_address(self, data: dict[str, Any], key: str, *, where: str = "") -> str:
        value = self.text(data, key, where=where, limit=500)
        if value and not WEB_ADDRESS.match(value):
            self.problem(
                self._name(where, key), f"{value!r} should be a web address (http or https)"
            )
            return ""
        return value

    def email(self, data: dict[str, Any], key: str, *, where: str = "") -> str:
        value = self.text(data, key, where=where, limit=254)
        if value and not EMAIL.match(value):
            self.problem(self._name(where, key), f"{value!r} is not an email address")
            return ""
        return value

    def integer(
        self, data: dict[str, Any], key: str, low: int, high: int, *, where: str = ""
    ) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem(self._name(where, key), f"{value!r} should be a whole number {low}-{high}")
            return None
        return value

    def number(self, data: dict[str, Any], key: str, *, where: str = "") -> float | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            self.problem(self._name(where, key), f"{value!r} should be a number, 0 or more")
            return None
        return float(value)

    def day(self, data: dict[str, Any], key: str, *, where: str = "") -> date | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.problem(self._name(where, key), f"{value!r} is not a date such as 2026-09-14")
            return None

    def items(self, data: dict[str, Any], key: str, *, where: str = "") -> list[dict[str, Any]]:
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(self._name(where, key), "should be a list of mappings")
            return []
        return value
