"""The array ranking is Whoosh's own: same matches, same scores, same filters, also after
edits leave the index in several segments with deleted documents."""

from __future__ import annotations

import json
import random
import uuid
from datetime import date, datetime

import numpy as np
import pytest
from whoosh import query as q

from directory.clock import LONDON
from directory.search import arrays, engine
from directory.search.documents import OpeningSession, ServiceFacts
from directory.search.index import SearchIndex
from directory.search.request import SearchRequest
from directory.search.results import ResolvedPlace
from directory.search.understanding import load_lexicon, understand
from matcher.facts import DAYS, Closure
from tests.conftest import demo_needs

WORDS = [
    "lonely",
    "befriending",
    "counselling",
    "anxiety",
    "debt",
    "advice",
    "bereavement",
    "walking",
    "garden",
    "carers",
    "youth",
    "club",
    "food",
    "bank",
    "housing",
    "benefits",
    "english",
    "classes",
    "art",
    "music",
    "tea",
]
NEEDS = ("loneliness", "low_mood", "money_debt", "housing", "carers", "young_people")
SEARCHES = [
    "lonely",
    "councelling",
    "debt advice",
    "skint",
    "feel rubbish",
    "youth club for carers",
    "befriending walking garden tea",
    "i need some help",
]
FILTERS = [
    {},
    {"age": 15},
    {"age": 70, "free_only": True},
    {"modes": ("online", "phone")},
    {"need": "loneliness", "self_referral": True},
    {"language": "pl", "access": ("step_free",)},
    {"day": "SA"},
    {"evening": True, "weekend": True},
]
LEEDS = ResolvedPlace("LS6 3HN", 53.8203, -1.5785, "postcode")


def _service(rng: random.Random, number: int) -> ServiceFacts:
    sites = tuple(
        (53.78 + rng.random() * 0.08, -1.62 + rng.random() * 0.12)
        for _ in range(rng.choice((0, 1, 1, 2, 3)))
    )
    low = rng.choice((None, 11, 16, 18, 50))
    return ServiceFacts(
        id=uuid.UUID(int=rng.getrandbits(128)),
        name=" ".join(rng.sample(WORDS, 3)).title(),
        organisation=f"{rng.choice(WORDS).title()} Trust {number % 17}",
        summary=" ".join(rng.choices(WORDS, k=8)),
        description=" ".join(rng.choices(WORDS, k=rng.randint(5, 40))),
        needs=tuple(rng.sample(NEEDS, rng.randint(1, 3))),
        need_words=" ".join(rng.choices(WORDS, k=4)),
        keywords=tuple(rng.sample(WORDS, 2)),
        modes=("in_person",) if sites else (rng.choice(("online", "phone")),),
        free=rng.random() < 0.7,
        self_referral=rng.random() < 0.6,
        minimum_age=low,
        maximum_age=None if low is None or low >= 18 else low + 8,
        languages=tuple(rng.sample(("en", "pl", "ur", "so"), rng.randint(1, 2))),
        access=tuple(rng.sample(("step_free", "hearing_loop", "bsl"), rng.randint(0, 2))),
        sites=sites,
        sessions=(
            OpeningSession(tuple(rng.sample(DAYS, 2)), "10:00", "19:00", *rng.choice(SEASONS)),
        ),
        closures=rng.choice(CLOSURES),
        stamp=str(number),
    )


# Seasons and closures around the week of Monday 9 March 2026 that open_at is asked about.
SEASONS = [
    (None, None),
    (date(2026, 3, 11), None),
    (None, date(2026, 3, 10)),
    (date(2026, 3, 1), date(2026, 3, 31)),
]
CLOSURES = [
    (),
    (),
    (Closure(date(2026, 3, 11), date(2026, 3, 12), "Staff training"),),
    (Closure(date(2026, 3, 9), date(2026, 3, 9)), Closure(date(2026, 3, 14), date(2026, 4, 1))),
]


@pytest.fixture(scope="module")
def edited_index(tmp_path_factory):
    """An index of 400 services, then three rounds of edits and removals: several
    segments, deleted documents in each."""
    rng = random.Random(11)
    services = [_service(rng, n) for n in range(400)]
    index = SearchIndex(tmp_path_factory.mktemp("arrays"))
    index.rebuild(services)
    for round_ in range(3):
        changed = [
            ServiceFacts(**{**vars(s), "name": s.name + " lonely", "stamp": f"r{round_}"})
            for s in rng.sample(services, 30)
        ]
        removed = [str(s.id) for s in rng.sample(services, 10)]
        index.update(changed, [r for r in removed if r not in {str(c.id) for c in changed}])
    return index


def _whoosh(searcher, text: q.Query | None, filters: list[q.Query]) -> dict[int, float]:
    """The yardstick: Whoosh's own searcher, a posting at a time (the match rule, as a
    Whoosh query, among the filters)."""
    allow = q.And(filters) if filters else None
    if text is None:
        return dict.fromkeys((allow or q.Every()).docs(searcher), 1.0)
    return {
        docnum: score for score, docnum in searcher.search(text, filter=allow, limit=None).top_n
    }


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("words", SEARCHES)
def test_matches_and_scores_equal_whoosh_over_several_segments(edited_index, words, filters):
    lexicon = load_lexicon(demo_needs())
    with edited_index.searcher() as searcher:
        assert not searcher.is_atomic(), "the edits should have left several segments"
        assert searcher.reader().has_deletions()
        view = engine._views_for(edited_index).view(searcher, object())
        request = SearchRequest(text=words, **filters)
        understood = understand(words, view.vocabulary, lexicon)
        filters = engine.filter_queries(request)
        text = engine.text_query(understood)
        if text is not None:
            allowed = engine.filtered(view, searcher, request)
            rule = engine.requirement(view, searcher, understood, allowed)[0]
            filters.append(rule.query())
        expected = _whoosh(searcher, text, filters)
        docs, scores = engine._matches(view, searcher, request, understood)
    assert sorted(docs.tolist()) == sorted(expected)
    for doc, score in zip(docs.tolist(), scores.tolist(), strict=True):
        assert score == pytest.approx(expected[doc], rel=1e-9)


def test_nearest_site_distances_equal_the_plain_formula(edited_index):
    with edited_index.searcher() as searcher:
        view = engine._views_for(edited_index).view(searcher, object())
        miles = view.nearest_sites(LEEDS.latitude, LEEDS.longitude)
        # asked for some documents only (as a search asks for those it found): the same miles
        some = np.arange(view.size - 1, -1, -3)
        asked = view.nearest_sites(LEEDS.latitude, LEEDS.longitude, some)
        assert np.array_equal(asked, miles[some], equal_nan=True)
        sites: dict[int, list[tuple[float, float]]] = {}
        for doc, lat, lon in zip(view.site_doc, view.site_lat, view.site_lon, strict=True):
            sites.setdefault(int(doc), []).append((float(lat), float(lon)))
    for doc in range(view.size):
        expected = engine.nearest_miles(LEEDS, tuple(sites.get(doc, ())))
        if expected is None:
            assert np.isnan(miles[doc])
        else:
            assert miles[doc] == expected  # one formula, one rounding: equal to the digit


def test_a_search_sees_an_edit_made_after_the_arrays_were_read(tmp_path):
    lexicon = load_lexicon(demo_needs())
    rng = random.Random(3)
    services = [_service(rng, n) for n in range(50)]
    index = SearchIndex(tmp_path)
    index.rebuild(services)
    before = engine.run(index, SearchRequest(text="zebra"), lexicon)
    assert before.total == 0
    renamed = ServiceFacts(**{**vars(services[0]), "name": "Zebra crossing club"})
    index.update([renamed])
    after = engine.run(index, SearchRequest(text="zebra"), lexicon)
    assert [h.service_id for h in after.local.hits + after.online.hits] == [renamed.id]
    index.update(removed=[str(renamed.id)])
    assert engine.run(index, SearchRequest(text="zebra"), lexicon).total == 0


@pytest.mark.parametrize(
    ("day", "clock"),
    [(0, "09:59"), (0, "10:00"), (2, "18:59"), (2, "19:00"), (5, "12:30"), (6, "23:59")],
)
def test_open_at_agrees_with_the_opening_sessions(edited_index, day, clock):
    now = datetime(2026, 3, 9 + day, int(clock[:2]), int(clock[3:]), tzinfo=LONDON)
    with edited_index.searcher() as searcher:
        view = engine._views_for(edited_index).view(searcher, object())
        found = view.open_at(now.date(), now.hour * 60 + now.minute)
        for doc in searcher.reader().all_doc_ids():
            stored = searcher.stored_fields(doc)
            assert found[doc] == engine.is_open(stored, now)
            assert view.has_hours[doc] == bool(json.loads(stored["sessions"]))


def test_each_fact_is_held_once_and_every_generation_reads_as_a_fresh_one(tmp_path):
    """With several segments (a rebuild writes one per core) each segment's arrays and
    postings point into the view's joined ones instead of being held twice; the next
    generation's view, built from the segments kept, equals one read afresh."""
    rng = random.Random(5)
    services = [_service(rng, n) for n in range(120)]
    index = SearchIndex(tmp_path)
    index.rebuild(services[:60])
    index.update(services[60:])
    views = arrays.Views()
    word = WORDS[0].lower()
    for round_ in range(3):
        with index.searcher() as searcher:
            view = views.view(searcher, object())
            ids, weights = view.postings(searcher, "description", word)
            fresh = arrays.Views().view(searcher, object())
            assert len(view.segments) >= 2
            for name in arrays.LENT:
                for segment in view.segments:
                    part = getattr(segment, name)
                    assert not len(part) or np.shares_memory(part, getattr(view, name)), name
            again = arrays.View(view.segments, view.alive)  # from the segments as lent
            for name in (*arrays.LENT, "hours_doc", "closure_doc", "site_doc", "area_doc"):
                np.testing.assert_array_equal(getattr(again, name), getattr(view, name))
            for name in arrays.SCORED_FIELDS:
                np.testing.assert_array_equal(again.lengths[name], view.lengths[name])
            alive = view.alive  # a segment kept holds the facts of documents deleted since
            np.testing.assert_array_equal(view.id_low[alive], fresh.id_low[alive])
            np.testing.assert_array_equal(view.verified[alive], fresh.verified[alive])
            fresh_ids, fresh_weights = fresh.postings(searcher, "description", word)
            np.testing.assert_array_equal(ids, fresh_ids)
            np.testing.assert_array_equal(weights, fresh_weights)
            for segment in view.segments:  # postings read before `again`: lent to the view
                held = segment.postings[("description", word)][1]
                assert not len(held) or np.shares_memory(held, weights)
        edited = [
            ServiceFacts(**{**vars(s), "name": s.name + " lonely", "stamp": f"r{round_}"})
            for s in rng.sample(services, 10)
        ]
        index.update(edited, [str(services[round_].id)])
