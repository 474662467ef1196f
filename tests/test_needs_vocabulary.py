"""The needs vocabulary (needs, synonyms, search phrases, form groups, ages) has one source
at run time, the database: seeding loads it, and search, matching and the form read it
through directory.catalogue.needs, seeing an edit at once and coping with none at all."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from sqlmodel import Session, select
from werkzeug.datastructures import MultiDict

from directory import db, migrate, safety, search
from directory.accounts import api_tokens
from directory.catalogue import needs, seeding
from directory.catalogue.seed_files import SEED, CatalogueError, read_needs
from directory.matching import match_request
from directory.models import (
    Role,
    SearchPhrase,
    ServiceTaxonomyTerm,
    TaxonomyTerm,
    User,
    stable_id,
)
from directory.oruk.needs_map import NeedsMap
from tests.accounts_helpers import FAST_HASH, client_for, email_of
from tests.conftest import SMALL_CATALOGUE, build_index, demo_needs
from tests.search_helpers import api, text

LONELINESS = stable_id("need", "loneliness")
VOCABULARY_FILES = ("needs.csv", "synonyms.csv", "need_groups.yaml")


def phrase_rows() -> list[dict[str, str]]:
    with (SEED / "synonyms.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def vocabulary_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "vocabulary"
    folder.mkdir()
    for name in VOCABULARY_FILES:
        shutil.copy(SEED / name, folder / name)
    return folder


# --- seeding ------------------------------------------------------------------------------


def test_seeding_loads_every_search_phrase_once(small_app, session_for):
    session = session_for(small_app)
    rows = session.exec(select(SearchPhrase).order_by(SearchPhrase.position)).all()
    assert [r.phrase for r in rows] == [row["phrase"] for row in phrase_rows()]
    skint = next(r for r in rows if r.phrase == "skint")
    assert (skint.means, skint.needs) == (["money", "debt", "benefits"], ["money_debt", "benefits"])
    before = {r.id: r.updated_at for r in rows}
    seeding.seed(session, SMALL_CATALOGUE)
    session.expire_all()
    after = session.exec(select(SearchPhrase)).all()
    assert {r.id: r.updated_at for r in after} == before
    assert seeding.counts(session).phrases == len(phrase_rows())


def test_the_database_holds_the_vocabulary_of_the_files(demo_app, session_for):
    known = needs.read(session_for(demo_app))
    files = read_needs()
    assert [n.code for n in known.needs] == [n.id for n in files]
    assert [n.synonyms for n in known.needs] == [tuple(n.synonyms) for n in files]
    assert [n.code for n in known.needs if n.crisis] == [n.id for n in files if n.crisis]
    young, older = known.need("young_people"), known.need("older_people")
    assert (young.min_age, young.max_age, older.min_age, older.max_age) == (11, 25, 50, None)
    groups = yaml.safe_load((SEED / "need_groups.yaml").read_text(encoding="utf-8"))
    assert [(label, [n.code for n in grouped]) for label, grouped in known.groups()] == [
        (g["label"], g["needs"]) for g in groups
    ]
    assert [(p.phrase, list(p.needs)) for p in known.phrases] == [
        (r["phrase"], r["needs"].split(";")) for r in phrase_rows()
    ]
    # the tests' vocabulary without an app is this one, read the same way
    assert demo_needs().needs == known.needs and demo_needs().phrases == known.phrases


def _next_line(name: str) -> int:
    """The line number a row added at the end of a seed file gets."""
    return len((SEED / name).read_text(encoding="utf-8").splitlines()) + 1


BAD_FILES = [
    ("needs.csv", "extra,Extra,Something,,,,no,old,\n", "needs.csv: line 33: min_age: 'old'"),
    (
        "synonyms.csv",
        "skint,money,flying\n",
        f"synonyms.csv: line {_next_line('synonyms.csv')}: needs: 'flying'",
    ),
    (
        "synonyms.csv",
        "Skint,money,money_debt\n",
        f"synonyms.csv: line {_next_line('synonyms.csv')}: phrase: 'Skint'",
    ),
    ("need_groups.yaml", "- {label: Again, needs: [food]}\n", "need_groups.yaml: [6].needs"),
]


@pytest.mark.parametrize(("name", "added", "says"), BAD_FILES)
def test_a_wrong_vocabulary_file_is_named_and_nothing_is_loaded(
    empty_app, session_for, tmp_path, name, added, says
):
    folder = vocabulary_copy(tmp_path)
    with (folder / name).open("a", encoding="utf-8") as f:
        f.write(added)
    session = session_for(empty_app)
    with pytest.raises(CatalogueError) as raised:
        seeding.seed_vocabulary(session, folder)
    assert any(p.startswith(says) for p in raised.value.problems), raised.value.problems
    assert session.exec(select(TaxonomyTerm)).all() == []
    assert session.exec(select(SearchPhrase)).all() == []


def test_seed_can_load_the_vocabulary_alone(empty_app):
    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["seed", "--vocabulary-only"])
    assert result.exit_code == 0, result.output
    loaded = "0 organisations, 0 services (0 published), 0 locations, 31 needs"
    assert f"{loaded}, {len(phrase_rows())} search phrases" in result.output
    assert runner.invoke(args=["seed", "--vocabulary-only"]).output == result.output
    both = runner.invoke(args=["seed", "--vocabulary-only", "--from", str(SMALL_CATALOGUE)])
    assert both.exit_code == 2 and "leave out --from" in both.output


# --- read at run time, held per app ------------------------------------------------------


def test_a_held_vocabulary_costs_one_small_query_until_it_changes(small_app):
    with small_app.app_context(), Session(db.engine()) as session:
        first = needs.held(session)
        statements = []

        def count(*args: object) -> None:
            statements.append(args[2])

        sa.event.listen(db.engine(), "before_cursor_execute", count)
        assert needs.held(session) is first  # the same transaction: asked once only
        assert statements == []
        session.rollback()
        assert needs.held(session) is first  # another: one small query
        sa.event.remove(db.engine(), "before_cursor_execute", count)
        assert len(statements) == 1
        term = session.get(TaxonomyTerm, LONELINESS)
        term.synonyms = [*term.synonyms, "zorbing"]
        session.commit()
        assert "zorbing" in needs.held(session).need("loneliness").synonyms


def test_a_renamed_need_shows_on_the_next_home_page(small_app):
    """The home page's body is rendered once per vocabulary and held (web/public/home_page.py):
    a need renamed by another worker process shows on the next home page all the same."""
    client = small_app.test_client()
    for _ in range(2):  # the second from the held body
        assert "Loneliness and isolation" in client.get("/").get_data(as_text=True)
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        term = session.get(TaxonomyTerm, LONELINESS)
        term.name, term.description = "Feeling alone", "Nobody to talk to & no one to see"
        session.commit()
    body = client.get("/").get_data(as_text=True)
    assert "Loneliness and isolation" not in body
    assert ">Feeling alone</a>" in body
    assert "Nobody to talk to &amp; no one to see" in body


def test_a_changed_synonym_is_seen_by_the_next_search_and_match(small_search):
    client = small_search.test_client()
    lonely = {"age": 60, "postcode": "LS6 1BD", "needs": ["zorbing"]}
    assert api(client, {"q": "zorbing"})["total"] == 0
    with small_search.app_context(), pytest.raises(match_request.MatchRequestError):
        match_request.read_request(lonely)
    # another worker process (here, another session) gives loneliness a new synonym
    with Session(small_search.extensions[db.ENGINE_KEY]) as session:
        term = session.get(TaxonomyTerm, LONELINESS)
        term.synonyms = [*term.synonyms, "zorbing"]
        session.commit()
    found = {r["name"] for r in api(client, {"q": "zorbing"})["results"]}
    assert "Tuesday Tea and Chat" in found
    with small_search.app_context():
        wanted = match_request.read_request(lonely)
        assert wanted.profile.needs == ("loneliness",)
        result = match_request.run(db.session(), wanted)
    tea = next(s for s in result.suggestions if s.name == "Tuesday Tea and Chat")
    assert tea.reasons[0].text.startswith("meets: loneliness and isolation")


def test_a_changed_search_phrase_is_seen_by_the_next_search(small_search):
    client = small_search.test_client()
    assert api(client, {"q": "wobbly"})["total"] == 0
    with Session(small_search.extensions[db.ENGINE_KEY]) as session:
        session.add(SearchPhrase(phrase="wobbly", means=["money"], needs=["money_debt"]))
        session.commit()
    found = {r["name"] for r in api(client, {"q": "wobbly"})["results"]}
    assert found == {"Money Worries Clinic"}


def test_the_open_referral_import_maps_terms_by_the_vocabulary_in_the_database(small_app):
    """The importer's map of foreign terms to our needs is built from needs.held (the
    database), so a synonym a manager adds maps a term of another directory at once."""
    term = {"id": "x-1", "code": "X1", "name": "Zorbing", "taxonomy": "Elsewhere"}
    with small_app.app_context(), Session(db.engine()) as session:
        assert NeedsMap(needs.held(session)).find(term).need is None
        loneliness = session.get(TaxonomyTerm, LONELINESS)
        loneliness.synonyms = [*loneliness.synonyms, "zorbing"]
        session.commit()
        found = NeedsMap(needs.held(session)).find(term)
    assert (found.need.code, found.how) == ("loneliness", "name")


# --- a directory with no needs at all -----------------------------------------------------


@pytest.fixture
def no_needs(small_app):
    """A directory with listings but no needs and no search phrases in its database (as one
    that imported its own listings before loading any vocabulary), with its search index."""
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        for table in (ServiceTaxonomyTerm, TaxonomyTerm, SearchPhrase):
            session.execute(sa.delete(table))
        worker = email_of("linkworker")
        session.add(User(email=worker, password_hash=FAST_HASH, role=Role.LINK_WORKER))
        session.commit()
    build_index(small_app)
    return small_app


def test_search_without_a_vocabulary_finds_nothing_but_still_shows_urgent_help(no_needs):
    client = no_needs.test_client()
    assert api(client, {"q": "lonely"})["total"] == 0  # no synonyms to say what it means
    assert {r["name"] for r in api(client, {"q": "tea"})["results"]} == {"Tuesday Tea and Chat"}
    crisis = api(client, {"q": "I want to kill myself"})["crisis"]
    assert crisis["kind"] == "self"
    assert crisis["heading"] == safety.panel("self").heading
    page = client.get("/search?q=suicidal")
    assert page.status_code == 200
    assert "Samaritans" in text(page)


def test_matching_without_a_vocabulary_says_the_need_is_unknown(no_needs):
    with no_needs.app_context(), pytest.raises(match_request.MatchRequestError) as refused:
        match_request.read_request({"age": 60, "postcode": "LS6 1BD", "needs": ["loneliness"]})
    assert "We don't know the need" in refused.value.problems["needs"]
    form = client_for(no_needs, "linkworker").get("/link-worker/match")
    assert form.status_code == 200
    assert 'name="needs"' not in form.get_data(as_text=True)


# --- the matcher reads words as search does -----------------------------------------------


def words_people_use(known: needs.NeedsVocabulary) -> list[str]:
    """Every synonym of every need and every search phrase, each once."""
    said = [s for n in known.needs for s in n.synonyms] + [p.phrase for p in known.phrases]
    return list(dict.fromkeys(said))


def typo_of(words: str) -> str:
    """The words with two letters of their longest word swapped: one typo."""
    longest = max(words.split(), key=len)
    i = len(longest) // 2
    swapped = longest[: i - 1] + longest[i] + longest[i - 1] + longest[i + 1 :]
    return words.replace(longest, swapped, 1)


def search_reads(app, session: Session, words: str) -> tuple[set[str], bool]:
    """The needs the public search understands in the words, and whether it saw danger."""
    with app.app_context():
        request = search.SearchRequest(words)
        found = search.search(session, app.extensions[search.EXTENSION], request)
    return set(found.needs_understood), found.crisis is not None


def without_danger(needs_read: set[str], danger: bool) -> set[str]:
    """Urgent help is raised by the danger words themselves (directory/safety), not by the
    vocabulary: leave its needs out when search saw danger, as the matcher reads needs only."""
    raised = {code for codes in safety.NEEDS_OF_KIND.values() for code in codes}
    return needs_read - raised if danger else needs_read


@pytest.fixture
def matching_app(small_search, monkeypatch):
    """The small catalogue with seed/'s vocabulary, its index, and a link worker's token."""
    # Each `flask match` checks the schema is the newest; reading the newest from the
    # migration files costs a tenth of a second, and it cannot change during a test.
    head = migrate.head_revision(small_search.extensions[db.ENGINE_KEY])
    monkeypatch.setattr(migrate, "head_revision", lambda engine: head)
    with Session(small_search.extensions[db.ENGINE_KEY]) as session:
        worker = User(email=email_of("linkworker"), password_hash=FAST_HASH, role=Role.LINK_WORKER)
        session.add(worker)
        session.commit()
        small_search.config["token"] = api_tokens.create_token(session, worker, "tests")
    return small_search


def matched_needs(app, words: str) -> dict[str, list[str]]:
    """The needs the matcher reads the words as, through the API, the CLI and the form."""
    person = {"age": 40, "postcode": "LS6 1BD", "needs": [words]}
    token = app.config["token"]
    response = app.test_client().post(
        "/api/v1/match", json=person, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, (words, response.get_json())
    cli = app.test_cli_runner().invoke(
        args=["match", "--age", "40", "--postcode", "LS6 1BD", "--need", words, "--json"]
    )
    assert cli.exit_code == 0, (words, cli.output)
    with app.app_context():
        form = match_request.read_form(MultiDict({**person, "age": "40", "needs": words}))
    return {
        "api": response.get_json()["needs"],
        "cli": json.loads(cli.stdout)["needs"],
        "form": list(form.needs),
    }


@pytest.mark.sqlite_only  # the index and the vocabulary's reading, not the database
def test_the_matcher_reads_every_synonym_phrase_and_typo_as_search_does(matching_app):
    """Every word search understands (each need's synonyms, each search phrase: slang such
    as "skint", misspellings such as "lonley") is a need the matcher takes, through the
    API, the CLI and the matching form, meaning the needs search reads in it; and so is a
    typo of every longer one."""
    with Session(matching_app.extensions[db.ENGINE_KEY]) as session:
        known = needs.read(session)
        said = words_people_use(known)
        assert len(said) > 200 and "skint" in said and "lonley" in said
        read_by_search = {words: search_reads(matching_app, session, words) for words in said}
    differ = {}
    for words in said:
        needs_read, danger = read_by_search[words]
        assert needs_read, f"search understands no need in {words!r}"
        wanted = without_danger(needs_read, danger)
        for way, found in matched_needs(matching_app, words).items():
            if without_danger(set(found), danger) != wanted or len(found) != len(set(found)):
                differ[(words, way)] = (found, sorted(needs_read))
    assert differ == {}
    typos = {typo_of(w): w for w in said if len(w) >= 6}
    typos = {typo: w for typo, w in typos.items() if needs.normalise(typo) not in known.meanings}
    assert len(typos) > 100
    for typo, words in typos.items():
        wanted = without_danger(*read_by_search[words])
        for way, found in matched_needs(matching_app, typo).items():
            if without_danger(set(found), read_by_search[words][1]) != wanted:
                differ[(typo, way)] = (found, sorted(wanted))
    assert differ == {}


def test_skint_means_money_worries_and_benefits_to_the_matcher(matching_app):
    for words in ("skint", "Skint", "skimt", "SKINT!"):
        assert matched_needs(matching_app, words) == dict.fromkeys(
            ("api", "cli", "form"), ["money_debt", "benefits"]
        )
