"""Reports: small numbers hidden by one rule, and each report's numbers against a known set
of searches and listings built here, with the expected numbers written out by hand."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import time_machine
from accounts_helpers import TEA, add_people, client_for
from reports_helpers import CASES_PERIOD, add_cases
from sqlmodel import Session, select

from directory import db
from directory.models import SearchLog, Service
from directory.referrals.cases import age_band
from directory.reports import charts, queries
from directory.reports.suppression import FEWER_THAN_5, Line, suppress
from directory.reports.tables import Period, PeriodError, counts_table, csv_text, hide_together
from directory.search import retention

# --- the one rule ---------------------------------------------------------------------------


def test_counts_of_1_to_4_are_hidden_and_0_and_5_are_shown():
    assert suppress([[0], [1], [4], [5]]) == [[0], [None], [None], [5]]


def test_a_single_hidden_count_in_a_row_with_its_total_hides_the_next_smallest():
    # 3 alone hidden beside 12 = 3 + 9 would be 12 - 9: so 9 is hidden too
    assert suppress([[3, 9, 20, 32]], total_column=True) == [[None, None, 20, 32]]


def test_a_row_whose_other_members_are_zero_hides_its_total_instead():
    assert suppress([[0, 2, 0, 2]], total_column=True) == [[0, None, 0, None]]


def test_hiding_spreads_down_columns_until_no_line_has_a_single_hidden_count():
    counts = [
        [2, 10, 12],
        [8, 7, 15],
        [10, 17, 27],  # the totals
    ]
    hidden = suppress(counts, total_column=True, total_row=True)
    for line in [*hidden, *zip(*hidden, strict=True)]:
        assert sum(cell is None for cell in line) != 1, hidden
    assert hidden[0][0] is None


def test_counts_table_hides_for_people_and_not_for_listings():
    people = counts_table(
        "t",
        "T",
        label_heading="Need",
        labels=["A", "B"],
        columns=["n"],
        counts=[[4], [30]],
        about_people=True,
    )
    # 34 - 30 would tell the 4: the 30 is hidden too
    assert people.cells() == [["A", FEWER_THAN_5], ["B", FEWER_THAN_5], ["Total", 34]]
    listings = counts_table(
        "t",
        "T",
        label_heading="Need",
        labels=["A", "B"],
        columns=["n"],
        counts=[[4], [30]],
        about_people=False,
    )
    assert listings.cells() == [["A", 4], ["B", 30], ["Total", 34]]


def test_a_single_column_with_a_total_hides_a_second_count_so_the_total_keeps_it_hidden():
    table = counts_table(
        "t",
        "T",
        label_heading="Need",
        labels=["A", "B", "C"],
        columns=["n"],
        counts=[[3], [40], [7]],
        about_people=True,
    )
    assert table.cells() == [["A", FEWER_THAN_5], ["B", 40], ["C", FEWER_THAN_5], ["Total", 50]]


def test_csv_is_the_table_shown_and_a_formula_cannot_run():
    table = counts_table(
        "t",
        "T",
        label_heading="Words",
        labels=['=HYPERLINK("x")', "ok"],
        columns=["n"],
        counts=[[2], [9]],
        about_people=True,
    )
    rows = list(csv.reader(io.StringIO(csv_text(table))))
    assert rows == [
        ["Words", "n"],
        ['\'=HYPERLINK("x")', FEWER_THAN_5],
        ["ok", FEWER_THAN_5],
        ["Total", "11"],
    ]


def test_hidden_counts_that_add_up_to_their_number_are_not_all_told_to_be_1():
    # 1 and 1 hidden beside 10 and 12 would be 12 - 10 = 2 between them: each is 1
    assert suppress([[1, 1, 10, 12]], total_column=True) == [[None, None, None, 12]]


def _told(hidden, lines):
    """The hidden counts that adding and subtracting lines of counts would tell, worked out
    apart from the code under test: a hidden count is told when its own row (1 for it, 0
    for the other hidden counts) is a combination of the lines' rows over the hidden
    counts, that is when adding that row does not raise the rank. Shown counts are known
    numbers, so they drop out. `lines`: (parts, wholes), the parts adding up to the wholes.
    """
    order = sorted(hidden, key=repr)
    rows = [
        [parts.count(cell) - wholes.count(cell) for cell in order] for parts, wholes in lines
    ] or [[0] * len(order)]
    rank = np.linalg.matrix_rank(np.array(rows))
    return {
        cell
        for n, cell in enumerate(order)
        if np.linalg.matrix_rank(np.array([*rows, [int(m == n) for m in range(len(order))]]))
        == rank
    }


def _grid_lines(height, width):
    """(parts, wholes) of a grid whose last row and last column are totals."""
    rows = [([(r, c) for c in range(width - 1)], [(r, width - 1)]) for r in range(height)]
    columns = [([(r, c) for r in range(height - 1)], [(height - 1, c)]) for c in range(width)]
    return rows + columns


def test_a_count_no_single_line_tells_is_hidden_when_lines_together_would_tell_it():
    counts = [
        [1, 2, 50, 60],
        [3, 1, 2, 70],
        [80, 90, 1, 2],
        [55, 65, 3, 4],
    ]
    grid = [[*row, sum(row)] for row in counts]
    grid.append([sum(row[c] for row in grid) for c in range(5)])  # 139 158 56 136 489
    # The small ones alone leave no row or column with a single hidden count, yet the 2 in
    # row 2, column 3 would be told: rows 1 and 2 hide 113 - 50 - 60 + 76 - 70 = 9, of
    # which columns 1 and 2 hide 139 - 80 - 55 + 158 - 90 - 65 = 7; 9 - 7 = 2. So the 50
    # beside it (the smallest count that sum uses) is hidden too.
    hidden = suppress(grid, total_column=True, total_row=True)
    assert hidden == [
        [None, None, None, 60, 113],
        [None, None, None, 70, 76],
        [80, 90, None, None, 173],
        [55, 65, None, None, 127],
        [139, 158, 56, 136, 489],
    ]
    cells = {(r, c) for r, row in enumerate(hidden) for c, n in enumerate(row) if n is None}
    assert _told(cells, _grid_lines(5, 5)) == set()
    assert _told(cells - {(0, 2)}, _grid_lines(5, 5)) == {(1, 2)}  # as it was


def _one_column(key, labels, counts):
    return counts_table(
        key,
        key,
        label_heading="Organisation",
        labels=labels,
        columns=["Referrals"],
        counts=[[n] for n in counts],
        about_people=True,
    )


@pytest.mark.parametrize("small", [3, 4, 5])
def test_a_count_hidden_in_one_table_cannot_be_worked_out_from_another(small):
    # referrals by organisation: X `small`, Y 8, Z 20; Y never replied, so the table of
    # organisations that never replied shows Y's 8 again
    by_organisation = _one_column("by-organisation", ["X", "Y", "Z"], [small, 8, 20])
    never = _one_column("never-replied", ["Y"], [8])
    if small < 5:
        # each table alone: X is hidden, and Y beside it, but the other table shows Y,
        # and 28 + small - 20 - 8 tells X
        assert by_organisation.cells() == [["X", F], ["Y", F], ["Z", 20], ["Total", 28 + small]]
        assert never.cells() == [["Y", 8], ["Total", 8]]
        assert by_organisation.cells()[-1][1] - 20 - never.cells()[0][1] == small
    same = Line((never.at("Y", "Referrals"),), (by_organisation.at("Y", "Referrals"),))
    hide_together([by_organisation, never], [same])
    if small < 5:
        assert by_organisation.cells() == [["X", F], ["Y", F], ["Z", 20], ["Total", 28 + small]]
        assert never.cells() == [["Y", F], ["Total", F]]
    else:
        assert by_organisation.cells() == [["X", 5], ["Y", 8], ["Z", 20], ["Total", 33]]
        assert never.cells() == [["Y", 8], ["Total", 8]]


# --- periods ------------------------------------------------------------------------------


def test_the_default_period_is_the_last_3_months():
    period = Period.read(None, None, date(2026, 12, 7))
    assert (period.start, period.end) == (date(2026, 9, 8), date(2026, 12, 7))


@pytest.mark.parametrize(
    ("start", "end", "said"),
    [
        ("2026-13-01", "", "must be a real date"),
        ("2026-10-01", "2026-09-01", "on or before"),
        ("2020-01-01", "2026-01-01", "at most 3 years"),
    ],
)
def test_a_period_that_cannot_be_used_says_why(start, end, said):
    with pytest.raises(PeriodError, match=said):
        Period.read(start, end, date(2026, 12, 7))


# --- demand and gaps, against a known set of searches ---------------------------------------

MONDAY = datetime(2026, 11, 2, 10, tzinfo=UTC)  # a Monday in the period
PERIOD = Period(date(2026, 11, 2), date(2026, 11, 15))  # two weeks


def _search(when, needs=(), place="", results=3, urgent="", words="", dropped=False):
    return SearchLog(
        searched_at=when,
        query=words,
        place=place,
        results=results,
        needs=list(needs),
        urgent_kind=urgent,
        crisis=bool(urgent),
        words_dropped=dropped,
    )


@pytest.fixture
def searched(small_app):
    week2 = MONDAY + timedelta(days=7)
    rows = (
        [_search(MONDAY, ["loneliness"], "LS6") for _ in range(6)]
        + [_search(week2, ["loneliness"], "LS6") for _ in range(2)]
        + [_search(week2, ["money_debt"], "LS7", results=0, words="Skint  help") for _ in range(5)]
        + [_search(week2, [], "", results=0, words="my secret name") for _ in range(1)]
        + [_search(MONDAY, ["domestic_abuse"], "LS6", urgent="abuse") for _ in range(3)]
        # outside the period: counted nowhere
        + [_search(MONDAY - timedelta(days=1), ["loneliness"], "LS6") for _ in range(9)]
    )
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        session.add_all(rows)
        session.commit()
    return small_app


def _run(app, name, period=PERIOD):
    with app.app_context(), Session(app.extensions[db.ENGINE_KEY]) as session:
        return queries.run(session, name, period)


def test_searches_by_need_week_by_week_with_small_numbers_hidden(searched):
    made = _run(searched, "demand")
    table = made.table("searches-by-need")
    labels = {row[0]: row[1:] for row in table.cells()}
    assert table.headings == ["Need", "w/c 2 Nov", "w/c 9 Nov", "Total"]
    # loneliness 6 then 2: the 2 is hidden, and so the 6 beside it (the total would tell)
    loneliness = next(v for k, v in labels.items() if k.lower().startswith("loneliness"))
    assert loneliness == [FEWER_THAN_5, FEWER_THAN_5, 8]
    assert labels["Not understood as a need"] == [0, FEWER_THAN_5, FEWER_THAN_5]
    assert labels["Total"][-1] == 6 + 2 + 5 + 1 + 3


def test_searches_that_found_nothing_by_need_and_their_words_only_when_typed_5_times(searched):
    made = _run(searched, "demand")
    empty = {row[0]: row[1] for row in made.table("no-results-by-need").cells()}
    assert empty["Total"] == 6
    words = made.table("no-results-words").cells()
    assert words == [["skint help", 5]]  # "my secret name" was typed once: never shown


def test_urgent_help_is_counted_by_kind_only(searched):
    made = _run(searched, "demand")
    assert made.table("urgent-help").cells() == [
        ["Abuse and violence", FEWER_THAN_5],
        ["Total", FEWER_THAN_5],
    ]


def test_searches_by_district_and_the_gaps_near_districts_with_5_or_more(searched):
    made = _run(searched, "demand")
    by_district = {row[0]: row[-1] for row in made.table("searches-by-district").cells()}
    # the 1 search with no place would be 17 - 11 - 5: so LS7's 5 is hidden too
    assert by_district == {
        "LS6": 11,
        "LS7": FEWER_THAN_5,
        "No place given": FEWER_THAN_5,
        "Total": 17,
    }
    gaps = {row[0]: row[1:] for row in made.table("gaps").cells()}
    assert set(gaps) == {"LS6", "LS7"}  # both have at least 5 searches
    assert all(isinstance(cell, str) for cells in gaps.values() for cell in cells)


def test_words_are_dropped_after_the_retention_period_and_the_needs_kept(searched):
    with Session(searched.extensions[db.ENGINE_KEY]) as session:
        dropped = retention.drop_old_words(session, 30, MONDAY + timedelta(days=31))
        assert dropped == 9 + 6 + 3  # the searches made on or before that Monday
        kept = session.exec(select(SearchLog).where(SearchLog.words_dropped)).all()
        assert {row.query for row in kept} == {""}
        assert any(row.needs == ["loneliness"] for row in kept)
        assert retention.drop_old_words(session, 30, MONDAY + timedelta(days=31)) == 0


def test_listing_health_counts_listings_needing_attention_by_organisation(small_app):
    made = _run(small_app, "listing-health")
    table = made.table("listings-needing-attention")
    assert table.headings[0] == "Organisation" and table.headings[-1] == "Total"
    assert not table.about_people
    assert table.cells()[-1][0] == "Total"


def test_a_listing_reached_only_through_the_practice_has_a_referral_route(small_app):
    def without_route() -> int:
        table = _run(small_app, "listing-health").table("listings-needing-attention")
        return table.cells()[-1][table.headings.index("No referral route")]

    before = without_route()
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        tea = session.get(Service, TEA)
        tea.set_referral_routes(["mhp"])  # through the practice's mental health practitioner
        session.add(tea)
        session.commit()
    assert without_route() == before
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        tea = session.get(Service, TEA)
        tea.set_referral_routes([])
        session.add(tea)
        session.commit()
    assert without_route() == before + 1


# --- the command and the pages --------------------------------------------------------------


def test_the_report_command_prints_the_same_numbers_as_json_and_csv(searched):
    runner = searched.test_cli_runner()
    as_json = runner.invoke(
        args=["report", "demand", "--from", "2026-11-02", "--to", "2026-11-15", "--format", "json"]
    )
    assert as_json.exit_code == 0, as_json.output
    made = json.loads(as_json.output)
    by_need = next(t for t in made["tables"] if t["key"] == "searches-by-need")
    assert by_need["rows"][-1][-1] == 17
    as_csv = runner.invoke(
        args=["report", "demand", "--from", "2026-11-02", "--to", "2026-11-15", "--format", "csv"]
    )
    assert "skint help,5" in as_csv.output
    refused = runner.invoke(args=["report", "demand", "--from", "2026-11-31"])
    assert refused.exit_code != 0 and "must be a real date" in refused.output


def test_managers_see_reports_with_charts_tables_and_csv_and_others_do_not(searched):
    add_people(searched)
    manager = client_for(searched, "manager")
    page = manager.get("/manage/reports/demand?from=2026-11-02&to=2026-11-15")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="signpost-chart" role="img"' in text
    assert '<title id="chart-searches-by-need-title">' in text
    assert FEWER_THAN_5 in text and "my secret name" not in text
    download = manager.get(
        "/manage/reports/demand/no-results-words.csv?from=2026-11-02&to=2026-11-15"
    )
    assert download.mimetype == "text/csv"
    assert download.get_data(as_text=True) == "Words searched,Searches\r\nskint help,5\r\n"
    wrong = manager.get("/manage/reports/demand?from=yesterday")
    assert wrong.status_code == 400 and "must be a real date" in wrong.get_data(as_text=True)
    assert client_for(searched, "linkworker").get("/manage/reports/demand").status_code == 403


# --- referrals, wellbeing and equity, against a known set of cases (tests/reports_helpers) ---

F = FEWER_THAN_5


@pytest.fixture
def cases(small_app):
    add_cases(small_app)
    return small_app


def _cells(app, name, key, period=CASES_PERIOD):
    table = _run(app, name, period).table(key)
    assert table is not None, key
    return table.cells()


def test_referrals_by_month_and_route(cases):
    made = _run(cases, "referrals", CASES_PERIOD)
    table = made.table("referrals-by-month")
    assert table.headings == [
        "Month",
        "Self-referral, supported",
        "Referred by the link worker",
        "Total",
    ]
    # November's 4 self-referrals are hidden, and so the 6 beside them and the 12 below
    assert table.cells() == [
        ["October 2026", 0, 6, 6],
        ["November 2026", F, F, 10],
        ["Total", F, F, 16],
    ]


def test_referrals_by_need_count_a_person_with_two_needs_under_each(cases):
    # loneliness 6 + 1, money worries 4 + 1 (5 is shown), no need 5
    assert _cells(cases, "referrals", "referrals-by-need") == [
        ["Loneliness and isolation", 7],
        ["Money worries and debt", 5],
        ["No need recorded", 5],
        ["Total", 17],
    ]


def test_referrals_by_service_and_by_organisation(cases):
    # services: Armley Walks 5, Evening Listening Line 4, Money Worries Clinic 1, Tuesday
    # Tea and Chat 6; organisations: Armley Walking Group 5 (Armley Walks), Chapeltown 4
    # (the Listening Line), Hyde Park 7 (Tea and Chat 6 + Money Worries 1).
    # Hyde Park's 7 - Tea and Chat's 6 would tell Money Worries' 1: Tea and Chat is hidden.
    # Chapeltown's 4 alone would be 16 - 7 - 5: Armley's 5 is hidden, and so Armley Walks'
    # 5 (the same number, Armley's only service)
    assert _cells(cases, "referrals", "referrals-by-service") == [
        ["Armley Walks", F],
        ["Evening Listening Line", F],
        ["Money Worries Clinic", F],
        ["Tuesday Tea and Chat", F],
        ["Total", 16],
    ]
    assert _cells(cases, "referrals", "referrals-by-organisation") == [
        ["Armley Walking Group", F],
        ["Chapeltown Listening Line", F],
        ["Hyde Park Friends Network", 7],
        ["Total", 16],
    ]


def test_declines_by_reason_hide_counts_under_5(cases):
    assert _cells(cases, "referrals", "declines") == [
        ["Not eligible", F],
        ["No capacity", F],
        ["Total", F],
    ]


def test_time_to_first_reply_and_acceptance_median_and_90th_percentile(cases):
    # replies after 1 1 1 2 2 10 days (A) and 3 3 3 3 (B, the provider's decline):
    # median of 1 1 1 2 2 3 3 3 3 10 is 2.5; the 90th percentile is the 9th of 10: 3
    # acceptance after 1 1 1 2 2 12: median 1.5, 90th percentile the 6th of 6: 12
    assert _cells(cases, "referrals", "time-to-reply") == [
        ["Time to first reply", 10, 2.5, 3.0],
        ["Time to acceptance", 6, 1.5, 12.0],
    ]


def test_times_need_at_least_5_referrals(cases):
    november = Period(date(2026, 11, 1), date(2026, 11, 30))
    assert _cells(cases, "referrals", "time-to-reply", november) == [
        ["Time to first reply", F, F, F],  # only B's 4 replies
        ["Time to acceptance", 0, "none", "none"],
    ]


def test_attendance_of_accepted_referrals(cases):
    # attended 5 (one after first not attending), did not attend 1: the 1 would be 6 - 5
    assert _cells(cases, "referrals", "attendance") == [
        ["Attended", F],
        ["Did not attend", F],
        ["Not recorded yet", 0],
        ["Total", 6],
    ]


def test_providers_who_never_reply(cases):
    # Chapeltown declined (a reply) and Hyde Park replied; Armley's 5 had no answer, but
    # shown here it would tell Chapeltown's 4 in referrals by organisation (16 - 7 - 5)
    assert _cells(cases, "referrals", "providers-never-reply") == [
        ["Armley Walking Group", F],
        ["Total", F],
    ]


def test_median_and_90th_percentile_by_nearest_rank():
    assert queries.median_and_p90([5, 1, 3, 2, 4]) == (3, 5)
    assert queries.median_and_p90([1.0] * 9 + [20.0]) == (1.0, 1.0)
    assert queries.median_and_p90(list(range(1, 21))) == (10.5, 18)


def test_wellbeing_start_against_the_latest_follow_up(cases):
    # 11 people (A 6, B 4, C 1); life satisfaction 47 -> 58 of 110 points, and so on
    assert _cells(cases, "wellbeing", "ons4-change") == [
        ["Life satisfaction", 11, 4.3, 5.3, 1.0, F],
        ["Worthwhile", 11, 4.7, 5.3, 0.5, 55],
        ["Happy", 11, 4.3, 4.9, 0.6, F],
        ["Anxious", 11, 6.4, 5.5, -0.9, F],
    ]


def test_wellbeing_distribution_with_anxiety_falling_as_better(cases):
    assert _run(cases, "wellbeing", CASES_PERIOD).table("ons4-distribution").headings == [
        "Item",
        "Worse by 2 or more",
        "Worse by 1",
        "No change",
        "Better by 1",
        "Better by 2 or more",
        "People",
    ]
    # life satisfaction: 0 1 4 1 5; worthwhile 0 0 5 6 0; happy 0 0 5 5 1; anxious 0 1 5 1 4
    # (the share improved of life satisfaction, 6 of 11, would tell the hidden 1: hidden)
    assert _cells(cases, "wellbeing", "ons4-distribution") == [
        ["Life satisfaction", 0, F, F, F, 5, 11],
        ["Worthwhile", 0, 0, 5, 6, 0, 11],
        ["Happy", 0, 0, F, 5, F, 11],
        ["Anxious", 0, F, 5, F, F, 11],
    ]


def test_wellbeing_by_need_and_by_service_shown_from_5_people(cases):
    # loneliness: A and C, 7 people; money worries: B and C, 5; each share improved would
    # tell a count of 1 to 4 (improved or not)
    assert _cells(cases, "wellbeing", "wellbeing-by-need") == [
        ["Loneliness and isolation", 7, 1.6, 0.9, 1.0, -1.4, F, F, F, F],
        ["Money worries and debt", 5, 0.4, 0.2, 0.2, -0.2, F, F, F, F],
    ]
    assert _cells(cases, "wellbeing", "wellbeing-by-service") == [
        ["Evening Listening Line", F, F, F, F, F, F, F, F, F],
        ["Money Worries Clinic", F, F, F, F, F, F, F, F, F],
        ["Tuesday Tea and Chat", 6, 1.5, 0.8, 1.0, -1.5, F, F, F, F],
    ]


def test_referrals_and_declines_by_age_band(cases):
    # 16-17 from the band recorded, 18-24 and 65-74 from ages; the 12 not declined would
    # tell the 1 not recorded (12 - 5 - 6): hidden
    assert _cells(cases, "equity", "referrals-by-age") == [
        ["16-17", 0, 5, 5],
        ["18-24", 0, 6, 6],
        ["65-74", F, 0, F],
        [queries.NOT_RECORDED, 0, F, F],
        ["Total", F, F, 16],
    ]


def test_referrals_and_searches_by_district(cases):
    table = _run(cases, "equity", CASES_PERIOD).table("referrals-by-district")
    assert table.headings == [
        "Postcode district",
        "Searches",
        "Referrals declined",
        "Referrals not declined",
        "Referrals",
    ]
    assert table.cells() == [
        ["LS6", 8, 0, 11, 11],
        ["LS7", F, F, 0, F],
        ["LS9", 5, 0, 0, 0],
        ["No district given", F, 0, F, F],
        ["Total", 18, F, F, 16],
    ]


def test_searches_and_referrals_by_need(cases):
    # searches: loneliness 8, money worries 5, domestic abuse 4, not understood 3 (20, with
    # 2 searches under two needs); referrals: loneliness 7 (A 6, C 1), money worries 5 (B's
    # 4 declined, C 1), no need 5 (D). Money worries' 4 declined and 1 not are hidden; the
    # 4 declined in all is hidden, and so the 13 not declined (17 - 13 would tell it).
    # Domestic abuse's 4 searches are hidden, and so the next smallest, the 3 not understood
    table = _run(cases, "equity", CASES_PERIOD).table("referrals-by-need")
    assert table.headings == [
        "Need",
        "Searches",
        "Referrals declined",
        "Referrals not declined",
        "Referrals",
    ]
    assert table.cells() == [
        ["Domestic abuse and safety", F, 0, 0, 0],
        ["Loneliness and isolation", 8, 0, 7, 7],
        ["Money worries and debt", 5, F, F, 5],
        [queries.NO_NEED_OR_UNDERSTOOD, F, 0, 5, 5],
        ["Total", 20, F, F, 17],
    ]
    assert table.chart_column == 4


def test_searches_and_referrals_by_need_in_the_period_only(cases):
    october = Period(date(2026, 10, 1), date(2026, 10, 31))
    # October: A's 6 referrals (loneliness), no searches
    assert _cells(cases, "equity", "referrals-by-need", october) == [
        ["Loneliness and isolation", 0, 0, 6, 6],
        ["Total", 0, 0, 6, 6],
    ]


def _column(key, labels, heading="Referrals"):
    """(parts, wholes) of a table's column whose last row is its total, by (table, row,
    column) as labelled."""
    return ([(key, label, heading) for label in labels], [(key, "Total", heading)])


def _same(*cells):
    return [([cells[0]], [cell]) for cell in cells[1:]]


def _hidden_counts(report):
    return {
        (table.key, row[0], heading)
        for table in report.tables
        for row in table.cells()
        for heading, cell in zip(table.headings[1:], row[1:], strict=True)
        if cell == F
    }


def _referral_lines():
    """Every way the referrals report's numbers add up, written out here: within each
    table, and across them."""
    month, routes = (
        "referrals-by-month",
        ["Self-referral, supported", "Referred by the link worker"],
    )
    lines = [
        ([(month, m, route) for route in routes], [(month, m, "Total")])
        for m in ["October 2026", "November 2026", "Total"]
    ]
    for heading in [*routes, "Total"]:
        lines.append(_column(month, ["October 2026", "November 2026"], heading))
    services = ["Armley Walks", "Evening Listening Line", "Money Worries Clinic"]
    services.append("Tuesday Tea and Chat")
    organisations = ["Armley Walking Group", "Chapeltown Listening Line"]
    organisations.append("Hyde Park Friends Network")
    lines += [
        _column("referrals-by-service", services),
        _column("referrals-by-organisation", organisations),
        _column("declines", ["Not eligible", "No capacity"]),
        _column("attendance", ["Attended", "Did not attend", "Not recorded yet"]),
        _column("providers-never-reply", ["Armley Walking Group"]),
        _column(
            "referrals-by-need",
            ["Loneliness and isolation", "Money worries and debt", "No need recorded"],
        ),
    ]
    # across tables: one total; each service's organisation; the same organisation twice;
    # the accepted referrals twice
    lines += _same(
        (month, "Total", "Total"),
        ("referrals-by-service", "Total", "Referrals"),
        ("referrals-by-organisation", "Total", "Referrals"),
    )
    org = "referrals-by-organisation"
    lines += _same(
        ("referrals-by-service", "Armley Walks", "Referrals"),
        (org, "Armley Walking Group", "Referrals"),
    )
    lines += _same(
        ("referrals-by-service", "Evening Listening Line", "Referrals"),
        (org, "Chapeltown Listening Line", "Referrals"),
    )
    lines.append(
        (
            [
                ("referrals-by-service", "Money Worries Clinic", "Referrals"),
                ("referrals-by-service", "Tuesday Tea and Chat", "Referrals"),
            ],
            [(org, "Hyde Park Friends Network", "Referrals")],
        )
    )
    lines += _same(
        ("providers-never-reply", "Armley Walking Group", "Referrals"),
        (org, "Armley Walking Group", "Referrals"),
    )
    lines += _same(
        ("attendance", "Total", "Referrals"), ("time-to-reply", "Time to acceptance", "Referrals")
    )
    return lines


def test_no_hidden_referral_count_can_be_worked_out_from_the_reports_tables(cases):
    made = _run(cases, "referrals", CASES_PERIOD)
    lines = _referral_lines()
    hidden = _hidden_counts(made)
    assert ("referrals-by-organisation", "Chapeltown Listening Line", "Referrals") in hidden
    assert _told(hidden, lines) == set()


def _equity_lines():
    lines = []
    for key, labels, parts in [
        (
            "referrals-by-age",
            ["16-17", "18-24", "65-74", queries.NOT_RECORDED],
            ["Declined", "Not declined"],
        ),
        (
            "referrals-by-district",
            ["LS6", "LS7", "LS9", "No district given"],
            ["Referrals declined", "Referrals not declined"],
        ),
    ]:
        for label in [*labels, "Total"]:
            lines.append(([(key, label, part) for part in parts], [(key, label, "Referrals")]))
        for heading in [*parts, "Referrals"]:
            lines.append(_column(key, labels, heading))
    lines.append(
        _column("referrals-by-district", ["LS6", "LS7", "LS9", "No district given"], "Searches")
    )
    for by_age, by_district in [
        ("Declined", "Referrals declined"),
        ("Not declined", "Referrals not declined"),
        ("Referrals", "Referrals"),
    ]:
        lines += _same(
            ("referrals-by-age", "Total", by_age), ("referrals-by-district", "Total", by_district)
        )
    return lines


def test_no_hidden_equity_count_can_be_worked_out_from_the_reports_tables(cases):
    made = _run(cases, "equity", CASES_PERIOD)
    assert _told(_hidden_counts(made), _equity_lines()) == set()


@pytest.mark.parametrize(
    "period",
    [
        Period(date(2026, 11, 1), date(2026, 11, 4)),  # searches, no referral
        Period(date(2025, 1, 1), date(2025, 1, 31)),  # nothing
    ],
)
@pytest.mark.parametrize("name", ["referrals", "wellbeing", "equity"])
def test_a_period_with_no_referrals_gives_tables_of_no_referrals(cases, name, period):
    made = _run(cases, name, period)
    assert made.tables
    for table in made.tables:  # no referral counted, and nothing failed on the links
        referrals = [n for n, h in enumerate(table.headings) if h.startswith("Referrals")]
        assert {row[n] for row in table.cells() for n in referrals} <= {0}, table.key


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, "0-15"),
        (15, "0-15"),
        (16, "16-17"),
        (17, "16-17"),
        (18, "18-24"),
        (34, "25-34"),
        (35, "35-44"),
        (64, "55-64"),
        (74, "65-74"),
        (75, "75-84"),
        (101, "85+"),
    ],
)
def test_age_bands(age, band):
    assert age_band(age) == band


@pytest.mark.parametrize("name", ["referrals", "wellbeing", "equity"])
def test_each_report_page_shows_its_tables_with_charts_and_csv(cases, name):
    manager = client_for(cases, "manager")
    asked = "from=2026-10-01&to=2026-11-30"
    page = manager.get(f"/manage/reports/{name}?{asked}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    made = _run(cases, name, CASES_PERIOD)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in text
    for table in made.tables:
        assert f'id="{table.key}-heading"' in text
        download = manager.get(f"/manage/reports/{name}/{table.key}.csv?{asked}")
        assert download.status_code == 200
        assert download.get_data(as_text=True) == csv_text(table)
        counts = [
            int(cell)
            for row in csv.reader(io.StringIO(download.get_data(as_text=True)))
            for cell in row[1:]
            if cell.isdigit()
        ]
        assert not [n for n in counts if 0 < n < 5], table.key


def test_the_report_command_prints_each_new_report(cases):
    runner = cases.test_cli_runner()
    for name in ("referrals", "wellbeing", "equity"):
        printed = runner.invoke(args=["report", name, "--from", "2026-10-01", "--to", "2026-11-30"])
        assert printed.exit_code == 0, printed.output
        assert FEWER_THAN_5 in printed.output


DOCS_CHART = Path(__file__).resolve().parents[1] / "docs" / "report-referrals-chart.svg"


def test_the_chart_in_docs_is_the_referrals_by_organisation_chart_of_the_known_cases(cases):
    """docs/report-referrals-chart.svg, for the closing note: redraw it with
    SIGNPOST_WRITE_DOCS=1 when charts change."""
    table = _run(cases, "referrals", CASES_PERIOD).table("referrals-by-organisation")
    chart = charts.table_chart(table)
    assert chart is not None
    drawn = str(chart) + "\n"
    if os.environ.get("SIGNPOST_WRITE_DOCS") == "1":
        DOCS_CHART.write_text(drawn)
    assert DOCS_CHART.read_text() == drawn
    assert drawn.count("<rect ") == 1 and drawn.count(f">{FEWER_THAN_5}<") == 2


def test_purge_expired_drops_the_words_of_old_searches(searched):
    searched.config["SEARCH_LOG_WORDS_DAYS"] = 30
    runner = searched.test_cli_runner()
    with time_machine.travel(MONDAY + timedelta(days=31), tick=False):
        dry = runner.invoke(args=["purge-expired", "--dry-run"])
        assert "search log: would drop the words of 18 searches older than 30 days" in dry.output
        done = runner.invoke(args=["purge-expired"])
    assert "search log: dropped the words of 18 searches" in done.output


# --- the reports of one period, hidden together ---------------------------------------------

WEEKS = ["w/c 2 Nov", "w/c 9 Nov"]
NEEDS = [  # need, its label in demand, in equity
    ("domestic_abuse", "Domestic abuse and safety", "Domestic abuse and safety"),
    ("loneliness", "Loneliness and isolation", "Loneliness and isolation"),
    ("money_debt", "Money worries and debt", "Money worries and debt"),
    ("", queries.NOT_UNDERSTOOD, queries.NO_NEED_OR_UNDERSTOOD),
]


@pytest.fixture(params=[4, 5])
def two_weeks(request, small_app):
    """Searches over PERIOD's two weeks, all from LS6: domestic abuse `small` in the first
    week; money worries 6 in the first; loneliness 5 in the first and 20 in the second;
    7 not understood in the second. No referrals."""
    small = request.param
    week2 = MONDAY + timedelta(days=7)
    rows = (
        [_search(MONDAY, ["domestic_abuse"], "LS6") for _ in range(small)]
        + [_search(MONDAY, ["money_debt"], "LS6") for _ in range(6)]
        + [_search(MONDAY, ["loneliness"], "LS6") for _ in range(5)]
        + [_search(week2, ["loneliness"], "LS6") for _ in range(20)]
        + [_search(week2, [], "LS6") for _ in range(7)]
    )
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        session.add_all(rows)
        session.commit()
    return small_app, small


def _by_label(table):
    return {row[0]: dict(zip(table.headings[1:], row[1:], strict=True)) for row in table.cells()}


def test_a_count_hidden_in_one_report_cannot_be_worked_out_from_another(two_weeks):
    app, small = two_weeks
    demand = _by_label(_run(app, "demand").table("searches-by-need"))
    equity = _by_label(_run(app, "equity").table("referrals-by-need"))
    abuse, loneliness, money, not_understood = (label for _, label, _ in NEEDS)
    if small == 5:  # nothing small: everything shown, in both
        assert demand == {
            abuse: {WEEKS[0]: 5, WEEKS[1]: 0, "Total": 5},
            loneliness: {WEEKS[0]: 5, WEEKS[1]: 20, "Total": 25},
            money: {WEEKS[0]: 6, WEEKS[1]: 0, "Total": 6},
            not_understood: {WEEKS[0]: 0, WEEKS[1]: 7, "Total": 7},
            "Total": {WEEKS[0]: 16, WEEKS[1]: 27, "Total": 43},
        }
        assert [equity[label]["Searches"] for _, _, label in NEEDS] == [5, 25, 6, 7]
        return
    # Demand alone hides the 4, then loneliness's 5 beside it in the first week, so its 20
    # in the second, so the 7 not understood in the second week, and so the 7's total.
    # Equity alone shows that 7 (it hides the 4 and the next smallest, money's 6); with it,
    # 27 - 7 = 20, 25 - 20 = 5, and 16 - 5 - 6 = 5 ... the 4 was told:
    # 16 - (25 - (27 - 7)) - 6 = 4. Hidden together, the 7 is hidden in both reports.
    assert demand[abuse] == {WEEKS[0]: F, WEEKS[1]: 0, "Total": F}
    assert demand[loneliness] == {WEEKS[0]: F, WEEKS[1]: F, "Total": 25}
    assert demand[not_understood] == {WEEKS[0]: 0, WEEKS[1]: F, "Total": F}
    assert equity[queries.NO_NEED_OR_UNDERSTOOD]["Searches"] == F
    assert equity[abuse]["Searches"] == F
    # no chain of sums gives the 4: each way round one number is hidden
    week1, week2 = demand["Total"][WEEKS[0]], demand["Total"][WEEKS[1]]
    seven = equity[queries.NO_NEED_OR_UNDERSTOOD]["Searches"]
    assert F in (week1, week2, seven, demand[money][WEEKS[0]], demand[loneliness]["Total"])
    # and the rank check: demand's grid, equity's searches, each need's searches in both
    by_need, labels = "referrals-by-need", [label for _, label, _ in NEEDS]
    lines = _named("demand", _grid("searches-by-need", labels, [*WEEKS, "Total"]))
    lines += _named("equity", [_column(by_need, [label for *_, label in NEEDS], "Searches")])
    for _, mine, theirs in [*NEEDS, ("", "Total", "Total")]:
        lines += _same(
            ("demand", "searches-by-need", mine, "Total"), ("equity", by_need, theirs, "Searches")
        )
    hidden = {
        ("demand", *cell)
        for cell in _hidden_counts(_run(app, "demand"))
        if cell[0] == "searches-by-need"
    } | {("equity", *cell) for cell in _hidden_counts(_run(app, "equity")) if cell[0] == by_need}
    assert _told(hidden, lines) == set()


def _named(report, lines):
    """Lines of one report's counts, named across reports: (report, table, row, heading)."""
    return [
        ([(report, *cell) for cell in parts], [(report, *cell) for cell in wholes])
        for parts, wholes in lines
    ]


def _grid(key, labels, headings):
    """(parts, wholes) of a table whose last row and last heading are totals."""
    rows = [
        ([(key, label, h) for h in headings[:-1]], [(key, label, headings[-1])])
        for label in [*labels, "Total"]
    ]
    return rows + [_column(key, labels, heading) for heading in headings]


def test_no_hidden_count_can_be_worked_out_from_all_the_reports_of_a_period(cases):
    """The numpy rank check over the union of the reports of CASES_PERIOD: each report's own
    lines, and the counts they repeat, written out here."""
    made = {name: _run(cases, name, CASES_PERIOD) for name in ["demand", "referrals", "equity"]}
    weeks = [
        f"w/c {day} {month}"
        for day, month in [
            (28, "Sep"),
            (5, "Oct"),
            (12, "Oct"),
            (19, "Oct"),
            (26, "Oct"),
            (2, "Nov"),
            (9, "Nov"),
            (16, "Nov"),
            (23, "Nov"),
            (30, "Nov"),
        ]
    ]
    needs = ["Domestic abuse and safety", "Loneliness and isolation", "Money worries and debt"]
    districts = ["LS6", "LS7", "LS9"]
    demand = [
        *_grid("searches-by-need", [*needs, queries.NOT_UNDERSTOOD], [*weeks, "Total"]),
        *_grid("searches-by-district", [*districts, queries.NO_PLACE], [*weeks, "Total"]),
    ]
    either = queries.NO_NEED_OR_UNDERSTOOD
    by_need = "referrals-by-need"
    equity = _equity_lines()
    for label in [*needs, either, "Total"]:
        equity.append(
            (
                [
                    (by_need, label, "Referrals declined"),
                    (by_need, label, "Referrals not declined"),
                ],
                [(by_need, label, "Referrals")],
            )
        )
    for heading in ["Searches", "Referrals declined", "Referrals not declined", "Referrals"]:
        equity.append(_column(by_need, [*needs, either], heading))
    lines = [
        *_named("demand", demand),
        *_named("referrals", _referral_lines()),
        *_named("equity", equity),
    ]
    # across reports: each district's searches, each need's searches and referrals, the
    # referrals made and those declined
    for district, other in [
        *((d, d) for d in districts),
        (queries.NO_PLACE, "No district given"),
        ("Total", "Total"),
    ]:
        lines += _same(
            ("demand", "searches-by-district", district, "Total"),
            ("equity", "referrals-by-district", other, "Searches"),
        )
    for need, other in [
        *((n, n) for n in needs),
        (queries.NOT_UNDERSTOOD, either),
        ("Total", "Total"),
    ]:
        lines += _same(
            ("demand", "searches-by-need", need, "Total"), ("equity", by_need, other, "Searches")
        )
    for need, other in [
        *((n, n) for n in needs[1:]),
        (queries.NO_NEED, either),
        ("Total", "Total"),
    ]:
        lines += _same(
            ("referrals", by_need, need, "Referrals"), ("equity", by_need, other, "Referrals")
        )
    lines += _same(
        ("referrals", "referrals-by-month", "Total", "Total"),
        ("equity", "referrals-by-age", "Total", "Referrals"),
    )
    lines += _same(
        ("referrals", "declines", "Total", "Referrals"),
        ("equity", "referrals-by-age", "Total", "Declined"),
    )
    hidden = {(name, *cell) for name, report in made.items() for cell in _hidden_counts(report)}
    assert ("equity", by_need, either, "Searches") in hidden
    assert _told(hidden, lines) == set()


def _page_rows(text, key):
    """The rows of a report page's table, as the page shows them (cell texts)."""
    section = text.split(f'id="{key}-heading"', 1)[1].split("</section>", 1)[0]
    body = section.split("<tbody", 1)[1] if "<tbody" in section else ""
    return [
        [html.unescape(cell) for cell in re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_the_command_pages_and_csv_hide_the_same_counts_in_every_report(two_weeks):
    app, small = two_weeks
    add_people(app)
    manager = client_for(app, "manager")
    runner = app.test_cli_runner()
    asked = f"from={PERIOD.start}&to={PERIOD.end}"
    shown = {}
    for name in ["demand", "referrals", "equity"]:
        printed = runner.invoke(
            args=["report", name, "--from", f"{PERIOD.start}", "--to", f"{PERIOD.end}"]
            + ["--format", "json"]
        )
        assert printed.exit_code == 0, printed.output
        page = manager.get(f"/manage/reports/{name}?{asked}").get_data(as_text=True)
        for table in json.loads(printed.output)["tables"]:
            as_text = [[str(cell) for cell in row] for row in table["rows"]]
            download = manager.get(f"/manage/reports/{name}/{table['key']}.csv?{asked}")
            assert list(csv.reader(io.StringIO(download.get_data(as_text=True))))[1:] == as_text
            if table["rows"] and table["key"] != "gaps":
                assert _page_rows(page, table["key"]) == as_text, (name, table["key"])
            shown[name, table["key"]] = {row[0]: row[1:] for row in table["rows"]}
    # the 7 searches understood as no need: one count, shown in demand and equity alike
    seven = 7 if small == 5 else F
    assert shown["demand", "searches-by-need"][queries.NOT_UNDERSTOOD][-1] == seven
    assert shown["equity", "referrals-by-need"][queries.NO_NEED_OR_UNDERSTOOD][0] == seven


def test_a_report_counts_again_once_the_data_changes(two_weeks):
    app, small = two_weeks
    before = _run(app, "equity").table("referrals-by-need").cells()
    assert before[-1][1] == 38 + small  # all the searches' needs
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        session.add(_search(MONDAY, ["loneliness"], "LS6"))
        session.commit()
    assert _run(app, "equity").table("referrals-by-need").cells()[-1][1] == 39 + small
    assert _run(app, "demand").table("searches-by-need").cells()[-1][-1] == 39 + small
