"""import routes and freshness: whether a listing's referral routes are known, and where an
imported listing's "last checked" date came from

Revision ID: 0009_import_routes_freshness
Revises: 0008_vocabulary_changes
Create Date: 2026-12-07 17:00:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0009_import_routes_freshness"
down_revision = "0008_vocabulary_changes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing listings are taken to have known routes (what the earlier importer wrote
    # cannot be told apart: a re-import only adds routes, so a manager sets them).
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("routes_known", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "checked_source",
                sqlmodel.sql.sqltypes.AutoString(length=200),
                server_default="",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("checked_source")
        batch_op.drop_column("routes_known")
