"""Backup and restore of the embedded database round-trip every record."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PASSWORD, Team
from trainer.core.backup import backup_sqlite, restore_sqlite
from trainer.core.db import open_database
from trainer.core.errors import BackupError
from trainer.core.models import Role
from trainer.core.services import accounts


def test_backup_then_restore_brings_back_the_state_at_backup_time(
    sqlite_team: Team, sqlite_db, paths, clock, tmp_path: Path
) -> None:
    backup = backup_sqlite(sqlite_db, tmp_path / "backups" / "monday.sqlite3")
    with sqlite_db.begin() as session:  # work done after the backup...
        accounts.add_person(
            session,
            sqlite_team.admin,
            accounts.NewPerson("later", "Added Later", frozenset({Role.TRAINEE}), PASSWORD),
            now=clock.now(),
        )
    sqlite_db.dispose()
    kept = restore_sqlite(paths, backup, now=clock.now())
    restored = open_database(paths)
    try:
        with restored.begin() as session:
            names = {p.username for p in accounts.list_people(session, sqlite_team.admin)}
            assert names == {"ada", "tina", "manny", "tom", "tess"}
            assert accounts.sign_in(session, "tom", PASSWORD, now=clock.now()).person
    finally:
        restored.dispose()
    # ...is not lost: the replaced database is kept beside it.
    assert kept.exists() and kept.name.startswith("cvi-trainer.sqlite3.before-restore-")


def test_backup_refuses_to_overwrite(sqlite_db, tmp_path: Path) -> None:
    target = tmp_path / "exists.sqlite3"
    target.write_text("precious")
    with pytest.raises(BackupError, match="already exists"):
        backup_sqlite(sqlite_db, target)
    assert target.read_text() == "precious"


def test_restoring_something_that_is_not_a_backup_changes_nothing(
    sqlite_team: Team, sqlite_db, paths, clock, tmp_path: Path
) -> None:
    sqlite_db.dispose()
    before = paths.database.read_bytes()
    junk = tmp_path / "holiday-photo.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0 not a database")
    with pytest.raises(BackupError, match=r"holiday-photo\.jpg is not a usable backup"):
        restore_sqlite(paths, junk, now=clock.now())
    assert paths.database.read_bytes() == before


def test_two_restores_in_the_same_second_keep_both_safety_copies(
    sqlite_team: Team, sqlite_db, paths, clock, tmp_path: Path
) -> None:
    backup = backup_sqlite(sqlite_db, tmp_path / "b.sqlite3")
    sqlite_db.dispose()
    first = restore_sqlite(paths, backup, now=clock.now())
    second = restore_sqlite(paths, backup, now=clock.now())
    assert first != second and first.exists() and second.exists()


def test_restore_is_refused_while_the_app_has_the_folder_open(
    sqlite_team: Team, sqlite_db, paths, clock, tmp_path: Path
) -> None:
    backup = backup_sqlite(sqlite_db, tmp_path / "b.sqlite3")
    sqlite_db.dispose()
    paths.lock_file.write_text("1")  # process 1 is always alive
    with pytest.raises(BackupError, match="CVI Trainer is open on"):
        restore_sqlite(paths, backup, now=clock.now())


def test_backup_to_a_place_that_cannot_be_written_says_so(sqlite_db, tmp_path: Path) -> None:
    with pytest.raises(BackupError, match=r"Cannot write the backup to /proc/nope\.sqlite3"):
        backup_sqlite(sqlite_db, Path("/proc/nope.sqlite3"))
