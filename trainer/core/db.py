"""Opening the database: SQLite pragmas, pre-flight checks, migrations, sessions."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from trainer.core.errors import DatabaseError, DataLocationError
from trainer.core.paths import AppPaths

# Every Alembic revision this version of the app knows, oldest first. tests/core/test_db.py keeps
# this list equal to trainer/migrations/versions, so start-up can skip importing Alembic when the
# database is already current.
SCHEMA_REVISIONS = ("0001_initial",)
SCHEMA_HEAD = SCHEMA_REVISIONS[-1]

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000


def display_url(url: str) -> str:
    """The URL as it may be shown to a person: password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return "<unreadable database URL>"


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


def _check_data_dir(paths: AppPaths) -> None:
    try:
        paths.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataLocationError(
            f"Cannot create the data folder {paths.data_dir}: {exc.strerror}. "
            "Choose another folder with --data-dir DIR (or CVI_TRAINER_HOME)."
        ) from exc
    if not os.access(paths.data_dir, os.W_OK | os.X_OK) or (
        paths.database.exists() and not os.access(paths.database, os.R_OK | os.W_OK)
    ):
        raise DataLocationError(
            f"Cannot write to the data folder {paths.data_dir}. Fix its permissions or choose "
            "another folder with --data-dir DIR (or CVI_TRAINER_HOME)."
        )


def read_sqlite_revision(path: Path) -> str | None:
    """Schema revision of an existing SQLite file, read without changing it. Raises DatabaseError."""
    with open(path, "rb") as fh:
        header = fh.read(len(SQLITE_HEADER))
    if header and header != SQLITE_HEADER:
        raise DatabaseError(
            f"{path} is not a CVI Trainer database (it is not an SQLite file). Nothing was changed. "
            "Restore it from a backup, or open another data folder with --data-dir DIR."
        )
    if not header:
        return None  # an empty file: SQLite treats it as a new database
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            has_table = con.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
            ).fetchone()
            if not has_table:
                tables = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if tables:
                    raise DatabaseError(
                        f"{path} is an SQLite file but not a CVI Trainer database. Nothing was "
                        "changed. Open another data folder with --data-dir DIR."
                    )
                return None
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
            return row[0] if row else None
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(
            f"{path} is damaged and cannot be read ({exc}). Nothing was changed. Restore it from "
            "a backup (see README, 'Back up and restore'), or open another data folder."
        ) from exc


def _refuse_unknown(revision: str | None, where: str) -> None:
    if revision is not None and revision not in SCHEMA_REVISIONS:
        raise DatabaseError(
            f"The database at {where} was written by a newer version of CVI Trainer "
            f"(schema {revision}). It was left untouched. Install the newer version of "
            "CVI Trainer to open it, or choose another data folder."
        )


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
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parent.parent / "migrations"))
    cfg.attributes["connection"] = connection
    return cfg


def open_database(paths: AppPaths | None = None, url: str | None = None) -> Database:
    """Open (creating if needed) and migrate the database; refuse, untouched, what is not ours."""
    if url is None:
        if paths is None:
            raise ValueError("open_database needs paths or url")
        _check_data_dir(paths)
        where = str(paths.database)
        if paths.database.exists():
            _refuse_unknown(read_sqlite_revision(paths.database), where)
        url = paths.sqlite_url
    else:
        where = display_url(url)
        try:
            make_url(url)
        except SQLAlchemyError as exc:
            raise DatabaseError(
                f"'{url}' is not a database URL. Use e.g. postgresql+psycopg://user:pass@host/db."
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
        _refuse_unknown(revision, where)
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
