"""step up and shared learning: a referral may step a person up (back to the GP or the PCN's
mental health practitioner, with a reason), a case may say the person is known to a
specialist team (its duty contact), professionals keep notes on services, and a new role:
the mental health practitioner ('mhp')

Revision ID: 0026_step_up_notes
Revises: 0025_mental_health_pathways
Create Date: 2026-12-08 00:45:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0026_step_up_notes"
down_revision = "0025_mental_health_pathways"
branch_labels = None
depends_on = None

ROLES_BEFORE = ("admin", "manager", "linkworker", "editor")
ROLES_AFTER = ("admin", "manager", "linkworker", "mhp", "editor")
KNOWN_TEAM_KEY = "fk_support_case_known_team_service_id"


def _roles(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values, name="role_values", native_enum=False, create_constraint=True, length=32
    )


def _text(name: str, length: int) -> sa.Column:
    return sa.Column(
        name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=False, server_default=""
    )


def upgrade() -> None:
    # The CHECK on the role column lists the allowed values: swap it for one with 'mhp'.
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column(
            "role", existing_type=_roles(ROLES_BEFORE), type_=_roles(ROLES_AFTER),
            existing_nullable=False,
        )
    with op.batch_alter_table("support_case", schema=None) as batch_op:
        batch_op.add_column(_text("known_team", 120))
        batch_op.add_column(sa.Column("known_team_service_id", sa.Uuid(), nullable=True))
        batch_op.add_column(_text("known_team_contact", 200))
        batch_op.create_foreign_key(
            KNOWN_TEAM_KEY, "service", ["known_team_service_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.add_column(_text("step_up_to", 20))
        batch_op.add_column(_text("reason", 500))
    op.create_table(
        "service_note",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("author_role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("service_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_note_service_id"), ["service_id"])
        batch_op.create_index(batch_op.f("ix_service_note_author_id"), ["author_id"])


def downgrade() -> None:
    with op.batch_alter_table("service_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_note_author_id"))
        batch_op.drop_index(batch_op.f("ix_service_note_service_id"))
    op.drop_table("service_note")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_column("reason")
        batch_op.drop_column("step_up_to")
    with op.batch_alter_table("support_case", schema=None) as batch_op:
        batch_op.drop_constraint(KNOWN_TEAM_KEY, type_="foreignkey")
        batch_op.drop_column("known_team_contact")
        batch_op.drop_column("known_team_service_id")
        batch_op.drop_column("known_team")
    # Mental health practitioners become link workers, the nearest role the old list has.
    op.execute("UPDATE user_account SET role = 'linkworker' WHERE role = 'mhp'")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column(
            "role", existing_type=_roles(ROLES_AFTER), type_=_roles(ROLES_BEFORE),
            existing_nullable=False,
        )
