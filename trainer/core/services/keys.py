"""The organization's issuing keys: creation, rotation, unlocking, and what it publishes
(a JWK Set and an issuer card)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trainer.core import audit, signing
from trainer.core.credentials import IssuerCard, PublicKey, issuer_id
from trainer.core.errors import SigningError
from trainer.core.models import Organization, Person, SigningKey
from trainer.core.services.permissions import current_actor, require
from trainer.core.signing import fingerprint as fingerprint  # re-exported for the UI and CLI


def _organization(session: Session, person: Person) -> Organization:
    org = session.get(Organization, person.organization_id)
    assert org is not None  # a person always belongs to an organization (foreign key)
    return org


def _add_key(session: Session, actor: Person, passphrase: str, now: datetime) -> SigningKey:
    new = signing.generate_key(passphrase)
    row = SigningKey(
        organization_id=actor.organization_id,
        kid=new.kid,
        public_jwk=json.dumps(new.public_jwk, sort_keys=True),
        encrypted_private_key=new.envelope,
        active_from=now,
        created_by_id=actor.id,
    )
    session.add(row)
    session.flush()
    return row


def create_first_key(
    session: Session, actor: Person, passphrase: str, *, now: datetime
) -> SigningKey:
    """At setup: the organization's first ES256 key. Later keys come from rotate_key."""
    fresh = require(session, actor, "manage_keys")
    if active_key(session, fresh.organization_id) is not None:
        raise SigningError("This organization already has a signing key; rotate it instead.")
    row = _add_key(session, fresh, passphrase, now)
    audit.record(session, fresh, "key.created", row.kid, at=now)
    return row


def rotate_key(session: Session, actor: Person, passphrase: str, *, now: datetime) -> SigningKey:
    """Retire the active key (kept, so certificates it signed still verify) and start a new one
    under `passphrase`. Signatures dated after the retirement no longer verify with the old key."""
    fresh = require(session, actor, "manage_keys")
    old = active_key(session, fresh.organization_id)
    signing.check_passphrase(passphrase)
    if old is not None:
        old.retired_at = now
    row = _add_key(session, fresh, passphrase, now)
    audit.record(
        session, fresh, "key.rotated", row.kid, at=now, retired=old.kid if old is not None else None
    )
    return row


def active_key(session: Session, organization_id: int) -> SigningKey | None:
    return session.scalars(
        select(SigningKey)
        .where(SigningKey.organization_id == organization_id, SigningKey.retired_at.is_(None))
        .order_by(SigningKey.id.desc())
    ).first()


def all_keys(session: Session, organization_id: int) -> list[SigningKey]:
    return list(
        session.scalars(
            select(SigningKey)
            .where(SigningKey.organization_id == organization_id)
            .order_by(SigningKey.id)
        )
    )


def unlock(session: Session, actor: Person, passphrase: str) -> signing.UnlockedKey:
    """The active key, decrypted for one issuing session. Managers only."""
    fresh = require(session, actor, "issue_credentials")
    row = active_key(session, fresh.organization_id)
    if row is None:
        raise SigningError(
            "This organization has no signing key yet. A manager or admin creates one under "
            "Organization › Signing keys."
        )
    return signing.unlock(row.kid, row.encrypted_private_key, passphrase)


def _public(row: SigningKey) -> PublicKey:
    jwk: dict[str, str] = json.loads(row.public_jwk)
    return PublicKey(row.kid, jwk, row.active_from, row.retired_at)


def public_keys(session: Session, organization_id: int) -> list[PublicKey]:
    return [_public(row) for row in all_keys(session, organization_id)]


def jwks(session: Session, organization_id: int) -> dict[str, Any]:
    """The public keys as a JWK Set (RFC 7517)."""
    return {
        "keys": [
            {**k.jwk, "kid": k.kid, "alg": signing.ALG, "use": "sig"}
            for k in public_keys(session, organization_id)
        ]
    }


def issuer_card(session: Session, organization_id: int) -> IssuerCard:
    org = session.get(Organization, organization_id)
    if org is None:
        raise SigningError("There is no organization in this database.")
    keys = tuple(public_keys(session, organization_id))
    if not keys:
        raise SigningError("This organization has no signing key yet, so it has no issuer card.")
    return IssuerCard(issuer_id(org.uid), org.name, org.contact, keys)


@dataclass(frozen=True)
class KeySummary:
    kid: str
    fingerprint: str  # see fingerprint()
    active_from: datetime
    retired_at: datetime | None


def key_summaries(session: Session, actor: Person) -> list[KeySummary]:
    fresh = current_actor(session, actor)
    return [
        KeySummary(r.kid, fingerprint(r.kid), r.active_from, r.retired_at)
        for r in all_keys(session, fresh.organization_id)
    ]
