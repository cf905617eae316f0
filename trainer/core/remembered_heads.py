"""The audit-log head this computer last saw for each database, kept outside the database.

Someone who can write the database file can cut the end off the audit log, or rewrite it from
some entry on with every hash recomputed, and the chain still walks cleanly. This computer's
memory of the log is out of their reach unless they also control this account: the app compares
it with the live log when it opens the database (and `cvi-trainer audit verify` does), warns when
the log has fewer entries or a different entry at the remembered number, and then remembers the
live head, again when it closes. The check costs two indexed lookups, not a walk of the log.

The file is small JSON in the user's configuration folder (paths.audit_heads_file()): one record
per database, keyed by the SHA-256 of where the database is (the SQLite file's full path, or the
server URL without its password), holding the organization, the head and when it was seen.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from trainer.core.audit import (
    AuditHead,
    HeadComparison,
    compare_with,
    current_head,
    describe_time,
)
from trainer.core.backup import backup_head
from trainer.core.db import display_url
from trainer.core.errors import AuditHeadError
from trainer.core.models import Organization
from trainer.core.open_badges import issuer_id
from trainer.core.paths import audit_heads_file, make_private_dir, write_private

STORE_VERSION = 1
KEEP = 200  # records kept; the least recently seen databases are forgotten first

ADVICE = "Check the database and restore from a backup if needed."


def database_location(url: str) -> str:
    """Where a database is, the same however it was named: a SQLite file's full path, else the
    URL without its password (so the password never reaches the memory file, not even hashed)."""
    try:
        parsed = make_url(url)
    except SQLAlchemyError:
        return url
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return str(Path(str(parsed.database)).expanduser().resolve())
    return display_url(url)  # also hides a password given as ?password=


@dataclass(frozen=True)
class Remembered:
    organization: str  # urn:uuid:...
    head: AuditHead
    seen_at: datetime


class HeadMemory:
    """The memory file. Unreadable or damaged records are treated as never seen."""

    def __init__(self, file: Path) -> None:
        self.file = file

    @classmethod
    def default(cls) -> HeadMemory:
        return cls(audit_heads_file())

    @staticmethod
    def _key(location: str) -> str:
        return hashlib.sha256(location.encode("utf-8")).hexdigest()

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or not isinstance(data.get("databases"), dict):
            return {}
        records: dict[str, Any] = data["databases"]
        return records

    def recall(self, location: str) -> Remembered | None:
        record = self._load().get(self._key(location))
        if not isinstance(record, dict):
            return None
        try:
            seen_at = datetime.fromisoformat(str(record["seen_at"]))
            organization = record["organization"]
            head = AuditHead.from_claim(record)
        except (KeyError, ValueError, AuditHeadError):
            return None
        if seen_at.tzinfo is None or not isinstance(organization, str):
            return None
        return Remembered(organization, head, seen_at)

    def remember(self, location: str, organization: str, head: AuditHead, *, now: datetime) -> bool:
        """Write the record (atomically); False if the configuration folder cannot be written,
        which is never a reason to refuse work."""
        records = self._load()
        records[self._key(location)] = {
            "organization": organization,
            **head.as_claim(),
            "seen_at": now.isoformat(timespec="seconds"),
        }
        if len(records) > KEEP:
            by_age = sorted(records, key=lambda k: str(records[k].get("seen_at", "")))
            for old in by_age[: len(records) - KEEP]:
                del records[old]
        text = json.dumps({"version": STORE_VERSION, "databases": records}, indent=1) + "\n"
        partial = self.file.with_name(f"{self.file.name}.{os.getpid()}.partial")
        try:
            make_private_dir(self.file.parent)
            write_private(partial, text)
            os.replace(partial, self.file)
        except OSError:
            with contextlib.suppress(OSError):
                partial.unlink()
            return False
        return True


@dataclass(frozen=True)
class RememberedCheck:
    """What the live log looked like against this computer's memory of it."""

    before: Remembered | None  # None: this computer had not seen this database yet
    organization: str | None  # the live organization; None for a database not set up yet
    comparison: HeadComparison | None  # None when there was nothing comparable
    saved: bool  # whether the live head could be remembered

    @property
    def warning(self) -> str | None:
        before, comparison = self.before, self.comparison
        if before is None or self.organization is None:
            return None
        seen = describe_time(before.seen_at)
        if before.organization != self.organization:
            return (
                f"This database belongs to another organization than when this computer last "
                f"saw it ({seen}): it was replaced or its organization was changed. If nobody "
                "set up a new organization here, check the database and restore from a backup if "
                "needed."
            )
        if comparison is None or comparison.intact:
            return None
        then, now = comparison.then.entries, comparison.now.entries
        if comparison.verdict == "cut":
            return (
                f"The audit log has fewer entries than when this computer last saw it "
                f"({then} then, {now} now): entries were deleted. {ADVICE}"
            )
        return (
            f"The audit log was rewritten: entry {then} is not the one this computer saw on "
            f"{seen} ({then} entries then, {now} now). {ADVICE}"
        )


def _organization(session: Session) -> str | None:
    uid = session.scalar(select(Organization.uid).order_by(Organization.id).limit(1))
    return issuer_id(uid) if uid else None


def check_and_remember(
    session: Session, memory: HeadMemory, url: str, *, now: datetime
) -> RememberedCheck:
    """Compare the live log with what this computer remembers of it, then remember the live head
    (so a warning is given once per change seen; the person acts on it then)."""
    organization = _organization(session)
    if organization is None:
        return RememberedCheck(None, None, None, saved=False)
    location = database_location(url)
    before = memory.recall(location)
    comparison = None
    if before is not None and before.organization == organization:
        comparison = compare_with(session, before.head, when=describe_time(before.seen_at))
    saved = memory.remember(location, organization, current_head(session), now=now)
    return RememberedCheck(before, organization, comparison, saved)


def remember_live(session: Session, memory: HeadMemory, url: str, *, now: datetime) -> bool:
    """Remember the live head without comparing (when the app closes)."""
    organization = _organization(session)
    if organization is None:
        return False
    return memory.remember(database_location(url), organization, current_head(session), now=now)


def remember_restored(memory: HeadMemory, database: Path, *, now: datetime) -> bool:
    """After a deliberate restore, the restored log is what this computer should expect next,
    not the longer one it saw before (which would otherwise read as a cut)."""
    try:
        claim = backup_head(database)
    except AuditHeadError:
        return False
    if claim.organization is None:
        return False
    return memory.remember(
        database_location(f"sqlite:///{database}"), claim.organization, claim.head, now=now
    )
