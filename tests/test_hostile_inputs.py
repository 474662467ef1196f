"""Hostile input on every route, as every role: the walk grows with the app.

It walks `app.url_map`: every route, with every role and nobody signed in, gets hostile
values (very long, unicode, NUL, SQL and HTML payloads, template syntax, header breaks,
wrong types) in its address, its query string, its form fields (read from the page's own
form where it has one) and, under /api/, as JSON of the wrong shapes. For each answer:
- never a server error (500);
- a refused request (4xx) changes nothing: every table's rows and versions are as before
  (logs of what happened, such as the search log or the access log, may grow);
- an HTML page never carries a payload unescaped.
Then hypothesis draws more, mixing payloads, routes and roles.

CSRF checks and rate limits are off in tests (TestingConfig), so the payloads reach the
forms' own checks; both are tested on their own elsewhere.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from accounts_helpers import ORG_A, TEA, add_people, client_for
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, SQLModel, select
from werkzeug.routing import Rule

from directory import db
from directory.models import SearchPhrase, ServiceAtLocation, TaxonomyTerm

SQLITE_ONLY = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
ROLES = [None, "admin", "manager", "linkworker", "mhp", "editor", "other_editor"]

SCRIPT = "<script>alert('signpost')</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
# What must never come back unescaped on an HTML page.
ACTIVE = (SCRIPT, IMAGE, "<img src=x onerror")
HOSTILE: tuple[str, ...] = (
    SCRIPT,
    IMAGE,
    "' OR '1'='1' --",
    "1; DROP TABLE service; --",
    "\x00",
    "abc\x00def",
    "x" * 70_000,
    "\u202egnp.exe\u200b\ufeff",
    "😀" * 300,
    "{{ 7 * 7 }}{% raw %}",
    "${jndi:ldap://127.0.0.1/x}",
    "\r\nSet-Cookie: stolen=1",
    "../../../../etc/passwd",
    "-1",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "true",
    "",
    "   ",
    '=HYPERLINK("http://evil.example")',
    "LS6 1AA" * 500,
    "%00%0d%0a",
    "//evil.example/\t/",
)
# JSON shapes an API should refuse politely
JSON_SHAPES: tuple[Any, ...] = (
    None,
    [],
    "text",
    12,
    {"age": SCRIPT, "postcode": ["LS6 1AA"], "needs": "loneliness"},
    {"age": -5, "postcode": "\x00", "needs": [None, 3, {"a": 1}], "limit": 10**30},
    {"age": 1e309, "needs": ["x" * 70_000], "text": SCRIPT},
)
# query names the pages read, besides those of their own forms
QUERY_NAMES = ("q", "postcode", "page", "per_page", "age", "need", "needs", "next", "sort")
# tables that record that something was tried: a refusal may add a row to them
RECORDS_OF_WHAT_HAPPENED = re.compile(r"(^|_)(log|event|events|access)($|_)")
SKIPPED_ENDPOINTS = {
    "static",  # files, no input
    # signing out changes the session, not the data, and takes no input
    "auth.sign_out",
    "auth.sign_out_everywhere",
    "dev_login.sign_out",
}


@dataclass
class World:
    app: Flask
    ids: dict[str, str]
    clients: dict[str | None, FlaskClient]
    fields: dict[tuple[str, str | None], list[str]]
    tried: int = 0


@pytest.fixture
def world(small_app: Flask) -> Iterator[World]:
    add_people(small_app)
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        ids = {
            "service_id": str(TEA),
            "keep_id": str(TEA),
            "organisation_id": str(ORG_A),
            "org_id": str(ORG_A),
            "link_id": str(session.exec(select(ServiceAtLocation.id)).first()),
            "term_id": str(session.exec(select(TaxonomyTerm.id)).first()),
            "phrase_id": str(session.exec(select(SearchPhrase.id)).first()),
            "code": "loneliness",
            "filename": "signpost.js",
        }
    clients = {who: client_for(small_app, who) for who in ROLES}
    yield World(small_app, ids, clients, {})


def routes(app: Flask) -> list[Rule]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint not in SKIPPED_ENDPOINTS),
        key=lambda rule: (rule.rule, sorted(rule.methods or ())),
    )


def fingerprint(app: Flask) -> list[tuple[Any, ...]]:
    """Each table's row count, and the sum of versions where rows have one: one statement."""
    with app.extensions[db.ENGINE_KEY].connect() as connection:
        return [tuple(row) for row in connection.execute(_fingerprint_statement())]


# Rows that are the state of something in progress rather than data: a two-factor set-up not
# yet confirmed (a wrong code shows the page again, with the key it keeps to show).
# table -> the column that is set once it is done: rows without it are not counted
IN_PROGRESS = {"two_factor": "confirmed_at"}


@functools.cache
def _fingerprint_statement() -> sa.CompoundSelect:
    parts = []
    for table in SQLModel.metadata.sorted_tables:
        if RECORDS_OF_WHAT_HAPPENED.search(table.name):
            continue
        versions = sa.func.sum(table.c.version) if "version" in table.c else sa.literal(0)
        counted = sa.select(
            sa.literal(table.name), sa.func.count(), sa.func.coalesce(versions, 0)
        ).select_from(table)
        if table.name in IN_PROGRESS:
            counted = counted.where(table.c[IN_PROGRESS[table.name]].is_not(None))
        parts.append(counted)
    return sa.union_all(*parts)


def url_for_rule(world: World, rule: Rule, payload: str) -> str:
    """The rule's address with known ids where it takes one, else the payload or a new id."""
    values = {}
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__  # noqa: SLF001
        if converter == "UUIDConverter":
            values[name] = world.ids.get(name, str(uuid.uuid4()))
        elif converter in ("IntegerConverter", "NumberConverter"):
            values[name] = 1
        elif converter == "AnyConverter":
            values[name] = sorted(rule._converters[name].items)[0]  # noqa: SLF001
        else:
            values[name] = world.ids.get(name) or payload[:200] or "x"
    with world.app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


NAME = re.compile(r"<(?:input|select|textarea|button)\b[^>]*\bname=\"([^\"]+)\"", re.I)


def form_fields(world: World, rule: Rule, url: str, who: str | None) -> list[str]:
    """The names of the fields the page at this address shows this role (its own form)."""
    key = (url, who)
    if key not in world.fields:
        names: list[str] = []
        if "GET" in (rule.methods or ()):
            page = world.clients[who].get(url)
            if page.mimetype == "text/html":
                names = list(dict.fromkeys(NAME.findall(page.get_data(as_text=True))))
            page.close()
        world.fields[key] = [n for n in names if n != "csrf_token"] or ["value", "next"]
    return world.fields[key]


def hostile_request(world: World, rule: Rule, who: str | None, payloads: list[Any]) -> None:
    """Send one hostile request to the rule as `who`, and check the answer."""
    client = world.clients[who]
    first = payloads[0] if isinstance(payloads[0], str) else "x"
    url = url_for_rule(world, rule, first)
    methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    is_api = url.startswith("/api/")
    for method in methods:
        before = fingerprint(world.app)
        if method == "GET":
            query = {name: _text(payloads, n) for n, name in enumerate(QUERY_NAMES)}
            answer = client.get(url, query_string=query)
        elif is_api:
            shape = payloads[-1] if not isinstance(payloads[-1], str) else _text(payloads, 0)
            answer = client.open(url, method=method, json=shape)
        else:
            names = form_fields(world, rule, url, who)
            data = {name: _text(payloads, n) for n, name in enumerate(names)}
            answer = client.open(url, method=method, data=data)
        world.tried += 1
        where = f"{method} {url[:120]} as {who or 'nobody'}"
        body = answer.get_data(as_text=True) if not answer.is_streamed else ""
        answer.close()
        ready_probe = rule.endpoint == "health.ready" and answer.status_code == 503
        assert answer.status_code < 500 or ready_probe, f"{where}: {answer.status_code}"
        if 400 <= answer.status_code < 500:
            after = fingerprint(world.app)
            changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
            assert not changed, f"{where} was refused ({answer.status_code}) yet changed {changed}"
        if answer.mimetype == "text/html":
            for active in ACTIVE:
                assert active not in body, f"{where} shows {active!r} unescaped"


def _text(payloads: list[Any], n: int) -> str:
    strings = [p for p in payloads if isinstance(p, str)] or ["x"]
    return strings[n % len(strings)]


@SQLITE_ONLY
def test_every_route_as_every_role_survives_each_hostile_payload(world):
    rules = routes(world.app)
    assert len(rules) > 50  # the walk found the app's routes
    for rule in rules:
        for who in ROLES:
            for turn in range(3):
                rotated = list(HOSTILE[turn::3]) + [JSON_SHAPES[turn % len(JSON_SHAPES)]]
                hostile_request(world, rule, who, rotated)
    # routes x roles x methods x 3 turns: what the closing note counts
    assert world.tried >= len(rules) * len(ROLES) * 3


HOSTILE_TEXT = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=400),
    st.text(st.characters(codec="utf-8"), max_size=50).map(lambda s: s + "\x00" + s),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | HOSTILE_TEXT,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["age", "postcode", "needs", "text", "limit", "status", "reason", "id"]
                + ["kind", "route", "urgency", "target", "service_id", "known_service_id"]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=12,
)


@SQLITE_ONLY
@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_hostile_values_on_random_routes_and_roles(world, data):
    rule = data.draw(st.sampled_from(routes(world.app)), label="route")
    who = data.draw(st.sampled_from(ROLES), label="role")
    payloads = data.draw(st.lists(HOSTILE_TEXT, min_size=1, max_size=6), label="values")
    shape = data.draw(JSON_VALUE, label="json")
    hostile_request(world, rule, who, [*payloads, shape])
