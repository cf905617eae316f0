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

import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from trainer.core.audit import (
    GENESIS_HASH,
    AuditHead,
    HeadClaim,
    head_document,
    read_head_text,
)
from trainer.core.db import Database
from trainer.core.errors import AuditHeadError, BackupError, DatabaseError
from trainer.core.open_badges import issuer_id
from trainer.core.paths import AppPaths, app_is_running
from trainer.core.preflight import SCHEMA_REVISIONS, read_sqlite_revision
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
) -> Path:
    """A consistent copy of the live database (SQLite's online backup, safe while in use), and
    the head of the copy's audit log beside it, signed with `key` when one is given."""
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
                # One self-contained file: reading it later (even read-only) leaves no -wal/-shm.
                dest.execute("PRAGMA journal_mode=DELETE")
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
    write_head_file(target, key=key, now=now or datetime.now(UTC))
    return target


def write_head_file(backup: Path, *, key: UnlockedKey | None, now: datetime) -> Path:
    """``<backup>.head.json``, read from the backup itself (so it is exactly the copy's head even
    if the app wrote more entries meanwhile), written whole or not at all."""
    own = backup_head(backup)
    organization = own.organization.removeprefix("urn:uuid:") if own.organization else None
    text = head_document(own.head, organization=organization, at=now, key=key)
    path = head_file_of(backup)
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_text(text, encoding="utf-8")
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
