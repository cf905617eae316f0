"""Reading the audit log (admins only); entries are written by the services that act. Exporting
its head, and checking the live log against a head kept elsewhere."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from trainer.core import audit, signing
from trainer.core.audit import (
    ChainReport,
    HeadClaim,
    HeadComparison,
    HeadSignature,
    describe_time,
    verify_chain,
)
from trainer.core.backup import read_backup_head
from trainer.core.errors import AuditHeadError, SigningError
from trainer.core.models import (
    AuditEntry,
    ContentDocument,
    ContentKind,
    ContentVersion,
    Organization,
    Person,
)
from trainer.core.preflight import SQLITE_HEADER
from trainer.core.services.permissions import require
from trainer.core.services.signing_keys import active_key


def require_audit_access(session: Session, actor: Person) -> Person:
    return require(session, actor, "view_audit")


def recent_entries(session: Session, actor: Person, *, limit: int = 200) -> list[AuditEntry]:
    require_audit_access(session, actor)
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))


def target_words(session: Session, actor: Person, targets: Iterable[str]) -> dict[str, str]:
    """Each entry's "about" in words: usernames become the person's name and program ids the
    program's title ("orientation for hindi" -> "Orientation for Priya Sharma"). Entries record
    ids (they never change meaning); people read names. Targets with nothing to name are left
    out of the result."""
    require_audit_access(session, actor)
    org_id = actor.organization_id
    names = dict(
        session.execute(
            select(Person.username, Person.full_name).where(Person.organization_id == org_id)
        ).all()
    )
    titles = dict(
        session.execute(
            select(ContentDocument.key, ContentVersion.title)
            .join(ContentVersion, ContentVersion.document_id == ContentDocument.id)
            .where(
                ContentDocument.organization_id == org_id,
                ContentDocument.kind == ContentKind.PROGRAM,
                ContentVersion.published_at.is_not(None),
            )
            .order_by(ContentVersion.number)  # the newest title wins
        ).all()
    )
    words = {**titles, **names}
    result = {}
    for target in set(targets):
        parts = re.split(r"(\s+)", target)
        shown = "".join(words.get(part, part) for part in parts)
        if shown != target:
            result[target] = shown
    return result


def verify(session: Session, actor: Person) -> ChainReport:
    require_audit_access(session, actor)
    return verify_chain(session)


# --- heads -----------------------------------------------------------------------------------


def unlock_for_heads(session: Session, passphrase: str) -> signing.UnlockedKey:
    """The organization's active key, to sign a head (beside a backup, or exported).

    No actor: `cvi-trainer backup` runs on the data folder without signing in, and what guards the
    key is the passphrase it is encrypted under. What gets signed is only a head of this log."""
    org = session.scalars(select(Organization).order_by(Organization.id)).first()
    row = active_key(session, org.id) if org is not None else None
    if row is None:
        raise SigningError(
            "This organization has no signing key yet, so the head cannot be signed. A manager "
            "or admin creates one under Organization › Signing keys."
        )
    return signing.unlock(row.kid, row.encrypted_private_key, passphrase)


@dataclass(frozen=True)
class HeadExport:
    text: str  # the head file (core.audit.head_document)
    signed: bool


def export_head(
    session: Session, actor: Person, passphrase: str | None, *, now: datetime
) -> HeadExport:
    """The log's current head as a file to keep elsewhere; signed when a passphrase is given
    (a wrong one raises SigningError). Managers and admins. The export is itself logged, and
    the head includes that entry."""
    fresh = require(session, actor, "export_audit_head")
    key = unlock_for_heads(session, passphrase) if passphrase else None
    org = session.get(Organization, fresh.organization_id)
    assert org is not None  # a person always belongs to an organization (foreign key)
    audit.record(session, fresh, "audit.head_exported", org.name, at=now, signed=key is not None)
    head = audit.current_head(session)
    return HeadExport(
        audit.head_document(head, organization=org.uid, at=now, key=key), key is not None
    )


@dataclass(frozen=True)
class HeadCheck:
    """The live log against the head some file carries."""

    source: str  # "backup b.sqlite3", "head file h.json", ...
    comparison: HeadComparison
    signature: HeadSignature
    problems: tuple[str, ...]  # besides the comparison: a bad signature, a backup that disagrees

    @property
    def ok(self) -> bool:
        return self.comparison.intact and not self.problems


def _when(claim: HeadClaim, source: str) -> str:
    return f"{source} ({describe_time(claim.at)})" if claim.at is not None else source


def check_head_file(session: Session, path: Path) -> HeadCheck:
    """Compare the live log with the head in a backup (its own log, and the head file beside
    it), a head file, or an exported status list. AuditHeadError, naming the file, when it is
    unreadable, garbled, or the head of another organization.

    No actor: like `audit verify`, anyone who can open the database can make this comparison."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AuditHeadError(f"{path} cannot be read: {exc.strerror or exc}.") from None
    problems: list[str] = []
    if data.startswith(SQLITE_HEADER):
        source = f"backup {path.name}"
        backup = read_backup_head(path)
        claim = backup.own
        if backup.beside is not None:
            if not backup.agree:
                problems.append(
                    f"The backup's own log ({backup.own.head.entries} entries) does not match "
                    f"the head written beside it ({backup.beside.head.entries} entries): the "
                    "backup or its head file was changed after it was made."
                )
            else:
                claim = HeadClaim(
                    claim.head, claim.organization, backup.beside.at, backup.beside.token
                )
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise AuditHeadError(
                f"{path} is neither a backup nor a head file or status list (not text)."
            ) from None
        claim = audit.read_head_text(text, str(path))
        from_status_list = (
            claim.token is not None and claim.token.header.get("typ") != audit.HEAD_TYPE
        )
        source = f"{'status list' if from_status_list else 'head file'} {path.name}"
    signature = audit.check_claim(session, claim, str(path))
    if signature.state == "invalid":
        problems.append(
            f"The head in {path.name} is {signature.detail}: that file, or the keys stored in "
            "this database, were changed."
        )
    comparison = audit.compare_with(session, claim.head, when=_when(claim, source))
    return HeadCheck(source, comparison, signature, tuple(problems))
