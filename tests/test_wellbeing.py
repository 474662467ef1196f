"""Wellbeing before and after: ONS4 as ONS words it, each item a whole number from 0 to 10;
bad values get a message naming the item and change nothing; the change from the start to
the latest reads anxiety the right way round; a PCN's own measure is a total score only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import yaml
from plans_helpers import build, client_as, session_of
from sqlmodel import select

from directory import clock
from directory.models import Case, WellbeingRecord
from directory.referrals import wellbeing

GOOD = {"life_satisfaction": 5, "worthwhile": 6, "happy": 4, "anxious": 8}
TODAY = date(2026, 12, 7)


@pytest.fixture
def world(small_app, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return small_app, build(small_app)


def record(app, case, when="start", scores=GOOD, **more):
    with app.app_context(), session_of(app) as session:
        found = session.get(Case, case.id)
        return wellbeing.record(session, found, None, when=when, scores=scores, **more)


def stored(app, case) -> list[WellbeingRecord]:
    with session_of(app) as session:
        return list(
            session.exec(select(WellbeingRecord).where(WellbeingRecord.case_id == case.id)).all()
        )


def test_the_four_questions_are_ons_own_words_with_their_source():
    ons4 = wellbeing.built_in()["ons4"]
    assert [i.code for i in ons4.items] == ["life_satisfaction", "worthwhile", "happy", "anxious"]
    questions = {i.code: i.question for i in ons4.items}
    assert (
        questions["life_satisfaction"] == "Overall, how satisfied are you with your life nowadays?"
    )
    assert questions["worthwhile"] == (
        "Overall, to what extent do you feel the things you do in your life are worthwhile?"
    )
    assert questions["happy"] == "Overall, how happy did you feel yesterday?"
    assert questions["anxious"] == (
        "On a scale where nought is 'not at all anxious' and 10 is 'completely anxious', "
        "overall, how anxious did you feel yesterday?"
    )
    assert (ons4.minimum, ons4.maximum) == (0, 10)
    assert ons4.source.startswith("https://www.ons.gov.uk/")
    assert ons4.checked == "2026-12-07"
    assert [i.higher_is_better for i in ons4.items] == [True, True, True, False]


def test_start_scores_are_kept_with_their_date_and_set_when_the_check_is_due(world):
    app, w = world
    record(app, w.case, recorded_on="2026-12-01")
    [found] = stored(app, w.case)
    assert found.scores == GOOD and found.recorded_on == date(2026, 12, 1)
    with session_of(app) as session:
        assert session.get(Case, w.case.id).wellbeing_due_on == date(2026, 12, 1) + timedelta(
            weeks=8
        )


def test_how_long_until_the_check_is_due_is_a_setting(world):
    app, w = world
    app.config["WELLBEING_DUE_WEEKS"] = 4
    record(app, w.case)
    with session_of(app) as session:
        assert session.get(Case, w.case.id).wellbeing_due_on == TODAY + timedelta(weeks=4)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"happy": None}, "happy", "Give a score for happiness"),
        ({"happy": ""}, "happy", "Give a score for happiness"),
        ({"anxious": 11}, "anxious", "Anxiety: 11 is outside the scale"),
        ({"anxious": -1}, "anxious", "Anxiety: -1 is outside the scale"),
        ({"worthwhile": "7.5"}, "worthwhile", "Worthwhile: 7.5 is not a whole number"),
        ({"worthwhile": 7.5}, "worthwhile", "Worthwhile: 7.5 is not a whole number"),
        ({"life_satisfaction": "seven"}, "life_satisfaction", "Life satisfaction: seven is not"),
        ({"life_satisfaction": True}, "life_satisfaction", "not yes or no"),
    ],
)
def test_a_bad_score_is_named_and_nothing_changes(world, change, field, words):
    app, w = world
    scores = {**GOOD, **change}
    with pytest.raises(wellbeing.WellbeingError) as raised:
        record(app, w.case, scores=scores)
    assert set(raised.value.problems) == {field}
    assert words in raised.value.problems[field]
    assert stored(app, w.case) == []
    with session_of(app) as session:
        assert session.get(Case, w.case.id).wellbeing_due_on is None


def test_a_date_in_the_future_or_not_a_date_is_refused(world):
    app, w = world
    for day, words in (("2026-12-08", "in the future"), ("8/12/26", "day, month and year")):
        with pytest.raises(wellbeing.WellbeingError) as raised:
            record(app, w.case, recorded_on=day)
        assert words in raised.value.problems["recorded_on"]
    assert stored(app, w.case) == []


def test_every_problem_is_named_at_once(world):
    app, w = world
    with pytest.raises(wellbeing.WellbeingError) as raised:
        record(app, w.case, when="later", scores={"happy": 12})
    assert set(raised.value.problems) == {
        "when",
        "life_satisfaction",
        "worthwhile",
        "happy",
        "anxious",
    }


def test_a_second_start_is_refused(world):
    app, w = world
    record(app, w.case)
    with pytest.raises(wellbeing.WellbeingError) as raised:
        record(app, w.case)
    assert "already recorded" in raised.value.problems["when"]
    assert len(stored(app, w.case)) == 1


def test_the_change_reads_anxiety_the_right_way_round(world):
    app, w = world
    record(app, w.case, recorded_on="2026-10-01")
    record(app, w.case, when="follow_up", recorded_on="2026-11-01", scores={**GOOD, "anxious": 6})
    latest = {"life_satisfaction": 3, "worthwhile": 6, "happy": 7, "anxious": 3}
    record(app, w.case, when="follow_up", recorded_on="2026-12-01", scores=latest)
    with app.app_context(), session_of(app) as session:
        found = session.get(Case, w.case.id)
        summary = wellbeing.summary_json(session, found)
        [ons4] = [p for p in wellbeing.progress_of_case(session, found) if p.records]
    assert summary["start"] == {"on": "2026-10-01", "scores": GOOD}
    assert summary["latest"] == {"on": "2026-12-01", "scores": latest}
    change = summary["change"]
    # anxiety went down from 8 to 3: that is better
    assert change["anxious"] == {
        "from": 8,
        "to": 3,
        "difference": -5,
        "direction": "improved",
        "higher_is_better": False,
    }
    assert change["life_satisfaction"]["direction"] == "worse"  # 5 -> 3
    assert change["happy"]["direction"] == "improved"  # 4 -> 7
    assert change["worthwhile"]["direction"] == "same"
    words = {c.item.code: c.words for c in ons4.changes}
    assert words["anxious"] == "down 5 (improved: lower is better)"
    assert words["life_satisfaction"] == "down 2 (worse: higher is better)"
    assert words["worthwhile"] == "no change"


def test_nothing_recorded_gives_nulls(world):
    app, w = world
    with app.app_context(), session_of(app) as session:
        summary = wellbeing.summary_json(session, session.get(Case, w.case.id))
    assert summary == {"start": None, "latest": None, "change": None}


LOCAL = {"code": "local_total", "name": "Our PCN's scale", "min": 7, "max": 35}


def test_a_pcn_adds_its_own_measure_as_a_total_score(world):
    app, w = world
    app.config["LOCAL_MEASURES"] = [{**LOCAL, "higher_is_better": True}]
    record(app, w.case, measure="local_total", scores={"total": 20})
    record(app, w.case, measure="local_total", when="follow_up", scores={"total": 26})
    with pytest.raises(wellbeing.WellbeingError) as raised:
        record(app, w.case, measure="local_total", when="follow_up", scores={"total": 36})
    assert "outside the scale" in raised.value.problems["total"]
    with app.app_context(), session_of(app) as session:
        measure = wellbeing.measures()["local_total"]
        summary = wellbeing.summary_json(session, session.get(Case, w.case.id))
    assert [i.code for i in measure.items] == ["total"]  # a total, never the items
    assert measure.local
    assert summary["start"] is None  # ONS4 untouched
    assert summary["local"]["local_total"]["change"]["total"]["direction"] == "improved"


def test_a_local_measure_may_count_lower_as_better_and_comes_from_a_file(world, tmp_path):
    app, w = world
    path = tmp_path / "measures.yaml"
    path.write_text(yaml.safe_dump([{**LOCAL, "higher_is_better": False}]))
    app.config["LOCAL_MEASURES_FILE"] = str(path)
    record(app, w.case, measure="local_total", scores={"total": 30})
    record(app, w.case, measure="local_total", when="follow_up", scores={"total": 20})
    with app.app_context(), session_of(app) as session:
        found = wellbeing.summary_json(session, session.get(Case, w.case.id))
    assert found["local"]["local_total"]["change"]["total"]["direction"] == "improved"


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({**LOCAL, "higher_is_better": "yes"}, "higher_is_better"),
        ({**LOCAL, "min": 40, "higher_is_better": True}, "min below max"),
        ({**LOCAL, "code": "ons4", "higher_is_better": True}, "already a measure"),
        ({**LOCAL, "code": "bad code!", "higher_is_better": True}, "letters, digits"),
    ],
)
def test_a_badly_defined_local_measure_is_refused_with_the_reason(spec, words):
    with pytest.raises(wellbeing.MeasureDefinitionError, match=words):
        wellbeing.measures({"LOCAL_MEASURES": [spec]})


def test_the_shipped_measures_hold_no_licensed_questionnaire():
    text = wellbeing.MEASURES_FILE.read_text().lower()
    data = yaml.safe_load(text)
    assert list(data) == ["ons4"]
    for name in ("swemwbs", "warwick", "edinburgh", "wemwbs"):
        assert name not in {i["code"] for i in data["ons4"]["items"]}


# --- the page ----------------------------------------------------------------------------


def test_the_case_form_records_scores_or_names_what_to_fix(world):
    app, w = world
    client = client_as(app, w.worker)
    url = f"/link-worker/cases/{w.case.id}/wellbeing"
    bad = client.post(url, data={"when": "start", **GOOD, "anxious": "12"})
    assert bad.status_code == 400
    assert "Anxiety: 12 is outside the scale" in bad.text
    assert stored(app, w.case) == []
    good = client.post(url, data={"when": "start", **GOOD})
    assert good.status_code == 302
    page = client.get(url)
    assert page.status_code == 200
    assert "Overall, how satisfied are you with your life nowadays?" in page.text
    assert "Wellbeing check due" in page.text
    client.post(url, data={"when": "follow_up", **GOOD, "anxious": "2"})
    page = client.get(url)
    # told in words, not colour alone
    assert "Improved</strong>: down 6 (improved: lower is better)" in page.text


def test_another_link_workers_case_is_not_found_and_others_are_refused(world):
    app, w = world
    url = f"/link-worker/cases/{w.colleagues_case.id}/wellbeing"
    assert client_as(app, w.worker).get(url).status_code == 404
    assert client_as(app, w.worker).post(url, data={"when": "start", **GOOD}).status_code == 404
    # managers supervise on their own pages (the cases branch's), read-only
    assert client_as(app, w.manager).post(url, data={"when": "start", **GOOD}).status_code == 403
    assert client_as(app, w.editor).get(url).status_code == 403
    assert stored(app, w.colleagues_case) == []


def test_read_only_the_partial_shows_the_change_and_no_form(world):
    app, w = world
    record(app, w.case)
    with app.test_request_context(), session_of(app) as session:
        from flask import render_template

        found = session.get(Case, w.case.id)
        html = render_template("linkworker/_case_wellbeing.html", case=found, read_only=True)
        mine = render_template("linkworker/_case_wellbeing.html", case=found)
    assert "Not yet: record a follow-up" in html and "<form" not in html
    assert "<form" in mine


def test_an_app_whose_local_measure_is_badly_defined_does_not_start(tmp_path):
    from directory import create_app

    bad = [{**LOCAL, "min": 40, "higher_is_better": True}]
    settings = {"DATABASE_URL": "sqlite://", "INSTANCE_PATH": str(tmp_path)}
    with pytest.raises(wellbeing.MeasureDefinitionError, match="min below max"):
        create_app({**settings, "LOCAL_MEASURES": bad})
    with pytest.raises(wellbeing.MeasureDefinitionError, match="Cannot read"):
        create_app({**settings, "LOCAL_MEASURES_FILE": str(tmp_path / "missing.yaml")})


def test_a_long_number_is_out_of_range_not_garbled(world):
    app, w = world
    with pytest.raises(wellbeing.WellbeingError) as raised:
        record(app, w.case, scores={**GOOD, "happy": "99999"})
    assert raised.value.problems["happy"].startswith("Happiness: 99999 is outside the scale")
