"""api paging: indexes that let a list page read its rows in name order, and count the
published services, from indexes alone; and the latest change of the tracked tables
(organization, location, service) from an index, as each held value's generation asks it

Revision ID: 0015_api_paging
Revises: 0014_catalogue_changes
Create Date: 2026-12-07 19:30:00
"""

from alembic import op

revision = "0015_api_paging"
down_revision = "0014_catalogue_changes"
branch_labels = None
depends_on = None


TRACKED = ("organization", "location", "service")


def upgrade() -> None:
    for table in TRACKED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_updated_at"), ["updated_at"], unique=False)
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
    for table in TRACKED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_updated_at"))
