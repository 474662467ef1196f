"""Two-factor sign-in: after the password, a code from an authenticator app (TOTP, RFC 6238).

Admins and managers must use it (TWO_FACTOR_REQUIRED, on except in tests that turn it on);
anyone else may. Setting up stores a secret (unconfirmed until the person types a code it
made), then gives ten recovery codes, shown once and kept as password hashes, each good
once. A code is accepted for the time step before, at or after now, and only for a step
later than the last one accepted: a code seen over someone's shoulder cannot be used again.
Both "once only" rules are single UPDATEs that check and mark at once, so two requests
racing with one code cannot both win.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import uuid
from datetime import datetime
from enum import StrEnum

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from sqlmodel import Session, col, select
from werkzeug.security import check_password_hash

from directory.accounts import users
from directory.accounts.security_log import record_security_event
from directory.models import RecoveryCode, Role, SecurityEventKind, TwoFactor, User, utcnow

REQUIRED_ROLES = frozenset({Role.ADMIN, Role.MANAGER})
RECOVERY_CODES = 10
# No 0/o, 1/l/i: a code copied from paper is read back right.
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RECOVERY_LENGTH = 10  # 49 bits each: guessing one needs ~10^14 tries against a throttle


class State(StrEnum):
    ON = "on"  # set up: a code is asked for after the password
    NEEDED = "needed"  # not set up, but the role requires it: set it up before anything else
    OFF = "off"  # not set up, and optional for this role


class Used(StrEnum):
    CODE = "code"
    RECOVERY_CODE = "recovery code"


def required(user: User) -> bool:
    """Whether this account's role must sign in with a second factor."""
    return bool(current_app.config["TWO_FACTOR_REQUIRED"]) and Role(user.role) in REQUIRED_ROLES


def confirmed(session: Session, user: User) -> TwoFactor | None:
    """The account's authenticator, once set up."""
    found = session.get(TwoFactor, user.id)
    return found if found is not None and found.confirmed_at is not None else None


def accounts_set_up(session: Session) -> set[uuid.UUID]:
    """The ids of the accounts that sign in with a code."""
    found = session.exec(select(TwoFactor.user_id).where(col(TwoFactor.confirmed_at).isnot(None)))
    return set(found.all())


def state(session: Session, user: User) -> State:
    """Whether a second factor is asked for, must be set up first, or is not used."""
    if confirmed(session, user) is not None:
        return State.ON
    return State.NEEDED if required(user) else State.OFF


# --- setting up ---------------------------------------------------------------------------


def start_set_up(session: Session, user: User, shown: str | None = None) -> TwoFactor:
    """The secret being set up: the one this browser was shown (`shown`, its fingerprint)
    when a code was wrong, else a new one, so that someone who saw another (with the
    password, in another browser) never shares the authenticator its owner confirms."""
    found = session.get(TwoFactor, user.id)
    if found is not None and found.confirmed_at is not None:
        raise ValueError("Two-factor sign-in is already set up for this account.")
    if found is not None and shown is not None and hmac.compare_digest(fingerprint(found), shown):
        return found
    if found is None:
        found = TwoFactor(user_id=user.id, secret=pyotp.random_base32(32))
    else:
        found.secret = pyotp.random_base32(32)
    session.add(found)
    session.commit()
    return found


def fingerprint(pending: TwoFactor) -> str:
    """A browser's note of which secret it was shown (it tells nothing of the secret)."""
    return hashlib.sha256(pending.secret.encode()).hexdigest()[:32]


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    issuer = str(current_app.config["SERVICE_NAME"])
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_code_svg(uri: str) -> str:
    """The address as a QR code, an SVG drawn here (no other site sees the secret)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=4, xmldecl=False)
    label = "QR code to scan with your authenticator app"
    return out.getvalue().decode().replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def spaced(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_set_up(
    session: Session, user: User, code: str, now: datetime | None = None
) -> list[str] | None:
    """Finish setting up with a code from the app: the new recovery codes (show them once),
    or None when the code is wrong. Every other session of the account ends."""
    found = session.get(TwoFactor, user.id)
    if found is None or found.confirmed_at is not None:
        return None
    step = _matching_step(found.secret, code, found.last_step, now)
    if step is None:
        record_security_event(
            SecurityEventKind.TWO_FACTOR_FAILED, user, detail="while setting up", session=session
        )
        return None
    found.confirmed_at = utcnow()
    found.last_step = step
    user.session_version += 1
    session.add_all([found, user])
    codes = _replace_recovery_codes(session, user)
    session.commit()
    record_security_event(SecurityEventKind.TWO_FACTOR_SET_UP, user, session=session)
    return codes


def _replace_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(sa.delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODES)
    ]
    session.add_all(
        RecoveryCode(user_id=user.id, code_hash=users.hash_password(code)) for code in codes
    )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Replace the account's recovery codes with ten new ones (show them once)."""
    codes = _replace_recovery_codes(session, user)
    session.commit()
    record_security_event(
        SecurityEventKind.TWO_FACTOR_SET_UP, user, detail="new recovery codes", session=session
    )
    return codes


def recovery_codes_left(session: Session, user: User) -> int:
    statement = select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, col(RecoveryCode.used_at).is_(None)
    )
    return len(session.exec(statement).all())


# --- signing in ----------------------------------------------------------------------------


def check(session: Session, user: User, code: str, now: datetime | None = None) -> Used | None:
    """Accept a code from the app or an unused recovery code, once; None when neither."""
    typed = "".join(code.split()).replace("-", "").lower()[:40]
    found = confirmed(session, user)
    used: Used | None = None
    if found is not None and typed.isdigit() and len(typed) == 6:
        if _use_step(session, found, _matching_step(found.secret, typed, found.last_step, now)):
            used = Used.CODE
    elif (
        found is not None and len(typed) == RECOVERY_LENGTH and _use_recovery(session, user, typed)
    ):
        used = Used.RECOVERY_CODE
    kind = {
        Used.CODE: SecurityEventKind.TWO_FACTOR_USED,
        Used.RECOVERY_CODE: SecurityEventKind.RECOVERY_CODE_USED,
        None: SecurityEventKind.TWO_FACTOR_FAILED,
    }[used]
    record_security_event(kind, user, session=session)
    return used


def _matching_step(secret: str, code: str, last_step: int, now: datetime | None) -> int | None:
    """The time step (now, or one either side) whose code this is, if later than last_step."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now or utcnow())
    for step in (current - 1, current, current + 1):
        if step > last_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _use_step(session: Session, found: TwoFactor, step: int | None) -> bool:
    if step is None:
        return False
    marked = session.execute(
        sa.update(TwoFactor)
        .where(col(TwoFactor.user_id) == found.user_id, col(TwoFactor.last_step) < step)
        .values(last_step=step)
    )
    session.commit()
    return bool(marked.rowcount)  # type: ignore[attr-defined]


def _use_recovery(session: Session, user: User, typed: str) -> bool:
    unused = session.exec(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, col(RecoveryCode.used_at).is_(None)
        )
    ).all()
    for row in unused:
        if check_password_hash(row.code_hash, typed):
            marked = session.execute(
                sa.update(RecoveryCode)
                .where(col(RecoveryCode.id) == row.id, col(RecoveryCode.used_at).is_(None))
                .values(used_at=utcnow())
            )
            session.commit()
            return bool(marked.rowcount)  # type: ignore[attr-defined]
    return False


# --- turning it off --------------------------------------------------------------------------


def reset(session: Session, user: User, actor: User | None = None) -> None:
    """Forget the account's authenticator and recovery codes and end all its sessions: its
    owner (or an admin, for someone who lost their phone) starts again."""
    session.execute(sa.delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    session.execute(sa.delete(TwoFactor).where(col(TwoFactor.user_id) == user.id))
    user.session_version += 1
    session.add(user)
    session.commit()
    detail = "by an admin" if actor is not None and actor.id != user.id else "by its owner"
    record_security_event(
        SecurityEventKind.TWO_FACTOR_RESET, user, actor=actor, detail=detail, session=session
    )
