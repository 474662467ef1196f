"""A few NHS mental health pathway listings for Leeds, added to a test database beside the
small catalogue (the demo seed's own come with the pathway catalogue): invented names, and
numbers in the drama range (0113 496 0xxx), as in the rest of the demo data."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlmodel import Session, select

from directory.models import (
    AreaType,
    CareLevel,
    Contact,
    ListingStatus,
    Organisation,
    Phone,
    Service,
    ServiceArea,
    ServiceTaxonomyTerm,
    TaxonomyTerm,
    stable_id,
)

LEEDS = "E08000035"
MOOD = ["low_mood", "stress_anxiety"]
# key: (name, pathway, level, routes, needs, min age, max age, website, phone)
PATHWAYS: dict[str, tuple] = {
    "talking": (
        "Leeds NHS Talking Therapies (test)",
        "talking_therapies",
        CareLevel.PRIMARY_CARE,
        ["self", "gp", "mhp"],
        MOOD,
        18,
        None,
        "https://talking.example.nhs.uk",
        "0113 496 0101",
    ),
    "mhp": (
        "Practice mental health practitioners (test)",
        "pcn_mhp",
        CareLevel.PRIMARY_CARE,
        ["gp"],
        MOOD,
        18,
        None,
        "",
        "",
    ),
    "cmht": (
        "Community mental health team (test)",
        "community_mental_health",
        CareLevel.SPECIALIST,
        ["gp", "mhp"],
        MOOD,
        18,
        None,
        "",
        "0113 496 0103",
    ),
    "crisis": (
        "Leeds crisis line (test)",
        "crisis_line",
        CareLevel.CRISIS,
        ["self", "urgent"],
        ["urgent_mental_health_crisis"],
        None,
        None,
        "",
        "0113 496 0104",
    ),
    "cyp": (
        "Young minds Leeds (test)",
        "children_young_people",
        CareLevel.SPECIALIST,
        ["self", "gp"],
        MOOD,
        None,
        17,
        "https://cyp.example.nhs.uk",
        "",
    ),
    "youth": (
        "Youth wellbeing drop-in (test)",
        "youth_wellbeing",
        CareLevel.COMMUNITY,
        ["self"],
        MOOD,
        13,
        25,
        "",
        "0113 496 0106",
    ),
}


def pathway_id(key: str) -> str:
    return str(stable_id("service", f"test-pathway-{key}"))


def add_pathways(session: Session, today: date) -> dict[str, str]:
    """Add the pathway listings (published, checked last month, for Leeds, online and by
    phone); their ids by key."""
    org = Organisation(
        id=stable_id("organisation", "test-leeds-nhs"),
        name="Leeds NHS mental health (test)",
        status=ListingStatus.PUBLISHED,
    )
    session.add(org)
    terms = {t.code: t for t in session.exec(select(TaxonomyTerm)).all()}
    for key, (name, pathway, level, routes, needs, low, high, url, phone) in PATHWAYS.items():
        service_id = uuid.UUID(pathway_id(key))
        service = Service(
            id=service_id,
            organization_id=org.id,
            name=name,
            summary=f"{name}: NHS mental health support.",
            url=url or None,
            online=True,
            by_phone=True,
            minimum_age=low,
            maximum_age=high,
            status=ListingStatus.PUBLISHED,
            last_verified=today - timedelta(days=30),
            pathway=pathway,
            care_level=level,
            out_of_hours="Call NHS 111 and choose the mental health option."
            if key == "cmht"
            else "",
        )
        service.set_referral_routes(routes)
        session.add(service)
        session.add(
            ServiceArea(
                service_id=service_id,
                extent_type=AreaType.LOCAL_AUTHORITY,
                extent=LEEDS,
                name="Leeds",
            )
        )
        for rank, need in enumerate(needs):
            session.add(
                ServiceTaxonomyTerm(
                    service_id=service_id, taxonomy_term_id=terms[need].id, rank=rank
                )
            )
        if phone:
            session.add(Contact(service_id=service_id, phones=[Phone(number=phone)]))
    session.commit()
    return {key: pathway_id(key) for key in PATHWAYS}
