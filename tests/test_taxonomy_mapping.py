"""Other directories' taxonomy terms: mapped to our needs only by id, code, cross-walk or exact
words (never across kinds, never by likeness); the managers' page /manage/taxonomy, whose
choices reach the services already imported and every later import; the terms kept on the
services, exported back out with their own taxonomy, and searched."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from accounts_helpers import PASSWORD, add_people, client_for, email_of
from sqlmodel import Session, select

from directory import db
from directory.models import (
    ListingChange,
    Service,
    ServiceForeignTerm,
    TaxonomyMapping,
    VocabularyChange,
)
from directory.oruk import taxonomy_mapping
from directory.oruk.needs_map import (
    ACTIVITY,
    DELIVERY,
    NEED,
    POPULATION,
    ForeignTerm,
    NeedsMap,
    kind_of,
    kind_of_need,
    term_key,
)
from tests.conftest import demo_needs, dispose, make_app
from tests.oruk_helpers import conformance_problems
from tests.test_oruk_import_export import a_service, run, term, with_needs, write

COUNCIL = "Council directory"
PAGE = "/manage/taxonomy"


@pytest.fixture(scope="module")
def needs() -> NeedsMap:
    return NeedsMap(demo_needs())


def council(name: str, code: str = "", taxonomy: str = COUNCIL) -> ForeignTerm:
    return ForeignTerm(taxonomy=taxonomy, term_id=str(uuid.uuid4()), code=code, name=name)


# --- the rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "need"),
    [
        # the plain-English terms councils' directories use, by exact synonym
        ("Debt advice", "money_debt"),
        ("Food banks", "food"),
        ("Mental health support", "low_mood"),
        ("Befriending services", "loneliness"),
        ("Housing advice", "housing"),
        ("Carers support", "carers"),
        ("Bereavement support", "bereavement"),
        ("Physical activity", "getting_active"),
        ("Social isolation", "loneliness"),
        ("Loneliness & Isolation", "loneliness"),  # a need's own name, "&" for "and"
        ("Older adults", "older_people"),  # a population group names a population group
        ("Autism", "neurodiversity"),  # a need's word, under the groups of people
        # never by likeness, never across kinds
        ("Lonelyness and isolaton", None),  # a close spelling: suggested only
        ("Telephone support", None),  # delivery
        ("Online", None),  # delivery, though "online" is a word for getting online
        ("Children", None),  # a population group, though "children" is a parenting word
        ("Teenagers", None),  # the word of two needs: a manager chooses
        ("Underwater basket weaving", None),
    ],
)
def test_a_term_maps_by_its_exact_words_only(needs, name, need) -> None:
    found = needs.find(council(name))
    assert (found.need.code if found.need else None) == need
    assert found.how == ("name" if need else "")


def test_a_term_maps_by_id_code_and_the_open_eligibility_cross_walk(needs) -> None:
    ours = next(n for n in demo_needs().needs if n.code == "loneliness")
    by_id = ForeignTerm(taxonomy="Anything", term_id=str(ours.term_id), name="Whatever")
    assert (needs.find(by_id).need, needs.find(by_id).how) == (ours, "id")
    assert needs.is_ours(by_id) and not needs.is_ours(council("Loneliness"))
    assert needs.find(council("Anything", code="LONELINESS")).how == "code"
    crosswalk = council("Befriending", code="1303", taxonomy="Open Eligibility")
    assert (needs.find(crosswalk).need, needs.find(crosswalk).how) == (ours, "open eligibility")
    # a council's own numeric code is not an Open Eligibility one
    assert needs.find(council("Item 1303", code="1303")).need is None


@pytest.mark.parametrize(
    ("found", "kind"),
    [
        (council("Telephone support"), DELIVERY),
        (council("Home visits"), DELIVERY),
        (council("Drop-in"), DELIVERY),
        (council("Getting online"), NEED),
        (council("Older adults"), POPULATION),
        (council("Young people"), POPULATION),
        (council("Young carers"), NEED),
        (council("Walking groups"), ACTIVITY),
        (council("Yoga classes"), ACTIVITY),
        (council("Debt advice"), NEED),
        (council("Befriending", taxonomy="Delivery channels"), DELIVERY),
        (council("Veterans", taxonomy="esd Circumstances"), POPULATION),
        (council("Seniors", code="20006", taxonomy="Open Eligibility"), POPULATION),
        (council("Food", code="1128", taxonomy="Open Eligibility"), NEED),
    ],
)
def test_each_term_has_a_kind(found, kind) -> None:
    assert kind_of(found) == kind


def test_our_needs_under_groups_of_people_are_population_groups() -> None:
    kinds = {n.code: kind_of_need(n) for n in demo_needs().needs}
    assert kinds["older_people"] == kinds["young_people"] == POPULATION
    assert kinds["loneliness"] == kinds["getting_active"] == NEED


def test_close_spellings_are_suggested_within_a_kind_only(needs) -> None:
    codes = [n.code for n in needs.suggestions(council("Lonelyness and isolaton"))]
    assert codes[0] == "loneliness"
    assert [n.code for n in needs.suggestions(council("Oldr adults"))] == ["older_people"]
    # "lonely" is a word for loneliness, but this term names people: only groups are offered
    assert [n.code for n in needs.suggestions(council("Lonely older people"))] == ["older_people"]
    assert "loneliness" in [n.code for n in needs.suggestions(council("Telephone befriending"))]
    assert needs.suggestions(council("Telephone")) == []  # delivery: no need at all
    assert needs.find(council("Oldr adults")).need is None  # and nothing applied


@pytest.mark.parametrize(
    ("said", "key"),
    [
        ("Carers' Support", "carer"),
        ("Food & Drink", "food and drink"),
        ("Advice and support", "advice and support"),  # nothing but filler: kept whole
        ("Help with debts", "debt"),
        ("Learning Disabilities Services", "learning disability"),
        ("Yoga Classes", "yoga class"),
    ],
)
def test_names_are_compared_in_one_normalised_form(said, key) -> None:
    assert term_key(said) == key


# --- imports keep the terms; managers map them ------------------------------------------


def _import(app, tmp_path, services, name="feed.json"):
    result = run(app, "import-oruk", write(tmp_path, services, name), "--publish")
    assert result.exit_code == 0, result.output
    return result.output


def _needs_of(app, service_id: str) -> list[str]:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        service = session.get(Service, uuid.UUID(service_id))
        return [link.term.code for link in service.need_links]


def _with_terms(*terms: dict, name: str = "Armley Walking Group") -> dict:
    attributes = list(terms)
    for item in attributes:
        item["taxonomy_term_id"] = item["taxonomy_term"]["id"]
    return a_service(name=name, attributes=attributes)


@pytest.fixture
def managed(small_search):
    add_people(small_search)
    return small_search


def _choose(client, found: dict, **choice: str):
    data = {k: found["taxonomy_term"].get(k, "") for k in ("taxonomy", "code", "name")}
    data["term_id"] = found["taxonomy_term"]["id"]
    return client.post(PAGE, data={**data, **choice})


def test_only_managers_see_and_change_the_mappings(managed, tmp_path) -> None:
    odd = term("Lonelyness and isolaton")
    _import(managed, tmp_path, [_with_terms(odd)])
    for who in ("editor", "other_editor", "linkworker"):
        client = client_for(managed, who)
        assert client.get(PAGE).status_code == 403
        assert _choose(client, odd, suggested="loneliness").status_code == 403
    assert client_for(managed, None).get(PAGE).status_code == 302  # to sign in
    with Session(managed.extensions[db.ENGINE_KEY]) as session:
        assert session.exec(select(TaxonomyMapping)).all() == []
    assert client_for(managed, "admin").get(PAGE).status_code == 200


def test_a_manager_maps_a_term_and_the_services_and_later_imports_follow(managed, tmp_path) -> None:
    odd, basket = term("Lonelyness and isolaton"), term("Underwater basket weaving")
    first = _with_terms(odd, basket)
    _import(managed, tmp_path, [first])
    assert _waiting(managed) == ["Lonelyness and isolaton", "Underwater basket weaving"]
    client = client_for(managed, "manager")
    page = client.get(PAGE, query_string={"term": "lonelyness and isolaton"}).text
    assert "Underwater basket weaving" not in page  # focused on the one term
    assert 'name="suggested" value="loneliness"' in page and "It means Loneliness" in page
    assert "Imported services with it" in page

    saved = _choose(client, odd, suggested="loneliness")
    assert saved.status_code == 302
    assert "Lonelyness" in saved.headers["Location"]
    shown = client.get(saved.headers["Location"]).text
    assert "means Loneliness and isolation. 1 listing changed." in shown
    assert "chosen by a manager: manager@example.org" in shown
    assert _needs_of(managed, first["id"]) == ["loneliness"]
    with Session(managed.extensions[db.ENGINE_KEY]) as session:
        change = session.exec(
            select(ListingChange).where(ListingChange.entity_id == uuid.UUID(first["id"]))
        ).one()
        assert (change.action, change.actor) == ("needs mapped", email_of("manager"))
        assert (change.before, change.after) == ({"needs": []}, {"needs": ["loneliness"]})
        audit = session.exec(select(VocabularyChange)).one()
        assert audit.key == f"Lonelyness and isolaton ({COUNCIL})"
        assert audit.after == {"need": "loneliness"} and audit.actor == email_of("manager")
    found = client.get("/api/v1/search", query_string={"need": "loneliness"}).get_json()
    assert first["id"] in json.dumps(found), "search knows the new need at once"

    # the next import of the same feed, and a new service with the term, keep the choice
    second = _with_terms(term("Lonelyness and isolaton"), name="Bramley Walk")
    output = _import(managed, tmp_path, [first, second], "again.json")
    assert "Lonelyness and isolaton (Council directory) -> loneliness (by manager)" in output
    assert _needs_of(managed, first["id"]) == _needs_of(managed, second["id"]) == ["loneliness"]

    # "not a need" takes the need away again, and the term is no longer waiting
    assert _choose(client, odd, not_a_need="y").status_code == 302
    assert _needs_of(managed, first["id"]) == _needs_of(managed, second["id"]) == []
    assert _waiting(managed) == ["Underwater basket weaving"]


def _session(app) -> Session:
    return Session(app.extensions[db.ENGINE_KEY])


def _waiting(app) -> list[str]:
    """The names of the terms the page shows as not mapped yet, most services first."""
    with _session(app) as session:
        waiting = [t for t in taxonomy_mapping.seen_terms(session) if not t.mapped]
    return [t.term.name for t in sorted(waiting, key=lambda t: -t.services)]


def test_a_mapping_keeps_a_need_another_term_still_gives(managed, tmp_path) -> None:
    debt, odd = term("Debt advice"), term("Money worrys")
    service = _with_terms(debt, odd)
    _import(managed, tmp_path, [service])
    client = client_for(managed, "manager")
    assert _choose(client, odd, need="money_debt").status_code == 302
    assert _needs_of(managed, service["id"]) == ["money_debt"]  # once, not twice
    assert _choose(client, odd, need="benefits").status_code == 302
    # money_debt stays: "Debt advice" still means it
    assert _needs_of(managed, service["id"]) == ["money_debt", "benefits"]


BAD_CHOICES = [
    ({}, "Choose a need from the list, or say that it is not a need."),
    ({"need": "nonsense"}, "“nonsense” is not one of the needs"),
    ({"suggested": "<script>"}, "“&lt;script&gt;” is not one of the needs"),
]


def test_a_bad_choice_is_refused_and_changes_nothing(small_app, tmp_path) -> None:
    add_people(small_app)
    odd = term("Lonelyness and isolaton")
    service = _with_terms(odd)
    _import(small_app, tmp_path, [service])
    client = client_for(small_app, "manager")
    for choice, message in BAD_CHOICES:
        refused = _choose(client, odd, **choice)
        assert refused.status_code == 400 and message in refused.text
        assert "There is a problem" in refused.text
    refused = _choose(client, term("Never imported"), suggested="loneliness")
    assert refused.status_code == 400 and "No imported service carries the term" in refused.text
    assert _needs_of(small_app, service["id"]) == []
    with _session(small_app) as session:
        assert session.exec(select(TaxonomyMapping)).all() == []
        assert session.exec(select(VocabularyChange)).all() == []
    missing = client.get(PAGE, query_string={"term": "Never imported"})
    assert missing.status_code == 404
    assert "No imported service carries a term called" in missing.text


@pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
def test_the_mapping_form_needs_its_csrf_token(small_app, tmp_path) -> None:
    add_people(small_app)
    odd = term("Lonelyness and isolaton")
    _import(small_app, tmp_path, [_with_terms(odd)])
    app = make_app(small_app.config["DATABASE_URL"], tmp_path / "csrf", WTF_CSRF_ENABLED=True)
    client = app.test_client()
    token = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
    sign_in = {"email": email_of("manager"), "password": PASSWORD}
    sign_in["csrf_token"] = token.search(client.get("/sign-in").text).group(1)
    assert client.post("/sign-in", data=sign_in).status_code == 302
    assert _choose(client, odd, suggested="loneliness").status_code == 400
    with _session(app) as session:
        assert session.exec(select(TaxonomyMapping)).all() == []
    fresh = token.search(client.get(PAGE).text).group(1)
    assert _choose(client, odd, suggested="loneliness", csrf_token=fresh).status_code == 302


# --- kept, exported and searched ------------------------------------------------------------


def test_foreign_terms_are_kept_exported_with_their_taxonomy_and_searched(
    small_search, databases, tmp_path
) -> None:
    basket = term("Underwater basket weaving", code="UBW-7")
    route = term("Self-referral", taxonomy="Signpost referral routes")  # ours, not a need
    service = _with_terms(basket, term("Debt advice"), route)
    first = _import(small_search, tmp_path, [service])
    assert "Self-referral" not in first  # neither matched nor waiting: not a foreign term
    _import(small_search, tmp_path, [service], "again.json")  # kept once, not twice
    with _session(small_search) as session:
        kept = session.exec(select(ServiceForeignTerm).order_by(ServiceForeignTerm.position)).all()
        assert [(t.name, t.code, t.taxonomy) for t in kept] == [
            ("Underwater basket weaving", "UBW-7", COUNCIL),
            ("Debt advice", "", COUNCIL),
        ]
    client = small_search.test_client()
    body = client.get(f"/api/v1/services/{service['id']}").get_json()
    terms = {a["taxonomy_term"]["name"]: a["taxonomy_term"] for a in body["attributes"]}
    assert terms["Underwater basket weaving"]["taxonomy"] == COUNCIL
    assert terms["Underwater basket weaving"]["id"] == basket["taxonomy_term"]["id"]
    assert terms["Underwater basket weaving"]["code"] == "UBW-7"
    assert "Money worries and debt" in terms  # and the need it means, in our taxonomy
    assert conformance_problems("service", body) == []
    assert "Self-referral" not in json.dumps(body)
    found = client.get("/api/v1/search", query_string={"q": "basket weaving"}).get_json()
    assert [r["service_id"] for r in found["results"]] == [service["id"]]
    # and a datapackage export, imported into another Signpost, carries them on
    out = tmp_path / "out"
    assert run(small_search, "export-oruk", str(out)).exit_code == 0
    other = with_needs(make_app(databases.new_migrated(), tmp_path / "other"))
    result = run(other, "import-oruk", str(out / "datapackage"), "--publish")
    assert result.exit_code == 0, result.output
    with _session(other) as session:
        again = session.exec(
            select(ServiceForeignTerm).where(
                ServiceForeignTerm.service_id == uuid.UUID(service["id"])
            )
        ).all()
        assert {(t.name, t.code, t.taxonomy, t.term_id) for t in again} == {
            (t.name, t.code, t.taxonomy, t.term_id) for t in kept
        }
    dispose(other)


def test_suggestions_share_a_real_word_not_a_few_letters(needs) -> None:
    """Issue 12 trial: "Men" was offered "Older people" (its letters are in "memory")."""
    for group in ("Men", "Women", "Children"):
        assert needs.suggestions(council(group)) == [], group
    assert [n.code for n in needs.suggestions(council("Families"))] == ["parenting_family"]
    assert "young_people" not in [n.code for n in needs.suggestions(council("Older people"))]


def test_the_commonest_council_terms_mean_our_needs(needs) -> None:
    for name, code in [
        ("Mental Health & Wellbeing", "low_mood"),
        ("Social Groups", "loneliness"),
        ("Gardening & Growing", "nature_green"),
    ]:
        assert needs.find(council(name)).need.code == code, name


def test_a_long_term_or_need_is_not_echoed_in_full(small_app, tmp_path) -> None:
    add_people(small_app)
    odd = term("Lonelyness and isolaton")
    _import(small_app, tmp_path, [_with_terms(odd)])
    client = client_for(small_app, "manager")
    asked = client.get(PAGE, query_string={"term": "x" * 5000})
    assert asked.status_code == 404
    assert "No term is that long: terms have at most 200 characters, and this one has 5,000" in (
        asked.text
    )
    assert "x" * 201 not in asked.text
    refused = _choose(client, odd, need="y" * 5000)
    assert refused.status_code == 400 and "is not one of the needs" in refused.text
    assert "y" * 61 not in refused.text and "5,000 characters in all" in refused.text
    ghost = dict(odd, taxonomy_term=dict(odd["taxonomy_term"], name="z" * 5000))
    refused = _choose(client, ghost, suggested="loneliness")
    assert refused.status_code == 400 and "z" * 201 not in refused.text
