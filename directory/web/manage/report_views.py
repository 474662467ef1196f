"""Reports for managers and admins: each as charts, tables and a CSV of each table."""

from __future__ import annotations

from flask import abort, render_template, request
from markupsafe import Markup
from werkzeug.wrappers import Response

from directory import clock, db
from directory.accounts.permissions import Action, require_permission
from directory.reports import charts, queries
from directory.reports.tables import Period, PeriodError, Report, csv_text
from directory.web.manage.views import blueprint


def _period() -> tuple[Period, str | None]:
    """The period asked for in the address, or the default one and what was wrong."""
    today = clock.today()
    try:
        return Period.read(request.args.get("from"), request.args.get("to"), today), None
    except PeriodError as error:
        return Period.read(None, None, today), str(error)


@blueprint.get("/manage/reports/")
@require_permission(Action.MANAGE_CATALOGUE)
def reports() -> tuple[str, int]:
    return render_template("manage/reports.html", reports=queries.REPORTS), 200


@blueprint.get("/manage/reports/<name>")
@require_permission(Action.MANAGE_CATALOGUE)
def report(name: str) -> tuple[str, int]:
    if name not in queries.REPORTS:
        abort(404)
    period, problem = _period()
    made = queries.run(db.session(), name, period)
    return render_template(
        "manage/report_page.html",
        report=made,
        charts=_charts(made),
        problem=problem,
        asked={"from": request.args.get("from", ""), "to": request.args.get("to", "")},
    ), 400 if problem else 200


@blueprint.get("/manage/reports/<name>/<table>.csv")
@require_permission(Action.MANAGE_CATALOGUE)
def report_csv(name: str, table: str) -> Response:
    if name not in queries.REPORTS:
        abort(404)
    period, problem = _period()
    if problem:
        abort(400, problem)
    found = queries.run(db.session(), name, period).table(table)
    if found is None:
        abort(404)
    filename = f"{name}-{table}-{period.start}-to-{period.end}.csv"
    return Response(
        csv_text(found),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _charts(made: Report) -> dict[str, Markup]:
    drawn = {table.key: charts.table_chart(table) for table in made.tables}
    return {key: chart for key, chart in drawn.items() if chart is not None}
