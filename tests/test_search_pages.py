"""The public search page: words and a place in, two bands of result cards out; urgent
help first when the words call for it; clear messages for bad input and unknown places."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select

from directory.catalogue import published
from directory.models import ListingStatus, SearchLog, stable_id
from tests.conftest import build_index
from tests.search_helpers import api, main_text, query, text

LS6 = "LS6 1BD"
TEA = stable_id("service", "hyde-park-tuesday-tea")
DRAFT = stable_id("service", "hyde-park-draft-club")


def get(app, params, status=200):
    response = app.test_client().get(f"/search?{query(params)}")
    assert response.status_code == status, response.status_code
    return response


def body(response) -> str:
    return response.get_data(as_text=True)


def title(response) -> str:
    return " ".join(unescape(re.search(r"<title>(.*?)</title>", body(response), re.S)[1]).split())


def links(response) -> dict[str, str]:
    """Link text -> href for every link in the page's main content."""
    html = body(response)
    html = html[html.index('id="maincontent"') : html.index("<footer")]
    found = re.findall(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', html, re.S)
    return {" ".join(unescape(re.sub(r"<[^>]+>", " ", t)).split()): unescape(h) for h, t in found}


def service_links(response) -> list[str]:
    return re.findall(
        r'class="nhsuk-card__link" href="/services/([0-9a-f-]{36})[?"]', body(response)
    )


def params_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


# --- results ----------------------------------------------------------------


def test_lonely_near_a_postcode_shows_nearby_services_with_distances(demo_search):
    response = get(demo_search, {"q": "lonely", "postcode": LS6})
    page = main_text(response)
    assert title(response) == "lonely near LS6 1BD – Search – Signpost"
    assert "Search results for “lonely”" in page
    assert "Near LS6 1BD" in page and "Online and by phone" in page
    local = api(demo_search.test_client(), {"q": "lonely", "postcode": LS6})
    assert f"{local['local_total']} services, page 1 of" in page
    distances = re.findall(r"(Less than 0\.1 miles|\d+\.\d miles|1 mile) away", page)
    assert len(distances) == 10  # one on each local card, none on the online ones
    for fact in ("Who for:", "Cost:", "How:", "Refer yourself:"):
        assert page.count(fact) == 15, fact
    more = links(response)[f"See all {local['online_total']} online and phone services"]
    assert params_of(more) == {"q": ["lonely"], "postcode": [LS6], "band": ["online"]}


@pytest.mark.parametrize(
    "params",
    [
        {"q": "lonely", "postcode": LS6},
        {"q": "skint"},
        {"q": "exam stress", "postcode": "LS6", "age": 16},
        {"q": "feel rubbish", "band": "online"},
        {"need": "loneliness", "postcode": "Headingley", "sort": "distance", "page": 2},
    ],
    ids=lambda p: query(p),
)
def test_the_page_lists_what_the_api_finds_in_the_same_order(demo_search, params):
    expected = [r["service_id"] for r in api(demo_search.test_client(), params)["results"]]
    assert expected
    assert service_links(get(demo_search, params)) == expected


def test_cards_say_cost_age_self_referral_and_when_open(demo_search, monkeypatch):
    from datetime import datetime

    from directory.clock import LONDON

    tuesday = datetime(2026, 11, 24, 10, 30, tzinfo=LONDON)
    monkeypatch.setattr("directory.search.engine.london_now", lambda: tuesday)
    monkeypatch.setattr("directory.web.presenters.clock_now", lambda: tuesday)
    page = main_text(get(demo_search, {"q": "tea and chat", "postcode": LS6}))
    card = page[page.index("Tuesday Tea and Chat") :][:400]
    assert "Hyde Park Friends Network" in card
    assert "Less than 0.1 miles away" in card
    assert "Who for: All ages" in card and "Cost: Free" in card
    assert "Refer yourself: Yes" in card
    assert "When: Open now until midday" in card  # Tuesdays, 10am to midday


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("councelling", "counselling"),
        ("anxeity", "anxiety"),
        ("beavement", "bereavement"),
        ("debbt advice", "debt advice"),
    ],
)
def test_a_corrected_search_says_what_it_showed(demo_search, typed, meant):
    response = get(demo_search, {"q": typed})
    assert f"Showing results for {meant} Search instead for {typed}" in main_text(response)
    assert service_links(response)
    assert f"Search results for “{typed}”" in main_text(response)  # what they typed stays
    as_typed = parse_qs(urlsplit(links(response)[typed]).query)
    assert as_typed == {"q": [typed], "as_typed": ["1"]}
    again = get(demo_search, {"q": typed, "as_typed": "1"})
    assert "Showing results for" not in main_text(again)


def test_a_real_but_rare_word_is_searched_and_a_near_one_offered(demo_search):
    response = get(demo_search, {"q": "excercise classes"})
    page = main_text(response)
    assert "Showing results for" not in page
    assert "Did you mean exercise classes ?" in page  # the words are a link
    offer = parse_qs(urlsplit(links(response)["exercise classes"]).query)
    assert offer == {"q": ["exercise classes"]}


@pytest.mark.parametrize("typed", ["my boyfriend hits me", "scared of my partner"])
def test_real_words_are_searched_as_they_are(demo_search, typed):
    page = main_text(get(demo_search, {"q": typed}))
    assert "Showing results for" not in page and "Did you mean" not in page


@pytest.mark.parametrize("typed", ["skint", "feel rubbish", "can't sleep", "exam stress"])
def test_slang_finds_services_and_needs_no_correction(demo_search, typed):
    response = get(demo_search, {"q": typed})
    assert len(service_links(response)) == 15
    assert "Showing results for" not in main_text(response)


def test_the_online_band_can_be_seen_in_full_and_paged(demo_search):
    response = get(demo_search, {"q": "lonely", "band": "online"})
    page = main_text(response)
    total = api(demo_search.test_client(), {"q": "lonely"})["online_total"]
    assert f"{total} services you can use from home, page 1 of 2." in page
    assert "Near " not in page and "Services in Leeds" not in page
    assert len(service_links(response)) == 10
    assert params_of(links(response)["Back to all results"]) == {"q": ["lonely"]}
    assert params_of(links(response)["Next : Page 2 of 2"])["page"] == ["2"]


def test_pages_keep_every_parameter(demo_search):
    params = {
        "q": "lonely",
        "postcode": LS6,
        "free": "1",
        "mode": ["in_person", "online"],
        "access": "step_free",
        "sort": "distance",
    }
    first = get(demo_search, params)
    following = links(first)
    assert "Previous : Page 0" not in " ".join(following)
    next_href = next(h for t, h in following.items() if t.startswith("Next"))
    expected = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    assert params_of(next_href) == {**expected, "page": ["2"]}
    second = demo_search.test_client().get(next_href)
    assert second.status_code == 200
    assert set(service_links(second)).isdisjoint(service_links(first))
    back = next(h for t, h in links(second).items() if t.startswith("Previous"))
    assert params_of(back) == expected


def test_a_page_past_the_last_says_so_and_links_back(demo_search):
    page = main_text(get(demo_search, {"q": "lonely", "postcode": LS6, "page": 99}))
    assert (
        "There are only 4 pages of results." in page
    )  # 5 before services only for other areas were left out


# --- urgent help ------------------------------------------------------------


@pytest.mark.parametrize("typed", ["kill myself", "suicide", "self harm", "overdose", "sucide"])
def test_crisis_words_put_urgent_help_first(demo_search, typed):
    response = get(demo_search, {"q": typed})
    html = body(response)
    panel = html.index('id="urgent-help"')
    assert panel < html.index('class="signpost-search"')  # before the search form
    if service_links(response):
        assert panel < html.index('class="nhsuk-card nhsuk-card--clickable signpost-service-card')
    page = main_text(response)
    for words in ("Call 999", "Call 116 123", "85258"):
        assert words in page
    assert "Call 111 and choose the mental health option" in page
    assert 'href="tel:999"' in html and 'href="sms:85258"' in html


@pytest.mark.parametrize(("age", "childline"), [(None, True), (12, True), (18, True), (19, False)])
def test_childline_is_offered_to_under_19s_and_when_the_age_is_not_known(
    demo_search, age, childline
):
    params = {"q": "kill myself"} if age is None else {"q": "kill myself", "age": age}
    page = main_text(get(demo_search, params))
    assert "Emergency services" in page
    assert ("Childline" in page) == childline


def test_a_directory_with_no_services_yet_searches_and_still_offers_urgent_help(empty_app):
    # A new directory, before its first import: its index has no segment at all.
    build_index(empty_app)
    response = get(empty_app, {"q": "kill myself", "postcode": LS6})
    assert 'id="urgent-help"' in body(response)
    assert "Call 116 123" in main_text(response)
    assert service_links(response) == []
    found = api(empty_app.test_client(), {"q": "food bank", "postcode": LS6})
    assert found["total"] == 0, found


def test_everyday_words_show_no_urgent_help_panel(demo_search):
    assert 'id="urgent-help"' not in body(get(demo_search, {"q": "lonely"}))


def test_crisis_words_with_a_bad_filter_still_show_urgent_help(demo_search):
    response = get(demo_search, {"q": "kill myself", "age": 500}, status=400)
    html = body(response)
    assert html.index("There is a problem") < html.index('id="urgent-help"')
    assert "Childline" in main_text(response)  # the age was not usable, so nobody is left out


# --- bad input --------------------------------------------------------------

BAD = [
    ({"q": "x" * 2000}, "q", "Search words must be 200 characters or fewer."),
    ({"postcode": "LS6 !!"}, "postcode", "Enter a postcode such as LS6 1AA"),
    ({"distance": "-1"}, "distance", "Choose a distance of 1, 3, 5 or 10 miles."),
    ({"distance": "7"}, "distance", "Choose a distance of 1, 3, 5 or 10 miles."),
    ({"age": "500"}, "age", "Enter an age as a whole number, such as 15."),
    ({"page": "0"}, "page", "The page number should be a whole number, 1 or more."),
    ({"need": "flying"}, "need", "Choose a need from the list."),
    ({"language": "klingon"}, "language", "Choose a language from the list."),
    ({"access": "jetpack"}, "access", "Choose access needs from the list."),
]


@pytest.mark.parametrize(("params", "field", "message"), BAD, ids=lambda v: str(v)[:30])
def test_bad_input_is_shown_back_with_a_clear_message_and_nothing_searched(
    demo_search, params, field, message
):
    response = get(demo_search, {"q": "lonely", **params}, status=400)
    html = body(response)
    assert title(response).startswith("Error: ")
    page = main_text(response)
    assert page.startswith("There is a problem")
    assert message in page
    if field != "page":  # a page number has no field; every other problem links to its field
        assert any(h == f"#{field}" and message in t for t, h in links(response).items())
        assert f'id="{field}"' in html and f'id="{field}-error"' in html
    assert service_links(response) == []
    assert "Search results" not in page


def test_the_form_keeps_what_was_typed_when_it_is_sent_back(demo_search):
    response = get(demo_search, {"q": "lonely", "postcode": "LS6 !!", "age": "abc"}, status=400)
    html = body(response)
    assert 'value="LS6 !!"' in html and 'value="abc"' in html and 'value="lonely"' in html
    assert re.search(r'<details class="nhsuk-details signpost-filters" id="filters"\s+open', html)
    # the error summary lists problems in the order of the form
    page = main_text(response)
    assert page.index("Enter a postcode such as") < page.index("Enter an age as a whole number")


def test_an_empty_search_page_shows_the_form_and_needs_to_browse(demo_search, session_for):
    before = len(session_for(demo_search).exec(select(SearchLog)).all())
    for path in ("/search", "/search?q=&postcode=&distance=any"):
        response = demo_search.test_client().get(path)
        assert response.status_code == 200
        page = main_text(response)
        assert "Find support and activities" in page
        assert "What are you looking for?" in page and "Postcode or area" in page
        assert links(response)["Loneliness and isolation"] == "/search?need=loneliness"
        assert service_links(response) == []
        assert title(response) == "Search – Signpost"
    assert len(session_for(demo_search).exec(select(SearchLog)).all()) == before


def test_the_filters_show_what_was_chosen(demo_search):
    response = get(demo_search, {"q": "lonely", "free": "1", "mode": "online", "day": "Monday"})
    html = body(response)
    assert "Filter results (3 chosen)" in main_text(response)
    assert re.search(r'id="free"[^>]*value="1"[^>]*checked|id="free"[^>]*checked', html)
    assert re.search(r'value="online"\s+checked', html)
    assert re.search(r'<option value="mo"\s+selected\s*>Monday</option>', html)
    assert re.search(r'value="any"\s+checked', html)  # no distance chosen: any distance


def typed(response) -> dict[str, str | None]:
    """The value of each text box, as the browser reads it (None: no value)."""
    found = {}
    for name in ("q", "postcode"):
        box = re.search(rf'<input[^>]*name="{name}"[^>]*>', body(response), re.S)[0]
        value = re.search(r'value="([^"]*)"', box)
        found[name] = unescape(value[1]) if value else None
    return found


def test_the_held_form_shows_each_search_its_own_words_and_choices(demo_search):
    chosen = {"free": "1", "day": "mo"}
    first = get(demo_search, {"q": "lonely", "postcode": LS6, **chosen})
    words = 'tea & "chat" <b>'
    second = get(demo_search, {"q": words, "postcode": "LS9 7TF", **chosen})
    assert typed(first) == {"q": "lonely", "postcode": LS6}
    assert typed(second) == {"q": words, "postcode": "LS9 7TF"}
    assert "<b>" not in body(second).split('name="q"')[1].split(">")[0]
    # what was typed into one box stays in it, even words that look like the other's
    both = get(demo_search, {"q": "\x1esignpost-typed-postcode\x1e", "postcode": LS6})
    assert "signpost-typed-postcode" in typed(both)["q"] and typed(both)["postcode"] == LS6
    assert typed(get(demo_search, {"need": "loneliness"})) == {"q": None, "postcode": None}
    for response in (first, second):
        assert "Filter results (2 chosen)" in main_text(response)
        assert re.search(r'<option value="mo"\s+selected\s*>Monday</option>', body(response))
    plain = get(demo_search, {"q": "lonely", "postcode": LS6})
    assert "chosen)" not in main_text(plain)
    assert not re.search(r'<option value="mo"\s+selected', body(plain))


def test_a_chosen_value_posing_as_the_words_place_gets_the_form_back_not_an_error(demo_search):
    # an invalid age is shown back as sent: it must not take the place of the typed words
    response = demo_search.test_client().get(
        "/search", query_string={"postcode": "LS6", "age": "\x1esignpost-typed-q\x1e"}
    )
    assert response.status_code == 400  # the age's problem, said on the page; not a 500
    assert "\x1e" not in body(response)
    assert typed(response)["q"] is None


def test_the_form_offers_a_renamed_need_at_once(small_search, session_for):
    from directory.models import TaxonomyTerm

    assert ">Loneliness and isolation</option>" in body(get(small_search, {"q": "tea"}))
    session = session_for(small_search)
    term = session.get(TaxonomyTerm, stable_id("need", "loneliness"))
    term.name = "Feeling lonely"
    session.add(term)
    session.commit()
    html = body(get(small_search, {"q": "tea"}))
    assert ">Feeling lonely</option>" in html
    assert ">Loneliness and isolation</option>" not in html


def test_a_query_with_a_script_tag_is_escaped(demo_search):
    response = get(demo_search, {"q": "<script>alert(1)</script>", "postcode": LS6})
    html = body(response)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert title(response).startswith("<script>alert(1)</script> near LS6 1BD")  # as text
    refused = body(get(demo_search, {"q": "<script>x</script>", "postcode": "<b>LS6</b>"}, 400))
    assert "<script>x" not in refused and "<b>LS6" not in refused
    assert 'value="&lt;b&gt;LS6&lt;/b&gt;"' in refused


# --- places -----------------------------------------------------------------


def test_a_misspelt_neighbourhood_is_understood(demo_search):
    page = main_text(get(demo_search, {"q": "lonely", "postcode": "Headingly"}))
    assert "Near Headingley" in page and "miles away" in page


def test_an_unknown_place_gets_an_honest_message_and_online_services(demo_search):
    response = get(demo_search, {"q": "lonely", "postcode": "Atlantis"})
    page = main_text(response)
    assert "We could not find “Atlantis”." in page
    assert "Online and by phone" in page and "miles away" not in page


def test_an_unknown_place_suggests_places_we_know(demo_search):
    response = get(demo_search, {"q": "lonely", "postcode": "Kirkstal Abbey"})
    assert "Did you mean" in main_text(response)
    assert params_of(links(response)["Kirkstall"]) == {"q": ["lonely"], "postcode": ["Kirkstall"]}


# --- nothing found ----------------------------------------------------------


def test_nothing_found_offers_other_searches_and_needs_to_browse(demo_search):
    response = get(demo_search, {"q": "boxing", "postcode": LS6, "distance": 1})
    page = main_text(response)
    assert "No services found" in page
    assert "We could not find any services for “boxing” near LS6 1BD with the filters" in page
    offers = links(response)
    wider = next(h for t, h in offers.items() if t.endswith("further away"))
    assert params_of(wider) == {"q": ["boxing"], "postcode": [LS6]}
    assert service_links(demo_search.test_client().get(wider))
    chip = params_of(offers["Getting active"])
    assert chip == {"need": ["getting_active"], "postcode": [LS6]}


# --- logging, home page, loading rows -----------------------------------------


def test_a_search_is_counted_without_the_full_postcode_or_the_address(small_search, session_for):
    client = small_search.test_client()
    client.get("/search")  # the empty form: not a search
    client.get("/search?q=lonely&age=500")  # refused: not a search
    client.get(f"/search?{query({'q': 'lonely', 'postcode': LS6, 'mode': 'in_person'})}")
    logged = session_for(small_search).exec(select(SearchLog)).all()
    assert len(logged) == 1
    entry = logged[0]
    assert (entry.query, entry.place, entry.channel) == ("lonely", "LS6", "web")
    assert entry.filters == {"mode": ["in_person"]}
    assert entry.results == 1  # Tuesday Tea and Chat; the phone line is not in person
    stored = " ".join(str(v) for v in entry.model_dump().values())
    assert "1BD" not in stored and "127.0.0.1" not in stored


def test_the_small_catalogue_search_finds_its_services(small_search):
    response = get(small_search, {"q": "lonely", "postcode": LS6})
    page = main_text(response)
    assert "Tuesday Tea and Chat" in page and "Evening Listening Line" in page
    assert "Draft Club" not in text(get(small_search, {"q": "club"}))


def test_the_home_page_searches_by_words_and_place(small_search):
    html = body(small_search.test_client().get("/"))
    form = re.search(r'<form[^>]*action="/search"[^>]*method="get"[^>]*>(.*?)</form>', html, re.S)
    assert form
    assert 'name="q"' in form[1] and 'name="postcode"' in form[1]
    assert "What are you looking for?" in form[1] and "Postcode or area" in form[1]


def test_services_by_id_loads_published_services_only(small_search, session_for):
    session = session_for(small_search)
    found = published.services_by_id(session, [DRAFT, TEA, stable_id("service", "never"), TEA])
    assert list(found) == [TEA]
    assert found[TEA].organisation.name == "Hyde Park Friends Network"
    assert published.services_by_id(session, []) == {}
    # nor a published service of an organisation that is no longer published
    found[TEA].organisation.status = ListingStatus.ARCHIVED
    session.commit()
    assert published.services_by_id(session, [TEA]) == {}
