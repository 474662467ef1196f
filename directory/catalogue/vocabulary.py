"""The closed lists a listing chooses from, with the words people see."""

from __future__ import annotations

from directory.models.catalogue import REFERRAL_ROUTE_CODES, CareLevel, Service
from matcher.facts import DAY_NAMES

ACCESSIBILITY: dict[str, str] = {
    "step_free": "Step-free access",
    "accessible_toilet": "Accessible toilet",
    "hearing_loop": "Hearing loop",
    "bsl": "British Sign Language (BSL) available",
    "large_print": "Large print materials",
    "quiet_space": "Quiet space",
    "parking": "Parking",
    "blue_badge_parking": "Blue Badge parking",
    "lift": "Lift",
    "changing_places": "Changing Places toilet",
    "guide_dogs": "Guide and assistance dogs welcome",
    "baby_change": "Baby changing",
}

RESTRICTIONS: dict[str, str] = {
    "women_only": "Women only",
    "men_only": "Men only",
    "carers_only": "Carers only",
    "lgbtq_only": "LGBTQ+ people only",
    "veterans_only": "Armed forces veterans only",
    "registered_with_gp": "Registered with a local GP",
}

REFERRAL_ROUTES: dict[str, str] = {
    "self": "You can refer yourself",
    "professional": "A professional, such as a link worker, can refer you",
    "gp": "Your GP can refer you",
    "mhp": "The mental health practitioner at your GP practice can refer you",
    "urgent": "Takes urgent referrals, the same day",
}
assert tuple(REFERRAL_ROUTES) == REFERRAL_ROUTE_CODES, "one list of routes: models.catalogue"

# Levels of mental health care a pathway listing sits at (models.CareLevel), as people say
# them. Signpost shows where a service sits; it never decides which level a person needs.
CARE_LEVELS: dict[str, str] = {
    "community": "Community support",
    "primary_care": "NHS mental health support through your GP practice",
    "specialist": "Specialist NHS mental health care",
    "crisis": "Urgent and crisis care",
}

# NHS and NHS-commissioned mental health pathways: a listing of this kind names its pathway
# (Service.pathway), and the level of care it usually sits at (a listing may say otherwise).
NHS_PATHWAYS: dict[str, tuple[str, str]] = {
    "talking_therapies": ("NHS Talking Therapies", "primary_care"),
    "pcn_mhp": ("Mental health practitioner at your GP practice", "primary_care"),
    "community_mental_health": ("Community mental health team", "specialist"),
    "crisis_home_treatment": ("Crisis and home treatment", "crisis"),
    "crisis_line": ("Mental health crisis line", "crisis"),
    "early_intervention_psychosis": ("Early intervention in psychosis", "specialist"),
    "children_young_people": ("Children and young people's mental health services", "specialist"),
    "youth_wellbeing": ("Youth mental health and wellbeing support", "community"),
    "eating_disorders": ("Eating disorder service", "specialist"),
    "perinatal": ("Perinatal mental health", "specialist"),
}


def settle_care_level(service: Service) -> None:
    """The one rule for a listing's level of care, wherever its pathway is set (a form, a
    merge, an import, the feeds' terms): a level belongs to a pathway listing, so none
    without a pathway; a pathway with no level given takes the pathway's usual one."""
    if not service.pathway:
        service.care_level = None
    elif service.care_level is None:
        service.care_level = CareLevel(NHS_PATHWAYS[service.pathway][1])


DELIVERY: dict[str, str] = {
    "in_person": "In person",
    "online": "Online",
    "phone": "By phone",
}

CAPACITY: dict[str, str] = {
    "open": "Taking new people",
    "waiting_list": "Waiting list",
    "not_taking_referrals": "Not taking new referrals at the moment",
}

# RFC 5545 day codes, as HSDS schedules use, in week order, and their names: the one list,
# kept in matcher/facts.py and named here beside the other closed lists.
DAYS: dict[str, str] = DAY_NAMES

# ISO 639-1 codes for the languages spoken in the communities we serve.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "ar": "Arabic",
    "bn": "Bengali",
    "cs": "Czech",
    "cy": "Welsh",
    "fa": "Persian (Farsi)",
    "fr": "French",
    "gu": "Gujarati",
    "hi": "Hindi",
    "it": "Italian",
    "ku": "Kurdish",
    "lt": "Lithuanian",
    "pa": "Punjabi",
    "pl": "Polish",
    "ps": "Pashto",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sk": "Slovak",
    "so": "Somali",
    "es": "Spanish",
    "sq": "Albanian",
    "ta": "Tamil",
    "ti": "Tigrinya",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "zh": "Chinese",
}
