"""Two-factor sign-in (a TOTP secret and recovery codes per account) and the security log."""

import enum
import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from directory.models.base import enum_column, id_field, utcnow


class TwoFactor(SQLModel, table=True):
    """An account's authenticator app: its TOTP secret, confirmed once the person has typed
    a code from it, and the last time step a code was accepted for (a code is good once)."""

    __tablename__ = "two_factor"

    user_id: uuid.UUID = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    secret: str = Field(max_length=64)
    confirmed_at: datetime | None = None
    last_step: int = Field(default=0, nullable=False)
    created_at: datetime = Field(default_factory=utcnow)


class RecoveryCode(SQLModel, table=True):
    """One of an account's recovery codes, kept as a password hash; each works once."""

    __tablename__ = "recovery_code"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=300)
    used_at: datetime | None = None


class SecurityEventKind(enum.StrEnum):
    SIGNED_IN = "signed_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"
    PASSWORD_RESET_DONE = "password_reset_done"
    INVITATION_SENT = "invitation_sent"
    INVITATION_ACCEPTED = "invitation_accepted"
    ROLE_CHANGED = "role_changed"
    ACCOUNT_STOPPED = "account_stopped"
    ACCOUNT_REENABLED = "account_reenabled"
    API_TOKEN_CREATED = "api_token_created"
    API_TOKEN_REVOKED = "api_token_revoked"
    TWO_FACTOR_SET_UP = "two_factor_set_up"
    TWO_FACTOR_USED = "two_factor_used"
    TWO_FACTOR_FAILED = "two_factor_failed"
    RECOVERY_CODE_USED = "recovery_code_used"
    TWO_FACTOR_RESET = "two_factor_reset"


class SecurityEvent(SQLModel, table=True):
    """Something that matters to an account's safety: who, who did it, when, from where.

    `detail` is a short note in the site's own words, never what someone typed, except the
    email address a failed sign-in tried (`email`), kept only as long as the log is."""

    __tablename__ = "security_event"

    id: uuid.UUID = id_field()
    kind: SecurityEventKind = Field(sa_type=enum_column(SecurityEventKind), index=True)
    user_id: uuid.UUID | None = Field(
        default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL"
    )
    actor_id: uuid.UUID | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    at: datetime = Field(default_factory=utcnow, index=True)
    address: str | None = Field(default=None, max_length=45)
    email: str | None = Field(default=None, max_length=254)
    detail: str = Field(default="", max_length=200)
