"""Test organizations built once per run and copied into each test's database.

Building the team (five Argon2 password hashes) and the organization (the bundled content and a
signing key) took about two seconds a test. Each is now built once, the slow way, into a template
SQLite file, and copied with SQLite's backup API into a test's freshly migrated database. The copy
is used only when the result is exactly what building would give:

- the test's database is SQLite and holds exactly what the template was built on (compared row
  by row: an empty migrated database for a team; the very team for an organization);
- the test's clock reads the time baked into the template's rows (FakeClock's start).

An empty migrated database is kept the same way and copied (as a file) by the `db` and
`sqlite_db` fixtures before they open it.

Otherwise the caller builds the slow way, as before (PostgreSQL, another clock, a database
already changed). A test that makes a second (third...) organization gets a second template, so
each of its organizations still has its own uid, passwords, key and audit chain."""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from trainer.core.db import Database, open_database
from trainer.core.paths import AppPaths

# What FakeClock() reads before a test moves it (tests/conftest.py): the time in every template.
BUILT_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Template:
    file: Path
    base: str  # the content digest of the database it was built on


_templates: dict[str, Template] = {}
_folder: list[Path] = []
_used_this_test = [0]


def new_test() -> None:
    """Called before each test: its first organization is slot 0 again."""
    _used_this_test[0] = 0


def next_slot() -> int:
    slot = _used_this_test[0]
    _used_this_test[0] += 1
    return slot


def _templates_folder() -> Path:
    if not _folder:
        folder = Path(tempfile.mkdtemp(prefix="cvi-test-templates-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _folder.append(folder)
    return _folder[0]


def digest(con: sqlite3.Connection) -> str:
    """Every table's rows, in a stable order. (Not the tables' SQL: batch migrations write a
    table's constraints in a different order each time; alembic_version pins the schema.)"""
    h = hashlib.sha256()
    tables = con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall()
    for (name,) in tables:
        h.update(f"{name}\n".encode())
        for row in sorted(repr(r) for r in con.execute(f'SELECT * FROM "{name}"')):
            h.update(row.encode())
    return h.hexdigest()


def _build(name: str, base: str | None, build: Callable[[Database, datetime], None]) -> Template:
    paths = AppPaths(_templates_folder() / name)
    paths.data_dir.mkdir(parents=True)
    if base is not None:
        with closing(sqlite3.connect(_templates[base].file)) as src:
            with closing(sqlite3.connect(paths.database)) as dst:
                src.backup(dst)
    database = open_database(paths)
    try:
        with database.engine.connect() as con:
            base_digest = digest(con.connection.dbapi_connection)  # type: ignore[arg-type]
        build(database, BUILT_AT)
    finally:
        database.dispose()
    # Outside any transaction (the app's connections begin IMMEDIATE): fold the -wal into the file.
    with closing(sqlite3.connect(paths.database)) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return Template(paths.database, base_digest)


def empty_database(paths: AppPaths) -> None:
    """Put a freshly migrated, empty database where `paths` keeps its database, so opening it
    skips running every migration (a fifth of a second a test). Folder and file get the modes
    the app gives them (0700, 0600)."""
    if "empty" not in _templates:
        _templates["empty"] = _build("empty", None, lambda db, at: None)
    paths.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(paths.database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, _templates["empty"].file.open("rb") as src:
        shutil.copyfileobj(src, out)


def copy_into(
    database: Database,
    now: datetime,
    name: str,
    build: Callable[[Database, datetime], None],
    *,
    base: str | None = None,
) -> bool:
    """Copy template `name` into `database` if that gives exactly what `build` would; building
    the template first (on a copy of template `base`, or an empty database) if this run has not
    yet. False: the caller must build the slow way."""
    if not database.is_sqlite or now != BUILT_AT:
        return False
    if name not in _templates:
        _templates[name] = _build(name, base, build)
    template = _templates[name]
    with database.engine.connect() as con:
        live = con.connection.dbapi_connection
        assert isinstance(live, sqlite3.Connection)
        if digest(live) != template.base:
            return False
        with closing(sqlite3.connect(template.file)) as src:
            src.backup(live)
    return True
