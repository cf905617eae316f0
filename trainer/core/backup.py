"""Back up and restore the embedded SQLite database (PostgreSQL uses its own tools).

Each backup carries the head of its audit log twice. The copy's own ``audit_entry`` table has it
(its last entry), and ``<backup>.head.json`` beside it repeats it, signed when the signing key
was unlocked for the backup (see core.audit.head_document). Someone who edits only the live
database can change neither, so ``cvi-trainer audit verify --against BACKUP`` shows entries
deleted or rewritten since. The head file adds two things the copy alone cannot give: the
signature (forging it needs the passphrase), and a second witness should the copy itself be
edited later -- the two must agree.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from trainer.core import audit
from trainer.core.audit import (
    GENESIS_HASH,
    AuditHead,
    HeadClaim,
    head_document,
    read_head_text,
)
from trainer.core.crash_points import crash_point
from trainer.core.db import Database, make_engine, migrate
from trainer.core.errors import AuditHeadError, BackupError, DatabaseError
from trainer.core.models import Person
from trainer.core.open_badges import issuer_id
from trainer.core.paths import (
    SQLITE_SIDECARS,
    AppPaths,
    app_is_running,
    create_private,
    fsync_path,
    make_private,
    make_private_dir,
    sidecar,
    write_private,
)
from trainer.core.preflight import (
    SCHEMA_REVISIONS,
    SQLITE_HEADER,
    missing_tables,
    read_sqlite_revision,
)
from trainer.core.signing import UnlockedKey

HEAD_FILE_SUFFIX = ".head.json"


def head_file_of(backup: Path) -> Path:
    return backup.with_name(backup.name + HEAD_FILE_SUFFIX)


def backup_sqlite(
    db: Database,
    target: Path,
    *,
    key: UnlockedKey | None = None,
    now: datetime | None = None,
    actor: Person | None = None,
) -> Path:
    """A consistent copy of the live database (SQLite's online backup, safe while in use), checked
    before it gets its name, and the head of the copy's audit log beside it, signed with `key`
    when one is given. The live log records the backup (by `actor`, else "system").

    A damaged database is not backed up: BackupError, and no file is left behind."""
    if not db.is_sqlite:
        raise BackupError("This copy uses PostgreSQL: back it up with pg_dump (see README).")
    now = now or datetime.now(UTC)
    target = target.expanduser()
    if target.exists():
        raise BackupError(f"{target} already exists. Choose a new file name.")
    partial = target.with_name(target.name + ".partial")
    try:
        make_private_dir(target.parent)
        raw = db.engine.raw_connection()
        try:
            # One step: a snapshot that other seats writing meanwhile cannot make start over.
            _copy(raw.driver_connection, partial, "backup:mid-copy", pages=-1)  # type: ignore[arg-type]
        finally:
            raw.close()
        problem = _check_copy(partial)
        if problem is not None:
            raise BackupError(
                f"The database is damaged ({problem}), so no backup was written. Keep your "
                "earlier backups; restore the newest good one (cvi-trainer restore FILE)."
            )
        crash_point("backup:after-copy")
        partial.replace(target)
        fsync_path(target.parent)
    except (OSError, sqlite3.Error) as exc:
        _remove_copy(partial)
        if type(exc) is sqlite3.DatabaseError:  # the live file's pages, not the target's place
            raise BackupError(
                f"The database is damaged ({exc}), so no backup was written. Keep your earlier "
                "backups; restore the newest good one (cvi-trainer restore FILE)."
            ) from exc
        reason = getattr(exc, "strerror", None) or str(exc)
        raise BackupError(
            f"Cannot write the backup to {target}: {reason}. Choose a folder you can write to."
        ) from exc
    except BaseException:
        _remove_copy(partial)
        raise
    crash_point("backup:after-rename")
    write_head_file(target, key=key, now=now)
    crash_point("backup:after-head")
    with db.begin() as session:
        audit.record(
            session, actor, "database.backed_up", str(target), at=now, signed=key is not None
        )
    return target


# Pages copied per step of a restore's copy: a kill can land between steps (the crash tests rely
# on that); nobody writes a backup file being restored, so the copy never has to start over.
COPY_STEP_PAGES = 64


def _copy(
    source: sqlite3.Connection, target: Path, point: str, *, pages: int = COPY_STEP_PAGES
) -> None:
    """`source` (with whatever is still in its -wal) copied page by page into a new private,
    self-contained file (rollback journal, so no -wal/-shm beside it), flushed to disk."""
    create_private(target)
    dest = sqlite3.connect(target)
    try:
        source.backup(dest, pages=pages, progress=lambda *_: crash_point(point))
        dest.execute("PRAGMA journal_mode=DELETE")
    finally:
        dest.close()
    fsync_path(target)


def _check_copy(path: Path) -> str | None:
    """The first problem SQLite's full integrity and foreign-key checks find in a copy, or None."""
    try:
        con = sqlite3.connect(path)
        try:
            rows = con.execute("PRAGMA integrity_check(1)").fetchall()
            first = str(rows[0][0]) if rows else "no answer to the integrity check"
            if first != "ok":
                return first.splitlines()[0]
            orphan = con.execute("PRAGMA foreign_key_check").fetchone()
            if orphan is not None:
                return f"a row of {orphan[0]} points to a missing row of {orphan[2]}"
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None


def _remove_copy(path: Path) -> None:
    for each in (path, *(sidecar(path, s) for s in SQLITE_SIDECARS)):
        with contextlib.suppress(OSError):
            each.unlink()


def write_head_file(backup: Path, *, key: UnlockedKey | None, now: datetime) -> Path:
    """``<backup>.head.json``, read from the backup itself (so it is exactly the copy's head even
    if the app wrote more entries meanwhile), written whole or not at all."""
    own = backup_head(backup)
    organization = own.organization.removeprefix("urn:uuid:") if own.organization else None
    text = head_document(own.head, organization=organization, at=now, key=key)
    path = head_file_of(backup)
    partial = path.with_name(path.name + ".partial")
    try:
        write_private(partial, text, sync=True)
        os.replace(partial, path)
    except OSError as exc:
        raise BackupError(
            f"The backup {backup} was written, but its audit head file {path.name} could not "
            f"be: {exc.strerror or exc}."
        ) from exc
    return path


def backup_head(path: Path) -> HeadClaim:
    """The head of a SQLite file's own audit log (its last entry) and whose log it is, read
    without changing the file. AuditHeadError, naming the file, if it is not a CVI Trainer
    database."""
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            last = con.execute(
                "SELECT id, hash FROM audit_entry ORDER BY id DESC LIMIT 1"
            ).fetchone()
            org = con.execute("SELECT uid FROM organization ORDER BY id LIMIT 1").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise AuditHeadError(f"{path} cannot be read as a CVI Trainer backup ({exc}).") from None
    if last is None:
        head = AuditHead(0, GENESIS_HASH)
    else:
        try:
            head = AuditHead.from_claim({"entries": last[0], "hash": last[1]})
        except AuditHeadError as exc:
            raise AuditHeadError(f"{path} has a damaged audit log: {exc}.") from None
    organization = issuer_id(str(org[0])) if org else None
    return HeadClaim(head, organization, None)


@dataclass(frozen=True)
class BackupHead:
    """A backup's own head and, when present, the head file written beside it."""

    own: HeadClaim
    beside: HeadClaim | None

    @property
    def agree(self) -> bool:
        return self.beside is None or (
            self.beside.head == self.own.head
            and self.beside.organization in (None, self.own.organization)
        )


def read_backup_head(path: Path) -> BackupHead:
    own = backup_head(path)
    side = head_file_of(path)
    if not side.exists():
        return BackupHead(own, None)
    try:
        text = side.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditHeadError(f"{side} cannot be read: {exc}.") from None
    return BackupHead(own, read_head_text(text, str(side)))


# --- restore -----------------------------------------------------------------------------------
#
# A restore never copies the bare file: SQLite's backup API reads the source as SQLite sees it,
# changes still in its -wal included, into a staging file beside the live database. The checks
# (integrity, foreign keys, our schema) run on that copy, which is then migrated and given the
# audit entry of the restore, so the database that becomes live already says where it came from.
# The swap is a few renames, led by a journal written to disk first:
#
#   journal "copying"  -> staging written and checked -> journal "swapping"
#   -> live database renamed to the kept copy (its -wal follows it, its -shm is removed)
#   -> staging renamed to the live database -> journal removed
#
# A kill anywhere leaves the old database live or the new one ready; the next start
# (preflight -> recover_restore) rolls a "copying" journal back and finishes a "swapping" one,
# and says which. The old -wal must never meet the new file: SQLite would replay it into it.

STAGING_SUFFIX = ".restoring"


@dataclass(frozen=True)
class RestoreJournal:
    source: str
    kept: str  # file name, in the data folder
    phase: str  # "copying" or "swapping"

    def write(self, paths: AppPaths) -> None:
        partial = sidecar(paths.restore_journal, ".partial")
        write_private(partial, json.dumps(self.__dict__), sync=True)
        os.replace(partial, paths.restore_journal)
        fsync_path(paths.data_dir)

    @classmethod
    def read(cls, paths: AppPaths) -> RestoreJournal:
        try:
            data = json.loads(paths.restore_journal.read_text(encoding="utf-8"))
            return cls(str(data["source"]), Path(str(data["kept"])).name, str(data["phase"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BackupError(
                f"{paths.restore_journal} (left by a restore that was cut short) cannot be read: "
                f"{exc}. Check which database file you want to keep, then delete it."
            ) from exc


def staging_file(paths: AppPaths) -> Path:
    return sidecar(paths.database, STAGING_SUFFIX)


def restore_sqlite(
    paths: AppPaths, source: Path, *, now: datetime, by: str = "command line"
) -> Path | None:
    """Replace the database with a checked copy of a backup; the replaced file is kept next to it
    (returned; None when there was no database). `by` says who, for the audit entry.

    The app must not have the database open while this runs (the GUI closes its connections
    first, and quits after)."""
    source = source.expanduser()
    if not source.is_file():
        raise BackupError(f"{source} does not exist or is not a file.")
    try:
        with open(source, "rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise BackupError(f"Cannot read {source}: {exc.strerror or exc}.") from exc
    if header != SQLITE_HEADER:
        raise BackupError(
            f"{source} is not a usable backup: it is not a CVI Trainer database. "
            "Choose another backup file."
        )
    make_private_dir(paths.data_dir)
    if app_is_running(paths):
        raise BackupError(f"CVI Trainer is open on {paths.data_dir}. Close it, then restore.")
    recover_restore(paths)  # a restore cut short earlier: settle it first
    kept = _kept_name(paths, now)
    staging = staging_file(paths)
    journal = RestoreJournal(str(source.resolve()), kept.name, "copying")
    journal.write(paths)
    try:
        crash_point("restore:after-journal")
        _stage(source, staging, now=now, by=by, kept=kept)
        crash_point("restore:after-copy")
        _fold_wal(paths.database)
        RestoreJournal(journal.source, kept.name, "swapping").write(paths)
    except BaseException:
        _remove_copy(staging)
        paths.restore_journal.unlink(missing_ok=True)
        raise
    crash_point("restore:after-phase")
    _swap(paths, staging, kept)
    _finish(paths, now)
    return kept if kept.exists() else None


def _kept_name(paths: AppPaths, now: datetime) -> Path:
    stamp = now.strftime("%Y%m%d-%H%M%S")
    kept = paths.database.with_name(f"{paths.database.name}.before-restore-{stamp}")
    counter = 1
    while kept.exists():  # never overwrite an earlier safety copy
        counter += 1
        kept = paths.database.with_name(f"{paths.database.name}.before-restore-{stamp}-{counter}")
    return kept


def _stage(source: Path, staging: Path, *, now: datetime, by: str, kept: Path) -> None:
    """The checked, migrated copy of `source` with the restore's audit entry, at `staging`."""
    try:
        # Read-only: the source is not changed (not even checkpointed), yet its -wal is read.
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            _copy(src, staging, "restore:mid-copy")
        finally:
            src.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            f"{source} is not a usable backup: it is damaged or not a CVI Trainer database "
            f"({exc}). Choose another backup file."
        ) from exc
    problem = _check_copy(staging)
    if problem is not None:
        raise BackupError(f"{source} is damaged ({problem}). Choose another backup file.")
    try:
        revision = read_sqlite_revision(staging)
    except DatabaseError as exc:
        raise BackupError(f"{source} is not a usable backup ({exc}).") from exc
    if revision is None or not _has_our_tables(staging):
        raise BackupError(f"{source} is not a CVI Trainer backup (it has no schema version).")
    if revision not in SCHEMA_REVISIONS:
        raise BackupError(
            f"{source} was made by a newer version of CVI Trainer (schema "
            f"{revision}). Install that version to restore it."
        )
    from alembic.util import CommandError  # here: alembic loads only when migrating

    engine = make_engine(f"sqlite:///{staging}")
    try:
        if revision != SCHEMA_REVISIONS[-1]:
            migrate(engine)
        gone = missing_tables(staging)
        if gone:
            raise BackupError(
                f"{source} is not a usable backup: tables were removed from it outside CVI "
                f"Trainer ({', '.join(gone)}). Choose another backup file."
            )
        with Database(engine, str(engine.url)).begin() as session:
            audit.record(
                session, None, "database.restored", source.name, at=now,
                source=str(source.resolve()), by=by, kept=kept.name,
            )  # fmt: skip
    except (SQLAlchemyError, CommandError) as exc:
        # Its version says one of ours, its tables say otherwise: another app's file, or one
        # edited by hand. Only the throwaway copy was touched.
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise BackupError(
            f"{source} is not a usable backup: its tables are not those of the CVI Trainer "
            f"version it names ({reason}). Choose another backup file."
        ) from exc
    finally:
        engine.dispose()
    _fold_wal(staging)
    if any(sidecar(staging, s).exists() for s in ("-wal", "-journal")):
        raise BackupError(f"The copy of {source} could not be completed; nothing was changed.")
    fsync_path(staging)


def _has_our_tables(path: Path) -> bool:
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        con.close()
    return {"organization", "person", "audit_entry"} <= names


def _fold_wal(database: Path) -> None:
    """Move what is in a database's -wal into the file itself and leave it self-contained, when
    SQLite can (best effort: a file it cannot open keeps its -wal, which then travels with it)."""
    if not database.exists():
        return
    with contextlib.suppress(sqlite3.Error):
        con = sqlite3.connect(database)
        try:
            con.execute("PRAGMA journal_mode=DELETE")
        finally:
            con.close()


def _swap(paths: AppPaths, staging: Path, kept: Path) -> None:
    """The renames; each step can be repeated after a kill (recover_restore does)."""
    live = paths.database
    if live.exists():
        os.replace(live, kept)
        make_private(kept)
        crash_point("restore:after-keep")
    for suffix in ("-wal", "-journal"):
        if sidecar(live, suffix).exists():  # the old file's, whatever the kill left behind
            os.replace(sidecar(live, suffix), sidecar(kept, suffix))
    sidecar(live, "-shm").unlink(missing_ok=True)
    fsync_path(paths.data_dir)
    crash_point("restore:after-wal")
    os.replace(staging, live)
    fsync_path(paths.data_dir)
    crash_point("restore:after-swap")


def _finish(paths: AppPaths, now: datetime) -> None:
    from trainer.core.remembered_heads import HeadMemory, remember_restored

    # Deliberately going back: the shorter log restored is what this computer expects from now on.
    remember_restored(HeadMemory.default(), paths.database, now=now)
    paths.restore_journal.unlink(missing_ok=True)
    fsync_path(paths.data_dir)


def recover_restore(paths: AppPaths, *, now: datetime | None = None) -> str | None:
    """Settle a restore that was cut short (see above); say what was done, None if nothing."""
    if not paths.restore_journal.exists():
        return None
    journal = RestoreJournal.read(paths)
    staging = staging_file(paths)
    kept = paths.data_dir / journal.kept
    if journal.phase == "swapping":
        if staging.exists():
            _swap(paths, staging, kept)
        _finish(paths, now or datetime.now(UTC))
        where = f" The database it replaced is kept as {kept}." if kept.exists() else ""
        return (
            f"A restore from {journal.source} was interrupted after its copy was checked; it "
            f"has now been finished.{where}"
        )
    _remove_copy(staging)
    paths.restore_journal.unlink(missing_ok=True)
    fsync_path(paths.data_dir)
    return (
        f"A restore from {journal.source} was interrupted before it changed anything; it was "
        "rolled back and the database is as it was before. Run the restore again if you still "
        "want it."
    )
