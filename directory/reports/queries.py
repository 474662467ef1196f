"""Every report's numbers: the one module that pages, CSV, JSON and the `report` command
read. Each function takes a session and a period and returns a Report whose tables have
small numbers about people already hidden (suppression.py).

Counts are computed in the database (GROUP BY, weeks and months as CASE buckets, days
between moments), and in Python only over grouped rows where a row holds a list (a search's
or a case's needs, grouped by the whole list first) or where a median is wanted. Plain
selects are read without the ORM's handling of each row (`_rows`). Each report answers in
under a second on 100,000 searches and 20,000 referrals (benchmarks/reports_bench.py).
"""

from __future__ import annotations

import copy
import json
import math
import statistics
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlmodel import Session, col, select

from directory import clock, db
from directory.catalogue import needs as needs_vocabulary
from directory.catalogue import published
from directory.geo import postcodes
from directory.models import (
    REFERRAL_ROUTE_CODES,
    Capacity,
    Case,
    ListingReport,
    ListingStatus,
    Location,
    Organisation,
    Referral,
    ReferralRoute,
    ReferralStatus,
    ReferralStatusChange,
    SearchLog,
    Service,
    ServiceAtLocation,
    ServiceTaxonomyTerm,
    StatusSetBy,
    TaskStatus,
    WellbeingRecord,
    WellbeingWhen,
)
from directory.referrals import cases
from directory.referrals.status import DECLINE_REASONS
from directory.reports.suppression import THRESHOLD, Line, is_small, suppress
from directory.reports.tables import Cell, Period, Report, Table, counts_table, hide_across
from matcher.distance import miles_from

NOT_UNDERSTOOD = "Not understood as a need"
NO_PLACE = "No place given"
URGENT_KINDS = {"self": "Suicide and self-harm", "abuse": "Abuse and violence"}
GAP_MILES = (1, 3, 5)


def _bounds(period: Period) -> tuple[datetime, datetime]:
    start = datetime.combine(period.start, time.min, tzinfo=UTC)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=UTC)
    return start, end


def _named(label: sa.Label[Any]) -> sa.ColumnElement[Any]:
    """A selected expression by its name, for GROUP BY: the expression again would carry
    parameters of its own, which PostgreSQL does not take as the same expression."""
    return sa.literal_column(label.name)


def _bucket(moment: Any, starts: Sequence[datetime]) -> sa.ColumnElement[int]:
    """Which of the periods beginning at `starts` a moment falls in (0, 1, ...), worked out
    by the database; a moment before the second start is in the first."""
    if len(starts) < 2:
        return sa.literal(0)
    return sa.case(
        *[(moment < start, n) for n, start in enumerate(starts[1:])], else_=len(starts) - 1
    )


def _weeks(period: Period) -> list[date]:
    first = period.start - timedelta(days=period.start.weekday())
    return [first + timedelta(weeks=n) for n in range((period.end - first).days // 7 + 1)]


def _need_labels(session: Session) -> dict[str, str]:
    return {need.code: need.label for need in needs_vocabulary.read(session).needs}


# --- 1. demand and gaps ------------------------------------------------------------------


def demand(session: Session, period: Period) -> Report:
    """Where support is asked for and missing: public searches by need and by district, week
    by week; searches that found nothing; urgent help shown; needs with no service near
    the districts people searched from; services full or with a waiting list."""
    start, end = _bounds(period)
    vocabulary = needs_vocabulary.read(session)
    labels = {need.code: need.label for need in vocabulary.needs}
    terms = {need.term_id: need.code for need in vocabulary.needs}
    weeks = _weeks(period)
    week = _bucket(col(SearchLog.searched_at), [_bounds(Period(w, w))[0] for w in weeks]).label(
        "week_n"
    )
    found_nothing = sa.case((col(SearchLog.results) == 0, 1), else_=0).label("found_nothing")
    # the needs as text, so that equal lists group together on SQLite and PostgreSQL alike
    # and each distinct list is read once
    needs_text = sa.cast(col(SearchLog.needs), sa.Text).label("needs_text")
    grouped = _rows(
        session,
        sa.select(
            week,
            needs_text,
            col(SearchLog.place),
            found_nothing,
            col(SearchLog.urgent_kind),
            sa.func.count(),
        )
        .where(col(SearchLog.searched_at) >= start, col(SearchLog.searched_at) < end)
        .group_by(
            _named(week),
            _named(needs_text),
            col(SearchLog.place),
            _named(found_nothing),
            col(SearchLog.urgent_kind),
        ),
    )
    by_need: dict[str, list[int]] = defaultdict(lambda: [0] * len(weeks))
    by_place: dict[str, list[int]] = defaultdict(lambda: [0] * len(weeks))
    empty_by_need: Counter[str] = Counter()
    urgent: Counter[str] = Counter()
    empty_words: Counter[str] = Counter()
    codes_of: dict[str, list[str]] = {}
    for n, understood, place, empty, urgent_kind, count in grouped:
        if understood not in codes_of:
            codes_of[understood] = _understood_as(understood, labels)
        for code in codes_of[understood]:
            by_need[code][n] += count
            if empty:
                empty_by_need[code] += count
        by_place[place or ""][n] += count
        if urgent_kind:
            urgent[urgent_kind] += count
    # the words only where they are shown: searches that found nothing (a tenth or so),
    # words not yet dropped
    for typed, count in _rows(
        session,
        sa.select(col(SearchLog.query), sa.func.count())
        .where(col(SearchLog.results) == 0, col(SearchLog.words_dropped).is_(False))
        .where(col(SearchLog.searched_at) >= start, col(SearchLog.searched_at) < end)
        .group_by(col(SearchLog.query)),
    ):
        if typed.strip():
            empty_words[" ".join(typed.lower().split())] += count

    week_names = [f"w/c {week:%-d %b}" for week in weeks]
    need_order = sorted(by_need, key=lambda code: (code == "", labels.get(code, "")))
    place_order = sorted(by_place, key=lambda place: (place == "", place))
    empty_order = sorted(empty_by_need, key=lambda code: (code == "", labels.get(code, "")))
    tables = [
        counts_table(
            "searches-by-need",
            "Searches by need, week by week",
            label_heading="Need",
            labels=[labels.get(code, NOT_UNDERSTOOD) for code in need_order],
            columns=week_names,
            counts=[by_need[code] for code in need_order],
            about_people=True,
            note="A search understood as two needs counts under each.",
            x_label="Searches",
        ),
        counts_table(
            "searches-by-district",
            "Searches by postcode district, week by week",
            label_heading="Postcode district",
            labels=[place or NO_PLACE for place in place_order],
            columns=week_names,
            counts=[by_place[place] for place in place_order],
            about_people=True,
            x_label="Searches",
        ),
        counts_table(
            "no-results-by-need",
            "Searches that found nothing, by the need they were understood as",
            label_heading="Need",
            labels=[labels.get(code, NOT_UNDERSTOOD) for code in empty_order],
            columns=["Searches"],
            counts=[[empty_by_need[code]] for code in empty_order],
            about_people=True,
            x_label="Searches that found nothing",
        ),
        _often_typed(empty_words),
        counts_table(
            "urgent-help",
            "Searches that were shown urgent help, by kind",
            label_heading="Kind of urgent help",
            labels=[URGENT_KINDS.get(kind, kind) for kind in sorted(urgent)],
            columns=["Searches"],
            counts=[[urgent[kind]] for kind in sorted(urgent)],
            about_people=True,
            note="Counts only: the words of these searches are never shown.",
            x_label="Searches",
        ),
        _gaps(session, period, by_place, labels, terms),
        _full_services(session, labels, terms),
    ]
    return Report(
        "demand",
        "Demand and gaps",
        period,
        "Searches on the public site and through the search API, by the hour they were made; "
        "no search records who made it.",
        tables,
    )


def _often_typed(empty_words: Counter[str]) -> Table:
    often = sorted(
        ((words, n) for words, n in empty_words.items() if n >= THRESHOLD),
        key=lambda item: (-item[1], item[0]),
    )
    return Table(
        "no-results-words",
        "Words of searches that found nothing, typed at least 5 times",
        ["Words searched", "Searches"],
        [[words, n] for words, n in often],
        about_people=True,
        note=(
            "Only words typed the same way at least 5 times are shown: free text can hold "
            "personal details. Words are kept for the search log's retention period only."
        ),
        chart_column=None,
    )


def _gaps(
    session: Session,
    period: Period,
    by_place: dict[str, list[int]],
    labels: dict[str, str],
    terms: dict[Any, str],
) -> Table:
    """For each district where at least 5 people searched or were referred, the needs with
    no published in-person service within 1, 3 and 5 miles of its centre."""
    people: Counter[str] = Counter(
        {place: sum(counts) for place, counts in by_place.items() if place}
    )
    referred = session.exec(
        select(Case.postcode_district, sa.func.count())
        .where(col(Case.opened_on) >= period.start, col(Case.opened_on) <= period.end)
        .where(col(Case.postcode_district).is_not(None))
        .group_by(col(Case.postcode_district))
    ).all()
    for district, count in referred:
        people[district or ""] += count
    sites = _sites_by_need(session, labels, terms)
    arrays = {code: ([s[0] for s in spots], [s[1] for s in spots]) for code, spots in sites.items()}
    rows = []
    for district in sorted(d for d, n in people.items() if n >= THRESHOLD):
        try:
            centre = postcodes.lookup_district(district)
        except postcodes.PostcodeError:
            continue  # a place name, not a district
        nearest = {
            code: float(miles_from(centre.latitude, centre.longitude, *spots).min())
            if len(spots[0])
            else float("inf")
            for code, spots in arrays.items()
        }
        cells: list[str | int | float | None] = [district]
        for radius in GAP_MILES:
            missing = [
                labels[code]
                for code in sorted(labels, key=lambda code: labels[code])
                if nearest.get(code, float("inf")) > radius
            ]
            cells.append("; ".join(missing) or "none")
        rows.append(cells)
    return Table(
        "gaps",
        "Needs with no service nearby",
        [
            "Postcode district",
            *[f"No service within {m} mile{'s' if m > 1 else ''}" for m in GAP_MILES],
        ],
        rows,
        about_people=False,
        note=(
            "Districts where at least 5 people searched or were referred in the period; "
            "distances from the district's centre to published in-person services."
        ),
    )


def _sites_by_need(
    session: Session, labels: dict[str, str], terms: dict[Any, str]
) -> dict[str, list[tuple[float, float]]]:
    found = session.exec(
        select(ServiceTaxonomyTerm.taxonomy_term_id, Location.latitude, Location.longitude)
        .join(Service, col(Service.id) == ServiceTaxonomyTerm.service_id)
        .join(ServiceAtLocation, col(ServiceAtLocation.service_id) == Service.id)
        .join(Location, col(Location.id) == ServiceAtLocation.location_id)
        .where(published.is_published(), col(Service.in_person).is_(True))
        .where(col(Location.latitude).is_not(None), col(Location.longitude).is_not(None))
    ).all()
    sites: dict[str, list[tuple[float, float]]] = {code: [] for code in labels}
    for term_id, lat, lon in found:
        code = terms.get(term_id)
        if code is not None and lat is not None and lon is not None:
            sites[code].append((lat, lon))
    return sites


def _full_services(session: Session, labels: dict[str, str], terms: dict[Any, str]) -> Table:
    found = session.exec(
        select(ServiceTaxonomyTerm.taxonomy_term_id, Service.capacity, sa.func.count())
        .join(Service, col(Service.id) == ServiceTaxonomyTerm.service_id)
        .where(published.is_published())
        .group_by(col(ServiceTaxonomyTerm.taxonomy_term_id), col(Service.capacity))
    ).all()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    order = [Capacity.WAITING_LIST, Capacity.NOT_TAKING_REFERRALS, Capacity.OPEN]
    for term_id, capacity, n in found:
        code = terms.get(term_id)
        if code is not None:
            counts[code][order.index(Capacity(capacity))] += n
    codes = sorted(counts, key=lambda c: labels[c])
    table = counts_table(
        "full-services",
        "Services with a waiting list or not taking referrals, by need",
        label_heading="Need",
        labels=[labels[c] for c in codes],
        columns=["Waiting list", "Not taking referrals", "Open"],
        counts=[counts[c] for c in codes],
        about_people=False,
        note="Published services, as their listings say today.",
        x_label="Services",
    )
    table.chart_column = 1  # waiting lists
    return table


# --- shared by the reports about cases ------------------------------------------------------

NO_NEED = "No need recorded"
NO_SERVICE = "No service named"
NO_ORGANISATION = "No organisation listed"
NOT_RECORDED = "Not recorded"
ROUTES = {
    ReferralRoute.SELF_SUPPORTED: "Self-referral, supported",
    ReferralRoute.PROFESSIONAL: "Referred by the link worker",
}
CHART_ROWS = 40  # a table longer than this is shown without its chart (the table holds all)


def _rows(session: Session, statement: sa.Executable) -> list[Any]:
    """The rows of a plain select, without the ORM's handling of each row: reports read
    tens of thousands of rows of a few plain columns."""
    return list(session.connection().execute(statement).all())


def _days_between(session: Session, later: Any, earlier: Any) -> sa.ColumnElement[Any]:
    """Days from one moment to another, worked out by the database."""
    if session.get_bind().dialect.name == "sqlite":
        return sa.func.julianday(later) - sa.func.julianday(earlier)
    return sa.extract("epoch", later - earlier) / 86400


def _months(period: Period) -> list[date]:
    months, month = [], period.start.replace(day=1)
    while month <= period.end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def _need_order(codes: Iterable[str], labels: dict[str, str]) -> list[str]:
    """Need codes by their label, the unknown ("") last."""
    return sorted(codes, key=lambda code: (code == "", labels.get(code, code)))


def _label_order(names: Iterable[str], last: str) -> list[str]:
    return sorted(names, key=lambda name: (name == last, name.lower()))


def _chart_if_short(table: Table) -> Table:
    if len(table.rows) > CHART_ROWS:
        table.chart_column = None
    return table


def _one_column(
    key: str,
    title: str,
    heading: str,
    counted: Counter[str],
    order: Sequence[str],
    note: str = "",
) -> Table:
    """A table of one count per row about people (with its total), labels as given."""
    return _chart_if_short(
        counts_table(
            key,
            title,
            label_heading=heading,
            labels=list(order),
            columns=["Referrals"],
            counts=[[counted[name]] for name in order],
            about_people=True,
            note=note,
            x_label="Referrals",
        )
    )


def median_and_p90(days: Sequence[float]) -> tuple[float, float]:
    """The median and the 90th percentile (nearest rank: the smallest value with at least
    90% of values at or below it), in days to one decimal place."""
    ordered = sorted(days)
    p90 = ordered[math.ceil(0.9 * len(ordered)) - 1]
    return round(statistics.median(ordered), 1), round(p90, 1)


def _times_row(label: str, days: Sequence[float]) -> list[Cell]:
    n = len(days)
    if n == 0:
        return [label, 0, "none", "none"]
    if n < THRESHOLD:
        return [label, None, None, None]
    return [label, n, *median_and_p90(days)]


# --- 2. referrals ---------------------------------------------------------------------------


def referrals(session: Session, period: Period) -> Report:
    """What referrals achieve: referrals made in the period by need, service, organisation,
    route and month; declines and their reasons; how long providers take to reply and to
    accept; attendance; and providers who have not replied to any referral."""
    start, end = _bounds(period)
    in_period = sa.and_(col(Referral.created_at) >= start, col(Referral.created_at) < end)
    history = _history(in_period)
    months = _months(period)
    month = _bucket(col(Referral.created_at), [_bounds(Period(m, m))[0] for m in months])
    reply_at = sa.func.coalesce(col(Referral.first_reply_at), history.c.provider_reply)
    rows = _rows(
        session,
        sa.select(
            month,
            sa.cast(col(Referral.route), sa.String),
            col(Referral.service_name),
            col(Organisation.name),
            _days_between(session, reply_at, col(Referral.created_at)),
            _days_between(session, history.c.accepted_at, col(Referral.created_at)),
            history.c.attended,
            history.c.missed,
        )
        .outerjoin(Organisation, col(Organisation.id) == col(Referral.organization_id))
        .outerjoin(history, history.c.referral_id == col(Referral.id))
        .where(in_period),
    )
    labels = _need_labels(session)
    routes = [route.value for route in ROUTES]
    by_month = [[0] * len(routes) for _ in months]
    by_service: Counter[str] = Counter()
    by_organisation: Counter[str] = Counter()
    replied: Counter[str] = Counter()
    reply_days: list[float] = []
    accept_days: list[float] = []
    attendance = [0, 0, 0]  # attended, did not attend (never attended), neither recorded
    runs: set[tuple[str, str]] = set()  # (service, organisation) of the referrals
    for month_n, route, service, organisation, reply, accepted, attended, missed in rows:
        by_month[month_n][routes.index(route)] += 1
        by_service[service or NO_SERVICE] += 1
        by_organisation[organisation or NO_ORGANISATION] += 1
        runs.add((service or NO_SERVICE, organisation or NO_ORGANISATION))
        if reply is not None:
            reply_days.append(max(float(reply), 0.0))
            replied[organisation or NO_ORGANISATION] += 1
        if accepted is not None:
            accept_days.append(max(float(accepted), 0.0))
            attendance[0 if attended else 1 if missed else 2] += 1
    by_need = Counter(
        {code: sum(counts) for code, counts in _referrals_by_need(session, period, labels).items()}
    )

    need_order = _need_order(by_need, labels)
    tables = [
        _chart_if_short(
            counts_table(
                "referrals-by-month",
                "Referrals by month and route",
                label_heading="Month",
                labels=[f"{month:%B %Y}" for month in months],
                columns=[ROUTES[ReferralRoute(route)] for route in routes],
                counts=by_month,
                about_people=True,
                x_label="Referrals",
            )
        ),
        _one_column(
            "referrals-by-need",
            "Referrals by need",
            "Need",
            Counter({labels.get(code, NO_NEED): by_need[code] for code in need_order}),
            [labels.get(code, NO_NEED) for code in need_order],
            note="A referral for a person with two needs counts under each.",
        ),
        _one_column(
            "referrals-by-service",
            "Referrals by service",
            "Service",
            by_service,
            _label_order(by_service, NO_SERVICE),
            note="The service's name as it was when the referral was made.",
        ),
        _one_column(
            "referrals-by-organisation",
            "Referrals by organisation",
            "Organisation",
            by_organisation,
            _label_order(by_organisation, NO_ORGANISATION),
        ),
        _declines(session, in_period),
        _times_table(reply_days, accept_days),
        counts_table(
            "attendance",
            "Attendance, for referrals that were accepted",
            label_heading="Attendance",
            labels=["Attended", "Did not attend", "Not recorded yet"],
            columns=["Referrals"],
            counts=[[n] for n in attendance],
            about_people=True,
            note="Did not attend: recorded as not attending, and not as attending later.",
            x_label="Referrals",
        ),
        _one_column(
            "providers-never-reply",
            "Organisations that have not replied to any referral",
            "Organisation",
            by_organisation,
            _label_order(
                (o for o in by_organisation if not replied[o] and o != NO_ORGANISATION), ""
            ),
            note=(
                "Organisations sent referrals in the period with no reply to any of them: "
                "no first reply recorded and no status set by the organisation."
            ),
        ),
    ]
    return Report(
        "referrals",
        "Referrals",
        period,
        "Referrals made by link workers in the period (by the day each was sent), whatever "
        "has happened to them since; no referral names the person.",
        tables,
        _referral_links({table.key: table for table in tables}, runs),
    )


def _times_table(reply_days: Sequence[float], accept_days: Sequence[float]) -> Table:
    table = Table(
        "time-to-reply",
        "Time to first reply and to acceptance",
        ["Measure", "Referrals", "Median (days)", "90th percentile (days)"],
        [
            _times_row("Time to first reply", reply_days),
            _times_row("Time to acceptance", accept_days),
        ],
        about_people=True,
        note=(
            "From the referral being sent. A first reply is the provider's first answer "
            "(or the first status the provider set). The median and the 90th percentile "
            "(9 in 10 took no longer) are shown only where at least 5 referrals had one."
        ),
        chart_column=2,
        x_label="Median days",
    )
    table.hide_counts({(0, 1): len(reply_days), (1, 1): len(accept_days)}, [])
    return table


def _referral_links(tables: dict[str, Table], runs: set[tuple[str, str]]) -> list[Line]:
    """The counts of the referrals report that add up across its tables:
    - every referral is in one month, one service and one organisation: the three totals
      are the same number;
    - a service is run by one organisation (which the directory shows): an organisation's
      referrals are those of its services (where names are shared, each group of services
      and organisations linked by a referral adds up as one);
    - an organisation that never replied shows the same count as in referrals by
      organisation;
    - the referrals accepted (timed to acceptance) are those whose attendance is counted.
    Referrals by need are not linked: a person with two needs counts under each."""
    month, service = tables["referrals-by-month"], tables["referrals-by-service"]
    organisation = tables["referrals-by-organisation"]
    never, times = tables["providers-never-reply"], tables["time-to-reply"]
    everyone = month.at("Total", "Total")
    links = [
        Line((everyone,), (service.at("Total", "Referrals"),)),
        Line((everyone,), (organisation.at("Total", "Referrals"),)),
        Line(
            (tables["attendance"].at("Total", "Referrals"),),
            (times.at("Time to acceptance", "Referrals"),),
        ),
    ]
    links += [
        Line((never.at(name, "Referrals"),), (organisation.at(name, "Referrals"),))
        for name, *_ in never.rows
        if isinstance(name, str) and name != "Total"
    ]
    for services, organisations in _linked_groups(runs):
        links.append(
            Line(
                tuple(service.at(name, "Referrals") for name in sorted(services)),
                tuple(organisation.at(name, "Referrals") for name in sorted(organisations)),
            )
        )
    return links


def _linked_groups(pairs: Iterable[tuple[str, str]]) -> list[tuple[set[str], set[str]]]:
    """The groups of (left, right) names joined by the pairs, each name in one group."""
    groups: list[tuple[set[str], set[str]]] = []
    for left, right in sorted(pairs):
        joined = [g for g in groups if left in g[0] or right in g[1]]
        merged: tuple[set[str], set[str]] = ({left}, {right})
        for group in joined:
            merged[0].update(group[0])
            merged[1].update(group[1])
            groups.remove(group)
        groups.append(merged)
    return groups


def _history(in_period: sa.ColumnElement[bool]) -> sa.Subquery:
    """For each referral made in the period, from its status history: the provider's first
    status change, when it was accepted, and whether it was attended or missed."""
    change = ReferralStatusChange
    return (
        sa.select(
            col(change.referral_id).label("referral_id"),
            sa.func.min(
                sa.case((col(change.set_by) == StatusSetBy.PROVIDER, col(change.at)))
            ).label("provider_reply"),
            sa.func.min(
                sa.case((col(change.status) == ReferralStatus.ACCEPTED, col(change.at)))
            ).label("accepted_at"),
            sa.func.max(sa.case((col(change.status) == ReferralStatus.ATTENDED, 1), else_=0)).label(
                "attended"
            ),
            sa.func.max(
                sa.case((col(change.status) == ReferralStatus.DID_NOT_ATTEND, 1), else_=0)
            ).label("missed"),
        )
        .join(Referral, col(Referral.id) == col(change.referral_id))
        .where(in_period)
        .group_by(col(change.referral_id))
        .subquery()
    )


def _referrals_by_need(
    session: Session, period: Period, labels: dict[str, str]
) -> dict[str, list[int]]:
    """Referrals declined and not declined by each need of their case (grouped by the whole
    list first); counted once for the reports made together (referrals and equity)."""
    return _once(
        session, ("referrals-by-need", period), lambda: _count_by_need(session, period, labels)
    )


def _count_by_need(
    session: Session, period: Period, labels: dict[str, str]
) -> dict[str, list[int]]:
    start, end = _bounds(period)
    in_period = sa.and_(col(Referral.created_at) >= start, col(Referral.created_at) < end)
    by_need: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    declined = _was_declined()
    for needs, was_declined, n in _rows(
        session,
        sa.select(col(Case.needs), declined, sa.func.count())
        .join(Referral, col(Referral.case_id) == col(Case.id))
        .where(in_period)
        .group_by(col(Case.needs), _named(declined)),
    ):
        for code in {code for code in (needs or []) if code in labels} or {""}:
            by_need[code][0 if was_declined else 1] += n
    return by_need


def _searches_by_need(
    session: Session, start: datetime, end: datetime, labels: dict[str, str]
) -> Counter[str]:
    """Searches by each need they were understood as ("" for none)."""
    by_need: Counter[str] = Counter()
    needs_text = sa.cast(col(SearchLog.needs), sa.Text).label("needs_text")
    for understood, n in _rows(
        session,
        sa.select(needs_text, sa.func.count())
        .where(col(SearchLog.searched_at) >= start, col(SearchLog.searched_at) < end)
        .group_by(_named(needs_text)),
    ):
        for code in _understood_as(understood, labels):
            by_need[code] += n
    return by_need


def _understood_as(needs_text: str | None, labels: dict[str, str]) -> list[str]:
    """The known need codes of a search's needs as stored text (JSON), or [""] for none."""
    listed = json.loads(needs_text) if needs_text else []
    return [code for code in dict.fromkeys(listed) if code in labels] or [""]


def _declines(session: Session, in_period: sa.ColumnElement[bool]) -> Table:
    found = session.execute(
        sa.select(col(ReferralStatusChange.reason_code), sa.func.count())
        .join(Referral, col(Referral.id) == col(ReferralStatusChange.referral_id))
        .where(in_period, col(ReferralStatusChange.status) == ReferralStatus.DECLINED)
        .group_by(col(ReferralStatusChange.reason_code))
    ).all()
    counted: Counter[str] = Counter()
    for code, n in found:
        counted[DECLINE_REASONS.get(code, code or "No reason given")] += n
    order = [
        *[words for words in DECLINE_REASONS.values() if words in counted],
        *sorted(words for words in counted if words not in DECLINE_REASONS.values()),
    ]
    return counts_table(
        "declines",
        "Referrals declined, by the reason given",
        label_heading="Reason",
        labels=order,
        columns=["Referrals"],
        counts=[[counted[words]] for words in order],
        about_people=True,
        note="The reasons are the provider's, as chosen from the list; their words are not shown.",
        x_label="Referrals declined",
    )


# --- 3. wellbeing ---------------------------------------------------------------------------

ONS4 = "ons4"
ONS4_ITEMS = {  # item code -> words; for anxiety a lower score is better
    "life_satisfaction": "Life satisfaction",
    "worthwhile": "Worthwhile",
    "happy": "Happy",
    "anxious": "Anxious",
}
LOWER_IS_BETTER = frozenset({"anxious"})
CHANGE_BANDS = (
    "Worse by 2 or more",
    "Worse by 1",
    "No change",
    "Better by 1",
    "Better by 2 or more",
)


def _band(better_by: int) -> int:
    return min(max(better_by, -2), 2) + 2


def _mean(values: Sequence[float]) -> float:
    return round(sum(values) / len(values), 1)


class _Change:
    """One person's four ONS4 scores at the start and at the latest follow-up."""

    __slots__ = ("better", "diff", "latest", "start")

    def __init__(self, start: Sequence[int], latest: Sequence[int]) -> None:
        self.start = dict(zip(ONS4_ITEMS, start, strict=True))
        self.latest = dict(zip(ONS4_ITEMS, latest, strict=True))
        self.diff = {item: self.latest[item] - self.start[item] for item in ONS4_ITEMS}
        self.better = {item: -d if item in LOWER_IS_BETTER else d for item, d in self.diff.items()}

    def better_by(self, item: str) -> int:
        return self.better[item]


def wellbeing(session: Session, period: Period) -> Report:
    """What changes for people: ONS4 scores at the start against the latest follow-up, for
    each person whose latest follow-up was recorded in the period, overall, by need and by
    the service they were referred to."""
    followed = (
        sa.select(col(WellbeingRecord.case_id))
        .where(col(WellbeingRecord.measure) == ONS4)
        .where(col(WellbeingRecord.when) == WellbeingWhen.FOLLOW_UP)
        .where(col(WellbeingRecord.recorded_on) >= period.start)
        .where(col(WellbeingRecord.recorded_on) <= period.end)
        .distinct()
    )
    scores = col(WellbeingRecord.scores)
    records = _rows(
        session,
        sa.select(
            sa.cast(col(WellbeingRecord.case_id), sa.String),
            col(WellbeingRecord.when) == WellbeingWhen.START,
            *[scores[item].as_integer() for item in ONS4_ITEMS],
        )
        .where(col(WellbeingRecord.measure) == ONS4)
        .where(col(WellbeingRecord.recorded_on) <= period.end)
        .where(col(WellbeingRecord.case_id).in_(followed))
        .order_by(col(WellbeingRecord.recorded_on), col(WellbeingRecord.created_at)),
    )
    starts: dict[str, list[int]] = {}
    latest: dict[str, list[int]] = {}
    for case_id, is_start, *items in records:
        if None in items:
            continue  # not all four answered: not counted
        if is_start:
            starts.setdefault(case_id, items)  # the first
        else:
            latest[case_id] = items  # ordered by date: the last stays
    changes = {
        case_id: _Change(starts[case_id], found)
        for case_id, found in latest.items()
        if case_id in starts
    }
    labels = _need_labels(session)
    by_need: dict[str, list[_Change]] = defaultdict(list)
    for case_id, needs in _rows(
        session,
        sa.select(sa.cast(col(Case.id), sa.String), col(Case.needs)).where(
            col(Case.id).in_(followed)
        ),
    ):
        if case_id in changes:
            for code in {code for code in (needs or []) if code in labels} or {""}:
                by_need[code].append(changes[case_id])
    by_service: dict[str, list[_Change]] = defaultdict(list)
    for case_id, service in _rows(
        session,
        sa.select(sa.cast(col(Referral.case_id), sa.String), col(Referral.service_name))
        .where(col(Referral.case_id).in_(followed))
        .distinct(),
    ):
        if case_id in changes:
            by_service[service or NO_SERVICE].append(changes[case_id])

    everyone = list(changes.values())
    distribution = _distribution(everyone)
    need_order = _need_order(by_need, labels)
    service_order = _label_order(by_service, NO_SERVICE)
    tables = [
        _overall_change(everyone, distribution),
        distribution,
        _change_by(
            "wellbeing-by-need",
            "ONS4 change by need",
            "Need",
            [(labels.get(code, NO_NEED), by_need[code]) for code in need_order],
            note="A person with two needs counts under each.",
        ),
        _change_by(
            "wellbeing-by-service",
            "ONS4 change by the service referred to",
            "Service",
            [(name, by_service[name]) for name in service_order],
            note="A person referred to two services counts under each.",
        ),
    ]
    return Report(
        "wellbeing",
        "Wellbeing",
        period,
        "People whose latest ONS4 follow-up (life satisfaction, worthwhile, happy, anxious; "
        "each 0 to 10) was recorded in the period, against their first score at the start. "
        "For anxiety a lower score is better, so a fall counts as an improvement.",
        tables,
    )


def _improved(changes: Sequence[_Change], item: str) -> int:
    return sum(1 for change in changes if change.better_by(item) > 0)


def _share(improved: int, n: int) -> int | None:
    """The share improved, in percent; hidden where it would tell a count of 1 to 4 (of
    those improved or of those not)."""
    return None if is_small(improved) or is_small(n - improved) else round(100 * improved / n)


def _distribution(changes: Sequence[_Change]) -> Table:
    counts = []
    for item in ONS4_ITEMS:
        row = [0] * len(CHANGE_BANDS)
        for change in changes:
            row[_band(change.better_by(item))] += 1
        counts.append([*row, sum(row)])
    grid = suppress(counts, total_column=True) if changes else []
    return Table(
        "ons4-distribution",
        "How much each ONS4 score changed",
        ["Item", *CHANGE_BANDS, "People"],
        [[words, *cells] for words, cells in zip(ONS4_ITEMS.values(), grid, strict=False)],
        about_people=True,
        note="Better means a higher score, except for anxiety, where it means a lower one.",
    )


def _overall_change(changes: Sequence[_Change], distribution: Table) -> Table:
    n = len(changes)
    rows: list[list[Cell]] = []
    for row, (item, words) in zip(distribution.rows, ONS4_ITEMS.items(), strict=False):
        if n < THRESHOLD:
            rows.append([words, None, None, None, None, None])
            continue
        start = _mean([change.start[item] for change in changes])
        latest = _mean([change.latest[item] for change in changes])
        change = _mean([change.diff[item] for change in changes])
        # the share must not tell a "better" count the distribution hides
        share = _share(_improved(changes, item), n) if None not in row[4:6] else None
        rows.append([words, n, start, latest, change, share])
    return Table(
        "ons4-change",
        "ONS4 scores at the start and at the latest follow-up",
        [
            "Item",
            "People",
            "Mean at start",
            "Mean at latest follow-up",
            "Mean change",
            "Improved (%)",
        ],
        rows,
        about_people=True,
        note=(
            "Shown only where at least 5 people had both scores. A share improved is hidden "
            "where it would tell a number from 1 to 4."
        ),
        chart_column=5,
        x_label="People whose score improved (%)",
    )


def _change_by(
    key: str, title: str, heading: str, groups: Sequence[tuple[str, list[_Change]]], note: str
) -> Table:
    rows: list[list[Cell]] = []
    for label, changes in groups:
        n = len(changes)
        if n < THRESHOLD:
            rows.append([label, None, *[None] * (2 * len(ONS4_ITEMS))])
            continue
        means = [_mean([change.diff[item] for change in changes]) for item in ONS4_ITEMS]
        shares = [_share(_improved(changes, item), n) for item in ONS4_ITEMS]
        rows.append([label, n, *means, *shares])
    return _chart_if_short(
        Table(
            key,
            title,
            [
                heading,
                "People",
                *[f"{words}: mean change" for words in ONS4_ITEMS.values()],
                *[f"{words}: improved (%)" for words in ONS4_ITEMS.values()],
            ],
            rows,
            about_people=True,
            note=f"{note} Shown only where at least 5 people had both scores.",
            chart_column=2 + len(ONS4_ITEMS),  # life satisfaction: improved (%)
            x_label="People whose life satisfaction improved (%)",
        )
    )


# --- 4. equity ------------------------------------------------------------------------------

NO_DISTRICT = "No district given"


def _band_order(bands: Iterable[str]) -> list[str]:
    known = list(cases.AGE_BANDS)
    return sorted(
        bands,
        key=lambda band: (
            band == NOT_RECORDED,
            known.index(band) if band in known else len(known),
            band,
        ),
    )


def equity(session: Session, period: Period) -> Report:
    """Who is left out: referrals and declines by age band, by postcode district and by
    need, beside the public searches made from the same districts and understood as the
    same needs."""
    start, end = _bounds(period)
    in_period = sa.and_(col(Referral.created_at) >= start, col(Referral.created_at) < end)
    declined = _was_declined()
    found = session.execute(
        sa.select(
            col(Case.age),
            col(Case.age_band),
            col(Case.postcode_district),
            declined,
            sa.func.count(),
        )
        .join(Case, col(Case.id) == col(Referral.case_id))
        .where(in_period)
        .group_by(col(Case.age), col(Case.age_band), col(Case.postcode_district), _named(declined))
    ).all()
    by_band: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # declined, not declined
    by_district: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # searches, and those
    for age, band, district, was_declined, n in found:
        named = band or (cases.age_band(age) if age is not None else NOT_RECORDED)
        by_band[named][0 if was_declined else 1] += n
        by_district[district or NO_DISTRICT][1 if was_declined else 2] += n
    searches = session.execute(
        sa.select(col(SearchLog.place), sa.func.count())
        .where(col(SearchLog.searched_at) >= start, col(SearchLog.searched_at) < end)
        .group_by(col(SearchLog.place))
    ).all()
    for place, n in searches:
        by_district[place or NO_DISTRICT][0] += n
    bands = _band_order(by_band)
    age_table = counts_table(
        "referrals-by-age",
        "Referrals and declines by age band",
        label_heading="Age band",
        labels=bands,
        columns=["Declined", "Not declined"],
        counts=[by_band[band] for band in bands],
        about_people=True,
        note="The age band the link worker recorded, or the band of the age they recorded.",
        x_label="Referrals",
    )
    age_table.headings[-1] = "Referrals"
    district_table = _against_searches(
        "referrals-by-district",
        "Searches and referrals by postcode district",
        "Postcode district",
        by_district,
        _label_order(by_district, NO_DISTRICT),
        note=(
            "Searches are counted by the district (or place) searched from; referrals by "
            "the district their case records."
        ),
    )
    labels = _need_labels(session)
    by_need: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # searches, and those
    for code, (was_declined, not_declined) in _referrals_by_need(session, period, labels).items():
        by_need[code][1:] = [was_declined, not_declined]
    for code, n in _searches_by_need(session, start, end, labels).items():
        by_need[code][0] += n
    need_order = _need_order(by_need, labels)
    need_table = _against_searches(
        "referrals-by-need",
        "Searches and referrals by need",
        "Need",
        {labels.get(code, NO_NEED_OR_UNDERSTOOD): by_need[code] for code in need_order},
        [labels.get(code, NO_NEED_OR_UNDERSTOOD) for code in need_order],
        note=(
            "Searches by the needs their words were understood as; referrals by the needs "
            "their case records. A search or a person with two needs counts under each, so "
            "the totals count some twice."
        ),
    )
    tables = [age_table, district_table, need_table]
    return Report(
        "equity",
        "Equity",
        period,
        "Referrals made in the period, by the age band, postcode district and needs their "
        "case records, beside public searches made from each district, and understood as "
        "each need, in the same period.",
        tables,
        _equity_links(age_table, district_table),
    )


NO_NEED_OR_UNDERSTOOD = "No need recorded or understood"


def _was_declined() -> sa.Label[int]:
    """1 for a referral declined (its status now), else 0."""
    return sa.case((col(Referral.status) == ReferralStatus.DECLINED, 1), else_=0).label(
        "was_declined"
    )


def _equity_links(ages: Table, districts: Table) -> list[Line]:
    """Every referral has one age band and one district: the two tables' totals of
    referrals declined, not declined and all are the same numbers. Needs are not linked: a
    person with two needs counts under each."""
    return [
        Line((ages.at("Total", by_age),), (districts.at("Total", by_district),))
        for by_age, by_district in (
            ("Declined", "Referrals declined"),
            ("Not declined", "Referrals not declined"),
            ("Referrals", "Referrals"),
        )
    ]


def _against_searches(
    key: str,
    title: str,
    heading: str,
    counted: dict[str, list[int]],
    order: Sequence[str],
    note: str,
) -> Table:
    """Searches, and referrals declined or not, by district or need (`counted`: label ->
    [searches, declined, not declined]). Searches and referrals are different people, so
    each part hides its small numbers against its own totals."""
    matrix = [[*counted[label], sum(counted[label][1:])] for label in order]
    matrix.append([sum(row[c] for row in matrix) for c in range(4)])
    rows: list[list[Cell]] = [
        [label, *row] for label, row in zip([*order, "Total"], matrix, strict=True)
    ]
    last = len(matrix) - 1
    sums = [Line(tuple((r, 1) for r in range(last)), ((last, 1),))]  # searches
    sums += [Line(((r, 2), (r, 3)), ((r, 4),)) for r in range(len(matrix))]
    sums += [Line(tuple((r, c) for r in range(last)), ((last, c),)) for c in (2, 3, 4)]
    table = Table(
        key,
        title,
        [heading, "Searches", "Referrals declined", "Referrals not declined", "Referrals"],
        rows if order else [],
        about_people=True,
        note=note,
        chart_column=4,
        x_label="Referrals",
    )
    if order:
        table.hide_counts(
            {(r, c + 1): n for r, row in enumerate(matrix) for c, n in enumerate(row)}, sums
        )
    return _chart_if_short(table)


# --- 5. listing health --------------------------------------------------------------------


def listing_health(session: Session, period: Period) -> Report:
    """Listings that need attention, by organisation: not checked within the period listings
    must be checked in, reported as wrong and not yet dealt with, with no way in (no
    referral route known) or nowhere to go (in person with no place)."""
    stale_before = clock.stale_before(clock.today())
    located = select(ServiceAtLocation.service_id).distinct()
    open_reports = (
        select(ListingReport.service_id).where(ListingReport.status == TaskStatus.OPEN).distinct()
    )
    stale = sa.case(
        (
            sa.or_(col(Service.last_verified).is_(None), col(Service.last_verified) < stale_before),
            1,
        ),
        else_=0,
    )
    flagged = sa.case((col(Service.id).in_(open_reports), 1), else_=0)
    no_route = sa.case(
        (
            sa.or_(
                col(Service.routes_known).is_(False),
                sa.and_(  # no route in of any kind
                    *(
                        col(getattr(Service, f"{code}_referral")).is_(False)
                        for code in REFERRAL_ROUTE_CODES
                    )
                ),
            ),
            1,
        ),
        else_=0,
    )
    no_place = sa.case(
        (sa.and_(col(Service.in_person).is_(True), col(Service.id).not_in(located)), 1), else_=0
    )
    found = session.execute(
        sa.select(
            col(Organisation.name),
            sa.func.sum(stale),
            sa.func.sum(flagged),
            sa.func.sum(no_route),
            sa.func.sum(no_place),
        )
        .join(Organisation, col(Organisation.id) == Service.organization_id)
        .where(col(Service.status) == ListingStatus.PUBLISHED)
        .group_by(col(Organisation.name))
        .order_by(col(Organisation.name))
    ).all()
    worth_showing = [row for row in found if any(row[1:])]
    table = counts_table(
        "listings-needing-attention",
        "Published listings that need attention, by organisation",
        label_heading="Organisation",
        labels=[row[0] for row in worth_showing],
        columns=[
            "Not checked in time",
            "Reported as wrong",
            "No referral route",
            "In person, no place",
        ],
        counts=[[int(n or 0) for n in row[1:]] for row in worth_showing],
        about_people=False,
        totals=True,
        note=f"Not checked in time: last checked before {stale_before:%-d %B %Y}, or never.",
        x_label="Listings",
    )
    table.chart_column = 1
    return Report(
        "listing-health",
        "Listing health",
        period,
        "Published listings as they are today (the period does not apply).",
        [table],
    )


REPORTS: dict[str, tuple[str, Callable[[Session, Period], Report]]] = {
    "demand": ("Demand and gaps", demand),
    "referrals": ("Referrals", referrals),
    "wellbeing": ("Wellbeing", wellbeing),
    "equity": ("Equity", equity),
    "listing-health": ("Listing health", listing_health),
}


def run(session: Session, name: str, period: Period) -> Report:
    """The report called `name` for the period; KeyError for an unknown name. The reports
    that show the same counts (TOGETHER) are made and hidden together, once per period and
    state of the data, so each shows the same counts hidden as the others."""
    if name not in TOGETHER:
        return REPORTS[name][1](session, period)
    return copy.deepcopy(_together(session, period)[name])


# --- the reports of one period, hidden together ---------------------------------------------

# The reports that repeat each other's counts (`_across`). Wellbeing counts people by their
# follow-ups and shows none of these counts (its own are hidden where under 5 people);
# listing health counts listings, not people.
TOGETHER = ("demand", "referrals", "equity")
HELD = "reports.together"
HELD_PERIODS = 12  # periods kept per state of the data


def _together(session: Session, period: Period) -> dict[str, Report]:
    """The TOGETHER reports of the period, hidden as one: made once per period and state of
    the data (`generation`) and held by the app; made afresh outside an app."""
    if not has_app_context():
        return make_together(session, period)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    holder: db.Held[OrderedDict[Period, dict[str, Report]]] = db.Held.of(app, HELD)
    by_period = holder.get(generation(session), lambda _previous: OrderedDict())
    with holder.lock:
        made = by_period.get(period)
    if made is None:
        made = make_together(session, period)
        with holder.lock:
            by_period[period] = made
            while len(by_period) > HELD_PERIODS:
                by_period.popitem(last=False)
    return made


def generation(session: Session) -> tuple[Any, ...]:
    """A value that changes whenever a count of the TOGETHER reports might have: searches
    added, removed or their words dropped; cases, referrals and their histories added,
    edited or removed; the catalogue (services, organisations, needs met) and the needs'
    words. Three small queries of counts and latest changes."""
    return (
        db.generation(
            session,
            _search_log_parts()
            + db.count_and_latest(sa.inspect(Case).local_table)
            + db.count_and_latest(sa.inspect(Referral).local_table)
            + db.row_count(sa.inspect(ReferralStatusChange).local_table),
        ),
        published.generation(session),
        needs_vocabulary.generation(session),
    )


def _search_log_parts() -> list[Any]:
    """The search log's part of a generation: how many searches, the first and the last
    (retention removes the oldest), and how many have had their words dropped."""
    searches = sa.inspect(SearchLog).local_table
    return [
        sa.select(sa.func.count()).select_from(searches).scalar_subquery(),
        sa.select(sa.func.min(searches.c.searched_at)).scalar_subquery(),
        sa.select(sa.func.max(searches.c.searched_at)).scalar_subquery(),
        sa.select(sa.func.count())
        .select_from(searches)
        .where(searches.c.words_dropped.is_(True))
        .scalar_subquery(),
    ]


def make_together(session: Session, period: Period) -> dict[str, Report]:
    """The TOGETHER reports of the period, each made (what two of them count alike counted
    once: `_once`), then all hidden as one (`_across`)."""
    session.info[SHARED] = {}
    try:
        made = {name: REPORTS[name][1](session, period) for name in TOGETHER}
    finally:
        session.info.pop(SHARED, None)
    hide_across(list(made.values()), _across(made))
    return made


SHARED = "reports.shared"
V = TypeVar("V")


def _once(session: Session, key: Hashable, count: Callable[[], V]) -> V:
    """`count()`, kept while reports are made together (make_together) so that a second
    report asking for the same numbers reads them again from memory, not the database."""
    shared: dict[Hashable, Any] | None = session.info.get(SHARED)
    if shared is None:
        return count()
    if key not in shared:
        shared[key] = count()
    found: V = shared[key]
    return found


def _across(made: dict[str, Report]) -> list[Line]:
    """The counts the reports of one period repeat, by (report, table, row, column):
    - a district's searches (demand: the row's total; equity: its searches), and the
      searches in all; "No place given" is equity's "No district given";
    - a need's searches (demand: the row's total; equity: its searches), and the total;
      searches understood as no need are equity's "No need recorded or understood";
    - a need's referrals (referrals; equity: its referrals), and the total; referrals with
      no need recorded are equity's "No need recorded or understood";
    - the referrals made (referrals: by month; equity: by age band, and so by district);
    - the referrals declined: a decline ends a referral and is recorded once, so the
      declines by reason add up to the referrals whose status is declined (equity)."""
    demand, referrals, equity = made["demand"], made["referrals"], made["equity"]
    links = [
        *_same_rows(
            demand,
            "searches-by-district",
            None,
            equity,
            "referrals-by-district",
            "Searches",
            {NO_PLACE: NO_DISTRICT},
        ),
        *_same_rows(
            demand,
            "searches-by-need",
            None,
            equity,
            "referrals-by-need",
            "Searches",
            {NOT_UNDERSTOOD: NO_NEED_OR_UNDERSTOOD},
        ),
        *_same_rows(
            referrals,
            "referrals-by-need",
            "Referrals",
            equity,
            "referrals-by-need",
            "Referrals",
            {NO_NEED: NO_NEED_OR_UNDERSTOOD},
        ),
    ]
    for (name, table, row, heading), (other, other_row, other_heading) in [
        (
            ("referrals", "referrals-by-month", "Total", None),
            ("referrals-by-age", "Total", "Referrals"),
        ),
        (
            ("referrals", "declines", "Total", "Referrals"),
            ("referrals-by-age", "Total", "Declined"),
        ),
    ]:
        one = _cell(made[name], table, row, heading)
        two = _cell(equity, other, other_row, other_heading)
        if one is not None and two is not None:
            links.append(Line((one,), (two,)))
    return links


def _cell(
    report: Report, key: str, row: str, heading: str | None
) -> tuple[str, str, int, int] | None:
    """A count's name across reports: (report, table, row, column); None where the report
    has no such table or column. `heading` None: the last column (a row's total, or its
    only count)."""
    table = report.table(key)
    if table is None or (heading is not None and heading not in table.headings):
        return None
    return (report.name, *table.at(row, heading or table.headings[-1]))


def _same_rows(
    one: Report,
    key: str,
    heading: str | None,
    other: Report,
    other_key: str,
    other_heading: str,
    renamed: dict[str, str],
) -> list[Line]:
    """Each row of one table (and its total) shown again as the row of the same name (or
    as `renamed`) of another: one line per row."""
    table = one.table(key)
    links = []
    for row in table.rows if table is not None else []:
        label = str(row[0])
        mine = _cell(one, key, label, heading)
        theirs = _cell(other, other_key, renamed.get(label, label), other_heading)
        if mine is not None and theirs is not None:
            links.append(Line((mine,), (theirs,)))
    return links
