"""The credential register: revoking, suspending and reinstating, who may see which
credentials, expiry warnings, and the holder's copy (PDF and Open Badge)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from trainer.core import audit
from trainer.core.dates import short_date
from trainer.core.eligibility import WARN_DAYS, Held, Requirement
from trainer.core.errors import NotFoundError, ValidationError
from trainer.core.models import Credential, CredentialStatusEvent, Person
from trainer.core.open_badges import normalize_code
from trainer.core.services.eligibility import held_credentials
from trainer.core.services.issuance import evidence_of
from trainer.core.services.permissions import can, current_actor, require, require_self_or

STATUS_ACTIONS = {  # status change -> audit action
    "revoke": "credential.revoked",
    "suspend": "credential.suspended",
    "reinstate": "credential.reinstated",
}
MIN_REASON = 5


# --- status ------------------------------------------------------------------------------------


def _one_held(session: Session, organization_id: int, credential_id: int) -> Held:
    found = held_credentials(session, organization_id, Credential.id == credential_id)
    if not found:
        raise NotFoundError("No such credential in this organization.")
    return found[0]


def change_status(
    session: Session, actor: Person, credential_id: int, action: str, reason: str, *, now: datetime
) -> Held:
    """Revoke (final), suspend, or reinstate a suspended credential. A reason is mandatory;
    nothing is deleted."""
    fresh = require(session, actor, "issue_credentials")
    held = _one_held(session, fresh.organization_id, credential_id)
    reason = " ".join(reason.split())
    if len(reason) < MIN_REASON:
        raise ValidationError(
            "Reason: say why, in a few words. It is shown to anyone who verifies the certificate.",
            "reason",
        )
    if held.revoked is not None:
        raise ValidationError(
            f"This credential was already revoked on {short_date(held.revoked.at)}."
        )
    if action == "suspend" and held.suspended is not None:
        raise ValidationError("This credential is already suspended.")
    if action == "reinstate" and held.suspended is None:
        raise ValidationError("Only a suspended credential can be reinstated.")
    if action not in STATUS_ACTIONS:
        raise ValidationError(f"Unknown status change {action!r}.")
    session.add(
        CredentialStatusEvent(
            credential_id=held.id,
            action=action,
            reason=reason,
            at=now,
            actor_id=fresh.id,
            actor_name=fresh.full_name,
        )
    )
    session.flush()
    audit.record(
        session,
        fresh,
        STATUS_ACTIONS[action],
        held.uuid,
        at=now,
        reason=reason,
        code=held.code,
    )
    return _one_held(session, fresh.organization_id, credential_id)


# --- lists, warnings, the holder's copy -------------------------------------------------------


def list_credentials(
    session: Session, actor: Person, *, person_id: int | None = None
) -> list[Held]:
    """A person's own credentials; all of the organization's (or one person's) for staff."""
    fresh = current_actor(session, actor)
    if person_id is None:
        require(session, fresh, "view_team")
        return held_credentials(session, fresh.organization_id)
    require_self_or(session, fresh, person_id, "view_team")
    return held_credentials(session, fresh.organization_id, Credential.holder_id == person_id)


def expiry_warnings(session: Session, actor: Person, *, now: datetime) -> list[Held]:
    """Credentials expiring within 60 days (or expired) and not renewed: the holder's own, and
    for managers their organization's."""
    fresh = current_actor(session, actor)
    where = [] if can(fresh, "issue_credentials") else [Credential.holder_id == fresh.id]
    horizon = now + timedelta(days=WARN_DAYS)
    return [
        h
        for h in held_credentials(
            session,
            fresh.organization_id,
            Credential.valid_until.is_not(None),
            Credential.valid_until <= horizon,
            *where,
        )
        if h.renewed_by is None and h.revoked is None and h.state(now) in ("expiring", "expired")
    ]


def _readable(session: Session, actor: Person, credential_id: int) -> Credential:
    fresh = current_actor(session, actor)
    row = session.get(Credential, credential_id)
    if row is None or row.organization_id != fresh.organization_id:
        raise NotFoundError("No such credential in this organization.")
    require_self_or(session, fresh, row.holder_id, "view_team")
    return row


def find_credential(session: Session, actor: Person, reference: str) -> int:
    """A credential id from what a person types: the number, the UUID or the verification code."""
    fresh = current_actor(session, actor)
    text = reference.strip().removeprefix("urn:uuid:")
    code = normalize_code(text)
    clauses = [Credential.uuid == text]
    if text.isdecimal() and len(text) <= 10 and int(text) < 2**31:  # larger: no id, an overflow
        clauses.append(Credential.id == int(text))
    if code:
        clauses.append(Credential.code == code)
    found = session.scalars(
        select(Credential.id).where(
            Credential.organization_id == fresh.organization_id, or_(*clauses)
        )
    ).first()
    if found is None:
        raise NotFoundError(f"No credential {reference!r} in this organization.")
    return found


def certificate_pdf(session: Session, actor: Person, credential_id: int) -> bytes:
    """The PDF exactly as issued: the holder's own, or any for staff."""
    return _readable(session, actor, credential_id).pdf


def open_badge_jwt(session: Session, actor: Person, credential_id: int) -> str:
    return _readable(session, actor, credential_id).badge_jwt


def evidence(session: Session, actor: Person, credential_id: int) -> list[Requirement]:
    """What the credential was issued on: the checklist as it stood at issue time."""
    return evidence_of(_readable(session, actor, credential_id))
