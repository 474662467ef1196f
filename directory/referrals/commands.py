"""What cases add to the command line: their step of `flask --app wsgi purge-expired`
(directory/privacy.py runs every feature's step). Also checks, as the app is made, that
the PCN's own wellbeing measures (LOCAL_MEASURES, LOCAL_MEASURES_FILE) are well defined:
a wrong definition stops the app with the reason, rather than every case page."""

from __future__ import annotations

from flask import Flask

from directory import privacy
from directory.referrals import retention, wellbeing


def init_app(app: Flask) -> None:
    wellbeing.measures(app.config)  # MeasureDefinitionError says what is wrong
    privacy.add_purge_step(app, "closed cases", retention.purge_step)
