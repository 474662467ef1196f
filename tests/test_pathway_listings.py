"""NHS mental health pathway listings in the catalogue: the demo's NHS services load at their
levels, the seed files refuse bad codes with a message, the service page and a link worker's
shortlist show the level, who it is for, each route, how to refer and out of hours in words,
and the listing form edits them with clear errors, its revisions naming them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from accounts_helpers import TEA, add_people, client_for, form_for
from flask import Flask
from sqlmodel import Session, select

from directory import db
from directory.catalogue import seeding, vocabulary
from directory.catalogue.seed_files import DEMO_PLACE, CatalogueError, read_catalogue
from directory.listings import editing, snapshots
from directory.models import (
    REFERRAL_ROUTE_CODES,
    CareLevel,
    ListingChange,
    ListingStatus,
    Service,
    stable_id,
)
from directory.web.manage.forms import ServiceForm
from tests.conftest import SMALL_CATALOGUE
from tests.test_linkworker_pages import add, shortlist_of, signed_in

TALKING = stable_id("service", "aire-valley-talking-therapies")
MHP = stable_id("service", "meadowvale-mental-health-practitioners")
CRISIS_LINE = stable_id("service", "leodis-crisis-line")
YOUTH = stable_id("service", "young-minds-wellbeing")
COMMUNITY_TEA = stable_id("service", "hyde-park-friends-tuesday-tea")
OTHER = stable_id("service", "chapeltown-listening-line")  # of the small catalogue
NHS_FILES = (
    "aire-valley-talking-therapies",
    "meadowvale-pcn-mental-health",
    "leodis-mental-health-nhs",
    "leeds-young-minds-nhs",
)
SQLITE_ONLY = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _pathway_listings(app: Flask) -> list[Service]:
    with Session(app.extensions[db.ENGINE_KEY], expire_on_commit=False) as session:
        found = session.exec(select(Service).where(Service.pathway != "")).all()
        for service in found:
            session.expunge(service)
        return list(found)


# --- the demo catalogue --------------------------------------------------------------------


def test_the_demo_lists_every_nhs_pathway_published_at_its_level(demo_app) -> None:
    listings = _pathway_listings(demo_app)
    assert {s.pathway for s in listings} == set(vocabulary.NHS_PATHWAYS)
    for service in listings:
        assert service.status == ListingStatus.PUBLISHED, service.name
        assert service.care_level is not None, service.name
        assert service.out_of_hours and service.application_process, service.name
        assert service.referral_routes and service.routes_known, service.name
    levels = {level: [s for s in listings if s.care_level == level] for level in CareLevel}
    assert len(levels[CareLevel.PRIMARY_CARE]) >= 2 and len(levels[CareLevel.SPECIALIST]) >= 5
    assert len(levels[CareLevel.CRISIS]) >= 2 and len(levels[CareLevel.COMMUNITY]) >= 1
    by_id = {s.id: s for s in listings}
    # the routes in, as people use them: Talking Therapies and the youth offer take
    # self-referrals; the practice's practitioner only through the practice; the line, urgent
    assert by_id[TALKING].self_referral and by_id[TALKING].mhp_referral
    assert not by_id[MHP].self_referral and by_id[MHP].gp_referral
    assert by_id[CRISIS_LINE].urgent_referral and by_id[CRISIS_LINE].care_level == CareLevel.CRISIS
    assert (by_id[YOUTH].minimum_age, by_id[YOUTH].maximum_age) == (11, 25)
    assert "from 16 you can refer yourself" in by_id[YOUTH].eligibility_description


def test_the_demo_leaves_community_listings_without_a_pathway(demo_app) -> None:
    with Session(demo_app.extensions[db.ENGINE_KEY]) as session:
        tea = session.get(Service, COMMUNITY_TEA)
        assert (tea.pathway, tea.care_level, tea.out_of_hours) == ("", None, "")
        ordinary = session.exec(select(Service).where(Service.pathway == "")).all()
    assert len(ordinary) > 100


def test_the_nhs_demo_files_say_they_are_invented_and_use_only_drama_or_checked_numbers():
    checked = {"111", "999", "0800 1111", "85258"}  # directory/safety/urgent_help.yaml
    drama = re.compile(r"^(0113 496 0\d{3}|07700 900\d{3})$")
    number = re.compile(r"\b0\d{3,4} ?\d{3} ?\d{3,4}\b|\b0800 1111\b|\b\d{3,5}\b")
    catalogue = {o.id: o for o in read_catalogue().organisations}
    for name in NHS_FILES:
        text = (DEMO_PLACE / "organisations" / f"{name}.yaml").read_text()
        assert text.startswith("# Invented:"), name
        org = catalogue[name]
        for service in org.services:
            words = " ".join([service.how_to_refer, service.out_of_hours, service.eligibility])
            for found in number.findall(words):
                if found.isdigit() and len(found) < 3:
                    continue
                assert drama.match(found) or found in checked, (name, found)


# --- the seed files ------------------------------------------------------------------------


def _catalogue_with(tmp_path: Path, **fields: object) -> Path:
    """A copy of the small catalogue whose first listing has these fields."""
    folder = tmp_path / "catalogue"
    shutil.copytree(SMALL_CATALOGUE, folder)
    path = folder / "organisations" / "hyde-park-friends.yaml"
    data = yaml.safe_load(path.read_text())
    data["services"][0].update(fields)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"pathway": "talking_therapy"},
            "services[0].pathway: 'talking_therapy' is not an NHS mental health pathway: use "
            "one of children_young_people, community_mental_health,",
        ),
        (
            {"pathway": "perinatal", "care_level": "secondary"},
            "services[0].care_level: 'secondary' is not a level of care: use one of community, "
            "crisis, primary_care, specialist",
        ),
        (
            {"care_level": "crisis"},
            "services[0].care_level: only an NHS pathway listing has one: add its pathway",
        ),
        (
            {"out_of_hours": "Call NHS 111."},
            "services[0].out_of_hours: only an NHS pathway listing has one: add its pathway",
        ),
        (
            {"pathway": "perinatal", "out_of_hours": "x" * 301},
            "services[0].out_of_hours: is 301 characters; the limit is 300",
        ),
        ({"referral": ["self", "nurse"]}, "services[0].referral: 'nurse' is not one of"),
    ],
)
def test_a_bad_pathway_code_is_refused_with_a_message_naming_file_and_field(
    tmp_path, fields, message
) -> None:
    with pytest.raises(CatalogueError) as refused:
        read_catalogue(_catalogue_with(tmp_path, **fields))
    assert any(
        p.startswith("hyde-park-friends.yaml: ") and message in p for p in refused.value.problems
    ), refused.value.problems


def test_a_bad_pathway_loads_nothing(small_app, session_for, tmp_path) -> None:
    session = session_for(small_app)
    before = seeding.counts(session)
    with pytest.raises(CatalogueError):
        seeding.seed(session, _catalogue_with(tmp_path, pathway="iapt"))
    session.rollback()
    assert seeding.counts(session) == before
    assert session.exec(select(Service).where(Service.pathway != "")).all() == []


def test_a_pathway_without_a_level_takes_its_usual_level_and_routes_load(
    small_app, session_for, tmp_path
) -> None:
    folder = _catalogue_with(
        tmp_path,
        pathway="community_mental_health",
        referral=["gp", "mhp", "urgent"],
        out_of_hours="Call NHS 111 and choose the mental health option.",
    )
    session = session_for(small_app)
    seeding.seed(session, folder)
    session.expire_all()
    tea = session.get(Service, TEA)
    assert (tea.pathway, tea.care_level) == ("community_mental_health", CareLevel.SPECIALIST)
    assert tea.referral_routes == ["gp", "mhp", "urgent"]
    assert tea.out_of_hours.startswith("Call NHS 111")
    assert tea.version == 2


# --- the pages ------------------------------------------------------------------------------


def test_the_service_page_shows_the_level_routes_how_to_refer_and_out_of_hours(demo_app) -> None:
    page = text_of(demo_app.test_client().get(f"/services/{TALKING}"))
    assert "NHS service</dt>" in page and "NHS Talking Therapies</dd>" in page
    assert "Level of care</dt>" in page
    assert vocabulary.CARE_LEVELS["primary_care"] in page
    for route in ("self", "gp", "mhp", "professional"):
        assert vocabulary.REFERRAL_ROUTES[route] in page
    assert vocabulary.REFERRAL_ROUTES["urgent"] not in page
    assert "Refer yourself with the online form" in page
    assert '<h2 id="out-of-hours">Out of hours</h2>' in page
    assert "call NHS 111 and choose the mental health option" in page
    assert "Anyone aged 16 or over who is registered with a GP in Leeds" in page


def test_the_crisis_line_page_says_urgent_and_links_its_number(demo_app) -> None:
    page = text_of(demo_app.test_client().get(f"/services/{CRISIS_LINE}"))
    assert vocabulary.CARE_LEVELS["crisis"] in page
    assert vocabulary.REFERRAL_ROUTES["urgent"] in page
    assert 'href="tel:+441134960950"' in page or 'href="tel:01134960950"' in page
    assert "Open 24 hours a day, every day of the year" in page


def test_a_community_page_shows_no_level_or_out_of_hours(demo_app) -> None:
    page = text_of(demo_app.test_client().get(f"/services/{COMMUNITY_TEA}"))
    assert "Level of care" not in page and "Out of hours" not in page


def test_a_link_workers_shortlist_shows_the_level_and_out_of_hours(
    small_app, session_for, tmp_path
) -> None:
    folder = _catalogue_with(
        tmp_path,
        pathway="youth_wellbeing",
        referral=["self", "mhp"],
        out_of_hours="Text SHOUT to 85258, any time.",
    )
    seeding.seed(session_for(small_app), folder)
    client = signed_in(small_app)
    add(client, TEA, OTHER, label="Ref pathways")
    mine = shortlist_of(small_app, client.user)
    page = text_of(client.get(f"/link-worker/shortlists/{mine.id}"))
    pathway = page.split("Tuesday Tea and Chat</h2>")[1].split("</section>")[0]
    assert "Level of care</dt>" in pathway
    assert "Community support (Youth mental health and wellbeing support)" in pathway
    assert "Out of hours</dt>" in pathway and "Text SHOUT to 85258, any time." in pathway
    assert vocabulary.REFERRAL_ROUTES["mhp"] in pathway
    other = page.split("</section>")[1]
    assert "Evening Listening Line" in other
    assert "Level of care" not in other and "Out of hours" not in other


# --- the listing form -----------------------------------------------------------------------


@pytest.fixture
def app(small_app: Flask) -> Flask:
    add_people(small_app)
    return small_app


def current(app: Flask) -> dict:
    with app.app_context(), Session(app.extensions[db.ENGINE_KEY]) as session:
        return editing.snapshot(editing.load_service(session, TEA))


def _edit(client, values: dict, version: int = 1):
    return client.post(f"/manage/services/{TEA}/edit", data=form_for(values, version))


NHS_VALUES = {
    "pathway": "perinatal",
    "care_level": "specialist",
    "out_of_hours": "Call NHS 111 and choose the mental health option.",
    "referral_routes": ["gp", "mhp", "urgent"],
}


def test_a_manager_makes_a_listing_a_pathway_listing_and_the_history_names_it(app) -> None:
    manager = client_for(app, "manager")
    form = text_of(manager.get(f"/manage/services/{TEA}/edit"))
    assert "NHS mental health pathway" in form and "Level of care" in form
    assert "Out of hours" in form
    response = _edit(manager, dict(current(app), **NHS_VALUES))
    assert response.status_code == 302, response.text
    now = current(app)
    assert {name: now[name] for name in NHS_VALUES} == NHS_VALUES
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        tea = session.get(Service, TEA)
        assert tea.care_level == CareLevel.SPECIALIST and tea.urgent_referral
        change = session.exec(select(ListingChange).where(ListingChange.entity_id == TEA)).one()
    assert change.after["pathway"] == "perinatal" and change.before["pathway"] == ""
    assert change.after["care_level"] == "specialist" and change.before["care_level"] is None
    history = text_of(manager.get(f"/manage/services/{TEA}/history"))
    for words in ("NHS mental health pathway", "Perinatal mental health", "Level of care"):
        assert words in history, words
    assert vocabulary.CARE_LEVELS["specialist"] in history


def test_an_editors_proposal_shows_the_pathway_in_words_for_review(app) -> None:
    editor, manager = client_for(app, "editor"), client_for(app, "manager")
    assert _edit(editor, dict(current(app), **NHS_VALUES)).status_code == 302
    assert current(app)["pathway"] == ""  # waits for a manager
    dashboard = manager.get("/manage/").text
    revision = re.search(r"/manage/revisions/[0-9a-f-]+", dashboard).group(0)
    page = text_of(manager.get(revision))
    for words in (
        "NHS mental health pathway",
        "Perinatal mental health",
        "Level of care",
        "Specialist NHS mental health care",
        "Out of hours",
        vocabulary.REFERRAL_ROUTES["mhp"],
        vocabulary.REFERRAL_ROUTES["urgent"],
    ):
        assert words in page, words
    assert manager.post(revision, data={"approve-submit": "1"}).status_code == 302
    assert current(app)["care_level"] == "specialist"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"pathway": "perinatal", "care_level": None},
            "Choose the level of care of this NHS service, or choose no pathway.",
        ),
        (
            {"care_level": "crisis"},
            "Only an NHS mental health service has a level of care",
        ),
        (
            {"out_of_hours": "Call 111."},
            "Only an NHS mental health service has out-of-hours words here",
        ),
        ({"pathway": "iapt", "care_level": "primary_care"}, "Not a valid choice"),
        ({"pathway": "perinatal", "care_level": "tertiary"}, "Not a valid choice"),
        (
            {"pathway": "perinatal", "care_level": "specialist", "out_of_hours": "x" * 301},
            "Field cannot be longer than 300 characters.",
        ),
        ({"referral_routes": ["self", "nurse"]}, "Choose only from the options shown."),
    ],
)
@SQLITE_ONLY
def test_bad_pathway_answers_get_a_clear_error_and_change_nothing(app, changes, message) -> None:
    manager = client_for(app, "manager")
    start = current(app)
    response = _edit(manager, dict(start, **changes))
    assert response.status_code == 400
    assert message in response.text.replace("&#39;", "'")
    assert "There is a problem" in response.text
    assert current(app) == start


def test_a_revision_from_before_pathways_still_reads(app) -> None:
    """A snapshot saved before the pathway fields (no such keys) compares and fills the form."""
    old = {k: v for k, v in current(app).items() if k not in ("pathway", "care_level")}
    old.pop("out_of_hours")
    assert "pathway" not in snapshots.diff(old, current(app))
    with app.test_request_context():
        form = ServiceForm(data=ServiceForm.data_from(old))
        assert form.care_level.data == "" and form.pathway.data == ""


def test_every_route_has_words_for_the_pages() -> None:
    assert tuple(vocabulary.REFERRAL_ROUTES) == REFERRAL_ROUTE_CODES


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"pathway": "eating_disorders"}, ("eating_disorders", CareLevel.SPECIALIST)),
        ({"pathway": "crisis_line", "care_level": None}, ("crisis_line", CareLevel.CRISIS)),
        ({"care_level": "crisis"}, ("", None)),
        (
            {"pathway": "youth_wellbeing", "care_level": "primary_care"},
            ("youth_wellbeing", CareLevel.PRIMARY_CARE),
        ),
    ],
)
@SQLITE_ONLY
def test_values_applied_without_the_other_half_keep_level_with_pathway(
    small_app, session_for, values, expected
) -> None:
    """A merge may take a pathway from a duplicate without its level, or a level alone: a
    level belongs to a pathway listing, and a pathway always has one."""
    session = session_for(small_app)
    tea = editing.load_service(session, TEA)
    snapshots.apply(session, tea, values)
    assert (tea.pathway, tea.care_level) == expected
