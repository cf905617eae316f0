"""Checks made before the database is opened, with the standard library only (fast start-up):
the data folder is writable, a restore cut short is finished or rolled back, the file is ours and
undamaged (read-only: a damaged file is never written to), and its schema is not from a newer
version. The database file is created private (paths.create_private) when it does not exist yet."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from trainer.core.errors import DatabaseError, DataLocationError
from trainer.core.paths import AppPaths, create_private, make_private, make_private_dir

# Every Alembic revision this version of the app knows, oldest first. tests/core/test_db.py keeps
# this list equal to trainer/migrations/versions, so start-up can skip Alembic when the database
# is already current.
SCHEMA_REVISIONS = (
    "0001_initial",
    "0002_training",
    "0003_scenarios",
    "0004_credentials",
    "0005_credential_integrity",
    "0006_evidence",
    "0007_immutable",
)
SCHEMA_HEAD = SCHEMA_REVISIONS[-1]
SQLITE_HEADER = b"SQLite format 3\x00"


def check_data_dir(paths: AppPaths) -> None:
    if paths.data_dir.exists() and not paths.data_dir.is_dir():
        raise DataLocationError(
            f"{paths.data_dir} is a file, not a folder. Give --data-dir a folder (it is created "
            "if it does not exist)."
        )
    try:
        make_private_dir(paths.data_dir)
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


def refuse_unknown(revision: str | None, where: str) -> None:
    if revision is not None and revision not in SCHEMA_REVISIONS:
        raise DatabaseError(
            f"The database at {where} was written by a newer version of CVI Trainer "
            f"(schema {revision}). It was left untouched. Install the newer version of "
            "CVI Trainer to open it, or choose another data folder."
        )


@dataclass(frozen=True)
class SQLiteFacts:
    revision: str | None
    organization_name: str | None  # read only when the schema is current
    notice: str | None = (
        None  # what start-up did first (an interrupted restore), to tell the person
    )


# Every table of the schema at SCHEMA_HEAD; tests/core/test_db.py keeps it equal to the models.
SCHEMA_TABLES = frozenset(
    {
        "audit_entry", "bundled_update", "content_document", "content_version", "credential",
        "credential_status_event", "field_hour_entry", "imported_status_list", "module_progress",
        "observation", "observation_rating", "organization", "organization_policy", "person",
        "person_role", "policy_acknowledgment", "policy_text", "quiz_attempt", "scenario_attempt",
        "scenario_step", "signing_key", "training_attendance", "training_session",
        "trusted_issuer", "trusted_key",
    }
)  # fmt: skip


def missing_tables(path: Path) -> list[str]:
    """The schema's tables an SQLite file at SCHEMA_HEAD lacks (dropped outside the app), read-only."""
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        con.close()
    return sorted(SCHEMA_TABLES - names)


def _damaged(path: Path, exc: Exception) -> DatabaseError:
    return DatabaseError(
        f"{path} is damaged and cannot be read ({exc}). Nothing was changed. Restore it from "
        "a backup (see README, 'Back up and restore'), or open another data folder."
    )


def read_sqlite_facts(path: Path) -> SQLiteFacts:
    """Schema revision (and organization name) of an existing SQLite file, read-only."""
    with open(path, "rb") as fh:
        header = fh.read(len(SQLITE_HEADER))
    if header and header != SQLITE_HEADER:
        raise DatabaseError(
            f"{path} is not a CVI Trainer database (it is not an SQLite file). Nothing was changed. "
            "Restore it from a backup, or open another data folder with --data-dir DIR."
        )
    if not header:
        return SQLiteFacts(None, None)  # an empty file: SQLite treats it as a new database
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            has_table = con.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
            ).fetchone()
            if not has_table:
                if con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                    raise DatabaseError(
                        f"{path} is an SQLite file but not a CVI Trainer database. Nothing was "
                        "changed. Open another data folder with --data-dir DIR."
                    )
                return SQLiteFacts(None, None)
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
            name = None
            if revision == SCHEMA_HEAD:
                org = con.execute("SELECT name FROM organization ORDER BY id LIMIT 1").fetchone()
                name = org[0] if org else None
            return SQLiteFacts(revision, name)
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, exc) from exc


def read_sqlite_revision(path: Path) -> str | None:
    return read_sqlite_facts(path).revision


def damage(path: Path) -> str | None:
    """What SQLite's quick check finds wrong with an SQLite file (first problem), read-only;
    None when it is sound, empty or not an SQLite file at all (read_sqlite_facts says so)."""
    try:
        with open(path, "rb") as fh:
            if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                return None
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = con.execute("PRAGMA quick_check(1)").fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    except OSError as exc:
        return exc.strerror or str(exc)
    first = str(rows[0][0]) if rows else "no answer to the check"
    return None if first == "ok" else first.splitlines()[0]


def is_good_copy(path: Path) -> bool:
    """An undamaged CVI Trainer database this version can open."""
    if damage(path) is not None:
        return False
    try:
        return read_sqlite_revision(path) in SCHEMA_REVISIONS
    except (DatabaseError, OSError):
        return False


def last_good_backup(paths: AppPaths) -> Path | None:
    """The newest file in the default backup folder that passes the check."""
    try:
        found = [(p.stat().st_mtime, p) for p in paths.backups.glob("*.sqlite3") if p.is_file()]
    except OSError:
        return None
    for _, path in sorted(found, reverse=True):
        if is_good_copy(path):
            return path
    return None


def _refuse_damaged(paths: AppPaths, problem: str) -> DatabaseError:
    good = last_good_backup(paths)
    if good is None:
        advice = (
            f"No undamaged backup was found in {paths.backups}; restore one you keep elsewhere "
            "with: cvi-trainer restore FILE"
        )
    else:
        advice = f'The last good backup is {good}: restore it with: cvi-trainer restore "{good}"'
    return DatabaseError(
        f"{paths.database} is damaged ({problem}). It was not opened and nothing in it was "
        f"changed. {advice} (add --data-dir if you use one; the damaged file is kept beside it)."
    )


def preflight_sqlite(paths: AppPaths) -> SQLiteFacts:
    """Everything that can be refused before SQLAlchemy is even imported. Raises TrainerError."""
    check_data_dir(paths)
    notice = None
    if paths.restore_journal.exists():  # rare: only after a restore was cut short
        from trainer.core.backup import recover_restore

        notice = recover_restore(paths)
    if not paths.database.exists():
        try:
            create_private(paths.database)
        except OSError as exc:
            raise DataLocationError(
                f"Cannot create the database {paths.database}: {exc.strerror or exc}. Choose "
                "another folder with --data-dir DIR (or CVI_TRAINER_HOME)."
            ) from exc
        return SQLiteFacts(None, None, notice)
    for path in paths.sqlite_files():
        make_private(path)  # files written by versions that did not yet
    problem = damage(paths.database)
    if problem is not None:
        raise _refuse_damaged(paths, problem)
    facts = read_sqlite_facts(paths.database)
    refuse_unknown(facts.revision, str(paths.database))
    if facts.revision == SCHEMA_HEAD and (gone := missing_tables(paths.database)):
        raise _refuse_damaged(paths, f"tables removed outside CVI Trainer: {', '.join(gone)}")
    return SQLiteFacts(facts.revision, facts.organization_name, notice)
