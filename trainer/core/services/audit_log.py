"""Reading the audit log (admins only); entries are written by the services that act."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from trainer.core.audit import ChainReport, verify_chain
from trainer.core.models import AuditEntry, Person
from trainer.core.services.permissions import require


def require_audit_access(session: Session, actor: Person) -> Person:
    return require(session, actor, "view_audit")


def recent_entries(session: Session, actor: Person, *, limit: int = 200) -> list[AuditEntry]:
    require_audit_access(session, actor)
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))


def verify(session: Session, actor: Person) -> ChainReport:
    require_audit_access(session, actor)
    return verify_chain(session)
