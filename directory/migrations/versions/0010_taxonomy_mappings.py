"""taxonomy mappings: the terms of other directories' taxonomies that imported services carry,
and managers' decisions on which of our needs each means

Revision ID: 0010_taxonomy_mappings
Revises: 0009_import_routes_freshness
Create Date: 2026-12-07 17:00:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0010_taxonomy_mappings"
down_revision = "0009_import_routes_freshness"
branch_labels = None
depends_on = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "service_foreign_term",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("taxonomy", _text(200), nullable=False),
        sa.Column("taxonomy_id", _text(100), nullable=False),
        sa.Column("term_id", _text(100), nullable=False),
        sa.Column("code", _text(100), nullable=False),
        sa.Column("name", _text(200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("service_foreign_term", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_foreign_term_service_id"), ["service_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_service_foreign_term_name"), ["name"], unique=False)
    op.create_table(
        "taxonomy_mapping",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("taxonomy", _text(200), nullable=False),
        sa.Column("term_id", _text(100), nullable=False),
        sa.Column("code", _text(100), nullable=False),
        sa.Column("name", _text(200), nullable=False),
        sa.Column("need_code", _text(100), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("actor", _text(254), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("taxonomy", "term_id", "code", "name"),
    )


def downgrade() -> None:
    op.drop_table("taxonomy_mapping")
    with op.batch_alter_table("service_foreign_term", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_foreign_term_name"))
        batch_op.drop_index(batch_op.f("ix_service_foreign_term_service_id"))
    op.drop_table("service_foreign_term")
