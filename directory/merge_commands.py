"""`flask --app wsgi merge-listings KEEP_ID DUPLICATE_ID`: merge a duplicate service."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlmodel import Session

from directory import db, merging
from directory.cli import _require_schema


@click.command("merge-listings")
@click.argument("keep_id")
@click.argument("duplicate_id")
@with_appcontext
def merge_listings(keep_id: str, duplicate_id: str) -> None:
    """Merge service DUPLICATE_ID into KEEP_ID: the duplicate is archived, both histories kept."""
    _require_schema()
    with Session(db.engine()) as session:
        keep = merging.find_service(session, keep_id)
        duplicate = merging.find_service(session, duplicate_id)
        problems = [
            f"There is no service with id {raw!r} (to {what})."
            for raw, found, what in (
                (keep_id, keep, "keep"),
                (duplicate_id, duplicate, "merge into it"),
            )
            if found is None
        ]
        if problems:
            raise click.ClickException(" ".join(problems) + " Nothing was merged.")
        assert keep is not None and duplicate is not None
        keep_name, duplicate_name = keep.name, duplicate.name
        try:
            moves = merging.merge_services(session, None, keep, duplicate)
        except merging.MergeRefused as refused:
            raise click.ClickException(f"{refused} Nothing was merged.") from None
    click.echo(f"Merged “{duplicate_name}” into “{keep_name}”: moved {moves.in_words()}.")
    click.echo(f"“{duplicate_name}” is archived; both histories are kept.")


def register(app: Flask) -> None:
    app.cli.add_command(merge_listings)
