"""Typed input: pydantic models that say every problem at once, each in plain words.

A model's fields say what they take (types, bounds, choices); `Says` gives the sentence for
a value of the wrong kind or out of bounds, and validators raise ValueError with their own.
`problems_of` turns pydantic's list of errors into {field: sentence}, one for each field,
as the forms, the APIs and the command line show them. The same models give the OpenAPI
document its parameters and bodies.

    class Wanted(BaseModel):
        age: Annotated[int, Field(ge=0, le=120), Says("Enter an age, such as 15.")]
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, GetCoreSchemaHandler, ValidationError
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

# Errors of a value out of bounds; every other built-in error is a value of the wrong kind.
OUT_OF_RANGE = frozenset(
    {
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
        "finite_number",
        "too_short",
        "too_long",
        "string_too_short",
        "string_too_long",
    }
)
# Errors that already carry a sentence: a validator's ValueError, or a `Says`.
SAID = frozenset({"value_error", "said"})


@dataclass(frozen=True)
class Says:
    """The sentences for a field's problems: `wrong` for a value of the wrong kind (and out of
    bounds, unless `out_of_range` says otherwise), `missing` for a required field left out.
    "{name}" in a sentence stands for the field's name."""

    wrong: str
    out_of_range: str | None = None
    missing: str | None = None

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.with_info_wrap_validator_function(self._check, handler(source))

    def _check(self, value: Any, handler: Any, info: core_schema.ValidationInfo) -> Any:
        try:
            return handler(value)
        except ValidationError as error:
            kinds = {found["type"] for found in error.errors()}
            if kinds & SAID:
                raise
            sentence = (
                self.out_of_range if kinds <= OUT_OF_RANGE and self.out_of_range else self.wrong
            )
            sentence = sentence.replace("{name}", info.field_name or "")
            raise PydanticCustomError("said", "{sentence}", {"sentence": sentence}) from None


@dataclass(frozen=True)
class OneOf:
    """Only these values, listed as an enum in the OpenAPI document."""

    values: tuple[str | int, ...]

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.literal_schema(list(self.values))


def problems_of(error: ValidationError, model: type[BaseModel]) -> dict[str, str]:
    """A sentence for each field with a problem (its first one), in the model's field order."""
    problems: dict[str, str] = {}
    for found in error.errors():
        name = str(found["loc"][0]) if found["loc"] else "body"
        problems.setdefault(name, _sentence(found, model, name))
    return problems


def _sentence(found: Any, model: type[BaseModel], name: str) -> str:
    if found["type"] == "value_error":
        return str(found["ctx"]["error"])
    if found["type"] == "missing":
        says = [m for m in model.model_fields[name].metadata if isinstance(m, Says)]
        return (says[0].missing if says else None) or found["msg"]
    if found["type"] == "extra_forbidden":
        return model.unknown_field(name)  # type: ignore[attr-defined]
    return str(found["msg"])  # a Says sentence, or pydantic's own words for the unforeseen


def from_query(
    args: Mapping[str, Any], names: Iterable[str], many: Collection[str] = ()
) -> dict[str, Any]:
    """The query parameters given, as trimmed text (a list for those in `many`); a blank
    one counts as not given. `args` may be a MultiDict or a plain mapping."""
    found: dict[str, Any] = {}
    for name in names:
        values = [str(v).strip() for v in _values(args, name)]
        if name in many and any(values):
            found[name] = [v for v in values if v]
        elif name not in many and values and values[0]:
            found[name] = values[0]
    return found


def _values(args: Mapping[str, Any], name: str) -> list[Any]:
    getlist = getattr(args, "getlist", None)
    if getlist is not None:
        return list(getlist(name))
    raw = args.get(name)
    values = raw if isinstance(raw, list | tuple) else [raw]
    return [v for v in values if v is not None]
