"""Search and listings past their check date, and open now through closures: a stale listing
is labelled ("Last checked 22 months ago") and ranks below a fresh one that fits as well,
never filtered out; a service closed today is not "open now"."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlmodel import Session

from directory import db, search
from directory.clock import LONDON
from directory.models import Closure, Service
from directory.search import engine
from directory.search.documents import ServiceFacts
from directory.search.index import SearchIndex
from directory.search.request import SearchRequest
from directory.search.understanding import load_lexicon
from tests.accounts_helpers import MONEY, TEA
from tests.conftest import demo_needs
from tests.search_helpers import api, main_text

TODAY = date(2026, 11, 24)
# A Tuesday morning: Tuesday Tea and Chat is on (10am to midday).
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 30, tzinfo=LONDON)
CHECKED_BEFORE = TODAY - timedelta(days=183)


def club(number: int, name: str, checked: date | None, description: str = "") -> ServiceFacts:
    return ServiceFacts(
        id=uuid.UUID(int=number),
        name=name,
        organisation="Friends",
        description=description,
        needs=("loneliness",),
        modes=("online",),
        last_verified=checked,
        stamp=str(number),
    )


def ranked(index: SearchIndex, text: str, stale_before: date | None) -> list[str]:
    found = engine.run(
        index, SearchRequest(text=text), load_lexicon(demo_needs()), stale_before=stale_before
    )
    return [h.service_id.int for h in found.online.hits]


def test_a_stale_listing_ranks_below_a_fresh_one_that_fits_as_well(tmp_path):
    index = SearchIndex(tmp_path)
    # ids 1 and 2 fit "knitting" alike; 1 would come first on the id alone
    index.rebuild(
        [
            club(1, "Knitting circle", CHECKED_BEFORE - timedelta(days=300)),
            club(2, "Knitting circle", TODAY - timedelta(days=10)),
            club(3, "Sewing circle", None, "Knitting too"),  # never checked: stale too
        ]
    )
    assert ranked(index, "knitting", None)[:2] == [1, 2]
    assert ranked(index, "knitting", CHECKED_BEFORE) == [2, 1, 3]  # demoted, never dropped


def test_a_stale_listing_that_fits_much_better_still_leads(tmp_path):
    index = SearchIndex(tmp_path)
    index.rebuild(
        [
            club(1, "Knitting circle", CHECKED_BEFORE - timedelta(days=1)),
            club(2, "Sewing circle", TODAY, "A little knitting sometimes"),
        ]
    )
    assert ranked(index, "knitting", CHECKED_BEFORE) == [1, 2]


def test_public_search_ranks_a_stale_listing_after_a_fresh_one_and_labels_it(
    small_search, monkeypatch
):
    monkeypatch.setattr("directory.web.presenters.clock_today", lambda: TODAY)
    monkeypatch.setattr("directory.search.clock.today", lambda: TODAY)
    client = small_search.test_client()

    def hyde_park() -> list[uuid.UUID]:  # both of its services say it alike (organisation)
        found = api(client, {"q": "hyde park", "band": "local"})["results"]
        return [uuid.UUID(r["service_id"]) for r in found]

    assert hyde_park() == [TEA, MONEY]  # the money clinic is stale (January 2025)
    with small_search.app_context(), Session(db.engine()) as session:
        # now the tea is 18 months unchecked and the clinic checked last week
        session.get(Service, TEA).last_verified = TODAY - timedelta(days=548)
        session.get(Service, MONEY).last_verified = TODAY - timedelta(days=7)
        session.commit()
        search.refresh(session, search.index(), [TEA, MONEY])
    assert hyde_park() == [MONEY, TEA]  # below, not gone
    page = main_text(client.get("/search?q=hyde+park"))
    assert page.count("Last checked 17 months ago") == 1
    assert page.index("Money Worries Clinic") < page.index("Last checked 17 months ago")
    service_page = main_text(client.get(f"/services/{TEA}"))
    top = service_page[: service_page.index("What it is")]  # said at the top, not only the end
    assert "Last checked 17 months ago" in top and "check with the service before you go" in top


def test_a_service_closed_today_is_not_open_now_and_its_card_says_until_when(
    small_search, monkeypatch
):
    monkeypatch.setattr("directory.search.engine.london_now", lambda: TUESDAY_MORNING)
    monkeypatch.setattr("directory.web.presenters.clock_now", lambda: TUESDAY_MORNING)
    client = small_search.test_client()

    def open_now() -> set[uuid.UUID]:
        return {uuid.UUID(r["service_id"]) for r in api(client, {"open_now": 1})["results"]}

    assert TEA in open_now()
    with small_search.app_context(), Session(db.engine()) as session:
        tea = session.get(Service, TEA)
        tea.closures = [Closure(starts=TODAY, ends=date(2026, 12, 7), reason="Building works")]
        session.commit()
        search.refresh(session, search.index(), [TEA])
    assert TEA not in open_now()
    page = main_text(client.get("/search?q=tea+and+chat"))
    assert "Closed until 7 December (Building works). Opens Tuesday 8 December at 10am" in page
