"""Helpers for the hard-stop tests: a data folder built once and copied per test, the CLI run in a
subprocess (optionally killed at a named point, see trainer.core.crash_points), damaged copies,
and the checks that a database came through whole."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import PASSWORD, FakeClock, Team
from trainer.core.audit import verify_chain
from trainer.core.backup import backup_sqlite
from trainer.core.crash_points import ENV_CRASH_AT
from trainer.core.db import open_database
from trainer.core.models import Role
from trainer.core.paths import AppPaths, bundled_content_root
from trainer.core.services import accounts, library

REPO = Path(__file__).resolve().parents[2]
KILLED = -signal.SIGKILL


def run_cli(*argv: str, crash_at: str | None = None, **env: str) -> subprocess.CompletedProcess:
    """``python -m trainer ARGV`` from this checkout; with `crash_at`, killed at that point."""
    environ = {**os.environ, **env}
    environ.pop(ENV_CRASH_AT, None)
    if crash_at:
        environ[ENV_CRASH_AT] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "trainer", *argv],
        cwd=REPO,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )


def leave_in_wal(database: Path, sql: str) -> None:
    """Commit `sql` and die before any checkpoint, as an app killed mid-day does: the change is
    only in the database's -wal."""
    script = (
        "import os, signal, sqlite3, sys\n"
        "con = sqlite3.connect(sys.argv[1])\n"
        "con.execute('PRAGMA journal_mode=WAL')\n"
        "con.execute('PRAGMA wal_autocheckpoint=0')\n"
        "con.execute(sys.argv[2])\n"
        "con.commit()\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(database), sql], timeout=60)
    assert done.returncode == KILLED
    assert Path(f"{database}-wal").stat().st_size > 0


def contact(database: Path) -> str | None:
    con = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return con.execute("SELECT contact FROM organization").fetchone()[0]
    finally:
        con.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def corrupt_middle(path: Path) -> None:
    """Overwrite a few pages in the middle of an SQLite file with junk, as a failing disk would."""
    size = path.stat().st_size
    page = 4096
    pages = size // page
    assert pages >= 8, "too small to damage in the middle"
    with open(path, "r+b") as fh:
        for n in range(pages // 2 - 2, pages // 2 + 2):
            fh.seek(n * page)
            fh.write(bytes((n * 37 + i * 11) % 251 for i in range(page)))


def usernames(database: Path) -> set[str]:
    con = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return {r[0] for r in con.execute("SELECT username FROM person")}
    finally:
        con.close()


def last_action(database: Path) -> str:
    con = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return str(con.execute("SELECT action FROM audit_entry ORDER BY id DESC").fetchone()[0])
    finally:
        con.close()


def integrity(database: Path) -> str:
    con = sqlite3.connect(database)
    try:
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        con.close()


def assert_whole(paths: AppPaths) -> set[str]:
    """The live database passes SQLite's integrity check, opens in the app and has an intact audit
    chain; returns who is in it."""
    assert integrity(paths.database) == "ok"
    db = open_database(paths)
    try:
        with db.begin() as session:
            report = verify_chain(session)
        assert report.intact, report.problem
    finally:
        db.dispose()
    return usernames(paths.database)


@dataclass(frozen=True)
class Folders:
    """A data folder's database ("old": the team plus `later`) and Monday's backup of it, taken
    before `later` was added ("new", once restored)."""

    live: Path
    monday: Path

    OLD = frozenset({"ada", "tina", "manny", "tom", "tess", "later"})
    NEW = frozenset({"ada", "tina", "manny", "tom", "tess"})

    def copy_to(self, root: Path) -> tuple[AppPaths, Path]:
        paths = AppPaths(root / "data")
        paths.data_dir.mkdir(parents=True)
        shutil.copyfile(self.live, paths.database)
        monday = root / "monday.sqlite3"
        shutil.copyfile(self.monday, monday)
        return paths, monday


def build_folders(root: Path) -> Folders:
    paths = AppPaths(root / "template")
    clock = FakeClock()
    db = open_database(paths)
    try:
        team = Team(db, clock)
        # Enough rows that copying takes several steps, so "mid-copy" is really mid-copy.
        with db.begin() as session:
            library.import_bundled(session, bundled_content_root(), now=clock.now())
        monday = backup_sqlite(db, root / "monday.sqlite3", now=clock.now())
        with db.begin() as session:
            accounts.add_person(
                session,
                team.admin,
                accounts.NewPerson("later", "Added Later", frozenset({Role.TRAINEE}), PASSWORD),
                now=clock.advance(minutes=5),
            )
    finally:
        db.dispose()
    return Folders(paths.database, monday)
