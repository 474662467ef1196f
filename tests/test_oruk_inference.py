"""Reading referral routes and delivery from an Open Referral feed's own words
(directory/oruk/inference.py): many phrasings, and the negations that turn them around; and
the name an import gives its source when it is not told one."""

from __future__ import annotations

from pathlib import Path

import pytest

from directory.catalogue import vocabulary
from directory.models import REFERRAL_ROUTE_CODES
from directory.oruk import inference, reading


@pytest.mark.parametrize(
    ("words", "routes"),
    [
        ("Just turn up on the day.", {"self"}),
        ("A friendly drop in for anyone over 50.", {"self"}),
        ("Drop-in sessions every Tuesday.", {"self"}),
        ("No referral needed.", {"self"}),
        ("You can self-refer by filling in our form.", {"self"}),
        ("Self referrals welcome.", {"self"}),
        ("Refer yourself online or by phone.", {"self"}),
        ("Contact us to book a place.", {"self"}),
        ("Phone us to book.", {"self"}),
        ("Everyone is welcome!", {"self"}),
        ("No need to book, just turn up.", {"self"}),
        ("No GP referral needed.", {"self"}),
        ("You do not need a GP referral.", {"self"}),
        ("A referral from your GP is not required.", {"self"}),
        ("Ask your GP.", {"gp"}),
        ("Ask your GP to refer you.", {"gp"}),
        ("GP referral only.", {"gp"}),
        ("Patients are referred by their GP.", {"gp"}),
        ("By referral from a professional.", {"professional"}),
        ("Referral from a social worker or health visitor.", {"professional"}),
        ("Referrals are accepted from link workers.", {"professional"}),
        ("Professionals can refer using our online form.", {"professional"}),
        ("Referred by a health visitor.", {"professional"}),
        ("Professionals only.", {"professional"}),
        ("Professionals must email the team to arrange a place.", {"professional"}),
        ("Professionals only or self-referral via the helpline.", {"professional", "self"}),
        (
            "You need a food bank voucher from a referral agency such as Citizens Advice.",
            {"professional"},
        ),
        ("Ask your GP or refer yourself.", {"gp", "self"}),
        # getting in touch is self referral only where no route is named
        ("GP referral only. Call us to book your first session.", {"gp"}),
        ("By referral from a professional. Everyone is welcome.", {"professional"}),
        ("Call us to find out more.", set()),
        ("Self-referral or professional referral.", {"self", "professional"}),
        # unknown stays unknown
        ("Counselling provided by trained professionals.", set()),
        ("Please contact the reception if you require further information.", set()),
        ("", set()),
        # negations
        ("Not suitable for drop in.", set()),
        ("Please do not just turn up.", set()),
        ("Sorry, no drop-ins.", set()),
        ("We cannot accept self-referrals.", set()),
        ("Self-referrals are not accepted.", set()),
        ("Self-referrals will not be accepted; ask your GP.", {"gp"}),
        ("We do not take GP referrals; ask a social worker to refer you.", {"professional"}),
    ],
)
def test_referral_routes_are_read_from_the_words(words, routes) -> None:
    assert inference.referral_routes([words]) == routes


@pytest.mark.parametrize(
    ("words", "modes"),
    [
        ("Telephone befriending for older people.", {"phone"}),
        ("Our phone line is open every day.", {"phone"}),
        ("Call us for support when you need it.", {"phone"}),
        ("A weekly friendly call from a volunteer.", {"phone"}),
        ("Counselling by phone or in person.", {"phone"}),
        ("An online course over six weeks.", {"online"}),
        ("Sessions by video call.", {"online"}),
        ("We meet on Zoom on Thursdays.", {"online"}),
        ("You can attend in-person or remotely via video conferencing.", {"online"}),
        ("Online groups and telephone support.", {"online", "phone"}),
        # a phone to book with, or a website, does not deliver the service
        ("Phone us to book.", set()),
        ("Call 0113 496 0000 to find out more.", set()),
        ("Book online at our website.", set()),
        ("Find us online.", set()),
        # negations
        ("We do not offer telephone support.", set()),
        ("Sorry, no online sessions at the moment.", set()),
    ],
)
def test_delivery_is_read_from_the_words(words, modes) -> None:
    assert inference.delivery_modes([words]) == modes


def test_a_cue_negated_in_one_place_still_counts_where_it_is_said_plainly() -> None:
    words = ["Not suitable for drop in on Mondays.", "Drop in on Fridays."]
    assert inference.referral_routes(words) == {"self"}


def test_the_feed_words_come_from_every_field_that_may_say_them() -> None:
    record = {
        "description": "A group.",
        "application_process": "Just turn up.",
        "eligibility_description": "Adults.",
        "alert": None,
        "schedules": [{"attending_type": "Online via Zoom", "description": "Weekly."}],
        "service_at_locations": [{"schedules": [{"attending_type": "Drop-in"}]}],
    }
    words = inference.feed_words(record)
    assert words == [
        "Just turn up.",
        "A group.",
        "Adults.",
        "Online via Zoom",
        "Weekly.",
        "Drop-in",
    ]
    assert inference.delivery_modes(words) == {"online"}


def test_every_cue_is_a_valid_pattern_with_a_known_meaning() -> None:
    assert {c.says for c in inference.ROUTES} == set(REFERRAL_ROUTE_CODES)
    assert {c.says for c in inference.PATHWAY_NAMES} == set(vocabulary.NHS_PATHWAYS)
    assert {c.says for c in inference.IN_TOUCH} == {"self"}
    assert {c.says for c in inference.MODES} == {"phone", "online"}


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/feeds/leeds-directory.json", "Leeds Directory"),
        ("/feeds/bradford_council/services.json", "Bradford Council"),
        ("/feeds/NHS_services_2026.zip", "NHS Services 2026"),
        ("/standards/examples/csv", "the imported file"),
        ("/instance/uploads/" + "a1" * 16 + "/services.json", "the imported file"),
    ],
)
def test_a_source_is_named_from_its_file_or_folder(path, name) -> None:
    assert reading.source_name(Path(path)) == name


@pytest.mark.parametrize(
    ("words", "priced"),
    [
        ("£4.50 per meal", True),
        ("50p a session", True),
        ("£1,200 a year", True),
        ("Free", False),
        ("Free, donations welcome", False),
        ("£0", False),
        ("Two sessions a week", False),
        ("", False),
    ],
)
def test_a_price_in_words_is_read(words, priced) -> None:
    assert inference.names_a_price(words) is priced


@pytest.mark.parametrize(
    ("words", "stated"),
    [
        # clear words
        ("Women aged 16 and over living in Norwich.", {"women_only"}),
        ("Women only.", {"women_only"}),
        ("A women-only space.", {"women_only"}),
        ("Only for women.", {"women_only"}),
        ("For women.", {"women_only"}),
        ("Yoga for women over 50", {"women_only"}),
        ("Open to women who have experienced domestic abuse.", {"women_only"}),
        ("Ladies only swim", {"women_only"}),
        ("Men aged 18 and over.", {"men_only"}),
        ("For men aged 40+", {"men_only"}),
        ("Men only", {"men_only"}),
        ("Open to men living in Norfolk.", {"men_only"}),
        ("For unpaid carers.", {"carers_only"}),
        ("Carers only", {"carers_only"}),
        ("Only for family carers.", {"carers_only"}),
        ("You must be an unpaid carer.", {"carers_only"}),
        ("LGBTQ+ people only", {"lgbtq_only"}),
        ("For LGBT young people aged 14 to 25.", {"lgbtq_only"}),
        ("For armed forces veterans.", {"veterans_only"}),
        ("Veterans only", {"veterans_only"}),
        ("You must have served in the armed forces.", {"veterans_only"}),
        ("Women only. You must be an unpaid carer.", {"women_only", "carers_only"}),
        # words that name others too, or are unclear: no restriction
        ("For women and men.", set()),
        ("Men and women aged 18+", set()),
        ("Women, men and children", set()),
        ("For women, children and young people", set()),
        ("Available to women and their children.", set()),
        ("Men's mental health awareness sessions.", set()),
        ("Men's Shed Norwich", set()),
        ("Women's Outreach Service", set()),
        ("Carers Coffee Morning", set()),
        ("Support for carers and the people they care for.", set()),
        ("For veterans and their families.", set()),
        ("LGBTQ+ people and allies welcome.", set()),
        ("Open to all, including women and carers.", set()),
        ("Everyone welcome: a group for men.", set()),
        ("Adults aged 18 to 65 registered with a Norwich GP.", set()),
        ("Mums and dads welcome", set()),
        ("We welcome women who want to get active.", set()),
        ("Sessions for men; sessions for women.", set()),
        # negations
        ("Not only for men.", set()),
        ("This is not a women only group.", set()),
        ("Not just for carers.", set()),
        ("", set()),
    ],
)
def test_stated_restrictions_are_read_from_clear_words_only(words, stated) -> None:
    assert inference.restrictions([words]) == stated


@pytest.mark.parametrize(
    ("name", "eligibility", "stated"),
    [
        ("Women Only Swim", "Over 16s.", {"women_only"}),
        ("Men-only Walking Group", "", {"men_only"}),
        ("Support for Carers", "", set()),  # a name for people is not an eligibility
        ("Men's Shed", "Men aged 18 and over.", {"men_only"}),
        ("Men's Shed", "", set()),
        ("Women Only Swim", "Men only on Fridays.", set()),  # both: neither is clear
        # only some of the time, or others welcome too: open to all (review of issue 12)
        ("Swim", "For anyone - women only on Fridays", set()),
        ("Swim", "Women's only session on Monday; mixed sessions Tuesday", set()),
        ("Drop-in", "Support for women. Men welcome on Tuesdays", set()),
        ("Outreach", "Women (16+)", {"women_only"}),
        ("Outreach", "Female survivors of domestic abuse aged 16+", {"women_only"}),
        ("Group", "Men (18+)", {"men_only"}),
    ],
)
def test_restrictions_are_read_from_the_eligibility_and_a_name_that_says_only(
    name, eligibility, stated
) -> None:
    record = {
        "name": name,
        "eligibility_description": eligibility,
        "description": "We also run sessions for men only on Fridays.",  # not read
    }
    assert inference.stated_restrictions(record) == stated
