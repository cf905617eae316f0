"""Opening the database: SQLite pragmas, pre-flight checks, migrations, sessions."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from trainer.core.db_roles import may_migrate
from trainer.core.errors import DatabaseBusyError, DatabaseError
from trainer.core.paths import AppPaths
from trainer.core.preflight import (
    SCHEMA_HEAD,
    SCHEMA_REVISIONS,
    preflight_sqlite,
    refuse_unknown,
)

T = TypeVar("T")

# How long one attempt waits for a lock another desktop holds (SQLite busy_timeout, PostgreSQL
# lock_timeout), and how many attempts Database.run makes before saying so.
BUSY_TIMEOUT_MS = 5000
ATTEMPTS = 3
BUSY_MESSAGE = "Another person is saving right now, so nothing was saved. Try again in a moment."

# Errors that mean "another writer got in the way", not "this action is wrong": SQLite busy or
# locked; PostgreSQL serialization failure, deadlock, lock timeout, and a unique key taken by a
# transaction that committed first (a check-then-insert race; the retry re-checks and says why).
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
_PG_TRANSIENT = {"40001", "40P01", "55P03", "23505"}


def is_transient(exc: DBAPIError) -> bool:
    """True when trying the same action again, from the start, may well succeed."""
    orig = exc.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return (getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)) in _PG_TRANSIENT


# libpq also takes the password as a query parameter: ...@host/db?password=secret
_QUERY_PASSWORD = re.compile(r"([?&](?:ssl)?password=)[^&#]*", re.IGNORECASE)


def display_url(url: str) -> str:
    """The URL as it may be shown to a person: password hidden."""
    return _QUERY_PASSWORD.sub(r"\1***", _without_user_password(url))


def _without_user_password(url: str) -> str:
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
    # pysqlite's own BEGIN comes late (before the first INSERT/UPDATE, after the reads it was
    # based on) and deferred; _on_sqlite_begin emits ours instead. See sqlalchemy
    # dialects/sqlite/pysqlite.py, "Serializable isolation / Savepoints / Transactional DDL".
    dbapi_connection.isolation_level = None


READ_ONLY = "cvi_read_only"  # execution option: a transaction that only reads (Database.read)


def _on_sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock before the first read, waiting up to busy_timeout for it: a
    # deferred transaction that reads, then writes, cannot wait (SQLite refuses the upgrade at
    # once when another connection writes) and would act on what it read before the other
    # writer's commit. Readers are not blocked (WAL); writers take turns, each for milliseconds.
    # A transaction that only reads needs no turn: it sees the last commit and waits for nobody.
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _on_postgres_connect(dbapi_connection: Any, _record: Any) -> None:
    # A lock held by another desktop (the audit log's turn, a row) is waited for this long, then
    # reported, instead of forever. Set outside a transaction so a rollback does not undo it.
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    cursor = dbapi_connection.cursor()
    cursor.execute(f"SET lock_timeout = {int(BUSY_TIMEOUT_MS)}")
    cursor.close()
    dbapi_connection.autocommit = autocommit


def make_engine(url: str) -> Engine:
    """An engine for any SQLAlchemy URL; SQLite gets foreign keys, WAL, a busy timeout and
    transactions that take the write lock up front; PostgreSQL a lock timeout."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _on_postgres_connect)
    return engine


@contextmanager
def _transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session in one transaction; a transient conflict is a DatabaseBusyError after rollback."""
    try:
        with sessions.begin() as session:
            yield session
    except DBAPIError as exc:
        if is_transient(exc):
            raise DatabaseBusyError(BUSY_MESSAGE) from exc
        raise


@dataclass
class Database:
    """The engine and session factory of one open database."""

    engine: Engine
    url: str

    def __post_init__(self) -> None:
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )

    def read(self) -> AbstractContextManager[Session]:
        """A transaction that only reads: on SQLite it does not wait for another desktop's save
        (it sees the last commit). Writing in it may fail with DatabaseBusyError; use begin()."""
        return _transaction(self._readers)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def begin(self) -> AbstractContextManager[Session]:
        """One transaction, the scope of one user action: commits on success, rolls back on error.

        Another writer holding the lock past the timeout (or, on PostgreSQL, a conflict with one)
        is a DatabaseBusyError after the rollback; Database.run tries the action again first."""
        return _transaction(self.sessions)

    def run(self, action: Callable[[Session], T], *, attempts: int = ATTEMPTS) -> T:
        """`action(session)` in one transaction; when another writer got in the way, rolled back
        and run again from the start (`action` must only work in the database), at most
        `attempts` times, then DatabaseBusyError."""

        def once() -> T:
            with self.begin() as session:
                return action(session)

        return retrying(once, attempts=attempts)

    def dispose(self) -> None:
        self.engine.dispose()


def retrying(action: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """`action()`, a whole transaction, tried again after a short random pause when it ends in
    DatabaseBusyError, at most `attempts` times (then the error goes to the person)."""
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except DatabaseBusyError:
            if attempt == attempts:
                raise
            time.sleep(random.uniform(0.05, 0.25) * attempt)  # apart, not in step again
    raise AssertionError("unreachable")


def current_revision(engine: Engine) -> str | None:
    with engine.connect().execution_options(**{READ_ONLY: True}) as con:
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
        if re.split(r"[/?#]", url.rpartition("://")[2], maxsplit=1)[0].count("@") > 1:
            # make_url would take the end of the password for the host, and the driver's error
            # would then print it.
            raise DatabaseError(
                f"'{where}' has more than one '@' before the host. Write an '@' in the user "
                "name or password as %40 (p@ss becomes p%40ss)."
            )
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
            with engine.connect() as con:
                owner = may_migrate(con)
            if not owner:  # the application role: migrations are the owner's (db setup)
                raise DatabaseError(
                    f"The database schema at {where} is "
                    + ("older than this app" if revision else "not set up yet")
                    + "; ask whoever runs the server to run `cvi-trainer db setup`."
                )
            migrate(engine)
    except DatabaseError:
        engine.dispose()
        raise
    except (SQLAlchemyError, OSError) as exc:
        engine.dispose()
        if isinstance(exc, DBAPIError) and is_transient(exc):
            raise DatabaseBusyError(BUSY_MESSAGE) from exc
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseError(
            f"Cannot open the database {where}: {reason}. Check that the server is running "
            "and the URL, user and password are right, or leave out --database-url to use the "
            "built-in SQLite database."
        ) from exc
    return Database(engine=engine, url=url)


__all__ = ["SCHEMA_HEAD", "SCHEMA_REVISIONS", "Database", "make_engine", "migrate", "open_database"]
