"""search log needs: each search keeps the needs its words were understood as and the kind
of urgent help shown, so that the words themselves can be dropped after the retention period

Revision ID: 0024_search_log_needs
Revises: 0017_two_factor_security_log
Create Date: 2026-12-07 22:21:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0024_search_log_needs"
down_revision = "0017_two_factor_security_log"
branch_labels = None
depends_on = None

JSON_VALUE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("search_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("needs", JSON_VALUE, nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column(
                "urgent_kind",
                sqlmodel.sql.sqltypes.AutoString(length=10),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column("words_dropped", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("search_log", schema=None) as batch_op:
        batch_op.drop_column("words_dropped")
        batch_op.drop_column("urgent_kind")
        batch_op.drop_column("needs")
