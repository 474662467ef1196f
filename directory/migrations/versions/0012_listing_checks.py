"""listing checks: why an imported listing waits for a manager (it looks like another)

Revision ID: 0012_listing_checks
Revises: 0011_feeds
Create Date: 2026-12-07 17:00:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0012_listing_checks"
down_revision = "0011_feeds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "hold_reason",
                sqlmodel.sql.sqltypes.AutoString(length=500),
                nullable=False,
                server_default="",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("hold_reason")
