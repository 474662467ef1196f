"""Builders for tests of accounts and listings: users of every role, signing in, catching mail."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session
from werkzeug.datastructures import MultiDict
from werkzeug.security import generate_password_hash

from directory import db
from directory.models import Role, User, stable_id

PASSWORD = "correct horse battery staple"
ORG_A = stable_id("organisation", "hyde-park-friends")
ORG_B = stable_id("organisation", "chapeltown-helpline")
TEA = stable_id("service", "hyde-park-tuesday-tea")  # published, of A
MONEY = stable_id("service", "hyde-park-money-clinic")  # published, of A, stale
DRAFT = stable_id("service", "hyde-park-draft-club")  # draft, of A
LINE = stable_id("service", "chapeltown-listening-line")  # published, of B
# A cheap hash: these tests sign in hundreds of times; the app itself uses scrypt.
FAST_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")

PEOPLE: dict[str, tuple[Role, object]] = {
    "admin": (Role.ADMIN, None),
    "manager": (Role.MANAGER, None),
    "linkworker": (Role.LINK_WORKER, None),
    "mhp": (Role.MHP, None),  # the PCN's mental health practitioner
    "editor": (Role.EDITOR, ORG_A),
    "other_editor": (Role.EDITOR, ORG_B),
}


def email_of(who: str) -> str:
    return f"{who.replace('_', '-')}@example.org"


def add_people(app: Flask) -> dict[str, User]:
    """One account per entry of PEOPLE, on the app's database."""
    with Session(app.extensions[db.ENGINE_KEY], expire_on_commit=False) as session:
        users = {
            who: User(email=email_of(who), password_hash=FAST_HASH, role=role, organization_id=org)
            for who, (role, org) in PEOPLE.items()
        }
        session.add_all(users.values())
        session.commit()
    return users


def sign_in(client: FlaskClient, who: str, password: str = PASSWORD, **extra: object):
    return client.post("/sign-in", data={"email": email_of(who), "password": password, **extra})


def client_for(app: Flask, who: str | None) -> FlaskClient:
    """A test client, signed in as who (None: nobody)."""
    client = app.test_client()
    if who is not None:
        response = sign_in(client, who)
        assert response.status_code == 302, response.text
    return client


@dataclass
class Mailbox:
    port: int
    messages: list[Message] = field(default_factory=list)

    def links(self) -> list[str]:
        return [
            link for m in self.messages for link in re.findall(r"https?://\S+", m.get_content())
        ]


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """A real SMTP server on loopback that keeps what it receives."""
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            box.messages.append(
                message_from_bytes(envelope.original_content, policy=policy.default)
            )
            return "250 OK"

    class BoundController(Controller):
        """Serves on a socket bound before the server starts. Choosing a free port, closing
        it and handing the number over would leave a moment in which another test worker
        could take it; aiosmtpd checks its server by connecting to `port`, so it needs the
        real number, which a socket bound to port 0 gives."""

        def _create_server(self):
            return self.loop.create_server(self._factory_invoker, sock=listening)

    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    box = Mailbox(port=listening.getsockname()[1])
    # aiosmtpd gives its server 5 s to start and answer: short on a loaded machine
    controller = BoundController(Handler(), hostname="127.0.0.1", port=box.port, ready_timeout=30)
    try:
        controller.start()
    except BaseException:
        listening.close()
        raise
    try:
        yield box
    finally:
        controller.stop()


def mail_settings(box: Mailbox) -> dict[str, object]:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": box.port, "MAIL_USE_TLS": False}


def form_for(values: dict[str, object], version: int, sessions_rows: int = 5) -> MultiDict:
    """POST data for a listing form holding these snapshot values (as the page would send)."""
    data: list[tuple[str, str]] = [("version", str(version))]
    for name, value in values.items():
        if name == "sessions":
            rows = list(value) + [None] * (sessions_rows - len(value))  # type: ignore[arg-type]
            for i, row in enumerate(rows):
                if row:
                    data += [(f"sessions-{i}-days", d) for d in row["days"]]
                data += [
                    (f"sessions-{i}-opens", row["opens"] if row else ""),
                    (f"sessions-{i}-closes", row["closes"] if row else ""),
                ]
                data += [
                    (f"sessions-{i}-{key}", row[key])
                    for key in ("valid_from", "valid_to")
                    if row and row.get(key)
                ]
        elif name in ("places", "areas", "closures"):
            # Each row as the page sends it, then the blank row the page offers for adding one.
            for i, row in enumerate([*value, {}]):  # type: ignore[misc]
                for key, item in row.items():
                    if isinstance(item, list):
                        data += [(f"{name}-{i}-{key}", str(v)) for v in item]
                    elif item is not None:
                        data.append((f"{name}-{i}-{key}", str(item)))
        elif name == "is_free":
            data.append((name, "yes" if value else "no"))
        elif isinstance(value, bool):  # a checkbox: sent ticked, or not at all
            data += [(name, "y")] if value else []
        elif isinstance(value, list):
            data += [(name, str(v)) for v in value]
        elif value is None:
            data.append((name, ""))
        else:
            data.append((name, str(value)))
    return MultiDict(data)
