"""Small numbers about people are never shown: the one rule, for pages, CSV and JSON alike.

Primary: a count from 1 to 4 about people (searches, referrals, wellbeing scores) is shown
as "fewer than 5". Zero is shown: it says no one, which discloses nobody.
Secondary: a hidden count must not be worked out from what is shown. Counts that add up
(a row with its total, a column with its total, and across the tables of one report: the
same total shown twice, a breakdown whose total another table shows, an organisation's
referrals and those of its services; and across the reports of one period: a need's or a
district's searches or referrals shown by two reports, queries.py `_across`) are given as
lines, each a set of parts and the wholes they add up to (`Line`). Then, until nothing changes:

- a line with a single hidden count would give it away by subtraction, so the smallest
  other shown count that is not zero is hidden too (parts before wholes);
- a line whose hidden counts are all parts (or all wholes) tells their sum; counts are
  hidden only when they are not zero, so a sum equal to the number hidden would tell that
  each is 1: one more is hidden;
- a hidden count that some combination of lines (added and subtracted, across tables)
  tells from shown counts is found by elimination, and the smallest shown count that
  combination uses is hidden too.

Zeros are never chosen: hiding a zero protects nothing.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

THRESHOLD = 5
FEWER_THAN_5 = "fewer than 5"

Grid = list[list[int | None]]  # None: hidden
K = Any  # a count's name: (row, column) in a table, (table, row, column) in a report


@dataclass(frozen=True)
class Line:
    """Counts that add up: the parts sum to what the wholes sum to (usually one whole, a
    total; two tables showing the same number are one part and one whole)."""

    parts: tuple[K, ...]
    wholes: tuple[K, ...]

    def cells(self) -> tuple[K, ...]:
        return (*self.parts, *self.wholes)


def is_small(count: int) -> bool:
    return 0 < count < THRESHOLD


def hide(counts: Mapping[K, int], lines: Iterable[Line]) -> set[K]:
    """The counts to hide: the small ones, and those that would give one away by
    subtraction along the lines, alone or combined. Every cell of a line is in `counts`."""
    hidden: set[K] = {cell for cell, n in counts.items() if is_small(n)}
    # Lines that share no count cannot tell anything about each other: each group of lines
    # linked by shared counts is worked through on its own (the same counts are hidden as
    # working through all at once, and a report's many small tables stay quick together).
    for group in _linked(list(lines)):
        if any(cell in hidden for line in group for cell in line.cells()):
            _hide_in(counts, group, hidden)
    return hidden


def _hide_in(counts: Mapping[K, int], lines: list[Line], hidden: set[K]) -> None:
    while True:
        chosen = _by_one_line(counts, lines, hidden)
        if chosen is None:
            chosen = _by_combined_lines(counts, lines, hidden)
        if chosen is None:
            return
        hidden.add(chosen)


def _linked(lines: list[Line]) -> list[list[Line]]:
    """The lines in groups, two lines in one group when a chain of lines sharing counts
    joins them; each group in the lines' order."""
    leader: dict[K, K] = {}

    def find(cell: K) -> K:
        while leader.setdefault(cell, cell) != cell:
            leader[cell] = leader[leader[cell]]
            cell = leader[cell]
        return cell

    for line in lines:
        cells = line.cells()
        for cell in cells[1:]:
            leader[find(cell)] = find(cells[0])
    groups: dict[K, list[Line]] = {}
    for line in lines:
        if line.cells():
            groups.setdefault(find(line.cells()[0]), []).append(line)
    return list(groups.values())


def _by_one_line(counts: Mapping[K, int], lines: list[Line], hidden: set[K]) -> K | None:
    for line in lines:
        parts = [cell for cell in line.parts if cell in hidden]
        wholes = [cell for cell in line.wholes if cell in hidden]
        told = len(parts) + len(wholes) == 1
        if not told and bool(parts) != bool(wholes):
            # all hidden on one side: their sum is told; each is at least 1
            same_side = parts or wholes
            told = sum(counts[cell] for cell in same_side) == len(same_side)
        if told:
            chosen = _smallest_shown(counts, hidden, line.parts) or _smallest_shown(
                counts, hidden, line.wholes
            )
            if chosen is not None:
                return chosen
    return None


def _smallest_shown(counts: Mapping[K, int], hidden: set[K], cells: Iterable[Hashable]) -> K | None:
    shown = [cell for cell in cells if cell not in hidden and counts[cell] > 0]
    if not shown:
        return None
    return min(shown, key=lambda cell: counts[cell])


def _by_combined_lines(counts: Mapping[K, int], lines: list[Line], hidden: set[K]) -> K | None:
    """Gauss-Jordan elimination of the hidden counts over the lines that hold any: a hidden
    count is told when some row reduces to it alone plus shown counts. The smallest shown
    count (not zero) of that row is the one to hide next."""
    rows: list[dict[Hashable, Fraction]] = []
    for line in lines:
        if any(cell in hidden for cell in line.cells()):
            row: dict[Hashable, Fraction] = {}
            for cell, sign in [*((c, 1) for c in line.parts), *((c, -1) for c in line.wholes)]:
                row[cell] = row.get(cell, Fraction(0)) + sign
            rows.append({cell: v for cell, v in row.items() if v})
    order = {cell: n for n, cell in enumerate(counts)}
    pivots: list[tuple[Hashable, dict[Hashable, Fraction]]] = []
    for cell in sorted(hidden, key=order.__getitem__):
        found = next((row for row in rows if cell in row), None)
        if found is None:
            continue
        rows.remove(found)
        scale = found[cell]
        found = {c: v / scale for c, v in found.items()}
        for other in [*rows, *(row for _, row in pivots)]:
            factor = other.get(cell)
            if factor:
                for c, v in found.items():
                    value = other.get(c, Fraction(0)) - factor * v
                    if value:
                        other[c] = value
                    else:
                        other.pop(c, None)
        pivots.append((cell, found))
    for cell, row in pivots:
        if all(c == cell or c not in hidden for c in row):
            chosen = _smallest_shown(counts, hidden, (c for c in row if c != cell))
            if chosen is not None:
                return chosen
    return None


def suppress(
    counts: Sequence[Sequence[int]], *, total_column: bool = False, total_row: bool = False
) -> Grid:
    """The grid of counts with the small ones and those that would give them away hidden
    (None). With `total_column` the last column holds each row's total; with `total_row`
    the last row holds each column's total (and its last cell the grand total)."""
    cells = {(r, c): n for r, row in enumerate(counts) for c, n in enumerate(row)}
    width = len(counts[0]) if counts else 0
    hidden = hide(cells, grid_lines(len(counts), width, total_column, total_row))
    return [
        [None if (r, c) in hidden else n for c, n in enumerate(row)] for r, row in enumerate(counts)
    ]


def grid_lines(
    height: int, width: int, total_column: bool, total_row: bool, first_column: int = 0
) -> list[Line]:
    """The lines of a grid whose last column and/or last row hold totals, as (row, column);
    the grid's columns numbered from `first_column`."""
    columns = range(first_column, first_column + width)
    lines = []
    if total_column:
        lines += [
            Line(tuple((r, c) for c in columns[:-1]), ((r, columns[-1]),)) for r in range(height)
        ]
    if total_row:
        lines += [
            Line(tuple((r, c) for r in range(height - 1)), ((height - 1, c),)) for c in columns
        ]
    return lines


def shown(value: int | None) -> int | str:
    """How a count reads in a page, a CSV or JSON."""
    return FEWER_THAN_5 if value is None else value
