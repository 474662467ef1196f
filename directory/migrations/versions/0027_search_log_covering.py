"""search log covering: an index holding every column the demand and equity reports count
searches by (when, needs, place, results, urgent help), so that they read it and not the
table

Revision ID: 0027_search_log_covering
Revises: 0026_step_up_notes
Create Date: 2026-12-08 00:40:00
"""

from alembic import op

revision = "0027_search_log_covering"
down_revision = "0026_step_up_notes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("search_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_search_log_covering",
            ["searched_at", "needs", "place", "results", "urgent_kind"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("search_log", schema=None) as batch_op:
        batch_op.drop_index("ix_search_log_covering")
