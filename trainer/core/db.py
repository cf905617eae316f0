"""Opening the database: SQLite pragmas, pre-flight checks, migrations, sessions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from trainer.core.errors import DatabaseError
from trainer.core.paths import AppPaths
from trainer.core.preflight import (
    SCHEMA_HEAD,
    SCHEMA_REVISIONS,
    preflight_sqlite,
    refuse_unknown,
)

BUSY_TIMEOUT_MS = 5000


def display_url(url: str) -> str:
    """The URL as it may be shown to a person: password hidden."""
    scheme, sep, rest = url.rpartition("://")
    if rest.count("@") < 2:  # else a password with an unescaped "@", which make_url would split
        try:
            return make_url(url).render_as_string(hide_password=True)
        except (SQLAlchemyError, ValueError):  # ValueError: a port that is not a number
            pass
    # Unparsable, but still someone's typing: keep the scheme and host, hide who and how.
    return f"{scheme}{sep}***@{rest.rpartition('@')[2]}" if "@" in rest else url


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # See sqlalchemy/dialects/sqlite/base.py "Foreign Key Support": per-connection pragmas.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for any SQLAlchemy URL; SQLite gets foreign keys, WAL and a busy timeout."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
    return engine


@dataclass
class Database:
    """The engine and session factory of one open database."""

    engine: Engine
    url: str

    def __post_init__(self) -> None:
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """One transaction, the scope of one user action: commits on success, rolls back on error."""
        with self.sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as con:
        if not engine.dialect.has_table(con, "alembic_version"):
            return None
        return con.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine) -> None:
    """Upgrade the schema to head with the migrations shipped in the package."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")


def alembic_config(connection: Any = None) -> Any:
    import sys

    from alembic.config import Config

    cfg = Config(stdout=sys.stdout)  # the default is bound to sys.stdout at alembic's import
    cfg.set_main_option(
        "script_location", str(Path(__file__).resolve().parent.parent / "migrations")
    )
    cfg.attributes["connection"] = connection
    return cfg


def open_database(paths: AppPaths | None = None, url: str | None = None) -> Database:
    """Open (creating if needed) and migrate the database; refuse, untouched, what is not ours."""
    if url is None:
        if paths is None:
            raise ValueError("open_database needs paths or url")
        preflight_sqlite(paths)
        where = str(paths.database)
        url = paths.sqlite_url
    else:
        where = display_url(url)
        try:
            make_url(url)
        except (SQLAlchemyError, ValueError) as exc:  # ValueError: a port that is not a number
            raise DatabaseError(
                f"'{where}' is not a database URL. Use e.g. "
                "postgresql+psycopg://user:pass@host:5432/db (the port, if given, is a number)."
            ) from exc
    try:
        engine = make_engine(url)
    except (SQLAlchemyError, ImportError) as exc:
        raise DatabaseError(
            f"Cannot use the database {where}: {exc}. For PostgreSQL install the driver with "
            "pip install 'cvi-trainer[postgres]'."
        ) from exc
    try:
        revision = current_revision(engine)
        refuse_unknown(revision, where)
        if revision != SCHEMA_HEAD:
            migrate(engine)
    except DatabaseError:
        engine.dispose()
        raise
    except (SQLAlchemyError, OSError) as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseError(
            f"Cannot open the database {where}: {reason}. Check that the server is running "
            "and the URL, user and password are right, or leave out --database-url to use the "
            "built-in SQLite database."
        ) from exc
    return Database(engine=engine, url=url)


__all__ = ["SCHEMA_HEAD", "SCHEMA_REVISIONS", "Database", "make_engine", "migrate", "open_database"]
