"""Services' child rows (openings, places, contacts, needs, ...) in one statement, not one
per kind of row.

`selectinload` costs a statement for each relationship: a service page took 12 to 14. A
plain join of them all would multiply rows (3 openings x 2 languages x 2 places ...).
Here the services are joined to a short list of kinds (0, 1, 2, ...), and each kind's
tables are outer-joined on that kind's rows only, so every row of the answer carries one
child (or, for a kind a service has none of, nothing): a service with 3 openings and 2
languages gives 5 rows, plus one empty row for each kind it lacks. A path such as
`(Service.contacts, Contact.phones)` loads a chain: each contact with its phones.

The collections are then set on the objects as loaded (as an eager load would), in the
order their relationship declares (`order_by`), otherwise in the order the rows were
written, which is the order `selectinload` left them in (a lookup by service id reads rows
in the order they lie in the table, on SQLite and PostgreSQL alike): a join's plan would
not keep it, so the statement asks for it (`_as_stored`).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from directory.models import (
    Contact,
    Location,
    Organisation,
    Service,
    ServiceAtLocation,
    ServiceTaxonomyTerm,
    TaxonomyTerm,
)

# relationship attributes, from the parent's down: (Service.contacts, Contact.phones)
Path = tuple[Any, ...]

# What a service's public page shows.
PAGE: tuple[Path, ...] = (
    (Service.need_links, ServiceTaxonomyTerm.term),
    (Service.location_links, ServiceAtLocation.location, Location.accessibility),
    (Service.schedules,),
    (Service.closures,),
    (Service.languages,),
    (Service.areas,),
    (Service.cost_options,),
    (Service.contacts, Contact.phones),
)
# What an Open Referral UK service object holds: the page's, the taxonomy of each need
# and the terms of other directories kept from an import.
IN_FULL: tuple[Path, ...] = (
    (Service.need_links, ServiceTaxonomyTerm.term, TaxonomyTerm.taxonomy),
    *PAGE[1:],
    (Service.foreign_terms,),
)
# What an organisation holds besides its own fields.
ORGANISATION: tuple[Path, ...] = ((Organisation.phones,),)


def load(session: Session, parents: Sequence[Any], paths: Sequence[Path]) -> None:
    """Set every collection on `paths` of these loaded rows (services, or whatever class the
    paths start from), in one statement."""
    if not parents or not paths:
        return
    root: Any = paths[0][0].class_
    kinds = sa.union_all(
        *(sa.select(sa.literal(number).label("kind")) for number in range(len(paths)))
    ).subquery("kinds")
    statement: Any = (
        select(root.id, kinds.c.kind)
        .select_from(root)
        .join(kinds, sa.true())
        .where(root.id.in_([parent.id for parent in parents]))
    )
    used: set[type] = set()
    stored: list[Any] = []
    dialect = session.get_bind().dialect
    for number, path in enumerate(paths):
        owner: Any = root
        for step, hop in enumerate(path):
            target: Any = hop.property.mapper.class_
            # the same table twice (a contact's phones, the organisation's) needs an alias
            target = aliased(target) if target in used else target
            used.add(hop.property.mapper.class_)
            relation = getattr(owner, hop.key).of_type(target)
            if step == 0:
                relation = relation.and_(kinds.c.kind == number)
            statement = statement.outerjoin(relation).add_columns(target)
            stored.append(_as_stored(target, dialect))
            owner = target
    statement = statement.order_by(kinds.c.kind, *(order for order in stored if order is not None))
    rows = session.exec(statement).all()
    _set_collections(parents, paths, rows)


def _as_stored(target: Any, dialect: sa.Dialect) -> Any:
    """The position of a table's rows as stored (SQLite's rowid, PostgreSQL's ctid), or None
    for a database that has neither."""
    column = {"sqlite": "rowid", "postgresql": "ctid"}.get(dialect.name)
    if column is None:
        return None
    table = dialect.identifier_preparer.quote(sa.inspect(target).selectable.name)
    return sa.literal_column(f"{table}.{column}")


def _set_collections(parents: Sequence[Any], paths: Sequence[Path], rows: Any) -> None:
    by_id = {parent.id: parent for parent in parents}
    offsets = [2]
    for path in paths[:-1]:
        offsets.append(offsets[-1] + len(path))
    # (owner, hop) -> the children found, in order; every owner gets its collection, even
    # an empty one, so that reading it later asks the database nothing
    found: dict[tuple[int, int, int], tuple[Any, list[Any]]] = {}
    for parent in parents:
        for number in range(len(paths)):
            found[(id(parent), number, 0)] = (parent, [])
    for row in rows:
        parent_id, number = row[0], row[1]
        owner: Any = by_id[parent_id]
        path = paths[number]
        for step, child in enumerate(row[offsets[number] : offsets[number] + len(path)]):
            if child is None:
                break
            _owner, children = found.setdefault((id(owner), number, step), (owner, []))
            if not any(child is seen for seen in children):
                children.append(child)
            if step + 1 < len(path):
                found.setdefault((id(child), number, step + 1), (child, []))
            owner = child
    for (_, number, step), (owner, children) in found.items():
        hop = paths[number][step]
        relation = hop.property
        if relation.uselist:
            set_committed_value(owner, hop.key, _in_order(children, relation))
        elif children:
            set_committed_value(owner, hop.key, children[0])


def _in_order(children: list[Any], relation: Any) -> list[Any]:
    """Children in the order their relationship declares (a stable sort, as SQL's ORDER BY
    leaves ties in the order found), or as found."""
    for column in reversed(relation.order_by or ()):
        children = sorted(children, key=attrgetter(column.key))
    return children
