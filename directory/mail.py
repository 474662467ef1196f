"""Sending email: through the SMTP server in MAIL_SERVER, or to the log in development."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger("signpost.mail")


def send(to: str | Iterable[str], subject: str, body: str, *, private: bool = False) -> None:
    """Send a plain-text email; without MAIL_SERVER, write it to the log (development).
    `private`: the address was typed in for this one message and is kept nowhere, so the
    log never shows it, nor the link in the body (it opens a person's plan)."""
    config = current_app.config
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        return
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(body)
    if not config["MAIL_SERVER"]:
        if private:
            log.warning("Email %r not sent (no MAIL_SERVER set); not logged: private.", subject)
        elif config["LOG_MAIL"]:
            log.warning("Email not sent (no MAIL_SERVER set):\n%s", message.as_string())
        else:
            log.error("Email to %d people not sent: set MAIL_SERVER.", len(recipients))
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
