"""scenario attempts and organization policies

Revision ID: 0003_scenarios
Revises: 0002_training
Create Date: 2026-11-23 20:13:29.318199
"""

from alembic import op
import sqlalchemy as sa
import trainer.core.models


revision = "0003_scenarios"
down_revision = "0002_training"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "organization_policy",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("value", sa.Boolean(), nullable=False),
        sa.Column("updated_at", trainer.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_organization_policy_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["person.id"],
            name=op.f("fk_organization_policy_updated_by_id_person"),
        ),
        sa.PrimaryKeyConstraint("organization_id", "key", name=op.f("pk_organization_policy")),
    )
    op.create_table(
        "scenario_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("policy", sa.Text(), nullable=False),
        sa.Column("started_at", trainer.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", trainer.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", trainer.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ending_id", sa.String(length=120), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.CheckConstraint(
            "mode IN ('practice', 'assessment')", name=op.f("ck_scenario_attempt_known_mode")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["content_document.id"],
            name=op.f("fk_scenario_attempt_document_id_content_document"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_scenario_attempt_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["content_version.id"],
            name=op.f("fk_scenario_attempt_version_id_content_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenario_attempt")),
    )
    with op.batch_alter_table("scenario_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scenario_attempt_document_id"), ["document_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_scenario_attempt_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "scenario_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(length=120), nullable=False),
        sa.Column("choice_index", sa.Integer(), nullable=False),
        sa.Column("meters", sa.Text(), nullable=False),
        sa.Column("at", trainer.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("undone_at", trainer.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["scenario_attempt.id"],
            name=op.f("fk_scenario_step_attempt_id_scenario_attempt"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenario_step")),
    )
    with op.batch_alter_table("scenario_step", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scenario_step_attempt_id"), ["attempt_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("scenario_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenario_step_attempt_id"))

    op.drop_table("scenario_step")
    with op.batch_alter_table("scenario_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenario_attempt_person_id"))
        batch_op.drop_index(batch_op.f("ix_scenario_attempt_document_id"))

    op.drop_table("scenario_attempt")
    op.drop_table("organization_policy")
