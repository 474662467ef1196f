"""What a report is: a period, and tables of numbers, each with its chart; and the one way
they are written out (a page's table, CSV, JSON), with small numbers about people hidden."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from directory.oruk import tabular
from directory.reports.suppression import FEWER_THAN_5, Line, grid_lines, hide, shown

Cell = str | int | float | None  # None: a small number about people, hidden

DEFAULT_MONTHS = 3


class PeriodError(ValueError):
    """A date range that cannot be used; `str(error)` says why."""


@dataclass(frozen=True)
class Period:
    start: date  # the first day counted
    end: date  # the last day counted

    @classmethod
    def read(cls, start: str | None, end: str | None, today: date) -> Period:
        """The period from two ISO dates (either may be blank): by default the last 3 months
        to today."""
        last = _date(end, "end") if end else today
        first = _date(start, "start") if start else _months_before(last, DEFAULT_MONTHS)
        if first > last:
            raise PeriodError("The start date must be on or before the end date.")
        if last - first > timedelta(days=3 * 366):
            raise PeriodError("Choose a period of at most 3 years.")
        return cls(first, last)

    def label(self) -> str:
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"


def _date(text: str, which: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(
            f"The {which} date must be a real date, like 2026-09-30 (year, month, day)."
        ) from None


def _months_before(day: date, months: int) -> date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for last_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, last_day) + timedelta(days=1)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass
class Table:
    key: str  # its name in addresses and files: "searches-by-need"
    title: str
    headings: list[str]  # the first names the rows
    rows: list[list[Cell]]
    about_people: bool  # counts of searches, referrals, people: small ones are hidden
    note: str = ""
    chart_column: int | None = None  # the column drawn as bars (none: no chart)
    x_label: str = ""
    # the counts about people before any is hidden, by (row, column) of `rows`, and the
    # lines of them that add up within the table: what the report hides across its tables
    counted: dict[tuple[int, int], int] = field(default_factory=dict)
    sums: list[Line] = field(default_factory=list)

    def at(self, row_label: str, heading: str) -> tuple[str, int, int]:
        """A count's name across the report's tables: (table, row, column); row -1 where the
        table has no such row (no count has that name: a link naming it is left out)."""
        row = next((n for n, row in enumerate(self.rows) if row[0] == row_label), -1)
        return self.key, row, self.headings.index(heading)

    def hide_counts(self, counted: dict[tuple[int, int], int], sums: Sequence[Line]) -> None:
        """Hide the small counts of the table, and those that would give them away."""
        self.counted, self.sums = counted, list(sums)
        hidden = hide(counted, sums) if self.about_people else set()
        for (r, c), n in counted.items():
            self.rows[r][c] = None if (r, c) in hidden else n

    def cells(self) -> list[list[str | int | float]]:
        """The rows as shown: a hidden number reads "fewer than 5"."""
        return [[shown(c) if c is None else c for c in row] for row in self.rows]


@dataclass
class Report:
    name: str
    title: str
    period: Period
    counts: str  # what is counted, in words
    tables: list[Table] = field(default_factory=list)
    # counts that add up across tables, by (table, row, column): hidden together
    links: list[Line] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.links:
            hide_together(self.tables, self.links)

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)

    def as_json(self) -> dict[str, object]:
        return {
            "report": self.name,
            "title": self.title,
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "counts": self.counts,
            "tables": [
                {
                    "key": t.key,
                    "title": t.title,
                    "note": t.note,
                    "headings": t.headings,
                    "rows": t.cells(),
                }
                for t in self.tables
            ],
        }


def counts_table(
    key: str,
    title: str,
    *,
    label_heading: str,
    labels: Sequence[str],
    columns: Sequence[str],
    counts: Sequence[Sequence[int]],
    about_people: bool,
    totals: bool = True,
    note: str = "",
    x_label: str = "",
) -> Table:
    """A table of counts with a total column (when more than one column) and a total row,
    small numbers about people hidden so that no total gives them away."""
    width = len(columns)
    matrix = [list(row) for row in counts]
    headings = [label_heading, *columns]
    total_column = totals and width > 1
    if total_column:
        matrix = [[*row, sum(row)] for row in matrix]
        headings.append("Total")
    total_row = totals and bool(matrix)
    if total_row:
        matrix.append([sum(row[c] for row in matrix) for c in range(len(matrix[0]))])
    row_labels = [*labels, "Total"] if total_row else list(labels)
    rows: list[list[Cell]] = [
        [label, *values] for label, values in zip(row_labels, matrix, strict=True)
    ]
    table = Table(
        key,
        title,
        headings,
        rows,
        about_people,
        note,
        chart_column=len(headings) - 1,
        x_label=x_label or title,
    )
    table.hide_counts(
        {(r, c + 1): n for r, row in enumerate(matrix) for c, n in enumerate(row)},
        grid_lines(len(matrix), width + total_column, total_column, total_row, first_column=1),
    )
    return table


def hide_together(tables: Sequence[Table], links: Sequence[Line]) -> None:
    """Hide the counts about people of a report's tables as one: each table's own lines and
    the links between them, so that no count hidden in one table can be worked out from
    the others. A link naming a count no table holds is left out."""
    _hide_as_one([((table.key,), table) for table in tables], links)


def hide_across(reports: Sequence[Report], links: Sequence[Line]) -> None:
    """Hide the counts about people of several reports of one period as one: every table's
    own lines, each report's links between its tables, and `links` between the reports,
    by (report, table, row, column). The same count shown by two reports is one count
    (a link of one part and one whole), so it is hidden in both or in neither, and no
    count hidden in one report can be worked out from another. A link naming a count no
    table holds is left out."""
    named = [((report.name, table.key), table) for report in reports for table in report.tables]
    own = [
        Line(
            tuple((report.name, *cell) for cell in line.parts),
            tuple((report.name, *cell) for cell in line.wholes),
        )
        for report in reports
        for line in report.links
    ]
    _hide_as_one(named, [*own, *links])


def _hide_as_one(tables: Sequence[tuple[tuple[str, ...], Table]], links: Sequence[Line]) -> None:
    """Hide the counts of `tables` (each named by the prefix of its counts' names) as one,
    by their own lines and `links` (by full names)."""
    counts = {
        (*prefix, r, c): n
        for prefix, table in tables
        if table.about_people
        for (r, c), n in table.counted.items()
    }
    lines = [
        Line(
            tuple((*prefix, *cell) for cell in line.parts),
            tuple((*prefix, *cell) for cell in line.wholes),
        )
        for prefix, table in tables
        if table.about_people
        for line in table.sums
    ]
    lines += [line for line in links if all(cell in counts for cell in line.cells())]
    hidden = hide(counts, lines)
    for prefix, table in tables:
        if table.about_people:
            for (r, c), n in table.counted.items():
                table.rows[r][c] = None if (*prefix, r, c) in hidden else n


def csv_text(table: Table) -> str:
    """Exactly the table shown, as CSV; a cell that a spreadsheet would run as a formula
    (starting = + - @, a tab or a carriage return) starts with a ' instead."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in table.headings])
    for row in table.cells():
        writer.writerow([safe_cell(c) for c in row])
    return out.getvalue()


def safe_cell(value: object) -> object:
    """Text through the one rule for every CSV (oruk/tabular.py); numbers as they are."""
    return tabular.csv_cell(value) if isinstance(value, str) else value


__all__ = [
    "FEWER_THAN_5",
    "Line",
    "Cell",
    "Period",
    "PeriodError",
    "Report",
    "Table",
    "counts_table",
    "csv_text",
    "hide_across",
    "hide_together",
]
