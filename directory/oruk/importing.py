"""Write checked HSDS service objects into the catalogue, idempotently on their ids.

Re-importing a file updates the records it holds (never duplicates them); each
service's children (openings, languages, costs, contacts, places, needs) are
replaced by the file's. New listings wait for review unless `publish`. What HSDS
cannot say (delivery modes, referral routes, restrictions) is inferred where it
can be: in person when there is a physical place; referral routes, by phone and online
from the feed's own words, and who alone a service is for ("women aged 16 and over") from
its eligibility and name (oruk/inference.py); by phone also for a service with a phone
and no place at all. Routes no words give are recorded as unknown (`routes_known`), not
as none. A listing that says nothing we can read of where it serves serves the
directory's area: the local authorities of every place in the file (by the towns their
places name), or anywhere in the UK when the file has no places. A listing's "last
checked" is the feed's assured_date, else its last_modified, else the day of the import,
with where it came from (`checked_source`); a record from another Signpost says routes and
delivery in its own terms, which win (signpost_terms.py).

Records new to the catalogue are gathered as plain rows (`_Row`) and written with one INSERT
per table for many records, through the session so that the change log notes them; stored
records are updated through the ORM. A directory's first import of 20,000 listings took
two minutes of CPU building and flushing an ORM object per row; it now takes a fraction.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from pydantic_core import PydanticUndefined
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, SQLModel, col, select

from directory import clock
from directory.catalogue import needs as known_needs
from directory.catalogue.vocabulary import (
    ACCESSIBILITY,
    CAPACITY,
    LANGUAGES,
    settle_care_level,
)
from directory.listings import duplicates
from directory.models import (
    Accessibility,
    AreaType,
    Capacity,
    Closure,
    Contact,
    CostOption,
    Language,
    ListingStatus,
    Location,
    Organisation,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceForeignTerm,
    ServiceTaxonomyTerm,
    stable_id,
    utcnow,
)
from directory.models.catalogue import set_referral_routes
from directory.oruk import closures, inference, queries, serialise, signpost_terms
from directory.oruk.checks import UK_COUNTRIES, Report
from directory.oruk.needs_map import NOT_A_NEED, ForeignTerm, NeedsMap
from matcher.words import join

Json = dict[str, Any]
FLUSH_EVERY = 500  # records written to the database together
INSERT_EVERY = 1000  # rows in one INSERT's executemany
WEEKS = re.compile(r"(\d+)\s*week", re.I)
ACCESS_BY_LABEL = {label.lower(): code for code, label in ACCESSIBILITY.items()}
CAPACITY_BY_TEXT = {text.lower(): code for code, text in CAPACITY.items()}
LANGUAGE_BY_NAME = {name.lower(): code for code, name in LANGUAGES.items()}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    skipped: list[str] = field(default_factory=list)
    unmapped: dict[str, list[str]] = field(default_factory=dict)
    mapped: dict[str, str] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    held_back: list[str] = field(default_factory=list)
    changed_ids: list[uuid.UUID] = field(default_factory=list)
    directory_area: int = 0  # listings that said nothing of where they serve
    directory_area_name: str = ""  # "Norwich or Lowestoft", or "" for anywhere in the UK

    def directory_area_words(self) -> str:
        """The report's line on listings given the directory's area, or "" for none."""
        n = self.directory_area
        if not n:
            return ""
        they, serve = ("they", "serve") if n != 1 else ("it", "serves")
        listings = f"{n} listing{'s' if n != 1 else ''} said nothing of where {they} {serve}"
        if not self.directory_area_name:
            return f"{listings}, and the file has no places: anywhere in the UK."
        return (
            f"{listings}, so {they} {serve} the directory's area, where the places in the "
            f"file are: {self.directory_area_name}."
        )


def _uuid(value: Any) -> uuid.UUID:
    return uuid.UUID(str(value))


def _optional_uuid(value: Any) -> uuid.UUID | None:
    try:
        return _uuid(value) if value else None
    except ValueError:
        return None


def _text(record: Json, name: str, limit: int | None = None) -> str:
    value = record.get(name)
    text = "" if value is None else str(value).strip()
    return text[:limit] if limit else text


def _optional(record: Json, name: str) -> str | None:
    return _text(record, name) or None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _datetime(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        found = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def _summary(description: str) -> str:
    """A first sentence for cards, as HSDS has no summary."""
    first = re.split(r"(?<=[.!?])\s", description.strip(), maxsplit=1)[0]
    return first if len(first) <= 300 else first[:299].rstrip() + "…"


def import_services(
    session: Session,
    services: list[Json],
    report: Report,
    *,
    publish: bool,
    source: str = "",
    directory_area: dict[str, str] | None = None,
    progress: Callable[[Iterable[int]], Iterable[int]] = lambda items: items,
) -> ImportResult:
    """Import every record without errors in one transaction; returns what happened.
    `source` names the directory the records come from ("Leeds Directory"), for the
    words beside each listing's "last checked". `directory_area` (local authority code:
    name, as area_of_services gives it) is the directory's area beyond the places in these
    records: a feed's sync brings only what changed, and its area is that of everything the
    feed has brought."""
    result = ImportResult()
    needs = NeedsMap(known_needs.held(session))
    writer = _Writer(session, report, publish, source or "the imported file")
    writer.preload(services)
    if directory_area:
        writer.area = dict(sorted({**directory_area, **writer.area}.items()))
    result.directory_area_name = join(list(dict.fromkeys(writer.area.values())), last="or")
    try:
        # Rows are written in batches (a flush every FLUSH_EVERY records, through the
        # session, so its events see them), not before every read: a flush of a whole
        # 20,000-service file at once held every row of it in memory (2 GB).
        with session.no_autoflush:
            for index in progress(range(len(services))):
                if report.has_errors(index):
                    result.skipped.append(report.labels[index])
                    continue
                created = writer.service(services[index], needs, result)
                if created:
                    result.created += 1
                else:
                    result.updated += 1
                if (index + 1) % FLUSH_EVERY == 0:
                    writer.flush()
        writer.flush()
        result.duplicates = likely_duplicates(session, result.changed_ids)
        if publish:  # "publish at once" holds likely duplicates back for a manager
            stored_before = writer._ids(Service)
            result.held_back = duplicates.hold_back(session, result.changed_ids, stored_before)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return result


def area_of_services(session: Session, service_ids: Any) -> dict[str, str]:
    """The local authorities of the places of these services (ids, or a query of ids), each
    named as an import names them: by the town its places name most often, else by a
    postcode district."""
    rows = session.exec(
        select(Location.local_authority_code, Location.city, Location.postal_code)
        .join(ServiceAtLocation, col(ServiceAtLocation.location_id) == Location.id)
        .where(col(ServiceAtLocation.service_id).in_(service_ids))
        .where(col(Location.local_authority_code).is_not(None))
    ).all()
    towns: dict[str, Counter[str]] = {}
    for code, city, postcode in rows:
        if code:
            town = city or (f"the {postcode.split()[0]} area" if postcode.strip() else "")
            if town:
                towns.setdefault(code, Counter())[town] += 1
    return {code: seen.most_common(1)[0][0] for code, seen in sorted(towns.items())}


class _Row:
    """A record new to the catalogue, as its column values (defaults filled in as the model
    would) and its children by relationship, written with one INSERT per table for many
    records: an ORM object per row, built and flushed, was most of a large import's time.
    Reads and writes its columns as attributes, as the model's objects do."""

    __slots__ = ("model", "values", "parts")

    def __init__(self, model: Any, **given: Any) -> None:
        relations = model.__mapper__.relationships
        values = _defaults(model)
        parts: dict[str, list[_Row]] = {}
        for name, value in given.items():
            if name in relations:
                parts[name] = value
            elif name in values:
                values[name] = value
            else:
                raise AttributeError(f"{model.__name__} has no column {name}")
        object.__setattr__(self, "model", model)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "parts", parts)

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "values")
        if name in values:
            return values[name]
        if name in object.__getattribute__(self, "model").__mapper__.relationships:
            return object.__getattribute__(self, "parts").get(name, [])
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self.values:
            raise AttributeError(f"{self.model.__name__} has no column {name}")
        self.values[name] = value

    def orm(self) -> Any:
        """The model's object, for a stored record's collection."""
        parts = {name: [row.orm() for row in rows] for name, rows in self.parts.items()}
        return self.model(**self.values, **parts)

    def collect(self, by_table: dict[sa.Table, list[dict[str, Any]]]) -> None:
        """This row and its children's, each child given its parent's key."""
        by_table.setdefault(self.model.__table__, []).append(self.values)
        relations = self.model.__mapper__.relationships
        for name, rows in self.parts.items():
            pairs = relations[name].local_remote_pairs
            for row in rows:
                for local, remote in pairs:
                    row.values[remote.key] = self.values[local.key]
                row.collect(by_table)


_FIELDS: dict[Any, list[tuple[str, Any, Any]]] = {}


def _defaults(model: Any) -> dict[str, Any]:
    """Every column of a new row with the value the model would give it."""
    fields = _FIELDS.get(model)
    if fields is None:
        columns = set(model.__table__.c.keys())
        fields = _FIELDS[model] = [
            (name, info.default, info.default_factory)
            for name, info in model.model_fields.items()
            if name in columns
        ]
    return {
        name: factory()
        if factory is not None
        else (None if default is PydanticUndefined else default)
        for name, default, factory in fields
    }


class _Writer:
    def __init__(self, session: Session, report: Report, publish: bool, source: str) -> None:
        self.session = session
        self.source = source
        self.places = report.places
        self.report = report
        self.publish = publish
        self.organisations: dict[uuid.UUID, Organisation] = {}
        self.locations: dict[uuid.UUID, Location] = {}
        self.claimed: dict[tuple[str, uuid.UUID], str] = {}
        self.stored: dict[str, dict[uuid.UUID, str]] = {}
        self.ids: dict[str, set[uuid.UUID]] = {}
        self.preloaded: list[Service] = []
        self.organisation_ids: set[uuid.UUID | None] = set()
        self.created: list[_Row] = []  # new records not yet written (flush)
        # the directory's area: the local authorities of every place in the file, by name
        self.area: dict[str, str] = {}

    def own_id(self, model: type, raw: Any, owner: str) -> uuid.UUID:
        """The file's id for a child record, unless another owner already has it (HSDS
        examples reuse one phone id for every phone): then an id derived from both."""
        table = model.__tablename__  # type: ignore[attr-defined]
        wanted = _uuid(raw)
        holder = self.claimed.get((table, wanted)) or self._stored(model).get(wanted, owner)
        if holder != owner:
            wanted = stable_id(table, f"{owner}/{raw}")
        self.claimed[(table, wanted)] = owner
        return wanted

    def _stored(self, model: Any) -> dict[uuid.UUID, str]:
        """Who holds each stored id of a child table (read once per import)."""
        table = model.__tablename__
        if table not in self.stored:
            links = [c for c in OWNER_COLUMNS if hasattr(model, c)]
            rows = self.session.exec(select(model.id, *(getattr(model, c) for c in links))).all()
            self.stored[table] = {
                row[0]: _owner(dict(zip(links, row[1:], strict=True))) for row in rows
            }
        return self.stored[table]

    def preload(self, services: list[Json]) -> None:
        """Load the stored services the file updates, with their children, in a few queries
        (a re-import would otherwise read each child collection one by one)."""
        wanted = []
        for service in services:
            try:
                wanted.append(_uuid(service.get("id")))
            except ValueError:
                continue
        # the organisations a place may name: those stored, and those the file brings
        skipped = {problem.record for problem in self.report.errors}
        brought = {
            _optional_uuid(record["organization"].get("id"))
            for label, record in zip(self.report.labels, services, strict=True)
            if isinstance(record.get("organization"), dict) and label not in skipped
        }
        self.organisation_ids = (set(self._ids(Organisation)) | brought) - {None}
        self.area = self._area_of(services)
        stored = [i for i in wanted if i in self._ids(Service)]
        for start in range(0, len(stored), 500):
            chunk = stored[start : start + 500]
            # kept referenced: the session's identity map holds rows only weakly
            self.preloaded += self.session.exec(
                select(Service)
                .where(col(Service.id).in_(chunk))
                .options(*queries.service_options())
            ).all()

    def _area_of(self, services: list[Json]) -> dict[str, str]:
        """The local authorities of the file's places, each named by the town its places
        name most often ("Norwich"), else by a postcode district ("the NR33 area")."""
        towns: dict[str, Counter[str]] = {}
        for record in services:
            for link in _dicts(record.get("service_at_locations")):
                place = link.get("location")
                for address in _dicts(place.get("addresses") if isinstance(place, dict) else []):
                    located = self.places.get(_text(address, "postal_code"))
                    if located is None or not located.local_authority_code:
                        continue
                    district = located.postcode.split()[0]
                    town = _text(address, "city", 100) or f"the {district} area"
                    towns.setdefault(located.local_authority_code, Counter())[town] += 1
        return {code: seen.most_common(1)[0][0] for code, seen in sorted(towns.items())}

    def get(self, model: Any, record_id: uuid.UUID) -> Any:
        """A stored record, without a query when the table does not hold that id."""
        if record_id not in self._ids(model):
            return None
        return self.session.get(model, record_id)

    def _ids(self, model: Any) -> set[uuid.UUID]:
        table = model.__tablename__
        if table not in self.ids:
            self.ids[table] = set(self.session.exec(select(model.id)).all())
        return self.ids[table]

    def new(self, model: Any, **values: Any) -> _Row:
        """A record new to the catalogue, written with the others at the next flush."""
        row = _Row(model, **values)
        self.created.append(row)
        return row

    def _replace(self, owner: Any, name: str, wanted: list[_Row]) -> None:
        """Swap a child collection for the file's (children carry no history of their own):
        a new record's children are written with it; a stored one's through the session."""
        if isinstance(owner, _Row):
            owner.parts[name] = wanted
            return
        current = getattr(owner, name)
        if current:
            current.clear()
            # delete the old rows first: the file's children may reuse their ids
            self.flush()
        current.extend(row.orm() for row in wanted)

    def flush(self) -> None:
        """Write the new records gathered so far, then the session's changes (which may
        name them)."""
        by_table: dict[sa.Table, list[dict[str, Any]]] = {}
        for row in self.created:
            row.collect(by_table)
        self.created = []
        for table in SQLModel.metadata.sorted_tables:  # parents before their children
            rows = by_table.get(table, [])
            for start in range(0, len(rows), INSERT_EVERY):
                # through the session, so the change log notes them
                self.session.execute(sa.insert(table), rows[start : start + INSERT_EVERY])
        self.session.flush()

    def _status(self, current: ListingStatus | None) -> ListingStatus:
        if self.publish:
            return ListingStatus.PUBLISHED
        return current or ListingStatus.PENDING_REVIEW

    # --- organisations and places ---------------------------------------------

    def organisation(self, data: Json | None, org_id: uuid.UUID) -> Organisation:
        if org_id in self.organisations:
            return self.organisations[org_id]
        org = self.get(Organisation, org_id)
        created = org is None
        if org is None:
            org = self.new(Organisation, id=org_id, name="")
        org.status = self._status(None if created else org.status)
        if data is not None:
            org.name = _text(data, "name", 200)
            org.description = _text(data, "description")
            org.email = _optional(data, "email")
            org.website = _optional(data, "website")
            org.charity_number = None
            for item in data.get("organization_identifiers") or []:
                kind = f"{item.get('identifier_scheme', '')} {item.get('identifier_type', '')}"
                if "CHC" in kind.upper() or "CHARITY" in kind.upper():
                    org.charity_number = _text(item, "identifier", 20) or None
            signpost_terms.apply_to_organisation(org, data)
            self._replace(
                org,
                "phones",
                [
                    _phone(p, self.own_id(Phone, p["id"], f"organization:{org.id}"))
                    for p in data.get("phones") or []
                ],
            )
        _touch(self.session, org, created)
        self.organisations[org_id] = org
        return org

    def location(self, data: Json, org: Organisation) -> Location:
        place_id = _uuid(data["id"])
        if place_id in self.locations:
            return self.locations[place_id]
        place = self.get(Location, place_id)
        created = place is None
        if place is None:
            place = self.new(Location, id=place_id, name="", organization_id=org.id)
        # The organisation that keeps the place, as the file says, when Signpost has it.
        keeper = _optional_uuid(data.get("organization_id"))
        if keeper in self.organisation_ids:
            place.organization_id = keeper
        addresses = [a for a in data.get("addresses") or [] if isinstance(a, dict)]
        address = next(
            (a for a in addresses if a.get("address_type") == "physical"),
            addresses[0] if addresses else {},
        )
        place.location_type = _text(data, "location_type") or "physical"
        place.name = _text(data, "name", 200) or _text(address, "address_1", 200) or "Unnamed place"
        place.description = _text(data, "description")
        place.transport = _text(data, "transportation")
        place.address_1 = _text(address, "address_1", 200)
        place.address_2 = _text(address, "address_2", 200)
        place.city = _text(address, "city", 100)
        country = _text(address, "country").upper()
        located = self.places.get(_text(address, "postal_code"))
        place.country = "GB" if country in UK_COUNTRIES else country[:2]
        place.postal_code = located.postcode if located else _text(address, "postal_code", 10)
        place.local_authority_code = located.local_authority_code if located else None
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if (
            isinstance(latitude, int | float)
            and isinstance(longitude, int | float)
            and -90 <= latitude <= 90
            and -180 <= longitude <= 180
        ):
            place.latitude, place.longitude = float(latitude), float(longitude)
        elif located:
            place.latitude = round(located.latitude, 6)
            place.longitude = round(located.longitude, 6)
        else:
            place.latitude = place.longitude = None
        self._replace(
            place,
            "accessibility",
            [
                _Row(
                    Accessibility,
                    location_id=place.id,
                    id=self.own_id(Accessibility, a["id"], f"location:{place_id}"),
                    feature=ACCESS_BY_LABEL.get(_text(a, "description").lower(), "other"),
                    description=_text(a, "description", 300),
                    details=_text(a, "details"),
                )
                for a in data.get("accessibility") or []
            ],
        )
        _touch(self.session, place, created)
        self.locations[place_id] = place
        return place

    # --- services -------------------------------------------------------------

    def service(self, data: Json, needs: NeedsMap, result: ImportResult) -> bool:
        """Create or update one service; True when it is new."""
        service_id = _uuid(data["id"])
        org_data = data.get("organization") if isinstance(data.get("organization"), dict) else None
        org_id = _uuid(org_data["id"] if org_data else data["organization_id"])
        org = self.organisation(org_data, org_id)
        service = self.get(Service, service_id)
        created = service is None
        if service is None:
            service = self.new(Service, id=service_id, name="", organization_id=org.id)
        elif isinstance(org, _Row):  # a stored listing moving to an organisation new here
            self.flush()
            service.organization_id = org.id
            self.session.expire(service, ["organisation"])
        else:
            service.organisation = org
        self._fields(service, data, created)
        if data.get("status", "active") != "active":
            service.status = ListingStatus.ARCHIVED
        else:
            service.status = self._status(None if created else service.status)
        self._children(service, data, org, needs, result, created)
        # Signpost's own fields, when the record carries them, win over any inference.
        signpost_terms.apply_to_service(service, data)
        modified = created or self.session.is_modified(service, include_collections=False)
        if modified and not created:
            service.version = (service.version or 0) + 1
        # Keep the source's modification time, so an export of an import says the same.
        service.updated_at = _datetime(data.get("last_modified")) or utcnow()
        if not created:
            flag_modified(service, "updated_at")
        result.changed_ids.append(service.id)
        return created

    def contacts(self, data: Json, owner: str) -> list[_Row]:
        contacts, seen = [], set()
        for c in data.get("contacts") or []:
            contact_id = self.own_id(Contact, c["id"], owner)
            phones = [
                _phone(p, self.own_id(Phone, p["id"], f"contact:{contact_id}"))
                for p in c.get("phones") or []
                if str(p["id"]) not in seen
            ]
            seen |= {str(p["id"]) for p in c.get("phones") or []}
            contacts.append(
                _Row(
                    Contact,
                    id=contact_id,
                    name=_text(c, "name", 200),
                    title=_text(c, "title", 200),
                    email=_optional(c, "email"),
                    phones=phones,
                )
            )
        # Phones on the service itself, not any contact's: kept on a contact without a name.
        loose = [p for p in data.get("phones") or [] if str(p["id"]) not in seen]
        if loose:
            contact_id = stable_id("contact", f"{data['id']}/phones")
            contacts.append(
                _Row(
                    Contact,
                    id=contact_id,
                    phones=[
                        _phone(p, self.own_id(Phone, p["id"], f"contact:{contact_id}"))
                        for p in loose
                    ],
                )
            )
        return contacts

    def _fields(self, service: Service, data: Json, created: bool) -> None:
        service.name = _text(data, "name", 200)
        service.alternate_name = _optional(data, "alternate_name")
        service.description = _text(data, "description")
        service.summary = _summary(service.description)
        service.url = _optional(data, "url")
        service.email = _optional(data, "email")
        service.application_process = _text(data, "application_process")
        service.fees_description = _text(data, "fees_description") or _text(data, "fees")
        service.eligibility_description = _text(data, "eligibility_description")
        for name in ("minimum_age", "maximum_age"):
            value = data.get(name)
            setattr(service, name, int(value) if isinstance(value, int | float) else None)
        self._checked(service, data, created)
        # A record without a list (a /services page holds one-to-one fields only) leaves
        # what it does not mention as it was; a present list, even empty, replaces it.
        given = _given(data, created)
        if given("wait_time", "capacities"):
            weeks = WEEKS.search(_text(data, "wait_time"))
            service.waiting_weeks = int(weeks.group(1)) if weeks else None
            service.capacity = _capacity(data, service.waiting_weeks)
        if given("cost_options"):
            costs = [c for c in data.get("cost_options") or [] if isinstance(c, dict)]
            priced = any((c.get("amount") or 0) > 0 for c in costs)
            # without cost options, the fees in words say whether there is a price
            service.is_free = not priced and (
                bool(costs) or not inference.names_a_price(service.fees_description)
            )
        self._routes(service, data, created)
        self._pathway(service, data)
        self._restrictions(service, data, created)
        self._delivery(service, data, given, created)

    def _checked(self, service: Service, data: Json, created: bool) -> None:
        """Last checked: the feed's assured date, else its last change, else the day of the
        import; and the words that say where the date came from. A check made here (no
        source) that is as recent is kept, and a feed without dates changes no date."""
        found, how = _date(data.get("assured_date")), "checked"
        if found is None:
            found, how = _date(data.get("last_modified")), "updated"
        known = None if created else service.last_verified
        if found is None:
            if known is not None:
                return
            found, how = clock.today(), "imported"
        if known is not None and not service.checked_source and known >= found:
            return
        service.last_verified = found
        service.checked_source = f"from {self.source}, {how}"[:200]

    def _routes(self, service: Service, data: Json, created: bool) -> None:
        """Referral routes from the feed's words. Words that say none leave a new
        listing's routes unknown; on a listing already here, the words only add routes
        (words that do not name a route do not say it is closed)."""
        routes = inference.referral_routes(inference.feed_words(data))
        if not created:
            if not routes:
                return
            routes |= set(service.referral_routes)
        set_referral_routes(service, routes)
        service.routes_known = bool(routes)

    def _pathway(self, service: Service, data: Json) -> None:
        """An NHS mental health pathway, and its usual level of care, when the service's
        names or terms name one (inference.pathway); names that name none leave the
        listing as it was (a community listing stays one; a manager's pathway stays)."""
        found = inference.pathway(inference.service_names(data))
        if found and found != service.pathway:
            service.pathway, service.care_level = found, None  # the new pathway's usual level
            settle_care_level(service)

    def _restrictions(self, service: Service, data: Json, created: bool) -> None:
        """Who alone the service is for, as its eligibility ("women aged 16 and over") or
        its name ("Women Only Swim") states it. On a listing already here the words only
        add restrictions, as they only add routes: words that state none do not open a
        listing to all."""
        stated = inference.stated_restrictions(data)
        kept = [] if created else list(service.restrictions)
        wanted = list(dict.fromkeys([*kept, *sorted(stated)]))
        if wanted != service.restrictions:
            service.restrictions = wanted

    def _delivery(
        self, service: Service, data: Json, given: Callable[..., bool], created: bool
    ) -> None:
        """In person at a physical place; by phone by the words, or with a phone and no
        place at all; online at a virtual place or by the words, or with only a website.
        On a listing already here these only add ways (a feed cannot say "not by phone")."""
        said = inference.delivery_modes(inference.feed_words(data))
        kept = not created
        links = [x for x in data.get("service_at_locations") or [] if isinstance(x, dict)]
        # a record without the list of places (a /services page) keeps the stored ones
        placed = bool(links) if given("service_at_locations") else bool(service.location_links)
        phoned = bool(data.get("phones")) or any(
            c.get("phones") for c in data.get("contacts") or [] if isinstance(c, dict)
        )
        service.by_phone = (kept and service.by_phone) or "phone" in said or (phoned and not placed)
        if given("service_at_locations"):
            kinds = {(x.get("location") or {}).get("location_type") for x in links}
            service.in_person = "physical" in kinds
            # no place and no phone: a website is the only way in
            website_only = not links and bool(service.url) and not service.by_phone
            service.online = (kept and service.online) or "virtual" in kinds or website_only
        service.online = service.online or "online" in said

    def _children(
        self,
        service: Service,
        data: Json,
        org: Organisation,
        needs: NeedsMap,
        result: ImportResult,
        created: bool,
    ) -> None:
        owner = f"service:{service.id}"
        given = _given(data, created)
        if given("schedules"):
            # the old openings go before the places they may name
            self._replace(service, "schedules", [])
        link_ids: dict[str, uuid.UUID] = {}  # the file's id of a service at a location -> ours
        if given("service_at_locations"):
            links, seen = [], set()
            for link in data.get("service_at_locations") or []:
                place = self.location(link["location"], org)
                if place.id not in seen:
                    seen.add(place.id)
                    link_id = self.own_id(ServiceAtLocation, link["id"], owner)
                    link_ids[str(link["id"])] = link_id
                    links.append(
                        _Row(
                            ServiceAtLocation,
                            service_id=service.id,
                            id=link_id,
                            location_id=place.id,
                        )
                    )
            self._replace(service, "location_links", links)
        if given("schedules"):
            self._schedules(service, data, owner, link_ids)
            self._closures(service, data, owner)
        if given("cost_options"):
            self._costs(service, data, owner)
        if given("service_areas"):
            areas = _areas(data, service, service.location_links, self.locations, self)
            silent = bool(areas) and areas[0].id == stable_id("service_area", str(service.id))
            if silent and not created and service.areas:
                pass  # words only add: a record silent on where it serves keeps what it had
            else:
                if silent:
                    result.directory_area += 1  # nothing we can read: the directory's area
                self._replace(service, "areas", areas)
        if given("languages"):
            self._languages(service, data, owner)
        if given("contacts", "phones"):
            self._replace(service, "contacts", self.contacts(data, owner))
        if given("attributes"):
            self._needs(service, data, needs, result)

    def _schedules(
        self, service: Service, data: Json, owner: str, link_ids: dict[str, uuid.UUID]
    ) -> None:
        self._replace(
            service,
            "schedules",
            [
                _Row(
                    Schedule,
                    service_id=service.id,
                    id=self.own_id(Schedule, s["id"], owner),
                    service_at_location_id=link_ids.get(str(s.get("service_at_location_id"))),
                    byday=",".join(d.strip().upper() for d in str(s["byday"]).split(",")),
                    opens_at=str(s["opens_at"])[:5],
                    closes_at=str(s["closes_at"])[:5],
                    valid_from=_date(s.get("valid_from")),
                    valid_to=_date(s.get("valid_to")),
                    description=_text(s, "description", 300),
                    notes=_text(s, "notes", 300),
                )
                for s in data.get("schedules") or []
                if s.get("freq", "WEEKLY") == "WEEKLY"
                and s.get("byday")
                and s.get("opens_at")
                and s.get("closes_at")
            ],
        )

    def _closures(self, service: Service, data: Json, owner: str) -> None:
        """Schedules that say when it is shut (oruk/closures.py) as closures."""
        found, service.closed_on_bank_holidays = closures.read(data.get("schedules") or [])
        self._replace(
            service,
            "closures",
            [
                _Row(
                    Closure,
                    service_id=service.id,
                    id=self.own_id(Closure, c.id, owner),
                    starts=c.starts,
                    ends=c.ends,
                    reason=c.reason,
                )
                for c in found
            ],
        )

    def _costs(self, service: Service, data: Json, owner: str) -> None:
        self._replace(
            service,
            "cost_options",
            [
                _Row(
                    CostOption,
                    service_id=service.id,
                    id=self.own_id(CostOption, c["id"], owner),
                    option=_text(c, "option", 200),
                    amount=float(c["amount"]) if isinstance(c.get("amount"), int | float) else None,
                    currency=_text(c, "currency", 3) or "GBP",
                    amount_description=_text(c, "amount_description", 500),
                )
                for c in data.get("cost_options") or []
            ],
        )

    def _languages(self, service: Service, data: Json, owner: str) -> None:
        self._replace(
            service,
            "languages",
            [
                _Row(
                    Language,
                    service_id=service.id,
                    id=self.own_id(Language, x["id"], owner),
                    code=_text(x, "code", 3) or LANGUAGE_BY_NAME.get(_text(x, "name").lower(), ""),
                    name=_text(x, "name", 100) or LANGUAGES.get(_text(x, "code"), _text(x, "code")),
                    note=_text(x, "note", 300),
                )
                for x in data.get("languages") or []
                if x.get("code") or x.get("name")
            ],
        )

    def _needs(self, service: Service, data: Json, needs: NeedsMap, result: ImportResult) -> None:
        """The needs the service's terms mean (needs_map: by id, a manager's mapping, code,
        cross-walk or exact words, never by likeness), and the terms of other taxonomies
        kept on the service as the feed gave them."""
        needs.read_mappings(self.session)
        wanted: list[_Row] = []
        ranked: set[uuid.UUID] = set()
        foreign: dict[ForeignTerm, None] = {}
        for item in data.get("attributes") or []:
            raw = item.get("taxonomy_term") or {"id": item.get("taxonomy_term_id")}
            if signpost_terms.is_signpost_term(raw):
                continue  # a route, a keyword, ...: not a need (signpost_terms applies it)
            term = ForeignTerm.read(raw)
            found = needs.find(term)
            if not needs.is_ours(term):
                foreign[term] = None
            elif found.need is None:
                continue  # Signpost's own term for something else (not a need)
            if found.need is None:
                if found.how == NOT_A_NEED:
                    result.mapped[term.shown] = "not a need (by a manager)"
                else:
                    result.unmapped.setdefault(term.shown, []).append(service.name)
                continue
            result.mapped[term.shown] = f"{found.need.code} (by {found.how})"
            if found.need.term_id not in ranked:
                ranked.add(found.need.term_id)
                wanted.append(
                    _Row(
                        ServiceTaxonomyTerm,
                        service_id=service.id,
                        taxonomy_term_id=found.need.term_id,
                        rank=len(wanted),
                    )
                )
        self._replace(service, "need_links", wanted)
        kept = [
            _Row(ServiceForeignTerm, **term.values(service.id, position))
            for position, term in enumerate(foreign)
        ]
        self._replace(service, "foreign_terms", kept)


def _given(data: Json, created: bool) -> Callable[..., bool]:
    """Whether the record speaks about any of these lists (a new record always does)."""
    return lambda *keys: created or any(key in data for key in keys)


def _capacity(data: Json, weeks: int | None) -> Capacity:
    for item in data.get("capacities") or []:
        if not isinstance(item, dict):
            continue
        code = CAPACITY_BY_TEXT.get(_text(item, "description").lower())
        if code:
            return Capacity(code)
        if item.get("available") == 0:
            return Capacity.NOT_TAKING_REFERRALS
    return Capacity.WAITING_LIST if weeks else Capacity.OPEN


def _areas(
    data: Json,
    service: Service,
    links: list[ServiceAtLocation],
    places: dict[uuid.UUID, Location],
    writer: _Writer,
) -> list[_Row]:
    areas = []
    for item in data.get("service_areas") or []:
        words = _text(item, "extent").split()
        kind = words[0] if words and words[0] in {a.value for a in AreaType} else None
        if item.get("extent_type") != serialise.AREA_EXTENT_TYPE or kind is None:
            continue
        miles = None
        codes = words[1:]
        if kind == AreaType.RADIUS.value and codes:
            try:
                miles = float(codes.pop())
            except ValueError:
                continue
        areas.append(
            _Row(
                ServiceArea,
                service_id=service.id,
                id=writer.own_id(ServiceArea, item["id"], f"service:{service.id}"),
                extent_type=AreaType(kind),
                extent=" ".join(codes)[:500],
                radius_miles=miles,
                name=_text(item, "name", 200),
            )
        )
    if areas:
        return areas
    # Nothing we can read of where it serves: the directory's area, the local authorities of
    # every place in the file and its own (a Norwich directory with a Lowestoft venue covers
    # both); anywhere only when the file has no places at all.
    own = {
        places[x.location_id].local_authority_code or "" for x in links if x.location_id in places
    }
    codes = sorted((set(writer.area) | own) - {""})
    area_id = stable_id("service_area", str(service.id))
    if codes:
        named = list(dict.fromkeys(writer.area[c] for c in codes if c in writer.area))
        name = join(named, last="or") or "the directory's area"
        return [
            _Row(
                ServiceArea,
                service_id=service.id,
                id=area_id,
                extent_type=AreaType.LOCAL_AUTHORITY,
                extent=" ".join(codes)[:500],
                name=name[:200],
            )
        ]
    return [
        _Row(
            ServiceArea,
            service_id=service.id,
            id=area_id,
            extent_type=AreaType.NATIONAL,
            name="Anywhere in the UK",
        )
    ]


def _dicts(value: Any) -> list[Json]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _phone(p: Json, phone_id: uuid.UUID) -> _Row:
    return _Row(
        Phone, id=phone_id, number=_text(p, "number", 30), description=_text(p, "description", 300)
    )


OWNER_COLUMNS = ("service_id", "location_id", "contact_id", "organization_id")


def _owner(links: dict[str, Any]) -> str:
    """Which record a stored child belongs to, in own_id's terms."""
    for name in OWNER_COLUMNS:
        if links.get(name) is not None:
            return f"{name.removesuffix('_id')}:{links[name]}"
    return "nobody"


def _touch(session: Session, record: Organisation | Location, created: bool) -> None:
    if not created and session.is_modified(record, include_collections=False):
        record.updated_at = utcnow()
        record.version = (record.version or 0) + 1


# --- likely duplicates ------------------------------------------------------------


def likely_duplicates(session: Session, ids: list[uuid.UUID]) -> list[str]:
    """Imported services that look like another listing, in words (listings.duplicates)."""
    if not ids:
        return []
    return [str(pair) for pair in duplicates.likely_duplicates(session, ids)]
