"""Wellbeing before and after: ONS4 (four items, each a whole number from 0 to 10) and any
measure a PCN adds as a total score, recorded at the start and at follow-ups with the date,
and the change from the start to the latest, read the right way round (for anxiety a lower
score is better).

The measures are data (measures.yaml beside this module, with the source of ONS's wording
and the date it was checked), plus the PCN's own in the LOCAL_MEASURES setting or the file
SIGNPOST_LOCAL_MEASURES_FILE names. A licensed questionnaire is only ever a total score here.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from flask import current_app
from sqlmodel import Session, col, select

from directory import clock
from directory.models import Case, User, WellbeingRecord, WellbeingWhen

MEASURES_FILE = Path(__file__).with_name("measures.yaml")
ONS4 = "ons4"
TOTAL = "total"  # the one item of a measure kept as a total score


class WellbeingError(ValueError):
    """Scores that cannot be recorded: `problems` names each item (or the date) and says what
    to fix; nothing was changed."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems


class MeasureDefinitionError(ValueError):
    """A local measure that is not defined well enough to record: says which and why."""


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    question: str
    higher_is_better: bool


@dataclass(frozen=True)
class Measure:
    code: str
    name: str
    minimum: int
    maximum: int
    items: tuple[Item, ...]
    introduction: str = ""
    source: str = ""
    checked: str = ""
    local: bool = False  # a PCN's own measure, a total score only

    def item(self, code: str) -> Item | None:
        return next((i for i in self.items if i.code == code), None)


@functools.cache  # part of the installed code: it changes only with a new release
def built_in() -> dict[str, Measure]:
    data = yaml.safe_load(MEASURES_FILE.read_text(encoding="utf-8"))
    found = {}
    for code, spec in data.items():
        items = tuple(
            Item(i["code"], i["label"], " ".join(i["question"].split()), i["higher_is_better"])
            for i in spec["items"]
        )
        found[code] = Measure(
            code=code,
            name=spec["name"],
            minimum=spec["min"],
            maximum=spec["max"],
            items=items,
            introduction=" ".join(spec.get("introduction", "").split()),
            source=spec.get("source", ""),
            checked=str(spec.get("checked", "")),
        )
    return found


def local_measure(spec: Mapping[str, Any]) -> Measure:
    """A PCN's measure from its definition {code, name, min, max, higher_is_better}: a total
    score only, whatever else the definition holds."""
    code = str(spec.get("code", "")).strip()
    name = str(spec.get("name", "")).strip()
    if not code or not code.replace("_", "").isalnum() or len(code) > 40:
        raise MeasureDefinitionError(
            f"A local measure needs a code of letters, digits and _ (up to 40): got {code!r}."
        )
    if not name:
        raise MeasureDefinitionError(f"The local measure {code} needs a name.")
    low, high, better = spec.get("min"), spec.get("max"), spec.get("higher_is_better")
    if not (_whole(low) and _whole(high) and low < high):  # type: ignore[operator]
        raise MeasureDefinitionError(
            f"The local measure {code} needs whole numbers min and max, min below max."
        )
    if not isinstance(better, bool):
        raise MeasureDefinitionError(
            f"The local measure {code} needs higher_is_better: true or false."
        )
    item = Item(TOTAL, f"{name} total score", "", better)
    return Measure(code, name, int(low), int(high), (item,), local=True)  # type: ignore[arg-type]


def measures(config: Mapping[str, Any] | None = None) -> dict[str, Measure]:
    """ONS4, then the PCN's own measures (from LOCAL_MEASURES and LOCAL_MEASURES_FILE)."""
    config = config if config is not None else current_app.config
    found = dict(built_in())
    specs = list(config.get("LOCAL_MEASURES") or [])
    path = config.get("LOCAL_MEASURES_FILE") or ""
    if path:
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
        except (OSError, yaml.YAMLError) as error:
            raise MeasureDefinitionError(
                f"Cannot read the local measures in {path}: {error}"
            ) from None
        if not isinstance(loaded, list):
            raise MeasureDefinitionError(f"{path} should hold a list of measures.")
        specs.extend(loaded)
    for spec in specs:
        measure = local_measure(spec)
        if measure.code in found:
            raise MeasureDefinitionError(f"There is already a measure called {measure.code}.")
        found[measure.code] = measure
    return found


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- recording ------------------------------------------------------------------------------


def read_score(item: Item, measure: Measure, value: object) -> tuple[int | None, str | None]:
    """The score as a whole number, or a sentence naming the item and what is wrong."""
    span = f"from {measure.minimum} to {measure.maximum}"
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, f"Give a score for {item.label.lower()}, a whole number {span}."
    if isinstance(value, bool):
        return None, f"{item.label}: give a whole number {span}, not yes or no."
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.lstrip("-").isdigit() and len(text) <= 10:
            value = int(text)
    if not isinstance(value, int):
        return None, f"{item.label}: {value!s:.20} is not a whole number {span}."
    if not measure.minimum <= value <= measure.maximum:
        return None, f"{item.label}: {value} is outside the scale; give a whole number {span}."
    return value, None


def read_date(value: object, today: date) -> tuple[date | None, str | None]:
    """The date the scores were given (today when none is given), or what is wrong with it."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return today, None
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            return None, "Give the date as day, month and year, such as 2026-03-14."
    if day > today:
        return None, "The date is in the future: give the day the scores were given."
    return day, None


def read_when(value: object) -> tuple[WellbeingWhen | None, str | None]:
    try:
        return WellbeingWhen(str(value or "").strip()), None
    except ValueError:
        return None, "Say whether these are the start scores or a follow-up."


def record(
    session: Session,
    case: Case,
    user: User | None,
    *,
    when: object,
    scores: Mapping[str, object],
    recorded_on: object = None,
    measure: str = ONS4,
    config: Mapping[str, Any] | None = None,
) -> WellbeingRecord:
    """Record one measure's scores for the case; WellbeingError (naming every problem) and
    nothing changed if any is wrong. Start scores set when the wellbeing check is due
    (WELLBEING_DUE_WEEKS later); a follow-up marks that check done."""
    config = config if config is not None else current_app.config
    known = measures(config)
    problems: dict[str, str] = {}
    chosen = known.get(measure)
    if chosen is None:
        raise WellbeingError({"measure": f"There is no wellbeing measure called {measure}."})
    stage, problem = read_when(when)
    if problem:
        problems["when"] = problem
    day, problem = read_date(recorded_on, clock.today())
    if problem:
        problems["recorded_on"] = problem
    values: dict[str, int] = {}
    for item in chosen.items:
        value, problem = read_score(item, chosen, scores.get(item.code))
        if problem:
            problems[item.code] = problem
        elif value is not None:
            values[item.code] = value
    if stage is WellbeingWhen.START and not problems and start_of(session, case, chosen.code):
        problems["when"] = (
            f"The start scores for {chosen.name} are already recorded: record a follow-up."
        )
    if problems:
        raise WellbeingError(problems)
    assert stage is not None and day is not None
    made = WellbeingRecord(
        case_id=case.id,
        measure=chosen.code,
        when=stage,
        recorded_on=day,
        scores=values,
        recorded_by_id=user.id if user is not None else None,
    )
    session.add(made)
    if stage is WellbeingWhen.START:
        case.wellbeing_due_on = day + timedelta(weeks=int(config["WELLBEING_DUE_WEEKS"]))
    else:
        case.wellbeing_due_on = None
    session.add(case)
    session.commit()
    return made


# --- reading --------------------------------------------------------------------------------


def records_of(session: Session, case_id: uuid.UUID, measure: str) -> list[WellbeingRecord]:
    """The case's records of one measure, oldest first."""
    statement = (
        select(WellbeingRecord)
        .where(WellbeingRecord.case_id == case_id, WellbeingRecord.measure == measure)
        .order_by(col(WellbeingRecord.recorded_on), col(WellbeingRecord.created_at))
    )
    return list(session.exec(statement).all())


def start_of(session: Session, case: Case, measure: str) -> WellbeingRecord | None:
    found = [r for r in records_of(session, case.id, measure) if r.when is WellbeingWhen.START]
    return found[0] if found else None


@dataclass(frozen=True)
class ItemChange:
    item: Item
    start: int
    latest: int

    @property
    def difference(self) -> int:
        return self.latest - self.start

    @property
    def direction(self) -> str:
        """'improved', 'worse' or 'same', read the right way round for the item."""
        if self.difference == 0:
            return "same"
        better = self.difference > 0 if self.item.higher_is_better else self.difference < 0
        return "improved" if better else "worse"

    @property
    def words(self) -> str:
        """'down 3 (improved: lower is better)', in words, never colour alone."""
        if self.difference == 0:
            return "no change"
        way = "up" if self.difference > 0 else "down"
        reading = "higher is better" if self.item.higher_is_better else "lower is better"
        return f"{way} {abs(self.difference)} ({self.direction}: {reading})"


@dataclass(frozen=True)
class Progress:
    """One measure for a case: its start, its latest follow-up, and the change between."""

    measure: Measure
    start: WellbeingRecord | None
    latest: WellbeingRecord | None
    records: list[WellbeingRecord]

    @property
    def changes(self) -> list[ItemChange]:
        if self.start is None or self.latest is None:
            return []
        return [
            ItemChange(item, self.start.scores[item.code], self.latest.scores[item.code])
            for item in self.measure.items
            if item.code in self.start.scores and item.code in self.latest.scores
        ]


def progress(session: Session, case: Case, measure: Measure) -> Progress:
    found = records_of(session, case.id, measure.code)
    starts = [r for r in found if r.when is WellbeingWhen.START]
    follow_ups = [r for r in found if r.when is WellbeingWhen.FOLLOW_UP]
    return Progress(
        measure, starts[0] if starts else None, follow_ups[-1] if follow_ups else None, found
    )


def progress_of_case(session: Session, case: Case) -> list[Progress]:
    """Every measure's progress for the case: ONS4 first, then the PCN's own."""
    return [progress(session, case, m) for m in measures().values()]


def _record_json(found: WellbeingRecord | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"on": found.recorded_on.isoformat(), "scores": dict(found.scores)}


def _change_json(changes: list[ItemChange]) -> dict[str, Any] | None:
    if not changes:
        return None
    return {
        c.item.code: {
            "from": c.start,
            "to": c.latest,
            "difference": c.difference,
            "direction": c.direction,
            "higher_is_better": c.item.higher_is_better,
        }
        for c in changes
    }


def summary_json(session: Session, case: Case) -> dict[str, Any]:
    """The case's ONS4 as the case API gives it: {start, latest, change}, each null until
    recorded; a PCN's own measures under `local`, in the same shape."""
    answer: dict[str, Any] = {}
    local: dict[str, Any] = {}
    for found in progress_of_case(session, case):
        shaped = {
            "start": _record_json(found.start),
            "latest": _record_json(found.latest),
            "change": _change_json(found.changes),
        }
        if found.measure.code == ONS4:
            answer.update(shaped)
        elif found.records:
            local[found.measure.code] = shaped
    if local:
        answer["local"] = local
    return answer
