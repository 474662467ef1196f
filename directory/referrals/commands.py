"""What cases add to the command line: their step of `flask --app wsgi purge-expired`
(directory/privacy.py runs every feature's step)."""

from __future__ import annotations

from flask import Flask

from directory import privacy
from directory.referrals import retention


def init_app(app: Flask) -> None:
    privacy.add_purge_step(app, "closed cases", retention.purge_step)
