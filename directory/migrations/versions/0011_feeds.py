"""feeds: the Open Referral UK feeds a manager follows, their syncs, the listings from each;
a revision may come from a feed (no author then)

Revision ID: 0011_feeds
Revises: 0010_taxonomy_mappings
Create Date: 2026-12-07 17:00:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011_feeds"
down_revision = "0010_taxonomy_mappings"
branch_labels = None
depends_on = None

JSON_VALUE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WHEN = sqlmodel.sql.sqltypes.UTCDateTime
REVISION_FEED_KEY = "fk_listing_revision_feed_id_feed"


def _entity_type() -> sa.Enum:
    return sa.Enum(
        "organisation",
        "service",
        name="entitytype_values",
        native_enum=False,
        create_constraint=True,
        length=32,
    )


def upgrade() -> None:
    op.create_table(
        "feed",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("trusted", sa.Boolean(), nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "feed_listing",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("feed_id", sa.Uuid(), nullable=False),
        sa.Column("entity_type", _entity_type(), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("synced", JSON_VALUE, nullable=False),
        sa.Column("synced_at", WHEN(), nullable=False),
        sa.Column("gone_since", WHEN(), nullable=True),
        sa.ForeignKeyConstraint(["feed_id"], ["feed.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entity_type", "entity_id"),
    )
    with op.batch_alter_table("feed_listing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_listing_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feed_listing_feed_id"), ["feed_id"], unique=False)
    op.create_table(
        "feed_sync",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("feed_id", sa.Uuid(), nullable=False),
        sa.Column("started_at", WHEN(), nullable=False),
        sa.Column("finished_at", WHEN(), nullable=True),
        sa.Column("modified_after", WHEN(), nullable=True),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("organisations_created", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("organisations_updated", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("gone", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("problems", JSON_VALUE, nullable=False),
        sa.ForeignKeyConstraint(["feed_id"], ["feed.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("feed_sync", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_sync_feed_id"), ["feed_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feed_sync_started_at"), ["started_at"], unique=False)
    # A feed's change to a listing changed here waits for review as a revision without an
    # author: the feed it came from says where it is from.
    with op.batch_alter_table("listing_revision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feed_id", sa.Uuid(), nullable=True))
        batch_op.alter_column("author_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.create_foreign_key(
            REVISION_FEED_KEY, "feed", ["feed_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    # Revisions from feeds have no author: they cannot stay once every revision needs one.
    op.execute("DELETE FROM listing_revision WHERE author_id IS NULL")
    with op.batch_alter_table("listing_revision", schema=None) as batch_op:
        batch_op.drop_constraint(REVISION_FEED_KEY, type_="foreignkey")
        batch_op.alter_column("author_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_column("feed_id")
    with op.batch_alter_table("feed_sync", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_sync_started_at"))
        batch_op.drop_index(batch_op.f("ix_feed_sync_feed_id"))
    op.drop_table("feed_sync")
    with op.batch_alter_table("feed_listing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_listing_feed_id"))
        batch_op.drop_index(batch_op.f("ix_feed_listing_entity_id"))
    op.drop_table("feed_listing")
    op.drop_table("feed")
