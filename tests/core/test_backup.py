"""Backup and restore of the embedded database round-trip every record."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PASSWORD, Team
from tests.core.audit_fixtures import add_signing_key, some_history
from tests.tampering import drop_guards
from trainer.core.audit import check_claim, current_head
from trainer.core.backup import (
    backup_sqlite,
    head_file_of,
    read_backup_head,
    restore_sqlite,
)
from trainer.core.db import open_database
from trainer.core.errors import AuditHeadError, BackupError
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


def test_a_backup_carries_its_audit_head_beside_it(
    sqlite_team: Team, sqlite_db, clock, tmp_path: Path
) -> None:
    with sqlite_db.begin() as session:
        head = current_head(session)
    made_at = clock.now()
    backup = backup_sqlite(sqlite_db, tmp_path / "b.sqlite3", now=made_at)
    some_history(sqlite_db, clock)  # the live log goes on; the backup's head does not
    carried = read_backup_head(backup)
    assert head_file_of(backup) == tmp_path / "b.sqlite3.head.json"
    assert carried.own.head == head and carried.beside is not None
    assert carried.beside.head == head and carried.agree
    assert carried.beside.at == made_at and carried.beside.token is None
    assert not list(tmp_path.glob("*.partial"))
    assert not list(tmp_path.glob("b.sqlite3-*"))  # one self-contained file, even after reading


def test_a_backup_head_is_signed_when_the_key_is_unlocked(
    sqlite_team: Team, sqlite_db, clock, tmp_path: Path
) -> None:
    key = add_signing_key(sqlite_db, clock, sqlite_team.admin)
    backup = backup_sqlite(sqlite_db, tmp_path / "b.sqlite3", key=key, now=clock.now())
    carried = read_backup_head(backup)
    assert carried.beside.token is not None and carried.agree
    with sqlite_db.begin() as session:
        assert check_claim(session, carried.beside, "b").state == "verified"


def test_a_backup_edited_after_it_was_made_disagrees_with_its_head_file(
    sqlite_team: Team, sqlite_db, clock, tmp_path: Path
) -> None:
    import sqlite3

    backup = backup_sqlite(sqlite_db, tmp_path / "b.sqlite3", now=clock.now())
    con = sqlite3.connect(backup)
    drop_guards(con)
    con.execute("DELETE FROM audit_entry WHERE id = (SELECT max(id) FROM audit_entry)")
    con.commit()
    con.close()
    assert not read_backup_head(backup).agree


def test_a_file_that_is_not_a_backup_has_no_head(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(AuditHeadError, match=r"junk\.sqlite3 cannot be read as a CVI Trainer"):
        read_backup_head(junk)
