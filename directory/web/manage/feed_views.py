"""A manager's feeds: follow another directory's Open Referral UK API, sync it, see each sync."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from directory import db
from directory.accounts.permissions import Action, require_permission
from directory.models import Feed
from directory.oruk import feeds
from directory.web.forms import EmptyForm
from directory.web.manage.forms import FeedForm
from directory.web.manage.views import blueprint


def _page(form: FeedForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "manage/feeds.html", form=form, states=feeds.states(db.session())
    ), status


@blueprint.route("/manage/feeds", methods=["GET", "POST"])
@require_permission(Action.MANAGE_CATALOGUE)
def feed_list() -> Response | tuple[str, int]:
    """The feeds followed, their last syncs and gone listings; the form to follow one more."""
    form = FeedForm()
    if not form.validate_on_submit():
        return _page(form, 400 if form.errors else 200)
    try:
        feed = feeds.add_feed(
            db.session(), url=form.url.data, name=form.name.data, trusted=form.trusted.data
        )
    except feeds.FeedRefused as error:
        for name, problem in error.problems.items():
            form[name].errors = [problem]
        return _page(form, 400)
    flash(f"Following “{feed.name}”. Sync it now to bring in its listings.")
    return redirect(url_for("manage.feed_list"))


@blueprint.post("/manage/feeds/<uuid:feed_id>/sync")
@require_permission(Action.MANAGE_CATALOGUE)
def sync_feed(feed_id: uuid.UUID) -> Response:
    """Sync now: changes since the last sync, or everything when asked (full=1)."""
    if not EmptyForm().validate_on_submit():
        abort(400, description="The form was open too long: go back and try again.")
    session = db.session()
    feed = session.get(Feed, feed_id)
    if feed is None:
        abort(404)
    run = feeds.sync(session, feed, full=request.form.get("full") == "1")
    if run.succeeded:
        flash(f"Synced “{feed.name}”: {feeds.sync_in_words(run)}.")
    else:
        flash(f"“{feed.name}” could not be synced: {' '.join(run.problems)}")
    return redirect(url_for("manage.feed_list"))


@blueprint.route("/manage/feeds/<uuid:feed_id>/remove", methods=["GET", "POST"])
@require_permission(Action.MANAGE_CATALOGUE)
def remove_feed(feed_id: uuid.UUID) -> Response | str:
    """Stop following a feed: a page to confirm, then the listings it brought stay."""
    session = db.session()
    feed = session.get(Feed, feed_id)
    if feed is None:
        abort(404)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400, description="The form was open too long: go back and try again.")
        removed = feeds.remove_feed(session, feed, current_user._get_current_object())
        flash(removed.in_words)
        return redirect(url_for("manage.feed_list"))
    state = next(s for s in feeds.states(session, recent=1) if s.feed.id == feed.id)
    return render_template("manage/feed_remove.html", state=state, form=form)
