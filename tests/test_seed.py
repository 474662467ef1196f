"""Seeding: the needs taxonomy and a catalogue load idempotently; bad files change nothing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from directory.catalogue import seeding
from directory.catalogue.seed_files import CatalogueError, read_catalogue, read_needs
from directory.models import (
    Capacity,
    ListingStatus,
    Location,
    Neighbourhood,
    Organisation,
    Schedule,
    Service,
    ServiceTaxonomyTerm,
    TaxonomyTerm,
    stable_id,
)
from tests.conftest import SMALL_CATALOGUE

TEA = stable_id("service", "hyde-park-tuesday-tea")


def test_seeding_twice_changes_nothing(small_app, session_for):
    session = session_for(small_app)
    before = seeding.counts(session)

    def versions():
        rows = [*session.exec(select(Service)), *session.exec(select(Organisation))]
        rows += session.exec(select(Location)).all()
        return {r.id: (r.version, r.updated_at) for r in rows}

    first = versions()
    assert {version for version, _ in first.values()} == {1}
    seeding.seed(session, SMALL_CATALOGUE)
    session.expire_all()
    assert seeding.counts(session) == before
    assert versions() == first
    assert len(session.exec(select(Schedule)).all()) == 3


def test_counts_describe_the_small_catalogue(small_app, session_for):
    counts = seeding.counts(session_for(small_app))
    assert (counts.organisations, counts.services, counts.published, counts.locations) == (
        2,
        4,
        3,
        1,
    )
    assert counts.needs == len(read_needs())
    assert str(counts).startswith("2 organisations, 4 services (3 published)")


def test_a_changed_listing_is_updated_in_place_with_a_new_version(small_app, session_for, tmp_path):
    folder = _copy_catalogue(tmp_path)
    _edit(folder, "hyde-park-friends", lambda d: d["services"][0].update(name="Tuesday Tea"))
    session = session_for(small_app)
    seeding.seed(session, folder)
    session.expire_all()
    tea = session.get(Service, TEA)
    assert tea.name == "Tuesday Tea"
    assert tea.version == 2
    assert seeding.counts(session).services == 4


def test_seeded_facts_reach_the_database(small_app, session_for):
    session = session_for(small_app)
    tea = session.get(Service, TEA)
    assert tea.status == ListingStatus.PUBLISHED
    assert [n.code for n in tea.needs] == ["loneliness", "older_people"]
    assert (tea.minimum_age, tea.maximum_age) == (50, None)
    assert tea.self_referral and tea.professional_referral and not tea.gp_referral
    assert [(s.byday, s.opens_at, s.closes_at) for s in tea.schedules] == [
        ("TU", "10:00", "12:00"),
        ("MO,TH", "14:00", "15:30"),
    ]
    assert [language.name for language in tea.languages] == ["English", "Urdu"]
    site = tea.locations[0]
    assert site.postal_code == "LS6 1BD"  # normalised from "ls61bd"
    assert site.local_authority_code == "E08000035"
    assert site.latitude == pytest.approx(53.813, abs=0.01)
    assert {a.feature for a in site.accessibility} == {"step_free", "hearing_loop"}
    clinic = session.get(Service, stable_id("service", "hyde-park-money-clinic"))
    assert clinic.capacity == Capacity.WAITING_LIST and clinic.waiting_weeks == 4
    assert not clinic.is_free and clinic.cost_options[0].amount == 3.5
    assert clinic.areas[0].codes == ["LS6", "LS7"]
    assert clinic.restrictions == ["registered_with_gp"]


def test_the_needs_taxonomy_has_at_least_25_needs_with_synonyms_and_crosswalk():
    needs = read_needs()
    assert len(needs) >= 25
    assert len({n.id for n in needs}) == len(needs)
    for need in needs:
        assert need.label and need.description and need.synonyms, need.id
    required = {
        "loneliness",
        "low_mood",
        "bereavement",
        "money_debt",
        "housing",
        "work_skills",
        "volunteering",
        "getting_active",
        "healthy_eating_weight",
        "long_term_condition",
        "carers",
        "parenting_family",
        "arts_creativity_learning",
        "nature_green",
        "getting_online",
        "english_language",
        "alcohol_drugs_gambling",
        "domestic_abuse",
        "lgbtq",
        "neurodiversity",
        "young_people",
        "older_people",
        "food",
        "energy_bills",
        "legal_rights",
        "faith_culture",
    }
    assert required <= {n.id for n in needs}
    crosswalked = [n for n in needs if n.open_eligibility_services or n.open_eligibility_situations]
    assert len(crosswalked) >= 20
    assert [n.id for n in needs if n.crisis] == ["domestic_abuse", "urgent_mental_health_crisis"]


def _copy_catalogue(tmp_path: Path) -> Path:
    folder = tmp_path / "catalogue"
    shutil.copytree(SMALL_CATALOGUE, folder)
    return folder


def _edit(folder: Path, org: str, change) -> None:
    path = folder / "organisations" / f"{org}.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _service(data):
    return data["services"][0]


BAD_EDITS = [
    ("unknown need", lambda d: _service(d).update(needs=["flying"]), "services[0].needs"),
    ("no needs", lambda d: _service(d).update(needs=[]), "services[0].needs"),
    ("bad time", lambda d: _service(d)["schedule"][0].update(opens="25:00"), "opens"),
    ("closes first", lambda d: _service(d)["schedule"][0].update(closes="09:00"), "closes"),
    ("bad day", lambda d: _service(d)["schedule"][0].update(days=["xx"]), "days"),
    ("ages reversed", lambda d: _service(d).update(min_age=30, max_age=20), "max_age"),
    ("age not a number", lambda d: _service(d).update(min_age="old"), "min_age"),
    ("bad capacity", lambda d: _service(d).update(capacity="full"), "capacity"),
    ("waiting weeks when open", lambda d: _service(d).update(waiting_weeks=3), "waiting_weeks"),
    ("unknown location", lambda d: _service(d).update(locations=["nowhere"]), "locations"),
    ("bad status", lambda d: _service(d).update(status="live"), "status"),
    ("bad date", lambda d: _service(d).update(last_verified="yesterday"), "last_verified"),
    ("bad language", lambda d: _service(d).update(languages=["english"]), "languages"),
    ("bad accessibility", lambda d: d["locations"][0].update(accessibility=["ramp"]), "access"),
    ("missing name", lambda d: _service(d).pop("name"), "services[0].name"),
    ("name too long", lambda d: _service(d).update(name="x" * 201), "services[0].name"),
    ("bad slug", lambda d: _service(d).update(id="Tea Time!"), "services[0].id"),
    ("file and id differ", lambda d: d.update(id="someone-else"), "id"),
    ("unknown postcode", lambda d: d["locations"][0].update(postcode="LS99 9ZZ"), "postcode"),
    ("malformed postcode", lambda d: d["locations"][0].update(postcode="<script>"), "postcode"),
    ("radius without miles", lambda d: _service(d).update(area={"type": "radius"}), "miles"),
    ("no area", lambda d: _service(d).pop("area"), "area"),
    ("repeated need", lambda d: _service(d).update(needs=["food", "food"]), "more than once"),
    ("repeated language", lambda d: _service(d).update(languages=["en", "en"]), "languages"),
    (
        "repeated feature",
        lambda d: d["locations"][0].update(accessibility=["lift", "lift"]),
        "access",
    ),
    ("capacity as a list", lambda d: _service(d).update(capacity=["open"]), "capacity"),
    ("free as text", lambda d: _service(d).update(cost={"free": "false"}), "cost.free"),
    ("cost as text", lambda d: _service(d).update(cost="£5"), "cost"),
    ("script address", lambda d: _service(d).update(url="javascript:alert(1)"), "url"),
    ("bad email", lambda d: d.update(email="not an email"), "email"),
    ("note too long", lambda d: _service(d)["schedule"][0].update(note="x" * 301), "note"),
    (
        "season ends first",
        lambda d: _service(d)["schedule"][0].update({"from": "2027-08-28", "until": "2027-07-20"}),
        "schedule[0].until",
    ),
    (
        "closure without a first day",
        lambda d: _service(d).update(closures=[{"until": "2027-01-05"}]),
        "closures[0].from",
    ),
    (
        "closure ends first",
        lambda d: _service(d).update(closures=[{"from": "2027-01-05", "until": "2026-12-24"}]),
        "closures[0].until",
    ),
    (
        "bank holidays as text",
        lambda d: _service(d).update(closed_on_bank_holidays="yes"),
        "closed_on_bank_holidays",
    ),
    (
        "bad authority",
        lambda d: _service(d).update(area={"type": "local_authority", "codes": ["Leeds"]}),
        "codes",
    ),
]


@pytest.mark.parametrize(("why", "edit", "field"), BAD_EDITS, ids=[b[0] for b in BAD_EDITS])
def test_a_bad_catalogue_names_the_file_and_field_and_loads_nothing(
    empty_app, session_for, tmp_path, why, edit, field
):
    folder = _copy_catalogue(tmp_path)
    _edit(folder, "hyde-park-friends", edit)
    session = session_for(empty_app)
    with pytest.raises(CatalogueError) as raised:
        seeding.seed(session, folder)
    problems = raised.value.problems
    assert any(p.startswith("hyde-park-friends.yaml") and field in p for p in problems), problems
    assert seeding.counts(session).services == 0
    assert session.exec(select(TaxonomyTerm)).all() == []


def test_a_duplicate_service_id_across_files_is_reported(tmp_path):
    folder = _copy_catalogue(tmp_path)
    _edit(
        folder,
        "chapeltown-helpline",
        lambda d: d["services"][0].update(id="hyde-park-tuesday-tea"),
    )
    with pytest.raises(CatalogueError, match="service hyde-park-tuesday-tea is also used"):
        read_catalogue(folder)


def test_a_file_that_is_not_yaml_is_reported(tmp_path):
    folder = _copy_catalogue(tmp_path)
    (folder / "organisations" / "broken.yaml").write_text("id: [unclosed\n")
    with pytest.raises(CatalogueError, match="broken.yaml: cannot be read"):
        read_catalogue(folder)


def test_the_seed_command_prints_what_the_catalogue_holds(empty_app):
    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["seed", "--from", str(SMALL_CATALOGUE)])
    assert result.exit_code == 0, result.output
    assert "2 organisations, 4 services (3 published), 1 locations, 31 needs" in result.output
    again = runner.invoke(args=["seed", "--from", str(SMALL_CATALOGUE)])
    assert again.output == result.output


def test_the_seed_command_lists_problems_and_exits_non_zero(empty_app, tmp_path, session_for):
    folder = _copy_catalogue(tmp_path)
    _edit(folder, "hyde-park-friends", lambda d: _service(d).update(needs=["flying"]))
    result = empty_app.test_cli_runner().invoke(args=["seed", "--from", str(folder)])
    assert result.exit_code == 1
    assert "nothing was loaded" in result.output
    assert "'flying' is not one of" in result.output
    assert seeding.counts(session_for(empty_app)).services == 0


def test_the_seed_command_rejects_a_missing_folder(empty_app, tmp_path):
    result = empty_app.test_cli_runner().invoke(args=["seed", "--from", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_every_service_links_to_at_least_one_need(small_app, session_for):
    session = session_for(small_app)
    linked = {link.service_id for link in session.exec(select(ServiceTaxonomyTerm))}
    assert linked == {s.id for s in session.exec(select(Service))}


def test_locations_are_shared_not_duplicated_when_services_share_a_site(small_app, session_for):
    assert len(session_for(small_app).exec(select(Location)).all()) == 1


# --- the demo catalogue: what the issue promised it covers -------------------


def _published(session):
    return session.exec(select(Service).where(Service.status == ListingStatus.PUBLISHED)).all()


def test_the_demo_catalogue_is_big_enough_and_covers_every_need(demo_app, session_for):
    session = session_for(demo_app)
    counts = seeding.counts(session)
    assert counts.organisations >= 40
    assert counts.services >= 150
    published = _published(session)
    for need in read_needs():
        meeting = [s for s in published if need.id in {n.code for n in s.needs}]
        assert len(meeting) >= 2, need.id


def test_the_demo_catalogue_has_services_for_every_age_group(demo_app, session_for):
    services = _published(session_for(demo_app))
    ages = [(s.minimum_age, s.maximum_age) for s in services]
    assert ages.count((11, 18)) >= 5
    assert ages.count((16, 25)) >= 5
    assert sum(1 for low, high in ages if low == 18 and high is None) >= 5
    assert sum(1 for low, high in ages if low is not None and low >= 50) >= 5
    assert sum(1 for low, high in ages if low is None and high is None) >= 20


def test_the_demo_catalogue_has_the_variety_matching_and_search_will_need(demo_app, session_for):
    services = _published(session_for(demo_app))
    assert sum(1 for s in services if s.delivery == ["online"]) >= 5
    assert sum(1 for s in services if s.delivery == ["phone"]) >= 5
    assert sum(1 for s in services if not s.is_free) >= 15
    assert {s.capacity for s in services} == set(Capacity)
    assert sum(1 for s in services if s.referral_routes == ["gp"]) >= 1
    assert sum(1 for s in services if s.referral_routes == ["self"]) >= 10
    languages = {language.code for s in services for language in s.languages}
    assert len(languages - {"en"}) >= 6
    features = {a.feature for s in services for site in s.locations for a in site.accessibility}
    assert {"step_free", "hearing_loop", "bsl"} <= features
    restrictions = {r for s in services for r in s.restrictions}
    assert {"women_only", "carers_only", "lgbtq_only"} <= restrictions
    evening = [sch for s in services for sch in s.schedules if sch.closes_at > "18:00"]
    weekend = [sch for s in services for sch in s.schedules if {"SA", "SU"} & set(sch.days)]
    assert len(evening) >= 5 and len(weekend) >= 5


def test_every_demo_site_is_a_real_leeds_postcode_with_coordinates(demo_app, session_for):
    sites = session_for(demo_app).exec(select(Location)).all()
    assert len(sites) >= 40
    for site in sites:
        assert site.local_authority_code == "E08000035", site.postal_code
        assert 53.69 < site.latitude < 53.95 and -1.80 < site.longitude < -1.29, site.postal_code


def test_demo_contact_details_are_invented_not_real():
    drama_ranges = ("01134960", "07700900", "08081570")
    for org in read_catalogue().organisations:
        phones = [org.phone] + [s.contact.phone for s in org.services if s.contact]
        emails = [org.email] + [s.contact.email for s in org.services if s.contact]
        for phone in filter(None, phones):
            assert phone.replace(" ", "").startswith(drama_ranges), phone
        for address in filter(None, [org.website] + [s.url for s in org.services]):
            assert re.match(r"^https://[a-z0-9-]+\.example\.org(/|$)", address), address
        for email in filter(None, emails):
            assert email.endswith(".example.org"), email


def test_a_leeds_wide_service_serves_the_place_local_authority(small_app, session_for):
    tea = session_for(small_app).get(Service, TEA)
    assert (tea.areas[0].extent_type, tea.areas[0].codes, tea.areas[0].name) == (
        "local_authority",
        ["E08000035"],
        "Leeds",
    )


def test_neighbourhoods_are_loaded_with_their_places(small_app, session_for):
    hoods = {h.name: h for h in session_for(small_app).exec(select(Neighbourhood))}
    assert set(hoods) == {"Hyde Park", "Chapeltown"}
    assert hoods["Chapeltown"].postcode == "LS7 3HB"
    assert hoods["Chapeltown"].latitude == pytest.approx(53.819, abs=0.01)
    assert hoods["Hyde Park"].districts == "LS6"


def test_every_kind_of_child_a_service_has_is_loaded_once(small_app, session_for):
    session = session_for(small_app)
    seeding.seed(session, SMALL_CATALOGUE)  # a second load replaces the children, not adds
    session.expire_all()
    tea = session.get(Service, TEA)
    [contact] = tea.contacts
    assert (contact.name, contact.title, contact.email) == (
        "Sam Okafor",
        "Volunteer coordinator",
        "sam@hydeparkfriends.example.org",
    )
    assert [phone.number for phone in contact.phones] == ["0113 496 0124"]
    assert [s.notes for s in tea.schedules] == ["", "Term time only"]
    assert [link.rank for link in tea.need_links] == [0, 1]
    assert [site.name for site in tea.locations] == ["Brudenell Community Rooms"]
    assert len(tea.areas) == 1 and tea.cost_options == [] and tea.fees_description == ""
    clinic = session.get(Service, stable_id("service", "hyde-park-money-clinic"))
    [cost] = clinic.cost_options
    assert (cost.option, cost.amount, cost.amount_description) == (
        "per session",
        3.5,
        "Pay what you can.",
    )
    assert clinic.contacts == [] and [language.code for language in clinic.languages] == ["en"]
    assert clinic.areas[0].name == "Postcode districts LS6, LS7"
