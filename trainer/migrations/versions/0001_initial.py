"""initial schema

Revision ID: 0001_initial
Revises: (none)
Create Date: 2026-11-23 19:09:15.932597
"""

from alembic import op
import sqlalchemy as sa
import trainer.core.models


revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "organization",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_mime", sa.String(length=50), nullable=True),
        sa.Column("contact", sa.String(length=300), nullable=True),
        sa.Column("inactivity_minutes", sa.Integer(), server_default=sa.text("15"), nullable=False),
        sa.Column("lockout_threshold", sa.Integer(), server_default=sa.text("5"), nullable=False),
        sa.Column("lockout_minutes", sa.Integer(), server_default=sa.text("15"), nullable=False),
        sa.Column("created_at", trainer.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "inactivity_minutes BETWEEN 1 AND 480", name=op.f("ck_organization_inactivity_range")
        ),
        sa.CheckConstraint(
            "lockout_minutes BETWEEN 1 AND 1440", name=op.f("ck_organization_lockout_minutes_range")
        ),
        sa.CheckConstraint(
            "lockout_threshold BETWEEN 3 AND 20",
            name=op.f("ck_organization_lockout_threshold_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization")),
    )
    op.create_table(
        "content_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("bundled_path", sa.String(length=300), nullable=True),
        sa.Column("bundled_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", trainer.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_content_document_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_document")),
        sa.UniqueConstraint("organization_id", "kind", "key", name="uq_content_document_key"),
    )
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("job_title", sa.String(length=200), nullable=True),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_until", trainer.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_sign_in_at", trainer.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", trainer.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_person_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("username", name=op.f("uq_person_username")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", trainer.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["person.id"], name=op.f("fk_audit_entry_actor_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_audit_entry_prev_hash")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_action"), ["action"], unique=False)

    op.create_table(
        "bundled_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("offered_at", trainer.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", trainer.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('offered', 'accepted', 'declined')",
            name=op.f("ck_bundled_update_known_status"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["person.id"], name=op.f("fk_bundled_update_decided_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["content_document.id"],
            name=op.f("fk_bundled_update_document_id_content_document"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bundled_update")),
        sa.UniqueConstraint("document_id", "content_hash", name="uq_bundled_update_text"),
    )
    with op.batch_alter_table("bundled_update", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bundled_update_document_id"), ["document_id"], unique=False
        )

    op.create_table(
        "content_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", trainer.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", trainer.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", trainer.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(number IS NULL) = (published_at IS NULL)",
            name=op.f("ck_content_version_draft_has_no_number"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["person.id"], name=op.f("fk_content_version_author_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["content_document.id"],
            name=op.f("fk_content_version_document_id_content_document"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_version")),
        sa.UniqueConstraint("document_id", "number", name="uq_content_version_number"),
    )
    with op.batch_alter_table("content_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_content_version_document_id"), ["document_id"], unique=False
        )
        batch_op.create_index(
            "uq_content_version_one_draft",
            ["document_id"],
            unique=True,
            sqlite_where=sa.text("published_at IS NULL"),
            postgresql_where=sa.text("published_at IS NULL"),
        )

    op.create_table(
        "person_role",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "role IN ('trainee', 'trainer', 'manager', 'admin')",
            name=op.f("ck_person_role_known_role"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_role_person_id_person")
        ),
        sa.PrimaryKeyConstraint("person_id", "role", name=op.f("pk_person_role")),
    )


def downgrade() -> None:

    op.drop_table("person_role")
    with op.batch_alter_table("content_version", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_content_version_one_draft",
            sqlite_where=sa.text("published_at IS NULL"),
            postgresql_where=sa.text("published_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_content_version_document_id"))

    op.drop_table("content_version")
    with op.batch_alter_table("bundled_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bundled_update_document_id"))

    op.drop_table("bundled_update")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_action"))

    op.drop_table("audit_entry")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_organization_id"))

    op.drop_table("person")
    op.drop_table("content_document")
    op.drop_table("organization")
