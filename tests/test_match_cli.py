"""`flask --app wsgi match`: the JSON contract over the demo catalogue, a readable table,
and a clear message (never a traceback) for bad input."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlmodel import select

from directory.models import ListingStatus, Service

WIDOW = ["--age", "78", "--postcode", "LS5 3BT", "--need", "bereavement", "--need", "lonley"]


def run(app, *args):
    return app.test_cli_runner().invoke(args=["match", *args])


def test_json_answer_has_exactly_the_contract_fields(demo_app, session_for):
    result = run(demo_app, *WIDOW, "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert set(answer) == {"needs", "suggestions", "excluded", "crisis", "pathways"}
    assert answer["needs"] == ["bereavement", "loneliness"]
    assert 1 <= len(answer["suggestions"]) <= 5
    for s in answer["suggestions"]:
        assert set(s) == {"service_id", "name", "score", "distance_miles", "needs_met", "reasons"}
        assert set(s["needs_met"]) <= {"bereavement", "loneliness"} and s["needs_met"]
        assert all(isinstance(r, str) and r for r in s["reasons"])
    for e in answer["excluded"]:
        assert set(e) == {"service_id", "name", "reasons"} and e["reasons"]
    # the suggestions are real, published services, named as the database names them
    session = session_for(demo_app)
    for s in answer["suggestions"]:
        row = session.get(Service, uuid.UUID(s["service_id"]))
        assert row.name == s["name"] and row.status == ListingStatus.PUBLISHED
    # "lonley" was understood as loneliness, and both needs are covered
    assert {n for s in answer["suggestions"] for n in s["needs_met"]} == {
        "bereavement",
        "loneliness",
    }


def test_options_narrow_the_answer(demo_app, session_for):
    result = run(
        demo_app,
        *WIDOW,
        "--free-only",
        "--mode",
        "phone",
        "--max-miles",
        "2",
        "--day",
        "tue",
        "--language",
        "en",
        "--access",
        "step_free",
        "--limit",
        "2",
        "--text",
        "misses dancing",
        "--json",
    )
    assert result.exit_code == 0, result.output
    suggestions = json.loads(result.stdout)["suggestions"]
    assert len(suggestions) == 2
    session = session_for(demo_app)
    for s in suggestions:
        row = session.get(Service, uuid.UUID(s["service_id"]))
        assert row.is_free
        # a local service beyond the travel limit is never suggested
        assert s["distance_miles"] is None or s["distance_miles"] <= 2 or row.online or row.by_phone


def test_without_json_it_prints_a_readable_table(demo_app):
    result = run(demo_app, *WIDOW)
    assert result.exit_code == 0, result.output
    # "lonley" read as the need it misspells, said first
    assert result.stdout.startswith("Needs: bereavement, loneliness\nSuggestions (")
    assert "  1. " in result.stdout and "     - meets: bereavement" in result.stdout
    assert "Excluded (" in result.stdout and "only for ages" in result.stdout


def test_far_from_every_venue_only_remote_services_are_suggested(demo_app):
    result = run(
        demo_app,
        "--age",
        "30",
        "--postcode",
        "ZE1 0AA",
        "--need",
        "nature_green",
        "--max-miles",
        "1",
        "--mode",
        "in_person",
        "--json",
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    for s in found["suggestions"]:
        assert s["distance_miles"] is None or s["distance_miles"] <= 1
    # the check above passes on no suggestions at all: the venues must be left out for distance
    reasons = [r for e in found["excluded"] for r in e["reasons"]]
    assert any("further than the 1 mile they can travel" in r for r in reasons)


BAD = [
    (["--age", "-1", "--postcode", "LS6 1BD", "--need", "loneliness"], "0 to 120"),
    (["--age", "150", "--postcode", "LS6 1BD", "--need", "loneliness"], "0 to 120"),
    (["--age", "forty", "--postcode", "LS6 1BD", "--need", "loneliness"], "'forty' is not"),
    (["--age", "40", "--postcode", "LS6 1BD", "--need", "xyzzy"], "We don't know the need"),
    (["--age", "40", "--postcode", "NOT A CODE", "--need", "loneliness"], "not a UK postcode"),
    (["--age", "40", "--postcode", "ZZ99 9ZZ", "--need", "loneliness"], "could not find"),
    (["--age", "40", "--postcode", "LS6 1BD"], "Missing option '--need'"),
    (["--age", "40", "--postcode", "LS6 1BD", "--need", " "], "cannot be blank"),
    (
        ["--age", "40", "--postcode", "LS6 1BD", "--need", "loneliness", "--text", "x" * 10_000],
        "10,000 characters",
    ),
    (
        ["--age", "40", "--postcode", "LS6 1BD", "--need", "loneliness", "--mode", "telepathy"],
        "'telepathy' is not one of",
    ),
    (
        ["--age", "40", "--postcode", "LS6 1BD", "--need", "loneliness", "--max-miles", "0"],
        "more than 0",
    ),
    (
        ["--age", "40", "--postcode", "LS6 1BD", "--need", "loneliness", "--language", "klingon"],
        "not a language we list",
    ),
    (
        ["--age", "40", "--postcode", "LS6 1BD", "--need", "loneliness", "--access", "moat"],
        "not an access feature",
    ),
    (
        ["--age", "40", "--postcode", "LS6 1BD", "--need", "loneliness", "--limit", "0"],
        "from 1 to 20",
    ),
]


@pytest.mark.parametrize(("args", "says"), BAD)
def test_bad_input_gets_a_clear_message_on_stderr_and_a_failing_exit(demo_app, args, says):
    result = run(demo_app, *args, "--json")
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert says in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_the_table_lists_only_what_the_database_can_match(demo_app, session_for):
    drafts = (
        session_for(demo_app)
        .exec(select(Service.name).where(Service.status == ListingStatus.DRAFT))
        .all()
    )
    result = run(demo_app, "--age", "40", "--postcode", "LS6 1BD", "--need", "loneliness")
    assert result.exit_code == 0
    assert not any(f" {name} (" in result.stdout for name in drafts)


def test_an_unmigrated_database_gets_a_clear_message(tmp_path):
    from tests.conftest import dispose, make_app

    app = make_app(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path / "instance")
    try:
        result = run(app, "--age", "40", "--postcode", "LS6 1BD", "--need", "loneliness")
        assert result.exit_code != 0 and "db upgrade" in result.stderr
        result = app.test_cli_runner().invoke(
            args=["create-token", "a@example.org", "--label", "x"]
        )
        assert result.exit_code != 0 and "db upgrade" in result.stderr
    finally:
        dispose(app)


def carers_services(app, *args) -> tuple[set[str], set[str]]:
    """Names of the carers-only services suggested and excluded for a carer's needs."""
    result = run(app, "--age", "52", "--postcode", "LS9 7TF", "--need", "carers", *args, "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    suggested = {s["name"] for s in answer["suggestions"] if "for carers" in s["reasons"]}
    excluded = {e["name"] for e in answer["excluded"] if "for carers only" in e["reasons"]}
    return suggested, excluded


def test_someone_matched_for_help_with_caring_counts_as_a_carer_unless_told_not(demo_app):
    suggested, excluded = carers_services(demo_app)
    assert suggested and not excluded
    suggested, excluded = carers_services(demo_app, "--not-carer")
    assert excluded and not suggested


def test_women_only_services_need_the_gender_given(demo_app):
    def women_only(*args):
        result = run(demo_app, "--age", "40", "--postcode", "LS8 2PB", "--need", "loneliness",
                     "--need", "english_language", *args, "--json")  # fmt: skip
        answer = json.loads(result.stdout)
        return {e["name"] for e in answer["excluded"] if "for women only" in e["reasons"]}

    assert women_only() and not women_only("--gender", "woman")


def test_urgent_help_comes_first_when_the_needs_or_words_call_for_it(demo_app):
    needs = run(
        demo_app, "--age", "34", "--postcode", "LS8 5BG", "--need", "domestic_abuse", "--json"
    )
    assert needs.exit_code == 0, needs.output
    assert json.loads(needs.stdout)["crisis"]["kind"] == "abuse"
    table = run(
        demo_app,
        "--age",
        "34",
        "--postcode",
        "LS8 5BG",
        "--need",
        "loneliness",
        "--text",
        "i just want to end it all",
    )
    assert table.exit_code == 0, table.output
    assert table.output.startswith("IF YOU NEED HELP NOW")
    assert "Samaritans: Call 116 123" in table.output
    quiet = run(demo_app, *WIDOW, "--json")
    assert json.loads(quiet.stdout)["crisis"] is None
