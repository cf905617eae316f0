"""credential integrity: issuance series, key endorsements, status list sequence numbers

Revision ID: 0005_credential_integrity
Revises: 0004_credentials
Create Date: 2026-12-06 02:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0005_credential_integrity"
down_revision = "0004_credentials"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status_sequence", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "status_max_age_days", sa.Integer(), server_default=sa.text("30"), nullable=False
            )
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_organization_status_max_age_range"),
            "status_max_age_days BETWEEN 1 AND 3650",
        )
    with op.batch_alter_table("signing_key", schema=None) as batch_op:
        batch_op.add_column(sa.Column("endorsement", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("replaces_kid", sa.String(length=64), nullable=True))
    with op.batch_alter_table("imported_status_list", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sequence", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
    with op.batch_alter_table("credential", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("series", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
    # Number existing credentials per person and program, oldest first.
    op.execute(
        """
        UPDATE credential SET series = (
            SELECT COUNT(*) FROM credential AS earlier
            WHERE earlier.organization_id = credential.organization_id
              AND earlier.holder_id = credential.holder_id
              AND earlier.program_key = credential.program_key
              AND (earlier.issued_at < credential.issued_at
                   OR (earlier.issued_at = credential.issued_at AND earlier.id <= credential.id))
        )
        """
    )
    with op.batch_alter_table("credential", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_credential_series"),
            ["organization_id", "holder_id", "program_key", "series"],
        )


def downgrade() -> None:
    with op.batch_alter_table("credential", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_credential_series"),
            type_="unique",
        )
        batch_op.drop_column("series")
    with op.batch_alter_table("imported_status_list", schema=None) as batch_op:
        batch_op.drop_column("sequence")
    with op.batch_alter_table("signing_key", schema=None) as batch_op:
        batch_op.drop_column("replaces_kid")
        batch_op.drop_column("endorsement")
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_organization_status_max_age_range"), type_="check")
        batch_op.drop_column("status_max_age_days")
        batch_op.drop_column("status_sequence")
