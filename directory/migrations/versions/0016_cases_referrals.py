"""cases and referrals: a link worker's cases, referrals with their status history,
wellbeing scores, private plan links and the case access log; a shortlist may belong to a case

Revision ID: 0016_cases_referrals
Revises: 0015_api_paging
Create Date: 2026-12-07 21:40:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from sqlalchemy.dialects import postgresql

revision = "0016_cases_referrals"
down_revision = "0015_api_paging"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "support_case",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("age_band", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("postcode_district", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=True),
        sa.Column(
            "needs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("what_matters", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("consent_to_share", sa.Boolean(), nullable=False),
        sa.Column("consent_on", sa.Date(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "closed",
                name="casestatus_values",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("wellbeing_due_on", sa.Date(), nullable=True),
        sa.Column("personal_cleared_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("support_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_case_closed_on"), ["closed_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_support_case_opened_on"), ["opened_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_support_case_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_support_case_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "case_access",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["support_case.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_access", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_access_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_access_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_access_user_id"), ["user_id"], unique=False)

    op.create_table(
        "plan_link",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["support_case.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("plan_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_link_case_id"), ["case_id"], unique=False)

    op.create_table(
        "referral",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("service_name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "community",
                "step_up",
                name="referralkind_values",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "route",
            sa.Enum(
                "self_supported",
                "professional",
                name="referralroute_values",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("urgency", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column(
            "shared",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "sent",
                "received",
                "accepted",
                "declined",
                "attended",
                "did_not_attend",
                "completed",
                "cancelled",
                name="referralstatus_values",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("first_reply_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("provider_emailed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["support_case.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_referral_follow_up_on"), ["follow_up_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_referral_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_referral_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "wellbeing_record",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("measure", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column(
            "when",
            sa.Enum(
                "start",
                "follow_up",
                name="wellbeingwhen_values",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column(
            "scores",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["support_case.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("wellbeing_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wellbeing_record_case_id"), ["case_id"], unique=False)

    op.create_table(
        "referral_status_change",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "sent",
                "received",
                "accepted",
                "declined",
                "attended",
                "did_not_attend",
                "completed",
                "cancelled",
                name="referralstatus_values",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "set_by",
            sa.Enum(
                "link_worker",
                "provider",
                "person",
                name="statussetby_values",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reason_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("referral_status_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_status_change_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_referral_status_change_referral_id"), ["referral_id"], unique=False
        )

    with op.batch_alter_table("shortlist", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_shortlist_case_id"), ["case_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_shortlist_case_id", "support_case", ["case_id"], ["id"], ondelete="CASCADE"
        )


def downgrade() -> None:
    with op.batch_alter_table("shortlist", schema=None) as batch_op:
        batch_op.drop_constraint("fk_shortlist_case_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_shortlist_case_id"))
        batch_op.drop_column("case_id")

    with op.batch_alter_table("referral_status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_status_change_referral_id"))
        batch_op.drop_index(batch_op.f("ix_referral_status_change_at"))

    op.drop_table("referral_status_change")
    with op.batch_alter_table("wellbeing_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wellbeing_record_case_id"))

    op.drop_table("wellbeing_record")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_updated_at"))
        batch_op.drop_index(batch_op.f("ix_referral_status"))
        batch_op.drop_index(batch_op.f("ix_referral_service_id"))
        batch_op.drop_index(batch_op.f("ix_referral_organization_id"))
        batch_op.drop_index(batch_op.f("ix_referral_follow_up_on"))
        batch_op.drop_index(batch_op.f("ix_referral_case_id"))

    op.drop_table("referral")
    with op.batch_alter_table("plan_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_link_case_id"))

    op.drop_table("plan_link")
    with op.batch_alter_table("case_access", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_access_user_id"))
        batch_op.drop_index(batch_op.f("ix_case_access_case_id"))
        batch_op.drop_index(batch_op.f("ix_case_access_at"))

    op.drop_table("case_access")
    with op.batch_alter_table("support_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_case_updated_at"))
        batch_op.drop_index(batch_op.f("ix_support_case_owner_id"))
        batch_op.drop_index(batch_op.f("ix_support_case_opened_on"))
        batch_op.drop_index(batch_op.f("ix_support_case_closed_on"))

    op.drop_table("support_case")
