"""needs vocabulary: search phrases (slang and typos) in a table; a need's form group, ages
and time of last change on taxonomy_term

The vocabulary was read from files in seed/ at run time; now `flask seed` (or
`flask seed --vocabulary-only`) loads it into these columns and search, matching, the
matching form and the import read it from the database.

Revision ID: 0007_needs_vocabulary
Revises: 0006_listing_fixes
Create Date: 2026-12-07 06:34:19
"""

import uuid

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007_needs_vocabulary"
down_revision = "0006_listing_fixes"
branch_labels = None
depends_on = None

JSON_VALUE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
NEEDS_TAXONOMY_ID = uuid.UUID("c45c9233-6cb5-505c-9f4f-8bff3501e9e9")  # models.NEEDS_TAXONOMY_ID
# The ages of the needs for groups of people, held in code (matching/facts.py NEED_AGES)
# until now: carried over so that matching keeps them before the next seed.
NEED_AGES = {"young_people": (11, 25), "older_people": (50, None)}
# Columns added to rows that exist already: filled by these defaults, which then go, as
# the models have none.
ADDED_WITH_DEFAULTS = {
    "group_name": ("''", sqlmodel.sql.sqltypes.AutoString(length=100)),
    "group_position": ("0", sa.Integer()),
    "updated_at": ("CURRENT_TIMESTAMP", sqlmodel.sql.sqltypes.UTCDateTime()),
}


def upgrade() -> None:
    op.create_table(
        "search_phrase",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("phrase", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("means", JSON_VALUE, nullable=False),
        sa.Column("needs", JSON_VALUE, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("phrase"),
    )
    with op.batch_alter_table("taxonomy_term", schema=None) as batch_op:
        for name, (default, kind) in ADDED_WITH_DEFAULTS.items():
            batch_op.add_column(
                sa.Column(name, kind, nullable=False, server_default=sa.text(default))
            )
        batch_op.add_column(sa.Column("minimum_age", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("maximum_age", sa.Integer(), nullable=True))
    with op.batch_alter_table("taxonomy_term", schema=None) as batch_op:
        for name, (_default, kind) in ADDED_WITH_DEFAULTS.items():
            batch_op.alter_column(name, existing_type=kind, server_default=None)
    term = sa.table(
        "taxonomy_term",
        sa.column("taxonomy_id", sa.Uuid),
        sa.column("code", sa.String),
        sa.column("minimum_age", sa.Integer),
        sa.column("maximum_age", sa.Integer),
    )
    for code, (low, high) in NEED_AGES.items():
        op.execute(
            term.update()
            .where(term.c.taxonomy_id == NEEDS_TAXONOMY_ID, term.c.code == code)
            .values(minimum_age=low, maximum_age=high)
        )


def downgrade() -> None:
    # The phrases and the groups stay in seed/ (synonyms.csv, need_groups.yaml), from which
    # the previous version reads them.
    with op.batch_alter_table("taxonomy_term", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("maximum_age")
        batch_op.drop_column("minimum_age")
        batch_op.drop_column("group_position")
        batch_op.drop_column("group_name")
    op.drop_table("search_phrase")
