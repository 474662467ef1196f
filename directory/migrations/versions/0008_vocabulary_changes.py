"""vocabulary changes: who changed a need's words or a search phrase on the managers' page

Revision ID: 0008_vocabulary_changes
Revises: 0007_needs_vocabulary
Create Date: 2026-12-07 14:20:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008_vocabulary_changes"
down_revision = "0007_needs_vocabulary"
branch_labels = None
depends_on = None

JSON_VALUE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "vocabulary_change",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("before", JSON_VALUE, nullable=False),
        sa.Column("after", JSON_VALUE, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("vocabulary_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vocabulary_change_changed_at"), ["changed_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_vocabulary_change_key"), ["key"], unique=False)
    # A save is checked against the time the form read (updated_at = :then). Rows that
    # 0007 stamped with the database's CURRENT_TIMESTAMP hold it in another text form on
    # SQLite, which would never compare equal: stamp every row once as the app writes times.
    now = datetime.now(UTC)
    for name in ("taxonomy_term", "search_phrase"):
        table = sa.table(name, sa.column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime()))
        op.execute(table.update().values(updated_at=now))


def downgrade() -> None:
    with op.batch_alter_table("vocabulary_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vocabulary_change_key"))
        batch_op.drop_index(batch_op.f("ix_vocabulary_change_changed_at"))
    op.drop_table("vocabulary_change")
