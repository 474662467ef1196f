"""The search form's fields and options, as the NHS.UK form macros take them."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, current_app, render_template, request
from markupsafe import Markup, escape
from sqlmodel import Session
from werkzeug.datastructures import MultiDict

from directory.catalogue import needs as known_needs
from directory.catalogue import vocabulary
from directory.catalogue.needs import Need, NeedsVocabulary
from directory.search.request import ACCESS_FILTERS, DISTANCES, SearchRequest
from directory.web.public.held_html import HeldHtml

Items = list[dict[str, str]]

# The fields in page order: the error summary lists problems in this order.
FIELDS = (
    "q",
    "postcode",
    "need",
    "age",
    "distance",
    "free",
    "self_referral",
    "mode",
    "open_now",
    "evening",
    "weekend",
    "day",
    "language",
    "access",
    "sort",
    "band",
    "page",
)
SORTS = {"best": "Best match", "distance": "Nearest first", "relevance": "Most relevant"}


def in_page_order(problems: Mapping[str, str]) -> dict[str, str]:
    place = {name: n for n, name in enumerate(FIELDS)}
    return dict(sorted(problems.items(), key=lambda item: place.get(item[0], len(place))))


def choices(needs: Iterable[Need]) -> dict[str, Items]:
    """The options of each list in the filters."""
    miles = [(str(d), f"Within {d} mile" + ("s" if d > 1 else "")) for d in DISTANCES]
    languages = sorted(vocabulary.LANGUAGES.items(), key=lambda item: item[1])
    return {
        "needs": _items(((n.code, n.label) for n in needs), "Any type of help"),
        "distances": _items([*miles, ("any", "Any distance")]),
        "days": _items(((code.lower(), day) for code, day in vocabulary.DAYS.items()), "Any day"),
        "languages": _items(languages, "Any language"),
        "access": _items((code, vocabulary.ACCESSIBILITY[code]) for code in ACCESS_FILTERS),
        "modes": _items(vocabulary.DELIVERY.items()),
        "sorts": _items(SORTS.items()),
    }


def _items(pairs: Iterable[tuple[str, str]], anything: str | None = None) -> Items:
    first = [{"value": "", "text": anything}] if anything else []
    return first + [{"value": value, "text": text} for value, text in pairs]


# --- the form's HTML, held ------------------------------------------------------------------
# Rendering the form from the NHS.UK macros took 30 ms of a 60 ms search page at 20,000
# services, for HTML that differs only by what was chosen. So it is rendered once for each
# set of choices (and each vocabulary) and held; what was typed in the two text boxes, which
# differs on nearly every search, is put in afterwards, in place of stand-ins, escaped as the
# macros escape it (their `value` attribute is the escaped value, nothing else).

FORM_TEMPLATE = "public/_search_form.html"
HELD_FORMS = "signpost.search_forms"
MAX_HELD_FORMS = 256  # sets of choices: a few dozen in practice; the oldest go first
MARK = "\x1e"  # a control character nobody types, around each stand-in
TYPED = {"q": "\x1esignpost-typed-q\x1e", "postcode": "\x1esignpost-typed-postcode\x1e"}
# What the form shows besides the typed words (the page number and band it does not).
_STAND_INS = re.compile("|".join(re.escape(stand_in) for stand_in in TYPED.values()))
CHOSEN = tuple(name for name in FIELDS if name not in TYPED and name not in ("page", "band"))


def form_html(
    form: Mapping[str, Any],
    problems: Mapping[str, str],
    *,
    results: bool,
    vocabulary: NeedsVocabulary,
) -> Markup:
    """The search form (words, place and filters) showing `form`'s values and `problems`;
    `results`: whether results are shown below it (the hints then give way)."""
    typed = {name: form.get(name) for name in TYPED}
    key = (
        request.script_root,  # the form's action is a link on this site
        tuple((name, tuple(_values(form, name))) for name in CHOSEN),
        tuple(problems.items()),
        results,
        tuple(value is None for value in typed.values()),  # no value: no value attribute
    )
    held = HeldHtml.of(current_app, HELD_FORMS, MAX_HELD_FORMS)
    html = held.get(vocabulary, key)
    if html is None:
        shown = MultiDict(
            [(name, value) for name in CHOSEN for value in _values(form, name)]
            + [(name, TYPED[name]) for name, value in typed.items() if value is not None]
        )
        html = render_template(
            FORM_TEMPLATE,
            form=shown,
            problems=problems,
            results=results,
            choices=choices(vocabulary.needs),
        ).strip()  # the lines of its imports and settings print nothing but line breaks
        held.put(vocabulary, key, html)
    words = {TYPED[name]: str(escape(value)) for name, value in typed.items() if value is not None}
    return Markup(_STAND_INS.sub(lambda found: words.get(found.group(0), ""), html))


def _values(form: Mapping[str, Any], name: str) -> list[Any]:
    """The chosen values of a field, without the stand-ins' marker: a value typed into a link
    cannot pose as the place of the words or the postcode."""
    getlist = getattr(form, "getlist", None)
    values = list(getlist(name)) if getlist is not None else [form.get(name)]
    return [v.replace(MARK, "") if isinstance(v, str) else v for v in values if v is not None]


def warm(app: Flask, session: Session) -> int:
    """Render and hold the forms nearly every search page shows (nothing chosen; words, a
    place, both or neither typed; with results below or not) before the first search asks:
    rendered by a worker's first search page, they took 150-400 ms of it. How many."""
    held = known_needs.held(session, app)
    count = 0
    for text, place in itertools.product(("", "words"), ("", "place")):
        form = MultiDict(SearchRequest(text=text, place=place).to_params())
        for results in (False, True):
            with app.test_request_context("/search"):
                form_html(form, {}, results=results, vocabulary=held)
            count += 1
    return count
