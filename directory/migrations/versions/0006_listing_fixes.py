"""listing fixes: an editor can withdraw a revision they sent (revision status 'withdrawn')

Revision ID: 0006_listing_fixes
Revises: 0004_accounts_listings
Create Date: 2026-11-23 15:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_listing_fixes"
down_revision = "0004_accounts_listings"
branch_labels = None
depends_on = None

BEFORE = ("pending", "approved", "returned")
AFTER = (*BEFORE, "withdrawn")


def _status(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values, name="revisionstatus_values", native_enum=False, create_constraint=True, length=32
    )


def upgrade() -> None:
    # The CHECK on the status column lists the allowed values: swap it for one with 'withdrawn'.
    with op.batch_alter_table("listing_revision", schema=None) as batch_op:
        batch_op.alter_column(
            "status", existing_type=_status(BEFORE), type_=_status(AFTER), existing_nullable=False
        )


def downgrade() -> None:
    # Withdrawn revisions become returned ones, the nearest meaning the old list has.
    op.execute("UPDATE listing_revision SET status = 'returned' WHERE status = 'withdrawn'")
    with op.batch_alter_table("listing_revision", schema=None) as batch_op:
        batch_op.alter_column(
            "status", existing_type=_status(AFTER), type_=_status(BEFORE), existing_nullable=False
        )
