"""Back up and restore the embedded SQLite database (PostgreSQL uses its own tools)."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

from trainer.core.db import Database
from trainer.core.errors import BackupError, DatabaseError
from trainer.core.paths import AppPaths, app_is_running
from trainer.core.preflight import SCHEMA_REVISIONS, read_sqlite_revision


def backup_sqlite(db: Database, target: Path) -> Path:
    """A consistent copy of the live database (SQLite's online backup, safe while in use)."""
    if not db.is_sqlite:
        raise BackupError("This copy uses PostgreSQL: back it up with pg_dump (see README).")
    target = target.expanduser()
    if target.exists():
        raise BackupError(f"{target} already exists. Choose a new file name.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        raw = db.engine.raw_connection()
        try:
            dest = sqlite3.connect(partial)
            try:
                raw.driver_connection.backup(dest)  # type: ignore[union-attr]
            finally:
                dest.close()
        finally:
            raw.close()
        partial.replace(target)
    except (OSError, sqlite3.Error) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise BackupError(
            f"Cannot write the backup to {target}: {reason}. Choose a folder you can write to."
        ) from exc
    return target


def restore_sqlite(paths: AppPaths, source: Path, *, now: datetime) -> Path:
    """Replace the database with a backup; the replaced file is kept next to it. Returns that path.

    The app must not have the database open while this runs (the CLI command is used with the
    app closed).
    """
    source = source.expanduser()
    if not source.is_file():
        raise BackupError(f"{source} does not exist or is not a file.")
    try:
        revision = read_sqlite_revision(source)
    except DatabaseError as exc:
        raise BackupError(
            f"{source} is not a usable backup: it is not a CVI Trainer database "
            "or it is damaged. Choose another backup file."
        ) from exc
    if revision is None:
        raise BackupError(f"{source} is not a CVI Trainer backup (it has no schema version).")
    if revision not in SCHEMA_REVISIONS:
        raise BackupError(
            f"{source} was made by a newer version of CVI Trainer (schema "
            f"{revision}). Install that version to restore it."
        )
    check = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{source} is damaged (integrity check failed). Use another backup.")
    finally:
        check.close()
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    if app_is_running(paths):
        raise BackupError(f"CVI Trainer is open on {paths.data_dir}. Close it, then restore.")
    stamp = now.strftime("%Y%m%d-%H%M%S")
    kept = paths.database.with_name(f"{paths.database.name}.before-restore-{stamp}")
    counter = 1
    while kept.exists():  # never overwrite an earlier safety copy
        counter += 1
        kept = paths.database.with_name(f"{paths.database.name}.before-restore-{stamp}-{counter}")
    staging = paths.database.with_name(paths.database.name + ".restoring")
    shutil.copyfile(source, staging)
    if paths.database.exists():
        # Fold the WAL into the main file first, so the kept copy is complete on its own.
        con = sqlite3.connect(paths.database)
        try:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()
        paths.database.replace(kept)
    for suffix in ("-wal", "-shm"):
        Path(str(paths.database) + suffix).unlink(missing_ok=True)
    staging.replace(paths.database)
    return kept
