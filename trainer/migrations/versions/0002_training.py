"""training progress and knowledge-check attempts

Revision ID: 0002_training
Revises: 0001_initial
Create Date: 2026-11-23 19:36:14.137708
"""

from alembic import op
import sqlalchemy as sa
import trainer.core.models


revision = "0002_training"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "module_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("sections_total", sa.Integer(), nullable=False),
        sa.Column("sections_read", sa.Text(), nullable=False),
        sa.Column("last_section", sa.String(length=200), nullable=True),
        sa.Column("last_position", sa.Integer(), nullable=False),
        sa.Column("seconds_spent", sa.Integer(), nullable=False),
        sa.Column("started_at", trainer.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", trainer.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("passed_at", trainer.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["content_document.id"],
            name=op.f("fk_module_progress_document_id_content_document"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_module_progress_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["content_version.id"],
            name=op.f("fk_module_progress_version_id_content_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_progress")),
        sa.UniqueConstraint("person_id", "document_id", name="uq_module_progress_person_document"),
    )
    with op.batch_alter_table("module_progress", schema=None) as batch_op:
        batch_op.create_index("ix_module_progress_person", ["person_id"], unique=False)

    op.create_table(
        "quiz_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", trainer.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["content_document.id"],
            name=op.f("fk_quiz_attempt_document_id_content_document"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_quiz_attempt_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["content_version.id"],
            name=op.f("fk_quiz_attempt_version_id_content_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempt")),
    )
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_attempt_person_id"), ["person_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_attempt_person_id"))

    op.drop_table("quiz_attempt")
    with op.batch_alter_table("module_progress", schema=None) as batch_op:
        batch_op.drop_index("ix_module_progress_person")

    op.drop_table("module_progress")
