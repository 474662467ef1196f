"""Small numbers about people are never shown: the one rule, for pages, CSV and JSON alike.

Primary: a count from 1 to 4 about people (searches, referrals, wellbeing scores) is shown
as "fewer than 5". Zero is shown: it says no one, which discloses nobody.
Secondary: a hidden count must not be worked out from what is shown. In a line whose total
is shown (a row with its total, a column with its total), a single hidden member could be
found by subtraction, so the smallest other shown member that is not zero is hidden too
(the total itself if nothing else is left), and so on until every such line hides none or
at least two. Zeros are never chosen: hiding a zero protects nothing, and a line whose
other members are all zero hides its total instead.
"""

from __future__ import annotations

from collections.abc import Sequence

THRESHOLD = 5
FEWER_THAN_5 = "fewer than 5"

Grid = list[list[int | None]]  # None: hidden


def is_small(count: int) -> bool:
    return 0 < count < THRESHOLD


def suppress(
    counts: Sequence[Sequence[int]], *, total_column: bool = False, total_row: bool = False
) -> Grid:
    """The grid of counts with the small ones and those that would give them away hidden
    (None). With `total_column` the last column holds each row's total; with `total_row`
    the last row holds each column's total (and its last cell the grand total)."""
    grid: Grid = [[None if is_small(n) else n for n in row] for row in counts]
    lines = _lines(len(counts), len(counts[0]) if counts else 0, total_column, total_row)
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [cell for cell in line if grid[cell[0]][cell[1]] is None]
            if len(hidden) != 1:
                continue
            candidate = _smallest_shown(grid, counts, line)
            if candidate is not None:
                grid[candidate[0]][candidate[1]] = None
                changed = True
    return grid


def _lines(
    height: int, width: int, total_column: bool, total_row: bool
) -> list[list[tuple[int, int]]]:
    """The groups of cells that add up (members and their total), as (row, column) pairs."""
    lines = []
    if total_column:
        lines += [[(r, c) for c in range(width)] for r in range(height)]
    if total_row:
        lines += [[(r, c) for r in range(height)] for c in range(width)]
    return lines


def _smallest_shown(
    grid: Grid, counts: Sequence[Sequence[int]], line: list[tuple[int, int]]
) -> tuple[int, int] | None:
    """The member of the line to hide next: its smallest shown count that is not zero,
    members before the total (the total is the line's last cell)."""
    members, total = line[:-1], line[-1]
    shown = [
        cell
        for cell in members
        if grid[cell[0]][cell[1]] is not None and counts[cell[0]][cell[1]] > 0
    ]
    if shown:
        return min(shown, key=lambda cell: (counts[cell[0]][cell[1]], cell))
    if grid[total[0]][total[1]] is not None and counts[total[0]][total[1]] > 0:
        return total
    return None


def shown(value: int | None) -> int | str:
    """How a count reads in a page, a CSV or JSON."""
    return FEWER_THAN_5 if value is None else value
