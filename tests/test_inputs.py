"""directory/inputs.py: pydantic's errors as one plain sentence for each field, all at once."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from werkzeug.datastructures import MultiDict

from directory.inputs import OneOf, Says, from_query, problems_of


def _no_monday(day: str) -> str:
    if day == "MO":
        raise ValueError("We are closed on Mondays.")
    return day


class Booking(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    age: Annotated[
        int,
        Field(ge=0, le=120),
        Says(
            "Age should be a whole number.",
            out_of_range="Age should be 0 to 120.",
            missing="Give an age.",
        ),
    ]
    day: Annotated[
        str, OneOf(("MO", "TU")), Says("Choose MO or TU."), AfterValidator(_no_monday)
    ] = "TU"
    ticked: Annotated[bool, Says("{name} should be true or false.")] = False

    @classmethod
    def unknown_field(cls, name: str) -> str:
        return f"{name} is not a field we know."


def problems(data: object) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        Booking.model_validate(data)
    return problems_of(caught.value, Booking)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"age": "forty"}, {"age": "Age should be a whole number."}),
        ({"age": True}, {"age": "Age should be a whole number."}),
        ({"age": 121}, {"age": "Age should be 0 to 120."}),
        ({}, {"age": "Give an age."}),
        ({"age": 3, "day": "WE"}, {"day": "Choose MO or TU."}),
        ({"age": 3, "day": "MO"}, {"day": "We are closed on Mondays."}),
        ({"age": 3, "ticked": "yes"}, {"ticked": "ticked should be true or false."}),
        ({"age": 3, "colour": "red"}, {"colour": "colour is not a field we know."}),
    ],
)
def test_each_problem_is_the_fields_own_sentence(data, expected):
    assert problems(data) == expected


def test_every_problem_is_said_at_once_in_field_order():
    found = problems({"ticked": 2, "day": "SU", "age": -1, "extra": 1})
    assert list(found) == ["age", "day", "ticked", "extra"]


def test_a_query_string_gives_trimmed_text_and_lists_only_where_asked():
    args = MultiDict([("q", "  tea "), ("mode", "online"), ("mode", " "), ("mode", "phone")])
    args.add("age", "")
    assert from_query(args, ("q", "mode", "age", "page"), many=("mode",)) == {
        "q": "tea",
        "mode": ["online", "phone"],
    }
    assert from_query({"q": 5, "mode": ("a", None)}, ("q", "mode"), many=("mode",)) == {
        "q": "5",
        "mode": ["a"],
    }
