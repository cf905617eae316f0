"""Append-only audit log: each entry carries the hash of the one before it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trainer.core.models import AuditEntry, Person

GENESIS_HASH = "0" * 64


def _canonical(
    entry_id: int,
    at: datetime,
    actor_id: int | None,
    actor_name: str,
    action: str,
    target: str,
    details: str,
    prev_hash: str,
) -> bytes:
    payload = [
        entry_id,
        at.isoformat(timespec="microseconds"),
        actor_id,
        actor_name,
        action,
        target,
        details,
        prev_hash,
    ]
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(entry: AuditEntry) -> str:
    data = _canonical(
        entry.id,
        entry.at,
        entry.actor_id,
        entry.actor_name,
        entry.action,
        entry.target,
        entry.details,
        entry.prev_hash,
    )
    return hashlib.sha256(data).hexdigest()


def record(
    session: Session,
    actor: Person | None,
    action: str,
    target: str = "",
    *,
    at: datetime,
    **details: Any,
) -> AuditEntry:
    """Append one entry in the caller's transaction (so it commits or rolls back with the action)."""
    last = session.execute(
        select(AuditEntry.id, AuditEntry.hash)
        .order_by(AuditEntry.id.desc())
        .limit(1)
        .with_for_update()
    ).first()
    entry = AuditEntry(
        id=(last.id + 1) if last else 1,
        at=at.astimezone(UTC),
        actor_id=actor.id if actor else None,
        actor_name=actor.full_name if actor else "system",
        action=action,
        target=target,
        details=json.dumps(details, sort_keys=True, separators=(",", ":"), default=str),
        prev_hash=last.hash if last else GENESIS_HASH,
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    session.flush()  # a concurrent writer fails here on the unique prev_hash, not silently forks
    return entry


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_bad_id: int | None
    problem: str | None

    @property
    def intact(self) -> bool:
        return self.first_bad_id is None


def verify_chain(session: Session) -> ChainReport:
    """Walk the log in order; report the first entry whose hash or link does not hold."""
    prev_hash = GENESIS_HASH
    expected_id = 1
    count = 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000):
        count += 1
        if entry.id != expected_id:
            return ChainReport(
                count, entry.id, f"entries {expected_id}..{entry.id - 1} are missing (deleted)"
            )
        if entry.prev_hash != prev_hash:
            return ChainReport(
                count,
                entry.id,
                "does not link to the entry before it (an entry before it was deleted or changed)",
            )
        if entry_hash(entry) != entry.hash:
            return ChainReport(count, entry.id, "its contents were changed after it was written")
        prev_hash = entry.hash
        expected_id += 1
    return ChainReport(count, None, None)
