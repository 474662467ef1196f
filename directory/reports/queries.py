"""Every report's numbers: the one module that pages, CSV, JSON and the `report` command
read. Each function takes a session and a period and returns a Report whose tables have
small numbers about people already hidden (suppression.py).

Counts are computed in the database where they are plain, and in Python over a column
select where a row holds a list (a search's understood needs), which stays under a second
at 100,000 searches (benchmarks/reports_bench.py).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from directory import clock
from directory.catalogue import needs as needs_vocabulary
from directory.catalogue import published
from directory.geo import postcodes
from directory.models import (
    Capacity,
    Case,
    ListingReport,
    ListingStatus,
    Location,
    Organisation,
    SearchLog,
    Service,
    ServiceAtLocation,
    ServiceTaxonomyTerm,
    TaskStatus,
)
from directory.reports.suppression import THRESHOLD
from directory.reports.tables import Period, Report, Table, counts_table
from matcher.distance import miles_between

NOT_UNDERSTOOD = "Not understood as a need"
NO_PLACE = "No place given"
URGENT_KINDS = {"self": "Suicide and self-harm", "abuse": "Abuse and violence"}
GAP_MILES = (1, 3, 5)


def _bounds(period: Period) -> tuple[datetime, datetime]:
    start = datetime.combine(period.start, time.min, tzinfo=UTC)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=UTC)
    return start, end


def _week_of(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday())


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
    rows = session.execute(
        sa.select(
            col(SearchLog.searched_at),
            col(SearchLog.needs),
            col(SearchLog.place),
            col(SearchLog.results),
            col(SearchLog.urgent_kind),
            col(SearchLog.query),
            col(SearchLog.words_dropped),
        ).where(col(SearchLog.searched_at) >= start, col(SearchLog.searched_at) < end)
    ).all()
    labels = _need_labels(session)
    weeks = _weeks(period)
    column_of = {week: n for n, week in enumerate(weeks)}
    by_need: dict[str, list[int]] = defaultdict(lambda: [0] * len(weeks))
    by_place: dict[str, list[int]] = defaultdict(lambda: [0] * len(weeks))
    empty_by_need: Counter[str] = Counter()
    urgent: Counter[str] = Counter()
    empty_words: Counter[str] = Counter()
    for searched_at, understood, place, results, urgent_kind, words, dropped in rows:
        week = column_of.get(_week_of(searched_at))
        if week is None:
            continue
        codes = [code for code in (understood or []) if code in labels] or [""]
        for code in codes:
            by_need[code][week] += 1
            if results == 0:
                empty_by_need[code] += 1
        by_place[place or ""][week] += 1
        if urgent_kind:
            urgent[urgent_kind] += 1
        if results == 0 and not dropped and words.strip():
            empty_words[" ".join(words.lower().split())] += 1

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
        _gaps(session, period, by_place, labels),
        _full_services(session, labels),
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
    session: Session, period: Period, by_place: dict[str, list[int]], labels: dict[str, str]
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
    sites = _sites_by_need(session, labels)
    rows = []
    for district in sorted(d for d, n in people.items() if n >= THRESHOLD):
        try:
            centre = postcodes.lookup_district(district)
        except postcodes.PostcodeError:
            continue  # a place name, not a district
        nearest = {
            code: min(
                (miles_between(centre.latitude, centre.longitude, lat, lon) for lat, lon in spots),
                default=float("inf"),
            )
            for code, spots in sites.items()
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
    session: Session, labels: dict[str, str]
) -> dict[str, list[tuple[float, float]]]:
    terms = {need.term_id: need.code for need in needs_vocabulary.read(session).needs}
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


def _full_services(session: Session, labels: dict[str, str]) -> Table:
    terms = {need.term_id: need.code for need in needs_vocabulary.read(session).needs}
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
                sa.and_(
                    col(Service.self_referral).is_(False),
                    col(Service.professional_referral).is_(False),
                    col(Service.gp_referral).is_(False),
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
    "listing-health": ("Listing health", listing_health),
}


def run(session: Session, name: str, period: Period) -> Report:
    """The report called `name` for the period; KeyError for an unknown name."""
    return REPORTS[name][1](session, period)
