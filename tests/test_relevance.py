"""The relevance set (tests/relevance/): its files are sound, the metrics score hand-made
rankings as they should, and the public search ranks the whole set no worse than the
floors in tests/relevance/floors.yaml.

`benchmarks/relevance.py` prints the same figures per file and per kind, beside the baseline.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from flask import Flask

from tests.relevance import harness

FILES = harness.query_files()
QUERIES = harness.read_queries(FILES)
MINIMUM_QUERIES = 200
GRADED = {"best": 3, "good": 2, "some": 1, "also": 1}


# --- the files ------------------------------------------------------------------------------


def test_the_files_judge_published_services_with_grades_0_to_3_and_usable_params() -> None:
    assert FILES, "no tests/relevance/queries_*.yaml"
    assert harness.problems(QUERIES, harness.catalogue_services()) == []


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_every_entry_has_only_the_fields_of_the_format(path) -> None:
    for entry in harness.raw_entries(path):
        assert isinstance(entry, dict), f"{path.name}: an entry is not a mapping: {entry!r}"
        assert set(entry) <= harness.FIELDS, f"{entry.get('id')}: {set(entry) - harness.FIELDS}"
        assert {"id", "query", "who", "kind", "judgements"} <= set(entry), entry.get("id")
        assert isinstance(entry["judgements"], dict), f"{entry['id']}: judgements is a mapping"
        assert isinstance(entry.get("params", {}), dict), f"{entry['id']}: params is a mapping"


def test_the_set_holds_at_least_200_queries() -> None:
    names = ", ".join(path.name for path in FILES)
    assert len(QUERIES) >= MINIMUM_QUERIES, (
        f"the relevance set has {len(QUERIES)} queries ({names}); it needs {MINIMUM_QUERIES}: "
        "part B (tests/relevance/queries_b.yaml) is missing or short"
    )


def test_the_problems_of_a_file_are_named() -> None:
    services = {"known": "published", "hidden": "draft"}
    wrong = [
        harness.Query("x1", "help", "alien", "plain", {"known": 4}),
        harness.Query("x1", "", "adult", "nothing-fits", {"hidden": 2}),
        harness.Query("x2", "help", "adult", "plain", {}, params={"age": "old", "colour": 1}),
    ]
    found = "\n".join(harness.problems(wrong, services))
    for words in [
        "who 'alien'",
        "grade 4",
        "used twice",
        "no query words",
        "hidden is not a published",
        "only a nothing-fits query",
        "colour",
    ]:
        assert words in found
    assert harness.params_problems({"age": "old"})
    assert harness.params_problems({"distance": 7})
    assert harness.params_problems({"postcode": "LS6 1BD", "age": 15, "mode": ["phone"]}) == []


# --- the metrics, on hand-made rankings -----------------------------------------------------


def ranked(*names: str) -> Sequence[str]:
    return list(names)


def test_a_perfect_ranking_scores_one() -> None:
    assert harness.ndcg_at(ranked("best", "good", "some", "also"), GRADED) == pytest.approx(1.0)
    # the two grade-1 services may come in either order
    assert harness.ndcg_at(ranked("best", "good", "also", "some"), GRADED) == pytest.approx(1.0)


def test_a_reversed_ranking_scores_less_but_more_than_nothing() -> None:
    reversed_ = harness.ndcg_at(ranked("also", "some", "good", "best"), GRADED)
    assert 0 < reversed_ < 1


def test_worse_orders_score_lower() -> None:
    perfect = harness.ndcg_at(ranked("best", "good", "some"), GRADED)
    swapped = harness.ndcg_at(ranked("good", "best", "some"), GRADED)
    buried = harness.ndcg_at(ranked("x", "y", "z", "good", "best"), GRADED)
    assert perfect > swapped > buried > 0


def test_ndcg_uses_every_judged_service_as_the_ideal_and_counts_only_ten() -> None:
    assert harness.ndcg_at(ranked("best"), GRADED) < 1  # good, some and also were never found
    eleventh = ranked(*[f"x{i}" for i in range(10)], "best")
    assert harness.ndcg_at(eleventh, GRADED) == 0
    assert harness.ndcg_at(ranked("x", "y"), GRADED) == 0
    assert harness.ndcg_at(ranked("best"), {}) == 0


def test_ndcg_is_the_textbook_figure() -> None:
    # DCG of grades 2, 3: 3/log2(2) + 7/log2(3); the ideal 3, 2: 7 + 3/log2(3)
    expected = (3 + 7 / 1.5849625) / (7 + 3 / 1.5849625)
    assert harness.ndcg_at(ranked("good", "best"), {"best": 3, "good": 2}) == pytest.approx(
        expected, rel=1e-6
    )


def test_precision_counts_grades_2_and_3_among_the_first_five() -> None:
    assert harness.precision_at(ranked("best", "good", "some", "x", "y"), GRADED) == 0.4
    assert harness.precision_at(ranked("best"), GRADED) == 0.2  # a short list has empty places
    assert harness.precision_at(ranked("x", "y", "z", "w", "v", "best"), GRADED) == 0
    assert harness.precision_at(ranked(), GRADED) == 0


def test_summary_averages_over_judged_queries_and_reports_nothing_fits_apart() -> None:
    fits = harness.Query("q1", "food", "adult", "plain", {"best": 3})
    nothing = harness.Query("q2", "dentist", "adult", "nothing-fits", {})
    outcomes = [
        harness.Outcome(fits, ("best",), total=4),
        harness.Outcome(fits, ("x", "best"), total=8),
        harness.Outcome(nothing, ("x", "y", "z"), total=30),
    ]
    figures = harness.summary(outcomes)
    assert figures["judged"] == 2
    assert figures["ndcg_at_10"] == pytest.approx((1 + 1 / 1.5849625) / 2, abs=1e-4)
    assert figures["precision_at_5"] == pytest.approx(0.2)  # one of five places each
    assert figures["mean_total"] == 6
    assert (figures["nothing_fits_results"], figures["nothing_fits_total"]) == (3, 30)


# --- the search, against the floors ---------------------------------------------------------


@pytest.fixture(scope="module")
def outcomes(demo_search: Flask) -> list[harness.Outcome]:
    return harness.run(demo_search, QUERIES)


@pytest.mark.sqlite_only  # the index and the vocabulary's reading, not the database
def test_every_query_gets_an_answer(outcomes: list[harness.Outcome]) -> None:
    assert [o.query.id for o in outcomes] == [q.id for q in QUERIES]
    assert all(len(o.ranking) <= 15 for o in outcomes)  # ten near the place, five online


@pytest.mark.sqlite_only  # the index and the vocabulary's reading, not the database
def test_each_file_ranks_no_worse_than_its_floors(outcomes: list[harness.Outcome]) -> None:
    floors = harness.read_yaml(harness.FLOORS)["by_file"]
    figures = harness.report(outcomes)["by_file"]
    assert set(figures) <= set(floors), f"no floors in floors.yaml for {set(figures) - set(floors)}"
    for name, floor in floors.items():
        if name in figures:
            assert_above(figures[name], floor, name)


@pytest.mark.sqlite_only  # the index and the vocabulary's reading, not the database
def test_the_whole_set_ranks_no_worse_than_its_floors(outcomes: list[harness.Outcome]) -> None:
    floors = harness.read_yaml(harness.FLOORS)
    missing = set(floors["by_file"]) - {path.name for path in FILES}
    if missing:
        pytest.skip(f"the overall floors are for the whole set; {sorted(missing)} missing")
    assert_above(harness.summary(outcomes), floors["overall"], "the whole set")


def assert_above(figures: dict, floor: dict, name: str) -> None:
    shown = f"{name}: now {figures}, floors {floor} (benchmarks/relevance.py shows each query)"
    for metric in ("ndcg_at_10", "precision_at_5"):
        assert figures[metric] is not None and figures[metric] >= floor[metric], shown
