"""mental health pathways: a service may be an NHS mental health pathway listing, with its
level of care, two more routes in (the practice's mental health practitioner, urgent) and
how to reach help out of hours

Revision ID: 0025_mental_health_pathways
Revises: 0024_search_log_needs
Create Date: 2026-12-08 00:40:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0025_mental_health_pathways"
down_revision = "0024_search_log_needs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("mhp_referral", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("urgent_referral", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "pathway",
                sqlmodel.sql.sqltypes.AutoString(length=40),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column(
                "care_level",
                sa.Enum(
                    "community",
                    "primary_care",
                    "specialist",
                    "crisis",
                    name="carelevel_values",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "out_of_hours",
                sqlmodel.sql.sqltypes.AutoString(length=300),
                nullable=False,
                server_default="",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("out_of_hours")
        batch_op.drop_constraint("carelevel_values", type_="check")
        batch_op.drop_column("care_level")
        batch_op.drop_column("pathway")
        batch_op.drop_column("urgent_referral")
        batch_op.drop_column("mhp_referral")
