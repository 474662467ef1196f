"""A manager's imports: upload a file, read the check's report, confirm; and the templates."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from flask import current_app, flash, redirect, render_template, send_file, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from directory import db
from directory.accounts.permissions import Action, can, require_permission
from directory.oruk import spreadsheet, uploads
from directory.oruk.archives import Limits
from directory.web.manage.forms import ConfirmImportForm, ImportForm
from directory.web.manage.views import blueprint

WAITING = "import_upload"  # the session key of the upload waiting for confirmation
TEMPLATE_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


def _instance() -> Path:
    return Path(current_app.instance_path)


def _limits() -> Limits:
    return Limits.from_config(current_app.config)


def _waiting() -> tuple[uploads.Upload, bool] | None:
    """The upload this person's session is waiting to import, and whether to publish it
    (the directory's name it came from is `_source()`)."""
    kept = session.get(WAITING)
    if not isinstance(kept, dict) or kept.get("user") != str(current_user.id):
        return None
    try:
        upload = uploads.Upload(str(kept["token"]), str(kept["name"]))
        upload.path(_instance())  # refuses a token that is not one of ours
    except (KeyError, uploads.UploadError):
        return None
    return upload, bool(kept.get("publish"))


def _source() -> str:
    kept = session.get(WAITING)
    return str(kept.get("source") or "") if isinstance(kept, dict) else ""


def _forget() -> None:
    """Discard the waiting upload, if any, and its file."""
    waiting = _waiting()
    if waiting is not None:
        uploads.discard(_instance(), waiting[0])
    session.pop(WAITING, None)


def _page(form: ImportForm, status: int = 200) -> tuple[str, int]:
    return render_template("manage/imports.html", form=form, columns=spreadsheet.COLUMNS), status


@blueprint.route("/manage/imports", methods=["GET", "POST"])
@require_permission(Action.MANAGE_CATALOGUE)
def imports() -> tuple[str, int]:
    """Step 1: upload a file; it is checked and the report shown, with nothing saved."""
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(form, 400 if form.errors else 200)
    _forget()
    try:
        upload = uploads.keep(_instance(), form.file.data)
    except uploads.UploadError as error:
        form.file.errors = [str(error)]
        return _page(form, 400)
    publish = bool(form.publish.data) and can(current_user, Action.PUBLISH_DIRECTLY)
    path = upload.path(_instance())
    source = form.source.data or ""
    checked = uploads.preview(db.engine(), path, _limits(), publish=publish, source=source)
    if checked.importable:
        session[WAITING] = {
            "token": upload.token,
            "name": upload.name,
            "publish": publish,
            "source": source,
            "user": str(current_user.id),
        }
    else:
        uploads.discard(_instance(), upload)
    confirm = ConfirmImportForm(formdata=None, data={"upload": upload.token})
    return render_template(
        "manage/import_report.html", checked=checked, publish=publish, confirm=confirm
    ), 200 if checked.importable else 400


@blueprint.post("/manage/imports/confirm")
@require_permission(Action.MANAGE_CATALOGUE)
def confirm_import() -> Response | tuple[str, int]:
    """Step 2: import the file checked in step 1, then show what changed."""
    form = ConfirmImportForm()
    waiting = _waiting()
    if not form.validate_on_submit() or waiting is None or waiting[0].token != form.upload.data:
        flash("Nothing is waiting to be imported from this page: upload the file again.")
        return redirect(url_for("manage.imports"))
    upload, publish = waiting
    try:
        checked = uploads.run(
            db.session(),
            upload.path(_instance()),
            _limits(),
            publish=publish,
            source=_source(),
        )
    finally:
        _forget()
    if not checked.importable:
        # The catalogue changed since the check: the report says what stops the import now.
        confirm = ConfirmImportForm(formdata=None, data={"upload": ""})
        return render_template(
            "manage/import_report.html", checked=checked, publish=publish, confirm=confirm
        ), 409
    return render_template("manage/import_done.html", checked=checked, publish=publish), 200


@blueprint.post("/manage/imports/cancel")
@require_permission(Action.MANAGE_CATALOGUE)
def cancel_import() -> Response:
    """Give up the waiting upload: its file is removed."""
    if ConfirmImportForm().validate_on_submit():
        _forget()
        flash("Nothing was imported, and the uploaded file was removed.")
    return redirect(url_for("manage.imports"))


@blueprint.get("/manage/imports/template.<any(xlsx, csv):kind>")
@require_permission(Action.MANAGE_CATALOGUE)
def import_template(kind: str) -> Response:
    """The spreadsheet template, as `spreadsheet-template` writes it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"signpost-services.{kind}"
        spreadsheet.write_template(path)
        data = path.read_bytes()
    return send_file(
        io.BytesIO(data),
        mimetype=TEMPLATE_TYPES[kind],
        as_attachment=True,
        download_name=f"signpost-services-template.{kind}",
    )
