"""Personal records are readable only by their owner: on POSIX the data folder is 0700 and every
file the app writes (database and its -wal/-shm/-journal, backups and their head files, the copy
kept by a restore, exported certificates and badges) is 0600 under the everyday umask 022.
Copies made only for viewing are gone once the app exits."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.conftest import FakeClock, Team
from tests.core.credential_fixtures import Org
from tests.reliability.crash_fixtures import REPO
from trainer.cli import main
from trainer.core.backup import backup_sqlite, head_file_of, restore_sqlite
from trainer.core.db import open_database
from trainer.core.paths import AppPaths, sidecar
from trainer.ui import dialogs
from trainer.ui.context import AppContext
from trainer.ui.views import my_credentials
from trainer.ui.views.my_credentials import MyCredentialsView

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_data_folder_database_and_its_journal_files_are_private(tmp_path: Path) -> None:
    paths = AppPaths(tmp_path / "new" / "data")
    db = open_database(paths)
    try:
        Team(db, FakeClock())
        with db.engine.connect():  # a connection open: the -wal and -shm exist
            assert {p.name for p in paths.sqlite_files()} >= {
                "cvi-trainer.sqlite3",
                "cvi-trainer.sqlite3-wal",
                "cvi-trainer.sqlite3-shm",
            }
            assert {p.name: mode(p) for p in paths.sqlite_files()} == {
                p.name: 0o600 for p in paths.sqlite_files()
            }
    finally:
        db.dispose()
    assert mode(paths.data_dir) == 0o700
    assert mode(paths.database) == 0o600


def test_a_database_written_by_an_older_version_is_made_private_at_start(tmp_path: Path) -> None:
    paths = AppPaths(tmp_path / "data")
    open_database(paths).dispose()
    os.chmod(paths.database, 0o644)
    open_database(paths).dispose()
    assert mode(paths.database) == 0o600


def test_backups_head_files_and_kept_copies_are_private(
    sqlite_team: Team, sqlite_db, paths: AppPaths, clock: FakeClock
) -> None:
    backup = backup_sqlite(sqlite_db, paths.backups / "b.sqlite3", now=clock.now())
    sqlite_db.dispose()
    assert mode(paths.backups) == 0o700
    assert mode(backup) == 0o600 and mode(head_file_of(backup)) == 0o600
    os.chmod(backup, 0o644)  # a backup brought back from elsewhere
    kept = restore_sqlite(paths, backup, now=clock.now())
    assert kept is not None and mode(kept) == 0o600
    restored = open_database(paths)
    try:
        with restored.engine.connect():
            assert {mode(p) for p in paths.sqlite_files()} == {0o600}
            assert sidecar(paths.database, "-wal").exists()
    finally:
        restored.dispose()


def test_the_command_line_writes_exports_private(
    sqlite_team: Team, sqlite_db, paths: AppPaths, tmp_path: Path, monkeypatch
) -> None:
    target = tmp_path / "backup-by-cli.sqlite3"
    assert main(["backup", "-o", str(target), "--data-dir", str(paths.data_dir)]) == 0
    assert mode(target) == 0o600
    monkeypatch.setenv("CVI_TRAINER_PASSWORD", "correct horse battery")
    head = tmp_path / "head.json"
    argv = ["audit", "head", "-o", str(head), "--as", "ada", "--data-dir", str(paths.data_dir)]
    assert main(argv) == 0
    assert mode(head) == 0o600


def test_saved_certificates_and_badges_are_private(
    qtbot, sqlite_db, clock: FakeClock, paths: AppPaths, tmp_path: Path, monkeypatch
) -> None:
    org = Org(sqlite_db, clock, Team(sqlite_db, clock))
    org.oriented(org.team.trainee)
    ctx = AppContext.for_database(sqlite_db, clock, paths, tmp_path)
    view = MyCredentialsView(ctx, org.team.trainee)
    qtbot.addWidget(view)
    tab = view.credentials
    pdf, badge = tmp_path / "mine.pdf", tmp_path / "mine.jwt"
    for target, clicked in ((pdf, tab.save_pdf), (badge, tab.save_badge)):
        monkeypatch.setattr(dialogs, "choose_save_file", lambda *a, t=target: t)
        qtbot.mouseClick(clicked, Qt.MouseButton.LeftButton)
        assert mode(target) == 0o600, target

    opened: list[Path] = []
    monkeypatch.setattr(my_credentials, "open_file", lambda path: opened.append(path) or True)
    qtbot.mouseClick(tab.open_pdf, Qt.MouseButton.LeftButton)
    [viewing] = opened
    assert viewing.read_bytes().startswith(b"%PDF")
    assert mode(viewing) == 0o600 and mode(viewing.parent) == 0o700


def test_copies_opened_for_viewing_are_removed_at_exit(tmp_path: Path) -> None:
    script = (
        "import os, stat\n"
        "from trainer.core.paths import viewing_copy\n"
        "p = viewing_copy('certificate.pdf', b'%PDF-1.7 test')\n"
        "q = viewing_copy('badge.pdf', b'%PDF-1.7 test')\n"
        "assert p.parent == q.parent and p.read_bytes().startswith(b'%PDF')\n"
        "print(p)\n"
        "print(oct(stat.S_IMODE(p.stat().st_mode)), oct(stat.S_IMODE(p.parent.stat().st_mode)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    path, modes = done.stdout.splitlines()
    assert modes == "0o600 0o700"
    assert not Path(path).exists() and not Path(path).parent.exists()
