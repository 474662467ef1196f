"""catalogue changes: the numbered log of what each transaction changed, which every host's
search index follows

Revision ID: 0014_catalogue_changes
Revises: 0013_opening_exceptions
Create Date: 2026-12-07 19:00:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0014_catalogue_changes"
down_revision = "0013_opening_exceptions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogue_change",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            autoincrement=True,
        ),
        sa.Column("changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("catalogue_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalogue_change_changed_at"), ["changed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("catalogue_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalogue_change_changed_at"))
    op.drop_table("catalogue_change")
