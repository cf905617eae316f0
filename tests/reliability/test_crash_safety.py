"""Backup, restore and batch issuance survive a kill -9 at any step, a source whose last changes are
still in its -wal, and damaged files: the database is always wholly the old or wholly the new
one, every record whole, and the person is told what happened."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, FakeClock, Team, make_person
from tests.core.credential_fixtures import PASSPHRASE, Org
from tests.reliability.crash_fixtures import (
    KILLED,
    Folders,
    assert_whole,
    build_folders,
    contact,
    corrupt_middle,
    digest,
    integrity,
    last_action,
    leave_in_wal,
    run_cli,
    usernames,
)
from trainer.cli import main
from trainer.core.audit import verify_chain
from trainer.core.backup import COPY_STEP_PAGES, backup_sqlite, restore_sqlite
from trainer.core.db import Database, make_engine, open_database
from trainer.core.errors import BackupError
from trainer.core.models import AuditEntry, Credential, Role
from trainer.core.paths import AppPaths
from trainer.core.preflight import is_good_copy, preflight_sqlite
from trainer.core.services import credential_register


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> Folders:
    return build_folders(tmp_path_factory.mktemp("crash-template"))


@pytest.fixture
def copied(folders: Folders, tmp_path: Path) -> tuple[AppPaths, Path]:
    return folders.copy_to(tmp_path)


def _next_start(capsys: pytest.CaptureFixture[str], paths: AppPaths) -> tuple[int, str]:
    """What the next command run on the folder does and says (audit verify: it opens the
    database like any command, then walks the audit chain)."""
    capsys.readouterr()
    code = main(["audit", "verify", "--data-dir", str(paths.data_dir)])
    return code, capsys.readouterr().err


# --- restore --------------------------------------------------------------------------------

ROLLED_BACK = ("restore:after-journal", "restore:mid-copy", "restore:after-copy")
FINISHED = ("restore:after-phase", "restore:after-keep", "restore:after-wal", "restore:after-swap")


def test_the_template_is_big_enough_to_be_killed_mid_copy(folders: Folders) -> None:
    con = sqlite3.connect(folders.monday)
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    assert pages > 2 * COPY_STEP_PAGES


@pytest.mark.parametrize("point", ROLLED_BACK + FINISHED)
def test_restore_killed_at_any_step_leaves_the_old_or_the_new_database_and_says_which(
    copied: tuple[AppPaths, Path], point: str, capsys: pytest.CaptureFixture[str]
) -> None:
    paths, monday = copied
    leave_in_wal(paths.database, "UPDATE organization SET contact = 'only in the wal'")
    done = run_cli("restore", str(monday), "--data-dir", str(paths.data_dir), crash_at=point)
    assert done.returncode == KILLED, done.stderr

    code, said = _next_start(capsys, paths)
    assert code == 0, said
    people = assert_whole(paths)
    if point in ROLLED_BACK:
        assert "rolled back and the database is as it was before" in said
        assert people == Folders.OLD and contact(paths.database) == "only in the wal"
    else:
        assert "has now been finished" in said and "monday.sqlite3" in said
        assert people == Folders.NEW
        assert last_action(paths.database) == "database.restored"
        [kept] = paths.data_dir.glob("*.before-restore-*[0-9]")
        assert contact(paths.database) != "only in the wal"
        # Nothing of the old database is lost either, not even what was in its -wal.
        assert usernames(kept) == Folders.OLD and contact(kept) == "only in the wal"
    assert sorted(p.name for p in paths.data_dir.iterdir() if "restor" in p.name) == (
        [] if point in ROLLED_BACK else [kept.name]
    )
    code, said = _next_start(capsys, paths)  # said once, then never again
    assert code == 0 and said == ""


def test_restore_after_an_interrupted_one_works(
    copied: tuple[AppPaths, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    paths, monday = copied
    killed = run_cli(
        "restore", str(monday), "--data-dir", str(paths.data_dir), crash_at="restore:mid-copy"
    )
    assert killed.returncode == KILLED
    capsys.readouterr()
    assert main(["restore", str(monday), "--data-dir", str(paths.data_dir)]) == 0
    assert "rolled back" in capsys.readouterr().err
    assert assert_whole(paths) == Folders.NEW


def test_restore_takes_changes_still_in_the_sources_wal(
    copied: tuple[AppPaths, Path], tmp_path: Path, clock: FakeClock
) -> None:
    paths, monday = copied
    source = tmp_path / "friday.sqlite3"
    shutil.copyfile(monday, source)
    writer = sqlite3.connect(source)  # another program still has it open
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("UPDATE organization SET name = 'Renamed on Friday'")
        writer.commit()
        assert Path(f"{source}-wal").stat().st_size > 0
        assert b"Renamed on Friday" not in source.read_bytes()  # only in the -wal
        before = digest(source)

        restore_sqlite(paths, source, now=clock.now())

        assert digest(source) == before  # the source is read, never written
    finally:
        writer.close()
    con = sqlite3.connect(paths.database)
    assert con.execute("SELECT name FROM organization").fetchone()[0] == "Renamed on Friday"
    con.close()
    assert assert_whole(paths) == Folders.NEW


def test_a_backup_with_damaged_pages_is_refused_in_one_line(
    copied: tuple[AppPaths, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    paths, monday = copied
    corrupt_middle(monday)
    before = digest(paths.database)
    capsys.readouterr()
    assert main(["restore", str(monday), "--data-dir", str(paths.data_dir)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"cvi-trainer: {monday} is damaged (") and err.count("\n") == 1
    assert "Traceback" not in err
    assert digest(paths.database) == before
    assert sorted(p.name for p in paths.data_dir.iterdir()) == [paths.database.name]


# --- backup ---------------------------------------------------------------------------------

BACKUP_POINTS = ("backup:mid-copy", "backup:after-copy", "backup:after-rename", "backup:after-head")


@pytest.mark.parametrize("point", BACKUP_POINTS)
def test_backup_killed_at_any_step_leaves_the_database_whole(
    copied: tuple[AppPaths, Path], tmp_path: Path, point: str
) -> None:
    paths, _ = copied
    target = tmp_path / "usb" / "tuesday.sqlite3"
    done = run_cli("backup", "-o", str(target), "--data-dir", str(paths.data_dir), crash_at=point)
    assert done.returncode == KILLED, done.stderr
    assert assert_whole(paths) == Folders.OLD
    # The backup is there and good, or not there (a part-written copy never has its name).
    assert (not target.exists()) if point in BACKUP_POINTS[:2] else is_good_copy(target)
    again = run_cli("backup", "-o", str(tmp_path / "usb" / "retry.sqlite3"), "--data-dir",
                    str(paths.data_dir))  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert is_good_copy(tmp_path / "usb" / "retry.sqlite3")


def test_backup_of_a_damaged_database_fails_and_leaves_no_file(
    copied: tuple[AppPaths, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths, _ = copied
    corrupt_middle(paths.database)
    out = tmp_path / "out"
    out.mkdir()
    capsys.readouterr()
    assert main(["backup", "-o", str(out / "b.sqlite3"), "--data-dir", str(paths.data_dir)]) == 1
    err = capsys.readouterr().err
    assert f"{paths.database} is damaged" in err and err.count("\n") == 1
    assert list(out.iterdir()) == []
    # The same from a window that had the database open before it was damaged.
    db = Database(make_engine(paths.sqlite_url), paths.sqlite_url)
    try:
        with pytest.raises(BackupError, match=r"^The database is damaged \("):
            backup_sqlite(db, out / "b.sqlite3")
    finally:
        db.dispose()
    assert list(out.iterdir()) == []


def test_a_damaged_database_is_refused_at_start_naming_the_last_good_backup(
    copied: tuple[AppPaths, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    paths, monday = copied
    paths.backups.mkdir()
    good = paths.backups / "cvi-trainer-20260301-090000.sqlite3"
    shutil.copyfile(monday, good)
    newer_but_damaged = paths.backups / "cvi-trainer-20260302-090000.sqlite3"
    shutil.copyfile(monday, newer_but_damaged)
    corrupt_middle(newer_but_damaged)
    corrupt_middle(paths.database)
    before = digest(paths.database)

    capsys.readouterr()
    assert main(["people", "list", "--as", "ada", "--data-dir", str(paths.data_dir)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"cvi-trainer: {paths.database} is damaged (")
    assert f"The last good backup is {good}" in err and err.count("\n") == 1

    gui = run_cli("--data-dir", str(paths.data_dir), QT_QPA_PLATFORM="offscreen")
    assert gui.returncode == 1
    assert f"{paths.database} is damaged" in gui.stderr and str(good) in gui.stderr
    assert "Traceback" not in gui.stderr
    assert digest(paths.database) == before  # never written to

    # The way out it names works.
    assert main(["restore", str(good), "--data-dir", str(paths.data_dir)]) == 0
    assert assert_whole(paths) == Folders.NEW


def test_backup_and_restore_are_in_the_audit_log(
    copied: tuple[AppPaths, Path], tmp_path: Path, clock: FakeClock
) -> None:
    paths, _ = copied
    db = open_database(paths)
    try:
        written = backup_sqlite(db, tmp_path / "wed.sqlite3", now=clock.now())
    finally:
        db.dispose()
    assert last_action(paths.database) == "database.backed_up"
    restore_sqlite(paths, written, now=clock.now(), by="ada")
    con = sqlite3.connect(paths.database)
    action, target, details = con.execute(
        "SELECT action, target, details FROM audit_entry ORDER BY id DESC"
    ).fetchone()
    con.close()
    assert (action, target) == ("database.restored", "wed.sqlite3")
    assert json.loads(details)["source"] == str(written) and json.loads(details)["by"] == "ada"
    assert preflight_sqlite(paths).notice is None


# --- batch issuance -------------------------------------------------------------------------

HOLDERS = ("ann", "bob", "cat", "dan")


@pytest.fixture(scope="module")
def issuing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An organization with the shipped content, an issuing key and four people eligible for
    Orientation; returns its database file."""
    paths = AppPaths(tmp_path_factory.mktemp("issuing") / "data")
    db = open_database(paths)
    clock = FakeClock()
    try:
        org = Org(db, clock, Team(db, clock))
        for name in HOLDERS:
            org.ready(make_person(db, clock, org.team.admin, name, Role.TRAINEE))
    finally:
        db.dispose()
    return paths.database


def _credentials(paths: AppPaths) -> dict[str, Credential]:
    db = open_database(paths)
    try:
        with db.begin() as session:
            from sqlalchemy import select

            rows = session.scalars(select(Credential)).all()
            issued = {
                json.loads(e.details)["credential"]
                for e in session.scalars(
                    select(AuditEntry).where(AuditEntry.action == "credential.issued")
                )
            }
            assert issued == {c.uuid for c in rows}  # an audit entry for each, and no more
            manager = next(p for p in _people(session) if p.username == "manny")
            for c in rows:  # each whole: signed badge, QR, evidence, a PDF that renders
                assert c.badge_jwt.count(".") == 2 and c.qr_token and c.status_index >= 0
                assert json.loads(c.certificate)["evidence"]
                pdf = credential_register.certificate_pdf(session, manager, c.id)
                assert pdf.startswith(b"%PDF")
            assert verify_chain(session).intact
            return {c.holder_name.split()[0].lower(): c for c in rows}
    finally:
        db.dispose()


def _people(session):
    from sqlalchemy import select

    from trainer.core.models import Person

    return session.scalars(select(Person)).all()


@pytest.mark.parametrize(
    ("point", "whole"), [("issue:before-commit@2", 1), ("issue:after-commit@2", 2)]
)
def test_batch_issuance_killed_midway_leaves_every_credential_whole(
    issuing: Path, tmp_path: Path, point: str, whole: int
) -> None:
    paths = AppPaths(tmp_path / "data")
    paths.data_dir.mkdir()
    shutil.copyfile(issuing, paths.database)
    env = {"CVI_TRAINER_PASSWORD": PASSWORD, "CVI_TRAINER_SIGNING_PASSPHRASE": PASSPHRASE}
    argv = ("credentials", "issue", "orientation", *HOLDERS, "--as", "manny")
    killed = run_cli(*argv, "--data-dir", str(paths.data_dir), crash_at=point, **env)
    assert killed.returncode == KILLED, killed.stderr
    assert integrity(paths.database) == "ok"
    assert sorted(_credentials(paths)) == sorted(HOLDERS[:whole])

    again = run_cli(*argv, "--data-dir", str(paths.data_dir), **env)  # the manager tries again
    assert sorted(_credentials(paths)) == sorted(HOLDERS)  # each person once, none half-issued
    assert again.stdout.count("Issued ") == len(HOLDERS) - whole
