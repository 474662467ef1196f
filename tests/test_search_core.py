"""The search core: query understanding, the index on disk, incremental updates, drift."""

from __future__ import annotations

import multiprocessing
import random
import sys
import threading
import uuid
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select
from whoosh.fields import TEXT

from directory import db, safety, search
from directory.clock import LONDON
from directory.models import ListingStatus, Organisation, Service, stable_id
from directory.search import building, engine
from directory.search.documents import OpeningSession, ServiceFacts
from directory.search.index import SearchIndex
from directory.search.request import SearchRequest
from directory.search.results import ResolvedPlace
from directory.search.understanding import correct, load_lexicon, understand
from tests.conftest import demo_needs

TEA = stable_id("service", "hyde-park-tuesday-tea")
CLINIC = stable_id("service", "hyde-park-money-clinic")
LINE = stable_id("service", "chapeltown-listening-line")
VOCABULARY = {
    "counselling": 12,
    "anxiety": 9,
    "bereavement": 6,
    "debt": 8,
    "depth": 1,
    "advice": 20,
    "loneliness": 7,
    "swimming": 2,
    "walking": 5,
}


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon(demo_needs())


# --- understanding ----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("councelling", "counselling"),
        ("anxeity", "anxiety"),
        ("beavement", "bereavement"),
        ("debbt", "debt"),
        ("walkng", "walking"),
    ],
)
def test_typos_are_corrected_to_the_nearest_catalogue_word(lexicon, typed, meant):
    assert correct(typed, VOCABULARY, lexicon) == meant


@pytest.mark.parametrize("word", ["advice", "swimming", "art", "zzzzzzzz", "1234"])
def test_known_short_or_unmatched_words_are_left_alone(lexicon, word):
    assert correct(word, VOCABULARY, lexicon) == word


def test_a_corrected_query_says_what_it_searched_for(lexicon):
    understood = understand("Debbt advice", VOCABULARY, lexicon)
    assert understood.corrected == "debt advice" and understood.suggestion is None
    assert "money_debt" in understood.needs
    assert understand("debt advice", VOCABULARY, lexicon).corrected is None


def test_a_real_word_is_searched_as_typed_and_a_near_one_only_offered(lexicon):
    vocabulary = {**VOCABULARY, "exercise": 4, "classes": 9}
    understood = understand("Excercise classes", vocabulary, lexicon)  # in wordfreq's list
    assert understood.words == ["excercise", "classes"] and understood.corrected is None
    assert understood.suggestion == "exercise classes"
    dept = understand("Dept advice", VOCABULARY, lexicon)  # a common word: nothing offered
    assert dept.words == ["dept", "advice"] and dept.corrected is dept.suggestion is None
    assert understand("Debbt advice", VOCABULARY, lexicon, as_typed=True).words == [
        "debbt",
        "advice",
    ]


@pytest.mark.parametrize(
    ("typed", "need"),
    [
        ("lonely", "loneliness"),
        ("I'm so lonely", "loneliness"),
        ("skint", "money_debt"),
        ("totally broke", "benefits"),
        ("feel rubbish", "low_mood"),
        ("can\u2019t sleep", "stress_anxiety"),
        ("cant sleep", "stress_anxiety"),
        ("exam stress", "school_college"),
        ("no friends", "loneliness"),
    ],
)
def test_slang_and_synonyms_point_to_needs(lexicon, typed, need):
    assert need in understand(typed, VOCABULARY, lexicon).needs


def test_synonyms_add_words_to_search_for(lexicon):
    understood = understand("lonely", VOCABULARY, lexicon)
    assert {"loneliness", "befriending"} <= set(understood.expansions)


@pytest.mark.parametrize(
    "typed",
    [
        "suicide",
        "I feel suicidal",
        "i want to kill myself",
        "KILL MYSELF",
        "self harm",
        "self-harm",
        "selfharm",
        "took an overdose",
        "sucide",
        "suicdal thoughts",
        "self harn",
        "want to die",
    ],
)
def test_crisis_words_and_their_typos_are_recognised(lexicon, typed):
    understood = understand(typed, VOCABULARY, lexicon)
    assert understood.crisis_kind == "self" and understood.crisis


@pytest.mark.parametrize(
    "typed", ["food bank", "die cast models", "harmony choir", "selfie club", "killer sudoku"]
)
def test_ordinary_searches_are_not_crises(lexicon, typed):
    understood = understand(typed, VOCABULARY, lexicon)
    assert understood.crisis_kind is None and not understood.crisis


def test_abuse_words_are_understood_as_abuse_with_its_need(lexicon):
    understood = understand("my boyfriend hits me", VOCABULARY, lexicon)
    assert understood.crisis_kind == "abuse"
    assert "domestic_abuse" in understood.needs


def test_the_crisis_panel_comes_from_the_data_file(lexicon):
    panel = safety.panel("self")
    names = [c.name for c in panel.contacts]
    assert names == ["Emergency services", "NHS 111", "Samaritans", "Shout", "Childline"]
    assert [c.max_age for c in panel.contacts if c.name == "Childline"] == [18]
    assert "116 123" in panel.contacts[2].how


# --- the index on disk ------------------------------------------------------


def _facts(name: str, *, needs=("loneliness",), sites=((53.81, -1.56),), **more) -> ServiceFacts:
    return ServiceFacts(
        id=more.pop("id", uuid.uuid4()),
        name=name,
        organisation="Test Org",
        summary=more.pop("summary", ""),
        needs=needs,
        need_words=" ".join(needs),
        sites=sites,
        **more,
    )


def _names(results, band="local"):
    return [h.service_id for h in getattr(results, band).hits]


def test_edits_after_the_same_random_seed_each_keep_their_own_segment(tmp_path):
    """Whoosh named segments from the `random` module: after the same seed (hypothesis seeds
    it for each example), the second edit's new segment took the first's name and emptied
    its files ("Unknown file header b''" in the hostile-input walk on CI)."""
    index = SearchIndex(tmp_path / "index")
    index.rebuild([_facts("Knitting Circle")])
    edited = [_facts("Chess Club"), _facts("Walking Group"), _facts("Tea Dance")]
    for facts in edited:
        random.seed(20261207)
        index.update([facts])
    assert {str(f.id) for f in edited} <= set(index.ids())


def test_a_rebuild_swaps_in_a_new_index_that_readers_then_see(tmp_path, lexicon):
    index = SearchIndex(tmp_path / "index")
    first = _facts("Knitting Circle")
    assert index.rebuild([first]) == 1
    assert set(index.ids()) == {str(first.id)}
    second = _facts("Chess Club")
    with index.searcher() as old:  # a reader open across the swap keeps working
        index.rebuild([second])
        assert old.doc_count() == 1
    assert set(index.ids()) == {str(second.id)}
    assert len(list((tmp_path / "index").glob("build-*"))) == 1


def test_a_rebuild_in_several_processes_finds_and_ranks_as_one_in_a_single_segment(
    tmp_path, lexicon, monkeypatch
):
    monkeypatch.setattr(building, "BATCH", 4)  # more than a batch: written by 2 processes
    words = ["knitting", "chess", "walking", "money advice", "choir"]
    catalogue = [
        _facts(f"{words[i % 5]} group {i}", summary=f"{words[(i * 3) % 5]} and tea")
        for i in range(23)
    ]
    one, two = SearchIndex(tmp_path / "one"), SearchIndex(tmp_path / "two")
    assert one.rebuild(catalogue) == two.rebuild(catalogue, processes=2) == 23
    with one.searcher() as first, two.searcher() as second:
        assert len(first.reader().leaf_readers()) == 1
        assert len(second.reader().leaf_readers()) > 1
    assert one.ids() == two.ids()
    for text in ["knitting", "chess tea", "money", "walking group 7", "choir advice"]:
        request = SearchRequest(text=text)
        expected, found = engine.run(one, request, lexicon), engine.run(two, request, lexicon)
        assert found.total == expected.total > 0
        assert [(h.service_id, h.score) for h in found.local.hits] == [
            (h.service_id, h.score) for h in expected.local.hits
        ]


def test_a_rebuild_that_fails_in_a_process_leaves_the_live_index_as_it_was(
    tmp_path, monkeypatch
) -> None:
    index = SearchIndex(tmp_path / "index")
    knit = _facts("Knitting Circle")
    index.rebuild([knit])
    monkeypatch.setattr(building, "BATCH", 2)
    index_module = sys.modules[SearchIndex.__module__]  # the package's index() hides it
    monkeypatch.setattr(index_module, "document", lambda f: {"id": str(f.id), "nonsense": "x"})
    with pytest.raises(RuntimeError, match="nonsense"):
        index.rebuild([_facts(f"Group {i}") for i in range(9)], processes=2)
    assert set(index.ids()) == {str(knit.id)}
    assert len(list((tmp_path / "index").glob("build-*"))) == 1


def test_an_index_that_keeps_word_positions_is_outdated_and_rebuilt(tmp_path) -> None:
    """Releases before this one kept where each word stood; postings of both kinds cannot
    be read as one field, so such an index is built anew."""
    index = SearchIndex(tmp_path / "index")
    index.rebuild([_facts("Knitting Circle")])
    assert not index.outdated()
    writer = index.open().writer()
    writer.remove_field("name")
    writer.add_field("name", TEXT(phrase=True))
    writer.commit()
    index.close()
    assert index.outdated()


def test_an_update_is_searchable_at_once_and_a_removal_disappears(tmp_path, lexicon):
    index = SearchIndex(tmp_path / "index")
    knit = _facts("Knitting Circle")
    index.rebuild([knit])
    request = SearchRequest(text="chess")
    assert engine.run(index, request, lexicon).total == 0
    chess = _facts("Chess Club")
    index.update([chess])
    assert _names(engine.run(index, request, lexicon)) == [chess.id]
    index.update([_facts("Draughts Club", id=chess.id)])
    assert engine.run(index, request, lexicon).total == 0
    index.update(removed=[str(knit.id)])
    assert engine.run(index, SearchRequest(text="knitting"), lexicon).total == 0
    assert set(index.ids()) == {str(chess.id)}


def test_searching_before_any_index_exists_says_how_to_build_it(tmp_path, lexicon):
    with pytest.raises(FileNotFoundError, match="reindex"):
        engine.run(SearchIndex(tmp_path / "none"), SearchRequest(text="x"), lexicon)


def _write_many(folder: str, prefix: str, count: int) -> None:
    index = SearchIndex(folder)
    for i in range(count):
        index.update(
            [_facts(f"{prefix} group {i}", id=uuid.uuid5(uuid.NAMESPACE_DNS, f"{prefix}{i}"))]
        )


@pytest.mark.concurrency
def test_two_processes_writing_at_once_lose_nothing_and_corrupt_nothing(tmp_path, lexicon):
    folder = str(tmp_path / "index")
    SearchIndex(folder).rebuild([])
    context = multiprocessing.get_context("spawn")
    writers = [
        context.Process(target=_write_many, args=(folder, prefix, 15)) for prefix in ("red", "blue")
    ]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=120)
        assert process.exitcode == 0
    index = SearchIndex(folder)
    assert len(index.ids()) == 30
    assert engine.run(index, SearchRequest(text="blue"), lexicon).total == 15


# --- the engine over the small catalogue ------------------------------------


def _run(app, now=None, **params):
    with app.app_context(), Session(db.engine()) as session:
        return search.search(session, search.index(), search.parse_request(params), now=now)


HYDE_PARK = ResolvedPlace("LS6 1BD", 53.81297, -1.56540, "postcode")


def test_local_and_phone_services_come_in_separate_bands(small_search):
    results = _run(small_search, q="lonely")
    assert _names(results) == [TEA]
    assert _names(results, "online") == [LINE]


def test_distance_is_measured_to_the_nearest_site_and_filters(small_search):
    near = _run(small_search, q="lonely", postcode="LS6 1BD", distance="1")
    assert near.local.hits[0].distance_miles == 0.0
    far = _run(small_search, q="lonely", postcode="LS14 6JB", distance="1")
    assert far.local.total == 0 and far.online.total == 1
    assert far.alternatives and far.alternatives[0].label == "1 service further away"
    any_distance = _run(small_search, q="lonely", postcode="LS14 6JB")
    assert 3 < any_distance.local.hits[0].distance_miles < 6


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"age": "60"}, {TEA, CLINIC}),  # the line is for 16-25
        ({"age": "20"}, {CLINIC, LINE}),
        ({"free": "1"}, {TEA, LINE}),
        ({"self_referral": "1"}, {TEA, LINE}),
        ({"mode": "phone"}, {CLINIC, LINE}),
        ({"mode": ["online", "phone"]}, {CLINIC, LINE}),
        ({"language": "ur"}, {TEA}),
        ({"language": "pl"}, {LINE}),
        ({"access": "hearing_loop"}, {TEA, CLINIC}),
        ({"day": "tu"}, {TEA, LINE}),
        ({"day": "Monday"}, {TEA, LINE}),
        ({"evening": "1"}, {LINE}),
        ({"weekend": "1"}, {LINE}),
        ({"need": "money_debt"}, {CLINIC}),
        ({"free": "1", "mode": "in_person"}, {TEA}),
        ({"age": "20", "free": "1", "evening": "1"}, {LINE}),
    ],
)
def test_each_filter_alone_and_combined(small_search, params, expected):
    results = _run(small_search, **params)
    found = {h.service_id for h in results.local.hits + results.online.hits}
    assert found == expected


def test_open_now_uses_london_time(small_search):
    tuesday_morning = datetime(2026, 11, 24, 10, 30, tzinfo=LONDON)
    results = _run(small_search, now=tuesday_morning, open_now="1")
    assert {h.service_id for h in results.local.hits + results.online.hits} == {TEA}
    late = datetime(2026, 11, 24, 22, 0, tzinfo=LONDON)
    results = _run(small_search, now=late, open_now="1")
    assert {h.service_id for h in results.local.hits + results.online.hits} == {LINE}


def test_sort_by_distance_orders_nearest_first_from_a_neighbourhood(small_search):
    results = _run(small_search, postcode="Chapeltown", sort="distance")
    miles = [h.distance_miles for h in results.local.hits]
    assert miles == sorted(miles) and results.place.kind == "neighbourhood"


def test_an_unknown_place_is_named_with_suggestions_and_the_rest_still_works(small_search):
    results = _run(small_search, q="lonely", postcode="Chapletown")
    assert results.place.label == "Chapeltown"  # near enough to a known name
    unknown = _run(small_search, q="lonely", postcode="Atlantis")
    assert unknown.place is None and "We could not find “Atlantis”" in unknown.place_problem
    assert unknown.online.total == 1
    bad = _run(small_search, q="lonely", postcode="LS99 9ZZ")
    assert "could not find the postcode LS99 9ZZ" in bad.place_problem


def test_a_crisis_search_carries_the_panel(small_search):
    assert _run(small_search, q="i want to kill myself").crisis.kind == "self"
    assert _run(small_search, q="my dad hits me").crisis.kind == "abuse"
    assert _run(small_search, q="knitting").crisis is None


# --- keeping index and database in step ------------------------------------


def test_refresh_adds_changes_and_removes_services(small_search, session_for):
    session = session_for(small_search)
    tea = session.get(Service, TEA)
    tea.name = "Wednesday Brew and Natter"
    session.add(tea)
    session.commit()
    with small_search.app_context():
        search.refresh(session, search.index(), [TEA])
    assert _names(_run(small_search, q="natter")) == [TEA]
    tea.status = ListingStatus.ARCHIVED
    session.add(tea)
    session.commit()
    with small_search.app_context():
        search.refresh(session, search.index(), [TEA])
        assert str(TEA) not in search.index().ids()


def test_check_index_reports_and_repairs_drift(small_search, session_for):
    session = session_for(small_search)
    runner = small_search.test_cli_runner()
    clean = runner.invoke(args=["check-index"])
    assert clean.exit_code == 0 and "The index matches the database." in clean.output
    org = session.get(Organisation, stable_id("organisation", "chapeltown-helpline"))
    org.status = ListingStatus.ARCHIVED  # its service leaves search
    clinic = session.get(Service, CLINIC)
    clinic.summary = "Changed without telling the index"
    session.add_all([org, clinic])
    session.commit()
    with small_search.app_context():
        search.index().update(removed=[str(TEA)])
    drifted = runner.invoke(args=["check-index"])
    assert drifted.exit_code == 1
    assert "missing 1, extra 1, out of date 1" in drifted.output
    repaired = runner.invoke(args=["check-index", "--repair"])
    assert repaired.exit_code == 0 and "Repaired." in repaired.output
    assert runner.invoke(args=["check-index"]).exit_code == 0


def test_reindex_rebuilds_from_the_database(small_app, session_for):
    result = small_app.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0
    assert "Search index rebuilt: 3 searchable services." in result.output
    published = (
        session_for(small_app)
        .exec(select(Service).where(Service.status == ListingStatus.PUBLISHED))
        .all()
    )
    with small_app.app_context():
        assert set(search.index().ids()) == {str(s.id) for s in published}
    small_app.extensions[search.EXTENSION].close()


def test_opening_sessions_mark_evenings_and_weekends():
    from directory.search.documents import document

    facts = _facts(
        "Club",
        sessions=(
            OpeningSession(("SA",), "10:00", "12:00"),
            OpeningSession(("TU",), "18:00", "20:00"),
        ),
    )
    doc = document(facts)
    assert doc["weekend"] and doc["evening"] and doc["days"] == "SA,TU"


def test_an_organisation_change_reaches_all_its_services(small_search, session_for):
    session = session_for(small_search)
    org = session.get(Organisation, stable_id("organisation", "hyde-park-friends"))
    org.status = ListingStatus.ARCHIVED
    session.add(org)
    session.commit()
    with small_search.app_context():
        search.refresh_organisation(session, search.index(), org.id)
        assert set(search.index().ids()) == {str(LINE)}


@pytest.mark.parametrize(
    ("typed", "age"),
    [
        ("I am 15 and stressed", 15),
        ("i'm 17", 17),
        ("im 16 lonely", 16),
        ("aged 80 widowed", 80),
        ("15 year old exam stress", 15),
        ("16yo", 16),
        ("walks under 5 miles", None),
        ("I am 5 minutes away", None),
        ("over 50s club", None),
    ],
)
def test_an_age_in_the_words_is_understood(lexicon, typed, age):
    assert understand(typed, VOCABULARY, lexicon).age == age


def test_an_age_in_the_words_filters_like_the_age_box(small_search):
    said = _run(small_search, q="I am 60 and lonely")
    boxed = _run(small_search, q="lonely", age="60")
    assert _names(said) == _names(boxed) == [TEA]
    assert said.online.total == boxed.online.total == 0  # the line is for 16-25


def test_crisis_words_are_never_corrected_into_everyday_words(lexicon):
    vocabulary = {**VOCABULARY, "overdue": 3}
    understood = understand("overdose", vocabulary, lexicon)
    assert understood.corrected is None and understood.crisis
    assert "urgent_mental_health_crisis" in understood.needs


def test_turning_pages_is_not_logged_as_a_new_search(small_search, session_for):
    from directory.models import SearchLog

    _run(small_search, q="lonely")
    _run(small_search, q="lonely", page="2")
    _run(small_search, q="lonely", band="online")
    assert len(session_for(small_search).exec(select(SearchLog)).all()) == 1


# --- a rebuild's segments are Whoosh's own, byte for byte ------------------------------------


def _many_facts(count: int, seed: int) -> list[ServiceFacts]:
    """Services whose need words and organisations repeat (remembered) and whose
    descriptions do not (analysed each time), with words common enough that their
    postings fill several blocks."""
    rng = random.Random(seed)
    words = ["knitting", "chess", "walking", "money", "advice", "choir", "tea", "dance"]
    words += ["debt", "benefits", "carers"]
    words += ["lonely", "grief", "youth", "counselling", "garden", "Café", "naïve", "I'm", "3.5"]
    needs = ["loneliness", "debt", "low_mood", "carers", "grief"]
    made = []
    for i in range(count):
        chosen = tuple(rng.sample(needs, rng.randint(1, 2)))
        made.append(
            ServiceFacts(
                name=f"{rng.choice(words)} group {i}",
                id=uuid.UUID(int=rng.getrandbits(128)),
                sites=((53.81, -1.56),),
                needs=chosen,
                need_words=" ".join(chosen).replace("_", " ") + " feeling low, sad and alone",
                organisation=f"Org {i % 40}",
                summary=" ".join(rng.choices(words, k=rng.randint(0, 30))),
                description=" ".join(rng.choices(words, k=rng.randint(0, 60))),
                keywords=tuple(rng.choices(words, k=3)),
                minimum_age=rng.choice([None, 18, 65]),
                sessions=(OpeningSession(days=("MO",), opens="10:00", closes="12:00"),),
            )
        )
    return made


def _segment_files(folder) -> dict[str, bytes]:
    """The segment's files by what follows its name (the name itself is random)."""
    return {
        path.name.split(".", 1)[1]: path.read_bytes()
        for path in folder.iterdir()
        if path.name.startswith("MAIN_") and "." in path.name
    }


def test_a_rebuilds_segment_is_the_one_whooshs_own_writer_writes_byte_for_byte(tmp_path):
    """The rebuild's writer (building.SegmentBuilder) analyses repeated values once, words
    without Whoosh's token chain, and postings a block at a time: what it writes must be
    what Whoosh writes, or searches would find and score differently after a rebuild than
    after edits."""
    from whoosh import index as whoosh_index

    from directory.search.index import SCHEMA, document

    documents = [document(f) for f in _many_facts(1500, seed=5)]  # over _Terms.TRIAL
    whooshs, ours = tmp_path / "whoosh", tmp_path / "ours"
    whooshs.mkdir(), ours.mkdir()
    writer = whoosh_index.create_in(str(whooshs), SCHEMA).writer(compound=False)
    for each in documents:
        writer.add_document(**each)
    writer.commit()
    index = whoosh_index.create_in(str(ours), SCHEMA)
    count, segments = building.write_segments(str(ours), documents)
    index.writer().commit(mergetype=lambda _writer, _none: segments)
    assert count == 1500 and len(segments) == 1
    expected, written = _segment_files(whooshs), _segment_files(ours)
    assert {"trm", "pst", "_stored.col", "_description_len.col"} <= expected.keys()
    assert written.keys() == expected.keys()
    assert [name for name in expected if written[name] != expected[name]] == []


WORDS_AS_TYPED = st.text(
    st.characters(codec="utf-8", categories=["L", "N", "P", "Zs", "M"]), max_size=80
) | st.lists(st.sampled_from(["Running", "the", "I'm", "U.K.", "a", "İstanbul", "groups"])).map(
    " ".join
)


@given(value=WORDS_AS_TYPED)
def test_the_quick_analysis_gives_each_fields_terms_as_whoosh_does(value):
    from directory.search.index import SCHEMA

    quick = {name: building._quick_analysis(SCHEMA[name]) for name in SCHEMA.names()}
    analysed = {"name", "need_words", "keywords", "organisation", "description", "spelling"}
    assert {name for name, analyse in quick.items() if analyse} == analysed
    for name in analysed:
        assert list(quick[name](value)) == list(SCHEMA[name].index(value)), name


@pytest.mark.concurrency
def test_searches_hold_at_most_the_read_budget_and_find_the_same_past_it(
    tmp_path, lexicon, monkeypatch
):
    """Each term's postings and each filter's mask are held once read; past the budget all
    are let go of and read again when asked, with the same answers."""
    from directory.search import arrays

    catalogue = _many_facts(300, seed=9)
    index, limited = SearchIndex(tmp_path / "one"), SearchIndex(tmp_path / "two")
    index.rebuild(catalogue)
    limited.rebuild(catalogue)
    texts = ["knitting", "chess tea", "dance", "garden café", "tea", "chess"]
    requests = [SearchRequest(text=t) for t in texts] + [
        SearchRequest(text=t, need="loneliness", free_only=True) for t in texts
    ]
    unlimited = [engine.run(index, r, lexicon) for r in requests]
    engine.let_go(index)
    index.close()
    budget = 4_000  # bytes: a few terms' postings of 300 services
    monkeypatch.setattr(arrays, "READ_BUDGET_BYTES", budget)
    index = limited
    assert all(e.total > 0 for e in unlimited)
    held_before, let_go = 0, 0
    for _ in range(2):
        for request, expected in zip(requests, unlimited, strict=True):
            found = engine.run(index, request, lexicon)
            assert _names(found) == _names(expected) and found.total == expected.total
            with index.searcher() as searcher:
                view = engine._views_for(index).view(searcher, engine._generation(index, searcher))
            held = sum(p[0].nbytes + p[1].nbytes for p in view._postings.values())
            held += sum(m.nbytes for m in view._masks.values())
            assert held == view.held_bytes <= budget
            in_segments = sum(
                sum(a.nbytes for pair in segment.postings.values() for a in pair)
                + sum(m.nbytes for m in segment.masks.values())
                for segment in view.segments
            )
            assert in_segments <= budget  # let go of there too (they keep the arrays alive)
            let_go += held < held_before
            held_before = held
    assert let_go >= 2  # the budget was reached, and all was let go of

    # searches on several threads at once, each letting go of what the others read
    failed: list[BaseException] = []

    def search(offset: int) -> None:
        try:
            for n in range(60):
                request = requests[(n + offset) % len(requests)]
                expected = unlimited[(n + offset) % len(requests)]
                assert engine.run(index, request, lexicon).total == expected.total
        except BaseException as error:  # noqa: BLE001 - reported below
            failed.append(error)

    threads = [threading.Thread(target=search, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failed == []
    engine.let_go(index)
    index.close()
