"""What the acceptance tester still found after the first pass of issue 10, each as a test: a
backup or live database with a table dropped outside the app, a read that waited for someone
else's save, and an '@' in a password that the driver's error would have half printed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import FakeClock, Team
from tests.reliability.crash_fixtures import digest, run_cli
from trainer.cli import main
from trainer.core.backup import backup_sqlite, restore_sqlite
from trainer.core.db import Database, open_database
from trainer.core.errors import BackupError, DatabaseError
from trainer.core.models import Base
from trainer.core.paths import AppPaths
from trainer.core.preflight import SCHEMA_TABLES


def test_the_preflight_table_list_is_the_models_tables() -> None:
    assert frozenset(Base.metadata.tables) == SCHEMA_TABLES


def _drop(path: Path, table: str) -> None:
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA foreign_keys=OFF")
        con.execute(f"DROP TABLE {table}")
        con.commit()
    finally:
        con.close()


def test_a_backup_with_a_table_dropped_is_not_restored(
    sqlite_db: Database, sqlite_team: Team, paths: AppPaths, clock: FakeClock, tmp_path: Path
) -> None:
    backup = backup_sqlite(sqlite_db, tmp_path / "b.sqlite3", now=clock.now())
    _drop(backup, "field_hour_entry")
    sqlite_db.dispose()
    before = digest(paths.database)
    with pytest.raises(BackupError, match=r"tables were removed .*field_hour_entry"):
        restore_sqlite(paths, backup, now=clock.now())
    assert digest(paths.database) == before


def test_a_live_database_with_a_table_dropped_is_refused_naming_the_last_good_backup(
    sqlite_db: Database, sqlite_team: Team, paths: AppPaths, clock: FakeClock
) -> None:
    good = backup_sqlite(sqlite_db, paths.backups / "good.sqlite3", now=clock.now())
    sqlite_db.dispose()
    _drop(paths.database, "audit_entry")
    before = digest(paths.database)
    with pytest.raises(DatabaseError) as refused:
        open_database(paths)
    said = str(refused.value)
    assert "tables removed outside CVI Trainer: audit_entry" in said and str(good) in said
    assert digest(paths.database) == before


def test_audit_verify_reads_while_another_desktop_is_saving(
    sqlite_db: Database, sqlite_team: Team, paths: AppPaths
) -> None:
    sqlite_db.dispose()
    holder = sqlite3.connect(paths.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another desktop in the middle of a save, for 5 s and more
    try:
        done = run_cli("audit", "verify", "--data-dir", str(paths.data_dir))
    finally:
        holder.rollback()
        holder.close()
    assert done.returncode == 0, done.stderr
    assert "Audit log intact" in done.stdout


def test_an_at_sign_inside_a_password_is_refused_before_the_driver_can_print_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = "postgresql+psycopg://owner:S3c@ret@127.0.0.1:1/x"
    assert main(["seed-demo", "--database-url", url]) == 1
    err = capsys.readouterr().err
    assert "%40" in err and "ret" not in err.replace("***", "")
    assert len(err.strip().splitlines()) == 1
