"""words: a feed's sync counts its services and organisations apart

Revision ID: 0015_words
Revises: 0013_opening_exceptions
Create Date: 2026-12-07 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_words"
down_revision = "0013_opening_exceptions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feed_sync", schema=None) as batch_op:
        for name in ("organisations_created", "organisations_updated"):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("feed_sync", schema=None) as batch_op:
        batch_op.drop_column("organisations_updated")
        batch_op.drop_column("organisations_created")
