"""the database itself refuses to change or delete what must never change: audit entries,
issued credentials, status events, published content versions and reviewed field-hour entries

The models refuse the same through the ORM; these triggers also stop a stray SQL statement (and,
on PostgreSQL with trainer.core.db_roles, a desktop holding the application role's URL). A
deliberate edit needs a tool that drops the trigger first. A later migration that rebuilds one of
these tables on SQLite (batch mode copies the table) must create its triggers again.

Revision ID: 0007_immutable
Revises: 0006_evidence
Create Date: 2026-12-20 10:00:00.000000
"""

from alembic import op

revision = "0007_immutable"
down_revision = "0006_evidence"
branch_labels = None
depends_on = None

# table -> (the condition on the OLD row under which it is fixed, or None for always; message)
GUARDED = {
    "audit_entry": (None, "audit entries cannot be changed or deleted"),
    "credential": (
        None,
        "issued credentials cannot be changed or deleted; revoke or suspend them instead",
    ),
    "credential_status_event": (
        None,
        "credential status events cannot be changed or deleted; record a new event instead",
    ),
    "content_version": (
        "OLD.published_at IS NOT NULL",
        "published content versions cannot be changed or deleted; publish a new version instead",
    ),
    "field_hour_entry": (
        "OLD.status <> 'pending'",
        "reviewed field-hour entries cannot be changed or deleted; log a correction instead",
    ),
}

# SQLite only: INSERT OR REPLACE deletes the row it collides with without firing delete triggers,
# so an insert that would collide with a fixed row on any of these keys is refused first.
REPLACE_KEYS = {
    "audit_entry": (("id",), ("prev_hash",)),
    "credential": (
        ("id",),
        ("uuid",),
        ("code",),
        ("organization_id", "holder_id", "program_key", "series"),
        ("organization_id", "status_index"),
    ),
    "credential_status_event": (("id",),),
    "content_version": (("id",), ("document_id", "number")),
    "field_hour_entry": (("id",),),
}


def _replace_guard(table: str, condition: str | None) -> str:
    keys = " OR ".join(
        "(" + " AND ".join(f"o.{c} = NEW.{c}" for c in key) + ")" for key in REPLACE_KEYS[table]
    )
    fixed = f" AND ({condition.replace('OLD.', 'o.')})" if condition else ""
    return f"EXISTS (SELECT 1 FROM {table} AS o WHERE ({keys}){fixed})"


PG_FUNCTION = """
CREATE OR REPLACE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], ERRCODE = 'integrity_constraint_violation';
END
$$
"""


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table, (condition, message) in GUARDED.items():
            when = f"WHEN ({condition}) " if condition else ""
            op.execute(
                f"CREATE TRIGGER {table}_refuse_change BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW {when}EXECUTE FUNCTION refuse_change('{message}')"
            )
            # TRUNCATE fires no row triggers.
            op.execute(
                f"CREATE TRIGGER {table}_refuse_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('{message}')"
            )
        return
    for table, (condition, message) in GUARDED.items():
        when = f"WHEN {condition} " if condition else ""
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_refuse_{verb.lower()} BEFORE {verb} ON {table} "
                f"FOR EACH ROW {when}BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
        op.execute(
            f"CREATE TRIGGER {table}_refuse_replace BEFORE INSERT ON {table} FOR EACH ROW "
            f"WHEN {_replace_guard(table, condition)} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for table in GUARDED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_refuse_change ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_refuse_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS refuse_change()")
        return
    for table in GUARDED:
        for verb in ("update", "delete", "replace"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_refuse_{verb}")
