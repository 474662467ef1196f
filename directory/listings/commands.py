"""`flask --app wsgi send-reminders` (daily, from cron) and `merge-listings KEEP DUPLICATE`.

send-reminders sends both daily emails: listings' editors are asked to confirm stale
listings (listings/freshness.py), and link workers get their digest of what is due on their
cases (referrals/reminders.py). The command line composes the two features; neither imports
the other."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlmodel import Session

from directory import db, mail, migrate
from directory.listings import freshness, merging
from directory.referrals import reminders


@click.command("send-reminders")
@with_appcontext
def send_reminders() -> None:
    """Email the reminders due today to confirm listings are still right, and each link
    worker's digest of what is due on their cases (run daily from cron; a second run the
    same day sends no digest again)."""
    migrate.require_schema()
    # Links in the emails need the site's address, which a command has no request to give.
    base_url = current_app.config["PUBLIC_URL"]
    with current_app.test_request_context(base_url=base_url), Session(db.engine()) as session:
        run = freshness.send_reminders(session, mail.send)
        digests = reminders.send_digests(session, mail.send)
    click.echo(
        f"Sent {run.sent} reminder(s) in {run.emails} email(s); "
        f"{run.skipped_no_address} listing(s) have nobody to remind."
    )
    click.echo(
        f"Sent {digests.sent} link worker digest(s); "
        f"{digests.already_sent} had theirs today already."
        + (f" {digests.failed} could not be sent: run it again later." if digests.failed else "")
    )


@click.command("merge-listings")
@click.argument("keep_id")
@click.argument("duplicate_id")
@with_appcontext
def merge_listings(keep_id: str, duplicate_id: str) -> None:
    """Merge service DUPLICATE_ID into KEEP_ID: the duplicate is archived, both histories kept."""
    migrate.require_schema()
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


def init_app(app: Flask) -> None:
    app.cli.add_command(send_reminders)
    app.cli.add_command(merge_listings)
