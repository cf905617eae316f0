"""PostgreSQL roles: the owner role creates and migrates the schema (`cvi-trainer db setup`);
desktops connect as an application role that may add records but not rewrite history."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from trainer.core.errors import DatabaseError, ValidationError
from trainer.core.models import Base

if TYPE_CHECKING:
    from trainer.core.db import Database

DEFAULT_APP_ROLE = "cvi_trainer_app"
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")

# Tables that are never changed: desktops may read and add rows, nothing else. The triggers of
# migration 0007 refuse the same to the owner (and to SQLite).
APPEND_ONLY = frozenset({"audit_entry", "credential", "credential_status_event"})
# The app deletes rows only from these (a discarded draft, a changed role or policy text, an
# issuer's replaced keys); 0007's trigger refuses deleting a published content version.
DELETED_BY_APP = frozenset(
    {"content_version", "person_role", "policy_text", "trusted_key", "imported_status_list"}
)
# A content version is updated until published and a field-hour entry until reviewed: the role
# keeps UPDATE on those two tables and the trigger refuses the rest.

_OWNER_OF_SCHEMA = """
SELECT CASE WHEN to_regclass('alembic_version') IS NULL
            THEN coalesce(has_schema_privilege(current_schema(), 'CREATE'), false)
            ELSE pg_has_role(
                (SELECT relowner FROM pg_class WHERE oid = to_regclass('alembic_version')), 'USAGE')
       END
"""


def table_privileges(table: str) -> str:
    """What the application role may do to one table."""
    if table == "alembic_version":
        return "SELECT"
    if table in APPEND_ONLY:
        return "SELECT, INSERT"
    return "SELECT, INSERT, UPDATE" + (", DELETE" if table in DELETED_BY_APP else "")


def may_migrate(connection: Connection) -> bool:
    """Whether this connection's user may create or upgrade the schema (always, on SQLite)."""
    if connection.dialect.name != "postgresql":
        return True
    return bool(connection.execute(text(_OWNER_OF_SCHEMA)).scalar())


def check_role_name(role: str) -> None:
    if not ROLE_NAME.fullmatch(role) or role.startswith("pg_"):
        raise ValidationError(
            f"--app-role: '{role}' is not a usable role name. Use lower-case letters, digits and "
            "underscores (at most 63, not starting with a digit or pg_), e.g. "
            f"{DEFAULT_APP_ROLE}.",
            "app_role",
        )


def role_exists(db: Database, role: str) -> bool:
    with db.engine.connect() as con:
        found = con.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
        return found.first() is not None


@dataclass(frozen=True)
class AppRoleSetup:
    role: str
    created: bool
    password_set: bool
    revision: str
    app_url: str  # for people: the password shown as ***


def application_url(owner_url: str, role: str) -> str:
    """The owner's URL with the application role as user, its password masked."""
    # The owner's password may also sit in the query (?password=...): not the role's, and secret.
    url = make_url(owner_url).difference_update_query(["password", "sslpassword"])
    return url.set(username=role, password="password").render_as_string(hide_password=True)


def _password_sql(con: Connection, role: str, password: str) -> str:
    # Hashed here (SCRAM, as the server is configured) when the driver can, so the password
    # itself never reaches the server's statement log.
    raw: Any = con.connection.dbapi_connection
    pgconn = getattr(raw, "pgconn", None)
    if pgconn is not None:
        password = pgconn.encrypt_password(password.encode(), role.encode(), None).decode()
    return "'" + password.replace("'", "''") + "'"


def set_up_app_role(db: Database, role: str, password: str | None) -> AppRoleSetup:
    """Create the application role if missing (LOGIN), set its password when one is given, and
    grant it exactly what desktops use. Idempotent: run again after every schema upgrade."""
    check_role_name(role)
    if db.engine.dialect.name != "postgresql":
        raise DatabaseError("Application roles exist on PostgreSQL only.")
    require_owner(db)
    try:
        with db.engine.begin() as con:
            return _set_up(con, db.url, role, password)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseError(f"Could not set up the application role {role}: {reason}.") from exc


def require_owner(db: Database) -> None:
    with db.engine.connect() as con:
        owner = may_migrate(con)
    if not owner:
        raise DatabaseError(
            "db setup needs the URL of the role that owns the database's tables (the owner "
            "URL), not the application URL desktops use."
        )


def _set_up(con: Connection, owner_url: str, role: str, password: str | None) -> AppRoleSetup:
    q = con.dialect.identifier_preparer.quote
    exists = con.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
    if exists is None:
        if not password:
            raise ValidationError(f"The new role {role} needs a password.", "app_password")
        try:
            with con.begin_nested():
                con.exec_driver_sql(
                    f"CREATE ROLE {q(role)} LOGIN PASSWORD {_password_sql(con, role, password)}"
                )
        except SQLAlchemyError as exc:
            if getattr(getattr(exc, "orig", None), "sqlstate", None) != "42501":  # no privilege
                raise
            raise DatabaseError(
                f"The owner role may not create roles, so {role} was not created. Create it once "
                f"as a superuser (CREATE ROLE {role} LOGIN PASSWORD '...'), or give the owner "
                "CREATEROLE, then run db setup again."
            ) from exc
    else:
        owner = con.execute(
            text(
                "SELECT pg_has_role(:r, (SELECT relowner FROM pg_class "
                "WHERE oid = to_regclass('alembic_version')), 'USAGE')"
            ),
            {"r": role},
        ).scalar()
        if owner:
            raise ValidationError(
                f"--app-role: {role} owns the tables (or is a superuser or a member of their "
                "owner), so nothing would stop it rewriting history. Choose a separate role.",
                "app_role",
            )
        login = f" PASSWORD {_password_sql(con, role, password)}" if password else ""
        con.exec_driver_sql(f"ALTER ROLE {q(role)} LOGIN{login}")
    database, schema = con.execute(text("SELECT current_database(), current_schema()")).one()
    grantee, where = q(role), q(schema)
    statements = [
        # From nothing, so a privilege an earlier version granted does not outlive it.
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {where} FROM {grantee}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {where} FROM {grantee}",
        f"GRANT CONNECT ON DATABASE {q(database)} TO {grantee}",
        f"GRANT USAGE ON SCHEMA {where} TO {grantee}",
        *(
            f"GRANT {table_privileges(table)} ON {where}.{q(table)} TO {grantee}"
            for table in ["alembic_version", *Base.metadata.tables]
        ),
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {where} TO {grantee}",
    ]
    for statement in statements:
        con.exec_driver_sql(statement)
    revision = con.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    return AppRoleSetup(
        role=role,
        created=exists is None,
        password_set=bool(password),
        revision=revision,
        app_url=application_url(owner_url, role),
    )
