"""opening exceptions: closures (closed from a day to a day, with a reason) and services
closed on bank holidays

Revision ID: 0013_opening_exceptions
Revises: 0012_listing_checks
Create Date: 2026-12-07 17:00:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0013_opening_exceptions"
down_revision = "0012_listing_checks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "closure",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("ends", sa.Date(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("closure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_closure_service_id"), ["service_id"], unique=False)
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "closed_on_bank_holidays",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.alter_column(
            "closed_on_bank_holidays", existing_type=sa.Boolean(), server_default=None
        )


def downgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("closed_on_bank_holidays")
    with op.batch_alter_table("closure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_closure_service_id"))
    op.drop_table("closure")
