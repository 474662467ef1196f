"""NHS mental health pathway listings through Open Referral UK: an import names a service's
pathway and level only from what names it (its name, its terms, its organisation), never
from a loose word of its description; the routes through the practice's mental health
practitioner and urgent referrals are read from the words; an export carries pathway, level,
out of hours and every route, so that another Signpost keeps them."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session

from directory import db
from directory.catalogue import vocabulary
from directory.models import CareLevel, Service, stable_id
from directory.oruk import inference, signpost_terms
from tests.conftest import dispose, make_app
from tests.oruk_helpers import UK, conformance_problems, need_standards
from tests.test_oruk_import_export import a_service, run, term, with_needs, write

TEA = stable_id("service", "hyde-park-tuesday-tea")


@pytest.mark.parametrize(
    ("names", "pathway"),
    [
        (["Aire Valley Talking Therapies"], "talking_therapies"),
        (["NHS Talking Therapies for anxiety and depression"], "talking_therapies"),
        (["Leeds IAPT"], "talking_therapies"),
        (["Improving Access to Psychological Therapies (Leeds)"], "talking_therapies"),
        (["Mental Health Practitioners at Meadowvale Practices"], "pcn_mhp"),
        (["Community Mental Health Team (Inner East)"], "community_mental_health"),
        (["West Leeds CMHT"], "community_mental_health"),
        (["Crisis Resolution and Home Treatment Team"], "crisis_home_treatment"),
        (["Intensive Home Treatment"], "crisis_home_treatment"),
        (["Leeds 24/7 Mental Health Crisis Line"], "crisis_line"),
        (["Early Intervention in Psychosis Service"], "early_intervention_psychosis"),
        (["EIP Team"], "early_intervention_psychosis"),
        (["Leeds CAMHS"], "children_young_people"),
        (["CYPMHS single point of access"], "children_young_people"),
        (["Child and Adolescent Mental Health Services"], "children_young_people"),
        (["Youth Wellbeing Service"], "youth_wellbeing"),
        (["Adult Eating Disorder Service"], "eating_disorders"),
        (["Perinatal Mental Health Service"], "perinatal"),
        (["Mother and Baby Unit"], "perinatal"),
        # its own name first, then its organisation's
        (["Single Point of Access", "Leeds CAMHS"], "children_young_people"),
        (["Adult Eating Disorder Service", "Leeds CAMHS"], "eating_disorders"),
        # not a pathway: loose words, community groups about the subject, other crises
        (["Community Counselling"], ""),
        (["Anxiety Café"], ""),
        (["Talking therapy for carers"], ""),
        (["Eating Disorders Support Group"], ""),
        # a community group run by an NHS service is still a community group
        (["Eating Disorders Support Group", "Leodis Eating Disorder Service"], ""),
        (["Carers' Café", "Leeds Early Intervention in Psychosis Service"], ""),
        (["Perinatal Peer Support Café"], ""),
        (["Steadyline 24/7 Crisis Line"], ""),
        (["Food Crisis Team"], ""),
        (["Housing crisis team"], ""),
        (["Mental health and wellbeing walks"], ""),
        (["Early intervention service for families"], ""),
        (["Psychology book club"], ""),
        ([""], ""),
        ([], ""),
    ],
)
def test_a_pathway_is_read_only_from_words_that_name_one(names, pathway) -> None:
    assert inference.pathway(names) == pathway
    assert pathway == "" or pathway in vocabulary.NHS_PATHWAYS


@pytest.mark.parametrize(
    ("words", "routes"),
    [
        ("Referrals from your GP or mental health practitioner.", {"gp", "mhp"}),
        ("Ask your GP or the practice mental health practitioner to refer you.", {"gp", "mhp"}),
        ("Your MHP can refer you.", {"mhp"}),
        ("Book an appointment with the mental health practitioner at reception.", {"mhp"}),
        ("Referred by a mental health practitioner.", {"mhp"}),
        ("We take urgent referrals from the crisis team.", {"urgent"}),
        ("Urgent referrals are seen the same day.", {"urgent"}),
        ("Same-day assessment for adults in crisis.", {"urgent"}),
        ("We respond within 4 hours to urgent referrals.", {"urgent"}),
        ("Self-referral online; urgent referrals accepted from GPs.", {"self", "urgent"}),
        # not said, or turned around
        ("Our mental health practitioners are friendly.", set()),
        ("We do not take urgent referrals.", set()),
        ("Urgent referrals should go to the crisis team.", set()),
        ("This is not an urgent service.", set()),
        ("If you need urgent help, call NHS 111.", set()),
    ],
)
def test_the_mhp_and_urgent_routes_are_read_from_the_words(words, routes) -> None:
    assert inference.referral_routes([words]) == routes


def _stored(app: Flask, service_id: str) -> Service:
    with Session(app.extensions[db.ENGINE_KEY], expire_on_commit=False) as session:
        found = session.get(Service, uuid.UUID(service_id))
        session.expunge(found)
        return found


def _named(name: str, description: str, **changes: object) -> dict:
    record = a_service(name=name, description=description, **changes)
    if "organization" not in changes:
        record["organization"]["name"] = "Leeds Health Partners"
    return record


def test_messy_records_get_a_pathway_only_when_they_are_one(empty_app, tmp_path) -> None:
    app = with_needs(empty_app)
    iapt = _named(
        "Leeds IAPT service",
        "Talking therapy for low mood and anxiety. Refer yourself online or by phone.",
        application_process="Self-referral online. Referrals from your GP or mental health "
        "practitioner are welcome.",
    )
    cafe = _named(
        "Chapeltown Community Café",
        "A warm café for anyone feeling anxious, low or lonely, with a weekly eating "
        "disorder awareness talk. Our volunteers can help you refer yourself to NHS "
        "Talking Therapies or an early intervention in psychosis team; we are not a crisis "
        "team. Everyone is welcome.",
    )
    cmht = _named(
        "Adult Mental Health (West)",
        "Care coordination and psychiatry for adults with severe mental illness.",
        application_process="Referrals from your GP or mental health practitioner. We take "
        "urgent referrals from the crisis team.",
        attributes=[dict(term("Community mental health team", "CMHT", "Leeds services"))],
    )
    cmht["attributes"][0]["taxonomy_term_id"] = cmht["attributes"][0]["taxonomy_term"]["id"]
    camhs = _named(
        "Single Point of Access",
        "Mental health support for children and young people.",
        organization={"id": str(uuid.uuid4()), "name": "Leeds CAMHS", "description": "NHS."},
    )
    group = _named("Eating Disorders Support Group", "Peer support for anyone affected.")
    records = [iapt, cafe, cmht, camhs, group]
    result = run(app, "import-oruk", write(tmp_path, records), "--publish")
    assert result.exit_code == 0, result.output
    found = {r["name"]: _stored(app, r["id"]) for r in records}
    levels = {name: (s.pathway, s.care_level) for name, s in found.items()}
    assert levels == {
        "Leeds IAPT service": ("talking_therapies", CareLevel.PRIMARY_CARE),
        "Chapeltown Community Café": ("", None),
        "Adult Mental Health (West)": ("community_mental_health", CareLevel.SPECIALIST),
        "Single Point of Access": ("children_young_people", CareLevel.SPECIALIST),
        "Eating Disorders Support Group": ("", None),
    }
    assert found["Leeds IAPT service"].referral_routes == ["self", "gp", "mhp"]
    assert found["Adult Mental Health (West)"].referral_routes == ["gp", "mhp", "urgent"]
    assert found["Chapeltown Community Café"].referral_routes == ["self"]


def test_a_reimport_that_names_no_pathway_keeps_the_listings_own(empty_app, tmp_path) -> None:
    app = with_needs(empty_app)
    record = _named("Perinatal Mental Health Service", "Care in pregnancy and after birth.")
    assert run(app, "import-oruk", write(tmp_path, [record])).exit_code == 0
    assert _stored(app, record["id"]).pathway == "perinatal"
    renamed = dict(record, name="Mums and Babies (Leeds)")
    assert run(app, "import-oruk", write(tmp_path, [renamed], "again.json")).exit_code == 0
    kept = _stored(app, record["id"])
    assert (kept.name, kept.pathway, kept.care_level) == (
        "Mums and Babies (Leeds)",
        "perinatal",
        CareLevel.SPECIALIST,
    )


def test_the_official_example_mentioning_eating_disorders_is_no_pathway(empty_app) -> None:
    need_standards()
    source = UK / "examples" / "service_full.json"
    example = json.loads(source.read_text())
    assert "eating disorders" in example["description"]  # the loose word the test is about
    result = run(with_needs(empty_app), "import-oruk", str(source))
    assert result.exit_code == 0, result.output
    stored = _stored(empty_app, example["id"])
    assert (stored.pathway, stored.care_level, stored.out_of_hours) == ("", None, "")


# --- export and the round trip ----------------------------------------------------------------


def _make_pathway(app: Flask, name: str | None = None) -> None:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        tea = session.get(Service, TEA)
        tea.pathway, tea.care_level = "crisis_home_treatment", CareLevel.CRISIS
        tea.out_of_hours = "Open day and night: call 0113 496 0950."
        tea.set_referral_routes(["gp", "mhp", "urgent"])
        if name:
            tea.name = name
        session.commit()


def _exported(app: Flask, folder: Path) -> dict:
    result = run(app, "export-oruk", str(folder))
    assert result.exit_code == 0, result.output
    services = json.loads((folder / "services.json").read_text())
    return next(s for s in services if s["id"] == str(TEA))


def _import_elsewhere(databases, tmp_path: Path, record: dict) -> Service:
    app = with_needs(make_app(databases.new_migrated(), tmp_path / "other"))
    try:
        result = run(app, "import-oruk", write(tmp_path, [record], "elsewhere.json"))
        assert result.exit_code == 0, result.output
        return _stored(app, record["id"])
    finally:
        dispose(app)


def test_an_export_carries_pathway_level_out_of_hours_and_every_route(
    small_app, tmp_path, databases
) -> None:
    _make_pathway(small_app)
    record = _exported(small_app, tmp_path / "out")
    terms = {
        (a["taxonomy_term"]["taxonomy"], a["taxonomy_term"]["code"]): a.get("value")
        for a in record["attributes"]
    }
    assert (signpost_terms.PATHWAYS.name, "crisis_home_treatment") in terms
    assert (signpost_terms.LEVELS.name, "crisis") in terms
    assert terms[(signpost_terms.DETAILS.name, "out_of_hours")].startswith("Open day and night")
    routes = {code for (taxonomy, code) in terms if taxonomy == signpost_terms.ROUTES.name}
    assert routes == {"gp", "mhp", "urgent"}
    need_standards()
    assert conformance_problems("service", record) == []
    # the round trip: another Signpost keeps them
    kept = _import_elsewhere(databases, tmp_path, record)
    assert (kept.pathway, kept.care_level) == ("crisis_home_treatment", CareLevel.CRISIS)
    assert kept.out_of_hours == "Open day and night: call 0113 496 0950."
    assert kept.referral_routes == ["gp", "mhp", "urgent"]


def test_a_signpost_record_without_a_pathway_stays_a_community_listing(
    small_app, tmp_path, databases
) -> None:
    """A Signpost's record says all there is: a community listing whose name sounds like a
    pathway is not made one by the importer's reading of its name."""
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        session.get(Service, TEA).name = "Friends of the Community Mental Health Team"
        session.commit()
    record = _exported(small_app, tmp_path / "out")
    assert inference.pathway([record["name"]]) == "community_mental_health"
    kept = _import_elsewhere(databases, tmp_path, record)
    assert (kept.pathway, kept.care_level) == ("", None)


@pytest.mark.parametrize(
    ("pathway", "level", "settled"),
    [
        ("", CareLevel.CRISIS, None),  # a level without a pathway: none
        ("talking_therapies", None, CareLevel.PRIMARY_CARE),  # the pathway's usual level
        ("talking_therapies", CareLevel.SPECIALIST, CareLevel.SPECIALIST),  # as given
    ],
)
def test_one_rule_settles_a_listings_level_of_care(pathway, level, settled) -> None:
    """Forms, merges, imports and the feeds' terms all settle the level by it."""
    service = Service(name="x", organization_id=TEA, pathway=pathway, care_level=level)
    vocabulary.settle_care_level(service)
    assert service.care_level == settled
