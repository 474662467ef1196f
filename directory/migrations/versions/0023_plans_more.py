"""plans more: the name and work phone a link worker gives people on their plan

Revision ID: 0023_plans_more
Revises: 0022_referrals_more
Create Date: 2026-12-07 22:00:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes

revision = "0023_plans_more"
down_revision = "0022_referrals_more"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "display_name",
                sqlmodel.sql.sqltypes.AutoString(length=60),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column(
                "work_phone",
                sqlmodel.sql.sqltypes.AutoString(length=30),
                nullable=False,
                server_default="",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("work_phone")
        batch_op.drop_column("display_name")
