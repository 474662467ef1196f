"""Public pages render the catalogue, refuse bad input clearly, and leak nothing."""

from __future__ import annotations

import html
import re
import uuid
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import phonenumbers
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from directory import db
from directory.catalogue import published
from directory.catalogue.seed_files import read_needs
from directory.models import ListingStatus, Organisation, Service, stable_id
from directory.web import presenters
from tests.conftest import make_app

POSSIBLE = phonenumbers.Leniency.POSSIBLE
TEA = stable_id("service", "hyde-park-tuesday-tea")
CLINIC = stable_id("service", "hyde-park-money-clinic")
DRAFT = stable_id("service", "hyde-park-draft-club")
LINE = stable_id("service", "chapeltown-listening-line")


class _Page(HTMLParser):
    """Collects what a test checks in a page: headings, external references, the title."""

    def __init__(self) -> None:
        super().__init__()
        self.h1: list[str] = []
        self.external: list[str] = []
        self.ids: list[str] = []
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "h1":
            self._in_h1 = True
            self.h1.append("")
        if "id" in attributes:
            self.ids.append(attributes["id"])
        for name in ("src", "href", "action"):
            value = attributes.get(name) or ""
            if tag in ("script", "link", "img", "iframe", "form") and re.match(
                r"^(https?:)?//", value
            ):
                self.external.append(value)

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._in_h1:
            self.h1[-1] += data


def parse(response) -> _Page:
    page = _Page()
    page.feed(response.get_data(as_text=True))
    return page


def text_html(response) -> str:
    return response.get_data(as_text=True)


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


# --- the small catalogue: exact content ------------------------------------


def test_home_page_links_to_every_need_and_shows_urgent_help(small_app):
    response = small_app.test_client().get("/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    for need in read_needs():
        assert f'href="/needs/{need.id}"' in body, need.id
    assert "Call 999" in text(response)
    assert "116 123" in text(response)
    assert parse(response).h1 == ["Find support and activities near you in Leeds"]


def test_the_home_page_leads_with_urgent_help_then_the_search(small_app):
    body = small_app.test_client().get("/").get_data(as_text=True)
    main = body[body.index('id="maincontent"') :]
    link = main.index('<a href="#urgent-help">Need help now? Urgent help numbers</a>')
    assert link < main.index("<h1") < main.index('role="search"') < main.index("nhsuk-lede-text")
    assert main.index('role="search"') < main.index('id="urgent-help"')  # the panel it leads to


def test_browse_by_need_counts_only_published_services(small_app):
    page = text(small_app.test_client().get("/needs"))
    assert "Loneliness and isolation (2 services)" in page
    # the draft club is the only young people's service and must not count
    assert "Young people's wellbeing (0 services)" in page


def test_need_counts_are_held_until_the_catalogue_changes(small_app, session_for, monkeypatch):
    counted = []
    count_now = published.count_needs
    monkeypatch.setattr(published, "count_needs", lambda s: counted.append(1) or count_now(s))
    client = small_app.test_client()
    assert "Loneliness and isolation (2 services)" in text(client.get("/needs"))
    assert "Loneliness and isolation (2 services)" in text(client.get("/needs"))
    assert len(counted) == 1  # the second page read the held counts
    session = session_for(small_app)
    org = session.get(Organisation, stable_id("organisation", "hyde-park-friends"))
    org.status = ListingStatus.ARCHIVED
    session.add(org)
    session.commit()
    assert "Loneliness and isolation (1 service)" in text(client.get("/needs"))
    assert len(counted) == 2


def test_a_need_page_lists_its_published_services(small_app):
    response = small_app.test_client().get("/needs/loneliness")
    assert response.status_code == 200
    page = text(response)
    assert "Tuesday Tea and Chat" in page and "Evening Listening Line" in page
    assert "2 services." in page
    assert "Draft Club" not in text(small_app.test_client().get("/needs/young_people"))


def test_a_service_page_says_what_who_cost_contact_when_where_and_last_checked(small_app):
    response = small_app.test_client().get(f"/services/{TEA}")
    assert response.status_code == 200
    page = text(response)
    assert parse(response).h1[0].split()[:4] == ["Tuesday", "Tea", "and", "Chat"]
    for expected in [
        "Hyde Park Friends Network",  # organisation
        "Come along for tea",  # what it is
        "Ages 50 and over",  # who it is for
        "Free",  # cost
        "You can refer yourself",  # referral routes
        "A professional, such as a link worker, can refer you",
        "Just turn up.",  # how to get in
        "Sam Okafor, Volunteer coordinator",
        "0113 496 0124",
        "Tuesday, 10am to midday",  # when
        "Monday and Thursday, 2pm to 3:30pm (Term time only)",
        "Brudenell Community Rooms",  # where
        "12 Brudenell Road, Leeds, LS6 1BD",
        "Step-free access",
        "Hearing loop",
        "English, Urdu",
        "Last checked 14 September 2026",
    ]:
        assert expected in page, expected
    assert 'href="tel:+441134960124"' in response.get_data(as_text=True)


def test_a_service_with_a_cost_a_waiting_list_and_gp_referral_says_so(small_app):
    page = text(small_app.test_client().get(f"/services/{CLINIC}"))
    assert "£3.50 per session. Pay what you can." in page
    assert "Waiting list of about 4 weeks" in page
    assert "Your GP can refer you" in page
    assert "You can refer yourself" not in page
    assert "Registered with a local GP" in page
    assert "Postcode districts LS6, LS7" in page
    assert "By phone, and in person." in page


def test_a_stale_listing_says_how_long_since_it_was_checked(small_app, monkeypatch):
    monkeypatch.setattr("directory.web.presenters.clock_today", lambda: date(2026, 1, 9))
    client = small_app.test_client()
    assert "Last checked 11 months ago (10 January 2025): details may have changed" in text(
        client.get(f"/services/{CLINIC}")
    )
    monkeypatch.setattr("directory.web.presenters.clock_today", lambda: date(2025, 6, 1))
    assert "Last checked 10 January 2025." in text(client.get(f"/services/{CLINIC}"))


def test_a_phone_service_without_a_site_says_how_it_is_delivered(small_app):
    page = text(small_app.test_client().get(f"/services/{LINE}"))
    assert "By phone." in page
    assert "Not taking new referrals at the moment" in page
    assert "Ages 16 to 25" in page
    assert "Every day, 6pm to 11pm" in page


def test_an_organisation_page_lists_its_published_services(small_app):
    org = stable_id("organisation", "hyde-park-friends")
    response = small_app.test_client().get(f"/organisations/{org}")
    assert response.status_code == 200
    page = text(response)
    assert "Tuesday Tea and Chat" in page and "Money Worries Clinic" in page
    assert "Draft Club" not in page
    assert "hello@hydeparkfriends.example.org" in page


# --- a service reached from a search: distance, the way back, a map ---------------------------


def test_a_service_page_says_how_far_each_venue_is_from_the_place_searched(small_app):
    response = small_app.test_client().get(f"/services/{TEA}?from=LS6+1AA")
    page = text(response)
    # Brudenell Community Rooms (LS6 1BD) from LS6 1AA, to the tenth search shows
    away = re.findall(r"(?:\d\.\d miles|1 mile|Less than 0\.1 miles) from LS6 1AA", page)
    # near the top (its one venue is the nearest), and on the venue's card under Where
    assert len(away) == 2 and away[0] == away[1]
    assert page.index(away[0]) < page.index("What it is")
    assert parse(response).external == []  # no map or anything else loaded from elsewhere


@pytest.mark.parametrize("place", ["", "Nowhere-on-Sea", "LS99 9ZZ", "<script>", "x" * 500])
def test_a_place_that_is_not_a_place_only_leaves_the_distance_out(small_app, place):
    response = small_app.test_client().get(f"/services/{TEA}", query_string={"from": place})
    assert response.status_code == 200
    assert " from " not in text(response).split("Where")[-1].split("Last checked")[0]
    assert "<script>" not in response.get_data(as_text=True)


def test_a_map_link_per_venue_opens_openstreetmap_only_when_tapped(small_app):
    response = small_app.test_client().get(f"/services/{TEA}")
    body = response.get_data(as_text=True)
    maps = re.findall(r'<a href="(https://www\.openstreetmap\.org/[^"]*)" rel="noreferrer">', body)
    assert len(maps) == 1 and "mlat=" in maps[0]
    assert "See Brudenell Community Rooms on a map (OpenStreetMap)" in text(response)
    assert "<iframe" not in body and parse(response).external == []


def test_back_to_results_leads_to_the_very_search(small_app):
    search = "/search?q=tea&postcode=LS6+1BD&free=1&page=2"
    response = small_app.test_client().get(f"/services/{TEA}", query_string={"back": search})
    back = re.search(r'class="nhsuk-back-link"\s+href="([^"]+)"', text_html(response))
    assert "Back to results" in text(response)
    assert back is not None
    assert parse_qs(urlsplit(html.unescape(back.group(1))).query) == parse_qs(
        urlsplit(search).query
    )
    assert urlsplit(html.unescape(back.group(1))).path == "/search"
    # the breadcrumb gives way to the back link
    assert 'aria-label="Breadcrumb"' not in text_html(response)


@pytest.mark.parametrize(
    "back",
    [
        "",
        "https://evil.example/search?q=tea",
        "//evil.example/search?q=tea",
        "/\\evil.example/search?q=tea",
        "javascript:alert(1)//search?q=tea",
        "/search",  # an empty search is no search to go back to
        "/search?age=500",  # nor one that cannot be run
        "/searching?q=tea",
        "/services/x?q=tea",
        "https://localhost/search?q=tea",
    ],
)
def test_back_to_results_is_only_ever_a_search_on_this_site(small_app, back):
    response = small_app.test_client().get(f"/services/{TEA}", query_string={"back": back})
    assert response.status_code == 200
    assert "Back to results" not in text(response)
    assert 'aria-label="Breadcrumb"' in text_html(response)


def test_hostile_words_in_the_way_back_are_escaped(small_app):
    back = "/search?q=%3Cscript%3Ealert(1)%3C/script%3E%22%3E"
    body = text_html(small_app.test_client().get(f"/services/{TEA}", query_string={"back": back}))
    assert "Back to results" in body and "<script>alert(1)" not in body


def test_cards_found_by_a_search_link_with_the_place_and_the_way_back(demo_search):
    client = demo_search.test_client()
    results = client.get("/search?q=lonely&postcode=LS6+1BD")
    hrefs = re.findall(r'class="nhsuk-card__link" href="(/services/[^"]+)"', text_html(results))
    assert hrefs
    first = html.unescape(hrefs[0])
    asked = parse_qs(urlsplit(first).query)
    assert asked["from"] == ["LS6 1BD"]
    assert parse_qs(urlsplit(asked["back"][0]).query) == {"q": ["lonely"], "postcode": ["LS6 1BD"]}
    service = client.get(first)
    assert "Back to results" in text(service) and "from LS6 1BD" in text(service)


def test_cards_read_their_opening_times_in_one_query_not_one_each(demo_search):
    statements: list[str] = []
    engine = demo_search.extensions[db.ENGINE_KEY]

    def count(_connection, _cursor, statement, *_args):
        statements.append(statement)

    demo_search.extensions.pop(published.HELD_CARDS, None)  # as a worker's first search
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        body = text_html(demo_search.test_client().get("/search?q=lonely&postcode=LS6+1BD"))
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert body.count("<strong>When:</strong>") >= 5
    assert len([s for s in statements if re.search(r"FROM schedule\b", s)]) == 1


def without_nonce(page: str) -> str:
    return re.sub(r'nonce="[^"]*"', "", page)


def test_cards_and_service_pages_are_held_until_the_catalogue_changes(small_search):
    client = small_search.test_client()
    engine = small_search.extensions[db.ENGINE_KEY]
    search_path = "/search?q=lonely&postcode=LS6+1BD"
    first = text_html(client.get(search_path))
    href = html.unescape(re.findall(r'class="nhsuk-card__link" href="(/services/[^"]+)"', first)[0])
    service_id = urlsplit(href).path.rsplit("/", 1)[1]
    page = text_html(client.get(href))
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:  # the same pages (but for each one's script nonce), read from memory
        assert without_nonce(text_html(client.get(search_path))) == without_nonce(first)
        assert without_nonce(text_html(client.get(href))) == without_nonce(page)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert not [s for s in statements if re.search(r"FROM (service|schedule|cost_option)\b", s)]
    # another worker (another session) renames the service, then unpublishes it
    with Session(engine) as session:
        service = session.get(Service, uuid.UUID(service_id))
        old_name, service.name = service.name, "Tuesday Tea Renamed"
        session.commit()
    assert "Tuesday Tea Renamed" in text_html(client.get(search_path))
    assert "Tuesday Tea Renamed" in text_html(client.get(href))
    assert old_name not in text_html(client.get(href))
    with Session(engine) as session:
        session.get(Service, uuid.UUID(service_id)).status = ListingStatus.DRAFT
        session.commit()
    assert f"/services/{service_id}" not in text_html(client.get(search_path))
    assert client.get(href).status_code == 404


# --- phone numbers to tap --------------------------------------------------------------------


def test_phone_numbers_in_a_listings_words_can_be_tapped(small_app, session_for):
    session = session_for(small_app)
    tea = session.get(Service, TEA)
    tea.summary = "Tea and a chat: call 0113 496 0199 to ask."
    tea.description = "Come along for tea. <b>Lost?</b> Ring 07700 900123."
    tea.application_process = "Just turn up, or call Sam on 0113 496 0124."
    tea.eligibility_description = "Anyone; carers can call 0808 157 0123."
    tea.organisation.description = "Friends of Hyde Park. Office: 0113 496 0123."
    session.add_all([tea, tea.organisation])
    session.commit()
    client = small_app.test_client()
    page = text_html(client.get(f"/services/{TEA}"))
    for number in ("+441134960199", "+447700900123", "+441134960124", "+448081570123"):
        assert f'href="tel:{number}"' in page, number
    assert "&lt;b&gt;Lost?&lt;/b&gt;" in page  # the words around a number stay escaped
    card = text_html(client.get("/needs/loneliness"))
    assert '<a href="tel:+441134960199">0113 496 0199</a>' in card
    organisation = text_html(client.get(f"/organisations/{tea.organisation.id}"))
    assert '<a href="tel:+441134960123">0113 496 0123</a>' in organisation


NOT_FOUND = [
    "/services/" + str(stable_id("service", "never-listed")),
    "/services/not-a-uuid",
    "/services/" + str(DRAFT),
    "/services/%3Cscript%3E",
    "/organisations/" + str(stable_id("organisation", "never-listed")),
    "/organisations/12345",
    "/needs/flying",
    "/needs/loneliness?page=2",
    "/needs/%00",
    "/needs/LONELINESS",
    "/services/urn:uuid:" + str(TEA),
    "/no-such-page",
]


@pytest.mark.parametrize("path", NOT_FOUND)
def test_unknown_or_unpublished_things_are_not_found(small_app, path):
    response = small_app.test_client().get(path)
    assert response.status_code == 404
    assert "Page not found" in text(response)


def test_services_of_an_unpublished_organisation_are_not_shown(small_app, session_for):
    session = session_for(small_app)
    org = session.get(Organisation, stable_id("organisation", "hyde-park-friends"))
    org.status = ListingStatus.ARCHIVED
    session.add(org)
    session.commit()
    client = small_app.test_client()
    assert client.get(f"/services/{TEA}").status_code == 404
    assert client.get(f"/organisations/{org.id}").status_code == 404
    assert "Tuesday Tea and Chat" not in text(client.get("/needs/loneliness"))
    assert "Loneliness and isolation (1 service)" in text(client.get("/needs"))


def test_every_page_offers_a_quick_exit_after_the_skip_link(small_app):
    client = small_app.test_client()
    for path in ("/", "/needs", f"/services/{TEA}", "/no-such-page"):
        body = client.get(path).get_data(as_text=True)
        assert body.index("Skip to main content") < body.index("Leave this site quickly"), path
        assert 'href="https://www.bbc.co.uk/weather" rel="noreferrer" data-quick-exit' in body


def test_an_archived_service_is_no_longer_shown(small_app, session_for):
    session = session_for(small_app)
    tea = session.get(Service, TEA)
    tea.status = ListingStatus.ARCHIVED
    session.add(tea)
    session.commit()
    client = small_app.test_client()
    assert client.get(f"/services/{TEA}").status_code == 404
    assert "Tuesday Tea and Chat" not in text(client.get("/needs/loneliness"))


@pytest.mark.parametrize(
    "page", ["0", "-1", "abc", "1.5", "", "99999999", "1e3", "%00", "%C2%B2", "%D9%A3"]
)
def test_a_bad_page_number_gets_a_clear_400(small_app, page):
    response = small_app.test_client().get(f"/needs/loneliness?page={page}")
    assert response.status_code == 400
    if page == "%00":  # refused before any view, as in every parameter (security.py)
        assert "holds a character that is not allowed" in text(response)
    else:
        assert "The page number should be a whole number, 1 or more." in text(response)


def test_a_form_post_to_a_read_only_page_is_refused(small_app):
    response = small_app.test_client().post("/needs")
    assert response.status_code == 405


def test_user_text_is_escaped_in_our_templates_and_in_nhsuk_macros(small_app, session_for):
    session = session_for(small_app)
    tea = session.get(Service, TEA)
    tea.name = "<script>alert('name')</script>"
    tea.summary = "<img src=x onerror=alert(1)>"
    session.add(tea)
    session.commit()
    hostile = make_app(
        small_app.config["DATABASE_URL"],
        small_app.instance_path,
        SERVICE_NAME="<script>alert('macro')</script>",
    )
    client = hostile.test_client()
    for path in (f"/services/{TEA}", "/needs/loneliness", "/"):
        body = client.get(path).get_data(as_text=True)
        assert "<script>alert(" not in body, path
        assert "<img src=x" not in body, path
    body = client.get(f"/services/{TEA}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in body
    # the footer is rendered by the nhsuk-frontend-jinja footer macro
    assert "&lt;script&gt;alert(&#39;macro&#39;)&lt;/script&gt;" in body
    hostile.extensions[db.ENGINE_KEY].dispose()


def test_the_nhs_logo_is_off_unless_the_host_turns_it_on(small_app):
    assert 'aria-label="NHS"' not in small_app.test_client().get("/").get_data(as_text=True)
    nhs = make_app(small_app.config["DATABASE_URL"], small_app.instance_path, SHOW_NHS_LOGO=True)
    assert 'aria-label="NHS"' in nhs.test_client().get("/").get_data(as_text=True)
    nhs.extensions[db.ENGINE_KEY].dispose()


# --- the demo catalogue: every page renders ----------------------------------


def test_every_public_page_of_the_demo_catalogue_renders(demo_app, session_for):
    session = session_for(demo_app)
    client = demo_app.test_client()
    paths = ["/", "/needs", "/accessibility", "/privacy"]
    paths += [f"/needs/{n.id}" for n in read_needs()]
    services = session.exec(select(Service).where(Service.status == ListingStatus.PUBLISHED)).all()
    paths += [f"/services/{s.id}" for s in services]
    paths += [f"/organisations/{o.id}" for o in session.exec(select(Organisation))]
    assert len(services) >= 140
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        page = parse(response)
        assert len(page.h1) == 1, path
        assert page.external == [], (path, page.external)
        assert "maincontent" in page.ids, path


@pytest.mark.sqlite_only  # the listings' own words, whatever database holds them
def test_every_phone_number_in_a_published_listing_can_be_tapped(demo_app, session_for):
    """Each number in a listing (its contacts, and its words, as phonenumbers finds them) is
    a tel: link on its page, and a listing with no number of its own offers its
    organisation's. Prints how many listings have a number of their own to tap."""
    session = session_for(demo_app)
    client = demo_app.test_client()
    services = session.exec(select(Service).where(Service.status == ListingStatus.PUBLISHED)).all()
    own = 0
    for service in services:
        links = set(
            re.findall(r'href="(tel:[^"]+)"', text_html(client.get(f"/services/{service.id}")))
        )
        prose = [
            service.summary,
            service.description,
            service.eligibility_description,
            service.application_process,
            service.fees_description,
            service.opening_exceptions,
            *(option.amount_description for option in service.cost_options),
            *(schedule.notes for schedule in service.schedules),
            *(location.transport for location in service.locations),
        ]
        numbers = [p.number for c in service.contacts for p in c.phones]
        # every full-length number phonenumbers can find, the demo's drama ranges included
        numbers += [
            m.raw_string
            for words in prose
            for m in phonenumbers.PhoneNumberMatcher(words or "", "GB", leniency=POSSIBLE)
            if len(phonenumbers.national_significant_number(m.number)) >= 10
        ]
        for number in numbers:
            assert presenters.tel_href(number) in links, (service.name, number)
        own += bool(numbers)
        if not numbers:
            assert links == {presenters.tel_href(p.number) for p in service.organisation.phones}
        assert links, service.name
    print(f"{own} of {len(services)} published listings have a number of their own to tap")
    assert own >= 60


def test_need_pages_of_the_demo_catalogue_paginate(demo_app, session_for):
    busiest = max(published.needs(session_for(demo_app)), key=lambda n: n.services)
    size = demo_app.config["PER_PAGE"]
    assert busiest.services > size  # the demo catalogue has a need with several pages
    pages = -(-busiest.services // size)
    client = demo_app.test_client()
    first = text(client.get(f"/needs/{busiest.code}"))
    assert f"{busiest.services} services, page 1 of {pages}." in first
    assert "Next : Page 2" in first and "Previous" not in first
    last = client.get(f"/needs/{busiest.code}?page={pages}")
    assert last.status_code == 200
    assert "Previous" in text(last) and "Next" not in text(last)
    assert client.get(f"/needs/{busiest.code}?page={pages + 1}").status_code == 404
    seen = set()
    for number in range(1, pages + 1):
        body = client.get(f"/needs/{busiest.code}?page={number}").get_data(as_text=True)
        seen |= set(re.findall(r'href="/services/([0-9a-f-]{36})"', body))
    assert len(seen) == busiest.services


def test_the_stylesheet_and_scripts_are_served_and_fetch_nothing_from_elsewhere(small_app):
    if not (Path(small_app.static_folder) / "nhsuk" / "signpost.min.css").exists():
        pytest.skip("front-end assets not built: run `make assets` (make test does)")
    client = small_app.test_client()
    for asset in ("signpost.min.css", "nhsuk-frontend.min.js", "assets/images/favicon.ico"):
        response = client.get(f"/static/nhsuk/{asset}")
        assert response.status_code == 200, asset
        response.close()
    css = client.get("/static/nhsuk/signpost.min.css")
    assert b".nhsuk-header" in css.data
    # no font (or anything else) fetched from another host
    assert b"@font-face" not in css.data and b"https://" not in css.data
    css.close()


def test_pages_carry_privacy_and_safety_headers(small_app):
    response = small_app.test_client().get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    body = response.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", body)
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline)
    # no referrer leaves the site; our own forms keep theirs for the CSRF check over HTTPS
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    second = small_app.test_client().get("/").headers["Content-Security-Policy"]
    assert second != policy  # a fresh nonce each time


def test_a_crash_shows_a_plain_error_page_without_a_stack_trace(small_app):
    small_app.config["PROPAGATE_EXCEPTIONS"] = False

    @small_app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = small_app.test_client().get("/boom")
    assert response.status_code == 500
    page = text(response)
    assert "Sorry, there is a problem with the service" in page
    assert "secret internals" not in page and "Traceback" not in page


def test_a_service_page_reads_in_at_most_four_statements(demo_app, session_for):
    """Whatever a listing holds (places with access notes, contacts with phones, openings,
    closures, languages, areas, costs, needs), its page asks the database a fixed few
    things, not one per kind of row."""
    session = session_for(demo_app)
    listed = session.exec(select(Service).where(published.is_published())).all()
    fullest = max(
        listed,
        key=lambda s: (
            sum(len(link.location.accessibility) for link in s.location_links)
            + len(s.schedules)
            + len(s.languages)
            + len(s.areas)
            + len(s.need_links)
            + sum(len(c.phones) for c in s.contacts)
        ),
    )
    assert fullest.location_links and fullest.schedules and fullest.need_links
    place = fullest.location_links[0].location
    statements: list[str] = []
    engine = demo_app.extensions[db.ENGINE_KEY]

    def count(_connection, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        page = text_html(demo_app.test_client().get(f"/services/{fullest.id}?from=LS6+1BD"))
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert place.name in page and fullest.needs[0].name in page
    assert len(statements) <= 4, statements
