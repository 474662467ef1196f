"""Done when (issue 12): importing the official Open Referral UK examples and a messy feed
built from them (no assured_date, referral routes only in prose, foreign taxonomy terms,
phones on venue-only groups) gives a catalogue where `flask match` suggests services for
every need the feed covers, with no hard rule broken, without any manual step; and the
import report ends with "Ready for matching".

The catalogue is built once for the module (importing and matching read it only).
"""

from __future__ import annotations

import copy
import io
import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from accounts_helpers import FAST_HASH, add_people, client_for, email_of
from flask import Flask
from sqlmodel import Session, col, select

from directory import clock, db
from directory.catalogue import published
from directory.listings import freshness
from directory.matching import match_request
from directory.matching.facts import facts_from_service
from directory.matching.suggestions import configured_weights
from directory.models import ListingStatus, Role, Service, User
from directory.oruk import readiness
from matcher import rules
from tests.conftest import dispose, make_app
from tests.oruk_helpers import UK, need_standards
from tests.test_oruk_import_export import a_service, run, with_needs, write

PERSON = ["--age", "40", "--postcode", "LS6 1BD"]  # Hyde Park, Leeds: inside the feed's area
RECENTLY = (datetime.now(UTC) - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
UNMAPPED = ("Waste and recycling", "Planning applications")

# name: (description, application_process, foreign terms, postcode or None (no place at
# all), phone, last_modified or None). Routes and delivery are only in the words.
MESSY = {
    "Hyde Park Friendship Café": (
        "A weekly café for anyone who feels lonely or cut off. Just turn up: no referral needed.",
        "",
        ["Loneliness and isolation", "Waste and recycling"],
        "LS6 1BD",
        "0113 496 0101",
        RECENTLY,
    ),
    "Armley Telephone Friends": (
        "Telephone befriending: a volunteer calls you each week for a chat.",
        "Call us to book your first call.",
        ["befriending"],
        None,
        "0113 496 0102",
        None,
    ),
    "Money Matters Leeds": (
        "Free, confidential help with bills and debts at our Armley office.",
        "Contact us to book an appointment.",
        ["debt", "Planning applications"],
        "LS12 3LN",
        "0113 496 0103",
        None,
    ),
    "Budgeting Course": (
        "An online course on budgeting over six weeks, on Zoom.",
        "By referral from a professional: a social worker, health visitor or link worker.",
        ["debt"],
        None,
        "",
        RECENTLY,
    ),
    "Headingley Mood Walk": (
        "A gentle walk for people with low mood. No GP referral needed.",
        "",
        ["mental health"],
        "LS6 3HN",
        "0113 496 0105",
        RECENTLY,
    ),
    "Woodhouse Wellbeing Group": (
        "A peer support group for people living with low mood or anxiety.",
        "",
        ["Low mood and mental wellbeing", "anxiety"],
        "LS6 1AA",
        "",
        None,
    ),
    "Harehills Counselling": (
        "Counselling for anxiety, not suitable for drop in.",
        "GP referral only: ask your GP.",
        ["Stress and anxiety"],
        "LS8 5BG",
        "0113 496 0107",
        RECENTLY,
    ),
}
COVERED = ("loneliness", "money_debt", "low_mood", "stress_anxiety")


def _term(name: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "link_type": "service",
        "taxonomy_term": {
            "id": str(uuid.uuid4()),
            "name": name,
            "code": "",
            "taxonomy": "Leeds Directory categories",
            "description": "",
        },
    }


def messy_feed() -> list[dict]:
    """Services copied from the official service_full.json, made into a council's feed."""
    example = json.loads((UK / "examples" / "service_full.json").read_text())
    organisation = {
        **example["organization"],
        "id": str(uuid.uuid4()),
        "name": "Leeds Community Network",
    }
    organisation.pop("parent_organization_id", None)
    feed = []
    for name, (description, applying, terms, postcode, phone, modified) in MESSY.items():
        service = copy.deepcopy(example)
        for key in ("assured_date", "assurer_email", "alert", "fees", "accreditations"):
            service.pop(key, None)
        service.update(
            id=str(uuid.uuid4()),
            name=name,
            description=description,
            application_process=applying,
            organization=organisation,
            minimum_age=16,
            cost_options=[],
            attributes=[_term(t) for t in terms],
            schedules=[],
            languages=[],
        )
        if modified:
            service["last_modified"] = modified
        else:
            service.pop("last_modified")
        service["contacts"] = [
            {
                "id": str(uuid.uuid4()),
                "name": "Front desk",
                "phones": [{"id": str(uuid.uuid4()), "number": phone}] if phone else [],
            }
        ]
        service["service_areas"][0]["id"] = str(uuid.uuid4())
        links = service["service_at_locations"]
        if postcode is None:
            service["service_at_locations"] = []
        else:
            place = links[0]["location"]
            links[0]["id"] = str(uuid.uuid4())
            place.update(id=str(uuid.uuid4()), name=f"{name} venue", accessibility=[])
            place.pop("latitude"), place.pop("longitude")  # the example's are not on Earth
            place["addresses"] = [
                {
                    "id": str(uuid.uuid4()),
                    "address_1": "1 Example Street",
                    "city": "Leeds",
                    "postal_code": postcode,
                    "country": "GB",
                    "address_type": "physical",
                }
            ]
        feed.append(service)
    return feed


@pytest.fixture(scope="module")
def imported(databases, tmp_path_factory) -> tuple[Flask, dict[str, str]]:
    """An app with the official examples and the messy feed imported and published, and
    the import-oruk output for each file."""
    need_standards()
    folder = tmp_path_factory.mktemp("feeds")
    app = with_needs(make_app(databases.new_migrated(), folder / "instance"))
    feed = folder / "leeds-directory.json"
    feed.write_text(json.dumps(messy_feed()))
    outputs = {}
    sources = {
        "service_full": UK / "examples" / "service_full.json",
        "service_list": UK / "examples" / "service_list.json",
        "csv": UK / "examples" / "csv",
        "messy": feed,
    }
    for label, source in sources.items():
        result = run(app, "import-oruk", str(source), "--publish")
        assert result.exit_code == 0, result.output
        outputs[label] = result.output
    yield app, outputs
    dispose(app)


def _service(session: Session, name: str) -> Service:
    return session.exec(select(Service).where(Service.name == name)).one()


def test_the_feeds_words_give_routes_and_delivery_and_a_phone_alone_does_not(imported) -> None:
    app, _ = imported
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        cafe = _service(session, "Hyde Park Friendship Café")
        assert cafe.referral_routes == ["self"] and cafe.routes_known
        assert cafe.delivery == ["in_person"]  # it has a phone, but it meets at a venue
        phone = _service(session, "Armley Telephone Friends")
        assert phone.delivery == ["phone"] and phone.referral_routes == ["self"]
        course = _service(session, "Budgeting Course")
        assert course.delivery == ["online"] and course.referral_routes == ["professional"]
        walk = _service(session, "Headingley Mood Walk")
        assert walk.referral_routes == ["self"]  # "No GP referral needed" is not GP only
        assert _service(session, "Harehills Counselling").referral_routes == ["gp"]
        group = _service(session, "Woodhouse Wellbeing Group")
        assert group.referral_routes == [] and not group.routes_known
        for name in ("Money Matters Leeds", "Headingley Mood Walk"):
            assert not _service(session, name).by_phone
        # the needs the feed covers, by its foreign terms, are the ones matched below
        needs = {term.code for name in MESSY for term in _service(session, name).needs}
        assert needs == set(COVERED)


def test_last_checked_is_the_feeds_date_or_the_import_day_with_its_source(imported) -> None:
    app, _ = imported
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        cafe = _service(session, "Hyde Park Friendship Café")
        assert cafe.last_verified == datetime.fromisoformat(RECENTLY).date()
        assert cafe.checked_source == "from Leeds Directory, updated"
        advice = _service(session, "Money Matters Leeds")
        assert advice.last_verified == clock.today()
        assert advice.checked_source == "from Leeds Directory, imported"
        example = _service(session, "Community Counselling")
        assert example.last_verified.isoformat() == "2005-01-01"  # its assured_date
        assert example.checked_source == "from the imported file, checked"
        page = app.test_client().get(f"/services/{cafe.id}").text
    day = datetime.fromisoformat(RECENTLY).date()
    assert f"Last checked: from Leeds Directory, updated {day.day} {day:%B %Y}" in page


@pytest.mark.parametrize("need", COVERED)
def test_every_need_the_feed_covers_gets_suggestions_that_break_no_rule(imported, need) -> None:
    app, _ = imported
    result = run(app, "match", *PERSON, "--need", need, "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["suggestions"], answer["excluded"]
    with app.app_context(), Session(app.extensions[db.ENGINE_KEY]) as session:
        person = match_request.read_request({"age": 40, "postcode": "LS6 1BD", "needs": [need]})
        profile = person.profile
        ids = [uuid.UUID(s["service_id"]) for s in answer["suggestions"]]
        rows = session.exec(
            select(Service).where(col(Service.id).in_(ids)).options(*published.facts_options())
        ).all()
        distance = {s["service_id"]: s["distance_miles"] for s in answer["suggestions"]}
        for row in rows:
            assert row.status == ListingStatus.PUBLISHED
            seen = rules.Situation(clock.today(), configured_weights(), distance[str(row.id)])
            assert rules.broken(profile, facts_from_service(row), seen) == []


def test_a_listing_whose_route_is_unknown_is_suggested_with_a_word_of_caution(imported) -> None:
    app, _ = imported
    answer = json.loads(run(app, "match", *PERSON, "--need", "low_mood", "--json").stdout)
    found = {s["name"]: s for s in answer["suggestions"]}
    assert "check with the service how to get in" in found["Woodhouse Wellbeing Group"]["reasons"]
    names = [s["name"] for s in answer["suggestions"]]
    assert names.index("Headingley Mood Walk") < names.index("Woodhouse Wellbeing Group")
    # a GP-only service is still excluded for a link worker's referral, by its own words
    excluded = json.loads(run(app, "match", *PERSON, "--need", "stress_anxiety", "--json").stdout)
    reasons = {e["name"]: e["reasons"] for e in excluded["excluded"]}
    assert reasons["Harehills Counselling"] == ["only takes referrals from a GP"]


def test_link_workers_see_where_an_imported_date_came_from(imported) -> None:
    app, _ = imported
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        email = email_of("linkworker")
        if session.exec(select(User).where(User.email == email)).first() is None:
            session.add(User(email=email, password_hash=FAST_HASH, role=Role.LINK_WORKER))
            session.commit()
    form = {"age": "40", "postcode": "LS6 1BD", "needs": "loneliness"}
    page = client_for(app, "linkworker").post("/link-worker/match", data=form).text
    day = datetime.fromisoformat(RECENTLY).date()
    assert "Hyde Park Friendship Café" in page
    assert f"Last checked: from Leeds Directory, updated {day.day} {day:%B %Y}." in page


def test_the_report_ends_with_ready_for_matching(imported) -> None:
    _, outputs = imported
    messy = outputs["messy"]
    section = messy[messy.index("Ready for matching:") :]
    assert "6 of 7 imported listings can be suggested for someone a link worker refers" in section
    # each reason names its listings, so the manager can act on them
    assert "only takes referrals from a GP: 1\n      Harehills Counselling\n" in section
    assert "1 says nothing of how to get in: it can be suggested" in section
    assert "how to get in”.\n    Woodhouse Wellbeing Group\n" in section
    # these terms sit on listings that have a need already: not "meet no need", no alarm
    assert "Taxonomy terms that meet no need" not in section
    assert "on listings that have needs already (map them so later imports use them)" in section
    for term in UNMAPPED:
        path = f"/manage/taxonomy?term={term.replace(' ', '+')}"
        shown = f"{term} (Leeds Directory categories): 1 listing carries this term, map at {path}"
        assert shown in section
    # the official example was last checked in 2005: the report says why it is left out
    example = outputs["service_full"]
    assert "0 of 1 imported listing can be suggested" in example
    checked = r"the listing was last checked in January 2005, \d+ years ago, so it may be out"
    assert re.search(checked, example)
    assert "name (taxonomy): 1 service, map at /manage/taxonomy?term=name" in example


def test_the_managers_page_asks_the_directorys_name_and_shows_the_section(small_app) -> None:
    need_standards()
    add_people(small_app)
    client = client_for(small_app, "manager")
    data = json.dumps(messy_feed()).encode()
    page = client.post(
        "/manage/imports",
        data={"file": (io.BytesIO(data), "feed.json"), "source": "Leeds Council"},
        content_type="multipart/form-data",
    ).text
    assert "Ready for matching" in page and "Directory name" not in page
    assert "can be suggested to someone a link worker refers" in page
    assert 'href="/manage/taxonomy?term=Waste+and+recycling"' in page
    assert "Terms not mapped, on listings that have needs already (2)" in page
    # before the import the listings are not saved: named, not linked; after, linked
    assert "<li>Harehills Counselling</li>" in page and "/edit" not in page
    # not published at once: the section says what keeps them from matching
    assert "0 of 7</strong> imported listings" in page
    assert "The listing is waiting for review" in page
    assert "Its organisation is not published yet" in page
    token = page.split('name="upload" type="hidden" value="')[1].split('"')[0]
    done = client.post("/manage/imports/confirm", data={"upload": token}).text
    assert "Ready for matching" in done
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        counselling = _service(session, "Harehills Counselling")
    assert f'href="/manage/services/{counselling.id}/edit">Harehills Counselling</a>' in done
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        cafe = _service(session, "Hyde Park Friendship Café")
        assert cafe.checked_source == "from Leeds Council, updated"
    assert "Directory name" in client.get("/manage/imports").text


def test_a_check_made_here_outlives_an_older_date_in_the_feed(small_app, tmp_path) -> None:
    record = a_service(last_modified="2026-11-01T09:00:00Z")
    source = write(tmp_path, [record], "leeds.json")
    named = run(small_app, "import-oruk", source, "--publish", "--source", " Leeds City Council ")
    assert named.exit_code == 0, named.output
    service_id = uuid.UUID(record["id"])
    engine = small_app.extensions[db.ENGINE_KEY]
    with Session(engine) as session:
        imported = session.get(Service, service_id)
        assert (imported.last_verified.isoformat(), imported.checked_source) == (
            "2026-11-01",
            "from Leeds City Council, updated",
        )
        with small_app.app_context():
            freshness.confirm(session, imported, user=None, actor="a manager")
    # the feed again, with the same date and then none: the check made here stands
    for again in (record, {k: v for k, v in record.items() if k != "last_modified"}):
        assert run(small_app, "import-oruk", write(tmp_path, [again], "leeds.json")).exit_code == 0
        with Session(engine) as session:
            kept = session.get(Service, service_id)
            assert (kept.last_verified, kept.checked_source) == (clock.today(), "")
    # a newer date in the feed is newer news (without --source: the file's name)
    newer = dict(record, assured_date=(clock.today() + timedelta(days=1)).isoformat())
    assert run(small_app, "import-oruk", write(tmp_path, [newer], "leeds.json")).exit_code == 0
    with Session(engine) as session:
        assert session.get(Service, service_id).checked_source == "from Leeds, checked"


def test_a_page_without_places_or_route_words_keeps_delivery_and_routes(
    small_app, tmp_path
) -> None:
    page = small_app.test_client().get("/api/v1/services?per_page=200").get_json()
    assert page["contents"]
    for service in page["contents"]:
        service["description"] = "Changed by the other directory."
        service["phones"] = [{"id": str(uuid.uuid4()), "number": "0113 496 0000"}]
    engine = small_app.extensions[db.ENGINE_KEY]

    def ways() -> dict:
        with Session(engine) as session:
            return {
                s.id: (s.delivery, s.referral_routes, s.routes_known)
                for s in session.exec(select(Service)).all()
            }

    before = ways()
    result = run(small_app, "import-oruk", write(tmp_path, page, "page.json"))
    assert result.exit_code == 0, result.output
    assert ways() == before


def test_the_open_data_gives_an_assured_date_only_where_someone_vouched(imported) -> None:
    app, _ = imported
    client = app.test_client()
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        ids = {
            name: _service(session, name).id
            for name in (
                "Hyde Park Friendship Café",
                "Money Matters Leeds",
                "Community Counselling",
            )
        }
    bodies = {name: client.get(f"/api/v1/services/{i}").get_json() for name, i in ids.items()}
    assert "assured_date" not in bodies["Hyde Park Friendship Café"]  # the feed's last change
    assert "assured_date" not in bodies["Money Matters Leeds"]  # the day of the import
    assert bodies["Community Counselling"]["assured_date"] == "2005-01-01"  # the feed's own


def test_the_managers_page_keeps_the_capitals_of_a_reason(small_app) -> None:
    """Only the first letter of a reason is raised: month names keep theirs."""
    reason = "the listing was last checked in April 2026, 7 months ago"
    ready = readiness.Readiness(listings=1, excluded=[(reason, 1)])
    with small_app.test_request_context():
        section = small_app.jinja_env.get_template("manage/_ready_for_matching.html")
        page = section.module.ready_for_matching(ready)  # type: ignore[attr-defined]
    assert "The listing was last checked in April 2026, 7 months ago" in page


def test_each_reason_names_its_listings_ten_then_how_many_more(small_app) -> None:
    """Issue 12 trial: "7 say nothing of how to get in" named none, so nobody could act."""
    listings = [readiness.Listing(uuid.uuid4(), f"Group {n:02}") for n in range(12)]
    reason = "the listing is waiting for review"
    ready = readiness.Readiness(
        listings=13,
        ready=1,
        excluded=[(reason, 12)],
        routes_unknown=1,
        listed={reason: listings, readiness.ROUTES_UNKNOWN: listings[:1]},
    )
    lines = ready.lines()
    assert f"    {reason}: 12" in lines
    named = "; ".join(f"Group {n:02}" for n in range(10))
    assert f"      {named} and 2 more" in lines
    assert "    Group 00" in lines  # the one that says nothing of how to get in
    with small_app.test_request_context():
        section = small_app.jinja_env.get_template("manage/_ready_for_matching.html")
        page = section.module.ready_for_matching(ready)  # type: ignore[attr-defined]
    first = listings[0]
    assert f'<a href="/manage/services/{first.id}/edit">Group 00</a>' in page
    assert "Group 09</a>" in page and "Group 10" not in page and "and 2 more" in page


def test_a_term_on_listings_without_any_need_is_said_to_meet_none(small_app, tmp_path) -> None:
    record = a_service()
    record["attributes"] = [_term("Waste and recycling")]
    result = run(small_app, "import-oruk", write(tmp_path, [record], "council.json"))
    assert result.exit_code == 0, result.output
    section = result.output[result.output.index("Ready for matching:") :]
    assert "Taxonomy terms that meet no need (map them to needs):" in section
    assert "Waste and recycling (Leeds Directory categories): 1 service, map at" in section
    assert "needs already" not in section


def test_the_readme_says_how_routes_and_delivery_travel() -> None:
    from pathlib import Path

    from directory.oruk import signpost_terms

    readme = " ".join((Path(__file__).parent.parent / "README.md").read_text().split())
    assert "not exported or imported" not in readme
    for taxonomy in signpost_terms.TAXONOMIES:
        assert f'"{taxonomy.name}"' in readme


# --- quality found by the Norwich trial ----------------------------------------------


def _placed(postcode: str, city: str, **changes: object) -> dict:
    """a_service at a venue with this postcode and town."""
    record = a_service(**changes)
    address = record["service_at_locations"][0]["location"]["addresses"][0]
    address.update(postal_code=postcode, city=city)
    return record


def test_women_only_words_exclude_a_man_and_a_reimport_keeps_them(empty_app, tmp_path) -> None:
    app = with_needs(empty_app)
    outreach = a_service(
        name="Women's Outreach Service",
        description="Support for anyone affected by domestic abuse, by phone.",
        eligibility_description="Women aged 16 and over living in Leeds.",
        application_process="Self-referral by phone.",
        attributes=[_term("Domestic abuse")],
        service_at_locations=[],
        phones=[{"id": str(uuid.uuid4()), "number": "0113 496 0001"}],
    )
    shed = _placed(
        "LS6 1BD",
        "Leeds",
        name="Men's Shed Leeds",
        description="Woodwork and a cuppa: come along.",
        eligibility_description="Men aged 18 and over.",
        attributes=[_term("Loneliness and isolation")],
    )
    source = write(tmp_path, [outreach, shed], "leeds.json")
    assert run(app, "import-oruk", source, "--publish").exit_code == 0
    # the words say it again, or say nothing: the restriction stays
    again = dict(outreach, eligibility_description="")
    assert run(app, "import-oruk", write(tmp_path, [again, shed], "leeds.json")).exit_code == 0
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        assert _service(session, "Women's Outreach Service").restrictions == ["women_only"]
        assert _service(session, "Men's Shed Leeds").restrictions == ["men_only"]

    def answer(*person: str) -> dict:
        result = run(app, "match", "--postcode", "LS6 1BD", *person, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    man = answer("--age", "30", "--need", "domestic_abuse", "--gender", "man")
    assert man["suggestions"] == []
    assert [(e["name"], e["reasons"]) for e in man["excluded"]] == [
        ("Women's Outreach Service", ["for women only"])
    ]
    woman = answer("--age", "30", "--need", "domestic_abuse", "--gender", "woman")
    assert [s["name"] for s in woman["suggestions"]] == ["Women's Outreach Service"]
    older = answer("--age", "72", "--need", "loneliness", "--gender", "woman")
    assert older["suggestions"] == []
    assert older["excluded"][0]["reasons"] == ["for men only"]


def test_a_listing_silent_on_where_it_serves_serves_the_directorys_area(
    empty_app, tmp_path
) -> None:
    app = with_needs(empty_app)
    lonely = [_term("Loneliness and isolation")]
    phone = [{"id": str(uuid.uuid4()), "number": "0113 496 0002"}]
    records = [
        a_service(
            name="Befriending Calls", service_at_locations=[], phones=phone, attributes=lonely
        ),
        _placed("NR2 2PT", "Norwich", name="Norwich Lunch Club", attributes=lonely),
        _placed("NR33 0AA", "Lowestoft", name="Lowestoft Lunch Club", attributes=lonely),
    ]
    result = run(app, "import-oruk", write(tmp_path, records, "norwich.json"), "--publish")
    assert result.exit_code == 0, result.output
    assert (
        "3 listings said nothing of where they serve, so they serve the directory's area, "
        "where the places in the file are: Norwich or Lowestoft." in result.output
    )
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        for name in ("Befriending Calls", "Norwich Lunch Club", "Lowestoft Lunch Club"):
            [area] = _service(session, name).areas
            assert (area.extent, area.name) == ("E07000148 E07000244", "Norwich or Lowestoft")

    def answer(postcode: str) -> dict:
        found = run(
            app, "match", "--age", "70", "--postcode", postcode, "--need", "loneliness", "--json"
        )
        assert found.exit_code == 0, found.output
        return json.loads(found.stdout)

    in_lowestoft = {s["name"] for s in answer("NR32 1BN")["suggestions"]}
    assert {"Befriending Calls", "Norwich Lunch Club", "Lowestoft Lunch Club"} <= in_lowestoft
    in_leeds = answer("LS6 1BD")
    assert in_leeds["suggestions"] == []
    reasons = {e["name"]: e["reasons"] for e in in_leeds["excluded"]}
    assert reasons["Befriending Calls"] == [
        "only for people in Norwich or Lowestoft, and they live outside it"
    ]
    # a file without any place: anywhere in the UK
    alone = [a_service(name="National Line", service_at_locations=[], phones=phone)]
    result = run(app, "import-oruk", write(tmp_path, alone, "national.json"), "--publish")
    assert "1 listing said nothing of where it serves, and the file has no places" in result.output
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        assert [a.name for a in _service(session, "National Line").areas] == ["Anywhere in the UK"]


def test_a_reimport_silent_on_where_it_serves_keeps_the_listings_areas(empty_app, tmp_path) -> None:
    """Like routes, areas from words only add: a record that says nothing readable of where
    it serves does not shrink its listing to the places of this one file."""
    app = with_needs(empty_app)
    norwich = _placed("NR2 2PT", "Norwich", name="Norwich Lunch Club")
    lowestoft = _placed("NR33 0AA", "Lowestoft", name="Lowestoft Lunch Club")
    result = run(
        app, "import-oruk", write(tmp_path, [norwich, lowestoft], "both.json"), "--publish"
    )
    assert result.exit_code == 0, result.output
    norwich["description"] = "Lunch on Tuesdays, now with a quiz."
    # an area in words the importer cannot read (HSDS leaves them free)
    norwich["service_areas"] = [{"id": str(uuid.uuid4()), "name": "Norfolk", "extent": "Norfolk"}]
    result = run(app, "import-oruk", write(tmp_path, [norwich], "one.json"), "--publish")
    assert result.exit_code == 0, result.output
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        club = _service(session, "Norwich Lunch Club")
        assert club.description == "Lunch on Tuesdays, now with a quiz."
        [area] = club.areas
        assert (area.extent, area.name) == ("E07000148 E07000244", "Norwich or Lowestoft")


@pytest.mark.live_server
def test_a_feeds_area_is_all_it_has_brought_not_one_syncs_batch(empty_app, live_server) -> None:
    """A sync brings only what changed: a new phone-only service serves the area of all the
    feed's places, not "anywhere in the UK" because this batch had none."""
    from flask import Response

    from directory.oruk import feeds

    app = with_needs(empty_app)
    phone = [{"id": str(uuid.uuid4()), "number": "0113 496 0002"}]
    serving = [
        _placed("NR2 2PT", "Norwich", name="Norwich Lunch Club"),
        _placed("NR33 0AA", "Lowestoft", name="Lowestoft Lunch Club"),
    ]
    site = Flask("a_feed")
    site.get("/services")(lambda: Response(json.dumps({"contents": serving, "total_pages": 1})))

    def sync() -> None:
        with app.app_context(), Session(db.engine()) as session:
            [feed] = feeds.all_feeds(session)
            run = feeds.sync(session, feed)
            assert run.succeeded and not run.problems, run.problems

    with live_server(site) as url, app.app_context(), Session(db.engine()) as session:
        feeds.add_feed(session, url=url, name="Norfolk Directory", trusted=True)
        sync()
        serving[:] = [a_service(name="Befriending Calls", service_at_locations=[], phones=phone)]
        sync()
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        [area] = _service(session, "Befriending Calls").areas
        assert (area.extent, area.name) == ("E07000148 E07000244", "Norwich or Lowestoft")
