"""Reading referral routes and delivery from an Open Referral feed's own words
(directory/oruk/inference.py): many phrasings, and the negations that turn them around; and
the name an import gives its source when it is not told one."""

from __future__ import annotations

from pathlib import Path

import pytest

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
    assert {c.says for c in inference.ROUTES} == {"self", "gp", "professional"}
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
