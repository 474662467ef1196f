"""Shared learning between professionals: link workers and mental health practitioners write
notes on services and see each other's, with the author's role, first name and date;
managers read them; nobody else (the public, editors of any organisation) sees or writes
them; only the author changes or deletes a note; a note with a person's details in it is
refused. On SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re

import pytest
from accounts_helpers import TEA, add_people, client_for
from referrals_helpers import engine
from sqlmodel import Session, select

from directory.models import ServiceNote, User

NOTES = f"/link-worker/services/{TEA}/notes"
WAITING = "Waiting list about three weeks; ring the Tuesday volunteer line for a reply."


def text_of(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


@pytest.fixture
def world(small_app):
    people = add_people(small_app)
    with Session(engine(small_app)) as session:
        for who, name in (("linkworker", "Priya Shah"), ("mhp", "Sam")):
            user = session.get(User, people[who].id)
            user.display_name = name
            session.add(user)
        session.commit()
    return small_app, people


def notes_in(app) -> list[ServiceNote]:
    with Session(engine(app), expire_on_commit=False) as session:
        return list(session.exec(select(ServiceNote)).all())


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [
        (None, "sign in", "sign in"),
        ("editor", 403, 403),
        ("other_editor", 403, 403),
        ("manager", 200, 403),
        ("linkworker", 200, 302),
        ("mhp", 200, 302),
        ("admin", 200, 302),
    ],
)
def test_who_may_read_and_write_notes(world, who, read, write):
    app, _ = world
    client = client_for(app, who)
    got = client.get(NOTES)
    posted = client.post(NOTES, data={"text": WAITING})
    for response, want in ((got, read), (posted, write)):
        if want == "sign in":
            assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
        else:
            assert response.status_code == want, (who, response.status_code)
    assert len(notes_in(app)) == (1 if write == 302 else 0)


def test_link_workers_and_mhps_see_each_others_notes_with_role_first_name_and_date(world):
    app, people = world
    worker, mhp = client_for(app, "linkworker"), client_for(app, "mhp")
    assert worker.post(NOTES, data={"text": WAITING}).status_code == 302
    assert mhp.post(NOTES, data={"text": "Replied to my email the same day."}).status_code == 302
    page = text_of(worker.get(NOTES))
    assert "Mental health practitioner (Sam)" in page and "Replied to my email" in page
    assert "Link worker (Priya)" in page and "Shah" not in page  # first name only
    assert WAITING in page
    (theirs,) = [n for n in notes_in(app) if n.author_role == "mhp"]
    assert f"/link-worker/notes/{theirs.id}/edit" not in page  # not theirs to change
    assert f"{theirs.created_at:%-d %B %Y}" in page
    manager_page = text_of(client_for(app, "manager").get(NOTES))
    assert "Mental health practitioner (Sam)" in manager_page
    assert "Add a note" not in manager_page and "/edit" not in manager_page


def test_only_the_author_changes_or_deletes_a_note(world):
    app, _ = world
    worker, mhp = client_for(app, "linkworker"), client_for(app, "mhp")
    worker.post(NOTES, data={"text": WAITING})
    (note,) = notes_in(app)
    for who in ("mhp", "manager", "editor", "admin"):
        client = client_for(app, who)
        edit = client.post(f"/link-worker/notes/{note.id}/edit", data={"text": "x", "version": 1})
        gone = client.post(f"/link-worker/notes/{note.id}/delete")
        assert edit.status_code in (403, 404) and gone.status_code in (403, 404), who
    assert [n.text for n in notes_in(app)] == [WAITING]
    form = worker.get(f"/link-worker/notes/{note.id}/edit")
    assert form.status_code == 200 and WAITING in text_of(form)
    changed = worker.post(
        f"/link-worker/notes/{note.id}/edit", data={"text": "Now two weeks.", "version": "1"}
    )
    assert changed.status_code == 302
    (note,) = notes_in(app)
    assert (note.text, note.version) == ("Now two weeks.", 2)
    assert "(changed)" in text_of(mhp.get(NOTES))
    stale = worker.post(f"/link-worker/notes/{note.id}/edit", data={"text": "Old", "version": "1"})
    assert stale.status_code == 400 and "changed since you opened it" in text_of(stale)
    assert worker.post(f"/link-worker/notes/{note.id}/delete").status_code == 302
    assert notes_in(app) == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "Write the note"),
        ("x" * 1001, "1,000 characters or fewer"),
        ("Saw 943 476 5919 there", "looks like an NHS number"),
        ("Lives at LS6 1BD, went twice", "looks like a postcode"),
        ("Email jo.bloggs@example.org", "looks like an email address"),
    ],
)
def test_a_note_about_a_person_or_a_bad_note_is_refused(world, text, words):
    app, _ = world
    response = client_for(app, "mhp").post(NOTES, data={"text": text})
    assert response.status_code == 400
    page = text_of(response)
    assert words in page and "<title>Error: Notes on" in page
    assert "no names or details of people" in page
    assert notes_in(app) == []


def test_notes_show_on_the_service_page_and_beside_match_results_for_professionals_only(world):
    app, _ = world
    worker = client_for(app, "linkworker")
    worker.post(NOTES, data={"text": WAITING})
    service_page = f"/services/{TEA}"
    assert WAITING in text_of(worker.get(service_page))
    assert "Notes from colleagues" in text_of(client_for(app, "manager").get(service_page))
    for who in (None, "editor", "other_editor"):
        page = text_of(client_for(app, who).get(service_page))
        assert WAITING not in page and "Notes from colleagues" not in page, who
    form = {"age": "72", "postcode": "LS6 1BD", "needs": "loneliness"}
    results = text_of(worker.post("/link-worker/match", data=form))
    assert "Tuesday Tea" in results
    assert "1 note from colleagues" in results and "Link worker (Priya)" in results


def test_a_note_on_an_unknown_service_is_not_found(world):
    app, _ = world
    client = client_for(app, "linkworker")
    unknown = "/link-worker/services/00000000-0000-4000-8000-000000000000/notes"
    assert client.get(unknown).status_code == 404
    assert client.post(unknown, data={"text": WAITING}).status_code == 404
    assert notes_in(app) == []
