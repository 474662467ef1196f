"""referrals: the link workers' daily digest, sent once a day

Revision ID: 0022_referrals_more
Revises: 0016_cases_referrals
Create Date: 2026-12-07 22:00:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes

revision = "0022_referrals_more"
down_revision = "0016_cases_referrals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_worker_digest",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "sent_on", name="uq_digest_user_day"),
    )
    with op.batch_alter_table("link_worker_digest", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_link_worker_digest_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("link_worker_digest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_worker_digest_user_id"))
    op.drop_table("link_worker_digest")
