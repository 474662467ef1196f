"""`flask --app wsgi match`: suggest services for a person from the command line."""

from __future__ import annotations

import json
from typing import Any

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlmodel import Session

import matcher
from directory import db, migrate
from directory.catalogue import vocabulary
from directory.matching import match_request
from matcher import words


@click.command("match")
@click.option("--age", type=int, required=True, help="The person's age in years.")
@click.option("--postcode", required=True, help="Their postcode (LS6 1BD) or district (LS6).")
@click.option(
    "--need", "needs", multiple=True, required=True, help="A need id or plain words; repeat."
)
@click.option("--text", default="", help="What matters to them, in their words.")
@click.option("--free-only", is_flag=True, help="Only free services.")
@click.option("--mode", multiple=True, type=click.Choice(match_request.MODES), help="Repeatable.")
@click.option("--max-miles", type=float, help="How far they can travel to go in person.")
@click.option(
    "--day",
    multiple=True,
    type=click.Choice(list(match_request.DAYS)),
    help="A day they are free.",
)
@click.option("--language", help="A language they would rather use (a code such as pl).")
@click.option("--access", multiple=True, help="An access need (step_free, ...).")
@click.option(
    "--gender",
    type=click.Choice(match_request.GENDERS),
    help="Only where a service is for one gender (women only, men only).",
)
@click.option("--carer/--not-carer", default=None, help="Default: a carer if a need is carers.")
@click.option("--veteran", is_flag=True, default=None, help="An armed forces veteran.")
@click.option("--lgbtq/--not-lgbtq", default=None, help="Default: yes if a need is lgbtq.")
@click.option("--limit", type=int, default=match_request.DEFAULT_LIMIT, show_default=True)
@click.option(
    "--known-service-id",
    default=None,
    help="The specialist team's listing (its id) the person is already known to: first in "
    "more support.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@with_appcontext
def match_command(as_json: bool, **fields: Any) -> None:
    """Suggest the few services that suit a person best, with reasons, and those excluded."""
    # The options are named as the request's fields; repeated ones come as tuples.
    data = {name: list(v) if isinstance(v, tuple) else v for name, v in fields.items()}
    migrate.require_schema()
    try:
        wanted = match_request.read_request(data)
    except match_request.MatchRequestError as error:
        raise click.UsageError("\n".join(error.problems.values())) from None
    with Session(db.engine()) as session:
        result = match_request.run(session, wanted)
    if as_json:
        click.echo(json.dumps(match_request.answer(result, wanted), ensure_ascii=False, indent=2))
    else:
        crisis = match_request.urgent_help(wanted.text, wanted.needs)
        if crisis:  # urgent help first, as the matching page shows it
            click.echo(crisis.heading.upper())
            for contact in crisis.contacts_for(wanted.age):
                click.echo(f"  {contact.name}: {contact.how}. {contact.when}.")
            click.echo("")
        click.echo(table(result, wanted.needs))


def table(result: matcher.MatchResult, needs: list[str]) -> str:
    """The answer as text a person can read in a terminal."""
    lines = [f"Needs: {', '.join(needs)}", f"Suggestions ({len(result.suggestions)}):"]
    if not result.suggestions:
        lines.append("  None: no service meets these needs and every rule.")
    for n, s in enumerate(result.suggestions, start=1):
        miles = "" if s.distance_miles is None else f", {words.miles(s.distance_miles)}"
        lines.append(f"{n:>3}. {s.name} ({s.organisation}) score {s.score:.2f}{miles}")
        lines.append(f"     meets: {', '.join(s.needs_met) or 'what matters to them'}")
        lines += [f"     - {r.text}" for r in s.reasons]
    lines.append("")
    lines.append(f"Excluded ({result.excluded_total}):")
    for e in result.excluded:
        lines.append(f"  x {e.name}: {'; '.join(r.text for r in e.reasons)}")
    if result.pathways:
        lines += ["", "More support (NHS mental health options):"]
        for p in result.pathways:
            lines.append(f"  + {p.name} ({vocabulary.CARE_LEVELS.get(p.level, p.level)})")
            lines.append(f"     {p.how}")
    return "\n".join(lines)


def init_app(app: Flask) -> None:
    app.cli.add_command(match_command)
