"""The managers' vocabulary page (/manage/vocabulary): a need's name, description and
synonyms, and the search phrases, changed over HTTP on a real app and database; search
and matching use a change at once; bad input and a second person's stale save change
nothing and say why; every change is recorded; `flask seed` leaves managers' changes."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from directory import db, migrate
from directory.catalogue import needs, needs_editing, seeding
from directory.matching import match_request
from directory.models import (
    Role,
    SearchPhrase,
    TaxonomyTerm,
    User,
    VocabularyChange,
    stable_id,
)
from tests.accounts_helpers import add_people, client_for, email_of
from tests.search_helpers import api, text

LONELINESS = stable_id("need", "loneliness")
CRISIS = "urgent_mental_health_crisis"
PAGE = "/manage/vocabulary"


@pytest.fixture
def app(small_search):
    """The small catalogue with seed/'s vocabulary, its index, and one account per role."""
    add_people(small_search)
    return small_search


def based_on(page) -> str:
    """The hidden based_on of the first form of a page, as a browser would send it back."""
    found = re.search(r'name="based_on"[^>]*value="([^"]*)"', page.get_data(as_text=True))
    assert found, page.get_data(as_text=True)[:500]
    return found.group(1)


def phrase_row(app, phrase: str) -> SearchPhrase | None:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return session.exec(select(SearchPhrase).where(SearchPhrase.phrase == phrase)).first()


def need_row(app, code: str = "loneliness") -> TaxonomyTerm:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return session.get(TaxonomyTerm, stable_id("need", code))


def history(app) -> list[VocabularyChange]:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return list(session.exec(select(VocabularyChange).order_by(VocabularyChange.changed_at)))


def phrase_count(app) -> int:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return len(session.exec(select(SearchPhrase)).all())


def need_form(page, **changes: str) -> dict[str, str]:
    """The need form as the page filled it, with changes."""
    body = page.get_data(as_text=True)
    label = re.search(r'name="label"[^>]*value="([^"]*)"', body).group(1)
    description = re.search(r'name="description"[^>]*>([^<]*)</textarea>', body).group(1)
    synonyms = re.search(r'name="synonyms"[^>]*>([^<]*)</textarea>', body).group(1)
    return {
        "based_on": based_on(page),
        "label": label,
        "description": description,
        "synonyms": synonyms.strip(),
        **changes,
    }


# --- seeing it ----------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), [("manager", 200), ("admin", 200)])
def test_managers_see_every_need_and_phrase_from_the_dashboard(app, who, status):
    client = client_for(app, who)
    dashboard = client.get("/manage/")
    assert f'href="{PAGE}"' in dashboard.get_data(as_text=True)
    page = client.get(PAGE)
    assert page.status_code == status
    words = text(page)
    assert "Loneliness and isolation" in words and "nobody to talk to" in words
    assert "skint" in words and "money_debt, benefits" in words


@pytest.mark.parametrize("who", ["editor", "linkworker"])
def test_editors_and_link_workers_may_not_change_the_vocabulary(app, who):
    client = client_for(app, who)
    assert client.get(PAGE).status_code == 403
    response = client.post(f"{PAGE}/phrases/new", data={"phrase": "wonga", "needs": "money_debt"})
    assert response.status_code == 403
    assert phrase_row(app, "wonga") is None
    assert 'href="/manage/vocabulary"' not in client.get("/manage/").get_data(as_text=True)


# --- changing it, seen at once by search and matching ---------------------------------


def test_a_new_phrase_finds_its_needs_services_at_once_in_search_and_matching(app):
    client = client_for(app, "manager")
    public = app.test_client()
    assert api(public, {"q": "wonga"})["total"] == 0
    form = client.get(f"{PAGE}/phrases/new")
    assert form.status_code == 200
    response = client.post(
        f"{PAGE}/phrases/new",
        data={"phrase": "Wonga", "means": "payday loan debt", "needs": "money_debt"},
    )
    assert response.status_code == 302, text(response)
    assert "Added the search phrase “Wonga”" in text(client.get(PAGE))
    found = {r["name"] for r in api(public, {"q": "wonga"})["results"]}
    assert "Money Worries Clinic" in found
    with app.app_context():
        wanted = match_request.read_request(
            {"age": 40, "postcode": "LS6 1BD", "needs": ["wonga", "wongaa"]}
        )
    assert wanted.needs == ["money_debt"]
    [change] = history(app)
    assert (change.actor, change.kind, change.action, change.key) == (
        email_of("manager"),
        "phrase",
        "added",
        "wonga",
    )
    assert change.after == {
        "phrase": "Wonga",
        "means": ["payday", "loan", "debt"],
        "needs": ["money_debt"],
    }


def test_a_changed_need_is_used_at_once_and_its_crisis_flag_cannot_be_changed(app):
    client = client_for(app, "admin")
    public = app.test_client()
    assert api(public, {"q": "zorbing"})["total"] == 0
    page = client.get(f"{PAGE}/needs/loneliness")
    assert page.status_code == 200 and "crisis" not in page.get_data(as_text=True)
    data = need_form(page, synonyms="lonely\nzorbing\nno friends", label="Feeling alone")
    response = client.post(f"{PAGE}/needs/loneliness", data={**data, "crisis": "no"})
    assert response.status_code == 302, text(response)
    term = need_row(app)
    assert (term.name, term.synonyms) == ("Feeling alone", ["lonely", "zorbing", "no friends"])
    found = {r["name"] for r in api(public, {"q": "zorbing"})["results"]}
    assert "Tuesday Tea and Chat" in found
    with app.app_context():
        known = needs.current()
        assert known.need("loneliness").label == "Feeling alone"
        wanted = match_request.read_request(
            {"age": 60, "postcode": "LS6 1BD", "needs": ["zorbing"]}
        )
        assert wanted.needs == ["loneliness"]
    [change] = history(app)
    assert change.action == "changed" and change.key == "loneliness"
    assert change.before["label"] == "Loneliness and isolation"
    assert change.after == {
        "label": "Feeling alone",
        "synonyms": ["lonely", "zorbing", "no friends"],
    }
    # the urgent need's words may be changed; its urgent help may not (no field for it)
    crisis_page = client.get(f"{PAGE}/needs/{CRISIS}")
    assert "brings up urgent help" in text(crisis_page)
    data = need_form(crisis_page, description="Thoughts of suicide or self-harm")
    assert client.post(f"{PAGE}/needs/{CRISIS}", data={**data, "crisis": "no"}).status_code == 302
    assert need_row(app, CRISIS).crisis is True


def test_a_phrase_can_be_changed_and_removed(app):
    client = client_for(app, "manager")
    skint = phrase_row(app, "skint")
    page = client.get(f"{PAGE}/phrases/{skint.id}")
    assert page.status_code == 200
    response = client.post(
        f"{PAGE}/phrases/{skint.id}",
        data={
            "based_on": based_on(page),
            "phrase": "skint",
            "means": "money",
            "needs": "money_debt",
        },
    )
    assert response.status_code == 302, text(response)
    assert phrase_row(app, "skint").needs == ["money_debt"]
    with app.app_context():
        assert match_request.read_request(
            {"age": 40, "postcode": "LS6 1BD", "needs": ["skint"]}
        ).needs == ["money_debt"]
    page = client.get(f"{PAGE}/phrases/{skint.id}")
    removed = client.post(f"{PAGE}/phrases/{skint.id}/remove", data={"based_on": based_on(page)})
    assert removed.status_code == 302
    assert phrase_row(app, "skint") is None
    assert [c.action for c in history(app)] == ["changed", "removed"]
    assert "Removed phrase “skint”" in text(client.get(PAGE))


# --- bad input: a clear message, nothing changed ----------------------------------------

BAD_PHRASES = [
    ({"phrase": "", "needs": "money_debt"}, "Enter the words people type"),
    ({"phrase": "  !!  ", "needs": "money_debt"}, "Enter the words people type"),
    ({"phrase": "wonga", "needs": "flying"}, "“flying” is not a need"),
    ({"phrase": "wonga", "needs": ""}, "Give at least one need"),
    ({"phrase": "w" * 61, "needs": "money_debt"}, "60 characters or fewer: this one is 61"),
    ({"phrase": "SKINT", "needs": "money_debt"}, "“skint” is already a search phrase"),
    ({"phrase": "cant  pay", "needs": "money_debt"}, "“cant pay” is already a search phrase"),
]


@pytest.mark.parametrize(("data", "says"), BAD_PHRASES)
def test_a_bad_new_phrase_is_refused_with_a_clear_message(app, data, says):
    client = client_for(app, "manager")
    before = phrase_count(app)
    response = client.post(f"{PAGE}/phrases/new", data={"means": "money", **data})
    assert response.status_code == 400
    assert says in text(response)
    assert "There is a problem" in text(response)
    assert phrase_count(app) == before and history(app) == []


BAD_NEEDS = [
    ({"label": ""}, "Enter the need's name"),
    ({"label": "Money worries and debt"}, "Another need is already called"),
    ({"synonyms": "lonely\nLonely"}, "“Lonely” is listed twice"),
    ({"synonyms": "lonely\n" + "x" * 61}, "60 characters or fewer"),
    ({"description": "x" * 501}, "500 characters or fewer"),
]


@pytest.mark.parametrize(("changes", "says"), BAD_NEEDS)
def test_a_bad_need_change_is_refused_and_keeps_what_was_typed(app, changes, says):
    client = client_for(app, "manager")
    data = need_form(client.get(f"{PAGE}/needs/loneliness"), **changes)
    response = client.post(f"{PAGE}/needs/loneliness", data=data)
    assert response.status_code == 400
    assert says in text(response)
    term = need_row(app)
    assert term.name == "Loneliness and isolation" and "lonely" in term.synonyms
    assert history(app) == []


def test_an_unknown_need_or_phrase_is_not_found(app):
    client = client_for(app, "manager")
    assert client.get(f"{PAGE}/needs/flying").status_code == 404
    gone = client.get(f"{PAGE}/phrases/{stable_id('search_phrase', 'nothing')}")
    assert gone.status_code == 302 and "no longer there" in text(client.get(PAGE))


# --- two people at once ------------------------------------------------------------------


def test_the_second_of_two_saves_of_a_need_is_refused_and_keeps_their_words(app):
    first, second = client_for(app, "manager"), client_for(app, "admin")
    theirs = need_form(first.get(f"{PAGE}/needs/loneliness"), synonyms="lonely\nalone")
    mine = need_form(second.get(f"{PAGE}/needs/loneliness"), synonyms="lonely\nby myself")
    assert first.post(f"{PAGE}/needs/loneliness", data=theirs).status_code == 302
    refused = second.post(f"{PAGE}/needs/loneliness", data=mine)
    assert refused.status_code == 409
    words = text(refused)
    assert "Someone else changed this need while you were editing" in words
    assert email_of("manager") in words and "nothing was saved" in words
    assert "by myself" in refused.get_data(as_text=True)  # their text is still in the form
    assert need_row(app).synonyms == ["lonely", "alone"]
    # having seen the other change, saving again is a knowing choice, and is kept
    again = second.post(f"{PAGE}/needs/loneliness", data={**mine, "based_on": based_on(refused)})
    assert again.status_code == 302
    assert need_row(app).synonyms == ["lonely", "by myself"]
    assert [c.actor for c in history(app)] == [email_of("manager"), email_of("admin")]


def test_a_phrase_changed_or_removed_by_someone_else_is_not_overwritten(app):
    first, second = client_for(app, "manager"), client_for(app, "admin")
    broke = phrase_row(app, "broke")
    url = f"{PAGE}/phrases/{broke.id}"
    stale = based_on(second.get(url))
    changed = {"based_on": based_on(first.get(url)), "phrase": "broke", "needs": "money_debt"}
    assert first.post(url, data=changed).status_code == 302
    mine = {"based_on": stale, "phrase": "brok", "means": "money", "needs": "benefits"}
    refused = second.post(url, data=mine)
    assert refused.status_code == 409 and "nothing was saved" in text(refused)
    assert 'value="brok"' in refused.get_data(as_text=True)
    assert second.post(f"{url}/remove", data={"based_on": stale}).status_code == 409
    assert phrase_row(app, "broke").needs == ["money_debt"]
    # removed by one while the other edits: the other is told, and nothing comes back
    assert (
        first.post(f"{url}/remove", data={"based_on": based_on(first.get(url))}).status_code == 302
    )
    late = second.post(url, data={**mine, "based_on": based_on(refused)})
    assert late.status_code == 302 and phrase_row(app, "brok") is None
    assert phrase_row(app, "broke") is None


# --- the seed files are the first load, not the master -----------------------------------


def test_seeding_again_leaves_managers_changes_and_says_so(app):
    client = client_for(app, "manager")
    data = need_form(client.get(f"{PAGE}/needs/loneliness"), label="Feeling alone")
    assert client.post(f"{PAGE}/needs/loneliness", data=data).status_code == 302
    skint = phrase_row(app, "skint")
    page = client.get(f"{PAGE}/phrases/{skint.id}")
    assert client.post(f"{PAGE}/phrases/{skint.id}/remove", data={"based_on": based_on(page)})
    # a row nobody changed on the page, changed behind its back, goes back to the files
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        broke = session.exec(select(SearchPhrase).where(SearchPhrase.phrase == "broke")).one()
        broke.needs = ["food"]
        session.add(broke)
        session.commit()
    result = app.test_cli_runner().invoke(args=["seed", "--vocabulary-only"])
    assert result.exit_code == 0, result.output
    assert "Left 2 manager's change(s) as they are" in result.output
    assert "need loneliness" in result.output and "phrase “skint”" in result.output
    assert need_row(app).name == "Feeling alone"
    assert need_row(app).synonyms[:1] == ["lonely"]
    assert phrase_row(app, "skint") is None
    assert phrase_row(app, "broke").needs == ["money_debt", "benefits"]
    help_text = app.test_cli_runner().invoke(args=["seed", "--help"]).output
    assert "/manage/vocabulary" in help_text


@pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
def test_a_need_stamped_by_the_database_before_this_version_can_still_be_changed(
    databases, tmp_path
):
    """0007 stamped existing needs with the database's CURRENT_TIMESTAMP, which SQLite keeps
    as text of another form than the app's: 0008 stamps them again, so that a save of a
    form that read one compares equal and is not refused as someone else's change."""
    engine = db.make_engine(databases.new())
    try:
        migrate.upgrade(engine)
        with Session(engine) as session:
            seeding.seed_vocabulary(session)
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE taxonomy_term SET updated_at = CURRENT_TIMESTAMP"))
        migrate.downgrade(engine, "0007_needs_vocabulary")
        migrate.upgrade(engine)
        with Session(engine) as session:
            manager = User(email=email_of("manager"), password_hash="x", role=Role.MANAGER)
            session.add(manager)
            session.commit()
            term = session.get(TaxonomyTerm, LONELINESS)
            words = needs_editing.NeedWords(term.name, term.description, ("lonely", "alone"))
            changed = needs_editing.change_need(
                session, manager, term, words, needs_editing.stamp(term)
            )
            assert changed == ["synonyms"]
            assert session.get(TaxonomyTerm, LONELINESS).synonyms == ["lonely", "alone"]
    finally:
        engine.dispose()
