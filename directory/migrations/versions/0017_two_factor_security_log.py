"""two-factor sign-in and the security log: an authenticator secret and recovery codes per
account, and one row per security event

Revision ID: 0017_two_factor_security_log
Revises: 0023_plans_more
Create Date: 2026-12-07 22:00:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0017_two_factor_security_log"
down_revision = "0023_plans_more"
branch_labels = None
depends_on = None

WHEN = sqlmodel.sql.sqltypes.UTCDateTime
TEXT = sqlmodel.sql.sqltypes.AutoString
KINDS = (
    "signed_in",
    "sign_in_failed",
    "signed_out_everywhere",
    "password_reset_requested",
    "password_reset_done",
    "invitation_sent",
    "invitation_accepted",
    "role_changed",
    "account_stopped",
    "account_reenabled",
    "api_token_created",
    "api_token_revoked",
    "two_factor_set_up",
    "two_factor_used",
    "two_factor_failed",
    "recovery_code_used",
    "two_factor_reset",
)


def upgrade() -> None:
    op.create_table(
        "two_factor",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("secret", TEXT(length=64), nullable=False),
        sa.Column("confirmed_at", WHEN(), nullable=True),
        sa.Column("last_step", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", TEXT(length=300), nullable=False),
        sa.Column("used_at", WHEN(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_code_user_id"), ["user_id"], unique=False)
    op.create_table(
        "security_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                *KINDS,
                name="securityeventkind_values",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("at", WHEN(), nullable=False),
        sa.Column("address", TEXT(length=45), nullable=True),
        sa.Column("email", TEXT(length=254), nullable=True),
        sa.Column("detail", TEXT(length=200), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("security_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_security_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_security_event_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_security_event_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("security_event")
    op.drop_table("recovery_code")
    op.drop_table("two_factor")
