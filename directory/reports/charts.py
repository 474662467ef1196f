"""Bar charts drawn on the server as SVG: no JavaScript, no third-party requests.

Each chart has a title and a description for screen readers (the page puts the same numbers
in a table beside it), labelled axes, and NHS.UK colours. A hidden small number gets no bar,
only the words "fewer than 5", so the chart gives away no more than the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from markupsafe import Markup

from directory.reports.suppression import FEWER_THAN_5
from directory.reports.tables import Table

BLUE = "#005eb8"  # NHS blue
TEXT = "#212b32"  # NHS black
GRID = "#d8dde0"  # NHS grey 4

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 230
PLOT_WIDTH = 380
VALUE_WIDTH = 110
TOP = 48
AXIS = 40


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: a hidden small number


def bar_chart(
    chart_id: str, title: str, bars: Sequence[Bar], *, x_label: str, y_label: str
) -> Markup:
    """A horizontal bar chart as inline SVG."""
    largest = max((bar.value for bar in bars if bar.value is not None), default=0) or 1
    height = TOP + len(bars) * (BAR_HEIGHT + GAP) + AXIS
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="signpost-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" '
        f'aria-labelledby="{title_id} {desc_id}">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(_description(bars, x_label, y_label))}</desc>',
        f'<text x="0" y="20" font-size="18" font-weight="bold" fill="{TEXT}">'
        f"{escape(title)}</text>",
        f'<text x="0" y="{TOP - 10}" font-size="14" fill="{TEXT}">{escape(y_label)}</text>',
    ]
    for n, bar in enumerate(bars):
        y = TOP + n * (BAR_HEIGHT + GAP)
        middle = y + BAR_HEIGHT / 2 + 5
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{middle}" font-size="14" text-anchor="end" '
            f'fill="{TEXT}">{escape(_short(bar.label))}</text>'
        )
        if bar.value is None:
            parts.append(
                f'<text x="{LABEL_WIDTH + 4}" y="{middle}" font-size="14" font-style="italic" '
                f'fill="{TEXT}">{FEWER_THAN_5}</text>'
            )
            continue
        length = PLOT_WIDTH * bar.value / largest
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{BLUE}"/>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{middle}" font-size="14" '
            f'fill="{TEXT}">{_number(bar.value)}</text>'
        )
    axis_y = TOP + len(bars) * (BAR_HEIGHT + GAP)
    parts += [
        f'<line x1="{LABEL_WIDTH}" y1="{TOP - 4}" x2="{LABEL_WIDTH}" y2="{axis_y}" '
        f'stroke="{GRID}"/>',
        f'<line x1="{LABEL_WIDTH}" y1="{axis_y}" x2="{LABEL_WIDTH + PLOT_WIDTH}" y2="{axis_y}" '
        f'stroke="{GRID}"/>',
        f'<text x="{LABEL_WIDTH}" y="{axis_y + 18}" font-size="13" fill="{TEXT}">0</text>',
        f'<text x="{LABEL_WIDTH + PLOT_WIDTH}" y="{axis_y + 18}" font-size="13" '
        f'text-anchor="end" fill="{TEXT}">{_number(largest)}</text>',
        f'<text x="{LABEL_WIDTH + PLOT_WIDTH / 2}" y="{axis_y + 34}" font-size="14" '
        f'text-anchor="middle" fill="{TEXT}">{escape(x_label)}</text>',
        "</svg>",
    ]
    return Markup("\n".join(parts))  # noqa: S704 (every text above is escaped)


def _description(bars: Sequence[Bar], x_label: str, y_label: str) -> str:
    said = "; ".join(
        f"{bar.label}: {FEWER_THAN_5 if bar.value is None else _number(bar.value)}" for bar in bars
    )
    return f"{x_label} by {y_label.lower()}. {said}." if bars else "No data in this period."


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _short(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def table_chart(table: Table) -> Markup | None:
    """The chart of a table's chart column, one bar a row (its total row left out); None
    for a table drawn without one."""
    if table.chart_column is None or not table.rows:
        return None
    column = table.chart_column
    # a row whose cell is words ("none") gets no bar; a hidden number (None) says so
    bars = [
        Bar(str(row[0]), _value(row[column]))
        for row in table.rows
        if row[0] != "Total" and not isinstance(row[column], str)
    ]
    return bar_chart(
        f"chart-{table.key}",
        table.title,
        bars,
        x_label=table.x_label,
        y_label=table.headings[0],
    )


def _value(cell: object) -> float | None:
    return float(cell) if isinstance(cell, int | float) else None
