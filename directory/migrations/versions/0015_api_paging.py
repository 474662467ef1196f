"""api paging: indexes that let a list page read its rows in name order, and count the
published services, from indexes alone

Revision ID: 0015_api_paging
Revises: 0013_opening_exceptions
Create Date: 2026-12-07 19:30:00
"""

from alembic import op

revision = "0015_api_paging"
down_revision = "0013_opening_exceptions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.create_index("ix_organization_listed", ["status", "id"], unique=False)
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.create_index(
            "ix_service_listed", ["status", "name", "id", "organization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_index("ix_service_listed")
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_index("ix_organization_listed")
